/**
 * The requester's side: a verification request for a pack, signed with the requester's key, sent to a responder
 * (or a Verification Router Service that forwards it), and its answer.
 */
import { randomUUID } from "node:crypto";
import type { Signer } from "ethers";
import type { PackIdentity } from "../gs1/identifiers";
import { signedHeaders } from "./authorization";
import { verificationTarget, type VrsData, type VrsResponse } from "./messages";

export interface VrsAnswer {
  /** The URL asked. */
  url: string;
  status: number;
  /** The standard's JSON for a 200; the responder's line of text otherwise. */
  response?: VrsResponse;
  refusal?: string;
}

export interface AskOptions {
  corrUUID?: string;
  /** Unix seconds to sign (default: now). */
  timestamp?: number;
}

/** Asks the responder at `base` (e.g. http://127.0.0.1:8080) about `pack` for partner `reqGLN`, signing with `signer`. */
export async function askResponder(base: string, pack: PackIdentity & { expiry: string }, reqGLN: string, signer: Signer, options: AskOptions = {}): Promise<VrsAnswer> {
  const corrUUID = options.corrUUID ?? randomUUID();
  const target = verificationTarget(pack, reqGLN, corrUUID);
  const url = `${base.replace(/\/+$/, "")}${target}`;
  const headers = await signedHeaders(signer, "GET", target, corrUUID, options.timestamp ?? Math.floor(Date.now() / 1000));
  const response = await fetch(url, { headers: { ...headers, Accept: "application/json" } });
  const text = await response.text();
  if (response.status === 200) return { url, status: 200, response: JSON.parse(text) as VrsResponse };
  return { url, status: response.status, refusal: text.trim() };
}

/** The answer's data in words, one line. */
export function describeData(data: VrsData): string {
  const parts = [data.verified ? "VERIFIED" : "NOT VERIFIED"];
  if (data.verificationFailureReason) parts.push(`reason ${data.verificationFailureReason}`);
  if (data.additionalInfo) parts.push(`additional info ${data.additionalInfo}`);
  return parts.join(", ");
}

/** Exit code of `rx:verify --vrs`: the pack verified with nothing to add. */
export const VRS_VERIFIED_EXIT_CODE = 0;
/** Verified, with additional information (recalled, suspect, expired…): read it before restocking. */
export const VRS_ADDITIONAL_INFO_EXIT_CODE = 30;
/** Not verified (verificationFailureReason says why). */
export const VRS_NOT_VERIFIED_EXIT_CODE = 31;
/** The responder refused the request (400, 401, 403, 404…). */
export const VRS_REFUSED_EXIT_CODE = 32;

export function vrsExitCode(answer: VrsAnswer): number {
  if (!answer.response) return VRS_REFUSED_EXIT_CODE;
  const { data } = answer.response;
  if (!data.verified) return VRS_NOT_VERIFIED_EXIT_CODE;
  return data.additionalInfo ? VRS_ADDITIONAL_INFO_EXIT_CODE : VRS_VERIFIED_EXIT_CODE;
}

/** The answer as lines for a terminal. */
export function formatAnswer(answer: VrsAnswer): string[] {
  if (!answer.response) return [`REFUSED: HTTP ${answer.status}: ${answer.refusal ?? ""}`, `asked ${answer.url}`];
  return [`${describeData(answer.response.data)} (responder GLN ${answer.response.responderGLN})`, `asked ${answer.url}`, JSON.stringify(answer.response)];
}
