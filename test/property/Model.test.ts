/**
 * Property-based model test: random sequences of every operation by random actors, on the in-process
 * network, each from a clean fixture. After every step the contract must agree with the TypeScript model
 * (model.ts) on the outcome (events, or the custom error and its arguments) and on the whole observable state,
 * and these must hold, checked against the chain independently of the model:
 *   - conservation: for every batch, commissioned = saleable + quarantined + in transit + dispensed + condemned
 *     (a cancelled shipment is in its sender's quarantine until a late receipt moves it to the receiver's);
 *   - no state change by anyone who was not authorized for it at that block (and none at all on a refusal);
 *   - a recalled, suspect (a live hold: a holder's flag lapses) or illegitimate batch never moves forward, and no
 *     serial is dispensed twice;
 *   - no unit leaves quarantine (let alone becomes saleable) but by a regulator's release or condemnation.
 *
 * FUZZ_RUNS (default 50) sequences of up to FUZZ_STEPS (default 40) steps. A failure prints the seed, the
 * path and the shrunk sequence (`Counterexample: [ship(distributor -> pharmacy, 5 of A/L1), ...]`) with the
 * step that disagreed and the whole run; FUZZ_SEED, FUZZ_PATH and FUZZ_REPLAY_PATH (its `replayPath`) replay
 * it. FUZZ_STATS=1 prints how often each operation succeeded and each error occurred.
 * A long run:  FUZZ_RUNS=2000 npx hardhat test --no-compile test/property/Model.test.ts
 */
import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { Role, Standing, Verdict } from "../../src/domain/enums";
import { shipmentIdOf } from "../../src/domain/ids";
import { describeOp, operationSequences, resolution, resolve, type Op, type StepRunner } from "./commands";
import { execute, modelOf, propertyFixture, readSnapshot, sameEmitted, type PropertyFixture } from "./chain";
import { ApproxNow, type Call, type Emitted, type Model, type Outcome, type Snapshot, type Value } from "./model";
import { SLOTS, slotOfBatchId, type Actor } from "./universe";
import { envInt, fuzzSeed } from "./env";

/** The network estimates gas before sending, so a refused call is never mined (hardhat.config.ts: gas "auto"). */
const ESTIMATES_GAS = hre.network.config.gas === "auto";

/** CustodyRule.Pack (contracts/interfaces/RxTypes.sol). */
const PACK_RULE = 2n;

const RUNS = envInt("FUZZ_RUNS", 50);
const STEPS = envInt("FUZZ_STEPS", 40);
const SEED = fuzzSeed();

/** Operations refused while paused, and the ones that only the admin or the pauser may call. */
const PAUSE_GATED = new Set<Call["kind"]>([
  "onboard",
  "renew",
  "reinstate",
  "pause",
  "commission",
  "ship",
  "receive",
  "reject",
  "cancel",
  "clearSuspect",
  "release",
  "releaseLeg",
  "dispense",
  "receivePartial",
  "dispute",
]);
const ADMIN_ONLY = new Set<Call["kind"]>(["onboard", "renew", "suspend", "reinstate"]);
const PAUSER_ONLY = new Set<Call["kind"]>(["pause", "unpause"]);

/** Whether the operator (the deploy makes the pauser the operator) may take admin-gated act `call`: any suspension;
 * onboarding, renewing and reinstating a distributor or a dispenser (a stranger's role is none: admin only). */
function operatorMay(call: Call, roleOf: (actor: Actor) => bigint): boolean {
  const routine = (role: bigint | number) => BigInt(role) === BigInt(Role.Distributor) || BigInt(role) === BigInt(Role.Dispenser);
  if (call.kind === "suspend") return true;
  if (call.kind === "onboard") return routine(call.role);
  if (call.kind === "renew" || call.kind === "reinstate") return routine(roleOf(call.account));
  return false;
}

/** What the chain's own events say, independently of the model. */
interface Ledger {
  commissioned: Map<string, bigint>;
  /** Every shipment: in transit, cancelled by its sender (its units in the sender's quarantine, a late receipt possible) or settled. */
  shipments: Map<string, { batchId: string; quantity: bigint; isReturn: boolean; inTransit: boolean; cancelled: boolean }>;
  dispensed: Set<string>;
  /** Units disputed (open) or written off (lost) per batch, from ExceptionRaised and ExceptionResolved. */
  disputed: Map<string, bigint>;
}

