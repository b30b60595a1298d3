import { task } from "hardhat/config";
import { runCommand } from "../src/commands/shared/cli";
import { formatReport, verdictExitCode } from "../src/domain/report";
import { packPathOf, packPathSummary } from "../src/domain/pack-path";
import { verifyFromArgs, type VerifyArgs } from "../src/commands/verify/verify-command";
import type { AskArgs } from "../src/commands/vrs/vrs-command";

task("rx:verify", "Is this pack genuine and safe to dispense? Prints the verdict, the pack's own path (--json: `path`) and the lot's other legs apart")
  .addOptionalParam("link", "the pack's GS1 Digital Link (as in its QR code)")
  .addOptionalParam("gtin", "GTIN (8, 12, 13 or 14 digits)")
  .addOptionalParam("lot", "lot (AI 10)")
  .addOptionalParam("serial", "serial (AI 21)")
  .addOptionalParam("expiry", "expiry printed on the pack, YYMMDD (AI 17)")
  .addOptionalParam("holder", "check that this partner (address or GLN) holds saleable units of the lot")
  .addOptionalParam("certificate", "a certificate of origin document to compare with the on-chain hash")
  .addOptionalParam("manifests", "manifest files of the batch's legs, separated by commas (default: those under deployments/<network>/manifests/)")
  .addFlag("json", "print one JSON object (with a `verdict` field) instead of text")
  .addFlag(
    "all",
    "list every event of the lot's other legs; by default the text shows the pack's own path in full (its manifests' legs, or the " +
      "lot-level legs that can have carried it to its dispenser or to --holder) and the lot's other legs one line each",
  )
  .addOptionalParam("vrs", "ask this GS1 verification responder instead (its URL): a signed verification request, as a returns desk sends it")
  .addOptionalParam("signer", "with --vrs: the account that signs the request (an index or an address; default 0), an onboarded partner")
  .addOptionalParam("reqGln", "with --vrs: the requester's GLN (default: the --signer partner's GLN on this network)")
  .addOptionalParam("corrUuid", "with --vrs: the request's correlation UUID (default: a new one)")
  .setAction(async (args: VerifyArgs & Partial<AskArgs> & { json: boolean; all: boolean }, hre) => {
    if (args.vrs !== undefined) {
      // Loaded only when asked: every other command starts without the responder's code.
      const [{ askFromArgs }, { formatAnswer, vrsExitCode }] = await Promise.all([import("../src/commands/vrs/vrs-command"), import("../src/vrs/client")]);
      const answer = await runCommand(undefined, () => askFromArgs(hre, { ...args, vrs: args.vrs as string }));
      console.log(args.json ? JSON.stringify(answer, null, 2) : formatAnswer(answer).join("\n"));
      process.exitCode = vrsExitCode(answer);
      return answer;
    }
    const report = await runCommand(undefined, () => verifyFromArgs(hre, args));
    // --json: the report, plus `path`: which legs are the pack's and which the lot's (src/domain/pack-path.ts).
    const json = () => JSON.stringify({ ...report, path: packPathSummary(packPathOf(report)) }, null, 2);
    console.log(args.json ? json() : formatReport(report, { all: args.all }).join("\n"));
    // 0 only for a genuine pack that may be dispensed; the README lists the other codes.
    process.exitCode = verdictExitCode(report);
    return report;
  });
