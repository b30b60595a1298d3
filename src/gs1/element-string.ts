/**
 * GS1 element strings, as a GS1 DataMatrix (or a scanner in keyboard mode) delivers them:
 * `]d2` + `0100312345000172` + `17280331` + `10A24-0001` + <GS> + `21SN000002`, where <GS> (ASCII 29, FNC1)
 * ends every variable-length field that is not last. Also read: the bracketed human-readable form
 * `(01)00312345000172(17)280331(10)A24-0001(21)SN000002`, and any scanned code (`parseScannedCode`):
 * a Digital Link URI (QR) or an element string (DataMatrix). Browser-safe: no Node modules.
 */
import { InputError } from "../domain/errors";
import { expiryFromYYMMDD, parseDigitalLink, parseGtin, parseLot, parseSerial, type PackIdentity } from "./identifiers";

/** FNC1 in the transmitted data: ASCII 29, "group separator". */
export const GS = "\u001d";

/** AIs whose data has a predefined length (GS1 General Specifications, figure 5.10.1-2), by AI: data length. */
const FIXED: Record<string, number> = {
  "00": 18, "01": 14, "02": 14, "03": 14, "04": 16,
  "11": 6, "12": 6, "13": 6, "14": 6, "15": 6, "16": 6, "17": 6, "18": 6, "19": 6,
  "20": 2,
};

/** Variable-length AIs a pharmaceutical pack may carry, with their maximum data length. */
const VARIABLE: Record<string, number> = {
  "10": 20, "21": 20, "22": 20, "30": 8, "37": 8,
  "240": 30, "241": 30, "250": 30, "251": 30,
  "710": 20, "711": 20, "712": 20, "713": 20, "714": 20, "715": 20,
  "91": 90, "92": 90, "93": 90, "94": 90, "95": 90, "96": 90, "97": 90, "98": 90, "99": 90,
};

const EXPECTED = "a GS1 element string with (01) GTIN, (10) lot and (21) serial, e.g. ]d2010031234500017217280331" + "10A24-0001<GS>21SN000002";

/** Symbology identifiers a scanner may put first: GS1 DataMatrix, GS1 QR, GS1-128. */
const SYMBOLOGY = /^\](d2|Q3|C1|e0)/;

/** The element string's AIs and their values, in order. Throws an InputError naming `field`. */
export function parseElements(input: string, field = "code"): Map<string, string> {
  if (typeof input !== "string") throw new InputError(field, input, EXPECTED);
  let text = input.trim().replace(SYMBOLOGY, "");
  if (text.startsWith("(")) return parseBracketed(text, field);
  // Some scanners send FNC1 as "<GS>" text or as a leading GS; both mean "field separator".
  text = text.replace(/<GS>/gi, GS).replace(new RegExp(`^${GS}+`), "");
  const elements = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const ai = [2, 3].map((n) => rest.slice(0, n)).find((candidate) => candidate in FIXED || candidate in VARIABLE);
    if (ai === undefined) {
      throw new InputError(field, input, `${EXPECTED}; "${rest.slice(0, 4)}" at position ${at} is not an application identifier this page reads`);
    }
    at += ai.length;
    let value: string;
    if (ai in FIXED) {
      value = text.slice(at, at + FIXED[ai]);
      if (value.length !== FIXED[ai] || !/^\d+$/.test(value)) {
        throw new InputError(`${field} (${ai})`, value, `${FIXED[ai]} digits`);
      }
      at += FIXED[ai];
      if (text[at] === GS) at++; // a needless separator after a fixed field is tolerated
    } else {
      const end = text.indexOf(GS, at);
      value = end < 0 ? text.slice(at) : text.slice(at, end);
      at = end < 0 ? text.length : end + 1;
      if (value.length === 0 || value.length > VARIABLE[ai]) {
        throw new InputError(`${field} (${ai})`, value, `1 to ${VARIABLE[ai]} characters, ended by <GS> (FNC1) unless last`);
      }
    }
    if (elements.has(ai)) throw new InputError(`${field} (${ai})`, value, `AI (${ai}) once, it was given already as ${JSON.stringify(elements.get(ai))}`);
    elements.set(ai, value);
  }
  return elements;
}

function parseBracketed(text: string, field: string): Map<string, string> {
  const elements = new Map<string, string>();
  const pattern = /\((\d{2,4})\)([^(]*)/gy;
  let match: RegExpExecArray | null;
  let at = 0;
  while ((match = pattern.exec(text)) !== null) {
    elements.set(match[1], match[2].trim());
    at = pattern.lastIndex;
  }
  if (at !== text.length || elements.size === 0) throw new InputError(field, text, "(AI)value pairs such as (01)00312345000172(10)A24-0001(21)SN000002");
  return elements;
}

/** The pack an element string identifies: AIs 01, 10 and 21 required, 17 (expiry) optional, others ignored. */
export function parseElementString(input: string, field = "code"): PackIdentity {
  const elements = parseElements(input, field);
  const gtin = elements.get("01");
  const lot = elements.get("10");
  const serial = elements.get("21");
  if (gtin === undefined) throw new InputError(field, input, `${EXPECTED}: the GTIN (01) is missing`);
  if (lot === undefined) throw new InputError(field, input, `${EXPECTED}: the lot (10) is missing`);
  if (serial === undefined) throw new InputError(field, input, `${EXPECTED}: the serial (21) is missing`);
  const expiry = elements.get("17");
  if (expiry !== undefined) expiryFromYYMMDD(expiry, `${field} (17)`);
  return {
    gtin: parseGtin(gtin, `${field} (01)`),
    lot: parseLot(lot, `${field} (10)`),
    serial: parseSerial(serial, `${field} (21)`),
    expiry,
  };
}

/** What a pack's 2D code carries: a GS1 Digital Link (QR) or a GS1 element string (DataMatrix). */
export function parseScannedCode(input: string, field = "code"): PackIdentity {
  const text = typeof input === "string" ? input.trim() : "";
  if (/^https?:\/\//i.test(text)) return parseDigitalLink(text, field);
  return parseElementString(text, field);
}
