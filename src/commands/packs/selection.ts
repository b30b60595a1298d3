/**
 * Pack selection, owned here: what a partner holds pack by pack (its serial file, the manifests under the
 * deployment folder and the chain: `packLedger`), choosing the packs and cases of a shipment (`selectPacks`,
 * `planPackShipment`, used by rx:ship and rx:sign alike) and checking a received manifest. The dependency runs
 * one way: this module calls the pure manifest code (src/manifests: build, check, holdings), which never calls
 * back. Sealing and opening cases is cases.ts.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { RxTrace } from "../../../typechain-types";
import { type BatchRef, type KnownBatch } from "../shared/batch-lookup";
import type { DeploymentRecord } from "../../chain/deployment";
import { InputError } from "../../domain/errors";
import { formatSscc, parseSerial, parseSscc } from "../../gs1/identifiers";
import { buildManifest, combineProvers, KnownBatchNodes, packsOf, type BatchProver, type Manifest, type ManifestCase } from "../../manifests/manifest";
import { checkManifest } from "../../manifests/check";
import { knownCaseContents, packsHeld, packsQuarantined } from "../../manifests/holdings";
import { loadCaseRecords, loadManifests, manifestFiles } from "../../files/manifest-files";
import { custodyFacts } from "../../chain/events/provenance";
import { type CustodyFacts, type LegFact } from "../../domain/provenance";
import { loadSerialTree, parseSerialList } from "../../files/serial-files";

export type Print = (line: string) => void;

/** Where a command runs: the deployment's network, chain, contract and first block. */
export interface DeploymentContext {
  network: string;
  chainId: number;
  contract: string;
  fromBlock: number;
}

export function contextOf(record: DeploymentRecord): DeploymentContext {
  return { network: record.network, chainId: record.chainId, contract: record.contracts.RxTrace.address, fromBlock: record.contracts.RxTrace.blockNumber };
}

/** Reads a list of pack serials (one per line or a JSON array): each valid, none repeated, at least one. */
export function readSerialList(file: string | undefined, field: string): string[] {
  if (file === undefined || file === "" || !existsSync(file) || !statSync(file).isFile()) {
    throw new InputError(field, file ?? "", "a readable file of pack serials (one per line, or a JSON array)");
  }
  let serials: string[];
  try {
    serials = parseSerialList(readFileSync(file, "utf8"), file);
  } catch (error) {
    throw new InputError(field, file, error instanceof InputError ? error.expected : `a list of serials (${(error as Error).message})`);
  }
  if (serials.length === 0) throw new InputError(field, file, "at least one serial");
  const seen = new Map<string, number>();
  serials.forEach((serial, i) => {
    parseSerial(serial, `${field} ${path.basename(file)} serial ${i + 1}`);
    const before = seen.get(serial);
    if (before !== undefined) throw new InputError(`${field} ${path.basename(file)} serial ${i + 1}`, serial, `each pack listed once (also serial ${before + 1})`);
    seen.set(serial, i);
  });
  return serials;
}

/** A comma-separated list of SSCCs, each with a correct check digit, none repeated. */
export function parseSsccList(value: string, field: string): bigint[] {
  const ssccs = value.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => parseSscc(s, field));
  if (ssccs.length === 0) throw new InputError(field, value, "one or more SSCCs separated by commas");
  const seen = new Set<bigint>();
  for (const sscc of ssccs) {
    if (seen.has(sscc)) throw new InputError(field, formatSscc(sscc), "each case listed once");
    seen.add(sscc);
  }
  return ssccs;
}

/* ------------------------------------------------------------- the ledger */

/** What one partner holds of one batch, pack by pack, as far as the files at hand and the chain say. */
export interface PackLedger {
  facts: CustodyFacts;
  /** The batch's manifests at hand that match the chain. */
  manifests: Manifest[];
  /** Manifests of the batch at hand that do not match the chain (ignored). */
  invalid: { file: string; problems: string[] }[];
  prover: BatchProver;
  /** The commissioned serials, when the batch's serial file is here. */
  commissioned?: readonly string[];
  held: Set<string>;
  /** SSCC -> packs, for the batch's cases whose contents are known here. */
  cases: Map<string, string[]>;
  /** Serial -> SSCC of the sealed (not opened) case that holds it. */
  sealedPack: Map<string, string>;
  /**
   * Held packs that came to the holder into quarantine (packsQuarantined), while the holder has quarantined units
   * of the batch on chain: not picked, and refused by name.
   */
  quarantined: Set<string>;
}

