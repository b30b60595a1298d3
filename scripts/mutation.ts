/**
 * `npm run mutation`: mutation testing of contracts/.
 *
 * SuMo (@morenabarboni/sumo) generates the mutants (`sumo mutate`, operators and exclusions in
 * sumo-config.js). SuMo's own runner spawns `hardhat compile` and `hardhat test` for every mutant, a viaIR
 * compile through solc-js each time: 1 to 2 minutes a mutant, more than 15 hours for our ~900 mutants on two
 * cores. This runner reaches the same verdicts in seconds a mutant:
 *  - one process keeps solc-js loaded and compiles each mutant from the standard-JSON input of contracts/ (read from
 *    disk through Hardhat's dependency graph) with one source replaced, on the legacy pipeline with the optimizer
 *    (mutation semantics don't need viaIR, and it compiles several times faster). Every deployable whose sources import
 *    the mutated file is recompiled: the core RxTrace, the extensions RxTraceExtension, RxTraceExtension2 and RxTraceExtension3 (the
 *    core reaches them by DELEGATECALL, and deployRxTrace deploys all three from their artifacts) and RxSettlement. A
 *    mutant that doesn't compile is stillborn; one that leaves the bytecode of every one of them equal to the
 *    original's is equivalent (trivial compiler equivalence, as SuMo's `tce`). A deployable that runs out of stack on
 *    the legacy pipeline (RxSettlement.createInvoice's event today) is compiled through viaIR instead, minutes a
 *    mutant on solc-js; only mutants of its own sources (RxSettlement.sol, BatchFlags.sol) pay for it. A deployable that no
 *    mutant of the run touches keeps its production artifact.
 *  - the mutant's artifacts are written to the worker's own artifacts folder (set through RXTRACE_MUTATION in
 *    hardhat.config.ts) and the contract suites run in this process with mocha, bailing on
 *    the first failure: first the suites of the mutated file, then, for a mutant they did not kill, every
 *    other contract suite, so "live" means no contract test at all kills it.
 * The original goes through the same pipeline first and must pass every suite. Tests of gas are left out:
 * their figures hold for the production build (viaIR), and GasSnapshot runs in `npm test`. A mutant that makes
 * a test run into mocha's timeout (an endless loop, bounded only by the block gas limit) counts as killed
 * ("timedout"), and so does one whose suites never finish (a watchdog gives them WATCHDOG_SECONDS); its
 * worker then exits, since the in-process node is still busy with it, and the coordinator starts a new one
 * that carries on where the results file stops.
 *
 * `npm run mutation` generates the mutants and runs MUTATION_JOBS workers (default 2, one per core), each on
 * every n-th mutant with its own artifacts folder (.mutation/artifacts-<i>), then prints the score
 * (`npm run mutation:report` prints it again from .mutation/results-*.jsonl). To narrow a run:
 *  - MUTATION_FILES=Custody,Cases: only files whose path contains one of these, in that order;
 *  - MUTATION_HASHES=m1,m2: re-run chosen mutants; their verdicts replace the earlier ones in the report;
 *  - MUTATION_LIMIT=k: each worker stops after k mutants;
 *  - MUTATION_SUITES=Custody,Journey: only those suites (a quick trial, not a score);
 *  - MUTATION_WATCHDOG_SECONDS=s: the watchdog's limit (default 150; raise it on a loaded machine, where a live
 *    mutant's run of every suite takes longer and would otherwise be counted as timed out);
 *  - MUTATION_SKIP_ORIGINAL=1: skip the run of every suite on the original (when it is known to pass).
 * The legacy pipeline needs every function within 16 stack slots: SignedHandovers.handover keeps its custody half in a
 * private function for it (the IR pipeline inlines it: production gas unchanged).
 */
import hre from "hardhat";
import { clearSnapshots } from "@nomicfoundation/hardhat-network-helpers";
import {
  TASK_COMPILE_SOLIDITY_GET_DEPENDENCY_GRAPH,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_NAMES,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS,
} from "hardhat/builtin-tasks/task-names";
import type { DependencyGraph } from "hardhat/types/builtin-tasks";
import Mocha from "mocha";
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..");
const WORK = path.join(ROOT, ".mutation");
const SUMO_RESULTS = path.join(ROOT, ".sumo", "results");

