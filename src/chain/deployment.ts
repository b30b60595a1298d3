/**
 * Deployment records: `deployments/<network>.json` says where the suite lives on a network, so that every
 * command finds it by the network name alone. Serial files of commissioned batches live next to it, in
 * `deployments/<network>/serials/<batchId>.json`.
 */
import { EXPLORER_KEY_VAR, resolveExplorerKey } from "./explorer";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { IRxSettlement, RxTrace } from "../../typechain-types";
import { Contract } from "ethers";
import { adminCodeKind, planAdmin, type AdminFacts } from "./admin-policy";
import { deployRxSettlement, deployRxTrace, deployTimelock, type SuiteOptions } from "./deploy";
import { bindIndexerFromEnv } from "./indexer";
import { useSettlement } from "./events/settlement";
import { lineageOf, usePredecessors } from "./events/lineage";

/**
 * `deployments/` of the repository, or RXTRACE_DEPLOYMENTS_DIR (read at each call: tests give every process
 * its own folder, so test files running in parallel never share a record).
 */
export function deploymentsDir(): string {
  return process.env.RXTRACE_DEPLOYMENTS_DIR || path.join(__dirname, "..", "..", "deployments");
}

export interface DeploymentRecord {
  network: string;
  chainId: number;
  deployer: string;
  admin: string;
  pauser: string;
  /** OPERATOR_ROLE's first holder (routine partner acts); absent in records written before governance. */
  operator?: string;
  /** The TimelockController the deploy created as the admin, with its delay in seconds. */
  timelock?: { address: string; minDelay: string };
  adminDelay: string;
  contracts: {
    /** The one address users, commands and the page talk to, with the RxTrace ABI. */
    RxTrace: { address: string; transactionHash: string; blockNumber: number };
    /**
     * The code the core reaches by DELEGATECALL for its rare acts (`RxTrace.EXTENSION()`), deployed in the
     * transaction before the core's and given to its constructor (records written before governance: deployed by
     * the core's constructor); recorded for auditors and source verification. Absent in records written before the split.
     */
    RxTraceExtension?: { address: string };
    /**
     * The code the first extension reaches by DELEGATECALL for the acts it does not serve either
     * (`RxTraceExtension.EXTENSION2()`), deployed in the transaction before the first extension's. Absent in records
     * written before it existed.
     */
    RxTraceExtension2?: { address: string };
    /**
     * The code the second extension reaches by DELEGATECALL for the acts it does not serve (the migration,
     * `RxTraceExtension2.EXTENSION3()`), deployed in the transaction before the second's. Absent in records written
     * before it existed.
     */
    RxTraceExtension3?: { address: string };
    /**
     * Payment on delivery beside the suite (docs/settlement.md), deployed right after it by its own transaction.
     * Absent in records written before it existed.
     */
    RxSettlement?: { address: string; transactionHash: string; blockNumber: number };
  };
  /**
   * The deployment this one took over from (IMigration, `rx:deploy --take-over`): commands follow the lineage from
   * it, and read the history of adopted lots there from its block. Absent for a first deployment.
   */
  predecessor?: { address: string; blockNumber: number };
  compiler: { version: string; evmVersion: string; optimizerRuns: number; viaIR: boolean };
  gitCommit: string;
  deployedAt: string;
}

/** The addresses of the extensions behind the first (`EXTENSION2()`, then `EXTENSION3()`), for the record. */
async function extensionsOf(hre: HardhatRuntimeEnvironment, first: string): Promise<{ RxTraceExtension2: { address: string }; RxTraceExtension3: { address: string } }> {
  const second = await (await hre.ethers.getContractAt("RxTraceExtension", first)).EXTENSION2();
  const third = await (await hre.ethers.getContractAt("RxTraceExtension2", second)).EXTENSION3();
  return { RxTraceExtension2: { address: second }, RxTraceExtension3: { address: third } };
}

/** A problem with the deployment record or the network behind it, worded for the person at the terminal. */
export class DeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeploymentError";
  }
}

