/**
 * The chain, Node side: deployment records (`deployments/<network>.json`) and the deploy of the suite, the
 * JSON-RPC layer that survives a flaky connection (reliable.ts, registered by hardhat.config.ts), and
 * reading events (events/, the one browser-safe subfolder: from `eth_getLogs` or from the indexer), and starting
 * the indexer (indexer.ts, docs/indexer.md).
 */
export * from "./deploy";
export * from "./deployment";
export * from "./reliable";
export * from "./events";
export * from "./indexer";
export * from "./admin-policy";
