/**
 * Transactions on a public network (amoy, polygon): the fees Polygon accepts, a cap the operator sets, and when
 * a result may be called final.
 *
 * - Fees: Polygon's validators refuse a priority fee (tip) under 25 gwei, which Hardhat's automatic fee
 *   (the fee history's median, often 1 wei on a quiet testnet) does not know. `FeePolicyProvider`, placed on
 *   top of the network's provider, fills `maxPriorityFeePerGas` (at least 25 gwei, more when the node suggests
 *   more) and `maxFeePerGas` (twice the base fee plus the tip), and refuses, before signing, a transaction whose
 *   fees would pass RXTRACE_MAX_FEE_GWEI.
 * - Finality: where the node has the `finalized` block tag (Polygon PoS since Heimdall v2's milestones), a
 *   command calls its transaction final once the finalized block has reached it and it is still there;
 *   elsewhere, after RXTRACE_CONFIRMATIONS blocks.
 * - A transaction with no receipt in time is reported with its hash, nonce and fees (cli.ts sendAndReport).
 */
import { BackwardsCompatibilityProviderAdapter } from "hardhat/internal/core/providers/backwards-compatibility";
import type { EIP1193Provider, HardhatRuntimeEnvironment, RequestArguments } from "hardhat/types";
import { EventEmitter } from "node:events";
import { formatUnits, parseUnits, type Provider, type TransactionReceipt } from "ethers";

/** Polygon PoS and Amoy: the least priority fee their validators accept. */
export const POLYGON_MIN_PRIORITY_FEE = parseUnits("25", "gwei");
/** The chains that have it (Amoy, Polygon PoS). */
export const POLYGON_CHAIN_IDS = [80002, 137];

export interface TxPolicy {
  network: string;
  /** The least tip a transaction carries (wei). */
  minPriorityFee: bigint;
  /** The most a transaction may pay per gas (wei), from RXTRACE_MAX_FEE_GWEI. */
  maxFee?: bigint;
  /** Wait for the `finalized` block before calling a result final. */
  finalized: boolean;
  /** Blocks a receipt needs where there is no `finalized` tag (1: the receipt itself). */
  confirmations: number;
  finalityTimeoutMs: number;
  pollMs: number;
}

function envNumber(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw}: expected a number of at least ${min}`);
  return value;
}

/** The policy of `network` (chain `chainId`), from the environment; Polygon's rules on chains 80002 and 137. */
export function txPolicyFor(network: string, chainId: number | undefined): TxPolicy {
  const polygon = chainId !== undefined && POLYGON_CHAIN_IDS.includes(chainId);
  const cap = process.env.RXTRACE_MAX_FEE_GWEI;
  let maxFee: bigint | undefined;
  if (cap !== undefined && cap !== "") {
    if (!/^\d+(\.\d{1,9})?$/.test(cap)) throw new Error(`RXTRACE_MAX_FEE_GWEI=${cap}: expected a number of gwei, such as 300`);
    maxFee = parseUnits(cap, "gwei");
  }
  const finality = process.env.RXTRACE_FINALITY ?? (polygon ? "finalized" : "confirmations");
  if (!["finalized", "confirmations"].includes(finality)) throw new Error(`RXTRACE_FINALITY=${finality}: expected finalized or confirmations`);
  return {
    network,
    minPriorityFee: polygon ? POLYGON_MIN_PRIORITY_FEE : 0n,
    ...(maxFee !== undefined ? { maxFee } : {}),
    finalized: finality === "finalized",
    confirmations: Math.floor(envNumber("RXTRACE_CONFIRMATIONS", 1, 1)),
    finalityTimeoutMs: envNumber("RXTRACE_FINALITY_TIMEOUT_MS", 600_000, 1),
    pollMs: envNumber("RXTRACE_FINALITY_POLL_MS", 2_000, 1),
  };
}

const gwei = (wei: bigint) => `${formatUnits(wei, "gwei")} gwei`;
const quantity = (n: bigint) => "0x" + n.toString(16);

/** Fills and bounds the fees of `eth_sendTransaction` before Hardhat's fee provider and the signer see it. */
export class FeePolicyProvider extends EventEmitter implements EIP1193Provider {
  constructor(
    private readonly inner: EIP1193Provider,
    readonly policy: TxPolicy,
  ) {
    super();
  }

  async request(args: RequestArguments): Promise<unknown> {
    if (args.method !== "eth_sendTransaction" || !Array.isArray(args.params) || typeof args.params[0] !== "object" || args.params[0] === null) {
      return this.inner.request(args);
    }
    const tx = { ...(args.params[0] as Record<string, unknown>) };
    await this.applyFees(tx);
    return this.inner.request({ method: args.method, params: [tx, ...args.params.slice(1)] });
  }

  private async applyFees(tx: Record<string, unknown>): Promise<void> {
    const { minPriorityFee, maxFee } = this.policy;
    const cap = maxFee === undefined ? "" : ` (RXTRACE_MAX_FEE_GWEI=${formatUnits(maxFee, "gwei")})`;
    if (tx.gasPrice !== undefined) {
      // A legacy transaction: its gas price is all the fee; it must carry the least tip above the base fee.
      const price = BigInt(tx.gasPrice as string);
      if (maxFee !== undefined && price > maxFee) throw new Error(`the transaction's gas price ${gwei(price)} is above the fee cap ${gwei(maxFee)}${cap}`);
      return;
    }
    const block = (await this.inner.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { baseFeePerGas?: string } | null;
    const baseFee = BigInt(block?.baseFeePerGas ?? "0x0");
    let suggested = 0n;
    try {
      suggested = BigInt((await this.inner.request({ method: "eth_maxPriorityFeePerGas", params: [] })) as string);
    } catch {
      // A node without eth_maxPriorityFeePerGas: the floor is the tip.
    }
    const given = tx.maxPriorityFeePerGas !== undefined ? BigInt(tx.maxPriorityFeePerGas as string) : suggested;
    const tip = given > minPriorityFee ? given : minPriorityFee;
    let fee = tx.maxFeePerGas !== undefined ? BigInt(tx.maxFeePerGas as string) : 2n * baseFee + tip;
    if (fee < baseFee + tip) fee = baseFee + tip;
    if (maxFee !== undefined) {
      if (baseFee + tip > maxFee) {
        throw new Error(
          `the fee cap ${gwei(maxFee)}${cap} is below what a transaction needs on ${this.policy.network} now: the base fee ${gwei(baseFee)} plus ` +
            `the priority fee ${gwei(tip)}${minPriorityFee > 0n ? ` (Polygon's minimum is ${gwei(minPriorityFee)})` : ""}; raise the cap or wait for the base fee to fall. Nothing was sent`,
        );
      }
      if (fee > maxFee) fee = maxFee;
    }
    tx.maxPriorityFeePerGas = quantity(tip);
    tx.maxFeePerGas = quantity(fee);
  }
}

