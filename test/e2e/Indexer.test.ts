/**
 * The indexer (indexer/, Ponder 0.16) against the direct scan: the same verdicts, timelines, custody facts and
 * shipments in transit, read once from `eth_getLogs` and once from the indexer, on an embedded PGlite and on a real
 * PostgreSQL server (DATABASE_URL; `.ci/run` starts one and sets RXTRACE_REQUIRE_POSTGRES=1, so CI fails when it is
 * missing). Then the scale case, scaled down: the deployment far in the past and many legs of one lot spread over
 * the blocks since, verified through the indexer within the time a pharmacist waits.
 *
 * The in-process network is served over HTTP for Ponder (Hardhat's own JSON-RPC server); a snapshot taken first is
 * restored at the end (and the fixtures' later snapshots forgotten), so the blocks mined here do not leak into the other test files of the process.
 */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { clearSnapshots } from "@nomicfoundation/hardhat-network-helpers";
import type { JsonRpcServer } from "hardhat/types";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { RxTrace } from "../../typechain-types";
import { RecallClass, RejectionReason, Verdict, VERDICT_TEXT } from "../../src/domain/enums";
import { batchIdOf, serialToBytes32 } from "../../src/domain/ids";
import { GTIN, GTIN_2, serialRange } from "../../src/scenario/scenario";
import { SerialTree } from "../../src/merkle/serial-tree";
import { custodyFacts, useIndexer, verifyPack, type VerifyOptions } from "../../src/chain/events";
import { bindIndexerFromEnv, serveNetwork, startIndexer, type RunningIndexer } from "../../src/chain/indexer";
import { IndexerChainError, IndexerError, IndexerSource, indexerOf } from "../../src/chain/events/indexer-source";
import { shipmentsInTransit } from "../../src/commands/custody/shipments";
import { GOOD_LEG, LOT, SERIALS, WARM_LEG, batchFixture, claimOf, commissionInput, deliverFrom, deliverPacksFrom, shipFrom } from "../fixtures";
import { tempDir } from "../tmp";
import { freePort } from "./processes";
import { mineTail } from "../../src/bench/indexer-history";
import { watch } from "../../src/watch/watcher";
import type { Alert } from "../../src/watch/alerts";
import { formatGln, formatGtin } from "../../src/gs1/identifiers";
import { saveSerialFile } from "../../src/files/serial-files";
import { expectedOutcome, killAndRestart, outcomeShape } from "./watch-restart";
import { childEnv, type Node } from "./processes";
import { startWeb } from "../web/web-server";
import { chooseChromium } from "../web/chromium";
import { chromium, type Browser } from "playwright-core";
import { verdictLabel } from "../../src/domain/report";
import { packPathOf } from "../../src/domain/pack-path";

const LOT_2 = "B24-0002";
/** Scaled down for `npm test`; `npm run bench` runs 1,000 legs over 1,000,000 blocks. */
const SCALE = { blocks: 10_000, legs: 30 };

type Fixture = Awaited<ReturnType<typeof batchFixture>>;

/** A value with its bigints as strings and its Maps and Sets as arrays: comparable, and printable by a mocha worker. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Map || v instanceof Set ? [...v] : v)));
}

/** The story of the Journey test, one case per verdict: everything the indexer must answer as the chain does. */
async function story(f: Fixture) {
  const { rx, manufacturer, distributor, distributor2, pharmacy, pharmacy2, regulator, batchId, tree } = f;
  const treeB = SerialTree.of(serialRange(50, "SNB"));
  const { input: inputB } = await commissionInput({ gtin: GTIN_2, lot: LOT_2, quantity: 50n, serialRoot: treeB.root });
  await rx.connect(manufacturer).commissionBatch(inputB);
  const batchB = batchIdOf(GTIN_2, LOT_2);
  await deliverFrom(rx, manufacturer, batchId, distributor, 80n);
  const toPharmacy = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(0, 27));
  await deliverPacksFrom(rx, distributor, batchId, pharmacy2, SERIALS.slice(30, 50), WARM_LEG);
  const toDistributor2 = await shipFrom(rx, distributor, batchId, distributor2.address, 10n);
  await rx.connect(distributor2).rejectShipment(toDistributor2.shipment, RejectionReason.Damaged, ethers.id("photo"), GOOD_LEG);
  await shipFrom(rx, manufacturer, batchId, distributor2.address, 5n); // still in transit
  await rx.connect(pharmacy).dispense(batchId, serialToBytes32("SN000003"), tree.proof("SN000003"), claimOf(toPharmacy, "SN000003"));
  await deliverFrom(rx, manufacturer, batchB, distributor, 40n);
  await rx.connect(manufacturer).recall(batchB, RecallClass.II, ethers.id("recall notice"), "ipfs://recall-notice");
  await rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 5n); // of the 10 damaged units
  const packs = (serial: string, holder?: string, claim?: VerifyOptions["claim"]) => ({ gtin: GTIN, lot: LOT, serial, proof: tree.has(serial) ? tree.proof(serial) : [], holder, claim });
  return {
    batchB,
    // label: [pack, expected verdict]
    cases: {
      genuine: [packs("SN000010", pharmacy.address, { ...claimOf(toPharmacy, "SN000010"), legId: toPharmacy.shipmentId }), Verdict.Genuine],
      dispensed: [packs("SN000003"), Verdict.AlreadyDispensed],
      quarantined: [packs("SN000031", pharmacy2.address), Verdict.Quarantined],
      "not in custody": [packs("SN000010", distributor2.address), Verdict.NotInCustody],
      forged: [packs("FAKE0001"), Verdict.SerialNotInBatch],
      recalled: [{ gtin: GTIN_2, lot: LOT_2, serial: "SNB000007", proof: treeB.proof("SNB000007") }, Verdict.Recalled],
      unknown: [{ gtin: GTIN, lot: "NO-SUCH-LOT", serial: "SN000001", proof: [] }, Verdict.UnknownBatch],
    } as Record<string, [{ gtin: bigint; lot: string; serial: string; proof: string[]; holder?: string; claim?: VerifyOptions["claim"] }, Verdict]>,
  };
}