/**
 * The deployables whose code a mutant can change: the core, the two extensions it reaches by DELEGATECALL (deployRxTrace
 * deploys all three from their artifacts) and the settlement beside them. A mutant recompiles those whose sources
 * import its file, and is equivalent only when each of them keeps the original's bytecode.
 */
const DEPLOYABLES = ["RxTrace", "RxTraceExtension", "RxTraceExtension2", "RxTraceExtension3", "RxSettlement"] as const;
type Deployable = (typeof DEPLOYABLES)[number];
const sourceOf = (name: Deployable) => `contracts/${name}.sol`;
const artifactOf = (root: string, name: Deployable) => path.join(root, "contracts", `${name}.sol`, `${name}.json`);

/** The contract suites: what every live mutant must have survived (MUTATION_SUITES narrows it for a trial). */
const CONTRACT_SUITES = [
  "AccessMatrix",
  "PartnerRegistry",
  "BatchRegistry",
  "Custody",
  "ProductSafety",
  "Dispensing",
  "Verification",
  "Cases",
  "SignedHandovers",
  "Journey",
  "SharedLibrary",
  "ContractPartners",
  "Attacks",
  "AttacksFresh",
  "AttacksGrace",
  "PauseGrace",
  "SignatureForms",
  "RxTraceExtension",
  "Governance",
  "AttacksGovernance",
  "ContractPartnersRareActs",
  "Corrections",
  "AttacksCorrections",
  "Settlement",
  "AttacksSettlement",
];
const ALL_SUITES = process.env.MUTATION_SUITES
  ? CONTRACT_SUITES.filter((s) => process.env.MUTATION_SUITES?.split(",").includes(s))
  : CONTRACT_SUITES;

/** The suites most likely to kill a mutant of each file, run first. */
const FIRST_SUITES: Record<string, string[]> = {
  "RxAccess.sol": ["PauseGrace", "AttacksGrace", "AccessMatrix", "Attacks", "PartnerRegistry"],
  "PartnerRegistry.sol": ["PartnerRegistry", "AccessMatrix", "AttacksGrace"],
  "BatchRegistry.sol": ["BatchRegistry"],
  "Custody.sol": ["Custody"],
  "ProductSafety.sol": ["ProductSafety"],
  "Dispensing.sol": ["Dispensing"],
  "Verification.sol": ["Verification"],
  "Cases.sol": ["Cases", "AttacksGrace", "Attacks"],
  "SignedHandovers.sol": ["SignedHandovers", "SignatureForms", "ContractPartners", "Attacks"],
  "GS1.sol": ["SharedLibrary", "BatchRegistry", "PartnerRegistry", "Cases"],
  "Ids.sol": ["SharedLibrary", "Dispensing", "Verification"],
  "Routes.sol": ["Custody"],
  "Temperature.sol": ["Custody"],
  "BatchFlags.sol": ["ProductSafety"],
  "HoldingPacking.sol": ["Dispensing", "Custody"],
  "RxExtensionBase.sol": ["RxTraceExtension", "AccessMatrix"],
  "Governance.sol": ["Governance", "AttacksGovernance", "ContractPartnersRareActs", "AccessMatrix"],
  "Corrections.sol": ["Corrections", "AttacksCorrections", "ContractPartnersRareActs", "AccessMatrix"],
  "Delegation.sol": ["RxTraceExtension", "Corrections"],
  "RxSettlement.sol": ["Settlement", "AttacksSettlement"],
};

interface Mutant {
  hash: string;
  file: string; // source name, e.g. contracts/modules/Custody.sol
  operator: string;
  line: number;
  original: string;
  replacement: string;
  source: string; // the whole mutated file
}

export type Status = "killed" | "live" | "stillborn" | "equivalent" | "timedout";

export interface Result {
  hash: string;
  file: string;
  operator: string;
  line: number;
  original: string;
  replacement: string;
  status: Status;
  killedBy?: string;
  seconds: number;
}

/** The last line a worker prints when it tested all its mutants. */
const DONE = "done:";
/** The exit code of a worker that asks to be replaced. */
const RESTART = 75;
/** A mutant's suites get this long in all; a live mutant needs well under a minute. */
const WATCHDOG_SECONDS = Number(process.env.MUTATION_WATCHDOG_SECONDS ?? 150);

