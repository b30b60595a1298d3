/**
 * Deploys the suite. The deploy script, the tasks and every test fixture go through this one function.
 */
import type { Signer } from "ethers";
import type { HardhatEthersHelpers } from "@nomicfoundation/hardhat-ethers/types";
import type { RxTrace } from "../../typechain-types";

export interface SuiteOptions {
  /** The first admin (DEFAULT_ADMIN_ROLE); defaults to the deployer. */
  admin?: string;
  /** Seconds an admin handover must wait; defaults to 0 on development networks. */
  adminDelay?: bigint;
  /** The first pauser; defaults to the admin. Zero address: none. */
  pauser?: string;
  /** The first operator (OPERATOR_ROLE: routine partner acts); defaults to the pauser. Zero address: none. */
  operator?: string;
}

export async function deployRxTrace(
  ethers: HardhatEthersHelpers,
  deployer: Signer,
  options: SuiteOptions = {},
): Promise<RxTrace> {
  const admin = options.admin ?? (await deployer.getAddress());
  const pauser = options.pauser ?? admin;
  const operator = options.operator ?? pauser;
  const factory = await ethers.getContractFactory("RxTrace", deployer);
  const contract = await factory.deploy(options.adminDelay ?? 0n, admin, pauser, operator);
  await contract.waitForDeployment();
  return contract as unknown as RxTrace;
}
