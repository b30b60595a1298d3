/**
 * rx:import: many batches from a JSON or CSV file. The whole file is checked first (every bad line is
 * reported with its line number and field, and nothing is sent if any is bad); then each batch is sent in
 * turn with "[k/n]" progress. Re-running is safe: a batch already on-chain from the same manufacturer is
 * skipped and its serial file made sure of, so a run stopped by a crash or a refused transaction is finished
 * by running the same command again.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Signer } from "ethers";
import type { RxTrace } from "../../../typechain-types";
import { chainNow } from "../admin/admin";
import { describeRevert } from "../shared/cli";
import {
  FIELD_KEYS,
  InputErrors,
  ManufacturerView,
  REQUIRED_KEYS,
  chainStatus,
  describePlan,
  ensureSerialFile,
  planBatch,
  requireMayCommission,
  sendCommission,
  type BatchFields,
  type BatchPlan,
  type FieldKey,
} from "./commission";
import { deploymentsDir } from "../../chain/deployment";
import { InputError } from "../../domain/errors";

type Print = (line: string) => void;

/** One batch of an import file and where it is. */
export interface ImportEntry {
  /** 1-based position among the file's batches. */
  index: number;
  /** 1-based line of the file where the batch is (its CSV line, or where its JSON object starts). */
  line: number;
  /** "batches.csv line 4" / "batches.json entry 2 (line 9)": how messages name it. */
  where: string;
  fields: BatchFields;
  /** The column or key names as written in the file, for messages. */
  names: Partial<Record<FieldKey, string>>;
}

/** Column and key names: any case, with or without -, _ or spaces (min_temp, minTemp, Min Temp). */
const KEY_OF: Record<string, FieldKey> = Object.fromEntries(FIELD_KEYS.map((k) => [k.toLowerCase(), k]));

function keyOf(name: string): FieldKey | undefined {
  return KEY_OF[name.trim().toLowerCase().replace(/[-_ ]/g, "")];
}

const EXPECTED_COLUMNS = "columns gtin, lot, expiry, quantity, min_temp, max_temp, certificate, certificate_uri and optionally serials";

/** Splits one CSV line (RFC 4180 quoting, "" inside quotes); undefined when a quote is not closed. */
export function splitCsvLine(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === "") {
      quoted = true;
      wasQuoted = true;
      cell = "";
    } else if (c === ",") {
      cells.push(wasQuoted ? cell : cell.trim());
      cell = "";
      wasQuoted = false;
    } else if (!(wasQuoted && /\s/.test(c))) {
      if (wasQuoted) return undefined; // text after a closing quote
      cell += c;
    }
  }
  if (quoted) return undefined;
  cells.push(wasQuoted ? cell : cell.trim());
  return cells;
}

/** The batches of a CSV file: a header line naming the columns, then one batch per line (blank and # lines skipped). */
export function readCsv(text: string, shown: string): { entries: ImportEntry[]; errors: InputError[] } {
  const lines = text.split(/\r?\n/);
  const entries: ImportEntry[] = [];
  const errors: InputError[] = [];
  let header: { keys: (FieldKey | undefined)[]; names: string[] } | undefined;
  let stop = false;
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (stop || raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const where = `${shown} line ${lineNo}`;
    const cells = splitCsvLine(raw);
    if (!cells) {
      errors.push(new InputError(where, raw, "a well-formed CSV line (a quote is not closed, or text follows a closing quote)"));
      return;
    }
    if (!header) {
      // A spreadsheet saved with ";" or tabs: one hint, not an error for every line.
      const separator = cells.length === 1 ? [";", "\t"].find((c) => raw.includes(c)) : undefined;
      if (separator) {
        errors.push(
          new InputError(
            `${where} (header)`,
            raw,
            `${EXPECTED_COLUMNS}, separated by commas: this file separates them with ${separator === ";" ? "semicolons" : "tabs"} ` +
              "(save it as CSV with commas, e.g. LibreOffice: field delimiter \",\")",
          ),
        );
        header = { keys: [], names: [] };
        stop = true;
        return;
      }
      const keys = cells.map(keyOf);
      const unknown = cells.filter((_, j) => keys[j] === undefined);
      const missing = REQUIRED_KEYS.filter((k) => !keys.includes(k));
      const repeated = keys.filter((k, j) => k !== undefined && keys.indexOf(k) !== j);
      if (unknown.length > 0) errors.push(new InputError(`${where} (header)`, unknown.join(","), `only ${EXPECTED_COLUMNS}`));
      if (missing.length > 0) errors.push(new InputError(`${where} (header)`, raw, `${EXPECTED_COLUMNS} (missing: ${missing.join(", ")})`));
      if (repeated.length > 0) errors.push(new InputError(`${where} (header)`, raw, `each column once (repeated: ${repeated.join(", ")})`));
      header = { keys, names: cells };
      return;
    }
    if (cells.length !== header.keys.length) {
      errors.push(new InputError(`${where}, columns`, raw, `${header.keys.length} comma-separated fields as in the header (${header.names.join(",")}), found ${cells.length}`));
      return;
    }
    const fields: BatchFields = {};
    const names: Partial<Record<FieldKey, string>> = {};
    header.keys.forEach((key, j) => {
      if (key === undefined) return;
      fields[key] = cells[j];
      names[key] = header?.names[j];
    });
    entries.push({ index: entries.length + 1, line: lineNo, where, fields, names });
  });
  if (!header) errors.push(new InputError(shown, "", `a header line with the ${EXPECTED_COLUMNS}`));
  return { entries, errors };
}

