/**
 * Handovers signed off-chain (contracts/modules/SignedHandovers.sol): a partner signs a ship, receive or reject
 * as EIP-712 typed data on a device that holds no gas, and anyone submits it; sender and receiver co-sign a
 * handover at the door. This module holds what signers, inspectors and submitters share:
 *
 * - the domain, read from the contract's `eip712Domain()` (name "rxtrace", version "1", chain, contract);
 * - the typed-data definitions, field for field the contract's type strings (a test compares them);
 * - signing with an ethers Signer into the ERC-2098 compact form the contract takes, and recovering off-chain
 *   exactly as the contract does (OpenZeppelin's `ECDSA.tryRecover`: zero for a malformed signature);
 * - the contract call of each kind;
 * - the signed file, `rxtrace-signed/1`: the eth_signTypedData_v4 payload (domain, types, primaryType,
 *   message) plus the signatures, so any EIP-712 tool can check it too;
 * - the checks a submitter makes before paying gas (`inspectSigned`), worded for people.
 */
import {
  getAddress,
  hexlify,
  isAddress,
  recoverAddress,
  Signature,
  toBigInt,
  TypedDataEncoder,
  ZeroAddress,
  ZeroHash,
  type BigNumberish,
  type BytesLike,
  type ContractTransactionResponse,
  type Signer,
  type TypedDataField,
} from "ethers";
import { readFileSync } from "node:fs";
import type { RxTrace } from "../../typechain-types";
import { writeFileAtomic } from "../chain/deployment";
import { formatCelsius, RejectionReason, Standing } from "../domain/enums";
import { InputError } from "../domain/errors";
import { formatGtin, parseGtin, parseLot } from "../gs1/identifiers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../domain/ids";

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
      { name: "nonce", type: "uint64" },
      { name: "deadline", type: "uint40" },
    ],
    Shipment: SHIPMENT,
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
   * The sender's shipment count of the batch (`holding(batchId, sender).shipments`, the nonce of its next
   * `Shipped`), not a signature nonce: any shipment of the batch by the sender, or the handover itself, moves
   * it on. The receiver signs the same message.
   */
  nonce: bigint;
  deadline: bigint;
}

export type SignedOperation =
  | { kind: "ship"; message: ShipMessage }
  | { kind: "receive"; message: ReceiveMessage }
  | { kind: "reject"; message: RejectMessage }
  | { kind: "handover"; message: HandoverMessage };

/** A leg summary (scripts/lib/temperature.ts, or a contract struct) as typed-data fields. */
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
 * The nonce `op` must carry to be accepted now: the signer's next signature nonce (`partner(signer).nonce`) for
 * a ship, receive or reject; the sender's shipment count of the batch for a handover.
 */
export async function nextNonceOf(rx: RxTrace, op: SignedOperation): Promise<bigint> {
  if (op.kind === "handover") return (await rx.holding(op.message.batchId, op.message.sender)).shipments;
  return (await rx.partner(nonceOwnerOf(op))).nonce;
}

