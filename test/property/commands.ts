/**
 * fast-check arbitraries for every operation of RxTrace, with random actors (the admin, the pauser, the cast,
 * a stranger, a suspended and a lapsed partner, a newcomer), quantities including 0 and over-stock, serials
 * including forged ones, temperature legs including excursions and inconsistent summaries, and time travel
 * past licence and batch expiries.
 *
 * An `Op` is what fast-check generates and shrinks: choices that stay meaningful whatever ran before (a
 * shipment is "the k-th one in transit", not an id). `resolve` turns it into a concrete `Call` against the
 * model's current state; `describeOp` is how a shrunk sequence is printed.
 */
import fc from "fast-check";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { Role } from "../../src/domain/enums";
import { shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { SHIPMENT, manifestOf, type DisputeAct, type Call, type ClaimInput, type Leg, type ManifestInput, type Model, type ShipmentState } from "./model";
import { ManifestTree } from "../../src/manifests/manifest";
import {
  ACTORS,
  CERTIFICATE_HASH,
  CERTIFICATE_URI,
  FORGED_SERIAL,
  FORGED_SERIAL32,
  GLN_POOL,
  GTINS,
  LOTS,
  PARTNER_NAME,
  SERIALS_PER_BATCH,
  SLOTS,
  deadline,
  slotOfGtinLot,
  type Actor,
  type BatchSlot,
  type GtinChoice,
  type LotChoice,
} from "./universe";

/** Which shipment a receive or reject refers to. */
export interface ShipmentPick {
  /** Among the shipments in transit (the command waits until there is one), else among all shipments ever sent. */
  pending: boolean;
  index: number;
  /** Pass the shipment with its quantity changed: an id that was never shipped. */
  tamper: boolean;
}

export type SerialPick =
  | { kind: "own"; index: number }
  | { kind: "forged" }
  | { kind: "foreign"; slot: number; index: number };

export type Signer = Actor | "receiver" | "sender";

/** Whether a shipment carries a manifest: to a dispenser only (`auto`), always or never. */
export interface PackPick {
  manifest: "auto" | "always" | "never";
  /** The first of the slot's serials it lists (then as many as the quantity, up to all of them). */
  offset: number;
  /** Packs listed beyond the quantity (a sender's manifest that overstates the leg: DispenseLegExhausted). */
  extra: number;
}

/**
 * What a dispense claims: a pack leg the dispenser received (the pack from its manifest), a leg another
 * dispenser received (an attacker's claim), its own leg with a pack the leg does not list, or no leg at all.
 */
export type ClaimPick =
  | { kind: "leg"; leg: number; pack: number }
  | { kind: "othersLeg"; leg: number; pack: number }
  | { kind: "notInLeg"; leg: number }
  | { kind: "none" };

export type Op =
  | { kind: "onboard"; by: Actor; account: Actor; role: Role; glnIndex: number; named: boolean; expiryDays: number }
  | { kind: "renew"; by: Actor; account: Actor; expiryDays: number }
  | { kind: "suspend"; by: Actor; account: Actor }
  | { kind: "reinstate"; by: Actor; account: Actor }
  | { kind: "pause"; by: Actor }
  | { kind: "unpause"; by: Actor }
  | {
      kind: "commission";
      by: Actor;
      gtin: GtinChoice;
      lot: LotChoice;
      quantity: bigint;
      range: readonly [bigint, bigint];
      serialized: boolean;
      expiryDays: number;
      certified: boolean;
    }
  /** Supersede the slot's batch with its fields as they stand but `quantity` units (IGovernance.supersedeBatch). */
  | { kind: "supersede"; by: Actor; slot: number; quantity: bigint }
  | { kind: "ship"; by: Actor; slot: number; to: Actor; quantity: bigint; packs: PackPick }
  | { kind: "receive"; by: Signer; pick: ShipmentPick; leg: Leg }
  | { kind: "reject"; by: Signer; pick: ShipmentPick; reason: bigint; leg: Leg }
  | { kind: "cancel"; by: Signer; pick: ShipmentPick }
  | { kind: "recall"; by: Actor; slot: number; recallClass: bigint }
  | { kind: "flagSuspect" | "clearSuspect" | "confirmSuspect" | "declareIllegitimate"; by: Actor; slot: number }
  | { kind: "release" | "condemn"; by: Actor; slot: number; holder: Actor | "canceller"; quantity: bigint }
  /** A regulator's release of a pack leg received into quarantine: the `leg`-th such leg (else any shipment). */
  | { kind: "releaseLeg"; by: Actor; leg: number }
  | { kind: "dispense"; by: Actor; slot: number; serial: SerialPick; claim: ClaimPick }
  /**
   * A partial receipt of a shipment in transit: `short` units fewer than shipped are accepted (0: all, refused; the
   * shipment's quantity or more: none, refused); `packs`: the disputed packs listed as the leg needs.
   */
  | { kind: "receivePartial"; by: Signer; pick: ShipmentPick; short: bigint; reason: bigint; packs: boolean; leg: Leg }
  /** An act on the `exception`-th shipment with an exception (else any shipment). */
  | { kind: "dispute"; by: Signer; exception: number; act: DisputeAct; outcome: bigint }
  | { kind: "travel"; days: number };

// ---- arbitraries ----

const anyone: fc.Arbitrary<Actor> = fc.constantFrom(...ACTORS);

/** Mostly one of `preferred`, sometimes anyone at all (strangers, suspended and lapsed partners included). */
function mostly(...preferred: Actor[]): fc.Arbitrary<Actor> {
  return fc.oneof({ arbitrary: fc.constantFrom(...preferred), weight: 4 }, { arbitrary: anyone, weight: 1 });
}

function weighted<T>(...choices: [T, number][]): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));
}

