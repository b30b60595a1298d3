/**
 * The one place `rx:watch` reads logs: every log of the contract in a block range the caller keeps bounded
 * (`--max-blocks` per poll). It is deliberately this small so that a reader that adapts to a provider's range and
 * result limits can take its place without touching the watcher.
 */
import type { Log, Provider } from "ethers";

export interface LogRange {
  address: string;
  fromBlock: number;
  toBlock: number;
}

/** Every log of `address` in [fromBlock, toBlock], oldest first. */
export async function fetchLogs(provider: Provider, range: LogRange): Promise<Log[]> {
  const logs = await provider.getLogs({ address: range.address, fromBlock: range.fromBlock, toBlock: range.toBlock });
  return [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}
