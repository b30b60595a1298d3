/**
 * Fixtures for the command tests: the suite deployed through the deploy task (so it has a deployment record
 * for the in-process "hardhat" network), then the cast onboarded. Accounts by index, as `--signer` takes them:
 * 0 admin, 1 pauser, 2 manufacturer, 3 otherManufacturer, 4 distributor, 5 distributor2, 6 pharmacy,
 * 7 pharmacy2, 8 regulator, 9 stranger.
 */
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { RxTrace } from "../../typechain-types";
import { connect, type DeploymentRecord } from "../../src/chain/deployment";
import { CAST } from "../../src/scenario/scenario";
import { tempDir } from "../tmp";

// Every test process keeps its deployment records and serial files in a folder of its own: nothing is
// written into the repository's deployments/, and test files running in parallel never share a record.
process.env.RXTRACE_DEPLOYMENTS_DIR ||= tempDir("rx-tasks-");

export const SIGNER = {
  admin: "0",
  pauser: "1",
  manufacturer: "2",
  otherManufacturer: "3",
  distributor: "4",
  distributor2: "5",
  pharmacy: "6",
  pharmacy2: "7",
  regulator: "8",
  stranger: "9",
} as const;

export async function deployedFixture(): Promise<{ rx: RxTrace; record: DeploymentRecord }> {
  const signers = await hre.ethers.getSigners();
  await hre.run("rx:deploy", { redeploy: true, pauser: signers[1].address });
  return connect(hre);
}

/** Everyone of the cast onboarded (licences valid a year), manufacturers with their prefixes. */
export async function castTaskFixture() {
  const base = await loadFixture(deployedFixture);
  const signers = await hre.ethers.getSigners();
  const expiry = (await time.latest()) + 365 * 24 * 3600;
  for (const member of CAST) {
    const account = signers[Number(SIGNER[member.key])].address;
    await base.rx.onboardPartner(account, member.role, member.gln, hre.ethers.id(member.name), expiry, member.name);
    for (const prefix of member.prefixes) await base.rx.assignCompanyPrefix(account, prefix);
  }
  return { ...base, signers };
}

/** Runs `body` and returns what it printed with console.log / console.error, line by line. */
export async function captureOutput<T>(body: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => void lines.push(...parts.map(String).join(" ").split("\n"));
  console.error = console.log;
  try {
    const result = await body();
    return { result, lines };
  } finally {
    console.log = log;
    console.error = error;
  }
}
