/**
 * The indexer's HTTP API, on Ponder's own server (Hono). Besides Ponder's `/health`, `/ready` and `/status`:
 *
 * - `POST /rx/logs`: the logs of the suite matching an `eth_getLogs`-style filter
 *   (`{address?, topics?, fromBlock?, toBlock?}`), or any of several (`{filters: [{address?, topics?}], …}`), oldest
 *   first, each once, with its block's time;
 * - `GET /rx/shipments?status=&receiver=&sender=&batchId=`: shipments and their state, from their logs;
 * - `/graphql` and `/sql/*` (Ponder's GraphQL and SQL-over-HTTP) over the same table.
 *
 * Clients: src/chain/events/indexer-source.ts (commands and the page). CORS is open: the page reads it from a browser.
 */
import { db } from "ponder:api";
import schema, { rxLog } from "ponder:schema";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { and, asc, eq, gt, gte, inArray, lte, or } from "ponder";

type SQL = ReturnType<typeof eq>;
import { client, graphql } from "ponder";

const app = new Hono();
app.use("*", cors());
app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** The most logs one answer carries; a client asks again from the block after the last one. */
const PAGE = 10_000;

class BadRequest extends Error {}

function hexList(value: unknown, pattern: RegExp, field: string): `0x${string}`[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== "string" || !pattern.test(item)) throw new BadRequest(`${field}: ${JSON.stringify(item)} is not ${pattern === ADDRESS ? "an address" : "a 32-byte hex value"}`);
  }
  return list.map((item: string) => item.toLowerCase() as `0x${string}`);
}

function blockOf(value: unknown, field: string): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new BadRequest(`${field}: ${JSON.stringify(value)} is not a block number`);
  return BigInt(value);
}

/** The SQL condition of one `eth_getLogs`-style filter (`{address?, topics?}`); `field` names it in errors. */
function filterCondition(filter: { address?: unknown; topics?: unknown }, field: string): SQL | undefined {
  const conditions: SQL[] = [];
  const addresses = hexList(filter.address, ADDRESS, `${field}address`);
  if (addresses) conditions.push(inArray(rxLog.address, addresses));
  const columns = [rxLog.topic0, rxLog.topic1, rxLog.topic2, rxLog.topic3] as const;
  if (filter.topics !== undefined && !Array.isArray(filter.topics)) throw new BadRequest(`${field}topics: expected an array`);
  ((filter.topics as unknown[] | undefined) ?? []).forEach((topic, i) => {
    if (i > 3) throw new BadRequest(`${field}topics: at most 4`);
    const values = hexList(topic, HEX32, `${field}topics[${i}]`);
    if (values) conditions.push(values.length === 1 ? eq(columns[i]!, values[0]!) : inArray(columns[i]!, values));
  });
  return conditions.length === 0 ? undefined : and(...conditions);
}

/** The most filters one request may join (a verification asks for four). */
const MAX_FILTERS = 32;

app.post("/rx/logs", async (c) => {
  try {
    const body = (await c.req.json()) as { address?: unknown; topics?: unknown[]; filters?: unknown; fromBlock?: unknown; toBlock?: unknown; after?: unknown };
    const conditions: SQL[] = [];
    if (body.filters !== undefined) {
      // Several filters at once, each log once: what a verification needs in one round trip.
      if (!Array.isArray(body.filters) || body.filters.length === 0 || body.filters.length > MAX_FILTERS) {
        throw new BadRequest(`filters: expected a list of 1 to ${MAX_FILTERS} filters {address?, topics?}`);
      }
      if (body.address !== undefined || body.topics !== undefined) throw new BadRequest("filters: give either filters or address and topics, not both");
      const each = body.filters.map((f: unknown, i: number) => {
        if (typeof f !== "object" || f === null) throw new BadRequest(`filters[${i}]: ${JSON.stringify(f)} is not a filter {address?, topics?}`);
        return filterCondition(f as { address?: unknown; topics?: unknown }, `filters[${i}].`);
      });
      // A filter without conditions matches every log: the others add nothing.
      if (each.every((e) => e !== undefined)) conditions.push(each.length === 1 ? each[0]! : or(...each)!);
    } else {
      const single = filterCondition(body, "");
      if (single) conditions.push(single);
    }
    const from = blockOf(body.fromBlock, "fromBlock");
    const to = blockOf(body.toBlock, "toBlock");
    if (from !== undefined) conditions.push(gte(rxLog.blockNumber, from));
    if (to !== undefined) conditions.push(lte(rxLog.blockNumber, to));
    // The next page: after the last log of the previous one ([block, logIndex]).
    if (body.after !== undefined && body.after !== null) {
      if (!Array.isArray(body.after) || body.after.length !== 2) throw new BadRequest(`after: ${JSON.stringify(body.after)} is not [block, logIndex]`);
      const block = blockOf(body.after[0], "after[0]")!;
      const index = Number(blockOf(body.after[1], "after[1]"));
      conditions.push(or(gt(rxLog.blockNumber, block), and(eq(rxLog.blockNumber, block), gt(rxLog.logIndex, index)))!);
    }
    const rows = await db
      .select()
      .from(rxLog)
      .where(and(...conditions))
      .orderBy(asc(rxLog.blockNumber), asc(rxLog.logIndex))
      .limit(PAGE + 1);
    const more = rows.length > PAGE;
    return c.json({
      logs: rows.slice(0, PAGE).map((r) => ({
        address: r.address,
        blockNumber: Number(r.blockNumber),
        blockHash: r.blockHash,
        blockTime: Number(r.blockTime),
        index: r.logIndex,
        transactionHash: r.transactionHash,
        transactionIndex: r.transactionIndex,
        topics: [r.topic0, r.topic1, r.topic2, r.topic3].filter((t): t is `0x${string}` => t !== null),
        data: r.data,
      })),
      more,
    });
  } catch (error) {
    if (error instanceof BadRequest || error instanceof SyntaxError) return c.json({ error: error.message }, 400);
    throw error;
  }
});

