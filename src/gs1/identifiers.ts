/**
 * GS1 identifiers as printed in a pack's DataMatrix / QR code: GTIN, GLN, lot, serial, expiry and the
 * GS1 Digital Link URI. Mirrors contracts/libraries/GS1.sol; both are tested against the same vectors.
 */
import { InputError } from "../domain/errors";

/** GS1 AI encodable character set 82, allowed in lots (AI 10) and serials (AI 21). */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;
export const MAX_LOT_LENGTH = 20;
export const MAX_SERIAL_LENGTH = 20;

/** The GS1 mod-10 check digit of `body` (all digits but the check digit). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `digits` is the check digit of the others. */
export function hasValidCheckDigit(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && gs1CheckDigit(digits.slice(0, -1)) === Number(digits[digits.length - 1]);
}

/**
 * Parses a GTIN-8, -12, -13 or -14 (as printed, or as a number) into its GTIN-14 value.
 * Throws an InputError naming `field` when it is not digits of those lengths with a correct check digit.
 */
export function parseGtin(input: string | bigint | number, field = "gtin"): bigint {
  const text = typeof input === "string" ? input.trim() : input.toString().padStart(14, "0");
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(text)) {
    throw new InputError(field, input, "a GTIN of 8, 12, 13 or 14 digits");
  }
  if (!hasValidCheckDigit(text)) {
    const expected = gs1CheckDigit(text.slice(0, -1));
    throw new InputError(field, input, `a GTIN whose check digit is ${expected} (GS1 mod-10), not ${text.slice(-1)}`);
  }
  const value = BigInt(text);
  if (value === 0n) throw new InputError(field, input, "a non-zero GTIN");
  return value;
}

/** The 14-digit text of a GTIN value. */
export function formatGtin(gtin: bigint): string {
  return gtin.toString().padStart(14, "0");
}

/** Builds a GTIN-14 from indicator digit, company prefix and item reference (12 digits together). */
export function makeGtin(prefix: string, itemReference: string, indicator = "0"): bigint {
  const body = `${indicator}${prefix}${itemReference}`;
  if (!/^\d{13}$/.test(body)) {
    throw new InputError("gtin", body, "indicator, company prefix and item reference of 13 digits together");
  }
  return BigInt(body + gs1CheckDigit(body));
}

/** Parses a 13-digit GLN with a correct check digit. */
export function parseGln(input: string | bigint | number, field = "gln"): bigint {
  const text = typeof input === "string" ? input.trim() : input.toString().padStart(13, "0");
  return checkedKey(text, 13, "a GLN", "", input, field);
}

/**
 * `text` as a GS1 key of `digits` digits with a correct mod-10 check digit, not zero. `key` names it in the
 * errors ("a GLN", "an SSCC"), `format` says how it is written; `input` and `field` name what was given.
 */
function checkedKey(text: string, digits: number, key: string, format: string, input: string | bigint | number, field: string): bigint {
  if (!new RegExp(`^\\d{${digits}}$`).test(text)) throw new InputError(field, input, `${key} of ${digits} digits${format}`);
  if (!hasValidCheckDigit(text)) {
    throw new InputError(field, input, `${key} whose check digit is ${gs1CheckDigit(text.slice(0, -1))} (GS1 mod-10), not ${text.slice(-1)}`);
  }
  if (BigInt(text) === 0n) throw new InputError(field, input, `a non-zero ${key.split(" ")[1]}`);
  return BigInt(text);
}

/** Builds a GLN from its 12-digit body. */
export function makeGln(body: string): bigint {
  if (!/^\d{12}$/.test(body)) throw new InputError("gln", body, "12 digits before the check digit");
  return BigInt(body + gs1CheckDigit(body));
}

/** The 13-digit text of a GLN value. */
export function formatGln(gln: bigint): string {
  return gln.toString().padStart(13, "0");
}

/** Validates a lot number (AI 10): 1 to 20 characters of GS1 character set 82. */
export function parseLot(lot: string, field = "lot"): string {
  if (typeof lot !== "string" || lot.length === 0 || lot.length > MAX_LOT_LENGTH || !CSET82.test(lot)) {
    throw new InputError(field, lot, "1 to 20 characters of GS1 character set 82 (letters, digits, !\"%&'()*+,-./:;<=>?_)");
  }
  return lot;
}

/** Validates a serial number (AI 21): 1 to 20 characters of GS1 character set 82. */
export function parseSerial(serial: string, field = "serial"): string {
  if (typeof serial !== "string" || serial.length === 0 || serial.length > MAX_SERIAL_LENGTH || !CSET82.test(serial)) {
    throw new InputError(field, serial, "1 to 20 characters of GS1 character set 82 (letters, digits, !\"%&'()*+,-./:;<=>?_)");
  }
  return serial;
}

/** Validates a GS1 company prefix: 4 to 12 digits. */
export function parseCompanyPrefix(prefix: string, field = "prefix"): string {
  if (!/^\d{4,12}$/.test(prefix)) throw new InputError(field, prefix, "a GS1 company prefix of 4 to 12 digits");
  return prefix;
}