/** Many legs of lot A between the distributors, `spread` blocks apart: the history a busy lot builds over months. */
async function manyLegs(f: Fixture, legs: number, spread: number) {
  const { rx, distributor, distributor2, batchId } = f;
  for (let i = 0; i < legs; i++) {
    const [from, to] = i % 2 === 0 ? [distributor, distributor2] : [distributor2, distributor];
    await deliverFrom(rx, from, batchId, to, 1n);
    await hre.network.provider.send("hardhat_mine", [`0x${spread.toString(16)}`]);
  }
  await mineTail(hre);
}

describe("Indexer: the same answers as the direct scan", function () {
  this.timeout(240_000);
  let snapshot: string;
  let server: JsonRpcServer;
  let rpcUrl: string;
  let f: Fixture;
  let cases: Awaited<ReturnType<typeof story>>["cases"];
  let batchB: string;
  let deployments: string;
  let deployBlock: number;

  before(async function () {
    snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    const port = await freePort();
    server = await serveNetwork(hre, port);
    rpcUrl = `http://127.0.0.1:${port}`;
    f = await batchFixture();
    // Deployed, then a long quiet time, then the story and a lot's many legs spread over the blocks.
    deployBlock = (await f.rx.deploymentTransaction()?.wait())?.blockNumber ?? 1;
    await hre.network.provider.send("hardhat_mine", [`0x${SCALE.blocks.toString(16)}`]);
    ({ cases, batchB } = await story(f));
    await manyLegs(f, SCALE.legs, Math.floor(SCALE.blocks / SCALE.legs));
    deployments = tempDir("rx-indexer-deployments-");
    const record = { network: "hardhat", chainId: 31337, contracts: { RxTrace: { address: await f.rx.getAddress(), blockNumber: deployBlock } } };
    writeFileSync(path.join(deployments, "hardhat.json"), JSON.stringify(record));
    // The same record as `localhost` for the processes that reach this chain over HTTP (rx:watch, the page).
    writeFileSync(path.join(deployments, "localhost.json"), JSON.stringify({ ...record, network: "localhost" }));
    startOn("pglite", {});
    if (process.env.DATABASE_URL) startOn("postgres", { databaseUrl: process.env.DATABASE_URL, resetSyncCache: true, schema: `rxtrace_test_${process.pid}_${Date.now()}` });
  });

  after(async function () {
    for (const running of started.values()) await (await running.catch(() => undefined))?.indexer.stop();
    await server?.close();
    if (snapshot) await hre.network.provider.send("evm_revert", [snapshot]);
    await clearSnapshots(); // the fixtures' snapshots taken after ours are gone with it

  });

  /** The alerts of the distributor, every line `rx:watch --once` prints, read from the chain or through `indexer`. */
  async function distributorAlerts(indexer?: IndexerSource): Promise<string[]> {
    const account = f.distributor.address;
    const lines: string[] = [];
    await watch({
      rx: f.rx, provider: ethers.provider, chainId: 31337, holder: { account, gln: formatGln((await f.rx.partner(account)).gln) }, startBlock: deployBlock,
      checkpointFile: path.join(tempDir("rx-indexer-watch-"), "checkpoint.json"), finality: { confirmations: 0 }, staleDays: 7, maxBlocks: 100_000,
      once: true, intervalMs: 1_000, out: (line) => lines.push(line), log: () => {}, ...(indexer ? { indexer } : {}),
    });
    return lines;
  }

  /** The indexers of every database at once (their start-up is mostly waiting), each with its sync time. */
  const started = new Map<string, Promise<{ indexer: RunningIndexer; syncSeconds: number }>>();
  function startOn(kind: string, database: { databaseUrl?: string; schema?: string; resetSyncCache?: boolean }) {
    const t0 = Date.now();
    const running = (async () => {
      const indexer = await startIndexer({ network: "hardhat", rpcUrl, deploymentsDir: deployments, port: await freePort(), ...database });
      await indexer.caughtUp(31337, await ethers.provider.getBlockNumber());
      return { indexer, syncSeconds: (Date.now() - t0) / 1000 };
    })();
    running.catch(() => {}); // awaited by its describe's before hook
    started.set(kind, running);
  }

  function against(kind: string) {
    let viaIndexer: RxTrace;
    let syncSeconds: number;

    before(async function () {
      let indexer: RunningIndexer;
      ({ indexer, syncSeconds } = await started.get(kind)!);
      viaIndexer = useIndexer(f.rx.attach(await f.rx.getAddress()) as RxTrace, indexer.source);
    });

    for (const label of ["genuine", "dispensed", "quarantined", "not in custody", "forged", "recalled", "unknown"]) {
      it(`gives the direct scan's report for the ${label} pack`, async function () {
        const [{ proof, holder, claim, ...pack }, verdict] = cases[label]!;
        const options = { proof, holder, claim, fromBlock: 0, manifests: () => [] };
        const direct = await verifyPack(f.rx, pack, options);
        const indexed = await verifyPack(viaIndexer, pack, options);
        expect(direct.verdictCode).to.equal(verdict);
        expect(plain(indexed)).to.deep.equal(plain(direct));
      });
    }

    it("gives the direct scan's custody facts and the shipments in transit", async function () {
      expect(plain(await custodyFacts(viaIndexer, f.batchId))).to.deep.equal(plain(await custodyFacts(f.rx, f.batchId)));
      expect(plain(await custodyFacts(viaIndexer, batchB))).to.deep.equal(plain(await custodyFacts(f.rx, batchB)));
      const direct = await shipmentsInTransit(f.rx, 0);
      expect(direct).to.have.length(1);
      expect(plain(await shipmentsInTransit(viaIndexer, 0))).to.deep.equal(plain(direct));
      expect(plain(await shipmentsInTransit(viaIndexer, 0, { receiver: f.distributor2.address }))).to.deep.equal(plain(direct));
    });

    it("gives rx:watch the alerts it raises from the chain", async function () {
      const { indexer } = await started.get(kind)!;
      const direct = await distributorAlerts();
      expect(direct.map((l) => (JSON.parse(l) as Alert).kind)).to.include.members(["shipment-incoming", "recall", "excursion", "quarantine"]);
      expect(await distributorAlerts(indexer.source)).to.deep.equal(direct);
    });

    it("is what the commands read through when RXTRACE_INDEXER_URL is set", async function () {
      const { indexer } = await started.get(kind)!;
      const rx = f.rx.attach(await f.rx.getAddress()) as RxTrace;
      process.env.RXTRACE_INDEXER_URL = indexer.url;
      try {
        await bindIndexerFromEnv(rx, 31337, () => expect.fail("the indexer had caught up"));
      } finally {
        delete process.env.RXTRACE_INDEXER_URL;
      }
      expect(indexerOf(rx)?.url).to.equal(indexer.url);
      await expect(new IndexerSource(indexer.url).indexedBlock(137)).to.be.rejectedWith(IndexerChainError, "not chain 137");
    });

    it("answers a malformed filter with HTTP 400 naming the field", async function () {
      const { indexer } = await started.get(kind)!;
      await expect(indexer.source.logs({ address: "0x1234", topics: [] })).to.be.rejectedWith(IndexerError, 'HTTP 400: {"error":"address: \\"0x1234\\" is not an address"}');
    });

    it(`verifies a pack of a lot with ${SCALE.legs} legs over ${SCALE.blocks} blocks in under 2 s`, async function () {
      const [{ proof, holder, claim, ...pack }] = cases["genuine"]!;
      const started = Date.now();
      const report = await verifyPack(viaIndexer, pack, { proof, holder, claim, fromBlock: 0 });
      const ms = Date.now() - started;
      console.log(`      indexer (${kind}): synced in ${syncSeconds.toFixed(1)} s (process start included); verify took ${ms} ms with ${report.timeline.length} timeline entries`);
      expect(report.timeline.filter((e) => e.kind === "received")).to.have.length.greaterThan(SCALE.legs);
      expect(ms).to.be.lessThan(2_000);
    });
  }

  describe("on PGlite (embedded)", function () {
    against("pglite");
  });

  describe("serving partners (on PGlite)", function () {
    let indexerUrl: string;
    let web: Node | undefined;
    let browser: Browser | undefined;

    before(async function () {
      indexerUrl = (await started.get("pglite")!).indexer.url;
    });

    after(async function () {
      await browser?.close().catch(() => {});
      await web?.stop();
    });

    it("runs rx:watch through the indexer: killed with SIGKILL mid-delivery and restarted, it loses no alert and processes each once", async function () {
      const expected = (await distributorAlerts()).map((l) => (JSON.parse(l) as Alert).key);
      const gln = formatGln((await f.rx.partner(f.distributor.address)).gln);
      const outcome = await killAndRestart({
        holder: gln, rpcUrl, deploymentsDir: deployments, checkpoint: path.join(tempDir("rx-indexer-restart-"), `${gln}.json`), env: { RXTRACE_INDEXER_URL: indexerUrl }, oneKill: true,
      });
      console.log(`      (two runs of rx:watch through the indexer in ${outcome.ms} ms)`);
      expect(outcomeShape(outcome, expected), `stderr:\n${outcome.stderr}`).to.deep.equal(expectedOutcome(expected, true));
      expect(outcome.stderr).to.contain(`through the indexer at ${indexerUrl}`);
      // The one alert answered but not yet recorded at the kill came again, with its key.
      expect(outcome.duplicates).to.equal(1);
    });

    it("shows the verdict on the pharmacist's page, the history read from the indexer", async function () {
      const [{ serial, gtin, lot }, verdict] = cases["dispensed"]!;
      saveSerialFile("localhost", f.batchId, gtin, lot, f.tree, deployments);
      web = await startWeb(childEnv({ RXTRACE_RPC_URL_LOCALHOST: rpcUrl, RXTRACE_DEPLOYMENTS_DIR: deployments, RXTRACE_INDEXER_URL: indexerUrl }));
      const choice = await chooseChromium();
      browser = await chromium.launch({ executablePath: choice.executablePath, env: choice.env, timeout: 60_000, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
      const page = await browser.newPage();
      const reads: string[] = [];
      page.on("request", (r) => {
        if (r.url().startsWith(indexerUrl)) reads.push(`indexer ${new URL(r.url()).pathname}`);
        else if (r.url().startsWith(rpcUrl) && /eth_getLogs/.test(r.postData() ?? "")) reads.push("eth_getLogs");
      });
      await page.goto(web.url);
      await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
      await page.fill("#link-input", `https://id.rxtrace.example/01/${formatGtin(gtin)}/10/${lot}/21/${serial}`);
      await page.click("#link-form button[type=submit]");
      await page.waitForSelector("#verdict.genuine, #verdict.stop, #error:not(:empty)", { timeout: 60_000 });
      const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? "").catch(() => "");
      expect({ label: (await text("#verdict .verdict-label")).includes(verdictLabel(Verdict[verdict])), text: await text("#verdict .verdict-text"), error: await text("#error") })
        .to.deep.equal({ label: true, text: VERDICT_TEXT[verdict], error: "" });
      expect(reads).to.include("indexer /rx/logs").and.not.include("eth_getLogs");
      // The pack's path and the lot's other legs, as the direct scan's report splits them.
      const direct = packPathOf(await verifyPack(f.rx, { gtin, lot, serial }, { proof: f.tree.proof(serial), fromBlock: deployBlock }));
      const shown = async (list: string) => page.$$eval(`${list} > li`, (lis) => lis.length);
      expect({ path: await shown("#timeline"), lotLegs: await shown("#lot-timeline") }).to.deep.equal({ path: direct.ownPath.length, lotLegs: direct.lotLegs.length });
      expect(direct.lotLegs.length).to.be.greaterThan(SCALE.legs);
    });
  });

  describe("on PostgreSQL (DATABASE_URL)", function () {
    const required = process.env.RXTRACE_REQUIRE_POSTGRES === "1";
    if (process.env.DATABASE_URL) {
      against("postgres");
    } else if (required) {
      it("has a PostgreSQL server to test against", function () {
        expect.fail("RXTRACE_REQUIRE_POSTGRES=1 but DATABASE_URL is not set: .ci/run starts PostgreSQL and exports it");
      });
    }
  });
});