/** What the nonce of `kind` counts, in words. */
export function nonceMeaning(kind: SignedKind): string {
  return kind === "handover" ? "the sender's shipment count of the batch" : "the signer's signature nonce";
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
export interface AuthorizationFields extends CompactSig {
  nonce: bigint;
  deadline: bigint;
  chainId: bigint;
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
  return { nonce: message.nonce, deadline: message.deadline, chainId: domain.chainId, r: sig.r, vs: sig.vs };
}

/** `signer` signs a ship, receive or reject: the `Authorization` to pass with its fields. */
export async function signAuthorization(
  signer: Signer,
  domain: SigningDomain,
  op: Exclude<SignedOperation, { kind: "handover" }>,
): Promise<AuthorizationFields> {
  return authorizationOf(domain, op.message, await signOperation(signer, domain, op));
}

/* --------------------------------------------------------- contract call */

/** A complete signed operation: the fields, the domain and every party's signature. */
export type SignedDocument = SignedOperation & {
  domain: SigningDomain;
  /** GTIN and lot of the batch, for people (checked against the batch id; not signed). */
  batch?: { gtin: bigint; lot: string };
  signatures: PartySignature[];
};

export interface PartySignature extends CompactSig {
  party: Party;
  /** The partner who signed: the message's sender or receiver. */
  signer: string;
}

function signatureOf(doc: SignedDocument, party: Party): CompactSig {
  const found = doc.signatures.find((s) => s.party === party);
  if (!found) throw new Error(`the ${doc.kind} has no signature by the ${party} yet`);
  return { r: found.r, vs: found.vs };
}

/** Sends the contract call of `doc` from whichever account `rx` is connected to (anyone may submit). */
export function sendSigned(rx: RxTrace, doc: SignedDocument): Promise<ContractTransactionResponse> {
  switch (doc.kind) {
    case "ship": {
      const m = doc.message;
      const auth = authorizationOf(doc.domain, m, signatureOf(doc, "sender"));
      return rx.shipSigned(m.sender, m.batchId, m.receiver, m.quantity, m.manifest, auth);
    }
    case "receive": {
      const m = doc.message;
      return rx.receiveSigned(m.shipment, m.leg, authorizationOf(doc.domain, m, signatureOf(doc, "receiver")));
    }
    case "reject": {
      const m = doc.message;
      return rx.rejectSigned(m.shipment, m.reason, m.evidence, authorizationOf(doc.domain, m, signatureOf(doc, "receiver")));
    }
    case "handover":
      return rx.handover(doc.message, doc.domain.chainId, signatureOf(doc, "sender"), signatureOf(doc, "receiver"));
  }
}

/* ----------------------------------------------------------- signed file */

/** The JSON of a typed value: integers as decimal strings (uint64 does not fit a JSON number), addresses checksummed. */
function encodeValue(types: Record<string, TypedDataField[]>, type: string, value: unknown): unknown {
  const fields = types[type];
  if (fields) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(fields.map((f) => [f.name, encodeValue(types, f.type, record[f.name])]));
  }
  if (/^u?int\d+$/.test(type)) return (value as bigint).toString();
  if (type === "address") return getAddress(value as string);
  return (value as string).toLowerCase();
}

/** Reads a typed value from JSON, naming the field and the expected form on any mistake. */
function decodeValue(types: Record<string, TypedDataField[]>, type: string, value: unknown, field: string): unknown {
  const fields = types[type];
  if (fields) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError(field, value, `an object with the fields of ${type}`);
    const record = value as Record<string, unknown>;
    const extra = Object.keys(record).find((k) => !fields.some((f) => f.name === k));
    if (extra !== undefined) throw new InputError(`${field}.${extra}`, record[extra], `no such field in ${type} (${fields.map((f) => f.name).join(", ")})`);
    return Object.fromEntries(fields.map((f) => [f.name, decodeValue(types, f.type, record[f.name], `${field}.${f.name}`)]));
  }
  const integer = /^(u?)int(\d+)$/.exec(type);
  if (integer) {
    const bits = BigInt(integer[2]);
    const [min, max] = integer[1] === "u" ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
    const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
    if (typeof text !== "string" || !/^-?\d+$/.test(text) || BigInt(text) < min || BigInt(text) > max) {
      throw new InputError(field, value, `a whole number from ${min} to ${max} (${type}), as a decimal string`);
    }
    return BigInt(text);
  }
  if (type === "address") {
    if (typeof value !== "string" || !isAddress(value)) throw new InputError(field, value, "an address (0x followed by 40 hex digits)");
    return getAddress(value);
  }
  if (type === "bytes32") {
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InputError(field, value, "32 bytes (0x followed by 64 hex digits)");
    return value.toLowerCase();
  }
  throw new Error(`unsupported typed-data type ${type}`);
}

function decodeBytes32(value: unknown, field: string): string {
  return decodeValue({}, "bytes32", value, field) as string;
}

/** True when `types` (from a file) define exactly the typed data of `kind`, in any key order. */
function sameTypes(types: unknown, kind: SignedKind): boolean {
  try {
    const given = types as Record<string, TypedDataField[]>;
    const names = Object.keys(given).sort().join();
    if (names !== Object.keys(SIGNED_TYPES[kind]).sort().join()) return false;
    return TypedDataEncoder.from(given).encodeType(PRIMARY_TYPES[kind]) === typeStringOf(kind);
  } catch {
    return false;
  }
}

function record(value: unknown, field: string, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError(field, value, what);
  return value as Record<string, unknown>;
}