/** A shipment's state from its logs: the `Shipped` log, and the one that settled it, if any (same shipment id, topic 1). */
const SETTLING: Record<string, "received" | "rejected" | "cancelled"> = { Received: "received", Rejected: "rejected", ShipmentCancelled: "cancelled" };

app.get("/rx/shipments", async (c) => {
  try {
    const status = c.req.query("status");
    if (status !== undefined && !["in-transit", "received", "rejected", "cancelled"].includes(status)) {
      throw new BadRequest(`status: ${JSON.stringify(status)} is not in-transit, received, rejected or cancelled`);
    }
    const conditions: SQL[] = [eq(rxLog.eventName, "Shipped")];
    const sender = hexList(c.req.query("sender"), ADDRESS, "sender");
    // Shipped(shipmentId, batchId, sender) are its indexed arguments: topics 1 to 3.
    if (sender) conditions.push(eq(rxLog.topic3, `0x${sender[0]!.slice(2).padStart(64, "0")}`));
    const batchId = hexList(c.req.query("batchId"), HEX32, "batchId");
    if (batchId) conditions.push(eq(rxLog.topic2, batchId[0]!));
    const receiver = hexList(c.req.query("receiver"), ADDRESS, "receiver")?.[0];
    const shipped = await db.select().from(rxLog).where(and(...conditions)).orderBy(asc(rxLog.blockNumber), asc(rxLog.logIndex));
    const ids = shipped.map((r) => r.topic1!);
    const settled = new Map<string, { status: "received" | "rejected" | "cancelled"; block: number }>();
    for (let i = 0; i < ids.length; i += 1_000) {
      const rows = await db
        .select({ address: rxLog.address, topic1: rxLog.topic1, eventName: rxLog.eventName, blockNumber: rxLog.blockNumber })
        .from(rxLog)
        .where(and(inArray(rxLog.topic1, ids.slice(i, i + 1_000)), inArray(rxLog.eventName, Object.keys(SETTLING))));
      for (const r of rows) settled.set(`${r.address}:${r.topic1}`, { status: SETTLING[r.eventName]!, block: Number(r.blockNumber) });
    }
    const shipments = shipped
      .map((r) => {
        // The non-indexed arguments: receiver (word 0), quantity (word 1).
        const word = (n: number) => r.data.slice(2 + 64 * n, 2 + 64 * (n + 1));
        const end = settled.get(`${r.address}:${r.topic1}`);
        return {
          id: r.topic1!,
          batchId: r.topic2!,
          sender: `0x${r.topic3!.slice(26)}`,
          receiver: `0x${word(0).slice(24)}`,
          quantity: BigInt(`0x${word(1)}`).toString(),
          status: end?.status ?? "in-transit",
          shippedBlock: Number(r.blockNumber),
          settledBlock: end?.block ?? null,
        };
      })
      .filter((s) => (status === undefined || s.status === status) && (receiver === undefined || s.receiver === receiver));
    return c.json({ shipments });
  } catch (error) {
    if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
    throw error;
  }
});

export default app;