function suiteFile(name: string): string {
  return path.join(ROOT, "test", `${name}.test.ts`);
}

/** Has SuMo write the mutants of contracts/ to .sumo/results (generated.csv and one file per mutant). */
function generateMutants(): void {
  rmSync(path.join(ROOT, ".sumo"), { recursive: true, force: true });
  // SuMo finds the project root through app-root-path; name it, so a linked node_modules can't mislead it.
  execFileSync(process.execPath, [require.resolve("@morenabarboni/sumo/index.js"), "mutate"], {
    cwd: ROOT,
    env: { ...process.env, APP_ROOT_PATH: ROOT },
    stdio: "ignore",
  });
}

/** The mutants SuMo wrote. */
function readMutants(): Mutant[] {
  const rows = readFileSync(path.join(SUMO_RESULTS, "generated.csv"), "utf8").trim().split("\n").slice(1);
  return rows.map((row) => {
    const [hash, file, operator, , , startLine, , original, replacement] = row.split("$");
    const source = readFileSync(path.join(SUMO_RESULTS, "mutants", `${path.basename(file)}-${hash}.sol`), "utf8");
    return {
      hash,
      file: path.relative(ROOT, file).split(path.sep).join("/"),
      operator,
      line: Number(startLine),
      original: original.trim(),
      replacement: replacement.replace(/;\s*$/, "").trim(),
      source,
    };
  });
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

interface Built {
  abi: unknown[];
  bytecode: string;
  deployed: string;
}

interface Input {
  language: string;
  sources: Record<string, { content: string }>;
  settings: Record<string, unknown>;
  /** For each deployable, the sources it is built from. */
  closure: Record<Deployable, Set<string>>;
}

/**
 * The standard-JSON input of every source under contracts/ and what they import, read from disk (the build-infos of
 * an incremental build each hold only part of them), set up for fast, deterministic compiles; and, for each deployable,
 * the sources it is built from.
 */
async function buildInput(): Promise<Input> {
  const sourcePaths = (await hre.run(TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS)) as string[];
  const sourceNames = (await hre.run(TASK_COMPILE_SOLIDITY_GET_SOURCE_NAMES, { sourcePaths })) as string[];
  const graph = (await hre.run(TASK_COMPILE_SOLIDITY_GET_DEPENDENCY_GRAPH, { sourceNames })) as DependencyGraph;
  const files = graph.getResolvedFiles();
  const closure = {} as Record<Deployable, Set<string>>;
  for (const name of DEPLOYABLES) {
    const file = files.find((f) => f.sourceName === sourceOf(name));
    if (!file) throw new Error(`${sourceOf(name)} is not among the sources (${files.length} found)`);
    closure[name] = new Set([file.sourceName, ...graph.getTransitiveDependencies(file).map((d) => d.dependency.sourceName)]);
  }
  const compiler = hre.config.solidity.compilers[0];
  const input: Input = {
    language: "Solidity",
    sources: Object.fromEntries(files.map((f) => [f.sourceName, { content: f.content.rawContent }])),
    settings: {
      ...compiler.settings,
      viaIR: false,
      optimizer: { enabled: true, runs: 200 },
      metadata: { bytecodeHash: "none", appendCBOR: false },
    },
    closure,
  };
  return input;
}

// solc-js stays loaded for the whole run: loading and warming it up is most of a one-off compile's time.
const solc = require("solc") as { compile(input: string): string };

/**
 * Compiles `names` in one solc call, through viaIR or the legacy pipeline, with `file` replaced by `source` when given;
 * returns each one's code, or the first error.
 */
function compile(input: Input, names: Deployable[], viaIR: boolean, file?: string, source?: string): Partial<Record<Deployable, Built>> | { error: string } {
  // Only the sources these deployables are built from: solc analyses every source it is given.
  const needed = new Set(names.flatMap((n) => [...input.closure[n]]));
  const sources = Object.fromEntries(
    Object.entries(input.sources)
      .filter(([name]) => needed.has(name))
      .map(([name, content]) => [name, name === file ? { content: source as string } : content]),
  );
  const outputSelection = Object.fromEntries(names.map((n) => [sourceOf(n), { [n]: ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] }]));
  const settings = { ...input.settings, viaIR, outputSelection };
  const out = JSON.parse(solc.compile(JSON.stringify({ language: input.language, sources, settings }))) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) return { error: errors[0].formattedMessage };
  const built: Partial<Record<Deployable, Built>> = {};
  for (const n of names) {
    const contract = out.contracts?.[sourceOf(n)]?.[n];
    if (!contract) return { error: `no ${n} in the output` };
    built[n] = { abi: contract.abi, bytecode: contract.evm.bytecode.object, deployed: contract.evm.deployedBytecode.object };
  }
  return built;
}

