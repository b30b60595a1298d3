/**
 * A pure TypeScript model of RxTrace, for the property tests: partners (role, suspension, licence expiry),
 * batches (flags, expiry, storage range, serial root), stock per holder, shipments in transit, dispensed
 * serials, the pause and the admin's and pauser's rights.
 *
 * `step(call)` predicts the outcome of one transaction: the events it emits, or the custom error it reverts
 * with (name and arguments), following the order of the checks in contracts/modules/*.sol. It knows nothing
 * of the chain: values are bigints, addresses and hashes lowercase hex.
 */
import type { CommissionArgs } from "../../src/epcis/export";
import { AbiCoder, ZeroHash, concat, id, keccak256 } from "ethers";
import { Role, Standing } from "../../src/domain/enums";
import { gtinHasPrefix, hasValidCheckDigit } from "../../src/gs1/identifiers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { ManifestTree } from "../../src/manifests/manifest";
import { commissionArgs } from "../commission-args";
import {
  ACTORS,
  DAY,
  EVIDENCE,
  FORGED_SERIAL,
  FORGED_SERIAL32,
  LICENCE_REF,
  PREFIX_OWNERS,
  RECALL_REASON,
  RECALL_URI,
  SAFETY_REASON,
  SLOTS,
  SUSPENSION_REASON,
  slotOfBatchId,
  type Actor,
} from "./universe";

const abi = AbiCoder.defaultAbiCoder();

export const DEFAULT_ADMIN_ROLE = ZeroHash;
/** IGovernance.OPERATOR_ROLE: routine partner acts (distributors, dispensers, suspensions). */
export const OPERATOR_ROLE = id("OPERATOR_ROLE");
export const PAUSER_ROLE = id("PAUSER_ROLE");
const RECALLED = 1n;
/** ProductSafety.SUSPECT_LAPSE and Custody.CANCEL_AFTER, in whole days. */
export const SUSPECT_LAPSE_DAYS = 7;
export const CANCEL_AFTER_DAYS = 30;
/** RxAccess.PAUSE_GRACE, in whole days. */
export const PAUSE_GRACE_DAYS = 3;
/** ShipmentStatus. */
export const SHIPMENT = { None: 0n, InTransit: 1n, Cancelled: 2n, Received: 3n, ReceivedInQuarantine: 4n } as const;
/** QuarantineCause. */
const CAUSE = { SenderNotAuthorized: 0n, ShipmentCancelled: 1n } as const;
/** RejectionReason values that quarantine whatever the leg says. */
const DAMAGED = 1n;
const NO_TEMPERATURE_DATA = 2n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const SUSPECT = 2n;
const ILLEGITIMATE = 4n;
const GTIN_LIMIT = 10n ** 14n;
const GLN_LIMIT = 10n ** 13n;
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

const LICENCE_REF_VALUE = LICENCE_REF.toLowerCase();
const SUSPENSION_REASON_VALUE = SUSPENSION_REASON.toLowerCase();
const RECALL_REASON_VALUE = RECALL_REASON.toLowerCase();
const RECALL_URI_VALUE = RECALL_URI;
const SAFETY_REASON_VALUE = SAFETY_REASON.toLowerCase();
const EVIDENCE_VALUE = EVIDENCE.toLowerCase();

/** The block time of a failing call, which the model knows only to within the seconds blocks add. */
export class ApproxNow {
  constructor(readonly atLeast: bigint) {}
  toString(): string {
    return `now(≈${this.atLeast})`;
  }
}

export type Value = bigint | string | boolean | ApproxNow | Value[];

/** An event or a custom error: its name and its arguments in declaration order. */
export interface Emitted {
  name: string;
  args: Value[];
}

export type Outcome = { ok: true; events: Emitted[] } | { ok: false; error: Emitted };

export interface Leg {
  minTemp: bigint;
  maxTemp: bigint;
  meanKineticTemp: bigint;
  minutesOutOfRange: bigint;
  loggerHash: string;
}

/** IBatchRegistry.Commission: the fields the export reads from the events, and the GTIN. */
export interface CommissionInput extends CommissionArgs {
  gtin: bigint;
}

/** One transaction (or a time travel), fully resolved: who signs and every argument. */
export type Call =
  | { kind: "onboard"; by: Actor; account: Actor; role: Role; gln: bigint; licenceExpiry: bigint; name: string }
  | { kind: "renew"; by: Actor; account: Actor; licenceExpiry: bigint }
  | { kind: "suspend"; by: Actor; account: Actor }
  | { kind: "reinstate"; by: Actor; account: Actor }
  | { kind: "pause"; by: Actor }
  | { kind: "unpause"; by: Actor }
  | { kind: "commission"; by: Actor; input: CommissionInput }
  /** IGovernance.supersedeBatch: the batch named by the input's GTIN and lot, every field replaced. */
  | { kind: "supersede"; by: Actor; input: CommissionInput }
  | { kind: "ship"; by: Actor; batchId: string; receiver: Actor; quantity: bigint; manifest?: ManifestInput }
  | { kind: "receive"; by: Actor; shipment: ShipmentKey; leg: Leg }
  | { kind: "reject"; by: Actor; shipment: ShipmentKey; reason: bigint; leg: Leg }
  | { kind: "cancel"; by: Actor; shipment: ShipmentKey }
  | { kind: "recall"; by: Actor; batchId: string; recallClass: bigint }
  | { kind: "flagSuspect"; by: Actor; batchId: string }
  | { kind: "clearSuspect"; by: Actor; batchId: string }
  | { kind: "confirmSuspect"; by: Actor; batchId: string }
  | { kind: "declareIllegitimate"; by: Actor; batchId: string }
  | { kind: "release"; by: Actor; batchId: string; holder: Actor; quantity: bigint }
  | { kind: "condemn"; by: Actor; batchId: string; holder: Actor; quantity: bigint }
  | { kind: "releaseLeg"; by: Actor; shipment: ShipmentKey }
  | { kind: "dispense"; by: Actor; batchId: string; serial: string; proof: string[]; claim: ClaimInput }
  /** IRecovery.rekeyPartner: the partner of `account` (any of its keys, or its identity) moves to `newKey`. */
  | { kind: "rekey"; by: Actor; account: Actor; newKey: Actor }
  /** IExceptions.receivePartial: `accepted` of the shipment's units, the rest disputed (`disputedPacks` on a pack leg). */
  | { kind: "receivePartial"; by: Actor; shipment: ShipmentKey; accepted: bigint; reason: bigint; disputedPacks: string; leg: Leg }
  /** An act on a shipment's dispute (IExceptions): declareFound, agreeLost, declareReturned, confirmReturn, closeException(outcome). */
  | { kind: "dispute"; by: Actor; shipment: ShipmentKey; act: DisputeAct; outcome: bigint }
  | { kind: "travel"; days: number };

export type DisputeAct = "found" | "lost" | "returned" | "confirm" | "close";

/** ExceptionStatus. */
export const EXCEPTION = { None: 0n, Open: 1n, Found: 2n, Lost: 3n, Returned: 4n } as const;

/** A shipment's delivery exception (IExceptions.deliveryException), with the shipment it belongs to. */
export interface ExceptionState {
  key: ShipmentKey;
  status: bigint;
  disputed: bigint;
  quarantined: boolean;
  /** 1 the sender agreed lost, 2 the receiver did, 4 the sender declared the units sent back. */
  votes: number;
}

/** A pack leg's manifest: its root (ManifestTree of `packs`, loose packs only) and the packs it lists. */
export interface ManifestInput {
  root: string;
  /** Plain serials, as the slot lists them. */
  packs: string[];
}

/** PackClaim: the leg (its sender, quantity and nonce; the caller is the receiver) and the manifest proof. */
export interface ClaimInput {
  sender: string;
  quantity: bigint;
  nonce: bigint;
  manifestProof: string[];
}

export interface PartnerState {
  role: Role;
  suspended: boolean;
  licenceExpiry: bigint;
  gln: bigint;
}