/** The signed file's JSON text. */
export function formatSignedDocument(doc: SignedDocument): string {
  const types = SIGNED_TYPES[doc.kind];
  const json = {
    format: SIGNED_FORMAT,
    kind: doc.kind,
    domain: {
      name: doc.domain.name,
      version: doc.domain.version,
      chainId: doc.domain.chainId.toString(),
      verifyingContract: getAddress(doc.domain.verifyingContract),
    },
    primaryType: PRIMARY_TYPES[doc.kind],
    types,
    message: encodeValue(types, PRIMARY_TYPES[doc.kind], doc.message),
    ...(doc.batch ? { batch: { gtin: formatGtin(doc.batch.gtin), lot: doc.batch.lot } } : {}),
    signatures: doc.signatures.map((s) => ({ party: s.party, signer: getAddress(s.signer), r: s.r.toLowerCase(), vs: s.vs.toLowerCase() })),
  };
  return JSON.stringify(json, null, 2) + "\n";
}

/**
 * Reads a signed file's text: every field is checked and a mistake names it (`file field: got …, expected …`).
 * A well-formed file may still carry a signature that does not match its fields: `inspectSigned` says so.
 */
export function parseSignedDocument(text: string, file: string): SignedDocument {
  const at = (field: string) => `${file} ${field}`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, text.slice(0, 40), `a signed file: JSON of format "${SIGNED_FORMAT}" (${(error as Error).message})`);
  }
  const top = record(raw, file, `a signed file: a JSON object of format "${SIGNED_FORMAT}"`);
  if (top.format !== SIGNED_FORMAT) throw new InputError(at("format"), top.format ?? "", `"${SIGNED_FORMAT}" (an rxtrace signed file, as rx:sign writes)`);
  const kind = top.kind as SignedKind;
  if (!SIGNED_KINDS.includes(kind)) throw new InputError(at("kind"), top.kind ?? "", `one of ${SIGNED_KINDS.join(", ")}`);
  const types = SIGNED_TYPES[kind];
  if (top.primaryType !== PRIMARY_TYPES[kind]) throw new InputError(at("primaryType"), top.primaryType ?? "", `"${PRIMARY_TYPES[kind]}" for kind ${kind}`);
  if (!sameTypes(top.types, kind)) {
    throw new InputError(at("types"), "(other definitions)", `the ${SIGNED_FORMAT} definitions: ${typeStringOf(kind)}`);
  }

  const d = record(top.domain, at("domain"), "an object with name, version, chainId and verifyingContract");
  const extraDomain = Object.keys(d).find((k) => !["name", "version", "chainId", "verifyingContract"].includes(k));
  if (extraDomain !== undefined) throw new InputError(at(`domain.${extraDomain}`), d[extraDomain], "no such field (rxtrace's domain has name, version, chainId, verifyingContract)");
  if (typeof d.name !== "string" || d.name === "") throw new InputError(at("domain.name"), d.name ?? "", "the contract's EIP-712 name");
  if (typeof d.version !== "string" || d.version === "") throw new InputError(at("domain.version"), d.version ?? "", "the contract's EIP-712 version");
  const domain: SigningDomain = {
    name: d.name,
    version: d.version,
    chainId: decodeValue({}, "uint256", d.chainId, at("domain.chainId")) as bigint,
    verifyingContract: decodeValue({}, "address", d.verifyingContract, at("domain.verifyingContract")) as string,
  };

  const message = decodeValue(types, PRIMARY_TYPES[kind], top.message, at("message"));
  const op = { kind, message } as SignedOperation;
  if (op.kind === "reject" && RejectionReason[Number(op.message.reason)] === undefined) {
    throw new InputError(at("message.reason"), op.message.reason, `a rejection reason from 0 to ${RejectionReason.Other}`);
  }

  let batch: SignedDocument["batch"];
  if (top.batch !== undefined) {
    const b = record(top.batch, at("batch"), "an object with the batch's gtin and lot");
    batch = { gtin: parseGtin(String(b.gtin ?? ""), at("batch.gtin")), lot: parseLot(String(b.lot ?? ""), at("batch.lot")) };
    const batchId = batchIdOfOperation(op);
    if (batchIdOf(batch.gtin, batch.lot) !== batchId) {
      throw new InputError(at("batch"), `${formatGtin(batch.gtin)} / ${batch.lot}`, `the GTIN and lot of the signed batch ${batchId}`);
    }
  }

  if (!Array.isArray(top.signatures)) throw new InputError(at("signatures"), top.signatures ?? "", "a list of signatures");
  const parties = partiesOf(op);
  const signatures = top.signatures.map((item: unknown, i): PartySignature => {
    const where = (field: string) => at(`signatures[${i}].${field}`);
    const s = record(item, at(`signatures[${i}]`), "an object with party, signer, r and vs");
    const expected = parties.find((p) => p.party === s.party);
    if (!expected) throw new InputError(where("party"), s.party ?? "", `${parties.map((p) => `"${p.party}"`).join(" or ")} for kind ${kind}`);
    const signer = decodeValue({}, "address", s.signer, where("signer")) as string;
    if (signer !== getAddress(expected.account)) throw new InputError(where("signer"), signer, `the message's ${expected.party} ${getAddress(expected.account)}`);
    return { party: expected.party, signer, r: decodeBytes32(s.r, where("r")), vs: decodeBytes32(s.vs, where("vs")) };
  });
  for (const p of parties) {
    if (signatures.filter((s) => s.party === p.party).length > 1) throw new InputError(at("signatures"), `${p.party} twice`, "one signature per party");
  }
  if (!signatures.some((s) => s.party === parties[0].party)) {
    throw new InputError(at("signatures"), `${signatures.length} signature${signatures.length === 1 ? "" : "s"}`, `the ${parties[0].party}'s signature (${parties[0].account})`);
  }
  return { ...op, domain, batch, signatures } as SignedDocument;
}

