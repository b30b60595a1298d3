/**
 * The indexing functions: every event of the suite is kept as its raw log (topics, data, position, block time);
 * shipments also keep their state, settled by `Received`, `Rejected` or `ShipmentCancelled`.
 */
import { ponder } from "ponder:registry";
import { rxLog, shipment } from "ponder:schema";
import type { Hex } from "viem";
import { eventNames } from "../abi";

interface RawEvent {
  args: Record<string, unknown>;
  log: { address: Hex; data: Hex; logIndex: number; topics: Hex[] };
  block: { number: bigint; hash: Hex; timestamp: bigint };
  transaction: { hash: Hex; transactionIndex: number };
}
interface Context {
  chain: { id: number };
  db: {
    insert: (table: typeof rxLog | typeof shipment) => { values: (row: Record<string, unknown>) => Promise<unknown> };
    update: (table: typeof shipment, key: { id: Hex }) => { set: (row: Record<string, unknown>) => Promise<unknown> };
    find: (table: typeof shipment, key: { id: Hex }) => Promise<unknown>;
  };
}
type On = (name: string, handler: (input: { event: RawEvent; context: Context }) => Promise<void>) => void;

const SETTLED: Record<string, string> = { Received: "received", Rejected: "rejected", ShipmentCancelled: "cancelled" };

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
    const a = event.args;
    if (name === "Shipped") {
      await context.db.insert(shipment).values({
        id: a.shipmentId as Hex,
        chainId,
        address: log.address.toLowerCase(),
        batchId: a.batchId as Hex,
        sender: (a.sender as Hex).toLowerCase(),
        receiver: (a.receiver as Hex).toLowerCase(),
        quantity: a.quantity as bigint,
        status: "in-transit",
        shippedBlock: block.number,
      });
    } else if (SETTLED[name] && (await context.db.find(shipment, { id: a.shipmentId as Hex }))) {
      await context.db.update(shipment, { id: a.shipmentId as Hex }).set({ status: SETTLED[name], settledBlock: block.number });
    }
  });
}
