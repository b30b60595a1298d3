/**
 * A pack's provenance, the pure part: the facts a batch's events tell (who commissioned it, every custody leg
 * (shipments and co-signed handovers) with quantities, temperature summaries and manifest roots, recalls and
 * holds, its dispensing) as types, and, with the manifests of the legs at hand (checked by the caller, see
 * src/manifests), `packCustody`, which follows the pack itself: which legs it travelled, whether it reached the
 * verifier, and whether a holder listed it twice. src/chain/events/provenance.ts reads the facts from the
 * chain; src/domain/report.ts words the result.
 */

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
  /** `manifest`: the root of the packs shipped, when the shipment carries a manifest (`ManifestCommitted`). */
  | { kind: "shipped"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string; isReturn: boolean; manifest?: string }
  /** A co-signed handover: shipped and received in one transaction, never in transit. */
  | { kind: "handed-over"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string; leg: TemperatureSummary; excursion: boolean; manifest?: string }
  /** The sender cancelled a leg left unsettled: its units went into the sender's quarantine (their whereabouts unknown). */
  | { kind: "cancelled"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; to: PartnerInfo; quantity: string }
  /**
   * `quarantineCause`: the units went into quarantine although the leg stayed in range (`ReceiptQuarantined`): the
   * sender was no longer authorized, or it had cancelled the shipment first. In words.
   */
  | { kind: "received"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; quantity: string; leg: TemperatureSummary; excursion: boolean; quarantineCause?: string }
  /** `quarantined`: the units went back into the sender's quarantine (the leg left the range, or damaged / no data). */
  | { kind: "rejected"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; quantity: string; reason: string; evidence: string; leg: TemperatureSummary; quarantined: boolean }
  | { kind: "recalled"; time: number; block: number; tx: string; by: PartnerInfo; recallClass: string; reasonHash: string; reasonURI: string }
  /** A recall made more serious (`RecallEscalated`): `previousClass` -> `recallClass`. */
  | { kind: "recall-escalated"; time: number; block: number; tx: string; by: PartnerInfo; previousClass: string; recallClass: string; reasonHash: string; reasonURI: string }
  /**
   * A suspect hold. `lapsesAt`: a holder's flag holds until then unless a regulator confirms it (undefined: a
   * regulator's flag, which does not lapse). `hold` says where it stands as of the latest block: `holds`,
   * `confirmed` (by a regulator), `lapsed` (no longer on hold: not suspect), or `ended` (cleared or declared
   * illegitimate since).
   */
  | { kind: "flagged-suspect"; time: number; block: number; tx: string; by: PartnerInfo; reason: string; lapsesAt?: number; hold: SuspectHoldState }
  | { kind: "suspect-confirmed" | "suspect-cleared" | "declared-illegitimate"; time: number; block: number; tx: string; by: PartnerInfo; reason: string }
  | { kind: "quarantine-released" | "quarantine-condemned"; time: number; block: number; tx: string; holder: PartnerInfo; by: PartnerInfo; quantity: string }
  /** A regulator released a pack leg received into quarantine as a whole (`LegReleased`): its packs can be dispensed. */
  | { kind: "leg-released"; time: number; block: number; tx: string; shipmentId: string; holder: PartnerInfo; by: PartnerInfo }
  | { kind: "dispensed"; time: number; block: number; tx: string; by: PartnerInfo }
  /**
   * The manufacturer replaced the batch's fields before any unit moved (`BatchSuperseded`): `changed` names the
   * fields kept on chain that differ (serial root, expiry, storage range, quantity); the certificate is compared with
   * the previous commissioning entry.
   */
  | { kind: "superseded"; time: number; block: number; tx: string; by: PartnerInfo; changed: string[]; quantity: string; expiry: number; minTemp: number; maxTemp: number; certificateHash: string; certificateURI: string; serialRoot: string }
  /** The manufacturer asked a regulator to correct the expiry and certificate (`BatchCorrectionProposed`). */
  | { kind: "correction-proposed"; time: number; block: number; tx: string; by: PartnerInfo; expiry: number; certificateHash: string; certificateURI: string }
  /** A regulator approved the correction (`BatchCorrected`): the batch is marked corrected for good. */
  | { kind: "corrected"; time: number; block: number; tx: string; by: PartnerInfo; previousExpiry: number; expiry: number; certificateHash: string; certificateURI: string }
  /** Another regulator reversed a lone regulator's declaration within the window (`IllegitimacyReversed`). */
  | { kind: "illegitimacy-reversed"; time: number; block: number; tx: string; by: PartnerInfo; declaredBy: PartnerInfo; reason: string }
  /** Another regulator reversed a lone regulator's recall within the window (`RecallReversed`); `restoredClass`: "None" when not recalled. */
  | { kind: "recall-reversed"; time: number; block: number; tx: string; by: PartnerInfo; recalledBy: PartnerInfo; restoredClass: string; reason: string }
  /** A regulator condemned saleable units of a recalled or illegitimate batch once the act was final (`StockCondemned`). */
  | { kind: "stock-condemned"; time: number; block: number; tx: string; holder: PartnerInfo; by: PartnerInfo; quantity: string }
  /**
   * A partner of the lot moved to a new key (IRecovery): by its own two-step rotation, or re-keyed by the admin (a
   * lost key). The partner's stock and every event of it keep its identity; `oldKey` can do nothing any more.
   */
  | { kind: "rekeyed"; time: number; block: number; tx: string; partner: PartnerInfo; oldKey: string; newKey: string; byAdmin: boolean }
  /**
   * The buyer escrowed payment for `quantity` units of the lot against invoice `invoiceNumber` of `seller`, to be
   * delivered by `deadline` (`InvoiceCreated` of the settlement; no amounts: docs/settlement.md). `shipmentId`: the
   * leg bound to it since, if any.
   */
  | { kind: "invoice-created"; time: number; block: number; tx: string; invoiceId: string; invoiceNumber: string; buyer: PartnerInfo; seller: PartnerInfo; quantity: string; deadline: number; shipmentId?: string }
  /** The seller bound the invoice to the leg that delivers it (`InvoiceBound`). */
  | { kind: "invoice-bound"; time: number; block: number; tx: string; invoiceId: string; invoiceNumber: string; shipmentId: string; seller?: PartnerInfo }
  /**
   * The invoice's outcome fixed from the suite's record (`InvoiceSettled`): `outcome` the InvoiceOutcome's name
   * (Delivered pays the seller; the others refund the buyer), `outcomeText` in words, `unitsAccepted` the units paid for.
   */
  | { kind: "invoice-settled"; time: number; block: number; tx: string; invoiceId: string; invoiceNumber: string; outcome: string; outcomeText: string; unitsAccepted: string; by: PartnerInfo; shipmentId?: string }
  /**
   * The receiver accepted `accepted` of the leg's units and disputes `disputed` (`ExceptionRaised`, docs/custody.md
   * "Delivery exceptions"): `reason` the ExceptionReason's name, `disputedPacks` the manifest root of the disputed
   * packs on a pack leg. `outcome`: how the dispute ended since (the ExceptionStatus's name), if it did.
   */
  | { kind: "exception-raised"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; accepted: string; disputed: string; reason: string; evidence: string; disputedPacks?: string; outcome?: string }
  /** A party asked for an end of the dispute that waits for the other (`ExceptionOutcomeProposed`): Lost or Returned. */
  | { kind: "exception-proposed"; time: number; block: number; tx: string; shipmentId: string; by: PartnerInfo; outcome: string }
  /** The dispute ended (`ExceptionResolved`): `outcome` Found, Lost or Returned; `holder` where the units went (none when lost). */
  | { kind: "exception-resolved"; time: number; block: number; tx: string; shipmentId: string; outcome: string; by: PartnerInfo; byRegulator: boolean; holder?: PartnerInfo; units: string; reason: string }
  /** The receiver found `units` more units than the leg carried (`OverageReported`): reported, in nobody's stock. */
  | { kind: "overage-reported"; time: number; block: number; tx: string; shipmentId: string; from: PartnerInfo; by: PartnerInfo; units: string; evidence: string };