interface Stats {
  sequences: number;
  steps: number;
  succeeded: Map<string, number>;
  refused: Map<string, number>;
  /** Events emitted, by name (Received and Rejected also by where the units went). */
  events: Map<string, number>;
}

const stats: Stats = { sequences: 0, steps: 0, succeeded: new Map(), refused: new Map(), events: new Map() };

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Every leaf of a snapshot as "path = value", to list what differs. */
function flatten(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
    if (Array.isArray(value) || Object.keys(value).length === 0) out.set(`${path}#`, JSON.stringify(Object.keys(value).length));
    if (Array.isArray(value)) out.set(`${path}[]`, value.map(String).join(","));
  } else {
    out.set(path, String(value));
  }
  return out;
}

function snapshotDiff(model: Snapshot, chain: Snapshot): string[] {
  const m = flatten(model, "", new Map());
  const c = flatten(chain, "", new Map());
  const keys = [...new Set([...m.keys(), ...c.keys()])].sort();
  return keys.filter((k) => m.get(k) !== c.get(k)).map((k) => `${k}: model ${m.get(k) ?? "(absent)"}, contract ${c.get(k) ?? "(absent)"}`);
}

class ChainRunner implements StepRunner {
  private readonly trace: string[] = [];
  private before!: Snapshot;
  private lastBlock = 0;
  private readonly ledger: Ledger = { commissioned: new Map(), shipments: new Map(), dispensed: new Set(), disputed: new Map() };

  constructor(
    private readonly f: PropertyFixture,
    private readonly model: Model,
  ) {}

  /** Reads the fixture's history from its events and checks that the chain starts where the model does. */
  async start(): Promise<void> {
    const rx = this.f.rx;
    for (const e of await rx.queryFilter(rx.filters.BatchCommissioned())) {
      this.ledger.commissioned.set(e.args.batchId.toLowerCase(), e.args.batch.quantity);
    }
    for (const e of await rx.queryFilter(rx.filters.Shipped())) {
      this.ledger.shipments.set(e.args.shipmentId.toLowerCase(), {
        batchId: e.args.batchId.toLowerCase(),
        quantity: e.args.quantity,
        isReturn: e.args.isReturn,
        inTransit: true,
        cancelled: false,
      });
    }
    const settled = [
      ...(await rx.queryFilter(rx.filters.Received())),
      ...(await rx.queryFilter(rx.filters.Rejected())),
      ...(await rx.queryFilter(rx.filters.ShipmentCancelled())),
    ];
    for (const e of settled) {
      const s = this.ledger.shipments.get(e.args.shipmentId.toLowerCase());
      if (s) s.inTransit = false;
    }
    for (const e of await rx.queryFilter(rx.filters.PackDispensed())) {
      this.ledger.dispensed.add(`${e.args.batchId.toLowerCase()}:${e.args.serial.toLowerCase()}`);
    }
    this.lastBlock = await this.blockNumber();
    this.before = await this.read();
    this.compareState("the fixture", this.before);
    this.checkInvariants("the fixture", this.before);
  }