/** The line where each element of the first array in a JSON text starts (strings and nesting respected). */
export function jsonArrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let inString = false;
  let depth = 0;
  let arrayDepth = -1;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (arrayDepth >= 0 && depth === arrayDepth + 1 && expectValue && c !== "]") {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (c === "[" && arrayDepth < 0) {
        arrayDepth = depth - 1;
        expectValue = true;
      }
    } else if (c === "]" || c === "}") {
      depth--;
      if (depth === arrayDepth) break;
    } else if (c === "," && arrayDepth >= 0 && depth === arrayDepth + 1) expectValue = true;
  }
  return lines;
}

/** The batches of a JSON file: an array of objects (or `{ "batches": [...] }`) with the fields of rx:commission. */
export function readJson(text: string, shown: string): { entries: ImportEntry[]; errors: InputError[] } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { entries: [], errors: [new InputError(shown, text.slice(0, 40), `valid JSON (${(error as Error).message})`)] };
  }
  const list = Array.isArray(document) ? document : (document as { batches?: unknown } | null)?.batches;
  if (!Array.isArray(list)) {
    return { entries: [], errors: [new InputError(shown, text.slice(0, 40), 'a JSON array of batches, or { "batches": [ … ] }')] };
  }
  const lines = jsonArrayElementLines(text);
  const entries: ImportEntry[] = [];
  const errors: InputError[] = [];
  list.forEach((item: unknown, i) => {
    const line = lines.length === list.length ? lines[i] : 0;
    const where = line > 0 ? `${shown} entry ${i + 1} (line ${line})` : `${shown} entry ${i + 1}`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      errors.push(new InputError(where, item, "an object with the fields gtin, lot, expiry, quantity, minTemp, maxTemp, certificate, certificateUri, serials"));
      return;
    }
    const fields: BatchFields = {};
    const names: Partial<Record<FieldKey, string>> = {};
    for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
      const key = keyOf(name);
      if (key === undefined) {
        errors.push(new InputError(`${where}, ${name}`, value, `only the fields ${FIELD_KEYS.join(", ")}`));
        continue;
      }
      if (value === null || value === undefined) continue;
      if (typeof value !== "string" && typeof value !== "number") {
        errors.push(new InputError(`${where}, ${name}`, value, "a string or a number"));
        continue;
      }
      fields[key] = String(value);
      names[key] = name;
    }
    entries.push({ index: i + 1, line, where, fields, names });
  });
  return { entries, errors };
}

/** Reads an import file by its extension (.json or .csv). */
export function readImportFile(file: string, shown = file): { entries: ImportEntry[]; errors: InputError[] } {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError("--file", shown, "a readable .json or .csv file of batches");
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") return readJson(text, shown);
  if (ext === ".csv") return readCsv(text, shown);
  throw new InputError("--file", shown, "a file ending in .json or .csv");
}

export interface ImportOptions {
  rx: RxTrace;
  signer: Signer;
  signerAddress: string;
  network: string;
  /** The import file. */
  file: string;
  /** The deployment's block, where event queries start. */
  fromBlock?: number;
  /** Where serial files go (deployments/ by default). */
  dir?: string;
  print?: Print;
  /** Awaited just before each transaction is sent (progress displays; tests use it to change the chain mid-import). */
  beforeSend?: (entry: ImportEntry, plan: BatchPlan) => Promise<void>;
}

export interface ImportSummary {
  total: number;
  commissioned: string[];
  skipped: string[];
  failed: number;
}

