/**
 * A pack's provenance, rebuilt from the contract's events alone (no database): who commissioned its batch,
 * every custody leg (shipments and co-signed handovers) with quantities, temperature summaries and manifest
 * roots, recalls and holds, and its dispensing. With the manifests of the legs at hand (checked by the
 * caller, see manifest.ts), it also follows the pack itself: which legs it travelled, whether it reached the
 * verifier, and whether a holder listed it twice. The verify command, the demo and the web page print what
 * this returns; it reads the chain only through the contract, so it runs in a browser too.
 */
import type { EventLog, Log } from "ethers";
import type { RxTrace } from "../../typechain-types";
import { formatCelsius, Role, RecallClass, RejectionReason, Verdict, VERDICT_TEXT } from "./domain";
import { formatGln, formatGtin, formatSscc, type PackIdentity, expiryToYYMMDD } from "./gs1";
import { serialToBytes32 } from "./ids";

export interface PartnerInfo {
  account: string;
  name: string;
  gln: string;
  role: string;
}

export interface TemperatureSummary {
  minTemp: number;
  maxTemp: number;
  meanKineticTemp: number;
  minutesOutOfRange: number;
  loggerHash: string;
}

export type TimelineEntry =
  | { kind: "commissioned"; time: number; block: number; tx: string; by: PartnerInfo; quantity: string; expiry: number; certificateHash: string; certificateURI: string; serialRoot: string }
  /** `manifest`: the root of the packs shipped, when the shipment carries a manifest (`ManifestCommitted`). */
  | { kind: "shipped"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string; isReturn: boolean; manifest?: string }
  /** A co-signed handover: shipped and received in one transaction, never in transit. */
  | { kind: "handed-over"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string; leg: TemperatureSummary; excursion: boolean; manifest?: string }
  | { kind: "cancelled"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string }
  | { kind: "received"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; quantity: string; leg: TemperatureSummary; excursion: boolean }
  | { kind: "rejected"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; quantity: string; reason: string; evidence: string }
  | { kind: "recalled"; time: number; block: number; tx: string; by: PartnerInfo; recallClass: string; reasonHash: string; reasonURI: string }
  | { kind: "flagged-suspect" | "suspect-cleared" | "declared-illegitimate"; time: number; block: number; tx: string; by: PartnerInfo; reason: string }
  | { kind: "quarantine-released" | "quarantine-condemned"; time: number; block: number; tx: string; holder: PartnerInfo; by: PartnerInfo; quantity: string }
  | { kind: "dispensed"; time: number; block: number; tx: string; by: PartnerInfo };

export interface PackReport {
  verdict: string;
  verdictCode: number;
  verdictText: string;
  pack: { gtin: string; lot: string; serial: string; expiry?: string };
  batchId: string;
  /** The expiry on the pack's code agrees with the batch record (undefined when the code has none). */
  expiryMatches?: boolean;
  certificate?: { hash: string; uri: string; matches?: boolean };
  timeline: TimelineEntry[];
  /** The pack's own legs, when manifests were consulted (the verify command always consults them). */
  custody?: PackCustody;
}

/* ------------------------------------------------------- custody facts */

/** How a leg ended, as far as the chain says now. */
export type Settlement = "in-transit" | "received" | "rejected" | "cancelled" | "handed-over";

/** One custody leg of a batch: a shipment (`Shipped`) or a co-signed handover (`HandedOver`). */
export interface LegFact {
  shipmentId: string;
  kind: "shipment" | "handover";
  sender: string;
  receiver: string;
  quantity: bigint;
  nonce: number;
  block: number;
  logIndex: number;
  tx: string;
  /** The manifest root the leg committed to; undefined for a batch-level leg. */
  manifest?: string;
  settlement: Settlement;
}

/** A case sealed with packs of the batch (`CaseSealed`), and its opening (`CaseOpened`). */
export interface CaseFact {
  /** 18 digits. */
  sscc: string;
  batchId: string;
  packer: string;
  contents: string;
  packs: number;
  block: number;
  logIndex: number;
  opened?: { by: string; block: number; logIndex: number };
}

/** What the chain says about a batch's custody: everything a manifest is checked against. */
export interface CustodyFacts {
  batchId: string;
  /** The manufacturer and the full serial root, from `BatchCommissioned` (undefined: no such batch). */
  manufacturer?: string;
  serialRoot?: string;
  /** Oldest first. */
  legs: LegFact[];
  cases: Map<string, CaseFact>;
  /** 32-byte serials (lower-case hex) of the packs dispensed, when asked for. */
  dispensed: Set<string>;
}

