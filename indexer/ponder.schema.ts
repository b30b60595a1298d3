/**
 * What the indexer keeps: every log of the suite as it was emitted (topics and data, with its block's time), so
 * that a client decodes it with the same ABI and rebuilds provenance with the same code as from `eth_getLogs`
 * (src/chain/events/indexer-source.ts); and each shipment's state, to list what is in transit without a call per
 * shipment. Ponder reverts both on a reorganisation.
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

export const shipment = onchainTable(
  "shipment",
  (t) => ({
    /** The shipment's id (`Shipped.shipmentId`). */
    id: t.hex().primaryKey(),
    chainId: t.integer().notNull(),
    address: t.hex().notNull(),
    batchId: t.hex().notNull(),
    sender: t.hex().notNull(),
    receiver: t.hex().notNull(),
    quantity: t.bigint().notNull(),
    /** in-transit, received, rejected or cancelled. */
    status: t.text().notNull(),
    shippedBlock: t.bigint().notNull(),
    settledBlock: t.bigint(),
  }),
  (table) => ({
    byReceiver: index().on(table.receiver, table.status),
    bySender: index().on(table.sender, table.status),
    byBatch: index().on(table.batchId, table.status),
  }),
);
