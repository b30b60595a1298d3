/**
 * `rx:watch`: the alerts of one trading partner, from its flags. Checks every flag before reading the chain,
 * resolves the holder's GLN to its account, picks the network's finality rule and runs the watcher
 * (src/watch/watcher.ts): JSON lines on stdout, progress and delivery failures on stderr. With RXTRACE_INDEXER_URL it
 * reads the logs from the indexer.
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { connect, deploymentsDir } from "../../chain/deployment";
import { InputError } from "../../domain/errors";
import { formatGln } from "../../gs1/identifiers";
import { finalityOf } from "../../watch/finality";
import { WEBHOOK_SECRET_VAR } from "../../watch/webhook";
import { watch, type WatchResult } from "../../watch/watcher";
import { identityOfAccount } from "../admin/recovery";
import { parseWhole, resolvePartner } from "../shared/cli";
import { indexerOf } from "../../chain/events/indexer-source";

export interface WatchArgs {
  holder?: string;
  webhook?: string;
  once?: boolean;
  staleDays?: string;
  confirmations?: string;
  interval?: string;
  checkpoint?: string;
  maxBlocks?: string;
  attempts?: string;
  backoffMs?: string;
}

export interface WatchInput {
  holder: string;
  webhook?: { url: string; secret: string; attempts: number; backoffMs: number };
  once: boolean;
  staleDays: number;
  confirmations?: number;
  intervalMs: number;
  checkpoint?: string;
  maxBlocks: number;
}

const DEFAULTS = { staleDays: "7", interval: "15", maxBlocks: "1000", attempts: "5", backoffMs: "1000" } as const;

/** Checks the flags (and the webhook secret in the environment); nothing is read from the chain yet. */
export function parseWatchArgs(args: WatchArgs, env: NodeJS.ProcessEnv = process.env): WatchInput {
  if (!args.holder) throw new InputError("--holder", args.holder ?? "", "the partner to watch for: its 13-digit GLN or address");
  const whole = (value: string | undefined, fallback: string, field: string, min: bigint, max: bigint) => Number(parseWhole(value ?? fallback, field, min, max));
  let webhook: WatchInput["webhook"];
  if (args.webhook !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(args.webhook);
    } catch {
      url = undefined;
    }
    if (!url || !["http:", "https:"].includes(url.protocol)) throw new InputError("--webhook", args.webhook, "an http:// or https:// URL to POST alerts to");
    const secret = env[WEBHOOK_SECRET_VAR] ?? "";
    if (secret.length < 16) {
      throw new InputError(WEBHOOK_SECRET_VAR, secret ? "(set, too short)" : "", "the webhook signature's shared secret, at least 16 characters, in the environment or .env (--webhook needs it)");
    }
    webhook = {
      url: url.toString(),
      secret,
      attempts: whole(args.attempts, DEFAULTS.attempts, "--attempts", 1n, 20n),
      backoffMs: whole(args.backoffMs, DEFAULTS.backoffMs, "--backoff-ms", 1n, 600_000n),
    };
  }
  return {
    holder: args.holder,
    webhook,
    once: args.once === true,
    staleDays: whole(args.staleDays, DEFAULTS.staleDays, "--stale-days", 1n, 3650n),
    confirmations: args.confirmations === undefined ? undefined : whole(args.confirmations, "0", "--confirmations", 0n, 10_000n),
    intervalMs: whole(args.interval, DEFAULTS.interval, "--interval", 1n, 86_400n) * 1000,
    checkpoint: args.checkpoint,
    maxBlocks: whole(args.maxBlocks, DEFAULTS.maxBlocks, "--max-blocks", 1n, 1_000_000n),
  };
}

/** Where the checkpoint of a holder lives by default: deployments/<network>/watch/<GLN>.json. */
export function defaultCheckpoint(network: string, gln: string): string {
  return path.join(deploymentsDir(), network, "watch", `${gln}.json`);
}

export interface WatchIo {
  out: (line: string) => void;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** Runs the watcher for `input` on the selected network. */
export async function runWatch(hre: HardhatRuntimeEnvironment, input: WatchInput, io: WatchIo): Promise<WatchResult & { checkpoint: string }> {
  const { rx, record } = await connect(hre);
  // Events name the partner's identity: a rotated key (or the GLN's current account) watches for it.
  const account = await identityOfAccount(rx, await resolvePartner(rx, input.holder, "--holder"));
  const partner = await rx.partner(account);
  if (partner.role === 0n) throw new InputError("--holder", input.holder, "an onboarded partner (rx:partner shows one)");
  const gln = formatGln(partner.gln);
  const checkpoint = input.checkpoint ?? defaultCheckpoint(hre.network.name, gln);
  // With RXTRACE_INDEXER_URL, `connect` bound the contract to the indexer (one of another chain is refused there):
  // the logs come from it (docs/alerts.md).
  const indexer = indexerOf(rx);
  const result = await watch({
    rx,
    provider: hre.ethers.provider,
    chainId: record.chainId,
    holder: { account, gln },
    startBlock: record.contracts.RxTrace.blockNumber,
    checkpointFile: checkpoint,
    finality: finalityOf(hre.network.name, input.confirmations),
    staleDays: input.staleDays,
    maxBlocks: input.maxBlocks,
    once: input.once,
    intervalMs: input.intervalMs,
    webhook: input.webhook,
    ...(indexer ? { indexer } : {}),
    ...io,
  });
  return { ...result, checkpoint };
}
