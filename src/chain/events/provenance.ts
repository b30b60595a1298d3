/**
 * A pack's provenance read from the contract's events (no database): the events of a batch, oldest first,
 * turned into its custody facts and timeline (src/domain/provenance.ts says what they mean), and `verifyPack`,
 * the contract's verdict with that history. It reads the chain only through the contract (ethers and the
 * typechain types, no Node module), so the web page runs it in the browser too.
 */
import { isAddress, type DeferredTopicFilter, type EventLog } from "ethers";
import type { RxTrace } from "../../../typechain-types";
import { CustodyRule, ExceptionReason, ExceptionStatus, QUARANTINE_CAUSE_TEXT, QuarantineCause, Role, RecallClass, RejectionReason, Verdict, VERDICT_TEXT } from "../../domain/enums";
import { formatGln, formatGtin, formatSscc, type PackIdentity, expiryToYYMMDD } from "../../gs1/identifiers";
import { serialToBytes32 } from "../../domain/ids";
import { queryEvents, type EventScan } from "./query";
import { indexerOf } from "./indexer-source";
import { invoiceLogs, mergeLogs } from "./settlement";
import { predecessorsOf } from "./lineage";
import { InvoiceOutcome, INVOICE_OUTCOME_WORDS, textOrHexOf32 } from "../../domain/invoice";
import { type CustodyFacts, type LegFact, type ManifestEvidence, type PackReport, type PartnerInfo, type TemperatureSummary, type TimelineEntry, changedFieldsOf, packCustody } from "../../domain/provenance";

/** Partner names and GLNs from `PartnerOnboarded` logs. */
function directoryOf(logs: readonly EventLog[]): Map<string, PartnerInfo> {
  const directory = new Map<string, PartnerInfo>();
  for (const e of logs) {
    if (e.eventName !== "PartnerOnboarded") continue;
    directory.set(String(e.args.account).toLowerCase(), {
      account: e.args.account,
      name: e.args.name,
      gln: formatGln(e.args.gln),
      role: Role[Number(e.args.role)],
    });
  }
  return directory;
}

/** Partner names and GLNs from `PartnerOnboarded`, read from `fromBlock` (the deployment's block). */
export async function partnerDirectory(rx: RxTrace, fromBlock = 0, scan: EventScan = {}): Promise<Map<string, PartnerInfo>> {
  return directoryOf(await queryEvents(rx, [rx.filters.PartnerOnboarded()], { ...scan, fromBlock }));
}

/** Which `PackDispensed` events to read: none, one serial's (32 bytes) or every pack's of the batch. */
type Dispensings = "none" | "all" | { serial: string };

/**
 * The filters of every event of one batch. They merge into two calls per chunk (the events whose first indexed
 * argument is the batch id, and those whose second is), plus one for a single pack's dispensing.
 */
function batchFilters(rx: RxTrace, batchId: string, dispensings: Dispensings): DeferredTopicFilter[] {
  const f = rx.filters;
  return [
    f.BatchCommissioned(batchId),
    f.Shipped(undefined, batchId),
    f.ManifestCommitted(undefined, batchId),
    f.HandedOver(undefined, batchId),
    f.Received(undefined, batchId),
    f.Rejected(undefined, batchId),
    f.ShipmentCancelled(undefined, batchId),
    f.CaseSealed(undefined, batchId),
    f.CaseOpened(undefined, batchId),
    f.ReceiptQuarantined(undefined, batchId),
    f.BatchRecalled(batchId),
    f.RecallEscalated(batchId),
    f.BatchFlaggedSuspect(batchId),
    f.SuspectConfirmed(batchId),
    f.SuspectCleared(batchId),
    f.BatchDeclaredIllegitimate(batchId),
    f.QuarantineReleased(batchId),
    f.QuarantineCondemned(batchId),
    f.LegReleased(undefined, batchId),
    f.BatchSuperseded(batchId),
    f.BatchCorrectionProposed(batchId),
    f.BatchCorrected(batchId),
    f.IllegitimacyReversed(batchId),
    f.RecallReversed(batchId),
    f.StockCondemned(batchId),
    f.ExceptionRaised(undefined, batchId),
    f.ExceptionOutcomeProposed(undefined, batchId),
    f.ExceptionResolved(undefined, batchId),
    f.OverageReported(undefined, batchId),
    ...(dispensings === "none" ? [] : [f.PackDispensed(batchId, dispensings === "all" ? undefined : dispensings.serial)]),
  ];
}

