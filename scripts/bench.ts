/**
 * `npm run bench`: measures the gas of every main operation on the in-process network, prints the table
 * and writes bench/gas.json; then the history benches, a lot's legs over a long chain: rx:verify's chunked scan
 * through a range-limited RPC (src/bench/history.ts; RXTRACE_BENCH_HISTORY=test for the test suite's size, =off to
 * skip), and the indexer's sync speed and query time beside the direct scan (src/bench/indexer-history.ts;
 * RXTRACE_BENCH_INDEXER=<blocks>,<legs>, default 1000000,1000; 0 skips it). At the default sizes both read one history
 * (built once), and the rows of the three ways of reading are printed together at the end. RXTRACE_BENCH_GAS=off
 * skips the gas table.
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { measureHistory } from "../src/bench/indexer-history";
import { GAS_BUDGETS, GAS_KEYS, flatCostReport, formatGasTable, measureGas } from "../src/bench/gas";
import { buildHistory, formatHistoryBench, FULL_SIZE, measureHistoryScan, TEST_SIZE, type History } from "../src/bench/history";

async function main(): Promise<void> {
  if (process.env.RXTRACE_BENCH_GAS !== "off") {
    const measurement = await measureGas(hre, (line) => console.log(line));
    const { table } = measurement;
    console.log(formatGasTable(table));
    const flat = flatCostReport(measurement);
    for (const { ok, line } of flat) console.log(`${ok ? "flat" : "NOT FLAT"}: ${line}`);
    const dir = path.join(__dirname, "..", "bench");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "gas.json"), JSON.stringify(table, null, 2) + "\n");
    console.log(`wrote bench/gas.json`);
    const over = GAS_KEYS.filter((k) => GAS_BUDGETS[k] !== undefined && table[k] > (GAS_BUDGETS[k] as number));
    if (over.length > 0) {
      console.error(`over budget: ${over.join(", ")}`);
      process.exitCode = 1;
    }
    if (flat.some((f) => !f.ok)) {
      console.error("a cost that must stay flat grew with scale");
      process.exitCode = 1;
    }
  }
  const history = process.env.RXTRACE_BENCH_HISTORY;
  const scanSize = history === "test" ? TEST_SIZE : FULL_SIZE;
  const indexed = process.env.RXTRACE_BENCH_INDEXER ?? `${FULL_SIZE.blocks},${FULL_SIZE.legs}`;
  const [blocks, legs] = indexed.split(",").map(Number);
  if (indexed !== "0" && (!Number.isSafeInteger(blocks) || !Number.isSafeInteger(legs) || blocks! < 1 || legs! < 1)) {
    throw new Error(`RXTRACE_BENCH_INDEXER: got "${indexed}", expected <blocks>,<legs> (whole numbers above 0) or 0`);
  }
  // One history for both when their sizes agree (the default): the chunked scan and the indexer read the same chain.
  const shared = history !== "off" && indexed !== "0" && blocks === scanSize.blocks && legs === scanSize.legs;
  let built: History | undefined;
  if (shared) {
    console.log(`building the history: ${legs!.toLocaleString("en-US")} legs over ${blocks!.toLocaleString("en-US")} blocks, read by the chunked scan and the indexer…`);
    built = await buildHistory(hre, scanSize, (line) => console.log(line));
  }
  let scanRows: string[] = [];
  if (history !== "off") {
    const bench = await measureHistoryScan(hre, scanSize, (line) => console.log(line), built);
    scanRows = formatHistoryBench(bench);
    for (const line of scanRows) console.log(line);
    if (!bench.same) {
      console.error("the chunked scan's report differs from the direct read's");
      process.exitCode = 1;
    }
  }
  if (indexed !== "0") {
    const m = await measureHistory(hre, { blocks: blocks!, legs: legs!, databaseUrl: process.env.DATABASE_URL, log: (line) => console.log(line), history: built });
    // The three ways of reading side by side, measured in this run.
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    for (const line of scanRows) console.log(line);
    console.log(`  ${`indexer (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}), ${m.legs.toLocaleString("en-US")} legs over ${m.blocks.toLocaleString("en-US")} blocks`.padEnd(44)} ${s(m.indexerMs).padStart(9)}  (median of 3); sync of ${m.events} events in ${m.syncSeconds.toFixed(1)} s: ${m.eventsPerSecond.toFixed(1)} events/s, process start included`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
