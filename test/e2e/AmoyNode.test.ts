import { expect } from "chai";
import hre from "hardhat";
import { HDNodeWallet } from "ethers";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import type { DeploymentRecord } from "../../src/chain/deployment";
import { Verdict } from "../../src/domain/enums";
import { formatGln } from "../../src/gs1/identifiers";
import type { PackReport } from "../../src/domain/provenance";
import { CAST } from "../../src/scenario/scenario";
import { loggerAfterTrip, rpcSend } from "../logger-trip";
import { childEnv, hardhat, startNode, type Node, type Run } from "./processes";
import { tempDir } from "../tmp";

const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const EXAMPLES = path.join(__dirname, "..", "..", "examples");
const GTIN = "00312345000172";
const LOT = "E2E-0001";

/** The shipment id a `rx:ship` run printed. */
function shipmentIdIn(run: Run): string {
  const m = /shipment (0x[0-9a-f]{64})/.exec(run.stdout);
  if (!m) throw new Error(`no shipment id in:\n${run.stdout}\n${run.stderr}`);
  return m[1];
}

/**
 * A real `hardhat node` on a free localhost port with Amoy's chain id, the suite deployed through the deploy
 * script on the `amoy` network (RPC URL and keys from the environment, as from .env), and a journey run
 * through the commands as separate processes, as a user would.
 */
