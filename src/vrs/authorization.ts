/**
 * Who may ask: an authorized trading partner of the on-chain registry, proven by a signature of the partner's key
 * over the request, carried in two headers:
 *
 *   RxTrace-Timestamp: <unix seconds>
 *   RxTrace-Signature: <EIP-191 personal_sign of signingMessage(method, target, timestamp, corrUUID)>
 *
 * The responder finds the partner by `reqGLN` (`accountOfGln`), checks the signature is that account's
 * (`isPartnerSignature`, the one place a contract partner's ERC-1271 check belongs), that the timestamp is within
 * the freshness window and that the signature was not seen before (replay), then the partner's standing.
 * Unknown requester, bad, stale or replayed signature: 401; suspended or unlicensed partner: 403.
 */
import { Contract, ZeroAddress, hashMessage, verifyMessage, type Provider, type Signer } from "ethers";
import type { RxTrace } from "../../typechain-types";
import { Standing } from "../domain/enums";
import { parseGln } from "../gs1/identifiers";
import { VrsRefusal, type VrsRequest } from "./messages";

export const TIMESTAMP_HEADER = "RxTrace-Timestamp";
export const SIGNATURE_HEADER = "RxTrace-Signature";
/** How far, in seconds, a request's timestamp may be from the responder's clock, either way. */
export const FRESHNESS_SECONDS = 300;

/** The text a requester signs (EIP-191): the method, the path and query exactly as sent, the time, the correlation id. */
export function signingMessage(method: string, target: string, timestamp: number, corrUUID = ""): string {
  return ["rxtrace verification request", `method: ${method}`, `target: ${target}`, `timestamp: ${timestamp}`, `corrUUID: ${corrUUID}`].join("\n");
}

/** The two headers of a request signed by `signer` at `timestamp` (unix seconds). */
export async function signedHeaders(signer: Signer, method: string, target: string, corrUUID: string | undefined, timestamp: number): Promise<Record<string, string>> {
  const signature = await signer.signMessage(signingMessage(method, target, timestamp, corrUUID));
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature };
}

const ERC1271 = ["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"];
const ERC1271_MAGIC = "0x1626ba7e";

/**
 * Whether `signature` over `message` (EIP-191) is `account`'s: the key's own signature for an externally owned
 * account; for a contract partner, its ERC-1271 `isValidSignature` on the message's hash (a contract that does not
 * implement it cannot sign).
 */
export async function isPartnerSignature(provider: Provider, account: string, message: string, signature: string): Promise<boolean> {
  if ((await provider.getCode(account)) !== "0x") {
    try {
      const answer = (await new Contract(account, ERC1271, provider).getFunction("isValidSignature").staticCall(hashMessage(message), signature)) as string;
      return answer.toLowerCase() === ERC1271_MAGIC;
    } catch {
      return false;
    }
  }
  try {
    return verifyMessage(message, signature).toLowerCase() === account.toLowerCase();
  } catch {
    return false;
  }
}

/** Signed requests already answered, kept until they could no longer be fresh. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** Records the request `key` until `until` (unix seconds); false when it was seen before. */
  accept(key: string, until: number, now: number): boolean {
    for (const [s, expiry] of this.seen) if (expiry < now) this.seen.delete(s);
    if (this.seen.has(key)) return false;
    this.seen.set(key, until);
    return true;
  }
}

export interface AuthorizationContext {
  rx: RxTrace;
  /** The responder's clock, unix seconds. */
  now: number;
  replay: ReplayGuard;
  freshnessSeconds?: number;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The account of the authorized partner that signed `request`, or a VrsRefusal (401, 403). */
export async function authorizeRequester(
  request: VrsRequest,
  method: string,
  headers: Record<string, string | string[] | undefined>,
  context: AuthorizationContext,
): Promise<string> {
  const { rx, now } = context;
  const window = context.freshnessSeconds ?? FRESHNESS_SECONDS;
  const account = await rx.accountOfGln(parseGln(request.reqGLN));
  if (account === ZeroAddress) throw new VrsRefusal(401, `reqGLN ${request.reqGLN} is not a trading partner of the registry`);
  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signature = header(headers, SIGNATURE_HEADER);
  if (timestamp === undefined || signature === undefined) {
    throw new VrsRefusal(401, `no ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers: sign the request with the key of reqGLN ${request.reqGLN} (docs/vrs.md)`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new VrsRefusal(401, `${TIMESTAMP_HEADER}: got "${timestamp}", expected unix seconds`);
  const at = Number(timestamp);
  if (Math.abs(now - at) > window) {
    throw new VrsRefusal(401, `${TIMESTAMP_HEADER}: got ${at}, expected within ${window} s of the responder's clock (${now})`);
  }
  const corrUUID = request.kind === "verify" ? request.corrUUID : undefined;
  const message = signingMessage(method, request.target, at, corrUUID);
  const provider = rx.runner?.provider;
  if (!provider || !(await isPartnerSignature(provider, account, message, signature))) {
    throw new VrsRefusal(401, `${SIGNATURE_HEADER}: not a signature of reqGLN ${request.reqGLN}'s account ${account} over this request`);
  }
  // Keyed by what was signed, not by the signature's bytes: a malleated copy of a signature is the same request.
  if (!context.replay.accept(`${account}:${hashMessage(message)}`, at + window, now)) throw new VrsRefusal(401, `${SIGNATURE_HEADER}: this signed request was already answered (replay)`);
  const standing = Number(await rx.standing(account)) as Standing;
  if (standing !== Standing.Authorized) {
    throw new VrsRefusal(403, `reqGLN ${request.reqGLN} (${account}) is not an authorized trading partner: ${Standing[standing]}`);
  }
  return account;
}
