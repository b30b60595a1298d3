/**
 * Delivery exceptions (docs/custody.md, "Delivery exceptions"): rx:receive-partial (accept part of a shipment, dispute
 * the rest), rx:exception (end a dispute: found, lost, returned, confirm-return, a regulator's close), rx:overage and
 * rx:exception-report (a shipment's exceptions as JSON in the DSCSA exception-notification shape). Each checks what it
 * can before sending and names the flag that is wrong.
 */
import type { ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { IExceptions, RxTrace } from "../../../typechain-types";
import { ExceptionReason, ExceptionStatus, formatCelsius, Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { exceptionReportOf, type ExceptionFacts } from "../../domain/exception-report";
import { summarizeLeg } from "../../domain/temperature";
import { formatGtin } from "../../gs1/identifiers";
import { ManifestTree } from "../../manifests/manifest";
import { partnerDirectory } from "../../chain/events/provenance";
import { queryEvents } from "../../chain/events/query";
import { writeFileAtomic } from "../../chain/deployment";
import { hashFile, parseBytes32, parseWhole, readInputFile, sendAndReport } from "../shared/cli";
import { units } from "../shared/batch-lookup";
import { readSerialList } from "../packs/selection";
import { findShipment, requireReceiver, requireShipmentInTransit, shipmentWindow, type ShipmentEntry } from "./shipments";

type Print = (line: string) => void;
const ZERO_HASH = "0x" + "0".repeat(64);

/** The words of `--reason` for each ExceptionReason. */
export const EXCEPTION_REASONS: Record<string, ExceptionReason> = {
  underage: ExceptionReason.Underage,
  damaged: ExceptionReason.Damaged,
  "wrong-product": ExceptionReason.WrongProduct,
  "missing-data": ExceptionReason.MissingData,
  other: ExceptionReason.Other,
};

/** The acts of rx:exception, and the outcomes a regulator's close may pick. */
export const EXCEPTION_ACTS = ["found", "lost", "returned", "confirm-return", "close"] as const;
export type ExceptionAct = (typeof EXCEPTION_ACTS)[number];
const OUTCOMES: Record<string, ExceptionStatus> = { found: ExceptionStatus.Found, lost: ExceptionStatus.Lost, returned: ExceptionStatus.Returned };

const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

export interface ReceivePartialArgs {
  shipment?: string;
  accepted?: string;
  reason?: string;
  evidence?: string;
  logger?: string;
  /** On a pack leg: the serials of the packs not accepted. */
  missing?: string;
}

export interface ReceivePartialInput {
  shipmentId: string;
  accepted: bigint;
  reason: ExceptionReason;
  reasonWord: string;
  evidenceFile?: string;
  evidence: string;
  loggerFile: string;
  logger: Buffer;
  missing?: string[];
}

export function parseReceivePartialArgs(args: ReceivePartialArgs): ReceivePartialInput {
  const shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id");
  if (!given(args.accepted)) throw new InputError("--accepted", args.accepted ?? "", "the number of units accepted (1 to the shipment's quantity - 1)");
  const accepted = parseWhole(args.accepted, "--accepted");
  const reasonWord = (args.reason ?? "").trim();
  const reason = EXCEPTION_REASONS[reasonWord];
  if (reason === undefined) throw new InputError("--reason", args.reason ?? "", `one of ${Object.keys(EXCEPTION_REASONS).join(", ")}`);
  const evidenceFile = given(args.evidence) ? args.evidence : undefined;
  const evidence = evidenceFile ? hashFile(evidenceFile, "--evidence") : ZERO_HASH;
  const logger = readInputFile(args.logger, "--logger");
  const missing = given(args.missing) ? readSerialList(args.missing, "--missing") : undefined;
  return { shipmentId, accepted, reason, reasonWord, evidenceFile, evidence, loggerFile: args.logger as string, logger, missing };
}

export interface ReceivePartialResult {
  shipment: ShipmentEntry;
  receipt: ContractTransactionReceipt;
  disputed: bigint;
  disputedPacks: string;
}

/**
 * rx:receive-partial: the receiver accepts `accepted` units of a shipment in transit with the logger's summary and
 * disputes the rest. Checked before sending: the shipment is in transit, the signer is its receiver, the count is
 * part of the shipment, and a pack leg names exactly the disputed packs (`--missing`), a lot-level leg none.
 */
export async function receivePartially(
  rx: RxTrace,
  ex: IExceptions,
  signer: HardhatEthersSigner,
  fromBlock: number,
  input: ReceivePartialInput,
  print: Print = console.log,
): Promise<ReceivePartialResult> {
  const entry = await requireShipmentInTransit(rx, input.shipmentId, fromBlock);
  await requireReceiver(rx, signer, entry);
  const quantity = entry.shipment.quantity;
  if (input.accepted >= quantity) {
    throw new InputError("--accepted", String(input.accepted), `fewer than the shipment's ${quantity} units (all of them: rx:receive)`);
  }
  const disputed = quantity - input.accepted;
  const stored = await rx.shipment(entry.shipmentId);
  const packLeg = BigInt(stored.manifest) !== 0n;
  let disputedPacks = ZERO_HASH;
  if (packLeg) {
    if (!input.missing) throw new InputError("--missing", "", `the file of the ${disputed} packs not accepted (the shipment is a pack leg)`);
    if (BigInt(input.missing.length) !== disputed) {
      throw new InputError("--missing", `${input.missing.length} packs`, `the ${disputed} packs not accepted (${quantity} shipped - ${input.accepted} accepted)`);
    }
    disputedPacks = ManifestTree.of(input.missing, []).root;
  } else if (input.missing) {
    throw new InputError("--missing", String(input.missing.length), "no packs: the shipment is lot-level (it has no manifest)");
  }
  const batch = await rx.batch(entry.shipment.batchId);
  const range = { minTemp: Number(batch.minTemp), maxTemp: Number(batch.maxTemp) };
  const leg = summarizeLeg(input.logger, range, input.loggerFile, await shipmentWindow(rx, entry));
  const excursion = leg.minTemp < range.minTemp || leg.maxTemp > range.maxTemp || leg.minutesOutOfRange > 0;
  const senderAuthorized = Number(await rx.standing(entry.shipment.sender)) === Standing.Authorized;
  print(`shipment ${entry.shipmentId}: ${units(quantity)}; accepting ${input.accepted}, disputing ${disputed} (${input.reasonWord})`);
  print(`logger ${input.loggerFile}: min ${formatCelsius(leg.minTemp)}, max ${formatCelsius(leg.maxTemp)}; ${leg.minutesOutOfRange} minutes out of range`);
  if (excursion || !senderAuthorized) print(`the accepted units go to quarantine (${excursion ? "an excursion" : "the sender is no longer authorized"})`);
  const summary = { minTemp: leg.minTemp, maxTemp: leg.maxTemp, meanKineticTemp: leg.meanKineticTemp, minutesOutOfRange: leg.minutesOutOfRange, loggerHash: leg.loggerHash };
  const receipt = await sendAndReport(
    "receive-partial",
    ex.connect(signer).receivePartial(entry.shipment, input.accepted, input.reason, input.evidence, disputedPacks, summary),
    print,
  );
  const holding = await rx.holding(entry.shipment.batchId, signer.address);
  print(`${units(disputed)} disputed: in nobody's stock until found, agreed lost, sent back, or closed by a regulator (rx:exception)`);
  print(`${signer.address} now holds ${holding.saleable} saleable, ${holding.quarantined} quarantined`);
  return { shipment: entry, receipt, disputed, disputedPacks };
}

export interface ExceptionArgs {
  shipment?: string;
  act?: string;
  outcome?: string;
  reason?: string;
}

export interface ExceptionInput {
  shipmentId: string;
  act: ExceptionAct;
  outcome?: ExceptionStatus;
  reason: string;
}

export function parseExceptionArgs(args: ExceptionArgs): ExceptionInput {
  const shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id");
  const act = (args.act ?? "").trim() as ExceptionAct;
  if (!EXCEPTION_ACTS.includes(act)) throw new InputError("--act", args.act ?? "", `one of ${EXCEPTION_ACTS.join(", ")}`);
  let outcome: ExceptionStatus | undefined;
  if (act === "close") {
    outcome = OUTCOMES[(args.outcome ?? "").trim()];
    if (outcome === undefined) throw new InputError("--outcome", args.outcome ?? "", `one of ${Object.keys(OUTCOMES).join(", ")} (a regulator's close)`);
  } else if (given(args.outcome)) {
    throw new InputError("--outcome", args.outcome, "nothing: only --act close takes an outcome");
  }
  const reason = given(args.reason) ? hashFile(args.reason, "--reason") : ZERO_HASH;
  return { shipmentId, act, outcome, reason };
}

/** The shipment of an exception from its `Shipped` event, with its exception open. */
async function requireOpenException(rx: RxTrace, ex: IExceptions, shipmentId: string, fromBlock: number): Promise<ShipmentEntry> {
  const entry = await findShipment(rx, shipmentId, fromBlock);
  if (!entry) throw new InputError("--shipment", shipmentId, "the id of a shipment of this deployment (no Shipped event has it)");
  const status = Number((await ex.deliveryException(shipmentId)).status) as ExceptionStatus;
  if (status !== ExceptionStatus.Open) {
    const what = status === ExceptionStatus.None ? "no exception was raised on it" : `its dispute ended ${ExceptionStatus[status].toLowerCase()} already`;
    throw new InputError("--shipment", shipmentId, `a shipment with an open dispute (${what})`);
  }
  return entry;
}

/** rx:exception: one act on a shipment's open dispute, by the party (or regulator) it belongs to. */
export async function actOnException(
  rx: RxTrace,
  ex: IExceptions,
  signer: HardhatEthersSigner,
  fromBlock: number,
  input: ExceptionInput,
  print: Print = console.log,
): Promise<ContractTransactionReceipt> {
  const entry = await requireOpenException(rx, ex, input.shipmentId, fromBlock);
  const s = entry.shipment;
  const me = signer.address.toLowerCase();
  const isSender = me === s.sender.toLowerCase();
  const isReceiver = me === s.receiver.toLowerCase();
  const need = (ok: boolean, who: string) => {
    if (!ok) throw new InputError("--signer", signer.address, `${who} (--act ${input.act})`);
  };
  const e = ex.connect(signer);
  switch (input.act) {
    case "found":
      need(isReceiver, `the shipment's receiver ${s.receiver}`);
      return sendAndReport("found", e.declareFound(s), print);
    case "lost":
      need(isSender || isReceiver, `the shipment's sender ${s.sender} or receiver ${s.receiver}`);
      return sendAndReport("lost", e.agreeLost(s), print);
    case "returned":
      need(isSender, `the shipment's sender ${s.sender}`);
      return sendAndReport("returned", e.declareReturned(s), print);
    case "confirm-return":
      need(isReceiver, `the shipment's receiver ${s.receiver}`);
      return sendAndReport("confirm-return", e.confirmReturn(s), print);
    case "close":
      return sendAndReport("close", e.closeException(s, input.outcome as ExceptionStatus, input.reason), print);
  }
}

export interface OverageArgs {
  shipment?: string;
  units?: string;
  evidence?: string;
}

export function parseOverageArgs(args: OverageArgs): { shipmentId: string; units: bigint; evidence: string } {
  const shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id");
  if (!given(args.units)) throw new InputError("--units", args.units ?? "", "the number of units more than shipped (at least 1)");
  return { shipmentId, units: parseWhole(args.units, "--units"), evidence: given(args.evidence) ? hashFile(args.evidence, "--evidence") : ZERO_HASH };
}

/** rx:overage: the receiver reports units more than the shipment carried; nothing enters any stock. */
export async function reportOverage(
  rx: RxTrace,
  ex: IExceptions,
  signer: HardhatEthersSigner,
  fromBlock: number,
  input: { shipmentId: string; units: bigint; evidence: string },
  print: Print = console.log,
): Promise<ContractTransactionReceipt> {
  const entry = await findShipment(rx, input.shipmentId, fromBlock);
  if (!entry) throw new InputError("--shipment", input.shipmentId, "the id of a shipment of this deployment (no Shipped event has it)");
  await requireReceiver(rx, signer, entry);
  const receipt = await sendAndReport("overage", ex.connect(signer).reportOverage(entry.shipment, input.units, input.evidence), print);
  print(`${units(input.units)} more than shipped reported; they are in nobody's stock`);
  return receipt;
}

/** rx:exception-report: the shipment's exceptions as JSON (docs/custody.md, "The exception report"). */
export async function exceptionReport(rx: RxTrace, fromBlock: number, shipmentId: string, out?: string, print: Print = console.log): Promise<Record<string, unknown>> {
  const entry = await findShipment(rx, shipmentId, fromBlock);
  if (!entry) throw new InputError("--shipment", shipmentId, "the id of a shipment of this deployment (no Shipped event has it)");
  const f = rx.filters;
  const [logs, directory, commissioned] = await Promise.all([
    queryEvents(rx, [f.ExceptionRaised(shipmentId), f.ExceptionResolved(shipmentId), f.OverageReported(shipmentId)], { fromBlock }),
    partnerDirectory(rx, fromBlock),
    queryEvents(rx, [f.BatchCommissioned(entry.shipment.batchId)], { fromBlock, first: true }),
  ]);
  const who = (account: string) => directory.get(account.toLowerCase()) ?? { account, name: account, gln: "", role: "None" };
  const time = async (block: number) => (await rx.runner?.provider?.getBlock(block))?.timestamp ?? 0;
  const batch = commissioned[0]?.args.batch;
  const facts: ExceptionFacts = {
    shipmentId,
    gtin: batch ? formatGtin(batch.gtin) : "",
    lot: batch ? String(batch.lot) : "",
    quantityShipped: entry.shipment.quantity,
    sender: who(entry.shipment.sender),
    receiver: who(entry.shipment.receiver),
    overages: [],
  };
  for (const log of logs) {
    const a = log.args;
    const at = await time(log.blockNumber);
    if (log.eventName === "ExceptionRaised") {
      facts.raised = { time: at, accepted: a.accepted, disputed: a.disputed, reason: Number(a.reason), evidence: a.evidence, disputedPacks: a.disputedPacks, transactionHash: log.transactionHash };
    } else if (log.eventName === "ExceptionResolved") {
      facts.resolved = { time: at, outcome: Number(a.outcome), byRegulator: a.byRegulator, units: a.units, transactionHash: log.transactionHash };
    } else if (log.eventName === "OverageReported") {
      facts.overages.push({ time: at, units: a.units, evidence: a.evidence, transactionHash: log.transactionHash });
    }
  }
  const report = exceptionReportOf(facts);
  const text = JSON.stringify(report, null, 2) + "\n";
  if (out) {
    writeFileAtomic(out, text);
    print(`wrote ${out}`);
  } else {
    print(text.trimEnd());
  }
  return report;
}