/** Reads and checks the signed file named by `field` (e.g. `--in`). */
export function readSignedFile(file: string | undefined, field = "--in"): SignedDocument {
  if (file === undefined || file === "") throw new InputError(field, file ?? "", "the path of a signed file (written by rx:sign)");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new InputError(field, file, "an existing, readable signed file (written by rx:sign)");
  }
  return parseSignedDocument(text, file);
}

/** Writes the signed file whole or not at all. */
export function writeSignedFile(file: string, doc: SignedDocument): void {
  writeFileAtomic(file, formatSignedDocument(doc));
}

/* ------------------------------------------------------- describe, check */

const REASON_WORDS: Record<RejectionReason, string> = {
  [RejectionReason.WrongQuantity]: "wrong quantity",
  [RejectionReason.Damaged]: "damaged",
  [RejectionReason.NoTemperatureData]: "no temperature data",
  [RejectionReason.WrongProduct]: "wrong product",
  [RejectionReason.Other]: "other",
};

function unitsText(n: bigint): string {
  return `${n} unit${n === 1n ? "" : "s"}`;
}

export function isoTime(seconds: bigint | number): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace(".000Z", "Z") : `unix ${seconds}`;
}

/** "2 h 5 min", "45 s", "3 d 4 h". */
export function formatDuration(seconds: bigint): string {
  const s = seconds < 0n ? -seconds : seconds;
  if (s < 60n) return `${s} s`;
  if (s < 3600n) return `${s / 60n} min`;
  if (s < 86400n) return `${s / 3600n} h${(s % 3600n) / 60n ? ` ${(s % 3600n) / 60n} min` : ""}`;
  return `${s / 86400n} d${(s % 86400n) / 3600n ? ` ${(s % 86400n) / 3600n} h` : ""}`;
}

function legText(leg: LegFields): string {
  return (
    `leg min ${formatCelsius(leg.minTemp)}, max ${formatCelsius(leg.maxTemp)}, mean kinetic ${formatCelsius(leg.meanKineticTemp)}, ` +
    `${leg.minutesOutOfRange} minutes out of range; logger file keccak256 ${leg.loggerHash}`
  );
}

const WHAT: Record<SignedKind, string> = {
  ship: "a shipment signed by its sender",
  receive: "a receipt signed by the shipment's receiver",
  reject: "a rejection signed by the shipment's receiver",
  handover: "a handover co-signed by its sender and receiver",
};