/** True when event position `a` comes before `b`. */
export function isBefore(a: { block: number; logIndex: number }, b: { block: number; logIndex: number }): boolean {
  return a.block < b.block || (a.block === b.block && a.logIndex < b.logIndex);
}

/* --------------------------------------------------- the pack's own legs */

/** What the manifests say about the pack in one leg. */
export type LegStatus = "proven" | "not-in-manifest" | "no-manifest" | "manifest-invalid" | "batch-level";

export const LEG_STATUS_TEXT: Record<LegStatus, string> = {
  proven: "proven",
  "not-in-manifest": "not in this leg's manifest",
  "no-manifest": "no manifest available",
  "manifest-invalid": "manifest does not match the chain",
  "batch-level": "batch-level leg (no manifest)",
};

/**
 * A manifest file checked against the chain by the caller (manifest.ts `manifestEvidence`): whether it holds
 * and which packs it lists, loose or in sealed cases.
 */
export interface ManifestEvidence {
  shipmentId: string;
  file: string;
  valid: boolean;
  problems: string[];
  /** Serials listed loose. */
  loose: ReadonlySet<string>;
  /** Serial -> SSCC of the sealed case that holds it. */
  inCase: ReadonlyMap<string, string>;
}

export interface PackLeg {
  shipmentId: string;
  kind: "shipment" | "handover";
  time: number;
  block: number;
  tx: string;
  from: PartnerInfo;
  to: PartnerInfo;
  quantity: string;
  settlement: Settlement;
  /** The manifest root on the chain. */
  manifest?: string;
  status: LegStatus;
  statusText: string;
  /** The SSCC of the sealed case the pack travelled in. */
  case?: string;
  /** The manifest file consulted. */
  file?: string;
  /** Why the manifest file at hand does not match the chain. */
  problems?: string[];
}

/** A step of the pack's path; `unprovenBefore` when no proven leg brought the pack to the step's sender. */
export interface PathStep {
  shipmentId: string;
  from: PartnerInfo;
  to: PartnerInfo;
  settlement: Settlement;
  unprovenBefore: boolean;
}

export interface PackCustody {
  /**
   * Whether the serial is proven a commissioned serial of the batch: its proof against the batch's serial root
   * holds (the contract's verdict), or a manifest at hand that matches the chain lists it (its batch proof).
   */
  inBatch: boolean;
  /** Every leg of the batch, oldest first, with what the manifests say about this pack. */
  legs: PackLeg[];
  /** Where the pack starts: the manufacturer that commissioned it (undefined when the serial is not proven in the batch). */
  origin?: PartnerInfo;
  /** The legs the pack itself travelled, from the manufacturer on, as far as the manifests prove them. */
  path: PathStep[];
  /** Who holds the pack at the end of the proven path (or is receiving it, when the last leg is in transit). */
  holder?: PartnerInfo;
  inTransit: boolean;
  /** The verifier (`--holder`): whether the pack is in its chain of custody; undefined when the manifests cannot tell. */
  verifier?: { partner: PartnerInfo; inChain: boolean | undefined; reason: string };
  /** The same holder listed the pack in two manifests without getting it back in between. */
  conflicts: { holder: PartnerInfo; shipments: string[] }[];
  manifests: { consulted: number; valid: number };
}

function isEventLog(log: EventLog | Log): log is EventLog {
  return "args" in log;
}

/** Partner names and GLNs from `PartnerOnboarded`. */
export async function partnerDirectory(rx: RxTrace, fromBlock = 0): Promise<Map<string, PartnerInfo>> {
  const directory = new Map<string, PartnerInfo>();
  for (const e of await rx.queryFilter(rx.filters.PartnerOnboarded(), fromBlock)) {
    directory.set(e.args.account.toLowerCase(), {
      account: e.args.account,
      name: e.args.name,
      gln: formatGln(e.args.gln),
      role: Role[Number(e.args.role)],
    });
  }
  return directory;
}

/** Which `PackDispensed` events to read: none, one serial's (32 bytes) or every pack's of the batch. */
type Dispensings = "none" | "all" | { serial: string };