let current: TxPolicy | undefined;

/** The policy of this process's network, once installed (undefined on the in-process network). */
export function currentTxPolicy(): TxPolicy | undefined {
  return current;
}

/**
 * Puts the fee policy on top of the selected HTTP network's provider (before hardhat-ethers first reads it) and
 * records the network's finality rule for `sendAndReport`.
 */
export function installTxPolicy(hre: HardhatRuntimeEnvironment): void {
  if (!("url" in hre.network.config)) return;
  const policy = txPolicyFor(hre.network.name, hre.network.config.chainId);
  current = policy;
  if (policy.minPriorityFee === 0n && policy.maxFee === undefined) return;
  hre.network.provider = new BackwardsCompatibilityProviderAdapter(new FeePolicyProvider(hre.network.provider, policy));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the transaction of `receipt` is final by the network's rule and says so: the `finalized` block has
 * reached its block and the block is still the one it was mined in; or, without that tag, `confirmations` blocks.
 * Throws after `finalityTimeoutMs` (the transaction is mined, but not final yet) or when it was reorganized out.
 */
export async function waitFinal(provider: Provider, receipt: TransactionReceipt, policy: TxPolicy, print: (line: string) => void): Promise<void> {
  const started = Date.now();
  let useFinalized = policy.finalized;
  for (;;) {
    let reached: number | undefined;
    if (useFinalized) {
      try {
        reached = (await provider.getBlock("finalized"))?.number;
      } catch {
        // No `finalized` tag on this node: count confirmations instead.
        useFinalized = false;
        print(`${policy.network} has no "finalized" block: counting ${policy.confirmations} confirmation(s) instead (RXTRACE_CONFIRMATIONS)`);
      }
    }
    if (!useFinalized) {
      if (policy.confirmations <= 1) return;
      reached = (await provider.getBlockNumber()) - policy.confirmations + 1;
    }
    if (reached !== undefined && reached >= receipt.blockNumber) {
      const block = await provider.getBlock(receipt.blockNumber);
      if (block?.hash !== receipt.blockHash) {
        throw new Error(`tx ${receipt.hash} was in block ${receipt.blockNumber} (${receipt.blockHash}) but that block was reorganized out: run the command again after checking the chain`);
      }
      print(useFinalized ? `final: block ${receipt.blockNumber} is finalized (finalized block ${reached})` : `final: block ${receipt.blockNumber} has ${policy.confirmations} confirmations`);
      return;
    }
    if (Date.now() - started > policy.finalityTimeoutMs) {
      throw new Error(
        `tx ${receipt.hash} is mined in block ${receipt.blockNumber} but not final after ${policy.finalityTimeoutMs / 1000} s ` +
          `(${useFinalized ? `finalized block ${reached ?? "unknown"}` : `${policy.confirmations} confirmations wanted`}; RXTRACE_FINALITY_TIMEOUT_MS): check it later before relying on it`,
      );
    }
    await sleep(policy.pollMs);
  }
}
