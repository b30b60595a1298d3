/**
 * The model and the commands of the pack-level custody property test (Manifests.test.ts): one serialized batch
 * at the manufacturer, five partners, and random shipments of random subsets of the packs a holder holds loose,
 * along the permitted routes (forward and returns), each as `shipPacks`, as a signed ship or as a co-signed
 * handover, received, rejected or left in transit.
 *
 * An operation is what fast-check generates and shrinks: choices that stay meaningful whatever ran before (the
 * sender is "the k-th partner that holds loose packs", the packs are positions among its loose packs). The
 * model says, for every pack, the legs it travelled (oldest first) and who holds it.
 */
import fc from "fast-check";

export const PARTNERS = ["manufacturer", "distributor", "distributor2", "pharmacy", "pharmacy2"] as const;
export type Partner = (typeof PARTNERS)[number];

/** Whom each partner may ship to (contracts/libraries/Routes.sol), forward and back; returns go to the batch's own manufacturer. */
export const RECEIVERS: Readonly<Record<Partner, readonly Partner[]>> = {
  manufacturer: ["distributor", "distributor2"],
  distributor: ["distributor2", "pharmacy", "pharmacy2", "manufacturer"],
  distributor2: ["distributor", "pharmacy", "pharmacy2", "manufacturer"],
  pharmacy: ["distributor", "distributor2", "manufacturer"],
  pharmacy2: ["distributor", "distributor2", "manufacturer"],
};

/**
 * How a leg goes on chain: `shipPacks` through the ship command (rx:ship --serials / --all-remaining), a ship
 * signed by the sender and submitted by a third party (`shipSigned`), or a handover co-signed by both partners.
 */
export type Mode = "shipPacks" | "shipSigned" | "handover";
/** What happens to a shipment right after it leaves: received, rejected (back to the sender) or left in transit. */
export type Then = "receive" | "reject" | "hold";
/** How a leg ended (src/domain/provenance.ts `Settlement`, without cancellation, which no command here does). */
export type LegSettlement = "in-transit" | "received" | "rejected" | "handed-over";

export interface ShipOp {
  kind: "ship";
  /** Index among the partners that hold loose packs (modulo their number). */
  from: number;
  /** Index among the sender's permitted receivers (modulo their number). */
  to: number;
  /** Positions among the sender's loose packs, in batch order (modulo their number; repeats dropped). */
  positions: number[];
  /** Every loose pack (rx:ship --all-remaining) instead of `positions`. */
  all: boolean;
  mode: Mode;
  /** Ignored for a handover, which arrives in the same transaction. */
  then: Then;
}

export interface SettleOp {
  kind: "settle";
  /** Index among the shipments in transit, oldest first (modulo their number). */
  pick: number;
  action: "receive" | "reject";
}

export type PackOp = ShipOp | SettleOp;

export interface LegModel {
  /** Position among the batch's legs, oldest first. */
  index: number;
  /** The shipment or handover id the chain gave it. */
  id: string;
  mode: Mode;
  from: Partner;
  to: Partner;
  /** The packs it carries, in manifest order. */
  packs: readonly string[];
  settlement: LegSettlement;
}

export interface PackState {
  /** Who holds the pack, or is receiving it (`inTransit`). */
  holder: Partner;
  inTransit: boolean;
  /** The legs it travelled, oldest first (indices into `legs`), rejected ones included. */
  legs: number[];
}

/** Where every pack of the batch went. */
export class PackModel {
  readonly legs: LegModel[] = [];
  private readonly state = new Map<string, PackState>();

  constructor(readonly serials: readonly string[]) {
    for (const serial of serials) this.state.set(serial, { holder: "manufacturer", inTransit: false, legs: [] });
  }

  pack(serial: string): PackState {
    const s = this.state.get(serial);
    if (!s) throw new Error(`the model has no pack ${serial}`);
    return s;
  }

  /** The packs `partner` holds in its hands (not in transit to it), in batch order. */
  loose(partner: Partner): string[] {
    return this.serials.filter((serial) => {
      const s = this.pack(serial);
      return s.holder === partner && !s.inTransit;
    });
  }

  /** The partners that hold loose packs, in PARTNERS order. */
  senders(): Partner[] {
    return PARTNERS.filter((p) => this.loose(p).length > 0);
  }

  inTransit(): LegModel[] {
    return this.legs.filter((l) => l.settlement === "in-transit");
  }

  /** Whether the pack is in `partner`'s hands: it arrived there (or was commissioned there) and has not left since. */
  inChainOf(serial: string, partner: Partner): boolean {
    const s = this.pack(serial);
    return s.holder === partner && !s.inTransit;
  }

