/**
 * Pack-level manifests: the file that travels with a shipment and says exactly which packs (and sealed cases)
 * it carries. The chain holds only the manifest's Merkle root (`shipPacks`, `ManifestCommitted`; the `manifest`
 * field of a signed ship or a handover); the file lets anyone check, with the chain alone:
 *
 * - the root: an OpenZeppelin StandardMerkleTree over `["uint8", "bytes32"]` leaves, `[0, serial]` for a loose
 *   pack (the serial's ASCII left-aligned, as the contract takes serials) and `[1, bytes32(uint256(sscc))]` for
 *   a sealed case;
 * - that every pack is a commissioned serial of the batch: one OpenZeppelin multiproof of all the packs (loose
 *   and in cases) against the batch's serial root, with each pack's index in the batch tree, so the receiver
 *   needs no serial file and can prove any subset onward;
 * - that each case holds what it was sealed with: its contents root is the batch-style serial tree of its packs
 *   (`CaseSealed`), and it was sealed when the leg left;
 * - that the count is the shipment's quantity and the fields hash to the shipment id.
 *
 * Manifests live under the deployment folder, `deployments/<network>/manifests/<shipmentId>.json`; case
 * records (the packs a case was sealed with) under `deployments/<network>/cases/<sscc>.json`. From those files
 * and the chain, `packsHeld` says which packs a partner holds (for `rx:ship --all-remaining`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, isAddress } from "ethers";
import { deploymentsDir, writeFileAtomic } from "../chain/deployment";
import { InputError } from "../domain/errors";
import { formatGtin, formatSscc, parseGtin, parseLot, parseSerial, parseSscc } from "../gs1/identifiers";
import { batchIdOf, serialFromBytes32, serialToBytes32, shipmentIdOf } from "../domain/ids";
import { hex, MerkleLayout, multiProof, NODE, nodeFromHex, replayMultiProof, standardLeaf } from "../merkle/tree";
import { isBefore, type CustodyFacts, type LegFact, type ManifestEvidence, type Settlement } from "../domain/provenance";
import { SerialTree, serialLeaf } from "../merkle/serial-tree";

export const MANIFEST_FORMAT = "rxtrace-manifest/1";
export const CASE_FORMAT = "rxtrace-case/1";
const MAX_UINT48 = 2 ** 48 - 1;

/** The first value of a manifest leaf. */
export enum ManifestLeafKind {
  Pack = 0,
  Case = 1,
}

/** A sealed case as a manifest lists it. */
export interface ManifestCase {
  /** 18 digits. */
  sscc: string;
  /** The root of the case's serial tree, as sealed (`CaseSealed.contents`). */
  contents: string;
  packs: string[];
}

/**
 * Every pack (loose first, then each case's, in the file's order) as the leaf at `indices[i]` of the batch's
 * serial tree, and one OpenZeppelin multiproof of all of them (`proofFlags` as a string of 0 and 1).
 */
export interface BatchProof {
  indices: number[];
  proof: string[];
  proofFlags: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  chainId: number;
  /** The RxTrace contract. */
  contract: string;
  batchId: string;
  /** 14 digits. */
  gtin: string;
  lot: string;
  /** The batch's full serial root (`BatchCommissioned`). */
  serialRoot: string;
  sender: string;
  receiver: string;
  quantity: number;
  /** The sender's shipment count of the batch before this leg; with the fields above it makes the id. */
  nonce: number;
  shipmentId: string;
  /** The manifest root on the chain. */
  root: string;
  /** The transaction that committed the root (absent in a manifest made for signing). */
  transactionHash?: string;
  packs: string[];
  cases: ManifestCase[];
  batchProof: BatchProof;
}

/* ----------------------------------------------------------------- tree */

