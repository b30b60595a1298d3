import { expect } from "chai";
import hre, { artifacts } from "hardhat";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { GAS_KEYS, type GasTable } from "../src/bench/gas";

/**
 * The README is the front door and docs/ holds the reference: these tests keep both true to the code. Each
 * check reads the file where its table lives (errors in docs/errors.md, gas in docs/gas.md, every command in
 * docs/commands.md) or every page at once (npm scripts, rx: commands and flags named anywhere, links).
 */
describe("README and docs/", function () {
  const root = path.join(__dirname, "..");
  const read = (file: string) => readFileSync(path.join(root, file), "utf8");
  const pages = ["README.md", ...readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
  const all = pages.map((file) => ({ file, text: read(file) }));

  it("keeps the README a front door: under 15 KB", function () {
    const size = statSync(path.join(root, "README.md")).size;
    expect(size, `README.md is ${size} bytes`).to.be.below(15 * 1024);
  });

  it("documents every custom error of RxTrace and IGovernance in docs/errors.md", async function () {
    const errorsPage = read("docs/errors.md");
    const abis = await Promise.all(["RxTrace", "IGovernance"].map(async (name) => (await artifacts.readArtifact(name)).abi));
    const errors = (abis.flat() as { type: string; name: string }[]).filter((f) => f.type === "error").map((f) => f.name);
    const missing = errors.filter((name) => !errorsPage.includes(`\`${name}(`));
    expect(missing).to.deep.equal([]);
  });

  it("shows the gas of the committed snapshot in docs/gas.md", function () {
    const snapshot = JSON.parse(read(path.join("bench", "gas.json"))) as GasTable;
    const lines = read("docs/gas.md").split("\n");
    const rows = GAS_KEYS.map((key) => {
      const label = key === "handover" ? "ship + receive" : key;
      const line = lines.find((l) => l.startsWith(`| ${label} `) || l.startsWith(`| ${label} (`));
      return [key, line?.split("|")[2]?.trim()];
    });
    expect(rows).to.deep.equal(GAS_KEYS.map((key) => [key, snapshot[key].toLocaleString("en-US")]));
  });

  it("names only npm scripts that exist", function () {
    const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
    const unknown = all.flatMap(({ file, text }) =>
      [...text.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]).filter((name) => !scripts.includes(name)).map((name) => `${file}: npm run ${name}`),
    );
    expect(unknown).to.deep.equal([]);
  });

  it("names only rx: commands that exist", function () {
    const unknown = all.flatMap(({ file, text }) =>
      [...new Set([...text.matchAll(/\b(rx:[a-z-]+)/g)].map((m) => m[1]))].filter((name) => !(name in hre.tasks)).map((name) => `${file}: ${name}`),
    );
    expect(unknown).to.deep.equal([]);
  });

  it("documents every rx: command in docs/commands.md", function () {
    const commandsPage = read("docs/commands.md");
    const tasks = Object.keys(hre.tasks).filter((name) => name.startsWith("rx:"));
    expect(tasks.filter((name) => !commandsPage.includes(`\`${name}\``))).to.deep.equal([]);
  });

  it("passes to each rx: command only flags it declares, on every page", function () {
    const unknown: string[] = [];
    for (const { file, text } of all) {
      for (const m of text.matchAll(/npx hardhat (?:\$N |--network \w+ )?(rx:[a-z-]+)([^\n`]*)/g)) {
        const definition = hre.tasks[m[1]];
        const declared = new Set(Object.keys(definition?.paramDefinitions ?? {}).map((p) => p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
        for (const flag of m[2].matchAll(/--([a-z-]+)/g)) {
          if (flag[1] !== "network" && !declared.has(flag[1])) unknown.push(`${file}: ${m[1]} --${flag[1]}`);
        }
      }
    }
    expect(unknown).to.deep.equal([]);
  });

  it("links only to files that exist, and to headings that exist", function () {
    const broken: string[] = [];
    for (const { file, text } of all) {
      const prose = text.replace(/```[\s\S]*?```/g, "");
      const targets = [...prose.matchAll(/\]\(([^)\s]+)\)/g), ...prose.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]);
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [relative, anchor] = target.split("#");
        const resolved = relative === "" ? path.join(root, file) : path.join(root, path.dirname(file), decodeURIComponent(relative));
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} (no file ${path.relative(root, resolved)})`);
          continue;
        }
        if (anchor && resolved.endsWith(".md") && !headingSlugs(readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${file}: ${target} (no heading #${anchor} in ${path.relative(root, resolved)})`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });
});

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  for (const m of prose.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    let unique = slug;
    for (let n = 1; slugs.has(unique); n++) unique = `${slug}-${n}`;
    slugs.add(unique);
  }
  return slugs;
}