export interface BatchState {
  batchId: string;
  manufacturer: Actor;
  expiry: bigint;
  minTemp: bigint;
  maxTemp: bigint;
  /** The full root, lowercase; ZeroHash when the batch has no serials. */
  serialRoot: string;
  flags: bigint;
  recallClass: bigint;
  commissioned: bigint;
  /** SuspectHold: who flagged it last, and the day its hold lapses (0: it does not). Kept after a clearance. */
  suspectBy: string;
  suspectLapseDay: number;
  /** Holders that flagged the batch once already. */
  flaggedBy: Set<Actor>;
  /** The batch's fields as last commissioned or superseded (what a supersede starts from). */
  input: CommissionInput;
}

export interface HoldingState {
  saleable: bigint;
  quarantined: bigint;
  dispensed: bigint;
  condemned: bigint;
  shipments: bigint;
}

export interface ShipmentState {
  id: string;
  key: ShipmentKey;
  sender: Actor;
  receiver: Actor;
  isReturn: boolean;
  /** status === InTransit. */
  inTransit: boolean;
  /** ShipmentStatus as stored (None once a lot-level leg is settled). */
  status: bigint;
  shippedDay: number;
  manifest?: ManifestInput;
  /** The receiver's shipment count of the batch when it received a pack leg (dispensers only). */
  receiverShipments: bigint;
  /** The packs dispensed on a received pack leg (kept in the record's shippedAt bits), at most its quantity. */
  served: bigint;
}

/** The state the tests compare between the model and the contract after every step. */
export interface Snapshot {
  paused: boolean;
  partners: Record<string, { role: bigint; suspended: boolean; licenceExpiry: bigint; gln: bigint; standing: bigint }>;
  batches: Record<
    string,
    {
      manufacturer: string;
      expiry: bigint;
      minTemp: bigint;
      maxTemp: bigint;
      serialRoot21: string;
      flags: bigint;
      recallClass: bigint;
      suspectBy: string;
      /** The day (after the epoch) a holder's suspect hold lapses; 0 when it does not. */
      suspectLapseDay: bigint;
    }
  >;
  /** commissioned batch slot -> holder -> stock; holders with an all-zero record are left out. */
  holdings: Record<string, Record<string, HoldingState>>;
  /** shipment id -> its stored record (all zero once a lot-level leg is settled), times as days after the epoch. */
  /** `shippedDayOrServed`: in transit or cancelled, the day it was shipped; a received pack leg, the packs dispensed on it. */
  shipments: Record<string, { status: bigint; isReturn: boolean; shippedDayOrServed: bigint; manifest21: string; receiverShipments: bigint }>;
  /** commissioned batch slot -> its dispensed serials (of the slot's serials and the forged one), in slot order, each as "serial via legId". */
  dispensed: Record<string, string[]>;
}

export const NO_HOLDING: Readonly<HoldingState> = { saleable: 0n, quarantined: 0n, dispensed: 0n, condemned: 0n, shipments: 0n };

export function isZeroHolding(h: HoldingState): boolean {
  return h.saleable === 0n && h.quarantined === 0n && h.dispensed === 0n && h.condemned === 0n && h.shipments === 0n;
}

type RouteDirection = "forbidden" | "forward" | "return";

/** contracts/libraries/Routes.sol. */
export function classifyRoute(from: Role, to: Role): RouteDirection {
  if (from === Role.Manufacturer) return to === Role.Distributor ? "forward" : "forbidden";
  if (from === Role.Distributor) {
    if (to === Role.Distributor || to === Role.Dispenser) return "forward";
    return to === Role.Manufacturer ? "return" : "forbidden";
  }
  if (from === Role.Dispenser) return to === Role.Distributor || to === Role.Manufacturer ? "return" : "forbidden";
  return "forbidden";
}

/** OpenZeppelin's sorted-pair Merkle walk from a serial's StandardMerkleTree leaf. */
export function merkleRootFrom(serial32: string, proof: readonly string[]): string {
  let node = keccak256(keccak256(abi.encode(["bytes32"], [serial32])));
  for (const sibling of proof) {
    const s = sibling.toLowerCase();
    node = BigInt(s) < BigInt(node) ? keccak256(concat([s, node])) : keccak256(concat([node, s]));
  }
  return node;
}

/** The manifest of a pack leg listing `packs` loose. */
export function manifestOf(packs: readonly string[]): ManifestInput {
  return { root: ManifestTree.of(packs, []).root.toLowerCase(), packs: [...packs] };
}

/** The root a manifest proof leads to from the pack leaf `[0, serial]` (Ids.manifestPackLeaf). */
export function manifestRootFrom(serial32: string, proof: readonly string[]): string {
  let node = keccak256(keccak256(abi.encode(["uint8", "bytes32"], [0, serial32])));
  for (const sibling of proof) {
    const s = sibling.toLowerCase();
    node = BigInt(s) < BigInt(node) ? keccak256(concat([s, node])) : keccak256(concat([node, s]));
  }
  return node;
}

/** The first 21 bytes of a root, as the contract keeps it. */
export function root21(root: string): string {
  return root.toLowerCase().slice(0, 2 + 42);
}

function isGtin14(gtin: bigint): boolean {
  return gtin !== 0n && gtin < GTIN_LIMIT && hasValidCheckDigit(gtin.toString().padStart(2, "0"));
}

function isGln(gln: bigint): boolean {
  return gln !== 0n && gln < GLN_LIMIT && hasValidCheckDigit(gln.toString().padStart(2, "0"));
}

const ok = (...events: Emitted[]): Outcome => ({ ok: true, events });
const fail = (name: string, ...args: Value[]): Outcome => ({ ok: false, error: { name, args } });
const ev = (name: string, ...args: Value[]): Emitted => ({ name, args });

export class Model {
  paused = false;
  /** The day the last pause window began (a pause within the grace of the last unpause continues it), if any. */
  pausedDay?: number;
  /** The day of the last unpause, if any. */
  unpausedDay?: number;
  /** The days the last window's pauses lasted, up to the last unpause (RxAccess's pausedFor, in days). */
  pausedDays = 0;
  /** The day the current (or last) pause began. */
  lastPausedDay = 0;
  day = 0;
  readonly partners = new Map<Actor, PartnerState>();
  readonly glnOwners = new Map<bigint, Actor>();
  readonly batches = new Map<string, BatchState>();
  readonly holdings = new Map<string, Map<Actor, HoldingState>>();
  readonly shipments = new Map<string, ShipmentState>();
  /** Every shipment ever sent, in order. */
  readonly shipmentLog: ShipmentState[] = [];
  /** Delivery exceptions by shipment id, in the order they were raised. */
  readonly exceptions = new Map<string, ExceptionState>();
  /** batch -> dispensed serial (32-byte, lowercase) -> the pack leg it was dispensed on (dispensedVia). */
  readonly dispensed = new Map<string, Map<string, string>>();
  private readonly admins = new Set<Actor>(["admin"]);
  private readonly pausers = new Set<Actor>(["pauser"]);
  /** The deploy makes the pauser the operator too (the one hot key). */
  private readonly operators = new Set<Actor>(["pauser"]);
  private readonly actorOf = new Map<string, Actor>();
  /**
   * Key rotation (IRecovery): key -> the identity it acts for, for every key a re-key touched (the new key and the
   * retired one); identity -> its current key. Partners are kept by key (as `_partners`), stock, shipments,
   * manufacturers and flags by identity.
   */
  readonly identityOf = new Map<Actor, Actor>();
  readonly keyOf = new Map<Actor, Actor>();
  /** Retired keys: refused for good, never onboarded again. */
  readonly retired = new Set<Actor>();

  constructor(
    readonly address: Readonly<Record<Actor, string>>,
    readonly epoch: bigint,
  ) {
    for (const actor of ACTORS) this.actorOf.set(address[actor].toLowerCase(), actor);
  }

  /** A partner as the fixture onboarded it. */
  seedPartner(actor: Actor, p: PartnerState): void {
    this.partners.set(actor, { ...p });
    this.glnOwners.set(p.gln, actor);
  }

