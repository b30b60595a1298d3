/**
 * Where `rx:watch` reads logs: every log of the contract in a block range the caller keeps bounded, from the chain
 * through the suite's chunked reader (src/chain/events/logs.ts, which adapts to a provider's range and result
 * limits), or from the indexer (indexer/, RXTRACE_INDEXER_URL), each of its logs checked against the node's
 * canonical chain first. No progress line: the watcher's stdout carries alerts only.
 */
import { Log, type Provider } from "ethers";
import { scanLogs } from "../chain/events/logs";
import type { IndexerSource } from "../chain/events/indexer-source";

export interface LogRange {
  address: string;
  fromBlock: number;
  toBlock: number;
}

/** Every log of `address` in [fromBlock, toBlock], oldest first. */
export async function fetchLogs(provider: Provider, range: LogRange): Promise<Log[]> {
  // scanLogs returns them in chain order (block, then log index).
  return scanLogs(provider, [{ address: range.address, topics: [] }], {
    fromBlock: range.fromBlock,
    toBlock: range.toBlock,
    onProgress: () => undefined,
  });
}

/** The indexer holds a block the node does not (a reorganisation it has not followed yet): read again later. */
export class IndexerBehindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexerBehindError";
  }
}

/**
 * Every log of `address` in [fromBlock, toBlock] as the indexer keeps it, oldest first. The range must be final on
 * the node and indexed; the block of every log is then compared with the node's block of that number, so that a row
 * of a block the indexer has not yet seen reorganised away never raises an alert (IndexerBehindError instead).
 */
export async function fetchIndexedLogs(indexer: IndexerSource, provider: Provider, range: LogRange): Promise<Log[]> {
  const found = await indexer.logs({ address: range.address, fromBlock: range.fromBlock, toBlock: range.toBlock });
  const hashes = new Map<number, string>();
  const blocks = [...new Set(found.map((l) => l.blockNumber))];
  // A few dozen at a time (one JSON-RPC batch), not one round trip per block.
  for (let i = 0; i < blocks.length; i += 20) {
    const slice = blocks.slice(i, i + 20);
    const got = await Promise.all(slice.map((n) => provider.getBlock(n)));
    slice.forEach((n, k) => hashes.set(n, got[k]?.hash?.toLowerCase() ?? ""));
  }
  for (const l of found) {
    if (hashes.get(l.blockNumber) !== l.blockHash.toLowerCase()) {
      throw new IndexerBehindError(
        `the indexer at ${indexer.url} has block ${l.blockNumber} as ${l.blockHash}, the node as ${hashes.get(l.blockNumber) || "(none)"}: it has not followed a reorganisation yet`,
      );
    }
  }
  return found.map((l) => new Log({ ...l, removed: false }, provider));
}