/** An import that stopped at a batch the chain refused: the batches before it are on-chain. */
export class ImportStopped extends Error {
  constructor(
    message: string,
    readonly summary: ImportSummary,
    readonly entry: ImportEntry,
  ) {
    super(message);
    this.name = "ImportStopped";
  }
}

/** Checks the whole file (off-chain, then against the chain) and commissions what is not on-chain yet. */
export async function importBatches(options: ImportOptions): Promise<ImportSummary> {
  const { rx, signer, signerAddress, network } = options;
  const print = options.print ?? console.log;
  const relative = path.relative(process.cwd(), path.resolve(options.file));
  const shown = relative === "" || relative.startsWith("..") ? path.resolve(options.file) : relative;
  const read = readImportFile(options.file, shown);
  const errors = [...read.errors];
  const now = await chainNow(rx);
  const fileHashes = new Map<string, string>();
  const baseDir = path.dirname(path.resolve(options.file));
  const planned: { entry: ImportEntry; plan: BatchPlan }[] = [];
  const seen = new Map<string, ImportEntry>();
  const labelOf = (entry: ImportEntry) => (key: FieldKey) => `${entry.where}, ${entry.names[key] ?? key}`;
  for (const entry of read.entries) {
    const { plan, errors: lineErrors } = planBatch(entry.fields, { label: labelOf(entry), baseDir, now, fileHashes });
    errors.push(...lineErrors);
    if (!plan) continue;
    const earlier = seen.get(plan.batchId);
    if (earlier) {
      errors.push(new InputError(labelOf(entry)("lot"), plan.lot, `each GTIN and lot once in the file (${describePlan(plan)} is also at ${earlier.where})`));
      continue;
    }
    seen.set(plan.batchId, entry);
    planned.push({ entry, plan });
  }
  if (errors.length === 0 && planned.length === 0) errors.push(new InputError(shown, "", "at least one batch"));
  const refuse = (list: InputError[]) =>
    new InputErrors(list, `${shown}: ${list.length} error${list.length === 1 ? "" : "s"}, nothing was sent (fix ${list.length === 1 ? "it" : "them"} and run again):`);
  if (errors.length > 0) throw refuse(errors);

  const view = await ManufacturerView.load(rx, signerAddress, options.fromBlock);
  await requireMayCommission(rx, signer, view, planned[0].plan);
  const states: ("new" | "onchain")[] = [];
  for (const { entry, plan } of planned) {
    const status = await chainStatus(view, plan, labelOf(entry));
    if (status.state === "conflict") errors.push(status.error);
    else states.push(status.state);
  }
  if (errors.length > 0) throw refuse(errors);

  const n = planned.length;
  const pending = states.filter((s) => s === "new").length;
  print(`import ${shown}: ${n} batch${n === 1 ? "" : "es"} as ${signerAddress} on "${network}": ${pending} to commission, ${n - pending} on-chain already`);
  const summary: ImportSummary = { total: n, commissioned: [], skipped: [], failed: 0 };
  for (let k = 0; k < n; k++) {
    const { entry, plan } = planned[k];
    const head = `[${k + 1}/${n}] line ${entry.line} ${describePlan(plan)}`;
    if (states[k] === "onchain") {
      const { file, written } = ensureSerialFile(network, plan, options.dir ?? deploymentsDir());
      const serialNote = file ? (written ? ", serial file written again" : ", serial file present") : "";
      print(`${head}: skipped, already on-chain as batch ${plan.batchId}${serialNote}`);
      summary.skipped.push(plan.batchId);
      continue;
    }
    try {
      if (options.beforeSend) await options.beforeSend(entry, plan);
      await sendCommission(rx, signer, plan, network, `${head}: commissioned batch ${plan.batchId}`, print, options.dir ?? deploymentsDir());
      summary.commissioned.push(plan.batchId);
    } catch (error) {
      summary.failed = 1;
      const revert = describeRevert(error, rx.interface);
      const reason = revert ? `the contract refused: ${revert}` : error instanceof Error ? error.message : String(error);
      print(`${head}: failed: ${reason}`);
      print(`stopped at ${entry.where}: ${summaryText(summary)}, ${n - k - 1} not attempted`);
      throw new ImportStopped(
        `${entry.where} (${describePlan(plan)}) failed: ${reason}; ${summary.commissioned.length} batch(es) before it were commissioned. ` +
          "Fix the cause and run the same command again: batches already on-chain are skipped.",
        summary,
        entry,
      );
    }
  }
  print(`done: ${summaryText(summary)}`);
  return summary;
}

function summaryText(s: ImportSummary): string {
  return `${s.commissioned.length} commissioned, ${s.skipped.length} skipped, ${s.failed} failed`;
}
