/**
 * The lineage of deployments (IMigration): from any suite's address, the newest one, following `successor()`.
 * Browser-safe (ethers and the typechain factory only): the page follows it as the commands do.
 */
import { ZeroAddress, type ContractRunner } from "ethers";
import type { IMigration } from "../../../typechain-types";
// The factory's own file, not the index: the page bundles this module without every contract's bytecode.
import { IMigration__factory } from "../../../typechain-types/factories/contracts/interfaces/IMigration__factory";

/** A problem with a migration or a lineage, worded for the person at the terminal. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** The suite at `address` with the migration functions (served through its fallback). */
export function migrationOf(address: string, runner: ContractRunner): IMigration {
  return IMigration__factory.connect(address, runner);
}

/**
 * The deployments from `address` to the newest, following `successor()`: `[address]` for a suite that is not
 * retired. At most `limit` hops (a loop would be a misconfiguration).
 */
export async function lineageOf(address: string, runner: ContractRunner, limit = 16): Promise<string[]> {
  const chain = [address];
  for (let i = 0; i < limit; i++) {
    const next = await successorOf(chain[chain.length - 1], runner);
    if (next === ZeroAddress) return chain;
    if (chain.some((a) => a.toLowerCase() === next.toLowerCase())) throw new MigrationError(`the lineage of ${address} loops back to ${next}`);
    chain.push(next);
  }
  throw new MigrationError(`the lineage of ${address} has more than ${limit} successors`);
}

/** The successor of the suite at `address`, zero when it is not retired (or predates migration: no `successor()`). */
async function successorOf(address: string, runner: ContractRunner): Promise<string> {
  try {
    return await migrationOf(address, runner).successor();
  } catch (error) {
    if ((error as { code?: string }).code === "CALL_EXCEPTION") return ZeroAddress;
    throw error;
  }
}
