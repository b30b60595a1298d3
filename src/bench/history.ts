/**
 * History at public-chain scale, on the in-process network: a lot whose legs are spread over a long stretch of
 * blocks (hardhat_mine), read back through a proxy that refuses `eth_getLogs` over 1,000 blocks or 10,000
 * results as public providers do (limit-proxy.ts). `npm run bench` prints the chunked scan's time;
 * test/e2e/RangeLimitedRpc.test.ts checks, at a smaller size, that the answers are the same as without the proxy.
 */
import { id, JsonRpcProvider, Network } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { RxTrace } from "../../typechain-types";
import { RxTrace__factory } from "../../typechain-types/factories/contracts/RxTrace__factory";
import { deployRxTrace } from "../chain/deploy";
import { freePort, serveNetwork } from "../chain/indexer";
import { chunkSizeOf, resetChunkSize, type ScanProgress } from "../chain/events/logs";
import { verifyPack } from "../chain/events/provenance";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../domain/ids";
import type { PackReport } from "../domain/provenance";
import { SerialTree } from "../merkle/serial-tree";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../scenario/scenario";
import { startLimitProxy, type LimitCounts, type LimitStyle } from "./limit-proxy";

export interface HistorySize {
  /** Blocks from the deployment to the last leg. */
  blocks: number;
  /** Legs (a shipment and its receipt each) spread evenly over them. */
  legs: number;
}

/** The size `npm test` uses, and the full size (`npm run bench`, or RXTRACE_SCALE=full in the test). */
export const TEST_SIZE: HistorySize = { blocks: 100_000, legs: 24 };
export const FULL_SIZE: HistorySize = { blocks: 1_000_000, legs: 1_000 };

export interface History {
  rx: RxTrace;
  address: string;
  deployBlock: number;
  latest: number;
  batchId: string;
  lot: string;
  serial: string;
  proof: string[];
  /** The lot's serial tree (what `rx:commission` keeps in the serial file). */
  tree: SerialTree;
  legs: number;
  /** The last leg, still in transit. */
  inTransit: ShipmentKey & { shipmentId: string };
}

const GOOD_LEG = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: id("logger file, good leg") };

/**
 * Deploys the suite (through the deploy code), onboards a manufacturer and a distributor, commissions a
 * serialized lot, then ships one unit per leg to the distributor, `blocks / legs` blocks apart; every leg but the
 * last is received. `progress` hears about every hundredth leg.
 */
export async function buildHistory(hre: HardhatRuntimeEnvironment, size: HistorySize, progress?: (line: string) => void): Promise<History> {
  const signers = await hre.ethers.getSigners();
  const [admin, , manufacturer, , distributor] = signers;
  const rx = await deployRxTrace(hre.ethers, admin);
  const deployBlock = (await rx.deploymentTransaction()?.wait())?.blockNumber ?? (await hre.ethers.provider.getBlockNumber());
  const expiry = (await hre.ethers.provider.getBlock("latest"))!.timestamp + 3 * 365 * 86400;
  for (const [key, signer] of [["manufacturer", manufacturer], ["distributor", distributor]] as const) {
    const member = CAST.find((m) => m.key === key)!;
    await rx.onboardPartner(signer.address, member.role, member.gln, id(member.name), expiry, member.name);
    for (const prefix of member.prefixes) await rx.assignCompanyPrefix(signer.address, prefix);
  }
  const lot = `SCALE-${size.legs}`;
  const serials = serialRange(Math.max(10, size.legs + 1));
  const tree = SerialTree.of(serials);
  await rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot, expiry, quantity: BigInt(serials.length), ...COLD_CHAIN, serialRoot: tree.root, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, lot);
  const gap = Math.max(1, Math.floor(size.blocks / size.legs));
  let last: ShipmentKey & { shipmentId: string } = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 1n, nonce: 0n, shipmentId: "" };
  for (let leg = 0; leg < size.legs; leg++) {
    await hre.network.provider.send("hardhat_mine", ["0x" + (gap - 2).toString(16)]);
    const nonce = (await rx.holding(batchId, manufacturer.address)).shipments;
    await rx.connect(manufacturer).ship(batchId, distributor.address, 1n);
    const shipment: ShipmentKey = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 1n, nonce };
    last = { ...shipment, shipmentId: shipmentIdOf(shipment) };
    if (leg < size.legs - 1) await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
    if (progress && (leg + 1) % 100 === 0) progress(`  ${leg + 1} of ${size.legs} legs`);
  }
  const short = deployBlock + size.blocks - (await hre.ethers.provider.getBlockNumber());
  if (short > 0) await hre.network.provider.send("hardhat_mine", ["0x" + short.toString(16)]);
  const serial = serials[serials.length - 1];
  return {
    rx, address: await rx.getAddress(), deployBlock, latest: await hre.ethers.provider.getBlockNumber(), batchId, lot, serial, proof: tree.proof(serial), tree, legs: size.legs, inTransit: last,
  };
}

