import { task } from "hardhat/config";
import { runCommand } from "../src/commands/shared/cli";
import { formatReport, verdictExitCode } from "../src/domain/report";
import { verifyFromArgs, type VerifyArgs } from "../src/commands/verify/verify-command";

task("rx:verify", "Is this pack genuine and safe to dispense? Prints the verdict and the provenance timeline")
  .addOptionalParam("link", "the pack's GS1 Digital Link (as in its QR code)")
  .addOptionalParam("gtin", "GTIN (8, 12, 13 or 14 digits)")
  .addOptionalParam("lot", "lot (AI 10)")
  .addOptionalParam("serial", "serial (AI 21)")
  .addOptionalParam("expiry", "expiry printed on the pack, YYMMDD (AI 17)")
  .addOptionalParam("holder", "check that this partner (address or GLN) holds saleable units of the lot")
  .addOptionalParam("certificate", "a certificate of origin document to compare with the on-chain hash")
  .addOptionalParam("manifests", "manifest files of the batch's legs, separated by commas (default: those under deployments/<network>/manifests/)")
  .addFlag("json", "print one JSON object (with a `verdict` field) instead of text")
  .setAction(async (args: VerifyArgs & { json: boolean }, hre) => {
    const report = await runCommand(undefined, () => verifyFromArgs(hre, args));
    console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report).join("\n"));
    // 0 only for a genuine pack that may be dispensed; the README lists the other codes.
    process.exitCode = verdictExitCode(report);
    return report;
  });
