/**
 * The contract side of the property tests: the fixture every sequence starts from, sending a resolved `Call`
 * to the in-process network (events or the decoded custom error back), and reading the whole observable state
 * in one `multicall` eth_call.
 */
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { ICorrections__factory, IExceptions__factory, type RxTrace } from "../../typechain-types";
import { Role } from "../../src/domain/enums";
import { CAST } from "../../src/scenario/scenario";
import { revertData } from "../../src/commands/shared/cli";
import { partnersFixture } from "../fixtures";
import { ManifestTree } from "../../src/manifests/manifest";
import { ApproxNow, Model, isZeroHolding, slotSerialCandidates, type Call, type Emitted, type HoldingState, manifestOf, type Outcome, type Snapshot, type Value } from "./model";
import {
  ACTORS,
  CAST_LICENCE_DAYS,
  CERTIFICATE_HASH,
  CERTIFICATE_URI,
  DAY,
  EVIDENCE,
  FRESH_GLNS,
  LICENCE_REF,
  PARTNER_NAME,
  RECALL_REASON,
  RECALL_URI,
  SAFETY_REASON,
  SLOTS,
  SUSPENSION_REASON,
  deadline,
  type Actor,
} from "./universe";

export interface PropertyFixture {
  rx: RxTrace;
  signers: Record<Actor, HardhatEthersSigner>;
  addresses: Record<Actor, string>;
  epoch: bigint;
  /** The cast's licence expiry as partnersFixture onboarded it. */
  castLicenceExpiry: bigint;
  /** What the fixture did after partnersFixture, to replay on a fresh model. */
  setup: Call[];
}

/** A good leg for the 2-8 °C lot, an excursion for it, and a good leg for the 15-25 °C lot. */
const COLD_LEG = { minTemp: 31n, maxTemp: 62n, meanKineticTemp: 48n, minutesOutOfRange: 0n, loggerHash: ethers.id("fixture leg, cold") };
const WARM_LEG = { minTemp: 40n, maxTemp: 125n, meanKineticTemp: 71n, minutesOutOfRange: 95n, loggerHash: ethers.id("fixture leg, warm") };
const ROOM_LEG = { minTemp: 170n, maxTemp: 240n, meanKineticTemp: 200n, minutesOutOfRange: 0n, loggerHash: ethers.id("fixture leg, room") };

/** A model in the state partnersFixture leaves (the cast onboarded, prefixes assigned). */
function castModel(addresses: Record<Actor, string>, epoch: bigint, castLicenceExpiry: bigint): Model {
  const model = new Model(addresses, epoch);
  for (const member of CAST) {
    model.seedPartner(member.key, { role: member.role, suspended: false, licenceExpiry: castLicenceExpiry, gln: member.gln });
  }
  return model;
}

/**
 * partnersFixture, then: the cast's licences renewed to lapse at different times (two within the run); a
 * distributor that holds stock and is suspended; a pharmacy that holds stock and whose licence lapsed; three
 * lots commissioned (A/L1 at 2-8 °C, F/L1 at 15-25 °C, and B/L1 at 2-8 °C, which a time travel of 10 days
 * expires) and shipped along the chain so that every distributor and pharmacy holds some (pharmacies in pack
 * legs), with 3 units of A/L1 in quarantine at distributor2; three shipments left in transit (one a pack leg,
 * one from the distributor then suspended); the pharmacy dispensed 2 packs (its first leg is exhausted); one day
 * passed.
 */
