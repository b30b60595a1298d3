/**
 * A contract's events through the chunked log reader (logs.ts), decoded as `queryFilter` decodes them, browser-safe.
 * Every read of the suite's history goes through here, so a range-limited RPC is handled in one place.
 */
import { EventLog, Log, type BaseContract, type DeferredTopicFilter, type EventFragment, type Interface } from "ethers";
import type { TypedContractEvent, TypedDeferredTopicFilter, TypedEventLog } from "../../../typechain-types/common";
import { mergeFilters, scanLogs, type LogFilter, type ScanProgress } from "./logs";
import { indexerOf } from "./indexer-source";
import type { RxTrace } from "../../../typechain-types";

export interface EventScan {
  /** The first block to read: the deployment record's block (`contracts.RxTrace.blockNumber`). */
  fromBlock?: number;
  toBlock?: number;
  /** Newest chunk first; with `first`, the scan ends at the newest chunk holding a match. */
  newestFirst?: boolean;
  /** End the scan at the first chunk that holds a match. */
  first?: boolean;
  onProgress?: (progress: ScanProgress) => void;
}

const fragmentsByTopic = new WeakMap<Interface, Map<string, EventFragment>>();

/**
 * The event of a log's topic 0 in `iface`, from a table built once per interface. ethers' own `getEvent(topic)`
 * hashes the signature of every event of the ABI on each call: for the suite's 39 events that was most of the
 * time a verification of a lot with thousands of events took.
 */
export function eventFragmentOf(iface: Interface, topic0: string | undefined): EventFragment | undefined {
  let table = fragmentsByTopic.get(iface);
  if (!table) {
    const events = new Map<string, EventFragment>();
    iface.forEachEvent((fragment) => events.set(fragment.topicHash, fragment));
    fragmentsByTopic.set(iface, events);
    table = events;
  }
  return topic0 === undefined ? undefined : table.get(topic0.toLowerCase());
}

function providerOf(contract: BaseContract) {
  const provider = contract.runner?.provider;
  if (!provider) throw new Error("the contract has no provider to read events from");
  return provider;
}

/** The logs of `filters` as the indexer keeps them, each once, in chain order, in one request (`scan.first`/`newestFirst` need no chunks). */
async function indexedLogs(contract: BaseContract, indexer: NonNullable<ReturnType<typeof indexerOf>>, filters: readonly LogFilter[], scan: EventScan): Promise<Log[]> {
  const provider = contract.runner?.provider ?? null;
  const found = await indexer.logsOfAny(mergeFilters(filters), { fromBlock: scan.fromBlock ?? 0, ...(scan.toBlock !== undefined ? { toBlock: scan.toBlock } : {}) });
  return found.map((l) => new Log({ ...l, removed: false }, provider!));
}

/** The logs of several event filters of one contract, merged into as few calls per chunk as they allow, decoded, in chain order. */
export async function queryEvents(contract: BaseContract, filters: readonly DeferredTopicFilter[], scan: EventScan = {}): Promise<EventLog[]> {
  const address = await contract.getAddress();
  const logFilters: LogFilter[] = await Promise.all(filters.map(async (f) => ({ address, topics: await f.getTopicFilter() })));
  // Bound to the indexer (`useIndexer`), one query per merged filter covers the whole history, no chunks.
  const indexer = indexerOf(contract as unknown as RxTrace);
  const logs: Log[] = indexer
    ? await indexedLogs(contract, indexer, logFilters, scan)
    : await scanLogs(providerOf(contract), logFilters, {
    fromBlock: scan.fromBlock ?? 0,
    ...(scan.toBlock !== undefined ? { toBlock: scan.toBlock } : {}),
    ...(scan.newestFirst ? { newestFirst: true } : {}),
    ...(scan.first ? { stop: (found: readonly Log[]) => found.length > 0 } : {}),
    ...(scan.onProgress ? { onProgress: scan.onProgress } : {}),
  });
  const decoded: EventLog[] = [];
  for (const log of logs) {
    const fragment = eventFragmentOf(contract.interface, log.topics[0]);
    if (fragment) decoded.push(new EventLog(log, contract.interface, fragment));
  }
  return decoded;
}

/** The logs of one typed event filter (typechain), chunked and decoded. */
export async function queryEvent<E extends TypedContractEvent>(
  contract: BaseContract,
  filter: TypedDeferredTopicFilter<E>,
  scan: EventScan = {},
): Promise<TypedEventLog<E>[]> {
  return (await queryEvents(contract, [filter], scan)) as unknown as TypedEventLog<E>[];
}
