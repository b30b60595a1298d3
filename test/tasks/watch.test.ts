import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { RxTrace } from "../../typechain-types";
import type { Alert } from "../../src/watch/alerts";
import { finalityOf } from "../../src/watch/finality";
import { watch } from "../../src/watch/watcher";
import { alertKey } from "../../src/watch/alerts";
import { loadCheckpoint } from "../../src/watch/checkpoint";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature, WEBHOOK_SECRET_VAR } from "../../src/watch/webhook";
import { parseWatchArgs, runWatch, type WatchArgs } from "../../src/commands/watch/watch-command";
import { tempDir } from "../tmp";
import { commissionLot, glnOf, LOT_A, LOT_B, watchStoryFixture } from "./watch-story";

const SECRET = "test-webhook-secret-0123456789";

/** Runs rx:watch --once as the task does; returns the JSON lines it printed and what it logged. */
async function watchOnce(args: WatchArgs, env: NodeJS.ProcessEnv = {}) {
  const out: Alert[] = [];
  const log: string[] = [];
  const checkpoint = args.checkpoint ?? path.join(tempDir("rx-watch-"), "checkpoint.json");
  const input = parseWatchArgs({ once: true, ...args, checkpoint }, { [WEBHOOK_SECRET_VAR]: SECRET, ...env });
  const result = await runWatch(hre, input, { out: (line) => out.push(JSON.parse(line) as Alert), log: (line) => log.push(line) });
  return { alerts: out, log, result, checkpoint };
}

interface Received {
  key: string;
  body: string;
  signature?: string;
  at: number;
}

