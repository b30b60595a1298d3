/**
 * OpenZeppelin StandardMerkleTree layouts, built fast: the batch serial tree (serial-tree.ts), a case's contents
 * (the same tree over the case's serials) and a shipment's manifest (src/manifests) share this code.
 *
 * The layout is exactly @openzeppelin/merkle-tree's: leaves sorted by hash, node i at index i, the leaves at
 * the end, children of i at 2i+1 and 2i+2, pairs hashed smaller first. Multiproofs are the library's too
 * (`getMultiProof` / `processMultiProof` in its core.ts), so `StandardMerkleTree.verifyMultiProof` and
 * OpenZeppelin's `MerkleProof.multiProofVerify` accept them; the tests compare both with the library.
 * We only build it ourselves for speed: raw bytes through the native keccak (keccak.ts), one buffer for
 * the nodes, and a queue instead of `Array.shift` (the library's multiproof is quadratic in the leaves).
 */
import { keccak256Raw as keccak } from "./keccak";

/** Bytes in a node. */
export const NODE = 32;

/** A multiproof as OpenZeppelin's libraries take it (leaves aside: they are the hashes of the values). */
export interface MultiProof {
  proof: string[];
  proofFlags: boolean[];
}

const pair = Buffer.alloc(2 * NODE);

/** keccak256 of the two nodes, the smaller first (MerkleProof.sol's commutative hashing). */
export function hashPair(a: Buffer, b: Buffer): Buffer {
  const [x, y] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  x.copy(pair, 0);
  y.copy(pair, NODE);
  return keccak(pair);
}

/** The standard leaf of an ABI-encoded value: keccak256(keccak256(abi.encode(value))). */
export function standardLeaf(encoded: Buffer): Buffer {
  return keccak(keccak(encoded));
}

export const hex = (node: Buffer): string => "0x" + node.toString("hex");

/** A 32-byte node from 0x-hex; undefined when the text is not 32 bytes of hex. */
export function nodeFromHex(text: unknown): Buffer | undefined {
  if (typeof text !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(text)) return undefined;
  return Buffer.from(text.slice(2), "hex");
}

const sibling = (i: number): number => (i % 2 === 1 ? i + 1 : i - 1);
const parent = (i: number): number => (i - 1) >> 1;

/** A complete tree over leaf hashes. */
export class MerkleLayout {
  private constructor(
    /** Node i occupies bytes [32 i, 32 i + 32). */
    private readonly nodes: Buffer,
    readonly leafCount: number,
  ) {}

  /**
   * The tree of `leaves` (hashes, at least one). Returns it with the tree index of each leaf, in the order
   * given. Equal leaves are the caller's to refuse (the library would place both).
   */
  static build(leaves: readonly Buffer[]): { layout: MerkleLayout; treeIndex: Uint32Array } {
    const n = leaves.length;
    if (n === 0) throw new Error("a Merkle tree needs at least one leaf");
    // Sorting by hex text orders exactly as comparing the bytes, and is several times faster in V8.
    const keys = leaves.map((leaf) => leaf.toString("hex"));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const size = 2 * n - 1;
    const nodes = Buffer.alloc(size * NODE);
    const treeIndex = new Uint32Array(n);
    order.forEach((valueIndex, sortedPosition) => {
      const index = size - 1 - sortedPosition;
      leaves[valueIndex].copy(nodes, index * NODE);
      treeIndex[valueIndex] = index;
    });
    for (let i = size - 1 - n; i >= 0; i--) {
      hashPair(nodes.subarray((2 * i + 1) * NODE, (2 * i + 2) * NODE), nodes.subarray((2 * i + 2) * NODE, (2 * i + 3) * NODE)).copy(nodes, i * NODE);
    }
    return { layout: new MerkleLayout(nodes, n), treeIndex };
  }

  get size(): number {
    return 2 * this.leafCount - 1;
  }

  get root(): string {
    return hex(this.nodes.subarray(0, NODE));
  }

