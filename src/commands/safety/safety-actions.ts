/**
 * The regulator's and manufacturer's product-safety commands: recall, flag suspect, clear, declare
 * illegitimate, release or condemn quarantined units. Inputs are validated and the batch looked up before
 * anything is sent; the contract decides who may act (its refusals are printed by name).
 */
import { ZeroHash, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import {
  describeBatch,
  describeBatchState,
  partnerLabel,
  parseBatchRef,
  reasonHashOf,
  requireBatch,
  units,
  type BatchRef,
  type KnownBatch,
} from "../shared/batch-lookup";
import { hashFile, parseBytes32, parseWhole, resolvePartner, sendAndReport } from "../shared/cli";
import { RecallClass, ShipmentStatus } from "../../domain/enums";
import { findShipment } from "../custody/shipments";
import { InputError } from "../../domain/errors";

type Print = (line: string) => void;
const MAX_UINT48 = (1n << 48n) - 1n;

async function reportState(rx: RxTrace, batch: KnownBatch, print: Print): Promise<void> {
  print(`batch is now ${describeBatchState(await rx.batch(batch.batchId))}`);
}

/* ---------------------------------------------------------------- recall */

export interface RecallArgs {
  gtin?: string;
  lot?: string;
  class?: string;
  reasonUri?: string;
  reasonFile?: string;
}

export interface RecallInput extends BatchRef {
  recallClass: RecallClass;
  reasonURI: string;
  reasonFile?: string;
  reasonHash: string;
}

const CLASS_WORDS: Record<string, RecallClass> = { I: RecallClass.I, II: RecallClass.II, III: RecallClass.III, "1": RecallClass.I, "2": RecallClass.II, "3": RecallClass.III };

export function parseRecallArgs(args: RecallArgs): RecallInput {
  const ref = parseBatchRef(args);
  const recallClass = CLASS_WORDS[(args.class ?? "").trim().toUpperCase()];
  if (recallClass === undefined) throw new InputError("--class", args.class ?? "", "I, II or III (class I is the most serious)");
  const reasonURI = (args.reasonUri ?? "").trim();
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(reasonURI)) {
    throw new InputError("--reason-uri", args.reasonUri ?? "", "where to fetch the recall notice, a URI such as https://… or ipfs://…");
  }
  const reasonFile = args.reasonFile === undefined || args.reasonFile === "" ? undefined : args.reasonFile;
  const reasonHash = reasonFile ? hashFile(reasonFile, "--reason-file") : ZeroHash;
  return { ...ref, recallClass, reasonURI, reasonFile, reasonHash };
}

export interface SafetyResult {
  batch: KnownBatch;
  receipt: ContractTransactionReceipt;
}

/** Recalls a batch (its manufacturer or a regulator). */
export async function recallBatch(rx: RxTrace, signer: HardhatEthersSigner, input: RecallInput, print: Print = console.log): Promise<SafetyResult> {
  const batch = await requireBatch(rx, input);
  const current = Number(batch.record.recallClass);
  if (current !== 0) {
    // A recall can be made more serious (III -> II -> I, RecallEscalated), never lowered.
    if (input.recallClass >= current) {
      throw new InputError("--class", RecallClass[input.recallClass], `a class more serious than the recall in force, class ${RecallClass[current]} (a recall is escalated, never lowered: SafetyAlreadyRecalled)`);
    }
    print(`escalating the recall of ${describeBatch(batch)}: class ${RecallClass[current]} -> ${RecallClass[input.recallClass]}`);
  } else print(`recalling ${describeBatch(batch)}: class ${RecallClass[input.recallClass]}`);
  print(`  notice ${input.reasonURI}, ${input.reasonFile ? `${input.reasonFile} keccak256 ${input.reasonHash}` : "no notice file hashed (pass --reason-file to commit to it)"}`);
  print(`  by ${await partnerLabel(rx, signer.address)}`);
  const caller = rx.connect(signer);
  const receipt = await sendAndReport(
    "recall",
    caller.recall(batch.batchId, input.recallClass, input.reasonHash, input.reasonURI),
    print,
  );
  await reportState(rx, batch, print);
  return { batch, receipt };
}

/* ------------------------------------------- suspect / clear / illegitimate */

export interface FlagArgs {
  gtin?: string;
  lot?: string;
  reason?: string;
}

export interface FlagInput extends BatchRef {
  reasonText?: string;
  reason: string;
}

export function parseFlagArgs(args: FlagArgs): FlagInput {
  const ref = parseBatchRef(args);
  const reasonText = args.reason === undefined || args.reason.trim() === "" ? undefined : args.reason.trim();
  return { ...ref, reasonText, reason: reasonHashOf(reasonText) };
}

export type FlagAction = "suspect" | "clear" | "illegitimate";

type Call<R> = (rx: RxTrace, batchId: string, reason: string) => Promise<R>;

const FLAG_ACTIONS: Record<FlagAction, { verb: string; label: string; send: Call<ContractTransactionResponse> }> = {
  suspect: {
    verb: "flagging as suspect",
    label: "flag suspect",
    send: (rx, id, reason) => rx.flagSuspect(id, reason),
  },
  clear: {
    verb: "clearing of suspicion",
    label: "clear suspect",
    send: (rx, id, reason) => rx.clearSuspect(id, reason),
  },
  illegitimate: {
    verb: "declaring illegitimate",
    label: "declare illegitimate",
    send: (rx, id, reason) => rx.declareIllegitimate(id, reason),
  },
};