/**
 * Compiles `names`: those of `viaIR` through the IR pipeline one at a time, the others together through the legacy
 * pipeline (several times faster).
 */
function compileAll(input: Input, names: Deployable[], viaIR: Set<Deployable>, file?: string, source?: string): Partial<Record<Deployable, Built>> | { error: string } {
  const legacy = names.filter((n) => !viaIR.has(n));
  let built: Partial<Record<Deployable, Built>> = {};
  for (const group of [legacy, ...names.filter((n) => viaIR.has(n)).map((n) => [n])]) {
    if (group.length === 0) continue;
    const out = compile(input, group, viaIR.has(group[0]), file, source);
    if ("error" in out) return out;
    built = { ...built, ...out };
  }
  return built;
}

/** Writes the artifacts of every deployable: the mutant's code where it built one, the original's elsewhere. */
function writeArtifacts(bases: Record<Deployable, Record<string, unknown>>, original: Record<Deployable, Built>, mutant: Partial<Record<Deployable, Built>> = {}): void {
  for (const name of DEPLOYABLES) {
    const built = mutant[name] ?? original[name];
    writeFileSync(
      artifactOf(hre.config.paths.artifacts, name),
      JSON.stringify({ ...bases[name], abi: built.abi, bytecode: `0x${built.bytecode}`, deployedBytecode: `0x${built.deployed}` }),
    );
  }
  hre.artifacts.clearCache?.();
}

/** What the current run's reporter saw. */
const outcome: { failed?: string; timedOut: boolean } = { timedOut: false };

/** Records the first failure of a run, and prints nothing. */
class Quiet {
  constructor(runner: Mocha.Runner) {
    runner.on("fail", (test: Mocha.Test, err: Error) => {
      outcome.failed ??= test.fullTitle();
      if (/Timeout of \d+ms exceeded/.test(err.message)) outcome.timedOut = true;
    });
  }
}

/**
 * One mocha instance per suite, its file loaded once and run again for every mutant: loading (and
 * transpiling) a test file is a good part of a short run. Fixtures start afresh each run (see runSuites).
 */
const loaded = new Map<string, Mocha>();
// Each loaded suite keeps its process listeners (uncaughtException, unhandledRejection) between runs.
process.setMaxListeners(CONTRACT_SUITES.length + 10);

async function suiteOf(name: string): Promise<Mocha> {
  let mocha = loaded.get(name);
  if (!mocha) {
    // Gas figures belong to the production build (viaIR), not to this one: tests of gas are left out here.
    mocha = new Mocha({ timeout: 60_000, bail: true, grep: /\bgas\b/, invert: true, reporter: Quiet as unknown as string });
    mocha.cleanReferencesAfterRun(false);
    mocha.addFile(suiteFile(name));
    await mocha.loadFilesAsync();
    loaded.set(name, mocha);
  }
  return mocha;
}

/** Runs `suites` in this process on a fresh chain, stopping at the first failure; returns its title. */
async function runSuites(suites: string[]): Promise<{ failed?: string; timedOut: boolean }> {
  await hre.network.provider.send("hardhat_reset");
  await clearSnapshots();
  outcome.failed = undefined;
  outcome.timedOut = false;
  for (const suite of suites) {
    const mocha = await suiteOf(suite);
    await new Promise<number>((resolve) => mocha.run(resolve));
    if (outcome.failed) break;
  }
  return { ...outcome };
}

function shard(): { index: number; count: number } {
  const spec = process.env.MUTATION_SHARD ?? "1/1";
  const match = /^(\d+)\/(\d+)$/.exec(spec);
  if (!match || Number(match[1]) < 1 || Number(match[1]) > Number(match[2])) {
    throw new Error(`MUTATION_SHARD: "${spec}" is not i/n with 1 <= i <= n (e.g. 1/2)`);
  }
  return { index: Number(match[1]), count: Number(match[2]) };
}

