/**
 * The verification page's server side, a Vite plugin (dev server and preview alike). The browser reads the
 * chain itself; it only asks this middleware for what lives on the operator's disk:
 *
 *   GET /api/networks                     the networks the page may use, with their RPC URLs (and the
 *                                          indexer of RXTRACE_INDEXER_URL for the network it indexes)
 *   GET /api/deployments/<network>.json   the deployment record (RXTRACE_DEPLOYMENTS_DIR or deployments/)
 *   GET /api/proof?network=&batch=&serial= { proof: string[] } from the batch's serial file; an unknown serial
 *                                          (or a batch without a serial file) gets an empty proof, and the
 *                                          contract then says SerialNotInBatch
 *
 * Whole serial lists never leave the server. The same server answers GS1 verification requests (src/vrs, docs/vrs.md)
 * for the suite of RXTRACE_VRS_NETWORK (default localhost): GET /01/…/10/…/21/…?17=…&linkType=verificationService…,
 * /gtin/…/lot/…/ser/…?exp=…, /checkConnectivity.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { Connect, Plugin } from "vite";
import { JsonRpcProvider, Network } from "ethers";
import type { DeploymentRecord } from "../src/chain/deployment";
import { RxTrace__factory } from "../typechain-types/factories/contracts/RxTrace__factory";
import { vrsMiddleware } from "../src/vrs/responder";
import { InputError } from "../src/domain/errors";
import { parseSerial } from "../src/gs1/identifiers";
import { loadSerialTree, serialFilePath } from "../src/files/serial-files";
import type { SerialTree } from "../src/merkle/serial-tree";

export const DEFAULT_LOCALHOST_RPC_URL = "http://127.0.0.1:8545";

export interface NetworkOption {
  name: string;
  rpcUrl: string;
  /** The deployment record exists on the server. */
  deployed: boolean;
  /** The network's indexer, when RXTRACE_INDEXER_URL is set: the page reads the history from it. */
  indexerUrl?: string;
}

