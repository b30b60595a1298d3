/**
 * The commands' progress line for long log scans (events/logs.ts), on stderr so stdout stays the answer. A scan
 * that ends within a second prints nothing; a longer one prints where it stands about once a second, the
 * indexer hint once, and a last line with what it took.
 */
import { setScanReporter, type ScanProgress } from "./events/logs";

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A reporter writing to `write` (stderr by default); `quietMs`: how long a scan runs before it says anything. */
export function stderrScanReporter(write: (line: string) => void = (line) => process.stderr.write(line + "\n"), quietMs = 1_000): (p: ScanProgress) => void {
  let lastAt = 0;
  let spoke = false;
  let scanKey = "";
  return (p) => {
    const key = `${p.fromBlock}-${p.toBlock}`;
    if (key !== scanKey) {
      scanKey = key;
      spoke = false;
      lastAt = 0;
    }
    if (p.hint) {
      write(p.hint);
      spoke = true;
    }
    const now = Date.now();
    if (p.finished) {
      if (spoke) write(`history: ${p.blocksDone.toLocaleString("en-US")} blocks read in ${seconds(p.elapsedMs)} (${p.requests} eth_getLogs calls, ${p.logs} events, chunk ${p.chunk})`);
      return;
    }
    if (p.elapsedMs < quietMs || now - lastAt < 1_000) return;
    lastAt = now;
    spoke = true;
    const share = p.blocksTotal > 0 ? Math.floor((100 * p.blocksDone) / p.blocksTotal) : 100;
    write(`history: block ${(p.fromBlock + p.blocksDone).toLocaleString("en-US")} of ${p.toBlock.toLocaleString("en-US")} (${share} %, ${p.logs} events, chunk ${p.chunk} blocks, ${seconds(p.elapsedMs)})`);
  };
}

/** Installs the stderr line for every scan of this process that names no `onProgress` of its own. */
export function installScanProgress(): void {
  setScanReporter(stderrScanReporter());
}