/** The signed fields in words; `name` labels an address (e.g. with the partner's role and GLN). */
export function describeSigned(doc: SignedDocument, name: (account: string) => string = (a) => a): string[] {
  const batchId = batchIdOfOperation(doc);
  const batch = doc.batch ? `GTIN ${formatGtin(doc.batch.gtin)} lot ${doc.batch.lot} (batch ${batchId})` : `batch ${batchId}`;
  const manifest = (m: string) => (m === ZeroHash ? "none (batch level)" : `${m} (Merkle root of the packs)`);
  const lines = [`${doc.kind}: ${WHAT[doc.kind]} (${PRIMARY_TYPES[doc.kind]}, ${SIGNED_FORMAT})`];
  switch (doc.kind) {
    case "ship":
    case "handover": {
      const m = doc.message;
      lines.push(`  ${doc.kind === "ship" ? "ship" : "hand over"} ${unitsText(m.quantity)} of ${batch}`);
      lines.push(`  from ${name(m.sender)}`);
      lines.push(`  to   ${name(m.receiver)}`);
      lines.push(`  manifest ${manifest(m.manifest)}`);
      if (doc.kind === "handover") lines.push(`  ${legText(doc.message.leg)}`);
      break;
    }
    case "receive":
    case "reject": {
      const s = doc.message.shipment;
      lines.push(`  ${doc.kind} shipment ${shipmentIdOf(s)}: ${unitsText(s.quantity)} of ${batch}`);
      lines.push(`  from ${name(s.sender)} (its shipment nonce ${s.nonce})`);
      lines.push(`  to   ${name(s.receiver)}`);
      if (doc.kind === "receive") lines.push(`  ${legText(doc.message.leg)}`);
      else {
        const reason = Number(doc.message.reason) as RejectionReason;
        lines.push(`  reason ${REASON_WORDS[reason]}; evidence ${doc.message.evidence === ZeroHash ? "none" : `keccak256 ${doc.message.evidence}`}`);
      }
      break;
    }
  }
  lines.push(`  nonce ${doc.message.nonce} (${nonceMeaning(doc.kind)}, ${nonceOwnerOf(doc)}); deadline ${isoTime(doc.message.deadline)}`);
  lines.push(`  domain "${doc.domain.name}" version ${doc.domain.version}, chain ${doc.domain.chainId}, contract ${doc.domain.verifyingContract}`);
  return lines;
}

/** What a submitter needs to know about the chain to check a signed file. */
export interface ChainView {
  chainId: bigint;
  /** The deployment's contract (the domain's verifyingContract must be this). */
  contract: string;
  /** The latest block's timestamp: the contract compares the deadline with it. */
  now: bigint;
  /** The nonce the operation must carry now (`nextNonceOf`). */
  nextNonce: bigint;
  /** The signer's revocation that voided the operation's nonce (`SignaturesRevoked`), when it was revoked. */
  revoked?: Revocation;
  /** The standing of each signing party's account. */
  standings: Record<string, Standing>;
}

/** A partner's `revokeSignatures`: nonces `fromNonce` to `nextNonce - 1` can never be used. */
export interface Revocation {
  fromNonce: bigint;
  nextNonce: bigint;
  block: number;
  tx: string;
}

export interface SignatureCheck {
  party: Party;
  account: string;
  present: boolean;
  /** Who the signature recovers to (zero when malformed); undefined when absent. */
  recovered?: string;
  valid: boolean;
  standing: Standing;
}

export interface Inspection {
  kind: SignedKind;
  chain: { signedFor: bigint; current: bigint; ok: boolean };
  contract: { signedFor: string; deployment: string; ok: boolean };
  deadline: { deadline: bigint; now: bigint; ok: boolean };
  /** A used nonce was either taken by a submitted signature or revoked by its signer (`revoked`). */
  nonce: { account: string; nonce: bigint; next: bigint; state: "next" | "used" | "ahead"; revoked?: Revocation };
  signatures: SignatureCheck[];
  /** Why the contract would refuse the file now (empty when it is ready to submit), each with its error. */
  problems: string[];
  ready: boolean;
}

/**
 * Checks `doc` as the contract will, in the contract's order (chain, deadline, signatures, nonce), plus the
 * signers' standing. Pure: the chain's state comes in `view`.
 */