/** The ledger of `holder` for `batch`: reads the chain, the serial file, the manifests and the case records. */
export async function packLedger(rx: RxTrace, context: DeploymentContext, batch: BatchRef, holder: string): Promise<PackLedger> {
  const facts = await custodyFacts(rx, batch.batchId, context.fromBlock);
  const { loaded } = loadManifests(manifestFiles(context.network), "manifest");
  const manifests: Manifest[] = [];
  const invalid: PackLedger["invalid"] = [];
  for (const { manifest, file } of loaded) {
    if (manifest.batchId.toLowerCase() !== batch.batchId.toLowerCase()) continue;
    const problems = checkManifest(manifest, { chainId: context.chainId, contract: context.contract, custody: facts });
    if (problems.length === 0) manifests.push(manifest);
    else invalid.push({ file, problems });
  }
  const provers: BatchProver[] = [];
  const tree = loadSerialTree(context.network, batch.batchId);
  const commissioned = tree && facts.serialRoot && tree.root === facts.serialRoot.toLowerCase() ? tree.serials : undefined;
  if (tree && commissioned) provers.push(tree);
  if (facts.serialRoot) {
    const known = new KnownBatchNodes(facts.serialRoot);
    for (const m of manifests) known.add(m);
    provers.push(known);
  }
  const cases = knownCaseContents(facts, loadCaseRecords(context.network), manifests);
  const sealedPack = new Map<string, string>();
  for (const [sscc, packs] of cases) {
    if (facts.cases.get(sscc)?.opened) continue;
    for (const serial of packs) sealedPack.set(serial, sscc);
  }
  const held = packsHeld(holder, facts, manifests, commissioned);
  const { quarantined: onChain } = await rx.holding(batch.batchId, holder);
  return {
    facts,
    manifests,
    invalid,
    prover: combineProvers(provers),
    commissioned,
    held,
    cases,
    sealedPack,
    quarantined: onChain > 0n ? packsQuarantined(holder, facts, manifests, held) : new Set(),
  };
}

/** Why `holder` cannot ship `serial`, in words. */
export function whyNotHeld(ledger: PackLedger, holder: string, serial: string): string {
  const me = holder.toLowerCase();
  const shipped = ledger.manifests.filter((m) => m.sender.toLowerCase() === me && packsOf(m).includes(serial));
  const settled = new Map(ledger.facts.legs.map((l) => [l.shipmentId.toLowerCase(), l.settlement]));
  const standing = shipped.filter((m) => !["rejected", "cancelled"].includes(settled.get(m.shipmentId.toLowerCase()) ?? ""));
  if (standing.length > 0) return `a pack ${holder} holds (it shipped this one in shipment ${standing[standing.length - 1].shipmentId})`;
  if (ledger.commissioned && !ledger.commissioned.includes(serial)) return "a serial commissioned in this batch";
  if (ledger.facts.manufacturer?.toLowerCase() === me && !ledger.commissioned) {
    return "a pack of the batch's serial file (there is none here: pack-level shipping starts from it)";
  }
  return `a pack ${holder} holds (no manifest at hand delivered it to ${holder})`;
}

/* ------------------------------------------------------------ shipping */

/** The packs of a shipment as the flags chose them. */
export interface PackSelection {
  serialsFile?: string;
  serials?: string[];
  allRemaining: boolean;
  cases: bigint[];
  /**
   * Pick this many of the packs the sender holds loose, in the batch's serial order (`rx:ship --quantity` of a
   * serialized lot to a dispenser, which the contract accepts only as a pack leg).
   */
  pick?: number;
}

