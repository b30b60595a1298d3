/**
 * JSON-RPC that survives a flaky connection, exactly once. On an HTTP network (localhost, amoy, polygon) every
 * command's requests go through `ReliableProvider`, placed by Hardhat's `extendProvider` right above the HTTP
 * transport, under Hardhat's own wrappers (local signing, gas, fees):
 *
 * - Reads (`eth_call`, `eth_getLogs`, `eth_getTransactionReceipt`, …) are retried with bounded exponential
 *   backoff on transport failures only: a timeout, a dropped connection, an HTTP 5xx page, a rate limit or a
 *   JSON-RPC -32603 without revert data. A contract revert or a bad argument is never retried.
 * - A transaction signed locally reaches us as `eth_sendRawTransaction`: its nonce is pinned in the signed
 *   bytes and its hash is known before sending. After a transport failure we first look the hash up; if the
 *   node has it (the response was lost), it is not sent again; if not, the SAME bytes are sent again, so at
 *   most one of the attempts can ever be mined. "already known" / "nonce too low" answers are settled by
 *   looking the hash up too.
 * - A transaction signed by the node (`eth_sendTransaction`, the unlocked accounts of `hardhat node`) gets an
 *   explicit nonce; after a transport failure the sender's nonce on-chain tells whether it landed (then the
 *   transaction is found by sender and nonce), otherwise it is sent again with the same nonce.
 *
 * What was retried is counted; `retrySummary()` words it for the command's last line.
 */
import { EventEmitter } from "node:events";
import { extendEnvironment, extendProvider } from "hardhat/config";
import { HardhatContext } from "hardhat/internal/context";
import type { EIP1193Provider, HardhatRuntimeEnvironment, RequestArguments } from "hardhat/types";
import { keccak256, Transaction } from "ethers";
import { logLimitOf } from "./events/logs";

/** Why a request failed in a way worth retrying; also the words of the summary. */
export type FaultKind = "timeout" | "dropped connection" | "refused connection" | "HTTP 5xx" | "rate limit" | "JSON-RPC -32603" | "invalid response";

export interface ReliableOptions {
  /** Attempts per request, the first included (RXTRACE_RPC_ATTEMPTS, default 6). */
  attempts: number;
  /** How long one attempt may take before it counts as a timeout (RXTRACE_RPC_TIMEOUT_MS, default 20 000). */
  timeoutMs: number;
  /** First backoff (RXTRACE_RPC_BACKOFF_MS, default 100); it doubles each attempt up to `maxBackoffMs` (±25 % jitter). */
  backoffMs: number;
  maxBackoffMs: number;
  /** Where "retrying (n/m)…" lines go (stderr by default), so a slow network is never silent. */
  warn?: (line: string) => void;
}

function positiveEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function optionsFromEnv(): ReliableOptions {
  return {
    attempts: Math.floor(positiveEnv("RXTRACE_RPC_ATTEMPTS", 6)),
    timeoutMs: positiveEnv("RXTRACE_RPC_TIMEOUT_MS", 20_000),
    backoffMs: positiveEnv("RXTRACE_RPC_BACKOFF_MS", 100),
    maxBackoffMs: 2_000,
  };
}

/** What the layer did, for the summary. */
export interface RetryStats {
  /** Failed attempts that were retried (or looked up), by kind; the keys are words such as "HTTP 502". */
  faults: Map<string, number>;
  /** Transactions whose send answer was lost although the node had them: found by hash, not sent again. */
  lostResponses: number;
  /** Transactions sent more than once (the same signed bytes, or the same nonce for node-signed ones). */
  resent: number;
  /** Per sender: its nonce at its first transaction here and the distinct transactions sent since. */
  senders: Map<string, { firstNonce: number; sent: Set<string> }>;
}

class RpcTimeout extends Error {
  constructor(method: string, ms: number) {
    super(`${method}: no answer within ${ms} ms`);
    this.name = "RpcTimeout";
  }
}

/** The error and the errors it wraps (`cause`, Hardhat's `parent`, ethers' `error`). */
function errorChain(error: unknown): Array<{ code?: unknown; message: string; data?: unknown; self: unknown }> {
  const chain: Array<{ code?: unknown; message: string; data?: unknown; self: unknown }> = [];
  let e: unknown = error;
  for (let depth = 0; depth < 6 && e && typeof e === "object"; depth++) {
    const o = e as { code?: unknown; message?: unknown; data?: unknown; cause?: unknown; parent?: unknown; error?: unknown };
    chain.push({ code: o.code, message: typeof o.message === "string" ? o.message : "", data: o.data, self: e });
    e = o.cause ?? o.parent ?? o.error;
  }
  return chain;
}

