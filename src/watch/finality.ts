/**
 * Which blocks `rx:watch` may alert on: the `finalized` block where the network has one (Polygon PoS and Amoy),
 * else the latest block less a number of confirmations (0 on the development networks: their blocks never
 * reorganise).
 */
import type { Provider } from "ethers";

export type Finality = { tag: "finalized" } | { confirmations: number };

/** Networks whose RPC answers the `finalized` block tag with a block that will not be reorganised away. */
export const FINALIZED_TAG_NETWORKS: readonly string[] = ["amoy", "polygon"];

/** The finality rule of a network: `--confirmations` when given, else the `finalized` tag where there is one, else 0. */
export function finalityOf(network: string, confirmations?: number): Finality {
  if (confirmations !== undefined) return { confirmations };
  return FINALIZED_TAG_NETWORKS.includes(network) ? { tag: "finalized" } : { confirmations: 0 };
}

/** "the finalized block" / "12 confirmations". */
export function describeFinality(finality: Finality): string {
  return "tag" in finality ? "the finalized block" : `${finality.confirmations} confirmation${finality.confirmations === 1 ? "" : "s"}`;
}

/** The newest block that is final under `finality` (undefined before there is one), with its time. */
export async function finalHead(provider: Provider, finality: Finality): Promise<{ number: number; timestamp: number } | undefined> {
  if ("tag" in finality) {
    const block = await provider.getBlock("finalized");
    return block ? { number: block.number, timestamp: block.timestamp } : undefined;
  }
  const latest = await provider.getBlockNumber();
  const number = latest - finality.confirmations;
  if (number < 0) return undefined;
  const block = await provider.getBlock(number);
  return block ? { number: block.number, timestamp: block.timestamp } : undefined;
}