/** The in-process network's provider over HTTP, as a node would serve it (for the proxy and child processes). */
export async function serveProvider(hre: HardhatRuntimeEnvironment): Promise<{ url: string; close(): Promise<void> }> {
  // Hardhat's own JSON-RPC server (`hardhat node`'s), as the indexer bench uses it.
  const port = await freePort();
  const server = await serveNetwork(hre, port);
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** The contract over plain JSON-RPC at `url`, as the page and a remote command reach it. */
export function rxAt(url: string, address: string, chainId: number): { rx: RxTrace; provider: JsonRpcProvider } {
  const provider = new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, batchMaxCount: 20 });
  return { rx: RxTrace__factory.connect(address, provider), provider };
}

export interface ScanMeasurement {
  report: PackReport;
  ms: number;
  counts: LimitCounts;
  chunk: number;
  progress: ScanProgress[];
}

/** `verifyPack` of the history's pack through a limit proxy (in front of `nodeUrl`), timed, with what the proxy saw. */
export async function verifyThroughProxy(
  history: History,
  nodeUrl: string,
  chainId: number,
  limits: { maxBlocks?: number; maxResults?: number; style?: LimitStyle } = {},
): Promise<ScanMeasurement> {
  const proxy = await startLimitProxy({ target: nodeUrl, ...limits });
  const { rx, provider } = rxAt(proxy.url, history.address, chainId);
  const progress: ScanProgress[] = [];
  try {
    resetChunkSize(provider);
    const started = Date.now();
    const report = await verifyPack(rx, { gtin: GTIN, lot: history.lot, serial: history.serial }, { proof: history.proof, fromBlock: history.deployBlock, onProgress: (p) => progress.push(p) });
    return { report, ms: Date.now() - started, counts: { ...proxy.counts }, chunk: chunkSizeOf(provider), progress };
  } finally {
    provider.destroy();
    await proxy.close();
  }
}

export interface HistoryBench {
  size: HistorySize;
  events: number;
  /** verifyPack straight on the in-process network (no range limit). */
  directMs: number;
  /** verifyPack through the limit proxy: the chunked scan. */
  chunked: ScanMeasurement;
  /** The two reports are equal. */
  same: boolean;
}

/**
 * Builds the history (or takes `built`, the one the indexer's bench reads too) and times `verifyPack` with and without
 * the range-limited proxy (the bench's history rows).
 */
export async function measureHistoryScan(hre: HardhatRuntimeEnvironment, size: HistorySize, log: (line: string) => void = () => {}, built?: History): Promise<HistoryBench> {
  if (!built) log(`building the history: ${size.legs.toLocaleString("en-US")} legs over ${size.blocks.toLocaleString("en-US")} blocks…`);
  const history = built ?? (await buildHistory(hre, size, log));
  const node = await serveProvider(hre);
  try {
    const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
    const started = Date.now();
    const direct = await verifyPack(history.rx, { gtin: GTIN, lot: history.lot, serial: history.serial }, { proof: history.proof, fromBlock: history.deployBlock });
    const directMs = Date.now() - started;
    const chunked = await verifyThroughProxy(history, node.url, chainId, { maxBlocks: 1_000, maxResults: 10_000, style: "rotate" });
    const same = JSON.stringify(chunked.report) === JSON.stringify(direct);
    return { size, events: direct.timeline.length, directMs, chunked, same };
  } finally {
    await node.close();
  }
}

/** The history rows of the bench, one per way of reading (the indexer's row is added beside them). */
export function formatHistoryBench(b: HistoryBench): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const c = b.chunked;
  return [
    `history: ${b.size.legs.toLocaleString("en-US")} legs over ${b.size.blocks.toLocaleString("en-US")} blocks (${b.events} timeline entries), rx:verify's read`,
    `  ${"direct, no range limit".padEnd(44)} ${s(b.directMs).padStart(9)}`,
    `  ${"chunked scan, proxy max 1,000 blocks/10,000".padEnd(44)} ${s(c.ms).padStart(9)}  of which the log scan ${s(c.progress.find((p) => p.finished)?.elapsedMs ?? 0)}: ${c.counts.getLogs} eth_getLogs (${c.counts.refusedRange + c.counts.refusedResults} refused), chunk ${c.chunk} blocks`,
    `  same report through the proxy: ${b.same ? "yes" : "NO"}`,
  ];
}