/**
 * `npm run mutation`: has SuMo generate the mutants, then runs MUTATION_JOBS workers (default 2, one per
 * core), each on its share of the mutants with its own artifacts folder, and prints the report.
 */
async function coordinate(): Promise<void> {
  const jobs = Number(process.env.MUTATION_JOBS ?? 2);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`MUTATION_JOBS: "${process.env.MUTATION_JOBS}" is not a whole number >= 1`);
  mkdirSync(WORK, { recursive: true });
  generateMutants();
  if (!process.env.MUTATION_HASHES) {
    for (const f of readdirSync(WORK)) if (/^results-.*\.jsonl$/.test(f)) rmSync(path.join(WORK, f));
  }
  const stamp = Date.now();
  const codes = await Promise.all(
    Array.from({ length: jobs }, async (_, i) => {
      const env = {
        ...process.env,
        MUTATION_WORKER: "1",
        MUTATION_SHARD: `${i + 1}/${jobs}`,
        // A re-run of chosen mutants sorts after the full run's files, and its verdicts replace theirs.
        MUTATION_OUT: path.join(WORK, process.env.MUTATION_HASHES ? `results-z-rerun-${stamp}-${i + 1}-of-${jobs}.jsonl` : `results-${i + 1}-of-${jobs}.jsonl`),
        RXTRACE_MUTATION_ARTIFACTS: path.join(WORK, `artifacts-${i + 1}`),
        RXTRACE_MUTATION_CACHE: path.join(WORK, `cache-${i + 1}`),
      };
      // A worker that met a mutant looping until the test timeout exits to be replaced (the in-process node
      // is still busy with it); the new worker skips what the file already has.
      for (let attempt = 1; attempt <= 100; attempt++) {
        const code = await runWorker(i + 1, env);
        if (code !== RESTART) return code;
        console.log(`[worker ${i + 1}] restarting after a mutant that timed out`);
      }
      return 1;
    }),
  );
  if (codes.some((c) => c !== 0)) throw new Error(`a mutation worker failed (exit codes ${codes.join(", ")})`);
  execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(__dirname, "mutation-report.ts")], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

/** Runs one worker process; resolves with its exit code, or 1 when it ended without its last line. */
function runWorker(n: number, env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "run", "--no-compile", __filename], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let finished = false;
  child.stdout.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      if (line.startsWith(DONE)) finished = true;
      console.log(`[worker ${n}] ${line}`);
    }
  });
  return new Promise<number>((resolve) =>
    child.on("close", (code) => resolve(code === RESTART ? RESTART : finished ? (code ?? 1) : code || 1)),
  );
}

