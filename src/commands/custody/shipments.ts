/**
 * Shipments for the distributor's and pharmacy's commands: ship, list what is in transit, receive with the
 * carrier's temperature logger file, reject. Only a shipment's hash is in storage; its fields come back from
 * its `Shipped` event (findShipment), exactly as receive and reject must pass them.
 *
 * A shipment may name its packs: `rx:ship --serials / --all-remaining / --cases` commits the root of a
 * manifest (manifest.ts, packs.ts) and writes the file that travels with the goods; `rx:receive` checks that
 * file against the chain before it receives.
 */
import { existsSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";
import type { ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import type { ShippedEvent } from "../../../typechain-types/contracts/RxTrace";
import {
  describeBatch,
  partnerLabel,
  parseBatchRef,
  requireAuthorizedPartner,
  requireBatch,
  units,
  type BatchRef,
} from "../shared/batch-lookup";
import { identityOfAccount } from "../admin/recovery";
import { hashFile, parseBytes32, parseWhole, readInputFile, resolvePartner, revertData, sendAndReport } from "../shared/cli";
import { formatCelsius, QUARANTINE_CAUSE_TEXT, QuarantineCause, RejectionReason, rejectionQuarantines, Role, ShipmentStatus, Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { formatGtin } from "../../gs1/identifiers";
import { type ShipmentKey, shipmentIdOf } from "../../domain/ids";
import { loadManifest, manifestPath, pendingManifestPath, saveManifest } from "../../files/manifest-files";
import { withNonce, type Manifest } from "../../manifests/manifest";
import { checkReceivedManifest, describeContents, parseSsccList, planPackShipment, readSerialList, type DeploymentContext, type PackSelection } from "../packs/selection";
import { isExcursion, loggerForWindow, NO_LEG_DATA, summarizeLeg, type LegFieldsNumeric, type LegSummary } from "../../domain/temperature";
import { writeFileAtomic } from "../../chain/deployment";
import { queryEvent, queryEvents } from "../../chain/events/query";
import { indexerOf } from "../../chain/events/indexer-source";

const MAX_UINT48 = (1n << 48n) - 1n;
/** The most packs `rx:ship --quantity` picks for a dispenser (a manifest lists each; name more with --serials). */
const MAX_PICK = 100_000;

type Print = (line: string) => void;

/** A shipment as its `Shipped` event states it. */
export interface ShipmentEntry {
  shipmentId: string;
  shipment: ShipmentKey;
  isReturn: boolean;
  blockNumber: number;
  transactionHash: string;
}

function entryOf(log: ShippedEvent.Log): ShipmentEntry {
  const a = log.args;
  return {
    shipmentId: a.shipmentId,
    shipment: { batchId: a.batchId, sender: a.sender, receiver: a.receiver, quantity: a.quantity, nonce: a.nonce },
    isReturn: a.isReturn,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
}

/** The shipment `shipmentId` from its `Shipped` event (at or after `fromBlock`), or undefined when none. */
export async function findShipment(rx: RxTrace, shipmentId: string, fromBlock: number): Promise<ShipmentEntry | undefined> {
  const logs = await queryEvent(rx, rx.filters.Shipped(shipmentId), { fromBlock, newestFirst: true, first: true });
  const log = logs.find((l) => l.args.shipmentId.toLowerCase() === shipmentId.toLowerCase());
  if (!log) return undefined;
  const entry = entryOf(log);
  // The id is the hash of the fields: a mismatch would mean a different contract emitted the event.
  if (shipmentIdOf(entry.shipment).toLowerCase() !== shipmentId.toLowerCase()) {
    throw new Error(`the Shipped event of ${shipmentId} (tx ${log.transactionHash}) does not hash to its id`);
  }
  return entry;
}

/** How a shipment that is no longer in transit was settled, from its `Received` / `Rejected` event. */
export async function settlementOf(
  rx: RxTrace,
  shipmentId: string,
  fromBlock: number,
): Promise<{ kind: "received" | "rejected" | "cancelled"; blockNumber: number; transactionHash: string } | undefined> {
  // The three settlements in one scan (one call per chunk): a shipment is settled at most once.
  const [settled] = await queryEvents(rx, [rx.filters.Received(shipmentId), rx.filters.Rejected(shipmentId), rx.filters.ShipmentCancelled(shipmentId)], { fromBlock, first: true });
  if (settled) {
    const kind = settled.eventName === "Received" ? "received" : settled.eventName === "Rejected" ? "rejected" : "cancelled";
    return { kind, blockNumber: settled.blockNumber, transactionHash: settled.transactionHash };
  }
  return undefined;
}

/** A shipment that is in transit now, with when it left. */
export interface InTransitEntry extends ShipmentEntry {
  shippedAt: number;
}

/** Every shipment still in transit (optionally only to `receiver`, only of `batchId`), oldest first. */
export async function shipmentsInTransit(
  rx: RxTrace,
  fromBlock: number,
  only: { receiver?: string; batchId?: string } = {},
): Promise<InTransitEntry[]> {
  const logs = await queryEvent(rx, rx.filters.Shipped(undefined, only.batchId), { fromBlock });
  // The indexer knows which shipments are still out: the chain is asked only about those.
  const indexer = indexerOf(rx);
  const outstanding = indexer && new Set((await indexer.shipments({ status: "in-transit", ...only })).map((s) => s.id.toLowerCase()));
  const result: InTransitEntry[] = [];
  for (const log of logs) {
    const entry = entryOf(log);
    if (outstanding && !outstanding.has(entry.shipmentId.toLowerCase())) continue;
    if (only.receiver && entry.shipment.receiver.toLowerCase() !== only.receiver.toLowerCase()) continue;
    const stored = await rx.shipment(entry.shipmentId);
    if (Number(stored.status) !== ShipmentStatus.InTransit) continue;
    result.push({ ...entry, shippedAt: Number(stored.shippedAt) });
  }
  return result;
}

/** GTIN and lot of each batch, from `BatchCommissioned`. */
async function batchLabels(rx: RxTrace, batchIds: Iterable<string>, fromBlock: number): Promise<Map<string, BatchRef>> {
  const labels = new Map<string, BatchRef>();
  for (const batchId of new Set(batchIds)) {
    const [log] = await queryEvent(rx, rx.filters.BatchCommissioned(batchId), { fromBlock, first: true });
    if (log) labels.set(batchId, { batchId, gtin: log.args.batch.gtin, lot: log.args.batch.lot });
  }
  return labels;
}

function receiptEvent<K extends "Shipped" | "Received" | "Rejected">(rx: RxTrace, receipt: ContractTransactionReceipt, name: K) {
  for (const log of receipt.logs) {
    const parsed = rx.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`tx ${receipt.hash} emitted no ${name} event`);
}

function receiptEvents(rx: RxTrace, receipt: ContractTransactionReceipt, name: "ReceiptQuarantined") {
  return receipt.logs.map((log) => rx.interface.parseLog(log)).filter((parsed) => parsed?.name === name).map((parsed) => parsed!);
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/* ------------------------------------------------------------------ ship */

export interface ShipArgs {
  gtin?: string;
  lot?: string;
  to?: string;
  quantity?: string;
  /** A file of the pack serials shipped loose (one per line, or a JSON array). */
  serials?: string;
  /** Ship every pack the sender holds loose, by its serial file and the manifests at hand. */
  allRemaining?: boolean;
  /** Sealed cases shipped whole: SSCCs separated by commas. */
  cases?: string;
  /** Where to write the manifest too (it is always kept under the deployment folder). */
  manifestOut?: string;
}

export interface ShipInput extends BatchRef {
  to: string;
  /** Units; with a pack selection, undefined unless given (then it must match the packs). */
  quantity?: bigint;
  /** The packs and cases, for a shipment with a manifest. */
  packs?: PackSelection;
  manifestOut?: string;
}

const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

export function parseShipArgs(args: ShipArgs): ShipInput {
  const ref = parseBatchRef(args);
  if (args.to === undefined || args.to === "") throw new InputError("--to", args.to ?? "", "the receiver's address (0x…) or 13-digit GLN");
  const allRemaining = args.allRemaining === true;
  if (allRemaining && given(args.serials)) throw new InputError("--all-remaining", true, "either --serials or --all-remaining, not both");
  const packLevel = allRemaining || given(args.serials) || given(args.cases);
  if (!packLevel) {
    if (given(args.manifestOut)) throw new InputError("--manifest-out", args.manifestOut, "--serials, --all-remaining or --cases with it (a shipment by --quantity has no manifest)");
    const quantity = parseWhole(args.quantity ?? "", "--quantity", 1n, MAX_UINT48);
    return { ...ref, to: args.to.trim(), quantity };
  }
  const packs: PackSelection = {
    serialsFile: given(args.serials) ? args.serials : undefined,
    serials: given(args.serials) ? readSerialList(args.serials, "--serials") : undefined,
    allRemaining,
    cases: given(args.cases) ? parseSsccList(args.cases, "--cases") : [],
  };
  const quantity = given(args.quantity) ? parseWhole(args.quantity, "--quantity", 1n, MAX_UINT48) : undefined;
  return { ...ref, to: args.to.trim(), quantity, packs, manifestOut: given(args.manifestOut) ? args.manifestOut : undefined };
}

export interface ShipResult {
  shipmentId: string;
  shipment: ShipmentKey;
  receipt: ContractTransactionReceipt;
  /** The manifest, for a shipment of named packs, and where it was written. */
  manifest?: Manifest;
  manifestFiles?: string[];
}

/**
 * Ships `quantity` saleable units to `to`. Checked before sending: the batch exists, the receiver resolves
 * and is authorized, and (for an authorized sender) the quantity is within its saleable units; the contract
 * still decides routes, roles and the batch's state. With a pack selection, every pack must be one the sender
 * holds by the manifests at hand (and each case sealed and held); the shipment commits to the manifest's root
 * (`shipPacks`) and, once mined, the manifest is written under the deployment folder (and to --manifest-out).
 */
export async function shipUnits(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  input: ShipInput,
  print: Print = console.log,
  context?: DeploymentContext,
): Promise<ShipResult> {
  const batch = await requireBatch(rx, input);
  const receiver = await resolvePartner(rx, input.to, "--to");
  await requireAuthorizedPartner(rx, receiver, "--to", input.to);
  let manifest: Manifest | undefined;
  let quantity = input.quantity ?? 0n;
  let packs = input.packs;
  const senderAuthorized = Number(await rx.standing(signer.address)) === Standing.Authorized;
  // (An unauthorized sender gets the contract's own refusal, PartnerNotAuthorized, rather than a pick that fails.)
  if (!packs && senderAuthorized && BigInt(batch.record.serialRoot) !== 0n && Number((await rx.partner(receiver)).role) === Role.Dispenser) {
    // A serialized lot reaches a dispenser only in pack legs (CustodyManifestRequired): pick the packs.
    if (quantity > BigInt(MAX_PICK)) throw new InputError("--quantity", quantity, `at most ${MAX_PICK} packs picked at once (name more with --serials)`);
    print(`${describeBatch(batch)} is serialized and ${receiver} is a dispenser: the leg must name its packs; picking ${quantity} pack${quantity === 1n ? "" : "s"} it holds loose, in serial order`);
    packs = { allRemaining: false, cases: [], pick: Number(quantity) };
  }
  if (packs) {
    if (!context) throw new Error("shipping named packs needs the deployment (network, chain, contract)");
    // The packs the sender holds: its legs name its identity (a rotated key acts for it).
    const plan = await planPackShipment(rx, context, batch, await identityOfAccount(rx, signer.address), receiver, packs, print);
    if (packs.pick !== undefined) print(`  packs: ${plan.manifest.packs.join(", ")}`);
    manifest = plan.manifest;
    if (input.quantity !== undefined && input.quantity !== BigInt(manifest.quantity)) {
      throw new InputError("--quantity", input.quantity, `${manifest.quantity}, the packs chosen: ${describeContents(manifest)} (or leave --quantity out)`);
    }
    quantity = BigInt(manifest.quantity);
  }
  if (senderAuthorized) {
    const { saleable } = await rx.holding(batch.batchId, signer.address);
    if (saleable < quantity) {
      const field = manifest && !packs?.pick ? (packs?.serialsFile ? "--serials" : packs?.allRemaining ? "--all-remaining" : "--cases") : "--quantity";
      throw new InputError(field, manifest ? `${quantity} packs` : quantity, `at most ${saleable}, the saleable units of ${describeBatch(batch)} held by ${signer.address}`);
    }
  }
  print(`shipping ${units(quantity)} of ${describeBatch(batch)}`);
  print(`  from ${await partnerLabel(rx, signer.address)}`);
  print(`  to   ${await partnerLabel(rx, receiver)}`);
  if (manifest) print(`  manifest ${manifest.root}: ${describeContents(manifest)}, every pack proven in the batch`);
  const sender = rx.connect(signer);
  // The planned manifest waits under manifests/pending/ while the transaction is out, so that a command that
  // dies after sending leaves the shipment's manifest behind; a refusal (nothing mined) removes it.
  const pending = manifest && context ? saveManifest(manifest, pendingManifestPath(context.network, manifest.shipmentId)) : undefined;
  let receipt: ContractTransactionReceipt;
  try {
    receipt = await sendAndReport(
      "ship",
      manifest ? sender.shipPacks(batch.batchId, receiver, quantity, manifest.root) : sender.ship(batch.batchId, receiver, quantity),
      print,
    );
  } catch (error) {
    if (pending) {
      if (revertData(error)) rmSync(pending, { force: true });
      else print(`the planned manifest is kept at ${path.relative(process.cwd(), pending)}: if the shipment went out (see rx:shipments), it is its manifest`);
    }
    throw error;
  }
  const event = receiptEvent(rx, receipt, "Shipped");
  // The shipment names the parties' identities (IRecovery), as the event does.
  const shipment: ShipmentKey = {
    batchId: batch.batchId,
    sender: event.args.sender as string,
    receiver: event.args.receiver as string,
    quantity,
    nonce: event.args.nonce as bigint,
  };
  const shipmentId = event.args.shipmentId as string;
  print(`shipment ${shipmentId} nonce ${shipment.nonce}${event.args.isReturn ? " (a return)" : ""}`);
  if (!manifest || !context) {
    print(`the receiver settles it with: rx:receive --shipment ${shipmentId} --logger <logger.csv>`);
    return { shipmentId, shipment, receipt };
  }
  // The nonce was predicted before sending; another shipment of the sender's may have taken it meanwhile.
  if (BigInt(manifest.nonce) !== shipment.nonce) manifest = withNonce(manifest, Number(shipment.nonce));
  manifest = { ...manifest, transactionHash: receipt.hash };
  const files = [manifestPath(context.network, shipmentId)];
  if (input.manifestOut && path.resolve(input.manifestOut) !== path.resolve(files[0])) files.push(input.manifestOut);
  for (const file of files) saveManifest(manifest, file);
  if (pending) rmSync(pending, { force: true });
  print(`manifest written to ${files.map((f) => path.relative(process.cwd(), f)).join(" and ")}: it travels with the goods`);
  print(`the receiver settles it with: rx:receive --shipment ${shipmentId} --manifest <manifest.json> --logger <logger.csv>`);
  return { shipmentId, shipment, receipt, manifest, manifestFiles: files };
}

/* ------------------------------------------------------------- shipments */

export interface ShipmentsArgs {
  to?: string;
  gtin?: string;
  lot?: string;
}

export interface ShipmentsInput {
  to?: string;
  batch?: BatchRef;
}

export function parseShipmentsArgs(args: ShipmentsArgs): ShipmentsInput {
  const hasGtin = args.gtin !== undefined && args.gtin !== "";
  const hasLot = args.lot !== undefined && args.lot !== "";
  if (hasGtin !== hasLot) {
    throw new InputError(hasGtin ? "--lot" : "--gtin", (hasGtin ? args.lot : args.gtin) ?? "", "--gtin and --lot together (or neither)");
  }
  return { to: args.to === undefined || args.to === "" ? undefined : args.to.trim(), batch: hasGtin ? parseBatchRef(args) : undefined };
}

/** Prints the shipments in transit (read-only) and returns them. */
export async function listShipments(rx: RxTrace, fromBlock: number, input: ShipmentsInput, print: Print = console.log): Promise<InTransitEntry[]> {
  const receiver = input.to === undefined ? undefined : await identityOfAccount(rx, await resolvePartner(rx, input.to, "--to"));
  if (input.batch) await requireBatch(rx, input.batch);
  const entries = await shipmentsInTransit(rx, fromBlock, { receiver, batchId: input.batch?.batchId });
  const scope = [receiver ? `to ${receiver}` : "", input.batch ? `of ${describeBatch(input.batch)}` : ""].filter(Boolean).join(" ");
  if (entries.length === 0) {
    print(`no shipments in transit${scope ? " " + scope : ""}`);
    return entries;
  }
  print(`${entries.length} shipment${entries.length === 1 ? "" : "s"} in transit${scope ? " " + scope : ""}:`);
  const labels = await batchLabels(rx, entries.map((e) => e.shipment.batchId), fromBlock);
  for (const e of entries) {
    const label = labels.get(e.shipment.batchId);
    const what = label ? `GTIN ${formatGtin(label.gtin)} lot ${label.lot}` : `batch ${e.shipment.batchId}`;
    print(`${e.shipmentId}  ${units(e.shipment.quantity)} of ${what}${e.isReturn ? " (return)" : ""}, shipped ${isoTime(e.shippedAt)} (nonce ${e.shipment.nonce})`);
    print(`  from ${await partnerLabel(rx, e.shipment.sender)}`);
    print(`  to   ${await partnerLabel(rx, e.shipment.receiver)}`);
  }
  return entries;
}

/* ------------------------------------------------------ receive / reject */

/**
 * The shipment `shipmentId` if it is in transit (or, with `allowCancelled`, cancelled by its sender: the goods may
 * still arrive, see receiveWithLogger); otherwise a clear InputError on `--shipment`.
 */
export async function requireShipmentInTransit(rx: RxTrace, shipmentId: string, fromBlock: number, allowCancelled = false): Promise<ShipmentEntry & { cancelled: boolean }> {
  const entry = await findShipment(rx, shipmentId, fromBlock);
  if (!entry) {
    throw new InputError("--shipment", shipmentId, "the id of a shipment of this deployment (no Shipped event has it; list them with rx:shipments)");
  }
  const stored = await rx.shipment(shipmentId);
  const status = Number(stored.status);
  if (status === ShipmentStatus.Cancelled && allowCancelled) return { ...entry, cancelled: true };
  if (status !== ShipmentStatus.InTransit) {
    const settled = await settlementOf(rx, shipmentId, fromBlock);
    const how = settled ? `it was ${settled.kind} already in tx ${settled.transactionHash} (block ${settled.blockNumber})` : "it is not in transit";
    throw new InputError("--shipment", shipmentId, `a shipment in transit (${how})`);
  }
  return { ...entry, cancelled: false };
}

export async function requireReceiver(rx: RxTrace, signer: HardhatEthersSigner, entry: ShipmentEntry): Promise<void> {
  // The shipment names the receiver's identity; any key acting for it may receive (the contract checks its standing).
  if ((await identityOfAccount(rx, signer.address)).toLowerCase() !== entry.shipment.receiver.toLowerCase()) {
    throw new InputError("--signer", signer.address, `the shipment's receiver ${entry.shipment.receiver} (only it may receive or reject the shipment)`);
  }
}

async function printShipment(rx: RxTrace, entry: ShipmentEntry, fromBlock: number, print: Print): Promise<void> {
  const [label] = (await batchLabels(rx, [entry.shipment.batchId], fromBlock)).values();
  const what = label ? describeBatch(label) : `batch ${entry.shipment.batchId}`;
  print(`shipment ${entry.shipmentId}: ${units(entry.shipment.quantity)} of ${what}${entry.isReturn ? " (a return)" : ""}`);
  print(`  from ${await partnerLabel(rx, entry.shipment.sender)}, nonce ${entry.shipment.nonce}, shipped in tx ${entry.transactionHash}`);
}

export interface ReceiveArgs {
  shipment?: string;
  logger?: string;
  /** The manifest that came with the goods (default: the one kept under the deployment folder, if any). */
  manifest?: string;
  /** Receive even when the manifest is missing or does not match the chain. */
  acceptMismatch?: boolean;
}

export interface ReceiveInput {
  shipmentId: string;
  loggerFile: string;
  logger: Buffer;
  manifestFile?: string;
  manifest?: Manifest;
  acceptMismatch: boolean;
}

/** Validates the flags and reads the logger file (its lines are checked against the batch range later) and the manifest. */
export function parseReceiveArgs(args: ReceiveArgs): ReceiveInput {
  const shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id");
  const logger = readInputFile(args.logger, "--logger");
  const manifest = given(args.manifest) ? loadManifest(args.manifest, "--manifest") : undefined;
  return { shipmentId, loggerFile: args.logger as string, logger, manifestFile: manifest ? args.manifest : undefined, manifest, acceptMismatch: args.acceptMismatch === true };
}

export interface ReceiveResult {
  shipment: ShipmentEntry;
  leg: LegSummary;
  excursion: boolean;
  /** Whether the units went to quarantine: an excursion, or a `ReceiptQuarantined` cause. */
  quarantined: boolean;
  receipt: ContractTransactionReceipt;
  /** Whether the shipment's manifest was checked and held; undefined for a batch-level shipment. */
  manifestChecked?: boolean;
}

/**
 * Checks the manifest of a shipment that carries one, before anything is sent: the file given, or the one kept
 * under the deployment folder. Returns the manifest when it holds; refuses (an InputError on --manifest)
 * when it is missing or wrong, unless `acceptMismatch`, which prints the problems and goes on.
 */
async function requireManifest(
  rx: RxTrace,
  context: DeploymentContext,
  entry: ShipmentEntry,
  input: ReceiveInput,
  print: Print,
): Promise<{ manifest?: Manifest; file?: string; root?: string }> {
  // ManifestCommitted is emitted by the transaction that shipped: one block to read.
  const [committed] = await queryEvent(rx, rx.filters.ManifestCommitted(entry.shipmentId), { fromBlock: entry.blockNumber, toBlock: entry.blockNumber });
  const root = committed?.args.manifest;
  if (!root) {
    if (input.manifestFile) throw new InputError("--manifest", input.manifestFile, `nothing: shipment ${entry.shipmentId} carries no manifest (it was shipped by quantity)`);
    return {};
  }
  const kept = manifestPath(context.network, entry.shipmentId);
  const file = input.manifestFile ?? (existsSync(kept) ? kept : undefined);
  const manifest = input.manifest ?? (file ? loadManifest(file, "--manifest") : undefined);
  const refuse = (value: string, problems: string[]) =>
    new InputError("--manifest", value, `${problems.join("; ")} (nothing was sent: reject the shipment, or receive anyway with --accept-mismatch)`);
  if (!manifest || !file) {
    const problem = `the shipment's manifest file: the shipment commits to manifest ${root}, and none was given with --manifest or kept at ${path.relative(process.cwd(), kept)}`;
    if (!input.acceptMismatch) throw refuse("", [problem]);
    print(`MISMATCH accepted (--accept-mismatch): no manifest at hand for manifest ${root}`);
    return { root };
  }
  const problems = await checkReceivedManifest(rx, context, manifest, entry.shipmentId, entry.shipment.batchId);
  if (problems.length > 0) {
    if (!input.acceptMismatch) throw refuse(file, problems);
    for (const problem of problems) print(`MISMATCH accepted (--accept-mismatch): ${file}: ${problem}`);
    return { root };
  }
  print(`manifest ${file}: ${describeContents(manifest)}, root ${manifest.root} as committed on the chain; every pack proven in the batch`);
  return { manifest, file, root };
}

/**
 * When the logger of a leg may have recorded it: from the block of the `Shipped` event to now (the chain's
 * clock or this machine's, whichever is later).
 */
export async function shipmentWindow(rx: RxTrace, entry: ShipmentEntry): Promise<{ from: number; to: number }> {
  const provider = rx.runner?.provider;
  if (!provider) throw new Error("the contract has no provider to read blocks from");
  const [shipped, latest] = await Promise.all([provider.getBlock(entry.blockNumber), provider.getBlock("latest")]);
  if (!shipped || !latest) throw new Error(`block ${entry.blockNumber} of shipment ${entry.shipmentId} is not on the node`);
  return { from: shipped.timestamp, to: Math.max(latest.timestamp, Math.floor(Date.now() / 1000)) };
}

/**
 * Receives shipment `shipmentId`: its fields from the `Shipped` event, the batch's storage range from the
 * chain, the leg summary from the logger file; prints the summary, then sends `receiveShipment`.
 */
export async function receiveWithLogger(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  fromBlock: number,
  input: ReceiveInput,
  print: Print = console.log,
  context?: DeploymentContext,
): Promise<ReceiveResult> {
  const entry = await requireShipmentInTransit(rx, input.shipmentId, fromBlock, true);
  await requireReceiver(rx, signer, entry);
  const checked = context ? await requireManifest(rx, context, entry, input, print) : {};
  const batch = await rx.batch(entry.shipment.batchId);
  const range = { minTemp: Number(batch.minTemp), maxTemp: Number(batch.maxTemp) };
  const leg = summarizeLeg(input.logger, range, input.loggerFile, await shipmentWindow(rx, entry));
  const excursion = leg.minTemp < range.minTemp || leg.maxTemp > range.maxTemp || leg.minutesOutOfRange > 0;
  await printShipment(rx, entry, fromBlock, print);
  print(`logger ${input.loggerFile}: ${leg.readings} reading${leg.readings === 1 ? "" : "s"}, keccak256 ${leg.loggerHash}`);
  print(
    `  min ${formatCelsius(leg.minTemp)}, max ${formatCelsius(leg.maxTemp)}, mean kinetic ${formatCelsius(leg.meanKineticTemp)}; ` +
      `storage range ${formatCelsius(range.minTemp)} to ${formatCelsius(range.maxTemp)}; ${leg.minutesOutOfRange} minutes out of range`,
  );
  const senderAuthorized = Number(await rx.standing(entry.shipment.sender)) === Standing.Authorized;
  const cause = entry.cancelled ? QuarantineCause.ShipmentCancelled : !senderAuthorized ? QuarantineCause.SenderNotAuthorized : undefined;
  if (excursion) print("EXCURSION: units go to quarantine (a regulator releases or condemns them)");
  else if (cause !== undefined) print(`within range, but the units go to quarantine: ${QUARANTINE_CAUSE_TEXT[cause]} (a regulator releases or condemns them)`);
  else print("within range: units go to saleable stock");
  const summary = {
    minTemp: leg.minTemp,
    maxTemp: leg.maxTemp,
    meanKineticTemp: leg.meanKineticTemp,
    minutesOutOfRange: leg.minutesOutOfRange,
    loggerHash: leg.loggerHash,
  };
  const receiver = rx.connect(signer);
  const receipt = await sendAndReport(
    "receive",
    receiver.receiveShipment(entry.shipment, summary),
    print,
  );
  const event = receiptEvent(rx, receipt, "Received");
  const quarantinedFor = receiptEvents(rx, receipt, "ReceiptQuarantined")[0];
  const holding = await rx.holding(entry.shipment.batchId, signer.address);
  if (quarantinedFor) print(`ReceiptQuarantined: ${QUARANTINE_CAUSE_TEXT[Number(quarantinedFor.args.cause) as QuarantineCause]}`);
  print(
    `received ${units(entry.shipment.quantity)}${event.args.excursion || quarantinedFor ? " into quarantine" : ""}; ` +
      `${signer.address} now holds ${holding.saleable} saleable, ${holding.quarantined} quarantined`,
  );
  if (checked.manifest && checked.file && context) {
    // Kept with the deployment: rx:ship --all-remaining and rx:verify find it there.
    const kept = manifestPath(context.network, entry.shipmentId);
    if (!existsSync(kept) || realpathSync(kept) !== realpathSync(checked.file)) saveManifest(checked.manifest, kept);
    print(`manifest kept at ${path.relative(process.cwd(), kept)}`);
  }
  return {
    shipment: entry, leg, excursion: event.args.excursion as boolean, quarantined: (event.args.excursion as boolean) || quarantinedFor !== undefined, receipt,
    manifestChecked: checked.root === undefined ? undefined : checked.manifest !== undefined,
  };
}

/** The command-line words for RejectionReason. */
export const REJECTION_REASONS: Record<string, RejectionReason> = {
  "wrong-quantity": RejectionReason.WrongQuantity,
  damaged: RejectionReason.Damaged,
  "no-temperature-data": RejectionReason.NoTemperatureData,
  "wrong-product": RejectionReason.WrongProduct,
  other: RejectionReason.Other,
};

export interface RejectArgs {
  shipment?: string;
  reason?: string;
  evidence?: string;
  /** The receiver's logger file of the leg (CSV timestamp,celsius), as for rx:receive; none: no data. */
  logger?: string;
}

export interface RejectInput {
  shipmentId: string;
  reason: RejectionReason;
  reasonWord: string;
  evidenceFile?: string;
  evidence: string;
  loggerFile?: string;
  logger?: Buffer;
}

export function parseRejectArgs(args: RejectArgs): RejectInput {
  const shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id");
  const reasonWord = (args.reason ?? "").trim();
  const reason = REJECTION_REASONS[reasonWord];
  if (reason === undefined) throw new InputError("--reason", args.reason ?? "", `one of ${Object.keys(REJECTION_REASONS).join(", ")}`);
  const evidenceFile = args.evidence === undefined || args.evidence === "" ? undefined : args.evidence;
  const evidence = evidenceFile ? hashFile(evidenceFile, "--evidence") : "0x" + "0".repeat(64);
  const loggerFile = given(args.logger) ? args.logger : undefined;
  const logger = loggerFile ? readInputFile(loggerFile, "--logger") : undefined;
  return { shipmentId, reason, reasonWord, evidenceFile, evidence, loggerFile, logger };
}

/** The leg a rejection carries, and where its units will go. */
export interface RejectionLeg {
  leg: LegFieldsNumeric;
  /** The logger's summary, when a logger file was given; undefined: no data (the all-zero summary). */
  summary?: LegSummary;
  excursion: boolean;
  quarantined: boolean;
  /** Why, in words. */
  why: string;
}

/**
 * The leg summary of a rejection of `batchId` (the logger file's, or the all-zero "no data" summary) and the
 * contract's rule for it: the units go back to the sender's saleable stock only when the leg stayed in range and the
 * reason is neither damaged nor no-temperature-data. Without data the units must not come back saleable: for a batch
 * whose storage range holds 0 °C the all-zero summary reads as in range, so a rejection without --logger is refused
 * there unless the reason is damaged or no-temperature-data.
 */
export async function rejectionLeg(rx: RxTrace, batchId: string, reason: RejectionReason, reasonWord: string, logger?: { file: string; bytes: Buffer }): Promise<RejectionLeg> {
  const batch = await rx.batch(batchId);
  const range = { minTemp: Number(batch.minTemp), maxTemp: Number(batch.maxTemp) };
  const summary = logger ? summarizeLeg(logger.bytes, range, logger.file) : undefined;
  const leg: LegFieldsNumeric = summary
    ? { minTemp: summary.minTemp, maxTemp: summary.maxTemp, meanKineticTemp: summary.meanKineticTemp, minutesOutOfRange: summary.minutesOutOfRange, loggerHash: summary.loggerHash }
    : NO_LEG_DATA;
  const excursion = isExcursion(leg, range);
  const quarantined = rejectionQuarantines(reason, excursion);
  if (!summary && !quarantined) {
    throw new InputError(
      "--logger",
      "",
      `the leg's logger file (CSV timestamp,celsius): without data the units must go into the sender's quarantine, but the storage range ` +
        `${formatCelsius(range.minTemp)} to ${formatCelsius(range.maxTemp)} holds the all-zero "no data" summary; give --logger, or --reason no-temperature-data`,
    );
  }
  const why = excursion
    ? summary ? "the leg left the storage range" : "no temperature data"
    : reason === RejectionReason.Damaged ? "the reason is damaged" : reason === RejectionReason.NoTemperatureData ? "the reason is no temperature data" : `the leg stayed in range and the reason is ${reasonWord}`;
  return { leg, summary, excursion, quarantined, why };
}

export interface RejectResult {
  shipment: ShipmentEntry;
  receipt: ContractTransactionReceipt;
  /** Whether the units went into the sender's quarantine (the Rejected event's `quarantined`). */
  quarantined: boolean;
  leg: LegFieldsNumeric;
}

/**
 * Rejects shipment `shipmentId` with the leg's temperature summary (the logger file given, else "no data"): its
 * units go back to the sender, into its saleable stock or its quarantine by the contract's rule (rejectionLeg).
 */
export async function rejectWithReason(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  fromBlock: number,
  input: RejectInput,
  print: Print = console.log,
): Promise<RejectResult> {
  const entry = await requireShipmentInTransit(rx, input.shipmentId, fromBlock);
  await requireReceiver(rx, signer, entry);
  const planned = await rejectionLeg(rx, entry.shipment.batchId, input.reason, input.reasonWord, input.loggerFile && input.logger ? { file: input.loggerFile, bytes: input.logger } : undefined);
  await printShipment(rx, entry, fromBlock, print);
  print(`rejecting: ${input.reasonWord}; evidence ${input.evidenceFile ? `${input.evidenceFile} keccak256 ${input.evidence}` : "none"}`);
  const { leg, summary } = planned;
  if (summary) {
    print(`logger ${input.loggerFile}: ${summary.readings} readings, keccak256 ${summary.loggerHash}`);
    print(`  min ${formatCelsius(leg.minTemp)}, max ${formatCelsius(leg.maxTemp)}, mean kinetic ${formatCelsius(leg.meanKineticTemp)}; ${leg.minutesOutOfRange} minutes out of range`);
  } else {
    print("no temperature data (no --logger): the rejection carries the all-zero summary");
  }
  print(planned.quarantined ? `the units go into the sender's quarantine (${planned.why})` : `the units go back to the sender's saleable stock (${planned.why})`);
  const receiver = rx.connect(signer);
  const receipt = await sendAndReport(
    "reject",
    receiver.rejectShipment(entry.shipment, input.reason, input.evidence, leg),
    print,
  );
  const event = receiptEvent(rx, receipt, "Rejected");
  const quarantined = event.args.quarantined as boolean;
  const holding = await rx.holding(entry.shipment.batchId, entry.shipment.sender);
  print(
    `${units(entry.shipment.quantity)} back to ${entry.shipment.sender}, ${quarantined ? "into its quarantine" : "into its saleable stock"}; ` +
      `it now holds ${holding.saleable} saleable, ${holding.quarantined} quarantined`,
  );
  return { shipment: entry, receipt, quarantined, leg };
}

export interface CancelResult {
  shipment: ShipmentEntry;
  receipt: ContractTransactionReceipt;
}

/**
 * rx:cancel: the sender takes back a shipment its receiver left unsettled for CANCEL_AFTER (30 days). Checked
 * before sending: the shipment is in transit, the signer is its sender, and the wait is over.
 */
export async function cancelOverdue(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  fromBlock: number,
  shipmentId: string,
  print: Print = console.log,
): Promise<CancelResult> {
  const entry = await requireShipmentInTransit(rx, shipmentId, fromBlock);
  if ((await identityOfAccount(rx, signer.address)).toLowerCase() !== entry.shipment.sender.toLowerCase()) {
    throw new InputError("--signer", signer.address, `the shipment's sender ${entry.shipment.sender} (only it may cancel the shipment)`);
  }
  const provider = rx.runner?.provider;
  const [shipped, latest, wait] = await Promise.all([provider?.getBlock(entry.blockNumber), provider?.getBlock("latest"), rx.CANCEL_AFTER()]);
  if (shipped && latest) {
    const from = BigInt(shipped.timestamp) + wait;
    if (BigInt(latest.timestamp) < from) {
      const day = (unix: bigint) => new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");
      throw new InputError(
        "--shipment",
        shipmentId,
        `a shipment unsettled for ${Number(wait) / 86400} days: this one may be cancelled from ${day(from)} on (the receiver has until then to receive or reject it)`,
      );
    }
  }
  await printShipment(rx, entry, fromBlock, print);
  const receipt = await sendAndReport("cancel", rx.connect(signer).cancelShipment(entry.shipment), print);
  const holding = await rx.holding(entry.shipment.batchId, signer.address);
  print(`${units(entry.shipment.quantity)} back to ${signer.address}, which now holds ${holding.saleable} saleable, ${holding.quarantined} quarantined`);
  return { shipment: entry, receipt };
}

/**
 * rx:logger-sample: a logger file for trying rx:receive on a shipment (a real one comes from the carrier's
 * logger): the readings of `template` (e.g. examples/logger-good.csv) placed in the shipment's window, from
 * its block to now, squeezed if the trip was shorter than the log.
 */
export async function writeSampleLogger(
  rx: RxTrace,
  fromBlock: number,
  shipmentId: string,
  template: string,
  out: string,
  print: Print = console.log,
): Promise<string> {
  const text = readInputFile(template, "--from", "a logger CSV to take the readings from, e.g. examples/logger-good.csv").toString("utf8");
  const entry = await requireShipmentInTransit(rx, shipmentId, fromBlock);
  const window = await shipmentWindow(rx, entry);
  writeFileAtomic(out, loggerForWindow(text, window.from, window.to));
  print(`wrote ${out}: the readings of ${template} placed between the shipment (${new Date(window.from * 1000).toISOString()}) and now`);
  return out;
}