const PARTNERS: Actor[] = ["manufacturer", "otherManufacturer", "distributor", "distributor2", "pharmacy", "pharmacy2", "regulator", "suspendedDistributor", "lapsedPharmacy"];
const HOLDERS: Actor[] = ["distributor", "distributor2", "pharmacy", "pharmacy2", "suspendedDistributor", "lapsedPharmacy"];

/** Mostly the lots the fixture commissioned (A/L1 above all, which everyone holds), sometimes any of the six. */
const slot: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constant(0), weight: 4 },
  { arbitrary: fc.constant(4), weight: 2 },
  { arbitrary: fc.constant(2), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: SLOTS.length - 1 }), weight: 2 },
);

/** Zero, a few, or far more than anyone holds. */
const quantity: fc.Arbitrary<bigint> = fc.oneof(
  { arbitrary: fc.constant(0n), weight: 1 },
  { arbitrary: fc.bigInt({ min: 1n, max: 4n }), weight: 6 },
  { arbitrary: fc.constant(1000n), weight: 1 },
);

function leg(minTemp: number, meanKineticTemp: number, maxTemp: number, minutesOutOfRange: number, label: string): Leg {
  return {
    minTemp: BigInt(minTemp),
    maxTemp: BigInt(maxTemp),
    meanKineticTemp: BigInt(meanKineticTemp),
    minutesOutOfRange: BigInt(minutesOutOfRange),
    loggerHash: id(`logger file: ${label}`),
  };
}

/** Named legs around the 2-8 °C range (and the 15-25 °C and frozen lots), plus random ones. */
const temperatureLeg: fc.Arbitrary<Leg> = fc.oneof(
  { arbitrary: fc.constant(leg(31, 48, 62, 0, "good")), weight: 12 },
  {
    arbitrary: fc.constantFrom(
      leg(40, 71, 125, 95, "warm"),
      leg(10, 30, 50, 0, "cold"),
      leg(25, 50, 70, 12, "minutes out of range"),
      leg(160, 200, 240, 0, "room temperature"),
      leg(160, 200, 240, 0, "room temperature"), // twice: the good leg of the 15-25 °C lots
      leg(-190, -170, -160, 0, "frozen"),
    ),
    weight: 6,
  },
  {
    arbitrary: fc
      .record({
        minTemp: fc.integer({ min: -250, max: 260 }),
        meanKineticTemp: fc.integer({ min: -250, max: 260 }),
        maxTemp: fc.integer({ min: -250, max: 260 }),
        minutesOutOfRange: fc.constantFrom(0, 0, 0, 1, 600),
      })
      .map((l) => leg(l.minTemp, l.meanKineticTemp, l.maxTemp, l.minutesOutOfRange, "random")),
    weight: 2,
  },
);

const shipmentPick: fc.Arbitrary<ShipmentPick> = fc.record({
  pending: weighted([true, 8], [false, 1]),
  index: fc.nat(20),
  tamper: weighted([false, 12], [true, 1]),
});

const serialPick: fc.Arbitrary<SerialPick> = fc.oneof(
  { arbitrary: fc.nat(SERIALS_PER_BATCH - 1).map((index): SerialPick => ({ kind: "own", index })), weight: 8 },
  { arbitrary: fc.constant<SerialPick>({ kind: "forged" }), weight: 1 },
  {
    arbitrary: fc
      .record({ slot: fc.integer({ min: 0, max: SLOTS.length - 1 }), index: fc.nat(SERIALS_PER_BATCH - 1) })
      .map((f): SerialPick => ({ kind: "foreign", ...f })),
    weight: 1,
  },
);