/** Every event of one batch, oldest first. */
async function batchLogs(rx: RxTrace, batchId: string, dispensings: Dispensings, scan: EventScan): Promise<EventLog[]> {
  return queryEvents(rx, batchFilters(rx, batchId, dispensings), scan);
}

/** Every event of one batch, every pack's dispensing included, oldest first: what an EPCIS export reads (src/epcis). */
export async function batchEvents(rx: RxTrace, batchId: string, fromBlock = 0): Promise<EventLog[]> {
  const [logs, invoices] = await Promise.all([batchLogs(rx, batchId, "all", { fromBlock }), invoiceLogs(rx, batchId, { fromBlock })]);
  return mergeLogs(logs, invoices);
}

/** The custody facts of a batch from its events. */
function custodyFactsOf(batchId: string, logs: readonly EventLog[]): CustodyFacts {
  const facts: CustodyFacts = { batchId, legs: [], cases: new Map(), dispensed: new Set() };
  const legs = new Map<string, LegFact>();
  const position = (log: EventLog) => ({ block: log.blockNumber, logIndex: log.index });
  for (const log of logs) {
    const a = log.args;
    switch (log.eventName) {
      case "BatchCommissioned":
        facts.manufacturer = a.manufacturer;
        facts.serialRoot = a.batch.serialRoot;
        break;
      case "BatchSuperseded":
        facts.serialRoot = a.commission.serialRoot;
        break;
      case "Shipped":
      case "HandedOver": {
        const handover = log.eventName === "HandedOver";
        const manifest = handover && BigInt(a.manifest) !== 0n ? (a.manifest as string) : undefined;
        const leg: LegFact = {
          shipmentId: handover ? a.handoverId : a.shipmentId,
          kind: handover ? "handover" : "shipment",
          sender: a.sender,
          receiver: a.receiver,
          quantity: a.quantity,
          nonce: Number(a.nonce),
          ...position(log),
          tx: log.transactionHash,
          manifest,
          settlement: handover ? "handed-over" : "in-transit",
          ...(handover && a.excursion ? { quarantined: true } : {}),
        };
        legs.set(leg.shipmentId.toLowerCase(), leg);
        facts.legs.push(leg);
        break;
      }
      case "ManifestCommitted": {
        const leg = legs.get(String(a.shipmentId).toLowerCase());
        if (leg) leg.manifest = a.manifest;
        break;
      }
      case "Received":
      case "Rejected":
      case "ShipmentCancelled": {
        const leg = legs.get(String(a.shipmentId).toLowerCase());
        if (leg) {
          leg.settlement = log.eventName === "Received" ? "received" : log.eventName === "Rejected" ? "rejected" : "cancelled";
          leg.quarantined = log.eventName === "Received" ? (a.excursion as boolean) : log.eventName === "Rejected" ? (a.quarantined as boolean) : true;
        }
        break;
      }
      case "ReceiptQuarantined": {
        const leg = legs.get(String(a.shipmentId).toLowerCase());
        if (leg) leg.quarantined = true;
        break;
      }
      case "CaseSealed": {
        const sscc = formatSscc(a.sscc);
        facts.cases.set(sscc, { sscc, batchId: a.batchId, packer: a.packer, contents: a.contents, packs: Number(a.packs), ...position(log) });
        break;
      }
      case "CaseOpened": {
        const sealed = facts.cases.get(formatSscc(a.sscc));
        if (sealed) sealed.opened = { by: a.by, ...position(log) };
        break;
      }
      case "PackDispensed":
        facts.dispensed.add(String(a.serial).toLowerCase());
        break;
    }
  }
  return facts;
}

/** What the chain says about a batch's custody: its legs with their manifest roots, its cases, its dispensed packs. */
export async function custodyFacts(rx: RxTrace, batchId: string, fromBlock = 0, scan: EventScan = {}): Promise<CustodyFacts> {
  return custodyFactsOf(batchId, await batchLogs(rx, batchId, "all", { ...scan, fromBlock }));
}

