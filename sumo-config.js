// SuMo (Solidity mutation testing) generates the mutants of `npm run mutation` (`sumo mutate`, minimal
// operators). Skipped: contracts/interfaces (declarations only) and contracts/test (test helpers).
// scripts/mutation.ts compiles and tests the mutants; its header says why not with SuMo's own runner.
module.exports = {
  buildDir: "artifacts",
  contractsDir: "contracts",
  testDir: "test",
  skipContracts: ["interfaces", "test"],
  skipTests: [],
  testingTimeOutInSec: 300,
  network: "none",
  testingFramework: "hardhat",
  minimal: true,
  tce: true,
};