export async function propertyFixture(): Promise<PropertyFixture> {
  const base = await loadFixture(partnersFixture);
  const all = await ethers.getSigners();
  const signers = Object.fromEntries(ACTORS.map((actor, i) => [actor, all[i]])) as Record<Actor, HardhatEthersSigner>;
  // partnersFixture's own names must be the same accounts.
  for (const member of CAST) {
    if (base.accounts[member.key].address !== signers[member.key].address) throw new Error(`actor ${member.key} is not partnersFixture's`);
  }
  const addresses = Object.fromEntries(ACTORS.map((actor) => [actor, signers[actor].address.toLowerCase()])) as Record<Actor, string>;
  const epoch = BigInt(await time.latest());
  const castLicenceExpiry = BigInt(base.licenceExpiry);
  const model = castModel(addresses, epoch, castLicenceExpiry);
  const fixture: PropertyFixture = { rx: base.rx, signers, addresses, epoch, castLicenceExpiry, setup: [] };

  async function apply(call: Call): Promise<void> {
    const expected = model.step(call);
    const actual = await execute(fixture, call);
    const agree =
      expected.ok && actual.ok && expected.events.length === actual.events.length && expected.events.every((e, i) => sameEmitted(e, actual.events[i]));
    if (!agree) {
      throw new Error(`property fixture: ${call.kind} failed: model ${JSON.stringify(expected, jsonBigint)}, chain ${JSON.stringify(actual, jsonBigint)}`);
    }
    fixture.setup.push(call);
  }
  const lastShipment = () => model.shipmentLog[model.shipmentLog.length - 1].key;
  /** A delivery; to a pharmacy, a pack leg of the slot's serials `packs` (positions). */
  async function deliver(by: Actor, slot: number, receiver: Actor, quantity: bigint, leg: typeof COLD_LEG, packs?: number[]) {
    const manifest = packs ? manifestOf(packs.map((i) => SLOTS[slot].serials[i])) : undefined;
    await apply({ kind: "ship", by, batchId: SLOTS[slot].batchId, receiver, quantity, manifest });
    await apply({ kind: "receive", by: receiver, shipment: lastShipment(), leg });
  }

  for (const member of CAST) {
    await apply({ kind: "renew", by: "admin", account: member.key, licenceExpiry: deadline(epoch, 0, CAST_LICENCE_DAYS[member.key]) });
  }
  await apply({
    kind: "onboard",
    by: "admin",
    account: "suspendedDistributor",
    role: Role.Distributor,
    gln: FRESH_GLNS.suspendedDistributor,
    licenceExpiry: deadline(epoch, 0, 600),
    name: PARTNER_NAME,
  });
  await apply({
    kind: "onboard",
    by: "admin",
    account: "lapsedPharmacy",
    role: Role.Dispenser,
    gln: FRESH_GLNS.lapsedPharmacy,
    licenceExpiry: deadline(epoch, 0, 0),
    name: PARTNER_NAME,
  });
  const commission = (by: Actor, slot: number, quantity: bigint, minTemp: bigint, maxTemp: bigint, days: number): Call => ({
    kind: "commission",
    by,
    input: {
      gtin: SLOTS[slot].gtin,
      lot: SLOTS[slot].lot,
      expiry: deadline(epoch, 0, days),
      quantity,
      minTemp,
      maxTemp,
      serialRoot: SLOTS[slot].tree.root,
      certificateHash: CERTIFICATE_HASH,
      certificateURI: CERTIFICATE_URI,
    },
  });
  await apply(commission("manufacturer", 0, 40n, 20n, 80n, 1000));
  await apply(commission("otherManufacturer", 4, 24n, 150n, 250n, 200));
  await apply(commission("manufacturer", 2, 16n, 20n, 80n, 8));
  await deliver("manufacturer", 0, "distributor", 18n, COLD_LEG);
  await deliver("manufacturer", 0, "distributor2", 8n, COLD_LEG);
  await deliver("manufacturer", 0, "suspendedDistributor", 4n, COLD_LEG);
  // The pharmacy's pack legs of A/L1: 2 units whose manifest lists 5 packs (it dispenses 2 of them below, so the
  // leg is exhausted: DispenseLegExhausted), 3 more, and 2 received into quarantine (a warm leg:
  // DispenseLegQuarantined, until a regulator's releaseLeg).
  await deliver("distributor", 0, "pharmacy", 2n, COLD_LEG, [0, 1, 2, 3, 4]);
  const overstated = lastShipment();
  await deliver("distributor", 0, "pharmacy", 3n, COLD_LEG, [5, 6, 7]);
  await deliver("distributor", 0, "pharmacy", 2n, WARM_LEG, [5, 6]);
  await deliver("distributor2", 0, "pharmacy2", 3n, COLD_LEG, [5, 6, 7]);
  await deliver("distributor", 0, "lapsedPharmacy", 2n, COLD_LEG, [5, 6]);
  await deliver("otherManufacturer", 4, "distributor2", 10n, ROOM_LEG);
  await deliver("otherManufacturer", 4, "distributor", 6n, ROOM_LEG);
  await deliver("distributor", 4, "pharmacy", 2n, ROOM_LEG, [0, 1]);
  await deliver("distributor", 0, "distributor2", 3n, WARM_LEG);
  await deliver("manufacturer", 2, "distributor", 8n, COLD_LEG);
  await deliver("distributor", 2, "pharmacy", 4n, COLD_LEG, [0, 1, 2, 3]);
  // Left in transit: a lot-level leg between distributors, a pack leg to a pharmacy, and one from the distributor
  // suspended next (its receipt goes into quarantine).
  await apply({ kind: "ship", by: "distributor", batchId: SLOTS[0].batchId, receiver: "distributor2", quantity: 2n });
  await apply({ kind: "ship", by: "distributor2", batchId: SLOTS[4].batchId, receiver: "pharmacy2", quantity: 2n, manifest: manifestOf(SLOTS[4].serials.slice(2, 4)) });
  await apply({ kind: "ship", by: "suspendedDistributor", batchId: SLOTS[0].batchId, receiver: "distributor2", quantity: 2n });
  for (const i of [0, 1]) {
    const tree = ManifestTree.of(SLOTS[0].serials.slice(0, 5), []);
    await apply({
      kind: "dispense",
      by: "pharmacy",
      batchId: SLOTS[0].batchId,
      serial: SLOTS[0].serials32[i],
      proof: SLOTS[0].tree.proof(SLOTS[0].serials[i]),
      claim: { sender: overstated.sender, quantity: overstated.quantity, nonce: overstated.nonce, manifestProof: tree.proofOfPack(SLOTS[0].serials[i]) },
    });
  }
  await apply({ kind: "suspend", by: "admin", account: "suspendedDistributor" });
  await apply({ kind: "travel", days: 1 });
  return fixture;
}