/** The timeline of a batch's events. */
function timelineOf(logs: readonly EventLog[], who: (account: string) => PartnerInfo, times: Map<number, number>, now: number): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const shipped = new Map<string, TimelineEntry & { kind: "shipped" }>();
  const received = new Map<string, TimelineEntry & { kind: "received" }>();
  const invoices = new Map<string, TimelineEntry & { kind: "invoice-created" }>();
  const exceptions = new Map<string, TimelineEntry & { kind: "exception-raised" }>();
  /** The suspect hold in force, if any: confirmed, cleared or declared illegitimate later, or lapsing. */
  let hold: (TimelineEntry & { kind: "flagged-suspect" }) | undefined;
  // The partners the lot's events name (its identities): their key rotations belong to its timeline.
  const involved = new Set<string>();
  for (const log of logs) {
    if (log.eventName === "PartnerRekeyed") continue;
    for (const value of log.args ?? []) if (typeof value === "string" && isAddress(value)) involved.add(value.toLowerCase());
  }
  for (const log of logs) {
    const base = { time: times.get(log.blockNumber) ?? 0, block: log.blockNumber, tx: log.transactionHash };
    const a = log.args;
    switch (log.eventName) {
      case "BatchCommissioned":
        entries.push({ kind: "commissioned", ...base, by: who(a.manufacturer), quantity: a.batch.quantity.toString(), expiry: Number(a.batch.expiry), certificateHash: a.batch.certificateHash, certificateURI: a.batch.certificateURI, serialRoot: a.batch.serialRoot });
        break;
      case "Shipped": {
        const entry = { kind: "shipped" as const, ...base, shipmentId: a.shipmentId as string, from: who(a.sender), to: who(a.receiver), quantity: a.quantity.toString(), isReturn: a.isReturn as boolean };
        shipped.set(entry.shipmentId.toLowerCase(), entry);
        entries.push(entry);
        break;
      }
      case "ManifestCommitted": {
        const entry = shipped.get(String(a.shipmentId).toLowerCase());
        if (entry) entry.manifest = a.manifest;
        break;
      }
      case "HandedOver":
        entries.push({
          kind: "handed-over", ...base, shipmentId: a.handoverId, from: who(a.sender), to: who(a.receiver), quantity: a.quantity.toString(),
          leg: legOf(a.leg), excursion: a.excursion, ...(BigInt(a.manifest) === 0n ? {} : { manifest: a.manifest as string }),
        });
        break;
      case "Received": {
        const entry = { kind: "received" as const, ...base, shipmentId: a.shipmentId as string, from: who(a.sender), by: who(a.receiver), quantity: a.quantity.toString(), leg: legOf(a.leg), excursion: a.excursion as boolean };
        received.set(entry.shipmentId.toLowerCase(), entry);
        entries.push(entry);
        break;
      }
      case "ReceiptQuarantined": {
        const entry = received.get(String(a.shipmentId).toLowerCase());
        if (entry) entry.quarantineCause = QUARANTINE_CAUSE_TEXT[Number(a.cause) as QuarantineCause] ?? `cause ${a.cause}`;
        break;
      }
      case "Rejected":
        entries.push({
          kind: "rejected", ...base, shipmentId: a.shipmentId, from: who(a.sender), by: who(a.receiver), quantity: a.quantity.toString(),
          reason: RejectionReason[Number(a.reason)], evidence: a.evidence, leg: legOf(a.leg), quarantined: a.quarantined,
        });
        break;
      case "ShipmentCancelled":
        entries.push({ kind: "cancelled", ...base, shipmentId: a.shipmentId, from: who(a.sender), to: who(a.receiver), quantity: a.quantity.toString() });
        break;
      case "BatchRecalled":
        entries.push({ kind: "recalled", ...base, by: who(a.by), recallClass: RecallClass[Number(a.recallClass)], reasonHash: a.reasonHash, reasonURI: a.reasonURI });
        break;
      case "RecallEscalated":
        entries.push({
          kind: "recall-escalated", ...base, by: who(a.by), previousClass: RecallClass[Number(a.previousClass)], recallClass: RecallClass[Number(a.recallClass)],
          reasonHash: a.reasonHash, reasonURI: a.reasonURI,
        });
        break;
      case "BatchFlaggedSuspect": {
        const lapsesAt = Number(a.lapsesAt);
        hold = { kind: "flagged-suspect", ...base, by: who(a.by), reason: a.reason, ...(lapsesAt === 0 ? {} : { lapsesAt }), hold: "holds" };
        entries.push(hold);
        break;
      }
      case "SuspectConfirmed":
        if (hold) hold.hold = "confirmed";
        entries.push({ kind: "suspect-confirmed", ...base, by: who(a.regulator), reason: a.reason });
        break;
      case "SuspectCleared":
      case "BatchDeclaredIllegitimate":
        if (hold) hold.hold = "ended";
        hold = undefined;
        entries.push({ kind: log.eventName === "SuspectCleared" ? "suspect-cleared" : "declared-illegitimate", ...base, by: who(a.regulator), reason: a.reason });
        break;
      case "LegReleased":
        entries.push({ kind: "leg-released", ...base, shipmentId: a.legId, holder: who(a.holder), by: who(a.regulator) });
        break;
      case "QuarantineReleased":
      case "QuarantineCondemned":
        entries.push({ kind: log.eventName === "QuarantineReleased" ? "quarantine-released" : "quarantine-condemned", ...base, holder: who(a.holder), by: who(a.regulator), quantity: a.quantity.toString() });
        break;
      case "PackDispensed":
        entries.push({ kind: "dispensed", ...base, by: who(a.dispenser) });
        break;
      case "BatchSuperseded": {
        const c = a.commission;
        const changed = changedFieldsOf(Number(a.changed));
        entries.push({
          kind: "superseded", ...base, by: who(a.manufacturer), changed, quantity: c.quantity.toString(), expiry: Number(c.expiry),
          minTemp: Number(c.minTemp), maxTemp: Number(c.maxTemp), certificateHash: c.certificateHash, certificateURI: c.certificateURI, serialRoot: c.serialRoot,
        });
        break;
      }
      case "BatchCorrectionProposed":
        entries.push({ kind: "correction-proposed", ...base, by: who(a.manufacturer), expiry: Number(a.expiry), certificateHash: a.certificateHash, certificateURI: a.certificateURI });
        break;
      case "BatchCorrected":
        entries.push({
          kind: "corrected", ...base, by: who(a.regulator), previousExpiry: Number(a.previousExpiry), expiry: Number(a.expiry),
          certificateHash: a.certificateHash, certificateURI: a.certificateURI,
        });
        break;
      case "IllegitimacyReversed":
        entries.push({ kind: "illegitimacy-reversed", ...base, by: who(a.regulator), declaredBy: who(a.declaredBy), reason: a.reason });
        break;
      case "RecallReversed":
        entries.push({ kind: "recall-reversed", ...base, by: who(a.regulator), recalledBy: who(a.recalledBy), restoredClass: RecallClass[Number(a.restoredClass)] ?? `class ${a.restoredClass}`, reason: a.reason });
        break;
      case "StockCondemned":
        entries.push({ kind: "stock-condemned", ...base, holder: who(a.holder), by: who(a.regulator), quantity: a.quantity.toString() });
        break;
      case "PartnerRekeyed":
        // Shown when the partner took part in the lot (the scan reads every partner's re-keys with the directory).
        if (involved.has(String(a.identity).toLowerCase())) {
          entries.push({ kind: "rekeyed", ...base, partner: who(a.identity), oldKey: a.oldKey, newKey: a.newKey, byAdmin: a.byAdmin });
        }
        break;
      // Delivery exceptions (IExceptions, docs/custody.md): a partial receipt's disputed units and how they ended.
      case "ExceptionRaised": {
        const entry = {
          kind: "exception-raised" as const, ...base, shipmentId: a.shipmentId as string, from: who(a.sender), by: who(a.receiver), accepted: a.accepted.toString(),
          disputed: a.disputed.toString(), reason: ExceptionReason[Number(a.reason)] ?? `reason ${a.reason}`, evidence: a.evidence as string,
          ...(BigInt(a.disputedPacks) === 0n ? {} : { disputedPacks: a.disputedPacks as string }),
        };
        exceptions.set(entry.shipmentId.toLowerCase(), entry);
        entries.push(entry);
        break;
      }
      case "ExceptionOutcomeProposed":
        entries.push({ kind: "exception-proposed", ...base, shipmentId: a.shipmentId, by: who(a.party), outcome: ExceptionStatus[Number(a.outcome)] ?? `outcome ${a.outcome}` });
        break;
      case "ExceptionResolved": {
        const outcome = ExceptionStatus[Number(a.outcome)] ?? `outcome ${a.outcome}`;
        const raised = exceptions.get(String(a.shipmentId).toLowerCase());
        if (raised) raised.outcome = outcome;
        const holder = BigInt(a.holder) === 0n ? {} : { holder: who(a.holder) };
        entries.push({ kind: "exception-resolved", ...base, shipmentId: a.shipmentId, outcome, by: who(a.by), byRegulator: a.byRegulator, ...holder, units: a.units.toString(), reason: a.reason });
        break;
      }
      case "OverageReported":
        entries.push({ kind: "overage-reported", ...base, shipmentId: a.shipmentId, from: who(a.sender), by: who(a.receiver), units: a.units.toString(), evidence: a.evidence });
        break;
      // The settlement's events (src/chain/events/settlement.ts): no money amounts, price or customer id (docs/settlement.md).
      case "InvoiceCreated": {
        const entry = {
          kind: "invoice-created" as const, ...base, invoiceId: a.invoiceId as string, invoiceNumber: textOrHexOf32(a.invoiceNumber), buyer: who(a.buyer), seller: who(a.seller),
          quantity: a.quantity.toString(), deadline: Number(a.deadline),
        };
        invoices.set(entry.invoiceId.toLowerCase(), entry);
        entries.push(entry);
        break;
      }
      case "InvoiceBound": {
        const created = invoices.get(String(a.invoiceId).toLowerCase());
        // The invoice's creation goes with the leg that delivers it (src/domain/pack-path.ts groups a leg's entries by shipment id).
        if (created) created.shipmentId = a.shipmentId;
        entries.push({ kind: "invoice-bound", ...base, invoiceId: a.invoiceId, invoiceNumber: created?.invoiceNumber ?? "?", shipmentId: a.shipmentId, ...(created ? { seller: created.seller } : {}) });
        break;
      }
      case "InvoiceSettled": {
        const created = invoices.get(String(a.invoiceId).toLowerCase());
        const outcome = Number(a.outcome) as InvoiceOutcome;
        entries.push({
          kind: "invoice-settled", ...base, invoiceId: a.invoiceId, invoiceNumber: created?.invoiceNumber ?? "?", outcome: InvoiceOutcome[outcome] ?? `outcome ${a.outcome}`,
          outcomeText: INVOICE_OUTCOME_WORDS[outcome] ?? `outcome ${a.outcome}`, unitsAccepted: a.unitsAccepted.toString(), by: who(a.by),
          ...(created?.shipmentId ? { shipmentId: created.shipmentId } : {}),
        });
        break;
      }
    }
  }
  // A holder's flag that no regulator confirmed lapses: the batch is no longer on hold (the contract's rule).
  if (hold && hold.hold === "holds" && hold.lapsesAt !== undefined && now >= hold.lapsesAt) hold.hold = "lapsed";
  return entries;
}