/** A real webhook receiver: answers each request with `answer(n)` (n counts from 1), records what came. */
async function receiver(answer: (n: number) => number): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      got.push({ key: String(req.headers[IDEMPOTENCY_HEADER.toLowerCase()]), body, signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string, at: Date.now() });
      res.statusCode = answer(got.length);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/alerts`, got, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("rx:watch", function () {
  describe("when Northline Wholesale (the distributor) watches the story", function () {
    let alerts: Alert[];
    const of = (kind: Alert["kind"]) => alerts.filter((a) => a.kind === kind);
    before(async function () {
      await loadFixture(watchStoryFixture);
      ({ alerts } = await watchOnce({ holder: glnOf("distributor") }));
    });

    it("alerts on the shipments coming to it (lots A and B from the manufacturer)", function () {
      expect(of("shipment-incoming").map((a) => [a.batchId, a.details.quantity])).to.deep.equal([[LOT_A, 60], [LOT_B, 10]]);
    });
    it("alerts on the excursions of the legs it received and sent (received warm; rejected warm by Coastal)", function () {
      expect(of("excursion").map((a) => [a.event, a.batchId, a.details.maxTemp, a.details.minutesOutOfRange])).to.deep.equal([
        ["Received", LOT_A, 125, 95],
        ["Rejected", LOT_A, 125, 95],
      ]);
    });
    it("alerts the manufacturer too, the sender of the warm leg it received, under a key of its own", async function () {
      const sender = await watchOnce({ holder: glnOf("manufacturer") });
      const [ours, theirs] = [of("excursion")[0], sender.alerts.filter((a) => a.kind === "excursion")];
      expect([theirs.map((a) => a.tx), theirs[0].key === ours.key]).to.deep.equal([[ours.tx], false]);
    });
    it("alerts on the quarantine decisions: its release by the regulator, and the receipt quarantined after the sender's suspension", function () {
      expect(of("quarantine").map((a) => [a.event, a.details.decision, a.batchId])).to.deep.equal([
        ["QuarantineReleased", "released", LOT_A],
        ["ReceiptQuarantined", "receipt-quarantined", LOT_B],
      ]);
    });
    it("alerts on the suspension of a partner it trades with (the manufacturer)", async function () {
      const manufacturer = (await hre.ethers.getSigners())[2].address;
      expect(of("partner-suspended").map((a) => [a.details.account, a.details.self])).to.deep.equal([[manufacturer, false]]);
    });
    it("alerts on the illegitimate declaration of a lot it holds", function () {
      expect(of("illegitimate").map((a) => a.batchId)).to.deep.equal([LOT_B]);
    });
    it("alerts on the suspect hold of a lot it holds, and its clearing", function () {
      expect(of("suspect").map((a) => a.details.decision)).to.deep.equal(["BatchFlaggedSuspect", "SuspectCleared"]);
    });
    it("alerts on the recall of a lot it holds, with its class and notice", function () {
      expect(of("recall").map((a) => [a.batchId, a.details.recallClass, a.details.reasonURI])).to.deep.equal([[LOT_A, "II", "https://recalls.example/W24-0001"]]);
    });
    it("alerts on its shipment still in transit after 7 days (--stale-days default)", async function () {
      const { staleId } = await loadFixture(watchStoryFixture);
      expect(of("shipment-stale").map((a) => [a.details.shipmentId, a.details.direction, a.details.daysInTransit])).to.deep.equal([[staleId, "sent", 8]]);
    });
    it("says nothing about the pharmacy's licence, and stamps every alert with a key from chain, tx, log index, kind and holder", function () {
      expect(of("licence-expiring")).to.deep.equal([]);
      for (const a of alerts) expect(a.key).to.equal(alertKey(31337, { block: a.block, tx: a.tx, logIndex: a.logIndex }, a.kind, a.holder.account));
      expect(new Set(alerts.map((a) => a.key)).size).to.equal(alerts.length);
    });
  });

  describe("when Main Street Pharmacy watches the story", function () {
    let alerts: Alert[];
    before(async function () {
      await loadFixture(watchStoryFixture);
      ({ alerts } = await watchOnce({ holder: glnOf("pharmacy") }));
    });

    it("alerts on its licence expiring within 30 days", function () {
      const licence = alerts.filter((a) => a.kind === "licence-expiring");
      expect(licence.map((a) => [a.event, a.details.daysLeft])).to.deep.equal([["LicenceRenewed", 11]]);
    });
    it("hears only what concerns it: its incoming leg and the lot it received", function () {
      expect(alerts.map((a) => a.kind)).to.deep.equal(["shipment-incoming", "suspect", "suspect", "recall", "licence-expiring"]);
    });
  });

  describe("when the checkpoint is kept", function () {
    it("raises nothing again on a second run, and the same alerts from a new checkpoint", async function () {
      await loadFixture(watchStoryFixture);
      const first = await watchOnce({ holder: glnOf("pharmacy") });
      const again = await watchOnce({ holder: glnOf("pharmacy"), checkpoint: first.checkpoint });
      const fresh = await watchOnce({ holder: glnOf("pharmacy") });
      expect([again.alerts.length, fresh.alerts.map((a) => a.key)]).to.deep.equal([0, first.alerts.map((a) => a.key)]);
    });
  });

  describe("with --confirmations", function () {
    it("alerts on an event only once it has that many blocks on top of it", async function () {
      const { rx, signers } = await loadFixture(watchStoryFixture);
      const [, , manufacturer, , distributor] = signers;
      const lot = await commissionLot(rx, "W24-0009");
      await rx.connect(manufacturer).ship(lot, distributor.address, 5n);
      const shippedIn = await hre.ethers.provider.getBlockNumber();
      const checkpoint = path.join(tempDir("rx-watch-"), "checkpoint.json");
      const seen: number[] = [];
      for (const blocksOnTop of [0, 2, 3]) {
        const missing = shippedIn + blocksOnTop - (await hre.ethers.provider.getBlockNumber());
        if (missing > 0) await mine(missing);
        const { alerts } = await watchOnce({ holder: glnOf("distributor"), confirmations: "3", checkpoint });
        seen.push(alerts.filter((a) => a.batchId === lot).length);
      }
      expect(seen).to.deep.equal([0, 0, 1]);
    });
  });

  describe("on a network with the finalized tag (amoy, polygon)", function () {
    it("alerts only up to the block the RPC calls finalized", async function () {
      const { rx, signers, record } = await loadFixture(watchStoryFixture);
      const lot = await commissionLot(rx, "W24-0011");
      await rx.connect(signers[2]).ship(lot, signers[4].address, 5n);
      const shippedIn = await hre.ethers.provider.getBlockNumber();
      // The in-process chain over HTTP, behind a proxy that answers "finalized" with the block of our choice (a real
      // Polygon RPC lags the latest block so).
      let finalized = shippedIn - 1;
      const rpc = (await hre.run(TASK_NODE_CREATE_SERVER, { hostname: "127.0.0.1", port: 0, provider: hre.network.provider })) as { listen(): Promise<{ port: number }>; close(): Promise<void> };
      const upstream = `http://127.0.0.1:${(await rpc.listen()).port}`;
      const proxy = createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
          const rewrite = (call: { method: string; params?: unknown[] }) =>
            call.method === "eth_getBlockByNumber" && call.params?.[0] === "finalized" ? { ...call, params: [`0x${finalized.toString(16)}`, call.params[1]] } : call;
          const parsed = JSON.parse(body) as { method: string; params?: unknown[] } | { method: string; params?: unknown[] }[];
          const forwarded = JSON.stringify(Array.isArray(parsed) ? parsed.map(rewrite) : rewrite(parsed));
          void fetch(upstream, { method: "POST", headers: { "Content-Type": "application/json" }, body: forwarded })
            .then(async (r) => res.end(await r.text()));
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
      const checkpoint = path.join(tempDir("rx-watch-"), "c.json");
      const holder = { account: signers[4].address, gln: glnOf("distributor") };
      const once = async () => {
        const alerts: Alert[] = [];
        // A provider per run, as a restarted watcher has (ethers keeps an answer for 250 ms).
        const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true });
        await watch({
          rx: rx.connect(provider) as RxTrace, provider, chainId: 31337, holder, startBlock: record.contracts.RxTrace.blockNumber, checkpointFile: checkpoint,
          finality: finalityOf("amoy"), staleDays: 7, maxBlocks: 1000, once: true, intervalMs: 1000, out: (l) => alerts.push(JSON.parse(l) as Alert), log: () => {},
        });
        provider.destroy();
        return alerts.filter((a) => a.batchId === lot).length;
      };
      try {
        const before = await once();
        finalized = shippedIn;
        const after = await once();
        expect([finalityOf("amoy"), finalityOf("polygon", 5), finalityOf("localhost"), before, after]).to.deep.equal([
          { tag: "finalized" }, { confirmations: 5 }, { confirmations: 0 }, 0, 1,
        ]);
      } finally {
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
        await rpc.close();
      }
    });
  });

  describe("without --once", function () {
    it("keeps watching: an event after the backlog is alerted at the next poll, and the watcher stops on its signal", async function () {
      const { rx, signers } = await loadFixture(watchStoryFixture);
      const [, , manufacturer, , distributor] = signers;
      const lot = await commissionLot(rx, "W24-0010");
      const stop = new AbortController();
      const alerts: Alert[] = [];
      const input = parseWatchArgs({ holder: glnOf("distributor"), interval: "1", checkpoint: path.join(tempDir("rx-watch-"), "c.json") });
      const running = runWatch(hre, input, {
        out: (line) => {
          alerts.push(JSON.parse(line) as Alert);
          if (alerts.some((a) => a.batchId === lot)) stop.abort();
        },
        log: () => {},
        signal: stop.signal,
      });
      // Let the watcher read the backlog and fall asleep, then ship.
      while (alerts.length < 12) await new Promise((resolve) => setTimeout(resolve, 50));
      await rx.connect(manufacturer).ship(lot, distributor.address, 5n);
      const result = await running;
      expect([alerts.length, alerts[12].kind, alerts[12].batchId, result.pending]).to.deep.equal([13, "shipment-incoming", lot, 0]);
    });
  });

  describe("with --webhook", function () {
    it("signs each POST with HMAC-SHA256 over its timestamp and body, and sends the alert's key as Idempotency-Key", async function () {
      await loadFixture(watchStoryFixture);
      const hook = await receiver(() => 200);
      try {
        const { alerts } = await watchOnce({ holder: glnOf("pharmacy"), webhook: hook.url });
        const checks = hook.got.map((r) => {
          const t = Number(/^t=(\d+),/.exec(r.signature ?? "")?.[1]);
          return [
            r.key === (JSON.parse(r.body) as Alert).key,
            verifySignature(SECRET, r.signature, r.body),
            verifySignature("another-secret-0123456789", r.signature, r.body),
            verifySignature(SECRET, r.signature, r.body.replace("}", ',"x":1}')),
            verifySignature(SECRET, r.signature, r.body, t + 301),
          ];
        });
        expect([hook.got.map((r) => r.key), checks]).to.deep.equal([alerts.map((a) => a.key), alerts.map(() => [true, true, false, false, false])]);
      } finally {
        await hook.close();
      }
    });

    it("retries a failing receiver with exponential backoff until it answers 2xx", async function () {
      await loadFixture(watchStoryFixture);
      const hook = await receiver((n) => (n <= 2 ? 503 : 200));
      try {
        const { alerts, result } = await watchOnce({ holder: glnOf("pharmacy"), webhook: hook.url, attempts: "4", backoffMs: "100" });
        const [a, b, c] = hook.got;
        expect([a.key === b.key && b.key === c.key, b.at - a.at >= 100, c.at - b.at >= 200, new Set(hook.got.map((r) => r.key)).size, result.pending]).to.deep.equal([
          true, true, true, alerts.length, 0,
        ]);
      } finally {
        await hook.close();
      }
    });

    it("keeps the alerts pending after the last attempt, and the next run delivers each of them", async function () {
      await loadFixture(watchStoryFixture);
      const down = await receiver(() => 500);
      const up = await receiver(() => 200);
      try {
        const first = await watchOnce({ holder: glnOf("pharmacy"), webhook: down.url, attempts: "2", backoffMs: "10" });
        const kept = loadCheckpoint(first.checkpoint)!.pending.map((p) => p.alert.key);
        const second = await watchOnce({ holder: glnOf("pharmacy"), webhook: up.url, checkpoint: first.checkpoint });
        expect({
          attempts: down.got.length,
          pendingAfterFirst: first.result.pending,
          failureLogged: first.log.some((l) => l.includes("not delivered after 2 attempts (HTTP 500")),
          printedTwice: second.alerts.filter((a) => a.key === first.alerts[0].key).length,
          deliveredLater: up.got.map((r) => r.key),
          pendingAfterSecond: second.result.pending,
        }).to.deep.equal({
          attempts: 2, pendingAfterFirst: 5, failureLogged: true, printedTwice: 0, deliveredLater: kept, pendingAfterSecond: 0,
        });
      } finally {
        await down.close();
        await up.close();
      }
    });
  });

  describe("when a flag is wrong", function () {
    it("names the webhook secret's variable when it is missing", function () {
      expect(() => parseWatchArgs({ holder: glnOf("pharmacy"), webhook: "http://127.0.0.1:1/x" }, {})).to.throw(`${WEBHOOK_SECRET_VAR}: got "", expected the webhook signature's shared secret`);
    });
    it("refuses a GLN that is not a partner's", async function () {
      await loadFixture(watchStoryFixture);
      const input = parseWatchArgs({ holder: "0614141999996", once: true });
      await expect(runWatch(hre, input, { out: () => {}, log: () => {} })).to.be.rejectedWith('--holder: got "0614141999996", expected the GLN of an onboarded partner');
    });
  });
});
