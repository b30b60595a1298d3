/**
 * The lineage of deployments (IMigration): from any suite's address, the newest one, following `successor()`.
 * Browser-safe (ethers and the typechain factory only): the page follows it as the commands do.
 */
import { ZeroAddress, type ContractRunner } from "ethers";
import type { IMigration, RxTrace } from "../../../typechain-types";
// The factory's own file, not the index: the page bundles this module without every contract's bytecode.
import { IMigration__factory } from "../../../typechain-types/factories/contracts/interfaces/IMigration__factory";
import { RxTrace__factory } from "../../../typechain-types/factories/contracts/RxTrace__factory";

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

/** The predecessor of the suite at `address`, zero for a first deployment (or one that predates migration). */
async function predecessorOf(address: string, runner: ContractRunner): Promise<string> {
  try {
    return await migrationOf(address, runner).predecessor();
  } catch (error) {
    if ((error as { code?: string }).code === "CALL_EXCEPTION") return ZeroAddress;
    throw error;
  }
}

const attached = new WeakMap<object, { predecessors: RxTrace[]; fromBlock: number }>();

/**
 * Reads the history of `rx`'s lots on its predecessors too (newest first): an adopted lot's commissioning, its earlier
 * legs and the partners' names are there (IMigration adopts the records, not the events). Their events are read from
 * `fromBlock`: the oldest deployment block known (the record's `predecessor.blockNumber`). Returns `rx`.
 */
export async function usePredecessors<T extends RxTrace>(rx: T, runner: ContractRunner, fromBlock: number, limit = 16): Promise<T> {
  const found: RxTrace[] = [];
  let address = await predecessorOf(await rx.getAddress(), runner);
  while (address !== ZeroAddress && found.length < limit) {
    found.push(RxTrace__factory.connect(address, runner));
    address = await predecessorOf(address, runner);
  }
  if (found.length > 0) attached.set(rx, { predecessors: found, fromBlock });
  return rx;
}

/** The predecessors attached to `rx` (`usePredecessors`), newest first, and the block to read them from. */
export function predecessorsOf(rx: RxTrace): { predecessors: RxTrace[]; fromBlock: number } {
  return attached.get(rx) ?? { predecessors: [], fromBlock: 0 };
}