function legOf(leg: { minTemp: bigint; maxTemp: bigint; meanKineticTemp: bigint; minutesOutOfRange: bigint; loggerHash: string }): TemperatureSummary {
  return { minTemp: Number(leg.minTemp), maxTemp: Number(leg.maxTemp), meanKineticTemp: Number(leg.meanKineticTemp), minutesOutOfRange: Number(leg.minutesOutOfRange), loggerHash: leg.loggerHash };
}

/** Everything verifyPack needs about a batch, read once. */
interface BatchHistory {
  timeline: TimelineEntry[];
  facts: CustodyFacts;
  who: (account: string) => PartnerInfo;
  times: Map<number, number>;
}

async function batchHistory(rx: RxTrace, batchId: string, dispensings: Dispensings, scan: EventScan): Promise<BatchHistory> {
  // One scan for the batch's events and the partner directory: each chunk is three or four calls, not twenty.
  // The lot's invoices come from the settlement beside the suite, when the deployment record has one (settlement.ts).
  // A lot adopted from a predecessor (IMigration) has its earlier history there: read from the deployment's first block.
  const lineage = predecessorsOf(rx);
  const earlier = lineage.predecessors.map((old) =>
    queryEvents(old, [old.filters.PartnerOnboarded(), old.filters.PartnerRekeyed(), ...batchFilters(old, batchId, dispensings)], { ...scan, fromBlock: lineage.fromBlock }),
  );
  const [own, invoices, ...before] = await Promise.all([
    queryEvents(rx, [rx.filters.PartnerOnboarded(), rx.filters.PartnerRekeyed(), ...batchFilters(rx, batchId, dispensings)], scan),
    invoiceLogs(rx, batchId, scan),
    ...earlier,
  ]);
  const all = before.reduceRight((merged, logs) => mergeLogs(logs, merged), own);
  const directory = directoryOf(all);
  const logs = mergeLogs(all.filter((l) => l.eventName !== "PartnerOnboarded"), invoices);
  const who = (account: string): PartnerInfo =>
    directory.get(account.toLowerCase()) ?? { account, name: "(not a partner)", gln: "", role: "None" };
  const times = new Map<number, number>();
  // Block times, a few dozen at a time (one JSON-RPC batch in the browser), not one round trip per block.
  // Through the indexer, the times came with the logs.
  const indexer = indexerOf(rx);
  const blocks: number[] = [];
  for (const block of new Set(logs.map((l) => l.blockNumber))) {
    const known = indexer?.blockTime(block);
    if (known === undefined) blocks.push(block);
    else times.set(block, known);
  }
  for (let i = 0; i < blocks.length; i += 20) {
    const slice = blocks.slice(i, i + 20);
    const found = await Promise.all(slice.map((block) => rx.runner?.provider?.getBlock(block)));
    slice.forEach((block, k) => times.set(block, found[k]?.timestamp ?? 0));
  }
  const now = logs.some((l) => l.eventName === "BatchFlaggedSuspect") ? ((await rx.runner?.provider?.getBlock("latest"))?.timestamp ?? 0) : 0;
  return { timeline: timelineOf(logs, who, times, now), facts: custodyFactsOf(batchId, logs), who, times };
}