/** Every event of one batch, oldest first. */
async function batchLogs(rx: RxTrace, batchId: string, dispensings: Dispensings, fromBlock: number): Promise<EventLog[]> {
  const f = rx.filters;
  const queries = [
    rx.queryFilter(f.BatchCommissioned(batchId), fromBlock),
    rx.queryFilter(f.Shipped(undefined, batchId), fromBlock),
    rx.queryFilter(f.ManifestCommitted(undefined, batchId), fromBlock),
    rx.queryFilter(f.HandedOver(undefined, batchId), fromBlock),
    rx.queryFilter(f.Received(undefined, batchId), fromBlock),
    rx.queryFilter(f.Rejected(undefined, batchId), fromBlock),
    rx.queryFilter(f.ShipmentCancelled(undefined, batchId), fromBlock),
    rx.queryFilter(f.CaseSealed(undefined, batchId), fromBlock),
    rx.queryFilter(f.CaseOpened(undefined, batchId), fromBlock),
    rx.queryFilter(f.BatchRecalled(batchId), fromBlock),
    rx.queryFilter(f.BatchFlaggedSuspect(batchId), fromBlock),
    rx.queryFilter(f.SuspectCleared(batchId), fromBlock),
    rx.queryFilter(f.BatchDeclaredIllegitimate(batchId), fromBlock),
    rx.queryFilter(f.QuarantineReleased(batchId), fromBlock),
    rx.queryFilter(f.QuarantineCondemned(batchId), fromBlock),
    dispensings === "none"
      ? Promise.resolve([])
      : rx.queryFilter(f.PackDispensed(batchId, dispensings === "all" ? undefined : dispensings.serial), fromBlock),
  ] as const;
  const logs = (await Promise.all(queries)).flat() as (EventLog | Log)[];
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return logs.filter(isEventLog);
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
        if (leg) leg.settlement = log.eventName === "Received" ? "received" : log.eventName === "Rejected" ? "rejected" : "cancelled";
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
export async function custodyFacts(rx: RxTrace, batchId: string, fromBlock = 0): Promise<CustodyFacts> {
  return custodyFactsOf(batchId, await batchLogs(rx, batchId, "all", fromBlock));
}

/** The timeline of a batch's events. */
function timelineOf(logs: readonly EventLog[], who: (account: string) => PartnerInfo, times: Map<number, number>): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const shipped = new Map<string, TimelineEntry & { kind: "shipped" }>();
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
      case "Received":
        entries.push({ kind: "received", ...base, shipmentId: a.shipmentId, from: who(a.sender), by: who(a.receiver), quantity: a.quantity.toString(), leg: legOf(a.leg), excursion: a.excursion });
        break;
      case "Rejected":
        entries.push({ kind: "rejected", ...base, shipmentId: a.shipmentId, from: who(a.sender), by: who(a.receiver), quantity: a.quantity.toString(), reason: RejectionReason[Number(a.reason)], evidence: a.evidence });
        break;
      case "ShipmentCancelled":
        entries.push({ kind: "cancelled", ...base, shipmentId: a.shipmentId, from: who(a.sender), to: who(a.receiver), quantity: a.quantity.toString() });
        break;
      case "BatchRecalled":
        entries.push({ kind: "recalled", ...base, by: who(a.by), recallClass: RecallClass[Number(a.recallClass)], reasonHash: a.reasonHash, reasonURI: a.reasonURI });
        break;
      case "BatchFlaggedSuspect":
        entries.push({ kind: "flagged-suspect", ...base, by: who(a.by), reason: a.reason });
        break;
      case "SuspectCleared":
        entries.push({ kind: "suspect-cleared", ...base, by: who(a.regulator), reason: a.reason });
        break;
      case "BatchDeclaredIllegitimate":
        entries.push({ kind: "declared-illegitimate", ...base, by: who(a.regulator), reason: a.reason });
        break;
      case "QuarantineReleased":
      case "QuarantineCondemned":
        entries.push({ kind: log.eventName === "QuarantineReleased" ? "quarantine-released" : "quarantine-condemned", ...base, holder: who(a.holder), by: who(a.regulator), quantity: a.quantity.toString() });
        break;
      case "PackDispensed":
        entries.push({ kind: "dispensed", ...base, by: who(a.dispenser) });
        break;
    }
  }
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

