import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { RxTrace } from "../typechain-types";
import type { ShipmentRecordStructOutput, TemperatureLegStruct } from "../typechain-types/contracts/RxTrace";
import { RecallClass, RejectionReason, Role, ShipmentStatus, Standing } from "../src/domain/enums";
import { makeGln } from "../src/gs1/identifiers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { CERTIFICATE_URI, GTIN } from "../src/scenario/scenario";
import { ManifestTree } from "../src/manifests/manifest";
import {
  batchFixture,
  COMMISSIONED,
  DAY,
  deliverFrom,
  GOOD_LEG,
  holdingRecord,
  NO_STOCK,
  LICENCE_REF,
  licenceExpiredFixture,
  deliverPacksFrom,
  dispenseFrom,
  shipPacksFrom,
  pharmacyFixture,
  quarantinedFixture,
  receivedFixture,
  shipFrom,
  shippedFixture,
  suspendedFixture,
  WARM_LEG,
  YEAR,
} from "./fixtures";

const REASON = ethers.id("reason document");
const EVIDENCE = ethers.id("photo of the crushed case");

/** A TemperatureLeg as an event argument: its fields in declaration order. */
function legArgs(leg: TemperatureLegStruct): unknown[] {
  return [leg.minTemp, leg.maxTemp, leg.meanKineticTemp, leg.minutesOutOfRange, leg.loggerHash];
}

function shipmentRecord(r: ShipmentRecordStructOutput) {
  return { status: r.status, isReturn: r.isReturn, shippedAt: r.shippedAt };
}

const SETTLED = { status: BigInt(ShipmentStatus.None), isReturn: false, shippedAt: 0n };

/** ShipmentStatus of contracts/interfaces/RxTypes.sol (scripts/lib/domain.ts knows only the first two yet). */
const Status = { None: 0n, InTransit: 1n, Cancelled: 2n, Received: 3n, ReceivedInQuarantine: 4n } as const;
/** QuarantineCause of contracts/interfaces/RxTypes.sol. */
const Cause = { SenderNotAuthorized: 0, ShipmentCancelled: 1 } as const;

/** A leg inside 2-8 degrees except for the given fields. */
function leg(overrides: Partial<TemperatureLegStruct>): TemperatureLegStruct {
  return { ...GOOD_LEG, loggerHash: ethers.id("logger file, custom leg"), ...overrides };
}

/** Every listed holder's units plus the units in transit. */
async function unitsAccountedFor(rx: RxTrace, batchId: string, holders: string[], inTransit: bigint): Promise<bigint> {
  let total = inTransit;
  for (const holder of holders) {
    const h = await rx.holding(batchId, holder);
    total += h.saleable + h.quarantined + h.dispensed + h.condemned;
  }
  return total;
}

/** Renews the licences of `accounts` until `until`. */
async function renewLicences(rx: RxTrace, accounts: HardhatEthersSigner[], until: number): Promise<void> {
  for (const account of accounts) await rx.renewLicence(account.address, LICENCE_REF, until);
}

/** Everyone holds stock (manufacturer 40, distributor 40, pharmacy 20) and a second regulator is onboarded. */
async function routesFixture() {
  const base = await loadFixture(pharmacyFixture);
  const regulator2 = (await ethers.getSigners())[10];
  await base.rx.onboardPartner(
    regulator2.address,
    Role.Regulator,
    makeGln("099999900002"),
    LICENCE_REF,
    base.licenceExpiry,
    "Federal Drug Inspectorate",
  );
  return { ...base, regulator2 };
}

type BatchContext = Awaited<ReturnType<typeof batchFixture>>;

/**
 * A shipment of one pack ship refuses because one party is not an authorized partner, and the standing the error
 * reports for that party. By default the manufacturer ships to the distributor after batchFixture; the
 * licence-expired cases renew the other party's licence so that only one party is refused.
 */
interface Refusal {
  refused: "sender" | "receiver";
  what: string;
  standing: Standing;
  fixture?: () => Promise<BatchContext>;
  arrange?: (f: BatchContext) => Promise<unknown>;
  from?: (f: BatchContext) => HardhatEthersSigner;
  to?: (f: BatchContext) => string;
}

const UNAUTHORIZED_PARTIES: Refusal[] = [
  { refused: "sender", what: "for a stranger", standing: Standing.Unknown, from: (f) => f.stranger },
  {
    refused: "sender",
    what: "for a suspended sender",
    standing: Standing.Suspended,
    arrange: (f) => f.rx.suspendPartner(f.manufacturer.address, REASON),
  },
  {
    refused: "sender",
    what: "once the sender's licence expired",
    standing: Standing.LicenceExpired,
    fixture: licenceExpiredFixture,
    arrange: (f) => renewLicences(f.rx, [f.distributor], f.licenceExpiry + YEAR),
  },
  { refused: "receiver", what: "for a stranger", standing: Standing.Unknown, to: (f) => f.stranger.address },
  { refused: "receiver", what: "for the zero address", standing: Standing.Unknown, to: () => ethers.ZeroAddress },
  { refused: "receiver", what: "for a suspended receiver", standing: Standing.Suspended, fixture: suspendedFixture },
  {
    refused: "receiver",
    what: "once the receiver's licence expired",
    standing: Standing.LicenceExpired,
    fixture: licenceExpiredFixture,
    arrange: (f) => renewLicences(f.rx, [f.manufacturer], f.licenceExpiry + YEAR),
  },
];

type ShippedContext = Awaited<ReturnType<typeof shippedFixture>>;

/** Batch states that stop forward and return shipments alike, with the error they raise (its one argument: the batch). */
const BLOCKING_STATES: {
  state: string;
  error: "BatchOnHold" | "BatchIsIllegitimate";
  arrange: (f: BatchContext) => Promise<unknown>;
}[] = [
  { state: "suspect", error: "BatchOnHold", arrange: (f) => f.rx.connect(f.regulator).flagSuspect(f.batchId, REASON) },
  {
    state: "illegitimate",
    error: "BatchIsIllegitimate",
    arrange: (f) => f.rx.connect(f.regulator).declareIllegitimate(f.batchId, REASON),
  },
];

/** Both directions a shipment can take once the distributor holds units (receivedFixture). */
const DIRECTIONS = [
  { direction: "a forward shipment", from: "manufacturer", to: "distributor" },
  { direction: "a return", from: "distributor", to: "manufacturer" },
] as const;

/** Keys of no shipment in transit, made from the one in transit in shippedFixture. */
const NOT_IN_TRANSIT: { what: string; key: (f: ShippedContext) => ShipmentKey }[] = [
  { what: "a shipment that never existed", key: (f) => ({ ...f.shipment, nonce: 7n }) },
  { what: "a tampered quantity", key: (f) => ({ ...f.shipment, quantity: f.shipment.quantity + 1n }) },
  { what: "a tampered sender", key: (f) => ({ ...f.shipment, sender: f.otherManufacturer.address }) },
];

/** Ways the receiver of a shipment in transit (the distributor) stops being authorized. */
const RECEIVER_LAPSES: { what: string; standing: Standing; arrange: (f: ShippedContext) => Promise<unknown> }[] = [
  {
    what: "when suspended after the shipment left",
    standing: Standing.Suspended,
    arrange: (f) => f.rx.suspendPartner(f.distributor.address, REASON),
  },
  {
    what: "when the licence expired in transit",
    standing: Standing.LicenceExpired,
    arrange: (f) => time.increaseTo(f.licenceExpiry + 1),
  },
];

/** The distributor receives the shipment of shippedFixture on `onLeg`: asserts the Received event. */
async function expectReceivedOn(f: ShippedContext, onLeg: TemperatureLegStruct, excursion: boolean): Promise<void> {
  await expect(f.rx.connect(f.distributor).receiveShipment(f.shipment, onLeg))
    .to.emit(f.rx, "Received")
    .withArgs(f.shipmentId, f.batchId, f.distributor.address, f.manufacturer.address, 60n, legArgs(onLeg), excursion);
}

/** The distributor shipped 10 packs back to the manufacturer (a return in transit). */
async function returnShippedFixture() {
  const base = await loadFixture(receivedFixture);
  const back = await shipFrom(base.rx, base.distributor, base.batchId, base.manufacturer.address, 10n);
  return { ...base, back };
}


/**
 * What holds once the manufacturer's 60-unit shipment to the distributor went back to the manufacturer,
 * rejected by the receiver or cancelled by the sender: written once, applied to both.
 */
