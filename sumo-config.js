// SuMo (Solidity mutation testing) generates the mutants of `npm run mutation` (`sumo mutate`: minimal
// operators, interfaces skipped: they hold declarations only). scripts/mutation.ts compiles and tests them;
// see its header for why it does not use SuMo's own spawn-per-mutant runner.
module.exports = {
  buildDir: "artifacts",
  contractsDir: "contracts",
  testDir: "test",
  skipContracts: ["interfaces"],
  skipTests: [],
  testingTimeOutInSec: 300,
  network: "none",
  testingFramework: "hardhat",
  minimal: true,
  tce: true,
};
