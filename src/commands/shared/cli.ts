/**
 * What every command-line entry point shares: readable errors, choosing the signer, resolving partners by
 * address or GLN, and printing what a transaction did.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { inspect } from "node:util";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { decodeBytes32String, formatUnits, isAddress, keccak256, type ContractTransactionReceipt, type ContractTransactionResponse, type Interface } from "ethers";
import type { RxTrace } from "../../../typechain-types";
import { InputError } from "../../domain/errors";
import { DeploymentError } from "../../chain/deployment";
import { Role, Standing } from "../../domain/enums";
import { parseGln } from "../../gs1/identifiers";
import { retrySummary } from "../../chain/reliable";
import { currentTxPolicy, waitFinal } from "../../chain/public-tx";

// Every command on an HTTP network talks JSON-RPC through the retrying, exactly-once layer of reliable.ts.

/** Arguments of custom errors that are enums, shown by name. */
const ENUM_ARGS: Record<string, (value: bigint) => string> = {
  standing: (v) => Standing[Number(v)] ?? v.toString(),
  role: (v) => Role[Number(v)] ?? v.toString(),
  required: (v) => Role[Number(v)] ?? v.toString(),
  senderRole: (v) => Role[Number(v)] ?? v.toString(),
  receiverRole: (v) => Role[Number(v)] ?? v.toString(),
};

/** A pack serial the contract holds as bytes32, shown as the text printed on the pack ("SN000001"). */
function serialText(serial32: string): string {
  try {
    return JSON.stringify(decodeBytes32String(serial32));
  } catch {
    return serial32;
  }
}

/** The revert data of a failed call, wherever ethers and Hardhat nested it (in-process or over HTTP). */
export function revertData(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === "object"; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    // Over HTTP (a node), Hardhat's ProviderError carries { message, data: "0x…" }.
    const nested = data && typeof data === "object" ? (data as { data?: unknown }).data : undefined;
    if (typeof nested === "string" && nested.startsWith("0x") && nested.length >= 10) return nested;
    e = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** "PartnerNotAuthorized(account=0x…, standing=Suspended)" for a revert of the contract, else undefined. */
export function describeRevert(error: unknown, iface: Interface): string | undefined {
  const data = revertData(error);
  if (!data) return undefined;
  try {
    const parsed = iface.parseError(data);
    if (!parsed) return undefined;
    const args = parsed.fragment.inputs.map((input, i) => {
      const value: unknown = parsed.args[i];
      const shown =
        typeof value === "bigint" && ENUM_ARGS[input.name]
          ? ENUM_ARGS[input.name](value)
          : input.name === "serial" && input.type === "bytes32" && typeof value === "string"
            ? serialText(value)
            : String(value);
      return `${input.name}=${shown}`;
    });
    return `${parsed.name}(${args.join(", ")})`;
  } catch {
    return undefined;
  }
}

/**
 * The error Hardhat prints as "Error in plugin rxtrace: <message>" and nothing more, even where it shows stack
 * traces by default (CI, a machine without a display); `--show-stack-traces` still shows them. The cause stays
 * attached for programs and tests.
 */
export function oneLineError(message: string, cause?: Error): HardhatPluginError {
  const error = new HardhatPluginError("rxtrace", message, cause);
  if (!process.argv.includes("--show-stack-traces")) Object.defineProperty(error, inspect.custom, { value: () => "", enumerable: false });
  return error;
}

/** How many runCommand calls are under way (withSuite nests two): the outermost prints the retry summary. */
let commandDepth = 0;

/**
 * Runs a command's body; any failure becomes one clear line (Hardhat prints it as
 * "Error in plugin rxtrace: …" and exits non-zero).
 */
export async function runCommand<T>(iface: Interface | undefined, body: () => Promise<T>): Promise<T> {
  commandDepth++;
  try {
    return await body();
  } catch (error) {
    if (error instanceof HardhatPluginError) throw error;
    if (error instanceof InputError || error instanceof DeploymentError) throw oneLineError(error.message, error);
    const revert = iface ? describeRevert(error, iface) : undefined;
    if (revert) throw oneLineError(`the contract refused: ${revert} (see docs/errors.md)`, error as Error);
    const message = error instanceof Error ? error.message : String(error);
    throw oneLineError(message, error instanceof Error ? error : undefined);
  } finally {
    // The outermost command says what the network made it retry (nothing is printed when nothing was).
    if (--commandDepth === 0) {
      const summary = await retrySummary();
      if (summary) console.log(summary);
    }
  }
}

/** Why a network has no account to sign with, and what to set (read-only commands need no key). */
export function noAccountHint(network: string): string {
  return (
    `an account on network "${network}" to sign with (none configured): this command sends a transaction, so set ` +
    "DEPLOYER_PRIVATE_KEY in .env (see .env.example); read-only commands (rx:verify, rx:partner, rx:shipments) need no key"
  );
}

/** The signer for `--signer`: an address, or an index into the network's accounts (default 0). */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, choice?: string): Promise<HardhatEthersSigner> {
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) throw new InputError("--signer", choice ?? "", noAccountHint(hre.network.name));
  if (choice === undefined || choice === "") return signers[0];
  if (/^\d+$/.test(choice)) {
    const index = Number(choice);
    if (index >= signers.length) throw new InputError("--signer", choice, `an account index below ${signers.length}`);
    return signers[index];
  }
  const found = signers.find((s) => s.address.toLowerCase() === choice.toLowerCase());
  if (!found) throw new InputError("--signer", choice, `one of the ${signers.length} accounts of network "${hre.network.name}" (an address or an index)`);
  return found;
}