/** A fresh model in the state the fixture leaves. */
export function modelOf(f: PropertyFixture): Model {
  const model = castModel(f.addresses, f.epoch, f.castLicenceExpiry);
  for (const call of f.setup) {
    const outcome = model.step(call);
    if (!outcome.ok) throw new Error(`replaying the fixture on the model: ${call.kind} refused with ${outcome.error.name}`);
  }
  return model;
}

export function jsonBigint(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

// ---- sending ----


/** Event and error arguments as the model writes them: arrays, bigints, lowercase hex. */
export function normalize(value: unknown): Value {
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === "string") return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value;
  if (typeof value === "bigint" || typeof value === "boolean") return value;
  if (typeof value === "number") return BigInt(value);
  throw new Error(`unexpected value in an event or error: ${String(value)}`);
}

function send(f: PropertyFixture, call: Exclude<Call, { kind: "travel" }>): Promise<ContractTransactionResponse> {
  const rx = f.rx.connect(f.signers[call.by]);
  const a = (actor: Actor) => f.addresses[actor];
  switch (call.kind) {
    case "onboard":
      return rx.onboardPartner(a(call.account), call.role, call.gln, LICENCE_REF, call.licenceExpiry, call.name);
    case "renew":
      return rx.renewLicence(a(call.account), LICENCE_REF, call.licenceExpiry);
    case "suspend":
      return rx.suspendPartner(a(call.account), SUSPENSION_REASON);
    case "reinstate":
      return rx.reinstatePartner(a(call.account));
    case "pause":
      return rx.pause();
    case "unpause":
      return rx.unpause();
    case "commission":
      return rx.commissionBatch(call.input);
    case "supersede":
      return ICorrections__factory.connect(String(f.rx.target), f.signers[call.by]).supersedeBatch(call.input);
    case "ship":
      return call.manifest
        ? rx.shipPacks(call.batchId, a(call.receiver), call.quantity, call.manifest.root)
        : rx.ship(call.batchId, a(call.receiver), call.quantity);
    case "receive":
      return rx.receiveShipment(call.shipment, call.leg);
    case "reject":
      return rx.rejectShipment(call.shipment, call.reason, EVIDENCE, call.leg);
    case "cancel":
      return rx.cancelShipment(call.shipment);
    case "confirmSuspect":
      return rx.confirmSuspect(call.batchId, SAFETY_REASON);
    case "recall":
      return rx.recall(call.batchId, call.recallClass, RECALL_REASON, RECALL_URI);
    case "flagSuspect":
      return rx.flagSuspect(call.batchId, SAFETY_REASON);
    case "clearSuspect":
      return rx.clearSuspect(call.batchId, SAFETY_REASON);
    case "declareIllegitimate":
      return rx.declareIllegitimate(call.batchId, SAFETY_REASON);
    case "release":
      return rx.releaseQuarantine(call.batchId, a(call.holder), call.quantity);
    case "condemn":
      return rx.condemnQuarantine(call.batchId, a(call.holder), call.quantity);
    case "releaseLeg":
      return rx.releaseLeg(call.shipment);
    case "dispense":
      return rx.dispense(call.batchId, call.serial, call.proof, call.claim);
    case "receivePartial":
      return exceptionsAs(f, call.by).receivePartial(call.shipment, call.accepted, call.reason, EVIDENCE, call.disputedPacks, call.leg);
    case "dispute": {
      const ex = exceptionsAs(f, call.by);
      switch (call.act) {
        case "found":
          return ex.declareFound(call.shipment);
        case "lost":
          return ex.agreeLost(call.shipment);
        case "returned":
          return ex.declareReturned(call.shipment);
        case "confirm":
          return ex.confirmReturn(call.shipment);
        case "close":
          return ex.closeException(call.shipment, call.outcome, SAFETY_REASON);
      }
    }
  }
}

