/**
 * A flaky JSON-RPC proxy on 127.0.0.1 for the fault tests: it forwards requests to a node and, for a seeded
 * pseudo-random share of them, drops the connection without answering, delays (bounded), answers an HTTP 502
 * page, answers a JSON-RPC -32603 error, or forwards the request and then drops the RESPONSE (so an
 * `eth_sendRawTransaction` reaches the node but the client never learns it did). It counts what it did and
 * closes itself after a deadline.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "drop" | "delay" | "http502" | "rpcError" | "lostResponse";
export const FAULTS: readonly Fault[] = ["drop", "delay", "http502", "rpcError", "lostResponse"];

export interface FlakyOptions {
  /** The node to forward to, e.g. http://127.0.0.1:8545. */
  target: string;
  /** Seed of the pseudo-random choices: the same seed makes the same choices for the same request order. */
  seed?: number;
  /** Share of requests (0 to 1) given each fault; the rest are forwarded untouched. */
  rates?: Partial<Record<Fault, number>>;
  /** Longest injected delay (ms, at most 2000). */
  maxDelayMs?: number;
  /** Faults imposed on the n-th request (1-based) of a method, before any random one: "eth_sendRawTransaction#1". */
  forced?: Record<string, Fault>;
  /**
   * After the request `afterMethod` number `after` (which is forwarded and its answer lost), every request is
   * dropped for `durationMs`: longer than the client's retries, so the command fails part-way.
   */
  outage?: { afterMethod: string; after: number; durationMs: number };
  /** The proxy closes itself this long after it starts (default 4 minutes). */
  deadlineMs?: number;
}

export interface FlakyCounts {
  requests: number;
  forwarded: number;
  drop: number;
  delay: number;
  http502: number;
  rpcError: number;
  lostResponse: number;
  /** Requests dropped during the outage. */
  outage: number;
  /** Per method: requests seen. */
  methods: Record<string, number>;
  /** Per method: faults injected (any kind). */
  faultsByMethod: Record<string, number>;
}

export interface FlakyProxy {
  url: string;
  counts: FlakyCounts;
  /** Stops injecting faults (everything is forwarded) from now on. */
  calm(): void;
  close(): Promise<void>;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startFlakyProxy(options: FlakyOptions): Promise<FlakyProxy> {
  const random = prng(options.seed ?? 1);
  const rates = options.rates ?? {};
  const maxDelay = Math.min(options.maxDelayMs ?? 2000, 2000);
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const counts: FlakyCounts = { requests: 0, forwarded: 0, drop: 0, delay: 0, http502: 0, rpcError: 0, lostResponse: 0, outage: 0, methods: {}, faultsByMethod: {} };
  let calm = false;
  let outageUntil = 0;

  const forward = (body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } },
        (res) => {
          readBody(res).then((data) => resolve({ status: res.statusCode ?? 502, headers: { "content-type": String(res.headers["content-type"] ?? "application/json") }, body: data }), reject);
        },
      );
      up.on("error", reject);
      up.end(body);
    });

  const choose = (method: string): Fault | undefined => {
    const n = counts.methods[method];
    const forced = options.forced?.[`${method}#${n}`];
    if (forced) return forced;
    if (calm) return undefined;
    let r = random();
    for (const fault of FAULTS) {
      const rate = rates[fault] ?? 0;
      if (r < rate) return fault;
      r -= rate;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    let method = "?";
    let id: unknown = null;
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { method?: string; id?: unknown } | Array<{ method?: string }>;
      method = Array.isArray(parsed) ? `batch(${parsed.map((p) => p.method).join(",")})` : String(parsed.method);
      id = Array.isArray(parsed) ? null : (parsed.id ?? null);
    } catch {
      // forwarded as is: the node answers the parse error
    }
    counts.requests++;
    counts.methods[method] = (counts.methods[method] ?? 0) + 1;
    if (Date.now() < outageUntil) {
      counts.outage++;
      req.socket.destroy();
      return;
    }
    const o = options.outage;
    const startsOutage = o !== undefined && o.afterMethod === method && counts.methods[method] === o.after;
    const fault = startsOutage ? "lostResponse" : choose(method);
    if (fault) {
      counts[fault]++;
      counts.faultsByMethod[method] = (counts.faultsByMethod[method] ?? 0) + 1;
    }
    switch (fault) {
      case "drop":
        req.socket.destroy();
        return;
      case "http502":
        res.writeHead(502, { "content-type": "text/html", connection: "close" });
        res.end("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>");
        return;
      case "rpcError":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32603, message: "Internal error (flaky proxy)" } }));
        return;
      case "delay":
        await new Promise((resolve) => setTimeout(resolve, Math.round(random() * maxDelay)));
        break;
      default:
        break;
    }
    let answer: { status: number; headers: Record<string, string>; body: Buffer };
    try {
      answer = await forward(body);
      counts.forwarded++;
    } catch {
      req.socket.destroy();
      return;
    }
    if (fault === "lostResponse") {
      if (startsOutage && o) outageUntil = Date.now() + o.durationMs;
      req.socket.destroy();
      return;
    }
    if (req.socket.destroyed) return;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(deadline);
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    });
    return closed;
  };
  const deadline = setTimeout(() => void close(), options.deadlineMs ?? 240_000);
  deadline.unref();
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    calm: () => {
      calm = true;
    },
    close,
  };
}
