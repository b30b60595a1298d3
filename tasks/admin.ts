// The admin's commands: onboard partners (a regulator is onboarded with role regulator), assign company
// prefixes, renew licences, suspend and reinstate, grant and revoke the pauser role, and read a partner's
// record. Thin entry points over src/commands/admin/admin.ts; every one validates its flags before sending.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  assignPrefixes,
  chainNow,
  describePartner,
  formatPartner,
  onboardPartner,
  parseLicenceExpiry,
  parseLicenceRef,
  parseOnboardArgs,
  parsePrefixList,
  reinstatePartner,
  rxInterface,
  renewLicence,
  setPauser,
  suspendPartner,
  type OnboardArgs,
} from "../src/commands/admin/admin";
import { resolvePartner, resolveSigner, runCommand, sendAndReport } from "../src/commands/shared/cli";
import { connect } from "../src/chain/deployment";
import { InputError } from "../src/domain/errors";

/** The suite, the signer and the account a command acts on (`--account`: address or GLN). */
async function setup(hre: HardhatRuntimeEnvironment, signer: string | undefined, account: string | undefined) {
  const { rx, record } = await connect(hre);
  const from = await resolveSigner(hre, signer);
  if (account === undefined || account.trim() === "") throw new InputError("--account", account ?? "", "a partner's address (0x…) or 13-digit GLN");
  const target = await resolvePartner(rx, account.trim(), "--account");
  return { rx, record, from, target };
}

task("rx:onboard", "Onboards a trading partner (admin); --prefix assigns company prefixes in the same transaction")
  .addParam("account", "the partner's address")
  .addParam("role", "manufacturer, distributor, dispenser or regulator")
  .addParam("gln", "the partner's 13-digit GLN (check digit included)")
  .addParam("name", "the company name shown in provenance timelines")
  .addParam("licenceExpiry", "the licence's expiry, YYYY-MM-DD")
  .addOptionalParam("licenceRef", "keccak256 of the licence document, 0x + 64 hex digits")
  .addOptionalParam("licenceFile", "the licence document, hashed with keccak256 (instead of --licence-ref)")
  .addOptionalParam("prefix", "GS1 company prefix(es), comma-separated: a manufacturer's GTINs, any partner's SSCCs")
  .addOptionalParam("signer", "account index or address (default 0, the admin)")
  .setAction(async (args: OnboardArgs & { signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const { rx } = await connect(hre);
      const from = await resolveSigner(hre, args.signer);
      const request = parseOnboardArgs(args, await chainNow(rx));
      const receipt = await onboardPartner(rx, from, request);
      return { ...request, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:prefix", "Assigns GS1 company prefixes to a partner (admin): GTINs for a manufacturer, SSCCs for anyone")
  .addParam("account", "the partner's address or GLN")
  .addParam("prefix", "GS1 company prefix(es), 4 to 12 digits, comma-separated")
  .addOptionalParam("signer", "account index or address (default 0, the admin)")
  .setAction(async (args: { account?: string; prefix: string; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const prefixes = parsePrefixList(args.prefix, "--prefix");
      const { rx, from, target } = await setup(hre, args.signer, args.account);
      const receipt = await assignPrefixes(rx, from, target, prefixes);
      return { account: target, prefixes, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:renew", "Renews a partner's licence (admin)")
  .addParam("account", "the partner's address or GLN")
  .addParam("licenceExpiry", "the new licence's expiry, YYYY-MM-DD")
  .addOptionalParam("licenceRef", "keccak256 of the licence document, 0x + 64 hex digits")
  .addOptionalParam("licenceFile", "the licence document, hashed with keccak256 (instead of --licence-ref)")
  .addOptionalParam("signer", "account index or address (default 0, the admin)")
  .setAction(async (args: { account?: string; licenceExpiry?: string; licenceRef?: string; licenceFile?: string; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const licenceRef = parseLicenceRef(args.licenceRef, args.licenceFile);
      const { rx, from, target } = await setup(hre, args.signer, args.account);
      const licenceExpiry = parseLicenceExpiry(args.licenceExpiry, await chainNow(rx));
      const receipt = await renewLicence(rx, from, target, licenceRef, licenceExpiry);
      return { account: target, licenceRef, licenceExpiry, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:suspend", "Suspends a partner (admin; works while paused)")
  .addParam("account", "the partner's address or GLN")
  .addOptionalParam("reason", "why, recorded as its keccak256 hash")
  .addOptionalParam("signer", "account index or address (default 0, the admin)")
  .setAction(async (args: { account?: string; reason?: string; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const { rx, from, target } = await setup(hre, args.signer, args.account);
      const receipt = await suspendPartner(rx, from, target, args.reason);
      return { account: target, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:reinstate", "Lifts a partner's suspension (admin)")
  .addParam("account", "the partner's address or GLN")
  .addOptionalParam("signer", "account index or address (default 0, the admin)")
  .setAction(async (args: { account?: string; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const { rx, from, target } = await setup(hre, args.signer, args.account);
      const receipt = await reinstatePartner(rx, from, target);
      return { account: target, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

for (const [name, pauser] of [
  ["rx:grant-pauser", true],
  ["rx:revoke-pauser", false],
] as const) {
  task(name, pauser ? "Grants PAUSER_ROLE to an account (admin)" : "Revokes PAUSER_ROLE from an account (admin)")
    .addParam("account", "the account's address (or a partner's GLN)")
    .addOptionalParam("signer", "account index or address (default 0, the admin)")
    .setAction(async (args: { account?: string; signer?: string }, hre) =>
      runCommand(await rxInterface(hre), async () => {
        const { rx, from, target } = await setup(hre, args.signer, args.account);
        const receipt = await setPauser(rx, from, target, pauser);
        return { account: target, transactionHash: receipt?.hash, gasUsed: receipt?.gasUsed };
      }),
    );
}

for (const [name, pause] of [
  ["rx:pause", true],
  ["rx:unpause", false],
] as const) {
  task(name, pause ? "Pauses every movement of product and widening of rights (the pauser)" : "Ends a pause (the pauser)")
    .addOptionalParam("signer", "account index or address of a PAUSER_ROLE holder (default 0)")
    .setAction(async (args: { signer?: string }, hre) =>
      runCommand(await rxInterface(hre), async () => {
        const { rx } = await connect(hre);
        const from = await resolveSigner(hre, args.signer);
        if ((await rx.paused()) === pause) {
          console.log(`the suite is ${pause ? "already paused" : "not paused"}: nothing sent`);
          return { paused: pause };
        }
        const pauser = rx.connect(from);
        const receipt = await sendAndReport(pause ? "paused" : "unpaused", pause ? pauser.pause() : pauser.unpause());
        console.log(pause ? "the suite is paused: shipping, receiving, commissioning and onboarding are refused until rx:unpause" : "the suite is running again");
        return { paused: pause, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
      }),
    );
}

task("rx:partner", "Prints a partner's record and standing (read-only)")
  .addParam("account", "the partner's address or GLN")
  .setAction(async (args: { account?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      // Read-only: no signer, so no key is needed on a public network.
      const { rx, record } = await connect(hre);
      if (args.account === undefined || args.account.trim() === "") throw new InputError("--account", args.account ?? "", "a partner's address (0x…) or 13-digit GLN");
      const target = await resolvePartner(rx, args.account.trim(), "--account");
      const report = await describePartner(rx, target, record.contracts.RxTrace.blockNumber);
      for (const line of formatPartner(report, await chainNow(rx))) console.log(line);
      return report;
    }),
  );
