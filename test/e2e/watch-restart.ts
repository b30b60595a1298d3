/**
 * rx:watch killed with SIGKILL in the middle of its deliveries and restarted on the same checkpoint, as a partner runs
 * it: `npx hardhat --network localhost rx:watch … --once --webhook …` as its own process, posting to a real HTTP
 * receiver that checks every signature and processes an alert once per Idempotency-Key. Shared by the test that
 * reads the chain (WatchRestart.test.ts) and the one that reads the indexer (Indexer.test.ts).
 */
import { spawn } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import { copyFileSync } from "node:fs";
import path from "node:path";
import type { Alert } from "../../src/watch/alerts";
import { loadCheckpoint } from "../../src/watch/checkpoint";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature } from "../../src/watch/webhook";
import { childEnv } from "./processes";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = require.resolve("hardhat/internal/cli/bootstrap", { paths: [ROOT] });
const SECRET = "restart-test-secret-0123456789";

/** What the receiver does with the n-th request of a run: answer it, or answer it and kill, or kill unanswered. */
type Plan = (n: number) => "answer" | "answer-then-kill" | "kill";

export interface RestartSetup {
  /** The holder's GLN or address. */
  holder: string;
  /** The chain over JSON-RPC (the `localhost` network of the child). */
  rpcUrl: string;
  /** A folder with the `localhost.json` record. */
  deploymentsDir: string;
  checkpoint: string;
  /** More environment for the child (RXTRACE_INDEXER_URL). */
  env?: Record<string, string>;
  /** Only the first kill (delivered, not recorded), then the run to the end: two runs instead of three. */
  oneKill?: boolean;
}

export interface RestartOutcome {
  /** How each run ended: two kills, then a clean exit. */
  runs: unknown[];
  /** The keys the receiver processed (once each), in order. */
  processed: string[];
  badSignatures: number;
  /** The keys printed on stdout over the three runs. */
  printed: string[];
  pendingAtTheEnd: number;
  pendingAfterFirstKill: boolean;
  /** Requests that came again (the one in flight at each kill). */
  duplicates: number;
  stderr: string;
  ms: number;
}

/**
 * Three runs on one checkpoint: killed right after the receiver answered the 4th alert, before the watcher can record
 * it (the worst moment: delivered but not checkpointed); then while the next run's 3rd request is unanswered (skipped
 * with `oneKill`); then to the end.
 */
export async function killAndRestart(setup: RestartSetup): Promise<RestartOutcome> {
  const requests: string[] = [];
  const processed: string[] = [];
  let badSignatures = 0;
  let plan: Plan = () => "answer";
  let n = 0;
  let killChild: () => void = () => {};
  const server = createServer((req, res: ServerResponse) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const key = String(req.headers[IDEMPOTENCY_HEADER.toLowerCase()]);
      if (!verifySignature(SECRET, req.headers[SIGNATURE_HEADER.toLowerCase()] as string, body)) badSignatures++;
      requests.push(key);
      const step = plan(++n);
      if (step === "kill") return killChild();
      if (!processed.includes(key)) processed.push(key);
      res.end("ok", () => (step === "answer-then-kill" ? killChild() : undefined));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const hookPort = (server.address() as { port: number }).port;

  /** One run of `npx hardhat --network localhost rx:watch … --once` as its own process, to its exit or kill. */
  const run = (how: Plan) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
      plan = how;
      n = 0;
      const child = spawn(
        process.execPath,
        [HARDHAT, "--network", "localhost", "rx:watch", "--holder", setup.holder, "--once", "--webhook", `http://127.0.0.1:${hookPort}/alerts`, "--checkpoint", setup.checkpoint, "--backoff-ms", "50"],
        {
          cwd: ROOT,
          env: childEnv({ LOCALHOST_RPC_URL: setup.rpcUrl, RXTRACE_DEPLOYMENTS_DIR: setup.deploymentsDir, RXTRACE_WEBHOOK_SECRET: SECRET, ...setup.env }),
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      killChild = () => child.kill("SIGKILL");
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });

  try {
    const started = Date.now();
    const first = await run((i) => (i === 4 ? "answer-then-kill" : "answer"));
    copyFileSync(setup.checkpoint, `${setup.checkpoint}.after-first-kill`);
    const second = setup.oneKill ? undefined : await run((i) => (i === 3 ? "kill" : "answer"));
    const third = await run(() => "answer");
    const all = second ? [first, second, third] : [first, third];
    return {
      runs: [...all.slice(0, -1).map((r) => r.signal), [third.code, third.signal]],
      processed,
      badSignatures,
      printed: all.flatMap((r) => r.stdout.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as Alert).key)),
      pendingAtTheEnd: loadCheckpoint(setup.checkpoint)!.pending.length,
      pendingAfterFirstKill: loadCheckpoint(`${setup.checkpoint}.after-first-kill`)!.pending.length > 0,
      duplicates: requests.length - new Set(requests).size,
      stderr: all.map((r) => r.stderr).join("\n--- next run ---\n"),
      ms: Date.now() - started,
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** What every restart must end with, given the keys an uninterrupted run raises. */
export function expectedOutcome(expected: string[], oneKill = false) {
  return {
    runs: [...(oneKill ? ["SIGKILL"] : ["SIGKILL", "SIGKILL"]), [0, null]],
    processed: expected,
    badSignatures: 0,
    everyKeyPrinted: true,
    pendingAtTheEnd: 0,
    pendingAfterFirstKill: true,
  };
}

/** The outcome in the shape of `expectedOutcome`. */
export function outcomeShape(outcome: RestartOutcome, expected: string[]) {
  return {
    runs: outcome.runs,
    processed: outcome.processed,
    badSignatures: outcome.badSignatures,
    everyKeyPrinted: expected.every((k) => outcome.printed.includes(k)),
    pendingAtTheEnd: outcome.pendingAtTheEnd,
    pendingAfterFirstKill: outcome.pendingAfterFirstKill,
  };
}
