/**
 * The admin's work on the partner registry, for the rx:onboard, rx:prefix, rx:renew, rx:suspend,
 * rx:reinstate, rx:grant-pauser, rx:revoke-pauser and rx:partner commands (and the demo): parse what a person
 * typed into checked values (InputError naming the flag otherwise), then send and report.
 */
import { Interface, ZeroHash, getAddress, id, isAddress, type ContractTransactionReceipt, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { RxTrace } from "../../../typechain-types";
import { queryEvents } from "../../chain/events/query";
import { hashFile, parseBytes32, parseDate, sendAndReport } from "../shared/cli";
import { Role, Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { formatGln, parseCompanyPrefix, parseGln } from "../../gs1/identifiers";

type Print = (line: string) => void;

/** The roles a partner can be onboarded with, as typed on the command line. */
const ROLE_WORDS: Record<string, Role> = {
  manufacturer: Role.Manufacturer,
  distributor: Role.Distributor,
  dispenser: Role.Dispenser,
  regulator: Role.Regulator,
};

/** A checksummed address, or an InputError naming `field`. */
export function parseAddress(value: string | undefined, field: string): string {
  if (value === undefined || !isAddress(value)) throw new InputError(field, value ?? "", "an address (0x followed by 40 hex digits)");
  if (BigInt(value) === 0n) throw new InputError(field, value, "a non-zero address");
  return getAddress(value);
}

export function parseRole(value: string | undefined, field: string): Role {
  const role = value === undefined ? undefined : ROLE_WORDS[value.trim().toLowerCase()];
  if (role === undefined) throw new InputError(field, value ?? "", `one of ${Object.keys(ROLE_WORDS).join(", ")}`);
  return role;
}

export function roleName(role: Role | bigint | number): string {
  return Role[Number(role)] ?? String(role);
}

/** A 32-byte hex value other than zero. */


/** The licence reference from exactly one of `--licence-ref` (a hash) and `--licence-file` (hashed here). */
export function parseLicenceRef(ref: string | undefined, file: string | undefined): string {
  if (ref !== undefined && file !== undefined) {
    throw new InputError("--licence-ref", ref, "either --licence-ref or --licence-file, not both");
  }
  if (ref !== undefined) return parseBytes32(ref, "--licence-ref", "the licence document's keccak256", true);
  if (file !== undefined) return hashFile(file, "--licence-file", "the licence document, hashed with keccak256");
  throw new InputError("--licence-ref", "", "the licence's hash (--licence-ref 0x…) or its document (--licence-file <path>)");
}

/** Comma-separated GS1 company prefixes, each 4 to 12 digits, no repeats. */
export function parsePrefixList(value: string, field: string): string[] {
  const prefixes = value.split(",").map((p) => p.trim());
  for (const p of prefixes) parseCompanyPrefix(p, field);
  const repeated = prefixes.find((p, i) => prefixes.indexOf(p) !== i);
  if (repeated !== undefined) throw new InputError(field, value, `each prefix once (${repeated} is repeated)`);
  return prefixes;
}

/** The latest block's timestamp: what the contract compares expiries with. */
export async function chainNow(rx: RxTrace): Promise<number> {
  const provider = rx.runner?.provider;
  const block = provider ? await provider.getBlock("latest") : null;
  return block ? block.timestamp : Math.floor(Date.now() / 1000);
}

/** YYYY-MM-DD of a unix second (UTC). */
export function formatDay(unix: number | bigint): string {
  return new Date(Number(unix) * 1000).toISOString().slice(0, 10);
}

/** Checks that a date (unix second) is after the chain's current time. */
export function requireFuture(value: string, time: number, now: number, field: string): number {
  if (time <= now) throw new InputError(field, value, `a date after the chain's current time (${new Date(now * 1000).toISOString()})`);
  return time;
}

/** `--licence-expiry` YYYY-MM-DD, after the chain's current time. */
export function parseLicenceExpiry(value: string | undefined, now: number): number {
  return requireFuture(value ?? "", parseDate(value ?? "", "--licence-expiry"), now, "--licence-expiry");
}

export interface OnboardRequest {
  account: string;
  role: Role;
  gln: bigint;
  name: string;
  licenceRef: string;
  licenceExpiry: number;
  /** Company prefixes assigned in the same transaction (GTINs for a manufacturer, SSCCs for anyone). */
  prefixes: string[];
}

export interface OnboardArgs {
  account?: string;
  role?: string;
  gln?: string;
  name?: string;
  licenceExpiry?: string;
  licenceRef?: string;
  licenceFile?: string;
  prefix?: string;
}

/** Checks every flag of rx:onboard; `now` is the chain's time. */
export function parseOnboardArgs(args: OnboardArgs, now: number): OnboardRequest {
  const account = parseAddress(args.account, "--account");
  const role = parseRole(args.role, "--role");
  const gln = parseGln(args.gln ?? "", "--gln");
  const name = (args.name ?? "").trim();
  if (name === "") throw new InputError("--name", args.name ?? "", "the partner's company name");
  const licenceExpiry = parseLicenceExpiry(args.licenceExpiry, now);
  const licenceRef = parseLicenceRef(args.licenceRef, args.licenceFile);
  // Any partner may own prefixes: a manufacturer commissions GTINs under them, any partner seals SSCCs under them.
  const prefixes = args.prefix === undefined ? [] : parsePrefixList(args.prefix, "--prefix");
  return { account, role, gln, name, licenceRef, licenceExpiry, prefixes };
}

/** Onboards a partner, with its company prefixes in the same transaction (`multicall`) when it has any. */
export async function onboardPartner(rx: RxTrace, signer: Signer, req: OnboardRequest, print: Print = console.log): Promise<ContractTransactionReceipt> {
  const admin = rx.connect(signer);
  const label =
    `onboarded ${req.account} as ${roleName(req.role)} "${req.name}" GLN ${formatGln(req.gln)}, ` +
    `licence ${req.licenceRef} valid until ${formatDay(req.licenceExpiry)}`;
  if (req.prefixes.length === 0) {
    return sendAndReport(label, admin.onboardPartner(req.account, req.role, req.gln, req.licenceRef, req.licenceExpiry, req.name), print);
  }
  const calls = [
    rx.interface.encodeFunctionData("onboardPartner", [req.account, req.role, req.gln, req.licenceRef, req.licenceExpiry, req.name]),
    ...req.prefixes.map((p) => rx.interface.encodeFunctionData("assignCompanyPrefix", [req.account, p])),
  ];
  return sendAndReport(`${label}, company prefix ${req.prefixes.join(", ")}`, admin.multicall(calls), print);
}

/** Assigns company prefixes to a partner (several in one `multicall`). */
export async function assignPrefixes(rx: RxTrace, signer: Signer, account: string, prefixes: string[], print: Print = console.log): Promise<ContractTransactionReceipt> {
  const admin = rx.connect(signer);
  const label = `assigned company prefix ${prefixes.join(", ")} to ${account}`;
  if (prefixes.length === 1) return sendAndReport(label, admin.assignCompanyPrefix(account, prefixes[0]), print);
  return sendAndReport(label, admin.multicall(prefixes.map((p) => rx.interface.encodeFunctionData("assignCompanyPrefix", [account, p]))), print);
}

export async function renewLicence(
  rx: RxTrace,
  signer: Signer,
  account: string,
  licenceRef: string,
  licenceExpiry: number,
  print: Print = console.log,
): Promise<ContractTransactionReceipt> {
  return sendAndReport(
    `renewed the licence of ${account}: ${licenceRef} valid until ${formatDay(licenceExpiry)}`,
    rx.connect(signer).renewLicence(account, licenceRef, licenceExpiry),
    print,
  );
}

/** The hash recorded as a suspension's reason: keccak256 of the text, zero when none is given. */
export function reasonHash(reason: string | undefined): string {
  return reason === undefined || reason.trim() === "" ? ZeroHash : id(reason);
}

export async function suspendPartner(rx: RxTrace, signer: Signer, account: string, reason: string | undefined, print: Print = console.log): Promise<ContractTransactionReceipt> {
  const hash = reasonHash(reason);
  const why = hash === ZeroHash ? "no reason given" : `reason ${hash} (keccak256 of ${JSON.stringify(reason)})`;
  return sendAndReport(`suspended ${account}, ${why}`, rx.connect(signer).suspendPartner(account, hash), print);
}

export async function reinstatePartner(rx: RxTrace, signer: Signer, account: string, print: Print = console.log): Promise<ContractTransactionReceipt> {
  return sendAndReport(`reinstated ${account}`, rx.connect(signer).reinstatePartner(account), print);
}

/** Grants or revokes PAUSER_ROLE; sends nothing when the account already is (or is not) a pauser. */
export async function setPauser(
  rx: RxTrace,
  signer: Signer,
  account: string,
  pauser: boolean,
  print: Print = console.log,
): Promise<ContractTransactionReceipt | undefined> {
  const role = await rx.PAUSER_ROLE();
  if ((await rx.hasRole(role, account)) === pauser) {
    print(`${account} ${pauser ? "already holds" : "does not hold"} PAUSER_ROLE: nothing sent`);
    return undefined;
  }
  const admin = rx.connect(signer);
  return pauser
    ? sendAndReport(`granted PAUSER_ROLE to ${account}`, admin.grantRole(role, account), print)
    : sendAndReport(`revoked PAUSER_ROLE from ${account}`, admin.revokeRole(role, account), print);
}

export interface PartnerReport {
  account: string;
  role: Role;
  standing: Standing;
  suspended: boolean;
  gln: bigint;
  licenceExpiry: number;
  prefixes: string[];
  name?: string;
  licenceRef?: string;
  isAdmin: boolean;
  isPauser: boolean;
}

/** Everything known about an account: the stored record, its standing, and name, licence and prefixes from events. */
export async function describePartner(rx: RxTrace, account: string, fromBlock = 0): Promise<PartnerReport> {
  const [p, standing, isAdmin, isPauser] = await Promise.all([
    rx.partner(account),
    rx.standing(account),
    rx.hasRole(await rx.DEFAULT_ADMIN_ROLE(), account),
    rx.hasRole(await rx.PAUSER_ROLE(), account),
  ]);
  const report: PartnerReport = {
    account,
    role: Number(p.role) as Role,
    standing: Number(standing) as Standing,
    suspended: p.suspended,
    gln: p.gln,
    licenceExpiry: Number(p.licenceExpiry),
    prefixes: [],
    isAdmin,
    isPauser,
  };
  if (report.role === Role.None) return report;
  // One scan: the three events share their indexed account, so each chunk is one call.
  const events = await queryEvents(rx, [rx.filters.PartnerOnboarded(account), rx.filters.LicenceRenewed(account), rx.filters.CompanyPrefixAssigned(account)], { fromBlock });
  const [onboarded, renewed, prefixes] = (["PartnerOnboarded", "LicenceRenewed", "CompanyPrefixAssigned"] as const).map((name) => events.filter((e) => e.eventName === name));
  const first = onboarded[0];
  if (first) {
    report.name = first.args.name;
    report.licenceRef = first.args.licenceRef;
  }
  const last = renewed[renewed.length - 1];
  if (last) report.licenceRef = last.args.licenceRef;
  report.prefixes = prefixes.map((e) => e.args.prefix);
  return report;
}

/** The lines rx:partner prints. */
export function formatPartner(r: PartnerReport, now: number): string[] {
  const roles = [r.isAdmin ? "admin" : "", r.isPauser ? "pauser" : ""].filter(Boolean).join(", ") || "none";
  if (r.role === Role.None) return [`${r.account} is not a partner (standing Unknown); access roles: ${roles}`];
  const days = Math.floor((r.licenceExpiry - now) / 86400);
  const licenceState = r.licenceExpiry > now ? `in ${days} days` : "expired";
  return [
    `partner ${r.account}`,
    `  name      ${r.name ?? "(not found in events)"}`,
    `  role      ${roleName(r.role)}`,
    `  GLN       ${formatGln(r.gln)}`,
    `  standing  ${Standing[r.standing]}${r.suspended ? " (suspended by the admin)" : ""}`,
    `  licence   ${r.licenceRef ?? "(not found in events)"} valid until ${formatDay(r.licenceExpiry)} (${licenceState})`,
    `  prefixes  ${r.prefixes.length > 0 ? r.prefixes.join(", ") : "none"}`,
    `  access    ${roles}`,
  ];
}

/** The contract's interface from its artifact, so that failures name its errors; undefined before the first compile. */
export async function rxInterface(hre: HardhatRuntimeEnvironment): Promise<Interface | undefined> {
  if (!(await hre.artifacts.artifactExists("RxTrace"))) return undefined;
  return new Interface((await hre.artifacts.readArtifact("RxTrace")).abi);
}
