/**
 * Fails `npm run coverage` when contracts/ falls below the project's thresholds:
 * 95% of lines and 90% of branches.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const THRESHOLDS = { lines: 95, branches: 90 } as const;

interface Metric {
  total: number;
  covered: number;
  pct: number;
}
type Summary = Record<string, Record<keyof typeof THRESHOLDS | "statements" | "functions", Metric>>;

const file = path.join(__dirname, "..", "coverage", "coverage-summary.json");
const summary = JSON.parse(readFileSync(file, "utf8")) as Summary;
let failed = false;
for (const [metric, minimum] of Object.entries(THRESHOLDS) as [keyof typeof THRESHOLDS, number][]) {
  const { covered, total, pct } = summary.total[metric];
  const ok = pct >= minimum;
  failed ||= !ok;
  console.log(`${metric.padEnd(9)} ${pct.toFixed(2).padStart(6)}%  (${covered}/${total})  minimum ${minimum}%  ${ok ? "ok" : "BELOW"}`);
}
if (failed) {
  console.error("coverage of contracts/ is below the thresholds");
  process.exit(1);
}
