// The TypeScript linter of `npm run lint` (with solhint for contracts/ and tsc --noEmit).
import { builtinModules } from "node:module";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layout (src/index.ts): browser-safe folders import no Node module, no native or Hardhat package and
// nothing Node-side of src/; the page (web/src) imports only the browser-safe folders (types excepted: they
// vanish at build). test/Layout.test.ts checks the same on the resolved import graph, and cycles.
const BROWSER_SAFE = ["gs1", "domain", "signing", "chain/events"];
const NODE_SIDE = ["chain", "commands", "merkle", "manifests", "files", "scenario", "bench", "vrs"];
const nodeOnly = [
  { regex: `^(node:|(${builtinModules.filter((m) => !m.startsWith("_")).join("|")})(/|$))`, message: "Browser-safe code imports no Node module." },
  { regex: "^(keccak|node-gyp-build|hardhat|@nomicfoundation/|dotenv|qrcode)(/|$)", message: "Browser-safe code imports no native or Hardhat package." },
];
// From a file `depth` folders below src/, the relative imports that reach a Node-side folder of src/ (or leave src/
// for anything but the typechain types).
const nodeSideFrom = (depth) => {
  const up = "\\.\\./".repeat(depth);
  return [
    { regex: `^${up}(${NODE_SIDE.filter((f) => f !== "chain").join("|")})(/|$)`, message: "Browser-safe code imports only browser-safe folders (src/index.ts)." },
    { regex: `^${up}chain(/(?!events(/|$)).*)?$`, message: "Browser-safe code imports from src/chain only its events/ folder." },
    { regex: `^${up}\\.\\./(?!typechain-types(/|$))`, message: "Browser-safe code imports nothing outside src/ but the typechain types." },
  ];
};

export default tseslint.config(
  {
    ignores: ["node_modules/", "artifacts/", "cache/", "typechain-types/", "coverage/", "dist/", "web/dist/", "test-output/", ".coverage_*/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    // Nothing imports from scripts/: it holds npm-script entry points only.
    files: ["**/*.ts"],
    ignores: ["scripts/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "^(\\./|(\\.\\./)+)scripts(/|$)", message: "scripts/ holds entry points only: import from src/." }] }],
    },
  },
  {
    files: ["src/gs1/**/*.ts", "src/domain/**/*.ts", "src/signing/**/*.ts"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [...nodeOnly, ...nodeSideFrom(1)] }] },
  },
  {
    files: ["src/chain/events/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [...nodeOnly, { regex: "^\\.\\./(?!\\.\\./|events(/|$))", message: "src/chain/events imports nothing Node-side of src/chain." }, ...nodeSideFrom(2)] },
      ],
    },
  },
  {
    files: ["web/src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            ...nodeOnly,
            {
              regex: `^\\.\\./\\.\\./src/(?!(${BROWSER_SAFE.join("|")})(/|$))`,
              allowTypeImports: true,
              message: "The page imports only the browser-safe folders of src/ (src/index.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { module: "writable", require: "readonly", process: "readonly", console: "readonly", __dirname: "readonly" } },
  },
);