/** The leaf of `[kind, value]`: keccak256(keccak256(abi.encode(uint8 kind, bytes32 value))). */
function manifestLeaf(kind: ManifestLeafKind, value: Buffer): Buffer {
  const encoded = Buffer.alloc(2 * NODE);
  encoded[NODE - 1] = kind;
  value.copy(encoded, NODE);
  return standardLeaf(encoded);
}

function serialWord(serial: string, field: string): Buffer {
  const word = Buffer.alloc(NODE);
  word.write(parseSerial(serial, field), "latin1");
  return word;
}

function ssccWord(sscc: bigint): Buffer {
  return Buffer.from(sscc.toString(16).padStart(2 * NODE, "0"), "hex");
}

/** `bytes32(uint256(sscc))`, the value of a case's leaf. */
export function ssccToBytes32(sscc: bigint): string {
  return hex(ssccWord(sscc));
}

/** The tree whose root a shipment commits to. */
export class ManifestTree {
  private constructor(
    private readonly layout: MerkleLayout,
    private readonly packIndex: Map<string, number>,
    private readonly caseIndex: Map<bigint, number>,
  ) {}

  /** The tree of loose `packs` and sealed cases `ssccs` (each listed once). */
  static of(packs: readonly string[], ssccs: readonly bigint[]): ManifestTree {
    if (packs.length + ssccs.length === 0) throw new InputError("manifest", [], "at least one pack or case");
    const leaves = [
      ...packs.map((serial, i) => manifestLeaf(ManifestLeafKind.Pack, serialWord(serial, `packs[${i}]`))),
      ...ssccs.map((sscc) => manifestLeaf(ManifestLeafKind.Case, ssccWord(sscc))),
    ];
    const { layout, treeIndex } = MerkleLayout.build(leaves);
    const packIndex = new Map<string, number>();
    packs.forEach((serial, i) => packIndex.set(serial, treeIndex[i]));
    const caseIndex = new Map<bigint, number>();
    ssccs.forEach((sscc, i) => caseIndex.set(sscc, treeIndex[packs.length + i]));
    return new ManifestTree(layout, packIndex, caseIndex);
  }

  get root(): string {
    return this.layout.root;
  }

  /** The proof that a loose pack is in the manifest (StandardMerkleTree's, for `[0, serial]`). */
  proofOfPack(serial: string): string[] {
    const index = this.packIndex.get(serial);
    if (index === undefined) throw new InputError("serial", serial, "a pack the manifest lists loose");
    return this.layout.proof(index);
  }

  /** The proof that a sealed case is in the manifest (`[1, sscc]`). */
  proofOfCase(sscc: bigint): string[] {
    const index = this.caseIndex.get(sscc);
    if (index === undefined) throw new InputError("sscc", formatSscc(sscc), "a case the manifest lists");
    return this.layout.proof(index);
  }

  /** The same tree as OpenZeppelin's StandardMerkleTree. */
  toStandardTree(): StandardMerkleTree<[number, string]> {
    const values: { value: [number, string]; treeIndex: number }[] = [];
    for (const [serial, treeIndex] of this.packIndex) values.push({ value: [ManifestLeafKind.Pack, serialToBytes32(serial)], treeIndex });
    for (const [sscc, treeIndex] of this.caseIndex) values.push({ value: [ManifestLeafKind.Case, ssccToBytes32(sscc)], treeIndex });
    return StandardMerkleTree.load<[number, string]>({ format: "standard-v1", leafEncoding: ["uint8", "bytes32"], tree: this.layout.toHexArray(), values });
  }
}

/** The contents root a case is sealed with: the batch-style serial tree of its packs. */
export function caseContentsOf(serials: readonly string[]): string {
  return SerialTree.of(serials).root;
}

/** Every pack a manifest carries: the loose ones, then each case's. */
export function packsOf(m: Pick<Manifest, "packs" | "cases">): string[] {
  return [...m.packs, ...m.cases.flatMap((c) => c.packs)];
}

/* --------------------------------------------------- proving against the batch */

