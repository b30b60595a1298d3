/**
 * The pack's own path through its lot's timeline, apart from the lot's other legs. A lot's events tell every
 * leg of every unit; a pack travelled only some of them. `splitPackPath` puts in `ownPath`:
 *
 * - what concerns every pack of the lot: its commissioning, recalls, suspect holds and their outcome;
 * - the pack's own dispensing (the timeline carries no other pack's);
 * - the legs the pack travelled or can have travelled (every event of each: shipped, received, rejected…):
 *   1. a leg whose manifest lists the pack (proven, when manifests were consulted) is the pack's;
 *   2. a leg whose manifest does not list it (matching the chain) is not;
 *   3. a leg that cannot tell (lot-level, manifest missing or not matching the chain) is the pack's when it can
 *      have carried units to the pack's holder: walking back from the holder, a leg counts when its units
 *      arrived at a holder on the way before that holder sent the pack on (the holder itself: at any time;
 *      a leg still in transit only when it goes to the holder itself; a rejected or cancelled leg carried
 *      nothing), and its sender is then on the way in turn, back to the manufacturer. The sender of a proven
 *      leg is on the way too (until it sent the pack), so the walk fills the gaps before proven legs; a holder
 *      whose arrival of the pack a later proven leg shows needs no unproven leg in before it.
 *   The holder walked back from: the pharmacy that dispensed the pack; else the verifier (`--holder`, the page's
 *   GLN); else the last holder the manifests prove. With none of them, no lot-level leg is the pack's.
 * - quarantine releases and condemnations at a holder on that path;
 * - an invoice's entries (the settlement's: created, bound, settled) with the leg bound to it; those of an
 *   invoice no leg was bound to go with the lot's legs.
 *
 * `lotLegs` holds the rest, labelled as the lot's: legs (and quarantine decisions) of units of the lot that this
 * pack is not shown to have travelled. A serial not proven in the batch travelled nothing. Pure and
 * browser-safe: `rx:verify` (src/domain/report.ts) and the page (web/src/render.ts) print the same split.
 */
import { type PackCustody, type PackReport, type PartnerInfo, type TimelineEntry } from "./provenance";

/** Why the legs of `ownPath` are the pack's. */
export type PathBasis = "manifests" | "dispenser" | "holder" | "none" | "not-in-batch";

export interface PackPath {
  /** Oldest first: commissioning, lot-wide events, the pack's legs (every event of each), its dispensing. */
  ownPath: TimelineEntry[];
  /** Oldest first: the lot's other legs and quarantine decisions, every event of each. */
  lotLegs: TimelineEntry[];
  /** How many legs (shipments and handovers) `lotLegs` holds. */
  lotLegCount: number;
  basis: PathBasis;
  /** The holder walked back from (undefined for "none" and "not-in-batch"). */
  towards?: PartnerInfo;
  /** One sentence for people: what `ownPath`'s legs are. */
  basisText: string;
}

type LegStart = Extract<TimelineEntry, { kind: "shipped" | "handed-over" }>;

/** What `splitPackPath` knows besides the timeline. */
export interface PackPathContext {
  /** The pack's own legs, when manifests were consulted. */
  custody?: PackCustody;
  /** The verifier: whose custody was asked about. */
  holder?: PartnerInfo;
  /** False when the serial is not proven in the batch (the contract said SerialNotInBatch). */
  serialInBatch?: boolean;
}

const LOT_WIDE = new Set<TimelineEntry["kind"]>([
  "commissioned", "recalled", "recall-escalated", "flagged-suspect", "suspect-confirmed", "suspect-cleared", "declared-illegitimate", "dispensed",
  "superseded", "correction-proposed", "corrected", "illegitimacy-reversed", "recall-reversed",
]);

/** The settlement's entries: they go with the leg bound to the invoice, and an unbound invoice with the lot's legs. */
const INVOICE = new Set<TimelineEntry["kind"]>(["invoice-created", "invoice-bound", "invoice-settled"]);

/** The leg an entry belongs to (lower-case shipment or handover id), if any. */
function legOf(e: TimelineEntry): string | undefined {
  return "shipmentId" in e && e.shipmentId !== undefined ? e.shipmentId.toLowerCase() : undefined;
}

