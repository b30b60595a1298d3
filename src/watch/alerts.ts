/**
 * What concerns one trading partner (the holder) in the contract's events: the rules of `rx:watch`. The holder's
 * view (the lots it holds or held, the partners it trades with, its legs in transit, its licence) is built from
 * the same events, oldest first, and kept in the checkpoint; each event that concerns the holder gives at most one
 * alert of each kind, whose idempotency key is derived from the chain, the log and the kind alone.
 */
import { getAddress, id, type LogDescription } from "ethers";
import { formatCelsius, QUARANTINE_CAUSE_TEXT, type QuarantineCause, RecallClass, RejectionReason } from "../domain/enums";
import { formatGln } from "../gs1/identifiers";
import type { LegEventArgs as LegArgs } from "../domain/temperature";

export const ALERT_KINDS = [
  "shipment-incoming",
  "recall",
  "suspect",
  "illegitimate",
  "quarantine",
  "excursion",
  "shipment-stale",
  "licence-expiring",
  "partner-suspended",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** A licence is reported this long before it expires. */
export const LICENCE_WARNING_SECONDS = 30 * 24 * 3600;

/** Where an event is on the chain. */
export interface LogRef {
  block: number;
  tx: string;
  logIndex: number;
}

/** One alert, as printed on stdout (one JSON line) and posted to the webhook. */
export interface Alert {
  /**
   * keccak256 of chain id, transaction hash, log index, kind and holder: the same alert always has the same key (the
   * Idempotency-Key header); the holder is in it so that two partners' alerts about one event differ at a shared receiver.
   */
  key: string;
  kind: AlertKind;
  chainId: number;
  contract: string;
  holder: { account: string; gln: string };
  /** The event the alert is about (for the time-based kinds, the event that started the clock). */
  event: string;
  block: number;
  tx: string;
  logIndex: number;
  /** The block time of the event, ISO 8601 (for shipment-stale and licence-expiring, `details.dueAt` says when time raised it). */
  time: string;
  batchId?: string;
  /** One sentence for a person. */
  summary: string;
  details: Record<string, string | number | boolean>;
}

/** The idempotency key of an alert: deterministic in (chain id, transaction hash, log index, kind, holder). */
export function alertKey(chainId: number, ref: LogRef, kind: AlertKind, holder: string): string {
  return id(`rxtrace-alert:${chainId}:${ref.tx.toLowerCase()}:${ref.logIndex}:${kind}:${holder.toLowerCase()}`);
}

/** A leg of the holder's (it sent it or it is coming to it) still in transit. */
export interface OpenLeg {
  ref: LogRef;
  /** Block time of the `Shipped` event, unix seconds. */
  shippedAt: number;
  batchId: string;
  sender: string;
  receiver: string;
  quantity: string;
  /** The shipment-stale alert was raised. */
  stale: boolean;
}

/** The holder's view of the chain, as the checkpoint keeps it (JSON). Addresses and ids in lower case. */
export interface HolderState {
  /** Lots the holder holds or held (commissioned, shipped, received or coming to it). */
  batches: string[];
  /** Partners the holder traded with (either side of a leg). */
  partners: string[];
  /** Names and GLNs of onboarded partners, for the summaries. */
  directory: Record<string, { name: string; gln: string }>;
  /** The holder's licence as last onboarded or renewed. */
  licence?: { expiry: number; event: string; ref: LogRef; time: number; alerted: boolean };
  /** The holder's legs in transit, by shipment id. */
  open: Record<string, OpenLeg>;
}

export function emptyState(): HolderState {
  return { batches: [], partners: [], directory: {}, open: {} };
}

/** What an alert is before the chain and holder are stamped on it. */
export interface AlertDraft {
  kind: AlertKind;
  event: string;
  ref: LogRef;
  /** Block time of `ref`, unix seconds. */
  time: number;
  batchId?: string;
  summary: string;
  details: Record<string, string | number | boolean>;
}

/** What the rules read from the chain besides the log: the block time, and a batch's storage range. */
export interface ChainReader {
  blockTime(block: number): Promise<number>;
  storageRange(batchId: string): Promise<{ minTemp: number; maxTemp: number }>;
}

const DAY = 24 * 3600;

/**
 * The holder's view, mutable while a range of logs is applied; `toJSON` gives the checkpoint's form. Applying the
 * same logs to the same state always gives the same alerts.
 */
export class HolderView {
  readonly holder: string;
  private readonly batches: Set<string>;
  private readonly partners: Set<string>;
  private readonly state: HolderState;

  constructor(holder: string, state: HolderState) {
    this.holder = holder.toLowerCase();
    this.state = structuredClone(state);
    this.batches = new Set(state.batches);
    this.partners = new Set(state.partners);
  }

  toJSON(): HolderState {
    return { ...this.state, batches: [...this.batches], partners: [...this.partners] };
  }

  /** "Northline Wholesale (GLN 0614141000012)", or the address of an account that is not a partner. */
  who(account: string): string {
    const entry = this.state.directory[account.toLowerCase()];
    return entry ? `${entry.name} (GLN ${entry.gln})` : account;
  }

  private isHolder(account: unknown): boolean {
    return String(account).toLowerCase() === this.holder;
  }

  /** The holder is a party to a leg of `batchId` between `a` and `b`: the lot and the other party are its. */
  private involve(batchId: string, a: string, b: string): boolean {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    if (x !== this.holder && y !== this.holder) return false;
    this.batches.add(batchId.toLowerCase());
    this.partners.add(x === this.holder ? y : x);
    return true;
  }

  private holds(batchId: string): boolean {
    return this.batches.has(String(batchId).toLowerCase());
  }

  /** Applies one decoded event of the contract, oldest first; returns the alerts it raises for the holder. */
  async apply(event: LogDescription, ref: LogRef, chain: ChainReader): Promise<AlertDraft[]> {
    const a = event.args;
    const time = () => chain.blockTime(ref.block);
    const draft = async (kind: AlertKind, summary: string, details: AlertDraft["details"], batchId?: string): Promise<AlertDraft[]> => [
      { kind, event: event.name, ref, time: await time(), ...(batchId ? { batchId: String(batchId).toLowerCase() } : {}), summary, details },
    ];
    switch (event.name) {
      case "PartnerOnboarded": {
        const account = String(a.account).toLowerCase();
        this.state.directory[account] = { name: String(a.name), gln: formatGln(BigInt(a.gln)) };
        if (account === this.holder) this.state.licence = { expiry: Number(a.licenceExpiry), event: event.name, ref, time: await time(), alerted: false };
        return [];
      }
      case "LicenceRenewed":
        if (this.isHolder(a.account)) this.state.licence = { expiry: Number(a.licenceExpiry), event: event.name, ref, time: await time(), alerted: false };
        return [];
      case "PartnerSuspended": {
        const account = String(a.account).toLowerCase();
        const self = account === this.holder;
        if (!self && !this.partners.has(account)) return [];
        const whom = self ? "your own account" : `${this.who(account)}, a partner you trade with,`;
        return draft("partner-suspended", `${whom} was suspended: no product may move to or from it`, { account: a.account, self, reason: a.reason });
      }
      case "BatchCommissioned":
        if (this.isHolder(a.manufacturer)) this.batches.add(String(a.batchId).toLowerCase());
        return [];
      case "Shipped": {
        if (!this.involve(a.batchId, a.sender, a.receiver)) return [];
        const shippedAt = await time();
        const leg: OpenLeg = {
          ref, shippedAt, batchId: String(a.batchId).toLowerCase(), sender: String(a.sender).toLowerCase(), receiver: String(a.receiver).toLowerCase(),
          quantity: String(a.quantity), stale: false,
        };
        this.state.open[String(a.shipmentId).toLowerCase()] = leg;
        if (!this.isHolder(a.receiver)) return [];
        return draft(
          "shipment-incoming",
          `${a.quantity} units of lot ${a.batchId} are on their way to you from ${this.who(a.sender)}${a.isReturn ? " (a return)" : ""}`,
          { shipmentId: a.shipmentId, sender: a.sender, quantity: Number(a.quantity), isReturn: Boolean(a.isReturn) },
          a.batchId,
        );
      }
      case "Received":
      case "Rejected":
      case "ShipmentCancelled": {
        delete this.state.open[String(a.shipmentId).toLowerCase()];
        if (!this.involve(a.batchId, a.sender, a.receiver) || event.name === "ShipmentCancelled") return [];
        const excursion = event.name === "Received" ? Boolean(a.excursion) : await this.rejectedOutOfRange(a, chain);
        if (!excursion) return [];
        const what = event.name === "Received" ? "received" : `rejected (${RejectionReason[Number(a.reason)] ?? a.reason})`;
        return draft(
          "excursion",
          `temperature excursion on a leg of lot ${a.batchId} from ${this.who(a.sender)} to ${this.who(a.receiver)}, ${what}: ${legWords(a.leg)}; the units are quarantined`,
          { shipmentId: a.shipmentId, sender: a.sender, receiver: a.receiver, quantity: Number(a.quantity), ...legDetails(a.leg) },
          a.batchId,
        );
      }
      case "HandedOver": {
        if (!this.involve(a.batchId, a.sender, a.receiver) || !a.excursion) return [];
        return draft(
          "excursion",
          `temperature excursion on a handover of lot ${a.batchId} from ${this.who(a.sender)} to ${this.who(a.receiver)}: ${legWords(a.leg)}; the units are quarantined`,
          { shipmentId: a.handoverId, sender: a.sender, receiver: a.receiver, quantity: Number(a.quantity), ...legDetails(a.leg) },
          a.batchId,
        );
      }
      case "ReceiptQuarantined":
        if (this.isHolder(a.receiver)) this.batches.add(String(a.batchId).toLowerCase());
        if (!this.holds(a.batchId)) return [];
        return draft(
          "quarantine",
          `${a.quantity} units of lot ${a.batchId} received by ${this.who(a.receiver)} went into quarantine: ${QUARANTINE_CAUSE_TEXT[Number(a.cause) as QuarantineCause] ?? `cause ${a.cause}`}`,
          { decision: "receipt-quarantined", shipmentId: a.shipmentId, receiver: a.receiver, quantity: Number(a.quantity), cause: Number(a.cause) },
          a.batchId,
        );
      case "QuarantineReleased":
      case "QuarantineCondemned": {
        if (!this.holds(a.batchId)) return [];
        const released = event.name === "QuarantineReleased";
        return draft(
          "quarantine",
          `${this.who(a.regulator)} ${released ? "released" : "condemned"} ${a.quantity} quarantined units of lot ${a.batchId} held by ${this.who(a.holder)}`,
          { decision: released ? "released" : "condemned", holder: a.holder, regulator: a.regulator, quantity: Number(a.quantity) },
          a.batchId,
        );
      }
      case "LegReleased":
        if (!this.holds(a.batchId)) return [];
        return draft(
          "quarantine",
          `${this.who(a.regulator)} released the quarantined leg ${a.legId} of lot ${a.batchId} held by ${this.who(a.holder)}`,
          { decision: "leg-released", legId: a.legId, holder: a.holder, regulator: a.regulator },
          a.batchId,
        );
      case "BatchRecalled":
      case "RecallEscalated": {
        if (!this.holds(a.batchId)) return [];
        const recallClass = RecallClass[Number(a.recallClass)] ?? String(a.recallClass);
        const escalated = event.name === "RecallEscalated";
        return draft(
          "recall",
          `lot ${a.batchId} ${escalated ? "recall escalated to class" : "recalled, class"} ${recallClass}, by ${this.who(a.by)}: stop moving and dispensing it (${a.reasonURI})`,
          { recallClass, escalated, by: a.by, reasonHash: a.reasonHash, reasonURI: a.reasonURI },
          a.batchId,
        );
      }
      case "BatchFlaggedSuspect":
      case "SuspectConfirmed":
      case "SuspectCleared": {
        if (!this.holds(a.batchId)) return [];
        const by = event.name === "BatchFlaggedSuspect" ? a.by : a.regulator;
        const words = { BatchFlaggedSuspect: "put on hold as suspect", SuspectConfirmed: "confirmed as suspect (the hold stays)", SuspectCleared: "cleared of suspicion (the hold is lifted)" }[event.name];
        const lapsesAt = event.name === "BatchFlaggedSuspect" ? Number(a.lapsesAt) : 0;
        return draft(
          "suspect",
          `lot ${a.batchId} ${words} by ${this.who(by)}`,
          { decision: event.name, by, reason: a.reason, ...(lapsesAt ? { lapsesAt: new Date(lapsesAt * 1000).toISOString() } : {}) },
          a.batchId,
        );
      }
      case "BatchDeclaredIllegitimate":
        if (!this.holds(a.batchId)) return [];
        return draft(
          "illegitimate",
          `lot ${a.batchId} declared illegitimate by ${this.who(a.regulator)}: quarantine every unit and do not dispense`,
          { regulator: a.regulator, reason: a.reason },
          a.batchId,
        );
      default:
        return [];
    }
  }

  /**
   * Whether a rejected leg left the lot's storage range. The contract quarantines a rejection for an excursion or for
   * the reasons Damaged and NoTemperatureData (`rejectionQuarantines`): quarantined for another reason means an
   * excursion; damaged, the leg is compared with the range (fixed once the lot has moved); no data is no excursion.
   */
  private async rejectedOutOfRange(a: LogDescription["args"], chain: ChainReader): Promise<boolean> {
    const reason = Number(a.reason) as RejectionReason;
    if (!a.quarantined || reason === RejectionReason.NoTemperatureData) return false;
    if (reason !== RejectionReason.Damaged) return true;
    const range = await chain.storageRange(String(a.batchId));
    const leg = a.leg as LegArgs;
    return Number(leg.minTemp) < range.minTemp || Number(leg.maxTemp) > range.maxTemp || Number(leg.minutesOutOfRange) !== 0;
  }

  /**
   * The alerts that time raises at `now` (the block time of the last block read, so a rerun raises the same ones):
   * the holder's legs in transit for `staleDays` days or more, and its licence within 30 days of expiry.
   */
  due(now: number, staleDays: number): AlertDraft[] {
    const drafts: AlertDraft[] = [];
    for (const [shipmentId, leg] of Object.entries(this.state.open)) {
      const days = (now - leg.shippedAt) / DAY;
      if (leg.stale || days < staleDays) continue;
      leg.stale = true;
      const outgoing = leg.sender === this.holder;
      drafts.push({
        kind: "shipment-stale", event: "Shipped", ref: leg.ref, time: leg.shippedAt, batchId: leg.batchId,
        summary: `${leg.quantity} units of lot ${leg.batchId} ${outgoing ? `you shipped to ${this.who(leg.receiver)}` : `shipped to you by ${this.who(leg.sender)}`} are still in transit after ${Math.floor(days)} days`,
        details: { shipmentId, sender: getAddress(leg.sender), receiver: getAddress(leg.receiver), quantity: Number(leg.quantity), daysInTransit: Math.floor(days), direction: outgoing ? "sent" : "incoming", dueAt: new Date(now * 1000).toISOString() },
      });
    }
    const licence = this.state.licence;
    if (licence && !licence.alerted && licence.expiry - now <= LICENCE_WARNING_SECONDS) {
      licence.alerted = true;
      const days = Math.floor((licence.expiry - now) / DAY);
      drafts.push({
        kind: "licence-expiring", event: licence.event, ref: licence.ref, time: licence.time,
        summary: days >= 0 ? `your licence expires in ${days} days (${new Date(licence.expiry * 1000).toISOString().slice(0, 10)}): renew it before product stops moving` : `your licence expired on ${new Date(licence.expiry * 1000).toISOString().slice(0, 10)}: no product may move to or from you until it is renewed`,
        details: { licenceExpiry: new Date(licence.expiry * 1000).toISOString(), daysLeft: days, dueAt: new Date(now * 1000).toISOString() },
      });
    }
    return drafts;
  }
}


function legWords(leg: LegArgs): string {
  return `${formatCelsius(leg.minTemp)} to ${formatCelsius(leg.maxTemp)}, ${leg.minutesOutOfRange} minutes out of range`;
}

function legDetails(leg: LegArgs): Record<string, number | string> {
  return { minTemp: Number(leg.minTemp), maxTemp: Number(leg.maxTemp), minutesOutOfRange: Number(leg.minutesOutOfRange), loggerHash: leg.loggerHash };
}
