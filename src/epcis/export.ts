/**
 * A batch's on-chain history as EPCIS 2.0 events (JSON-LD), one or two per contract event, in chain order:
 *
 * | contract event | EPCIS event |
 * |---|---|
 * | BatchCommissioned | ObjectEvent ADD, commissioning / active; `ilmd` lot, expiry and storage range; `certificationInfo` the certificate's URI |
 * | CaseSealed / CaseOpened | AggregationEvent ADD packing / container_closed, DELETE unpacking / container_open; the SSCC as parentID |
 * | Shipped | ObjectEvent OBSERVE shipping / in_transit; source and destination lists; a `desadv` naming the shipment id |
 * | Received | ObjectEvent OBSERVE receiving / in_progress (non_sellable_other when quarantined); the leg as a `sensorElementList`, ALARM_CONDITION on an excursion |
 * | HandedOver | both of the above, from the one log |
 * | Rejected | ObjectEvent OBSERVE receiving / returned (non_sellable_other when quarantined), the leg, `rxtrace:rejectionReason` |
 * | ShipmentCancelled | ObjectEvent OBSERVE void_shipping / non_sellable_other |
 * | BatchRecalled, RecallEscalated | ObjectEvent OBSERVE holding / recalled, `rxtrace:recallClass` |
 * | BatchFlaggedSuspect, SuspectConfirmed | ObjectEvent OBSERVE holding / non_sellable_other, `rxtrace:suspect` |
 * | SuspectCleared, QuarantineReleased, LegReleased | ObjectEvent OBSERVE inspecting / sellable_accessible (cleared: conformant) |
 * | BatchDeclaredIllegitimate | ObjectEvent OBSERVE inspecting / non_conformant, `rxtrace:illegitimate` |
 * | QuarantineCondemned | ObjectEvent OBSERVE destroying / destroyed |
 * | PackDispensed | ObjectEvent OBSERVE dispensing / dispensed |
 * | BatchSuperseded, BatchCorrected | the standing commissioning event again with an `errorDeclaration` (reason incorrect_data) naming a corrective commissioning event (ADD commissioning / active with the new fields; `rxtrace:changed`, `rxtrace:correctedBy`) |
 * | BatchCorrectionProposed | no event: a proposal changes nothing until a regulator approves it |
 * | RecallReversed | ObjectEvent OBSERVE inspecting / sellable_accessible (holding / recalled when a lower class is restored), `rxtrace:recallReversed` |
 * | IllegitimacyReversed | ObjectEvent OBSERVE inspecting / sellable_accessible (non_sellable_other when a suspect flag stood before), `rxtrace:illegitimate` false |
 * | StockCondemned | ObjectEvent OBSERVE destroying / destroyed, `rxtrace:saleableStock` |
 * | InvoiceCreated, InvoiceBound, InvoiceSettled (the settlement's) | no event: an `inv` business transaction on every event of the bound leg |
 *
 * Packs are listed by serial (epcList) where a serial file, a manifest or a case record at hand names them,
 * otherwise counted by lot (quantityList). Every event carries its transaction hash and block
 * (`rxtrace:transactionHash`, `rxtrace:blockNumber`) and an `eventID` that any export of the same chain gives
 * again: `ni:///sha-256;…` of the chain id, the contract, the transaction hash, the log index and the part.
 */
import { encodeBase64, sha256, toUtf8Bytes, type EventLog } from "ethers";
import { ExceptionReason, ExceptionStatus, RecallClass, RejectionReason } from "../domain/enums";
import { serialFromBytes32 } from "../domain/ids";
import { InvoiceOutcome, textOrHexOf32 } from "../domain/invoice";
import { changedFieldsOf, type PartnerInfo } from "../domain/provenance";
import { expiryToYYMMDD, formatSscc } from "../gs1/identifiers";
import type { EpcWriter } from "./identifiers";
import type { BizStep, Disposition } from "./vocabulary";
import type { LegEventArgs as LegArgs } from "../domain/temperature";

