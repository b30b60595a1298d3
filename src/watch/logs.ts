/**
 * The one place `rx:watch` reads logs: every log of the contract in a block range the caller keeps bounded
 * (`--max-blocks` per poll), through the suite's chunked reader (src/chain/events/logs.ts), which adapts to a
 * provider's range and result limits. No progress line: the watcher's stdout carries alerts only.
 */
import type { Log, Provider } from "ethers";
import { scanLogs } from "../chain/events/logs";

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