/** The events of one batch (and, with a serial, of that pack's dispensing), oldest first. */
export async function batchTimeline(rx: RxTrace, batchId: string, serial?: string, fromBlock = 0, scan: EventScan = {}): Promise<TimelineEntry[]> {
  return (await batchHistory(rx, batchId, serial ? { serial } : "none", { ...scan, fromBlock })).timeline;
}

export interface VerifyOptions {
  /** The Merkle proof of the serial; empty when the serial is unknown to the verifier's serial file. */
  proof: string[];
  /** Check the custody of this account (zero address: skip). */
  holder?: string;
  /** keccak256 of a certificate document at hand, to compare with the commitment. */
  certificateHash?: string;
  /** The first block to read events from: the deployment record's block. */
  fromBlock?: number;
  /** Progress of the history scan (the page's progress line); commands print one on stderr by default. */
  onProgress?: EventScan["onProgress"];
  /**
   * Checks the manifests at hand against the batch's custody facts (src/manifests/check.ts `manifestEvidence`); with it,
   * the report follows the pack through its legs (`custody`).
   */
  manifests?: (facts: CustodyFacts) => ManifestEvidence[];
  /**
   * With a holder: the pack leg that brought the pack to it (its sender, quantity, nonce and the pack's proof in its
   * manifest); the contract then applies the pack rule (`verifyPackInCustody`), dispense's checks, instead of the lot rule.
   */
  claim?: { sender: string; quantity: bigint; nonce: bigint; manifestProof: string[]; legId?: string };
}