/** Flags a batch suspect (a holder or a regulator), clears it or declares it illegitimate (a regulator). */
export async function flagBatch(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  action: FlagAction,
  input: FlagInput,
  print: Print = console.log,
): Promise<SafetyResult> {
  const batch = await requireBatch(rx, input);
  const { verb, label, send } = FLAG_ACTIONS[action];
  print(`${verb}: ${describeBatch(batch)}`);
  print(`  reason ${input.reasonText ? `"${input.reasonText}" keccak256 ${input.reason}` : "none given"}`);
  print(`  by ${await partnerLabel(rx, signer.address)}`);
  const caller = rx.connect(signer);
  const receipt = await sendAndReport(label, send(caller, batch.batchId, input.reason), print);
  await reportState(rx, batch, print);
  return { batch, receipt };
}

/* --------------------------------------------------- release / condemn */

export interface QuarantineArgs {
  gtin?: string;
  lot?: string;
  holder?: string;
  quantity?: string;
}

export interface QuarantineInput extends BatchRef {
  holder: string;
  quantity: bigint;
}

export function parseQuarantineArgs(args: QuarantineArgs): QuarantineInput {
  const ref = parseBatchRef(args);
  if (args.holder === undefined || args.holder.trim() === "") throw new InputError("--holder", args.holder ?? "", "the holder's address (0x…) or 13-digit GLN");
  const quantity = parseWhole(args.quantity ?? "", "--quantity", 1n, MAX_UINT48);
  return { ...ref, holder: args.holder.trim(), quantity };
}

export type QuarantineAction = "release" | "condemn";

/** Releases quarantined units back to saleable stock, or condemns them (a regulator). */
export async function settleQuarantine(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  action: QuarantineAction,
  input: QuarantineInput,
  print: Print = console.log,
): Promise<SafetyResult & { holder: string }> {
  const batch = await requireBatch(rx, input);
  const holder = await resolvePartner(rx, input.holder, "--holder");
  const before = await rx.holding(batch.batchId, holder);
  if (before.quarantined < input.quantity) {
    throw new InputError("--quantity", input.quantity, `at most ${before.quarantined}, the quarantined units of ${describeBatch(batch)} held by ${holder}`);
  }
  print(`${action === "release" ? "releasing" : "condemning"} ${units(input.quantity).replace(" unit", " quarantined unit")} of ${describeBatch(batch)}`);
  print(`  held by ${await partnerLabel(rx, holder)}`);
  print(`  by ${await partnerLabel(rx, signer.address)}`);
  const caller = rx.connect(signer);
  const fn = action === "release" ? caller.releaseQuarantine : caller.condemnQuarantine;
  const receipt = await sendAndReport(
    action === "release" ? "release quarantine" : "condemn quarantine",
    fn(batch.batchId, holder, input.quantity),
    print,
  );
  const after = await rx.holding(batch.batchId, holder);
  print(`${holder} now holds ${after.saleable} saleable, ${after.quarantined} quarantined, ${after.condemned} condemned`);
  return { batch, receipt, holder };
}

/* ------------------------------------------------------------ release leg */

export interface ReleaseLegArgs {
  shipment?: string;
}

export function parseReleaseLegArgs(args: ReleaseLegArgs): { shipmentId: string } {
  return { shipmentId: parseBytes32(args.shipment, "--shipment", "the id of a pack leg received into quarantine") };
}

/**
 * A regulator releases pack leg `shipmentId` (a shipment with a manifest a dispenser received into quarantine) as a
 * whole: its units become saleable and its record `Received`, so its packs can be dispensed (`releaseQuarantine`
 * moves units only). Checked before sending: the leg is known and is a pack leg received into quarantine.
 */
export async function releaseLegOf(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  fromBlock: number,
  input: { shipmentId: string },
  print: Print = console.log,
): Promise<{ receipt: ContractTransactionReceipt }> {
  const entry = await findShipment(rx, input.shipmentId, fromBlock);
  if (!entry) throw new InputError("--shipment", input.shipmentId, "the id of a shipment of this deployment (no Shipped event has it)");
  const status = Number((await rx.shipment(input.shipmentId)).status);
  if (status !== ShipmentStatus.ReceivedInQuarantine) {
    throw new InputError("--shipment", input.shipmentId, `a pack leg received into quarantine (it reads ${ShipmentStatus[status]}; lot-level units are released with rx:release)`);
  }
  const s = entry.shipment;
  print(`releasing leg ${input.shipmentId}: ${units(s.quantity)} of batch ${s.batchId} that ${await partnerLabel(rx, s.receiver)} received into quarantine`);
  const receipt = await sendAndReport("release leg", rx.connect(signer).releaseLeg(s), print);
  const holding = await rx.holding(s.batchId, s.receiver);
  print(`released: ${s.receiver} now holds ${holding.saleable} saleable, ${holding.quarantined} quarantined; the leg's packs may be dispensed`);
  return { receipt };
}
