/**
 * Handovers signed off-chain (contracts/modules/SignedHandovers.sol): a partner signs a ship, receive or reject
 * as EIP-712 typed data on a device that holds no gas, and anyone submits it; sender and receiver co-sign a
 * handover at the door. This module holds what signers, inspectors and submitters share:
 *
 * - the domain, read from the contract's `eip712Domain()` (name "rxtrace", version "1", chain, contract);
 * - the typed-data definitions, field for field the contract's type strings (a test compares them);
 * - signing with an ethers Signer into the ERC-2098 compact form the contract takes, and recovering off-chain
 *   exactly as the contract does (OpenZeppelin's `ECDSA.tryRecover`: zero for a malformed signature);
 *
 * Next to it: document.ts, the signed file `rxtrace-signed/1` (the eth_signTypedData_v4 payload plus the
 * signatures, so any EIP-712 tool can check it too) and the contract call of each kind; inspect.ts, the checks
 * a submitter makes before paying gas (`inspectSigned`), worded for people. Reading and writing the file is
 * src/files/signed-files.ts.
 */
import {
  concat,
  getAddress,
  hexlify, recoverAddress,
  Signature,
  toBigInt,
  TypedDataEncoder,
  ZeroAddress, type BigNumberish,
  type BytesLike, type Signer,
  type TypedDataField
} from "ethers";
import type { RxTrace } from "../../typechain-types";
import { type ShipmentKey } from "../domain/ids";

/** The `format` of a signed file this version reads and writes. */
export const SIGNED_FORMAT = "rxtrace-signed/1";

export const SIGNED_KINDS = ["ship", "receive", "reject", "handover"] as const;
export type SignedKind = (typeof SIGNED_KINDS)[number];

/** Who signs: the sender of a shipment or handover, the receiver of a receipt, rejection or handover. */
export type Party = "sender" | "receiver";

/* ------------------------------------------------------------ typed data */

const TEMPERATURE_LEG: TypedDataField[] = [
  { name: "minTemp", type: "int16" },
  { name: "maxTemp", type: "int16" },
  { name: "meanKineticTemp", type: "int16" },
  { name: "minutesOutOfRange", type: "uint32" },
  { name: "loggerHash", type: "bytes32" },
];

const SHIPMENT: TypedDataField[] = [
  { name: "batchId", type: "bytes32" },
  { name: "sender", type: "address" },
  { name: "receiver", type: "address" },
  { name: "quantity", type: "uint48" },
  { name: "nonce", type: "uint32" },
];

/** The EIP-712 types of each kind (primary type first), as `SignedHandovers.sol` hashes them. */
export const SIGNED_TYPES: Record<SignedKind, Record<string, TypedDataField[]>> = {
  ship: {
    Ship: [
      { name: "sender", type: "address" },
      { name: "batchId", type: "bytes32" },
      { name: "receiver", type: "address" },
      { name: "quantity", type: "uint48" },
      { name: "manifest", type: "bytes32" },
      { name: "nonce", type: "uint64" },
      { name: "deadline", type: "uint40" },
    ],
  },
  receive: {
    Receive: [
      { name: "shipment", type: "Shipment" },
      { name: "leg", type: "TemperatureLeg" },
      { name: "nonce", type: "uint64" },
      { name: "deadline", type: "uint40" },
    ],
    Shipment: SHIPMENT,
    TemperatureLeg: TEMPERATURE_LEG,
  },
  reject: {
    Reject: [
      { name: "shipment", type: "Shipment" },
      { name: "reason", type: "uint8" },
      { name: "evidence", type: "bytes32" },
      { name: "leg", type: "TemperatureLeg" },
      { name: "nonce", type: "uint64" },
      { name: "deadline", type: "uint40" },
    ],
    Shipment: SHIPMENT,
    TemperatureLeg: TEMPERATURE_LEG,
  },
  handover: {
    Handover: [
      { name: "batchId", type: "bytes32" },
      { name: "sender", type: "address" },
      { name: "receiver", type: "address" },
      { name: "quantity", type: "uint48" },
      { name: "manifest", type: "bytes32" },
      { name: "leg", type: "TemperatureLeg" },
      { name: "nonce", type: "uint32" },
      { name: "deadline", type: "uint40" },
    ],
    TemperatureLeg: TEMPERATURE_LEG,
  },
};

