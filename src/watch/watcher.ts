/**
 * The watcher: reads the contract's logs up to the final block, a bounded range at a time, turns what concerns the
 * holder into alerts, and delivers them to stdout (JSON lines) and the webhook. Each step is made durable before
 * the next: the alerts of a range enter the checkpoint (as pending) together with the block read, and an alert
 * leaves it only once every sink has it. Killed at any instant and restarted, it raises no alert twice and loses
 * none; the one alert in flight at the kill may reach a sink again, with the same idempotency key.
 */
import { LogDescription, type Log, type Provider } from "ethers";
import type { RxTrace } from "../../typechain-types";
import { type Alert, type AlertDraft, alertKey, type ChainReader, emptyState, HolderView } from "./alerts";
import { type Checkpoint, CheckpointError, loadCheckpoint, type PendingAlert, saveCheckpoint } from "./checkpoint";
import { fetchIndexedLogs, fetchLogs, IndexerBehindError } from "./logs";
import type { IndexerSource } from "../chain/events/indexer-source";
import { eventFragmentOf } from "../chain/events/query";
import { describeFinality, type Finality, finalHead } from "./finality";
import { postAlert, type WebhookOptions } from "./webhook";

export interface WatchOptions {
  rx: RxTrace;
  provider: Provider;
  chainId: number;
  holder: { account: string; gln: string };
  /** The deployment's block: where reading starts when there is no checkpoint. */
  startBlock: number;
  checkpointFile: string;
  finality: Finality;
  /** A leg of the holder's in transit this many days raises shipment-stale. */
  staleDays: number;
  /** Blocks read per request at most. */
  maxBlocks: number;
  /** Read up to the final block, deliver, and return (else poll until `signal` aborts). */
  once: boolean;
  /** Time between polls once caught up. */
  intervalMs: number;
  /** Where the JSON lines go (stdout). */
  out: (line: string) => void;
  /** Progress and delivery failures, for a person (stderr). */
  log: (line: string) => void;
  webhook?: WebhookOptions;
  /**
   * Read the logs from this indexer (RXTRACE_INDEXER_URL) instead of `eth_getLogs`: up to the final block the indexer
   * has reached, `INDEXER_RANGE` blocks a step, each log's block checked against the node's.
   */
  indexer?: IndexerSource;
  signal?: AbortSignal;
}

/** Blocks read per step from the indexer (one request per 10,000 logs, whatever the range). */
export const INDEXER_RANGE = 1_000_000;

/** How long `once` waits for the indexer to reach the final block before it gives up. */
const INDEXER_WAIT_MS = 60_000;