  /** Node `index` (a view on the tree's buffer), undefined outside the tree. */
  node(index: number): Buffer | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    return this.nodes.subarray(index * NODE, (index + 1) * NODE);
  }

  /** Every node, as the library's `tree` array. */
  toHexArray(): string[] {
    return Array.from({ length: this.size }, (_, i) => hex(this.node(i)!));
  }

  /** The proof of the leaf at tree index `index`: siblings from the leaf up. */
  proof(index: number): string[] {
    const proof: string[] = [];
    while (index > 0) {
      proof.push(hex(this.node(sibling(index))!));
      index = parent(index);
    }
    return proof;
  }
}

/**
 * The library's `getMultiProof` for the leaves at tree indices `indices`, reading nodes through `nodeAt`
 * (a whole tree, or only the nodes a smaller proof revealed). Throws when a node it needs is unknown.
 */
export function multiProof(indices: readonly number[], nodeAt: (index: number) => Buffer | undefined): MultiProof {
  const queue = [...indices].sort((a, b) => b - a);
  for (let i = 1; i < queue.length; i++) if (queue[i] === queue[i - 1]) throw new Error(`leaf ${queue[i]} listed twice`);
  const proof: string[] = [];
  const proofFlags: boolean[] = [];
  let head = 0;
  while (head < queue.length && queue[head] > 0) {
    const j = queue[head++];
    const s = sibling(j);
    if (queue[head] === s) {
      proofFlags.push(true);
      head++;
    } else {
      const node = nodeAt(s);
      if (!node) throw new Error(`node ${s} of the tree is not known`);
      proofFlags.push(false);
      proof.push(hex(node));
    }
    queue.push(parent(j));
  }
  return { proof, proofFlags };
}

/**
 * Checks a multiproof of leaves whose tree indices are known, the way `multiProof` made it, and returns the
 * root together with every node it reveals (the leaves, the proof's nodes and the ones computed on the way),
 * so that a holder of a proven subset can prove any smaller subset. Returns a problem instead when the
 * indices, flags and proof do not fit together.
 */
export function replayMultiProof(
  leaves: readonly { index: number; hash: Buffer }[],
  proof: readonly Buffer[],
  proofFlags: readonly boolean[],
): { root: Buffer; nodes: Map<number, Buffer> } | { problem: string } {
  if (leaves.length === 0) return { problem: "no leaves to prove" };
  const queue = [...leaves].sort((a, b) => b.index - a.index);
  const nodes = new Map<number, Buffer>();
  for (let i = 0; i < queue.length; i++) {
    const { index, hash } = queue[i];
    if (!Number.isInteger(index) || index < 0) return { problem: `tree index ${index} is not a node` };
    if (i > 0 && queue[i - 1].index === index) return { problem: `tree index ${index} is given twice` };
    nodes.set(index, hash);
  }
  let head = 0;
  let usedProof = 0;
  let usedFlags = 0;
  while (head < queue.length && queue[head].index > 0) {
    const { index: j, hash } = queue[head++];
    const s = sibling(j);
    const paired = head < queue.length && queue[head].index === s;
    if (usedFlags >= proofFlags.length) return { problem: `${proofFlags.length} proof flags are too few` };
    if (proofFlags[usedFlags++] !== paired) return { problem: `proof flag ${usedFlags - 1} does not fit the tree indices` };
    let other: Buffer;
    if (paired) {
      other = queue[head++].hash;
    } else {
      if (usedProof >= proof.length) return { problem: `${proof.length} proof nodes are too few` };
      other = proof[usedProof++];
      nodes.set(s, other);
    }
    const up = hashPair(hash, other);
    nodes.set(parent(j), up);
    queue.push({ index: parent(j), hash: up });
  }
  if (usedFlags !== proofFlags.length) return { problem: `${proofFlags.length - usedFlags} proof flags are left over` };
  if (usedProof !== proof.length) return { problem: `${proof.length - usedProof} proof nodes are left over` };
  if (head !== queue.length - 1) return { problem: "the leaves do not meet in one root" };
  return { root: queue[head].hash, nodes };
}
