/**
 * The messages of GS1's Lightweight Messaging Standard for Verification of Product Identifiers (the requests a
 * Verification Router Service forwards for DSCSA saleable returns), and the one mapping from rxtrace's verdict to
 * them. Pure: no chain, no HTTP. docs/vrs.md says which texts of the standard each shape follows.
 *
 *   request   GET /01/{gtin}/10/{lot}/21/{serial}?17={YYMMDD}&linkType=verificationService&context=dscsaSaleableReturn
 *                 &reqGLN={GLN}&corrUUID={UUID}
 *             GET [/verify]/gtin/{gtin}/lot/{lot}/ser/{serial}?exp={YYMMDD}&reqGLN=…&corrUUID=…
 *             GET /checkConnectivity?gtin={gtin}&reqGLN={GLN}[&context=dscsaSaleableReturn]
 *   response  200 {verificationTimestamp, responderGLN, data: {verified, verificationFailureReason?, additionalInfo?},
 *             corrUUID?}; checkConnectivity 200 {responderGLN}; otherwise 400/401/403/404/405 without a JSON body.
 */
import { InputError } from "../domain/errors";
import { Verdict } from "../domain/enums";
import type { PackReport } from "../domain/provenance";
import { expiryFromYYMMDD, formatGln, parseGln, parseGtin, parseLot, parseSerial, type PackIdentity } from "../gs1/identifiers";

/** Why the product identifier did not verify (`data.verificationFailureReason`). */
export const FailureReason = {
  /** No pack with this GTIN and serial: nothing else was compared. */
  GtinSerial: "No_match_GTIN_Serial",
  /** GTIN and serial match a pack, of another lot. */
  GtinSerialLot: "No_match_GTIN_Serial_Lot",
  /** GTIN, serial and lot match, the expiry does not. */
  GtinSerialExpiry: "No_match_GTIN_Serial_Expiry",
  /** GTIN and serial match a pack whose lot and expiry both differ. */
  GtinSerialLotExpiry: "No_match_GTIN_Serial_Lot_Expiry",
  /** The identifier is the manufacturer's, but the pack must not be redistributed (GS1 US guideline, release 1.3). */
  NotForRedistribution: "Not_for_re-distribution",
} as const;
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];

/** What the responder adds about the product (`data.additionalInfo`). */
export type AdditionalInfo = "Recalled" | "Suspect" | "Illegitimate" | "Expired";

export interface VrsData {
  verified: boolean;
  verificationFailureReason?: FailureReason;
  additionalInfo?: AdditionalInfo;
}

/** The response to a verification request (HTTP 200). */
export interface VrsResponse {
  /** ISO 8601, UTC. */
  verificationTimestamp: string;
  responderGLN: string;
  data: VrsData;
  /** The requester's correlation UUID, echoed when it sent one. */
  corrUUID?: string;
}

/** The response to checkConnectivity (HTTP 200). */
export interface ConnectivityResponse {
  responderGLN: string;
}

/**
 * What each on-chain verdict says to a returns desk once GTIN, serial and lot matched: the status it adds, and
 * whether the pack must not go back into saleable stock although its identifier is genuine (a cloned or an
 * illegitimate pack). Quarantined and NotInCustody concern a holder's own custody: the responder asks about none.
 */
const STATUS: Record<Verdict, { additionalInfo?: AdditionalInfo; notForRedistribution?: true }> = {
  [Verdict.Genuine]: {},
  [Verdict.UnknownBatch]: {},
  [Verdict.SerialNotInBatch]: {},
  [Verdict.Illegitimate]: { additionalInfo: "Illegitimate", notForRedistribution: true },
  [Verdict.Recalled]: { additionalInfo: "Recalled" },
  // A dispensed serial coming back is the classic sign of a cloned pack.
  [Verdict.AlreadyDispensed]: { additionalInfo: "Suspect", notForRedistribution: true },
  [Verdict.Suspect]: { additionalInfo: "Suspect" },
  [Verdict.Expired]: { additionalInfo: "Expired" },
  [Verdict.Quarantined]: { additionalInfo: "Suspect" },
  [Verdict.NotInCustody]: {},
};

/** The serial is not proven in the asked lot (or the lot does not exist). */
export function serialUnmatched(report: PackReport): boolean {
  return report.verdictCode === Verdict.UnknownBatch || report.verdictCode === Verdict.SerialNotInBatch;
}

/**
 * The `data` of the response, from the verdict on the asked pack (`verifyPack`, the page's and rx:verify's) and,
 * when its serial is not in the asked lot, the verdict on the same GTIN and serial in the lot that holds it.
 */
export function vrsData(asked: PackReport, elsewhere?: PackReport): VrsData {
  if (serialUnmatched(asked)) {
    if (!elsewhere || serialUnmatched(elsewhere)) return { verified: false, verificationFailureReason: FailureReason.GtinSerial };
    const reason = elsewhere.expiryMatches === false ? FailureReason.GtinSerialLotExpiry : FailureReason.GtinSerialLot;
    return { verified: false, verificationFailureReason: reason };
  }
  const status = STATUS[asked.verdictCode as Verdict];
  const info = status.additionalInfo ? { additionalInfo: status.additionalInfo } : {};
  if (asked.expiryMatches === false) return { verified: false, verificationFailureReason: FailureReason.GtinSerialExpiry, ...info };
  if (status.notForRedistribution) return { verified: false, verificationFailureReason: FailureReason.NotForRedistribution, ...info };
  return { verified: true, ...info };
}