export function recordPath(network: string, dir = deploymentsDir()): string {
  return path.join(dir, `${network}.json`);
}

export function readRecord(network: string, dir = deploymentsDir()): DeploymentRecord {
  const file = recordPath(network, dir);
  if (!existsSync(file)) {
    throw new DeploymentError(
      `no deployment record for network "${network}" (${path.relative(process.cwd(), file)}): ` +
        `deploy first with \`npm run deploy -- --network ${network}\``,
    );
  }
  return JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord;
}

/** Writes a file whole or not at all: a crash never leaves half a JSON document behind. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.partial`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: path.join(__dirname, "..", ".."), stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "unknown";
  }
}

/** True when the record's contract has code on the selected network. */
export async function isLive(hre: HardhatRuntimeEnvironment, record: DeploymentRecord): Promise<boolean> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  if (Number(chainId) !== record.chainId) return false;
  return (await hre.ethers.provider.getCode(record.contracts.RxTrace.address)) !== "0x";
}

export interface DeployOptions extends SuiteOptions {
  /** Create a TimelockController with this delay (seconds) as the admin; on public networks the default is two days. */
  timelockDelay?: bigint;
  /** Who schedules and cancels the timelock's operations; defaults to the deployer. */
  proposers?: string[];
  /** Deploy even when the admin is an externally owned account or the timelock's delay is 0 on a public network. */
  iKnow?: boolean;
  /** Replace the record of a live deployment. */
  redeploy?: boolean;
  /**
   * Take over from the live deployment the record names (IMigration): the new suite names it as its predecessor and
   * stays paused until `rx:migrate`; the serial files and manifests stay (the adopted lots keep their ids). Implies
   * `redeploy`.
   */
  takeOver?: boolean;
  dir?: string;
  log?: (line: string) => void;
}

/**
 * The serial files, manifests and cases under `deployments/<network>/` belong to the deployment they were
 * written for. A new deployment (a restarted local node gives the new contract the same address) must not
 * read them as its own: the folder is moved aside, never deleted, with a line saying where. The in-process
 * network is left alone (its folder lives as long as one process).
 */
function moveAsidePreviousFiles(network: string, previous: DeploymentRecord | undefined, dir: string, log: (line: string) => void): void {
  const folder = path.join(dir, network);
  if (network === "hardhat" || !existsSync(folder) || readdirSync(folder).length === 0) return;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const owner = previous ? `${previous.contracts.RxTrace.address.slice(0, 10)}-chain-${previous.chainId}` : "unknown";
  const aside = path.join(dir, `${network}.replaced-${owner}-${stamp}`);
  renameSync(folder, aside);
  const what = previous ? `deployment ${previous.contracts.RxTrace.address} on chain ${previous.chainId}` : "deployment (no record)";
  log(`moved ${path.relative(process.cwd(), folder)}/ (serial files and manifests of the previous ${what}) to ${path.relative(process.cwd(), aside)}/`);
}

