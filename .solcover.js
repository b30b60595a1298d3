// solidity-coverage settings. The gas snapshot is left out: instrumented bytecode costs more gas.
module.exports = {
  configureYulOptimizer: true,
  istanbulReporter: ["html", "lcov", "text", "json-summary"],
  mocha: { grep: "Gas snapshot", invert: true },
};
