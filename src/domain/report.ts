/**
 * A verification report in words: the verdict's label, the warnings a pharmacist reads first, the pack's own
 * path and the lot's other legs apart (collapsed), what the manifests say of each leg, as terminal lines, and the
 * verify command's exit codes. Pure: the demo, `rx:verify` and the page print the same words.
 */
import { formatCelsius, Verdict } from "./enums";
import { lotLegsLabel, packPathOf } from "./pack-path";
import { type PackCustody, type PackReport, type PartnerInfo, type Settlement, type TemperatureSummary, type TimelineEntry } from "./provenance";

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
  // A leg whose manifest (matching the chain) does not list the pack is among the lot's other legs: counted, not listed.
  const others = custody.legs.filter((l) => l.status === "not-in-manifest").length;
  for (const leg of custody.legs) {
    if (leg.status === "not-in-manifest") continue;
    const what = `${leg.kind} ${leg.shipmentId} ${party(leg.from)} -> ${party(leg.to)}, ${leg.quantity} units, ${SETTLEMENT_TEXT[leg.settlement]}`;
    lines.push(`  ${date(leg.time)}  ${what}: ${leg.statusText}${leg.case ? ` (in sealed case ${leg.case})` : ""}`);
    for (const problem of leg.problems ?? []) lines.push(`      ${leg.file}: ${problem}`);
  }
  if (others > 0) lines.push(`  ${others} leg${others === 1 ? "" : "s"} of the lot whose manifest${others === 1 ? " does" : "s do"} not list this pack`);
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

const legText = (leg: TemperatureSummary) =>
  `${formatCelsius(leg.minTemp)} to ${formatCelsius(leg.maxTemp)}, MKT ${formatCelsius(leg.meanKineticTemp)}, ${leg.minutesOutOfRange} min out of range`;

/** The all-zero summary a rejection carries when the receiver had no logger data. */
export function isNoData(leg: TemperatureSummary): boolean {
  return leg.minTemp === 0 && leg.maxTemp === 0 && leg.meanKineticTemp === 0 && leg.minutesOutOfRange === 0 && BigInt(leg.loggerHash) === 0n;
}

/** Where a suspect hold stands, in words ("" once cleared): a lapsed holder's flag does not read as suspect. */
export function suspectHoldText(e: TimelineEntry & { kind: "flagged-suspect" }): string {
  switch (e.hold) {
    case "confirmed":
      return "confirmed by a regulator";
    case "ended":
      return "";
    case "lapsed":
      return `a holder's flag: LAPSED ${date(e.lapsesAt ?? 0)}, no regulator confirmed it; no longer on hold`;
    case "holds":
      return e.lapsesAt === undefined ? "a regulator's flag: it does not lapse" : `a holder's flag: lapses ${date(e.lapsesAt)} unless a regulator confirms it`;
  }
}

/** An invoice's outcome in words: "PAID: delivered within range: …" or "REFUNDED: rejected: …", with the units paid for. */
export function invoiceOutcomeText(e: TimelineEntry & { kind: "invoice-settled" }): string {
  const paid = e.outcome === "Delivered";
  return `${paid ? "PAID" : "REFUNDED"}: ${e.outcomeText}${paid ? ` (${e.unitsAccepted} units accepted)` : ""}`;
}

/** A delivery exception's entry in words (the terminal and the page share it). */
export function exceptionText(e: TimelineEntry & { kind: "exception-raised" | "exception-proposed" | "exception-resolved" | "overage-reported" }): string {
  switch (e.kind) {
    case "exception-raised":
      return (
        `EXCEPTION (${e.reason}): ${party(e.by)} accepted ${e.accepted} units from ${party(e.from)}, ${e.disputed} disputed` +
        `${e.disputedPacks ? ` (packs ${e.disputedPacks})` : ""}${e.outcome ? `; ended ${e.outcome.toUpperCase()}` : "; OPEN"}`
      );
    case "exception-proposed":
      return `${party(e.by)} proposes the disputed units be settled as ${e.outcome.toLowerCase()} (awaiting the other party)`;
    case "exception-resolved":
      return (
        `dispute ended ${e.outcome.toUpperCase()} by ${party(e.by)}${e.byRegulator ? " (a regulator)" : ""}: ${e.units} units ` +
        (e.outcome === "Found" ? `into the stock of ${e.holder ? party(e.holder) : "the receiver"}` : e.outcome === "Returned" ? `into the quarantine of ${e.holder ? party(e.holder) : "the sender"}` : "written off")
      );
    case "overage-reported":
      return `OVERAGE: ${party(e.by)} found ${e.units} units more than ${party(e.from)} shipped (reported, in nobody's stock)`;
  }
}