export interface WatchResult {
  scannedTo: number;
  /** Alerts delivered to every sink by this run. */
  delivered: number;
  /** Alerts still pending (a sink failed after its last attempt): the next run delivers them. */
  pending: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The checkpoint of `options`, new or read back; refuses one written for another chain, contract or holder. */
function openCheckpoint(options: WatchOptions): Checkpoint {
  const found = loadCheckpoint(options.checkpointFile);
  const wanted = { chainId: options.chainId, contract: options.rx.target.toString().toLowerCase(), holder: options.holder.account.toLowerCase() };
  if (!found) return { version: 1, ...wanted, scannedTo: options.startBlock - 1, state: emptyState(), pending: [] };
  for (const field of ["chainId", "contract", "holder"] as const) {
    if (String(found[field]).toLowerCase() !== String(wanted[field]).toLowerCase()) {
      throw new CheckpointError(
        `checkpoint ${options.checkpointFile} is for ${field} ${found[field]}, not ${wanted[field]}: give another --checkpoint file`,
      );
    }
  }
  return found;
}

/** Runs the watcher (see the module comment). */
export async function watch(options: WatchOptions): Promise<WatchResult> {
  const { rx, provider, log } = options;
  const checkpoint = openCheckpoint(options);
  const save = () => saveCheckpoint(options.checkpointFile, checkpoint);
  const sinks = options.webhook ? (["stdout", "webhook"] as const) : (["stdout"] as const);
  let delivered = 0;

  const times = new Map<number, number>();
  const chain: ChainReader = {
    async blockTime(block) {
      // Through the indexer, the times of the blocks with logs came with them.
      let time = times.get(block) ?? options.indexer?.blockTime(block);
      if (time === undefined) {
        time = (await provider.getBlock(block))?.timestamp ?? 0;
        times.set(block, time);
      }
      return time;
    },
    async storageRange(batchId) {
      const batch = await rx.batch(batchId);
      return { minTemp: Number(batch.minTemp), maxTemp: Number(batch.maxTemp) };
    },
  };
  const stamp = (draft: AlertDraft): Alert => ({
    key: alertKey(options.chainId, draft.ref, draft.kind, options.holder.account),
    kind: draft.kind,
    chainId: options.chainId,
    contract: checkpoint.contract,
    holder: { account: options.holder.account, gln: options.holder.gln },
    event: draft.event,
    block: draft.ref.block,
    tx: draft.ref.tx,
    logIndex: draft.ref.logIndex,
    time: new Date(draft.time * 1000).toISOString(),
    ...(draft.batchId ? { batchId: draft.batchId } : {}),
    summary: draft.summary,
    details: draft.details,
  });

  /** Delivers the pending alerts in order; false at the first that a sink refuses after its last attempt. */
  async function deliverPending(): Promise<boolean> {
    while (checkpoint.pending.length > 0) {
      const entry: PendingAlert = checkpoint.pending[0];
      if (!entry.sent.includes("stdout")) {
        options.out(JSON.stringify(entry.alert));
        entry.sent.push("stdout");
        // Without a webhook the alert is done; with one, note stdout has it so a failing webhook does not reprint it.
        if (options.webhook) save();
      }
      if (options.webhook && !entry.sent.includes("webhook")) {
        const failure = await postAlert(options.webhook, entry.alert, log);
        if (failure !== undefined) {
          log(
            `webhook: alert ${entry.alert.key} (${entry.alert.kind}) not delivered after ${options.webhook.attempts} attempts (${failure}); ` +
              `kept pending with ${checkpoint.pending.length - 1} after it, delivered ${options.once ? "by the next run" : "at the next poll"}`,
          );
          return false;
        }
        entry.sent.push("webhook");
      }
      if (sinks.every((s) => entry.sent.includes(s))) {
        checkpoint.pending.shift();
        save();
        delivered++;
      }
    }
    return true;
  }

  log(
    `watching ${options.holder.gln} (${options.holder.account}) on chain ${options.chainId}, final blocks by ${describeFinality(options.finality)}, ` +
      `from block ${checkpoint.scannedTo + 1}${options.indexer ? ` through the indexer at ${options.indexer.url}` : ""}${checkpoint.pending.length ? `; ${checkpoint.pending.length} alerts pending from before` : ""}`,
  );
  // A sink that failed after its last attempt blocks delivery until the next poll (the alerts wait, in order).
  let blocked = !(await deliverPending());
  const started = Date.now();
  while (!options.signal?.aborted) {
    const head = await finalHead(provider, options.finality);
    // Through the indexer, only what it has indexed (and the node made final) is read.
    const readable = head && options.indexer ? Math.min(head.number, (await options.indexer.indexedBlock(options.chainId)) ?? -1) : head?.number;
    if (head && readable !== undefined && readable > checkpoint.scannedTo) {
      const fromBlock = checkpoint.scannedTo + 1;
      const toBlock = Math.min(readable, checkpoint.scannedTo + (options.indexer ? INDEXER_RANGE : options.maxBlocks));
      let logs: Log[];
      try {
        logs = options.indexer
          ? await fetchIndexedLogs(options.indexer, provider, { address: checkpoint.contract, fromBlock, toBlock })
          : await fetchLogs(provider, { address: checkpoint.contract, fromBlock, toBlock });
      } catch (error) {
        if (!(error instanceof IndexerBehindError) || (options.once && Date.now() - started > INDEXER_WAIT_MS)) throw error;
        log(`${error.message}; reading again in ${options.intervalMs / 1000} s`);
        await sleep(options.intervalMs, options.signal);
        continue;
      }
      const view = new HolderView(options.holder.account, checkpoint.state);
      const drafts: AlertDraft[] = [];
      for (const entry of logs) {
        const fragment = eventFragmentOf(rx.interface, entry.topics[0]);
        if (!fragment) continue;
        const event = new LogDescription(fragment, fragment.topicHash, rx.interface.decodeEventLog(fragment, entry.data, entry.topics));
        drafts.push(...(await view.apply(event, { block: entry.blockNumber, tx: entry.transactionHash, logIndex: entry.index }, chain)));
      }
      drafts.push(...view.due(toBlock === head.number ? head.timestamp : await chain.blockTime(toBlock), options.staleDays));
      const known = new Set(checkpoint.pending.map((p) => p.alert.key));
      const raised = drafts.map(stamp).filter((alert) => !known.has(alert.key));
      checkpoint.pending.push(...raised.map((alert) => ({ alert, sent: [] })));
      checkpoint.state = view.toJSON();
      checkpoint.scannedTo = toBlock;
      save();
      if (raised.length > 0 || toBlock < head.number) log(`blocks ${fromBlock}-${toBlock} of ${head.number}: ${logs.length} events, ${raised.length} alerts`);
      if (!blocked) blocked = !(await deliverPending());
      // Behind the final block: read on at once.
      continue;
    }
    if (options.once && options.indexer && head && checkpoint.scannedTo < head.number) {
      // Once, through an indexer still behind the final block: wait for it (a while), then say so.
      if (Date.now() - started > INDEXER_WAIT_MS) {
        throw new Error(`the indexer at ${options.indexer.url} has not reached the final block ${head.number} within ${INDEXER_WAIT_MS / 1000} s (read to block ${checkpoint.scannedTo}); run again later`);
      }
      await sleep(200, options.signal);
      continue;
    }
    if (options.once) break;
    await sleep(options.intervalMs, options.signal);
    blocked = !(await deliverPending());
  }
  return { scannedTo: checkpoint.scannedTo, delivered, pending: checkpoint.pending.length };
}
