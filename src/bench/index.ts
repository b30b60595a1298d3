/**
 * The gas bench: measures the gas of each main operation on a fresh in-process network. `npm run bench`
 * (scripts/bench.ts) writes bench/gas.json; test/GasSnapshot.test.ts compares a new measurement with it.
 */
export * from "./gas";
