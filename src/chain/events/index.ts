/**
 * Reading the chain, browser-safe: a batch's events through the typechain contract (ethers only, no Node
 * module), turned into custody facts, a timeline and `verifyPack`'s report. The web page runs it in the
 * browser; `rx:verify` and the demo run the same code in Node. Bound to the indexer (`useIndexer`), the same code reads
 * its events from there.
 */
export * from "./provenance";
export * from "./indexer-source";
