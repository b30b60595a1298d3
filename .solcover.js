// solidity-coverage settings. `npm run coverage` runs the contract suites (test/*.test.ts), which reach
// every line and branch; the command, end-to-end, browser and property suites exercise no Solidity those do
// not (the property suite takes over ten minutes under instrumentation, and the suites that run Hardhat in
// child processes would compile uninstrumented artifacts over the instrumented ones). The gas snapshot and
// the other tests of gas are left out: instrumented bytecode costs more gas, and so are the public-network fee tests,
// whose fees solidity-coverage's fixed gas limit inflates. Coverage cannot use mocha's parallel mode.
module.exports = {
  configureYulOptimizer: true,
  istanbulReporter: ["html", "lcov", "text", "json-summary"],
  mocha: {
    parallel: false,
    grep: "^Gas snapshot|^Public networks FeePolicyProvider|\\bgas\\b",
    invert: true,
  },
};