/** Where a suspect hold stands (see the `flagged-suspect` entry). */
export type SuspectHoldState = "holds" | "confirmed" | "lapsed" | "ended";

export interface PackReport {
  verdict: string;
  verdictCode: number;
  verdictText: string;
  pack: { gtin: string; lot: string; serial: string; expiry?: string };
  batchId: string;
  /** The expiry on the pack's code agrees with the batch record (undefined when the code has none). */
  expiryMatches?: boolean;
  certificate?: { hash: string; uri: string; matches?: boolean };
  /**
   * The batch's record changed after commissioning: superseded by its manufacturer before anything moved, or its
   * expiry and certificate corrected with a regulator's approval (the latest of each). `expiryMatches` and
   * `certificate` above compare with the batch as it stands after them.
   */
  corrections?: { superseded?: { time: number; changed: string[] }; corrected?: { time: number; by: PartnerInfo; previousExpiry: number; expiry: number } };
  timeline: TimelineEntry[];
  /** The verifier whose custody was asked about (`--holder`, the page's GLN), when one was. */
  holder?: PartnerInfo;
  /**
   * Which custody rule the contract's verdict applied for the holder: "Pack" when the verifier showed the pack leg
   * that brought the pack (`verifyPackInCustody`, dispense's checks), "Lot" when it holds saleable units of the lot,
   * "None" when no holder was asked about or the pack failed a product check first.
   */
  custodyRule?: "None" | "Lot" | "Pack";
  /** The pack leg shown to the contract under the pack rule. */
  custodyLeg?: string;
  /** The pack's own legs, when manifests were consulted (the verify command always consults them). */
  custody?: PackCustody;
  /**
   * The deployments followed from the one asked to the one that answered (IMigration: a retired suite hands over to
   * its successor), when there was more than one.
   */
  lineage?: string[];
}