/** True when GTIN-14 `gtin` carries company prefix `prefix` (right after the indicator digit). */
export function gtinHasPrefix(gtin: bigint, prefix: string): boolean {
  return formatGtin(gtin).slice(1, 1 + prefix.length) === prefix;
}

/**
 * The unix second at which a pack with AI (17) expiry `yymmdd` stops being usable: the end (23:59:59 UTC)
 * of that day; day 00 means the last day of the month. The century follows GS1's sliding window
 * (General Specifications 7.12): a year more than 50 years ahead belongs to the previous century.
 */
export function expiryFromYYMMDD(yymmdd: string, field = "expiry", now = new Date()): number {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(yymmdd);
  if (!m) throw new InputError(field, yymmdd, "a date as YYMMDD");
  const yy = Number(m[1]);
  const month = Number(m[2]);
  let day = Number(m[3]);
  if (month < 1 || month > 12) throw new InputError(field, yymmdd, "a month 01 to 12 in YYMMDD");
  const currentYear = now.getUTCFullYear();
  const currentYY = currentYear % 100;
  let century = currentYear - currentYY;
  const diff = yy - currentYY;
  if (diff >= 51) century -= 100;
  else if (diff <= -50) century += 100;
  const year = century + yy;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day === 0) day = lastDay;
  if (day > lastDay) throw new InputError(field, yymmdd, `a day 00 to ${lastDay} for ${year}-${m[2]}`);
  return Date.UTC(year, month - 1, day, 23, 59, 59) / 1000;
}

/** The YYMMDD (AI 17) of an expiry second produced by {@link expiryFromYYMMDD}. */
export function expiryToYYMMDD(expiry: number | bigint): string {
  const d = new Date(Number(expiry) * 1000);
  const two = (n: number) => n.toString().padStart(2, "0");
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
}

/** What a pack's 2D code identifies. */
export interface PackIdentity {
  gtin: bigint;
  lot: string;
  serial: string;
  /** YYMMDD, when the code carries AI (17). */
  expiry?: string;
}

/**
 * Parses a GS1 Digital Link URI such as `https://id.example.com/01/09506000134352/10/ABC1/21/SN001?17=281231`.
 * The primary key path (01, 10, 21) may follow any resolver prefix; 17 may be in the path or the query.
 */
export function parseDigitalLink(uri: string, field = "link"): PackIdentity {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InputError(field, uri, "a GS1 Digital Link URI (https://<resolver>/01/<gtin>/10/<lot>/21/<serial>)");
  }
  const parts = url.pathname.split("/").filter((p) => p.length > 0).map((p) => decodeURIComponent(p));
  const at = parts.lastIndexOf("01");
  if (at < 0 || at + 1 >= parts.length) throw new InputError(field, uri, "a path with /01/<gtin>");
  const values = new Map<string, string>();
  for (let i = at; i + 1 < parts.length; i += 2) values.set(parts[i], parts[i + 1]);
  for (const [key, value] of url.searchParams) values.set(key, value);
  const lot = values.get("10");
  const serial = values.get("21");
  if (lot === undefined) throw new InputError(field, uri, "a lot as /10/<lot>");
  if (serial === undefined) throw new InputError(field, uri, "a serial as /21/<serial>");
  const expiry = values.get("17");
  if (expiry !== undefined) expiryFromYYMMDD(expiry, `${field} (17)`);
  return {
    gtin: parseGtin(values.get("01") as string, `${field} (01)`),
    lot: parseLot(lot, `${field} (10)`),
    serial: parseSerial(serial, `${field} (21)`),
    expiry,
  };
}

/** The GS1 Digital Link URI of a pack, as printed in its QR code. */
export function formatDigitalLink(pack: PackIdentity, resolver = "https://id.rxtrace.example"): string {
  const base = resolver.replace(/\/+$/, "");
  const enc = encodeURIComponent;
  const path = `${base}/01/${formatGtin(pack.gtin)}/10/${enc(pack.lot)}/21/${enc(pack.serial)}`;
  return pack.expiry ? `${path}?17=${pack.expiry}` : path;
}

/** An SSCC (AI 00) has 18 digits: extension digit, company prefix and serial reference, check digit. */
export const SSCC_DIGITS = 18;

/**
 * Parses an 18-digit SSCC (Serial Shipping Container Code, AI 00) with a correct check digit, as printed
 * under a case's label: the digits alone, or with the AI in front, `(00)` and 18 digits. Spaces are ignored.
 */
export function parseSscc(input: string | bigint | number, field = "sscc"): bigint {
  let text = typeof input === "string" ? input.replace(/\s+/g, "") : input.toString().padStart(SSCC_DIGITS, "0");
  if (text.startsWith("(00)")) text = text.slice(4);
  return checkedKey(text, SSCC_DIGITS, "an SSCC", " (AI 00)", input, field);
}

/** Builds an SSCC from its 17-digit body (extension digit, company prefix, serial reference). */
export function makeSscc(body: string): bigint {
  if (!/^\d{17}$/.test(body)) throw new InputError("sscc", body, "17 digits before the check digit");
  return BigInt(body + gs1CheckDigit(body));
}

/** The 18-digit text of an SSCC value. */
export function formatSscc(sscc: bigint): string {
  return sscc.toString().padStart(SSCC_DIGITS, "0");
}
