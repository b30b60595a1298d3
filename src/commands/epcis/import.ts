/**
 * rx:epcis-import: what a manufacturer's serialization system emits, as EPCIS 2.0 JSON-LD or EPCIS 1.2 XML, on
 * the chain through the same code paths as rx:import, rx:case-seal and rx:ship: commissioning events become
 * batches with their serial trees (planBatch, chainStatus, sendCommission), packing events sealed cases
 * (sealCase), shipping events by the signer shipments (shipUnits: pack shipments with a manifest, or by quantity
 * for a lot counted in a quantityList). Other events (receiving, dispensing, …) are the other parties' to record
 * and are listed as not imported.
 *
 * The whole document is checked first, off-chain then against the chain, and every problem is named by its
 * event and field; nothing is sent when there is one. A re-run after a crash finishes the rest: a batch on-chain
 * with the same data is skipped (chainStatus), a case sealed with the same packs is skipped, and the k-th shipping
 * event from the signer to a receiver of a batch with a quantity is skipped when the chain has k such shipments.
 * RXTRACE_EPCIS_FAIL_AFTER=N stops the run before its (N+1)-th transaction, as a crash would (the tests use it).
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { deploymentsDir } from "../../chain/deployment";
import { Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { batchIdOf } from "../../domain/ids";
import { formatGln, formatGtin, formatSscc } from "../../gs1/identifiers";
import { caseContentsOf, CASE_FORMAT } from "../../manifests/manifest";
import { caseFilePath, loadManifest, manifestPath, saveCaseRecord, saveManifest } from "../../files/manifest-files";
import { parseEpc, type Epc } from "../../epcis/identifiers";
import { readEpcis, type DocumentEvent, type ReadDocument } from "../../epcis/read";
import { bizStepOf, dispositionOf, sourceDestTypeOf, CBV_BIZ_STEPS } from "../../epcis/vocabulary";
import { chainNow } from "../admin/admin";
import { readInputFile } from "../shared/cli";
import { describeBatch, type BatchRef } from "../shared/batch-lookup";
import {
  chainStatus,
  describePlan,
  ensureSerialFile,
  InputErrors,
  ManufacturerView,
  planBatch,
  requireMayCommission,
  sendCommission,
  type BatchFields,
  type BatchPlan,
  type FieldKey,
} from "../commission/commission";
import { SerialTree } from "../../merkle/serial-tree";
import { sealCase } from "../packs/cases";
import { packLedger, whyNotHeld, type DeploymentContext, type Print } from "../packs/selection";
import { shipUnits } from "../custody/shipments";

export interface EpcisImportArgs {
  file?: string;
  minTemp?: string;
  maxTemp?: string;
  certificate?: string;
  certificateUri?: string;
}

/** What an event lacks, the flags may give (a serialization system knows no storage range or certificate file). */
export interface ImportDefaults {
  minTemp?: string;
  maxTemp?: string;
  certificate?: string;
  certificateUri?: string;
}

export interface EpcisImportInput {
  file: string;
  shown: string;
  doc: ReadDocument;
  defaults: ImportDefaults;
}

const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

export function parseEpcisImportArgs(args: EpcisImportArgs): EpcisImportInput {
  const file = args.file ?? "";
  const text = readInputFile(file, "--file", "an EPCIS 2.0 JSON-LD or EPCIS 1.2 XML file").toString("utf8");
  const relative = path.relative(process.cwd(), path.resolve(file));
  const shown = relative === "" || relative.startsWith("..") ? path.resolve(file) : relative;
  const defaults: ImportDefaults = {};
  if (given(args.minTemp)) defaults.minTemp = args.minTemp;
  if (given(args.maxTemp)) defaults.maxTemp = args.maxTemp;
  if (given(args.certificate)) defaults.certificate = args.certificate;
  if (given(args.certificateUri)) defaults.certificateUri = args.certificateUri;
  return { file, shown, doc: readEpcis(text, shown), defaults };
}

/** Where each field of a batch is in a commissioning event. */
const FIELD_OF: Record<FieldKey, string> = {
  gtin: "epcList",
  lot: "ilmd.cbvmda:lotNumber",
  expiry: "ilmd.cbvmda:itemExpirationDate",
  quantity: "epcList",
  minTemp: "ilmd.rxtrace:storageMinTemp (or --min-temp)",
  maxTemp: "ilmd.rxtrace:storageMaxTemp (or --max-temp)",
  certificate: "rxtrace:certificateHash (or --certificate)",
  certificateUri: "certificationInfo (or --certificate-uri)",
  serials: "epcList",
};

