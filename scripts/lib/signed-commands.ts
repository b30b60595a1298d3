/**
 * The signed-handover commands (tasks/signed.ts): sign an operation into a file, co-sign a handover, inspect a
 * signed file, submit it from any account. Each checks what it can before signing or sending, and says in
 * words why the contract would refuse a file (scripts/lib/signing.ts does the checking).
 *
 * A signed ship or handover may name its packs (`--serials`, `--all-remaining`, `--cases`, planned exactly as
 * `rx:ship` plans them): the manifest's root goes into the signed message, and the manifest file travels next
 * to the signed file (`ship.json` -> `ship.manifest.json`; not signed, so the signed payload stays standard
 * EIP-712). The receiver checks it before co-signing a handover, and `rx:submit` keeps it under the deployment
 * folder once the leg is on the chain, where `rx:receive`, `rx:ship --all-remaining` and `rx:verify` find it.
 */
import { getAddress, ZeroHash, type ContractTransactionReceipt } from "ethers";
import { existsSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../typechain-types";
import { describeBatch, partnerLabel, parseBatchRef, requireAuthorizedPartner, units, type BatchRef } from "./batch-lookup";
import { hashFile, parseBytes32, parseWhole, readInputFile, resolvePartner, revertData, sendAndReport } from "./cli";
import { formatCelsius, RejectionReason, Standing } from "./domain";
import { InputError } from "./errors";
import { formatGtin } from "./gs1";
import { shipmentIdOf } from "./ids";
import { loadManifest, manifestPath, pendingManifestPath, saveManifest, withNonce, type Manifest } from "./manifest";
import {
  checkReceivedManifest,
  describeContents,
  parseSsccList,
  planPackShipment,
  readSerialList,
  type DeploymentContext,
  type PackSelection,
} from "./packs";
import type { LegFact } from "./provenance";
import { LOG_CHUNK, REJECTION_REASONS, requireShipmentInTransit } from "./shipments";
import {
  batchIdOfOperation,
  describeSigned,
  formatInspection,
  formatSignedDocument,
  inspectSigned,
  isoTime,
  legFields,
  nextNonceOf,
  nonceOwnerOf,
  partiesOf,
  readDomain,
  readSignedFile,
  recoverSigner,
  sendSigned,
  signOperation,
  writeSignedFile,
  type ChainView,
  type Inspection,
  type LegFields,
  type Revocation,
  type SignedDocument,
  type SignedKind,
  type SignedOperation,
  SIGNED_KINDS,
} from "./signing";
import { summarizeLeg } from "./temperature";

type Print = (line: string) => void;

/** The exit code of `rx:signed` for a well-formed file the contract would refuse now (or one still unsigned by a party). */
export const NOT_READY_EXIT_CODE = 2;
/** The deadline of a signature when `--deadline` is not given. */
export const DEFAULT_DEADLINE_SECONDS = 24 * 3600;

const MAX_UINT32 = (1n << 32n) - 1n;
const MAX_UINT40 = (1n << 40n) - 1n;
const MAX_UINT48 = (1n << 48n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** The flags of `rx:sign` that only some kinds take. */
const KIND_FLAGS = ["gtin", "lot", "batch", "to", "quantity", "manifest", "serials", "allRemaining", "cases", "shipment", "logger", "reason", "evidence"] as const;
type KindFlag = (typeof KIND_FLAGS)[number];

/** The flags each kind takes besides --kind, --deadline, --nonce and --out. */
const FLAGS_OF: Record<SignedKind, readonly KindFlag[]> = {
  ship: ["gtin", "lot", "batch", "to", "quantity", "manifest", "serials", "allRemaining", "cases"],
  handover: ["gtin", "lot", "batch", "to", "quantity", "manifest", "serials", "allRemaining", "cases", "logger"],
  receive: ["shipment", "logger"],
  reject: ["shipment", "reason", "evidence"],
};

const given = (value: string | undefined): value is string => value !== undefined && value !== "";

/** "allRemaining" -> "--all-remaining". */
const flagOf = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Where the manifest of a signed ship or handover travels: next to the signed file, `ship.json` ->
 * `ship.manifest.json`. It is not part of the signed payload; its root is.
 */
export function signedManifestPath(signedFile: string): string {
  const ext = path.extname(signedFile);
  return `${ext ? signedFile.slice(0, -ext.length) : signedFile}.manifest.json`;
}

/* -------------------------------------------------------------- deadline */

/** A deadline relative to the chain's time (`after` seconds), or a fixed unix second. */
export type DeadlineSpec = { after: number } | { at: number };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400 };

/** `--deadline`: a duration (30m, 24h, 7d) from now, or a date-time with its zone; default 24 h. */
export function parseDeadline(value: string | undefined): DeadlineSpec {
  if (!given(value)) return { after: DEFAULT_DEADLINE_SECONDS };
  const text = value.trim();
  const duration = /^(\d+)\s*(s|m|min|h|d)$/.exec(text);
  if (duration && Number(duration[1]) > 0) return { after: Number(duration[1]) * UNIT_SECONDS[duration[2]] };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) && Number.isFinite(Date.parse(text))) {
    return { at: Math.floor(Date.parse(text) / 1000) };
  }
  throw new InputError("--deadline", value, "a duration from now such as 30m, 24h or 7d, or a date-time with its zone such as 2025-06-30T18:00Z");
}

/** The deadline as a unix second, checked against the chain's time `now`. */
function resolveDeadline(spec: DeadlineSpec, now: bigint, text: string | undefined): bigint {
  const deadline = "after" in spec ? now + BigInt(spec.after) : BigInt(spec.at);
  if (deadline <= now) throw new InputError("--deadline", text ?? "", `a time after the chain's time now, ${isoTime(now)}`);
  if (deadline > MAX_UINT40) throw new InputError("--deadline", text ?? "", "a time before the year 36812 (uint40 seconds)");
  return deadline;
}

async function chainNow(rx: RxTrace): Promise<bigint> {
  const block = await rx.runner?.provider?.getBlock("latest");
  if (!block) throw new Error("the network returned no latest block");
  return BigInt(block.timestamp);
}