async function batchHistory(rx: RxTrace, batchId: string, dispensings: Dispensings, fromBlock: number): Promise<BatchHistory> {
  const [directory, logs] = await Promise.all([partnerDirectory(rx, fromBlock), batchLogs(rx, batchId, dispensings, fromBlock)]);
  const who = (account: string): PartnerInfo =>
    directory.get(account.toLowerCase()) ?? { account, name: "(not a partner)", gln: "", role: "None" };
  const times = new Map<number, number>();
  for (const block of new Set(logs.map((l) => l.blockNumber))) {
    const b = await rx.runner?.provider?.getBlock(block);
    times.set(block, b?.timestamp ?? 0);
  }
  return { timeline: timelineOf(logs, who, times), facts: custodyFactsOf(batchId, logs), who, times };
}

/** The events of one batch (and, with a serial, of that pack's dispensing), oldest first. */
export async function batchTimeline(rx: RxTrace, batchId: string, serial?: string, fromBlock = 0): Promise<TimelineEntry[]> {
  return (await batchHistory(rx, batchId, serial ? { serial } : "none", fromBlock)).timeline;
}

/**
 * Follows pack `serial` through the legs of its batch with the manifests at hand. The pack starts at the
 * manufacturer; a proven leg moves it from its sender to its receiver (a rejected or cancelled one brings it
 * back). A proven leg whose sender does not hold the pack by then is either a gap (the pack reached the sender
 * by a leg no manifest at hand proves: the path goes on from there) or, when the sender had shipped the pack
 * already and never got it back, a conflict: the same holder listed one pack in two manifests.
 *
 * `serialProven`: whether the serial's proof against the batch's serial root holds (verifyPack passes the
 * contract's answer; callers that pass only serials of the batch may leave the default). A serial neither
 * proven so nor listed by a manifest that matches the chain was never commissioned, as far as anyone can show:
 * it is in no one's chain of custody, not even the manufacturer's.
 */
export function packCustody(
  serial: string,
  facts: CustodyFacts,
  evidence: readonly ManifestEvidence[],
  who: (account: string) => PartnerInfo,
  times: ReadonlyMap<number, number>,
  verifier?: string,
  serialProven = true,
): PackCustody {
  const byShipment = new Map<string, ManifestEvidence>();
  for (const e of evidence) {
    const key = e.shipmentId.toLowerCase();
    const known = byShipment.get(key);
    if (!known || (!known.valid && e.valid)) byShipment.set(key, e);
  }
  const legs: PackLeg[] = facts.legs.map((leg) => {
    const base = {
      shipmentId: leg.shipmentId, kind: leg.kind, time: times.get(leg.block) ?? 0, block: leg.block, tx: leg.tx,
      from: who(leg.sender), to: who(leg.receiver), quantity: leg.quantity.toString(), settlement: leg.settlement, manifest: leg.manifest,
    };
    const found = byShipment.get(leg.shipmentId.toLowerCase());
    let status: LegStatus;
    let sscc: string | undefined;
    if (!leg.manifest) status = "batch-level";
    else if (!found) status = "no-manifest";
    else if (!found.valid) status = "manifest-invalid";
    else {
      sscc = found.inCase.get(serial);
      status = found.loose.has(serial) || sscc !== undefined ? "proven" : "not-in-manifest";
    }
    return {
      ...base, status, statusText: LEG_STATUS_TEXT[status],
      ...(sscc ? { case: sscc } : {}),
      ...(found && leg.manifest ? { file: found.file } : {}),
      ...(found && leg.manifest && !found.valid ? { problems: found.problems } : {}),
    };
  });

  const key = (account: string) => account.toLowerCase();
  let holder = facts.manufacturer ? key(facts.manufacturer) : undefined;
  let inTransit = false;
  const path: PathStep[] = [];
  /** Per sender, its last proven leg of the pack that still stands (the pack has not come back since). */
  const lastOut = new Map<string, PackLeg>();
  const conflicts: PackCustody["conflicts"] = [];
  const back = (s: Settlement) => s === "rejected" || s === "cancelled";
  for (const leg of legs) {
    if (leg.status !== "proven") continue;
    const sender = key(leg.from.account);
    const receiver = key(leg.to.account);
    if (sender !== holder) {
      const previous = lastOut.get(sender);
      if (previous) {
        conflicts.push({ holder: leg.from, shipments: [previous.shipmentId, leg.shipmentId] });
        continue; // the first listing keeps the pack; the second is the conflict
      }
    }
    path.push({ shipmentId: leg.shipmentId, from: leg.from, to: leg.to, settlement: leg.settlement, unprovenBefore: sender !== holder });
    if (back(leg.settlement)) {
      holder = sender;
      inTransit = false;
      continue;
    }
    lastOut.set(sender, leg);
    lastOut.delete(receiver);
    holder = receiver;
    inTransit = leg.settlement === "in-transit";
  }

  // A manifest that matches the chain proves each of its packs against the batch's serial root.
  const inBatch = serialProven || legs.some((l) => l.status === "proven");
  const custody: PackCustody = {
    inBatch,
    legs,
    origin: facts.manufacturer && inBatch ? who(facts.manufacturer) : undefined,
    path,
    holder: holder ? who(holder) : undefined,
    inTransit,
    conflicts,
    manifests: { consulted: legs.filter((l) => l.file !== undefined).length, valid: legs.filter((l) => l.status === "proven" || l.status === "not-in-manifest").length },
  };
  if (verifier) custody.verifier = { partner: who(verifier), ...chainOfCustody(key(verifier), facts, legs, who, inBatch) };
  return custody;
}

