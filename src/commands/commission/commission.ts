/**
 * Commissioning batches from what a manufacturer types or lists in a file: every field is checked off-chain
 * (GTIN check digit, lot, expiry, quantity, storage range, certificate, serial file), then against the chain
 * (the signer's role and prefixes, whether the batch exists), and only then sent. A batch that is on-chain
 * already, commissioned by the same manufacturer with the same data, is skipped and its serial file made
 * sure of, so commands can be re-run after a crash.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ZeroHash, type ContractTransactionReceipt, type Signer } from "ethers";
import type { IBatchRegistry, RxTrace } from "../../../typechain-types";
import type { BatchCommissionedEvent } from "../../../typechain-types/contracts/RxTrace";
import { hashFile, parseDate, parseWhole, sendAndReport } from "../shared/cli";
import { Role, Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { expiryFromYYMMDD, formatGtin, parseGtin, parseLot, parseSerial } from "../../gs1/identifiers";
import { batchIdOf } from "../../domain/ids";
import { chainNow, formatDay } from "../admin/admin";
import { saveSerialFile, serialFilePath, parseSerialList, type SerialFile } from "../../files/serial-files";
import { SerialTree } from "../../merkle/serial-tree";
import { deploymentsDir } from "../../chain/deployment";
import { queryEvent } from "../../chain/events/query";

type Print = (line: string) => void;

/** What describes one batch, as text (flags of rx:commission, a CSV line or a JSON entry). */
export interface BatchFields {
  gtin?: string;
  lot?: string;
  expiry?: string;
  quantity?: string;
  minTemp?: string;
  maxTemp?: string;
  certificate?: string;
  certificateUri?: string;
  serials?: string;
}

export type FieldKey = keyof BatchFields;

export const FIELD_KEYS: readonly FieldKey[] = ["gtin", "lot", "expiry", "quantity", "minTemp", "maxTemp", "certificate", "certificateUri", "serials"];
export const REQUIRED_KEYS: readonly FieldKey[] = FIELD_KEYS.filter((k) => k !== "serials");

/** The command-line flag of a field: minTemp → --min-temp. */
export function flagOf(key: FieldKey): string {
  return "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** A batch checked off-chain and ready to send. */
export interface BatchPlan {
  batchId: string;
  gtin: bigint;
  lot: string;
  expiry: number;
  quantity: bigint;
  minTemp: number;
  maxTemp: number;
  certificateHash: string;
  certificateURI: string;
  /** The serial tree, when a serial file was given. */
  tree?: SerialTree;
  commission: IBatchRegistry.CommissionStruct;
}

export interface PlanOptions {
  /** How a field is named in messages: the flag ("--gtin") or the file position ("batches.csv line 4, gtin"). */
  label?: (key: FieldKey) => string;
  /** Relative certificate and serial paths are resolved against this directory. */
  baseDir?: string;
  /** The chain's current time (unix s): the expiry must be after it. */
  now: number;
  /** keccak256 of files read already (one certificate often covers several lots). */
  fileHashes?: Map<string, string>;
}

/** Temperatures in °C (at most one decimal) → tenths of a degree, within int16. */
export function parseCelsius(value: string, field: string): number {
  const text = value.trim();
  if (!/^[+-]?\d+(\.\d)?$/.test(text)) throw new InputError(field, value, "a temperature in °C with at most one decimal (e.g. 2 or -2.5)");
  const tenths = Math.round(Number(text) * 10);
  if (tenths < -32768 || tenths > 32767) throw new InputError(field, value, "a temperature from -3276.8 to 3276.7 °C");
  return tenths;
}

/** AI (17) YYMMDD or YYYY-MM-DD → the unix second of the end of that day (UTC). */
export function parseExpiry(value: string, field: string): number {
  const text = value.trim();
  if (/^\d{6}$/.test(text)) return expiryFromYYMMDD(text, field);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseDate(text, field);
  throw new InputError(field, value, "a date as YYMMDD (AI 17, e.g. 271231) or YYYY-MM-DD");
}

/** A URI of the certificate of origin: scheme://something, no spaces. */
export function parseCertificateUri(value: string, field: string): string {
  const text = value.trim();
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/\S+$/.test(text)) throw new InputError(field, value, "where to fetch the certificate, e.g. ipfs://<CID> or https://…");
  return text;
}

