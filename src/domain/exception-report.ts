/**
 * A shipment's delivery exceptions in the JSON shape of the Partnership for DSCSA Governance's exception
 * notification, as far as its published names go (docs/custody.md, "The exception report"): the root
 * `exceptionNotification`, `exceptionNotificationSchemaOrTemplateVersion` and `notifyingOrganizationInformation`
 * are the PDG draft's; the rest is rxtrace's own, named from the HDA exception categories. Pure: the command reads
 * the events and hands them over.
 */
import { ExceptionReason, ExceptionStatus } from "./enums";
import type { PartnerInfo } from "./provenance";

export const EXCEPTION_REPORT_VERSION = "rxtrace-dscsa-exception/1";

/** The HDA category and the report's type of each ExceptionReason. */
const CATEGORY: Record<ExceptionReason, { exceptionCategory: string; exceptionType: string }> = {
  [ExceptionReason.Underage]: { exceptionCategory: "Data No Product", exceptionType: "underage" },
  [ExceptionReason.Damaged]: { exceptionCategory: "Damaged Product", exceptionType: "damaged" },
  [ExceptionReason.WrongProduct]: { exceptionCategory: "Data Issue", exceptionType: "wrong-product" },
  [ExceptionReason.MissingData]: { exceptionCategory: "Product No Data", exceptionType: "missing-data" },
  [ExceptionReason.Other]: { exceptionCategory: "Data Issue", exceptionType: "other" },
};

/** What the report is built from: the shipment, its lot, its parties and its exception events. */
export interface ExceptionFacts {
  shipmentId: string;
  gtin: string;
  lot: string;
  quantityShipped: bigint;
  sender: PartnerInfo;
  receiver: PartnerInfo;
  raised?: { time: number; accepted: bigint; disputed: bigint; reason: ExceptionReason; evidence: string; disputedPacks: string; transactionHash: string };
  resolved?: { time: number; outcome: ExceptionStatus; byRegulator: boolean; units: bigint; transactionHash: string };
  overages: { time: number; units: bigint; evidence: string; transactionHash: string }[];
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
const ZERO = /^0x0*$/;

/** The report of `facts`, notified by the receiver to the sender. */
export function exceptionReportOf(facts: ExceptionFacts): Record<string, unknown> {
  const exceptions: Record<string, unknown>[] = [];
  if (facts.raised) {
    const r = facts.raised;
    exceptions.push({
      ...CATEGORY[r.reason],
      gtin: facts.gtin,
      lot: facts.lot,
      quantityShipped: Number(facts.quantityShipped),
      quantityReceived: Number(r.accepted),
      quantityInException: Number(r.disputed),
      evidenceHash: ZERO.test(r.evidence) ? null : r.evidence,
      disputedPacksRoot: ZERO.test(r.disputedPacks) ? null : r.disputedPacks,
      declaredAt: iso(r.time),
      transactionHash: r.transactionHash,
      resolution: facts.resolved
        ? {
            status: ExceptionStatus[facts.resolved.outcome].toLowerCase(),
            byRegulator: facts.resolved.byRegulator,
            quantity: Number(facts.resolved.units),
            date: iso(facts.resolved.time),
            transactionHash: facts.resolved.transactionHash,
          }
        : { status: "open" },
    });
  }
  for (const o of facts.overages) {
    exceptions.push({
      exceptionCategory: "Product No Data",
      exceptionType: "overage",
      gtin: facts.gtin,
      lot: facts.lot,
      quantityShipped: Number(facts.quantityShipped),
      quantityInException: Number(o.units),
      evidenceHash: ZERO.test(o.evidence) ? null : o.evidence,
      declaredAt: iso(o.time),
      transactionHash: o.transactionHash,
    });
  }
  const first = [facts.raised?.time, ...facts.overages.map((o) => o.time)].filter((t): t is number => t !== undefined).sort((a, b) => a - b)[0];
  return {
    exceptionNotification: {
      exceptionNotificationSchemaOrTemplateVersion: EXCEPTION_REPORT_VERSION,
      notifyingOrganizationInformation: { notifyingOrganizationName: facts.receiver.name, notifyingPartyGLN: facts.receiver.gln || null, contactInformation: null },
      notifiedOrganizationInformation: { notifiedOrganizationName: facts.sender.name, notifiedPartyGLN: facts.sender.gln || null },
      incidentId: facts.shipmentId,
      shipmentReceiptDate: first === undefined ? null : iso(first),
      exceptions,
    },
  };
}