/* ------------------------------------------------------------------ sign */

export interface SignArgs {
  kind?: string;
  gtin?: string;
  lot?: string;
  batch?: string;
  to?: string;
  quantity?: string;
  manifest?: string;
  /** Ship, handover: a file of the pack serials handed over loose (one per line, or a JSON array). */
  serials?: string;
  /** Ship, handover: every pack the sender holds loose, by its serial file and the manifests at hand. */
  allRemaining?: boolean;
  /** Ship, handover: sealed cases handed over whole, SSCCs separated by commas. */
  cases?: string;
  shipment?: string;
  logger?: string;
  reason?: string;
  evidence?: string;
  deadline?: string;
  nonce?: string;
  out?: string;
}

export interface SignInput {
  kind: SignedKind;
  /** Ship and handover: the batch, by GTIN and lot or by id. */
  batch?: { batchId: string; ref?: BatchRef };
  to?: string;
  /** Units; with a pack selection, undefined unless given (then it must match the packs). */
  quantity?: bigint;
  /** The raw `--manifest` root (zero: none, or built from `packs`). */
  manifest: string;
  /** The packs and cases, planned into a manifest as `rx:ship` plans them. */
  packs?: PackSelection;
  shipmentId?: string;
  logger?: { file: string; bytes: Buffer };
  reason?: RejectionReason;
  evidence: string;
  deadline: DeadlineSpec;
  deadlineText?: string;
  nonce?: bigint;
  out: string;
}

/** Checks the flags of `rx:sign` (nothing read from the chain yet). */
export function parseSignArgs(args: SignArgs): SignInput {
  const kind = (args.kind ?? "").trim() as SignedKind;
  if (!SIGNED_KINDS.includes(kind)) throw new InputError("--kind", args.kind ?? "", `one of ${SIGNED_KINDS.join(", ")}`);
  const allowed = FLAGS_OF[kind];
  for (const flag of KIND_FLAGS) {
    const value = args[flag];
    const present = typeof value === "boolean" ? value : given(value);
    if (present && !allowed.includes(flag)) {
      throw new InputError(flagOf(flag), value, `no ${flagOf(flag)} with --kind ${kind} (it takes ${allowed.map(flagOf).join(", ")})`);
    }
  }
  if (!given(args.out)) throw new InputError("--out", args.out ?? "", "the path of the signed file to write");
  if (existsSync(args.out) && statSync(args.out).isDirectory()) throw new InputError("--out", args.out, "a file path, not a directory");
  const input: SignInput = {
    kind,
    manifest: ZeroHash,
    evidence: ZeroHash,
    deadline: parseDeadline(args.deadline),
    deadlineText: args.deadline,
    out: args.out,
  };
  const maxNonce = kind === "handover" ? MAX_UINT32 : MAX_UINT64;
  if (given(args.nonce)) input.nonce = parseWhole(args.nonce, "--nonce", 0n, maxNonce);

  if (kind === "ship" || kind === "handover") {
    if (given(args.batch)) {
      if (given(args.gtin) || given(args.lot)) throw new InputError("--batch", args.batch, "either --batch or --gtin with --lot, not both");
      input.batch = { batchId: parseBytes32(args.batch, "--batch", "a batch id") };
    } else {
      if (!given(args.gtin) && !given(args.lot)) throw new InputError("--gtin", "", "the batch: --gtin with --lot (or --batch with its id)");
      const ref = parseBatchRef(args);
      input.batch = { batchId: ref.batchId, ref };
    }
    if (!given(args.to)) throw new InputError("--to", args.to ?? "", "the receiver's address (0x…) or 13-digit GLN");
    input.to = args.to.trim();
    const allRemaining = args.allRemaining === true;
    if (allRemaining && given(args.serials)) throw new InputError("--all-remaining", true, "either --serials or --all-remaining, not both");
    const packLevel = allRemaining || given(args.serials) || given(args.cases);
    if (packLevel && given(args.manifest)) {
      throw new InputError("--manifest", args.manifest, "no --manifest with --serials, --all-remaining or --cases (they build the manifest and sign its root)");
    }
    if (packLevel) {
      input.packs = {
        serialsFile: given(args.serials) ? args.serials : undefined,
        serials: given(args.serials) ? readSerialList(args.serials, "--serials") : undefined,
        allRemaining,
        cases: given(args.cases) ? parseSsccList(args.cases, "--cases") : [],
      };
      if (given(args.quantity)) input.quantity = parseWhole(args.quantity, "--quantity", 1n, MAX_UINT48);
    } else {
      input.quantity = parseWhole(args.quantity ?? "", "--quantity", 1n, MAX_UINT48);
    }
    if (given(args.manifest)) input.manifest = parseBytes32(args.manifest, "--manifest", "Merkle root of the packs shipped", true);
  } else {
    input.shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id (see rx:shipments)");
  }
  if (kind === "receive" || kind === "handover") {
    input.logger = { file: args.logger ?? "", bytes: readInputFile(args.logger, "--logger", "the carrier's logger CSV: timestamp,celsius") };
  }
  if (kind === "reject") {
    const word = (args.reason ?? "").trim();
    const reason = REJECTION_REASONS[word];
    if (reason === undefined) throw new InputError("--reason", args.reason ?? "", `one of ${Object.keys(REJECTION_REASONS).join(", ")}`);
    input.reason = reason;
    if (given(args.evidence)) input.evidence = hashFile(args.evidence, "--evidence");
  }
  return input;
}

/** GTIN and lot of batch `batchId`, from its `BatchCommissioned` event (undefined when none is found). */
export async function batchRefOf(rx: RxTrace, batchId: string, fromBlock: number): Promise<BatchRef | undefined> {
  const latest = (await rx.runner?.provider?.getBlockNumber()) ?? fromBlock;
  for (let start = fromBlock; start <= latest; start += LOG_CHUNK) {
    const [log] = await rx.queryFilter(rx.filters.BatchCommissioned(batchId), start, Math.min(latest, start + LOG_CHUNK - 1));
    if (log) return { batchId, gtin: log.args.batch.gtin, lot: log.args.batch.lot };
  }
  return undefined;
}

