/**
 * EPCIS in and out (tasks/epcis.ts): rx:epcis-export writes the chain's history of a lot, a pack or a holder as
 * an EPCIS 2.0 document (export.ts); rx:epcis-import records a manufacturer's EPCIS document through the
 * commission, case-seal and ship code paths (import.ts).
 */
export * from "./export";
export * from "./import";