/** What proves serials against the batch's serial root: the batch's serial tree, or the nodes manifests revealed. */
export interface BatchProver {
  treeIndex(serial: string): number | undefined;
  node(index: number): Buffer | undefined;
}

/** The part of a batch's serial tree that received manifests revealed: enough to prove any of their packs onward. */
export class KnownBatchNodes implements BatchProver {
  private readonly leaves = new Map<string, number>();
  private readonly nodes = new Map<number, Buffer>();

  constructor(readonly serialRoot: string) {}

  /** Adds a manifest's packs and proof nodes; returns a problem (and adds nothing) when they do not prove its packs. */
  add(m: Manifest): string | undefined {
    const replay = replayBatchProof(m);
    if ("problem" in replay) return replay.problem;
    if (hex(replay.root) !== this.serialRoot.toLowerCase()) return `the batch proof leads to ${hex(replay.root)}, not the serial root ${this.serialRoot}`;
    packsOf(m).forEach((serial, i) => this.leaves.set(serial, m.batchProof.indices[i]));
    for (const [index, node] of replay.nodes) this.nodes.set(index, node);
    return undefined;
  }

  treeIndex(serial: string): number | undefined {
    return this.leaves.get(serial);
  }

  node(index: number): Buffer | undefined {
    return this.nodes.get(index);
  }
}

/** A prover that asks each of `provers` in turn. */
export function combineProvers(provers: readonly BatchProver[]): BatchProver {
  return {
    treeIndex: (serial) => provers.map((p) => p.treeIndex(serial)).find((i) => i !== undefined),
    node: (index) => provers.map((p) => p.node(index)).find((n) => n !== undefined),
  };
}

function replayBatchProof(m: Manifest): ReturnType<typeof replayMultiProof> {
  const serials = packsOf(m);
  const { indices, proof, proofFlags } = m.batchProof;
  if (indices.length !== serials.length) return { problem: `batchProof.indices has ${indices.length} entries for ${serials.length} packs` };
  const leaves = serials.map((serial, i) => ({ index: indices[i], hash: serialLeaf(serial) }));
  return replayMultiProof(leaves, proof.map((p) => nodeFromHex(p) as Buffer), [...proofFlags].map((f) => f === "1"));
}

/* -------------------------------------------------------------- building */

/** What a manifest is built from. */
export interface ManifestPlan {
  chainId: number;
  contract: string;
  gtin: bigint;
  lot: string;
  serialRoot: string;
  sender: string;
  receiver: string;
  /** The sender's next shipment nonce of the batch (`holding(batch, sender).shipments`). */
  nonce: bigint | number;
  packs: readonly string[];
  cases: readonly ManifestCase[];
}

/** Problems with the list itself: serials and SSCCs valid and each listed once, case contents right. */
function listingProblems(m: Pick<Manifest, "packs" | "cases">): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const note = (serial: string, where: string) => {
    try {
      parseSerial(serial, where);
    } catch (error) {
      problems.push((error as Error).message);
      return;
    }
    const before = seen.get(serial);
    if (before !== undefined) problems.push(`${where}: pack ${serial} is listed twice (also ${before})`);
    else seen.set(serial, where);
  };
  m.packs.forEach((serial, i) => note(serial, `packs[${i}]`));
  const ssccs = new Set<string>();
  m.cases.forEach((c, k) => {
    try {
      const sscc = formatSscc(parseSscc(c.sscc, `cases[${k}].sscc`));
      if (sscc !== c.sscc) problems.push(`cases[${k}].sscc: got ${JSON.stringify(c.sscc)}, expected its 18 digits ${sscc}`);
      if (ssccs.has(sscc)) problems.push(`cases[${k}].sscc: case ${sscc} is listed twice`);
      ssccs.add(sscc);
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (c.packs.length === 0) problems.push(`cases[${k}].packs: a case holds at least one pack`);
    const before = problems.length;
    c.packs.forEach((serial, i) => note(serial, `cases[${k}].packs[${i}]`));
    if (problems.length === before && c.packs.length > 0) {
      const contents = caseContentsOf(c.packs);
      if (contents !== c.contents.toLowerCase()) problems.push(`cases[${k}].contents: ${c.contents} is not the root of the case's packs (${contents})`);
    }
  });
  return problems;
}

