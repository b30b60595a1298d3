/**
 * A pack's provenance, rebuilt from the contract's events alone (no database): who commissioned its batch,
 * every custody leg with quantities and temperature summaries, recalls and holds, and its dispensing.
 * The verify command, the demo and any web page print what this returns.
 */
import type { EventLog, Log } from "ethers";
import type { RxTrace } from "../../typechain-types";
import { formatCelsius, Role, RecallClass, RejectionReason, Verdict, VERDICT_TEXT } from "./domain";
import { formatGln, formatGtin, type PackIdentity, expiryToYYMMDD } from "./gs1";
import { serialToBytes32 } from "./ids";

export interface PartnerInfo {
  account: string;
  name: string;
  gln: string;
  role: string;
}

export interface TemperatureSummary {
  minTemp: number;
  maxTemp: number;
  meanKineticTemp: number;
  minutesOutOfRange: number;
  loggerHash: string;
}

export type TimelineEntry =
  | { kind: "commissioned"; time: number; block: number; tx: string; by: PartnerInfo; quantity: string; expiry: number; certificateHash: string; certificateURI: string; serialRoot: string }
  | { kind: "shipped"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string; isReturn: boolean }
  | { kind: "received"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; quantity: string; leg: TemperatureSummary; excursion: boolean }
  | { kind: "rejected"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; quantity: string; reason: string; evidence: string }
  | { kind: "recalled"; time: number; block: number; tx: string; by: PartnerInfo; recallClass: string; reasonHash: string; reasonURI: string }
  | { kind: "flagged-suspect" | "suspect-cleared" | "declared-illegitimate"; time: number; block: number; tx: string; by: PartnerInfo; reason: string }
  | { kind: "quarantine-released" | "quarantine-condemned"; time: number; block: number; tx: string; holder: PartnerInfo; by: PartnerInfo; quantity: string }
  | { kind: "dispensed"; time: number; block: number; tx: string; by: PartnerInfo };

export interface PackReport {
  verdict: string;
  verdictCode: number;
  verdictText: string;
  pack: { gtin: string; lot: string; serial: string; expiry?: string };
  batchId: string;
  /** The expiry on the pack's code agrees with the batch record (undefined when the code has none). */
  expiryMatches?: boolean;
  certificate?: { hash: string; uri: string; matches?: boolean };
  timeline: TimelineEntry[];
}

function isEventLog(log: EventLog | Log): log is EventLog {
  return "args" in log;
}

/** Partner names and GLNs from `PartnerOnboarded`. */
export async function partnerDirectory(rx: RxTrace, fromBlock = 0): Promise<Map<string, PartnerInfo>> {
  const directory = new Map<string, PartnerInfo>();
  for (const e of await rx.queryFilter(rx.filters.PartnerOnboarded(), fromBlock)) {
    directory.set(e.args.account.toLowerCase(), {
      account: e.args.account,
      name: e.args.name,
      gln: formatGln(e.args.gln),
      role: Role[Number(e.args.role)],
    });
  }
  return directory;
}