/** The permitted routes, forward and back, between partners that may hold stock. */
const ROUTES: readonly (readonly [Actor, Actor])[] = [
  ["manufacturer", "distributor"],
  ["manufacturer", "distributor"],
  ["manufacturer", "distributor2"],
  ["otherManufacturer", "distributor"],
  ["otherManufacturer", "distributor2"],
  ["distributor", "distributor2"],
  ["distributor2", "distributor"],
  ["distributor", "pharmacy"],
  ["distributor", "pharmacy"],
  ["distributor", "pharmacy2"],
  ["distributor2", "pharmacy"],
  ["distributor2", "pharmacy2"],
  ["pharmacy", "distributor"],
  ["pharmacy2", "distributor2"],
  ["pharmacy", "manufacturer"],
  ["distributor", "manufacturer"],
  ["distributor2", "otherManufacturer"],
];

/** Mostly a permitted route, sometimes any sender and receiver at all (suspended and lapsed partners included). */
const route: fc.Arbitrary<readonly [Actor, Actor]> = fc.oneof(
  { arbitrary: fc.constantFrom(...ROUTES), weight: 4 },
  { arbitrary: fc.tuple(anyone, anyone), weight: 1 },
);

function unmapCommission(value: unknown) {
  const { by, gtin, ...rest } = value as Extract<Op, { kind: "commission" }>;
  return { ...rest, brand: [by, gtin] as [Actor, GtinChoice] };
}

function unmapShip(value: unknown): { route: readonly [Actor, Actor]; slot: number; quantity: bigint; packs: PackPick } {
  const op = value as Extract<Op, { kind: "ship" }>;
  return { route: [op.by, op.to], slot: op.slot, quantity: op.quantity, packs: op.packs };
}

const packPick: fc.Arbitrary<PackPick> = fc.record({
  manifest: weighted<PackPick["manifest"]>(["auto", 8], ["always", 1], ["never", 1]),
  offset: fc.nat(SERIALS_PER_BATCH - 1),
  extra: weighted([0, 6], [2, 1]),
});

const claimPick: fc.Arbitrary<ClaimPick> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("leg" as const), leg: fc.nat(7), pack: fc.nat(SERIALS_PER_BATCH - 1) }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant("othersLeg" as const), leg: fc.nat(7), pack: fc.nat(SERIALS_PER_BATCH - 1) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("notInLeg" as const), leg: fc.nat(7) }), weight: 1 },
  { arbitrary: fc.constant<ClaimPick>({ kind: "none" }), weight: 1 },
);

/** A leg with no data (all zero: an excursion for every lot). */
const NO_DATA_LEG: Leg = { ...leg(0, 0, 0, 0, "no data"), loggerHash: ZeroHash };

const licenceDays = weighted([-1, 1], [0, 1], [30, 2], [600, 3]);

