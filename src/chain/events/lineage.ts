/**
 * The lineage of deployments (IMigration): from any suite's address, the newest one, following `successor()`.
 * Browser-safe (ethers only): the page follows it as the commands do.
 */
import { Contract, ZeroAddress, type ContractRunner } from "ethers";
import type { RxTrace } from "../../../typechain-types";

/**
 * The two views of `IMigration` the lineage reads, as human-readable ABI: no typechain factory, since this module is
 * loaded with Hardhat's config (through the tasks), before a fresh clone's first compile generates the factories.
 */
const LINEAGE_ABI = ["function successor() view returns (address)", "function predecessor() view returns (address)"];

/** A problem with a migration or a lineage, worded for the person at the terminal. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** The suite at `address` with the lineage's views (served through its fallback). */
function lineageViews(address: string, runner: ContractRunner): Contract {
  return new Contract(address, LINEAGE_ABI, runner);
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
    return String(await lineageViews(address, runner).getFunction("successor")());
  } catch (error) {
    if ((error as { code?: string }).code === "CALL_EXCEPTION") return ZeroAddress;
    throw error;
  }
}

/** The predecessor of the suite at `address`, zero for a first deployment (or one that predates migration). */
async function predecessorOf(address: string, runner: ContractRunner): Promise<string> {
  try {
    return String(await lineageViews(address, runner).getFunction("predecessor")());
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
    // The same ABI at the predecessor's address (a suite of the same code), read through `runner`.
    found.push(rx.attach(address).connect(runner) as RxTrace);
    address = await predecessorOf(address, runner);
  }
  if (found.length > 0) attached.set(rx, { predecessors: found, fromBlock });
  return rx;
}

/** The predecessors attached to `rx` (`usePredecessors`), newest first, and the block to read them from. */
export function predecessorsOf(rx: RxTrace): { predecessors: RxTrace[]; fromBlock: number } {
  return attached.get(rx) ?? { predecessors: [], fromBlock: 0 };
}