/** The leg summary of a logger file against the batch's storage range, and whether it is an excursion. */
async function legOf(rx: RxTrace, batchId: string, logger: { file: string; bytes: Buffer }): Promise<{ leg: LegFields; excursion: boolean; readings: number }> {
  const b = await rx.batch(batchId);
  const range = { minTemp: Number(b.minTemp), maxTemp: Number(b.maxTemp) };
  const summary = summarizeLeg(logger.bytes, range, logger.file);
  const excursion = summary.minTemp < range.minTemp || summary.maxTemp > range.maxTemp || summary.minutesOutOfRange > 0;
  return { leg: legFields(summary), excursion, readings: summary.readings };
}

/** Whether the leg left the batch's storage range (the units would go to quarantine). */
async function isExcursion(rx: RxTrace, batchId: string, leg: LegFields): Promise<boolean> {
  const b = await rx.batch(batchId);
  return leg.minTemp < b.minTemp || leg.maxTemp > b.maxTemp || leg.minutesOutOfRange > 0n;
}

async function requireAuthorizedSigner(rx: RxTrace, signer: HardhatEthersSigner): Promise<void> {
  const standing = Number(await rx.standing(signer.address));
  if (standing !== Standing.Authorized) {
    throw new InputError("--signer", signer.address, `an authorized partner (${signer.address} is ${Standing[standing]}: the contract would refuse its signature)`);
  }
}

async function labels(rx: RxTrace, doc: SignedDocument): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const { sender, receiver } = doc.kind === "receive" || doc.kind === "reject" ? doc.message.shipment : doc.message;
  for (const a of [sender, receiver]) names.set(getAddress(a), await partnerLabel(rx, a));
  return names;
}

async function describeWithNames(rx: RxTrace, doc: SignedDocument): Promise<string[]> {
  const names = await labels(rx, doc);
  const lines = describeSigned(doc, (a) => names.get(getAddress(a)) ?? a);
  if (doc.kind === "receive" || doc.kind === "handover") {
    const excursion = await isExcursion(rx, batchIdOfOperation(doc), doc.message.leg);
    lines.push(excursion ? "  EXCURSION: the units go to quarantine (a regulator releases or condemns them)" : "  within the batch's storage range: the units go to saleable stock");
  }
  return lines;
}

export interface SignResult {
  doc: SignedDocument;
  file: string;
  /** The manifest of a ship or handover of named packs, and the file it travels in (next to the signed file). */
  manifest?: Manifest;
  manifestFile?: string;
}

/**
 * Writes signed file `file` and, when given, `manifest` next to it (`signedManifestPath`): the manifest first,
 * then the signed file, so that a run that fails leaves neither and can be run again. Returns the manifest's path.
 */
function writeWithManifest(file: string, doc: SignedDocument, manifest: Manifest | undefined): string | undefined {
  const manifestFile = manifest ? saveManifest(manifest, signedManifestPath(file)) : undefined;
  try {
    writeSignedFile(file, doc);
  } catch (error) {
    if (manifestFile) rmSync(manifestFile, { force: true });
    throw error;
  }
  return manifestFile;
}

/**
 * Signs the operation `input` describes as `signer` (the sender of a ship or handover, the receiver of a
 * receive or reject) and writes the signed file. Checked first: the batch or shipment, the parties' standing,
 * the sender's saleable units (and, with named packs, that it holds each pack), the logger file, the deadline
 * and the nonce. With named packs, the manifest is written next to the signed file.
 */