const arbitraries: { weight: number; arbitrary: fc.Arbitrary<Op> }[] = [
  {
    weight: 10,
    arbitrary: fc
      .record({ route, slot, quantity, packs: packPick })
      .map(({ route: [by, to], slot, quantity, packs }): Op => ({ kind: "ship", by, to, slot, quantity, packs }), unmapShip),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("receive" as const),
      by: fc.oneof({ arbitrary: fc.constant<Signer>("receiver"), weight: 6 }, { arbitrary: anyone, weight: 1 }),
      pick: shipmentPick,
      leg: temperatureLeg,
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("receivePartial" as const),
      by: fc.oneof({ arbitrary: fc.constant<Signer>("receiver"), weight: 6 }, { arbitrary: anyone, weight: 1 }),
      pick: shipmentPick,
      short: weighted([0n, 1], [1n, 6], [2n, 2], [1000n, 1]),
      reason: fc.bigInt({ min: 0n, max: 4n }),
      // Mostly what the leg needs (a root on a pack leg, none on a lot-level leg); sometimes the other.
      packs: weighted([true, 5], [false, 1]),
      leg: temperatureLeg,
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("dispute" as const),
      by: fc.oneof(
        { arbitrary: fc.constantFrom<Signer>("receiver", "sender"), weight: 6 },
        { arbitrary: fc.constant<Signer>("regulator"), weight: 2 },
        { arbitrary: anyone, weight: 1 },
      ),
      exception: fc.nat(7),
      act: weighted<DisputeAct>(["found", 2], ["lost", 4], ["returned", 2], ["confirm", 2], ["close", 2]),
      outcome: weighted([2n, 2], [3n, 2], [4n, 2], [1n, 1]),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("reject" as const),
      by: fc.oneof({ arbitrary: fc.constant<Signer>("receiver"), weight: 6 }, { arbitrary: anyone, weight: 1 }),
      pick: shipmentPick,
      reason: fc.bigInt({ min: 0n, max: 4n }),
      leg: fc.oneof({ arbitrary: temperatureLeg, weight: 4 }, { arbitrary: fc.constant(NO_DATA_LEG), weight: 1 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      by: fc.oneof({ arbitrary: fc.constant<Signer>("sender"), weight: 6 }, { arbitrary: anyone, weight: 1 }),
      pick: shipmentPick,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("commission" as const),
      // Mostly a manufacturer with a GTIN under its own prefix.
      brand: fc.oneof(
        { arbitrary: fc.tuple(fc.constant<Actor>("manufacturer"), fc.constantFrom<GtinChoice>("A", "B")), weight: 6 },
        { arbitrary: fc.tuple(fc.constant<Actor>("otherManufacturer"), fc.constant<GtinChoice>("F")), weight: 3 },
        { arbitrary: fc.tuple(anyone, fc.constantFrom<GtinChoice>("A", "B", "F", "bad")), weight: 2 },
      ),
      lot: weighted<LotChoice>(["L1", 4], ["L2", 4], ["bad", 1]),
      quantity: weighted([0n, 1], [1n, 2], [8n, 4], [20n, 3]),
      range: weighted<readonly [bigint, bigint]>([[20n, 80n], 8], [[150n, 250n], 2], [[-200n, -150n], 2], [[80n, 20n], 1]),
      serialized: weighted([true, 8], [false, 1]),
      expiryDays: weighted([-1, 1], [0, 1], [30, 2], [200, 3], [1000, 4]),
      certified: weighted([true, 12], [false, 1]),
    }).map(({ brand: [by, gtin], ...rest }): Op => ({ ...rest, by, gtin }), unmapCommission),
  },
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant("dispense" as const),
      by: mostly("pharmacy", "pharmacy2"),
      slot,
      serial: serialPick,
      claim: claimPick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("supersede" as const),
      by: mostly("manufacturer", "otherManufacturer", "distributor"),
      slot,
      quantity: weighted([0n, 1], [1n, 1], [16n, 2], [41n, 3]),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("recall" as const),
      by: mostly("regulator", "manufacturer", "otherManufacturer"),
      slot,
      // Class III and II more often than I, so that a later recall may escalate.
      recallClass: weighted([1n, 2], [2n, 3], [3n, 4], [0n, 1], [4n, 1]),
    }),
  },
  ...(["flagSuspect", "clearSuspect", "confirmSuspect", "declareIllegitimate"] as const).map((kind) => ({
    weight: kind === "flagSuspect" ? 3 : kind === "confirmSuspect" ? 2 : 1,
    arbitrary: fc.record({
      kind: fc.constant(kind),
      by: kind === "flagSuspect" ? mostly("regulator", ...HOLDERS) : mostly("regulator"),
      slot,
    }) as fc.Arbitrary<Op>,
  })),
  ...(["release", "condemn"] as const).map((kind) => ({
    weight: kind === "release" ? 2 : 1,
    arbitrary: fc.record({
      kind: fc.constant(kind),
      by: mostly("regulator"),
      slot,
      // "canceller": the sender of the latest cancelled shipment, so that a late receipt may find its units gone.
      holder: fc.oneof(
        { arbitrary: mostly("distributor2", "distributor2", ...HOLDERS) as fc.Arbitrary<Actor | "canceller">, weight: 4 },
        { arbitrary: fc.constant<"canceller">("canceller"), weight: 1 },
      ),
      quantity: weighted([0n, 1], [1n, 4], [3n, 2], [50n, 1]),
    }) as fc.Arbitrary<Op>,
  })),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("releaseLeg" as const), by: mostly("regulator"), leg: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const), by: mostly("pauser") }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("unpause" as const), by: mostly("pauser") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("suspend" as const), by: mostly("admin"), account: mostly(...PARTNERS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reinstate" as const), by: mostly("admin"), account: mostly(...PARTNERS) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("renew" as const), by: mostly("admin"), account: mostly(...PARTNERS), expiryDays: licenceDays }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("onboard" as const),
      by: mostly("admin"),
      account: mostly("stranger", "newcomer"),
      role: weighted([Role.None, 1], [Role.Manufacturer, 1], [Role.Distributor, 3], [Role.Dispenser, 3], [Role.Regulator, 1]),
      glnIndex: fc.nat(GLN_POOL.length - 1),
      named: weighted([true, 8], [false, 1]),
      expiryDays: licenceDays,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("travel" as const), days: weighted([1, 12], [3, 4], [10, 8], [31, 12], [45, 4], [100, 2], [400, 1]) }),
  },
];