  /** The next block's time, as far as any deadline is concerned (deadlines lie half a day off the grid). */
  get now(): bigint {
    return this.epoch + BigInt(this.day) * DAY + 1n;
  }

  addr(actor: Actor): string {
    return this.address[actor].toLowerCase();
  }

  actorAt(address: string): Actor | undefined {
    return this.actorOf.get(address.toLowerCase());
  }

  standing(actor: Actor | undefined): Standing {
    const p = actor === undefined ? undefined : this.partners.get(actor);
    if (!p) return Standing.Unknown;
    if (p.suspended) return Standing.Suspended;
    if (p.licenceExpiry < this.now) return Standing.LicenceExpired;
    return Standing.Authorized;
  }

  roleOf(actor: Actor | undefined): Role {
    return (actor === undefined ? undefined : this.partners.get(actor)?.role) ?? Role.None;
  }

  /** The identity `actor` acts for (itself unless a re-key touched it). */
  id(actor: Actor): Actor {
    return this.identityOf.get(actor) ?? actor;
  }

  /** PartnerRegistry._isKeyOf: `key` is, or was, a key of the identity at `identityAddress`. */
  private isKeyOf(key: Actor, identityAddress: string): boolean {
    const identity = this.identityOf.get(key);
    return this.addr(key) === identityAddress.toLowerCase() || (identity !== undefined && this.addr(identity) === identityAddress.toLowerCase());
  }

  /** The standing of the partner whose identity is `identity` (its current key's). */
  private standingOfIdentity(identity: Actor): Standing {
    return this.partners.has(identity) ? this.standing(identity) : this.standing(this.keyOf.get(identity) ?? identity);
  }

  holding(batchId: string, actor: Actor): HoldingState {
    return this.holdings.get(batchId)?.get(actor) ?? { ...NO_HOLDING };
  }

  private setHolding(batchId: string, actor: Actor, h: HoldingState): void {
    let perHolder = this.holdings.get(batchId);
    if (!perHolder) {
      perHolder = new Map();
      this.holdings.set(batchId, perHolder);
    }
    perHolder.set(actor, h);
  }

  /** Units in transit of `batchId`. */
  inTransit(batchId: string): bigint {
    let total = 0n;
    for (const s of this.shipments.values()) if (s.inTransit && s.key.batchId === batchId) total += s.key.quantity;
    return total;
  }

  /** Predicts `call`, and applies it when it succeeds. */
  step(call: Call): Outcome {
    switch (call.kind) {
      case "onboard":
        return this.onboard(call);
      case "renew":
        return this.renew(call);
      case "suspend":
        return this.suspend(call);
      case "reinstate":
        return this.reinstate(call);
      case "pause":
        return this.pause(call.by);
      case "unpause":
        return this.unpause(call.by);
      case "commission":
        return this.commission(call.by, call.input);
      case "supersede":
        return this.supersede(call.by, call.input);
      case "ship":
        return this.ship(call);
      case "receive":
        return this.receive(call);
      case "reject":
        return this.reject(call);
      case "cancel":
        return this.cancel(call);
      case "confirmSuspect":
        return this.confirmSuspect(call);
      case "recall":
        return this.recall(call);
      case "flagSuspect":
        return this.flagSuspect(call);
      case "clearSuspect":
        return this.clearSuspect(call);
      case "declareIllegitimate":
        return this.declareIllegitimate(call);
      case "release":
      case "condemn":
        return this.takeQuarantined(call);
      case "releaseLeg":
        return this.releaseLeg(call);
      case "dispense":
        return this.dispense(call);
      case "rekey":
        return this.rekey(call);
      case "receivePartial":
        return this.receivePartial(call);
      case "dispute":
        return this.dispute(call);
      case "travel":
        this.day += call.days;
        return ok();
    }
  }

  // ---- checks shared by the modules, in the contract's words ----

  /**
   * RxAccess._pauseExtended in days, for a moment `expiryDay` set by an earlier transaction (a shipment): moved to
   * PAUSE_GRACE after the last unpause when the last pause window began no later than PAUSE_GRACE after it, and
   * never further than the window's paused time plus 2 × PAUSE_GRACE past it. Each transaction is a second later
   * than the one before, so at equal days the later transaction's time is larger. At the bound's own day the
   * contract compares the seconds the window's pauses lasted with the seconds since the shipment: when every pause
   * of the window came after the shipment, the latter are more, so the bound has passed. (A window older than the
   * shipment reaches the bound only after more than 33 days of unpaused gaps, each under PAUSE_GRACE: over
   * a hundred steps, more than a sequence takes.)
   */
  private pauseExtendedDay(expiryDay: number): number {
    if (this.pausedDay === undefined || this.unpausedDay === undefined) return expiryDay;
    const graceEnd = this.unpausedDay + PAUSE_GRACE_DAYS;
    if (!(this.pausedDay < expiryDay + PAUSE_GRACE_DAYS && graceEnd >= expiryDay)) return expiryDay;
    return Math.min(graceEnd, expiryDay + this.pausedDays + 2 * PAUSE_GRACE_DAYS);
  }

  private whenNotPaused(): Outcome | undefined {
    return this.paused ? fail("EnforcedPause") : undefined;
  }

  private onlyRole(actor: Actor, role: "admin" | "pauser"): Outcome | undefined {
    const holders = role === "admin" ? this.admins : this.pausers;
    if (holders.has(actor)) return undefined;
    return fail("AccessControlUnauthorizedAccount", this.addr(actor), role === "admin" ? DEFAULT_ADMIN_ROLE : PAUSER_ROLE);
  }

  /** Onboarding, renewing, reinstating a partner of `role`: the admin; for a distributor or dispenser also an operator. */
  private onlyPartnerAdmin(actor: Actor, role: Role): Outcome | undefined {
    if (this.admins.has(actor)) return undefined;
    const routine = role === Role.Distributor || role === Role.Dispenser;
    if (routine && this.operators.has(actor)) return undefined;
    return fail("AccessControlUnauthorizedAccount", this.addr(actor), routine ? OPERATOR_ROLE : DEFAULT_ADMIN_ROLE);
  }

  /** Suspending any partner: the admin or an operator; anyone else is told the operator role. */
  private onlyAdminOrOperator(actor: Actor): Outcome | undefined {
    if (this.admins.has(actor) || this.operators.has(actor)) return undefined;
    return fail("AccessControlUnauthorizedAccount", this.addr(actor), OPERATOR_ROLE);
  }

  private requireAuthorized(actor: Actor): Outcome | undefined {
    const s = this.standing(actor);
    return s === Standing.Authorized ? undefined : fail("PartnerNotAuthorized", this.addr(actor), BigInt(s));
  }

  private requireRole(actor: Actor, role: Role): Outcome | undefined {
    const notAuthorized = this.requireAuthorized(actor);
    if (notAuthorized) return notAuthorized;
    const has = this.roleOf(actor);
    return has === role ? undefined : fail("PartnerWrongRole", this.addr(actor), BigInt(has), BigInt(role));
  }

  private existingBatch(batchId: string): BatchState | Outcome {
    return this.batches.get(batchId) ?? fail("BatchUnknown", batchId);
  }

  /** BatchRegistry._isSuspect: flagged, and the hold does not lapse or has not lapsed yet. */
  isSuspect(b: BatchState): boolean {
    return (b.flags & SUSPECT) !== 0n && (b.suspectLapseDay === 0 || this.day < b.suspectLapseDay);
  }

  private requireNotOnHold(b: BatchState): Outcome | undefined {
    if (b.flags & ILLEGITIMATE) return fail("BatchIsIllegitimate", b.batchId);
    if (this.isSuspect(b)) return fail("BatchOnHold", b.batchId);
    return undefined;
  }