async function main(): Promise<void> {
  if (process.env.RXTRACE_MUTATION !== "1") {
    throw new Error("run through `npm run mutation` (RXTRACE_MUTATION=1 points Hardhat at .mutation/)");
  }
  if (process.env.MUTATION_WORKER !== "1") return coordinate();
  const { index, count } = shard();
  cpSync(path.join(ROOT, "artifacts"), hre.config.paths.artifacts, { recursive: true });
  const bases = Object.fromEntries(
    DEPLOYABLES.map((n) => [n, JSON.parse(readFileSync(artifactOf(path.join(ROOT, "artifacts"), n), "utf8")) as Record<string, unknown>]),
  ) as Record<Deployable, Record<string, unknown>>;
  const input = await buildInput();
  const { closure } = input;

  const filters = (process.env.MUTATION_FILES ?? "").split(",").map((f) => f.trim()).filter(Boolean);
  const hashes = (process.env.MUTATION_HASHES ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  const limit = Number(process.env.MUTATION_LIMIT ?? Infinity);
  const all = readMutants();
  const mine = all
    .filter((m) => filters.length === 0 || filters.some((f) => m.file.includes(f)))
    .filter((m) => hashes.length === 0 || hashes.includes(m.hash))
    .filter((_, i) => i % count === index - 1)
    .slice(0, limit);
  // The files run in the order MUTATION_FILES names them, so a run cut short has finished the first ones.
  const rank = (m: Mutant) => filters.findIndex((f) => m.file.includes(f));
  mine.sort((a, b) => rank(a) - rank(b));
  console.log(`${all.length} mutants from SuMo; this shard (${index}/${count}) tests ${mine.length}`);

  // Each deployable goes through the legacy pipeline unless it runs out of stack there (then viaIR, minutes on solc-js).
  // One that no mutant of this shard touches keeps its production artifact.
  const viaIR = new Set<Deployable>();
  const original = {} as Record<Deployable, Built>;
  for (const name of DEPLOYABLES) {
    if (!mine.some((m) => closure[name].has(m.file))) {
      const base = bases[name] as { abi: unknown[]; bytecode: string; deployedBytecode: string };
      original[name] = { abi: base.abi, bytecode: base.bytecode.slice(2), deployed: base.deployedBytecode.slice(2) };
      continue;
    }
    let built = compile(input, [name], false);
    if ("error" in built && /Stack too deep/.test(built.error)) {
      viaIR.add(name);
      built = compile(input, [name], true);
      console.log(`${name}: the legacy pipeline runs out of stack, compiling its mutants through viaIR`);
    }
    if ("error" in built) throw new Error(`the original ${name} doesn't compile: ${built.error}`);
    original[name] = built[name] as Built;
  }
  writeArtifacts(bases, original);
  if (process.env.MUTATION_SKIP_ORIGINAL === "1") {
    console.log("original: not tested (MUTATION_SKIP_ORIGINAL=1)");
  } else {
    const pre = await runSuites(ALL_SUITES);
    if (pre.failed) throw new Error(`the original fails a contract test under mutation settings: ${pre.failed}`);
    console.log("original: every contract suite passes");
  }

  const out = process.env.MUTATION_OUT ?? path.join(WORK, `results-${index}-of-${count}.jsonl`);
  const tested = new Set(
    existsSync(out)
      ? readFileSync(out, "utf8").split("\n").filter(Boolean).map((line) => (JSON.parse(line) as Result).hash)
      : [],
  );
  if (tested.size === 0) writeFileSync(out, "");
  let done = 0;
  for (const m of mine) {
    if (tested.has(m.hash)) {
      done += 1;
      continue;
    }
    const started = performance.now();
    const affected = DEPLOYABLES.filter((n) => closure[n].has(m.file));
    const built = compileAll(input, affected, viaIR, m.file, m.source);
    let status: Status;
    let killedBy: string | undefined;
    if ("error" in built) {
      status = "stillborn";
    } else if (affected.every((n) => built[n]?.bytecode === original[n].bytecode && built[n]?.deployed === original[n].deployed)) {
      status = "equivalent";
    } else {
      writeArtifacts(bases, original, built);
      const first = (FIRST_SUITES[path.basename(m.file)] ?? ALL_SUITES).filter((s) => ALL_SUITES.includes(s));
      const suites = async () => {
        const run = await runSuites(first);
        return run.failed ? run : runSuites(ALL_SUITES.filter((s) => !first.includes(s)));
      };
      // Some mutants leave a request to the in-process node unanswered for good: without this watchdog the
      // worker would simply run out of work to wait on and end without a word.
      let watchdog: NodeJS.Timeout | undefined;
      const run = await Promise.race([
        suites(),
        new Promise<{ failed: string; timedOut: boolean }>((resolve) => {
          watchdog = setTimeout(() => resolve({ failed: `no verdict within ${WATCHDOG_SECONDS} s`, timedOut: true }), WATCHDOG_SECONDS * 1000);
        }),
      ]);
      clearTimeout(watchdog);
      status = run.failed ? (run.timedOut ? "timedout" : "killed") : "live";
      killedBy = run.failed;
    }
    const result: Result = {
      hash: m.hash,
      file: m.file,
      operator: m.operator,
      line: m.line,
      original: m.original,
      replacement: m.replacement,
      status,
      killedBy,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    appendFileSync(out, JSON.stringify(result) + "\n");
    done += 1;
    console.log(`[${done}/${mine.length}] ${m.hash} ${path.basename(m.file)}:${m.line} ${m.operator} ${status} (${result.seconds} s)`);
    if (status === "timedout") process.exit(RESTART);
  }
  writeArtifacts(bases, original);
  console.log(`${DONE} ${done} mutants, results in ${path.relative(ROOT, out)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
