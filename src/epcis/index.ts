/**
 * GS1 EPCIS, the files trading partners exchange: the CBV 2.0 vocabulary (vocabulary.ts), packs, lots, cases
 * and places as EPC URIs, Digital Link or URN (identifiers.ts), the chain's events as EPCIS 2.0 JSON-LD
 * (export.ts), and EPCIS 2.0 JSON-LD and 1.2 XML documents read into one shape (read.ts). Node side: the
 * commands rx:epcis-export and rx:epcis-import (src/commands/epcis) use it.
 */
export * from "./vocabulary";
export * from "./identifiers";
export * from "./export";
export * from "./read";