/** One random operation, weighted towards the ones that move product. */
export const operation: fc.Arbitrary<Op> = fc.oneof(...arbitraries);

// ---- resolution against the model ----

/** The shipment `pick` designates in the model's current state (an unknown one when nothing was shipped). */
export function pickShipment(model: Model, pick: ShipmentPick, cancelledToo = false): ShipmentKey {
  // A receipt picks a cancelled shipment (a late receipt) one time in three when there is one.
  const cancelled = model.shipmentLog.filter((s) => cancelledToo && s.status === SHIPMENT.Cancelled);
  const pending = cancelled.length > 0 && pick.index % 3 === 0 ? cancelled : model.shipmentLog.filter((s) => s.inTransit || cancelled.includes(s));
  const pool = pick.pending && pending.length > 0 ? pending : model.shipmentLog;
  if (pool.length === 0) {
    return { batchId: SLOTS[0].batchId, sender: model.addr("manufacturer"), receiver: model.addr("distributor"), quantity: 1n, nonce: 999n };
  }
  const key = { ...pool[pick.index % pool.length].key };
  return pick.tamper ? { ...key, quantity: key.quantity + 1n } : key;
}

function signer(model: Model, by: Signer, shipment: ShipmentKey): Actor {
  if (by === "receiver") return model.actorAt(shipment.receiver) ?? "stranger";
  if (by === "sender") return model.actorAt(shipment.sender) ?? "stranger";
  return by;
}

const trees = new Map<string, ManifestTree>();
function treeOf(manifest: ManifestInput): ManifestTree {
  let tree = trees.get(manifest.root);
  if (!tree) {
    tree = ManifestTree.of(manifest.packs, []);
    trees.set(manifest.root, tree);
  }
  return tree;
}

/** The pack legs of `batchId` that went to `receiver` (or, with `others`, to anyone else), received ones first. */
function packLegs(model: Model, batchId: string, receiver: Actor, others: boolean): ShipmentState[] {
  const legs = model.shipmentLog.filter((s) => s.manifest && s.key.batchId === batchId && (s.receiver === receiver) !== others);
  const received = legs.filter((s) => s.status === SHIPMENT.Received || s.status === SHIPMENT.ReceivedInQuarantine);
  return received.length > 0 ? received : legs;
}

const NO_CLAIM: ClaimInput = { sender: ZeroAddress, quantity: 0n, nonce: 0n, manifestProof: [] };

function claimOf(s: ShipmentState, serial: string): ClaimInput {
  const manifest = s.manifest as ManifestInput;
  const listed = manifest.packs.includes(serial) ? serial : manifest.packs[0];
  return { sender: s.key.sender.toLowerCase(), quantity: s.key.quantity, nonce: s.key.nonce, manifestProof: treeOf(manifest).proofOfPack(listed) };
}

/** A serial of `target` as SerialPick says, with its proof against the batch's serial root. */
function serialOf(target: BatchSlot, pick: SerialPick): { serial: string; serial32: string; proof: string[] } {
  if (pick.kind === "own") {
    const serial = target.serials[pick.index];
    return { serial, serial32: target.serials32[pick.index], proof: target.tree.proof(serial) };
  }
  if (pick.kind === "forged") {
    // A serial nobody commissioned, with a genuine pack's proof.
    return { serial: FORGED_SERIAL, serial32: FORGED_SERIAL32, proof: target.tree.proof(target.serials[0]) };
  }
  const other = SLOTS[pick.slot];
  const serial = other.serials[pick.index];
  return { serial, serial32: other.serials32[pick.index], proof: other.tree.proof(serial) };
}

function resolveDispense(op: Extract<Op, { kind: "dispense" }>, model: Model): Call {
  const target = SLOTS[op.slot];
  const by = op.by;
  const base = { kind: "dispense" as const, by, batchId: target.batchId };
  const fallback = serialOf(target, op.serial);
  const claim = op.claim;
  if (claim.kind === "none") return { ...base, serial: fallback.serial32, proof: fallback.proof, claim: NO_CLAIM };
  const legs = packLegs(model, target.batchId, by, claim.kind === "othersLeg");
  if (legs.length === 0) return { ...base, serial: fallback.serial32, proof: fallback.proof, claim: NO_CLAIM };
  const leg = legs[claim.leg % legs.length];
  const packs = (leg.manifest as ManifestInput).packs;
  if (claim.kind === "notInLeg") {
    // The serial SerialPick says, with the proof of the leg's first pack.
    return { ...base, serial: fallback.serial32, proof: fallback.proof, claim: claimOf(leg, packs[0]) };
  }
  const serial = packs[claim.pack % packs.length];
  const index = target.serials.indexOf(serial);
  const proof = index >= 0 ? target.tree.proof(serial) : fallback.proof;
  return { ...base, serial: index >= 0 ? target.serials32[index] : fallback.serial32, proof, claim: claimOf(leg, serial) };
}

