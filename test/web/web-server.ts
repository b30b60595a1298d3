/** `npm run web`'s server for the browser tests (Browser.test.ts, and the page through the indexer in Indexer.test.ts). */
import path from "node:path";
import { freePort, startServer, type Node } from "../e2e/processes";

const ROOT = path.join(__dirname, "..", "..");

/** `npm run web`'s server on a free port; resolves once it listens. */
export async function startWeb(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Node> {
  const port = await freePort();
  const vite = path.join(path.dirname(require.resolve("vite/package.json", { paths: [ROOT] })), "bin", "vite.js");
  const args = [vite, "--config", "web/vite.config.ts", "--port", String(port), "--strictPort"];
  return startServer("the web server", args, env, `127.0.0.1:${port}/`, `http://127.0.0.1:${port}/`, timeoutMs);
}
