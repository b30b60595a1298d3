/**
 * `npm run bench`: measures the gas of every main operation on the in-process network, prints the table
 * and writes bench/gas.json; then the history bench (src/bench/history.ts): a lot's legs spread over a long chain,
 * verified by the direct scan and through the indexer (RXTRACE_BENCH_HISTORY=<blocks>,<legs>, default
 * 1000000,1000; 0 skips it).
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { measureHistory } from "../src/bench/history";
import { GAS_BUDGETS, GAS_KEYS, flatCostReport, formatGasTable, measureGas } from "../src/bench/gas";

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
  const history = process.env.RXTRACE_BENCH_HISTORY ?? "1000000,1000";
  if (history !== "0") {
    const [blocks, legs] = history.split(",").map(Number);
    if (!Number.isSafeInteger(blocks) || !Number.isSafeInteger(legs) || blocks! < 1 || legs! < 1) {
      throw new Error(`RXTRACE_BENCH_HISTORY: got "${history}", expected <blocks>,<legs> (whole numbers above 0) or 0`);
    }
    await measureHistory(hre, { blocks: blocks!, legs: legs!, databaseUrl: process.env.DATABASE_URL, log: (line) => console.log(line) });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