/**
 * Whether the manifests put the pack in `verifier`'s chain of custody, and why. Only a serial proven in the
 * batch (`inBatch`) was commissioned: a forged serial is in no one's chain, the manufacturer's included.
 */
function chainOfCustody(
  verifier: string,
  facts: CustodyFacts,
  legs: readonly PackLeg[],
  who: (account: string) => PartnerInfo,
  inBatch: boolean,
): { inChain: boolean | undefined; reason: string } {
  const isVerifier = (p: PartnerInfo) => p.account.toLowerCase() === verifier;
  const arrived = (l: PackLeg) => l.settlement === "received" || l.settlement === "handed-over";
  const name = who(verifier).name;
  if (!inBatch) {
    return { inChain: false, reason: `the serial is not proven in the batch's serial tree (no proof against its serial root, and no manifest at hand that matches the chain lists it): no one is shown to have commissioned it` };
  }
  let lastIn: PackLeg | "commissioned" | undefined = facts.manufacturer?.toLowerCase() === verifier ? "commissioned" : undefined;
  let leftIn: PackLeg | undefined;
  for (const leg of legs) {
    if (leg.status !== "proven") continue;
    if (isVerifier(leg.to) && arrived(leg)) {
      lastIn = leg;
      leftIn = undefined;
    } else if (isVerifier(leg.from) && lastIn && !(leg.settlement === "rejected" || leg.settlement === "cancelled")) {
      leftIn = leg;
    }
  }
  if (lastIn && !leftIn) {
    return { inChain: true, reason: lastIn === "commissioned" ? `${name} commissioned it` : `${name} received it in ${lastIn.kind} ${lastIn.shipmentId}` };
  }
  if (leftIn) return { inChain: false, reason: `${name} shipped it on in ${leftIn.kind} ${leftIn.shipmentId}` };
  const received = legs.filter((l) => isVerifier(l.to) && arrived(l));
  if (received.length === 0) return { inChain: false, reason: `${name} received no leg of this batch` };
  const unproven = received.filter((l) => l.status !== "not-in-manifest");
  if (unproven.length === 0) {
    const n = received.length;
    return { inChain: false, reason: `none of the ${n} manifest${n === 1 ? "" : "s"} of the legs ${name} received lists this pack` };
  }
  const why = [...new Set(unproven.map((l) => l.statusText))].join(", ");
  return { inChain: undefined, reason: `${unproven.length} of the ${received.length} legs ${name} received cannot tell (${why})` };
}

export interface VerifyOptions {
  /** The Merkle proof of the serial; empty when the serial is unknown to the verifier's serial file. */
  proof: string[];
  /** Check the custody of this account (zero address: skip). */
  holder?: string;
  /** keccak256 of a certificate document at hand, to compare with the commitment. */
  certificateHash?: string;
  fromBlock?: number;
  /**
   * Checks the manifests at hand against the batch's custody facts (manifest.ts `manifestEvidence`); with it,
   * the report follows the pack through its legs (`custody`).
   */
  manifests?: (facts: CustodyFacts) => ManifestEvidence[];
}

