/**
 * rx:watch as a partner runs it: a separate process reading the chain over JSON-RPC and posting to a real webhook
 * receiver, killed with SIGKILL in the middle of its deliveries and restarted on the same checkpoint. The chain is
 * this process's in-process network (the watch story), served over HTTP as `hardhat node` serves it.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import { spawn } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Alert } from "../../src/watch/alerts";
import { loadCheckpoint } from "../../src/watch/checkpoint";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature } from "../../src/watch/webhook";
import { parseWatchArgs, runWatch } from "../../src/commands/watch/watch-command";
import { deploymentsDir } from "../../src/chain/deployment";
import { childEnv } from "./processes";
import { tempDir } from "../tmp";
import { glnOf, watchStoryFixture } from "../tasks/watch-story";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = require.resolve("hardhat/internal/cli/bootstrap", { paths: [ROOT] });
const SECRET = "restart-test-secret-0123456789";

interface RpcServer {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

/** What the receiver does with the n-th request of a run: answer it, or answer it and kill, or kill unanswered. */
type Plan = (n: number) => "answer" | "answer-then-kill" | "kill";

describe("rx:watch killed with SIGKILL mid-delivery and restarted (real processes)", function () {
  it("loses no alert and processes each exactly once at a receiver that dedupes by Idempotency-Key", async function () {
    await loadFixture(watchStoryFixture);
    const holder = glnOf("distributor");
    // What the watcher raises for the story: the same watcher run here to the end (stdout only).
    const expected: string[] = [];
    await runWatch(hre, parseWatchArgs({ holder, once: true, checkpoint: path.join(tempDir("rx-watch-ref-"), "c.json") }), {
      out: (line) => expected.push((JSON.parse(line) as Alert).key),
      log: () => {},
    });

    const rpc = (await hre.run(TASK_NODE_CREATE_SERVER, { hostname: "127.0.0.1", port: 0, provider: hre.network.provider })) as RpcServer;
    const { port: rpcPort } = await rpc.listen();
    const dir = tempDir("rx-watch-e2e-");
    const record = JSON.parse(readFileSync(path.join(deploymentsDir(), "hardhat.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(dir, "localhost.json"), JSON.stringify({ ...record, network: "localhost" }));
    const checkpoint = path.join(dir, "watch", `${holder}.json`);

    // The receiver: every request is checked and counted; an alert is processed once per key (the dedupe).
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
          [HARDHAT, "--network", "localhost", "rx:watch", "--holder", holder, "--once", "--webhook", `http://127.0.0.1:${hookPort}/alerts`, "--checkpoint", checkpoint, "--backoff-ms", "50"],
          { cwd: ROOT, env: childEnv({ LOCALHOST_RPC_URL: `http://127.0.0.1:${rpcPort}`, RXTRACE_DEPLOYMENTS_DIR: dir, RXTRACE_WEBHOOK_SECRET: SECRET }), stdio: ["ignore", "pipe", "pipe"] },
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
      // Killed right after the receiver answered the 4th alert, before the watcher can record it (the worst moment:
      // delivered but not checkpointed); then while the next run's 3rd request is unanswered; then to the end.
      const started = Date.now();
      const first = await run((i) => (i === 4 ? "answer-then-kill" : "answer"));
      copyFileSync(checkpoint, `${checkpoint}.after-first-kill`);
      const second = await run((i) => (i === 3 ? "kill" : "answer"));
      const third = await run(() => "answer");
      console.log(`      (three runs of rx:watch in ${Date.now() - started} ms)`);
      const printed = [first, second, third].flatMap((r) => r.stdout.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as Alert).key));
      const duplicates = requests.length - new Set(requests).size;
      expect({
        runs: [first.signal, second.signal, [third.code, third.signal]],
        processed,
        badSignatures,
        everyKeyPrinted: expected.every((k) => printed.includes(k)),
        pendingAtTheEnd: loadCheckpoint(checkpoint)!.pending.length,
        pendingAfterFirstKill: loadCheckpoint(`${checkpoint}.after-first-kill`)!.pending.length > 0,
      }, `stderr of the last run:\n${third.stderr}`).to.deep.equal({
        runs: ["SIGKILL", "SIGKILL", [0, null]],
        processed: expected,
        badSignatures: 0,
        everyKeyPrinted: true,
        pendingAtTheEnd: 0,
        pendingAfterFirstKill: true,
      });
      // At-least-once on the wire: at most the one request in flight at each kill came again.
      expect(duplicates).to.be.within(1, 2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rpc.close();
    }
  });
});