/**
 * Builds the manifest of `plan`'s packs and cases, proven against the batch with `prover`. Throws an InputError
 * naming the pack when the list is wrong or a pack cannot be proven.
 */
export function buildManifest(plan: ManifestPlan, prover: BatchProver): Manifest {
  const listing = { packs: [...plan.packs], cases: plan.cases.map((c) => ({ sscc: c.sscc, contents: c.contents.toLowerCase(), packs: [...c.packs] })) };
  const [problem] = listingProblems(listing);
  if (problem) throw new InputError("manifest", problem, "each pack and case listed once, with valid serials and SSCCs");
  const serials = packsOf(listing);
  const indices = serials.map((serial) => {
    const index = prover.treeIndex(serial);
    if (index === undefined) throw new InputError("serial", serial, "a serial of the batch that the serial file or a received manifest proves");
    return index;
  });
  let proof: ReturnType<typeof multiProof>;
  try {
    proof = multiProof(indices, (i) => prover.node(i));
  } catch (error) {
    throw new Error(`cannot prove the packs against the batch: ${(error as Error).message}`, { cause: error });
  }
  const gtin = formatGtin(plan.gtin);
  const batchId = batchIdOf(plan.gtin, plan.lot);
  const sender = getAddress(plan.sender);
  const receiver = getAddress(plan.receiver);
  const quantity = serials.length;
  const nonce = Number(plan.nonce);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    chainId: plan.chainId,
    contract: getAddress(plan.contract),
    batchId,
    gtin,
    lot: plan.lot,
    serialRoot: plan.serialRoot.toLowerCase(),
    sender,
    receiver,
    quantity,
    nonce,
    shipmentId: shipmentIdOf({ batchId, sender, receiver, quantity: BigInt(quantity), nonce: BigInt(nonce) }),
    root: ManifestTree.of(listing.packs, listing.cases.map((c) => BigInt(c.sscc))).root,
    packs: listing.packs,
    cases: listing.cases,
    batchProof: { indices, proof: proof.proof, proofFlags: proof.proofFlags.map((f) => (f ? "1" : "0")).join("") },
  };
  const replay = replayBatchProof(manifest);
  if ("problem" in replay || hex(replay.root) !== manifest.serialRoot) {
    throw new Error(`the packs' proof does not lead to the batch's serial root ${plan.serialRoot}: the serial file or a received manifest is not this batch's`);
  }
  return manifest;
}

/** The same manifest for another nonce of the same sender (the shipment id follows). */
export function withNonce(m: Manifest, nonce: number): Manifest {
  const shipmentId = shipmentIdOf({ batchId: m.batchId, sender: m.sender, receiver: m.receiver, quantity: BigInt(m.quantity), nonce: BigInt(nonce) });
  return { ...m, nonce, shipmentId };
}

/* ------------------------------------------------------------- checking */

/** What the chain says, to check a manifest against. */
export interface ManifestFacts {
  chainId: number;
  contract: string;
  custody: CustodyFacts;
  /** Receiving: the cases must still be sealed now, not only when the leg left. */
  casesSealedNow?: boolean;
}

/**
 * Everything wrong with manifest `m`, each problem naming the field: against itself (ids, counts, roots, the
 * batch proof, the cases' contents) and, with `facts`, against the chain (the leg's committed root, the batch's
 * serial root, the cases' seals). Empty when the manifest holds.
 */
