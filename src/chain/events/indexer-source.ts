/**
 * Reading the suite's events from the indexer (indexer/, Ponder) instead of `eth_getLogs`, browser-safe (fetch
 * only). The indexer keeps every log as emitted (topics, data, position); this module asks for the logs an
 * `eth_getLogs` filter would return and decodes them with the contract's own interface into ethers `EventLog`s,
 * so provenance, verdicts and custody are rebuilt by exactly the same code whichever way the logs came.
 *
 * A contract bound to an indexer (`useIndexer`) reads through it wherever the library reads events (`queryEvents`
 * in query.ts); an unbound one reads the chain in chunks.
 */
import type { TopicFilter } from "ethers";
import type { RxTrace } from "../../../typechain-types";

/** A log as the indexer returns it: the `eth_getLogs` fields and its block's time. */
export interface IndexedLog {
  address: string;
  blockNumber: number;
  blockHash: string;
  blockTime: number;
  index: number;
  transactionHash: string;
  transactionIndex: number;
  topics: string[];
  data: string;
}

/** One `eth_getLogs`-style filter, without its block range. */
export interface IndexerFilter {
  address: string | string[];
  topics?: TopicFilter;
}

/** A shipment as the indexer keeps it. */
export interface IndexedShipment {
  id: string;
  batchId: string;
  sender: string;
  receiver: string;
  quantity: string;
  status: "in-transit" | "received" | "rejected" | "cancelled";
  shippedBlock: number;
  settledBlock: number | null;
}

/** The indexer could not answer: which URL, and what happened. */
export class IndexerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexerError";
  }
}

/** Attempts of a request whose connection fails. */
const RETRIES = 4;

/** The indexer answers for another chain than the one asked about. */
export class IndexerChainError extends IndexerError {}

type Fetch = (input: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

/** The indexer's HTTP API (indexer/src/api/index.ts) and a cache of the block times it reported. */
export class IndexerSource {
  readonly url: string;
  private readonly fetch: Fetch;
  private readonly times = new Map<number, number>();

  constructor(url: string, fetchImpl?: Fetch) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new IndexerError(`indexer URL ${JSON.stringify(url)}: expected an http(s) URL such as http://127.0.0.1:42069`);
    this.url = url.replace(/\/+$/, "");
    // Called as a function of its own, not as `this.fetch(...)`: a browser's fetch refuses any `this` but the window
    // ("Illegal invocation").
    this.fetch = fetchImpl ?? ((input, init) => (globalThis.fetch as unknown as Fetch)(input, init));
  }

  private async request<T>(path: string, body?: unknown): Promise<T> {
    let response;
    // Every request only reads: one that a server dropped (a keep-alive connection closed under it) is sent again.
    for (let attempt = 1; ; attempt++) {
      try {
        response = await this.fetch(`${this.url}${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        break;
      } catch (error) {
        if (attempt >= RETRIES) {
          throw new IndexerError(`the indexer at ${this.url} does not answer (${(error as Error).message}): start it with \`npm run indexer\` or unset RXTRACE_INDEXER_URL`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    if (!response.ok) throw new IndexerError(`the indexer at ${this.url} answered ${path} with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return (await response.json()) as T;
  }

  /** The logs matching an `eth_getLogs` filter, oldest first (every page of them). */
  async logs(filter: IndexerFilter & { fromBlock?: number; toBlock?: number }): Promise<IndexedLog[]> {
    return this.pages({ address: filter.address, topics: filter.topics ?? [], fromBlock: filter.fromBlock, toBlock: filter.toBlock });
  }

  /**
   * The logs matching any of `filters`, each once, oldest first, in one request per 10,000 logs: a verification's
   * four filters (the batch's events by topic 1 and by topic 2, the partners, the pack's dispensing) in one round trip.
   */
  async logsOfAny(filters: readonly IndexerFilter[], range: { fromBlock?: number; toBlock?: number } = {}): Promise<IndexedLog[]> {
    if (filters.length === 0) return [];
    return this.pages({ filters: filters.map((f) => ({ address: f.address, topics: f.topics ?? [] })), fromBlock: range.fromBlock, toBlock: range.toBlock });
  }

  private async pages(body: Record<string, unknown>): Promise<IndexedLog[]> {
    const found: IndexedLog[] = [];
    let after: [number, number] | undefined;
    for (;;) {
      const page = await this.request<{ logs: IndexedLog[]; more: boolean }>("/rx/logs", { ...body, after });
      for (const log of page.logs) this.times.set(log.blockNumber, log.blockTime);
      found.push(...page.logs);
      const last = page.logs[page.logs.length - 1];
      if (!page.more || !last) return found;
      after = [last.blockNumber, last.index];
    }
  }

  /** Shipments by state, receiver, sender or batch. */
  async shipments(query: { status?: IndexedShipment["status"]; receiver?: string; sender?: string; batchId?: string }): Promise<IndexedShipment[]> {
    const params = Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v).toLowerCase())}`)
      .join("&");
    return (await this.request<{ shipments: IndexedShipment[] }>(`/rx/shipments${params ? `?${params}` : ""}`)).shipments;
  }

  /**
   * The latest block the indexer has indexed on chain `chainId` (Ponder's `/status`), or undefined while it starts;
   * an indexer of another chain is an error.
   */
  async indexedBlock(chainId: number): Promise<number | undefined> {
    const status = await this.request<Record<string, { id: number; block?: { number: number } | null }>>("/status");
    const chains = Object.values(status);
    const chain = chains.find((c) => c.id === chainId);
    if (chains.length === 0) return undefined; // still starting
    if (!chain) throw new IndexerChainError(`the indexer at ${this.url} indexes chain ${chains.map((c) => c.id).join(", ")}, not chain ${chainId}`);
    return chain.block?.number ?? undefined;
  }

  /** The time of a block the indexer has reported a log of. */
  blockTime(block: number): number | undefined {
    return this.times.get(block);
  }
}

const bound = new WeakMap<object, IndexerSource>();

/** Makes the library read `rx`'s events through the indexer (see `queryEvents` in query.ts); returns `rx`. */
export function useIndexer<T extends RxTrace>(rx: T, source: IndexerSource): T {
  bound.set(rx, source);
  return rx;
}

/** The indexer `rx` reads through, if any. */
export function indexerOf(rx: RxTrace): IndexerSource | undefined {
  return bound.get(rx);
}
