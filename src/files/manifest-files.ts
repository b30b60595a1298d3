/**
 * Manifests and case records on disk: `deployments/<network>/manifests/<shipmentId>.json` (and `pending/` while
 * a ship transaction is out) and `deployments/<network>/cases/<sscc>.json`. Each file is written whole or not
 * at all; files that are not manifests or case records are reported or skipped, never half-read.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { deploymentsDir, writeFileAtomic } from "../chain/deployment";
import { InputError } from "../domain/errors";
import { formatSscc } from "../gs1/identifiers";
import { CASE_FORMAT, type CaseRecord, MANIFEST_FORMAT, type Manifest } from "../manifests/manifest";
import { type LoadedManifest, parseManifest } from "../manifests/check";

/* ------------------------------------------------------------------ files */

/** Where the manifest of shipment `shipmentId` is kept. */
export function manifestPath(network: string, shipmentId: string, dir = deploymentsDir()): string {
  return path.join(dir, network, "manifests", `${shipmentId.toLowerCase()}.json`);
}

/**
 * Where the ship command keeps the manifest it planned while the transaction is out: if the command dies after
 * sending, the file is there for the shipment it names (the folder's own files are the only ones read back).
 */
export function pendingManifestPath(network: string, shipmentId: string, dir = deploymentsDir()): string {
  return path.join(dir, network, "manifests", "pending", `${shipmentId.toLowerCase()}.json`);
}

/** Writes a manifest whole or not at all. */
export function saveManifest(m: Manifest, file: string): string {
  writeFileAtomic(file, JSON.stringify(m) + "\n");
  return file;
}

/** Reads manifest file `file` given with flag `field`. */
export function loadManifest(file: string, field: string): Manifest {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(field, file, `a readable manifest file (${MANIFEST_FORMAT})`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(field, file, `a JSON manifest file (${(error as Error).message})`);
  }
  return parseManifest(value, file);
}

/** The manifest files kept under the deployment folder (`manifests/*.json`). */
export function manifestFiles(network: string, dir = deploymentsDir()): string[] {
  const folder = path.join(dir, network, "manifests");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => path.join(folder, name));
}

/** Reads every file of `files` that is a manifest; the others come back with what is wrong with them. */
export function loadManifests(files: readonly string[], field: string): { loaded: LoadedManifest[]; unreadable: { file: string; problem: string }[] } {
  const loaded: LoadedManifest[] = [];
  const unreadable: { file: string; problem: string }[] = [];
  for (const file of files) {
    try {
      loaded.push({ manifest: loadManifest(file, field), file });
    } catch (error) {
      unreadable.push({ file, problem: (error as Error).message });
    }
  }
  return { loaded, unreadable };
}

export function caseFilePath(network: string, sscc: bigint, dir = deploymentsDir()): string {
  return path.join(dir, network, "cases", `${formatSscc(sscc)}.json`);
}

export function saveCaseRecord(network: string, record: CaseRecord, dir = deploymentsDir()): string {
  const file = caseFilePath(network, BigInt(record.sscc), dir);
  writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/** The case records kept under the deployment folder (files that are not case records are skipped). */
export function loadCaseRecords(network: string, dir = deploymentsDir()): CaseRecord[] {
  const folder = path.join(dir, network, "cases");
  if (!existsSync(folder)) return [];
  const records: CaseRecord[] = [];
  for (const name of readdirSync(folder).filter((n) => n.endsWith(".json"))) {
    try {
      const record = JSON.parse(readFileSync(path.join(folder, name), "utf8")) as CaseRecord;
      if (record.format === CASE_FORMAT && Array.isArray(record.packs)) records.push(record);
    } catch {
      // not a case record: skipped
    }
  }
  return records;
}
