import { expect } from "chai";
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider, Network } from "ethers";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import type { RxTrace } from "../../typechain-types";
import { RxTrace__factory } from "../../typechain-types/factories/contracts/RxTrace__factory";
import type { DeploymentRecord } from "../../src/chain/deployment";
import { ShipmentStatus } from "../../src/domain/enums";
import { formatGln } from "../../src/gs1/identifiers";
import { batchIdOf } from "../../src/domain/ids";
import { CAST } from "../../src/scenario/scenario";
import { FAULTS, startFlakyProxy, type FlakyProxy } from "./flaky-proxy";
import { loggerAfterTrip, rpcSend } from "../logger-trip";
import { childEnv, hardhat, startNode, type Node, type Run } from "./processes";
import { tempDir } from "../tmp";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");
const GTIN = "00312345000172";
const BATCHES = 200;
const LOTS = Array.from({ length: BATCHES }, (_, i) => `FLAKY-${String(i + 1).padStart(4, "0")}`);
const SUMMARY = /^retried: \d+ requests? .*; resent \d+ transactions?, (\d+) duplicates?$/m;
const ATTEMPTS = 5;
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const SIGNER: Record<string, number> = { admin: 0, manufacturer: 2, distributor: 4, pharmacy: 6, regulator: 8 };

/**
 * A real `hardhat node` (Amoy's chain id) behind a flaky JSON-RPC proxy that drops, delays and errors a share
 * of the requests and loses the answers of some that it forwarded, with one outage longer than the commands'
 * retries. The commands run through it as separate processes on the `amoy` path (keys signed locally); a
 * command that fails is run again (the resume). Then the node is asked DIRECTLY: every operation is on-chain
 * exactly once.
 */
