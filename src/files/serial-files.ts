/**
 * A serialized batch's serial file: the list of pack serials whose Merkle root the batch commits to, kept
 * under the deployment (`deployments/<network>/serials/<batchId>.json`). Any pack's proof is rebuilt from it
 * (SerialTree is deterministic), so the file stays small even for a million packs.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { deploymentsDir, writeFileAtomic } from "../chain/deployment";
import { InputError } from "../domain/errors";
import { formatGtin } from "../gs1/identifiers";
import { SerialTree } from "../merkle/serial-tree";

export interface SerialFile {
  format: "rxtrace-serials-v1";
  batchId: string;
  gtin: string;
  lot: string;
  root: string;
  serials: string[];
}

export function serialFilePath(network: string, batchId: string, dir = deploymentsDir()): string {
  return path.join(dir, network, "serials", `${batchId}.json`);
}

/** Saves the serial file of a batch (atomically: never half a file). */
export function saveSerialFile(network: string, batchId: string, gtin: bigint, lot: string, tree: SerialTree, dir = deploymentsDir()): string {
  const file = serialFilePath(network, batchId, dir);
  const content: SerialFile = { format: "rxtrace-serials-v1", batchId, gtin: formatGtin(gtin), lot, root: tree.root, serials: [...tree.serials] };
  writeFileAtomic(file, JSON.stringify(content) + "\n");
  return file;
}

/** The serial tree of a batch from its serial file, or undefined when there is none. */
export function loadSerialTree(network: string, batchId: string, dir = deploymentsDir()): SerialTree | undefined {
  const file = serialFilePath(network, batchId, dir);
  if (!existsSync(file)) return undefined;
  const content = JSON.parse(readFileSync(file, "utf8")) as SerialFile;
  if (content.format !== "rxtrace-serials-v1" || content.batchId !== batchId) {
    throw new InputError(file, content.format, `an rxtrace-serials-v1 file for batch ${batchId}`);
  }
  const tree = SerialTree.of(content.serials);
  if (tree.root !== content.root) throw new InputError(file, content.root, `the root of its serials (${tree.root})`);
  return tree;
}

/**
 * Reads a list of serials: one per line, or a JSON array of strings. Blank lines and `#` comments are skipped.
 */
export function parseSerialList(text: string, file: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const list = JSON.parse(trimmed) as unknown;
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) throw new InputError(file, trimmed.slice(0, 40), "a JSON array of serial strings");
    return list as string[];
  }
  return trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