  async step(op: Op, model: Model): Promise<void> {
    const call = resolve(op, model);
    const label = `${describeOp(op)}${resolution(call, model)}`;
    const expected = model.step(call);
    const verdict = call.kind === "dispense" ? await this.packVerdict(call) : undefined;
    const actual = await execute(this.f, call);
    this.trace.push(`${this.trace.length + 1}. ${label} -> ${this.outcomeText(actual)}`);
    stats.steps++;
    bump(actual.ok ? stats.succeeded : stats.refused, actual.ok ? call.kind : `${call.kind}: ${actual.error.name}`);

    if (!actual.ok && call.kind === "dispense" && verdict && call.claim.sender !== ZeroAddress) {
      // The pack rule of the verdict is dispense's: Genuine by it means the holder could dispense the pack, unless
      // it is no authorized dispenser or the suite is paused.
      const canAct = this.before.partners[call.by].standing === BigInt(Standing.Authorized) && this.before.partners[call.by].role === BigInt(Role.Dispenser);
      if (verdict.verdict === BigInt(Verdict.Genuine) && verdict.rule === PACK_RULE && canAct && !this.before.paused) {
        this.fail(label, [`verifyPackInCustody said Genuine by the pack rule, but dispense reverted with ${this.outcomeText(actual)}`]);
      }
    }
    if (!this.sameOutcome(expected, actual)) {
      this.fail(label, [`model predicted: ${this.outcomeText(expected)}`, `contract did:     ${this.outcomeText(actual)}`]);
    }
    const blockNumber = await this.blockNumber();
    if (!actual.ok) {
      if (ESTIMATES_GAS) {
        // A refused call is not mined (the network estimates gas first), so it changed nothing at all.
        if (blockNumber !== this.lastBlock) this.fail(label, [`a refused call was mined: block ${this.lastBlock} -> ${blockNumber}`]);
        return;
      }
      // Without estimation (solidity-coverage fixes the gas limit) a refused call is mined as a reverted
      // transaction: then check that it changed nothing by reading the whole state again.
      this.lastBlock = blockNumber;
      const unchanged = await this.read([]);
      this.compareState(label, unchanged);
      this.before = unchanged;
      return;
    }
    this.lastBlock = blockNumber;
    for (const e of actual.events) {
      if (e.name === "Received") bump(stats.events, `event Received${e.args[6] ? " (excursion)" : ""}`);
      else if (e.name === "Rejected") bump(stats.events, `event Rejected${e.args[8] ? " (into quarantine)" : " (saleable)"}`);
      else if (e.name === "ReceiptQuarantined") bump(stats.events, `event ReceiptQuarantined (cause ${String(e.args[4])})`);
      else bump(stats.events, `event ${e.name}`);
    }
    this.record(label, actual.events);
    const touched =
      call.kind === "receive" || call.kind === "reject" || call.kind === "cancel" || call.kind === "releaseLeg"
        ? [shipmentIdOf(call.shipment)]
        : call.kind === "dispense"
          ? [shipmentIdOf({ batchId: call.batchId, sender: call.claim.sender, receiver: this.f.addresses[call.by], quantity: call.claim.quantity, nonce: call.claim.nonce })]
          : [];
    const after = await this.read(touched);
    this.checkAuthorized(label, call);
    this.checkForwardMovement(label, actual.events);
    this.checkQuarantine(label, after, actual.events);
    if (call.kind === "dispense" && verdict && call.claim.sender !== ZeroAddress && !(verdict.verdict === BigInt(Verdict.Genuine) && verdict.rule === PACK_RULE)) {
      this.fail(label, [`dispensed, but verifyPackInCustody said verdict ${Verdict[Number(verdict.verdict)]} by rule ${String(verdict.rule)} just before`]);
    }
    this.compareState(label, after);
    this.checkInvariants(label, after);
    this.before = after;
  }

  /** verifyPackInCustody for the pack a dispense is about to take, with its claim, at the dispenser. */
  private async packVerdict(call: Extract<Call, { kind: "dispense" }>): Promise<{ verdict: bigint; rule: bigint } | undefined> {
    const slot = slotOfBatchId(call.batchId);
    if (!slot) return undefined;
    const [verdict, , rule] = await this.f.rx.verifyPackInCustody(slot.gtin, slot.lot, call.serial, call.proof, this.f.addresses[call.by], call.claim);
    return { verdict, rule };
  }

  /** Reads the state, with the shipments in transit (as the events tell) and `extra` ones. */
  private async blockNumber(): Promise<number> {
    return Number(await ethers.provider.send("eth_blockNumber", []));
  }

  private read(extra: string[] = []): Promise<Snapshot> {
    const inTransit = [...this.ledger.shipments].filter(([, s]) => s.inTransit || s.cancelled).map(([shipmentId]) => shipmentId);
    return readSnapshot(this.f, [...new Set([...inTransit, ...extra])]);
  }

  /** At the end of a sequence: every shipment ever sent, settled ones included, against the model. */
  async finish(): Promise<void> {
    const all = await readSnapshot(this.f, [...this.ledger.shipments.keys()]);
    this.compareState("the end of the sequence (all shipments)", all);
  }

  private sameOutcome(expected: Outcome, actual: Outcome): boolean {
    if (expected.ok !== actual.ok) return false;
    if (!expected.ok || !actual.ok) return !expected.ok && !actual.ok && sameEmitted(expected.error, actual.error);
    return expected.events.length === actual.events.length && expected.events.every((e, i) => sameEmitted(e, actual.events[i]));
  }

