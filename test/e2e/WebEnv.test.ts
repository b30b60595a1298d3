import { expect } from "chai";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { childEnv, freePort, startServer, type Node } from "./processes";
import { tempDir } from "../tmp";

const ROOT = path.join(__dirname, "..", "..");

/**
 * `npm run web` as a user starts it, with the settings in a .env file only (nothing in the environment): the
 * page must offer Amoy, as the Hardhat commands would use it.
 */
describe("npm run web reads .env", function () {
  this.timeout(120_000);
  let dir: string;
  let web: Node | undefined;

  before(async function () {
    dir = tempDir("rx-webenv-");
    writeFileSync(path.join(dir, "amoy.json"), JSON.stringify({ network: "amoy", chainId: 80002 }));
    const dotenv = path.join(dir, ".env");
    writeFileSync(dotenv, `AMOY_RPC_URL=https://rpc-amoy.example.org/from-dotenv\nRXTRACE_DEPLOYMENTS_DIR=${dir}\n`);
    const port = await freePort();
    const vite = path.join(path.dirname(require.resolve("vite/package.json", { paths: [ROOT] })), "bin", "vite.js");
    // childEnv removes every AMOY_/RXTRACE_ variable of ours; DOTENV_CONFIG_PATH stands for the repository's .env.
    const env = childEnv({ DOTENV_CONFIG_PATH: dotenv });
    web = await startServer("the web server", [vite, "--config", "web/vite.config.ts", "--port", String(port), "--strictPort"], env, `127.0.0.1:${port}/`, `http://127.0.0.1:${port}/`, 90_000);
  });

  after(async function () {
    await web?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("offers amoy with the RPC URL and the deployment folder given in .env", async function () {
    const response = await fetch(`${web!.url}api/networks`);
    const body = (await response.json()) as { networks: { name: string; rpcUrl: string; deployed: boolean }[] };
    expect(body.networks.find((n) => n.name === "amoy")).to.deep.equal({ name: "amoy", rpcUrl: "https://rpc-amoy.example.org/from-dotenv", deployed: true });
  });
});
