/**
 * rx:epcis-export: the on-chain history of a lot, of one pack, or of everything a partner (GLN) took part in over
 * a time range, as an EPCIS 2.0 JSON-LD document (src/epcis/export.ts says how each contract event reads in
 * EPCIS). Packs are named by the serial file, the manifests and the case records at hand; without them the lot is
 * counted instead. Read-only.
 */
import path from "node:path";
import type { RxTrace } from "../../../typechain-types";
import { batchEvents, partnerDirectory } from "../../chain/events/provenance";
import { deploymentsDir, writeFileAtomic } from "../../chain/deployment";
import { InputError } from "../../domain/errors";
import type { PartnerInfo } from "../../domain/provenance";
import { formatGtin, parseSerial } from "../../gs1/identifiers";
import { loadCaseRecords, loadManifests, manifestFiles } from "../../files/manifest-files";
import { loadSerialTree } from "../../files/serial-files";
import { EpcWriter } from "../../epcis/identifiers";
import { epcisDocumentOf, epcisEventsOf, type EpcisDocument, type ExportContext, type ExportedEvent } from "../../epcis/export";
import { parseBatchRef, requireBatch, type BatchRef } from "../shared/batch-lookup";
import { parseDate, resolvePartner } from "../shared/cli";
import type { DeploymentContext, Print } from "../packs/selection";

export interface EpcisExportArgs {
  gtin?: string;
  lot?: string;
  serial?: string;
  holder?: string;
  from?: string;
  to?: string;
  out?: string;
  urn?: boolean;
}

export type ExportScope =
  | { kind: "lot"; batch: BatchRef }
  | { kind: "pack"; batch: BatchRef; serial: string }
  | { kind: "holder"; holder: string; from?: number; to?: number };

export interface EpcisExportInput {
  scope: ExportScope;
  out?: string;
  urn: boolean;
}

const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

/** A day (YYYY-MM-DD, from its first second) or an ISO time. */
function parseTime(value: string, field: string, endOfDay: boolean): number {
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseDate(text, field) - (endOfDay ? 0 : 86399);
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) throw new InputError(field, value, "a day as YYYY-MM-DD or a time as 2026-03-01T12:00:00Z");
  return Math.floor(ms / 1000);
}

export function parseEpcisExportArgs(args: EpcisExportArgs): EpcisExportInput {
  const urn = args.urn === true;
  const out = given(args.out) ? args.out : undefined;
  if (given(args.holder)) {
    for (const [flag, value] of [["--gtin", args.gtin], ["--lot", args.lot], ["--serial", args.serial]] as const) {
      if (given(value)) throw new InputError(flag, value, "nothing with --holder (a holder's export covers every batch it took part in)");
    }
    const from = given(args.from) ? parseTime(args.from, "--from", false) : undefined;
    const to = given(args.to) ? parseTime(args.to, "--to", true) : undefined;
    if (from !== undefined && to !== undefined && to < from) throw new InputError("--to", args.to, `a time after --from ${args.from}`);
    return { scope: { kind: "holder", holder: args.holder.trim(), from, to }, out, urn };
  }
  for (const [flag, value] of [["--from", args.from], ["--to", args.to]] as const) {
    if (given(value)) throw new InputError(flag, value, "--holder with it (a time range selects a holder's events)");
  }
  if (!given(args.gtin) && !given(args.lot)) throw new InputError("--gtin/--lot", "", "a lot (--gtin and --lot), a pack (and --serial) or a holder (--holder <GLN>)");
  const batch = parseBatchRef(args);
  if (given(args.serial)) return { scope: { kind: "pack", batch, serial: parseSerial(args.serial.trim(), "--serial") }, out, urn };
  return { scope: { kind: "lot", batch }, out, urn };
}

/** The batches an account took part in, by the indexed topics of its events. */
async function batchesOf(rx: RxTrace, account: string, fromBlock: number): Promise<string[]> {
  const f = rx.filters;
  const lists = await Promise.all([
    rx.queryFilter(f.BatchCommissioned(undefined, account), fromBlock),
    rx.queryFilter(f.Shipped(undefined, undefined, account), fromBlock),
    rx.queryFilter(f.Received(undefined, undefined, account), fromBlock),
    rx.queryFilter(f.Rejected(undefined, undefined, account), fromBlock),
    rx.queryFilter(f.HandedOver(undefined, undefined, account), fromBlock),
    rx.queryFilter(f.CaseSealed(undefined, undefined, account), fromBlock),
    rx.queryFilter(f.PackDispensed(undefined, undefined, account), fromBlock),
    rx.queryFilter(f.QuarantineCondemned(undefined, account), fromBlock),
  ]);
  // A shipment's receiver is not an indexed topic: shipments to the account that it has not settled yet come from a scan.
  const toIt = (await rx.queryFilter(f.Shipped(), fromBlock)).filter((log) => log.args.receiver.toLowerCase() === account.toLowerCase());
  const ids = [...lists.flat(), ...toIt].map((log) => String(log.args.batchId).toLowerCase());
  return [...new Set(ids)];
}

