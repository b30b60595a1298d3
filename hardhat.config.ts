import "@nomicfoundation/hardhat-toolbox";
import "dotenv/config";
import "./tasks";
import { registerReliableRpc } from "./src/chain/reliable";
import { installScanProgress } from "./src/chain/scan-progress";
import { installTxPolicy } from "./src/chain/public-tx";
import { explorerApiKey } from "./src/chain/explorer";
import { extendEnvironment, subtask } from "hardhat/config";
import { oneLineError } from "./src/commands/shared/cli";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig, HttpNetworkUserConfig } from "hardhat/types";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The one Solidity compiler we build with. Hardhat cannot download compilers on
 * these machines, so the build comes from the npm `solc` package pinned in
 * package.json at exactly this version (see the subtask override below).
 */
const SOLC_VERSION = "0.8.28";
const SOLC_LONG_VERSION = "0.8.28+commit.7893614a";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  const solcDir = path.dirname(require.resolve("solc/package.json"));
  const installed = (JSON.parse(readFileSync(path.join(solcDir, "package.json"), "utf8")) as { version: string }).version;
  if (installed !== SOLC_VERSION) {
    throw new Error(
      `solc: package.json pins ${SOLC_VERSION} but node_modules/solc is ${installed}; run \`npm ci\``,
    );
  }
  return {
    compilerPath: path.join(solcDir, "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: SOLC_LONG_VERSION,
  };
});

/**
 * Public networks read their RPC URL and key from `.env`. A missing variable is
 * reported only when that network is selected, so `npm test` needs no `.env`.
 */
const PUBLIC_NETWORKS: Record<string, { chainId: number; urlVar: string }> = {
  amoy: { chainId: 80002, urlVar: "AMOY_RPC_URL" },
  polygon: { chainId: 137, urlVar: "POLYGON_RPC_URL" },
};
const KEY_VAR = "DEPLOYER_PRIVATE_KEY";

function publicNetwork(name: string): HttpNetworkUserConfig {
  const { chainId, urlVar } = PUBLIC_NETWORKS[name];
  const key = process.env[KEY_VAR];
  // Partners' own keys, when one machine acts for several (tests, demos): comma-separated.
  const partnerKeys = (process.env.PARTNER_PRIVATE_KEYS ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  return {
    chainId,
    // A syntactically valid placeholder: the check in extendEnvironment stops any use of it. Without a key the
    // network has no accounts: read-only commands work, a command that signs names DEPLOYER_PRIVATE_KEY.
    url: process.env[urlVar] || "http://missing-rpc-url.invalid",
    accounts: key ? [key, ...partnerKeys] : [],
  };
}

/**
 * Hardhat's command line ends with `process.exit` as soon as a task returns, while output to a pipe is still
 * queued in memory: `npx hardhat rx:import … | tail` lost thousands of lines and the `done:` summary. The exit
 * waits until stdout and stderr have handed everything to the pipe (a write's callback runs once every
 * earlier write is flushed), for at most RXTRACE_EXIT_FLUSH_MS (default 60 s) if the reader never reads.
 */
function exitAfterOutputDrains(): void {
  const exit = process.exit.bind(process);
  let exiting = false;
  process.exit = ((code?: number | string | null) => {
    const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0 && !s.destroyed);
    if (pending.length === 0 || exiting) return exit(code);
    exiting = true;
    if (code !== undefined && code !== null) process.exitCode = code;
    const limit = Number(process.env.RXTRACE_EXIT_FLUSH_MS) > 0 ? Number(process.env.RXTRACE_EXIT_FLUSH_MS) : 60_000;
    const flushed = pending.map((s) => new Promise<void>((resolve) => s.write("", () => resolve())));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, limit).unref());
    void Promise.race([Promise.all(flushed), deadline]).then(() => exit());
    return undefined as never;
  }) as typeof process.exit;
}
// The mutation runner's workers exit on purpose mid-run (scripts/mutation.ts): their exit stays immediate.
if (process.env.RXTRACE_MUTATION !== "1") exitAfterOutputDrains();

// On HTTP networks every request goes through a retrying layer: reads back off and retry on transport
// faults, a transaction lost in transit is looked up by hash before the same bytes are sent again.
registerReliableRpc();
// On amoy and polygon: Polygon's minimum priority fee, the RXTRACE_MAX_FEE_GWEI cap, and waiting for the
// `finalized` block before a result is called final (src/chain/public-tx.ts).
extendEnvironment((hre) => installTxPolicy(hre));
// A long scan of history over a range-limited RPC prints a progress line on stderr (src/chain/events/logs.ts).
installScanProgress();

extendEnvironment((hre) => {
  const spec = PUBLIC_NETWORKS[hre.network.name];
  if (!spec || process.env[spec.urlVar]) return;
  // Only the RPC URL is needed by every command; the key is asked for when a command signs (resolveSigner in
  // src/commands/shared/cli.ts), so a pharmacist verifies a pack with no key on the machine.
  throw oneLineError(
    `network "${hre.network.name}" needs ${spec.urlVar} in .env (see .env.example); missing: ${spec.urlVar}`,
  );
});

// `npm run mutation` (scripts/mutation.ts) writes each mutant's artifact to a folder of its own, so a
// mutation run never disturbs the artifacts of the working tree; legacy-pipeline builds without viaIR are
// larger than 24 KB, which only the mutation run deploys.
const MUTATION = process.env.RXTRACE_MUTATION === "1";

const config: HardhatUserConfig = {
  ...(MUTATION
    ? {
        paths: {
          artifacts: process.env.RXTRACE_MUTATION_ARTIFACTS ?? ".mutation/artifacts",
          cache: process.env.RXTRACE_MUTATION_CACHE ?? ".mutation/cache",
        },
      }
    : {}),
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Polygon PoS and Amoy run the Cancun opcodes since the Napoli upgrade.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      viaIR: true,
      // The storage layouts of RxTrace and RxTraceExtension must match (test/StorageLayout.test.ts).
      outputSelection: { "*": { "*": ["storageLayout"] } },
    },
  },
  networks: {
    hardhat: {
      // Polygon PoS runs the Prague transaction rules (Bhilai upgrade), so gas is measured under them.
      hardfork: "prague",
      // `HARDHAT_CHAIN_ID=80002 npm run node` stands in for Amoy (see the end-to-end test).
      chainId: Number(process.env.HARDHAT_CHAIN_ID || 31337),
      // Estimate every transaction, as on a real network: a refused command fails at estimation and
      // nothing is mined (by default the in-process network would mine it as a reverted transaction).
      gas: "auto",
      allowUnlimitedContractSize: MUTATION,
    },
    localhost: {
      url: process.env.LOCALHOST_RPC_URL || "http://127.0.0.1:8545",
      // Said explicitly: left unset, hardhat-ethers gives every transaction to a `hardhat node` the block gas
      // limit without estimating, so a refused command is mined as a failed transaction (gas spent). Estimated,
      // it fails before sending with the contract's error, as on amoy/polygon and the in-process network.
      gas: "auto",
    },
    amoy: publicNetwork("amoy"),
    polygon: publicNetwork("polygon"),
  },
  // Source verification through the Etherscan V2 API: one etherscan.io key for every chain (Amoy 80002 and
  // Polygon 137 are among hardhat-verify's chains); the old POLYGONSCAN_API_KEY is still read, with a warning.
  etherscan: {
    apiKey: explorerApiKey(),
  },
  sourcify: { enabled: false },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
  },
  mocha: {
    timeout: 300_000,
    // Test files run in two worker processes: the end-to-end suites mostly wait on child processes.
    parallel: true,
    jobs: 2,
  },
};

export default config;