/** Deploys the suite on the selected network and writes its record. */
export async function deploySuite(hre: HardhatRuntimeEnvironment, options: DeployOptions = {}): Promise<DeploymentRecord> {
  const log = options.log ?? (() => {});
  const network = hre.network.name;
  const file = recordPath(network, options.dir);
  let predecessor: DeploymentRecord["predecessor"];
  if (options.takeOver) {
    const current = existsSync(file) ? readRecord(network, options.dir) : undefined;
    if (!current || !(await isLive(hre, current))) {
      throw new DeploymentError(`--take-over: ${path.relative(process.cwd(), file)} records no live deployment on "${network}" to take over from`);
    }
    predecessor = { address: current.contracts.RxTrace.address, blockNumber: current.contracts.RxTrace.blockNumber };
  }
  if (existsSync(file) && !options.redeploy && !options.takeOver) {
    const existing = readRecord(network, options.dir);
    if (await isLive(hre, existing)) {
      throw new DeploymentError(
        `${path.relative(process.cwd(), file)} records a live deployment at ${existing.contracts.RxTrace.address} ` +
          `(chain ${existing.chainId}); to replace it on purpose run \`REDEPLOY=true npm run deploy -- --network ${network}\` ` +
          `or \`npx hardhat rx:deploy --redeploy --network ${network}\``,
      );
    }
  }
  const [deployer] = await hre.ethers.getSigners();
  if (!deployer) {
    throw new DeploymentError(`network "${network}" has no account to deploy from: set DEPLOYER_PRIVATE_KEY in .env (see .env.example)`);
  }
  const url = "url" in hre.network.config ? hre.network.config.url : undefined;
  const facts: AdminFacts = { network, url, admin: options.admin, timelockDelay: options.timelockDelay };
  if (options.admin !== undefined) {
    facts.adminIsContract = adminCodeKind(await hre.ethers.provider.getCode(options.admin)) === "contract";
    if (facts.adminIsContract) facts.timelockDelay = await minDelayOf(hre, options.admin);
  }
  const { plan, problems } = planAdmin(facts);
  if (problems.length > 0 && !options.iKnow) {
    throw new DeploymentError(
      `refusing to deploy on "${network}": ${problems.join("; ")}. To deploy anyway, on purpose: ` +
        "`npx hardhat rx:deploy --i-know` or `RXTRACE_I_KNOW=true npm run deploy`",
    );
  }
  for (const problem of problems) log(`WARNING (deploying anyway, --i-know): ${problem}`);
  let timelock: DeploymentRecord["timelock"];
  if (plan.kind === "timelock") {
    const created = await deployTimelock(hre.ethers, deployer, { delay: plan.delay, proposers: options.proposers });
    timelock = { address: await created.getAddress(), minDelay: plan.delay.toString() };
    const proposers = options.proposers ?? [deployer.address];
    log(`TimelockController (the admin) deployed at ${timelock.address}: delay ${plan.delay} s, proposers ${proposers.join(", ")}, executors: anyone`);
  }
  const admin = plan.kind === "timelock" && timelock ? timelock.address : plan.kind === "given" ? plan.admin : deployer.address;
  const pauser = options.pauser ?? deployer.address;
  const operator = options.operator ?? pauser;
  const rx = await deployRxTrace(hre.ethers, deployer, { ...options, admin, pauser, operator, ...(predecessor ? { predecessor: predecessor.address } : {}) });
  const tx = rx.deploymentTransaction();
  const receipt = tx ? await tx.wait() : null;
  if (!tx || !receipt) throw new DeploymentError("the deploy transaction has no receipt");
  const settlement = await deployRxSettlement(hre.ethers, deployer, await rx.getAddress());
  const settlementTx = settlement.deploymentTransaction();
  const settlementReceipt = settlementTx ? await settlementTx.wait() : null;
  if (!settlementTx || !settlementReceipt) throw new DeploymentError("the settlement's deploy transaction has no receipt");
  const { chainId } = await hre.ethers.provider.getNetwork();
  const solidity = hre.config.solidity.compilers[0];
  const record: DeploymentRecord = {
    network,
    chainId: Number(chainId),
    deployer: deployer.address,
    admin,
    pauser,
    operator,
    ...(timelock ? { timelock } : {}),
    adminDelay: (options.adminDelay ?? 0n).toString(),
    contracts: {
      RxTrace: { address: await rx.getAddress(), transactionHash: tx.hash, blockNumber: receipt.blockNumber },
      RxTraceExtension: { address: await rx.EXTENSION() },
      ...(await extensionsOf(hre, await rx.EXTENSION())),
      RxSettlement: {
        address: await settlement.getAddress(),
        transactionHash: settlementTx.hash,
        blockNumber: settlementReceipt.blockNumber,
      },
    },
    ...(predecessor ? { predecessor } : {}),
    compiler: {
      version: solidity.version,
      evmVersion: solidity.settings?.evmVersion ?? "default",
      optimizerRuns: solidity.settings?.optimizer?.runs ?? 0,
      viaIR: Boolean(solidity.settings?.viaIR),
    },
    gitCommit: gitCommit(),
    deployedAt: new Date().toISOString(),
  };
  const previous = existsSync(file) ? readRecord(network, options.dir) : undefined;
  // A successor keeps the predecessor's serial files and manifests: its adopted lots have the same ids.
  if (!predecessor) moveAsidePreviousFiles(network, previous, options.dir ?? deploymentsDir(), log);
  writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n");
  log(`RxTrace deployed at ${record.contracts.RxTrace.address} (tx ${tx.hash}, block ${receipt.blockNumber}, gas ${receipt.gasUsed})`);
  log(`  its extension (rare acts, by DELEGATECALL) at ${record.contracts.RxTraceExtension?.address}, deployed just before it and named in its constructor`);
  log(`  its third extension (the migration) at ${record.contracts.RxTraceExtension3?.address}, named in the second's constructor`);
  log(`  its second extension (the acts the first does not serve) at ${record.contracts.RxTraceExtension2?.address}, named in the first's constructor`);
  log(
    `admin (onboards manufacturers and regulators, company prefixes, roles): ${admin}` +
      (timelock ? ` (TimelockController, delay ${timelock.minDelay} s)` : facts.timelockDelay !== undefined ? ` (delay ${facts.timelockDelay} s)` : "") +
      `; operator (distributors, dispensers, suspensions): ${operator}; pauser: ${pauser}; admin handover delay ${record.adminDelay} s`,
  );
  log(`RxSettlement (payment on delivery) deployed at ${record.contracts.RxSettlement?.address} (tx ${settlementTx.hash}, gas ${settlementReceipt.gasUsed})`);
  if (predecessor) {
    const named = admin.toLowerCase() === deployer.address.toLowerCase();
    log(
      `takes over from ${predecessor.address}` +
        (named ? "" : ` once the admin calls takeOverFrom(${predecessor.address}) (schedule it on the timelock)`) +
        (pauser.toLowerCase() === deployer.address.toLowerCase() ? "; paused until rx:migrate has adopted everything" : "; pause it until rx:migrate has adopted everything") +
        `; next: the old suite's admin calls retire(${record.contracts.RxTrace.address}) (rx:retire), then rx:migrate, then rx:unpause`,
    );
  }
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return record;
}