function resolveShip(op: Extract<Op, { kind: "ship" }>, model: Model): Call {
  const target = SLOTS[op.slot];
  const call: Call = { kind: "ship", by: op.by, batchId: target.batchId, receiver: op.to, quantity: op.quantity };
  const wanted = op.packs.manifest === "always" || (op.packs.manifest === "auto" && model.roleOf(op.to) === Role.Dispenser);
  if (!wanted) return call;
  const count = Math.min(SERIALS_PER_BATCH, Number(op.quantity < 1n ? 1n : op.quantity > BigInt(SERIALS_PER_BATCH) ? BigInt(SERIALS_PER_BATCH) : op.quantity) + op.packs.extra);
  const packs = Array.from({ length: count }, (_, i) => target.serials[(op.packs.offset + i) % SERIALS_PER_BATCH]);
  return { ...call, manifest: manifestOf(packs) };
}

/** The concrete transaction `op` stands for, in the model's current state. */
export function resolve(op: Op, model: Model): Call {
  switch (op.kind) {
    case "onboard":
      return {
        kind: "onboard",
        by: op.by,
        account: op.account,
        role: op.role,
        gln: GLN_POOL[op.glnIndex % GLN_POOL.length],
        licenceExpiry: deadline(model.epoch, model.day, op.expiryDays),
        name: op.named ? PARTNER_NAME : "",
      };
    case "renew":
      return { kind: "renew", by: op.by, account: op.account, licenceExpiry: deadline(model.epoch, model.day, op.expiryDays) };
    case "commission": {
      const gtin = GTINS[op.gtin];
      const lot = LOTS[op.lot];
      const tree = (slotOfGtinLot(gtin, lot) ?? SLOTS[0]).tree;
      return {
        kind: "commission",
        by: op.by,
        input: {
          gtin,
          lot,
          expiry: deadline(model.epoch, model.day, op.expiryDays),
          quantity: op.quantity,
          minTemp: op.range[0],
          maxTemp: op.range[1],
          serialRoot: op.serialized ? tree.root : ZeroHash,
          certificateHash: op.certified ? CERTIFICATE_HASH : ZeroHash,
          certificateURI: CERTIFICATE_URI,
        },
      };
    }
    case "ship":
      return resolveShip(op, model);
    case "receive": {
      const shipment = pickShipment(model, op.pick, true);
      return { kind: "receive", by: signer(model, op.by, shipment), shipment, leg: op.leg };
    }
    case "reject": {
      const shipment = pickShipment(model, op.pick);
      return { kind: "reject", by: signer(model, op.by, shipment), shipment, reason: op.reason, leg: op.leg };
    }
    case "receivePartial": {
      const shipment = pickShipment(model, op.pick);
      const packLeg = model.shipments.get(shipmentIdOf(shipment))?.manifest !== undefined;
      // `packs`: list what the leg needs (a root on a pack leg, none on a lot-level leg); else the other.
      const disputedPacks = (op.packs ? packLeg : !packLeg) ? id("disputed packs") : ZeroHash;
      const accepted = shipment.quantity > op.short ? shipment.quantity - op.short : 0n;
      return { kind: "receivePartial", by: signer(model, op.by, shipment), shipment, accepted, reason: op.reason, disputedPacks, leg: op.leg };
    }
    case "dispute": {
      // Mostly an open dispute; sometimes one that ended (a second settlement must be refused).
      const raised = [...model.exceptions.values()];
      const open = raised.filter((e) => e.status === 1n);
      const pool = open.length > 0 && op.exception % 4 !== 0 ? open : raised;
      const shipment = pool.length > 0 ? pool[op.exception % pool.length].key : pickShipment(model, { pending: false, index: op.exception, tamper: false });
      return { kind: "dispute", by: signer(model, op.by, shipment), shipment, act: op.act, outcome: op.outcome };
    }
    case "cancel": {
      const shipment = pickShipment(model, op.pick);
      return { kind: "cancel", by: signer(model, op.by, shipment), shipment };
    }
    case "supersede": {
      const target = SLOTS[op.slot];
      const input = model.batches.get(target.batchId)?.input ?? {
        gtin: target.gtin,
        lot: target.lot,
        expiry: deadline(model.epoch, model.day, 400),
        quantity: op.quantity,
        minTemp: 20n,
        maxTemp: 80n,
        serialRoot: target.tree.root,
        certificateHash: CERTIFICATE_HASH,
        certificateURI: CERTIFICATE_URI,
      };
      return { kind: "supersede", by: op.by, input: { ...input, quantity: op.quantity } };
    }
    case "recall":
      return { kind: "recall", by: op.by, batchId: SLOTS[op.slot].batchId, recallClass: op.recallClass };
    case "flagSuspect":
    case "clearSuspect":
    case "confirmSuspect":
    case "declareIllegitimate":
      return { kind: op.kind, by: op.by, batchId: SLOTS[op.slot].batchId };
    case "release":
    case "condemn":
      if (op.holder === "canceller") {
        const cancelled = model.shipmentLog.filter((s) => s.status === SHIPMENT.Cancelled);
        const last = cancelled[cancelled.length - 1];
        if (last) return { kind: op.kind, by: op.by, batchId: last.key.batchId, holder: last.sender, quantity: op.quantity };
        return { kind: op.kind, by: op.by, batchId: SLOTS[op.slot].batchId, holder: "distributor2", quantity: op.quantity };
      }
      return { kind: op.kind, by: op.by, batchId: SLOTS[op.slot].batchId, holder: op.holder, quantity: op.quantity };
    case "dispense":
      return resolveDispense(op, model);
    case "releaseLeg": {
      const quarantined = model.shipmentLog.filter((s) => s.status === SHIPMENT.ReceivedInQuarantine);
      const pool = quarantined.length > 0 ? quarantined : model.shipmentLog;
      return { kind: "releaseLeg", by: op.by, shipment: { ...pool[op.leg % pool.length].key } };
    }
    case "pause":
    case "unpause":
      return { kind: op.kind, by: op.by };
    case "suspend":
    case "reinstate":
      return { kind: op.kind, by: op.by, account: op.account };
    case "travel":
      return { kind: "travel", days: op.days };
  }
}

