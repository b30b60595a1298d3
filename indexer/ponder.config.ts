/**
 * The indexer's configuration (Ponder 0.16): which network, which deployments, which database.
 *
 * - Network: RXTRACE_INDEXER_NETWORK (default `localhost`); its RPC URL is RXTRACE_INDEXER_RPC_URL, else the one the
 *   Hardhat config uses (LOCALHOST_RPC_URL or http://127.0.0.1:8545, AMOY_RPC_URL, POLYGON_RPC_URL).
 * - Deployments: every record under RXTRACE_DEPLOYMENTS_DIR (default `deployments/`) whose chain is the network's:
 *   `<network>.json` and the records of earlier deployments kept beside it; indexing starts at the oldest.
 * - Database: PostgreSQL when DATABASE_URL is set (Ponder's own rule), else an embedded PGlite under
 *   RXTRACE_INDEXER_DIR (default `.ponder/<network>-<chain>-<address>`: a redeployed local node gets a fresh one).
 * - Reorganisations: Ponder keeps unfinalized blocks revertible and treats a block as final after its chain's
 *   confirmations (Polygon PoS 200 blocks; other chains, Amoy and local nodes included, 30).
 */
import { createConfig } from "ponder";
import { indexerSettings } from "./settings";
import { RxTraceAbi } from "./abi";

const settings = indexerSettings();
const LOCAL_RPC_LANES = 8;

export default createConfig({
  database: settings.databaseUrl
    ? { kind: "postgres", connectionString: settings.databaseUrl }
    : { kind: "pglite", directory: settings.pgliteDir },
  chains: {
    [settings.network]: {
      id: settings.chainId,
      // Ponder asks for each event's logs apart (39 filters) and starts at 20 requests/s per URL: a local node, which
      // has no limit, is named several times so that the history of a long-lived local chain is read in seconds.
      rpc: settings.local ? Array<string>(LOCAL_RPC_LANES).fill(settings.rpcUrl) : settings.rpcUrl,
      pollingInterval: settings.pollingInterval,
      // A local node restarted from block 0 reuses its chain id: Ponder's RPC cache would answer for the old chain.
      disableCache: settings.local,
      ...(settings.getLogsBlockRange ? { ethGetLogsBlockRange: settings.getLogsBlockRange } : {}),
    },
  },
  contracts: {
    RxTrace: {
      abi: RxTraceAbi,
      chain: settings.network,
      address: settings.addresses,
      startBlock: settings.startBlock,
    },
  },
});
