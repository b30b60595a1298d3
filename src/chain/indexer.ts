/**
 * The indexer from Node: the commands read through it when RXTRACE_INDEXER_URL is set (`bindIndexerFromEnv`), and
 * the demo, bench and tests start one of their own (`startIndexer`: Ponder's production server, `ponder start`, on
 * an embedded PGlite or on the PostgreSQL of DATABASE_URL). The indexer's project is indexer/ (docs/indexer.md).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { HardhatRuntimeEnvironment, JsonRpcServer } from "hardhat/types";
import type { RxTrace } from "../../typechain-types";
import { IndexerChainError, IndexerError, IndexerSource, indexerOf, useIndexer } from "./events/indexer-source";

const ROOT = path.join(__dirname, "..", "..");

/** How long a command waits for the indexer to reach the chain's latest block before it reads anyway. */
const CATCH_UP_MS = 10_000;

/**
 * Waits until the indexer has indexed `block` on chain `chainId` (or `timeoutMs` passed: then false). Ponder indexes
 * unfinalized blocks too (and reverts them on a reorganisation), so it follows the chain's head closely.
 */
export async function waitForIndexer(source: IndexerSource, chainId: number, block: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const indexed = await source.indexedBlock(chainId);
      if (indexed !== undefined && indexed >= block) return true;
    } catch (error) {
      // A busy indexer may drop a status request: asked again until the deadline; another chain is final.
      if (!(error instanceof IndexerError) || error instanceof IndexerChainError || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * With RXTRACE_INDEXER_URL set, makes `rx` read its events through the indexer, once it has caught up with the
 * chain (a line says so when it has not within 10 s: the commands then read what it has).
 */
export async function bindIndexerFromEnv(rx: RxTrace, chainId: number, log: (line: string) => void = console.error): Promise<void> {
  const url = process.env.RXTRACE_INDEXER_URL;
  if (!url || indexerOf(rx)) return;
  const source = new IndexerSource(url);
  const latest = await rx.runner!.provider!.getBlockNumber();
  if (!(await waitForIndexer(source, chainId, latest, CATCH_UP_MS))) {
    log(`the indexer at ${source.url} has not reached block ${latest} yet: its answers may miss the latest events`);
  }
  useIndexer(rx, source);
}

export interface IndexerOptions {
  /** The network whose deployment records are indexed (`deployments/<network>.json`). */
  network: string;
  /** Its JSON-RPC URL. */
  rpcUrl: string;
  deploymentsDir?: string;
  /** PostgreSQL (with `schema`); else an embedded PGlite in `pgliteDir` (a fresh temporary folder by default). */
  databaseUrl?: string;
  schema?: string;
  pgliteDir?: string;
  port?: number;
  /**
   * With PostgreSQL: drop Ponder's RPC cache (schema `ponder_sync`) first. A local chain restarted from block 0 keeps
   * its chain id and often its contract addresses, so the cache would serve the logs of the chain before.
   */
  resetSyncCache?: boolean;
  /** Where Ponder's log lines go (default: nowhere; RXTRACE_INDEXER_LOG names a file that gets them too). */
  log?: (line: string) => void;
}

export interface RunningIndexer {
  url: string;
  source: IndexerSource;
  process: ChildProcess;
  /** Waits until the indexer has indexed `block` (default: the latest) or throws after `timeoutMs`. */
  caughtUp(chainId: number, block: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Drops Ponder's RPC cache from a PostgreSQL database (`pg` is Ponder's own client). */
async function dropSyncCache(databaseUrl: string): Promise<void> {
  const { Client } = require("pg") as { Client: new (options: { connectionString: string }) => { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> } };
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("DROP SCHEMA IF EXISTS ponder_sync CASCADE");
  } finally {
    await client.end();
  }
}

/** Starts `ponder start` on the indexer/ project as a child process and waits until its server answers. */
export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const port = options.port ?? 42069;
  const schema = options.schema ?? "rxtrace";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    // Everything the indexer needs is given here: no .env file decides its database or RPC behind the caller's back.
    DOTENV_CONFIG_PATH: path.join(ROOT, "indexer", "no-such.env"),
    RXTRACE_INDEXER_NETWORK: options.network,
    RXTRACE_INDEXER_RPC_URL: options.rpcUrl,
    ...(options.deploymentsDir ? { RXTRACE_DEPLOYMENTS_DIR: options.deploymentsDir } : {}),
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else env.RXTRACE_INDEXER_DIR = options.pgliteDir ?? mkdtempSync(path.join(os.tmpdir(), "rxtrace-pglite-"));
  if (options.databaseUrl && options.resetSyncCache) await dropSyncCache(options.databaseUrl);
  const bin = path.join(ROOT, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");
  const child = spawn(process.execPath, [bin, "--root", path.join(ROOT, "indexer"), "--log-format", "json", "start", "--schema", schema, "--port", String(port), "--hostname", "127.0.0.1"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const logFile = process.env.RXTRACE_INDEXER_LOG;
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      options.log?.(line);
      if (logFile) appendFileSync(logFile, `${line}\n`);
    }
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const source = new IndexerSource(url);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  // Serving: Ponder's /health answers 200 once its server is up (its /ready only after the backfill, which
  // `caughtUp` waits for).
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new IndexerError(`the indexer exited with code ${child.exitCode}:\n${lines.slice(-20).join("\n")}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new IndexerError(`the indexer did not start serving within 180 s:\n${lines.slice(-20).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    source,
    process: child,
    async caughtUp(chainId, block, timeoutMs = 180_000) {
      const tail = () => `\n${lines.slice(-20).join("\n")}`;
      let reached: boolean;
      try {
        reached = await waitForIndexer(source, chainId, block, timeoutMs);
      } catch (error) {
        throw new IndexerError(`${(error as Error).message}${child.exitCode === null ? "" : ` (it exited with code ${child.exitCode})`}${tail()}`);
      }
      if (!reached) throw new IndexerError(`the indexer at ${url} did not reach block ${block} within ${timeoutMs} ms${tail()}`);
    },
    stop,
  };
}

/** Serves the in-process network over HTTP on `port` (Hardhat's `node` server), for an indexer to read. */
export async function serveNetwork(hre: HardhatRuntimeEnvironment, port: number): Promise<JsonRpcServer> {
  const server = (await hre.run(TASK_NODE_CREATE_SERVER, { hostname: "127.0.0.1", port, provider: hre.network.provider })) as JsonRpcServer;
  // Node's default keeps an idle connection 5 s: Ponder's client, pausing between block ranges, then sent requests on
  // connections the server was closing ("other side closed") and waited for its retries. A minute is enough.
  const http = (server as unknown as { _httpServer?: Server })._httpServer;
  if (http) {
    http.keepAliveTimeout = 60_000;
    http.headersTimeout = 61_000;
  }
  await server.listen();
  return server;
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * An indexer of the selected network for a script (the demo, the bench): the in-process network is served over
 * HTTP first; a node's URL is used as it is. `stop()` ends both.
 */
export async function indexerForNetwork(hre: HardhatRuntimeEnvironment, options: Pick<IndexerOptions, "databaseUrl" | "schema" | "deploymentsDir" | "log"> = {}): Promise<RunningIndexer> {
  let server: JsonRpcServer | undefined;
  let rpcUrl: string;
  if (hre.network.name === "hardhat") {
    const port = await freePort();
    server = await serveNetwork(hre, port);
    rpcUrl = `http://127.0.0.1:${port}`;
  } else {
    rpcUrl = (hre.network.config as { url: string }).url;
  }
  try {
    const indexer = await startIndexer({ network: hre.network.name, rpcUrl, port: await freePort(), ...options });
    const stop = indexer.stop;
    return { ...indexer, stop: async () => { await stop(); await server?.close(); } };
  } catch (error) {
    await server?.close();
    throw error;
  }
}
