/**
 * rx:watch as a partner runs it: a separate process reading the chain over JSON-RPC and posting to a real webhook
 * receiver, killed with SIGKILL in the middle of its deliveries and restarted on the same checkpoint (./watch-restart.ts;
 * Indexer.test.ts runs the same through the indexer). The chain is this process's in-process network (the watch
 * story), served over HTTP as `hardhat node` serves it.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Alert } from "../../src/watch/alerts";
import { parseWatchArgs, runWatch } from "../../src/commands/watch/watch-command";
import { deploymentsDir } from "../../src/chain/deployment";
import { tempDir } from "../tmp";
import { glnOf, watchStoryFixture } from "../tasks/watch-story";
import { expectedOutcome, killAndRestart, outcomeShape } from "./watch-restart";

interface RpcServer {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

describe("rx:watch killed with SIGKILL mid-delivery and restarted (real processes)", function () {
  it("loses no alert and processes each exactly once at a receiver that dedupes by Idempotency-Key", async function () {
    await loadFixture(watchStoryFixture);
    const holder = glnOf("distributor");
    // What the watcher raises for the story: the same watcher run here to the end (stdout only).
    const expected: string[] = [];
    await runWatch(hre, parseWatchArgs({ holder, once: true, checkpoint: path.join(tempDir("rx-watch-ref-"), "c.json") }), {
      out: (line) => expected.push((JSON.parse(line) as Alert).key),
      log: () => {},
    });

    const rpc = (await hre.run(TASK_NODE_CREATE_SERVER, { hostname: "127.0.0.1", port: 0, provider: hre.network.provider })) as RpcServer;
    const { port: rpcPort } = await rpc.listen();
    const dir = tempDir("rx-watch-e2e-");
    const record = JSON.parse(readFileSync(path.join(deploymentsDir(), "hardhat.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(dir, "localhost.json"), JSON.stringify({ ...record, network: "localhost" }));
    try {
      const outcome = await killAndRestart({ holder, rpcUrl: `http://127.0.0.1:${rpcPort}`, deploymentsDir: dir, checkpoint: path.join(dir, "watch", `${holder}.json`) });
      console.log(`      (three runs of rx:watch in ${outcome.ms} ms)`);
      expect(outcomeShape(outcome, expected), `stderr:\n${outcome.stderr}`).to.deep.equal(expectedOutcome(expected));
      // At-least-once on the wire: at most the one request in flight at each kill came again.
      expect(outcome.duplicates).to.be.within(1, 2);
    } finally {
      await rpc.close();
    }
  });
});