/** One timeline entry as a terminal line. */
export function formatEntry(e: TimelineEntry): string {
  const when = date(e.time);
  const manifest = (root?: string) => (root ? ` (manifest ${root})` : "");
  switch (e.kind) {
    case "commissioned":
      return `${when}  commissioned by ${party(e.by)}: ${e.quantity} units, expires ${isoDay(e.expiry)}`;
    case "shipped":
      return `${when}  ${e.isReturn ? "returned" : "shipped"} ${e.quantity} units ${party(e.from)} -> ${party(e.to)}${manifest(e.manifest)}`;
    case "handed-over":
      return (
        `${when}  handed over ${e.quantity} units ${party(e.from)} -> ${party(e.to)}${manifest(e.manifest)}: ` +
        `${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, MKT ${formatCelsius(e.leg.meanKineticTemp)}, ` +
        `${e.leg.minutesOutOfRange} min out of range${e.excursion ? "  EXCURSION: quarantined" : ""}`
      );
    case "received":
      return (
        `${when}  received ${e.quantity} units by ${party(e.by)} from ${party(e.from)}: ${legText(e.leg)}` +
        `${e.excursion ? "  EXCURSION: quarantined" : ""}${e.quarantineCause ? `  QUARANTINED: ${e.quarantineCause}` : ""}`
      );
    case "rejected":
      return (
        `${when}  rejected ${e.quantity} units by ${party(e.by)} (${e.reason}), back to ${party(e.from)}` +
        `${e.quarantined ? " INTO ITS QUARANTINE" : ", saleable"}: ${isNoData(e.leg) ? "no temperature data" : legText(e.leg)}`
      );
    case "cancelled":
      return `${when}  cancelled: ${e.quantity} units unsettled by ${party(e.to)}, back to ${party(e.from)} INTO ITS QUARANTINE`;
    case "recalled":
      return `${when}  RECALLED (class ${e.recallClass}) by ${party(e.by)}: ${e.reasonURI}`;
    case "recall-escalated":
      return `${when}  RECALL ESCALATED (class ${e.previousClass} -> ${e.recallClass}) by ${party(e.by)}: ${e.reasonURI}`;
    case "flagged-suspect":
      return `${when}  put on hold as suspect by ${party(e.by)}${suspectHoldText(e) ? ` (${suspectHoldText(e)})` : ""}`;
    case "suspect-confirmed":
      return `${when}  suspect hold confirmed by ${party(e.by)}: it no longer lapses`;
    case "suspect-cleared":
      return `${when}  cleared of suspicion by ${party(e.by)}`;
    case "declared-illegitimate":
      return `${when}  DECLARED ILLEGITIMATE by ${party(e.by)}`;
    case "quarantine-released":
    case "quarantine-condemned":
      return `${when}  ${e.quantity} quarantined units of ${party(e.holder)} ${e.kind === "quarantine-released" ? "released" : "condemned"} by ${party(e.by)}`;
    case "leg-released":
      return `${when}  leg ${e.shipmentId} received into quarantine by ${party(e.holder)} released as a whole by ${party(e.by)}: its packs may be dispensed`;
    case "dispensed":
      return `${when}  this pack was dispensed by ${party(e.by)}`;
    case "superseded":
      return (
        `${when}  SUPERSEDED by ${party(e.by)} before anything moved (${e.changed.length ? `changed: ${e.changed.join(", ")}` : "certificate or no stored field changed"}): ` +
        `${e.quantity} units, expires ${isoDay(e.expiry)}`
      );
    case "correction-proposed":
      return `${when}  correction proposed by ${party(e.by)}: expiry ${isoDay(e.expiry)}, certificate ${e.certificateURI}`;
    case "corrected":
      return `${when}  CORRECTED with the approval of ${party(e.by)}: expiry ${isoDay(e.previousExpiry)} -> ${isoDay(e.expiry)}, certificate ${e.certificateURI}`;
    case "illegitimacy-reversed":
      return `${when}  declaration of illegitimacy by ${party(e.declaredBy)} REVERSED by ${party(e.by)}`;
    case "recall-reversed":
      return `${when}  recall by ${party(e.recalledBy)} REVERSED by ${party(e.by)} (recall class now ${e.restoredClass})`;
    case "stock-condemned":
      return `${when}  ${e.quantity} saleable units of ${party(e.holder)} condemned by ${party(e.by)}`;
    case "rekeyed":
      return `${when}  ${party(e.partner)} ${e.byAdmin ? "RE-KEYED by the admin (a lost key)" : "rotated its key"}: ${e.oldKey} retired, ${e.newKey} acts for it now`;
    case "invoice-created":
      return `${when}  invoice ${e.invoiceNumber} of ${party(e.seller)} to ${party(e.buyer)}: ${e.quantity} units paid into escrow, to be delivered by ${isoDay(e.deadline)}`;
    case "invoice-bound":
      return `${when}  invoice ${e.invoiceNumber} bound to shipment ${e.shipmentId}${e.seller ? ` by ${party(e.seller)}` : ""}`;
    case "invoice-settled":
      return `${when}  invoice ${e.invoiceNumber} ${invoiceOutcomeText(e)}`;
    case "exception-raised":
    case "exception-proposed":
    case "exception-resolved":
    case "overage-reported":
      return `${when}  ${exceptionText(e)}`;
  }
}

