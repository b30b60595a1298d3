import { expect } from "chai";
import hre from "hardhat";
import { buildHistory, FULL_SIZE, rxAt, serveProvider, TEST_SIZE, verifyThroughProxy, type History, type ScanMeasurement } from "../../src/bench/history";
import { startLimitProxy, type LimitStyle } from "../../src/bench/limit-proxy";
import { verifyPack } from "../../src/chain/events/provenance";
import { logLimitOf, mergeFilters, resetChunkSize, scanLogs } from "../../src/chain/events/logs";
import { shipmentsInTransit } from "../../src/commands/custody/shipments";
import type { PackReport } from "../../src/domain/provenance";
import { GTIN } from "../../src/scenario/scenario";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ZeroHash } from "ethers";
import type { DeploymentRecord } from "../../src/chain/deployment";
import { saveSerialFile } from "../../src/files/serial-files";
import { formatGtin } from "../../src/gs1/identifiers";
import { childEnv, hardhat } from "./processes";
import { tempDir } from "../tmp";

/**
 * The chunked log reader against a proxy that refuses `eth_getLogs` as public providers do (over 1,000 blocks,
 * over 10,000 results, with their error texts), in front of the in-process network served over HTTP. The lot's
 * legs are spread over 100,000 blocks (RXTRACE_SCALE=full: 1,000 legs over 1,000,000 blocks, as `npm run bench`).
 */