/* ------------------------------------------------------------------ requests */

/** A request the responder refuses: the HTTP status and one line for the requester. */
export class VrsRefusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405,
    message: string,
  ) {
    super(message);
    this.name = "VrsRefusal";
  }
}

export const SALEABLE_RETURN_CONTEXT = "dscsaSaleableReturn";
/** The link type of a verification service, as a Digital Link query names it (short or full form). */
const VERIFICATION_LINK_TYPES = ["verificationService", "gs1:verificationService", "https://gs1.org/voc/verificationService", "https://ref.gs1.org/voc/verificationService"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_EXPECTED = "a UUID such as 21ec2020-3aea-4069-a2dd-08002b30309d";

/** A correlation id as the standard has it (a UUID), or an InputError naming `field`. */
export function parseCorrUUID(value: string, field = "corrUUID"): string {
  if (!UUID.test(value)) throw new InputError(field, value, UUID_EXPECTED);
  return value;
}

interface RequestBase {
  /** The requester's GLN (13 digits), `reqGLN`. */
  reqGLN: string;
  context: string;
  /** Path and query exactly as sent: what the requester signed. */
  target: string;
}
export type VrsRequest =
  | (RequestBase & { kind: "verify"; pack: PackIdentity & { expiry: string }; corrUUID?: string })
  | (RequestBase & { kind: "checkConnectivity"; gtin: bigint });

const DIGITAL_LINK = /^\/01\/([^/]+)\/10\/([^/]+)\/21\/([^/]+)$/;
const GTIN_LOT_SER = /^(?:\/verify)?\/gtin\/([^/]+)\/lot\/([^/]+)\/ser\/([^/]+)$/;

/** True when `path` is one of the responder's: anything else goes on to the page's server. */
export function isVrsPath(path: string): boolean {
  return path === "/checkConnectivity" || DIGITAL_LINK.test(path) || GTIN_LOT_SER.test(path);
}

/** A malformed field is a 400 naming the field, the value and what was expected. */
function field<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError) throw new VrsRefusal(400, error.message);
    throw error;
  }
}

function decode(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new VrsRefusal(400, new InputError(name, segment, "a percent-encoded path segment").message);
  }
}

/**
 * Parses a request of the standard; `target` is its path and query as received. Throws VrsRefusal(400) naming the
 * first bad field, VrsRefusal(405) for a method other than GET.
 */
export function parseVrsRequest(method: string, target: string): VrsRequest {
  const url = new URL(target, "http://responder.invalid");
  const query = url.searchParams;
  if (method !== "GET") throw new VrsRefusal(405, `method ${method}: the verification service answers GET only`);
  const context = query.get("context") ?? SALEABLE_RETURN_CONTEXT;
  if (context !== SALEABLE_RETURN_CONTEXT) {
    throw new VrsRefusal(400, new InputError("context", context, `"${SALEABLE_RETURN_CONTEXT}" (or no context)`).message);
  }
  const reqGLN = field(() => formatGln(parseGln(query.get("reqGLN") ?? "", "reqGLN")));
  if (url.pathname === "/checkConnectivity") {
    return { kind: "checkConnectivity", gtin: field(() => parseGtin(query.get("gtin") ?? "", "gtin")), reqGLN, context, target };
  }
  const dl = DIGITAL_LINK.exec(url.pathname);
  const form = dl ?? GTIN_LOT_SER.exec(url.pathname);
  if (!form) throw new VrsRefusal(404, `no such resource: ${url.pathname}`);
  const names = dl ? ["01", "10", "21", "17"] : ["gtin", "lot", "ser", "exp"];
  if (dl) {
    const linkType = query.get("linkType") ?? "";
    if (!VERIFICATION_LINK_TYPES.includes(linkType)) {
      throw new VrsRefusal(400, new InputError("linkType", linkType, '"verificationService" (a verification request)').message);
    }
  }
  const expiry = query.get(names[3]) ?? "";
  field(() => expiryFromYYMMDD(expiry, names[3]));
  const sent = query.get("corrUUID");
  const corrUUID = sent === null ? undefined : field(() => parseCorrUUID(sent));
  const pack = {
    gtin: field(() => parseGtin(decode(form[1], names[0]), names[0])),
    lot: field(() => parseLot(decode(form[2], names[1]), names[1])),
    serial: field(() => parseSerial(decode(form[3], names[2]), names[2])),
    expiry,
  };
  return { kind: "verify", pack, reqGLN, context, target, ...(corrUUID === undefined ? {} : { corrUUID }) };
}

/** The Digital Link request for a pack (the form a Verification Router Service forwards). */
export function verificationTarget(pack: PackIdentity & { expiry: string }, reqGLN: string, corrUUID: string): string {
  const enc = encodeURIComponent;
  const query = new URLSearchParams({ "17": pack.expiry, linkType: "verificationService", context: SALEABLE_RETURN_CONTEXT, reqGLN, corrUUID });
  return `/01/${pack.gtin.toString().padStart(14, "0")}/10/${enc(pack.lot)}/21/${enc(pack.serial)}?${query.toString()}`;
}
