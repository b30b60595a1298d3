/**
 * Deploys the suite. The deploy script, the tasks and every test fixture go through this one function.
 */
import type { Signer } from "ethers";
import type { HardhatEthersHelpers } from "@nomicfoundation/hardhat-ethers/types";
import type { RxSettlement, RxTrace } from "../../typechain-types";

export interface SuiteOptions {
  /** The first admin (DEFAULT_ADMIN_ROLE); defaults to the deployer. */
  admin?: string;
  /** Seconds an admin handover must wait; defaults to 0 on development networks. */
  adminDelay?: bigint;
  /** The first pauser; defaults to the admin. Zero address: none. */
  pauser?: string;
}

export async function deployRxTrace(
  ethers: HardhatEthersHelpers,
  deployer: Signer,
  options: SuiteOptions = {},
): Promise<RxTrace> {
  const admin = options.admin ?? (await deployer.getAddress());
  const pauser = options.pauser ?? admin;
  const factory = await ethers.getContractFactory("RxTrace", deployer);
  const contract = await factory.deploy(options.adminDelay ?? 0n, admin, pauser);
  await contract.waitForDeployment();
  return contract as unknown as RxTrace;
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