describe("History over a range-limited RPC", function () {
  this.timeout(600_000);
  const size = process.env.RXTRACE_SCALE === "full" ? FULL_SIZE : TEST_SIZE;
  let history: History;
  let node: { url: string; close(): Promise<void> };
  let direct: PackReport;
  let chainId: number;
  let snapshot: string;

  before(async function () {
    snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    history = await buildHistory(hre, size);
    node = await serveProvider(hre);
    chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
    direct = await verifyPack(history.rx, { gtin: GTIN, lot: history.lot, serial: history.serial }, { proof: history.proof, fromBlock: history.deployBlock });
  });

  after(async function () {
    await node?.close();
    await hre.network.provider.send("evm_revert", [snapshot]);
  });

  describe("the scenario", function () {
    it("spreads the legs over the stretch of blocks and the direct read sees them all", function () {
      expect(history.latest - history.deployBlock).to.equal(size.blocks);
      expect(direct.verdict).to.equal("Genuine");
      expect(direct.timeline.filter((e) => e.kind === "shipped")).to.have.length(size.legs);
      expect(direct.timeline.filter((e) => e.kind === "received")).to.have.length(size.legs - 1);
    });
  });

  describe("verifyPack through the proxy", function () {
    // One measured run per wording, shared by the checks below.
    const runs = new Map<string, Promise<ScanMeasurement>>();
    const through = (style: LimitStyle) => {
      if (!runs.has(style)) runs.set(style, verifyThroughProxy(history, node.url, chainId, { maxBlocks: 1_000, style }));
      return runs.get(style)!;
    };

    for (const style of ["stated", "suggested", "bare"] as const) {
      it(`gives the same report as without it when the provider words its block limit as "${style}"`, async function () {
        const m = await through(style);
        expect(m.report).to.deep.equal(direct);
        expect(m.counts.refusedRange).to.be.greaterThan(0);
        if (style === "stated") expect(m.chunk).to.equal(1_000);
        if (style === "bare") expect(m.chunk).to.be.within(500, 1_000);
        // Learnt once: a few refusals while the chunk finds the limit (and, where the refusal reads as about the
        // results, one now and then as the chunk tries to grow again), not one per chunk.
        const chunks = Math.ceil(size.blocks / 1_000);
        expect(m.counts.refusedRange / 4).to.be.at.most(16 + chunks / 8);
      });
    }

    it("narrows the chunk when a call would return more logs than the provider allows, and still gives the same report", async function () {
      const m = await verifyThroughProxy(history, node.url, chainId, { maxBlocks: 10_000_000, maxResults: 5, style: "rotate" });
      expect(m.counts.refusedResults).to.be.greaterThan(0);
      expect(m.report).to.deep.equal(direct);
    });

    it("reads each chunk in four calls (the partner directory, two merged groups of the batch's events, the pack's dispensing)", async function () {
      const m = await through("stated");
      const chunks = Math.ceil((history.latest - history.deployBlock + 1) / 1_000);
      // Refused calls aside (at most four chunks of four calls are in flight together).
      expect(m.counts.getLogs - m.counts.refusedRange * 16).to.be.at.most(chunks * 4);
    });

    it("reports progress after every chunk, suggests the indexer once on a long scan, and ends with a finished report", async function () {
      const m = await through("stated");
      const hints = m.progress.filter((p) => p.hint);
      expect(hints).to.have.length(1);
      expect(hints[0].hint).to.include("RXTRACE_INDEXER_URL");
      const last = m.progress[m.progress.length - 1];
      expect([last.finished, last.blocksDone, last.blocksTotal]).to.deep.equal([true, last.blocksTotal, history.latest - history.deployBlock + 1]);
    });
  });

  describe("rx:verify as a process, on --network localhost through the proxy", function () {
    it("prints the same report as the direct read, with the progress line and the indexer hint on stderr", async function () {
      const dir = tempDir("rx-scale-");
      const [admin] = await hre.ethers.getSigners();
      const record: DeploymentRecord = {
        network: "localhost", chainId, deployer: admin.address, admin: admin.address, pauser: admin.address, adminDelay: "0",
        contracts: { RxTrace: { address: history.address, transactionHash: ZeroHash, blockNumber: history.deployBlock } },
        compiler: { version: "0.8.28", evmVersion: "cancun", optimizerRuns: 200, viaIR: true }, gitCommit: "", deployedAt: new Date().toISOString(),
      };
      writeFileSync(path.join(dir, "localhost.json"), JSON.stringify(record));
      saveSerialFile("localhost", history.batchId, GTIN, history.lot, history.tree, dir);
      const proxy = await startLimitProxy({ target: node.url, maxBlocks: 1_000, style: "rotate" });
      try {
        const run = await hardhat(
          ["rx:verify", "--gtin", formatGtin(GTIN), "--lot", history.lot, "--serial", history.serial, "--json", "--network", "localhost"],
          childEnv({ LOCALHOST_RPC_URL: proxy.url, RXTRACE_DEPLOYMENTS_DIR: dir }),
        );
        expect(run.code, run.stderr).to.equal(0);
        // The command adds the pack's path through the legs (`path`) to the report: the rest is verifyPack's.
        const { path: packPath, ...report } = JSON.parse(run.stdout) as PackReport & { path: { lotLegs: string[] } };
        expect(report).to.deep.equal(JSON.parse(JSON.stringify(direct)));
        expect(packPath.lotLegs).to.have.length(size.legs);
        expect(run.stderr).to.include("set RXTRACE_INDEXER_URL");
        expect(run.stderr).to.match(/history: [\d,]+ blocks read in [\d.]+ s \(\d+ eth_getLogs calls, \d+ events, chunk \d+\)/);
        expect(proxy.counts.refusedRange).to.be.greaterThan(0);
      } finally {
        await proxy.close();
      }
    });
  });

  describe("rx:shipments' read (shipments in transit)", function () {
    it("finds the one shipment still in transit through the proxy, as without it", async function () {
      const proxy = await startLimitProxy({ target: node.url, maxBlocks: 1_000, style: "suggested" });
      const { rx, provider } = rxAt(proxy.url, history.address, chainId);
      try {
        const [through, without] = await Promise.all([shipmentsInTransit(rx, history.deployBlock), shipmentsInTransit(history.rx, history.deployBlock)]);
        expect(through.map((e) => e.shipmentId)).to.deep.equal([history.inTransit.shipmentId]);
        expect(through).to.deep.equal(without);
      } finally {
        provider.destroy();
        await proxy.close();
      }
    });
  });

  describe("scanLogs", function () {
    it("finds the newest match first and stops there when asked", async function () {
      const proxy = await startLimitProxy({ target: node.url, maxBlocks: 1_000, style: "stated" });
      const { provider } = rxAt(proxy.url, history.address, chainId);
      try {
        resetChunkSize(provider);
        const shipped = history.rx.filters.Shipped(undefined, history.batchId);
        const filter = { address: history.address, topics: await shipped.getTopicFilter() };
        const logs = await scanLogs(provider, [filter], { fromBlock: history.deployBlock, newestFirst: true, stop: (found) => found.length > 0 });
        expect(logs).to.have.length(1);
        expect(logs[0].topics[1]).to.equal(history.inTransit.shipmentId);
        // The last leg lies in the newest stretch: a few chunks, not the whole history.
        expect(proxy.counts.getLogs - proxy.counts.refusedRange).to.be.below(Math.ceil(size.blocks / size.legs / 1_000) + 3);
      } finally {
        provider.destroy();
        await proxy.close();
      }
    });

    it("merges filters that differ only in their event into one call", function () {
      const address = history.address;
      const id = history.batchId;
      const merged = mergeFilters([
        { address, topics: ["0x01", id] },
        { address, topics: ["0x02", null, id] },
        { address, topics: ["0x03", id, null] },
        { address, topics: ["0x04", null, id] },
        { address, topics: ["0x05"] },
      ]);
      expect(merged).to.deep.equal([
        { address, topics: [["0x01", "0x03"], id.toLowerCase()] },
        { address, topics: [["0x02", "0x04"], null, id.toLowerCase()] },
        { address, topics: ["0x05"] },
      ]);
    });
  });

  describe("logLimitOf", function () {
    const cases: Array<[string, unknown, ReturnType<typeof logLimitOf>]> = [
      ["a stated maximum", { code: -32000, message: "block range too large, max: 3500" }, { kind: "range", maxBlocks: 3500 }],
      ["a maximum block range", { error: { code: -32000, message: "exceed maximum block range: 1000" } }, { kind: "range", maxBlocks: 1000 }],
      ["a range limit with thousands", { message: "eth_getLogs is limited to a 10,000 range" }, { kind: "range", maxBlocks: 10000 }],
      ["a suggested range", { code: -32005, message: "query returned more than 10000 results. Try with this block range [0x1e8480, 0x1e8867]." }, { kind: "results", maxBlocks: 1000 }],
      ["too many results", { info: { error: { code: -32005, message: "query returned more than 10000 results" } } }, { kind: "results" }],
      ["a response too large", { message: "Log response size exceeded." }, { kind: "results" }],
      ["a bare range refusal", { message: "block range is too wide" }, { kind: "range" }],
      ["a bare -32005", { code: -32005, message: "limit exceeded" }, { kind: "results" }],
      ["a rate limit", { code: -32005, message: "Too Many Requests" }, undefined],
      ["a revert", { code: 3, message: "execution reverted" }, undefined],
    ];
    for (const [what, error, expected] of cases) {
      it(`reads ${what}`, function () {
        expect(logLimitOf(error)).to.deep.equal(expected);
      });
    }
  });
});
