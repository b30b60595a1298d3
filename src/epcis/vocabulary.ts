/**
 * The CBV 2.0 vocabulary an EPCIS document may use for business steps, dispositions and the types of business
 * transactions and of source/destination entries, and how each is written: the bare term of EPCIS 2.0 JSON-LD
 * (`shipping`), its GS1 Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`) or its EPCIS 1.2 URN
 * (`urn:epcglobal:cbv:bizstep:shipping`). test/epcis/Schema.test.ts checks these lists against the enums of the
 * EPCIS 2.0 JSON Schema.
 */

/** CBV 2.0 business steps. */
export const CBV_BIZ_STEPS = [
  "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning", "creating_class_instance", "cycle_counting",
  "decommissioning", "departing", "destroying", "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
  "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing", "repackaging", "repairing", "replacing",
  "reserving", "retail_selling", "shipping", "staging_outbound", "stock_taking", "stocking", "storing", "transporting", "unloading",
  "unpacking", "void_shipping", "sensor_reporting", "sampling",
] as const;

/** CBV 2.0 dispositions. */
export const CBV_DISPOSITIONS = [
  "active", "container_closed", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired", "in_progress", "in_transit",
  "inactive", "no_pedigree_match", "non_sellable_other", "partially_dispensed", "recalled", "reserved", "retail_sold", "returned",
  "sellable_accessible", "sellable_not_accessible", "stolen", "unknown", "available", "completeness_verified", "completeness_inferred",
  "conformant", "container_open", "mismatch_instance", "mismatch_class", "mismatch_quantity", "needs_replacement", "non_conformant",
  "unavailable",
] as const;

/** CBV 2.0 business transaction types. */
export const CBV_BIZ_TRANSACTION_TYPES = ["bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd", "testres", "upevt"] as const;

/** CBV 2.0 source/destination types. */
export const CBV_SOURCE_DEST_TYPES = ["owning_party", "possessing_party", "location"] as const;

export type BizStep = (typeof CBV_BIZ_STEPS)[number];
export type Disposition = (typeof CBV_DISPOSITIONS)[number];

type Kind = "bizstep" | "disp" | "btt" | "sdt";
const WEB_PREFIX: Record<Kind, string> = { bizstep: "BizStep-", disp: "Disp-", btt: "BTT-", sdt: "SDT-" };
const TERMS: Record<Kind, readonly string[]> = { bizstep: CBV_BIZ_STEPS, disp: CBV_DISPOSITIONS, btt: CBV_BIZ_TRANSACTION_TYPES, sdt: CBV_SOURCE_DEST_TYPES };

/**
 * The bare CBV term of `value` written in any of the three forms, or undefined when it is no CBV 2.0 term of that
 * kind (a private vocabulary URI, or a misspelling).
 */
function cbvTerm(kind: Kind, value: string): string | undefined {
  const text = value.trim();
  const bare = text.startsWith(`urn:epcglobal:cbv:${kind}:`)
    ? text.slice(`urn:epcglobal:cbv:${kind}:`.length)
    : /^https?:\/\/(ref|ns)\.gs1\.org\/cbv\//.test(text)
      ? text.replace(/^https?:\/\/(ref|ns)\.gs1\.org\/cbv\//, "").replace(WEB_PREFIX[kind], "")
      : text;
  return TERMS[kind].includes(bare) ? bare : undefined;
}

export const bizStepOf = (value: string): BizStep | undefined => cbvTerm("bizstep", value) as BizStep | undefined;
export const dispositionOf = (value: string): Disposition | undefined => cbvTerm("disp", value) as Disposition | undefined;
export const bizTransactionTypeOf = (value: string): string | undefined => cbvTerm("btt", value);
export const sourceDestTypeOf = (value: string): string | undefined => cbvTerm("sdt", value);
