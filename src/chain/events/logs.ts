/**
 * Logs over a range-limited RPC, browser-safe (ethers only). Public providers cap `eth_getLogs` at a few
 * thousand blocks or 10,000 results per call ("block range too large, max: 3500", "query returned more than
 * 10000 results", "Log response size exceeded", -32005). `scanLogs` reads [fromBlock, toBlock] in chunks that
 * adapt to the provider: a range the provider suggests is taken as is, otherwise the chunk is halved; after a
 * run of successes it grows again (never back to a size refused for its block range). The chunk size is
 * remembered per provider, so the second scan of a command starts at the size that worked.
 *
 * Several filters of one contract are read in as few calls as possible: filters that differ only in their
 * event (topic 0) become one call with topic 0 = [their events] (`mergeFilters`). A scan reports its
 * progress (`onProgress`, or the reporter a command installed with `setScanReporter`), and a scan long
 * enough to matter says so once, with the way out: the indexer (RXTRACE_INDEXER_URL).
 */
import type { Log, Provider } from "ethers";

/** Topics of a log filter: per position, one value, any of several, or anything (null). */
export type Topics = Array<string | string[] | null>;

/** One `eth_getLogs` filter of a contract, without its block range. */
export interface LogFilter {
  address: string;
  topics: Topics;
}

/** Where a scan stands, for a progress line or a progress bar. */
export interface ScanProgress {
  fromBlock: number;
  toBlock: number;
  /** Blocks read so far (of `toBlock - fromBlock + 1`). */
  blocksDone: number;
  blocksTotal: number;
  /** `eth_getLogs` calls made (refused ones included) and the logs found. */
  requests: number;
  logs: number;
  /** The chunk size now, in blocks. */
  chunk: number;
  elapsedMs: number;
  finished: boolean;
  /** Set once, on a long scan: a sentence suggesting the indexer. */
  hint?: string;
}

export interface ScanOptions {
  fromBlock: number;
  /** Defaults to the latest block when the scan starts. */
  toBlock?: number;
  /** Read the newest chunk first (with `stop`, to find the latest occurrence quickly). */
  newestFirst?: boolean;
  /** Ends the scan early once it returns true for the logs found so far. */
  stop?: (found: readonly Log[]) => boolean;
  /** Progress, after every chunk; defaults to the reporter installed with `setScanReporter`. */
  onProgress?: (progress: ScanProgress) => void;
}

/** What a refusal of `eth_getLogs` says about the provider's limit. */
export interface LogLimit {
  /** "range": too many blocks; "results": too many logs or too large a response. */
  kind: "range" | "results";
  /** The largest range the provider said it accepts, when it said one. */
  maxBlocks?: number;
}

/** Tuning, read once per process; the defaults suit public providers and the in-process network alike. */
export const scanSettings = {
  /** The first chunk of a provider not yet seen (blocks). A provider that accepts less says so at once. */
  initialChunk: 50_000,
  /** Successes in a row before the chunk doubles again. */
  growAfter: 4,
  /** Successes after which a bound learnt from too many results is forgotten. */
  softFor: 32,
  /** Chunks asked at once (each is one call per merged filter). */
  parallel: 4,
  /** A scan expected to take more calls than this is "long": it says so once and suggests the indexer. */
  longScanRequests: 50,
};

let defaultReporter: ((progress: ScanProgress) => void) | undefined;

/** Where progress goes when a scan names no `onProgress` (the commands install a stderr line). */
export function setScanReporter(reporter: ((progress: ScanProgress) => void) | undefined): void {
  defaultReporter = reporter;
}

/** The sentence a long scan shows once. */
export function indexerHint(blocks: number, chunk: number): string {
  return (
    `reading ${blocks.toLocaleString("en-US")} blocks of history in chunks of ${chunk.toLocaleString("en-US")} (the RPC's limit): ` +
    `this takes a while; an indexer answers at once: run one (npm run indexer) and set RXTRACE_INDEXER_URL`
  );
}

interface ChunkState {
  chunk: number;
  /** The smallest chunk refused for its block range: the chunk never grows back to it. */
  ceiling: number;
  /** The smallest chunk refused for too many results lately: a bound while `sinceSoft` successes are fewer than `softFor`. */
  soft: number;
  sinceSoft: number;
  /** The largest chunk read without a refusal. */
  good: number;
  streak: number;
}

const states = new WeakMap<object, ChunkState>();

function stateOf(provider: Provider): ChunkState {
  let state = states.get(provider);
  if (!state) {
    state = { chunk: scanSettings.initialChunk, ceiling: Number.POSITIVE_INFINITY, soft: Number.POSITIVE_INFINITY, sinceSoft: 0, good: 0, streak: 0 };
    states.set(provider, state);
  }
  return state;
}

/** The chunk size a provider is read with now (blocks); for tests and the bench. */
export function chunkSizeOf(provider: Provider): number {
  return stateOf(provider).chunk;
}

/** Forgets what was learnt about a provider's limit (the next scan starts at `initialChunk`). */
export function resetChunkSize(provider: Provider): void {
  states.delete(provider);
}