/** The loose packs and cases of a shipment, every one held by `holder`. */
export function selectPacks(ledger: PackLedger, holder: string, selection: PackSelection): { packs: string[]; cases: ManifestCase[] } {
  const cases: ManifestCase[] = selection.cases.map((value) => {
    const sscc = formatSscc(value);
    const sealed = ledger.facts.cases.get(sscc);
    if (!sealed) throw new InputError("--cases", sscc, "a case sealed with packs of this batch (this SSCC was not; seal it with rx:case-seal)");
    if (sealed.opened) throw new InputError("--cases", sscc, `a sealed case (it was opened in block ${sealed.opened.block}: ship its packs loose)`);
    const packs = ledger.cases.get(sscc);
    if (!packs) throw new InputError("--cases", sscc, "a case whose packs are known here (no case record or received manifest lists them)");
    const missing = packs.find((serial) => !ledger.held.has(serial));
    if (missing !== undefined) throw new InputError("--cases", sscc, `a case held by ${holder} (its pack ${missing} is not: ${whyNotHeld(ledger, holder, missing)})`);
    return { sscc, contents: sealed.contents.toLowerCase(), packs };
  });
  const inListedCase = new Set(cases.flatMap((c) => c.packs));
  let packs: string[] = [];
  if (selection.serials) {
    for (const serial of selection.serials) {
      const sscc = ledger.sealedPack.get(serial);
      if (inListedCase.has(serial)) throw new InputError("--serials", serial, `a pack not also in a listed case (it is in case ${sscc})`);
      if (sscc) throw new InputError("--serials", serial, `a loose pack (it is in sealed case ${sscc}: ship the case with --cases, or open it with rx:case-open)`);
      if (!ledger.held.has(serial)) throw new InputError("--serials", serial, whyNotHeld(ledger, holder, serial));
      if (ledger.quarantined.has(serial)) throw new InputError("--serials", serial, `a saleable pack (it came to ${holder} into quarantine; a regulator decides on it first)`);
    }
    packs = selection.serials;
  } else if (selection.pick !== undefined) {
    const order = ledger.commissioned ?? [...ledger.held].sort();
    const loose = order.filter((serial) => ledger.held.has(serial) && !ledger.sealedPack.has(serial) && !ledger.quarantined.has(serial));
    if (loose.length < selection.pick) {
      const source = ledger.facts.manufacturer?.toLowerCase() === holder.toLowerCase() && !ledger.commissioned
        ? "the batch's serial file, which is not here"
        : "the manifests at hand: a lot-level leg brings units no file names";
      throw new InputError(
        "--quantity",
        BigInt(selection.pick),
        `at most ${loose.length}, the packs ${holder} holds loose and saleable by ${source} (a serialized lot reaches a dispenser only in pack legs, ` +
          `CustodyManifestRequired: name the packs with --serials or --cases, or ship fewer)`,
      );
    }
    packs = loose.slice(0, selection.pick);
  } else if (selection.allRemaining) {
    const order = ledger.commissioned ?? [...ledger.held].sort();
    packs = order.filter((serial) => ledger.held.has(serial) && !ledger.sealedPack.has(serial) && !inListedCase.has(serial) && !ledger.quarantined.has(serial));
    if (packs.length === 0 && cases.length === 0) {
      const why = ledger.facts.manufacturer?.toLowerCase() === holder.toLowerCase() && !ledger.commissioned
        ? "the batch's serial file, which is not here"
        : `packs that ${holder} holds by the manifests at hand, loose (there are none)`;
      throw new InputError("--all-remaining", true, why);
    }
  }
  return { packs, cases };
}

export interface ShipPacksPlan {
  manifest: Manifest;
  loose: number;
  inCases: number;
}

/** The manifest of a shipment from `sender` to `receiver` of the chosen packs, with the predicted shipment id. */
export async function planPackShipment(
  rx: RxTrace,
  context: DeploymentContext,
  batch: KnownBatch,
  sender: string,
  receiver: string,
  selection: PackSelection,
  print: Print,
): Promise<ShipPacksPlan> {
  const ledger = await packLedger(rx, context, batch, sender);
  for (const { file, problems } of ledger.invalid) print(`skipped ${file}: it does not match the chain (${problems[0]})`);
  if (!ledger.facts.serialRoot || BigInt(ledger.facts.serialRoot) === 0n) {
    throw new InputError("--gtin/--lot", batch.lot, "a serialized batch (this one was commissioned without serials: ship it by --quantity)");
  }
  const { packs, cases } = selectPacks(ledger, sender, selection);
  const { shipments } = await rx.holding(batch.batchId, sender);
  const manifest = buildManifest(
    { chainId: context.chainId, contract: context.contract, gtin: batch.gtin, lot: batch.lot, serialRoot: ledger.facts.serialRoot, sender, receiver, nonce: shipments, packs, cases },
    ledger.prover,
  );
  return { manifest, loose: packs.length, inCases: manifest.quantity - packs.length };
}

/** "12 packs (10 loose, 2 in 1 sealed case)". */
export function describeContents(m: Pick<Manifest, "packs" | "cases">): string {
  const total = packsOf(m).length;
  const inCases = total - m.packs.length;
  const cases = m.cases.length;
  return `${total} pack${total === 1 ? "" : "s"} (${m.packs.length} loose, ${inCases} in ${cases} sealed case${cases === 1 ? "" : "s"})`;
}

/* ------------------------------------------------------------ receiving */

/**
 * Problems of manifest `m` as the manifest of in-transit shipment `shipmentId`, checked against the chain.
 * `pending`: a leg that is signed but not on the chain yet (a signed ship or a co-signed handover before it is
 * submitted), checked as if it were the chain's latest leg, so the same checks apply before anyone signs on.
 */
export async function checkReceivedManifest(
  rx: RxTrace,
  context: DeploymentContext,
  m: Manifest,
  shipmentId: string,
  batchId: string,
  pending?: LegFact,
): Promise<string[]> {
  const facts = await custodyFacts(rx, batchId, context.fromBlock);
  if (pending) facts.legs.push(pending);
  const problems: string[] = [];
  if (m.shipmentId.toLowerCase() !== shipmentId.toLowerCase()) problems.push(`shipmentId: ${m.shipmentId}, but this is shipment ${shipmentId}`);
  // A case counts when it was sealed as the leg left. One opened on chain while the leg was in transit (by a
  // holder of the batch who need not hold the case: the contract cannot tell) does not void the leg; its packs
  // travel loose from here on.
  problems.push(...checkManifest(m, { chainId: context.chainId, contract: context.contract, custody: facts }));
  return problems;
}