  private requireForwardable(b: BatchState): Outcome | undefined {
    if (b.flags !== 0n) {
      const onHold = this.requireNotOnHold(b);
      if (onHold) return onHold;
      // A lapsed holder's flag leaves the SUSPECT bit set: only a recall stops the batch then.
      if (b.flags & RECALLED) return fail("BatchUnderRecall", b.batchId, b.recallClass);
    }
    if (b.expiry < this.now) return fail("BatchExpired", b.batchId, b.expiry, new ApproxNow(this.now - 1n));
    return undefined;
  }

  private requireFutureLicence(expiry: bigint): Outcome | undefined {
    return expiry <= this.now ? fail("PartnerLicenceExpiryNotInFuture", expiry, new ApproxNow(this.now - 1n)) : undefined;
  }

  // ---- PartnerRegistry and RxAccess ----

  private onboard(c: Extract<Call, { kind: "onboard" }>): Outcome {
    const refused = this.onlyPartnerAdmin(c.by, c.role) ?? this.whenNotPaused();
    if (refused) return refused;
    if (c.role === Role.None) return fail("PartnerInvalidRole", BigInt(c.role));
    if (!isGln(c.gln)) return fail("PartnerInvalidGln", c.gln);
    if (c.name.length === 0) return fail("PartnerInvalidName", c.name);
    const existing = this.roleOf(c.account);
    if (existing !== Role.None) return fail("PartnerAlreadyOnboarded", this.addr(c.account), BigInt(existing));
    if (this.retired.has(c.account)) return fail("PartnerKeyRetired", this.addr(c.account), this.addr(this.id(c.account)));
    const glnHolder = this.glnOwners.get(c.gln);
    if (glnHolder) return fail("PartnerGlnTaken", c.gln, this.addr(glnHolder));
    const expiry = this.requireFutureLicence(c.licenceExpiry);
    if (expiry) return expiry;
    this.seedPartner(c.account, { role: c.role, suspended: false, licenceExpiry: c.licenceExpiry, gln: c.gln });
    return ok(
      ev("PartnerOnboarded", this.addr(c.account), BigInt(c.role), c.gln, LICENCE_REF_VALUE, c.licenceExpiry, c.name),
    );
  }

  private knownPartner(actor: Actor): PartnerState | Outcome {
    return this.partners.get(actor) ?? fail("PartnerUnknown", this.addr(actor));
  }

  private renew(c: Extract<Call, { kind: "renew" }>): Outcome {
    const refused = this.onlyPartnerAdmin(c.by, this.roleOf(c.account)) ?? this.whenNotPaused();
    if (refused) return refused;
    const p = this.knownPartner(c.account);
    if ("ok" in p) return p;
    const expiry = this.requireFutureLicence(c.licenceExpiry);
    if (expiry) return expiry;
    p.licenceExpiry = c.licenceExpiry;
    return ok(ev("LicenceRenewed", this.addr(c.account), LICENCE_REF_VALUE, c.licenceExpiry));
  }

  private suspend(c: Extract<Call, { kind: "suspend" }>): Outcome {
    const refused = this.onlyAdminOrOperator(c.by);
    if (refused) return refused;
    // Any key of the partner, or its identity, names its current key (a thief cannot dodge it by rotating).
    const identity = this.id(c.account);
    const account = this.keyOf.get(identity) ?? identity;
    const p = this.knownPartner(account);
    if ("ok" in p) return p;
    if (p.suspended) return fail("PartnerAlreadySuspended", this.addr(account));
    p.suspended = true;
    return ok(ev("PartnerSuspended", this.addr(account), SUSPENSION_REASON_VALUE));
  }

  private reinstate(c: Extract<Call, { kind: "reinstate" }>): Outcome {
    const refused = this.onlyPartnerAdmin(c.by, this.roleOf(c.account)) ?? this.whenNotPaused();
    if (refused) return refused;
    const p = this.knownPartner(c.account);
    if ("ok" in p) return p;
    if (!p.suspended) return fail("PartnerNotSuspended", this.addr(c.account));
    p.suspended = false;
    return ok(ev("PartnerReinstated", this.addr(c.account)));
  }

  private pause(by: Actor): Outcome {
    const refused = this.onlyRole(by, "pauser") ?? this.whenNotPaused();
    if (refused) return refused;
    // Block times grow by whole days and a second per transaction, so "now > unpausedAt + GRACE" holds from the
    // grace's last day on (this transaction comes after the unpause).
    if (this.unpausedDay === undefined || this.day >= this.unpausedDay + PAUSE_GRACE_DAYS) {
      this.pausedDay = this.day;
      this.pausedDays = 0;
    }
    this.lastPausedDay = this.day;
    this.paused = true;
    return ok(ev("Paused", this.addr(by)));
  }

  private unpause(by: Actor): Outcome {
    const refused = this.onlyRole(by, "pauser");
    if (refused) return refused;
    if (!this.paused) return fail("ExpectedPause");
    this.paused = false;
    this.unpausedDay = this.day;
    this.pausedDays += this.day - this.lastPausedDay;
    return ok(ev("Unpaused", this.addr(by)));
  }

  // ---- BatchRegistry ----

  private ownsGtin(actor: Actor, gtin: bigint): boolean {
    return PREFIX_OWNERS.some((p) => p.owner === actor && gtinHasPrefix(gtin, p.prefix));
  }

  /** The checks commissioning and superseding share (BatchRegistry._checkCommission), in the contract's order. */
  private checkCommission(by: Actor, c: CommissionInput): Outcome | undefined {
    const refused = this.whenNotPaused() ?? this.requireRole(by, Role.Manufacturer);
    if (refused) return refused;
    if (!isGtin14(c.gtin)) return fail("BatchInvalidGtin", c.gtin);
    if (!CSET82.test(c.lot)) return fail("BatchInvalidLot", c.lot);
    if (!this.ownsGtin(this.id(by), c.gtin)) return fail("BatchGtinNotOwned", c.gtin, this.addr(by));
    if (c.expiry <= this.now) return fail("BatchExpiryNotInFuture", c.expiry, new ApproxNow(this.now - 1n));
    if (c.quantity === 0n) return fail("BatchInvalidQuantity", c.quantity);
    if (c.minTemp >= c.maxTemp) return fail("BatchInvalidStorageRange", c.minTemp, c.maxTemp);
    if (c.certificateHash === ZeroHash || c.certificateURI.length === 0) {
      return fail("BatchMissingCertificate", c.certificateHash, c.certificateURI);
    }
    return undefined;
  }

  private static commissionFields(c: CommissionInput): Value[] {
    return commissionArgs({ ...c, serialRoot: c.serialRoot.toLowerCase(), certificateHash: c.certificateHash.toLowerCase() });
  }

  private commission(by: Actor, c: CommissionInput): Outcome {
    const refused = this.checkCommission(by, c);
    if (refused) return refused;
    by = this.id(by);
    const batchId = batchIdOf(c.gtin, c.lot);
    if (this.batches.has(batchId)) return fail("BatchAlreadyCommissioned", batchId);
    this.batches.set(batchId, {
      batchId,
      manufacturer: by,
      expiry: c.expiry,
      minTemp: c.minTemp,
      maxTemp: c.maxTemp,
      serialRoot: c.serialRoot.toLowerCase(),
      flags: 0n,
      recallClass: 0n,
      commissioned: c.quantity,
      suspectBy: ZERO_ADDRESS,
      suspectLapseDay: 0,
      flaggedBy: new Set(),
      input: c,
    });
    this.setHolding(batchId, by, { ...NO_HOLDING, saleable: c.quantity });
    this.dispensed.set(batchId, new Map());
    return ok(ev("BatchCommissioned", batchId, this.addr(by), c.gtin, Model.commissionFields(c)));
  }