/** The messages and codes of an error and of everything it wraps (ethers' `error`/`info`, Hardhat's `parent`, `cause`). */
function errorTexts(error: unknown): { messages: string[]; codes: unknown[] } {
  const messages: string[] = [];
  const codes: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (depth > 6 || e === null || e === undefined || seen.has(e)) return;
    if (typeof e === "string") {
      messages.push(e);
      return;
    }
    if (typeof e !== "object") return;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const key of ["message", "shortMessage", "body", "responseBody"]) if (typeof o[key] === "string") messages.push(o[key] as string);
    if (o.code !== undefined) codes.push(o.code);
    for (const key of ["error", "info", "cause", "parent", "data", "payload"]) if (key in o) visit(o[key], depth + 1);
  };
  visit(error, 0);
  return { messages, codes };
}

const RESULTS = /more than [\d,]+ results|too many (?:results|logs)|response size|response is too (?:big|large)|results? limit|max(?:imum)? results|exceeds? max results|returned too many/i;
const RANGE = /block range|range (?:is )?too (?:large|wide|big)|too (?:many|large a range of) blocks|exceed(?:s|ed)? (?:the )?max(?:imum)? (?:block )?range|limited to (?:a )?[\d,]+(?:\s*blocks?)? range|ranges? over [\d,]+ blocks|range (?:limit|exceeded)|max(?:imum)? (?:block )?range/i;
const NOT_A_LIMIT = /too many requests|rate limit|rate exceeded|requests per second|request count|capacity|credits/i;

function number(text: string): number {
  return Number(text.replace(/,/g, ""));
}

/**
 * The limit a refused `eth_getLogs` reveals, or undefined when the error is something else (a dropped
 * connection, a rate limit, a bad argument): those are not for the chunking to absorb.
 */
export function logLimitOf(error: unknown): LogLimit | undefined {
  const { messages, codes } = errorTexts(error);
  const text = messages.join(" | ");
  if (NOT_A_LIMIT.test(text)) return undefined;
  const results = RESULTS.test(text);
  const range = RANGE.test(text);
  if (!results && !range && !codes.includes(-32005)) return undefined;
  // -32005 with neither word is Infura's "limit exceeded": about the results, as its usual text says.
  const kind = results || !range ? "results" : "range";
  // A range the provider suggests: "[0x5f1a, 0x5f9c]" (Infura, Alchemy) or "retry with the range 100-200" (Erigon).
  const hex = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(text);
  const dec = /range\s+(\d+)\s*-\s*(\d+)/i.exec(text);
  const suggested = hex ? [Number(BigInt(hex[1])), Number(BigInt(hex[2]))] : dec ? [number(dec[1]), number(dec[2])] : undefined;
  if (suggested && suggested[1] >= suggested[0]) return { kind, maxBlocks: suggested[1] - suggested[0] + 1 };
  if (!results) {
    const stated =
      /max(?:imum)?(?: block)?(?: range)?(?: is| of| allowed)?\s*[:=]?\s*([\d,]+)/i.exec(text) ??
      /limited to (?:a )?([\d,]+)/i.exec(text) ??
      /ranges? over ([\d,]+)/i.exec(text);
    const n = stated ? number(stated[1]) : NaN;
    if (Number.isFinite(n) && n >= 1) return { kind, maxBlocks: n };
  }
  return { kind };
}

/** Adapts the chunk to a refusal of a `size`-block call. */
function shrink(state: ChunkState, limit: LogLimit, size: number): void {
  state.streak = 0;
  // A stated maximum counts only if it is smaller than what was refused (else it is not about this call).
  const stated = limit.maxBlocks !== undefined && limit.maxBlocks < size ? limit.maxBlocks : undefined;
  const bound = stated !== undefined ? stated + 1 : size;
  if (limit.kind === "range") {
    // The provider's range limit lies below `size`: exactly `stated` when it said so, else above the best size read.
    state.ceiling = Math.min(state.ceiling, bound);
    state.chunk = Math.max(1, stated ?? (state.good > 0 && state.good < size ? state.good : Math.floor(size / 2)));
  } else {
    // Too many results depends on how busy those blocks were: narrower for a while, free to grow again later.
    state.soft = Math.min(state.soft, bound);
    state.sinceSoft = 0;
    state.chunk = Math.max(1, stated ?? Math.floor(size / 2));
  }
}

/**
 * After `growAfter` successes in a row the chunk grows: doubling, or halfway to a known limit (not within 5 % of
 * it). A bound from too many results is forgotten after `softFor` successes: later blocks may be quieter.
 */
function grow(state: ChunkState, size: number): void {
  state.good = Math.max(state.good, size);
  if (++state.sinceSoft >= scanSettings.softFor) state.soft = Number.POSITIVE_INFINITY;
  if (size < state.chunk || ++state.streak < scanSettings.growAfter) return;
  state.streak = 0;
  const bound = Math.min(state.ceiling, state.soft);
  const target = Number.isFinite(bound) ? Math.floor((state.chunk + bound) / 2) : state.chunk * 2;
  if (target - state.chunk >= Math.max(1, state.chunk / 20)) state.chunk = Math.min(target, bound - 1);
}