  /** The concrete shipment `op` stands for now. */
  resolveShip(op: ShipOp): { from: Partner; to: Partner; packs: string[] } {
    const senders = this.senders();
    if (senders.length === 0) throw new Error("resolveShip: no partner holds loose packs (the command's check lets this never run)");
    const from = senders[op.from % senders.length];
    const receivers = RECEIVERS[from];
    const to = receivers[op.to % receivers.length];
    const loose = this.loose(from);
    const packs = op.all ? loose : [...new Set(op.positions.map((i) => loose[i % loose.length]))];
    return { from, to, packs };
  }

  /** Records a leg that left (a handover arrives at once). */
  ship(mode: Mode, from: Partner, to: Partner, packs: readonly string[], id: string): LegModel {
    const leg: LegModel = { index: this.legs.length, id, mode, from, to, packs, settlement: mode === "handover" ? "handed-over" : "in-transit" };
    this.legs.push(leg);
    for (const serial of packs) {
      const s = this.pack(serial);
      if (s.holder !== from || s.inTransit) throw new Error(`model: ${from} ships ${serial}, which it does not hold`);
      s.holder = to;
      s.inTransit = leg.settlement === "in-transit";
      s.legs.push(leg.index);
    }
    return leg;
  }

  settle(leg: LegModel, action: "receive" | "reject"): void {
    if (leg.settlement !== "in-transit") throw new Error(`model: leg ${leg.index} is ${leg.settlement}, not in transit`);
    leg.settlement = action === "receive" ? "received" : "rejected";
    for (const serial of leg.packs) {
      const s = this.pack(serial);
      s.inTransit = false;
      if (action === "reject") s.holder = leg.from;
    }
  }
}

// ---- arbitraries ----

/** GS1 character set 82 (AI 21 serials). */
const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/** A serial: mostly SN-style, sometimes any 1 to 20 characters of set 82. */
const serial: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 999_999 }).map((n) => `SN${String(n).padStart(6, "0")}`), weight: 3 },
  { arbitrary: fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 20 }), weight: 2 },
);

/** The batch's serials: `min` to `max` distinct ones. */
export function batchSerials(min: number, max: number): fc.Arbitrary<string[]> {
  return fc.uniqueArray(serial, { minLength: min, maxLength: max });
}

function weighted<T>(...choices: [T, number][]): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));
}

const shipOp: fc.Arbitrary<ShipOp> = fc.record({
  kind: fc.constant("ship" as const),
  from: fc.nat(4),
  to: fc.nat(3),
  positions: fc.uniqueArray(fc.nat(23), { minLength: 1, maxLength: 24 }),
  all: weighted([false, 5], [true, 1]),
  mode: weighted<Mode>(["shipPacks", 3], ["handover", 3], ["shipSigned", 1]),
  then: weighted<Then>(["receive", 6], ["reject", 2], ["hold", 2]),
});

const settleOp: fc.Arbitrary<SettleOp> = fc.record({
  kind: fc.constant("settle" as const),
  pick: fc.nat(7),
  action: weighted<SettleOp["action"]>(["receive", 3], ["reject", 1]),
});

// ---- printing ----

/** How an operation reads in a shrunk counterexample. */
export function describePackOp(op: PackOp): string {
  if (op.kind === "settle") return `settle(in-transit shipment #${op.pick}: ${op.action})`;
  const packs = op.all ? "all its loose packs" : `its loose packs at #${op.positions.join(",#")}`;
  const after = op.mode === "handover" ? "" : `, then ${op.then}`;
  return `ship(sender #${op.from} -> its receiver #${op.to}, ${packs}, ${op.mode}${after})`;
}

// ---- commands ----

/** What runs the operations on the chain (Manifests.test.ts). */
export interface PackRunner {
  ship(op: ShipOp, model: PackModel): Promise<void>;
  settle(op: SettleOp, model: PackModel): Promise<void>;
}

export class PackCommand implements fc.AsyncCommand<PackModel, PackRunner> {
  constructor(readonly op: PackOp) {}
  /** A ship needs a partner with loose packs; a settle, a shipment in transit. */
  check(model: PackModel): boolean {
    return this.op.kind === "ship" ? model.senders().length > 0 : model.inTransit().length > 0;
  }
  async run(model: PackModel, runner: PackRunner): Promise<void> {
    if (this.op.kind === "ship") await runner.ship(this.op, model);
    else await runner.settle(this.op, model);
  }
  toString(): string {
    return describePackOp(this.op);
  }
}

/** Sequences of up to `maxCommands` shipments and settlements; `replayPath` replays a shrunk one. */
export function packSequences(maxCommands: number, replayPath?: string): fc.Arbitrary<Iterable<fc.AsyncCommand<PackModel, PackRunner>>> {
  const op = fc.oneof({ arbitrary: shipOp as fc.Arbitrary<PackOp>, weight: 4 }, { arbitrary: settleOp as fc.Arbitrary<PackOp>, weight: 1 });
  const command = op.map(
    (o) => new PackCommand(o),
    (c) => (c as PackCommand).op,
  );
  return fc.commands([command], { maxCommands, size: "max", replayPath });
}