export const PRIMARY_TYPES: Record<SignedKind, "Ship" | "Receive" | "Reject" | "Handover"> = {
  ship: "Ship",
  receive: "Receive",
  reject: "Reject",
  handover: "Handover",
};

/** The EIP-712 type string of `kind` (what the contract's typehash is the keccak256 of). */
export function typeStringOf(kind: SignedKind): string {
  return TypedDataEncoder.from(SIGNED_TYPES[kind]).encodeType(PRIMARY_TYPES[kind]);
}

/** The domain every rxtrace signature names. */
export interface SigningDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

/** The contract's own EIP-712 domain (ERC-5267 `eip712Domain()`). */
export async function readDomain(rx: RxTrace): Promise<SigningDomain> {
  const d = await rx.eip712Domain();
  // ERC-5267: bits 0-3 say name, version, chainId and verifyingContract are used; no salt, no extensions.
  if (d.fields !== "0x0f") throw new Error(`the contract's EIP-712 domain uses fields ${d.fields}; rxtrace signs with 0x0f (name, version, chainId, verifyingContract)`);
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: getAddress(d.verifyingContract) };
}

/* -------------------------------------------------------------- messages */

/** A leg's temperature summary as the typed data carries it (tenths of a degree Celsius). */
export interface LegFields {
  minTemp: bigint;
  maxTemp: bigint;
  meanKineticTemp: bigint;
  minutesOutOfRange: bigint;
  loggerHash: string;
}

export interface ShipMessage {
  sender: string;
  batchId: string;
  receiver: string;
  quantity: bigint;
  /** Merkle root of the packs shipped; zero for a batch-level shipment. */
  manifest: string;
  nonce: bigint;
  deadline: bigint;
}

export interface ReceiveMessage {
  shipment: ShipmentKey;
  leg: LegFields;
  nonce: bigint;
  deadline: bigint;
}

export interface RejectMessage {
  shipment: ShipmentKey;
  reason: bigint;
  evidence: string;
  /**
   * The leg's temperature summary, as for a receipt (all zero when there is no data). The units go back to the
   * sender's saleable stock only when it stayed in range and the reason is neither Damaged nor NoTemperatureData.
   */
  leg: LegFields;
  nonce: bigint;
  deadline: bigint;
}

export interface HandoverMessage {
  batchId: string;
  sender: string;
  receiver: string;
  quantity: bigint;
  manifest: string;
  leg: LegFields;
  /**
   * The sender's handover nonce: any 32-bit value the sender has not used or cancelled (`isHandoverNonceUsed`),
   * used once and in any order, so shipping, other handovers or a refused stop never void it. Not the leg's
   * shipment nonce: the handover's id takes the sender's shipment count when it is submitted (`HandedOver`). The
   * receiver signs the same message.
   */
  nonce: bigint;
  deadline: bigint;
}

export type SignedOperation =
  | { kind: "ship"; message: ShipMessage }
  | { kind: "receive"; message: ReceiveMessage }
  | { kind: "reject"; message: RejectMessage }
  | { kind: "handover"; message: HandoverMessage };

/** A leg summary (src/domain/temperature.ts, or a contract struct) as typed-data fields. */
export function legFields(leg: {
  minTemp: BigNumberish;
  maxTemp: BigNumberish;
  meanKineticTemp: BigNumberish;
  minutesOutOfRange: BigNumberish;
  loggerHash: BytesLike;
}): LegFields {
  return {
    minTemp: toBigInt(leg.minTemp),
    maxTemp: toBigInt(leg.maxTemp),
    meanKineticTemp: toBigInt(leg.meanKineticTemp),
    minutesOutOfRange: toBigInt(leg.minutesOutOfRange),
    loggerHash: hexlify(leg.loggerHash),
  };
}

/** Who must sign `op`, in the order the file lists them: the partner the contract acts for (both for a handover). */
export function partiesOf(op: SignedOperation): { party: Party; account: string }[] {
  switch (op.kind) {
    case "ship":
      return [{ party: "sender", account: op.message.sender }];
    case "receive":
    case "reject":
      return [{ party: "receiver", account: op.message.shipment.receiver }];
    case "handover":
      return [
        { party: "sender", account: op.message.sender },
        { party: "receiver", account: op.message.receiver },
      ];
  }
}

/** The partner whose nonce `op` uses: the signer, or the sender of a handover. */
export function nonceOwnerOf(op: SignedOperation): string {
  return partiesOf(op)[0].account;
}

