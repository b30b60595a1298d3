/**
 * The invoices of a lot, from the settlement's events (contracts/RxSettlement.sol, docs/settlement.md), read beside
 * the suite's: `useSettlement` attaches the settlement of the deployment record to the suite's contract, and every
 * read of a batch's history (the timeline, the EPCIS export) then merges the lot's `InvoiceCreated`, `InvoiceBound`
 * and `InvoiceSettled` logs in chain order. Without a settlement (an older record) nothing is added.
 *
 * The indexer indexes the suite's ABI only: the settlement's logs always come from the chunked scan (logs.ts), from
 * the settlement's own deployment block. Browser-safe.
 */
import type { EventLog } from "ethers";
import type { IRxSettlement, RxTrace } from "../../../typechain-types";
import { queryEvents, type EventScan } from "./query";

const attached = new WeakMap<object, { settlement: IRxSettlement; fromBlock: number }>();

/** Reads the invoices of `settlement` (deployed at `fromBlock`) with every batch history of `rx`. */
export function useSettlement<T extends RxTrace>(rx: T, settlement: IRxSettlement, fromBlock = 0): T {
  attached.set(rx, { settlement, fromBlock });
  return rx;
}

/** The settlement attached to `rx`, if any. */
export function settlementOf(rx: RxTrace): { settlement: IRxSettlement; fromBlock: number } | undefined {
  return attached.get(rx);
}

/** The settlement events of the invoices on lot `batchId`, oldest first (none without a settlement attached). */
export async function invoiceLogs(rx: RxTrace, batchId: string, scan: EventScan = {}): Promise<EventLog[]> {
  const found = settlementOf(rx);
  if (!found) return [];
  const { settlement } = found;
  const f = settlement.filters;
  const logs = await queryEvents(settlement, [f.InvoiceCreated(), f.InvoiceBound(), f.InvoiceSettled()], {
    fromBlock: Math.max(scan.fromBlock ?? 0, found.fromBlock),
    ...(scan.toBlock !== undefined ? { toBlock: scan.toBlock } : {}),
  });
  // The lot is not an indexed topic of InvoiceCreated: the lot's invoices are picked here, and their other events by id.
  const ids = new Set(logs.filter((l) => l.eventName === "InvoiceCreated" && String(l.args.batchId).toLowerCase() === batchId.toLowerCase()).map((l) => String(l.args.invoiceId).toLowerCase()));
  return logs.filter((l) => ids.has(String(l.args.invoiceId).toLowerCase()));
}

/** Two lists of logs, each oldest first, as one in chain order. */
export function mergeLogs(a: readonly EventLog[], b: readonly EventLog[]): EventLog[] {
  if (b.length === 0) return [...a];
  return [...a, ...b].sort((x, y) => x.blockNumber - y.blockNumber || x.index - y.index);
}
