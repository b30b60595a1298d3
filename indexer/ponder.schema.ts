/**
 * What the indexer keeps: every log of the suite as it was emitted (topics and data, with its block's time), so
 * that a client decodes it with the same ABI and rebuilds provenance with the same code as from `eth_getLogs`
 * (src/chain/events/indexer-source.ts). A shipment's state is read from its logs too (indexer/src/api/index.ts).
 * Ponder reverts the rows of a reorganised block.
 */
import { index, onchainTable } from "ponder";

export const rxLog = onchainTable(
  "rx_log",
  (t) => ({
    /** `<chainId>-<block>-<logIndex>`. */
    id: t.text().primaryKey(),
    chainId: t.integer().notNull(),
    address: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    blockTime: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
    transactionIndex: t.integer().notNull(),
    eventName: t.text().notNull(),
    topic0: t.hex().notNull(),
    topic1: t.hex(),
    topic2: t.hex(),
    topic3: t.hex(),
    data: t.hex().notNull(),
  }),
  (table) => ({
    byTopic1: index().on(table.topic1, table.topic0),
    byTopic2: index().on(table.topic2, table.topic0),
    byTopic3: index().on(table.topic3, table.topic0),
    byEvent: index().on(table.topic0, table.blockNumber),
  }),
);