  /** Adds the step's events to the ledger; a second PackDispensed of one serial fails the run. */
  private record(label: string, events: Emitted[]): void {
    for (const e of events) {
      const [first, second] = e.args as string[];
      if (e.name === "BatchCommissioned") {
        this.ledger.commissioned.set(first, (e.args[3] as bigint[])[3]);
      } else if (e.name === "Shipped") {
        const [, , , , quantity, , isReturn] = e.args as [string, string, string, string, bigint, bigint, boolean];
        this.ledger.shipments.set(first, { batchId: second, quantity, isReturn, inTransit: true, cancelled: false });
      } else if (e.name === "Received") {
        // A shipment in transit, or (a late receipt) one its sender cancelled, once.
        const s = this.ledger.shipments.get(first);
        if (!s || !(s.inTransit || s.cancelled)) this.fail(label, [`${e.name} of shipment ${first}, which was neither in transit nor cancelled`]);
        s.inTransit = false;
        s.cancelled = false;
      } else if (e.name === "Rejected" || e.name === "ShipmentCancelled") {
        const s = this.ledger.shipments.get(first);
        if (!s || !s.inTransit) this.fail(label, [`${e.name} of shipment ${first}, which was not in transit`]);
        s.inTransit = false;
        s.cancelled = e.name === "ShipmentCancelled";
      } else if (e.name === "ExceptionRaised") {
        // Disputed units leave every stock until found or sent back; written off, they stay counted here.
        this.ledger.disputed.set(second, (this.ledger.disputed.get(second) ?? 0n) + (e.args[5] as bigint));
      } else if (e.name === "ExceptionResolved") {
        const [, , outcome, , , , units] = e.args as [string, string, bigint, string, boolean, string, bigint];
        if (outcome === 2n || outcome === 4n) this.ledger.disputed.set(second, (this.ledger.disputed.get(second) ?? 0n) - units);
      } else if (e.name === "PackDispensed") {
        const key = `${first}:${second}`;
        if (this.ledger.dispensed.has(key)) this.fail(label, [`serial ${second} of ${this.name(first)} dispensed a second time`]);
        this.ledger.dispensed.add(key);
      }
    }
  }

  /** No state change by anyone who was not authorized for it at that block. */
  private checkAuthorized(label: string, call: Call): void {
    if (call.kind === "travel") return;
    const before = this.before;
    const partner = (actor: Actor) => before.partners[actor];
    const authorized = (actor: Actor) => partner(actor).standing === BigInt(Standing.Authorized);
    const isRole = (actor: Actor, role: Role) => authorized(actor) && partner(actor).role === BigInt(role);
    const by = call.by;
    const problems: string[] = [];
    if (before.paused && PAUSE_GATED.has(call.kind)) problems.push("it succeeded while the suite was paused");
    if (ADMIN_ONLY.has(call.kind) && by !== "admin" && !(by === "pauser" && operatorMay(call, (a) => partner(a).role))) {
      problems.push(`${by} is not the admin`);
    }
    if (PAUSER_ONLY.has(call.kind) && by !== "pauser") problems.push(`${by} is not the pauser`);
    const slot = "batchId" in call ? slotOfBatchId(call.batchId) : undefined;
    switch (call.kind) {
      case "commission":
        if (!isRole(by, Role.Manufacturer)) problems.push(`${by} is not an authorized manufacturer`);
        break;
      case "ship":
        if (!authorized(by)) problems.push(`sender ${by} is not authorized`);
        if (!authorized(call.receiver)) problems.push(`receiver ${call.receiver} is not authorized`);
        break;
      case "receive":
      case "reject":
      case "receivePartial":
        if (!authorized(by)) problems.push(`${by} is not authorized`);
        if (this.f.addresses[by] !== call.shipment.receiver.toLowerCase()) problems.push(`${by} is not the shipment's receiver`);
        break;
      case "cancel":
        if (!authorized(by)) problems.push(`${by} is not authorized`);
        if (this.f.addresses[by] !== call.shipment.sender.toLowerCase()) problems.push(`${by} is not the shipment's sender`);
        break;
      case "recall": {
        // A restrictive act: the lot's own manufacturer in any standing, or an authorized regulator.
        const manufacturer = slot ? before.batches[slot.name]?.manufacturer : undefined;
        if (this.f.addresses[by] !== manufacturer && !isRole(by, Role.Regulator)) {
          problems.push(`${by} is neither the batch's manufacturer nor an authorized regulator`);
        }
        break;
      }
      case "flagSuspect": {
        const h = slot ? before.holdings[slot.name][by] : undefined;
        const holds = h !== undefined && h.saleable + h.quarantined > 0n;
        if (!authorized(by) || (!holds && !isRole(by, Role.Regulator))) problems.push(`${by} is neither an authorized holder nor a regulator`);
        break;
      }
      case "clearSuspect":
      case "confirmSuspect":
      case "declareIllegitimate":
      case "release":
      case "releaseLeg":
      case "condemn":
        if (!isRole(by, Role.Regulator)) problems.push(`${by} is not an authorized regulator`);
        break;
      case "dispense":
        if (!isRole(by, Role.Dispenser)) problems.push(`${by} is not an authorized dispenser`);
        break;
      case "dispute": {
        const party = [call.shipment.sender.toLowerCase(), call.shipment.receiver.toLowerCase()].includes(this.f.addresses[by]);
        if (call.act === "close" ? !isRole(by, Role.Regulator) : !authorized(by) || !party) problems.push(`${by} is neither an authorized party nor a regulator`);
        break;
      }
      default:
        break;
    }
    if (problems.length > 0) this.fail(label, ["a state change by someone not authorized for it:", ...problems]);
  }

