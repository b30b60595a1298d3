/**
 * GS1 identifiers, browser-safe: GTIN, GLN, SSCC and company prefixes with their check digits, lots, serials and
 * expiry dates (identifiers.ts), the GS1 Digital Link URI of a pack, the element strings a 2D scanner returns
 * (element-string.ts), and a pack named by command-line flags (pack-args.ts). Imports only src/domain/errors.
 */
export * from "./identifiers";
export * from "./element-string";
export * from "./pack-args";
