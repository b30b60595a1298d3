/**
 * The demo's last step: the alerts two partners received during the story, as `rx:watch --once` gives them, one of
 * them also through a signed webhook to a receiver on 127.0.0.1 that checks every signature and dedupes by key.
 */
import { createServer } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Alert } from "../../watch/alerts";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature, WEBHOOK_SECRET_VAR } from "../../watch/webhook";
import { parseWatchArgs, runWatch } from "./watch-command";

export interface DemoHolder {
  label: string;
  gln: string;
  /** Also deliver to a local webhook receiver. */
  webhook?: boolean;
}

/** Runs rx:watch --once for each holder and prints its alerts; `lots` names batch ids in the summaries. */
export async function demoAlerts(hre: HardhatRuntimeEnvironment, holders: readonly DemoHolder[], lots: ReadonlyMap<string, string>, print: (line: string) => void): Promise<void> {
  const secret = process.env[WEBHOOK_SECRET_VAR] || "demo-secret-not-for-production";
  const received = new Set<string>();
  let requests = 0;
  let badSignatures = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      requests++;
      if (!verifySignature(secret, req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, body)) badSignatures++;
      received.add(String(req.headers[IDEMPOTENCY_HEADER.toLowerCase()]));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`;
  const named = (text: string) => [...lots].reduce((t, [batchId, lot]) => t.split(batchId.toLowerCase()).join(lot), text);
  const network = hre.network.name === "hardhat" ? "" : ` --network ${hre.network.name}`;
  try {
    for (const holder of holders) {
      const checkpoint = path.join(mkdtempSync(path.join(tmpdir(), "rxtrace-demo-watch-")), `${holder.gln}.json`);
      print(`$ npx hardhat rx:watch --holder ${holder.gln} --once${holder.webhook ? ` --webhook ${url}` : ""}${network}`);
      const alerts: Alert[] = [];
      const input = parseWatchArgs({ holder: holder.gln, once: true, checkpoint, ...(holder.webhook ? { webhook: url } : {}) }, { [WEBHOOK_SECRET_VAR]: secret });
      await runWatch(hre, input, { out: (line) => alerts.push(JSON.parse(line) as Alert), log: () => {} });
      print(`   ${holder.label}: ${alerts.length} alert${alerts.length === 1 ? "" : "s"}`);
      for (const alert of alerts) print(`   [${alert.kind}] ${named(alert.summary)}`);
    }
    if (requests > 0) {
      print(`   the webhook receiver got ${requests} POSTs, ${received.size} distinct Idempotency-Keys, ${badSignatures === 0 ? "every HMAC signature valid" : `${badSignatures} bad signatures`}`);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
