/**
 * A JSON-RPC proxy on 127.0.0.1 that stands for a public provider's limits on `eth_getLogs`: it forwards every
 * request to a real node, but refuses a log query over `maxBlocks` blocks or one whose answer holds more than
 * `maxResults` logs, with the error texts and codes real providers answer. It counts what it saw.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** How a refusal is worded: as one provider words it, or each in turn. */
export type LimitStyle = "stated" | "suggested" | "bare" | "rotate";

export interface LimitOptions {
  /** The node to forward to. */
  target: string;
  maxBlocks?: number;
  maxResults?: number;
  style?: LimitStyle;
}

export interface LimitCounts {
  getLogs: number;
  refusedRange: number;
  refusedResults: number;
  requests: number;
}

export interface LimitProxy {
  url: string;
  counts: LimitCounts;
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc: "2.0";
  id: unknown;
  method: string;
  params?: unknown[];
}

type RpcAnswer = { jsonrpc: "2.0"; id: unknown; result?: unknown; error?: { code: number; message: string } };

const hex = (n: number) => "0x" + n.toString(16);

/** Range refusals as providers word them (the maximum in the text where they state one). */
function rangeError(style: Exclude<LimitStyle, "rotate">, max: number, from: number): { code: number; message: string } {
  switch (style) {
    case "stated":
      return { code: -32000, message: `block range too large, max: ${max}` };
    case "suggested":
      return { code: -32602, message: `Log response size exceeded. You can make eth_getLogs requests with up to a ${max} block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [${hex(from)}, ${hex(from + max - 1)}]` };
    case "bare":
      return { code: -32600, message: "block range is too wide" };
  }
}

function resultsError(style: Exclude<LimitStyle, "rotate">, max: number, from: number, lastGood: number): { code: number; message: string } {
  if (style === "suggested" && lastGood >= from) return { code: -32005, message: `query returned more than ${max} results. Try with this block range [${hex(from)}, ${hex(lastGood)}].` };
  return { code: -32005, message: `query returned more than ${max} results` };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

export async function startLimitProxy(options: LimitOptions): Promise<LimitProxy> {
  const maxBlocks = options.maxBlocks ?? 1_000;
  const maxResults = options.maxResults ?? 10_000;
  const styles: Exclude<LimitStyle, "rotate">[] = ["stated", "suggested", "bare"];
  let turn = 0;
  const styleNow = () => (options.style && options.style !== "rotate" ? options.style : styles[turn++ % styles.length]);
  const counts: LimitCounts = { getLogs: 0, refusedRange: 0, refusedResults: 0, requests: 0 };
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  const forward = (body: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          let data = "";
          res.on("data", (c: Buffer) => (data += c.toString()));
          res.on("end", () => resolve(data));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const call = async (request: RpcRequest): Promise<RpcAnswer> => JSON.parse(await forward(JSON.stringify(request))) as RpcAnswer;

  const blockOf = async (tag: unknown): Promise<number> => {
    if (typeof tag === "string" && tag.startsWith("0x")) return Number(tag);
    const answer = await call({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] });
    return Number(answer.result);
  };

  const handle = async (request: RpcRequest): Promise<RpcAnswer> => {
    counts.requests++;
    if (request.method !== "eth_getLogs") return call(request);
    counts.getLogs++;
    const filter = (request.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string };
    if (filter.blockHash) return call(request);
    const from = await blockOf(filter.fromBlock ?? "latest");
    const to = await blockOf(filter.toBlock ?? "latest");
    const style = styleNow();
    if (to - from + 1 > maxBlocks) {
      counts.refusedRange++;
      return { jsonrpc: "2.0", id: request.id, error: rangeError(style, maxBlocks, from) };
    }
    const answer = await call(request);
    const logs = Array.isArray(answer.result) ? (answer.result as Array<{ blockNumber: string }>) : undefined;
    if (logs && logs.length > maxResults) {
      counts.refusedResults++;
      // The widest range from `from` whose logs fit: up to the block before the one holding log number maxResults+1.
      const lastGood = Number(logs[maxResults].blockNumber) - 1;
      return { jsonrpc: "2.0", id: request.id, error: resultsError(style, maxResults, from, lastGood) };
    }
    return answer;
  };

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = JSON.parse(await readBody(req)) as RpcRequest | RpcRequest[];
        const answer = Array.isArray(body) ? await Promise.all(body.map(handle)) : await handle(body);
        const text = JSON.stringify(answer);
        res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
        res.end(text);
      } catch (error) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