export type ImportStep =
  | { kind: "commission"; event: DocumentEvent; plan: BatchPlan; done: boolean }
  | { kind: "case"; event: DocumentEvent; batch: BatchRef; sscc: bigint; serials: string[]; done: boolean }
  | { kind: "ship"; event: DocumentEvent; batch: BatchRef; receiver: string; receiverGln: string; packs: string[]; cases: bigint[]; quantity: bigint; byQuantity: boolean; done: boolean };

export interface ImportPlan {
  steps: ImportStep[];
  /** Events that are not the signer's to record here, in words. */
  notImported: string[];
  errors: InputError[];
}

/** Checks the whole document against itself and the chain; sends nothing. */
export async function planEpcisImport(rx: RxTrace, signer: HardhatEthersSigner, context: DeploymentContext, input: EpcisImportInput): Promise<ImportPlan> {
  const { doc, shown, defaults } = input;
  const errors: InputError[] = [];
  const notImported: string[] = [];
  const steps: ImportStep[] = [];
  const at = (e: DocumentEvent, field: string) => `${shown} ${e.where}.${field}`;
  const now = await chainNow(rx);
  const view = await ManufacturerView.load(rx, signer.address, context.fromBlock);
  const signerGln = (await rx.partner(signer.address)).gln;
  const fileHashes = new Map<string, string>();
  const baseDir = path.dirname(path.resolve(input.file));

  /** Packs the document commissions: "gtin/serial" -> batch and position; batches by id. */
  const packBatch = new Map<string, { batch: BatchRef; where: string }>();
  const batches = new Map<string, { batch: BatchRef; where: string; plan: BatchPlan; onChain: boolean }>();
  /** Cases the document packs: sscc -> its batch and packs; packs in a case (not shipped yet) -> sscc. */
  const cases = new Map<bigint, { batch: BatchRef; serials: string[]; where: string }>();
  const packCase = new Map<string, bigint>();
  /** What the signer shipped in the document: pack or case key -> where. */
  const shipped = new Map<string, string>();
  const shipmentCount = new Map<string, number>();

  const epcsOf = (e: DocumentEvent, list: "epcList" | "childEPCs"): (Epc | undefined)[] =>
    e[list].map((uri, j) => {
      try {
        return parseEpc(uri, at(e, `${list}[${j}]`));
      } catch (error) {
        if (error instanceof InputError) errors.push(error);
        else throw error;
        return undefined;
      }
    });
  const glnOf = (e: DocumentEvent, list: "sourceList" | "destinationList"): bigint | undefined => {
    const entries = list === "sourceList" ? e.sources : e.destinations;
    const entry = entries.find((s) => sourceDestTypeOf(s.type) === "owning_party") ?? entries.find((s) => sourceDestTypeOf(s.type) === "location");
    if (!entry) {
      errors.push(new InputError(at(e, list), entries.map((s) => s.type).join(","), `an owning_party (or location) entry naming the ${list === "sourceList" ? "sender" : "receiver"}'s GLN`));
      return undefined;
    }
    try {
      const epc = parseEpc(entry.id, at(e, `${list} ${sourceDestTypeOf(entry.type)}`));
      if (epc.kind === "gln") return epc.gln;
      errors.push(new InputError(at(e, `${list} ${sourceDestTypeOf(entry.type)}`), entry.id, "a GLN (SGLN or PGLN, as a URN or a Digital Link /414/ or /417/)"));
    } catch (error) {
      if (error instanceof InputError) errors.push(error);
      else throw error;
    }
    return undefined;
  };

  let mayCommissionChecked = false;
  for (const e of doc.events) {
    const step = e.bizStep === undefined ? undefined : bizStepOf(e.bizStep);
    if (e.bizStep !== undefined && step === undefined) {
      errors.push(new InputError(at(e, "bizStep"), e.bizStep, `a CBV 2.0 business step (${CBV_BIZ_STEPS.slice(0, 6).join(", ")}, …, shipping, receiving, …)`));
      continue;
    }
    if (e.disposition !== undefined && dispositionOf(e.disposition) === undefined) {
      errors.push(new InputError(at(e, "disposition"), e.disposition, "a CBV 2.0 disposition (active, in_transit, in_progress, …)"));
      continue;
    }
    if (e.errorDeclaration !== undefined) {
      // A correction of an earlier event (EPCIS errorDeclaration): undoing what it declares erroneous is an act of
      // its own on chain (supersedeBatch, a regulator's correction or reversal), never a replay of the event.
      errors.push(new InputError(at(e, "errorDeclaration"), e.errorDeclaration || "(no reason)", "no error declaration: the import replays events as new acts; correct a batch with the governance acts (docs/governance.md)"));
      continue;
    }
    const what = `${e.where} (${e.type} ${e.action ?? ""} ${step ?? "without bizStep"})`;

    if (e.type === "ObjectEvent" && e.action === "ADD" && step === "commissioning") {
      const epcs = epcsOf(e, "epcList");
      const serials: string[] = [];
      const seen = new Map<string, number>();
      let gtin: bigint | undefined;
      let lotFromClass: string | undefined;
      let quantity: number | undefined;
      epcs.forEach((epc, j) => {
        if (!epc) return;
        if (epc.kind !== "sgtin") return void errors.push(new InputError(at(e, `epcList[${j}]`), e.epcList[j], "a pack (SGTIN) to commission"));
        if (gtin !== undefined && epc.gtin !== gtin) return void errors.push(new InputError(at(e, `epcList[${j}]`), e.epcList[j], `a pack of GTIN ${formatGtin(gtin)}, as the event's first pack (one lot per commissioning event)`));
        gtin = epc.gtin;
        const before = seen.get(epc.serial);
        if (before !== undefined) return void errors.push(new InputError(at(e, `epcList[${j}]`), e.epcList[j], `each serial once (serial ${epc.serial} is also at epcList[${before}])`));
        seen.set(epc.serial, j);
        serials.push(epc.serial);
      });
      if (e.epcList.length === 0) {
        const q = e.quantityList[0];
        const epc = q ? (() => { try { return parseEpc(q.epcClass, at(e, "quantityList[0].epcClass")); } catch (error) { if (error instanceof InputError) errors.push(error); return undefined; } })() : undefined;
        if (!q || !epc || epc.kind !== "lgtin" || q.quantity === undefined) {
          errors.push(new InputError(at(e, "epcList"), "", "the packs commissioned (SGTINs), or a quantityList of one lot (LGTIN) with its quantity"));
          continue;
        }
        gtin = epc.gtin;
        lotFromClass = epc.lot;
        quantity = q.quantity;
      }
      if (gtin === undefined) continue;
      const lot = e.ilmd.lotNumber ?? lotFromClass;
      if (lotFromClass !== undefined && e.ilmd.lotNumber !== undefined && e.ilmd.lotNumber !== lotFromClass) {
        errors.push(new InputError(at(e, FIELD_OF.lot), e.ilmd.lotNumber, `the lot of quantityList[0] (${lotFromClass})`));
        continue;
      }
      const certificateKey = e.extensions.certificateHash !== undefined ? `epcis-certificate-of-${e.index}` : defaults.certificate;
      if (e.extensions.certificateHash !== undefined) {
        if (!/^0x[0-9a-fA-F]{64}$/.test(e.extensions.certificateHash)) {
          errors.push(new InputError(at(e, "rxtrace:certificateHash"), e.extensions.certificateHash, "the keccak256 of the certificate of origin (0x and 64 hex digits)"));
          continue;
        }
        fileHashes.set(path.resolve(baseDir, certificateKey as string), e.extensions.certificateHash.toLowerCase());
      }
      const fields: BatchFields = {
        gtin: formatGtin(gtin),
        lot,
        expiry: e.ilmd.itemExpirationDate,
        quantity: String(quantity ?? serials.length),
        minTemp: e.ilmd.storageMinTemp ?? defaults.minTemp,
        maxTemp: e.ilmd.storageMaxTemp ?? defaults.maxTemp,
        certificate: certificateKey,
        certificateUri: e.certificationInfo ?? defaults.certificateUri,
      };
      const label = (key: FieldKey) => at(e, FIELD_OF[key]);
      const planned = planBatch(fields, { label, baseDir, now, fileHashes });
      errors.push(...planned.errors);
      if (!planned.plan) continue;
      let plan = planned.plan;
      if (serials.length > 0) {
        const tree = SerialTree.of(serials);
        plan = { ...plan, tree, commission: { ...plan.commission, serialRoot: tree.root } };
      }
      const earlier = batches.get(plan.batchId);
      if (earlier) {
        errors.push(new InputError(label("lot"), plan.lot, `each lot commissioned once (${describePlan(plan)} is also commissioned at ${earlier.where})`));
        continue;
      }
      if (!mayCommissionChecked) {
        await requireMayCommission(rx, signer, view, plan);
        mayCommissionChecked = true;
      }
      const status = await chainStatus(view, plan, label);
      if (status.state === "conflict") {
        errors.push(status.error);
        continue;
      }
      const ref: BatchRef = { gtin: plan.gtin, lot: plan.lot, batchId: plan.batchId };
      batches.set(plan.batchId, { batch: ref, where: e.where, plan, onChain: status.state === "onchain" });
      for (const serial of serials) packBatch.set(`${plan.gtin}/${serial}`, { batch: ref, where: e.where });
      steps.push({ kind: "commission", event: e, plan, done: status.state === "onchain" });
      continue;
    }

    if (e.type === "AggregationEvent" && e.action === "ADD" && step === "packing") {
      let sscc: bigint | undefined;
      try {
        const parent = parseEpc(e.parentID ?? "", at(e, "parentID"));
        if (parent.kind === "sscc") sscc = parent.sscc;
        else errors.push(new InputError(at(e, "parentID"), e.parentID, "a case's SSCC (urn:epc:id:sscc:… or https://id.gs1.org/00/…)"));
      } catch (error) {
        if (error instanceof InputError) errors.push(error);
        else throw error;
      }
      const serials: string[] = [];
      let batch: BatchRef | undefined;
      const seen = new Map<string, number>();
      epcsOf(e, "childEPCs").forEach((epc, j) => {
        if (!epc) return;
        const field = at(e, `childEPCs[${j}]`);
        if (epc.kind !== "sgtin") return void errors.push(new InputError(field, e.childEPCs[j], "a pack (SGTIN): a case holds packs of one lot"));
        const known = packBatch.get(`${epc.gtin}/${epc.serial}`);
        if (!known) return void errors.push(new InputError(field, e.childEPCs[j], "a pack commissioned earlier in this document (its lot is known only from there)"));
        if (batch && known.batch.batchId !== batch.batchId) return void errors.push(new InputError(field, e.childEPCs[j], `a pack of ${describeBatch(batch)}, as the case's first pack (a case holds one lot)`));
        batch = known.batch;
        const before = seen.get(epc.serial);
        if (before !== undefined) return void errors.push(new InputError(field, e.childEPCs[j], `each pack once (also at childEPCs[${before}])`));
        seen.set(epc.serial, j);
        const inCase = packCase.get(`${epc.gtin}/${epc.serial}`);
        if (inCase !== undefined) return void errors.push(new InputError(field, e.childEPCs[j], `a loose pack (it is in case ${formatSscc(inCase)}, packed at ${cases.get(inCase)?.where})`));
        serials.push(epc.serial);
      });
      if (sscc === undefined || !batch || serials.length !== e.childEPCs.length) continue;
      const earlier = cases.get(sscc);
      if (earlier) {
        errors.push(new InputError(at(e, "parentID"), e.parentID, `an SSCC packed once (case ${formatSscc(sscc)} is also packed at ${earlier.where})`));
        continue;
      }
      let done = false;
      if (Number(await rx.caseStatus(sscc)) !== 0) {
        const [sealed] = await rx.queryFilter(rx.filters.CaseSealed(sscc), context.fromBlock);
        const same = sealed && sealed.args.batchId.toLowerCase() === batch.batchId.toLowerCase() && sealed.args.contents.toLowerCase() === caseContentsOf(serials).toLowerCase();
        if (!same) {
          errors.push(new InputError(at(e, "parentID"), e.parentID, `an SSCC not used yet (case ${formatSscc(sscc)} was sealed${sealed ? ` in tx ${sealed.transactionHash}` : ""} with other packs; an SSCC names one case only)`));
          continue;
        }
        done = true;
      }
      cases.set(sscc, { batch, serials, where: e.where });
      for (const serial of serials) packCase.set(`${batch.gtin}/${serial}`, sscc);
      steps.push({ kind: "case", event: e, batch, sscc, serials, done });
      continue;
    }

    if (e.type === "ObjectEvent" && e.action === "OBSERVE" && step === "shipping") {
      const senderGln = glnOf(e, "sourceList");
      const receiverGln = glnOf(e, "destinationList");
      if (senderGln === undefined || receiverGln === undefined) continue;
      if (senderGln !== signerGln) {
        notImported.push(`${what}: shipped by GLN ${formatGln(senderGln)}, not by the signer (GLN ${formatGln(signerGln)})`);
        continue;
      }
      const receiver = await rx.accountOfGln(receiverGln);
      const destField = at(e, "destinationList");
      if (BigInt(receiver) === 0n) {
        errors.push(new InputError(destField, formatGln(receiverGln), "the GLN of an onboarded, authorized trading partner (no partner has this GLN)"));
        continue;
      }
      const standing = Number(await rx.standing(receiver));
      if (standing !== Standing.Authorized) {
        errors.push(new InputError(destField, formatGln(receiverGln), `an authorized trading partner (${receiver} is ${Standing[standing]})`));
        continue;
      }
      const packs: string[] = [];
      const ssccs: bigint[] = [];
      let batch: BatchRef | undefined;
      let quantity = 0n;
      let byQuantity = false;
      let bad = false;
      const sameBatch = (field: string, value: string, ref: BatchRef) => {
        if (batch && batch.batchId !== ref.batchId) {
          errors.push(new InputError(field, value, `an item of ${describeBatch(batch)}, as the event's first (one lot per shipping event)`));
          bad = true;
          return false;
        }
        batch = ref;
        return true;
      };
      epcsOf(e, "epcList").forEach((epc, j) => {
        const field = at(e, `epcList[${j}]`);
        if (!epc) return void (bad = true);
        if (epc.kind === "sgtin") {
          const known = packBatch.get(`${epc.gtin}/${epc.serial}`);
          if (!known) return void ((bad = true), errors.push(new InputError(field, e.epcList[j], "a pack commissioned earlier in this document (its lot is known only from there)")));
          if (!sameBatch(field, e.epcList[j], known.batch)) return;
          const key = `pack ${epc.gtin}/${epc.serial}`;
          const inCase = packCase.get(`${epc.gtin}/${epc.serial}`);
          if (inCase !== undefined) return void ((bad = true), errors.push(new InputError(field, e.epcList[j], `a loose pack (it is in case ${formatSscc(inCase)}, packed at ${cases.get(inCase)?.where}: ship the case)`)));
          if (shipped.has(key)) return void ((bad = true), errors.push(new InputError(field, e.epcList[j], `a pack the signer still holds (it is shipped at ${shipped.get(key)} already)`)));
          shipped.set(key, e.where);
          packs.push(epc.serial);
        } else if (epc.kind === "sscc") {
          const known = cases.get(epc.sscc);
          if (!known) return void ((bad = true), errors.push(new InputError(field, e.epcList[j], "a case packed earlier in this document")));
          if (!sameBatch(field, e.epcList[j], known.batch)) return;
          const key = `case ${epc.sscc}`;
          if (shipped.has(key)) return void ((bad = true), errors.push(new InputError(field, e.epcList[j], `a case the signer still holds (it is shipped at ${shipped.get(key)} already)`)));
          shipped.set(key, e.where);
          ssccs.push(epc.sscc);
        } else {
          bad = true;
          errors.push(new InputError(field, e.epcList[j], "a pack (SGTIN) or a case (SSCC)"));
        }
      });
      quantity = BigInt(packs.length) + ssccs.reduce((n, s) => n + BigInt(cases.get(s)?.serials.length ?? 0), 0n);
      if (e.epcList.length === 0) {
        const q = e.quantityList[0];
        let epc: Epc | undefined;
        try {
          epc = q ? parseEpc(q.epcClass, at(e, "quantityList[0].epcClass")) : undefined;
        } catch (error) {
          if (error instanceof InputError) errors.push(error);
          continue;
        }
        if (!q || !epc || epc.kind !== "lgtin" || q.quantity === undefined || !Number.isInteger(q.quantity) || q.quantity <= 0) {
          errors.push(new InputError(at(e, "epcList"), "", "the packs (SGTIN) and cases (SSCC) shipped, or a quantityList of one lot (LGTIN) with a whole quantity"));
          continue;
        }
        const batchId = batchIdOf(epc.gtin, epc.lot);
        const ref = batches.get(batchId)?.batch ?? { gtin: epc.gtin, lot: epc.lot, batchId };
        if (!batches.has(batchId) && (await rx.batch(batchId)).expiry === 0n) {
          errors.push(new InputError(at(e, "quantityList[0].epcClass"), q.epcClass, "a lot commissioned in this document or on the chain"));
          continue;
        }
        batch = ref;
        quantity = BigInt(q.quantity);
        byQuantity = true;
      }
      if (bad || !batch) continue;
      // The k-th shipment of this (batch, receiver, quantity) in the document is on the chain when the chain has k of them.
      const key = `${batch.batchId}/${receiver.toLowerCase()}/${quantity}`;
      const k = (shipmentCount.get(key) ?? 0) + 1;
      shipmentCount.set(key, k);
      const onChain = (await rx.queryFilter(rx.filters.Shipped(undefined, batch.batchId, signer.address), context.fromBlock)).filter(
        (log) => log.args.receiver.toLowerCase() === receiver.toLowerCase() && log.args.quantity === quantity,
      ).length;
      const done = onChain >= k;
      const known = batches.get(batch.batchId);
      if (!done && known?.onChain && !byQuantity && packs.length > 0) {
        const ledger = await packLedger(rx, context, batch, signer.address);
        packs.forEach((serial) => {
          if (!ledger.held.has(serial)) errors.push(new InputError(at(e, "epcList"), serial, whyNotHeld(ledger, signer.address, serial)));
        });
      }
      steps.push({ kind: "ship", event: e, batch, receiver, receiverGln: formatGln(receiverGln), packs, cases: ssccs, quantity, byQuantity, done });
      continue;
    }
    notImported.push(`${what}: not imported (commissioning, packing and the signer's shipping are; the others are their actors' to record)`);
  }
  if (doc.format === "EPCIS 1.2 XML" && steps.some((s) => s.kind === "ship") && doc.transactionStatement !== true) {
    errors.push(
      new InputError(`${shown} EPCISHeader.dscsaTransactionStatement`, doc.transactionStatement === undefined ? "" : "not affirmed", "an affirmed DSCSA transaction statement (gs1ushc:affirmTransactionStatement true) in a document that ships product"),
    );
  }
  if (errors.length === 0 && steps.length === 0) errors.push(new InputError(`${shown} eventList`, doc.events.length, "at least one commissioning, packing or shipping event of the signer"));
  return { steps, notImported, errors };
}

