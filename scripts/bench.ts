/**
 * `npm run bench`: measures the gas of every main operation on the in-process network, prints the table
 * and writes bench/gas.json; then the history benches, a lot's legs over a long chain: rx:verify's chunked scan
 * through a range-limited RPC (src/bench/history.ts; RXTRACE_BENCH_HISTORY=test for the test suite's size, =off to
 * skip), and the indexer's sync speed and query time beside the direct scan (src/bench/indexer-history.ts;
 * RXTRACE_BENCH_INDEXER=<blocks>,<legs>, default 1000000,1000; 0 skips it).
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { measureHistory } from "../src/bench/indexer-history";
import { GAS_BUDGETS, GAS_KEYS, flatCostReport, formatGasTable, measureGas } from "../src/bench/gas";
import { formatHistoryBench, FULL_SIZE, measureHistoryScan, TEST_SIZE } from "../src/bench/history";

async function main(): Promise<void> {
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
  const history = process.env.RXTRACE_BENCH_HISTORY;
  if (history !== "off") {
    const bench = await measureHistoryScan(hre, history === "test" ? TEST_SIZE : FULL_SIZE, (line) => console.log(line));
    for (const line of formatHistoryBench(bench)) console.log(line);
    if (!bench.same) {
      console.error("the chunked scan's report differs from the direct read's");
      process.exitCode = 1;
    }
  }
  const indexed = process.env.RXTRACE_BENCH_INDEXER ?? "1000000,1000";
  if (indexed !== "0") {
    const [blocks, legs] = indexed.split(",").map(Number);
    if (!Number.isSafeInteger(blocks) || !Number.isSafeInteger(legs) || blocks! < 1 || legs! < 1) {
      throw new Error(`RXTRACE_BENCH_INDEXER: got "${indexed}", expected <blocks>,<legs> (whole numbers above 0) or 0`);
    }
    await measureHistory(hre, { blocks: blocks!, legs: legs!, databaseUrl: process.env.DATABASE_URL, log: (line) => console.log(line) });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
