/**
 * The gas bench: measures the gas of each main operation on a fresh in-process network. `npm run bench`
 * (scripts/bench.ts) writes bench/gas.json; test/GasSnapshot.test.ts compares a new measurement with it. Then the
 * history bench: a lot's legs over a long chain, verified by the direct scan and through the indexer.
 */
export * from "./gas";
export * from "./history";
export * from "./indexer-history";
