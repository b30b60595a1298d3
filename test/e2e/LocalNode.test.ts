import { expect } from "chai";
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider, Network } from "ethers";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import { formatGln } from "../../src/gs1/identifiers";
import type { PackReport } from "../../src/domain/provenance";
import { CAST } from "../../src/scenario/scenario";
import { childEnv, hardhat, runToEnd, startNode, type Node, type Run } from "./processes";
import { tempDir } from "../tmp";
import { schemaProblems } from "../epcis/schema";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");
const GTIN = "00312345000172";
const LOT = "NODE-0001";
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const output = (run: Run) => `${run.stdout}\n${run.stderr}`;
const HARDHAT = require.resolve("hardhat/internal/cli/bootstrap", { paths: [path.join(__dirname, "..", "..")] });

/** `script` run by bash (pipefail: the exit code is the command's, not the reader's), from the repository root. */
function shell(script: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Run> {
  return runToEnd("bash", ["-o", "pipefail", "-c", script], env, timeoutMs, `bash -c ${script}`);
}

/**
 * A real `hardhat node` with Amoy's chain id: commands run as separate processes, as a user runs them, on the
 * `amoy` network (its RPC URL pointing at the node) and on `localhost`.
 */
describe("End to end: commands on a real local node", function () {
  this.timeout(600_000);
  let node: Node | undefined;
  let dir: string;
  let direct: JsonRpcProvider;
  const accounts = hre.config.networks.hardhat.accounts as HardhatNetworkHDAccountsConfig;
  const wallet = (i: number) => HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${i}`);
  const SIGNER = { admin: 0, manufacturer: 2, distributor: 4, pharmacy: 6, stranger: 9 } as const;
  const address = (key: keyof typeof SIGNER) => wallet(SIGNER[key]).address;

  before(async function () {
    node = await startNode(childEnv({ HARDHAT_CHAIN_ID: "80002" }));
    direct = new JsonRpcProvider(node.url, Network.from(80002), { staticNetwork: true });
    dir = tempDir("rx-node-");
  });

  after(async function () {
    direct?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("on amoy, with no DEPLOYER_PRIVATE_KEY on the machine", function () {
    const runs: Record<string, Run> = {};
    const PIPED = 1_000;
    let pipedLines: string[] = [];
    let amoyRecordKept = false;

    before(async function () {
      const keys = Array.from({ length: 10 }, (_, i) => wallet(i).privateKey);
      const signing = childEnv({ AMOY_RPC_URL: node!.url, DEPLOYER_PRIVATE_KEY: keys[0], PARTNER_PRIVATE_KEYS: keys.slice(1).join(","), RXTRACE_DEPLOYMENTS_DIR: dir });
      const keyless = childEnv({ AMOY_RPC_URL: node!.url, RXTRACE_DEPLOYMENTS_DIR: dir });
      const amoy = (args: string[], env = signing) => hardhat([...args, "--network", "amoy"], env);
      // The deployer stays the admin on purpose (an EOA on a public network needs RXTRACE_I_KNOW; see docs/governance.md).
      runs.deploy = await hardhat(["run", "scripts/deploy.ts", "--network", "amoy"], { ...signing, RXTRACE_ADMIN: wallet(0).address, RXTRACE_I_KNOW: "true" });
      const member = CAST.find((m) => m.key === "manufacturer")!;
      runs.onboard = await amoy([
        "rx:onboard", "--account", address("manufacturer"), "--role", "manufacturer", "--gln", gln("manufacturer"), "--name", member.name,
        "--licence-expiry", `${new Date().getUTCFullYear() + 1}-12-31`, "--licence-ref", hre.ethers.id(member.name), "--prefix", member.prefixes.join(","),
      ]);
      runs.commission = await amoy([
        "rx:commission", "--gtin", GTIN, "--lot", LOT, "--expiry", "281231", "--quantity", "12", "--min-temp", "2", "--max-temp", "8",
        "--certificate", path.join(EXAMPLES, "certificate-A24-0001.txt"), "--certificate-uri", "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
        "--serials", path.join(EXAMPLES, "serials-A24-0001.txt"), "--signer", String(SIGNER.manufacturer),
      ]);
      // A large import piped into a reader that starts late (as `| tail` or a busy `| tee` does).
      const certificate = path.join(EXAMPLES, "certificate-A24-0001.txt");
      const lines = Array.from({ length: PIPED }, (_, i) => `${GTIN},PIPE-${String(i + 1).padStart(5, "0")},281231,10,2,8,${certificate},ipfs://QmPiped`);
      writeFileSync(path.join(dir, "piped.csv"), ["gtin,lot,expiry,quantity,min_temp,max_temp,certificate,certificate_uri", ...lines].join("\n") + "\n");
      const captured = path.join(dir, "piped.out");
      const importPiped = `"${process.execPath}" "${HARDHAT}" rx:import --file "${path.join(dir, "piped.csv")}" --signer ${SIGNER.manufacturer} --network amoy`;
      runs.firstImport = await shell(`${importPiped} | tail -n 1`, signing);
      // Run again, every batch is skipped: its 1,000 lines come in one burst at the end, faster than the reader.
      runs.piped = await shell(`${importPiped} | { sleep 3; tee "${captured}" | wc -l; }`, signing);
      pipedLines = readFileSync(captured, "utf8").split("\n").filter(Boolean);
      const recordBefore = readFileSync(path.join(dir, "amoy.json"), "utf8");
      runs.demo = await hardhat(["run", "scripts/demo.ts", "--network", "amoy"], signing);
      amoyRecordKept = readFileSync(path.join(dir, "amoy.json"), "utf8") === recordBefore;
      runs.verify = await amoy(["rx:verify", "--gtin", GTIN, "--lot", LOT, "--serial", "SN000001", "--json"], keyless);
      runs.partner = await amoy(["rx:partner", "--account", gln("manufacturer")], keyless);
      runs.shipments = await amoy(["rx:shipments"], keyless);
      runs.ship = await amoy(["rx:ship", "--gtin", GTIN, "--lot", LOT, "--to", address("distributor"), "--quantity", "1"], keyless);
    });

    it("set up the lot with the key", function () {
      for (const step of ["deploy", "onboard", "commission"]) expect(runs[step].code, output(runs[step])).to.equal(0);
    });

    it("delivers the done: summary of a 1,000-batch rx:import piped into tail", function () {
      expect(runs.firstImport.code, output(runs.firstImport)).to.equal(0);
      expect(runs.firstImport.stdout).to.equal(`done: ${PIPED} commissioned, 0 skipped, 0 failed\n`);
    });

    it("delivers every line of the import run again, and its done: summary, through a pipe to a slow reader", function () {
      expect(runs.piped.code, output(runs.piped)).to.equal(0);
      expect(runs.piped.stdout.trim()).to.equal(String(PIPED + 2));
      expect(pipedLines.length).to.equal(PIPED + 2);
      expect(pipedLines.filter((line, k) => line.startsWith(`[${k}/${PIPED}] `) && line.includes(": skipped, already on-chain")).length).to.equal(PIPED);
      expect(pipedLines[PIPED + 1]).to.equal(`done: 0 commissioned, ${PIPED} skipped, 0 failed`);
    });

    it("refuses to run the demo on amoy and keeps its deployment record", function () {
      expect(runs.demo.code).to.not.equal(0);
      expect(output(runs.demo)).to.include('the demo deploys a new suite and onboards made-up partners, so it refuses network "amoy"');
      expect(output(runs.demo)).to.include("RXTRACE_DEMO_ON_LIVE=1");
      expect(amoyRecordKept).to.equal(true);
    });

    it("verifies a pack: rx:verify answers with its verdict", function () {
      expect(runs.verify.code, output(runs.verify)).to.equal(0);
      expect((JSON.parse(runs.verify.stdout) as PackReport).verdict).to.equal("Genuine");
    });

    it("prints a partner's record: rx:partner", function () {
      expect(runs.partner.code, output(runs.partner)).to.equal(0);
      expect(runs.partner.stdout).to.include(address("manufacturer"));
    });

    it("lists the shipments in transit: rx:shipments", function () {
      expect(runs.shipments.code, output(runs.shipments)).to.equal(0);
    });

    it("asks for DEPLOYER_PRIVATE_KEY only when a command signs", function () {
      expect(runs.ship.code).to.not.equal(0);
      expect(output(runs.ship)).to.include("this command sends a transaction, so set DEPLOYER_PRIVATE_KEY in .env");
    });
  });

  describe("on localhost, when the contract refuses a command", function () {
    let deploy: Run;
    let refused: Run;
    let demoFresh: Run;
    let demo: Run;
    let blocksDuringDemo = -1;
    let before_: { nonce: number; balance: string; block: number };
    let after_: { nonce: number; balance: string; block: number };

    before(async function () {
      const env = childEnv({ LOCALHOST_RPC_URL: node!.url, RXTRACE_DEPLOYMENTS_DIR: dir });
      // A serial file left from a local chain of yesterday (same folder, same contract address on a fresh node).
      mkdirSync(path.join(dir, "localhost", "serials"), { recursive: true });
      writeFileSync(path.join(dir, "localhost", "serials", "0xstale.json"), "{}");
      deploy = await hardhat(["run", "scripts/deploy.ts", "--network", "localhost"], env);
      expect(deploy.code, output(deploy)).to.equal(0);
      const state = async () => ({
        nonce: await direct.getTransactionCount(address("stranger"), "latest"),
        balance: (await direct.getBalance(address("stranger"))).toString(),
        block: await direct.getBlockNumber(),
      });
      // The demo over the record of a live deployment on the node: refused, nothing sent.
      const blockBefore = await direct.getBlockNumber();
      demo = await hardhat(["run", "scripts/demo.ts", "--network", "localhost"], env);
      blocksDuringDemo = (await direct.getBlockNumber()) - blockBefore;
      before_ = await state();
      // A stranger (never onboarded) suspends the admin: only the admin may, the contract refuses.
      refused = await hardhat(["rx:suspend", "--account", address("admin"), "--signer", String(SIGNER.stranger), "--network", "localhost"], env);
      after_ = await state();
      // The whole demo on the same node, with a deployment folder of its own (no record: it runs).
      demoFresh = await hardhat(["run", "scripts/demo.ts", "--network", "localhost"], childEnv({ LOCALHOST_RPC_URL: node!.url, RXTRACE_DEPLOYMENTS_DIR: tempDir("rx-node-demo-") }), 300_000);
    });

    it("moves the files of the previous local chain aside when deploying, and says where", function () {
      expect(existsSync(path.join(dir, "localhost", "serials", "0xstale.json"))).to.equal(false);
      const aside = readdirSync(dir).filter((name) => name.startsWith("localhost.replaced-unknown-"));
      expect(aside).to.have.length(1);
      expect(existsSync(path.join(dir, aside[0], "serials", "0xstale.json"))).to.equal(true);
      expect(deploy.stdout).to.include(`(serial files and manifests of the previous deployment (no record)) to `);
    });

    it("refuses to run the demo over the live deployment its record points at, sending nothing", function () {
      expect(demo.code).to.not.equal(0);
      expect(output(demo)).to.match(/localhost\.json records a live deployment at 0x[0-9a-fA-F]{40} \(chain 80002\): the demo would replace it/);
      expect(blocksDuringDemo).to.equal(0);
    });

    it("prints the contract's decoded custom error and exits non-zero", function () {
      expect(refused.code).to.not.equal(0);
      expect(output(refused)).to.match(/the contract refused: AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=0x[0-9a-f]{64}\)/);
    });

    it("says it in one line on a machine without a display (no HardhatPluginError stack)", function () {
      // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
      const lines = refused.stderr.replace(/\u001b\[[0-9;]*m/g, "").split("\n").filter((line) => line.trim() !== "");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^Error in plugin rxtrace: the contract refused: AccessControlUnauthorizedAccount/);
    });

    it("runs the demo on a node without a record, printing commands that can be pasted as they are", function () {
      expect(demoFresh.code, output(demoFresh)).to.equal(0);
      const commands = demoFresh.stdout.split("\n").filter((line) => line.startsWith("$ npx hardhat "));
      expect(commands.length).to.be.greaterThan(20);
      expect(commands.filter((line) => !line.includes(" --network localhost"))).to.deep.equal([]);
      expect(commands.filter((line) => / --[a-z-]+ true\b/.test(line))).to.deep.equal([]);
      expect(commands).to.include("$ npx hardhat rx:deploy --redeploy --network localhost");
      expect(commands.some((line) => line.includes(" --all-remaining --signer "))).to.equal(true);
    });

    it("ends the demo with an EPCIS 2.0 document of its lot that the EPCIS 2.0 JSON Schema accepts", function () {
      const file = /EPCIS document: (\S+) \((\d+) events\)/.exec(demoFresh.stdout);
      expect(file, output(demoFresh)).to.not.equal(null);
      const document = JSON.parse(readFileSync(file![1], "utf8")) as { epcisBody: { eventList: { bizStep: string }[] } };
      expect(schemaProblems(document)).to.deep.equal([]);
      expect(document.epcisBody.eventList.map((e) => e.bizStep)).to.include.members(["commissioning", "shipping", "receiving", "dispensing"]);
    });

    it("mines nothing: the sender's nonce and balance and the block number are unchanged", function () {
      expect(after_).to.deep.equal(before_);
    });
  });
});
