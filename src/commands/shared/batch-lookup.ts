/**
 * What the custody, safety and dispensing commands share: finding a commissioned batch from the GTIN and lot
 * a person typed, naming partners, reading input files and wording temperatures. Everything here validates
 * and reads; nothing sends a transaction.
 */
import { keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { RxTrace } from "../../../typechain-types";
import type { BatchStructOutput } from "../../../typechain-types/contracts/RxTrace";
import { runCommand } from "./cli";
import { connect, type DeploymentRecord } from "../../chain/deployment";
import { Role, Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { formatGln, formatGtin, parseGtin, parseLot } from "../../gs1/identifiers";
import { batchIdOf } from "../../domain/ids";

/** Bits of `Batch.flags` (contracts/libraries/BatchFlags.sol). */
export const BATCH_FLAGS = { recalled: 1, suspect: 2, illegitimate: 4, corrected: 8 } as const;

export interface BatchRef {
  gtin: bigint;
  lot: string;
  batchId: string;
}

export interface KnownBatch extends BatchRef {
  record: BatchStructOutput;
}

/** Parses `--gtin` and `--lot` (both required) into the batch id anyone can derive. */
export function parseBatchRef(args: { gtin?: string; lot?: string }): BatchRef {
  if (args.gtin === undefined || args.gtin === "") throw new InputError("--gtin", args.gtin ?? "", "the pack's GTIN (AI 01)");
  if (args.lot === undefined || args.lot === "") throw new InputError("--lot", args.lot ?? "", "the pack's lot (AI 10)");
  const gtin = parseGtin(args.gtin, "--gtin");
  const lot = parseLot(args.lot, "--lot");
  return { gtin, lot, batchId: batchIdOf(gtin, lot) };
}

/** The batch's on-chain record; a clear InputError (nothing sent) when no such batch was commissioned. */
export async function requireBatch(rx: RxTrace, ref: BatchRef): Promise<KnownBatch> {
  const record = await rx.batch(ref.batchId);
  if (record.expiry === 0n) {
    throw new InputError(
      "--gtin/--lot",
      `${formatGtin(ref.gtin)} / ${ref.lot}`,
      `the GTIN and lot of a commissioned batch (no batch ${ref.batchId} on this deployment: check the pack's code)`,
    );
  }
  return { ...ref, record };
}

/** "GTIN 00312345000171 lot A24-0001 (batch 0x…)". */
export function describeBatch(ref: BatchRef): string {
  return `GTIN ${formatGtin(ref.gtin)} lot ${ref.lot} (batch ${ref.batchId})`;
}

/** "active", "recalled (class I), suspect"… from a batch record. */
export function describeBatchState(record: BatchStructOutput): string {
  const flags = Number(record.flags);
  const states: string[] = [];
  if (flags & BATCH_FLAGS.recalled) states.push(`recalled (class ${["", "I", "II", "III"][Number(record.recallClass)] ?? record.recallClass})`);
  if (flags & BATCH_FLAGS.suspect) states.push("suspect");
  if (flags & BATCH_FLAGS.illegitimate) states.push("illegitimate");
  if (states.length === 0) states.push("active");
  // Not a hold: the expiry or certificate was corrected with a regulator's approval after the batch shipped.
  if (flags & BATCH_FLAGS.corrected) states.push("corrected");
  return `${states.join(", ")}, expiry ${new Date(Number(record.expiry) * 1000).toISOString().slice(0, 10)}`;
}

/** "0xabc… (Distributor, GLN 0614141000012)" or "0xabc… (not a partner)". */
export async function partnerLabel(rx: RxTrace, account: string): Promise<string> {
  const p = await rx.partner(account);
  if (p.role === 0n) return `${account} (not a partner)`;
  return `${account} (${Role[Number(p.role)]}, GLN ${formatGln(p.gln)})`;
}

/** Throws an InputError naming `field` when `account` may not hold or receive product now. */
export async function requireAuthorizedPartner(rx: RxTrace, account: string, field: string, value: string): Promise<void> {
  const standing = Number(await rx.standing(account));
  if (standing !== Standing.Authorized) {
    throw new InputError(field, value, `an authorized partner (${account} is ${Standing[standing]}: onboard, reinstate or renew it first)`);
  }
}

/** The exact bytes of a file a person named with `field`. */


/** The bytes32 committed for a free-text reason: keccak256 of its UTF-8 text, zero when there is none. */
export function reasonHashOf(text: string | undefined): string {
  return text === undefined || text === "" ? ZeroHash : keccak256(toUtf8Bytes(text));
}


/** "1 unit", "60 units". */
export function units(n: bigint | number): string {
  return `${n} unit${BigInt(n) === 1n ? "" : "s"}`;
}



export interface Suite {
  rx: RxTrace;
  record: DeploymentRecord;
}

/**
 * Runs a command against the suite of the selected network: `parse` validates the flags first (nothing is
 * read from the chain yet), then it connects (a clear error when there is no live deployment) and runs
 * `body`, whose contract refusals are decoded by name. Every failure is one line and a non-zero exit.
 */
export async function withSuite<P, T>(
  hre: HardhatRuntimeEnvironment,
  parse: () => P,
  body: (suite: Suite, input: P) => Promise<T>,
): Promise<T> {
  return runCommand(undefined, async () => {
    const input = parse();
    const suite = await connect(hre);
    return runCommand(suite.rx.interface, () => body(suite, input));
  });
}