/** What the exporter knows from the files at hand: serial lists, manifests and case records. */
function filesContext(network: string, dir: string): Pick<ExportContext, "serials" | "manifest" | "casePacks"> {
  const { loaded } = loadManifests(manifestFiles(network, dir), "manifest");
  const byShipment = new Map(loaded.map(({ manifest }) => [manifest.shipmentId.toLowerCase(), manifest]));
  const cases = new Map<string, string[]>();
  for (const { manifest } of loaded) for (const c of manifest.cases) cases.set(c.sscc, c.packs);
  for (const record of loadCaseRecords(network, dir)) cases.set(record.sscc, record.packs);
  return {
    serials: (batchId) => loadSerialTree(network, batchId, dir)?.serials,
    manifest: (shipmentId) => byShipment.get(shipmentId.toLowerCase()),
    casePacks: (sscc) => cases.get(sscc),
  };
}

export interface EpcisExportResult {
  document: EpcisDocument;
  file: string;
  events: number;
}

/** Builds the document of `input.scope` and writes it (to --out, else under deployments/<network>/epcis/). */
export async function exportEpcis(rx: RxTrace, context: DeploymentContext, input: EpcisExportInput, print: Print = console.log): Promise<EpcisExportResult> {
  const dir = deploymentsDir();
  const directory = await partnerDirectory(rx, context.fromBlock);
  const who = (account: string): PartnerInfo => directory.get(account.toLowerCase()) ?? { account, name: "(not a partner)", gln: "", role: "None" };
  // URNs split keys after the company prefix: the prefixes the registry assigned say where.
  const prefixes = (await rx.queryFilter(rx.filters.CompanyPrefixAssigned(), context.fromBlock)).map((e) => e.args.prefix);
  const writer = new EpcWriter(input.urn ? "urn" : "digital-link", (body) => prefixes.filter((p) => body.startsWith(p)).sort((x, y) => y.length - x.length)[0]?.length ?? 7);
  const provider = rx.runner?.provider;
  const times = new Map<number, number>();
  const ctx: ExportContext = {
    chainId: context.chainId,
    contract: context.contract,
    writer,
    who,
    time: (block) => times.get(block) ?? 0,
    ...filesContext(context.network, dir),
  };
  const scope = input.scope;
  let batchIds: string[];
  let holder: string | undefined;
  if (scope.kind === "holder") {
    holder = (await resolvePartner(rx, scope.holder, "--holder")).toLowerCase();
    batchIds = await batchesOf(rx, holder, context.fromBlock);
  } else {
    await requireBatch(rx, scope.batch);
    batchIds = [scope.batch.batchId];
  }
  const events: ExportedEvent[] = [];
  for (const batchId of batchIds) {
    const logs = await batchEvents(rx, batchId, context.fromBlock);
    for (const block of new Set(logs.map((l) => l.blockNumber))) {
      if (!times.has(block)) times.set(block, (await provider?.getBlock(block))?.timestamp ?? 0);
    }
    events.push(...epcisEventsOf(logs, ctx));
  }
  const selected = events.filter((e) => {
    if (scope.kind === "pack") return e.serials === undefined || e.serials.includes(scope.serial);
    if (scope.kind === "holder") {
      return e.parties.includes(holder as string) && (scope.from === undefined || e.time >= scope.from) && (scope.to === undefined || e.time <= scope.to);
    }
    return true;
  });
  selected.sort((x, y) => x.time - y.time || Number(x.event["rxtrace:blockNumber"]) - Number(y.event["rxtrace:blockNumber"]));
  const day = (t: number | undefined) => (t === undefined ? "-" : new Date(t * 1000).toISOString().replace(".000Z", "Z"));
  const label =
    scope.kind === "holder"
      ? `holder ${scope.holder}${scope.from !== undefined || scope.to !== undefined ? ` from ${day(scope.from)} to ${day(scope.to)}` : ""}`
      : `GTIN ${formatGtin(scope.batch.gtin)} lot ${scope.batch.lot}${scope.kind === "pack" ? ` serial ${scope.serial}` : ""}`;
  const document = epcisDocumentOf(selected, { chainId: context.chainId, contract: context.contract, scope: label });
  const name =
    scope.kind === "holder" ? `holder-${scope.holder}` : `${formatGtin(scope.batch.gtin)}-${scope.batch.lot}${scope.kind === "pack" ? `-${scope.serial}` : ""}`;
  const file = input.out ?? path.join(dir, context.network, "epcis", `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonld`);
  writeFileAtomic(file, JSON.stringify(document, null, 2) + "\n");
  print(`EPCIS 2.0 document of ${label}: ${selected.length} event${selected.length === 1 ? "" : "s"} written to ${path.relative(process.cwd(), file)}`);
  return { document, file, events: selected.length };
}