/** Reads and checks a serial file: each serial valid, none repeated, as many as `quantity`. */
export function readSerials(file: string, field: string, quantity: bigint | undefined): SerialTree {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(field, file, "a readable file of pack serials (one per line, or a JSON array)");
  let serials: string[];
  try {
    serials = parseSerialList(readFileSync(file, "utf8"), file);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(field, file, error.expected);
    throw new InputError(field, file, `a list of serials (${(error as Error).message})`);
  }
  if (serials.length === 0) throw new InputError(field, file, "at least one serial");
  const seen = new Map<string, number>();
  serials.forEach((serial, i) => {
    parseSerial(serial, `${field} ${path.basename(file)} serial ${i + 1}`);
    const before = seen.get(serial);
    if (before !== undefined) throw new InputError(`${field} ${path.basename(file)} serial ${i + 1}`, serial, `serials unique within the batch (also serial ${before + 1})`);
    seen.set(serial, i);
  });
  if (quantity !== undefined && BigInt(serials.length) !== quantity) {
    throw new InputError(field, file, `${quantity} serials, one per unit of the quantity (the file has ${serials.length})`);
  }
  return SerialTree.of(serials);
}

/**
 * Checks every field of one batch off-chain. Returns the plan, or every field error found (so an import can
 * report all of them at once).
 */
export function planBatch(fields: BatchFields, options: PlanOptions): { plan?: BatchPlan; errors: InputError[] } {
  const label = options.label ?? flagOf;
  const baseDir = options.baseDir ?? process.cwd();
  const errors: InputError[] = [];
  const check = <T>(key: FieldKey, parse: (value: string, field: string) => T): T | undefined => {
    const value = fields[key];
    if (value === undefined || value.trim() === "") {
      if (key !== "serials") errors.push(new InputError(label(key), value ?? "", `a value (required)`));
      return undefined;
    }
    try {
      return parse(value, label(key));
    } catch (error) {
      if (error instanceof InputError) errors.push(error);
      else errors.push(new InputError(label(key), value, (error as Error).message));
      return undefined;
    }
  };
  const gtin = check("gtin", (v, f) => parseGtin(v, f));
  const lot = check("lot", (v, f) => parseLot(v, f));
  const expiry = check("expiry", (v, f) => {
    const time = parseExpiry(v, f);
    if (time <= options.now) throw new InputError(f, v, `a date after the chain's current time (${new Date(options.now * 1000).toISOString()})`);
    if (time >= 2 ** 40) throw new InputError(f, v, "a realistic date");
    return time;
  });
  const quantity = check("quantity", (v, f) => parseWhole(v, f, 1n, (1n << 48n) - 1n));
  const minTemp = check("minTemp", (v, f) => parseCelsius(v, f));
  const maxTemp = check("maxTemp", (v, f) => {
    const max = parseCelsius(v, f);
    if (minTemp !== undefined && minTemp >= max) {
      throw new InputError(f, v, `a maximum above the minimum (${label("minTemp")} ${fields.minTemp} °C)`);
    }
    return max;
  });
  const certificateHash = check("certificate", (v, f) => {
    const file = path.resolve(baseDir, v.trim());
    const cached = options.fileHashes?.get(file);
    if (cached) return cached;
    const hash = hashFile(file, f, "the certificate of origin, hashed with keccak256");
    options.fileHashes?.set(file, hash);
    return hash;
  });
  const certificateURI = check("certificateUri", (v, f) => parseCertificateUri(v, f));
  const tree = check("serials", (v, f) => readSerials(path.resolve(baseDir, v.trim()), f, quantity));
  if (
    errors.length > 0 ||
    gtin === undefined ||
    lot === undefined ||
    expiry === undefined ||
    quantity === undefined ||
    minTemp === undefined ||
    maxTemp === undefined ||
    certificateHash === undefined ||
    certificateURI === undefined
  ) {
    return { errors };
  }
  const plan: BatchPlan = {
    batchId: batchIdOf(gtin, lot),
    gtin,
    lot,
    expiry,
    quantity,
    minTemp,
    maxTemp,
    certificateHash,
    certificateURI,
    tree,
    commission: {
      gtin,
      lot,
      expiry,
      quantity,
      minTemp,
      maxTemp,
      serialRoot: tree?.root ?? ZeroHash,
      certificateHash,
      certificateURI,
    },
  };
  return { plan, errors };
}

