// SuMo (Solidity mutation testing): `npm run mutation`. It mutates contracts/ in place, compiles and runs
// the contract suites once per mutant (bailing on the first failure), then restores the files.
module.exports = {
  buildDir: "artifacts",
  contractsDir: "contracts",
  testDir: "test",
  // Interfaces hold declarations only; the command, browser, property and end-to-end suites do not
  // exercise more Solidity than the contract suites and would only slow every mutant down.
  skipContracts: ["interfaces"],
  skipTests: ["test/tasks", "test/e2e", "test/web", "test/property", "test/GasSnapshot.test.ts", "test/Readme.test.ts", "test/SharedLibrary.test.ts"],
  testingTimeOutInSec: 300,
  network: "none",
  testingFramework: "hardhat",
  minimal: true,
  tce: true,
};
