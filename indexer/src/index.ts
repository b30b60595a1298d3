/**
 * The indexing functions: every event of the suite is kept as its raw log (topics, data, position, block time).
 * Nothing is updated afterwards: a row is inserted once, and removed only by Ponder on a reorganisation.
 */
import { ponder } from "ponder:registry";
import { rxLog } from "ponder:schema";
import type { Hex } from "viem";
import { eventNames } from "../abi";

interface RawEvent {
  log: { address: Hex; data: Hex; logIndex: number; topics: Hex[] };
  block: { number: bigint; hash: Hex; timestamp: bigint };
  transaction: { hash: Hex; transactionIndex: number };
}
interface Context {
  chain: { id: number };
  db: {
    insert: (table: typeof rxLog) => { values: (row: Record<string, unknown>) => Promise<unknown> };
  };
}
type On = (name: string, handler: (input: { event: RawEvent; context: Context }) => Promise<void>) => void;

for (const name of eventNames) {
  (ponder.on as unknown as On)(`RxTrace:${name}`, async ({ event, context }) => {
    const { log, block, transaction } = event;
    const chainId = context.chain.id;
    const [topic0, topic1, topic2, topic3] = log.topics;
    await context.db.insert(rxLog).values({
      id: `${chainId}-${block.number}-${log.logIndex}`,
      chainId,
      address: log.address.toLowerCase(),
      blockNumber: block.number,
      blockHash: block.hash,
      blockTime: block.timestamp,
      logIndex: log.logIndex,
      transactionHash: transaction.hash,
      transactionIndex: transaction.transactionIndex,
      eventName: name,
      topic0: topic0!,
      topic1: topic1 ?? null,
      topic2: topic2 ?? null,
      topic3: topic3 ?? null,
      data: log.data,
    });
  });
}