/** What the chain says about a planned batch. */
export type ChainStatus = { state: "new" } | { state: "onchain" } | { state: "conflict"; error: InputError };

/** The signer's partner record and which of its company prefixes owners we looked up. */
export class ManufacturerView {
  private readonly owners = new Map<string, string>();
  private prefixList?: string[];

  private constructor(
    readonly rx: RxTrace,
    readonly account: string,
    readonly role: Role,
    readonly standing: Standing,
    readonly prefixLengths: bigint,
    readonly paused: boolean,
    readonly fromBlock: number,
  ) {}

  static async load(rx: RxTrace, account: string, fromBlock = 0): Promise<ManufacturerView> {
    const [p, standing, paused] = await Promise.all([rx.partner(account), rx.standing(account), rx.paused()]);
    return new ManufacturerView(rx, account, Number(p.role) as Role, Number(standing) as Standing, p.prefixLengths, paused, fromBlock);
  }

  /** True when the account may commission at all (authorized manufacturer, suite not paused). */
  get mayCommission(): boolean {
    return this.role === Role.Manufacturer && this.standing === Standing.Authorized && !this.paused;
  }

  /** True when `gtin` starts (after the indicator digit) with one of the account's prefixes: the contract's rule. */
  async ownsGtin(gtin: bigint): Promise<boolean> {
    const digits = formatGtin(gtin);
    for (let length = 4; length <= 12; length++) {
      if (((this.prefixLengths >> BigInt(length)) & 1n) === 0n) continue;
      const prefix = digits.slice(1, 1 + length);
      let owner = this.owners.get(prefix);
      if (owner === undefined) {
        owner = await this.rx.companyPrefixOwner(prefix);
        this.owners.set(prefix, owner);
      }
      if (owner.toLowerCase() === this.account.toLowerCase()) return true;
    }
    return false;
  }

  private commissions?: Promise<Map<string, BatchCommissionedEvent.Log>>;

  /**
   * The BatchCommissioned event of one of the account's batches (the quantity, certificate and full serial root
   * are only there). All of the account's events are read once, in ranges public RPCs accept, so re-running a
   * file of thousands of batches costs one pass over the history, not one per batch.
   */
  async commissionedEvent(batchId: string): Promise<BatchCommissionedEvent.Log | undefined> {
    this.commissions ??= (async () => {
      const byBatch = new Map<string, BatchCommissionedEvent.Log>();
      for (const event of await queryEvent(this.rx, this.rx.filters.BatchCommissioned(undefined, this.account), { fromBlock: this.fromBlock })) {
        byBatch.set(event.args.batchId.toLowerCase(), event);
      }
      return byBatch;
    })();
    return (await this.commissions).get(batchId.toLowerCase());
  }

  /** The account's company prefixes, from the CompanyPrefixAssigned events (for messages). */
  async prefixes(): Promise<string[]> {
    if (this.prefixList === undefined) {
      try {
        const events = await queryEvent(this.rx, this.rx.filters.CompanyPrefixAssigned(this.account), { fromBlock: this.fromBlock });
        this.prefixList = events.map((e) => e.args.prefix);
      } catch {
        this.prefixList = [];
      }
    }
    return this.prefixList;
  }
}

/**
 * Fails with the contract's own error (e.g. PartnerWrongRole, PartnerNotAuthorized, EnforcedPause) when the
 * signer may not commission: a read-only call, nothing is sent.
 */
export async function requireMayCommission(rx: RxTrace, signer: Signer, view: ManufacturerView, sample: BatchPlan): Promise<void> {
  if (view.mayCommission) return;
  await rx.connect(signer).commissionBatch.staticCall(sample.commission);
}

