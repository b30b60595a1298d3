/**
 * The verification responder: answers the standard's requests (messages.ts) for an authorized requester
 * (authorization.ts) with the verdict of `verifyPack` (src/chain/events/provenance.ts), the same function the page
 * and rx:verify call; `vrsData` maps that verdict to the standard's fields. One handler, mounted by `rx:vrs-serve`
 * (its own node:http server) and by the page's server (`npm run web`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RxTrace } from "../../typechain-types";
import { verifyPack } from "../chain/events/provenance";
import type { PackReport } from "../domain/provenance";
import { formatGln, type PackIdentity } from "../gs1/identifiers";
import type { SerialTree } from "../merkle/serial-tree";
import { ReplayGuard, authorizeRequester } from "./authorization";
import { VrsRefusal, isVrsPath, parseVrsRequest, serialUnmatched, vrsData, type ConnectivityResponse, type VrsResponse } from "./messages";

export interface ResponderOptions {
  rx: RxTrace;
  /** The block the suite was deployed in (its deployment record): events are read from there. */
  fromBlock: number;
  /** The batch's serial tree (its serial file), to prove a serial; undefined when there is none. */
  serialTree: (batchId: string) => SerialTree | undefined;
  /** The responder's GLN; default: the GLN of the manufacturer that commissioned the GTIN's lots. */
  responderGln?: string;
  /** The responder's clock, unix seconds (default: the system clock). */
  now?: () => number;
  freshnessSeconds?: number;
}

export interface Answer {
  status: number;
  body: VrsResponse | ConnectivityResponse | string;
}

interface Lot {
  batchId: string;
  lot: string;
  manufacturer: string;
}

/** The lots commissioned under `gtin`, oldest first. */
async function lotsOf(rx: RxTrace, gtin: bigint, fromBlock: number): Promise<Lot[]> {
  const events = await rx.queryFilter(rx.filters.BatchCommissioned(undefined, undefined, gtin), fromBlock);
  return events.map((e) => ({ batchId: e.args.batchId, lot: e.args.batch.lot, manufacturer: e.args.manufacturer }));
}

async function responderGlnOf(options: ResponderOptions, lots: readonly Lot[]): Promise<string> {
  if (options.responderGln) return options.responderGln;
  return formatGln((await options.rx.partner(lots[0].manufacturer)).gln);
}

/** The verdict on a pack, as the page and rx:verify get it: `verifyPack` with the proof from the serial file. */
async function verdictOn(options: ResponderOptions, pack: PackIdentity, batchId: string | undefined): Promise<PackReport> {
  const tree = batchId === undefined ? undefined : options.serialTree(batchId);
  const proof = tree?.has(pack.serial) ? tree.proof(pack.serial) : [];
  return verifyPack(options.rx, pack, { proof, fromBlock: options.fromBlock });
}

/** The answer to one request (status and body), for an HTTP server or a test. */
export async function answerRequest(
  options: ResponderOptions,
  replay: ReplayGuard,
  method: string,
  target: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<Answer> {
  try {
    const request = parseVrsRequest(method, target);
    const now = options.now?.() ?? Math.floor(Date.now() / 1000);
    await authorizeRequester(request, method, headers, { rx: options.rx, now, replay, freshnessSeconds: options.freshnessSeconds });
    const gtin = request.kind === "verify" ? request.pack.gtin : request.gtin;
    const lots = await lotsOf(options.rx, gtin, options.fromBlock);
    if (lots.length === 0) throw new VrsRefusal(404, `GTIN ${gtin.toString().padStart(14, "0")} is not served by this responder: no lot of it was commissioned`);
    const responderGLN = await responderGlnOf(options, lots);
    if (request.kind === "checkConnectivity") return { status: 200, body: { responderGLN } };

    const { pack } = request;
    const asked = lots.find((l) => l.lot === pack.lot);
    const report = await verdictOn(options, pack, asked?.batchId);
    // The serial is not in the asked lot: is it the GTIN's, in another lot? (The same verdict function decides.)
    let elsewhere: PackReport | undefined;
    if (serialUnmatched(report)) {
      for (const other of lots) {
        if (other.lot === pack.lot || !options.serialTree(other.batchId)?.has(pack.serial)) continue;
        const candidate = await verdictOn(options, { ...pack, lot: other.lot }, other.batchId);
        if (!serialUnmatched(candidate)) {
          elsewhere = candidate;
          break;
        }
      }
    }
    const body: VrsResponse = {
      verificationTimestamp: new Date().toISOString(),
      responderGLN,
      data: vrsData(report, elsewhere),
      ...(request.corrUUID === undefined ? {} : { corrUUID: request.corrUUID }),
    };
    return { status: 200, body };
  } catch (error) {
    if (error instanceof VrsRefusal) return { status: error.status, body: error.message };
    throw error;
  }
}

function send(res: ServerResponse, answer: Answer): void {
  res.statusCode = answer.status;
  res.setHeader("Cache-Control", "no-store");
  // Only a 200 carries the standard's JSON; a refusal says why in one line of text.
  if (typeof answer.body === "string") {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.end(`${answer.body}\n`);
  } else {
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(JSON.stringify(answer.body));
  }
}

/**
 * The responder as connect-style middleware: answers the standard's paths (`isVrsPath`) and hands anything else to
 * `next` (404 without one).
 */
export function vrsMiddleware(options: ResponderOptions | (() => Promise<ResponderOptions>)) {
  const replay = new ReplayGuard();
  let resolved: Promise<ResponderOptions> | undefined;
  const optionsOf = () => (resolved ??= typeof options === "function" ? options() : Promise.resolve(options));
  return (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const target = req.url ?? "/";
    if (!isVrsPath(new URL(target, "http://responder.invalid").pathname)) {
      if (next) return next();
      return send(res, { status: 404, body: `no such resource: ${target}` });
    }
    optionsOf()
      .then((o) => answerRequest(o, replay, req.method ?? "GET", target, req.headers))
      .then((answer) => send(res, answer))
      .catch((error: unknown) => {
        resolved = undefined; // a chain that was down may be up at the next request
        send(res, { status: 500, body: `the responder failed: ${error instanceof Error ? error.message : String(error)}` });
      });
  };
}

export interface RunningResponder {
  server: Server;
  /** http://host:port, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves the responder on `port` (0: any free port) of `host`. */
export async function startResponder(options: ResponderOptions, port: number, host = "127.0.0.1"): Promise<RunningResponder> {
  const server = createServer(vrsMiddleware(options));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // clients keep connections alive; a stopped responder drops them
      }),
  };
}
