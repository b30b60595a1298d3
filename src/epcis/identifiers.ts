/**
 * GS1 keys as EPCIS names them: a pack (SGTIN), a lot (LGTIN, for quantities), a case (SSCC), a party or a place
 * (PGLN / SGLN), each as a GS1 Digital Link URI on GS1's resolver (`https://id.gs1.org/01/…/21/…`, what EPCIS 2.0
 * prefers) or as an EPC URN (`urn:epc:id:sgtin:…`, what EPCIS 1.2 files carry). A URN splits the key after the
 * GS1 company prefix, whose length the key alone does not tell: the writer is told it, the reader does not need
 * it (the check digit is recomputed).
 */
import { InputError } from "../domain/errors";
import { formatGln, formatGtin, formatSscc, gs1CheckDigit, parseGln, parseGtin, parseLot, parseSerial, parseSscc } from "../gs1/identifiers";

export const DIGITAL_LINK_RESOLVER = "https://id.gs1.org";

/** How a document names packs, cases and places. */
export type EpcStyle = "digital-link" | "urn";

/** What an EPC URI names. */
export type Epc =
  | { kind: "sgtin"; gtin: bigint; serial: string }
  | { kind: "lgtin"; gtin: bigint; lot: string }
  | { kind: "sscc"; sscc: bigint }
  | { kind: "gln"; gln: bigint; party: boolean };

/** The EPC URI of a GS1 key, in the chosen style; `prefixLength` splits URNs (GS1 US company prefixes: often 7). */
export class EpcWriter {
  constructor(
    readonly style: EpcStyle,
    private readonly prefixLength: (digits: string) => number = () => 7,
  ) {}

  private split(digits: string, withIndicator: boolean): [string, string] {
    const body = withIndicator ? digits.slice(1, -1) : digits.slice(0, -1);
    const length = this.prefixLength(body);
    const prefix = body.slice(0, length);
    const rest = body.slice(length);
    return [prefix, withIndicator ? digits[0] + rest : rest];
  }

  sgtin(gtin: bigint, serial: string): string {
    const digits = formatGtin(gtin);
    if (this.style === "digital-link") return `${DIGITAL_LINK_RESOLVER}/01/${digits}/21/${encodeURIComponent(serial)}`;
    const [prefix, item] = this.split(digits, true);
    return `urn:epc:id:sgtin:${prefix}.${item}.${encodeURIComponent(serial)}`;
  }

  lgtin(gtin: bigint, lot: string): string {
    const digits = formatGtin(gtin);
    if (this.style === "digital-link") return `${DIGITAL_LINK_RESOLVER}/01/${digits}/10/${encodeURIComponent(lot)}`;
    const [prefix, item] = this.split(digits, true);
    return `urn:epc:class:lgtin:${prefix}.${item}.${encodeURIComponent(lot)}`;
  }

  sscc(sscc: bigint): string {
    const digits = formatSscc(sscc);
    if (this.style === "digital-link") return `${DIGITAL_LINK_RESOLVER}/00/${digits}`;
    const [prefix, serialRef] = this.split(digits, true);
    return `urn:epc:id:sscc:${prefix}.${serialRef}`;
  }

  /** A place (SGLN) or, with `party`, a party (PGLN) by its GLN. */
  gln(gln: bigint, party = false): string {
    const digits = formatGln(gln);
    if (this.style === "digital-link") return `${DIGITAL_LINK_RESOLVER}/${party ? "417" : "414"}/${digits}`;
    const [prefix, ref] = this.split(digits, false);
    return party ? `urn:epc:id:pgln:${prefix}.${ref}` : `urn:epc:id:sgln:${prefix}.${ref}.0`;
  }
}

const withCheckDigit = (body: string) => body + gs1CheckDigit(body);

/** Reads an EPC URI in either style; an InputError naming `field` when it is none of the keys rxtrace knows. */
export function parseEpc(uri: string, field: string): Epc {
  const text = uri.trim();
  const urn = /^urn:epc:(id|class):(sgtin|lgtin|sscc|sgln|pgln):(\d+)\.(\d+)(?:\.(.+))?$/.exec(text);
  if (urn) {
    const [, , scheme, prefix, ref, rest] = urn;
    const decoded = rest === undefined ? undefined : decodeURIComponent(rest);
    switch (scheme) {
      case "sgtin":
      case "lgtin": {
        if (prefix.length + ref.length !== 13 || decoded === undefined) break;
        const gtin = parseGtin(withCheckDigit(ref[0] + prefix + ref.slice(1)), field);
        return scheme === "sgtin" ? { kind: "sgtin", gtin, serial: parseSerial(decoded, field) } : { kind: "lgtin", gtin, lot: parseLot(decoded, field) };
      }
      case "sscc":
        if (prefix.length + ref.length !== 17 || decoded !== undefined) break;
        return { kind: "sscc", sscc: parseSscc(withCheckDigit(ref[0] + prefix + ref.slice(1)), field) };
      case "sgln":
      case "pgln":
        if (prefix.length + ref.length !== 12) break;
        return { kind: "gln", gln: parseGln(withCheckDigit(prefix + ref), field), party: scheme === "pgln" };
    }
    throw new InputError(field, uri, "an EPC URN with a key of the right length (e.g. urn:epc:id:sgtin:0312345.000017.SN000001)");
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(field, uri, "a GS1 Digital Link URI (https://id.gs1.org/01/<gtin>/21/<serial>) or an EPC URN (urn:epc:id:sgtin:…)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(field, uri, "a GS1 Digital Link URI (https://id.gs1.org/01/<gtin>/21/<serial>) or an EPC URN (urn:epc:id:sgtin:…)");
  }
  const parts = url.pathname.split("/").filter((p) => p !== "").map((p) => decodeURIComponent(p));
  const key = (ai: string) => {
    const at = parts.indexOf(ai);
    return at >= 0 && at + 1 < parts.length ? parts[at + 1] : undefined;
  };
  const gtin = key("01");
  if (gtin !== undefined) {
    const serial = key("21");
    const lot = key("10");
    if (serial !== undefined) return { kind: "sgtin", gtin: parseGtin(gtin, field), serial: parseSerial(serial, field) };
    if (lot !== undefined) return { kind: "lgtin", gtin: parseGtin(gtin, field), lot: parseLot(lot, field) };
  }
  const sscc = key("00");
  if (sscc !== undefined) return { kind: "sscc", sscc: parseSscc(sscc, field) };
  const place = key("414") ?? key("417");
  if (place !== undefined) return { kind: "gln", gln: parseGln(place, field), party: key("417") !== undefined };
  throw new InputError(field, uri, "a Digital Link of a pack (/01/…/21/…), a lot (/01/…/10/…), a case (/00/…) or a GLN (/414/… or /417/…)");
}
