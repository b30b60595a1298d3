import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { childEnv, hardhat, type Run } from "./processes";
import { tempDir } from "../tmp";

/**
 * An RPC endpoint that accepts connections and reads the requests but never answers (a hung node, a proxy
 * that lost its upstream): a command must say on stderr that it retries, and give up within the bound the
 * user set with RXTRACE_RPC_ATTEMPTS and RXTRACE_RPC_TIMEOUT_MS.
 */
describe("End to end: an RPC that accepts connections but never answers", function () {
  this.timeout(120_000);
  let server: Server;
  const sockets = new Set<Socket>();
  let dir: string;
  let run: Run;
  let seconds: number;

  before(async function () {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    dir = tempDir("rx-silent-rpc-");
    writeFileSync(
      path.join(dir, "amoy.json"),
      JSON.stringify({ network: "amoy", chainId: 80002, contracts: { RxTrace: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", transactionHash: "0x" + "00".repeat(32), blockNumber: 1 } } }),
    );
    const env = childEnv({
      AMOY_RPC_URL: `http://127.0.0.1:${port}`,
      RXTRACE_DEPLOYMENTS_DIR: dir,
      RXTRACE_RPC_TIMEOUT_MS: "1000",
      RXTRACE_RPC_ATTEMPTS: "3",
      RXTRACE_RPC_BACKOFF_MS: "50",
    });
    const started = Date.now();
    run = await hardhat(["rx:verify", "--gtin", "00312345000172", "--lot", "A24-0001", "--serial", "SN000001", "--network", "amoy"], env, 90_000);
    seconds = (Date.now() - started) / 1000;
  });

  after(async function () {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints each retry on stderr as retrying (n/m)…", function () {
    expect(run.stderr).to.match(/JSON-RPC eth_chainId: timeout; retrying \(1\/2\)…/);
    expect(run.stderr).to.match(/JSON-RPC eth_chainId: timeout; retrying \(2\/2\)…/);
  });

  it("gives up within the bound set (3 attempts of 1 s), exits non-zero and says how the bound is set", function () {
    expect(run.code).to.not.equal(0);
    expect(seconds).to.be.lessThan(30);
    expect(run.stdout + run.stderr).to.include("failed 3 times (last: timeout");
    expect(run.stdout + run.stderr).to.include("RXTRACE_RPC_ATTEMPTS=3, RXTRACE_RPC_TIMEOUT_MS=1000");
  });

  it("sums up the retries without claiming lost responses or resent transactions", function () {
    expect(run.stdout).to.match(/^retried: \d+ requests \(\d+ timeouts\)$/m);
    expect(run.stdout + run.stderr).to.not.include("lost response");
  });
});