/** Compares a planned batch with the chain: new, on-chain already (same manufacturer and data), or a conflict. */
export async function chainStatus(view: ManufacturerView, plan: BatchPlan, label: (key: FieldKey) => string = flagOf): Promise<ChainStatus> {
  const rx = view.rx;
  const onChain = await rx.batch(plan.batchId);
  if (onChain.expiry === 0n) {
    if (view.role === Role.Manufacturer && !(await view.ownsGtin(plan.gtin))) {
      const mine = await view.prefixes();
      const yours = mine.length > 0 ? `company prefix ${mine.join(", ")}` : "company prefixes";
      return {
        state: "conflict",
        error: new InputError(label("gtin"), formatGtin(plan.gtin), `a GTIN under ${view.account}'s ${yours} (BatchGtinNotOwned: the admin assigns prefixes with rx:prefix)`),
      };
    }
    return { state: "new" };
  }
  const manufacturer = await rx.manufacturerOf(plan.batchId);
  if (manufacturer.toLowerCase() !== view.account.toLowerCase()) {
    return {
      state: "conflict",
      error: new InputError(label("lot"), plan.lot, `a lot not commissioned yet: GTIN ${formatGtin(plan.gtin)} lot ${plan.lot} (batch ${plan.batchId}) was commissioned by ${manufacturer}`),
    };
  }
  const differences: string[] = [];
  if (onChain.expiry !== BigInt(plan.expiry)) differences.push(`${label("expiry")} ${formatDay(onChain.expiry)} on-chain`);
  if (onChain.minTemp !== BigInt(plan.minTemp)) differences.push(`${label("minTemp")} ${Number(onChain.minTemp) / 10} °C on-chain`);
  if (onChain.maxTemp !== BigInt(plan.maxTemp)) differences.push(`${label("maxTemp")} ${Number(onChain.maxTemp) / 10} °C on-chain`);
  const rootOnChain = onChain.serialRoot.toLowerCase();
  const rootHere = (plan.tree?.root ?? ZeroHash).slice(0, 44).toLowerCase();
  if (rootOnChain !== rootHere) differences.push(`${label("serials")}: another serial root on-chain (${rootOnChain}…)`);
  // The quantity, the certificate and the full serial root are only in the BatchCommissioned event.
  const event = await view.commissionedEvent(plan.batchId);
  if (!event) {
    differences.push(`${label("quantity")}, ${label("certificate")}, ${label("certificateUri")}: no BatchCommissioned event found to compare them with`);
  } else {
    const committed = event.args.batch;
    if (committed.quantity !== plan.quantity) differences.push(`${label("quantity")} ${committed.quantity} on-chain`);
    if (committed.certificateHash.toLowerCase() !== plan.certificateHash.toLowerCase()) {
      differences.push(`${label("certificate")}: another file on-chain (keccak256 ${committed.certificateHash}, this file ${plan.certificateHash})`);
    }
    if (committed.certificateURI !== plan.certificateURI) differences.push(`${label("certificateUri")} ${committed.certificateURI} on-chain`);
    if (rootOnChain === rootHere && committed.serialRoot.toLowerCase() !== (plan.tree?.root ?? ZeroHash).toLowerCase()) {
      differences.push(`${label("serials")}: another serial root on-chain (${committed.serialRoot})`);
    }
  }
  if (differences.length > 0) {
    return {
      state: "conflict",
      error: new InputError(label("lot"), plan.lot, `the same data as batch ${plan.batchId}, already on-chain, or another lot: ${differences.join("; ")}`),
    };
  }
  return { state: "onchain" };
}

/** Writes the serial file of a batch unless it exists with the same root; returns its path and whether it wrote. */
export function ensureSerialFile(network: string, plan: BatchPlan, dir = deploymentsDir()): { file?: string; written: boolean } {
  if (!plan.tree) return { written: false };
  const file = serialFilePath(network, plan.batchId, dir);
  if (existsSync(file)) {
    try {
      const content = JSON.parse(readFileSync(file, "utf8")) as SerialFile;
      if (content.root === plan.tree.root && content.serials.length === plan.tree.size) return { file, written: false };
    } catch {
      // unreadable: written again below
    }
  }
  return { file: saveSerialFile(network, plan.batchId, plan.gtin, plan.lot, plan.tree, dir), written: true };
}

/** One line describing a batch. */
export function describePlan(plan: BatchPlan): string {
  return `GTIN ${formatGtin(plan.gtin)} lot ${plan.lot}`;
}