  /** A recalled, suspect or illegitimate batch never moves forward (ship, receive forward, dispense). */
  private checkForwardMovement(label: string, events: Emitted[]): void {
    for (const e of events) {
      let batchId: string | undefined;
      if (e.name === "Shipped" && e.args[6] === false) batchId = e.args[1] as string;
      if (e.name === "Received" && this.ledger.shipments.get(e.args[0] as string)?.isReturn === false) batchId = e.args[1] as string;
      if (e.name === "PackDispensed") batchId = e.args[0] as string;
      if (batchId === undefined) continue;
      const slot = slotOfBatchId(batchId);
      const b = slot ? this.before.batches[slot.name] : undefined;
      // A holder's suspect flag lapses SUSPECT_LAPSE after it was set, unless a regulator confirmed it (no lapse day).
      const liveSuspect = b !== undefined && (b.flags & 2n) !== 0n && (b.suspectLapseDay === 0n || BigInt(this.model.day) < b.suspectLapseDay);
      if (b === undefined || (b.flags & 5n) !== 0n || liveSuspect) {
        this.fail(label, [`${e.name} moved ${this.name(batchId)} forward while its flags were ${String(b?.flags)} (suspect hold lapsing on day ${String(b?.suspectLapseDay)})`]);
      }
    }
  }

  /**
   * No quarantined unit becomes saleable (or leaves quarantine at all) without a regulator: per batch, the units
   * in quarantine fall only by what QuarantineReleased and QuarantineCondemned say, and a holder's quarantine
   * falls otherwise only when a late receipt moves its cancelled shipment into the receiver's quarantine.
   */
  private checkQuarantine(label: string, after: Snapshot, events: Emitted[]): void {
    const problems: string[] = [];
    for (const slot of SLOTS) {
      const before = this.before.holdings[slot.name];
      const now = after.holdings[slot.name];
      if (!before || !now) continue;
      let allowed = 0n;
      for (const e of events) {
        if ((e.name === "QuarantineReleased" || e.name === "QuarantineCondemned") && e.args[0] === slot.batchId) allowed += e.args[3] as bigint;
      }
      const total = (h: Record<string, { quarantined: bigint }>) => Object.values(h).reduce((sum, x) => sum + x.quarantined, 0n);
      if (total(now) + allowed < total(before)) {
        problems.push(`${slot.name}: ${total(before) - total(now)} units left quarantine, regulators released or condemned ${allowed}`);
      }
    }
    if (problems.length > 0) this.fail(label, ["a quarantined unit left quarantine without a regulator:", ...problems]);
  }

  private compareState(label: string, chain: Snapshot): void {
    const differences = snapshotDiff(this.model.snapshot(Object.keys(chain.shipments)), chain);
    if (differences.length > 0) this.fail(label, ["the contract's state differs from the model's:", ...differences]);
  }

