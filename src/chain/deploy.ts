/**
 * Deploys the suite. The deploy script, the tasks and every test fixture go through this one function.
 */
import { ZeroAddress, type Signer } from "ethers";
import type { HardhatEthersHelpers } from "@nomicfoundation/hardhat-ethers/types";
import type { RxSettlement, RxTimelock, RxTrace } from "../../typechain-types";
import { typechain } from "./typechain";

export interface SuiteOptions {
  /** The first admin (DEFAULT_ADMIN_ROLE); defaults to the deployer. */
  admin?: string;
  /** Seconds an admin handover must wait; defaults to 0 on development networks. */
  adminDelay?: bigint;
  /** The first pauser; defaults to the admin. Zero address: none. */
  pauser?: string;
  /** The first operator (OPERATOR_ROLE: routine partner acts); defaults to the pauser. Zero address: none. */
  operator?: string;
  /**
   * The deployment this one takes over from (IMigration, docs/governance.md): named with `takeOverFrom` when the
   * deployer is the admin (else the admin, a timelock, schedules it), and the new suite is left paused when the
   * deployer is the pauser, until `rx:migrate` has adopted everything.
   */
  predecessor?: string;
}

export async function deployRxTrace(
  ethers: HardhatEthersHelpers,
  deployer: Signer,
  options: SuiteOptions = {},
): Promise<RxTrace> {
  const admin = options.admin ?? (await deployer.getAddress());
  const pauser = options.pauser ?? admin;
  const operator = options.operator ?? pauser;
  // The extensions go first, each on its own (inside the core's creation code they would pass EIP-3860's initcode
  // limit): the third, the second that names it, the first that names the second, then the core that names the first.
  const extension3Factory = await ethers.getContractFactory("RxTraceExtension3", deployer);
  const extension3 = await extension3Factory.deploy(options.adminDelay ?? 0n, admin);
  await extension3.waitForDeployment();
  const extension2Factory = await ethers.getContractFactory("RxTraceExtension2", deployer);
  const extension2 = await extension2Factory.deploy(options.adminDelay ?? 0n, admin, await extension3.getAddress());
  await extension2.waitForDeployment();
  const extensionFactory = await ethers.getContractFactory("RxTraceExtension", deployer);
  const extension = await extensionFactory.deploy(options.adminDelay ?? 0n, admin, await extension2.getAddress());
  await extension.waitForDeployment();
  const factory = await ethers.getContractFactory("RxTrace", deployer);
  const contract = await factory.deploy(options.adminDelay ?? 0n, admin, pauser, operator, await extension.getAddress());
  await contract.waitForDeployment();
  const suite = contract as unknown as RxTrace;
  if (options.predecessor) {
    const me = (await deployer.getAddress()).toLowerCase();
    // With a timelock as the admin, the timelock names the predecessor (the deploy prints the call to schedule).
    if (admin.toLowerCase() === me) {
      await (await typechain().IMigration__factory.connect(await contract.getAddress(), deployer).takeOverFrom(options.predecessor)).wait();
    }
    if (pauser.toLowerCase() === me) await (await suite.connect(deployer).pause()).wait();
  }
  return suite;
}

export interface TimelockOptions {
  /** Seconds every scheduled admin act waits. */
  delay: bigint;
  /** Who schedules and cancels (the consortium's multisig); defaults to the deployer. */
  proposers?: string[];
  /** Who executes a ready operation; defaults to anyone (the zero address). */
  executors?: string[];
}

/** Deploys the TimelockController that becomes the suite's admin on public networks (it administers itself). */
export async function deployTimelock(ethers: HardhatEthersHelpers, deployer: Signer, options: TimelockOptions): Promise<RxTimelock> {
  const proposers = options.proposers ?? [await deployer.getAddress()];
  const executors = options.executors ?? [ZeroAddress];
  const factory = await ethers.getContractFactory("RxTimelock", deployer);
  const contract = await factory.deploy(options.delay, proposers, executors, ZeroAddress);
  await contract.waitForDeployment();
  return contract as unknown as RxTimelock;
}

/**
 * Deploys the settlement (payment on delivery, docs/settlement.md) beside the suite at `suite`: its own contract,
 * which only reads the suite's views, so the suite's code and gas are unchanged.
 */
export async function deployRxSettlement(
  ethers: HardhatEthersHelpers,
  deployer: Signer,
  suite: string,
): Promise<RxSettlement> {
  const factory = await ethers.getContractFactory("RxSettlement", deployer);
  const contract = await factory.deploy(suite);
  await contract.waitForDeployment();
  return contract as unknown as RxSettlement;
}