/** The events of one batch (and, with a serial, of that pack's dispensing), oldest first. */
export async function batchTimeline(rx: RxTrace, batchId: string, serial?: string, fromBlock = 0): Promise<TimelineEntry[]> {
  const directory = await partnerDirectory(rx, fromBlock);
  const who = (account: string): PartnerInfo =>
    directory.get(account.toLowerCase()) ?? { account, name: "(not a partner)", gln: "", role: "None" };
  const f = rx.filters;
  const queries = [
    rx.queryFilter(f.BatchCommissioned(batchId), fromBlock),
    rx.queryFilter(f.Shipped(undefined, batchId), fromBlock),
    rx.queryFilter(f.Received(undefined, batchId), fromBlock),
    rx.queryFilter(f.Rejected(undefined, batchId), fromBlock),
    rx.queryFilter(f.BatchRecalled(batchId), fromBlock),
    rx.queryFilter(f.BatchFlaggedSuspect(batchId), fromBlock),
    rx.queryFilter(f.SuspectCleared(batchId), fromBlock),
    rx.queryFilter(f.BatchDeclaredIllegitimate(batchId), fromBlock),
    rx.queryFilter(f.QuarantineReleased(batchId), fromBlock),
    rx.queryFilter(f.QuarantineCondemned(batchId), fromBlock),
    serial ? rx.queryFilter(f.PackDispensed(batchId, serial), fromBlock) : Promise.resolve([]),
  ] as const;
  const logs = (await Promise.all(queries)).flat() as (EventLog | Log)[];
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const times = new Map<number, number>();
  for (const block of new Set(logs.map((l) => l.blockNumber))) {
    const b = await rx.runner?.provider?.getBlock(block);
    times.set(block, b?.timestamp ?? 0);
  }
  const entries: TimelineEntry[] = [];
  for (const log of logs) {
    if (!isEventLog(log)) continue;
    const base = { time: times.get(log.blockNumber) ?? 0, block: log.blockNumber, tx: log.transactionHash };
    const a = log.args;
    switch (log.eventName) {
      case "BatchCommissioned":
        entries.push({ kind: "commissioned", ...base, by: who(a.manufacturer), quantity: a.batch.quantity.toString(), expiry: Number(a.batch.expiry), certificateHash: a.batch.certificateHash, certificateURI: a.batch.certificateURI, serialRoot: a.batch.serialRoot });
        break;
      case "Shipped":
        entries.push({ kind: "shipped", ...base, shipmentId: a.shipmentId, from: who(a.sender), to: who(a.receiver), quantity: a.quantity.toString(), isReturn: a.isReturn });
        break;
      case "Received":
        entries.push({
          kind: "received", ...base, shipmentId: a.shipmentId, from: who(a.sender), by: who(a.receiver), quantity: a.quantity.toString(),
          leg: { minTemp: Number(a.leg.minTemp), maxTemp: Number(a.leg.maxTemp), meanKineticTemp: Number(a.leg.meanKineticTemp), minutesOutOfRange: Number(a.leg.minutesOutOfRange), loggerHash: a.leg.loggerHash },
          excursion: a.excursion,
        });
        break;
      case "Rejected":
        entries.push({ kind: "rejected", ...base, shipmentId: a.shipmentId, from: who(a.sender), by: who(a.receiver), quantity: a.quantity.toString(), reason: RejectionReason[Number(a.reason)], evidence: a.evidence });
        break;
      case "BatchRecalled":
        entries.push({ kind: "recalled", ...base, by: who(a.by), recallClass: RecallClass[Number(a.recallClass)], reasonHash: a.reasonHash, reasonURI: a.reasonURI });
        break;
      case "BatchFlaggedSuspect":
        entries.push({ kind: "flagged-suspect", ...base, by: who(a.by), reason: a.reason });
        break;
      case "SuspectCleared":
        entries.push({ kind: "suspect-cleared", ...base, by: who(a.regulator), reason: a.reason });
        break;
      case "BatchDeclaredIllegitimate":
        entries.push({ kind: "declared-illegitimate", ...base, by: who(a.regulator), reason: a.reason });
        break;
      case "QuarantineReleased":
      case "QuarantineCondemned":
        entries.push({ kind: log.eventName === "QuarantineReleased" ? "quarantine-released" : "quarantine-condemned", ...base, holder: who(a.holder), by: who(a.regulator), quantity: a.quantity.toString() });
        break;
      case "PackDispensed":
        entries.push({ kind: "dispensed", ...base, by: who(a.dispenser) });
        break;
    }
  }
  return entries;
}

export interface VerifyOptions {
  /** The Merkle proof of the serial; empty when the serial is unknown to the verifier's serial file. */
  proof: string[];
  /** Check the custody of this account (zero address: skip). */
  holder?: string;
  /** keccak256 of a certificate document at hand, to compare with the commitment. */
  certificateHash?: string;
  fromBlock?: number;
}

/** The verdict on a pack and its timeline. */
export async function verifyPack(rx: RxTrace, pack: PackIdentity, options: VerifyOptions): Promise<PackReport> {
  const serial32 = serialToBytes32(pack.serial);
  const holder = options.holder ?? "0x0000000000000000000000000000000000000000";
  const [code, batchId] = await rx.verifyPack(pack.gtin, pack.lot, serial32, options.proof, holder);
  const verdictCode = Number(code);
  const timeline = verdictCode === Verdict.UnknownBatch ? [] : await batchTimeline(rx, batchId, serial32, options.fromBlock);
  const commissioned = timeline.find((e) => e.kind === "commissioned");
  const report: PackReport = {
    verdict: Verdict[verdictCode],
    verdictCode,
    verdictText: VERDICT_TEXT[verdictCode as Verdict],
    pack: { gtin: formatGtin(pack.gtin), lot: pack.lot, serial: pack.serial, expiry: pack.expiry },
    batchId,
    timeline,
  };
  if (commissioned && commissioned.kind === "commissioned") {
    if (pack.expiry) report.expiryMatches = expiryToYYMMDD(commissioned.expiry) === pack.expiry;
    report.certificate = { hash: commissioned.certificateHash, uri: commissioned.certificateURI };
    if (options.certificateHash) report.certificate.matches = options.certificateHash.toLowerCase() === commissioned.certificateHash.toLowerCase();
  }
  return report;
}

