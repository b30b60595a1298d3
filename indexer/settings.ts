/** Where the indexer reads its network, deployments and database from (see ponder.config.ts). */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { config as loadDotenv } from "dotenv";

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// The repository's .env, as the Hardhat config reads it (RPC URLs, DATABASE_URL); the environment wins.
loadDotenv({ path: process.env.DOTENV_CONFIG_PATH || path.join(repositoryRoot, ".env"), quiet: true });

const RPC: Record<string, { variable: string; fallback?: string }> = {
  localhost: { variable: "LOCALHOST_RPC_URL", fallback: "http://127.0.0.1:8545" },
  amoy: { variable: "AMOY_RPC_URL" },
  polygon: { variable: "POLYGON_RPC_URL" },
};

interface Record_ {
  network: string;
  chainId: number;
  contracts: { RxTrace: { address: string; blockNumber: number } };
}

export interface IndexerSettings {
  network: string;
  chainId: number;
  rpcUrl: string;
  local: boolean;
  pollingInterval: number;
  getLogsBlockRange?: number;
  addresses: `0x${string}`[];
  startBlock: number;
  databaseUrl?: string;
  pgliteDir: string;
}

function fail(message: string): never {
  const error = new Error(message);
  error.stack = undefined;
  throw error;
}

/** Reads the settings from the environment and the deployment records; a missing piece is named with its remedy. */
export function indexerSettings(env: NodeJS.ProcessEnv = process.env): IndexerSettings {
  const network = env.RXTRACE_INDEXER_NETWORK || "localhost";
  const dir = env.RXTRACE_DEPLOYMENTS_DIR || path.join(repositoryRoot, "deployments");
  const file = path.join(dir, `${network}.json`);
  if (!existsSync(file)) {
    fail(`RXTRACE_INDEXER_NETWORK=${network}: no deployment record ${file}; deploy first with \`npm run deploy -- --network ${network}\``);
  }
  const current = JSON.parse(readFileSync(file, "utf8")) as Record_;
  // Every record of the same chain: the current one and earlier deployments kept beside it (e.g. `<network>-v1.json`).
  const records = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Record_)
    .filter((r) => r.chainId === current.chainId && r.contracts?.RxTrace?.address && (r.network === network || r.network.startsWith(`${network}-`)));
  const addresses = [...new Set(records.map((r) => r.contracts.RxTrace.address.toLowerCase() as `0x${string}`))];
  const startBlock = Math.min(...records.map((r) => r.contracts.RxTrace.blockNumber));
  const rpc = RPC[network];
  const rpcUrl = env.RXTRACE_INDEXER_RPC_URL || (rpc ? env[rpc.variable] || rpc.fallback : undefined);
  if (!rpcUrl) fail(`RXTRACE_INDEXER_NETWORK=${network}: no RPC URL; set RXTRACE_INDEXER_RPC_URL${rpc ? ` or ${rpc.variable}` : ""}`);
  const local = current.chainId === 31337;
  const range = env.RXTRACE_INDEXER_GETLOGS_RANGE ? Number(env.RXTRACE_INDEXER_GETLOGS_RANGE) : undefined;
  if (range !== undefined && !(Number.isInteger(range) && range > 0)) {
    fail(`RXTRACE_INDEXER_GETLOGS_RANGE=${env.RXTRACE_INDEXER_GETLOGS_RANGE}: expected a whole number of blocks above 0`);
  }
  return {
    network,
    chainId: current.chainId,
    rpcUrl,
    local,
    pollingInterval: local ? 200 : 1_000,
    // A local node answers any range; a public provider's limit is found by Ponder from its error (or set here).
    getLogsBlockRange: range ?? (local ? 10_000_000 : undefined),
    addresses,
    startBlock,
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir:
      env.RXTRACE_INDEXER_DIR ||
      path.join(repositoryRoot, ".ponder", `${network}-${current.chainId}-${current.contracts.RxTrace.address.toLowerCase()}-${current.contracts.RxTrace.blockNumber}`),
  };
}
