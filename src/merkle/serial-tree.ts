/**
 * The Merkle tree of a batch's pack serials.
 *
 * The tree is exactly @openzeppelin/merkle-tree's StandardMerkleTree for `["bytes32"]` leaves with sorted
 * leaves (same leaf hash, same layout, same proofs; `toStandardTree()` hands it to that library and the
 * tests compare the two), and the contract checks proofs by OpenZeppelin's MerkleProof rule (Ids.provesSerial). We build it
 * ourselves only because the library's builder needs about two minutes for a million serials: this one
 * hashes raw bytes (see keccak.ts) and keeps the nodes in one buffer (64 MB for a million packs; tree.ts).
 * A case's contents are the same tree over the case's serials.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { InputError } from "../domain/errors";
import { parseSerial } from "../gs1/identifiers";
import { serialToBytes32 } from "../domain/ids";
import { MerkleLayout, NODE, standardLeaf } from "./tree";

/** The leaf of a serial: keccak256(keccak256(abi.encode(bytes32 serial))), the ASCII zero padded on the right. */
export function serialLeaf(serial: string, field = "serial"): Buffer {
  const word = Buffer.alloc(NODE);
  word.write(parseSerial(serial, field), "latin1");
  return standardLeaf(word);
}

export class SerialTree {
  private constructor(
    readonly serials: readonly string[],
    private readonly layout: MerkleLayout,
    /** serial -> index of its leaf node. */
    private readonly leafIndex: Map<string, number>,
  ) {}

  /** Builds the tree of `serials` (each 1 to 20 characters of GS1 set 82, no duplicates). */
  static of(serials: readonly string[]): SerialTree {
    if (serials.length === 0) throw new InputError("serials", serials, "at least one serial");
    const seen = new Set<string>();
    const leaves = serials.map((serial, i) => {
      if (seen.has(serial)) throw new InputError(`serials[${i}]`, serial, "serials unique within the batch");
      seen.add(serial);
      return serialLeaf(serial, `serials[${i}]`);
    });
    const { layout, treeIndex } = MerkleLayout.build(leaves);
    const leafIndex = new Map<string, number>();
    serials.forEach((serial, i) => leafIndex.set(serial, treeIndex[i]));
    return new SerialTree(serials, layout, leafIndex);
  }

  /** The root the batch commits to on-chain. */
  get root(): string {
    return this.layout.root;
  }

  get size(): number {
    return this.serials.length;
  }

  has(serial: string): boolean {
    return this.leafIndex.has(serial);
  }

  /** The tree index of `serial`'s leaf, undefined when it is not in the batch. */
  treeIndex(serial: string): number | undefined {
    return this.leafIndex.get(serial);
  }

  /** Node `index` of the tree. */
  node(index: number): Buffer | undefined {
    return this.layout.node(index);
  }

  /** The proof of `serial`, as `dispense` and `verifyPack` take it. */
  proof(serial: string): string[] {
    const index = this.leafIndex.get(serial);
    if (index === undefined) throw new InputError("serial", serial, "a serial commissioned in this batch");
    return this.layout.proof(index);
  }

  /** The same tree as an OpenZeppelin StandardMerkleTree, e.g. to `dump()` it to a file. */
  toStandardTree(): StandardMerkleTree<[string]> {
    return StandardMerkleTree.load<[string]>({
      format: "standard-v1",
      leafEncoding: ["bytes32"],
      tree: this.layout.toHexArray(),
      values: this.serials.map((serial) => ({
        value: [serialToBytes32(serial)],
        treeIndex: this.leafIndex.get(serial) as number,
      })),
    });
  }
}