/** The delay of the TimelockController at `address`, or undefined when it is some other contract (a multisig). */
async function minDelayOf(hre: HardhatRuntimeEnvironment, address: string): Promise<bigint | undefined> {
  try {
    return BigInt(await new Contract(address, ["function getMinDelay() view returns (uint256)"], hre.ethers.provider).getFunction("getMinDelay")());
  } catch {
    return undefined;
  }
}

/** The suite of the selected network, from its record; checks that the chain and the code match. */
export async function connect(
  hre: HardhatRuntimeEnvironment,
  dir = deploymentsDir(),
): Promise<{ rx: RxTrace; record: DeploymentRecord; lineage: string[] }> {
  const record = readRecord(hre.network.name, dir);
  const { chainId } = await hre.ethers.provider.getNetwork();
  if (Number(chainId) !== record.chainId) {
    throw new DeploymentError(
      `deployments/${hre.network.name}.json is for chain ${record.chainId} but the network answers as chain ${chainId}`,
    );
  }
  if (!(await isLive(hre, record))) {
    if (hre.network.name === "hardhat") {
      throw new DeploymentError(
        `the in-process "hardhat" network starts empty in every command, so ${record.contracts.RxTrace.address} is gone: ` +
          "start a node (`npm run node`) and run the commands with `--network localhost` (see the README), or `npm run demo`",
      );
    }
    throw new DeploymentError(
      `no contract at ${record.contracts.RxTrace.address} on "${hre.network.name}": the node was restarted or the record is stale; ` +
        `deploy again with \`npm run deploy -- --network ${hre.network.name}\``,
    );
  }
  // A retired suite hands over to its successor (IMigration): commands act on the newest deployment of the lineage.
  const lineage = await lineageOf(record.contracts.RxTrace.address, hre.ethers.provider);
  const current = lineage[lineage.length - 1];
  if (lineage.length > 1) {
    console.error(`note: the suite at ${record.contracts.RxTrace.address} (deployments/${hre.network.name}.json) is retired; following its successor ${current}`);
  }
  const rx = (await hre.ethers.getContractAt("RxTrace", current)) as unknown as RxTrace;
  // An adopted lot's earlier history is on the predecessors: read from the oldest deployment block the record knows.
  await usePredecessors(rx, hre.ethers.provider, Math.min(record.predecessor?.blockNumber ?? Infinity, record.contracts.RxTrace.blockNumber));
  await bindIndexerFromEnv(rx, record.chainId);
  // The lot's invoices join its history when the record has a settlement (older records have none).
  const settlement = record.contracts.RxSettlement;
  if (settlement) useSettlement(rx, (await hre.ethers.getContractAt("RxSettlement", settlement.address)) as unknown as IRxSettlement, settlement.blockNumber);
  return { rx, record, lineage };
}