export interface ApiOptions {
  /** Where the records live; default RXTRACE_DEPLOYMENTS_DIR or deployments/ of the repository. */
  deploymentsDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Networks the page offers: localhost always; amoy and polygon when their record and RPC URL exist. */
export function networkOptions(dir: string, env: NodeJS.ProcessEnv): NetworkOption[] {
  const record = (name: string) => existsSync(path.join(dir, `${name}.json`));
  const options: NetworkOption[] = [
    { name: "localhost", rpcUrl: env.RXTRACE_RPC_URL_LOCALHOST || DEFAULT_LOCALHOST_RPC_URL, deployed: record("localhost") },
  ];
  for (const [name, variable] of [["amoy", "AMOY_RPC_URL"], ["polygon", "POLYGON_RPC_URL"]] as const) {
    const url = env[variable];
    if (url && record(name)) options.push({ name, rpcUrl: url, deployed: true });
  }
  // The indexer (docs/indexer.md) serves the network it indexes: RXTRACE_INDEXER_NETWORK, localhost by default.
  const indexed = options.find((o) => o.name === (env.RXTRACE_INDEXER_NETWORK || "localhost"));
  if (indexed && env.RXTRACE_INDEXER_URL) indexed.indexerUrl = env.RXTRACE_INDEXER_URL;
  return options;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.end(JSON.stringify(body));
}

/** Serial trees by file, rebuilt only when the file changes. */
const trees = new Map<string, { mtimeMs: number; tree: SerialTree | undefined }>();

function treeOf(network: string, batchId: string, dir: string): SerialTree | undefined {
  const file = serialFilePath(network, batchId, dir);
  if (!existsSync(file)) return undefined;
  const { mtimeMs } = statSync(file);
  const cached = trees.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.tree;
  const tree = loadSerialTree(network, batchId, dir);
  trees.set(file, { mtimeMs, tree });
  return tree;
}

/** The middleware itself (exported for tests and other servers). */
export function apiMiddleware(options: ApiOptions = {}): Connect.NextHandleFunction {
  const env = options.env ?? process.env;
  const dir = options.deploymentsDir ?? (env.RXTRACE_DEPLOYMENTS_DIR || path.join(__dirname, "..", "deployments"));
  return (req: IncomingMessage, res: ServerResponse, next: Connect.NextFunction) => {
    const url = new URL(req.url ?? "/", "http://page.invalid");
    if (!url.pathname.startsWith("/api/")) return next();
    try {
      const networks = networkOptions(dir, env);
      const known = (name: string | null, field: string): string => {
        if (name === null || !networks.some((n) => n.name === name)) {
          throw new InputError(field, name ?? "", `one of the configured networks: ${networks.map((n) => n.name).join(", ")}`);
        }
        return name;
      };
      if (url.pathname === "/api/networks") return send(res, 200, { networks });
      const record = /^\/api\/deployments\/([a-z0-9-]+)\.json$/.exec(url.pathname);
      if (record) {
        const network = known(record[1], "network");
        const file = path.join(dir, `${network}.json`);
        if (!existsSync(file)) {
          return send(res, 404, { error: `no deployment record for "${network}": deploy first (npm run deploy -- --network ${network}, or npm run demo -- --network ${network})` });
        }
        return send(res, 200, JSON.parse(readFileSync(file, "utf8")) as unknown);
      }
      if (url.pathname === "/api/proof") {
        const network = known(url.searchParams.get("network"), "network");
        const batch = url.searchParams.get("batch") ?? "";
        if (!/^0x[0-9a-f]{64}$/.test(batch)) throw new InputError("batch", batch, "a batch id: 0x and 64 lower-case hex digits");
        const serial = parseSerial(url.searchParams.get("serial") ?? "", "serial");
        const tree = treeOf(network, batch, dir);
        return send(res, 200, { proof: tree?.has(serial) ? tree.proof(serial) : [] });
      }
      return send(res, 404, { error: `no such API: ${url.pathname}` });
    } catch (error) {
      if (error instanceof InputError) return send(res, 400, { error: error.message });
      return send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * The verification responder over the suite of RXTRACE_VRS_NETWORK (default localhost), reached through the page's
 * RPC URL of that network; connected at the first request (and again after a failure).
 */
export function vrsApiMiddleware(options: ApiOptions = {}): Connect.NextHandleFunction {
  const env = options.env ?? process.env;
  const dir = options.deploymentsDir ?? (env.RXTRACE_DEPLOYMENTS_DIR || path.join(__dirname, "..", "deployments"));
  const network = env.RXTRACE_VRS_NETWORK || "localhost";
  return vrsMiddleware(async () => {
    const option = networkOptions(dir, env).find((n) => n.name === network);
    const file = path.join(dir, `${network}.json`);
    if (!option || !existsSync(file)) throw new Error(`no deployment record for "${network}" (RXTRACE_VRS_NETWORK): deploy first`);
    const record = JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord;
    const provider = new JsonRpcProvider(option.rpcUrl, Network.from(record.chainId), { staticNetwork: true });
    const rx = RxTrace__factory.connect(record.contracts.RxTrace.address, provider);
    return { rx, fromBlock: record.contracts.RxTrace.blockNumber, serialTree: (batchId: string) => treeOf(network, batchId, dir), responderGln: env.RXTRACE_VRS_RESPONDER_GLN || undefined };
  });
}

/** The Vite plugin: the same middleware for `vite` (dev) and `vite preview`. */
export function rxtraceApi(options: ApiOptions = {}): Plugin {
  return {
    name: "rxtrace-api",
    configureServer(server) {
      server.middlewares.use(apiMiddleware(options));
      server.middlewares.use(vrsApiMiddleware(options));
    },
    configurePreviewServer(server) {
      server.middlewares.use(apiMiddleware(options));
      server.middlewares.use(vrsApiMiddleware(options));
    },
  };
}