const REVERT_OR_INPUT = /revert|VM Exception|invalid opcode|out of gas|nonce|insufficient funds|already known|known transaction|underpriced|invalid argument|invalid params/i;

/** The kind of a transport failure worth retrying, or undefined (a revert, bad input, anything else). */
export function classifyFault(error: unknown): FaultKind | undefined {
  for (const { code, message, data, self } of errorChain(error)) {
    if (self instanceof RpcTimeout) return "timeout";
    if (typeof code === "string") {
      if (/^(UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT)$/.test(code)) return "timeout";
      if (/^(UND_ERR_SOCKET|UND_ERR_CLOSED|ECONNRESET|EPIPE|ECONNABORTED)$/.test(code)) return "dropped connection";
      if (code === "ECONNREFUSED") return "refused connection";
    }
    if (/other side closed|socket hang up|ECONNRESET/i.test(message)) return "dropped connection";
    if (/Invalid JSON-RPC response received/i.test(message)) return /\b5\d\d\b/.test(message) ? "HTTP 5xx" : "invalid response";
    if (code === -32005 || /Too Many Requests/i.test(message)) return "rate limit";
    if (code === -32603) {
      const hasRevertData = typeof data === "string" ? data.length > 2 : data !== undefined && data !== null;
      if (!hasRevertData && !REVERT_OR_INPUT.test(message)) return "JSON-RPC -32603";
    }
  }
  return undefined;
}

/** "HTTP 502" for a 5xx page (the status is in Hardhat's message), else the kind itself. */
function faultLabel(kind: FaultKind, error: unknown): string {
  if (kind !== "HTTP 5xx") return kind;
  for (const { message } of errorChain(error)) {
    const m = /\b(5\d\d)\b/.exec(message);
    if (m) return `HTTP ${m[1]}`;
  }
  return kind;
}

const ALREADY_THERE = /already known|known transaction|already imported|nonce too low|nonce has already been used|replacement transaction underpriced/i;

function alreadyThere(error: unknown): boolean {
  return errorChain(error).some(({ message }) => ALREADY_THERE.test(message));
}

function lastMessage(error: unknown): string {
  const chain = errorChain(error);
  return chain.length > 0 ? chain.map((c) => c.message).filter(Boolean).join(": ") : String(error);
}

