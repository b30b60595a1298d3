/**
 * The signed file, `rxtrace-signed/1`: the eth_signTypedData_v4 payload (domain, types, primaryType, message)
 * plus the signatures, so any EIP-712 tool can check it too. Formatting and parsing (naming the field that is
 * wrong), and the contract call that submits a signed document.
 */
import {
  getAddress, isAddress, TypedDataEncoder, type ContractTransactionResponse, type TypedDataField
} from "ethers";
import type { RxTrace } from "../../typechain-types";
import { RejectionReason } from "../domain/enums";
import { InputError } from "../domain/errors";
import { formatGtin, parseGtin, parseLot } from "../gs1/identifiers";
import { batchIdOf } from "../domain/ids";
import { type CompactSig, PRIMARY_TYPES, type Party, SIGNED_FORMAT, SIGNED_KINDS, SIGNED_TYPES, type SignedKind, type SignedOperation, type SigningDomain, authorizationOf, batchIdOfOperation, partiesOf, signatureBytes, typeStringOf } from "./typed-data";

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
      return rx.rejectSigned(m.shipment, m.reason, m.evidence, m.leg, authorizationOf(doc.domain, m, signatureOf(doc, "receiver")));
    }
    case "handover":
      return rx.handover(doc.message, doc.domain.chainId, signatureBytes(signatureOf(doc, "sender")), signatureBytes(signatureOf(doc, "receiver")));
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