export const EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/** The namespace of rxtrace's extension fields, declared in each document's @context. */
export const RXTRACE_NAMESPACE = "https://rxtrace.example/epcis/";

export type EpcisEvent = { type: "ObjectEvent" | "AggregationEvent"; eventTime: string; eventTimeZoneOffset: string; eventID: string; [field: string]: unknown };

/** An exported event with what the scope filters need. */
export interface ExportedEvent {
  event: EpcisEvent;
  /** Block time (unix s). */
  time: number;
  /** The accounts that took part (lowercase). */
  parties: string[];
  /** The packs the event lists by serial; undefined when it counts the lot instead. */
  serials?: string[];
}

export interface ExportContext {
  chainId: number;
  contract: string;
  writer: EpcWriter;
  who: (account: string) => PartnerInfo;
  time: (block: number) => number;
  /** The batch's serials in commissioning order, when its serial file is at hand. */
  serials?: (batchId: string) => readonly string[] | undefined;
  /** The packs and cases a shipment carried, when its manifest is at hand. */
  manifest?: (shipmentId: string) => { root: string; packs: string[]; cases: { sscc: string; packs: string[] }[] } | undefined;
  /** The packs of a case, when a case record or a manifest at hand names them. */
  casePacks?: (sscc: string) => string[] | undefined;
}


/** The fields of a commissioning as BatchCommissioned and BatchSuperseded carry them (the GTIN aside). */
export interface CommissionArgs {
  lot: string;
  expiry: bigint;
  quantity: bigint;
  minTemp: bigint;
  maxTemp: bigint;
  serialRoot: string;
  certificateHash: string;
  certificateURI: string;
}

/** The batch's standing commissioning event: what a later correction declares erroneous. */
interface Commissioning {
  pushed: ExportedEvent;
  fields: Record<string, unknown>;
  parties: string[];
  serials?: string[];
}

/** `ni:///sha-256;<base64url>?ver=CBV2.0` of the log's coordinates: the same for every export of the same chain. */
export function eventIdOf(chainId: number, contract: string, transactionHash: string, logIndex: number, part = ""): string {
  const digest = sha256(toUtf8Bytes(`${chainId}/${contract.toLowerCase()}/${transactionHash.toLowerCase()}/${logIndex}${part ? "/" + part : ""}`));
  const b64url = encodeBase64(digest).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `ni:///sha-256;${b64url}?ver=CBV2.0`;
}

/**
 * An invoice as a CBV business transaction id: `urn:epcglobal:cbv:bt:<the seller's GLN>:<invoice number>`, the
 * issuer's GLN scoping its own number (CBV's form for a transaction id of a party's own system), the number
 * percent-encoded; the 32-byte field as hex when it is not text. docs/epcis.md says why.
 */