/** IExceptions at the suite's address, signed by `actor`. */
function exceptionsAs(f: PropertyFixture, actor: Actor) {
  return IExceptions__factory.connect(String(f.rx.target), f.signers[actor]);
}

/** Runs `call` on the chain: the events it emitted, or the custom error it reverted with. */
export async function execute(f: PropertyFixture, call: Call): Promise<Outcome> {
  if (call.kind === "travel") {
    await time.increase(BigInt(call.days) * DAY);
    return { ok: true, events: [] };
  }
  let response: ContractTransactionResponse;
  try {
    response = await send(f, call);
  } catch (error) {
    const data = revertData(error);
    if (!data) throw error;
    const parsed = f.rx.interface.parseError(data);
    if (!parsed) throw new Error(`${call.kind}: reverted with data the interface does not know: ${data}`, { cause: error });
    return { ok: false, error: { name: parsed.name, args: normalize(Array.from(parsed.args)) as Value[] } };
  }
  const receipt = await response.wait();
  if (!receipt) throw new Error(`${call.kind}: no receipt`);
  const events: Emitted[] = receipt.logs.map((log) => {
    const parsed = f.rx.interface.parseLog(log);
    if (!parsed) throw new Error(`${call.kind}: a log the interface does not know: ${JSON.stringify(log.topics)}`);
    return { name: parsed.name, args: normalize(Array.from(parsed.args)) as Value[] };
  });
  return { ok: true, events };
}

// ---- reading ----

/** Subcalls per multicall: the in-process network's eth_call grows faster than linearly with more. */
const MULTICALL_CHUNK = 24;

/** View calls queued with their decoders, sent as a few multicall eth_calls. */
class ViewBatch {
  private readonly calls: string[] = [];
  private readonly decoders: ((data: string) => void)[] = [];
  constructor(private readonly rx: RxTrace) {}

  add(data: string, decode: (result: string) => void): void {
    this.calls.push(data);
    this.decoders.push(decode);
  }

  async run(): Promise<void> {
    for (let start = 0; start < this.calls.length; start += MULTICALL_CHUNK) {
      const results = await this.rx.multicall.staticCall(this.calls.slice(start, start + MULTICALL_CHUNK));
      results.forEach((data, i) => this.decoders[start + i](data));
    }
  }
}

/**
 * Everything the model predicts, read from the contract: the pause, every actor's partner record and standing,
 * every slot's batch record, and for the commissioned batches every actor's stock and which serials are
 * dispensed; the shipments `shipmentIds`.
 */