/**
 * The lot's other legs collapsed: one line per leg (when it left, who to whom, how many, how it ended, an
 * excursion), one per quarantine decision.
 */
export function collapseLotLegs(entries: readonly TimelineEntry[]): string[] {
  const lines: string[] = [];
  const legs = new Map<string, { line: number; start: TimelineEntry }>();
  for (const e of entries) {
    if (!("shipmentId" in e)) {
      lines.push(formatEntry(e));
      continue;
    }
    // An invoice's and an exception's entries stay lines of their own, after their leg's line.
    if (
      e.kind === "invoice-created" || e.kind === "invoice-bound" || e.kind === "invoice-settled" ||
      e.kind === "exception-raised" || e.kind === "exception-proposed" || e.kind === "exception-resolved" || e.kind === "overage-reported"
    ) {
      lines.push(formatEntry(e));
      continue;
    }
    const id = e.shipmentId.toLowerCase();
    if (e.kind === "shipped" || e.kind === "handed-over") {
      const what = e.kind === "shipped" ? (e.isReturn ? "return" : "shipment") : "handover";
      const ended = e.kind === "handed-over" ? `handed over${e.excursion ? ", EXCURSION: quarantined" : ""}` : "in transit";
      legs.set(id, { line: lines.length, start: e });
      lines.push(`${date(e.time)}  ${what} ${e.quantity} units ${e.from.name} -> ${e.to.name}: ${ended}`);
      continue;
    }
    const leg = legs.get(id);
    const ended =
      e.kind === "received"
        ? `received${e.excursion ? ", EXCURSION: quarantined" : e.quarantineCause ? ", quarantined" : ""}`
        : e.kind === "rejected"
          ? `rejected (${e.reason})${e.quarantined ? ", into the sender's quarantine" : ""}`
          : e.kind === "leg-released"
            ? "received into quarantine, released by a regulator"
            : "cancelled, into the sender's quarantine";
    if (leg) lines[leg.line] = lines[leg.line].replace(/: in transit$/, `: ${ended}`);
    else lines.push(formatEntry(e)); // the leg's start is not in the list (cannot happen with splitPackPath)
  }
  return lines;
}

export interface FormatOptions {
  /** Every event of the lot's other legs instead of one line per leg. */
  all?: boolean;
}

/**
 * The report as lines for a terminal: the verdict and warnings; the pack's own path (src/domain/pack-path.ts says
 * which legs are its); the lot's other legs apart, labelled as the lot's, one line per leg (every event with
 * `all`); the manifests' word on the pack; the certificate.
 */
export function formatReport(report: PackReport, options: FormatOptions = {}): string[] {
  const lines = [
    `${verdictLabel(report.verdict)}: ${report.verdictText}`,
    `pack   GTIN ${report.pack.gtin}  lot ${report.pack.lot}  serial ${report.pack.serial}${report.pack.expiry ? `  expiry ${report.pack.expiry}` : ""}`,
    `batch  ${report.batchId}`,
  ];
  if (report.lineage && report.lineage.length > 1) {
    lines.push(`deployment: ${report.lineage[0]} is retired; answered by its successor ${report.lineage.slice(1).join(" -> ")}`);
  }
  if (report.holder && report.custodyRule && report.custodyRule !== "None") {
    lines.push(
      report.custodyRule === "Pack"
        ? `custody of ${party(report.holder)}: the pack rule, as dispense checks it (the pack leg${report.custodyLeg ? ` ${report.custodyLeg}` : ""} that brought it, nothing of the lot shipped since)`
        : `custody of ${party(report.holder)}: the lot rule (it holds saleable units of the lot; no pack leg shown)`,
    );
  }
  if (report.expiryMatches === false) lines.push("WARNING: the expiry printed on the pack differs from the batch record");
  const corrected = report.corrections?.corrected;
  if (corrected) {
    lines.push(
      `CORRECTED BATCH: expiry ${isoDay(corrected.previousExpiry)} -> ${isoDay(corrected.expiry)} and the certificate, approved by ` +
        `${party(corrected.by)} on ${isoDay(corrected.time)}; packs labelled before may carry the old expiry`,
    );
  }
  const superseded = report.corrections?.superseded;
  if (superseded) lines.push(`batch superseded by its manufacturer before any unit moved (${superseded.changed.join(", ") || "no field changed"})`);
  lines.push(...custodyWarnings(report.custody));
  if (report.timeline.length > 0) {
    const path = packPathOf(report);
    lines.push(`path of this pack (${path.basisText}):`);
    lines.push(...path.ownPath.map((e) => `  ${formatEntry(e)}`));
    if (path.lotLegs.length > 0) {
      const how = options.all ? "every event" : "one line per leg, --all for every event";
      lines.push(`${lotLegsLabel(path)}: the lot's, not shown to have carried this pack (${how}):`);
      lines.push(...(options.all ? path.lotLegs.map(formatEntry) : collapseLotLegs(path.lotLegs)).map((l) => `  ${l}`));
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