/** Splits a batch timeline into the pack's own path and the lot's other legs (the rule: see the file's comment). */
export function splitPackPath(timeline: readonly TimelineEntry[], context: PackPathContext = {}): PackPath {
  const { custody } = context;
  const key = (account: string) => account.toLowerCase();
  const legs = new Map<string, { start: LegStart; startAt: number; arrivedAt?: number; settled: boolean }>();
  timeline.forEach((e, i) => {
    const id = legOf(e);
    if (id === undefined) return;
    if (e.kind === "shipped" || e.kind === "handed-over") {
      legs.set(id, { start: e, startAt: i, arrivedAt: e.kind === "handed-over" ? i : undefined, settled: e.kind === "handed-over" });
      return;
    }
    const leg = legs.get(id);
    if (!leg || INVOICE.has(e.kind)) return;
    leg.settled = true;
    if (e.kind === "received") leg.arrivedAt = i;
  });
  const status = new Map((custody?.legs ?? []).map((l) => [l.shipmentId.toLowerCase(), l.status]));
  const dispensed = timeline.find((e) => e.kind === "dispensed");
  const notInBatch = context.serialInBatch === false || custody?.inBatch === false;

  let basis: PathBasis;
  let towards: PartnerInfo | undefined;
  if (notInBatch) basis = "not-in-batch";
  else if (dispensed) [basis, towards] = ["dispenser", dispensed.by];
  else if (context.holder) [basis, towards] = ["holder", context.holder];
  else if (custody?.holder && custody.path.length > 0) [basis, towards] = ["manifests", custody.holder];
  else basis = "none";

  const own = new Set<string>();
  if (!notInBatch) {
    /** Per holder on the way: the latest timeline position at which it sent the pack on (Infinity: the holder walked back from). */
    const deadline = new Map<string, number>();
    /** Per holder: where proven legs brought the pack to it. */
    const provenArrivals = new Map<string, number[]>();
    if (towards) deadline.set(key(towards.account), Infinity);
    const extend = (sender: string, at: number) => deadline.set(sender, Math.max(deadline.get(sender) ?? -1, at));
    const ordered = [...legs.entries()].sort((a, b) => b[1].startAt - a[1].startAt); // newest first
    for (const [id, leg] of ordered) {
      const sender = key(leg.start.from.account);
      const receiver = key(leg.start.to.account);
      const back = leg.settled && leg.arrivedAt === undefined; // rejected or cancelled
      const s = status.get(id);
      if (s === "proven") {
        own.add(id);
        if (!back) {
          extend(sender, leg.startAt);
          provenArrivals.set(receiver, [...(provenArrivals.get(receiver) ?? []), leg.arrivedAt ?? leg.startAt]);
        }
        continue;
      }
      if (s === "not-in-manifest" || back) continue;
      const until = deadline.get(receiver);
      if (until === undefined) continue;
      const arrived = leg.arrivedAt ?? (until === Infinity ? leg.startAt : undefined); // in transit: only to the holder itself
      if (arrived === undefined || arrived >= until) continue;
      if ((provenArrivals.get(receiver) ?? []).some((p) => p > arrived && p < until)) continue;
      own.add(id);
      extend(sender, leg.startAt);
    }
  }

  // Quarantine decisions concern the pack when taken at a holder on its path.
  const holders = new Set<string>();
  for (const e of timeline) if (e.kind === "commissioned") holders.add(key(e.by.account));
  for (const [id, leg] of legs) if (own.has(id) && leg.arrivedAt !== undefined) holders.add(key(leg.start.to.account));

  const ownPath: TimelineEntry[] = [];
  const lotLegs: TimelineEntry[] = [];
  for (const e of timeline) {
    const id = legOf(e);
    if (id !== undefined) (own.has(id) ? ownPath : lotLegs).push(e);
    else if (LOT_WIDE.has(e.kind)) ownPath.push(e);
    else if (e.kind === "quarantine-released" || e.kind === "quarantine-condemned" || e.kind === "stock-condemned") (!notInBatch && holders.has(key(e.holder.account)) ? ownPath : lotLegs).push(e);
    else if (INVOICE.has(e.kind)) lotLegs.push(e);
    else if (e.kind === "rekeyed") (holders.has(key(e.partner.account)) ? ownPath : lotLegs).push(e);
  }
  // Whether some leg's manifest cannot tell (lot-level, missing, not matching the chain): only then do words mention the walk.
  const lotLevel = [...legs.keys()].some((id) => status.get(id) !== "proven" && status.get(id) !== "not-in-manifest");
  const lotLegCount = [...legs.keys()].filter((id) => !own.has(id)).length;
  return { ownPath, lotLegs, lotLegCount, basis, ...(towards ? { towards } : {}), basisText: basisText(basis, towards, custody !== undefined, lotLevel) };
}

/** The report's split: its timeline, manifests, verifier and verdict. */
export function packPathOf(report: PackReport): PackPath {
  return splitPackPath(report.timeline, { custody: report.custody, holder: report.holder, serialInBatch: report.verdict !== "SerialNotInBatch" });
}

function basisText(basis: PathBasis, towards: PartnerInfo | undefined, manifests: boolean, lotLevel: boolean): string {
  const also = manifests ? "the legs whose manifests list it, and " : "";
  if (manifests && !lotLevel && basis !== "not-in-batch" && basis !== "none") return "the legs whose manifests list it";
  switch (basis) {
    case "not-in-batch":
      return "none: the serial is not proven in the batch, so it travelled none of the lot's legs";
    case "dispenser":
      return `${also}the lot-level legs that can have carried it to ${towards?.name ?? "?"}, which dispensed it`;
    case "holder":
      return `${also}the lot-level legs that can have carried it to ${towards?.name ?? "?"}, the verifying holder`;
    case "manifests":
      return `the legs whose manifests list it, and the lot-level legs that can have carried it to ${towards?.name ?? "?"}, where they lead`;
    case "none":
      return "its legs cannot be told apart from the lot's without the verifying holder's GLN or the pack's manifests";
  }
}

/** The label of the lot's legs apart: "other legs of this lot (3)", or "legs of this lot (5)" when none is the pack's. */
export function lotLegsLabel(path: PackPath): string {
  const ownLegs = path.ownPath.some((e) => legOf(e) !== undefined);
  return `${ownLegs ? "other legs" : "legs"} of this lot (${path.lotLegCount})`;
}

/** The split for JSON output (`rx:verify --json`'s `path`): the basis and the ids of the legs on each side. */
export interface PackPathSummary {
  basis: PathBasis;
  basisText: string;
  towards?: PartnerInfo;
  /** Shipment and handover ids, oldest first. */
  ownLegs: string[];
  lotLegs: string[];
}

export function packPathSummary(path: PackPath): PackPathSummary {
  const ids = (entries: readonly TimelineEntry[]) => entries.flatMap((e) => (e.kind === "shipped" || e.kind === "handed-over" ? [e.shipmentId] : []));
  return { basis: path.basis, basisText: path.basisText, ...(path.towards ? { towards: path.towards } : {}), ownLegs: ids(path.ownPath), lotLegs: ids(path.lotLegs) };
}
