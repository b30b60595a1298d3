/**
 * The page's view of the chain: the deployment record and proofs from the page's server (server.ts), the
 * contract over plain JSON-RPC, the verdict and timeline from the shared library (src/chain/events, src/domain).
 */
import { JsonRpcProvider, Network, ZeroAddress } from "ethers";
import type { DeploymentRecord } from "../../src/chain/deployment";
import { InputError } from "../../src/domain/errors";
import { parseGln, type PackIdentity } from "../../src/gs1/identifiers";
import { batchIdOf } from "../../src/domain/ids";
import { verifyPack } from "../../src/chain/events/provenance";
import type { ScanProgress } from "../../src/chain/events/logs";
import { IndexerSource, useIndexer } from "../../src/chain/events/indexer-source";
import { type PackReport } from "../../src/domain/provenance";
import type { RxTrace } from "../../typechain-types";
import { RxTrace__factory } from "../../typechain-types/factories/contracts/RxTrace__factory";
import { IRxSettlement__factory } from "../../typechain-types/factories/contracts/interfaces/IRxSettlement__factory";
import { useSettlement } from "../../src/chain/events/settlement";
import { lineageOf, usePredecessors } from "../../src/chain/events/lineage";

export interface NetworkOption {
  name: string;
  rpcUrl: string;
  deployed: boolean;
  /** The indexer of this network (RXTRACE_INDEXER_URL on the page's server): the history is read from it. */
  indexerUrl?: string;
}

async function getJson<T>(relative: string): Promise<T> {
  const url = new URL(relative, document.baseURI);
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new Error(`the page's server did not answer (${url.pathname}): is \`npm run web\` still running?`);
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${url.pathname} answered ${response.status}`);
  return body;
}

export function loadNetworks(): Promise<NetworkOption[]> {
  return getJson<{ networks: NetworkOption[] }>("api/networks").then((r) => r.networks);
}

export interface Connection {
  network: string;
  rpcUrl: string;
  record: DeploymentRecord;
  rx: RxTrace;
  /** The deployments from the recorded one to the one asked (more than one when the recorded suite is retired). */
  lineage: string[];
}

let cached: { key: string; connection: Promise<Connection> } | undefined;

async function open(network: string, rpcUrl: string, indexerUrl?: string): Promise<Connection> {
  const record = await getJson<DeploymentRecord>(`api/deployments/${encodeURIComponent(network)}.json`);
  const provider = new JsonRpcProvider(rpcUrl, Network.from(record.chainId), { staticNetwork: true, batchMaxCount: 20 });
  let chainId: bigint;
  try {
    chainId = BigInt(await provider.send("eth_chainId", []));
  } catch {
    provider.destroy();
    throw new Error(`no node answers at ${rpcUrl} (network "${network}"): start it (npm run node) or correct the RPC URL in Settings`);
  }
  if (chainId !== BigInt(record.chainId)) {
    provider.destroy();
    throw new Error(`the deployment record of "${network}" is for chain ${record.chainId}, but ${rpcUrl} is chain ${chainId}`);
  }
  const address = record.contracts.RxTrace.address;
  if ((await provider.getCode(address)) === "0x") {
    provider.destroy();
    throw new Error(`no contract at ${address} on "${network}": the node was restarted or the record is stale; run the demo or deploy again`);
  }
  // A retired suite hands over to its successor (IMigration): the page asks the newest of the lineage.
  const lineage = await lineageOf(address, provider);
  const rx = RxTrace__factory.connect(lineage[lineage.length - 1], provider);
  await usePredecessors(rx, provider, Math.min(record.predecessor?.blockNumber ?? Infinity, record.contracts.RxTrace.blockNumber));
  // With an indexer, the events come from it (the verdict still from the contract itself).
  if (indexerUrl) useIndexer(rx, new IndexerSource(indexerUrl));
  // The lot's invoices, from the settlement beside the suite when the record has one (read in chunks: the indexer keeps the suite's logs only); its interface, not the deployable's bytecode, goes in the bundle.
  const settlement = record.contracts.RxSettlement;
  if (settlement) useSettlement(rx, IRxSettlement__factory.connect(settlement.address, provider), settlement.blockNumber);
  return { network, rpcUrl, record, rx, lineage };
}

/** The suite on `network` through `rpcUrl` (and the network's indexer, if any), opened once and reused. */
export function connect(network: string, rpcUrl: string, indexerUrl?: string): Promise<Connection> {
  const key = `${network} ${rpcUrl} ${indexerUrl ?? ""}`;
  if (!cached || cached.key !== key) {
    const connection = open(network, rpcUrl, indexerUrl);
    cached = { key, connection };
    connection.catch(() => {
      if (cached?.key === key) cached = undefined;
    });
  }
  return cached.connection;
}

/** The account of a partner's GLN, as the holder whose custody is checked. */
export async function holderOfGln(rx: RxTrace, gln: string, field: string): Promise<string> {
  const account = await rx.accountOfGln(parseGln(gln, field));
  if (account === ZeroAddress) throw new InputError(field, gln, "the GLN of an onboarded partner (this one is not on the chain)");
  return account;
}

/**
 * The verdict on a pack and its provenance. The history is read in chunks the RPC accepts (src/chain/events/logs.ts);
 * `onProgress` hears where the reading stands, for a long history on a public network.
 */
export async function checkPack(connection: Connection, pack: PackIdentity, holderGln?: string, onProgress?: (progress: ScanProgress) => void): Promise<PackReport> {
  const holder = holderGln ? await holderOfGln(connection.rx, holderGln, "My pharmacy's GLN") : undefined;
  const query = new URLSearchParams({ network: connection.network, batch: batchIdOf(pack.gtin, pack.lot), serial: pack.serial });
  const { proof } = await getJson<{ proof: string[] }>(`api/proof?${query.toString()}`);
  const report = await verifyPack(connection.rx, pack, { proof, holder, fromBlock: connection.record.contracts.RxTrace.blockNumber, ...(onProgress ? { onProgress } : {}) });
  if (connection.lineage.length > 1) report.lineage = connection.lineage;
  return report;
}
