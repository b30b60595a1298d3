/**
 * The domain, pure and browser-safe (no Node module, no native package, nothing from src/chain or
 * src/commands; eslint.config.mjs and test/Layout.test.ts enforce it): the contract's enums with words for
 * people, ids mirroring contracts/libraries/Ids.sol, the error for a bad input (`InputError`), temperature
 * logger parsing and summaries, and provenance: the facts a batch's events tell, the pack's own path
 * through them, its own path apart from the lot's other legs, and the verification report in words. Merkle trees are not here: they hash with a native
 * keccak (src/merkle), which a browser cannot load, and the page never builds one.
 */
export * from "./enums";
export * from "./errors";
export * from "./ids";
export * from "./temperature";
export * from "./provenance";
export * from "./pack-path";
export * from "./report";
export * from "./invoice";