/* ------------------------------------------------------- custody facts */

/** How a leg ended, as far as the chain says now. */
export type Settlement = "in-transit" | "received" | "rejected" | "cancelled" | "handed-over";

/** One custody leg of a batch: a shipment (`Shipped`) or a co-signed handover (`HandedOver`). */
export interface LegFact {
  shipmentId: string;
  kind: "shipment" | "handover";
  sender: string;
  receiver: string;
  quantity: bigint;
  nonce: number;
  block: number;
  logIndex: number;
  tx: string;
  /** The manifest root the leg committed to; undefined for a batch-level leg. */
  manifest?: string;
  settlement: Settlement;
  /**
   * Where the leg's units ended up quarantined: received or handed over on an excursion or for a
   * `ReceiptQuarantined` cause, rejected into the sender's quarantine, or cancelled (always into quarantine).
   */
  quarantined?: boolean;
}

/** A case sealed with packs of the batch (`CaseSealed`), and its opening (`CaseOpened`). */
export interface CaseFact {
  /** 18 digits. */
  sscc: string;
  batchId: string;
  packer: string;
  contents: string;
  packs: number;
  block: number;
  logIndex: number;
  opened?: { by: string; block: number; logIndex: number };
}

/** What the chain says about a batch's custody: everything a manifest is checked against. */
export interface CustodyFacts {
  batchId: string;
  /** The manufacturer and the full serial root, from `BatchCommissioned` (undefined: no such batch). */
  manufacturer?: string;
  serialRoot?: string;
  /** Oldest first. */
  legs: LegFact[];
  cases: Map<string, CaseFact>;
  /** 32-byte serials (lower-case hex) of the packs dispensed, when asked for. */
  dispensed: Set<string>;
}

/** The fields `BatchSuperseded.changed` names, bit by bit (ICorrections). */
const SUPERSEDED_FIELDS = ["serial root", "expiry", "storage range", "quantity"];

/** The names of the fields a `BatchSuperseded.changed` mask marks as changed, in bit order. */
export function changedFieldsOf(mask: number): string[] {
  return SUPERSEDED_FIELDS.filter((_, bit) => (mask >> bit) & 1);
}

/** True when event position `a` comes before `b`. */
export function isBefore(a: { block: number; logIndex: number }, b: { block: number; logIndex: number }): boolean {
  return a.block < b.block || (a.block === b.block && a.logIndex < b.logIndex);
}

/* --------------------------------------------------- the pack's own legs */

/** What the manifests say about the pack in one leg. */
export type LegStatus = "proven" | "not-in-manifest" | "no-manifest" | "manifest-invalid" | "batch-level";

export const LEG_STATUS_TEXT: Record<LegStatus, string> = {
  proven: "proven",
  "not-in-manifest": "not in this leg's manifest",
  "no-manifest": "no manifest available",
  "manifest-invalid": "manifest does not match the chain",
  "batch-level": "batch-level leg (no manifest)",
};

/**
 * A manifest file checked against the chain by the caller (src/manifests/check.ts `manifestEvidence`): whether it holds
 * and which packs it lists, loose or in sealed cases.
 */
export interface ManifestEvidence {
  shipmentId: string;
  file: string;
  valid: boolean;
  problems: string[];
  /** Serials listed loose. */
  loose: ReadonlySet<string>;
  /** Serial -> SSCC of the sealed case that holds it. */
  inCase: ReadonlyMap<string, string>;
}