/** Methods safe to send again: reads of the chain. Anything else (evm_*, hardhat_*, signing) is sent once. */
function isRead(method: string): boolean {
  if (method === "eth_sendRawTransaction" || method === "eth_sendTransaction") return false;
  if (/^eth_sign|^personal_|^eth_signTypedData/.test(method)) return false;
  return /^(eth_|net_|web3_)/.test(method);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The EIP-1193 layer; `extendProvider` puts it right above Hardhat's HTTP provider. */
export class ReliableProvider extends EventEmitter implements EIP1193Provider {
  readonly stats: RetryStats = { faults: new Map(), lostResponses: 0, resent: 0, senders: new Map() };

  constructor(
    private readonly inner: EIP1193Provider,
    readonly options: ReliableOptions = optionsFromEnv(),
  ) {
    super();
  }

  async request(args: RequestArguments): Promise<unknown> {
    const params = Array.isArray(args.params) ? (args.params as unknown[]) : [];
    if (args.method === "eth_sendRawTransaction" && typeof params[0] === "string") return this.sendRaw(params[0]);
    if (args.method === "eth_sendTransaction" && params[0] && typeof params[0] === "object") {
      return this.sendNodeSigned(params[0] as Record<string, unknown>, params.slice(1));
    }
    if (isRead(args.method)) return this.read(args.method, params);
    // Sent once, but never waited for without end (hardhat_metadata, evm_*, signing on the node).
    return this.attempt(args.method, params);
  }

  /** Says on stderr that a request failed and is tried again: attempt `attempt` of `attempts`. */
  private retrying(what: string, kind: FaultKind, attempt: number): void {
    const warn = this.options.warn ?? ((line: string) => console.error(line));
    warn(`${what}: ${kind}; retrying (${attempt}/${this.options.attempts - 1})…`);
  }

  /** How the user bounds the retries, for messages when they are exhausted. */
  private bound(): string {
    return `RXTRACE_RPC_ATTEMPTS=${this.options.attempts}, RXTRACE_RPC_TIMEOUT_MS=${this.options.timeoutMs}`;
  }

  /** One attempt, bounded by the timeout (a late answer is ignored). */
  private async attempt(method: string, params: unknown[]): Promise<unknown> {
    const pending = this.inner.request({ method, params });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RpcTimeout(method, this.options.timeoutMs)), this.options.timeoutMs);
    });
    pending.catch(() => undefined);
    try {
      return await Promise.race([pending, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private count(kind: FaultKind, error: unknown): void {
    const label = faultLabel(kind, error);
    this.stats.faults.set(label, (this.stats.faults.get(label) ?? 0) + 1);
  }

  private backoff(attempt: number): Promise<void> {
    const base = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
    return sleep(base * (0.75 + Math.random() / 2));
  }

  /** A read, retried on transport failures; anything else is thrown at once. */
  async read(method: string, params: unknown[]): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, params);
      } catch (error) {
        // A provider's limit on eth_getLogs (-32005 "query returned more than 10000 results", …) is an answer, not a
        // fault: the chunked reader (events/logs.ts) narrows the range instead of sending the same request again.
        if (method === "eth_getLogs" && logLimitOf(error)) throw error;
        const kind = classifyFault(error);
        if (kind === undefined) throw error;
        this.count(kind, error);
        if (attempt >= this.options.attempts) {
          throw new Error(
            `JSON-RPC ${method} failed ${attempt} times (last: ${kind}: ${lastMessage(error)}); the node or the connection is unavailable, ` +
              `run the command again (the bound is ${this.bound()})`,
            { cause: error },
          );
        }
        this.retrying(`JSON-RPC ${method}`, kind, attempt);
        await this.backoff(attempt);
      }
    }
  }

  private noteSent(from: string, nonce: number, hash: string): void {
    const key = from.toLowerCase();
    let entry = this.stats.senders.get(key);
    if (!entry) {
      entry = { firstNonce: nonce, sent: new Set() };
      this.stats.senders.set(key, entry);
    }
    entry.firstNonce = Math.min(entry.firstNonce, nonce);
    entry.sent.add(hash);
  }

  /** A locally signed transaction: the same bytes until the node has them, never a second transaction. */
  async sendRaw(raw: string): Promise<string> {
    const hash = keccak256(raw);
    const tx = Transaction.from(raw);
    if (tx.from) this.noteSent(tx.from, tx.nonce, hash);
    let failedBefore = false;
    for (let attempt = 1; ; attempt++) {
      if (attempt === 2) this.stats.resent++;
      try {
        const answer = await this.attempt("eth_sendRawTransaction", [raw]);
        return typeof answer === "string" ? answer : hash;
      } catch (error) {
        const kind = classifyFault(error);
        if (kind === undefined && !alreadyThere(error)) throw error;
        if (kind !== undefined) this.count(kind, error);
        // Did it reach the node although we got no answer? Then it must not be sent again.
        const known = await this.read("eth_getTransactionByHash", [hash]);
        if (known) {
          if (kind !== undefined || failedBefore) this.stats.lostResponses++;
          return hash;
        }
        if (kind === undefined) {
          throw new Error(`transaction ${hash} (nonce ${tx.nonce} of ${tx.from}) was refused: ${lastMessage(error)}; another transaction used that nonce`, {
            cause: error,
          });
        }
        failedBefore = true;
        if (attempt >= this.options.attempts) {
          throw new Error(
            `transaction ${hash} (nonce ${tx.nonce} of ${tx.from}) could not be sent after ${attempt} attempts (last: ${kind}); ` +
              `it is not on the node: run the command again (the bound is ${this.bound()})`,
            { cause: error },
          );
        }
        this.retrying(`sending transaction ${hash}`, kind, attempt);
        await this.backoff(attempt);
      }
    }
  }

  /** The transaction of `from` with `nonce`, searched in the pending block and the latest blocks. */
  private async findByNonce(from: string, nonce: number, depth = 64): Promise<string | undefined> {
    type RpcTx = { from?: string; nonce?: string; hash?: string };
    const match = (txs: unknown): string | undefined =>
      (Array.isArray(txs) ? (txs as RpcTx[]) : []).find((t) => t.from?.toLowerCase() === from.toLowerCase() && Number(t.nonce) === nonce)?.hash;
    const pending = (await this.read("eth_getBlockByNumber", ["pending", true])) as { transactions?: unknown } | null;
    const inPending = match(pending?.transactions);
    if (inPending) return inPending;
    const latest = Number(await this.read("eth_blockNumber", []));
    for (let n = latest; n >= 0 && n > latest - depth; n--) {
      const block = (await this.read("eth_getBlockByNumber", ["0x" + n.toString(16), true])) as { transactions?: unknown } | null;
      const hash = match(block?.transactions);
      if (hash) return hash;
    }
    return undefined;
  }

  /** A transaction the node signs: an explicit nonce, and after a lost answer the nonce says whether it landed. */
  async sendNodeSigned(tx: Record<string, unknown>, rest: unknown[]): Promise<string> {
    const from = String(tx.from ?? "");
    const pinned = tx.nonce !== undefined ? tx.nonce : await this.read("eth_getTransactionCount", [from, "pending"]);
    const nonce = Number(pinned);
    const request = { ...tx, nonce: "0x" + nonce.toString(16) };
    let failedBefore = false;
    for (let attempt = 1; ; attempt++) {
      if (attempt === 2) this.stats.resent++;
      try {
        const hash = String(await this.attempt("eth_sendTransaction", [request, ...rest]));
        if (from) this.noteSent(from, nonce, hash);
        return hash;
      } catch (error) {
        const kind = classifyFault(error);
        if (kind === undefined && !(failedBefore && alreadyThere(error))) throw error;
        if (kind !== undefined) this.count(kind, error);
        const next = Number(await this.read("eth_getTransactionCount", [from, "pending"]));
        if (next > nonce) {
          const hash = await this.findByNonce(from, nonce);
          if (!hash) throw new Error(`the nonce ${nonce} of ${from} was used, but its transaction is not in the latest blocks: check the account before running again`, { cause: error });
          this.noteSent(from, nonce, hash);
          this.stats.lostResponses++;
          return hash;
        }
        failedBefore = true;
        if (kind === undefined || attempt >= this.options.attempts) {
          throw new Error(
            `the transaction of ${from} with nonce ${nonce} could not be sent after ${attempt} attempts (last: ${lastMessage(error)}); ` +
              `it is not on the node: run the command again (the bound is ${this.bound()})`,
            { cause: error },
          );
        }
        this.retrying(`sending the transaction of ${from} with nonce ${nonce}`, kind, attempt);
        await this.backoff(attempt);
      }
    }
  }
}