  /** IGovernance.supersedeBatch: only the lot's manufacturer, only while every unit is its own and no flag stands. */
  private supersede(by: Actor, c: CommissionInput): Outcome {
    const refused = this.checkCommission(by, c);
    if (refused) return refused;
    const b = this.existingBatch(batchIdOf(c.gtin, c.lot));
    if ("ok" in b) return b;
    if (b.manufacturer !== this.id(by)) return fail("CorrectionNotManufacturer", b.batchId, this.addr(by));
    by = this.id(by);
    const h = this.holding(b.batchId, by);
    if (b.flags !== 0n || h.shipments !== 0n || h.quarantined !== 0n || h.condemned !== 0n || h.dispensed !== 0n) {
      return fail("SupersedeAfterMovement", b.batchId, b.flags);
    }
    const root = c.serialRoot.toLowerCase();
    // The contract keeps 168 bits of the root: two roots differing only below them read as the same.
    let changed = 0n;
    if (b.serialRoot.slice(0, 44) !== root.slice(0, 44)) changed |= 1n;
    if (b.expiry !== c.expiry) changed |= 2n;
    if (b.minTemp !== c.minTemp || b.maxTemp !== c.maxTemp) changed |= 4n;
    if (h.saleable !== c.quantity) changed |= 8n;
    Object.assign(b, { expiry: c.expiry, minTemp: c.minTemp, maxTemp: c.maxTemp, serialRoot: root, commissioned: c.quantity, input: c });
    this.setHolding(b.batchId, by, { ...h, saleable: c.quantity });
    return ok(ev("BatchSuperseded", b.batchId, this.addr(by), changed, Model.commissionFields(c)));
  }

  // ---- Custody ----

  private ship(c: Extract<Call, { kind: "ship" }>): Outcome {
    const refused = this.whenNotPaused() ?? this.requireAuthorized(c.by) ?? this.requireAuthorized(c.receiver);
    if (refused) return refused;
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const fromRole = this.roleOf(c.by);
    const toRole = this.roleOf(c.receiver);
    // Stock and shipments name identities (IRecovery).
    const from = this.id(c.by);
    const to = this.id(c.receiver);
    const direction = classifyRoute(fromRole, toRole);
    if (direction === "forbidden" || to === from) {
      return fail("CustodyRouteNotPermitted", this.addr(from), BigInt(fromRole), this.addr(to), BigInt(toRole));
    }
    const isReturn = direction === "return";
    if (isReturn) {
      if (toRole === Role.Manufacturer && to !== b.manufacturer) {
        return fail("CustodyReturnToOtherManufacturer", b.batchId, this.addr(to), this.addr(b.manufacturer));
      }
      const onHold = this.requireNotOnHold(b);
      if (onHold) return onHold;
    } else {
      const blocked = this.requireForwardable(b);
      if (blocked) return blocked;
      if (toRole === Role.Dispenser && root21(b.serialRoot) !== root21(ZeroHash) && !c.manifest) {
        return fail("CustodyManifestRequired", b.batchId, this.addr(to));
      }
    }
    if (c.quantity === 0n) return fail("BatchInvalidQuantity", c.quantity);
    const h = this.holding(b.batchId, from);
    if (h.saleable < c.quantity) {
      return fail("CustodyInsufficientSaleable", b.batchId, this.addr(from), h.saleable, c.quantity);
    }
    const nonce = h.shipments;
    this.setHolding(b.batchId, from, { ...h, saleable: h.saleable - c.quantity, shipments: nonce + 1n });
    const key: ShipmentKey = { batchId: b.batchId, sender: this.addr(from), receiver: this.addr(to), quantity: c.quantity, nonce };
    const shipmentId = shipmentIdOf(key);
    const s: ShipmentState = {
      id: shipmentId,
      key,
      sender: from,
      receiver: to,
      isReturn,
      inTransit: true,
      status: SHIPMENT.InTransit,
      shippedDay: this.day,
      manifest: c.manifest,
      receiverShipments: 0n,
      served: 0n,
    };
    this.shipments.set(shipmentId, s);
    this.shipmentLog.push(s);
    const shipped = ev("Shipped", shipmentId, b.batchId, key.sender, key.receiver, c.quantity, nonce, isReturn);
    if (!c.manifest) return ok(shipped);
    return ok(shipped, ev("ManifestCommitted", shipmentId, b.batchId, c.manifest.root.toLowerCase()));
  }

  private setStatus(s: ShipmentState, status: bigint): void {
    s.status = status;
    s.inTransit = status === SHIPMENT.InTransit;
  }

  private legValues(leg: Leg): Value[] {
    return [leg.minTemp, leg.maxTemp, leg.meanKineticTemp, leg.minutesOutOfRange, leg.loggerHash.toLowerCase()];
  }

  private inconsistent(leg: Leg): Outcome | undefined {
    if (leg.minTemp <= leg.meanKineticTemp && leg.meanKineticTemp <= leg.maxTemp) return undefined;
    return fail("CustodyInvalidTemperatureLeg", leg.minTemp, leg.meanKineticTemp, leg.maxTemp);
  }

  private static excursion(leg: Leg, b: BatchState): boolean {
    return leg.minTemp < b.minTemp || leg.maxTemp > b.maxTemp || leg.minutesOutOfRange !== 0n;
  }