export async function signToFile(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: SignInput,
  print: Print = console.log,
): Promise<SignResult> {
  const fromBlock = context.fromBlock;
  const domain = await readDomain(rx);
  const now = await chainNow(rx);
  const deadline = resolveDeadline(input.deadline, now, input.deadlineText);
  await requireAuthorizedSigner(rx, signer);
  let op: SignedOperation;
  let ref: BatchRef | undefined;
  let manifest: Manifest | undefined;
  if (input.kind === "ship" || input.kind === "handover") {
    const batchId = input.batch!.batchId;
    const record = await rx.batch(batchId);
    if (record.expiry === 0n) {
      if (input.batch!.ref) {
        throw new InputError("--gtin/--lot", `${formatGtin(input.batch!.ref.gtin)} / ${input.batch!.ref.lot}`, `the GTIN and lot of a commissioned batch (no batch ${batchId} on this deployment)`);
      }
      throw new InputError("--batch", batchId, "the id of a commissioned batch of this deployment");
    }
    ref = input.batch!.ref ?? (await batchRefOf(rx, batchId, fromBlock));
    const receiver = getAddress(await resolvePartner(rx, input.to!, "--to"));
    await requireAuthorizedPartner(rx, receiver, "--to", input.to!);
    if (receiver === signer.address) throw new InputError("--to", input.to!, `another partner than the signer ${signer.address} (the sender)`);
    let quantity = input.quantity ?? 0n;
    if (input.packs) {
      if (!ref) throw new Error(`batch ${batchId} is commissioned, but no BatchCommissioned event of this deployment names its GTIN and lot`);
      const plan = await planPackShipment(rx, context, { ...ref, record }, signer.address, receiver, input.packs, print);
      manifest = plan.manifest;
      if (input.quantity !== undefined && input.quantity !== BigInt(manifest.quantity)) {
        throw new InputError("--quantity", input.quantity, `${manifest.quantity}, the packs chosen: ${describeContents(manifest)} (or leave --quantity out)`);
      }
      quantity = BigInt(manifest.quantity);
    }
    const { saleable, shipments } = await rx.holding(batchId, signer.address);
    if (saleable < quantity) {
      const field = !manifest ? "--quantity" : input.packs?.serialsFile ? "--serials" : input.packs?.allRemaining ? "--all-remaining" : "--cases";
      throw new InputError(field, manifest ? `${quantity} packs` : quantity, `at most ${saleable}, the saleable units of ${ref ? describeBatch(ref) : `batch ${batchId}`} held by ${signer.address}`);
    }
    const root = manifest?.root ?? input.manifest;
    const base = { batchId, sender: signer.address, receiver, quantity, manifest: root, nonce: 0n, deadline };
    if (input.kind === "ship") op = { kind: "ship", message: base };
    else {
      const { leg, readings } = await legOf(rx, batchId, input.logger!);
      print(`logger ${input.logger!.file}: ${readings} reading${readings === 1 ? "" : "s"}, keccak256 ${leg.loggerHash}`);
      op = { kind: "handover", message: { ...base, leg, nonce: shipments } };
    }
  } else {
    const entry = await requireShipmentInTransit(rx, input.shipmentId!, fromBlock);
    if (getAddress(entry.shipment.receiver) !== signer.address) {
      throw new InputError("--signer", signer.address, `the shipment's receiver ${entry.shipment.receiver} (only it may sign its receipt or rejection)`);
    }
    ref = await batchRefOf(rx, entry.shipment.batchId, fromBlock);
    const shipment = { ...entry.shipment, sender: getAddress(entry.shipment.sender), receiver: getAddress(entry.shipment.receiver) };
    if (input.kind === "receive") {
      const { leg, readings } = await legOf(rx, shipment.batchId, input.logger!);
      print(`logger ${input.logger!.file}: ${readings} reading${readings === 1 ? "" : "s"}, keccak256 ${leg.loggerHash}`);
      op = { kind: "receive", message: { shipment, leg, nonce: 0n, deadline } };
    } else {
      op = { kind: "reject", message: { shipment, reason: BigInt(input.reason!), evidence: input.evidence, nonce: 0n, deadline } };
    }
  }

  const next = await nextNonceOf(rx, op);
  const nonce = input.nonce ?? next;
  if (nonce < next) {
    const what = op.kind === "handover" ? `the sender's shipment count of the batch, ${next}` : `${signer.address}'s next signature nonce, ${next}`;
    throw new InputError("--nonce", input.nonce!, `at least ${what} (lower nonces are used already)`);
  }
  op = { ...op, message: { ...op.message, nonce } } as SignedOperation;
  // A handover's id is that of its signed nonce; a signed ship takes the sender's shipment count when it is
  // submitted (rx:submit sets the manifest's nonce from the Shipped event).
  if (manifest && op.kind === "handover" && BigInt(manifest.nonce) !== nonce) manifest = withNonce(manifest, Number(nonce));

  const party = partiesOf(op)[0].party;
  const sig = await signOperation(signer, domain, op);
  const doc = { ...op, domain, batch: ref ? { gtin: ref.gtin, lot: ref.lot } : undefined, signatures: [{ party, signer: signer.address, ...sig }] } as SignedDocument;
  // The device signed what we asked for: the signature recovers to it under the contract's rule.
  if (recoverSigner(domain, doc, sig) !== signer.address) throw new Error(`the signature of ${signer.address} does not recover to it; nothing written`);
  const manifestFile = writeWithManifest(input.out, doc, manifest);

  for (const line of await describeWithNames(rx, doc)) print(line);
  if (manifest && manifestFile) {
    print(`manifest ${manifest.root}: ${describeContents(manifest)}, every pack proven in the batch`);
    print(`manifest written to ${manifestFile}: it travels with the signed file (the receiver checks it; rx:submit keeps it)`);
  } else if ((op.kind === "ship" || op.kind === "handover") && op.message.manifest !== ZeroHash) {
    print(`note: no manifest file is written for a raw --manifest root: rx:verify shows this leg as "no manifest available" unless its manifest is at hand (sign with --serials, --all-remaining or --cases instead)`);
  }
  if (nonce > next) {
    const first = op.kind === "handover" ? `the sender's shipments of the batch numbered ${next} to ${nonce - 1n}` : `the signatures with nonces ${next} to ${nonce - 1n}`;
    print(`note: nonce ${nonce} is ahead of the next, ${next}: it is accepted only after ${first}`);
  }
  print(`signed by the ${party} ${signer.address}; wrote ${input.out}`);
  if (op.kind === "handover") print(`next: the receiver co-signs it with rx:cosign --in ${input.out} --signer <the receiver>`);
  else print(`next: anyone submits it with rx:submit --in ${input.out}`);
  return { doc, file: input.out, manifest, manifestFile };
}

/* -------------------------------------------------------------- manifests */

type LegDocument = Extract<SignedDocument, { kind: "ship" | "handover" }>;

const isLeg = (doc: SignedDocument): doc is LegDocument => doc.kind === "ship" || doc.kind === "handover";

/** A manifest file read for a signed ship or handover. */
export interface ManifestAtHand {
  file: string;
  manifest: Manifest;
}

/**
 * Reads `--manifest` (a manifest file) for the signed file `doc`: refused for a file that carries no manifest
 * root, where there is nothing to check it against.
 */
function parseManifestArg(value: string | undefined, doc: SignedDocument): ManifestAtHand | undefined {
  if (!given(value)) return undefined;
  if (!isLeg(doc)) throw new InputError("--manifest", value, `nothing: a signed ${doc.kind} carries no manifest (only a ship or a handover does)`);
  if (doc.message.manifest === ZeroHash) throw new InputError("--manifest", value, `nothing: the signed ${doc.kind} carries no manifest root (it is batch level)`);
  return { file: value, manifest: loadManifest(value, "--manifest") };
}

/** The manifest of signed file `signedFile`: the one given with --manifest, or the one travelling next to it. */
function manifestAtHand(signedFile: string, explicit: ManifestAtHand | undefined): ManifestAtHand | undefined {
  if (explicit) return explicit;
  const file = signedManifestPath(signedFile);
  return existsSync(file) ? { file, manifest: loadManifest(file, "--manifest") } : undefined;
}

/**
 * The leg a signed ship or handover becomes once submitted, as if it were the batch's latest: a handover takes
 * its signed nonce; a ship takes the sender's shipment count at submission (its count now).
 */
