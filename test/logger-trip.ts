/**
 * Logger files for the tests that receive a shipment: rx:receive takes only readings made between the shipment
 * and now, so an example file (recorded on 2025-03-03) is first moved to the trip the test just made.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loggerForWindow, parseLoggerCsv } from "../src/domain/temperature";
import { tempDir } from "./tmp";

type Send = (method: string, params: unknown[]) => Promise<unknown>;

let dir: string | undefined;
let count = 0;

function folder(): string {
  dir ??= tempDir("rx-loggers-");
  return dir;
}

/** A JSON-RPC `send` to a node's URL. */
export function rpcSend(url: string): Send {
  let id = 0;
  return async (method, params) => {
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }) });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
}

/**
 * The example logger file as the carrier hands it over at the end of this trip: the chain's clock (a Hardhat
 * network's) moves on by the length of the log, and the readings start a minute after the latest block, with
 * their intervals (so minutes out of range and the mean kinetic temperature are the example's).
 */
export async function loggerAfterTrip(send: Send, example: string): Promise<string> {
  const text = readFileSync(example, "utf8");
  const readings = parseLoggerCsv(text);
  const span = readings[readings.length - 1].time - readings[0].time;
  const latest = (await send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  const from = Number(latest.timestamp) + 60;
  await send("evm_increaseTime", [span + 120]);
  await send("evm_mine", []);
  const file = path.join(folder(), `${++count}-${path.basename(example)}`);
  writeFileSync(file, loggerForWindow(text, from, from + span));
  return file;
}
