import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  FLAT_PAIRS,
  GAS_BUDGETS,
  GAS_KEYS,
  flatCostReport,
  formatGasTable,
  measureGas,
  type GasTable,
  type Measurement,
} from "../src/bench/gas";

/** Gas may rise by at most this fraction above the committed snapshot before the test fails. */
const TOLERANCE = 0.01;

describe("Gas snapshot (bench/gas.json)", function () {
  let measurement: Measurement;
  let measured: GasTable;
  const snapshot = JSON.parse(readFileSync(path.join(__dirname, "..", "bench", "gas.json"), "utf8")) as GasTable;

  before(async function () {
    measurement = await measureGas(hre);
    measured = measurement.table;
    console.log(formatGasTable(measured, snapshot).replace(/^/gm, "      "));
  });

  it("has exactly the committed keys", function () {
    expect(Object.keys(snapshot).sort()).to.deep.equal([...GAS_KEYS].sort());
  });

  FLAT_PAIRS.forEach(({ small, large, rule }, i) => {
    it(`${small} and ${large} cost the same (${rule})`, function () {
      const report = flatCostReport(measurement)[i];
      expect(report.ok, report.line).to.equal(true);
    });
  });

  for (const key of GAS_KEYS) {
    it(`${key} costs at most 1% above its snapshot`, function () {
      expect(measured[key]).to.be.at.most(Math.floor(snapshot[key] * (1 + TOLERANCE)));
    });
    const budget = GAS_BUDGETS[key];
    if (budget !== undefined) {
      it(`${key} stays within its budget of ${budget.toLocaleString("en-US")} gas`, function () {
        expect(measured[key]).to.be.at.most(budget);
      });
    }
  }
});
