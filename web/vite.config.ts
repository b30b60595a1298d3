/**
 * `npm run web`: the pharmacist's verification page on http://127.0.0.1:5173 (dev server; `vite preview`
 * after `vite build` serves the same with the same API). The page imports the browser-safe folders of the
 * library (src/gs1, src/domain, src/chain/events) and the typechain ABI; the API middleware (server.ts) serves
 * deployment records and proofs.
 */
import path from "node:path";
import { config as loadDotenv } from "dotenv";
import { defineConfig } from "vite";
import { rxtraceApi } from "./server";

const ROOT = path.resolve(__dirname, "..");

// The repository's .env, as the Hardhat commands read it (AMOY_RPC_URL, POLYGON_RPC_URL, RXTRACE_DEPLOYMENTS_DIR…):
// without it the page would never offer Amoy or Polygon. Variables already set in the environment win.
loadDotenv({ path: process.env.DOTENV_CONFIG_PATH || path.join(ROOT, ".env"), quiet: true });

export default defineConfig({
  root: __dirname,
  // Relative asset URLs: the built page works from any path.
  base: "./",
  plugins: [rxtraceApi()],
  cacheDir: path.join(ROOT, "node_modules", ".vite-web"),
  clearScreen: false,
  server: {
    host: "127.0.0.1",
    port: 5173,
    fs: { allow: [ROOT] },
  },
  preview: { host: "127.0.0.1", port: 4173 },
  // Bundle the browser libraries once at start-up, so the first page load never triggers a reload.
  optimizeDeps: { include: ["ethers", "@zxing/library"] },
  build: {
    outDir: path.join(ROOT, "dist", "web"),
    emptyOutDir: true,
    target: "es2022",
    // ethers, ZXing and the contract's ABI: one ~780 kB (230 kB gzipped) chunk, loaded once.
    chunkSizeWarningLimit: 1000,
  },
});