export function checkManifest(m: Manifest, facts?: ManifestFacts): string[] {
  const problems = listingProblems(m);
  const serials = packsOf(m);
  if (m.batchId.toLowerCase() !== batchIdOf(BigInt(m.gtin), m.lot).toLowerCase()) {
    problems.push(`batchId: ${m.batchId} is not the id of GTIN ${m.gtin} lot ${m.lot}`);
  }
  if (m.quantity !== serials.length) {
    problems.push(`quantity: ${m.quantity} units, but the manifest lists ${serials.length} packs (${m.packs.length} loose, ${serials.length - m.packs.length} in ${m.cases.length} cases)`);
  }
  const id = shipmentIdOf({ batchId: m.batchId, sender: m.sender, receiver: m.receiver, quantity: BigInt(m.quantity), nonce: BigInt(m.nonce) });
  if (id.toLowerCase() !== m.shipmentId.toLowerCase()) problems.push(`shipmentId: ${m.shipmentId} is not the id of the manifest's batch, sender, receiver, quantity and nonce (${id})`);
  if (problems.length === 0) {
    const root = ManifestTree.of(m.packs, m.cases.map((c) => BigInt(c.sscc))).root;
    if (root !== m.root.toLowerCase()) problems.push(`root: ${m.root} is not the root of the packs and cases listed (${root})`);
    const replay = replayBatchProof(m);
    if ("problem" in replay) problems.push(`batchProof: ${replay.problem}`);
    else if (hex(replay.root) !== m.serialRoot.toLowerCase()) {
      problems.push(`batchProof: the packs do not prove against the serial root ${m.serialRoot} (they lead to ${hex(replay.root)}): a pack is not a commissioned serial of the batch, or the proof is another list's`);
    }
  }
  if (facts) problems.push(...chainProblems(m, facts));
  return problems;
}

function chainProblems(m: Manifest, facts: ManifestFacts): string[] {
  const problems: string[] = [];
  const { custody } = facts;
  if (m.chainId !== facts.chainId) problems.push(`chainId: ${m.chainId}, but this is chain ${facts.chainId}`);
  if (m.contract.toLowerCase() !== facts.contract.toLowerCase()) problems.push(`contract: ${m.contract}, but the deployment is ${facts.contract}`);
  if (m.batchId.toLowerCase() !== custody.batchId.toLowerCase()) problems.push(`batchId: ${m.batchId}, not the batch ${custody.batchId}`);
  if (!custody.serialRoot) problems.push(`batchId: no batch ${m.batchId} on this chain`);
  else if (custody.serialRoot.toLowerCase() !== m.serialRoot.toLowerCase()) {
    problems.push(`serialRoot: ${m.serialRoot}, but the batch was commissioned with ${custody.serialRoot}`);
  }
  const leg = custody.legs.find((l) => l.shipmentId.toLowerCase() === m.shipmentId.toLowerCase());
  if (!leg) {
    problems.push(`shipmentId: no shipment or handover ${m.shipmentId} of this batch on the chain`);
  } else if (!leg.manifest) {
    problems.push(`root: ${legName(leg)} carries no manifest (a batch-level leg)`);
  } else if (leg.manifest.toLowerCase() !== m.root.toLowerCase()) {
    problems.push(`root: ${m.root}, but ${legName(leg)} committed to ${leg.manifest}: the list of packs is not the one shipped`);
  }
  m.cases.forEach((c, k) => {
    const sealed = custody.cases.get(c.sscc);
    if (!sealed) {
      problems.push(`cases[${k}]: case ${c.sscc} was never sealed with packs of this batch`);
      return;
    }
    if (sealed.contents.toLowerCase() !== c.contents.toLowerCase() || sealed.packs !== c.packs.length) {
      problems.push(`cases[${k}]: case ${c.sscc} was sealed with ${sealed.packs} packs, contents ${sealed.contents}; the manifest lists ${c.packs.length} packs, contents ${c.contents}`);
    }
    if (leg && !isBefore(sealed, leg)) problems.push(`cases[${k}]: case ${c.sscc} was sealed only after the leg left (block ${sealed.block})`);
    if (sealed.opened && ((leg && isBefore(sealed.opened, leg)) || facts.casesSealedNow)) {
      problems.push(`cases[${k}]: case ${c.sscc} was opened (block ${sealed.opened.block}): its packs travel loose`);
    }
  });
  return problems;
}

