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
 * This file holds the format, the tree and `buildManifest`; check.ts checks a manifest (and parses its file),
 * holdings.ts says from the manifests and the chain which packs a partner holds (for `rx:ship --all-remaining`).
 * The files themselves live under the deployment folder (src/files/manifest-files.ts).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress } from "ethers";
import { InputError } from "../domain/errors";
import { formatGtin, formatSscc, parseSerial, parseSscc } from "../gs1/identifiers";
import { batchIdOf, serialToBytes32, shipmentIdOf } from "../domain/ids";
import { hex, MerkleLayout, multiProof, NODE, nodeFromHex, replayMultiProof, standardLeaf } from "../merkle/tree";
import { SerialTree, serialLeaf } from "../merkle/serial-tree";

export const MANIFEST_FORMAT = "rxtrace-manifest/1";
export const CASE_FORMAT = "rxtrace-case/1";
export const MAX_UINT48 = 2 ** 48 - 1;

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

export function replayBatchProof(m: Manifest): ReturnType<typeof replayMultiProof> {
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
export function listingProblems(m: Pick<Manifest, "packs" | "cases">): string[] {
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
