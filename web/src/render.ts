/**
 * The report on the page: the verdict banner (words first, colour second), the provenance: the pack's own path
 * as an ordered list and the lot's other legs apart in a collapsed <details> labelled as the lot's
 * (src/domain/pack-path.ts decides which is which), the certificate commitment. Text from the chain goes in as
 * text, never as HTML.
 */
import { formatCelsius } from "../../src/domain/enums";
import { expiryToYYMMDD } from "../../src/gs1/identifiers";
import { CUSTODY_CONFLICT_EXIT_CODE, custodyWarnings, exceptionText, invoiceOutcomeText, isNoData, isoDay, LABEL_MISMATCH_EXIT_CODE, suspectHoldText, NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE, verdictExitCode, verdictLabel } from "../../src/domain/report";
import { type PackReport, type PartnerInfo, type TimelineEntry } from "../../src/domain/provenance";
import { lotLegsLabel, packPathOf } from "../../src/domain/pack-path";

export interface Banner {
  /** "genuine" (may be dispensed) or "stop" (do not dispense). */
  tone: "genuine" | "stop";
  label: string;
  text: string;
  notes: string[];
}

/**
 * What the banner says: the contract's verdict, overruled when the pack's label disagrees with the chain; and, when
 * the recorded suite is retired, which successor answered (IMigration).
 */
export function bannerOf(report: PackReport): Banner {
  const banner = verdictBanner(report);
  const lineage = report.lineage ?? [];
  if (lineage.length > 1) {
    banner.notes.push(`The suite at ${lineage[0]} is retired: this answer is from its successor ${lineage.slice(1).join(" → ")}.`);
  }
  return banner;
}

function verdictBanner(report: PackReport): Banner {
  const code = verdictExitCode(report);
  if (code === 0) return { tone: "genuine", label: verdictLabel(report.verdict), text: report.verdictText, notes: [] };
  if (code === LABEL_MISMATCH_EXIT_CODE) {
    const notes: string[] = [];
    const commissioned = report.timeline.find((e) => e.kind === "commissioned");
    if (report.expiryMatches === false) {
      const recorded = commissioned?.kind === "commissioned" ? ` (${expiryToYYMMDD(commissioned.expiry)})` : "";
      notes.push(`The expiry printed on the pack (${report.pack.expiry ?? "?"}) differs from the batch record${recorded}.`);
    }
    if (report.certificate?.matches === false) notes.push("The certificate document does not match the one the manufacturer committed to.");
    return { tone: "stop", label: "DO NOT DISPENSE", text: "do not dispense: the pack's label or documents disagree with the chain", notes };
  }
  if (code === NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE || code === CUSTODY_CONFLICT_EXIT_CODE) {
    return { tone: "stop", label: "DO NOT DISPENSE", text: "do not dispense: the pack's manifests do not place it in your custody", notes: custodyWarnings(report.custody) };
  }
  return { tone: "stop", label: verdictLabel(report.verdict), text: report.verdictText, notes: [] };
}

export function renderBanner(target: HTMLElement, banner: Banner): void {
  target.className = `verdict ${banner.tone}`;
  target.replaceChildren();
  const label = el("p", "verdict-label", `${banner.tone === "genuine" ? "✓" : "✕"} ${banner.label}`);
  const text = el("p", "verdict-text", banner.text);
  target.append(label, text, ...banner.notes.map((n) => el("p", "verdict-note", n)));
}

