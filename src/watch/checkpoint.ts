/**
 * The watcher's durable checkpoint: the last block read, the holder's view, and the alerts not yet delivered to
 * every sink. It is written whole or not at all (temporary file, fsync, rename, fsync of the folder), so a
 * process killed at any instant leaves either the previous checkpoint or the next one.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import type { Alert, HolderState } from "./alerts";

export type Sink = "stdout" | "webhook";

export interface PendingAlert {
  alert: Alert;
  /** The sinks that already have it. */
  sent: Sink[];
}

export interface Checkpoint {
  version: 1;
  chainId: number;
  contract: string;
  holder: string;
  /** Every log up to this block is in `state` and `pending`. */
  scannedTo: number;
  state: HolderState;
  /** Alerts raised, oldest first, not yet delivered to every sink. */
  pending: PendingAlert[];
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** The checkpoint in `file`, or undefined when there is none yet. */
export function loadCheckpoint(file: string): Checkpoint | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: Checkpoint;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Checkpoint;
  } catch (error) {
    throw new CheckpointError(`checkpoint ${file} is not JSON (${(error as Error).message}): move it aside to start over from the deployment block`);
  }
  if (parsed.version !== 1) throw new CheckpointError(`checkpoint ${file} has version ${String(parsed.version)}, expected 1`);
  return parsed;
}

/** Writes `checkpoint` to `file` durably and atomically. */
export function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.partial`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, JSON.stringify(checkpoint));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  // The rename itself is durable once the folder's entry is on disk.
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