/** Verifies the source through the Etherscan V2 API when an API key is set; otherwise says that it skipped. */
export async function verifyOnExplorer(
  hre: HardhatRuntimeEnvironment,
  record: DeploymentRecord,
  log: (line: string) => void,
): Promise<boolean> {
  const { key, warning } = resolveExplorerKey();
  if (warning) log(`warning: ${warning}`);
  if (!key) {
    log(`source verification skipped: set ${EXPLORER_KEY_VAR} in .env (an etherscan.io key; the Etherscan V2 API serves Amoy and Polygon PoS) to verify the source`);
    return false;
  }
  if (["hardhat", "localhost"].includes(hre.network.name)) {
    log(`source verification skipped: "${hre.network.name}" has no block explorer`);
    return false;
  }
  const extension = record.contracts.RxTraceExtension?.address;
  const extension2 = record.contracts.RxTraceExtension2?.address;
  const extension3 = record.contracts.RxTraceExtension3?.address;
  await hre.run("verify:verify", {
    address: record.contracts.RxTrace.address,
    constructorArguments: [
      BigInt(record.adminDelay),
      record.admin,
      record.pauser,
      record.operator ?? record.pauser,
      ...(extension ? [extension] : []),
    ],
  });
  log(`verified ${record.contracts.RxTrace.address} on the explorer`);
  if (extension) {
    await hre.run("verify:verify", {
      address: extension,
      contract: "contracts/RxTraceExtension.sol:RxTraceExtension",
      constructorArguments: [BigInt(record.adminDelay), record.admin, ...(extension2 ? [extension2] : [])],
    });
    log(`verified its extension ${extension} on the explorer`);
  }
  if (extension2) {
    await hre.run("verify:verify", {
      address: extension2,
      contract: "contracts/RxTraceExtension2.sol:RxTraceExtension2",
      constructorArguments: [BigInt(record.adminDelay), record.admin, ...(extension3 ? [extension3] : [])],
    });
    log(`verified its second extension ${extension2} on the explorer`);
  }
  if (extension3) {
    await hre.run("verify:verify", {
      address: extension3,
      contract: "contracts/RxTraceExtension3.sol:RxTraceExtension3",
      constructorArguments: [BigInt(record.adminDelay), record.admin],
    });
    log(`verified its third extension ${extension3} on the explorer`);
  }
  const settlement = record.contracts.RxSettlement?.address;
  if (settlement) {
    await hre.run("verify:verify", {
      address: settlement,
      contract: "contracts/RxSettlement.sol:RxSettlement",
      constructorArguments: [record.contracts.RxTrace.address],
    });
    log(`verified the settlement ${settlement} on the explorer`);
  }
  return true;
}
