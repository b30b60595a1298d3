/**
 * `npm run mutation:report`: merges the shards' results in .mutation/ into the mutation score, by file and
 * operator, and lists the live mutants. The score counts killed and timed-out mutants over all mutants that
 * compile and differ from the original (stillborn and trivially equivalent ones are left out, as SuMo does);
 * the survivors judged equivalent on reading are listed in mutation/equivalent.json with why, and left out
 * of the adjusted score.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
// Type only: importing it does not run the runner.
import type { Result } from "./mutation";


const ROOT = path.join(__dirname, "..");
const WORK = path.join(ROOT, ".mutation");
const JUDGED = path.join(ROOT, "mutation", "equivalent.json");

function main(): void {
  const files = existsSync(WORK) ? readdirSync(WORK).filter((f) => /^results-.*\.jsonl$/.test(f)) : [];
  if (files.length === 0) throw new Error("no results in .mutation/: run `npm run mutation` first");
  const byHash = new Map<string, Result>();
  for (const f of files) {
    for (const line of readFileSync(path.join(WORK, f), "utf8").split("\n")) {
      if (line.trim()) byHash.set((JSON.parse(line) as Result).hash, JSON.parse(line) as Result);
    }
  }
  // Only the mutants SuMo generates from the contracts as they are now: results for code since changed drop out.
  const generated = path.join(ROOT, ".sumo", "results", "generated.csv");
  if (existsSync(generated)) {
    const current = new Set(readFileSync(generated, "utf8").trim().split("\n").slice(1).map((row) => row.split("$")[0]));
    for (const hash of [...byHash.keys()]) if (!current.has(hash)) byHash.delete(hash);
  }
  const judged = existsSync(JUDGED)
    ? (JSON.parse(readFileSync(JUDGED, "utf8")) as { hash: string; why: string }[])
    : [];
  const judgedEquivalent = new Map(judged.map((j) => [j.hash, j.why]));
  const results = [...byHash.values()];
  const count = (rs: Result[], s: Result["status"]) => rs.filter((r) => r.status === s).length;

  const score = (rs: Result[]) => {
    const killed = count(rs, "killed") + count(rs, "timedout");
    const live = rs.filter((r) => r.status === "live" && !judgedEquivalent.has(r.hash)).length;
    return { killed, live, pct: killed + live === 0 ? 100 : (100 * killed) / (killed + live) };
  };
  const total = score(results);
  const rawLive = count(results, "live");
  console.log(
    `mutants tested: ${results.length} (killed ${count(results, "killed")}, timed out ${count(results, "timedout")}, ` +
      `live ${rawLive}, stillborn ${count(results, "stillborn")}, equivalent by bytecode ${count(results, "equivalent")})`,
  );
  console.log(`live mutants judged equivalent on reading: ${rawLive - total.live} (mutation/equivalent.json)`);
  console.log(`mutation score: ${total.pct.toFixed(1)}% (${total.killed} killed of ${total.killed + total.live} non-equivalent)`);
  console.log("");
  const byFile = new Map<string, Result[]>();
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  for (const [file, rs] of [...byFile.entries()].sort()) {
    const s = score(rs);
    console.log(`${file.padEnd(40)} ${s.pct.toFixed(1).padStart(5)}%  killed ${String(s.killed).padStart(3)}  live ${s.live}`);
  }
  const live = results.filter((r) => r.status === "live" && !judgedEquivalent.has(r.hash));
  if (live.length > 0) {
    console.log("\nlive mutants (not judged equivalent):");
    for (const r of live.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)) {
      console.log(`  ${r.hash} ${r.file}:${r.line} ${r.operator} \`${r.original}\` -> \`${r.replacement}\``);
    }
  }
  if (process.env.MUTATION_MIN && total.pct < Number(process.env.MUTATION_MIN)) process.exitCode = 1;
}

main();
