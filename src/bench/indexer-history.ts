/**
 * The indexer's history bench (`npm run bench`, beside history.ts's chunked scan, on the same history): a lot's legs
 * spread over a long chain, then a pharmacist's verification read two ways: the direct scan of `eth_getLogs` and the indexer (indexer/,
 * Ponder on an embedded PGlite, or on the PostgreSQL of DATABASE_URL). It prints the indexer's sync speed and both
 * query times. The in-process network is served over HTTP for Ponder by Hardhat's own JSON-RPC server.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RxTrace } from "../../typechain-types";
import { serveNetwork, startIndexer } from "../chain/indexer";
import { useIndexer, verifyPack } from "../chain/events";
import { GTIN } from "../scenario/scenario";
import { buildHistory, type History } from "./history";

export interface HistoryOptions {
  /** Blocks from the deployment to the last leg. */
  blocks: number;
  /** Legs of the lot, spread evenly over them. */
  legs: number;
  databaseUrl?: string;
  log: (line: string) => void;
  /** A history built already (the chunked-scan bench's, so that both read the same chain in one run). */
  history?: History;
}

export interface HistoryMeasurement {
  blocks: number;
  legs: number;
  events: number;
  /** From the indexer's start to its having indexed the latest block (process start and database set-up included). */
  syncSeconds: number;
  eventsPerSecond: number;
  directMs: number;
  indexerMs: number;
  timelineEntries: number;
}

/**
 * Blocks made by `hardhat_mine` have parentHash 0: Ponder would read the chain's unfinalized tail as a reorganisation
 * beyond finality. The last blocks (more than the 30 Ponder waits for on such a chain) are mined one by one.
 */
export async function mineTail(hre: HardhatRuntimeEnvironment): Promise<void> {
  for (let i = 0; i < 40; i++) await hre.network.provider.send("evm_mine", []);
}

/**
 * Builds the same history as the chunked-scan bench (history.ts `buildHistory`: one serialized lot, its legs spread
 * over `blocks`), mines its tail one block at a time for Ponder, then measures the indexer's sync and both ways of
 * verifying the lot's last pack.
 */
export async function measureHistory(hre: HardhatRuntimeEnvironment, options: HistoryOptions): Promise<HistoryMeasurement> {
  const { log } = options;
  if (!options.history) log(`history: building ${options.legs} legs over ${options.blocks} blocks`);
  const history = options.history ?? (await buildHistory(hre, { blocks: options.blocks, legs: options.legs }, log));
  const { rx, deployBlock } = history;
  await mineTail(hre);
  const latest = await hre.ethers.provider.getBlockNumber();

  const pack = { gtin: GTIN, lot: history.lot, serial: history.serial };
  const verifyOptions = { proof: history.proof, fromBlock: deployBlock };
  let started = Date.now();
  const direct = await verifyPack(rx, pack, verifyOptions);
  const directMs = Date.now() - started;
  log(`history: direct scan of ${latest - deployBlock} blocks: verdict ${direct.verdict} in ${directMs} ms`);

  const deployments = mkdtempSync(path.join(tmpdir(), "rxtrace-bench-deployments-"));
  writeFileSync(path.join(deployments, "hardhat.json"), JSON.stringify({ network: "hardhat", chainId: 31337, contracts: { RxTrace: { address: await rx.getAddress(), blockNumber: deployBlock } } }));
  const port = 18_000 + Math.floor(Math.random() * 1_000);
  const server = await serveNetwork(hre, port);
  started = Date.now();
  const indexer = await startIndexer({ network: "hardhat", rpcUrl: `http://127.0.0.1:${port}`, deploymentsDir: deployments, port: port + 1_000, databaseUrl: options.databaseUrl, resetSyncCache: true, schema: `rxtrace_bench_${Date.now()}` });
  try {
    await indexer.caughtUp(31337, latest, 30 * 60_000);
    const syncSeconds = (Date.now() - started) / 1000;
    const events = (await indexer.source.logs({ address: await rx.getAddress() })).length;
    const viaIndexer = useIndexer(rx.attach(await rx.getAddress()) as RxTrace, indexer.source);
    const times: number[] = [];
    let report = direct;
    for (let i = 0; i < 3; i++) {
      started = Date.now();
      report = await verifyPack(viaIndexer, pack, verifyOptions);
      times.push(Date.now() - started);
    }
    if (JSON.stringify(report, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) !== JSON.stringify(direct, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) {
      throw new Error("the indexer's report differs from the direct scan's");
    }
    const indexerMs = times.sort((a, b) => a - b)[1]!;
    const measurement = {
      blocks: latest - deployBlock, legs: options.legs, events, syncSeconds, eventsPerSecond: events / syncSeconds,
      directMs, indexerMs, timelineEntries: report.timeline.length,
    };
    log(`history: indexer (${options.databaseUrl ? "PostgreSQL" : "PGlite"}) synced ${events} events over ${measurement.blocks} blocks in ${syncSeconds.toFixed(1)} s (${measurement.eventsPerSecond.toFixed(0)} events/s, process start included)`);
    log(`history: verify through the indexer: ${indexerMs} ms (median of 3), ${report.timeline.length} timeline entries, same report as the direct scan (${directMs} ms)`);
    return measurement;
  } finally {
    await indexer.stop();
    await server.close();
  }
}
