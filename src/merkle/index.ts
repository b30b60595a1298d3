/**
 * Merkle trees, Node side: OpenZeppelin StandardMerkleTree layouts built fast (tree.ts) over a native keccak
 * (keccak.ts, the `keccak` add-on with a pure-JavaScript fallback), and the batch serial tree (serial-tree.ts)
 * whose root a batch commits to. Kept out of the browser-safe folders because keccak.ts loads a native
 * add-on through `require` and node:path; the page never builds a tree (the server hands it proofs).
 */
export * from "./keccak";
export * from "./tree";
export * from "./serial-tree";