/** A partner given as an address or a 13-digit GLN. */
export async function resolvePartner(rx: RxTrace, value: string, field: string): Promise<string> {
  if (isAddress(value)) return value;
  if (/^\d{13}$/.test(value)) {
    const account = await rx.accountOfGln(parseGln(value, field));
    if (account === "0x0000000000000000000000000000000000000000") throw new InputError(field, value, "the GLN of an onboarded partner");
    return account;
  }
  throw new InputError(field, value, "a partner's address (0x…) or 13-digit GLN");
}

/** Parses a whole number in [min, max]. */
export function parseWhole(value: string, field: string, min = 1n, max = (1n << 48n) - 1n): bigint {
  if (!/^\d+$/.test(value.trim())) throw new InputError(field, value, `a whole number from ${min} to ${max}`);
  const n = BigInt(value.trim());
  if (n < min || n > max) throw new InputError(field, value, `a whole number from ${min} to ${max}`);
  return n;
}

/** A YYYY-MM-DD date as the unix second of the end of that day (UTC). */
export function parseDate(value: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const time = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59) / 1000 : NaN;
  if (!m || !Number.isFinite(time) || new Date(time * 1000).getUTCDate() !== Number(m[3])) {
    throw new InputError(field, value, "a date as YYYY-MM-DD");
  }
  return time;
}

/** How long a command waits for a sent transaction's receipt (RXTRACE_RECEIPT_TIMEOUT_MS, default 5 minutes). */
function receiptTimeoutMs(): number {
  const value = Number(process.env.RXTRACE_RECEIPT_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : 300_000;
}

/** The fees a sent transaction offers, for messages: "max fee 61.2 gwei, priority fee 25.0 gwei". */
function feesOf(tx: ContractTransactionResponse): string {
  if (tx.maxFeePerGas !== null && tx.maxPriorityFeePerGas !== null) return `max fee ${formatUnits(tx.maxFeePerGas, "gwei")} gwei, priority fee ${formatUnits(tx.maxPriorityFeePerGas, "gwei")} gwei`;
  return tx.gasPrice !== null ? `gas price ${formatUnits(tx.gasPrice, "gwei")} gwei` : "fees unknown";
}

/**
 * Sends, waits and prints one line about a transaction. On an HTTP network the sending is exactly once and
 * the receipt polling is retried (src/chain/reliable.ts); the wait itself has a deadline, after which the
 * transaction is reported stuck with its hash, nonce and fees. On a public network the command then waits
 * until the result is final (the `finalized` block, or confirmations; src/chain/public-tx.ts).
 */
export async function sendAndReport(
  label: string,
  tx: Promise<ContractTransactionResponse>,
  print: (line: string) => void = console.log,
): Promise<ContractTransactionReceipt> {
  const sent = await tx;
  const ms = receiptTimeoutMs();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${label}: tx ${sent.hash} (nonce ${sent.nonce} of ${sent.from}, ${feesOf(sent)}) is stuck: not mined within ${ms / 1000} s (RXTRACE_RECEIPT_TIMEOUT_MS). ` +
              `It was sent once and may still be mined: check it before running the command again, or replace it by a transaction with the same nonce and a higher fee`,
          ),
        ),
      ms,
    );
  });
  const receipt = await Promise.race([sent.wait(), deadline]).finally(() => clearTimeout(timer));
  if (!receipt) throw new Error(`${label}: no receipt for ${sent.hash}`);
  print(`${label}: tx ${receipt.hash} block ${receipt.blockNumber} gas ${receipt.gasUsed}`);
  const policy = currentTxPolicy();
  if (policy && sent.provider) await waitFinal(sent.provider, receipt, policy, print);
  return receipt;
}

/** The bytes of an input file named by `field`; `what` says what the file should be. */
export function readInputFile(file: string | undefined, field: string, what?: string): Buffer {
  const expected = what ? `a readable file (${what})` : "an existing, readable file";
  if (file === undefined || file === "") throw new InputError(field, file ?? "", `a file path: ${expected}`);
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(field, file, expected);
  return readFileSync(file);
}

/** keccak256 of a file's bytes (a licence, a certificate of origin, evidence). */
export function hashFile(file: string, field: string, what?: string): string {
  return keccak256(readInputFile(file, field, what));
}

/** 32 bytes given as 0x and 64 hex digits (an id or a hash); `nonZero` refuses the zero hash. */
export function parseBytes32(value: string | undefined, field: string, what: string, nonZero = false): string {
  const text = (value ?? "").trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new InputError(field, value ?? "", `${what} (0x followed by 64 hex digits)`);
  if (nonZero && BigInt(text) === 0n) throw new InputError(field, value, `a non-zero ${what}`);
  return text.toLowerCase();
}