async function pendingLegOf(rx: RxTrace, doc: LegDocument): Promise<LegFact> {
  const m = doc.message;
  const nonce = doc.kind === "handover" ? m.nonce : (await rx.holding(m.batchId, m.sender)).shipments;
  const latest = (await rx.runner?.provider?.getBlockNumber()) ?? 0;
  return {
    shipmentId: shipmentIdOf({ batchId: m.batchId, sender: m.sender, receiver: m.receiver, quantity: m.quantity, nonce }),
    kind: doc.kind === "handover" ? "handover" : "shipment",
    sender: getAddress(m.sender),
    receiver: getAddress(m.receiver),
    quantity: m.quantity,
    nonce: Number(nonce),
    block: latest + 1,
    logIndex: 0,
    tx: "(not submitted yet)",
    manifest: m.manifest === ZeroHash ? undefined : m.manifest,
    settlement: doc.kind === "handover" ? "handed-over" : "in-transit",
  };
}

/**
 * Problems of manifest `m` as the manifest of the signed ship or handover `doc`: its fields against the signed
 * ones, then the checks `rx:receive` makes before receiving (packs proven in the batch, root, count, id, cases
 * sealed), with the signed leg standing in for the chain's. For a ship, the manifest comes back with the nonce
 * the shipment would take now.
 */
export async function checkSignedManifest(rx: RxTrace, context: DeploymentContext, doc: LegDocument, m: Manifest): Promise<{ manifest: Manifest; problems: string[] }> {
  const leg = await pendingLegOf(rx, doc);
  const manifest = doc.kind === "ship" && m.nonce !== leg.nonce ? withNonce(m, leg.nonce) : m;
  const signed = doc.message;
  const what = doc.kind === "handover" ? "the signed handover" : "the signed shipment";
  const fields: string[] = [];
  if (manifest.batchId.toLowerCase() !== signed.batchId.toLowerCase()) fields.push(`batchId: ${manifest.batchId}, but ${what} moves batch ${signed.batchId}`);
  if (getAddress(manifest.sender) !== getAddress(signed.sender)) fields.push(`sender: ${manifest.sender}, but ${what} is from ${getAddress(signed.sender)}`);
  if (getAddress(manifest.receiver) !== getAddress(signed.receiver)) fields.push(`receiver: ${manifest.receiver}, but ${what} is to ${getAddress(signed.receiver)}`);
  if (BigInt(manifest.quantity) !== signed.quantity) fields.push(`quantity: ${manifest.quantity}, but ${what} moves ${units(signed.quantity)}`);
  if (doc.kind === "handover" && BigInt(manifest.nonce) !== signed.nonce) fields.push(`nonce: ${manifest.nonce}, but ${what} is signed with nonce ${signed.nonce}`);
  const checked = await checkReceivedManifest(rx, context, manifest, leg.shipmentId, signed.batchId, leg);
  if (fields.length === 0) return { manifest, problems: checked };
  // The fields say why the ids differ: the chain checks' id lines would only repeat it, and their root check
  // needs the ids to match.
  if (manifest.root.toLowerCase() !== signed.manifest.toLowerCase()) fields.push(`root: ${manifest.root}, but ${what} signs manifest ${signed.manifest}`);
  return { manifest, problems: [...fields, ...checked.filter((p) => !p.startsWith("shipmentId:"))] };
}

/**
 * The receiver's check of a handover's manifest before it co-signs: the file at hand must be the signed
 * root's, every pack proven in the batch. Refuses (an InputError on --manifest) when the file is missing or
 * wrong, unless `acceptMismatch`, which prints each problem and goes on. Returns the manifest when it holds.
 */
async function requireHandoverManifest(
  rx: RxTrace,
  context: DeploymentContext,
  doc: LegDocument,
  input: CosignInput,
  print: Print,
): Promise<ManifestAtHand | undefined> {
  const root = doc.message.manifest;
  const atHand = manifestAtHand(input.in, input.manifest);
  const refuse = (value: string, problems: string[]) =>
    new InputError("--manifest", value, `${problems.join("; ")} (nothing was co-signed: ask the sender for the right file, or co-sign anyway with --accept-mismatch)`);
  if (!atHand) {
    const problem = `the handover's manifest file: the handover signs manifest ${root}, and none was given with --manifest or found at ${signedManifestPath(input.in)}`;
    if (!input.acceptMismatch) throw refuse("", [problem]);
    print(`MISMATCH accepted (--accept-mismatch): no manifest at hand for manifest ${root}`);
    return undefined;
  }
  const { manifest, problems } = await checkSignedManifest(rx, context, doc, atHand.manifest);
  if (problems.length > 0) {
    if (!input.acceptMismatch) throw refuse(atHand.file, problems);
    for (const problem of problems) print(`MISMATCH accepted (--accept-mismatch): ${atHand.file}: ${problem}`);
    return undefined;
  }
  print(`manifest ${atHand.file}: ${describeContents(manifest)}, root ${manifest.root} as signed; every pack proven in the batch`);
  return { file: atHand.file, manifest };
}

/* ---------------------------------------------------------------- cosign */

export interface CosignArgs {
  in?: string;
  out?: string;
  logger?: string;
  /** The handover's manifest file (default: the one next to --in). */
  manifest?: string;
  /** Co-sign even when the manifest is missing or does not match. */
  acceptMismatch?: boolean;
}

export interface CosignInput {
  in: string;
  out: string;
  doc: SignedDocument;
  logger?: { file: string; bytes: Buffer };
  manifest?: ManifestAtHand;
  acceptMismatch: boolean;
}

export function parseCosignArgs(args: CosignArgs): CosignInput {
  const doc = readSignedFile(args.in, "--in");
  if (doc.kind !== "handover") throw new InputError("--in", args.in, `a handover file (this one is a signed ${doc.kind}; only handovers are co-signed)`);
  if (given(args.out) && existsSync(args.out) && statSync(args.out).isDirectory()) throw new InputError("--out", args.out, "a file path, not a directory");
  const logger = given(args.logger) ? { file: args.logger, bytes: readInputFile(args.logger, "--logger", "the carrier's logger CSV") } : undefined;
  const manifest = parseManifestArg(args.manifest, doc);
  return { in: args.in!, out: given(args.out) ? args.out : args.in!, doc, logger, manifest, acceptMismatch: args.acceptMismatch === true };
}

