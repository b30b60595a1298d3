// rx:watch: the alerts of one trading partner, as JSON lines and signed webhooks. A thin entry point over
// src/commands/watch/watch-command.ts (docs/alerts.md).
import { task } from "hardhat/config";
import { oneLineError, runCommand } from "../src/commands/shared/cli";
import { parseWatchArgs, runWatch, type WatchArgs } from "../src/commands/watch/watch-command";

task("rx:watch", "Tells a partner what concerns it (incoming shipments, recalls, holds, quarantine, excursions, stale legs, licence, suspensions): JSON lines on stdout, and signed webhooks")
  .addParam("holder", "the partner: 13-digit GLN or address")
  .addOptionalParam("webhook", "also POST each alert here (signed with RXTRACE_WEBHOOK_SECRET, see docs/alerts.md)")
  .addFlag("once", "read up to the final block, deliver, and exit (default: keep watching)")
  .addOptionalParam("staleDays", "alert on a leg of the holder's still in transit after this many days (default 7)")
  .addOptionalParam("confirmations", "final = this many blocks below the latest (default: the finalized tag on amoy/polygon, 0 elsewhere)")
  .addOptionalParam("interval", "seconds between polls once caught up (default 15)")
  .addOptionalParam("checkpoint", "the checkpoint file (default deployments/<network>/watch/<GLN>.json)")
  .addOptionalParam("maxBlocks", "blocks read per eth_getLogs request at most (default 1000)")
  .addOptionalParam("attempts", "webhook attempts per alert before it is kept pending (default 5)")
  .addOptionalParam("backoffMs", "delay before the second webhook attempt, doubled before each next one (default 1000)")
  .setAction(async (args: WatchArgs, hre) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    // stdout carries alerts only: anything else a layer prints with console.log (the RPC retry summary) goes to stderr.
    const log = console.log;
    console.log = (...parts: unknown[]) => console.error(...parts);
    try {
      const result = await runCommand(undefined, async () => {
        const input = parseWatchArgs(args);
        return runWatch(hre, input, {
          out: (line) => process.stdout.write(`${line}\n`),
          log: (line) => process.stderr.write(`${line}\n`),
          signal: controller.signal,
        });
      });
      if (result.pending > 0) {
        throw oneLineError(`${result.pending} alerts not delivered yet; they stay pending in ${result.checkpoint} and the next run delivers them first`);
      }
      return result;
    } finally {
      console.log = log;
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  });