describe("Scripts under faults: a flaky JSON-RPC proxy between the commands and a node", function () {
  this.timeout(240_000);
  let node: Node | undefined;
  let proxy: FlakyProxy | undefined;
  let direct: JsonRpcProvider | undefined;
  let rx: RxTrace;
  let env: NodeJS.ProcessEnv;
  let address: (key: string) => string;
  const runs: Record<string, Run[]> = {};
  let lostCase: { run: Run; proxy: FlakyProxy; nonceBefore: number };

  /**
   * The focused case: one transaction (the admin onboards the regulator) through a proxy that forwards the
   * first eth_sendRawTransaction and loses its answer, and injects nothing else.
   */
  async function loseOneAnswer(): Promise<typeof lostCase> {
    const lost = await startFlakyProxy({ target: node!.url, forced: { "eth_sendRawTransaction#1": "lostResponse" }, deadlineMs: 90_000 });
    try {
      const nonceBefore = await direct!.getTransactionCount(address("admin"));
      const member = CAST.find((m) => m.key === "regulator")!;
      const run = await hardhat(
        ["rx:onboard", "--account", address("regulator"), "--role", "regulator", "--gln", gln("regulator"), "--name", member.name, "--licence-expiry", `${new Date().getUTCFullYear() + 1}-12-31`, "--licence-ref", hre.ethers.id(member.name), "--network", "amoy"],
        { ...env, AMOY_RPC_URL: lost.url },
      );
      return { run, proxy: lost, nonceBefore };
    } finally {
      await lost.close();
    }
  }

  /** Runs a command until it succeeds or `done()` says (asking the node directly) that its work is on-chain. */
  async function untilDone(name: string, args: string[], done: () => Promise<boolean>): Promise<Run[]> {
    const list: Run[] = (runs[name] = []);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const run = await hardhat([...args, "--network", "amoy"], env, 150_000);
      list.push(run);
      if (run.code === 0 || (await done())) return list;
    }
    throw new Error(`${name} did not finish in ${ATTEMPTS} runs:\n${list.map((r) => r.stdout + r.stderr).join("\n---\n")}`);
  }

  const shipments = (batchId: string, sender: string) => rx.holding(batchId, sender).then((h) => h.shipments);
  const shippedId = async (sender: string, receiver: string): Promise<string | undefined> =>
    (await rx.queryFilter(rx.filters.Shipped(undefined, undefined, sender))).find((e) => e.args.receiver.toLowerCase() === receiver.toLowerCase())?.args.shipmentId;

  before(async function () {
    const accounts = hre.config.networks.hardhat.accounts as HardhatNetworkHDAccountsConfig;
    const wallet = (i: number) => HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase, `${accounts.path}/${i}`);
    const keys = Array.from({ length: 10 }, (_, i) => wallet(i).privateKey);
    address = (key: string) => wallet(SIGNER[key]).address;
    node = await startNode(childEnv({ HARDHAT_CHAIN_ID: "80002" }));
    direct = new JsonRpcProvider(node.url, Network.from(80002), { staticNetwork: true });
    proxy = await startFlakyProxy({
      target: node.url,
      seed: 0x5eed,
      rates: { drop: 0.012, delay: 0.004, http502: 0.01, rpcError: 0.01, lostResponse: 0.012 },
      maxDelayMs: 2000,
      // Besides the random ones: answers of sent transactions lost, and sends refused before reaching the node.
      forced: {
        "eth_sendRawTransaction#30": "lostResponse",
        "eth_sendRawTransaction#40": "http502",
        "eth_sendRawTransaction#150": "lostResponse",
        "eth_sendRawTransaction#160": "drop",
      },
      // The 90th transaction of the import lands but its answer is lost, and the node is unreachable for
      // longer than the retries: the import fails part-way and must be resumed without a duplicate.
      outage: { afterMethod: "eth_sendRawTransaction", after: 4 + 90, durationMs: 4000 },
      deadlineMs: 220_000,
    });
    const dir = tempDir("rx-flaky-");
    env = childEnv({
      AMOY_RPC_URL: proxy.url,
      DEPLOYER_PRIVATE_KEY: keys[0],
      PARTNER_PRIVATE_KEYS: keys.slice(1).join(","),
      RXTRACE_DEPLOYMENTS_DIR: dir,
      // The deployer stays the admin on purpose (an EOA on a public network needs RXTRACE_I_KNOW; see docs/governance.md).
      RXTRACE_ADMIN: wallet(0).address,
      RXTRACE_I_KNOW: "true",
      RXTRACE_RPC_TIMEOUT_MS: "1000",
      RXTRACE_RPC_ATTEMPTS: "6",
      RXTRACE_RPC_BACKOFF_MS: "50",
    });

    await untilDone("deploy", ["run", "scripts/deploy.ts"], async () => false);
    const record = JSON.parse(readFileSync(path.join(dir, "amoy.json"), "utf8")) as DeploymentRecord;
    rx = RxTrace__factory.connect(record.contracts.RxTrace.address, direct);

    for (const key of ["manufacturer", "distributor", "pharmacy"]) {
      const member = CAST.find((m) => m.key === key)!;
      const prefix = member.prefixes.length ? ["--prefix", member.prefixes.join(",")] : [];
      const role = ({ 1: "manufacturer", 2: "distributor", 3: "dispenser" } as Record<number, string>)[member.role];
      await untilDone(
        `onboard-${key}`,
        ["rx:onboard", "--account", address(key), "--role", role, "--gln", gln(key), "--name", member.name, "--licence-expiry", `${new Date().getUTCFullYear() + 1}-12-31`, "--licence-ref", hre.ethers.id(member.name), ...prefix],
        async () => (await rx.partner(address(key))).role !== 0n,
      );
    }

    const file = path.join(dir, "flaky-batches.csv");
    const certificate = path.join(EXAMPLES, "certificate-A24-0001.txt");
    const lines = LOTS.map((lot) => `${GTIN},${lot},281231,12,2,8,${certificate},ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG`);
    writeFileSync(file, ["gtin,lot,expiry,quantity,min_temp,max_temp,certificate,certificate_uri", ...lines].join("\n") + "\n");
    // The focused lost-answer case signs as the admin: it runs meanwhile, against its own proxy.
    const focused = loseOneAnswer();
    focused.catch(() => undefined);
    await untilDone("import", ["rx:import", "--file", file, "--signer", String(SIGNER.manufacturer)], async () => false);
    lostCase = await focused;

    const batchId = batchIdOf(BigInt(GTIN), LOTS[0]);
    const legs: Array<[string, string, string]> = [["manufacturer", "distributor", "6"], ["distributor", "pharmacy", "4"]];
    for (const [n, [from, to, quantity]] of legs.entries()) {
      await untilDone(
        `ship${n + 1}`,
        ["rx:ship", "--gtin", GTIN, "--lot", LOTS[0], "--to", gln(to), "--quantity", quantity, "--signer", String(SIGNER[from])],
        async () => (await shipments(batchId, address(from))) > 0n,
      );
      const id = await shippedId(address(from), address(to));
      if (!id) throw new Error(`no shipment from ${from} to ${to} on the node`);
      // The logger of this trip, made against the node itself (not through the flaky proxy).
      const logger = await loggerAfterTrip(rpcSend(node!.url), path.join(EXAMPLES, "logger-good.csv"));
      await untilDone(
        `receive${n + 1}`,
        ["rx:receive", "--shipment", id, "--logger", logger, "--signer", String(SIGNER[to])],
        async () => Number((await rx.shipment(id)).status) !== ShipmentStatus.InTransit,
      );
    }
  });

  after(async function () {
    direct?.destroy();
    await proxy?.close();
    await node?.stop();
  });

  it("commissions exactly 200 batches, each lot once, although the import was resumed", async function () {
    const events = await rx.queryFilter(rx.filters.BatchCommissioned());
    const ids = new Set(events.map((e) => e.args.batchId));
    const lots = events.map((e) => e.args.batch.lot).sort();
    expect([events.length, ids.size, lots]).to.deep.equal([BATCHES, BATCHES, LOTS]);
  });

  it("failed part-way in the outage and was resumed, skipping the batch whose answer was lost", function () {
    const list = runs.import;
    const last = list[list.length - 1];
    expect(list.length).to.be.greaterThan(1);
    expect([last.code, /^done: \d+ commissioned, \d+ skipped, 0 failed$/m.test(last.stdout)]).to.deep.equal([0, true]);
    expect(last.stdout).to.match(/skipped, already on-chain/);
  });

  it("sent each of the manufacturer's transactions once: its nonce is 200 commissions and 1 shipment", async function () {
    expect(await direct!.getTransactionCount(address("manufacturer"))).to.equal(BATCHES + 1);
  });

  it("ships and receives each leg exactly once", async function () {
    const batchId = batchIdOf(BigInt(GTIN), LOTS[0]);
    const [shipped, received] = await Promise.all([rx.queryFilter(rx.filters.Shipped()), rx.queryFilter(rx.filters.Received())]);
    const counts = await Promise.all(["manufacturer", "distributor"].map((k) => shipments(batchId, address(k))));
    const nonces = await Promise.all(["distributor", "pharmacy"].map((k) => direct!.getTransactionCount(address(k))));
    expect([shipped.length, received.length, counts, nonces]).to.deep.equal([2, 2, [1n, 1n], [2, 1]]);
  });

  it("leaves the pharmacy holding the 4 units it received, saleable", async function () {
    const holding = await rx.holding(batchIdOf(BigInt(GTIN), LOTS[0]), address("pharmacy"));
    expect([holding.saleable, holding.quarantined]).to.deep.equal([4n, 0n]);
  });

  it("prints what each command retried, with no duplicate", function () {
    const summaries = Object.values(runs)
      .flat()
      .map((r) => SUMMARY.exec(r.stdout))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(summaries.length).to.be.greaterThan(2);
    expect(summaries.map((m) => m[1]).every((d) => d === "0")).to.equal(true);
    expect(summaries.some((m) => /resent [1-9]\d* transactions?/.test(m[0]))).to.equal(true);
  });

  it("reports a lost transaction answer in the summary of a command that met one", function () {
    const all = Object.values(runs).flat().map((r) => r.stdout).join("\n");
    expect(all).to.match(/; [1-9]\d* lost responses? \(transaction found on-chain, not sent again\)/);
  });

  it("really dropped, delayed, errored and lost answers, including those of eth_sendRawTransaction", function () {
    const c = proxy!.counts;
    expect(FAULTS.filter((f) => c[f] === 0)).to.deep.equal([]);
    expect([c.outage > 0, (c.faultsByMethod.eth_sendRawTransaction ?? 0) > 1]).to.deep.equal([true, true]);
  });

  describe("when the answer to one eth_sendRawTransaction is lost", function () {
    it("succeeds without sending the transaction again", function () {
      const { run, proxy: lost } = lostCase;
      expect([run.code, lost.counts.lostResponse, lost.counts.methods.eth_sendRawTransaction], run.stdout + run.stderr).to.deep.equal([0, 1, 1]);
    });

    it("lands exactly one transaction from the admin's nonce", async function () {
      expect([await direct!.getTransactionCount(address("admin")), (await rx.partner(address("regulator"))).role]).to.deep.equal([lostCase.nonceBefore + 1, 4n]);
    });

    it("reports the lost response and no duplicate", function () {
      expect(lostCase.run.stdout).to.match(/^retried: 1 request \(1 dropped connection\); 1 lost response \(transaction found on-chain, not sent again\); resent 0 transactions, 0 duplicates$/m);
    });
  });
});