/** Checks that a signed file names this deployment's domain. */
async function requireThisDeployment(rx: RxTrace, doc: SignedDocument, file: string): Promise<void> {
  const domain = await readDomain(rx);
  if (doc.domain.chainId !== domain.chainId || getAddress(doc.domain.verifyingContract) !== domain.verifyingContract) {
    throw new InputError("--in", file, `a file signed for this deployment, contract ${domain.verifyingContract} on chain ${domain.chainId} (it names ${doc.domain.verifyingContract} on chain ${doc.domain.chainId})`);
  }
  if (doc.domain.name !== domain.name || doc.domain.version !== domain.version) {
    throw new InputError("--in", file, `a file for the domain "${domain.name}" version ${domain.version} (it names "${doc.domain.name}" version ${doc.domain.version})`);
  }
}

/**
 * The receiver co-signs a handover the sender signed: only when the sender's signature matches the fields,
 * (with --logger) when the leg summary is that of the receiver's copy of the logger file, and, when the
 * handover carries a manifest, when its file holds (see `requireHandoverManifest`).
 */
export async function cosignFile(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: CosignInput,
  print: Print = console.log,
): Promise<SignResult> {
  const doc = input.doc;
  if (doc.kind !== "handover") throw new InputError("--in", input.in, "a handover file");
  await requireThisDeployment(rx, doc, input.in);
  const m = doc.message;
  if (getAddress(m.receiver) !== signer.address) {
    throw new InputError("--signer", signer.address, `the handover's receiver ${m.receiver} (only it co-signs)`);
  }
  const bySender = doc.signatures.find((s) => s.party === "sender")!;
  const recovered = recoverSigner(doc.domain, doc, bySender);
  if (recovered !== getAddress(m.sender)) {
    throw new InputError("--in", input.in, `a handover whose sender's signature matches its fields (it recovers to ${recovered}, not the sender ${m.sender}: the file was changed after the sender signed; do not co-sign it)`);
  }
  if (input.logger) {
    const { leg } = await legOf(rx, m.batchId, input.logger);
    const same = (Object.keys(leg) as (keyof LegFields)[]).every((k) => leg[k] === m.leg[k]);
    if (!same) {
      throw new InputError("--logger", input.logger.file, `the logger file the sender summarised (keccak256 ${m.leg.loggerHash}, min ${formatCelsius(m.leg.minTemp)}, max ${formatCelsius(m.leg.maxTemp)}, ${m.leg.minutesOutOfRange} minutes out of range); this one hashes to ${leg.loggerHash}`);
    }
    print(`logger ${input.logger.file}: matches the signed summary`);
  }
  const checked = m.manifest !== ZeroHash ? await requireHandoverManifest(rx, context, doc, input, print) : undefined;
  await requireAuthorizedSigner(rx, signer);
  const now = await chainNow(rx);
  if (now > m.deadline) throw new InputError("--in", input.in, `a handover whose deadline has not passed (it passed at ${isoTime(m.deadline)}; the sender signs again)`);
  const next = await nextNonceOf(rx, doc);
  if (m.nonce !== next) {
    throw new InputError("--in", input.in, `a handover with the sender's current shipment count of the batch, ${next} (it carries ${m.nonce}: the sender shipped since signing, or it was submitted already)`);
  }

  const sig = await signOperation(signer, doc.domain, doc);
  const cosigned: SignedDocument = { ...doc, signatures: [bySender, { party: "receiver", signer: signer.address, ...sig }] };
  // The checked manifest travels next to the co-signed file, where rx:submit looks for it.
  const beside = signedManifestPath(input.out);
  const copied = writeWithManifest(input.out, cosigned, checked && path.resolve(checked.file) !== path.resolve(beside) ? checked.manifest : undefined);
  for (const line of await describeWithNames(rx, cosigned)) print(line);
  print(`co-signed by the receiver ${signer.address}; wrote ${input.out}${copied ? ` and its manifest ${copied}` : ""}`);
  print(`next: anyone submits it with rx:submit --in ${input.out}`);
  return { doc: cosigned, file: input.out, manifest: checked?.manifest, manifestFile: checked ? beside : undefined };
}

/* --------------------------------------------------------------- inspect */

export interface InspectArgs {
  in?: string;
}

export interface InspectResult {
  file: string;
  doc: SignedDocument;
  inspection: Inspection;
}

/**
 * The signer's revocation (`SignaturesRevoked` since block `fromBlock`) that covers `nonce`, if any. Ranges of
 * one signer never overlap: each starts at the nonce the previous left.
 */
async function revocationOf(rx: RxTrace, signer: string, nonce: bigint, fromBlock: number): Promise<Revocation | undefined> {
  for (const e of await rx.queryFilter(rx.filters.SignaturesRevoked(signer), fromBlock)) {
    if (e.args.fromNonce <= nonce && nonce < e.args.nextNonce) {
      return { fromNonce: e.args.fromNonce, nextNonce: e.args.nextNonce, block: e.blockNumber, tx: e.transactionHash };
    }
  }
  return undefined;
}

/** What the chain says about `doc` now; events are read from block `fromBlock` (the deployment's). */
async function chainViewOf(rx: RxTrace, doc: SignedDocument, fromBlock: number): Promise<ChainView> {
  const network = await rx.runner?.provider?.getNetwork();
  if (!network) throw new Error("the contract has no provider");
  const standings: Record<string, Standing> = {};
  for (const { account } of partiesOf(doc)) standings[getAddress(account)] = Number(await rx.standing(account)) as Standing;
  const nextNonce = await nextNonceOf(rx, doc);
  // A used signature nonce was taken by a submission or revoked: say which when the signer revoked it.
  const revoked = doc.kind !== "handover" && doc.message.nonce < nextNonce ? await revocationOf(rx, nonceOwnerOf(doc), doc.message.nonce, fromBlock) : undefined;
  return { chainId: network.chainId, contract: await rx.getAddress(), now: await chainNow(rx), nextNonce, revoked, standings };
}