export function renderMessage(target: HTMLElement, tone: "idle" | "busy", message: string): void {
  target.className = `verdict ${tone}`;
  target.replaceChildren(el("p", "verdict-text", message));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const party = (p: PartnerInfo): string => (p.gln ? `${p.name} (GLN ${p.gln})` : `${p.name} ${p.account}`);
const when = (time: number): string => new Date(time * 1000).toISOString().replace("T", " ").replace(/:\d\d\.\d+Z$/, " UTC");

/** One entry's headline and details. */
function describe(e: TimelineEntry): { headline: string; details: string[]; alert: boolean } {
  switch (e.kind) {
    case "commissioned":
      return {
        headline: `Commissioned by ${party(e.by)}`,
        details: [`${e.quantity} units, expires ${isoDay(e.expiry)}`],
        alert: false,
      };
    case "shipped":
      return { headline: `${e.isReturn ? "Returned" : "Shipped"}: ${e.quantity} units from ${party(e.from)} to ${party(e.to)}`, details: [], alert: false };
    case "received":
      return {
        headline: `Received: ${e.quantity} units by ${party(e.by)} from ${party(e.from)}`,
        details: [
          `Temperature ${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, mean kinetic ${formatCelsius(e.leg.meanKineticTemp)}, ` +
            `${e.leg.minutesOutOfRange} min out of range`,
          ...(e.excursion ? ["Temperature excursion: the units were quarantined"] : []),
          ...(e.quarantineCause ? [`Quarantined: ${e.quarantineCause}`] : []),
        ],
        alert: e.excursion || e.quarantineCause !== undefined,
      };
    case "handed-over":
      return {
        headline: `Handed over: ${e.quantity} units from ${party(e.from)} to ${party(e.to)}`,
        details: [
          `Temperature ${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, mean kinetic ${formatCelsius(e.leg.meanKineticTemp)}, ` +
            `${e.leg.minutesOutOfRange} min out of range`,
          ...(e.excursion ? ["Temperature excursion: the units were quarantined"] : []),
        ],
        alert: e.excursion,
      };
    case "rejected":
      return {
        headline: `Rejected: ${e.quantity} units by ${party(e.by)} (${e.reason}), back to ${party(e.from)}`,
        details: [
          isNoData(e.leg)
            ? "No temperature data"
            : `Temperature ${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, mean kinetic ${formatCelsius(e.leg.meanKineticTemp)}, ` +
              `${e.leg.minutesOutOfRange} min out of range`,
          e.quarantined ? "The units went into the sender's quarantine" : "The units went back to the sender's saleable stock",
        ],
        alert: e.quarantined,
      };
    case "cancelled":
      return {
        headline: `Cancelled: ${e.quantity} units left unsettled by ${party(e.to)}, back to ${party(e.from)}`,
        details: ["The units went into the sender's quarantine (their whereabouts are unknown)"],
        alert: true,
      };
    case "recalled":
      return { headline: `Recalled (class ${e.recallClass}) by ${party(e.by)}`, details: [e.reasonURI], alert: true };
    case "recall-escalated":
      return { headline: `Recall escalated from class ${e.previousClass} to class ${e.recallClass} by ${party(e.by)}`, details: [e.reasonURI], alert: true };
    case "flagged-suspect":
      return {
        headline: `Put on hold as suspect by ${party(e.by)}`,
        details: [...(e.reason ? [e.reason] : []), ...(suspectHoldText(e) ? [suspectHoldText(e)] : [])],
        // A holder's flag that lapsed unconfirmed no longer holds the lot: it must not read as suspect.
        alert: e.hold === "holds" || e.hold === "confirmed",
      };
    case "suspect-confirmed":
      return { headline: `Suspect hold confirmed by ${party(e.by)}: it no longer lapses`, details: e.reason ? [e.reason] : [], alert: true };
    case "suspect-cleared":
      return { headline: `Cleared of suspicion by ${party(e.by)}`, details: e.reason ? [e.reason] : [], alert: false };
    case "declared-illegitimate":
      return { headline: `Declared illegitimate by ${party(e.by)}`, details: e.reason ? [e.reason] : [], alert: true };
    case "quarantine-released":
    case "quarantine-condemned":
      return {
        headline: `${e.quantity} quarantined units of ${party(e.holder)} ${e.kind === "quarantine-released" ? "released" : "condemned"} by ${party(e.by)}`,
        details: [],
        alert: e.kind === "quarantine-condemned",
      };
    case "leg-released":
      return { headline: `Quarantined leg released as a whole by ${party(e.by)}`, details: [`${party(e.holder)} may dispense its packs`], alert: false };
    case "dispensed":
      return { headline: `This pack was dispensed by ${party(e.by)}`, details: [], alert: true };
    case "superseded":
      return {
        headline: `Superseded by ${party(e.by)} before any unit moved`,
        details: [`${e.changed.length ? `Changed: ${e.changed.join(", ")}` : "No field kept on chain changed (see the certificate)"}`, `${e.quantity} units, expires ${isoDay(e.expiry)}`],
        alert: false,
      };
    case "correction-proposed":
      return { headline: `Correction proposed by ${party(e.by)}`, details: [`Expiry ${isoDay(e.expiry)}, certificate ${e.certificateURI}`], alert: false };
    case "corrected":
      return {
        headline: `Corrected with the approval of ${party(e.by)}`,
        details: [`Expiry ${isoDay(e.previousExpiry)} -> ${isoDay(e.expiry)}`, `Certificate ${e.certificateURI}`],
        alert: true,
      };
    case "illegitimacy-reversed":
      return { headline: `Declaration of illegitimacy by ${party(e.declaredBy)} reversed by ${party(e.by)}`, details: [], alert: false };
    case "recall-reversed":
      return { headline: `Recall by ${party(e.recalledBy)} reversed by ${party(e.by)}`, details: [`Recall class now ${e.restoredClass}`], alert: false };
    case "stock-condemned":
      return { headline: `${e.quantity} saleable units of ${party(e.holder)} condemned by ${party(e.by)}`, details: [], alert: true };
    case "rekeyed":
      return {
        headline: `${party(e.partner)} ${e.byAdmin ? "re-keyed by the admin (a lost key)" : "rotated its key"}`,
        details: [`Old key ${e.oldKey} retired`, `New key ${e.newKey}`],
        alert: e.byAdmin,
      };
    case "invoice-created":
      return {
        headline: `Invoice ${e.invoiceNumber} of ${party(e.seller)} to ${party(e.buyer)}`,
        details: [`${e.quantity} units paid into escrow, to be delivered by ${isoDay(e.deadline)}`],
        alert: false,
      };
    case "invoice-bound":
      return { headline: `Invoice ${e.invoiceNumber} bound to shipment ${e.shipmentId}`, details: e.seller ? [`by ${party(e.seller)}`] : [], alert: false };
    case "invoice-settled":
      return { headline: `Invoice ${e.invoiceNumber} ${invoiceOutcomeText(e)}`, details: [], alert: e.outcome !== "Delivered" };
    case "exception-raised":
    case "exception-proposed":
    case "exception-resolved":
    case "overage-reported":
      return { headline: exceptionText(e).replace(/^./, (c) => c.toUpperCase()), details: [], alert: e.kind === "exception-raised" || e.kind === "overage-reported" };
  }
}

export function renderTimeline(list: HTMLOListElement, timeline: readonly TimelineEntry[], empty = "Nothing on the chain for this GTIN and lot."): void {
  list.replaceChildren();
  if (timeline.length === 0) {
    list.append(el("li", "", empty));
    return;
  }
  for (const entry of timeline) {
    const { headline, details, alert } = describe(entry);
    const item = el("li", "");
    const time = el("time", "", when(entry.time));
    time.dateTime = new Date(entry.time * 1000).toISOString();
    item.append(time, el("span", alert ? "alert" : "", alert ? `⚠ ${headline}` : headline));
    for (const d of details) item.append(el("div", "", d));
    list.append(item);
  }
}

export interface ProvenanceTargets {
  /** What the path's legs are. */
  basis: HTMLElement;
  path: HTMLOListElement;
  /** Collapsed; hidden when every leg is the pack's. */
  lotLegs: HTMLDetailsElement;
  lotLegsSummary: HTMLElement;
  lotTimeline: HTMLOListElement;
}

/** The pack's own path, then the lot's other legs in a collapsed <details> labelled as the lot's. */
export function renderProvenance(targets: ProvenanceTargets, report: PackReport): void {
  const split = packPathOf(report);
  const label = lotLegsLabel(split);
  targets.basis.textContent = report.timeline.length === 0 ? "" : `This pack's path: ${split.basisText}.`;
  renderTimeline(targets.path, split.ownPath);
  targets.lotLegs.open = false;
  targets.lotLegs.hidden = split.lotLegs.length === 0;
  targets.lotLegsSummary.textContent = `${label[0].toUpperCase()}${label.slice(1)}: the lot's, not shown to have carried this pack`;
  renderTimeline(targets.lotTimeline, split.lotLegs, "None.");
}

export function packLine(report: PackReport): string {
  const expiry = report.pack.expiry ? `, expiry ${report.pack.expiry}` : "";
  return `GTIN ${report.pack.gtin}, lot ${report.pack.lot}, serial ${report.pack.serial}${expiry}`;
}