/** Topics as a canonical string, for grouping filters and removing duplicate logs. */
function topicKey(topics: Topics): string {
  return JSON.stringify(topics.map((t) => (t === null ? null : Array.isArray(t) ? [...t].map((x) => x.toLowerCase()).sort() : t.toLowerCase())));
}

/**
 * Filters that differ only in topic 0 (their event) become one: topic 0 = [their events]. Trailing
 * "anything" positions are dropped first, so `Shipped(undefined, id)` and `Received(undefined, id)` meet.
 */
export function mergeFilters(filters: readonly LogFilter[]): LogFilter[] {
  const groups = new Map<string, { address: string; events: Set<string>; any: boolean; rest: Topics }>();
  for (const f of filters) {
    const topics = [...f.topics];
    while (topics.length > 1 && topics[topics.length - 1] === null) topics.pop();
    const rest = topics.slice(1);
    const key = `${f.address.toLowerCase()}|${topicKey(rest)}`;
    let group = groups.get(key);
    if (!group) {
      group = { address: f.address, events: new Set(), any: false, rest };
      groups.set(key, group);
    }
    const t0 = topics[0];
    if (t0 === null || t0 === undefined) group.any = true;
    else for (const t of Array.isArray(t0) ? t0 : [t0]) group.events.add(t.toLowerCase());
  }
  return [...groups.values()].map((g) => {
    const events = [...g.events];
    const first = g.any ? null : events.length === 1 ? events[0] : events;
    return { address: g.address, topics: g.rest.length === 0 && first === null ? [] : [first, ...g.rest] };
  });
}

/**
 * Every log of `filters` in [fromBlock, toBlock], in chain order (block, then log index), each once. The filters
 * are merged first (`mergeFilters`); each chunk is one call per merged filter.
 */
export async function scanLogs(provider: Provider, filters: readonly LogFilter[], options: ScanOptions): Promise<Log[]> {
  const merged = mergeFilters(filters);
  const toBlock = options.toBlock ?? (await provider.getBlockNumber());
  const fromBlock = Math.max(0, options.fromBlock);
  const report = options.onProgress ?? defaultReporter;
  const state = stateOf(provider);
  const started = Date.now();
  const total = Math.max(0, toBlock - fromBlock + 1);
  const found: Log[] = [];
  const seen = new Set<string>();
  let done = 0;
  let requests = 0;
  let hinted = false;
  // Oldest first: `low` is the next block to read; newest first: `high` is. Up to `parallel` chunks are asked
  // at once and taken in scan order; from the first refused one on, they are asked again at the narrower size.
  let low = fromBlock;
  let high = toBlock;
  let stopped = false;
  while (low <= high && merged.length > 0 && !stopped) {
    const ranges: Array<[number, number]> = [];
    // One chunk at a time until a size has worked (a refusal wastes one call per filter, not four chunks' worth).
    const window = state.good > 0 && state.streak > 0 ? scanSettings.parallel : 1;
    for (let l = low, h = high; ranges.length < window && l <= h; ) {
      const size = Math.min(state.chunk, h - l + 1);
      if (options.newestFirst) {
        ranges.push([h - size + 1, h]);
        h -= size;
      } else {
        ranges.push([l, l + size - 1]);
        l += size;
      }
    }
    requests += ranges.length * merged.length;
    const settled = await Promise.allSettled(
      ranges.map(([from, to]) => Promise.all(merged.map((f) => provider.getLogs({ address: f.address, topics: f.topics, fromBlock: from, toBlock: to })))),
    );
    for (let k = 0; k < ranges.length; k++) {
      const [from, to] = ranges[k];
      const size = to - from + 1;
      const result = settled[k];
      if (result.status === "rejected") {
        const limit = logLimitOf(result.reason);
        if (!limit || size === 1) throw result.reason;
        shrink(state, limit, size);
        break;
      }
      grow(state, size);
      for (const log of result.value.flat()) {
        const key = `${log.blockNumber}:${log.index}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push(log);
      }
      done += size;
      if (options.newestFirst) high = from - 1;
      else low = to + 1;
      if (report) {
        const expected = requests + Math.ceil((total - done) / state.chunk) * merged.length;
        // Long only because the provider limits the range or the results: a node that answers wide ranges is not.
        const limited = Number.isFinite(state.ceiling) || Number.isFinite(state.soft);
        const hint = !hinted && limited && expected > scanSettings.longScanRequests ? indexerHint(total, state.chunk) : undefined;
        if (hint) hinted = true;
        report({ fromBlock, toBlock, blocksDone: done, blocksTotal: total, requests, logs: found.length, chunk: state.chunk, elapsedMs: Date.now() - started, finished: false, ...(hint ? { hint } : {}) });
      }
      if (options.stop?.(found)) {
        stopped = true;
        break;
      }
    }
  }
  report?.({ fromBlock, toBlock, blocksDone: done, blocksTotal: total, requests, logs: found.length, chunk: state.chunk, elapsedMs: Date.now() - started, finished: true });
  found.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return found;
}