export function inspectSigned(doc: SignedDocument, view: ChainView): Inspection {
  const problems: string[] = [];
  const chain = { signedFor: doc.domain.chainId, current: view.chainId, ok: doc.domain.chainId === view.chainId };
  if (!chain.ok) problems.push(`signed for chain ${chain.signedFor}, but this is chain ${chain.current} (SignatureWrongChain)`);
  const contract = {
    signedFor: getAddress(doc.domain.verifyingContract),
    deployment: getAddress(view.contract),
    ok: getAddress(doc.domain.verifyingContract) === getAddress(view.contract),
  };
  if (!contract.ok) {
    problems.push(`signed for contract ${contract.signedFor}, but this deployment is ${contract.deployment}: the signatures would not match (SignatureInvalidSigner)`);
  }
  const deadline = { deadline: doc.message.deadline, now: view.now, ok: view.now <= doc.message.deadline };
  if (!deadline.ok) {
    problems.push(`the deadline ${isoTime(deadline.deadline)} passed ${formatDuration(view.now - deadline.deadline)} ago (SignatureExpired): sign again`);
  }
  const signatures = partiesOf(doc).map(({ party, account }): SignatureCheck => {
    const standing = view.standings[getAddress(account)] ?? Standing.Unknown;
    const sig = doc.signatures.find((s) => s.party === party);
    if (!sig) return { party, account, present: false, valid: false, standing };
    const recovered = recoverSigner(doc.domain, doc, sig);
    return { party, account, present: true, recovered, valid: recovered === getAddress(account), standing };
  });
  for (const s of signatures) {
    if (!s.present) problems.push(`the ${s.party} ${s.account} has not signed yet (rx:cosign --in <file> --signer <the ${s.party}>)`);
    else if (!s.valid) {
      const who = s.recovered === ZeroAddress ? "the signature is malformed" : `it recovers to ${s.recovered}`;
      problems.push(`the ${s.party}'s signature does not match the fields: ${who}, not ${s.account}; a field was changed after signing, or someone else signed (SignatureInvalidSigner)`);
    }
  }
  const owner = nonceOwnerOf(doc);
  const n = doc.message.nonce;
  const state = n === view.nextNonce ? ("next" as const) : n < view.nextNonce ? ("used" as const) : ("ahead" as const);
  const r = view.revoked;
  const revoked = state === "used" && doc.kind !== "handover" && r && r.fromNonce <= n && n < r.nextNonce ? r : undefined;
  const nonce = { account: owner, nonce: n, next: view.nextNonce, state, ...(revoked ? { revoked } : {}) };
  const used =
    doc.kind === "handover"
      ? "the handover was submitted before, or the sender shipped the batch since signing: sign it again"
      : revoked
        ? `the signer revoked it (rx:revoke-signatures in block ${revoked.block}, up to nonce ${revoked.nextNonce - 1n}): sign again if it is still wanted`
        : "this file was submitted before, another signature took the nonce, or the signer revoked it";
  const ahead = doc.kind === "handover" ? "the sender's shipments of the batch sent before it must come first" : "submit the earlier signatures first";
  if (nonce.state === "used") problems.push(`nonce ${n} (${nonceMeaning(doc.kind)}) was used already, the next is ${view.nextNonce}: ${used} (SignatureReplayed)`);
  if (nonce.state === "ahead") problems.push(`nonce ${n} (${nonceMeaning(doc.kind)}) is ahead of the next, ${view.nextNonce}: ${ahead} (SignatureNonceTooHigh)`);
  for (const s of signatures) {
    if (s.standing !== Standing.Authorized) problems.push(`the ${s.party} ${s.account} is ${Standing[s.standing]}, not an authorized partner (PartnerNotAuthorized)`);
  }
  return { kind: doc.kind, chain, contract, deadline, nonce, signatures, problems, ready: problems.length === 0 };
}

/** The checks of `inspectSigned` in words, one line each. */
export function formatInspection(inspection: Inspection): string[] {
  const i = inspection;
  const lines = [
    `chain ${i.chain.signedFor}: ${i.chain.ok ? "this chain" : `NOT this chain (${i.chain.current})`}`,
    `contract ${i.contract.signedFor}: ${i.contract.ok ? "this deployment" : `NOT this deployment (${i.contract.deployment})`}`,
    `deadline ${isoTime(i.deadline.deadline)}: ` +
      (i.deadline.ok ? `in ${formatDuration(i.deadline.deadline - i.deadline.now)}` : `EXPIRED ${formatDuration(i.deadline.now - i.deadline.deadline)} ago`) +
      ` (chain time ${isoTime(i.deadline.now)})`,
    `nonce ${i.nonce.nonce} (${nonceMeaning(i.kind)}, ${i.nonce.account}): ` +
      {
        next: "its next nonce",
        used: i.nonce.revoked ? `USED already: revoked by the signer in block ${i.nonce.revoked.block} (next is ${i.nonce.next})` : `USED already (next is ${i.nonce.next})`,
        ahead: `AHEAD of its next nonce ${i.nonce.next}`,
      }[i.nonce.state],
  ];
  for (const s of i.signatures) {
    const standing = s.standing === Standing.Authorized ? "" : ` (${Standing[s.standing]})`;
    if (!s.present) lines.push(`signature of the ${s.party} ${s.account}${standing}: MISSING`);
    else if (s.valid) lines.push(`signature of the ${s.party} ${s.account}${standing}: valid`);
    else lines.push(`signature of the ${s.party} ${s.account}${standing}: DOES NOT MATCH (recovers to ${s.recovered})`);
  }
  if (i.ready) lines.push("ready to submit (rx:submit --in <file>, from any account)");
  else {
    lines.push("NOT READY: the contract would refuse it now:");
    for (const p of i.problems) lines.push(`  - ${p}`);
  }
  return lines;
}