  /** Conservation and single dispensing, from the chain's state and events alone. */
  private checkInvariants(label: string, chain: Snapshot): void {
    const problems: string[] = [];
    for (const slot of SLOTS) {
      const commissioned = this.ledger.commissioned.get(slot.batchId);
      if (commissioned === undefined && chain.batches[slot.name] === undefined) continue;
      if (commissioned === undefined || chain.holdings[slot.name] === undefined) {
        problems.push(`${slot.name}: the batch exists ${commissioned === undefined ? "without a BatchCommissioned event" : "in events but not on-chain"}`);
        continue;
      }
      const holdings = Object.values(chain.holdings[slot.name]);
      let held = 0n;
      let dispensed = 0n;
      for (const h of holdings) {
        held += h.saleable + h.quarantined + h.dispensed + h.condemned;
        dispensed += h.dispensed;
      }
      let inTransit = 0n;
      for (const [shipmentId, s] of this.ledger.shipments) {
        if (s.batchId !== slot.batchId || !s.inTransit) continue;
        if (chain.shipments[shipmentId]?.status !== 1n) problems.push(`shipment ${shipmentId} left transit without a Received or Rejected event`);
        inTransit += s.quantity;
      }
      const disputed = this.ledger.disputed.get(slot.batchId) ?? 0n;
      if (held + inTransit + disputed !== commissioned) {
        problems.push(`${slot.name}: commissioned ${commissioned} but holders have ${held}, ${inTransit} are in transit and ${disputed} disputed or written off`);
      }
      const serials = chain.dispensed[slot.name];
      if (BigInt(serials.length) !== dispensed) {
        problems.push(`${slot.name}: holders dispensed ${dispensed} packs but ${serials.length} serials are marked dispensed`);
      }
      if (new Set(serials).size !== serials.length) problems.push(`${slot.name}: a serial is dispensed twice`);
    }
    if (problems.length > 0) this.fail(label, ["an invariant does not hold:", ...problems]);
  }

  private name(address: string): string {
    return this.model.nameOf(address);
  }

  private valueText(v: Value): string {
    if (v instanceof ApproxNow) return v.toString();
    if (Array.isArray(v)) return `[${v.map((x) => this.valueText(x)).join(", ")}]`;
    if (typeof v === "string" && /^0x[0-9a-f]{40}$/.test(v)) return this.name(v);
    if (typeof v === "string" && /^0x[0-9a-f]{64}$/.test(v) && slotOfBatchId(v)) return this.name(v);
    return String(v);
  }

  private emittedText(e: Emitted): string {
    return `${e.name}(${e.args.map((a) => this.valueText(a)).join(", ")})`;
  }

  private outcomeText(o: Outcome): string {
    return o.ok ? `ok ${o.events.map((e) => this.emittedText(e)).join(" ") || "(no events)"}` : `reverted ${this.emittedText(o.error)}`;
  }

  private fail(label: string, lines: string[]): never {
    throw new Error(
      [`step ${this.trace.length}: ${label}`, ...lines.map((l) => `  ${l}`), "the sequence as it ran:", ...this.trace.map((t) => `  ${t}`)].join("\n"),
    );
  }
}

describe("RxTrace against its model (property-based)", function () {
  // Sequences travel far in time; leave the network where the fixture was (one day on), not years ahead,
  // for the test files that run after this one without a fixture of their own.
  after(async function () {
    await loadFixture(propertyFixture);
  });

  describe("when random sequences of every operation run by random actors, strangers and suspended partners included", function () {
    it(`agrees with the model and keeps its invariants after every step (${RUNS} sequences of up to ${STEPS} steps)`, async function () {
      this.timeout(Math.max(300_000, RUNS * 15_000));
      console.log(`      fast-check seed ${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_STEPS=${STEPS})`);
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(operationSequences(STEPS, process.env.FUZZ_REPLAY_PATH || undefined), async (commands) => {
          const f = await loadFixture(propertyFixture);
          const model = modelOf(f);
          const runner = new ChainRunner(f, model);
          await runner.start();
          stats.sequences++;
          await fc.asyncModelRun(() => ({ model, real: runner }), commands);
          await runner.finish();
        }),
        { numRuns: RUNS, seed: SEED, path: process.env.FUZZ_PATH || undefined, includeErrorInReport: true },
      );
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const succeeded = [...stats.succeeded.values()].reduce((a, b) => a + b, 0);
      console.log(`      ${stats.sequences} sequences, ${stats.steps} steps (${succeeded} succeeded, ${stats.steps - succeeded} refused) in ${seconds} s`);
      if (process.env.FUZZ_STATS) {
        for (const [k, n] of [...stats.succeeded, ...stats.refused, ...stats.events].sort()) console.log(`        ${String(n).padStart(6)}  ${k}`);
      }
      expect(stats.steps, "steps run").to.be.greaterThan(0);
      expect(succeeded, "steps that succeeded").to.be.greaterThan(0);
      expect(stats.steps - succeeded, "steps that were refused").to.be.greaterThan(0);
    });
  });
});
