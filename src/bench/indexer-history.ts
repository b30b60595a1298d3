/**
 * The indexer's history bench (`npm run bench`, beside history.ts's chunked scan): a deployment far in the past and many legs of one lot spread over the blocks
 * since, then a pharmacist's verification read two ways: the direct scan of `eth_getLogs` and the indexer (indexer/,
 * Ponder on an embedded PGlite, or on the PostgreSQL of DATABASE_URL). It prints the indexer's sync speed and both
 * query times. The in-process network is served over HTTP for Ponder by Hardhat's own JSON-RPC server.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RxTrace } from "../../typechain-types";
import { deployRxTrace } from "../chain/deploy";
import { serveNetwork, startIndexer } from "../chain/indexer";
import { useIndexer, verifyPack } from "../chain/events";
import { batchIdOf } from "../domain/ids";
import { SerialTree } from "../merkle/serial-tree";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../scenario/scenario";
import { ManifestTree } from "../manifests/manifest";

export interface HistoryOptions {
  /** Blocks between the deployment and the first leg. */
  blocks: number;
  /** Legs of the lot, spread over as many blocks again. */
  legs: number;
  databaseUrl?: string;
  log: (line: string) => void;
}

export interface HistoryMeasurement {
  blocks: number;
  legs: number;
  events: number;
  /** From the indexer's start to its having indexed the latest block (process start and database set-up included). */
  syncSeconds: number;
  eventsPerSecond: number;
  directMs: number;
  indexerMs: number;
  timelineEntries: number;
}

const LOT = "H24-0001";
const LICENCE_REF = "0x" + "11".repeat(32);

/** Mines `count` blocks at once (`hardhat_mine`: they name no parent, see `mineTail`). */
async function mine(hre: HardhatRuntimeEnvironment, count: number): Promise<void> {
  if (count > 0) await hre.network.provider.send("hardhat_mine", [`0x${count.toString(16)}`]);
}

/**
 * Blocks made by `hardhat_mine` have parentHash 0: Ponder would read the chain's unfinalized tail as a reorganisation
 * beyond finality. The last blocks (more than the 30 Ponder waits for on such a chain) are mined one by one.
 */
export async function mineTail(hre: HardhatRuntimeEnvironment): Promise<void> {
  for (let i = 0; i < 40; i++) await hre.network.provider.send("evm_mine", []);
}

