/**
 * The Merkle tree of a batch's pack serials.
 *
 * The tree is exactly @openzeppelin/merkle-tree's StandardMerkleTree for `["bytes32"]` leaves with sorted
 * leaves (same leaf hash, same layout, same proofs; `toStandardTree()` hands it to that library and the
 * tests compare the two), and the contract checks proofs by OpenZeppelin's MerkleProof rule (Ids.provesSerial). We build it
 * ourselves only because the library's builder needs about two minutes for a million serials: this one
 * hashes raw bytes (see keccak.ts) and keeps the nodes in one buffer (64 MB for a million packs).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { InputError } from "./errors";
import { parseSerial } from "./gs1";
import { serialToBytes32 } from "./ids";
import { keccak256Raw as keccak } from "./keccak";

const NODE = 32;

export class SerialTree {
  /** Node i occupies bytes [32 i, 32 i + 32); leaves are at the end, as in OpenZeppelin's layout. */
  private readonly nodes: Buffer;
  /** serial -> index of its leaf node. */
  private readonly leafIndex = new Map<string, number>();

  private constructor(
    readonly serials: readonly string[],
    nodes: Buffer,
    leafIndex: Map<string, number>,
  ) {
    this.nodes = nodes;
    this.leafIndex = leafIndex;
  }

  /** Builds the tree of `serials` (each 1 to 20 characters of GS1 set 82, no duplicates). */
  static of(serials: readonly string[]): SerialTree {
    if (serials.length === 0) throw new InputError("serials", serials, "at least one serial");
    const n = serials.length;
    const leaves: Buffer[] = new Array(n);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const serial = serials[i];
      if (seen.has(serial)) throw new InputError(`serials[${i}]`, serial, "serials unique within the batch");
      seen.add(serial);
      // abi.encode(bytes32) is the 32 bytes themselves (the ASCII serial, zero padded on the right);
      // the leaf is keccak256(keccak256(that)).
      const word = Buffer.alloc(NODE);
      word.write(parseSerial(serial, `serials[${i}]`), "latin1");
      leaves[i] = keccak(keccak(word));
    }
    // Sorting by hex text orders exactly as comparing the bytes, and is several times faster in V8.
    const keys = leaves.map((leaf) => leaf.toString("hex"));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const size = 2 * n - 1;
    const nodes = Buffer.alloc(size * NODE);
    const leafIndex = new Map<string, number>();
    order.forEach((valueIndex, sortedPosition) => {
      const index = size - 1 - sortedPosition;
      leaves[valueIndex].copy(nodes, index * NODE);
      leafIndex.set(serials[valueIndex], index);
    });
    const pair = Buffer.alloc(2 * NODE);
    for (let i = size - 1 - n; i >= 0; i--) {
      const left = nodes.subarray((2 * i + 1) * NODE, (2 * i + 2) * NODE);
      const right = nodes.subarray((2 * i + 2) * NODE, (2 * i + 3) * NODE);
      // Commutative hashing, as MerkleProof.sol: the smaller node first.
      const [a, b] = Buffer.compare(left, right) <= 0 ? [left, right] : [right, left];
      a.copy(pair, 0);
      b.copy(pair, NODE);
      keccak(pair).copy(nodes, i * NODE);
    }
    return new SerialTree(serials, nodes, leafIndex);
  }

  /** The root the batch commits to on-chain. */
  get root(): string {
    return "0x" + this.nodes.subarray(0, NODE).toString("hex");
  }

  get size(): number {
    return this.serials.length;
  }

  has(serial: string): boolean {
    return this.leafIndex.has(serial);
  }

  /** The proof of `serial`, as `dispense` and `verifyPack` take it. */
  proof(serial: string): string[] {
    let index = this.leafIndex.get(serial);
    if (index === undefined) throw new InputError("serial", serial, "a serial commissioned in this batch");
    const proof: string[] = [];
    while (index > 0) {
      const sibling = index % 2 === 1 ? index + 1 : index - 1;
      proof.push("0x" + this.nodes.subarray(sibling * NODE, (sibling + 1) * NODE).toString("hex"));
      index = Math.floor((index - 1) / 2);
    }
    return proof;
  }

  /** The same tree as an OpenZeppelin StandardMerkleTree, e.g. to `dump()` it to a file. */
  toStandardTree(): StandardMerkleTree<[string]> {
    const size = 2 * this.serials.length - 1;
    const tree: string[] = new Array(size);
    for (let i = 0; i < size; i++) tree[i] = "0x" + this.nodes.subarray(i * NODE, (i + 1) * NODE).toString("hex");
    return StandardMerkleTree.load<[string]>({
      format: "standard-v1",
      leafEncoding: ["bytes32"],
      tree,
      values: this.serials.map((serial) => ({
        value: [serialToBytes32(serial)],
        treeIndex: this.leafIndex.get(serial) as number,
      })),
    });
  }
}