export interface CommissionResult {
  batchId: string;
  /** Absent when the batch was on-chain already (skipped). */
  receipt?: ContractTransactionReceipt;
  serialFile?: string;
}

/** Sends one planned batch, checks its BatchCommissioned event, saves its serial file. */
export async function sendCommission(
  rx: RxTrace,
  signer: Signer,
  plan: BatchPlan,
  network: string,
  label: string,
  print: Print = console.log,
  dir = deploymentsDir(),
): Promise<CommissionResult> {
  const receipt = await sendAndReport(label, rx.connect(signer).commissionBatch(plan.commission), print);
  const event = receipt.logs
    .map((log) => {
      try {
        return rx.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .find((parsed) => parsed?.name === "BatchCommissioned");
  if (!event || event.args.batchId !== plan.batchId) {
    throw new Error(`transaction ${receipt.hash} has no BatchCommissioned event for batch ${plan.batchId}`);
  }
  const { file } = ensureSerialFile(network, plan, dir);
  return { batchId: plan.batchId, receipt, serialFile: file };
}

/** What rx:commission prints about the batch besides the transaction line. */
export function planSummary(plan: BatchPlan): string {
  const serials = plan.tree ? `${plan.tree.size} serials, root ${plan.tree.root}` : "no serials";
  return (
    `  ${plan.quantity} units, expiry ${formatDay(plan.expiry)}, storage ${(plan.minTemp / 10).toFixed(1)} to ${(plan.maxTemp / 10).toFixed(1)} °C, ` +
    `${serials}, certificate ${plan.certificateHash} at ${plan.certificateURI}`
  );
}

/** Several field errors at once; the message lists each on its own line. */
export class InputErrors extends Error {
  constructor(
    readonly errors: readonly InputError[],
    heading?: string,
  ) {
    super([...(heading ? [heading] : []), ...errors.map((e) => (heading ? `  ${e.message}` : e.message))].join("\n"));
    this.name = "InputErrors";
  }
}

export interface CommissionContext {
  rx: RxTrace;
  signer: Signer;
  signerAddress: string;
  network: string;
  /** The deployment's block, where event queries start. */
  fromBlock?: number;
  dir?: string;
}

/**
 * rx:commission: checks the flags, then the chain, then sends one batch and saves its serial file. A batch
 * already on-chain from the same manufacturer with the same data is skipped (its serial file made sure of).
 */
/**
 * The flags' own checks, before anything is read from the chain, so that a bad field is reported even with no
 * deployment at hand. "Expiry in the future" waits for the chain's clock (commissionOne checks it).
 */
export function checkBatchFields(fields: BatchFields): void {
  const { plan, errors } = planBatch(fields, { now: 0 });
  if (!plan) throw errors.length === 1 ? errors[0] : new InputErrors(errors);
}

export async function commissionOne(ctx: CommissionContext, fields: BatchFields, print: Print = console.log): Promise<CommissionResult & { plan: BatchPlan; skipped: boolean }> {
  const now = await chainNow(ctx.rx);
  const { plan, errors } = planBatch(fields, { now });
  if (!plan) throw errors.length === 1 ? errors[0] : new InputErrors(errors);
  const view = await ManufacturerView.load(ctx.rx, ctx.signerAddress, ctx.fromBlock);
  await requireMayCommission(ctx.rx, ctx.signer, view, plan);
  const status = await chainStatus(view, plan);
  if (status.state === "conflict") throw status.error;
  if (status.state === "onchain") {
    const { file, written } = ensureSerialFile(ctx.network, plan, ctx.dir);
    print(`${describePlan(plan)}: skipped, already on-chain as batch ${plan.batchId}`);
    if (file) print(`  serial file ${path.relative(process.cwd(), file)}${written ? " (written again)" : ""}`);
    return { batchId: plan.batchId, serialFile: file, plan, skipped: true };
  }
  const result = await sendCommission(ctx.rx, ctx.signer, plan, ctx.network, `commissioned batch ${plan.batchId} (${describePlan(plan)})`, print, ctx.dir);
  print(planSummary(plan));
  if (result.serialFile) print(`  serial file ${path.relative(process.cwd(), result.serialFile)}`);
  return { ...result, plan, skipped: false };
}