/**
 * The nonce `op` must carry to be accepted now: the signer's next signature nonce (`partner(signer).nonce`) for a
 * ship, receive or reject. A handover's signed nonce is unordered (see `unusedHandoverNonce` and
 * `isHandoverNonceUsed`): for a handover this is the sender's shipment count of the batch, the shipment nonce its
 * id takes if it is submitted now.
 */
export async function nextNonceOf(rx: RxTrace, op: SignedOperation): Promise<bigint> {
  if (op.kind === "handover") return (await rx.holding(op.message.batchId, op.message.sender)).shipments;
  return (await rx.partner(nonceOwnerOf(op))).nonce;
}

/**
 * A handover nonce `sender` has not used or cancelled: a random 32-bit value (so handovers signed in parallel on
 * different devices do not collide), checked against the chain.
 */
export async function unusedHandoverNonce(rx: RxTrace, sender: string, random: () => number = Math.random): Promise<bigint> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const nonce = BigInt(Math.floor(random() * 2 ** 32));
    if (!(await rx.isHandoverNonceUsed(sender, nonce))) return nonce;
  }
  throw new Error(`no unused handover nonce of ${sender} found in 64 draws`);
}

/** What the nonce of `kind` counts, in words. */
export function nonceMeaning(kind: SignedKind): string {
  return kind === "handover" ? "the sender's handover nonce, used once, in any order" : "the signer's signature nonce";
}

/** The batch `op` moves. */
export function batchIdOfOperation(op: SignedOperation): string {
  return op.kind === "receive" || op.kind === "reject" ? op.message.shipment.batchId : op.message.batchId;
}

/* ------------------------------------------------------------ signatures */

/** An ERC-2098 compact signature: `vs` is s with the parity of v in its top bit. */
export interface CompactSig {
  r: string;
  vs: string;
}

/** What `shipSigned`, `receiveSigned` and `rejectSigned` take besides the operation's fields. */
export interface AuthorizationFields {
  nonce: bigint;
  deadline: bigint;
  chainId: bigint;
  /** The signature bytes: ERC-2098's 64 bytes for a key, or what a contract signer accepts (ERC-1271). */
  signature: string;
}

/** The 64 signature bytes (ERC-2098: r, then vs) that the contract takes for a key's compact signature. */
export function signatureBytes(sig: CompactSig): string {
  return concat([sig.r, sig.vs]);
}

/** Half the order of secp256k1: OpenZeppelin's ECDSA refuses a larger s (a malleable signature). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** The EIP-712 digest of `op` under `domain`: what each party signs. */
export function digestOf(domain: SigningDomain, op: SignedOperation): string {
  return TypedDataEncoder.hash(domain, SIGNED_TYPES[op.kind], op.message);
}

/** `signer` signs `op` (eth_signTypedData_v4), compacted to ERC-2098. */
export async function signOperation(signer: Signer, domain: SigningDomain, op: SignedOperation): Promise<CompactSig> {
  const signature = Signature.from(await signer.signTypedData(domain, SIGNED_TYPES[op.kind], op.message));
  return { r: signature.r, vs: signature.yParityAndS };
}

/** Who signed `op` with `sig`, as the contract recovers it: the zero address when the signature is malformed. */
export function recoverSigner(domain: SigningDomain, op: SignedOperation, sig: CompactSig): string {
  const s = BigInt(sig.vs) & ((1n << 255n) - 1n);
  if (BigInt(sig.r) === 0n || s === 0n || s > HALF_ORDER) return ZeroAddress;
  try {
    return recoverAddress(digestOf(domain, op), { r: sig.r, yParityAndS: sig.vs });
  } catch {
    return ZeroAddress;
  }
}

/** The `Authorization` of a signed ship, receive or reject. */
export function authorizationOf(domain: SigningDomain, message: { nonce: bigint; deadline: bigint }, sig: CompactSig): AuthorizationFields {
  return { nonce: message.nonce, deadline: message.deadline, chainId: domain.chainId, signature: signatureBytes(sig) };
}

/** `signer` signs a ship, receive or reject: the `Authorization` to pass with its fields. */
export async function signAuthorization(
  signer: Signer,
  domain: SigningDomain,
  op: Exclude<SignedOperation, { kind: "handover" }>,
): Promise<AuthorizationFields> {
  return authorizationOf(domain, op.message, await signOperation(signer, domain, op));
}