export function invoiceTransactionOf(sellerGln: string, invoiceNumber32: string): string {
  return `urn:epcglobal:cbv:bt:${sellerGln || "0000000000000"}:${encodeURIComponent(textOrHexOf32(invoiceNumber32))}`;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
const celsius = (tenths: bigint | number) => Number(tenths) / 10;

/** The leg's temperature summary as one sensor element; an excursion raises ALARM_CONDITION. */
function sensorElementOf(leg: LegArgs, excursion: boolean, time: string): unknown[] {
  return [
    {
      sensorMetadata: { time, "rxtrace:loggerHash": leg.loggerHash },
      sensorReport: [
        {
          type: "Temperature",
          minValue: celsius(leg.minTemp),
          maxValue: celsius(leg.maxTemp),
          uom: "CEL",
          ...(excursion ? { exception: "ALARM_CONDITION" } : {}),
          "rxtrace:meanKineticTemperature": celsius(leg.meanKineticTemp),
          "rxtrace:minutesOutOfRange": Number(leg.minutesOutOfRange),
        },
      ],
    },
  ];
}

/** The EPCIS events of one batch's logs (oldest first, as src/chain/events reads them). */
/** The CBV disposition of units disputed for each ExceptionReason. */
const EXCEPTION_DISPOSITIONS: Record<number, Disposition> = {
  [ExceptionReason.Underage]: "unknown",
  [ExceptionReason.Damaged]: "damaged",
  [ExceptionReason.WrongProduct]: "mismatch_class",
  [ExceptionReason.MissingData]: "mismatch_instance",
  [ExceptionReason.Other]: "non_sellable_other",
};

/** The business step and disposition of the disputed units once the dispute ended. */
const EXCEPTION_OUTCOMES: Record<"Found" | "Lost" | "Returned", { bizStep: BizStep; disposition: Disposition }> = {
  Found: { bizStep: "receiving", disposition: "in_progress" },
  Lost: { bizStep: "inspecting", disposition: "unavailable" },
  Returned: { bizStep: "receiving", disposition: "non_sellable_other" },
};

export function epcisEventsOf(logs: readonly EventLog[], ctx: ExportContext): ExportedEvent[] {
  const out: ExportedEvent[] = [];
  const quarantinedReceipts = new Set<string>();
  const manifestRoots = new Map<string, string>();
  /** The settlement's invoices (src/chain/events/settlement.ts): terms by invoice id, the invoice by the shipment bound to it, outcomes. */
  const invoiceTerms = new Map<string, { number: string; seller: string }>();
  const invoices = new Map<string, { invoiceId: string; number: string; seller: string }>();
  const outcomes = new Map<string, string>();
  /** Legs received in part (a delivery exception): their receipt carries the accepted quantity, not the manifest's packs. */
  const partial = new Set<string>();
  let batch: { batchId: string; gtin: bigint; lot: string; quantity: bigint; manufacturer: string } | undefined;
  for (const log of logs) {
    if (log.eventName === "ReceiptQuarantined") quarantinedReceipts.add(String(log.args.shipmentId).toLowerCase());
    if (log.eventName === "ExceptionRaised") partial.add(String(log.args.shipmentId).toLowerCase());
    if (log.eventName === "ManifestCommitted") manifestRoots.set(String(log.args.shipmentId).toLowerCase(), log.args.manifest as string);
    if (log.eventName === "InvoiceCreated") invoiceTerms.set(String(log.args.invoiceId).toLowerCase(), { number: log.args.invoiceNumber as string, seller: log.args.seller as string });
    if (log.eventName === "InvoiceBound") {
      const terms = invoiceTerms.get(String(log.args.invoiceId).toLowerCase());
      if (terms) invoices.set(String(log.args.shipmentId).toLowerCase(), { invoiceId: log.args.invoiceId as string, ...terms });
    }
    if (log.eventName === "InvoiceSettled") outcomes.set(String(log.args.invoiceId).toLowerCase(), InvoiceOutcome[Number(log.args.outcome)] ?? String(log.args.outcome));
    if (log.eventName === "BatchCommissioned") {
      batch = { batchId: log.args.batchId, gtin: log.args.batch.gtin, lot: log.args.batch.lot, quantity: log.args.batch.quantity, manufacturer: log.args.manufacturer };
    }
  }
  if (!batch) return out;
  const b = batch;
  const w = ctx.writer;
  const place = (account: string) => {
    const gln = ctx.who(account).gln;
    return gln ? w.gln(BigInt(gln)) : `urn:rxtrace:account:${account.toLowerCase()}`;
  };
  const party = (account: string) => {
    const gln = ctx.who(account).gln;
    return gln ? w.gln(BigInt(gln), true) : `urn:rxtrace:account:${account.toLowerCase()}`;
  };
  const lotQuantity = (quantity: bigint | number) => ({ quantityList: [{ epcClass: w.lgtin(b.gtin, b.lot), quantity: Number(quantity) }] });
  const packs = (serials: readonly string[]) => ({ epcList: serials.map((s) => w.sgtin(b.gtin, s)) });
  const ends = (from: string, to: string) => ({
    sourceList: [{ type: "owning_party", source: party(from) }, { type: "location", source: place(from) }],
    destinationList: [{ type: "owning_party", destination: party(to) }, { type: "location", destination: place(to) }],
  });
  /** The leg's business transactions: its despatch advice, and the invoice bound to it (type `inv`, docs/epcis.md). */
  const desadv = (sender: string, shipmentId: string) => {
    const invoice = invoices.get(shipmentId.toLowerCase());
    const outcome = invoice ? outcomes.get(invoice.invoiceId.toLowerCase()) : undefined;
    return {
      bizTransactionList: [
        { type: "desadv", bizTransaction: `urn:epcglobal:cbv:bt:${ctx.who(sender).gln || "0000000000000"}:${shipmentId.toLowerCase()}` },
        ...(invoice ? [{ type: "inv", bizTransaction: invoiceTransactionOf(ctx.who(invoice.seller).gln, invoice.number) }] : []),
      ],
      ...(invoice ? { "rxtrace:invoiceId": invoice.invoiceId, ...(outcome ? { "rxtrace:invoiceOutcome": outcome } : {}) } : {}),
    };
  };
  /** What a leg carried: its packs and cases by its manifest, else its quantity of the lot. */
  const legContents = (shipmentId: string, quantity: bigint): { fields: Record<string, unknown>; serials?: string[] } => {
    const root = manifestRoots.get(shipmentId.toLowerCase());
    const manifest = root ? ctx.manifest?.(shipmentId) : undefined;
    // A manifest counts only when it is the one the chain committed to.
    if (!manifest || manifest.root.toLowerCase() !== root?.toLowerCase()) return { fields: lotQuantity(quantity) };
    const cases = manifest.cases.map((c) => w.sscc(BigInt(c.sscc)));
    return {
      fields: { epcList: [...manifest.packs.map((s) => w.sgtin(b.gtin, s)), ...cases], "rxtrace:manifestRoot": manifestRoots.get(shipmentId.toLowerCase()) },
      serials: [...manifest.packs, ...manifest.cases.flatMap((c) => c.packs)],
    };
  };

  let lastCommissioning: Commissioning | undefined;
  /** Whether a suspect flag stands, as the logs tell (a hold that lapsed is not seen), and stood before a declaration. */
  let suspect = false;
  let suspectBeforeDeclaration = false;
  for (const log of logs) {
    const a = log.args;
    const time = ctx.time(log.blockNumber);
    const push = (
      fields: { type?: EpcisEvent["type"]; action: "ADD" | "OBSERVE" | "DELETE"; bizStep: BizStep; disposition: Disposition; [k: string]: unknown },
      parties: string[],
      serials?: string[],
      part = "",
    ) => {
      const { type = "ObjectEvent", ...rest } = fields;
      const event: EpcisEvent = {
        type,
        eventTime: iso(time),
        eventTimeZoneOffset: "+00:00",
        eventID: eventIdOf(ctx.chainId, ctx.contract, log.transactionHash, log.index, part),
        ...rest,
        "rxtrace:transactionHash": log.transactionHash,
        "rxtrace:blockNumber": log.blockNumber,
      };
      out.push({ event, time, parties: parties.map((p) => p.toLowerCase()), serials });
    };
    /** Pushes a commissioning event (ADD commissioning / active) and remembers it as the batch's standing one. */
    const pushCommissioning = (fields: Record<string, unknown>, parties: string[], serials: string[] | undefined, part = "") => {
      push({ ...(fields as { action: "ADD"; bizStep: BizStep; disposition: Disposition }), action: "ADD", bizStep: "commissioning", disposition: "active" }, parties, serials, part);
      const pushed = out[out.length - 1];
      lastCommissioning = { pushed, fields, parties, serials };
      return pushed;
    };
    const commission = (c: CommissionArgs, manufacturer: string, extra: Record<string, unknown>, part = "") => {
      const serials = BigInt(c.serialRoot) === 0n ? undefined : ctx.serials?.(b.batchId);
      return pushCommissioning(
        {
          ...(serials ? packs(serials) : lotQuantity(c.quantity)),
          readPoint: { id: place(manufacturer) },
          bizLocation: { id: place(manufacturer) },
          certificationInfo: c.certificateURI,
          ilmd: {
            "cbvmda:lotNumber": c.lot,
            "cbvmda:itemExpirationDate": iso(Number(c.expiry)).slice(0, 10),
            "rxtrace:storageMinTemp": celsius(c.minTemp),
            "rxtrace:storageMaxTemp": celsius(c.maxTemp),
            "rxtrace:quantity": Number(c.quantity),
          },
          "rxtrace:certificateHash": c.certificateHash,
          "rxtrace:serialRoot": c.serialRoot,
          "rxtrace:expiryYYMMDD": expiryToYYMMDD(c.expiry),
          ...extra,
        },
        [manufacturer],
        serials ? [...serials] : undefined,
        part,
      );
    };
    /**
     * EPCIS 2.0's error declaration: the erroneous event again, with its own eventID and eventTime, and an
     * `errorDeclaration` naming when, why and the corrective event that replaces it.
     */
    const declareErroneous = (erroneous: Commissioning, corrective: ExportedEvent) => {
      const event: EpcisEvent = {
        ...erroneous.pushed.event,
        errorDeclaration: { declarationTime: iso(time), reason: "incorrect_data", correctiveEventIDs: [corrective.event.eventID] },
      };
      out.push({ event, time, parties: erroneous.pushed.parties, serials: erroneous.serials });
    };
    switch (log.eventName) {
      case "BatchCommissioned":
        commission(a.batch, a.manufacturer, {});
        break;
      case "BatchSuperseded": {
        // The manufacturer replaced every field before anything moved: the commissioning as it stood is declared
        // erroneous (EPCIS errorDeclaration, reason incorrect_data) and a corrective commissioning states the new one.
        const erroneous = lastCommissioning;
        const corrective = commission(a.commission, a.manufacturer, { "rxtrace:supersedes": true, "rxtrace:changed": changedFieldsOf(Number(a.changed)) }, "corrective");
        if (erroneous) declareErroneous(erroneous, corrective);
        break;
      }
      case "BatchCorrected": {
        // A regulator approved the manufacturer's correction of the expiry and certificate: the same pattern, the
        // corrective event restating the commissioning with the corrected values.
        const erroneous = lastCommissioning;
        if (!erroneous) break;
        const was = erroneous.fields;
        const ilmd = { ...(was.ilmd as Record<string, unknown>), "cbvmda:itemExpirationDate": iso(Number(a.expiry)).slice(0, 10) };
        const corrective = pushCommissioning(
          { ...was, certificationInfo: a.certificateURI, ilmd, "rxtrace:certificateHash": a.certificateHash, "rxtrace:expiryYYMMDD": expiryToYYMMDD(a.expiry), "rxtrace:correctedBy": party(a.regulator), "rxtrace:previousExpiry": iso(Number(a.previousExpiry)).slice(0, 10) },
          [...erroneous.parties, a.regulator],
          erroneous.serials,
          "corrective",
        );
        declareErroneous(erroneous, corrective);
        break;
      }
      case "CaseSealed": {
        const sscc = formatSscc(a.sscc);
        const inside = ctx.casePacks?.(sscc);
        push(
          {
            type: "AggregationEvent",
            action: "ADD",
            parentID: w.sscc(a.sscc),
            ...(inside ? { childEPCs: inside.map((s) => w.sgtin(b.gtin, s)) } : { childQuantityList: [{ epcClass: w.lgtin(b.gtin, b.lot), quantity: Number(a.packs) }] }),
            bizStep: "packing",
            disposition: "container_closed",
            readPoint: { id: place(a.packer) },
            "rxtrace:caseContents": a.contents,
          },
          [a.packer],
          inside,
        );
        break;
      }
      case "CaseOpened": {
        const sscc = formatSscc(a.sscc);
        const inside = ctx.casePacks?.(sscc);
        push(
          { type: "AggregationEvent", action: "DELETE", parentID: w.sscc(a.sscc), ...(inside ? { childEPCs: inside.map((s) => w.sgtin(b.gtin, s)) } : {}), bizStep: "unpacking", disposition: "container_open", readPoint: { id: place(a.by) } },
          [a.by],
          inside,
        );
        break;
      }
      case "Shipped": {
        const { fields, serials } = legContents(a.shipmentId, a.quantity);
        push(
          { action: "OBSERVE", ...fields, bizStep: "shipping", disposition: "in_transit", readPoint: { id: place(a.sender) }, ...desadv(a.sender, a.shipmentId), ...ends(a.sender, a.receiver), "rxtrace:shipmentId": a.shipmentId, ...(a.isReturn ? { "rxtrace:isReturn": true } : {}) },
          [a.sender, a.receiver],
          serials,
        );
        break;
      }
      case "Received": {
        // A partial receipt accepted part of the manifest: which packs, the chain does not say (docs/custody.md).
        const { fields, serials } = partial.has(String(a.shipmentId).toLowerCase()) ? { fields: lotQuantity(a.quantity), serials: undefined } : legContents(a.shipmentId, a.quantity);
        const quarantined = (a.excursion as boolean) || quarantinedReceipts.has(String(a.shipmentId).toLowerCase());
        push(
          {
            action: "OBSERVE", ...fields, bizStep: "receiving", disposition: quarantined ? "non_sellable_other" : "in_progress",
            readPoint: { id: place(a.receiver) }, bizLocation: { id: place(a.receiver) }, ...desadv(a.sender, a.shipmentId), ...ends(a.sender, a.receiver),
            sensorElementList: sensorElementOf(a.leg, a.excursion, iso(time)), "rxtrace:shipmentId": a.shipmentId, ...(quarantined ? { "rxtrace:quarantined": true } : {}),
          },
          [a.sender, a.receiver],
          serials,
        );
        break;
      }
      case "HandedOver": {
        const found = BigInt(a.manifest) === 0n ? undefined : ctx.manifest?.(a.handoverId);
        const manifest = found && found.root.toLowerCase() === String(a.manifest).toLowerCase() ? found : undefined;
        const serials = manifest ? [...manifest.packs, ...manifest.cases.flatMap((c) => c.packs)] : undefined;
        const contents = manifest
          ? { epcList: [...manifest.packs.map((s) => w.sgtin(b.gtin, s)), ...manifest.cases.map((c) => w.sscc(BigInt(c.sscc)))], "rxtrace:manifestRoot": a.manifest }
          : lotQuantity(a.quantity);
        const common = { action: "OBSERVE" as const, ...contents, ...desadv(a.sender, a.handoverId), ...ends(a.sender, a.receiver), "rxtrace:shipmentId": a.handoverId, "rxtrace:handover": true };
        push({ ...common, bizStep: "shipping", disposition: "in_transit", readPoint: { id: place(a.sender) } }, [a.sender, a.receiver], serials, "shipping");
        push(
          { ...common, bizStep: "receiving", disposition: a.excursion ? "non_sellable_other" : "in_progress", readPoint: { id: place(a.receiver) }, bizLocation: { id: place(a.receiver) }, sensorElementList: sensorElementOf(a.leg, a.excursion, iso(time)) },
          [a.sender, a.receiver],
          serials,
          "receiving",
        );
        break;
      }
      case "Rejected": {
        const { fields, serials } = legContents(a.shipmentId, a.quantity);
        push(
          {
            action: "OBSERVE", ...fields, bizStep: "receiving", disposition: a.quarantined ? "non_sellable_other" : "returned", readPoint: { id: place(a.receiver) },
            ...desadv(a.sender, a.shipmentId), ...ends(a.sender, a.receiver), sensorElementList: sensorElementOf(a.leg, a.quarantined && a.leg.minutesOutOfRange > 0n, iso(time)),
            "rxtrace:shipmentId": a.shipmentId, "rxtrace:rejectionReason": RejectionReason[Number(a.reason)], "rxtrace:evidenceHash": a.evidence, "rxtrace:quarantined": a.quarantined,
          },
          [a.sender, a.receiver],
          serials,
        );
        break;
      }
      // Delivery exceptions (docs/custody.md): the disputed units, how they ended, overages; never a pack list.
      case "ExceptionRaised":
        push(
          {
            action: "OBSERVE", ...lotQuantity(a.disputed), bizStep: "receiving", disposition: EXCEPTION_DISPOSITIONS[Number(a.reason)] ?? "non_sellable_other",
            readPoint: { id: place(a.receiver) }, bizLocation: { id: place(a.receiver) }, ...desadv(a.sender, a.shipmentId), ...ends(a.sender, a.receiver),
            "rxtrace:shipmentId": a.shipmentId, "rxtrace:exceptionReason": ExceptionReason[Number(a.reason)], "rxtrace:accepted": Number(a.accepted),
            "rxtrace:evidenceHash": a.evidence, ...(BigInt(a.disputedPacks) === 0n ? {} : { "rxtrace:disputedPacksRoot": a.disputedPacks }),
          },
          [a.sender, a.receiver],
        );
        break;
      case "ExceptionResolved": {
        const outcome = Number(a.outcome) as ExceptionStatus;
        const at = outcome === ExceptionStatus.Lost ? a.by : a.holder;
        push(
          {
            action: "OBSERVE", ...lotQuantity(a.units), ...EXCEPTION_OUTCOMES[outcome === ExceptionStatus.Found ? "Found" : outcome === ExceptionStatus.Returned ? "Returned" : "Lost"],
            readPoint: { id: place(at) }, "rxtrace:shipmentId": a.shipmentId, "rxtrace:exceptionOutcome": ExceptionStatus[outcome],
            "rxtrace:settledBy": party(a.by), ...(a.byRegulator ? { "rxtrace:byRegulator": true, "rxtrace:reasonHash": a.reason } : {}),
          },
          [a.by, ...(BigInt(a.holder) === 0n ? [] : [a.holder])],
        );
        break;
      }
      case "OverageReported":
        push(
          {
            action: "OBSERVE", ...lotQuantity(a.units), bizStep: "receiving", disposition: "mismatch_quantity", readPoint: { id: place(a.receiver) },
            ...desadv(a.sender, a.shipmentId), ...ends(a.sender, a.receiver), "rxtrace:shipmentId": a.shipmentId, "rxtrace:overage": true, "rxtrace:evidenceHash": a.evidence,
          },
          [a.sender, a.receiver],
        );
        break;
      case "ShipmentCancelled": {
        const { fields, serials } = legContents(a.shipmentId, a.quantity);
        push(
          { action: "OBSERVE", ...fields, bizStep: "void_shipping", disposition: "non_sellable_other", readPoint: { id: place(a.sender) }, ...desadv(a.sender, a.shipmentId), ...ends(a.sender, a.receiver), "rxtrace:shipmentId": a.shipmentId },
          [a.sender, a.receiver],
          serials,
        );
        break;
      }
      case "BatchRecalled":
      case "RecallEscalated":
        push(
          { action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: "holding", disposition: "recalled", readPoint: { id: place(a.by) }, "rxtrace:recallClass": RecallClass[Number(a.recallClass)], "rxtrace:reasonHash": a.reasonHash, ...(a.reasonURI ? { "rxtrace:reasonURI": a.reasonURI } : {}) },
          [a.by],
        );
        break;
      case "BatchFlaggedSuspect":
      case "SuspectConfirmed":
        suspect = true;
        push({ action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: "holding", disposition: "non_sellable_other", readPoint: { id: place(a.by ?? a.regulator) }, "rxtrace:suspect": log.eventName === "SuspectConfirmed" ? "confirmed" : "flagged", "rxtrace:reasonHash": a.reason }, [a.by ?? a.regulator]);
        break;
      case "SuspectCleared":
        suspect = false;
        push({ action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: "inspecting", disposition: "conformant", readPoint: { id: place(a.regulator) }, "rxtrace:suspect": "cleared", "rxtrace:reasonHash": a.reason }, [a.regulator]);
        break;
      case "BatchDeclaredIllegitimate":
        suspectBeforeDeclaration = suspect;
        suspect = false;
        push({ action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: "inspecting", disposition: "non_conformant", readPoint: { id: place(a.regulator) }, "rxtrace:illegitimate": true, "rxtrace:reasonHash": a.reason }, [a.regulator]);
        break;
      case "QuarantineReleased":
        push({ action: "OBSERVE", ...lotQuantity(a.quantity), bizStep: "inspecting", disposition: "sellable_accessible", readPoint: { id: place(a.holder) }, "rxtrace:releasedBy": party(a.regulator) }, [a.holder, a.regulator]);
        break;
      case "LegReleased":
        push({ action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: "inspecting", disposition: "sellable_accessible", readPoint: { id: place(a.holder) }, "rxtrace:shipmentId": a.legId, "rxtrace:releasedBy": party(a.regulator) }, [a.holder, a.regulator]);
        break;
      case "QuarantineCondemned":
        push({ action: "OBSERVE", ...lotQuantity(a.quantity), bizStep: "destroying", disposition: "destroyed", readPoint: { id: place(a.holder) }, "rxtrace:condemnedBy": party(a.regulator) }, [a.holder, a.regulator]);
        break;
      case "StockCondemned":
        push({ action: "OBSERVE", ...lotQuantity(a.quantity), bizStep: "destroying", disposition: "destroyed", readPoint: { id: place(a.holder) }, "rxtrace:condemnedBy": party(a.regulator), "rxtrace:saleableStock": true }, [a.holder, a.regulator]);
        break;
      case "RecallReversed": {
        // Back to the class it had before (0: not recalled); a later regulator's reversal is an observation of its
        // own, not an error declaration: the recall stood, and acted, until it was reversed.
        const restored = Number(a.restoredClass);
        push(
          { action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: restored === 0 ? "inspecting" : "holding", disposition: restored === 0 ? "sellable_accessible" : "recalled", readPoint: { id: place(a.regulator) }, "rxtrace:recallReversed": true, "rxtrace:recallClass": restored === 0 ? "none" : RecallClass[restored], "rxtrace:recalledBy": party(a.recalledBy), "rxtrace:reasonHash": a.reason },
          [a.regulator, a.recalledBy],
        );
        break;
      }
      case "IllegitimacyReversed":
        // The batch goes back on hold as suspect when a suspect flag stood before the declaration.
        push(
          { action: "OBSERVE", ...lotQuantity(b.quantity), bizStep: "inspecting", disposition: suspectBeforeDeclaration ? "non_sellable_other" : "sellable_accessible", readPoint: { id: place(a.regulator) }, "rxtrace:illegitimate": false, "rxtrace:declaredBy": party(a.declaredBy), "rxtrace:reasonHash": a.reason },
          [a.regulator, a.declaredBy],
        );
        suspect = suspectBeforeDeclaration;
        break;
      case "PackDispensed": {
        const serial = serialFromBytes32(a.serial);
        push({ action: "OBSERVE", ...packs([serial]), bizStep: "dispensing", disposition: "dispensed", readPoint: { id: place(a.dispenser) }, bizLocation: { id: place(a.dispenser) } }, [a.dispenser], [serial]);
        break;
      }
    }
  }
  return out;
}

export interface EpcisDocument {
  "@context": unknown[];
  type: "EPCISDocument";
  schemaVersion: "2.0";
  creationDate: string;
  epcisBody: { eventList: EpcisEvent[] };
  [field: string]: unknown;
}

/** The document around `events`; `creationDate` is the time of the newest event, so the same history gives the same file. */
export function epcisDocumentOf(events: readonly ExportedEvent[], meta: { chainId: number; contract: string; sender?: string; scope: string }): EpcisDocument {
  const newest = events.reduce((t, e) => Math.max(t, e.time), 0);
  return {
    "@context": [EPCIS_CONTEXT, { rxtrace: RXTRACE_NAMESPACE }],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: iso(newest),
    ...(meta.sender ? { sender: meta.sender } : {}),
    "rxtrace:chainId": meta.chainId,
    "rxtrace:contract": meta.contract,
    "rxtrace:scope": meta.scope,
    epcisBody: { eventList: events.map((e) => e.event) },
  };
}