describe("End to end: a local node standing in for Polygon Amoy", function () {
  this.timeout(600_000);
  let node: Node | undefined;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const runs: Record<string, Run> = {};
  let stuckHash: string | undefined;
  let stuckPending: { blockNumber: string | null; nonce: string } | null = null;
  let feeOf: (hash: string) => Promise<{ maxPriorityFeePerGas: string; maxFeePerGas: string }>;

  before(async function () {
    // The node's funded development accounts, derived from the configured mnemonic (no key in the code).
    const accounts = hre.config.networks.hardhat.accounts as HardhatNetworkHDAccountsConfig;
    const keys = Array.from({ length: 10 }, (_, i) => HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${i}`).privateKey);
    node = await startNode(childEnv({ HARDHAT_CHAIN_ID: "80002" }));
    dir = tempDir("rx-e2e-");
    env = childEnv({ AMOY_RPC_URL: node.url, DEPLOYER_PRIVATE_KEY: keys[0], PARTNER_PRIVATE_KEYS: keys.slice(1).join(","), RXTRACE_DEPLOYMENTS_DIR: dir });
    const rx = (args: string[]) => hardhat([...args, "--network", "amoy"], env);
    const signer = (key: string) => String(["admin", "pauser", "manufacturer", "otherManufacturer", "distributor", "distributor2", "pharmacy"].indexOf(key));
    const address = (key: string) => HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${signer(key)}`).address;

    // An EOA admin on a public network is refused unless told RXTRACE_I_KNOW=true; the journey below uses one on purpose
    // (the deployer onboards the manufacturer itself rather than through a timelock).
    runs.eoaAdmin = await hardhat(["run", "scripts/deploy.ts", "--network", "amoy"], { ...env, RXTRACE_ADMIN: address("admin") });
    const deployEnv = { ...env, RXTRACE_ADMIN: address("admin"), RXTRACE_I_KNOW: "true" };
    runs.deploy = await hardhat(["run", "scripts/deploy.ts", "--network", "amoy"], deployEnv);
    runs.redeploy = await hardhat(["run", "scripts/deploy.ts", "--network", "amoy"], deployEnv);
    for (const key of ["manufacturer", "distributor", "pharmacy"]) {
      const member = CAST.find((m) => m.key === key)!;
      const prefix = member.prefixes.length ? ["--prefix", member.prefixes.join(",")] : [];
      runs[`onboard-${key}`] = await rx([
        "rx:onboard", "--account", address(key), "--role", ({ 1: "manufacturer", 2: "distributor", 3: "dispenser" } as Record<number, string>)[member.role],
        "--gln", gln(key), "--name", member.name, "--licence-expiry", `${new Date().getUTCFullYear() + 1}-12-31`, "--licence-ref", hre.ethers.id(member.name), ...prefix,
      ]);
    }
    runs.commission = await rx([
      "rx:commission", "--gtin", GTIN, "--lot", LOT, "--expiry", "280331", "--quantity", "12", "--min-temp", "2", "--max-temp", "8",
      "--certificate", path.join(EXAMPLES, "certificate-A24-0001.txt"), "--certificate-uri", "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
      "--serials", path.join(EXAMPLES, "serials-A24-0001.txt"), "--signer", signer("manufacturer"),
    ]);
    // A serialized lot reaches the pharmacy only in pack legs: the distributor gets named packs, then ship2 picks 4 of them.
    runs.ship1 = await rx(["rx:ship", "--gtin", GTIN, "--lot", LOT, "--to", gln("distributor"), "--serials", path.join(EXAMPLES, "to-northline-A24-0001.txt"), "--signer", signer("manufacturer")]);
    runs.receive1 = await rx(["rx:receive", "--shipment", shipmentIdIn(runs.ship1), "--logger", await loggerAfterTrip(rpcSend(node.url), path.join(EXAMPLES, "logger-good.csv")), "--signer", signer("distributor")]);
    runs.ship2 = await rx(["rx:ship", "--gtin", GTIN, "--lot", LOT, "--to", gln("pharmacy"), "--quantity", "4", "--signer", signer("distributor")]);
    runs.receive2 = await rx(["rx:receive", "--shipment", shipmentIdIn(runs.ship2), "--logger", await loggerAfterTrip(rpcSend(node.url), path.join(EXAMPLES, "logger-good.csv")), "--signer", signer("pharmacy")]);
    runs.dispense = await rx(["rx:dispense", "--gtin", GTIN, "--lot", LOT, "--serial", "SN000003", "--signer", signer("pharmacy")]);
    runs.verifyGenuine = await rx(["rx:verify", "--link", `https://id.example.org/01/${GTIN}/10/${LOT}/21/SN000004?17=280331`, "--holder", gln("pharmacy"), "--json"]);
    runs.verifyDispensed = await rx(["rx:verify", "--gtin", GTIN, "--lot", LOT, "--serial", "SN000003", "--json"]);
    runs.strangerShips = await rx(["rx:ship", "--gtin", GTIN, "--lot", LOT, "--to", gln("pharmacy"), "--quantity", "1", "--signer", "9"]);
    runs.missingEnv = await hardhat(["rx:deploy", "--network", "amoy"], childEnv({ DEPLOYER_PRIVATE_KEY: keys[0] }));
    const onboard = (key: string) => {
      const member = CAST.find((m) => m.key === key)!;
      return ["rx:onboard", "--account", address(key), "--role", "distributor", "--gln", gln(key), "--name", member.name, "--licence-expiry", `${new Date().getUTCFullYear() + 1}-12-31`, "--licence-ref", hre.ethers.id(member.name), "--network", "amoy"];
    };
    // A fee cap under Polygon's minimum priority fee: refused before signing.
    runs.overCap = await hardhat(onboard("distributor2"), { ...env, RXTRACE_MAX_FEE_GWEI: "10" });
    // No block is mined any more: the transaction is sent and stays pending; the command reports it stuck.
    const send = rpcSend(node.url);
    await send("evm_setAutomine", [false]);
    try {
      runs.stuck = await hardhat(onboard("distributor2"), { ...env, RXTRACE_RECEIPT_TIMEOUT_MS: "4000" });
      stuckHash = /tx (0x[0-9a-f]{64}) \(nonce (\d+) of (0x[0-9a-fA-F]{40})/.exec(runs.stuck.stdout + runs.stuck.stderr)?.[1];
      stuckPending = stuckHash ? ((await send("eth_getTransactionByHash", [stuckHash])) as { blockNumber: string | null; nonce: string } | null) : null;
    } finally {
      await send("evm_setAutomine", [true]);
      await send("evm_mine", []);
    }
    feeOf = async (hash: string) => (await send("eth_getTransactionByHash", [hash])) as { maxPriorityFeePerGas: string; maxFeePerGas: string };
  });

  after(async function () {
    await node?.stop();
  });

  it("deploys through the deploy script and records chain 80002", function () {
    expect(runs.deploy.code, runs.deploy.stderr).to.equal(0);
    const record = JSON.parse(readFileSync(path.join(dir, "amoy.json"), "utf8")) as DeploymentRecord;
    expect([record.network, record.chainId, record.compiler.version]).to.deep.equal(["amoy", 80002, "0.8.28"]);
    expect(runs.deploy.stdout).to.include(`RxTrace deployed at ${record.contracts.RxTrace.address}`);
  });

  it("refuses an externally owned admin on a public network without RXTRACE_I_KNOW, naming the setting", function () {
    expect(runs.eoaAdmin.code).to.not.equal(0);
    expect(runs.eoaAdmin.stdout + runs.eoaAdmin.stderr).to.match(/refusing to deploy on "amoy": RXTRACE_ADMIN \(--admin\) is 0x[0-9a-fA-F]{40}, an externally owned account/);
    expect(runs.deploy.stdout).to.match(/WARNING \(deploying anyway, --i-know\): RXTRACE_ADMIN/);
  });

  it("refuses to overwrite the record of the live deployment", function () {
    expect(runs.redeploy.code).to.not.equal(0);
    expect(runs.redeploy.stdout + runs.redeploy.stderr).to.match(/records a live deployment at 0x[0-9a-fA-F]{40} \(chain 80002\); to replace it on purpose run `REDEPLOY=true npm run deploy -- --network amoy` or `npx hardhat rx:deploy --redeploy --network amoy`/);
  });

  for (const step of ["onboard-manufacturer", "onboard-distributor", "onboard-pharmacy", "commission", "ship1", "receive1", "ship2", "receive2", "dispense"]) {
    it(`runs ${step} as its own process, successfully`, function () {
      expect(runs[step].code, `${runs[step].stdout}\n${runs[step].stderr}`).to.equal(0);
      expect(runs[step].stdout).to.match(/tx 0x[0-9a-f]{64} block \d+ gas \d+/);
    });
  }

  it("verifies a genuine pack from its Digital Link: verdict Genuine, exit code 0, the legs in the timeline", function () {
    const report = JSON.parse(runs.verifyGenuine.stdout) as PackReport;
    expect([runs.verifyGenuine.code, report.verdict, report.expiryMatches]).to.deep.equal([0, "Genuine", true]);
    expect(report.timeline.map((e) => e.kind)).to.deep.equal(["commissioned", "shipped", "received", "shipped", "received"]);
  });

  it("verifies the dispensed pack: verdict AlreadyDispensed and its own exit code", function () {
    const report = JSON.parse(runs.verifyDispensed.stdout) as PackReport;
    expect([runs.verifyDispensed.code, report.verdict]).to.deep.equal([10 + Verdict.AlreadyDispensed, "AlreadyDispensed"]);
  });

  it("refuses an unauthorized signer with the contract's decoded error", function () {
    expect(runs.strangerShips.code).to.not.equal(0);
    expect(runs.strangerShips.stdout + runs.strangerShips.stderr).to.match(/PartnerNotAuthorized\(account=0x[0-9a-fA-F]{40}, standing=Unknown\)/);
  });

  it("pays Polygon's minimum priority fee of 25 gwei on chain 80002, where the node would take 1 gwei", async function () {
    const hash = /tx (0x[0-9a-f]{64})/.exec(runs.commission.stdout)![1];
    const tx = await feeOf(hash);
    expect(BigInt(tx.maxPriorityFeePerGas)).to.be.at.least(25_000_000_000n);
    expect(BigInt(tx.maxFeePerGas)).to.be.at.least(BigInt(tx.maxPriorityFeePerGas));
  });

  it("waits for the finalized block before it calls a result final", function () {
    for (const step of ["commission", "ship1", "receive1", "dispense"]) {
      const block = /tx 0x[0-9a-f]{64} block (\d+)/.exec(runs[step].stdout)![1];
      expect(runs[step].stdout, step).to.match(new RegExp(`final: block ${block} is finalized \\(finalized block \\d+\\)`));
    }
  });

  it("refuses, before signing, a transaction the fee cap cannot pay, naming RXTRACE_MAX_FEE_GWEI", function () {
    expect(runs.overCap.code).to.not.equal(0);
    expect(runs.overCap.stdout + runs.overCap.stderr).to.match(/fee cap 10\.0 gwei \(RXTRACE_MAX_FEE_GWEI=10\.0\) is below what a transaction needs on amoy now: .*Polygon's minimum is 25\.0 gwei.*Nothing was sent/);
  });

  it("reports a stuck transaction with its hash and nonce, and it is the one pending on the node", function () {
    expect(runs.stuck.code).to.not.equal(0);
    expect(runs.stuck.stdout + runs.stuck.stderr).to.match(/tx 0x[0-9a-f]{64} \(nonce \d+ of 0x[0-9a-fA-F]{40}, max fee [\d.]+ gwei, priority fee 25\.0 gwei\) is stuck: not mined within 4 s \(RXTRACE_RECEIPT_TIMEOUT_MS\)/);
    const nonce = /\(nonce (\d+) of/.exec(runs.stuck.stdout + runs.stuck.stderr)![1];
    expect(stuckPending).to.not.equal(null);
    expect([stuckPending!.blockNumber, Number(stuckPending!.nonce)]).to.deep.equal([null, Number(nonce)]);
  });

  it("names the missing .env variable when the amoy network is selected without it", function () {
    expect(runs.missingEnv.code).to.not.equal(0);
    expect(runs.missingEnv.stdout + runs.missingEnv.stderr).to.include("missing: AMOY_RPC_URL");
  });
});
