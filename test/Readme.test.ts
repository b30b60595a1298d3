import { expect } from "chai";
import hre, { artifacts } from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { GAS_KEYS, type GasTable } from "../src/bench/gas";

/** The README is the front door: these tests keep its tables true to the code. */
describe("README", function () {
  const root = path.join(__dirname, "..");
  const readme = readFileSync(path.join(root, "README.md"), "utf8");

  it("documents every custom error of RxTrace in the error table", async function () {
    const { abi } = await artifacts.readArtifact("RxTrace");
    const errors = (abi as { type: string; name: string }[]).filter((f) => f.type === "error").map((f) => f.name);
    const missing = errors.filter((name) => !readme.includes(`\`${name}(`));
    expect(missing).to.deep.equal([]);
  });

  it("shows the gas of the committed snapshot", function () {
    const snapshot = JSON.parse(readFileSync(path.join(root, "bench", "gas.json"), "utf8")) as GasTable;
    const section = readme.slice(readme.indexOf("## Gas"), readme.indexOf("## Errors")).split("\n");
    const rows = GAS_KEYS.map((key) => {
      const label = key === "handover" ? "ship + receive" : key;
      const line = section.find((l) => l.startsWith(`| ${label} `) || l.startsWith(`| ${label} (`));
      return [key, line?.split("|")[2]?.trim()];
    });
    expect(rows).to.deep.equal(GAS_KEYS.map((key) => [key, snapshot[key].toLocaleString("en-US")]));
  });

  it("names only npm scripts that exist", function () {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
    const named = [...readme.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]);
    expect(named.filter((name) => !scripts.includes(name))).to.deep.equal([]);
  });

  it("names only rx: commands that exist", function () {
    const named = [...new Set([...readme.matchAll(/\b(rx:[a-z-]+)/g)].map((m) => m[1]))];
    expect(named.filter((name) => !(name in hre.tasks))).to.deep.equal([]);
  });

  it("documents every rx: command", function () {
    const tasks = Object.keys(hre.tasks).filter((name) => name.startsWith("rx:"));
    expect(tasks.filter((name) => !readme.includes(name))).to.deep.equal([]);
  });

  it("passes to each rx: command only flags it declares", function () {
    const unknown: string[] = [];
    for (const m of readme.matchAll(/npx hardhat (?:\$N |--network \w+ )?(rx:[a-z-]+)([^\n`]*)/g)) {
      const definition = hre.tasks[m[1]];
      const declared = new Set(Object.keys(definition?.paramDefinitions ?? {}).map((p) => p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
      for (const flag of m[2].matchAll(/--([a-z-]+)/g)) {
        if (flag[1] !== "network" && !declared.has(flag[1])) unknown.push(`${m[1]} --${flag[1]}`);
      }
    }
    expect(unknown).to.deep.equal([]);
  });
});