/** The verdict on a pack and its timeline. */
export async function verifyPack(rx: RxTrace, pack: PackIdentity, options: VerifyOptions): Promise<PackReport> {
  const serial32 = serialToBytes32(pack.serial);
  const holder = options.holder ?? "0x0000000000000000000000000000000000000000";
  const [code, batchId] = await rx.verifyPack(pack.gtin, pack.lot, serial32, options.proof, holder);
  const verdictCode = Number(code);
  const history = verdictCode === Verdict.UnknownBatch ? undefined : await batchHistory(rx, batchId, { serial: serial32 }, options.fromBlock ?? 0);
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
  if (commissioned && commissioned.kind === "commissioned") {
    if (pack.expiry) report.expiryMatches = expiryToYYMMDD(commissioned.expiry) === pack.expiry;
    report.certificate = { hash: commissioned.certificateHash, uri: commissioned.certificateURI };
    if (options.certificateHash) report.certificate.matches = options.certificateHash.toLowerCase() === commissioned.certificateHash.toLowerCase();
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

/** "AlreadyDispensed" -> "ALREADY DISPENSED". */
/** A date as people read it in every output: YYYY-MM-DD (UTC) of a unix second. */
export function isoDay(unix: number | bigint): string {
  return new Date(Number(unix) * 1000).toISOString().slice(0, 10);
}

export function verdictLabel(verdict: string): string {
  return verdict.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

const date = (time: number) => new Date(time * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
const party = (p: PartnerInfo) => (p.gln ? `${p.name} (GLN ${p.gln})` : `${p.name} ${p.account}`);

const SETTLEMENT_TEXT: Record<Settlement, string> = {
  "in-transit": "in transit",
  received: "received",
  rejected: "rejected",
  cancelled: "cancelled",
  "handed-over": "handed over",
};

/** The warnings a pharmacist must read before the timeline. */
export function custodyWarnings(custody: PackCustody | undefined): string[] {
  if (!custody) return [];
  const lines: string[] = [];
  if (custody.verifier?.inChain === false) {
    lines.push(`WARNING: NOT IN THE VERIFIER'S CHAIN OF CUSTODY: ${custody.verifier.reason}`);
  }
  for (const c of custody.conflicts) {
    lines.push(`WARNING: CUSTODY CONFLICT: ${party(c.holder)} listed this pack in two manifests: ${c.shipments.join(" and ")}`);
  }
  return lines;
}

/** The pack's own legs as lines for a terminal. */
export function formatCustody(custody: PackCustody): string[] {
  const { consulted, valid } = custody.manifests;
  const lines = [`legs of this pack (${consulted} manifest${consulted === 1 ? "" : "s"} at hand, ${valid} matching the chain):`];
  for (const leg of custody.legs) {
    const what = `${leg.kind} ${leg.shipmentId} ${party(leg.from)} -> ${party(leg.to)}, ${leg.quantity} units, ${SETTLEMENT_TEXT[leg.settlement]}`;
    lines.push(`  ${date(leg.time)}  ${what}: ${leg.statusText}${leg.case ? ` (in sealed case ${leg.case})` : ""}`);
    for (const problem of leg.problems ?? []) lines.push(`      ${leg.file}: ${problem}`);
  }
  if (!custody.inBatch) {
    lines.push("path: none: the serial is not proven in the batch, so no one is known to have commissioned it");
  } else if (custody.path.length === 0) {
    lines.push(`path: ${custody.origin?.name ?? "?"}; no manifest at hand lists this pack in a leg`);
  } else {
    const words = [custody.origin?.name ?? "?"];
    for (const step of custody.path) {
      // "…" marks a stretch no manifest at hand proves: the pack reached the step's sender by another leg.
      if (step.unprovenBefore) words.push(`… ${step.from.name}`);
      const back = step.settlement === "rejected" || step.settlement === "cancelled";
      words.push(`-> ${step.to.name}${step.settlement === "in-transit" ? " (in transit)" : back ? ` (${step.settlement}, back to ${step.from.name})` : ""}`);
    }
    lines.push(`path: ${words.join(" ")}`);
  }
  if (custody.verifier) {
    const { inChain, reason, partner } = custody.verifier;
    const verdict = inChain === true ? "in its chain of custody" : inChain === false ? "NOT in its chain of custody" : "cannot tell from the manifests at hand";
    lines.push(`verifier ${party(partner)}: ${verdict}: ${reason}`);
  }
  return lines;
}

/** The report as lines for a terminal. */
export function formatReport(report: PackReport): string[] {
  const lines = [
    `${verdictLabel(report.verdict)}: ${report.verdictText}`,
    `pack   GTIN ${report.pack.gtin}  lot ${report.pack.lot}  serial ${report.pack.serial}${report.pack.expiry ? `  expiry ${report.pack.expiry}` : ""}`,
    `batch  ${report.batchId}`,
  ];
  if (report.expiryMatches === false) lines.push("WARNING: the expiry printed on the pack differs from the batch record");
  lines.push(...custodyWarnings(report.custody));
  for (const e of report.timeline) {
    const when = date(e.time);
    const manifest = (root?: string) => (root ? ` (manifest ${root})` : "");
    switch (e.kind) {
      case "commissioned":
        lines.push(`${when}  commissioned by ${party(e.by)}: ${e.quantity} units, expires ${isoDay(e.expiry)}`);
        break;
      case "shipped":
        lines.push(`${when}  ${e.isReturn ? "returned" : "shipped"} ${e.quantity} units ${party(e.from)} -> ${party(e.to)}${manifest(e.manifest)}`);
        break;
      case "handed-over":
        lines.push(
          `${when}  handed over ${e.quantity} units ${party(e.from)} -> ${party(e.to)}${manifest(e.manifest)}: ` +
            `${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, MKT ${formatCelsius(e.leg.meanKineticTemp)}, ` +
            `${e.leg.minutesOutOfRange} min out of range${e.excursion ? "  EXCURSION: quarantined" : ""}`,
        );
        break;
      case "received":
        lines.push(
          `${when}  received ${e.quantity} units by ${party(e.by)} from ${party(e.from)}: ` +
            `${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, MKT ${formatCelsius(e.leg.meanKineticTemp)}, ` +
            `${e.leg.minutesOutOfRange} min out of range${e.excursion ? "  EXCURSION: quarantined" : ""}`,
        );
        break;
      case "rejected":
        lines.push(`${when}  rejected ${e.quantity} units by ${party(e.by)} (${e.reason}), back to ${party(e.from)}`);
        break;
      case "cancelled":
        lines.push(`${when}  cancelled: ${e.quantity} units unsettled by ${party(e.to)}, back to ${party(e.from)}`);
        break;
      case "recalled":
        lines.push(`${when}  RECALLED (class ${e.recallClass}) by ${party(e.by)}: ${e.reasonURI}`);
        break;
      case "flagged-suspect":
        lines.push(`${when}  put on hold as suspect by ${party(e.by)}`);
        break;
      case "suspect-cleared":
        lines.push(`${when}  cleared of suspicion by ${party(e.by)}`);
        break;
      case "declared-illegitimate":
        lines.push(`${when}  DECLARED ILLEGITIMATE by ${party(e.by)}`);
        break;
      case "quarantine-released":
      case "quarantine-condemned":
        lines.push(`${when}  ${e.quantity} quarantined units of ${party(e.holder)} ${e.kind === "quarantine-released" ? "released" : "condemned"} by ${party(e.by)}`);
        break;
      case "dispensed":
        lines.push(`${when}  this pack was dispensed by ${party(e.by)}`);
        break;
    }
  }
  if (report.custody) lines.push(...formatCustody(report.custody));
  if (report.certificate) {
    const match = report.certificate.matches === undefined ? "" : report.certificate.matches ? "  (document matches)" : "  (DOCUMENT DOES NOT MATCH)";
    lines.push(`certificate of origin ${report.certificate.hash} at ${report.certificate.uri}${match}`);
  }
  return lines;
}

/** Exit code of the verify command: 0 only for a genuine pack whose label agrees with the chain. */
export const LABEL_MISMATCH_EXIT_CODE = 20;
/** The manifests of the legs the verifier received never list the pack (or it shipped the pack on). */
export const NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE = 21;
/** A holder listed the pack in two manifests: one of the two packs is likely a clone. */
export const CUSTODY_CONFLICT_EXIT_CODE = 22;

export function verdictExitCode(report: PackReport): number {
  if (report.verdictCode !== Verdict.Genuine) return 10 + report.verdictCode;
  if (report.expiryMatches === false || report.certificate?.matches === false) return LABEL_MISMATCH_EXIT_CODE;
  if (report.custody?.verifier?.inChain === false) return NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE;
  if (report.custody && report.custody.conflicts.length > 0) return CUSTODY_CONFLICT_EXIT_CODE;
  return 0;
}
