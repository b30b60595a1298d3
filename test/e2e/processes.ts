/**
 * Real processes for the end-to-end test: a `hardhat node` on a free localhost port, and rxtrace commands
 * run as a user runs them, each in its own process. Everything is bounded in time and cleaned up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../src/chain/indexer";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = require.resolve("hardhat/internal/cli/bootstrap", { paths: [ROOT] });

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A port on 127.0.0.1 that nothing listens on right now (the indexer's scripts use it too). */
export { freePort };

/** The environment of a child: ours minus anything rxtrace or Hardhat reads, plus `extra`; no .env file. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AMOY_|POLYGON_|DEPLOYER_|PARTNER_|RXTRACE_|HARDHAT_|LOCALHOST_|REDEPLOY|REPORT_GAS)/.test(key)) continue;
    env[key] = value;
  }
  // The demo starts an indexer by default; the tests that run it check other things, and the indexer's own test
  // (test/e2e/Indexer.test.ts) checks its answers against the direct scan's.
  return { ...env, DOTENV_CONFIG_PATH: path.join(ROOT, "test", "e2e", "no-such.env"), FORCE_COLOR: "0", RXTRACE_DEMO_INDEXER: "0", ...extra };
}

/** Runs `command args` from the repository root to completion (at most `timeoutMs`), collecting its output. */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, label: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${label} took more than ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Runs `hardhat <args>` to completion (at most `timeoutMs`). */
export function hardhat(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return runToEnd(process.execPath, [HARDHAT, ...args], env, timeoutMs, `hardhat ${args.join(" ")}`);
}

/** A running server process; `stop()` ends it. */
export interface Node {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` and resolves once its output (colour codes removed) contains `ready`; rejects if it
 * exits first or takes more than `timeoutMs`. The caller gets a `stop()` that ends it (SIGKILL after 5 s).
 */
export async function startServer(
  what: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
  url: string,
  timeoutMs: number,
): Promise<Node> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
      output += d.toString().replace(/\u001b\[[0-9;]*m/g, "");
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.removeAllListeners("data");
  child.stderr?.removeAllListeners("data");
  child.stdout?.resume();
  child.stderr?.resume();
  child.removeAllListeners("close");
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("close", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

/** A `hardhat node` on a free port of 127.0.0.1. */
export async function startNode(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Node> {
  const port = await freePort();
  return startServer(
    "hardhat node",
    [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    env,
    "Started HTTP and WebSocket JSON-RPC server",
    `http://127.0.0.1:${port}`,
    timeoutMs,
  );
}