  /** Custody._receive: a shipment in transit, or one its sender cancelled (from the sender's quarantine). */
  private receive(c: Extract<Call, { kind: "receive" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const shipmentId = shipmentIdOf(c.shipment);
    const s = this.shipments.get(shipmentId);
    if (!s || (s.status !== SHIPMENT.InTransit && s.status !== SHIPMENT.Cancelled)) return fail("CustodyShipmentNotInTransit", shipmentId);
    if (!this.isKeyOf(c.by, c.shipment.receiver)) {
      return fail("CustodyNotReceiver", shipmentId, this.addr(c.by), c.shipment.receiver.toLowerCase());
    }
    const notAuthorized = this.requireAuthorized(c.by);
    if (notAuthorized) return notAuthorized;
    const q = s.key.quantity;
    let cause: bigint | undefined;
    let senderAfter: HoldingState | undefined;
    if (s.status === SHIPMENT.Cancelled) {
      const from = this.holding(s.key.batchId, s.sender);
      if (from.quarantined < q) return fail("CustodyCancelledUnitsGone", shipmentId, this.addr(s.sender), from.quarantined, q);
      senderAfter = { ...from, quarantined: from.quarantined - q };
      cause = CAUSE.ShipmentCancelled;
    } else if (this.standingOfIdentity(s.sender) !== Standing.Authorized) {
      cause = CAUSE.SenderNotAuthorized;
    }
    const leg = c.leg;
    const bad = this.inconsistent(leg);
    if (bad) return bad;
    const b = this.batches.get(s.key.batchId) as BatchState;
    if (!s.isReturn) {
      const onHold = this.requireNotOnHold(b);
      if (onHold) return onHold;
      if (b.flags & RECALLED) return fail("BatchUnderRecall", b.batchId, b.recallClass);
    }
    const excursion = Model.excursion(leg, b);
    if (senderAfter) this.setHolding(b.batchId, s.sender, senderAfter);
    const h = this.holding(b.batchId, s.receiver);
    const quarantine = excursion || cause !== undefined;
    this.setHolding(b.batchId, s.receiver, quarantine ? { ...h, quarantined: h.quarantined + q } : { ...h, saleable: h.saleable + q });
    if (s.manifest && this.roleOf(c.by) === Role.Dispenser) {
      this.setStatus(s, quarantine ? SHIPMENT.ReceivedInQuarantine : SHIPMENT.Received);
      s.receiverShipments = h.shipments;
    } else {
      this.setStatus(s, SHIPMENT.None);
    }
    const received = ev("Received", s.id, b.batchId, this.addr(s.receiver), s.key.sender.toLowerCase(), q, this.legValues(leg), excursion);
    if (cause === undefined) return ok(received);
    return ok(received, ev("ReceiptQuarantined", s.id, b.batchId, this.addr(s.receiver), q, cause));
  }

  /** Exceptions.receivePartial: the accepted units as a receipt takes them, the rest disputed (in nobody's stock). */
  private receivePartial(c: Extract<Call, { kind: "receivePartial" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const shipmentId = shipmentIdOf(c.shipment);
    const s = this.shipments.get(shipmentId);
    if (!s || s.status !== SHIPMENT.InTransit) return fail("CustodyShipmentNotInTransit", shipmentId);
    if (!this.isKeyOf(c.by, c.shipment.receiver)) {
      return fail("CustodyNotReceiver", shipmentId, this.addr(c.by), c.shipment.receiver.toLowerCase());
    }
    const notAuthorized = this.requireAuthorized(c.by);
    if (notAuthorized) return notAuthorized;
    const q = s.key.quantity;
    if (c.accepted === 0n || c.accepted >= q) return fail("ExceptionInvalidAccepted", shipmentId, c.accepted, q);
    const packLeg = s.manifest !== undefined;
    if (packLeg !== (BigInt(c.disputedPacks) !== 0n)) return fail("ExceptionDisputedPacks", shipmentId, c.disputedPacks.toLowerCase());
    const quarantine = this.standingOfIdentity(s.sender) !== Standing.Authorized;
    const bad = this.inconsistent(c.leg);
    if (bad) return bad;
    const b = this.batches.get(s.key.batchId) as BatchState;
    if (!s.isReturn) {
      const onHold = this.requireNotOnHold(b);
      if (onHold) return onHold;
      if (b.flags & RECALLED) return fail("BatchUnderRecall", b.batchId, b.recallClass);
    }
    const excursion = Model.excursion(c.leg, b);
    const atDispenser = packLeg && this.roleOf(c.by) === Role.Dispenser;
    if (atDispenser && (excursion || quarantine)) return fail("ExceptionPackLegQuarantined", shipmentId);
    // The receiver's stock is kept under its identity, whichever of its keys receives.
    const h = this.holding(b.batchId, s.receiver);
    const intoQuarantine = excursion || quarantine;
    this.setHolding(b.batchId, s.receiver, intoQuarantine ? { ...h, quarantined: h.quarantined + c.accepted } : { ...h, saleable: h.saleable + c.accepted });
    const disputed = q - c.accepted;
    if (atDispenser) {
      this.setStatus(s, SHIPMENT.Received);
      s.receiverShipments = h.shipments;
      s.served = disputed;
    } else {
      this.setStatus(s, SHIPMENT.None);
    }
    this.exceptions.set(shipmentId, { key: s.key, status: EXCEPTION.Open, disputed, quarantined: intoQuarantine, votes: 0 });
    const receiver = this.addr(s.receiver);
    const sender = s.key.sender.toLowerCase();
    const events = [ev("Received", shipmentId, b.batchId, receiver, sender, c.accepted, this.legValues(c.leg), excursion)];
    if (quarantine) events.push(ev("ReceiptQuarantined", shipmentId, b.batchId, receiver, c.accepted, CAUSE.SenderNotAuthorized));
    events.push(ev("ExceptionRaised", shipmentId, b.batchId, receiver, sender, c.accepted, disputed, c.reason, EVIDENCE_VALUE, c.disputedPacks.toLowerCase()));
    return ok(...events);
  }

  /** Exceptions' dispute acts: who may take each, and where the disputed units go. */
  private dispute(c: Extract<Call, { kind: "dispute" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const shipmentId = shipmentIdOf(c.shipment);
    const e = this.exceptions.get(shipmentId);
    const status = e?.status ?? EXCEPTION.None;
    if (!e || status !== EXCEPTION.Open) return fail("ExceptionNotOpen", shipmentId, status);
    // The contract compares any key of a party with the shipment's identities, and names the identity.
    const me = this.addr(this.identityOf.get(c.by) ?? c.by);
    const sender = c.shipment.sender.toLowerCase();
    const receiver = c.shipment.receiver.toLowerCase();
    switch (c.act) {
      case "found":
        if (me !== receiver) return fail("CustodyNotReceiver", shipmentId, me, receiver);
        return this.requireAuthorized(c.by) ?? this.resolveDispute(e, shipmentId, EXCEPTION.Found, me, false);
      case "lost": {
        const vote = me === sender ? 1 : me === receiver ? 2 : 0;
        if (vote === 0) return fail("ExceptionNotParty", shipmentId, me);
        const notAuthorized = this.requireAuthorized(c.by);
        if (notAuthorized) return notAuthorized;
        if (e.votes & vote) return fail("ExceptionAlreadyProposed", shipmentId, me, EXCEPTION.Lost);
        e.votes |= vote;
        if ((e.votes & 3) === 3) return this.resolveDispute(e, shipmentId, EXCEPTION.Lost, me, false);
        return ok(ev("ExceptionOutcomeProposed", shipmentId, e.key.batchId, me, EXCEPTION.Lost));
      }
      case "returned": {
        if (me !== sender) return fail("CustodyNotSender", shipmentId, me, sender);
        const notAuthorized = this.requireAuthorized(c.by);
        if (notAuthorized) return notAuthorized;
        if (e.votes & 4) return fail("ExceptionAlreadyProposed", shipmentId, me, EXCEPTION.Returned);
        e.votes |= 4;
        return ok(ev("ExceptionOutcomeProposed", shipmentId, e.key.batchId, me, EXCEPTION.Returned));
      }
      case "confirm": {
        if (me !== receiver) return fail("CustodyNotReceiver", shipmentId, me, receiver);
        const notAuthorized = this.requireAuthorized(c.by);
        if (notAuthorized) return notAuthorized;
        if (!(e.votes & 4)) return fail("ExceptionReturnNotDeclared", shipmentId);
        return this.resolveDispute(e, shipmentId, EXCEPTION.Returned, me, false);
      }
      case "close": {
        const notRegulator = this.requireRole(c.by, Role.Regulator);
        if (notRegulator) return notRegulator;
        if (c.outcome < EXCEPTION.Found) return fail("ExceptionInvalidOutcome", c.outcome);
        return this.resolveDispute(e, shipmentId, c.outcome, me, true);
      }
    }
  }

  private resolveDispute(e: ExceptionState, shipmentId: string, outcome: bigint, by: string, byRegulator: boolean): Outcome {
    e.status = outcome;
    const batchId = e.key.batchId;
    let holder = ZERO_ADDRESS;
    if (outcome === EXCEPTION.Found) {
      const to = this.actorAt(e.key.receiver) as Actor;
      holder = this.addr(to);
      const h = this.holding(batchId, to);
      this.setHolding(batchId, to, e.quarantined ? { ...h, quarantined: h.quarantined + e.disputed } : { ...h, saleable: h.saleable + e.disputed });
      const s = this.shipments.get(shipmentId);
      if (s && s.status === SHIPMENT.Received) s.served -= e.disputed;
    } else if (outcome === EXCEPTION.Returned) {
      const to = this.actorAt(e.key.sender) as Actor;
      holder = this.addr(to);
      const h = this.holding(batchId, to);
      this.setHolding(batchId, to, { ...h, quarantined: h.quarantined + e.disputed });
    }
    const reason = byRegulator ? SAFETY_REASON_VALUE : ZeroHash;
    return ok(ev("ExceptionResolved", shipmentId, batchId, outcome, by, byRegulator, holder, e.disputed, reason));
  }

  /** Custody._reject: back to the sender, saleable only on an in-range leg with a reason that says nothing against the goods. */
  private reject(c: Extract<Call, { kind: "reject" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const shipmentId = shipmentIdOf(c.shipment);
    const s = this.shipments.get(shipmentId);
    if (!s || s.status !== SHIPMENT.InTransit) return fail("CustodyShipmentNotInTransit", shipmentId);
    if (!this.isKeyOf(c.by, c.shipment.receiver)) {
      return fail("CustodyNotReceiver", shipmentId, this.addr(c.by), c.shipment.receiver.toLowerCase());
    }
    const notAuthorized = this.requireAuthorized(c.by) ?? this.inconsistent(c.leg);
    if (notAuthorized) return notAuthorized;
    const b = this.batches.get(s.key.batchId) as BatchState;
    const quarantined = Model.excursion(c.leg, b) || c.reason === DAMAGED || c.reason === NO_TEMPERATURE_DATA;
    this.setStatus(s, SHIPMENT.None);
    const h = this.holding(s.key.batchId, s.sender);
    const q = s.key.quantity;
    this.setHolding(s.key.batchId, s.sender, quarantined ? { ...h, quarantined: h.quarantined + q } : { ...h, saleable: h.saleable + q });
    return ok(
      ev("Rejected", s.id, s.key.batchId, this.addr(s.receiver), s.key.sender.toLowerCase(), q, c.reason, EVIDENCE_VALUE, this.legValues(c.leg), quarantined),
    );
  }

  /** Custody.cancelShipment: by the sender, CANCEL_AFTER after shipping, into the sender's quarantine. */
  private cancel(c: Extract<Call, { kind: "cancel" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const shipmentId = shipmentIdOf(c.shipment);
    const s = this.shipments.get(shipmentId);
    if (!s || s.status !== SHIPMENT.InTransit) return fail("CustodyShipmentNotInTransit", shipmentId);
    if (!this.isKeyOf(c.by, c.shipment.sender)) {
      return fail("CustodyNotSender", shipmentId, this.addr(c.by), c.shipment.sender.toLowerCase());
    }
    const notAuthorized = this.requireAuthorized(c.by);
    if (notAuthorized) return notAuthorized;
    const cancellableDay = this.pauseExtendedDay(s.shippedDay + CANCEL_AFTER_DAYS);
    if (this.day < cancellableDay) {
      return fail(
        "CustodyCancelTooEarly",
        shipmentId,
        new ApproxNow(this.epoch + BigInt(cancellableDay) * DAY),
        new ApproxNow(this.now - 1n),
      );
    }
    this.setStatus(s, SHIPMENT.Cancelled);
    const h = this.holding(s.key.batchId, s.sender);
    this.setHolding(s.key.batchId, s.sender, { ...h, quarantined: h.quarantined + s.key.quantity });
    return ok(ev("ShipmentCancelled", s.id, s.key.batchId, this.addr(s.sender), s.key.receiver.toLowerCase(), s.key.quantity));
  }

  // ---- ProductSafety ----

  private recall(c: Extract<Call, { kind: "recall" }>): Outcome {
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    // A restrictive act: the lot's own manufacturer (its current key: a retired key is no partner's) may recall it
    // in any standing.
    const own = this.isKeyOf(c.by, this.addr(b.manufacturer)) && this.roleOf(c.by) !== Role.None;
    const refused = own ? undefined : this.requireRole(c.by, Role.Regulator);
    if (refused) return refused;
    const by = own ? b.manufacturer : this.id(c.by);
    if (c.recallClass === 0n || c.recallClass > 3n) return fail("SafetyInvalidRecallClass", c.recallClass);
    if (b.flags & RECALLED) {
      if (c.recallClass >= b.recallClass) return fail("SafetyAlreadyRecalled", b.batchId, b.recallClass);
      const previous = b.recallClass;
      b.recallClass = c.recallClass;
      return ok(ev("RecallEscalated", b.batchId, this.addr(by), previous, c.recallClass, RECALL_REASON_VALUE, RECALL_URI_VALUE));
    }
    b.flags |= RECALLED;
    b.recallClass = c.recallClass;
    return ok(ev("BatchRecalled", b.batchId, this.addr(by), c.recallClass, RECALL_REASON_VALUE, RECALL_URI_VALUE));
  }

  private flagSuspect(c: Extract<Call, { kind: "flagSuspect" }>): Outcome {
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const refused = this.requireAuthorized(c.by);
    if (refused) return refused;
    const holder = this.roleOf(c.by) !== Role.Regulator;
    const flagger = this.id(c.by);
    if (holder) {
      const h = this.holding(b.batchId, flagger);
      if (h.saleable === 0n && h.quarantined === 0n) return fail("SafetyNotHolder", b.batchId, this.addr(c.by));
      if (b.flaggedBy.has(flagger)) return fail("SafetyAlreadyFlaggedBy", b.batchId, this.addr(c.by));
    }
    if (b.flags & ILLEGITIMATE) return fail("SafetyAlreadyIllegitimate", b.batchId);
    if (this.isSuspect(b)) return fail("SafetyAlreadySuspect", b.batchId);
    if (holder) b.flaggedBy.add(flagger);
    b.flags |= SUSPECT;
    b.suspectBy = this.addr(flagger);
    b.suspectLapseDay = holder ? this.day + SUSPECT_LAPSE_DAYS : 0;
    const lapsesAt = holder ? new ApproxNow(this.now - 1n + BigInt(SUSPECT_LAPSE_DAYS) * DAY) : 0n;
    return ok(ev("BatchFlaggedSuspect", b.batchId, this.addr(flagger), SAFETY_REASON_VALUE, lapsesAt));
  }

  private confirmSuspect(c: Extract<Call, { kind: "confirmSuspect" }>): Outcome {
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const notRegulator = this.requireRole(c.by, Role.Regulator);
    if (notRegulator) return notRegulator;
    if (!this.isSuspect(b)) return fail("SafetyNotSuspect", b.batchId);
    b.suspectLapseDay = 0;
    return ok(ev("SuspectConfirmed", b.batchId, this.addr(c.by), SAFETY_REASON_VALUE));
  }

  private clearSuspect(c: Extract<Call, { kind: "clearSuspect" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const notRegulator = this.requireRole(c.by, Role.Regulator);
    if (notRegulator) return notRegulator;
    // The flag, lapsed or not; the hold record stays as it was.
    if (!(b.flags & SUSPECT)) return fail("SafetyNotSuspect", b.batchId);
    b.flags &= ~SUSPECT;
    return ok(ev("SuspectCleared", b.batchId, this.addr(c.by), SAFETY_REASON_VALUE));
  }

  private declareIllegitimate(c: Extract<Call, { kind: "declareIllegitimate" }>): Outcome {
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const refused = this.requireRole(c.by, Role.Regulator);
    if (refused) return refused;
    if (b.flags & ILLEGITIMATE) return fail("SafetyAlreadyIllegitimate", b.batchId);
    b.flags = (b.flags | ILLEGITIMATE) & ~SUSPECT;
    return ok(ev("BatchDeclaredIllegitimate", b.batchId, this.addr(this.id(c.by)), SAFETY_REASON_VALUE));
  }

  private takeQuarantined(c: Extract<Call, { kind: "release" | "condemn" }>): Outcome {
    // Condemning is a restrictive act: it works while paused; a release does not.
    const refused = c.kind === "release" ? this.whenNotPaused() : undefined;
    if (refused) return refused;
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const notRegulator = this.requireRole(c.by, Role.Regulator);
    if (notRegulator) return notRegulator;
    if (c.quantity === 0n) return fail("BatchInvalidQuantity", c.quantity);
    const h = this.holding(b.batchId, c.holder);
    if (h.quarantined < c.quantity) {
      return fail("SafetyInsufficientQuarantined", b.batchId, this.addr(c.holder), h.quarantined, c.quantity);
    }
    const rest = { ...h, quarantined: h.quarantined - c.quantity };
    if (c.kind === "release") {
      this.setHolding(b.batchId, c.holder, { ...rest, saleable: rest.saleable + c.quantity });
      return ok(ev("QuarantineReleased", b.batchId, this.addr(c.holder), this.addr(c.by), c.quantity));
    }
    this.setHolding(b.batchId, c.holder, { ...rest, condemned: rest.condemned + c.quantity });
    return ok(ev("QuarantineCondemned", b.batchId, this.addr(c.holder), this.addr(c.by), c.quantity));
  }

  /** ProductSafety.releaseLeg: a pack leg received into quarantine, released whole by a regulator. */
  private releaseLeg(c: Extract<Call, { kind: "releaseLeg" }>): Outcome {
    const refused = this.whenNotPaused();
    if (refused) return refused;
    const legId = shipmentIdOf(c.shipment);
    const s = this.shipments.get(legId);
    if (s?.status !== SHIPMENT.ReceivedInQuarantine) return fail("SafetyLegNotQuarantined", legId);
    const notRegulator = this.requireRole(c.by, Role.Regulator);
    if (notRegulator) return notRegulator;
    const q = s.key.quantity;
    const h = this.holding(s.key.batchId, s.receiver);
    if (h.quarantined < q) return fail("SafetyInsufficientQuarantined", s.key.batchId, this.addr(s.receiver), h.quarantined, q);
    this.setHolding(s.key.batchId, s.receiver, { ...h, quarantined: h.quarantined - q, saleable: h.saleable + q });
    this.setStatus(s, SHIPMENT.Received);
    return ok(
      ev("QuarantineReleased", s.key.batchId, this.addr(s.receiver), this.addr(c.by), q),
      ev("LegReleased", legId, s.key.batchId, this.addr(s.receiver), this.addr(c.by)),
    );
  }

  // ---- Dispensing ----

  private dispense(c: Extract<Call, { kind: "dispense" }>): Outcome {
    const refused = this.whenNotPaused() ?? this.requireRole(c.by, Role.Dispenser);
    if (refused) return refused;
    const b = this.existingBatch(c.batchId);
    if ("ok" in b) return b;
    const blocked = this.requireForwardable(b);
    if (blocked) return blocked;
    if (root21(b.serialRoot) === root21(ZeroHash)) return fail("DispenseBatchNotSerialized", b.batchId);
    const serial = c.serial.toLowerCase();
    if (root21(merkleRootFrom(serial, c.proof)) !== root21(b.serialRoot)) {
      return fail("DispenseSerialNotInBatch", b.batchId, serial);
    }
    const done = this.dispensed.get(b.batchId) as Map<string, string>;
    if (done.has(serial)) return fail("DispensePackAlreadyDispensed", b.batchId, serial);
    const dispenser = this.id(c.by);
    const h = this.holding(b.batchId, dispenser);
    if (h.saleable === 0n) return fail("CustodyInsufficientSaleable", b.batchId, this.addr(dispenser), 0n, 1n);
    const legKey: ShipmentKey = { batchId: b.batchId, sender: c.claim.sender.toLowerCase(), receiver: this.addr(dispenser), quantity: c.claim.quantity, nonce: c.claim.nonce };
    const legId = shipmentIdOf(legKey);
    const leg = this.shipments.get(legId);
    if (leg?.status !== SHIPMENT.Received) {
      if (leg?.status === SHIPMENT.ReceivedInQuarantine) return fail("DispenseLegQuarantined", b.batchId, serial, legId);
      return fail("DispenseLegNotReceived", b.batchId, serial, legId);
    }
    if (root21(manifestRootFrom(serial, c.claim.manifestProof)) !== root21(leg.manifest?.root ?? ZeroHash)) {
      return fail("DispensePackNotInLeg", b.batchId, serial, legId);
    }
    if (h.shipments !== leg.receiverShipments) return fail("DispenseLegShippedOn", b.batchId, serial, legId, leg.receiverShipments, h.shipments);
    if (leg.served >= c.claim.quantity) return fail("DispenseLegExhausted", b.batchId, serial, legId, c.claim.quantity);
    leg.served += 1n;
    this.setHolding(b.batchId, dispenser, { ...h, saleable: h.saleable - 1n, dispensed: h.dispensed + 1n });
    done.set(serial, legId);
    return ok(ev("PackDispensed", b.batchId, serial, this.addr(dispenser)));
  }

  // ---- Recovery ----

  /** IRecovery.rekeyPartner: the admin moves a partner's record to a fresh key; its stock stays with its identity. */
  private rekey(c: Extract<Call, { kind: "rekey" }>): Outcome {
    // A restrictive act: it works while paused.
    const refused = this.onlyRole(c.by, "admin");
    if (refused) return refused;
    const identity = this.id(c.account);
    const key = this.keyOf.get(identity) ?? identity;
    const existing = this.roleOf(c.newKey);
    if (existing !== Role.None) return fail("PartnerAlreadyOnboarded", this.addr(c.newKey), BigInt(existing));
    if (this.retired.has(c.newKey)) return fail("PartnerKeyRetired", this.addr(c.newKey), this.addr(this.id(c.newKey)));
    const p = this.knownPartner(key);
    if ("ok" in p) return p;
    this.partners.delete(key);
    this.partners.set(c.newKey, p);
    this.retired.add(key);
    this.identityOf.set(key, identity);
    this.identityOf.set(c.newKey, identity);
    this.keyOf.set(identity, c.newKey);
    this.glnOwners.set(p.gln, c.newKey);
    return ok(ev("PartnerRekeyed", this.addr(identity), this.addr(key), this.addr(c.newKey), true));
  }

  // ---- what the tests compare ----

  /** The state as the tests read it from the contract, with the shipments `shipmentIds` (all by default). */
  snapshot(shipmentIds: readonly string[] = this.shipmentLog.map((s) => s.id)): Snapshot {
    const partners: Snapshot["partners"] = {};
    for (const actor of ACTORS) {
      // partner(account): the key's record, else (an identity whose key moved) its current key's.
      const p = this.partners.get(actor) ?? this.partners.get(this.keyOf.get(actor) ?? actor);
      partners[actor] = {
        role: BigInt(p?.role ?? Role.None),
        suspended: p?.suspended ?? false,
        licenceExpiry: p?.licenceExpiry ?? 0n,
        gln: p?.gln ?? 0n,
        standing: BigInt(this.standing(actor)),
      };
    }
    const batches: Snapshot["batches"] = {};
    const holdings: Snapshot["holdings"] = {};
    const dispensed: Snapshot["dispensed"] = {};
    for (const slot of SLOTS) {
      const b = this.batches.get(slot.batchId);
      if (!b) continue;
      const perHolder: Record<string, HoldingState> = {};
      for (const actor of ACTORS) {
        // holding(batch, account) reads the identity's stock for any of its keys.
        const h = this.holding(slot.batchId, this.id(actor));
        if (!isZeroHolding(h)) perHolder[actor] = { ...h };
      }
      holdings[slot.name] = perHolder;
      const done = this.dispensed.get(slot.batchId) ?? new Map<string, string>();
      dispensed[slot.name] = slotSerialCandidates(slot.name)
        .filter((s) => done.has(s.serial32))
        .map((s) => `${s.serial} via ${done.get(s.serial32) ?? ""}`);
      batches[slot.name] = {
        manufacturer: this.addr(b.manufacturer),
        expiry: b.expiry,
        minTemp: b.minTemp,
        maxTemp: b.maxTemp,
        serialRoot21: root21(b.serialRoot),
        flags: b.flags,
        recallClass: b.recallClass,
        suspectBy: b.suspectBy,
        suspectLapseDay: BigInt(b.suspectLapseDay),
      };
    }
    const shipments: Snapshot["shipments"] = {};
    for (const shipmentId of shipmentIds) {
      const s = this.shipments.get(shipmentId);
      const status = s?.status ?? SHIPMENT.None;
      shipments[shipmentId] =
        !s || status === SHIPMENT.None
          ? { status, isReturn: false, shippedDayOrServed: 0n, manifest21: root21(ZeroHash), receiverShipments: 0n }
          : {
              status,
              isReturn: s.isReturn,
              shippedDayOrServed: status === SHIPMENT.InTransit || status === SHIPMENT.Cancelled ? BigInt(s.shippedDay) : s.served,
              manifest21: root21(s.manifest?.root ?? ZeroHash),
              receiverShipments: s.receiverShipments,
            };
    }
    return { paused: this.paused, partners, batches, holdings, shipments, dispensed };
  }

  /** A short name for an address in messages. */
  nameOf(address: string): string {
    return this.actorAt(address) ?? slotOfBatchId(address)?.name ?? address;
  }
}

/** The serials whose dispensing the tests track for a slot: its own and the forged one. */
export function slotSerialCandidates(slotName: string): { serial: string; serial32: string }[] {
  const slot = SLOTS.find((s) => s.name === slotName);
  if (!slot) return [];
  return [
    ...slot.serials.map((serial, i) => ({ serial, serial32: slot.serials32[i].toLowerCase() })),
    { serial: FORGED_SERIAL, serial32: FORGED_SERIAL32.toLowerCase() },
  ];
}