// ---- printing ----

function days(n: number): string {
  return n < 0 ? `${-n} day(s) ago` : `in ${n} day(s) and a half`;
}

function describeLeg(l: Leg): string {
  return `leg(min ${l.minTemp}, mkt ${l.meanKineticTemp}, max ${l.maxTemp} tenths °C, ${l.minutesOutOfRange} min out)`;
}

function describePick(p: ShipmentPick): string {
  return `${p.pending ? "in-transit" : "any"} shipment #${p.index}${p.tamper ? " with its quantity altered" : ""}`;
}

function describeSerial(p: SerialPick): string {
  if (p.kind === "own") return `serial #${p.index}`;
  if (p.kind === "forged") return `forged serial ${FORGED_SERIAL}`;
  return `serial #${p.index} of ${SLOTS[p.slot].name} with its own proof`;
}

function describeClaim(c: ClaimPick, serial: SerialPick): string {
  if (c.kind === "leg") return `pack #${c.pack} of its pack leg #${c.leg}`;
  if (c.kind === "othersLeg") return `pack #${c.pack} of another receiver's pack leg #${c.leg}`;
  if (c.kind === "notInLeg") return `${describeSerial(serial)} claimed on its pack leg #${c.leg} with another pack's proof`;
  return `${describeSerial(serial)} with no leg`;
}