function behavesAsSettledBack(settled: () => Promise<ShippedContext>, record: "deleted" | "cancelled"): void {
  it("returns the units to the sender's quarantine, never to its saleable stock", async function () {
    const { rx, batchId, manufacturer } = await loadFixture(settled);
    const holding = holdingRecord(await rx.holding(batchId, manufacturer.address));
    expect(holding).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED - 60n, quarantined: 60n, shipments: 1n });
  });

  it("credits nothing to the receiver", async function () {
    const { rx, batchId, distributor } = await loadFixture(settled);
    expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal(NO_STOCK);
  });

  if (record === "deleted") {
    it("deletes the shipment record", async function () {
      const { rx, shipmentId } = await loadFixture(settled);
      expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal(SETTLED);
    });
  } else {
    it("keeps the shipment record as Cancelled", async function () {
      const { rx, shipmentId } = await loadFixture(settled);
      expect((await rx.shipment(shipmentId)).status).to.equal(Status.Cancelled);
    });
  }

  const again = {
    ...(record === "deleted"
      ? { received: (c: ShippedContext) => c.rx.connect(c.distributor).receiveShipment(c.shipment, GOOD_LEG) }
      : {}),
    rejected: (c: ShippedContext) => c.rx.connect(c.distributor).rejectShipment(c.shipment, RejectionReason.Other, EVIDENCE, GOOD_LEG),
    cancelled: (c: ShippedContext) => c.rx.connect(c.manufacturer).cancelShipment(c.shipment),
  };
  for (const [what, call] of Object.entries(again)) {
    it(`cannot then be ${what} (CustodyShipmentNotInTransit)`, async function () {
      const context = await loadFixture(settled);
      await expect(call(context)).to.be.revertedWithCustomError(context.rx, "CustodyShipmentNotInTransit").withArgs(context.shipmentId);
    });
  }

  it("accounts for every commissioned unit", async function () {
    const { rx, batchId, manufacturer, distributor } = await loadFixture(settled);
    expect(await unitsAccountedFor(rx, batchId, [manufacturer.address, distributor.address], 0n)).to.equal(COMMISSIONED);
  });

  it("gives the sender's next shipment a new nonce, so the old id never comes back", async function () {
    const { rx, batchId, manufacturer, distributor, shipmentId } = await loadFixture(settled);
    const next = await shipFrom(rx, manufacturer, batchId, distributor.address, 40n);
    const { shipment } = await loadFixture(settled);
    expect(shipmentIdOf({ ...shipment, quantity: 40n, nonce: 1n })).to.equal(next.shipmentId);
    expect([next.shipment.nonce, next.shipmentId === shipmentId]).to.deep.equal([1n, false]);
  });
}

/** The Merkle root of a shipment's manifest file, as shipPacks commits it. */
const MANIFEST = ethers.id("manifest file of the shipment");

/** The two ways to ship: written once, each refusal below is tried on both. */
const SHIP_ENTRY_POINTS: {
  name: "ship" | "shipPacks";
  send: (rx: RxTrace, batchId: string, receiver: string, quantity: bigint) => Promise<ContractTransactionResponse>;
}[] = [
  { name: "ship", send: (rx, batchId, receiver, quantity) => rx.ship(batchId, receiver, quantity) },
  { name: "shipPacks", send: (rx, batchId, receiver, quantity) => rx.shipPacks(batchId, receiver, quantity, MANIFEST) },
];

/** A shipment ship refuses, and the error with its arguments. */
interface ShipRefusal {
  what: string;
  fixture: () => Promise<BatchContext>;
  /** Arranges the state (after loading `fixture`) and returns the refused shipment. */
  attempt: (f: BatchContext) => Promise<{
    sender: HardhatEthersSigner;
    batchId: string;
    receiver: string;
    quantity: bigint;
    error: string;
    args: unknown[];
  }>;
}

/** Every refusal of ship, from the tables above and the tests of ship below. */
const SHIP_REFUSALS: ShipRefusal[] = [
  ...UNAUTHORIZED_PARTIES.map(
    (c): ShipRefusal => ({
      what: `PartnerNotAuthorized (${Standing[c.standing]}) of the ${c.refused}, ${c.what}`,
      fixture: c.fixture ?? batchFixture,
      attempt: async (f) => {
        await c.arrange?.(f);
        const sender = c.from?.(f) ?? f.manufacturer;
        const receiver = c.to?.(f) ?? f.distributor.address;
        const refused = c.refused === "sender" ? sender.address : receiver;
        return { sender, batchId: f.batchId, receiver, quantity: 1n, error: "PartnerNotAuthorized", args: [refused, c.standing] };
      },
    }),
  ),
  {
    what: "CustodyRouteNotPermitted from a manufacturer to a pharmacy",
    fixture: batchFixture,
    attempt: async (f) => ({
      sender: f.manufacturer,
      batchId: f.batchId,
      receiver: f.pharmacy.address,
      quantity: 1n,
      error: "CustodyRouteNotPermitted",
      args: [f.manufacturer.address, Role.Manufacturer, f.pharmacy.address, Role.Dispenser],
    }),
  },
  {
    what: "CustodyRouteNotPermitted to oneself",
    fixture: batchFixture,
    attempt: async (f) => ({
      sender: f.manufacturer,
      batchId: f.batchId,
      receiver: f.manufacturer.address,
      quantity: 1n,
      error: "CustodyRouteNotPermitted",
      args: [f.manufacturer.address, Role.Manufacturer, f.manufacturer.address, Role.Manufacturer],
    }),
  },
  {
    what: "CustodyReturnToOtherManufacturer for a return to another manufacturer",
    fixture: receivedFixture,
    attempt: async (f) => ({
      sender: f.distributor,
      batchId: f.batchId,
      receiver: f.otherManufacturer.address,
      quantity: 1n,
      error: "CustodyReturnToOtherManufacturer",
      args: [f.batchId, f.otherManufacturer.address, f.manufacturer.address],
    }),
  },
  {
    what: "BatchUnknown for an unknown batch",
    fixture: batchFixture,
    attempt: async (f) => {
      const unknown = batchIdOf(GTIN, "NEVER-MADE");
      return { sender: f.manufacturer, batchId: unknown, receiver: f.distributor.address, quantity: 1n, error: "BatchUnknown", args: [unknown] };
    },
  },
  {
    what: "BatchInvalidQuantity for zero units",
    fixture: batchFixture,
    attempt: async (f) => ({
      sender: f.manufacturer,
      batchId: f.batchId,
      receiver: f.distributor.address,
      quantity: 0n,
      error: "BatchInvalidQuantity",
      args: [0n],
    }),
  },
  {
    what: "CustodyInsufficientSaleable for one more than the whole batch",
    fixture: batchFixture,
    attempt: async (f) => ({
      sender: f.manufacturer,
      batchId: f.batchId,
      receiver: f.distributor.address,
      quantity: COMMISSIONED + 1n,
      error: "CustodyInsufficientSaleable",
      args: [f.batchId, f.manufacturer.address, COMMISSIONED, COMMISSIONED + 1n],
    }),
  },
  {
    what: "CustodyInsufficientSaleable for a holder of quarantined units only",
    fixture: quarantinedFixture,
    attempt: async (f) => ({
      sender: f.distributor,
      batchId: f.batchId,
      receiver: f.distributor2.address,
      quantity: 1n,
      error: "CustodyInsufficientSaleable",
      args: [f.batchId, f.distributor.address, 0n, 1n],
    }),
  },
  {
    what: "BatchUnderRecall for a forward shipment of a recalled batch",
    fixture: batchFixture,
    attempt: async (f) => {
      await f.rx.connect(f.manufacturer).recall(f.batchId, RecallClass.II, REASON, CERTIFICATE_URI);
      return {
        sender: f.manufacturer,
        batchId: f.batchId,
        receiver: f.distributor.address,
        quantity: 1n,
        error: "BatchUnderRecall",
        args: [f.batchId, RecallClass.II],
      };
    },
  },
  ...BLOCKING_STATES.flatMap(({ state, error, arrange }) =>
    DIRECTIONS.map(
      ({ direction, from, to }): ShipRefusal => ({
        what: `${error} for ${direction} once the batch is ${state}`,
        fixture: receivedFixture,
        attempt: async (f) => {
          await arrange(f);
          return { sender: f[from], batchId: f.batchId, receiver: f[to].address, quantity: 1n, error, args: [f.batchId] };
        },
      }),
    ),
  ),
  {
    what: "BatchExpired for a forward shipment after the expiry",
    fixture: receivedFixture,
    attempt: async (f) => {
      const expiry = Number(f.input.expiry);
      await renewLicences(f.rx, [f.distributor, f.pharmacy], expiry + YEAR);
      await time.setNextBlockTimestamp(expiry + 1);
      return {
        sender: f.distributor,
        batchId: f.batchId,
        receiver: f.pharmacy.address,
        quantity: 1n,
        error: "BatchExpired",
        args: [f.batchId, expiry, expiry + 1],
      };
    },
  },
];