/** Builds the history, then measures the indexer's sync and both ways of verifying a pack at the end of it. */
export async function measureHistory(hre: HardhatRuntimeEnvironment, options: HistoryOptions): Promise<HistoryMeasurement> {
  const { log } = options;
  const signers = await hre.ethers.getSigners();
  const [admin, manufacturer, distributor, distributor2, pharmacy] = [signers[0], signers[2], signers[4], signers[5], signers[6]];
  const rx = await deployRxTrace(hre.ethers, admin);
  const deployBlock = (await rx.deploymentTransaction()!.wait())!.blockNumber;
  const latestTime = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  const accounts: Record<string, string> = { manufacturer: manufacturer.address, distributor: distributor.address, distributor2: distributor2.address, pharmacy: pharmacy.address };
  for (const member of CAST.filter((m) => m.key in accounts)) {
    await rx.onboardPartner(accounts[member.key]!, member.role, member.gln, LICENCE_REF, latestTime + 10 * 365 * 86_400, member.name);
    for (const prefix of member.prefixes) await rx.assignCompanyPrefix(accounts[member.key]!, prefix);
  }
  const serials = serialRange(options.legs + 10, "SNH");
  const tree = SerialTree.of(serials);
  await rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry: latestTime + 5 * 365 * 86_400, quantity: BigInt(serials.length), ...COLD_CHAIN,
    serialRoot: tree.root, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  const leg = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: CERTIFICATE_HASH };
  log(`history: deployed at block ${deployBlock}, mining ${options.blocks} blocks, then ${options.legs} legs over ${options.blocks} more`);
  await mine(hre, options.blocks);
  const receive = async (from: typeof manufacturer, to: typeof manufacturer, quantity: bigint) => {
    const nonce = (await rx.holding(batchId, from.address)).shipments;
    await rx.connect(from).ship(batchId, to.address, quantity);
    await rx.connect(to).receiveShipment({ batchId, sender: from.address, receiver: to.address, quantity, nonce }, leg);
  };
  await receive(manufacturer, distributor, BigInt(serials.length - 1));
  const spread = Math.floor(options.blocks / options.legs);
  for (let i = 0; i < options.legs; i++) {
    const [from, to] = i % 2 === 0 ? [distributor, distributor2] : [distributor2, distributor];
    await receive(from, to, 1n);
    await mine(hre, spread);
  }
  // The last pack reaches the pharmacy in a pack leg: the verification follows it.
  const packLeg = ManifestTree.of([serials[0]!], []);
  const nonce = (await rx.holding(batchId, distributor.address)).shipments;
  await rx.connect(distributor).shipPacks(batchId, pharmacy.address, 1n, packLeg.root);
  await rx.connect(pharmacy).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 1n, nonce }, leg);
  await mineTail(hre);
  const latest = await hre.ethers.provider.getBlockNumber();

  const pack = { gtin: GTIN, lot: LOT, serial: serials[0]! };
  const verifyOptions = {
    proof: tree.proof(pack.serial), holder: pharmacy.address, fromBlock: deployBlock,
    claim: { sender: distributor.address, quantity: 1n, nonce, manifestProof: packLeg.proofOfPack(pack.serial) },
  };
  let started = Date.now();
  const direct = await verifyPack(rx, pack, verifyOptions);
  const directMs = Date.now() - started;
  log(`history: direct scan of ${latest - deployBlock} blocks: verdict ${direct.verdict} in ${directMs} ms`);

  const deployments = mkdtempSync(path.join(tmpdir(), "rxtrace-bench-deployments-"));
  writeFileSync(path.join(deployments, "hardhat.json"), JSON.stringify({ network: "hardhat", chainId: 31337, contracts: { RxTrace: { address: await rx.getAddress(), blockNumber: deployBlock } } }));
  const port = 18_000 + Math.floor(Math.random() * 1_000);
  const server = await serveNetwork(hre, port);
  started = Date.now();
  const indexer = await startIndexer({ network: "hardhat", rpcUrl: `http://127.0.0.1:${port}`, deploymentsDir: deployments, port: port + 1_000, databaseUrl: options.databaseUrl, resetSyncCache: true, schema: `rxtrace_bench_${Date.now()}` });
  try {
    await indexer.caughtUp(31337, latest, 30 * 60_000);
    const syncSeconds = (Date.now() - started) / 1000;
    const events = (await indexer.source.logs({ address: await rx.getAddress() })).length;
    const viaIndexer = useIndexer(rx.attach(await rx.getAddress()) as RxTrace, indexer.source);
    const times: number[] = [];
    let report = direct;
    for (let i = 0; i < 3; i++) {
      started = Date.now();
      report = await verifyPack(viaIndexer, pack, verifyOptions);
      times.push(Date.now() - started);
    }
    if (JSON.stringify(report, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) !== JSON.stringify(direct, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) {
      throw new Error("the indexer's report differs from the direct scan's");
    }
    const indexerMs = times.sort((a, b) => a - b)[1]!;
    const measurement = {
      blocks: latest - deployBlock, legs: options.legs, events, syncSeconds, eventsPerSecond: events / syncSeconds,
      directMs, indexerMs, timelineEntries: report.timeline.length,
    };
    log(`history: indexer (${options.databaseUrl ? "PostgreSQL" : "PGlite"}) synced ${events} events over ${measurement.blocks} blocks in ${syncSeconds.toFixed(1)} s (${measurement.eventsPerSecond.toFixed(0)} events/s, process start included)`);
    log(`history: verify through the indexer: ${indexerMs} ms (median of 3), ${report.timeline.length} timeline entries, same report as the direct scan (${directMs} ms)`);
    return measurement;
  } finally {
    await indexer.stop();
    await server.close();
  }
}
