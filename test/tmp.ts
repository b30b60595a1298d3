/**
 * Temporary folders for tests: each one is removed when the test process ends (mocha's workers exit through
 * process.exit), so test runs leave no rx-* folders in the system temp directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const made = new Set<string>();

function removeAll(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** A new folder `<system temp>/<prefix>XXXXXX`, removed at the end of the process. */
export function tempDir(prefix: string): string {
  if (made.size === 0) process.once("exit", removeAll);
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
