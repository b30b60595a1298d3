/**
 * The code layout of src/index.ts, checked on the resolved import graph (eslint.config.mjs checks the same
 * by import text): no import cycle between modules of src/, nothing imports from scripts/ (npm-script entry
 * points only), the browser-safe folders import no Node module, native or Hardhat package and nothing
 * Node-side, and the page (web/src) imports only browser-safe folders (type-only imports vanish at build).
 */
import { expect } from "chai";
import { builtinModules } from "node:module";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const BROWSER_SAFE = ["src/gs1", "src/domain", "src/signing", "src/chain/events"];
const NODE_PACKAGES = /^(keccak|node-gyp-build|hardhat|@nomicfoundation\/|dotenv|qrcode)(\/|$)/;
const BUILTINS = new Set(builtinModules);

interface Import {
  /** As written. */
  specifier: string;
  /** The file it resolves to, relative to the root, for a relative import of a TypeScript file. */
  target?: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return [dir];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : tsFiles(rel);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

function resolve(from: string, specifier: string): string | undefined {
  const base = path.resolve(ROOT, path.dirname(from), specifier);
  for (const file of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    if (existsSync(file) && statSync(file).isFile()) return path.relative(ROOT, file);
  }
  return undefined;
}

const importCache = new Map<string, Import[]>();

/** The imports, re-exports, `import()` and `require()` of a file. */
function importsOf(file: string): Import[] {
  const cached = importCache.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.ES2022, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) =>
    found.push({ specifier, typeOnly, target: specifier.startsWith(".") ? resolve(file, specifier) : undefined });
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = ts.isImportDeclaration(node) ? node.importClause : undefined;
      const named = clause?.namedBindings;
      const typeOnly = ts.isExportDeclaration(node)
        ? node.isTypeOnly
        : !!clause && (clause.isTypeOnly || (!clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  importCache.set(file, found);
  return found;
}

/** Every cycle of a directed graph, each as the path that closes it (first node repeated at the end). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const walk = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) walk(node);
  return cycles;
}

const inFolder = (file: string, folder: string) => file === folder || file.startsWith(`${folder}/`);
const isBrowserSafe = (file: string) => BROWSER_SAFE.some((folder) => inFolder(file, folder));

/** Why an import of a browser-safe module is not browser-safe, or undefined. */
function nodeOnlyImport(imp: Import): string | undefined {
  const bare = imp.specifier.replace(/^node:/, "");
  if (imp.specifier.startsWith("node:") || BUILTINS.has(bare) || BUILTINS.has(bare.split("/")[0])) return "a Node module";
  if (NODE_PACKAGES.test(imp.specifier)) return "a native or Hardhat package";
  if (imp.specifier.startsWith(".")) {
    if (!imp.target) return "a file that does not resolve";
    if (!isBrowserSafe(imp.target) && !inFolder(imp.target, "typechain-types")) return "a Node-side module";
  }
  return undefined;
}

describe("Code layout (src/index.ts)", function () {
  const src = tsFiles("src");
  const everyFile = [...src, ...tsFiles("tasks"), ...tsFiles("test"), ...tsFiles("web"), "hardhat.config.ts"];

  describe("cyclesOf", function () {
    it("finds a cycle of three modules and none in a chain", function () {
      const cyclic = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
      expect(cyclesOf(cyclic)).to.deep.equal([["a", "b", "c", "a"]]);
      expect(cyclesOf(new Map([["a", ["b"]], ["b", ["c"]], ["d", ["a", "c"]]]))).to.deep.equal([]);
    });
  });

  it("holds the library in src/ and only npm-script entry points in scripts/", function () {
    expect(src.length).to.be.greaterThan(40);
    const scripts = readdirSync(path.join(ROOT, "scripts")).sort();
    expect(scripts).to.deep.equal(["bench.ts", "check-coverage.ts", "demo.ts", "deploy.ts", "mutation-report.ts", "mutation.ts"]);
  });

  it("gives every folder of src/ an index.ts with a header comment", function () {
    const folders = [...new Set(src.map((f) => path.dirname(f)))];
    const missing = folders.filter((dir) => !existsSync(path.join(ROOT, dir, "index.ts")) || !readFileSync(path.join(ROOT, dir, "index.ts"), "utf8").startsWith("/**"));
    expect(missing).to.deep.equal([]);
  });

  it("resolves every relative import of src/, tasks/, test/ and web/", function () {
    const unresolved = everyFile.flatMap((file) => importsOf(file).filter((i) => i.specifier.startsWith(".") && !i.target && !i.specifier.includes("typechain-types")).map((i) => `${file}: ${i.specifier}`));
    expect(unresolved).to.deep.equal([]);
  });

  it("has no import cycle between modules of src/", function () {
    const graph = new Map(src.map((file) => [file, importsOf(file).flatMap((i) => (i.target && inFolder(i.target, "src") ? [i.target] : []))]));
    expect(cyclesOf(graph).map((cycle) => cycle.join(" -> "))).to.deep.equal([]);
  });

  it("imports nothing from scripts/ outside scripts/", function () {
    const fromScripts = everyFile.flatMap((file) => importsOf(file).filter((i) => i.target && inFolder(i.target, "scripts")).map((i) => `${file}: ${i.specifier}`));
    expect(fromScripts).to.deep.equal([]);
  });

  it("keeps the browser-safe folders free of Node modules, native packages and Node-side modules", function () {
    const safe = src.filter(isBrowserSafe);
    expect(safe.length).to.be.greaterThan(10);
    const bad = safe.flatMap((file) => importsOf(file).flatMap((i) => {
      const why = nodeOnlyImport(i);
      return why ? [`${file}: ${i.specifier} (${why})`] : [];
    }));
    expect(bad).to.deep.equal([]);
  });

  it("lets the page (web/src) import only browser-safe folders, types excepted", function () {
    const page = tsFiles("web/src");
    expect(page.length).to.be.greaterThan(0);
    const bad = page.flatMap((file) => importsOf(file).flatMap((i) => {
      const own = i.target !== undefined && inFolder(i.target, "web/src");
      const why = i.typeOnly || own ? undefined : nodeOnlyImport(i);
      return why ? [`${file}: ${i.specifier} (${why})`] : [];
    }));
    expect(bad).to.deep.equal([]);
  });

  it("flags a Node-only import the way the checks above do", function () {
    expect(nodeOnlyImport({ specifier: "node:fs", typeOnly: false })).to.equal("a Node module");
    expect(nodeOnlyImport({ specifier: "path", typeOnly: false })).to.equal("a Node module");
    expect(nodeOnlyImport({ specifier: "keccak", typeOnly: false })).to.equal("a native or Hardhat package");
    expect(nodeOnlyImport({ specifier: "../merkle/keccak", target: "src/merkle/keccak.ts", typeOnly: false })).to.equal("a Node-side module");
    expect(nodeOnlyImport({ specifier: "../domain/ids", target: "src/domain/ids.ts", typeOnly: false })).to.equal(undefined);
    expect(nodeOnlyImport({ specifier: "ethers", typeOnly: false })).to.equal(undefined);
  });
});