describe("RxTrace: Custody", function () {
  describe("ship", function () {
    describe("when the manufacturer ships part of a batch to a distributor", function () {
      async function shipFixture() {
        const base = await loadFixture(batchFixture);
        const key: ShipmentKey = {
          batchId: base.batchId,
          sender: base.manufacturer.address,
          receiver: base.distributor.address,
          quantity: 60n,
          nonce: 0n,
        };
        const returned = await base.rx.connect(base.manufacturer).ship.staticCall(base.batchId, base.distributor.address, 60n);
        const tx = await base.rx.connect(base.manufacturer).ship(base.batchId, base.distributor.address, 60n);
        const shippedAt = BigInt(await time.latest());
        return { ...base, key, shipmentId: shipmentIdOf(key), returned, tx, shippedAt };
      }

      it("emits Shipped with the shipment id, parties, quantity, nonce and direction", async function () {
        const { rx, tx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(shipFixture);
        await expect(tx)
          .to.emit(rx, "Shipped")
          .withArgs(shipmentId, batchId, manufacturer.address, distributor.address, 60n, 0n, false);
      });

      it("returns the shipment id of src/domain/ids.ts", async function () {
        const { returned, shipmentId } = await loadFixture(shipFixture);
        expect(returned).to.equal(shipmentId);
      });

      it("emits no ManifestCommitted: a plain shipment commits to no packs", async function () {
        const { rx, tx } = await loadFixture(shipFixture);
        await expect(tx).not.to.emit(rx, "ManifestCommitted");
      });

      it("takes the units out of the sender's saleable stock and counts the shipment", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(shipFixture);
        const holding = holdingRecord(await rx.holding(batchId, manufacturer.address));
        expect(holding).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED - 60n, shipments: 1n });
      });

      it("credits nothing to the receiver until it receives", async function () {
        const { rx, batchId, distributor } = await loadFixture(shipFixture);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([0n, 0n]);
      });

      it("stores the shipment as in transit, forward, with the block time", async function () {
        const { rx, shipmentId, shippedAt } = await loadFixture(shipFixture);
        expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal({
          status: BigInt(ShipmentStatus.InTransit),
          isReturn: false,
          shippedAt,
        });
      });

      it("derives the same shipment id on-chain (shipmentIdOf) as src/domain/ids.ts", async function () {
        const { rx, key, shipmentId } = await loadFixture(shipFixture);
        expect(await rx.shipmentIdOf(key)).to.equal(shipmentId);
      });

      it("gives the next shipment of the same sender and batch nonce 1 and another id", async function () {
        const { rx, batchId, manufacturer, distributor, key, shipmentId } = await loadFixture(shipFixture);
        const next: ShipmentKey = { ...key, quantity: 40n, nonce: 1n };
        expect(shipmentIdOf(next)).to.not.equal(shipmentId);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 40n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(next), batchId, manufacturer.address, distributor.address, 40n, 1n, false);
      });
    });

    describe("when a distributor splits its stock between two pharmacies", function () {
      async function splitFixture() {
        const base = await loadFixture(receivedFixture);
        const toFirst = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, base.tree.serials.slice(0, 20));
        const toSecond = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy2.address, base.tree.serials.slice(20, 35));
        return { ...base, toFirst, toSecond };
      }

      it("numbers the two shipments 0 and 1", async function () {
        const { toFirst, toSecond } = await loadFixture(splitFixture);
        expect([toFirst.shipment.nonce, toSecond.shipment.nonce]).to.deep.equal([0n, 1n]);
      });

      it("keeps both shipments in transit under distinct ids", async function () {
        const { rx, toFirst, toSecond } = await loadFixture(splitFixture);
        expect(toFirst.shipmentId).to.not.equal(toSecond.shipmentId);
        expect((await rx.shipment(toFirst.shipmentId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
        expect((await rx.shipment(toSecond.shipmentId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
      });

      it("leaves the distributor the remainder", async function () {
        const { rx, batchId, distributor } = await loadFixture(splitFixture);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.shipments]).to.deep.equal([60n - 20n - 15n, 2n]);
      });

      it("credits each pharmacy its own quantity once received", async function () {
        const { rx, batchId, pharmacy, pharmacy2, toFirst, toSecond } = await loadFixture(splitFixture);
        await rx.connect(pharmacy).receiveShipment(toFirst.shipment, GOOD_LEG);
        await rx.connect(pharmacy2).receiveShipment(toSecond.shipment, GOOD_LEG);
        expect((await rx.holding(batchId, pharmacy.address)).saleable).to.equal(20n);
        expect((await rx.holding(batchId, pharmacy2.address)).saleable).to.equal(15n);
      });
    });

    describe("route table", function () {
      type Key = "manufacturer" | "otherManufacturer" | "distributor" | "distributor2" | "pharmacy" | "pharmacy2" | "regulator" | "regulator2";
      const ROLE_OF: Record<Key, Role> = {
        manufacturer: Role.Manufacturer,
        otherManufacturer: Role.Manufacturer,
        distributor: Role.Distributor,
        distributor2: Role.Distributor,
        pharmacy: Role.Dispenser,
        pharmacy2: Role.Dispenser,
        regulator: Role.Regulator,
        regulator2: Role.Regulator,
      };
      /** Every (sender role, receiver role) pair, with two different accounts. */
      const ROUTES: { from: Key; to: Key; kind: "forward" | "return" | "forbidden" }[] = [
        { from: "manufacturer", to: "otherManufacturer", kind: "forbidden" },
        { from: "manufacturer", to: "distributor", kind: "forward" },
        { from: "manufacturer", to: "pharmacy", kind: "forbidden" },
        { from: "manufacturer", to: "regulator", kind: "forbidden" },
        { from: "distributor", to: "manufacturer", kind: "return" },
        { from: "distributor", to: "distributor2", kind: "forward" },
        { from: "distributor", to: "pharmacy", kind: "forward" },
        { from: "distributor", to: "regulator", kind: "forbidden" },
        { from: "pharmacy", to: "manufacturer", kind: "return" },
        { from: "pharmacy", to: "distributor", kind: "return" },
        { from: "pharmacy", to: "pharmacy2", kind: "forbidden" },
        { from: "pharmacy", to: "regulator", kind: "forbidden" },
        { from: "regulator", to: "manufacturer", kind: "forbidden" },
        { from: "regulator", to: "distributor", kind: "forbidden" },
        { from: "regulator", to: "pharmacy", kind: "forbidden" },
        { from: "regulator", to: "regulator2", kind: "forbidden" },
      ];

      for (const { from, to, kind } of ROUTES) {
        const label = `${Role[ROLE_OF[from]]} -> ${Role[ROLE_OF[to]]} (${from} to ${to})`;
        if (kind === "forbidden") {
          it(`${label}: reverts with CustodyRouteNotPermitted`, async function () {
            const f = await loadFixture(routesFixture);
            const sender = f[from];
            const receiver = f[to];
            await expect(f.rx.connect(sender).ship(f.batchId, receiver.address, 1n))
              .to.be.revertedWithCustomError(f.rx, "CustodyRouteNotPermitted")
              .withArgs(sender.address, ROLE_OF[from], receiver.address, ROLE_OF[to]);
          });
        } else {
          it(`${label}: ships as a ${kind}`, async function () {
            const f = await loadFixture(routesFixture);
            const sender = f[from];
            const receiver = f[to];
            const nonce = (await f.rx.holding(f.batchId, sender.address)).shipments;
            const key: ShipmentKey = { batchId: f.batchId, sender: sender.address, receiver: receiver.address, quantity: 1n, nonce };
            // A serialized batch reaches a dispenser in pack legs only.
            const tx = ROLE_OF[to] === Role.Dispenser
              ? f.rx.connect(sender).shipPacks(f.batchId, receiver.address, 1n, MANIFEST)
              : f.rx.connect(sender).ship(f.batchId, receiver.address, 1n);
            await expect(tx)
              .to.emit(f.rx, "Shipped")
              .withArgs(shipmentIdOf(key), f.batchId, sender.address, receiver.address, 1n, nonce, kind === "return");
          });
        }
      }

      it("stores a return as isReturn", async function () {
        const { rx, batchId, distributor, manufacturer } = await loadFixture(routesFixture);
        const { shipmentId } = await shipFrom(rx, distributor, batchId, manufacturer.address, 5n);
        expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal({
          status: BigInt(ShipmentStatus.InTransit),
          isReturn: true,
          shippedAt: BigInt(await time.latest()),
        });
      });

      for (const self of ["manufacturer", "distributor", "pharmacy"] as const) {
        it(`reverts with CustodyRouteNotPermitted when the ${self} ships to itself`, async function () {
          const f = await loadFixture(routesFixture);
          const account = f[self];
          await expect(f.rx.connect(account).ship(f.batchId, account.address, 1n))
            .to.be.revertedWithCustomError(f.rx, "CustodyRouteNotPermitted")
            .withArgs(account.address, ROLE_OF[self], account.address, ROLE_OF[self]);
        });
      }

      it("reverts with CustodyReturnToOtherManufacturer when a distributor returns to another manufacturer", async function () {
        const { rx, batchId, distributor, manufacturer, otherManufacturer } = await loadFixture(routesFixture);
        await expect(rx.connect(distributor).ship(batchId, otherManufacturer.address, 1n))
          .to.be.revertedWithCustomError(rx, "CustodyReturnToOtherManufacturer")
          .withArgs(batchId, otherManufacturer.address, manufacturer.address);
      });

      it("reverts with CustodyReturnToOtherManufacturer when a pharmacy returns to another manufacturer", async function () {
        const { rx, batchId, pharmacy, manufacturer, otherManufacturer } = await loadFixture(routesFixture);
        await expect(rx.connect(pharmacy).ship(batchId, otherManufacturer.address, 1n))
          .to.be.revertedWithCustomError(rx, "CustodyReturnToOtherManufacturer")
          .withArgs(batchId, otherManufacturer.address, manufacturer.address);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, manufacturer, distributor } = await loadFixture(batchFixture);
        const unknown = batchIdOf(GTIN, "NEVER-MADE");
        await expect(rx.connect(manufacturer).ship(unknown, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(unknown);
      });
    });

    describe("when the quantity is zero", function () {
      it("reverts with BatchInvalidQuantity", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 0n))
          .to.be.revertedWithCustomError(rx, "BatchInvalidQuantity")
          .withArgs(0n);
      });
    });

    describe("when the sender holds too few saleable units", function () {
      it("reverts with CustodyInsufficientSaleable for one more than the whole batch", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, COMMISSIONED + 1n))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, manufacturer.address, COMMISSIONED, COMMISSIONED + 1n);
      });

      it("reverts with CustodyInsufficientSaleable for one more than what is left after a shipment", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(shippedFixture);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 41n))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, manufacturer.address, 40n, 41n);
      });

      it("reverts with CustodyInsufficientSaleable for a partner that holds nothing", async function () {
        const { rx, batchId, distributor, distributor2 } = await loadFixture(batchFixture);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, distributor.address, 0n, 1n);
      });

      it("ships exactly the whole saleable stock", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.connect(manufacturer).ship(batchId, distributor.address, COMMISSIONED);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(0n);
      });

      it("does not count quarantined units as saleable", async function () {
        const { rx, batchId, distributor, distributor2 } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, distributor.address, 0n, 1n);
      });
    });

    for (const refused of ["sender", "receiver"] as const) {
      describe(`when the ${refused} is not authorized`, function () {
        for (const c of UNAUTHORIZED_PARTIES.filter((r) => r.refused === refused)) {
          it(`reverts with PartnerNotAuthorized (${Standing[c.standing]}) ${c.what}`, async function () {
            const f = await loadFixture(c.fixture ?? batchFixture);
            await c.arrange?.(f);
            const sender = c.from?.(f) ?? f.manufacturer;
            const receiver = c.to?.(f) ?? f.distributor.address;
            await expect(f.rx.connect(sender).ship(f.batchId, receiver, 1n))
              .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
              .withArgs(refused === "sender" ? sender.address : receiver, c.standing);
          });
        }
      });
    }

    describe("when the batch is recalled", function () {
      it("reverts a forward shipment with BatchUnderRecall and the class", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, CERTIFICATE_URI);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchUnderRecall")
          .withArgs(batchId, RecallClass.II);
      });

      it("allows a return to the manufacturer", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(receivedFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.I, REASON, CERTIFICATE_URI);
        const key: ShipmentKey = { batchId, sender: distributor.address, receiver: manufacturer.address, quantity: 60n, nonce: 0n };
        await expect(rx.connect(distributor).ship(batchId, manufacturer.address, 60n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(key), batchId, distributor.address, manufacturer.address, 60n, 0n, true);
      });

      it("allows a pharmacy's return to its distributor", async function () {
        const { rx, batchId, regulator, pharmacy, distributor } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.III, REASON, CERTIFICATE_URI);
        await rx.connect(pharmacy).ship(batchId, distributor.address, 20n);
        expect((await rx.holding(batchId, pharmacy.address)).saleable).to.equal(0n);
      });
    });

    for (const { state, error, arrange } of BLOCKING_STATES) {
      describe(`when the batch is ${state}`, function () {
        for (const { direction, from, to } of DIRECTIONS) {
          it(`reverts ${direction} with ${error}`, async function () {
            const f = await loadFixture(receivedFixture);
            await arrange(f);
            await expect(f.rx.connect(f[from]).ship(f.batchId, f[to].address, 1n))
              .to.be.revertedWithCustomError(f.rx, error)
              .withArgs(f.batchId);
          });
        }
      });
    }

    describe("when the batch is recalled and suspect", function () {
      it("reverts a forward shipment with BatchOnHold", async function () {
        const { rx, batchId, regulator, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, CERTIFICATE_URI);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
      });
    });

    describe("when the regulator cleared a suspicion", function () {
      it("ships again", async function () {
        const { rx, batchId, regulator, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await rx.connect(regulator).clearSuspect(batchId, REASON);
        await rx.connect(manufacturer).ship(batchId, distributor.address, 1n);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(COMMISSIONED - 1n);
      });
    });

    describe("when the batch is past its expiry", function () {
      /** Licences renewed beyond the batch's expiry, so only the expiry decides. */
      async function lateFixture() {
        const base = await loadFixture(receivedFixture);
        const expiry = Number(base.input.expiry);
        await renewLicences(base.rx, [base.manufacturer, base.distributor, base.pharmacy], expiry + YEAR);
        return { ...base, expiry };
      }

      it("reverts a forward shipment with BatchExpired, the expiry and the block time", async function () {
        const { rx, batchId, distributor, pharmacy, expiry } = await loadFixture(lateFixture);
        await time.setNextBlockTimestamp(expiry + 1);
        await expect(rx.connect(distributor).ship(batchId, pharmacy.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchExpired")
          .withArgs(batchId, expiry, expiry + 1);
      });

      it("still ships forward at the expiry second itself", async function () {
        const { rx, batchId, distributor, pharmacy, expiry } = await loadFixture(lateFixture);
        await time.setNextBlockTimestamp(expiry);
        await rx.connect(distributor).shipPacks(batchId, pharmacy.address, 1n, MANIFEST);
        expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(59n);
      });

      it("allows a return to the manufacturer", async function () {
        const { rx, batchId, distributor, manufacturer, expiry } = await loadFixture(lateFixture);
        await time.increaseTo(expiry + 1);
        const key: ShipmentKey = { batchId, sender: distributor.address, receiver: manufacturer.address, quantity: 60n, nonce: 0n };
        await expect(rx.connect(distributor).ship(batchId, manufacturer.address, 60n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(key), batchId, distributor.address, manufacturer.address, 60n, 0n, true);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("shipPacks", function () {
    describe("when the manufacturer ships 60 packs with a manifest", function () {
      async function shipPacksFixture() {
        const base = await loadFixture(batchFixture);
        const key: ShipmentKey = {
          batchId: base.batchId,
          sender: base.manufacturer.address,
          receiver: base.distributor.address,
          quantity: 60n,
          nonce: 0n,
        };
        const sender = base.rx.connect(base.manufacturer);
        const asShip = await sender.ship.staticCall(base.batchId, base.distributor.address, 60n);
        const returned = await sender.shipPacks.staticCall(base.batchId, base.distributor.address, 60n, MANIFEST);
        const tx = await sender.shipPacks(base.batchId, base.distributor.address, 60n, MANIFEST);
        const shippedAt = BigInt(await time.latest());
        return { ...base, key, shipmentId: shipmentIdOf(key), asShip, returned, tx, shippedAt };
      }

      it("emits Shipped with the shipment id, parties, quantity, nonce and direction, as ship does", async function () {
        const { rx, tx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(shipPacksFixture);
        await expect(tx)
          .to.emit(rx, "Shipped")
          .withArgs(shipmentId, batchId, manufacturer.address, distributor.address, 60n, 0n, false);
      });

      it("emits ManifestCommitted with the shipment id, batch and manifest", async function () {
        const { rx, tx, shipmentId, batchId } = await loadFixture(shipPacksFixture);
        await expect(tx).to.emit(rx, "ManifestCommitted").withArgs(shipmentId, batchId, MANIFEST);
      });

      it("emits Shipped first, then ManifestCommitted, and nothing else", async function () {
        const { rx, tx } = await loadFixture(shipPacksFixture);
        const receipt = await tx.wait();
        const names = (receipt?.logs ?? []).map((log) => rx.interface.parseLog(log)?.name);
        expect(names).to.deep.equal(["Shipped", "ManifestCommitted"]);
      });

      it("returns the id ship would return, that of src/domain/ids.ts", async function () {
        const { returned, asShip, shipmentId } = await loadFixture(shipPacksFixture);
        expect([returned, asShip]).to.deep.equal([shipmentId, shipmentId]);
      });

      it("takes the units out of the sender's saleable stock and counts the shipment", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(shipPacksFixture);
        const holding = holdingRecord(await rx.holding(batchId, manufacturer.address));
        expect(holding).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED - 60n, shipments: 1n });
      });

      it("stores the shipment as in transit, forward, with the block time", async function () {
        const { rx, shipmentId, shippedAt } = await loadFixture(shipPacksFixture);
        expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal({
          status: BigInt(ShipmentStatus.InTransit),
          isReturn: false,
          shippedAt,
        });
      });

      it("shares the sender's shipment count with ship: the next ship has nonce 1", async function () {
        const { rx, batchId, manufacturer, distributor, key } = await loadFixture(shipPacksFixture);
        const next: ShipmentKey = { ...key, quantity: 40n, nonce: 1n };
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 40n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(next), batchId, manufacturer.address, distributor.address, 40n, 1n, false);
      });

      it("is received like any shipment", async function () {
        const { rx, key, shipmentId, batchId, manufacturer, distributor } = await loadFixture(shipPacksFixture);
        await expect(rx.connect(distributor).receiveShipment(key, GOOD_LEG))
          .to.emit(rx, "Received")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, legArgs(GOOD_LEG), false);
      });
    });

    describe("when a pharmacy returns packs with a manifest", function () {
      it("emits Shipped as a return, then ManifestCommitted", async function () {
        const { rx, batchId, pharmacy, distributor } = await loadFixture(pharmacyFixture);
        const key: ShipmentKey = { batchId, sender: pharmacy.address, receiver: distributor.address, quantity: 5n, nonce: 0n };
        const tx = rx.connect(pharmacy).shipPacks(batchId, distributor.address, 5n, MANIFEST);
        await expect(tx)
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(key), batchId, pharmacy.address, distributor.address, 5n, 0n, true);
        await expect(tx).to.emit(rx, "ManifestCommitted").withArgs(shipmentIdOf(key), batchId, MANIFEST);
      });
    });

    describe("when the manifest is zero", function () {
      it("reverts with CustodyMissingManifest", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).shipPacks(batchId, distributor.address, 60n, ethers.ZeroHash))
          .to.be.revertedWithCustomError(rx, "CustodyMissingManifest")
          .withArgs();
      });

      it("reverts with CustodyMissingManifest before any other check (a stranger shipping nothing)", async function () {
        const { rx, batchId, stranger } = await loadFixture(batchFixture);
        await expect(rx.connect(stranger).shipPacks(batchId, stranger.address, 0n, ethers.ZeroHash))
          .to.be.revertedWithCustomError(rx, "CustodyMissingManifest")
          .withArgs();
      });

      it("leaves the sender's stock untouched", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).shipPacks(batchId, distributor.address, 60n, ethers.ZeroHash))
          .to.be.revertedWithCustomError(rx, "CustodyMissingManifest")
          .withArgs();
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED });
      });
    });

    describe("when ship would refuse the shipment", function () {
      for (const refusal of SHIP_REFUSALS) {
        it(`reverts ship and shipPacks alike with ${refusal.what}`, async function () {
          for (const entry of SHIP_ENTRY_POINTS) {
            const f = await loadFixture(refusal.fixture);
            const { sender, batchId, receiver, quantity, error, args } = await refusal.attempt(f);
            await expect(entry.send(f.rx.connect(sender), batchId, receiver, quantity), entry.name)
              .to.be.revertedWithCustomError(f.rx, error)
              .withArgs(...args);
          }
        });
      }
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(manufacturer).shipPacks(batchId, distributor.address, 1n, MANIFEST))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("receiveShipment", function () {
    describe("when the receiver receives on a leg inside the storage range", function () {
      it("emits Received with the leg and no excursion", async function () {
        await expectReceivedOn(await loadFixture(shippedFixture), GOOD_LEG, false);
      });

      it("credits the units to the receiver's saleable stock", async function () {
        const { rx, batchId, distributor } = await loadFixture(receivedFixture);
        const holding = holdingRecord(await rx.holding(batchId, distributor.address));
        expect(holding).to.deep.equal({ ...NO_STOCK, saleable: 60n });
      });

      it("leaves the sender's stock as it was after shipping", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(receivedFixture);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(COMMISSIONED - 60n);
      });

      it("deletes the shipment record", async function () {
        const { rx, shipmentId } = await loadFixture(receivedFixture);
        expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal(SETTLED);
      });
    });

    describe("when the leg touches both ends of the storage range exactly", function () {
      it("reports no excursion", async function () {
        const edge = leg({ minTemp: 20, maxTemp: 80, meanKineticTemp: 50 });
        await expectReceivedOn(await loadFixture(shippedFixture), edge, false);
      });
    });

    describe("when the leg had a temperature excursion", function () {
      it("emits Received with the excursion flag", async function () {
        await expectReceivedOn(await loadFixture(shippedFixture), WARM_LEG, true);
      });

      it("puts the units in quarantine, not in saleable stock", async function () {
        const { rx, batchId, distributor } = await loadFixture(quarantinedFixture);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([0n, 60n]);
      });

      it("deletes the shipment record", async function () {
        const { rx, shipmentId } = await loadFixture(quarantinedFixture);
        expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal(SETTLED);
      });

      const ONE_SIDED: { what: string; leg: TemperatureLegStruct }[] = [
        { what: "only the minimum is below the range", leg: leg({ minTemp: 19, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0 }) },
        { what: "only the maximum is above the range", leg: leg({ minTemp: 31, maxTemp: 81, meanKineticTemp: 48, minutesOutOfRange: 0 }) },
        { what: "only minutesOutOfRange is non-zero", leg: leg({ minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 1 }) },
      ];
      for (const { what, leg: oneSided } of ONE_SIDED) {
        it(`reports an excursion and quarantines when ${what}`, async function () {
          const f = await loadFixture(shippedFixture);
          await expectReceivedOn(f, oneSided, true);
          expect((await f.rx.holding(f.batchId, f.distributor.address)).quarantined).to.equal(60n);
        });
      }
    });

    describe("when the shipment is not in transit", function () {
      for (const { what, key } of NOT_IN_TRANSIT) {
        it(`reverts with CustodyShipmentNotInTransit for ${what}`, async function () {
          const f = await loadFixture(shippedFixture);
          const wrong = key(f);
          await expect(f.rx.connect(f.distributor).receiveShipment(wrong, GOOD_LEG))
            .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
            .withArgs(shipmentIdOf(wrong));
        });
      }

      it("reverts with CustodyShipmentNotInTransit on a second receive", async function () {
        const { rx, shipment, shipmentId, distributor } = await loadFixture(receivedFixture);
        await expect(rx.connect(distributor).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentId);
      });
    });

    describe("when the caller is not the receiver", function () {
      it("reverts with CustodyNotReceiver for another distributor", async function () {
        const { rx, shipment, shipmentId, distributor, distributor2 } = await loadFixture(shippedFixture);
        await expect(rx.connect(distributor2).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
          .withArgs(shipmentId, distributor2.address, distributor.address);
      });

      it("reverts with CustodyNotReceiver for the sender", async function () {
        const { rx, shipment, shipmentId, manufacturer, distributor } = await loadFixture(shippedFixture);
        await expect(rx.connect(manufacturer).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
          .withArgs(shipmentId, manufacturer.address, distributor.address);
      });
    });

    describe("when the leg summary is inconsistent", function () {
      it("reverts with CustodyInvalidTemperatureLeg when the mean kinetic temperature is below the minimum", async function () {
        const { rx, shipment, distributor } = await loadFixture(shippedFixture);
        const bad = leg({ minTemp: 40, maxTemp: 60, meanKineticTemp: 39 });
        await expect(rx.connect(distributor).receiveShipment(shipment, bad))
          .to.be.revertedWithCustomError(rx, "CustodyInvalidTemperatureLeg")
          .withArgs(40, 39, 60);
      });

      it("reverts with CustodyInvalidTemperatureLeg when the mean kinetic temperature is above the maximum", async function () {
        const { rx, shipment, distributor } = await loadFixture(shippedFixture);
        const bad = leg({ minTemp: 40, maxTemp: 60, meanKineticTemp: 61 });
        await expect(rx.connect(distributor).receiveShipment(shipment, bad))
          .to.be.revertedWithCustomError(rx, "CustodyInvalidTemperatureLeg")
          .withArgs(40, 61, 60);
      });

      it("keeps the shipment in transit", async function () {
        const { rx, shipment, shipmentId, distributor } = await loadFixture(shippedFixture);
        const bad = leg({ minTemp: 40, maxTemp: 60, meanKineticTemp: 61 });
        await expect(rx.connect(distributor).receiveShipment(shipment, bad))
          .to.be.revertedWithCustomError(rx, "CustodyInvalidTemperatureLeg")
          .withArgs(40, 61, 60);
        expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
      });
    });

    describe("when the receiver is no longer authorized", function () {
      for (const { what, standing, arrange } of RECEIVER_LAPSES) {
        it(`reverts with PartnerNotAuthorized (${Standing[standing]}) ${what}`, async function () {
          const f = await loadFixture(shippedFixture);
          await arrange(f);
          await expect(f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG))
            .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
            .withArgs(f.distributor.address, standing);
        });
      }
    });

    describe("when the batch was recalled in transit", function () {
      it("reverts a forward receive with BatchUnderRecall", async function () {
        const { rx, shipment, batchId, regulator, distributor } = await loadFixture(shippedFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.I, REASON, CERTIFICATE_URI);
        await expect(rx.connect(distributor).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "BatchUnderRecall")
          .withArgs(batchId, RecallClass.I);
      });

      it("lets the manufacturer receive a return", async function () {
        const { rx, batchId, manufacturer, distributor, back } = await loadFixture(returnShippedFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.I, REASON, CERTIFICATE_URI);
        await expect(rx.connect(manufacturer).receiveShipment(back.shipment, GOOD_LEG))
          .to.emit(rx, "Received")
          .withArgs(back.shipmentId, batchId, manufacturer.address, distributor.address, 10n, legArgs(GOOD_LEG), false);
      });

      it("credits the returned units to the manufacturer", async function () {
        const { rx, batchId, manufacturer, back } = await loadFixture(returnShippedFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.I, REASON, CERTIFICATE_URI);
        await rx.connect(manufacturer).receiveShipment(back.shipment, GOOD_LEG);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(COMMISSIONED - 60n + 10n);
      });
    });

    for (const { state, error, arrange } of BLOCKING_STATES) {
      describe(`when the batch became ${state} in transit`, function () {
        it(`reverts a forward receive with ${error}`, async function () {
          const f = await loadFixture(shippedFixture);
          await arrange(f);
          await expect(f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG))
            .to.be.revertedWithCustomError(f.rx, error)
            .withArgs(f.batchId);
        });
      });
    }

    describe("when the batch expired in transit", function () {
      it("still lets the receiver take the units into stock", async function () {
        const { rx, shipment, batchId, input, manufacturer, distributor } = await loadFixture(shippedFixture);
        const expiry = Number(input.expiry);
        await renewLicences(rx, [manufacturer, distributor], expiry + YEAR);
        await time.increaseTo(expiry + 1);
        await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
        expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(60n);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, shipment, distributor } = await loadFixture(shippedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(distributor).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("rejectShipment", function () {
    describe("when the receiver rejects a shipment in transit", function () {
      async function rejectedFixture() {
        const base = await loadFixture(shippedFixture);
        const tx = await base.rx.connect(base.distributor).rejectShipment(base.shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG);
        return { ...base, tx };
      }

      it("emits Rejected with the reason, evidence, leg and the quarantine", async function () {
        const { rx, tx, shipmentId, batchId, distributor, manufacturer } = await loadFixture(rejectedFixture);
        await expect(tx)
          .to.emit(rx, "Rejected")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, RejectionReason.Damaged, EVIDENCE, legArgs(GOOD_LEG), true);
      });

      behavesAsSettledBack(rejectedFixture, "deleted");
    });

    for (const { reason, quarantined } of [
      { reason: RejectionReason.WrongQuantity, quarantined: false },
      { reason: RejectionReason.NoTemperatureData, quarantined: true },
      { reason: RejectionReason.WrongProduct, quarantined: false },
      { reason: RejectionReason.Other, quarantined: false },
    ]) {
      it(`emits Rejected with reason ${RejectionReason[reason]}, no evidence and ${quarantined ? "" : "no "}quarantine on a good leg`, async function () {
        const { rx, shipment, shipmentId, batchId, distributor, manufacturer } = await loadFixture(shippedFixture);
        await expect(rx.connect(distributor).rejectShipment(shipment, reason, ethers.ZeroHash, GOOD_LEG))
          .to.emit(rx, "Rejected")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, reason, ethers.ZeroHash, legArgs(GOOD_LEG), quarantined);
      });
    }

    describe("when the rejected shipment is a return", function () {
      it("gives the units back to the returning pharmacy", async function () {
        const { rx, batchId, pharmacy, distributor } = await loadFixture(pharmacyFixture);
        const back = await shipFrom(rx, pharmacy, batchId, distributor.address, 5n);
        await rx.connect(distributor).rejectShipment(back.shipment, RejectionReason.WrongProduct, EVIDENCE, GOOD_LEG);
        expect((await rx.holding(batchId, pharmacy.address)).saleable).to.equal(20n);
      });
    });

    describe("when the batch was recalled in transit", function () {
      it("still lets the receiver refuse it, back to the sender", async function () {
        const { rx, shipment, batchId, manufacturer, distributor } = await loadFixture(shippedFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, CERTIFICATE_URI);
        await rx.connect(distributor).rejectShipment(shipment, RejectionReason.Other, EVIDENCE, GOOD_LEG);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(COMMISSIONED);
      });
    });

    describe("when the shipment is not in transit", function () {
      for (const { what, key } of NOT_IN_TRANSIT) {
        it(`reverts with CustodyShipmentNotInTransit for ${what}`, async function () {
          const f = await loadFixture(shippedFixture);
          const wrong = key(f);
          await expect(f.rx.connect(f.distributor).rejectShipment(wrong, RejectionReason.Damaged, EVIDENCE, GOOD_LEG))
            .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
            .withArgs(shipmentIdOf(wrong));
        });
      }

      it("reverts with CustodyShipmentNotInTransit for a received shipment", async function () {
        const { rx, shipment, shipmentId, distributor } = await loadFixture(receivedFixture);
        await expect(rx.connect(distributor).rejectShipment(shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentId);
      });
    });

    describe("when the caller is not the receiver", function () {
      it("reverts with CustodyNotReceiver", async function () {
        const { rx, shipment, shipmentId, distributor, distributor2 } = await loadFixture(shippedFixture);
        await expect(rx.connect(distributor2).rejectShipment(shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
          .withArgs(shipmentId, distributor2.address, distributor.address);
      });

      it("reverts with CustodyNotReceiver for the sender trying to take it back", async function () {
        const { rx, shipment, shipmentId, manufacturer, distributor } = await loadFixture(shippedFixture);
        await expect(rx.connect(manufacturer).rejectShipment(shipment, RejectionReason.Other, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
          .withArgs(shipmentId, manufacturer.address, distributor.address);
      });
    });

    describe("when the receiver is no longer authorized", function () {
      for (const { what, standing, arrange } of RECEIVER_LAPSES) {
        it(`reverts with PartnerNotAuthorized (${Standing[standing]}) ${what}`, async function () {
          const f = await loadFixture(shippedFixture);
          await arrange(f);
          await expect(f.rx.connect(f.distributor).rejectShipment(f.shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG))
            .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
            .withArgs(f.distributor.address, standing);
        });
      }
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, shipment, distributor } = await loadFixture(shippedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(distributor).rejectShipment(shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("cancelShipment", function () {
    /** The shipment of shippedFixture and the first second its sender may cancel it. */
    async function cancellableAtOf(f: ShippedContext): Promise<bigint> {
      const { shippedAt } = await f.rx.shipment(f.shipmentId);
      return shippedAt + (await f.rx.CANCEL_AFTER());
    }

    /** shippedFixture, with the clock at the first second the manufacturer may cancel the shipment. */
    async function dueFixture() {
      const base = await loadFixture(shippedFixture);
      const cancellableAt = await cancellableAtOf(base);
      await time.increaseTo(cancellableAt);
      return { ...base, cancellableAt };
    }

    it("gives the receiver 30 days (CANCEL_AFTER)", async function () {
      const { rx } = await loadFixture(shippedFixture);
      expect(await rx.CANCEL_AFTER()).to.equal(BigInt(30 * DAY));
    });

    describe("when the sender cancels exactly CANCEL_AFTER seconds after shipping", function () {
      async function cancelledFixture() {
        const base = await loadFixture(shippedFixture);
        const cancellableAt = await cancellableAtOf(base);
        await time.setNextBlockTimestamp(cancellableAt);
        const tx = await base.rx.connect(base.manufacturer).cancelShipment(base.shipment);
        return { ...base, tx, cancellableAt };
      }

      it("emits ShipmentCancelled with the shipment, batch, parties and quantity", async function () {
        const { rx, tx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(cancelledFixture);
        await expect(tx)
          .to.emit(rx, "ShipmentCancelled")
          .withArgs(shipmentId, batchId, manufacturer.address, distributor.address, 60n);
      });

      it("is mined at the first second allowed", async function () {
        const { tx, cancellableAt } = await loadFixture(cancelledFixture);
        const block = await tx.getBlock();
        expect(BigInt(block?.timestamp ?? 0)).to.equal(cancellableAt);
      });

      behavesAsSettledBack(cancelledFixture, "cancelled");
    });

    describe("when the receiver was suspended after the shipment left", function () {
      /** The distributor is suspended with the manufacturer's 60 packs in transit to it. */
      async function strandedFixture() {
        const base = await loadFixture(shippedFixture);
        await base.rx.suspendPartner(base.distributor.address, REASON);
        return base;
      }

      it("the receiver cannot reject it (PartnerNotAuthorized)", async function () {
        const { rx, shipment, distributor } = await loadFixture(strandedFixture);
        await expect(rx.connect(distributor).rejectShipment(shipment, RejectionReason.Other, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.address, Standing.Suspended);
      });

      it("the sender cancels it after 30 days and gets its units back into quarantine", async function () {
        const f = await loadFixture(strandedFixture);
        await time.increaseTo(await cancellableAtOf(f));
        await expect(f.rx.connect(f.manufacturer).cancelShipment(f.shipment))
          .to.emit(f.rx, "ShipmentCancelled")
          .withArgs(f.shipmentId, f.batchId, f.manufacturer.address, f.distributor.address, 60n);
        const h = await f.rx.holding(f.batchId, f.manufacturer.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([COMMISSIONED - 60n, 60n]);
        expect((await f.rx.shipment(f.shipmentId)).status).to.equal(Status.Cancelled);
      });
    });

    describe("when the shipment is a return of a recalled batch", function () {
      async function recalledReturnFixture() {
        const base = await loadFixture(returnShippedFixture);
        await base.rx.connect(base.manufacturer).recall(base.batchId, RecallClass.I, REASON, CERTIFICATE_URI);
        const { shippedAt } = await base.rx.shipment(base.back.shipmentId);
        await time.increaseTo(shippedAt + (await base.rx.CANCEL_AFTER()));
        return base;
      }

      it("emits ShipmentCancelled for the returning distributor", async function () {
        const { rx, batchId, manufacturer, distributor, back } = await loadFixture(recalledReturnFixture);
        await expect(rx.connect(distributor).cancelShipment(back.shipment))
          .to.emit(rx, "ShipmentCancelled")
          .withArgs(back.shipmentId, batchId, distributor.address, manufacturer.address, 10n);
      });

      it("gives the units back into the distributor's quarantine and keeps the return as Cancelled", async function () {
        const { rx, batchId, distributor, back } = await loadFixture(recalledReturnFixture);
        await rx.connect(distributor).cancelShipment(back.shipment);
        const holding = holdingRecord(await rx.holding(batchId, distributor.address));
        expect(holding).to.deep.equal({ ...NO_STOCK, saleable: 50n, quarantined: 10n, shipments: 1n });
        expect((await rx.shipment(back.shipmentId)).status).to.equal(Status.Cancelled);
      });
    });

    describe("when CANCEL_AFTER has not passed", function () {
      it("reverts with CustodyCancelTooEarly one second before, with the time it becomes cancellable", async function () {
        const f = await loadFixture(shippedFixture);
        const cancellableAt = await cancellableAtOf(f);
        await time.setNextBlockTimestamp(cancellableAt - 1n);
        await expect(f.rx.connect(f.manufacturer).cancelShipment(f.shipment))
          .to.be.revertedWithCustomError(f.rx, "CustodyCancelTooEarly")
          .withArgs(f.shipmentId, cancellableAt, cancellableAt - 1n);
      });

      it("reverts with CustodyCancelTooEarly in the block after shipping", async function () {
        const f = await loadFixture(shippedFixture);
        const { shippedAt } = await f.rx.shipment(f.shipmentId);
        await time.setNextBlockTimestamp(shippedAt + 1n);
        await expect(f.rx.connect(f.manufacturer).cancelShipment(f.shipment))
          .to.be.revertedWithCustomError(f.rx, "CustodyCancelTooEarly")
          .withArgs(f.shipmentId, await cancellableAtOf(f), shippedAt + 1n);
      });

      it("keeps the shipment in transit for the receiver", async function () {
        const f = await loadFixture(shippedFixture);
        const cancellableAt = await cancellableAtOf(f);
        await time.setNextBlockTimestamp(cancellableAt - 1n);
        await expect(f.rx.connect(f.manufacturer).cancelShipment(f.shipment))
          .to.be.revertedWithCustomError(f.rx, "CustodyCancelTooEarly")
          .withArgs(f.shipmentId, cancellableAt, cancellableAt - 1n);
        await f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG);
        expect((await f.rx.holding(f.batchId, f.distributor.address)).saleable).to.equal(60n);
      });
    });

    describe("when the caller is not the sender", function () {
      for (const caller of ["distributor", "distributor2", "stranger"] as const) {
        it(`reverts with CustodyNotSender for the ${caller}`, async function () {
          const f = await loadFixture(dueFixture);
          const account = f[caller];
          await expect(f.rx.connect(account).cancelShipment(f.shipment))
            .to.be.revertedWithCustomError(f.rx, "CustodyNotSender")
            .withArgs(f.shipmentId, account.address, f.manufacturer.address);
        });
      }

      it("reverts with CustodyNotSender before CANCEL_AFTER too (the sender is checked before the time)", async function () {
        const { rx, shipment, shipmentId, manufacturer, stranger } = await loadFixture(shippedFixture);
        await expect(rx.connect(stranger).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "CustodyNotSender")
          .withArgs(shipmentId, stranger.address, manufacturer.address);
      });
    });

    describe("when the sender is no longer authorized", function () {
      it("reverts with PartnerNotAuthorized (Suspended) for a suspended sender", async function () {
        const { rx, shipment, manufacturer } = await loadFixture(dueFixture);
        await rx.suspendPartner(manufacturer.address, REASON);
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.Suspended);
      });

      it("reverts with PartnerNotAuthorized (LicenceExpired) once the sender's licence expired", async function () {
        const { rx, shipment, manufacturer, licenceExpiry } = await loadFixture(shippedFixture);
        await time.increaseTo(licenceExpiry + 1);
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.LicenceExpired);
      });

      it("reverts with PartnerNotAuthorized before CANCEL_AFTER too (authorization is checked before the time)", async function () {
        const { rx, shipment, manufacturer } = await loadFixture(shippedFixture);
        await rx.suspendPartner(manufacturer.address, REASON);
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.Suspended);
      });
    });

    describe("when the shipment is not in transit", function () {
      for (const { what, key } of NOT_IN_TRANSIT) {
        it(`reverts with CustodyShipmentNotInTransit for ${what}`, async function () {
          const f = await loadFixture(dueFixture);
          const wrong = key(f);
          await expect(f.rx.connect(f.manufacturer).cancelShipment(wrong))
            .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
            .withArgs(shipmentIdOf(wrong));
        });
      }

      it("reverts with CustodyShipmentNotInTransit for a tampered receiver", async function () {
        const f = await loadFixture(dueFixture);
        const wrong: ShipmentKey = { ...f.shipment, receiver: f.distributor2.address };
        await expect(f.rx.connect(f.manufacturer).cancelShipment(wrong))
          .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentIdOf(wrong));
      });

      it("reverts with CustodyShipmentNotInTransit for a received shipment", async function () {
        const f = await loadFixture(shippedFixture);
        const cancellableAt = await cancellableAtOf(f);
        await f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG);
        await time.increaseTo(cancellableAt);
        await expect(f.rx.connect(f.manufacturer).cancelShipment(f.shipment))
          .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
          .withArgs(f.shipmentId);
      });

      it("reverts with CustodyShipmentNotInTransit for a rejected shipment", async function () {
        const f = await loadFixture(shippedFixture);
        const cancellableAt = await cancellableAtOf(f);
        await f.rx.connect(f.distributor).rejectShipment(f.shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG);
        await time.increaseTo(cancellableAt);
        await expect(f.rx.connect(f.manufacturer).cancelShipment(f.shipment))
          .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
          .withArgs(f.shipmentId);
      });

      it("leaves the sender's stock untouched for a tampered quantity", async function () {
        const f = await loadFixture(dueFixture);
        const inflated: ShipmentKey = { ...f.shipment, quantity: COMMISSIONED };
        await expect(f.rx.connect(f.manufacturer).cancelShipment(inflated))
          .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentIdOf(inflated));
        expect((await f.rx.holding(f.batchId, f.manufacturer.address)).saleable).to.equal(COMMISSIONED - 60n);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, shipment, manufacturer } = await loadFixture(dueFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("reverts with CustodyCancelTooEarly right after the unpause: the 30 days ran out just before the pause, so the receiver gets PAUSE_GRACE", async function () {
        const { rx, pauser, shipment, shipmentId, manufacturer } = await loadFixture(dueFixture);
        await rx.connect(pauser).pause();
        await rx.connect(pauser).unpause();
        const unpausedAt = BigInt(await time.latest());
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "CustodyCancelTooEarly")
          .withArgs(shipmentId, unpausedAt + (await rx.PAUSE_GRACE()), unpausedAt + 1n);
      });

      it("cancels once PAUSE_GRACE after the unpause is over", async function () {
        const { rx, pauser, shipment, shipmentId, batchId, manufacturer, distributor } = await loadFixture(dueFixture);
        await rx.connect(pauser).pause();
        await rx.connect(pauser).unpause();
        await time.increaseTo(BigInt(await time.latest()) + (await rx.PAUSE_GRACE()));
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.emit(rx, "ShipmentCancelled")
          .withArgs(shipmentId, batchId, manufacturer.address, distributor.address, 60n);
      });
    });
  });

  describe("conservation of units", function () {
    /**
     * Manufacturer -> distributor 60 (good); distributor -> pharmacy 20 (good), -> pharmacy2 15 (warm, 5 of them
     * condemned), -> distributor2 10 (still in transit), -> distributor2 5 (rejected); the pharmacy dispenses
     * one pack and returns 3 to the manufacturer (received).
     */
    async function journeyFixture() {
      const base = await loadFixture(receivedFixture);
      const { rx, batchId, tree, manufacturer, distributor, distributor2, pharmacy, pharmacy2, regulator } = base;
      const toPharmacy = await deliverPacksFrom(rx, distributor, batchId, pharmacy, tree.serials.slice(0, 20));
      await deliverPacksFrom(rx, distributor, batchId, pharmacy2, tree.serials.slice(20, 35), WARM_LEG);
      await rx.connect(regulator).condemnQuarantine(batchId, pharmacy2.address, 5n);
      const pending = await shipFrom(rx, distributor, batchId, distributor2.address, 10n);
      const refused = await shipFrom(rx, distributor, batchId, distributor2.address, 5n);
      await rx.connect(distributor2).rejectShipment(refused.shipment, RejectionReason.WrongQuantity, EVIDENCE, GOOD_LEG);
      await dispenseFrom(rx, pharmacy, batchId, tree, tree.serials[0], toPharmacy);
      await deliverFrom(rx, pharmacy, batchId, manufacturer, 3n);
      const holders = [manufacturer, distributor, distributor2, pharmacy, pharmacy2].map((s) => s.address);
      return { ...base, holders, pending };
    }

    it("accounts for every commissioned unit: stock of every holder plus units in transit", async function () {
      const { rx, batchId, holders } = await loadFixture(journeyFixture);
      expect(await unitsAccountedFor(rx, batchId, holders, 10n)).to.equal(COMMISSIONED);
    });

    it("leaves each holder the expected stock", async function () {
      const { rx, batchId, manufacturer, distributor, distributor2, pharmacy, pharmacy2 } = await loadFixture(journeyFixture);
      const stock = async (a: HardhatEthersSigner) => {
        const h = await rx.holding(batchId, a.address);
        return [h.saleable, h.quarantined, h.dispensed, h.condemned];
      };
      expect(await stock(manufacturer)).to.deep.equal([43n, 0n, 0n, 0n]);
      expect(await stock(distributor)).to.deep.equal([15n, 0n, 0n, 0n]);
      expect(await stock(distributor2)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await stock(pharmacy)).to.deep.equal([16n, 0n, 1n, 0n]);
      expect(await stock(pharmacy2)).to.deep.equal([0n, 10n, 0n, 5n]);
    });

    it("still accounts for every unit once the distributor cancels the shipment left in transit", async function () {
      const { rx, batchId, holders, distributor, pending } = await loadFixture(journeyFixture);
      const { shippedAt } = await rx.shipment(pending.shipmentId);
      await time.increaseTo(shippedAt + (await rx.CANCEL_AFTER()));
      await rx.connect(distributor).cancelShipment(pending.shipment);
      expect(await unitsAccountedFor(rx, batchId, holders, 0n)).to.equal(COMMISSIONED);
      const h = await rx.holding(batchId, distributor.address);
      expect([h.saleable, h.quarantined]).to.deep.equal([15n, 10n]);
    });
  });

  describe("stock fields of one holder", function () {
    it("keep their own bits: odd counts in every field read back exactly", async function () {
      const { rx, batchId, distributor, pharmacy, regulator, tree, toPharmacy } = await loadFixture(pharmacyFixture);
      await dispenseFrom(rx, pharmacy, batchId, tree, tree.serials[0], toPharmacy);
      await deliverPacksFrom(rx, distributor, batchId, pharmacy, tree.serials.slice(40, 44), WARM_LEG);
      await rx.connect(regulator).condemnQuarantine(batchId, pharmacy.address, 1n);
      await shipFrom(rx, pharmacy, batchId, distributor.address, 2n);
      expect(holdingRecord(await rx.holding(batchId, pharmacy.address))).to.deep.equal({
        saleable: 17n,
        quarantined: 3n,
        dispensed: 1n,
        condemned: 1n,
        shipments: 1n,
      });
    });
  });

  describe("a second warm leg to a holder with quarantined units", function () {
    it("adds to the quarantined units", async function () {
      const { rx, batchId, manufacturer, distributor } = await loadFixture(quarantinedFixture);
      await deliverFrom(rx, manufacturer, batchId, distributor, 5n, WARM_LEG);
      expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, quarantined: 65n });
    });
  });

  describe("a leg summary on the edge of consistency", function () {
    const constant = (temp: number): TemperatureLegStruct => ({ ...GOOD_LEG, minTemp: temp, maxTemp: temp, meanKineticTemp: temp });
    for (const [what, leg] of [
      ["a constant temperature (min = mean kinetic = max)", constant(50)],
      ["a mean kinetic temperature equal to the minimum", { ...GOOD_LEG, meanKineticTemp: GOOD_LEG.minTemp }],
      ["a mean kinetic temperature equal to the maximum", { ...GOOD_LEG, meanKineticTemp: GOOD_LEG.maxTemp }],
    ] as const) {
      it(`is received with ${what}`, async function () {
        const { rx, distributor, shipment, shipmentId, batchId } = await loadFixture(shippedFixture);
        await expect(rx.connect(distributor).receiveShipment(shipment, leg))
          .to.emit(rx, "Received")
          .withArgs(shipmentId, batchId, distributor.address, shipment.sender, shipment.quantity, Object.values(leg), false);
      });
    }
  });
});

describe("RxTrace: Custody, units from refused or cancelled legs never become saleable without a decision", function () {
  /** The distributor shipped PHARMACY_SERIALS to the pharmacy (a pack leg in transit); it keeps 40 saleable. */
  async function toPharmacyFixture() {
    const base = await loadFixture(receivedFixture);
    const leg = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, base.tree.serials.slice(0, 20));
    return { ...base, leg };
  }

  describe("rejectShipment", function () {
    describe("when the pharmacy refuses a warm leg at the door", function () {
      it("puts the units in the sender's quarantine: an attacker distributor cannot reship them as saleable", async function () {
        const { rx, batchId, distributor, pharmacy, pharmacy2, tree, leg } = await loadFixture(toPharmacyFixture);
        await rx.connect(pharmacy).rejectShipment(leg.shipment, RejectionReason.NoTemperatureData, EVIDENCE, WARM_LEG);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([40n, 20n]);
        const manifest = ManifestTree.of(tree.serials.slice(0, 60), []);
        await expect(rx.connect(distributor).shipPacks(batchId, pharmacy2.address, 60n, manifest.root))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, distributor.address, 40n, 60n);
      });

      it("emits Rejected with the warm leg and the quarantine, whatever the reason", async function () {
        const { rx, batchId, distributor, pharmacy, leg } = await loadFixture(toPharmacyFixture);
        await expect(rx.connect(pharmacy).rejectShipment(leg.shipment, RejectionReason.WrongQuantity, EVIDENCE, WARM_LEG))
          .to.emit(rx, "Rejected")
          .withArgs(leg.shipmentId, batchId, pharmacy.address, distributor.address, 20n, RejectionReason.WrongQuantity, EVIDENCE, legArgs(WARM_LEG), true);
      });

      it("lets a regulator release them, after which they ship again", async function () {
        const { rx, batchId, distributor, distributor2, pharmacy, regulator, leg } = await loadFixture(toPharmacyFixture);
        await rx.connect(pharmacy).rejectShipment(leg.shipment, RejectionReason.WrongQuantity, EVIDENCE, WARM_LEG);
        await rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 20n);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 60n)).to.emit(rx, "Shipped");
      });
    });

    describe("when the reason says the goods are damaged, on a good leg", function () {
      it("still puts the units in the sender's quarantine", async function () {
        const { rx, batchId, distributor, pharmacy, leg } = await loadFixture(toPharmacyFixture);
        await rx.connect(pharmacy).rejectShipment(leg.shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([40n, 20n]);
      });
    });

    describe("when a good leg is refused for a reason that says nothing against the goods", function () {
      it("returns the units to the sender's saleable stock (the legitimate path)", async function () {
        const { rx, batchId, distributor, pharmacy, leg } = await loadFixture(toPharmacyFixture);
        await rx.connect(pharmacy).rejectShipment(leg.shipment, RejectionReason.WrongProduct, EVIDENCE, GOOD_LEG);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([60n, 0n]);
      });
    });

    describe("when the leg summary is inconsistent", function () {
      it("reverts with CustodyInvalidTemperatureLeg and keeps the shipment in transit", async function () {
        const { rx, pharmacy, leg: sent } = await loadFixture(toPharmacyFixture);
        const bad = leg({ minTemp: 50, meanKineticTemp: 40, maxTemp: 60 });
        await expect(rx.connect(pharmacy).rejectShipment(sent.shipment, RejectionReason.Other, EVIDENCE, bad))
          .to.be.revertedWithCustomError(rx, "CustodyInvalidTemperatureLeg")
          .withArgs(50, 40, 60);
        expect((await rx.shipment(sent.shipmentId)).status).to.equal(Status.InTransit);
      });
    });
  });

  describe("cancelShipment", function () {
    /** shippedFixture, cancelled by the manufacturer after CANCEL_AFTER. */
    async function cancelledFixture() {
      const base = await loadFixture(shippedFixture);
      await time.increase(30 * DAY);
      await base.rx.connect(base.manufacturer).cancelShipment(base.shipment);
      return base;
    }

    describe("when the sender cancels goods whose whereabouts are unknown", function () {
      it("puts them in its quarantine: an attacker sender cannot sell them again", async function () {
        const { rx, batchId, manufacturer, distributor2 } = await loadFixture(cancelledFixture);
        await expect(rx.connect(manufacturer).ship(batchId, distributor2.address, COMMISSIONED))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, manufacturer.address, 40n, COMMISSIONED);
      });
    });

    describe("when the receiver receives after the cancellation (a receipt racing a cancel)", function () {
      it("emits Received, then ReceiptQuarantined with cause ShipmentCancelled", async function () {
        const { rx, shipment, shipmentId, batchId, distributor, manufacturer } = await loadFixture(cancelledFixture);
        const tx = rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
        await expect(tx)
          .to.emit(rx, "Received")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, legArgs(GOOD_LEG), false);
        await expect(tx)
          .to.emit(rx, "ReceiptQuarantined")
          .withArgs(shipmentId, batchId, distributor.address, 60n, Cause.ShipmentCancelled);
      });

      it("moves the units from the sender's quarantine into the receiver's, never to saleable", async function () {
        const { rx, shipment, shipmentId, batchId, distributor, manufacturer } = await loadFixture(cancelledFixture);
        await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
        const from = await rx.holding(batchId, manufacturer.address);
        const to = await rx.holding(batchId, distributor.address);
        expect([from.saleable, from.quarantined, to.saleable, to.quarantined]).to.deep.equal([40n, 0n, 0n, 60n]);
        expect(shipmentRecord(await rx.shipment(shipmentId))).to.deep.equal(SETTLED);
      });

      it("reverts with CustodyCancelledUnitsGone once a regulator condemned the sender's quarantine", async function () {
        const { rx, shipment, shipmentId, batchId, distributor, manufacturer, regulator } = await loadFixture(cancelledFixture);
        await rx.connect(regulator).condemnQuarantine(batchId, manufacturer.address, 1n);
        await expect(rx.connect(distributor).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyCancelledUnitsGone")
          .withArgs(shipmentId, manufacturer.address, 59n, 60n);
      });

      it("cannot be rejected any more (CustodyShipmentNotInTransit)", async function () {
        const { rx, shipment, shipmentId, distributor } = await loadFixture(cancelledFixture);
        await expect(rx.connect(distributor).rejectShipment(shipment, RejectionReason.Other, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentId);
      });
    });

    describe("when the receiver received before the sender tried to cancel", function () {
      it("reverts the cancellation with CustodyShipmentNotInTransit", async function () {
        const { rx, shipment, shipmentId, distributor, manufacturer } = await loadFixture(shippedFixture);
        await time.increase(30 * DAY);
        await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
        await expect(rx.connect(manufacturer).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentId);
      });
    });
  });

  describe("receiveShipment", function () {
    for (const { what, lapse } of [
      { what: "suspended", lapse: (f: ShippedContext) => f.rx.suspendPartner(f.manufacturer.address, REASON) },
      {
        what: "past its licence (the receiver's renewed)",
        lapse: async (f: ShippedContext) => {
          await f.rx.renewLicence(f.distributor.address, LICENCE_REF, f.licenceExpiry + YEAR);
          await time.increaseTo(f.licenceExpiry + 1);
        },
      },
    ]) {
      describe(`when the sender is ${what} after shipping`, function () {
        it("receives into quarantine: an attacker partner cannot pass its goods off as saleable", async function () {
          const f = await loadFixture(shippedFixture);
          await lapse(f);
          const tx = f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG);
          await expect(tx)
            .to.emit(f.rx, "ReceiptQuarantined")
            .withArgs(f.shipmentId, f.batchId, f.distributor.address, 60n, Cause.SenderNotAuthorized);
          const h = await f.rx.holding(f.batchId, f.distributor.address);
          expect([h.saleable, h.quarantined]).to.deep.equal([0n, 60n]);
        });
      });
    }

    describe("when the sender is still authorized (the legitimate path)", function () {
      it("emits no ReceiptQuarantined and credits saleable stock", async function () {
        const f = await loadFixture(shippedFixture);
        await expect(f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG)).not.to.emit(f.rx, "ReceiptQuarantined");
        expect((await f.rx.holding(f.batchId, f.distributor.address)).saleable).to.equal(60n);
      });
    });
  });
});