function legName(leg: LegFact): string {
  return `${leg.kind} ${leg.shipmentId}`;
}

/** A manifest read from a file. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
}

/** The manifests of `facts`' batch checked against the chain, as the provenance report takes them. */
export function manifestEvidence(loaded: readonly LoadedManifest[], facts: Omit<ManifestFacts, "casesSealedNow">): ManifestEvidence[] {
  return loaded
    .filter(({ manifest }) => manifest.batchId.toLowerCase() === facts.custody.batchId.toLowerCase())
    .map(({ manifest, file }) => {
      const problems = checkManifest(manifest, facts);
      const inCase = new Map<string, string>();
      for (const c of manifest.cases) for (const serial of c.packs) inCase.set(serial, c.sscc);
      return { shipmentId: manifest.shipmentId, file, valid: problems.length === 0, problems, loose: new Set(manifest.packs), inCase };
    });
}

/* ---------------------------------------------------------- who holds what */

/**
 * The packs `holder` holds by the manifests: the commissioned serials when it is the manufacturer (its serial
 * file), plus the packs of every manifest it received, minus those it shipped in a manifest that was not
 * rejected or cancelled, minus the packs dispensed. `manifests` are the batch's manifests that hold; legs without
 * a manifest move units the ledger cannot name (the contract still counts them).
 */
export function packsHeld(holder: string, facts: CustodyFacts, manifests: readonly Manifest[], commissioned?: readonly string[]): Set<string> {
  const me = holder.toLowerCase();
  const settled = new Map<string, Settlement>(facts.legs.map((l) => [l.shipmentId.toLowerCase(), l.settlement]));
  const count = new Map<string, number>();
  const add = (serial: string, n: number) => count.set(serial, (count.get(serial) ?? 0) + n);
  if (commissioned && facts.manufacturer?.toLowerCase() === me) for (const serial of commissioned) add(serial, 1);
  const seen = new Set<string>();
  for (const m of manifests) {
    const id = m.shipmentId.toLowerCase();
    const settlement = settled.get(id);
    if (seen.has(id) || !settlement) continue;
    seen.add(id);
    const left = settlement !== "rejected" && settlement !== "cancelled";
    const arrived = settlement === "received" || settlement === "handed-over";
    const delta = (m.sender.toLowerCase() === me && left ? -1 : 0) + (m.receiver.toLowerCase() === me && arrived ? 1 : 0);
    if (delta !== 0) for (const serial of packsOf(m)) add(serial, delta);
  }
  const dispensed = new Set([...facts.dispensed].map((s) => serialFromBytes32(s)));
  const held = new Set<string>();
  for (const [serial, n] of count) if (n > 0 && !dispensed.has(serial)) held.add(serial);
  return held;
}

/* ------------------------------------------------------------------ files */

/** Where the manifest of shipment `shipmentId` is kept. */
export function manifestPath(network: string, shipmentId: string, dir = deploymentsDir()): string {
  return path.join(dir, network, "manifests", `${shipmentId.toLowerCase()}.json`);
}

/**
 * Where the ship command keeps the manifest it planned while the transaction is out: if the command dies after
 * sending, the file is there for the shipment it names (the folder's own files are the only ones read back).
 */
export function pendingManifestPath(network: string, shipmentId: string, dir = deploymentsDir()): string {
  return path.join(dir, network, "manifests", "pending", `${shipmentId.toLowerCase()}.json`);
}

