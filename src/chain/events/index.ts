/**
 * Reading the chain, browser-safe: logs over a range-limited RPC in adaptive chunks (logs.ts), a contract's
 * events through them (query.ts), and a batch's events turned into custody facts, a timeline and
 * `verifyPack`'s report (provenance.ts), through the typechain contract (ethers only, no Node module). The web
 * page runs it in the browser; `rx:verify` and the demo run the same code in Node.
 * Bound to the indexer (`useIndexer`), the same code reads its events from there (indexer-source.ts).
 */
export * from "./logs";
export * from "./query";
export * from "./provenance";
export * from "./indexer-source";
export * from "./settlement";
export * from "./lineage";