let current: ReliableProvider | undefined;

/** The layer of this process's network, once a request has created it (undefined on the in-process network). */
export function currentReliableProvider(): ReliableProvider | undefined {
  return current;
}

/** Puts the layer under the selected network's provider when it is an HTTP network (not the in-process one). */
export function installReliableRpc(hre: HardhatRuntimeEnvironment): boolean {
  if (!("url" in hre.network.config) || process.env.RXTRACE_RPC_RELIABLE === "off") return false;
  extendProvider((provider) => {
    current = new ReliableProvider(provider);
    return current;
  });
  return true;
}

/**
 * Registers the layer with Hardhat (called while the config loads, as plugins do). Only HTTP networks get it:
 * the in-process network's provider stays exactly as Hardhat builds it.
 */
export function registerReliableRpc(): void {
  if (!HardhatContext.isCreated()) return;
  extendEnvironment((hre) => {
    installReliableRpc(hre);
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
}

/**
 * "retried: 7 requests (3 timeouts, 2 HTTP 502, 2 dropped connections); 1 lost response (found on-chain, not
 * sent again); resent 1 transaction, 0 duplicates", or undefined when nothing was retried. The duplicates are
 * counted on the chain: each sender's nonce must have moved by exactly the transactions sent here.
 */
export async function retrySummary(layer: ReliableProvider | undefined = current): Promise<string | undefined> {
  if (!layer) return undefined;
  const { faults, lostResponses, resent, senders } = layer.stats;
  const total = [...faults.values()].reduce((a, b) => a + b, 0);
  if (total === 0 && lostResponses === 0 && resent === 0) return undefined;
  const kinds = [...faults.entries()].sort((a, b) => b[1] - a[1]).map(([kind, n]) => (kind.startsWith("HTTP") || kind.startsWith("JSON") ? `${n} ${kind}` : plural(n, kind)));
  let duplicates = 0;
  let checked = true;
  for (const [from, { firstNonce, sent }] of senders) {
    try {
      const now = Number(await layer.read("eth_getTransactionCount", [from, "latest"]));
      duplicates += Math.max(0, now - firstNonce - sent.size);
    } catch {
      checked = false;
    }
  }
  // Only what happened: no "0 lost responses (transaction found on-chain…)" when nothing was sent or lost.
  const parts = [`retried: ${plural(total, "request")}${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}`];
  if (lostResponses > 0) parts.push(`${plural(lostResponses, "lost response")} (transaction found on-chain, not sent again)`);
  if (senders.size > 0 || resent > 0) {
    parts.push(`resent ${plural(resent, "transaction")}, ${checked ? plural(duplicates, "duplicate") : "duplicates not checked (the node did not answer)"}`);
  }
  return parts.join("; ");
}