/** Writes a manifest whole or not at all. */
export function saveManifest(m: Manifest, file: string): string {
  writeFileAtomic(file, JSON.stringify(m) + "\n");
  return file;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** Checks the shape of a parsed manifest file; an InputError names the file, the field and what was expected. */
export function parseManifest(value: unknown, source: string): Manifest {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw new InputError(`${source} ${field}`, got, expected);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("(file)", typeof value, `a JSON object of format ${MANIFEST_FORMAT}`);
  const v = value as Record<string, unknown>;
  if (v.format !== MANIFEST_FORMAT) fail("format", v.format, `"${MANIFEST_FORMAT}"`);
  const int = (field: string, min: number, max: number) => {
    const n = v[field];
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) fail(field, n, `a whole number from ${min} to ${max}`);
    return n as number;
  };
  const bytes32 = (field: string, x: unknown = v[field]) => {
    if (typeof x !== "string" || !BYTES32.test(x)) fail(field, x, "32 bytes as 0x and 64 hex digits");
    return (x as string).toLowerCase();
  };
  const address = (field: string) => {
    const x = v[field];
    if (typeof x !== "string" || !isAddress(x)) fail(field, x, "an address (0x and 40 hex digits)");
    return getAddress(x as string);
  };
  const strings = (field: string, x: unknown) => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === "string")) fail(field, typeof x, "an array of serial strings");
    return x as string[];
  };
  const text = (field: string, parse: (s: string, f: string) => unknown) => {
    const x = v[field];
    if (typeof x !== "string") fail(field, x, "a string");
    try {
      parse(x as string, field);
    } catch (error) {
      fail(field, x, (error as InputError).expected ?? (error as Error).message);
    }
    return x as string;
  };
  const gtin = text("gtin", (s, f) => {
    if (!/^\d{14}$/.test(s)) throw new InputError(f, s, "a GTIN of 14 digits");
    parseGtin(s, f);
  });
  const lot = text("lot", parseLot);
  if (!Array.isArray(v.cases)) fail("cases", typeof v.cases, "an array of {sscc, contents, packs}");
  const cases = (v.cases as unknown[]).map((c, k): ManifestCase => {
    if (typeof c !== "object" || c === null) fail(`cases[${k}]`, c, "an object {sscc, contents, packs}");
    const { sscc, contents, packs } = c as Record<string, unknown>;
    if (typeof sscc !== "string") fail(`cases[${k}].sscc`, sscc, "the case's 18-digit SSCC as a string");
    return { sscc: sscc as string, contents: bytes32(`cases[${k}].contents`, contents), packs: strings(`cases[${k}].packs`, packs) };
  });
  const proof = v.batchProof as Record<string, unknown> | undefined;
  if (typeof proof !== "object" || proof === null) fail("batchProof", proof, "an object {indices, proof, proofFlags}");
  const { indices, proof: nodes, proofFlags } = proof as Record<string, unknown>;
  if (!Array.isArray(indices) || !indices.every((i) => Number.isInteger(i) && i >= 0)) fail("batchProof.indices", typeof indices, "an array of tree indices");
  if (!Array.isArray(nodes)) fail("batchProof.proof", typeof nodes, "an array of 32-byte nodes");
  (nodes as unknown[]).forEach((node, i) => bytes32(`batchProof.proof[${i}]`, node));
  if (typeof proofFlags !== "string" || !/^[01]*$/.test(proofFlags)) fail("batchProof.proofFlags", proofFlags, "a string of 0 and 1");
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    chainId: int("chainId", 1, Number.MAX_SAFE_INTEGER),
    contract: address("contract"),
    batchId: bytes32("batchId"),
    gtin,
    lot,
    serialRoot: bytes32("serialRoot"),
    sender: address("sender"),
    receiver: address("receiver"),
    quantity: int("quantity", 1, MAX_UINT48),
    nonce: int("nonce", 0, 2 ** 32 - 1),
    shipmentId: bytes32("shipmentId"),
    root: bytes32("root"),
    packs: strings("packs", v.packs),
    cases,
    batchProof: { indices: indices as number[], proof: (nodes as string[]).map((n) => n.toLowerCase()), proofFlags: proofFlags as string },
  };
  if (v.transactionHash !== undefined) manifest.transactionHash = bytes32("transactionHash");
  return manifest;
}