/** "AlreadyDispensed" -> "ALREADY DISPENSED". */
export function verdictLabel(verdict: string): string {
  return verdict.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

const date = (time: number) => new Date(time * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
const party = (p: PartnerInfo) => (p.gln ? `${p.name} (GLN ${p.gln})` : `${p.name} ${p.account}`);

/** The report as lines for a terminal. */
export function formatReport(report: PackReport): string[] {
  const lines = [
    `${verdictLabel(report.verdict)}: ${report.verdictText}`,
    `pack   GTIN ${report.pack.gtin}  lot ${report.pack.lot}  serial ${report.pack.serial}${report.pack.expiry ? `  expiry ${report.pack.expiry}` : ""}`,
    `batch  ${report.batchId}`,
  ];
  if (report.expiryMatches === false) lines.push("WARNING: the expiry printed on the pack differs from the batch record");
  for (const e of report.timeline) {
    const when = date(e.time);
    switch (e.kind) {
      case "commissioned":
        lines.push(`${when}  commissioned by ${party(e.by)}: ${e.quantity} units, expires ${expiryToYYMMDD(e.expiry)}`);
        break;
      case "shipped":
        lines.push(`${when}  ${e.isReturn ? "returned" : "shipped"} ${e.quantity} units ${party(e.from)} -> ${party(e.to)}`);
        break;
      case "received":
        lines.push(
          `${when}  received ${e.quantity} units by ${party(e.by)} from ${party(e.from)}: ` +
            `${formatCelsius(e.leg.minTemp)} to ${formatCelsius(e.leg.maxTemp)}, MKT ${formatCelsius(e.leg.meanKineticTemp)}, ` +
            `${e.leg.minutesOutOfRange} min out of range${e.excursion ? "  EXCURSION: quarantined" : ""}`,
        );
        break;
      case "rejected":
        lines.push(`${when}  rejected ${e.quantity} units by ${party(e.by)} (${e.reason}), back to ${party(e.from)}`);
        break;
      case "recalled":
        lines.push(`${when}  RECALLED (class ${e.recallClass}) by ${party(e.by)}: ${e.reasonURI}`);
        break;
      case "flagged-suspect":
        lines.push(`${when}  put on hold as suspect by ${party(e.by)}`);
        break;
      case "suspect-cleared":
        lines.push(`${when}  cleared of suspicion by ${party(e.by)}`);
        break;
      case "declared-illegitimate":
        lines.push(`${when}  DECLARED ILLEGITIMATE by ${party(e.by)}`);
        break;
      case "quarantine-released":
      case "quarantine-condemned":
        lines.push(`${when}  ${e.quantity} quarantined units of ${party(e.holder)} ${e.kind === "quarantine-released" ? "released" : "condemned"} by ${party(e.by)}`);
        break;
      case "dispensed":
        lines.push(`${when}  this pack was dispensed by ${party(e.by)}`);
        break;
    }
  }
  if (report.certificate) {
    const match = report.certificate.matches === undefined ? "" : report.certificate.matches ? "  (document matches)" : "  (DOCUMENT DOES NOT MATCH)";
    lines.push(`certificate of origin ${report.certificate.hash} at ${report.certificate.uri}${match}`);
  }
  return lines;
}

/** Exit code of the verify command: 0 only for a genuine pack whose label agrees with the chain. */
export const LABEL_MISMATCH_EXIT_CODE = 20;

export function verdictExitCode(report: PackReport): number {
  if (report.verdictCode !== Verdict.Genuine) return 10 + report.verdictCode;
  if (report.expiryMatches === false || report.certificate?.matches === false) return LABEL_MISMATCH_EXIT_CODE;
  return 0;
}