/** The verdict on a pack and its timeline. */
export async function verifyPack(rx: RxTrace, pack: PackIdentity, options: VerifyOptions): Promise<PackReport> {
  const serial32 = serialToBytes32(pack.serial);
  const holder = options.holder ?? "0x0000000000000000000000000000000000000000";
  const asked = BigInt(holder) !== 0n;
  let code: bigint;
  let batchId: string;
  let rule: CustodyRule;
  if (asked && options.claim) {
    const { sender, quantity, nonce, manifestProof } = options.claim;
    const answer = await rx.verifyPackInCustody(pack.gtin, pack.lot, serial32, options.proof, holder, { sender, quantity, nonce, manifestProof });
    [code, batchId, rule] = [answer[0], answer[1], Number(answer[2]) as CustodyRule];
  } else {
    [code, batchId] = await rx.verifyPack(pack.gtin, pack.lot, serial32, options.proof, holder);
    const custodyVerdicts: Verdict[] = [Verdict.Genuine, Verdict.Quarantined, Verdict.NotInCustody];
    rule = asked && custodyVerdicts.includes(Number(code)) ? CustodyRule.Lot : CustodyRule.None;
  }
  const verdictCode = Number(code);
  const history = verdictCode === Verdict.UnknownBatch ? undefined : await batchHistory(rx, batchId, { serial: serial32 }, { fromBlock: options.fromBlock ?? 0, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const timeline = history?.timeline ?? [];
  const commissioned = timeline.find((e) => e.kind === "commissioned");
  const report: PackReport = {
    verdict: Verdict[verdictCode],
    verdictCode,
    verdictText: VERDICT_TEXT[verdictCode as Verdict],
    pack: { gtin: formatGtin(pack.gtin), lot: pack.lot, serial: pack.serial, expiry: pack.expiry },
    batchId,
    timeline,
  };
  if (history && options.holder && BigInt(options.holder) !== 0n) report.holder = history.who(options.holder);
  if (asked) {
    report.custodyRule = CustodyRule[rule] as PackReport["custodyRule"];
    if (rule === CustodyRule.Pack && options.claim?.legId) report.custodyLeg = options.claim.legId;
  }
  if (commissioned && commissioned.kind === "commissioned") {
    // The batch as it stands: the last of its commissioning, supersedings and approved corrections.
    let record = { expiry: commissioned.expiry, certificateHash: commissioned.certificateHash, certificateURI: commissioned.certificateURI };
    const corrections: NonNullable<PackReport["corrections"]> = {};
    for (const e of timeline) {
      if (e.kind === "superseded") {
        // Compared with the record it replaced (the commissioning or the last superseding).
        const certificateChanged = e.certificateHash.toLowerCase() !== record.certificateHash.toLowerCase() || e.certificateURI !== record.certificateURI;
        record = { expiry: e.expiry, certificateHash: e.certificateHash, certificateURI: e.certificateURI };
        corrections.superseded = { time: e.time, changed: certificateChanged ? [...e.changed, "certificate"] : e.changed };
      } else if (e.kind === "corrected") {
        record = { expiry: e.expiry, certificateHash: e.certificateHash, certificateURI: e.certificateURI };
        corrections.corrected = { time: e.time, by: e.by, previousExpiry: e.previousExpiry, expiry: e.expiry };
      }
    }
    if (pack.expiry) report.expiryMatches = expiryToYYMMDD(record.expiry) === pack.expiry;
    report.certificate = { hash: record.certificateHash, uri: record.certificateURI };
    if (options.certificateHash) report.certificate.matches = options.certificateHash.toLowerCase() === record.certificateHash.toLowerCase();
    if (corrections.superseded || corrections.corrected) report.corrections = corrections;
  }
  // Only a batch with pack-level legs has a pack-level story to tell.
  if (history && options.manifests && history.facts.legs.some((leg) => leg.manifest !== undefined)) {
    const verifier = options.holder && BigInt(options.holder) !== 0n ? options.holder : undefined;
    // The contract checked the serial's proof against the batch's serial root: SerialNotInBatch means it failed.
    const serialProven = verdictCode !== Verdict.SerialNotInBatch;
    report.custody = packCustody(pack.serial, history.facts, options.manifests(history.facts), history.who, history.times, verifier, serialProven);
  }
  return report;
}