/** Reads manifest file `file` given with flag `field`. */
export function loadManifest(file: string, field: string): Manifest {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(field, file, `a readable manifest file (${MANIFEST_FORMAT})`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(field, file, `a JSON manifest file (${(error as Error).message})`);
  }
  return parseManifest(value, file);
}

/** The manifest files kept under the deployment folder (`manifests/*.json`). */
export function manifestFiles(network: string, dir = deploymentsDir()): string[] {
  const folder = path.join(dir, network, "manifests");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => path.join(folder, name));
}

/** Reads every file of `files` that is a manifest; the others come back with what is wrong with them. */
export function loadManifests(files: readonly string[], field: string): { loaded: LoadedManifest[]; unreadable: { file: string; problem: string }[] } {
  const loaded: LoadedManifest[] = [];
  const unreadable: { file: string; problem: string }[] = [];
  for (const file of files) {
    try {
      loaded.push({ manifest: loadManifest(file, field), file });
    } catch (error) {
      unreadable.push({ file, problem: (error as Error).message });
    }
  }
  return { loaded, unreadable };
}

/* ------------------------------------------------------------------ cases */

/** The packs a case was sealed with, kept by the partner that sealed it. */
export interface CaseRecord {
  format: typeof CASE_FORMAT;
  sscc: string;
  batchId: string;
  gtin: string;
  lot: string;
  contents: string;
  packs: string[];
  packer: string;
  transactionHash?: string;
}

export function caseFilePath(network: string, sscc: bigint, dir = deploymentsDir()): string {
  return path.join(dir, network, "cases", `${formatSscc(sscc)}.json`);
}

export function saveCaseRecord(network: string, record: CaseRecord, dir = deploymentsDir()): string {
  const file = caseFilePath(network, BigInt(record.sscc), dir);
  writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/** The case records kept under the deployment folder (files that are not case records are skipped). */
export function loadCaseRecords(network: string, dir = deploymentsDir()): CaseRecord[] {
  const folder = path.join(dir, network, "cases");
  if (!existsSync(folder)) return [];
  const records: CaseRecord[] = [];
  for (const name of readdirSync(folder).filter((n) => n.endsWith(".json"))) {
    try {
      const record = JSON.parse(readFileSync(path.join(folder, name), "utf8")) as CaseRecord;
      if (record.format === CASE_FORMAT && Array.isArray(record.packs)) records.push(record);
    } catch {
      // not a case record: skipped
    }
  }
  return records;
}

/**
 * The packs of each case of the batch whose contents the files at hand know (case records and the cases of
 * manifests), only where they match the contents the case was sealed with.
 */
export function knownCaseContents(facts: CustodyFacts, records: readonly CaseRecord[], manifests: readonly Manifest[]): Map<string, string[]> {
  const known = new Map<string, string[]>();
  const offer = (sscc: string, contents: string, packs: string[]) => {
    const sealed = facts.cases.get(sscc);
    if (!sealed || known.has(sscc) || sealed.contents.toLowerCase() !== contents.toLowerCase() || sealed.packs !== packs.length) return;
    if (caseContentsOf(packs) === sealed.contents.toLowerCase()) known.set(sscc, packs);
  };
  for (const r of records) if (r.batchId.toLowerCase() === facts.batchId.toLowerCase()) offer(r.sscc, r.contents, r.packs);
  for (const m of manifests) for (const c of m.cases) offer(c.sscc, c.contents, c.packs);
  return known;
}
