/**
 * Webhook delivery of alerts: a POST of the alert's JSON with
 *   Idempotency-Key: <the alert's key>          the same for every attempt and every run: receivers dedupe by it
 *   X-Rxtrace-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 * retried with exponential backoff (bounded attempts, capped delay). docs/alerts.md says how a receiver checks it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Alert } from "./alerts";

export const SIGNATURE_HEADER = "X-Rxtrace-Signature";
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** The environment variable that holds the shared secret of the signature. */
export const WEBHOOK_SECRET_VAR = "RXTRACE_WEBHOOK_SECRET";
/** A receiver should refuse a signature older (or newer) than this: a replayed request is stale. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Attempts per alert and delivery round (at least 1). */
  attempts: number;
  /** Delay before the second attempt; doubled before each next one, at most `maxDelayMs`. */
  backoffMs: number;
  maxDelayMs?: number;
  /** One request's time limit. */
  timeoutMs?: number;
}

/** The signature header's value for `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** A receiver's check: the header signs `body` with `secret`, and its time is within the tolerance of `now`. */
export function verifySignature(secret: string, header: string | undefined, body: string, now = Math.floor(Date.now() / 1000)): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!match) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signatureHeader(secret, timestamp, body).slice(`t=${timestamp},v1=`.length), "hex");
  return timingSafeEqual(expected, Buffer.from(match[2], "hex"));
}

/** The delay before attempt `attempt` (2, 3, …). */
export function backoffDelay(options: Pick<WebhookOptions, "backoffMs" | "maxDelayMs">, attempt: number): number {
  return Math.min(options.backoffMs * 2 ** (attempt - 2), options.maxDelayMs ?? 60_000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One POST; resolves with undefined on a 2xx answer, else with why not. */
async function postOnce(options: WebhookOptions, alert: Alert, body: string): Promise<string | undefined> {
  try {
    const response = await fetch(options.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        [IDEMPOTENCY_HEADER]: alert.key,
        [SIGNATURE_HEADER]: signatureHeader(options.secret, Math.floor(Date.now() / 1000), body),
        "X-Rxtrace-Alert-Kind": alert.kind,
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? undefined : `HTTP ${response.status} ${response.statusText}`.trim();
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    return e.cause?.code ?? e.cause?.message ?? e.message;
  }
}

/**
 * Posts `alert` until the receiver answers 2xx or the attempts run out; returns undefined when delivered, else
 * the last failure. Each attempt is signed afresh (its own timestamp) and carries the same idempotency key.
 */
export async function postAlert(options: WebhookOptions, alert: Alert, log: (line: string) => void): Promise<string | undefined> {
  const body = JSON.stringify(alert);
  let failure: string | undefined;
  for (let attempt = 1; attempt <= Math.max(1, options.attempts); attempt++) {
    if (attempt > 1) {
      const delay = backoffDelay(options, attempt);
      log(`webhook: alert ${alert.key.slice(0, 12)}… (${alert.kind}) attempt ${attempt - 1} failed (${failure}); retrying in ${delay} ms`);
      await sleep(delay);
    }
    failure = await postOnce(options, alert, body);
    if (failure === undefined) return undefined;
  }
  return failure;
}