/** Reads and checks the signed file of `--in` (nothing read from the chain yet). */
export function parseInArgs(args: InspectArgs): { file: string; doc: SignedDocument } {
  return { file: args.in!, doc: readSignedFile(args.in, "--in") };
}

/** Checks a signed file against the chain (read-only); events are read from block `fromBlock` (the deployment's). */
export async function inspectFile(rx: RxTrace, input: { file: string; doc: SignedDocument }, fromBlock = 0): Promise<InspectResult> {
  return { ...input, inspection: inspectSigned(input.doc, await chainViewOf(rx, input.doc, fromBlock)) };
}

/** The inspection in words. */
export async function formatInspectResult(rx: RxTrace, result: InspectResult): Promise<string[]> {
  return [`${result.file}:`, ...(await describeWithNames(rx, result.doc)), ...formatInspection(result.inspection)];
}

/** The inspection as one JSON object (bigints as decimal strings). */
export function inspectJson(result: InspectResult): string {
  const i = result.inspection;
  const report = {
    file: result.file,
    kind: result.doc.kind,
    ready: i.ready,
    problems: i.problems,
    signed: JSON.parse(formatSignedDocument(result.doc)) as unknown,
    chain: i.chain,
    contract: i.contract,
    deadline: { ...i.deadline, iso: isoTime(i.deadline.deadline) },
    nonce: i.nonce,
    signatures: i.signatures.map((s) => ({ ...s, standing: Standing[s.standing] })),
  };
  return JSON.stringify(report, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/* ---------------------------------------------------------------- submit */

export interface SubmitResult {
  kind: SignedKind;
  receipt: ContractTransactionReceipt;
  /** The shipment id (ship), the settled shipment (receive, reject) or the handover id. */
  id: string;
  excursion?: boolean;
  /** Where the leg's manifest was kept under the deployment folder (a ship or handover of named packs). */
  manifestFile?: string;
}

export interface SubmitArgs {
  in?: string;
  /** The manifest of a signed ship or handover (default: the one next to --in). */
  manifest?: string;
}

export interface SubmitInput {
  file: string;
  doc: SignedDocument;
  manifest?: ManifestAtHand;
}

/** Reads the signed file of `--in` and the manifest of `--manifest` (nothing read from the chain yet). */
export function parseSubmitArgs(args: SubmitArgs): SubmitInput {
  const { file, doc } = parseInArgs(args);
  return { file, doc, manifest: parseManifestArg(args.manifest, doc) };
}

function eventOf(rx: RxTrace, receipt: ContractTransactionReceipt, name: string) {
  for (const log of receipt.logs) {
    const parsed = rx.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`tx ${receipt.hash} emitted no ${name} event`);
}

/**
 * The manifest of a signed ship or handover to keep once it is on the chain: the file at hand, checked against
 * the signed fields and the chain. A file that does not hold is not kept (the signatures, not the file, decide
 * the submission); the problems are printed.
 */
async function manifestToKeep(rx: RxTrace, context: DeploymentContext, input: SubmitInput, print: Print): Promise<Manifest | undefined> {
  const doc = input.doc;
  if (!isLeg(doc) || doc.message.manifest === ZeroHash) return undefined;
  const atHand = manifestAtHand(input.file, input.manifest);
  if (!atHand) {
    print(`note: no manifest file at hand (none given with --manifest, none at ${signedManifestPath(input.file)}): rx:verify shows this leg as "no manifest available" until its manifest is kept`);
    return undefined;
  }
  const { manifest, problems } = await checkSignedManifest(rx, context, doc, atHand.manifest);
  if (problems.length === 0) return manifest;
  print(`manifest ${atHand.file} does not match the signed ${doc.kind}: it will not be kept`);
  for (const problem of problems) print(`  - ${problem}`);
  return undefined;
}

/**
 * Submits a signed file from `submitter`, any account: refused before sending (nothing is spent) when the
 * contract would refuse the signatures; the contract still decides custody, whose refusals come back decoded.
 * A ship or handover of named packs: once mined, its manifest is kept under the deployment folder as
 * `manifests/<shipment or handover id>.json` (while the transaction is out, under `manifests/pending/`).
 */
export async function submitFile(
  rx: RxTrace,
  submitter: HardhatEthersSigner,
  context: DeploymentContext,
  input: SubmitInput,
  print: Print = console.log,
): Promise<SubmitResult> {
  const { doc, inspection } = await inspectFile(rx, input, context.fromBlock);
  if (!inspection.ready) throw new InputError("--in", input.file, `a signed file the contract accepts now, but ${inspection.problems.join("; ")}`);
  for (const line of await describeWithNames(rx, doc)) print(line);
  const manifest = await manifestToKeep(rx, context, input, print);
  if (manifest) print(`manifest ${manifest.root}: ${describeContents(manifest)}, every pack proven in the batch`);
  print(`submitting from ${submitter.address} (anyone may: the contract acts for the signer${doc.kind === "handover" ? "s" : ""})`);
  // As rx:ship does: the planned manifest waits under manifests/pending/ while the transaction is out, so that
  // a command that dies after sending leaves it behind; a refusal (nothing mined) removes it.
  const pending = manifest ? saveManifest(manifest, pendingManifestPath(context.network, manifest.shipmentId)) : undefined;
  let receipt: ContractTransactionReceipt;
  try {
    receipt = await sendAndReport(`submit ${doc.kind}`, sendSigned(rx.connect(submitter), doc), print);
  } catch (error) {
    if (pending) {
      if (revertData(error)) rmSync(pending, { force: true });
      else print(`the planned manifest is kept at ${path.relative(process.cwd(), pending)}: if the ${doc.kind} went out, it is its manifest`);
    }
    throw error;
  }
  /** Keeps the manifest of leg `id` (whose sender's shipment nonce was `nonce`) under the deployment folder. */
  const keep = (id: string, nonce: bigint): string | undefined => {
    if (!manifest) return undefined;
    const mined = BigInt(manifest.nonce) === nonce ? manifest : withNonce(manifest, Number(nonce));
    if (mined.shipmentId.toLowerCase() !== id.toLowerCase()) {
      print(`the manifest names leg ${mined.shipmentId}, but the transaction made ${id}: it was not kept (the planned one is at ${pending})`);
      return undefined;
    }
    const file = saveManifest({ ...mined, transactionHash: receipt.hash }, manifestPath(context.network, id));
    if (pending) rmSync(pending, { force: true });
    print(`manifest kept at ${path.relative(process.cwd(), file)}`);
    return file;
  };
  switch (doc.kind) {
    case "ship": {
      const e = eventOf(rx, receipt, "Shipped");
      print(`shipment ${e.args.shipmentId} nonce ${e.args.nonce}${e.args.isReturn ? " (a return)" : ""}: ${units(doc.message.quantity)} in transit`);
      if (doc.message.manifest !== ZeroHash) print(`manifest ${doc.message.manifest} committed`);
      const manifestFile = keep(e.args.shipmentId as string, e.args.nonce as bigint);
      print(`the receiver settles it with rx:receive (or rx:sign --kind receive) --shipment ${e.args.shipmentId}`);
      return { kind: doc.kind, receipt, id: e.args.shipmentId as string, manifestFile };
    }
    case "receive": {
      const e = eventOf(rx, receipt, "Received");
      print(`shipment ${e.args.shipmentId} received by ${e.args.receiver}${e.args.excursion ? " into quarantine" : ""}`);
      return { kind: doc.kind, receipt, id: e.args.shipmentId as string, excursion: e.args.excursion as boolean };
    }
    case "reject": {
      const e = eventOf(rx, receipt, "Rejected");
      print(`shipment ${e.args.shipmentId} rejected by ${e.args.receiver}: ${units(doc.message.shipment.quantity)} back to ${e.args.sender}`);
      return { kind: doc.kind, receipt, id: e.args.shipmentId as string };
    }
    case "handover": {
      const e = eventOf(rx, receipt, "HandedOver");
      print(`handover ${e.args.handoverId}: ${units(doc.message.quantity)} from ${e.args.sender} to ${e.args.receiver}${e.args.excursion ? " into quarantine" : ""} (shipment nonce ${e.args.nonce})`);
      const manifestFile = keep(e.args.handoverId as string, e.args.nonce as bigint);
      return { kind: doc.kind, receipt, id: e.args.handoverId as string, excursion: e.args.excursion as boolean, manifestFile };
    }
  }
}

/* ---------------------------------------------------------------- revoke */

export interface RevokeArgs {
  /** The signer's next signature nonce once revoked: every signature with a lower nonce is void. */
  next?: string;
}

export interface RevokeInput {
  next: bigint;
  /** `--next` as given, for errors. */
  text: string;
}

/**
 * The largest `--next`: a partner whose nonce reached 2^64 - 1 could never use it (the contract would have to
 * move it past the largest uint64), so revoking that far would end its signing for good.
 */
export const MAX_REVOKE_NEXT = MAX_UINT64 - 1n;

/** Checks the flags of `rx:revoke-signatures` (nothing read from the chain yet). */
export function parseRevokeArgs(args: RevokeArgs): RevokeInput {
  if (!given(args.next)) {
    throw new InputError("--next", args.next ?? "", "the signer's next signature nonce once revoked, above its current one (every unsubmitted ship, receive or reject it signed with a lower nonce becomes void)");
  }
  return { next: parseWhole(args.next, "--next", 1n, MAX_REVOKE_NEXT), text: args.next };
}

/** "nonce 4", "nonces 4 to 9": the nonces from `from` up to `next - 1`. */
function nonceRange(from: bigint, next: bigint): string {
  return next - from === 1n ? `nonce ${from}` : `nonces ${from} to ${next - 1n}`;
}

export interface RevokeResult {
  partner: string;
  /** The first nonce revoked: the partner's next nonce before. */
  fromNonce: bigint;
  /** Its next nonce now. */
  nextNonce: bigint;
  receipt: ContractTransactionReceipt;
}

/**
 * `signer`, a partner, revokes the ship, receive and reject signatures it handed out and nobody submitted:
 * its next signature nonce moves to `input.next`. Checked before sending: the signer is an onboarded partner
 * (any standing: a suspended one may revoke) and `--next` is above its current nonce.
 */
export async function revokeSignaturesOf(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  input: RevokeInput,
  print: Print = console.log,
): Promise<RevokeResult> {
  const standing = Number(await rx.standing(signer.address)) as Standing;
  if (standing === Standing.Unknown) {
    throw new InputError("--signer", signer.address, `an onboarded partner (${signer.address} was never onboarded: it has no signatures to revoke, and the contract would refuse with PartnerUnknown)`);
  }
  const current = (await rx.partner(signer.address)).nonce;
  if (input.next <= current) {
    const used = current === 0n ? "" : `; nonces below ${current} are used or revoked already`;
    throw new InputError("--next", input.text, `a nonce above ${signer.address}'s current next signature nonce, ${current} (${current + 1n} revokes the signature with nonce ${current}${used})`);
  }
  print(`revoking the unsubmitted ship, receive and reject signatures of ${await partnerLabel(rx, signer.address)} with ${nonceRange(current, input.next)}`);
  if (standing !== Standing.Authorized) print(`note: ${signer.address} is ${Standing[standing]}; revoking still works (it only takes rights away)`);
  const receipt = await sendAndReport("revoke signatures", rx.connect(signer).revokeSignatures(input.next), print);
  const e = eventOf(rx, receipt, "SignaturesRevoked");
  const [fromNonce, nextNonce] = [e.args.fromNonce as bigint, e.args.nextNonce as bigint];
  print(`signatures with ${nonceRange(fromNonce, nextNonce)} revoked: ${signer.address}'s next signature nonce is ${nextNonce}`);
  print("a signed ship, receive or reject file with a lower nonce is refused now (rx:signed shows it as revoked); sign again what is still wanted");
  print("co-signed handovers are not revoked by this: their nonce is the sender's shipment count of the batch, and any shipment of the batch by the sender voids them");
  return { partner: signer.address, fromNonce, nextNonce, receipt };
}