/** How an operation reads in a shrunk counterexample, e.g. `ship(distributor -> pharmacy, 5 of A/L1)`. */
export function describeOp(op: Op): string {
  switch (op.kind) {
    case "onboard":
      return `onboard(${op.account} as ${Role[op.role]}, gln #${op.glnIndex}${op.named ? "" : ", no name"}, licence expiring ${days(op.expiryDays)}; by ${op.by})`;
    case "renew":
      return `renew(${op.account}, licence expiring ${days(op.expiryDays)}; by ${op.by})`;
    case "suspend":
    case "reinstate":
      return `${op.kind}(${op.account}; by ${op.by})`;
    case "pause":
    case "unpause":
      return `${op.kind}(by ${op.by})`;
    case "commission":
      return (
        `commission(${op.gtin}/${op.lot}, ${op.quantity} units, ${op.range[0]}..${op.range[1]} tenths °C, ` +
        `${op.serialized ? "serialized" : "no serials"}, expiring ${days(op.expiryDays)}${op.certified ? "" : ", no certificate"}; by ${op.by})`
      );
    case "ship":
      return `ship(${op.by} -> ${op.to}, ${op.quantity} of ${SLOTS[op.slot].name}, manifest ${op.packs.manifest} from serial #${op.packs.offset}${op.packs.extra ? ` listing ${op.packs.extra} more` : ""})`;
    case "receive":
      return `receive(${describePick(op.pick)}, ${describeLeg(op.leg)}; by ${op.by})`;
    case "reject":
      return `reject(${describePick(op.pick)}, reason ${op.reason}, ${describeLeg(op.leg)}; by ${op.by})`;
    case "cancel":
      return `cancel(${describePick(op.pick)}; by ${op.by})`;
    case "supersede":
      return `supersede(${SLOTS[op.slot].name} with ${op.quantity} units; by ${op.by})`;
    case "recall":
      return `recall(${SLOTS[op.slot].name}, class ${op.recallClass}; by ${op.by})`;
    case "flagSuspect":
    case "clearSuspect":
    case "confirmSuspect":
    case "declareIllegitimate":
      return `${op.kind}(${SLOTS[op.slot].name}; by ${op.by})`;
    case "release":
    case "condemn":
      return `${op.kind}(${op.quantity} of ${op.holder}'s ${SLOTS[op.slot].name}; by ${op.by})`;
    case "releaseLeg":
      return `releaseLeg(quarantined pack leg #${op.leg}; by ${op.by})`;
    case "dispense":
      return `dispense(${describeClaim(op.claim, op.serial)} of ${SLOTS[op.slot].name}; by ${op.by})`;
    case "receivePartial":
      return `receivePartial(${describePick(op.pick)}, ${op.short} short, reason ${op.reason}${op.packs ? ", disputed packs listed" : ""}, ${describeLeg(op.leg)}; by ${op.by})`;
    case "dispute":
      return `dispute(exception #${op.exception}, ${op.act}${op.act === "close" ? ` as ${op.outcome}` : ""}; by ${op.by})`;
    case "travel":
      return `travel(${op.days} day(s))`;
  }
}

/** What `resolve` decided that the operation alone does not say: which shipment, and who signed. */
export function resolution(call: Call, model: Model): string {
  if (call.kind === "dispense") {
    const c = call.claim;
    return ` [serial ${call.serial.slice(0, 18)}…, leg from ${model.nameOf(c.sender)}, ${c.quantity} units, nonce ${c.nonce}]`;
  }
  if (call.kind === "ship") return call.manifest ? ` [manifest of ${call.manifest.packs.join(" ")}]` : "";
  if (call.kind !== "receive" && call.kind !== "reject" && call.kind !== "cancel" && call.kind !== "releaseLeg" && call.kind !== "receivePartial" && call.kind !== "dispute") return "";
  const s = call.shipment;
  const name = (address: string) => model.nameOf(address);
  return ` [shipment ${name(s.sender)} -> ${name(s.receiver)}, ${s.quantity} of ${name(s.batchId)}, nonce ${s.nonce}; signed by ${call.by}]`;
}

/** The fast-check command: one operation, checked against the model by the runner. */
export interface StepRunner {
  step(op: Op, model: Model): Promise<void>;
}

export class OpCommand implements fc.AsyncCommand<Model, StepRunner> {
  constructor(readonly op: Op) {}
  /** A receive or reject of "a shipment in transit" waits until there is one (the others always run). */
  check(model: Model): boolean {
    const op = this.op;
    if (op.kind === "receive" && op.pick.pending) return model.shipmentLog.some((s) => s.inTransit || s.status === SHIPMENT.Cancelled);
    if ((op.kind === "reject" || op.kind === "cancel" || op.kind === "receivePartial") && op.pick.pending) return model.shipmentLog.some((s) => s.inTransit);
    // A dispute act waits until some shipment has an exception.
    if (op.kind === "dispute") return model.exceptions.size > 0;
    return true;
  }
  async run(model: Model, runner: StepRunner): Promise<void> {
    await runner.step(this.op, model);
  }
  toString(): string {
    return describeOp(this.op);
  }
}

/** Sequences of up to `maxCommands` operations; `replayPath` (printed with a failure) replays a shrunk one. */
export function operationSequences(
  maxCommands: number,
  replayPath?: string,
): fc.Arbitrary<Iterable<fc.AsyncCommand<Model, StepRunner>>> {
  const command: fc.Arbitrary<fc.AsyncCommand<Model, StepRunner>> = operation.map(
    (op) => new OpCommand(op),
    (c) => (c as OpCommand).op,
  );
  return fc.commands([command], { maxCommands, size: "max", replayPath });
}