/** A ship command that died after its transaction left its planned manifest under pending/: keep it if the chain committed it. */
function adoptPendingManifests(rx: RxTrace, context: DeploymentContext, print: Print): Promise<void>[] {
  const folder = path.join(deploymentsDir(), context.network, "manifests", "pending");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .map(async (name) => {
      const file = path.join(folder, name);
      const manifest = loadManifest(file, "pending manifest");
      const [committed] = await rx.queryFilter(rx.filters.ManifestCommitted(manifest.shipmentId), context.fromBlock);
      if (committed && committed.args.manifest.toLowerCase() === manifest.root.toLowerCase()) {
        saveManifest({ ...manifest, transactionHash: committed.transactionHash }, manifestPath(context.network, manifest.shipmentId));
        rmSync(file, { force: true });
        print(`manifest of shipment ${manifest.shipmentId} recovered from an interrupted run (its root is on the chain)`);
      }
    });
}

export interface EpcisImportSummary {
  commissioned: string[];
  sealed: string[];
  shipped: string[];
  skipped: number;
  notImported: string[];
}

/** The environment variable that stops a run before its (N+1)-th transaction, as a crash would. */
export const FAIL_AFTER_ENV = "RXTRACE_EPCIS_FAIL_AFTER";

/** Checks the whole document, then sends what is not on the chain yet, in the document's order. */
export async function importEpcis(rx: RxTrace, signer: HardhatEthersSigner, context: DeploymentContext, input: EpcisImportInput, print: Print = console.log): Promise<EpcisImportSummary> {
  await Promise.all(adoptPendingManifests(rx, context, print));
  const plan = await planEpcisImport(rx, signer, context, input);
  const n = plan.errors.length;
  if (n > 0) throw new InputErrors(plan.errors, `${input.shown}: ${n} problem${n === 1 ? "" : "s"}, nothing was sent (fix ${n === 1 ? "it" : "them"} and run again):`);
  const pending = plan.steps.filter((s) => !s.done).length;
  print(`import ${input.shown} (${input.doc.format}, ${input.doc.events.length} events) as ${signer.address}: ${plan.steps.length} to record, ${pending} not on the chain yet`);
  for (const line of plan.notImported) print(`  ${line}`);
  const failAfter = process.env[FAIL_AFTER_ENV] === undefined ? undefined : Number(process.env[FAIL_AFTER_ENV]);
  let sent = 0;
  const beforeSend = (what: string) => {
    if (failAfter !== undefined && sent >= failAfter) throw new Error(`${FAIL_AFTER_ENV}=${failAfter}: stopped before ${what} (${sent} transactions sent); run the same command again to finish`);
    sent++;
  };
  const summary: EpcisImportSummary = { commissioned: [], sealed: [], shipped: [], skipped: 0, notImported: plan.notImported };
  const total = plan.steps.length;
  for (const [k, step] of plan.steps.entries()) {
    const head = `[${k + 1}/${total}] ${step.event.where}`;
    if (step.kind === "commission") {
      if (step.done) {
        const { written } = ensureSerialFile(context.network, step.plan);
        print(`${head}: ${describePlan(step.plan)} skipped, already on-chain as batch ${step.plan.batchId}${written ? " (serial file written again)" : ""}`);
        summary.skipped++;
        continue;
      }
      beforeSend(`commissioning ${describePlan(step.plan)}`);
      await sendCommission(rx, signer, step.plan, context.network, `${head}: commissioned batch ${step.plan.batchId} (${describePlan(step.plan)})`, print);
      summary.commissioned.push(step.plan.batchId);
    } else if (step.kind === "case") {
      const sscc = formatSscc(step.sscc);
      if (step.done) {
        if (!existsSync(caseFilePath(context.network, step.sscc))) {
          const [sealed] = await rx.queryFilter(rx.filters.CaseSealed(step.sscc), context.fromBlock);
          saveCaseRecord(context.network, {
            format: CASE_FORMAT, sscc, batchId: step.batch.batchId, gtin: formatGtin(step.batch.gtin), lot: step.batch.lot,
            contents: caseContentsOf(step.serials), packs: step.serials, packer: signer.address, transactionHash: sealed?.transactionHash,
          });
        }
        print(`${head}: case ${sscc} skipped, sealed already with these ${step.serials.length} packs`);
        summary.skipped++;
        continue;
      }
      beforeSend(`sealing case ${sscc}`);
      print(`${head}: packing event`);
      await sealCase(rx, signer, context, { ...step.batch, sscc: step.sscc, serialsFile: `${input.shown} ${step.event.where}.childEPCs`, serials: step.serials }, print);
      summary.sealed.push(sscc);
    } else {
      if (step.done) {
        print(`${head}: shipment of ${step.quantity} units of ${describeBatch(step.batch)} to GLN ${step.receiverGln} skipped, on the chain already`);
        summary.skipped++;
        continue;
      }
      beforeSend(`shipping ${step.quantity} units of ${describeBatch(step.batch)}`);
      print(`${head}: shipping event`);
      const result = await shipUnits(
        rx,
        signer,
        step.byQuantity
          ? { ...step.batch, to: step.receiver, quantity: step.quantity }
          : { ...step.batch, to: step.receiver, packs: { serials: step.packs, serialsFile: `${input.shown} ${step.event.where}.epcList`, allRemaining: false, cases: step.cases } },
        print,
        context,
      );
      summary.shipped.push(result.shipmentId);
    }
  }
  print(`done: ${summary.commissioned.length} batches commissioned, ${summary.sealed.length} cases sealed, ${summary.shipped.length} shipments sent, ${summary.skipped} on the chain already`);
  return summary;
}