export interface PackLeg {
  shipmentId: string;
  kind: "shipment" | "handover";
  time: number;
  block: number;
  tx: string;
  from: PartnerInfo;
  to: PartnerInfo;
  quantity: string;
  settlement: Settlement;
  /** The manifest root on the chain. */
  manifest?: string;
  status: LegStatus;
  statusText: string;
  /** The SSCC of the sealed case the pack travelled in. */
  case?: string;
  /** The manifest file consulted. */
  file?: string;
  /** Why the manifest file at hand does not match the chain. */
  problems?: string[];
}

/** A step of the pack's path; `unprovenBefore` when no proven leg brought the pack to the step's sender. */
export interface PathStep {
  shipmentId: string;
  from: PartnerInfo;
  to: PartnerInfo;
  settlement: Settlement;
  unprovenBefore: boolean;
}

export interface PackCustody {
  /**
   * Whether the serial is proven a commissioned serial of the batch: its proof against the batch's serial root
   * holds (the contract's verdict), or a manifest at hand that matches the chain lists it (its batch proof).
   */
  inBatch: boolean;
  /** Every leg of the batch, oldest first, with what the manifests say about this pack. */
  legs: PackLeg[];
  /** Where the pack starts: the manufacturer that commissioned it (undefined when the serial is not proven in the batch). */
  origin?: PartnerInfo;
  /** The legs the pack itself travelled, from the manufacturer on, as far as the manifests prove them. */
  path: PathStep[];
  /** Who holds the pack at the end of the proven path (or is receiving it, when the last leg is in transit). */
  holder?: PartnerInfo;
  inTransit: boolean;
  /** The verifier (`--holder`): whether the pack is in its chain of custody; undefined when the manifests cannot tell. */
  verifier?: { partner: PartnerInfo; inChain: boolean | undefined; reason: string };
  /** The same holder listed the pack in two manifests without getting it back in between. */
  conflicts: { holder: PartnerInfo; shipments: string[] }[];
  manifests: { consulted: number; valid: number };
}

/**
 * Follows pack `serial` through the legs of its batch with the manifests at hand. The pack starts at the
 * manufacturer; a proven leg moves it from its sender to its receiver (a rejected or cancelled one brings it
 * back). A proven leg whose sender does not hold the pack by then is either a gap (the pack reached the sender
 * by a leg no manifest at hand proves: the path goes on from there) or, when the sender had shipped the pack
 * already and never got it back, a conflict: the same holder listed one pack in two manifests.
 *
 * `serialProven`: whether the serial's proof against the batch's serial root holds (verifyPack passes the
 * contract's answer; callers that pass only serials of the batch may leave the default). A serial neither
 * proven so nor listed by a manifest that matches the chain was never commissioned, as far as anyone can show:
 * it is in no one's chain of custody, not even the manufacturer's.
 */