export async function readSnapshot(f: PropertyFixture, shipmentIds: readonly string[]): Promise<Snapshot> {
  const iface = f.rx.interface;
  const snapshot: Snapshot = { paused: false, partners: {}, batches: {}, holdings: {}, shipments: {}, dispensed: {} };

  const first = new ViewBatch(f.rx);
  first.add(iface.encodeFunctionData("paused"), (d) => (snapshot.paused = iface.decodeFunctionResult("paused", d)[0] as boolean));
  for (const actor of ACTORS) {
    const address = f.addresses[actor];
    const entry = { role: 0n, suspended: false, licenceExpiry: 0n, gln: 0n, standing: 0n };
    snapshot.partners[actor] = entry;
    first.add(iface.encodeFunctionData("partner", [address]), (d) => {
      const p = iface.decodeFunctionResult("partner", d)[0] as { role: bigint; suspended: boolean; licenceExpiry: bigint; gln: bigint };
      entry.role = p.role;
      entry.suspended = p.suspended;
      entry.licenceExpiry = p.licenceExpiry;
      entry.gln = p.gln;
    });
    first.add(iface.encodeFunctionData("standing", [address]), (d) => (entry.standing = iface.decodeFunctionResult("standing", d)[0] as bigint));
  }
  const manufacturers = new Map<string, string>();
  const holds = new Map<string, { by: string; lapsesAt: bigint }>();
  for (const slot of SLOTS) {
    first.add(iface.encodeFunctionData("suspectHold", [slot.batchId]), (d) => {
      const h = iface.decodeFunctionResult("suspectHold", d)[0] as { by: string; lapsesAt: bigint };
      holds.set(slot.name, { by: h.by.toLowerCase(), lapsesAt: h.lapsesAt });
    });
    first.add(iface.encodeFunctionData("manufacturerOf", [slot.batchId]), (d) =>
      manufacturers.set(slot.name, (iface.decodeFunctionResult("manufacturerOf", d)[0] as string).toLowerCase()),
    );
    first.add(iface.encodeFunctionData("batch", [slot.batchId]), (d) => {
      const b = iface.decodeFunctionResult("batch", d)[0] as {
        serialRoot: string;
        expiry: bigint;
        minTemp: bigint;
        maxTemp: bigint;
        flags: bigint;
        recallClass: bigint;
      };
      if (b.expiry === 0n) return;
      const hold = holds.get(slot.name) ?? { by: "", lapsesAt: 0n };
      snapshot.batches[slot.name] = {
        suspectBy: hold.by,
        suspectLapseDay: hold.lapsesAt === 0n ? 0n : (hold.lapsesAt - f.epoch) / DAY,
        manufacturer: manufacturers.get(slot.name) ?? "",
        expiry: b.expiry,
        minTemp: b.minTemp,
        maxTemp: b.maxTemp,
        serialRoot21: b.serialRoot.toLowerCase(),
        flags: b.flags,
        recallClass: b.recallClass,
      };
    });
  }
  await first.run();

  const second = new ViewBatch(f.rx);
  for (const slot of SLOTS.filter((s) => snapshot.batches[s.name] !== undefined)) {
    const perHolder: Record<string, HoldingState> = {};
    snapshot.holdings[slot.name] = perHolder;
    for (const actor of ACTORS) {
      second.add(iface.encodeFunctionData("holding", [slot.batchId, f.addresses[actor]]), (d) => {
        const h = iface.decodeFunctionResult("holding", d)[0] as HoldingState;
        const record = { saleable: h.saleable, quarantined: h.quarantined, dispensed: h.dispensed, condemned: h.condemned, shipments: h.shipments };
        if (!isZeroHolding(record)) perHolder[actor] = record;
      });
    }
    const done: string[] = [];
    snapshot.dispensed[slot.name] = done;
    for (const candidate of slotSerialCandidates(slot.name)) {
      let dispensed = false;
      second.add(iface.encodeFunctionData("isDispensed", [slot.batchId, candidate.serial32]), (d) => {
        dispensed = iface.decodeFunctionResult("isDispensed", d)[0] as boolean;
      });
      second.add(iface.encodeFunctionData("dispensedVia", [slot.batchId, candidate.serial32]), (d) => {
        const via = (iface.decodeFunctionResult("dispensedVia", d)[0] as string).toLowerCase();
        const viaSet = BigInt(via) !== 0n;
        if (dispensed !== viaSet) done.push(`${candidate.serial}: isDispensed ${dispensed} but dispensedVia ${via}`);
        else if (dispensed) done.push(`${candidate.serial} via ${via}`);
      });
    }
  }
  for (const shipmentId of shipmentIds) {
    second.add(iface.encodeFunctionData("shipment", [shipmentId]), (d) => {
      const r = iface.decodeFunctionResult("shipment", d)[0] as {
        status: bigint;
        isReturn: boolean;
        shippedAt: bigint;
        manifest: string;
        receiverShipments: bigint;
      };
      snapshot.shipments[shipmentId] = {
        status: r.status,
        isReturn: r.isReturn,
        // A received pack leg counts its dispensed packs in these bits; in transit or cancelled, the shipping time.
        shippedDayOrServed: r.status === 1n || r.status === 2n ? (r.shippedAt - f.epoch) / DAY : r.shippedAt,
        manifest21: r.manifest.toLowerCase(),
        receiverShipments: r.receiverShipments,
      };
    });
  }
  await second.run();
  return snapshot;
}

/** Whether an observed argument is what the model predicted (a block time only to within a quarter day). */
export function sameValue(expected: Value, actual: Value): boolean {
  if (expected instanceof ApproxNow) {
    return typeof actual === "bigint" && actual >= expected.atLeast && actual < expected.atLeast + DAY / 4n;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => sameValue(e, actual[i]));
  }
  return expected === actual;
}

export function sameEmitted(expected: Emitted, actual: Emitted): boolean {
  return expected.name === actual.name && sameValue(expected.args, actual.args);
}