export function packCustody(
  serial: string,
  facts: CustodyFacts,
  evidence: readonly ManifestEvidence[],
  who: (account: string) => PartnerInfo,
  times: ReadonlyMap<number, number>,
  verifier?: string,
  serialProven = true,
): PackCustody {
  const byShipment = new Map<string, ManifestEvidence>();
  for (const e of evidence) {
    const key = e.shipmentId.toLowerCase();
    const known = byShipment.get(key);
    if (!known || (!known.valid && e.valid)) byShipment.set(key, e);
  }
  const legs: PackLeg[] = facts.legs.map((leg) => {
    const base = {
      shipmentId: leg.shipmentId, kind: leg.kind, time: times.get(leg.block) ?? 0, block: leg.block, tx: leg.tx,
      from: who(leg.sender), to: who(leg.receiver), quantity: leg.quantity.toString(), settlement: leg.settlement, manifest: leg.manifest,
    };
    const found = byShipment.get(leg.shipmentId.toLowerCase());
    let status: LegStatus;
    let sscc: string | undefined;
    if (!leg.manifest) status = "batch-level";
    else if (!found) status = "no-manifest";
    else if (!found.valid) status = "manifest-invalid";
    else {
      sscc = found.inCase.get(serial);
      status = found.loose.has(serial) || sscc !== undefined ? "proven" : "not-in-manifest";
    }
    return {
      ...base, status, statusText: LEG_STATUS_TEXT[status],
      ...(sscc ? { case: sscc } : {}),
      ...(found && leg.manifest ? { file: found.file } : {}),
      ...(found && leg.manifest && !found.valid ? { problems: found.problems } : {}),
    };
  });

  const key = (account: string) => account.toLowerCase();
  let holder = facts.manufacturer ? key(facts.manufacturer) : undefined;
  let inTransit = false;
  const path: PathStep[] = [];
  /** Per sender, its last proven leg of the pack that still stands (the pack has not come back since). */
  const lastOut = new Map<string, PackLeg>();
  const conflicts: PackCustody["conflicts"] = [];
  const back = (s: Settlement) => s === "rejected" || s === "cancelled";
  for (const leg of legs) {
    if (leg.status !== "proven") continue;
    const sender = key(leg.from.account);
    const receiver = key(leg.to.account);
    if (sender !== holder) {
      const previous = lastOut.get(sender);
      if (previous) {
        conflicts.push({ holder: leg.from, shipments: [previous.shipmentId, leg.shipmentId] });
        continue; // the first listing keeps the pack; the second is the conflict
      }
    }
    path.push({ shipmentId: leg.shipmentId, from: leg.from, to: leg.to, settlement: leg.settlement, unprovenBefore: sender !== holder });
    if (back(leg.settlement)) {
      holder = sender;
      inTransit = false;
      continue;
    }
    lastOut.set(sender, leg);
    lastOut.delete(receiver);
    holder = receiver;
    inTransit = leg.settlement === "in-transit";
  }

  // A manifest that matches the chain proves each of its packs against the batch's serial root.
  const inBatch = serialProven || legs.some((l) => l.status === "proven");
  const custody: PackCustody = {
    inBatch,
    legs,
    origin: facts.manufacturer && inBatch ? who(facts.manufacturer) : undefined,
    path,
    holder: holder ? who(holder) : undefined,
    inTransit,
    conflicts,
    manifests: { consulted: legs.filter((l) => l.file !== undefined).length, valid: legs.filter((l) => l.status === "proven" || l.status === "not-in-manifest").length },
  };
  if (verifier) custody.verifier = { partner: who(verifier), ...chainOfCustody(key(verifier), facts, legs, who, inBatch) };
  return custody;
}

/**
 * Whether the manifests put the pack in `verifier`'s chain of custody, and why. Only a serial proven in the
 * batch (`inBatch`) was commissioned: a forged serial is in no one's chain, the manufacturer's included.
 */
function chainOfCustody(
  verifier: string,
  facts: CustodyFacts,
  legs: readonly PackLeg[],
  who: (account: string) => PartnerInfo,
  inBatch: boolean,
): { inChain: boolean | undefined; reason: string } {
  const isVerifier = (p: PartnerInfo) => p.account.toLowerCase() === verifier;
  const arrived = (l: PackLeg) => l.settlement === "received" || l.settlement === "handed-over";
  const name = who(verifier).name;
  if (!inBatch) {
    return { inChain: false, reason: `the serial is not proven in the batch's serial tree (no proof against its serial root, and no manifest at hand that matches the chain lists it): no one is shown to have commissioned it` };
  }
  let lastIn: PackLeg | "commissioned" | undefined = facts.manufacturer?.toLowerCase() === verifier ? "commissioned" : undefined;
  let leftIn: PackLeg | undefined;
  for (const leg of legs) {
    if (leg.status !== "proven") continue;
    if (isVerifier(leg.to) && arrived(leg)) {
      lastIn = leg;
      leftIn = undefined;
    } else if (isVerifier(leg.from) && lastIn && !(leg.settlement === "rejected" || leg.settlement === "cancelled")) {
      leftIn = leg;
    }
  }
  if (lastIn && !leftIn) {
    return { inChain: true, reason: lastIn === "commissioned" ? `${name} commissioned it` : `${name} received it in ${lastIn.kind} ${lastIn.shipmentId}` };
  }
  if (leftIn) return { inChain: false, reason: `${name} shipped it on in ${leftIn.kind} ${leftIn.shipmentId}` };
  const received = legs.filter((l) => isVerifier(l.to) && arrived(l));
  if (received.length === 0) return { inChain: false, reason: `${name} received no leg of this batch` };
  const unproven = received.filter((l) => l.status !== "not-in-manifest");
  if (unproven.length === 0) {
    const n = received.length;
    return { inChain: false, reason: `none of the ${n} manifest${n === 1 ? "" : "s"} of the legs ${name} received lists this pack` };
  }
  const why = [...new Set(unproven.map((l) => l.statusText))].join(", ");
  return { inChain: undefined, reason: `${unproven.length} of the ${received.length} legs ${name} received cannot tell (${why})` };
}
