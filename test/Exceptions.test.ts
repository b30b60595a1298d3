/**
 * Delivery exceptions (issue 15, IExceptions through the core's fallback and the extensions): a receiver accepts part
 * of a shipment and states an exception for the rest, which stays disputed (in nobody's stock) until it is found,
 * written off as lost, sent back or closed by a regulator; overages are reported, never absorbed.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { IExceptions__factory } from "../typechain-types";
import { ExceptionReason, ExceptionStatus } from "../src/domain/enums";
import { ManifestTree } from "../src/manifests/manifest";
import {
  batchFixture,
  COMMISSIONED,
  dispenseFrom,
  GOOD_LEG,
  holdingRecord,
  NO_STOCK,
  pharmacyFixture,
  receivedFixture,
  SERIALS,
  shipFrom,
  shipPacksFrom,
  Status,
  WARM_LEG,
} from "./fixtures";

const EVIDENCE = ethers.id("photo of the pallet, one case short");
const REASON = ethers.id("regulator's finding");

/** 16 units in transit from the manufacturer to the distributor, and the exceptions interface at the core. */
async function shippedSixteen() {
  const base = await loadFixture(batchFixture);
  const ex = IExceptions__factory.connect(await base.rx.getAddress(), base.distributor);
  const sent = await shipFrom(base.rx, base.manufacturer, base.batchId, base.distributor.address, 16n);
  return { ...base, ex, ...sent };
}

/** The distributor accepted 15 of the 16 and disputes one as missing (underage). */
async function partialFixture() {
  const base = await loadFixture(shippedSixteen);
  await base.ex.receivePartial(base.shipment, 15n, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG);
  return base;
}

/**
 * The pharmacy holds 20 packs (pharmacyFixture); the distributor ships it 4 more packs, of which it accepts 3 and
 * disputes one as damaged.
 */
async function packPartialFixture() {
  const base = await loadFixture(pharmacyFixture);
  const ex = IExceptions__factory.connect(await base.rx.getAddress(), base.pharmacy);
  const serials = SERIALS.slice(20, 24);
  const leg = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, serials);
  const disputed = ManifestTree.of([serials[3]], []);
  await ex.receivePartial(leg.shipment, 3n, ExceptionReason.Damaged, EVIDENCE, disputed.root, GOOD_LEG);
  return { ...base, ex, leg, serials, disputed };
}

/** Every unit of the batch: in holdings, plus the units disputed or written off on `shipmentIds`. */
async function unitsAccountedFor(
  c: Awaited<ReturnType<typeof shippedSixteen>>,
  shipmentIds: readonly string[],
): Promise<bigint> {
  let total = 0n;
  for (const who of [c.manufacturer, c.distributor, c.pharmacy]) {
    const h = await c.rx.holding(c.batchId, who.address);
    total += h.saleable + h.quarantined + h.dispensed + h.condemned;
  }
  for (const id of shipmentIds) {
    const e = await c.ex.deliveryException(id);
    if (e.status === BigInt(ExceptionStatus.Open) || e.status === BigInt(ExceptionStatus.Lost)) total += e.disputed;
  }
  return total;
}

describe("Exceptions", function () {
  describe("receivePartial", function () {
    describe("when the receiver accepts 15 of 16 units of a lot-level leg", function () {
      it("emits Received for the 15 units accepted", async function () {
        const { rx, ex, shipment, shipmentId, batchId, distributor, manufacturer } = await loadFixture(shippedSixteen);
        await expect(ex.receivePartial(shipment, 15n, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG))
          .to.emit(rx, "Received")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 15n, Object.values(GOOD_LEG), false);
      });

      it("emits ExceptionRaised with the disputed unit, the reason and the evidence", async function () {
        const { rx, ex, shipment, shipmentId, batchId, distributor, manufacturer } = await loadFixture(shippedSixteen);
        await expect(ex.receivePartial(shipment, 15n, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG))
          .to.emit(rx, "ExceptionRaised")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 15n, 1n, ExceptionReason.Underage, EVIDENCE, ZeroHash);
      });

      it("puts the 15 into the receiver's saleable stock and the disputed one in nobody's", async function () {
        const { rx, ex, shipmentId, batchId, distributor, manufacturer } = await loadFixture(partialFixture);
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, saleable: 15n });
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({
          ...NO_STOCK,
          saleable: COMMISSIONED - 16n,
          shipments: 1n,
        });
        const e = await ex.deliveryException(shipmentId);
        expect([e.status, e.reason, e.quarantined, e.disputed, e.accepted]).to.deep.equal([
          BigInt(ExceptionStatus.Open),
          BigInt(ExceptionReason.Underage),
          false,
          1n,
          15n,
        ]);
      });

      it("settles the leg: its record is gone, as after a full receipt", async function () {
        const { rx, shipmentId } = await loadFixture(partialFixture);
        expect((await rx.shipment(shipmentId)).status).to.equal(Status.None);
      });

      it("counts every unit: holdings plus the disputed one make the commissioned quantity", async function () {
        const c = await loadFixture(partialFixture);
        expect(await unitsAccountedFor(c, [c.shipmentId])).to.equal(COMMISSIONED);
      });
    });

    describe("when the leg left the storage range", function () {
      it("quarantines the accepted units, and records that found units follow them", async function () {
        const { rx, ex, shipment, shipmentId, batchId, distributor } = await loadFixture(shippedSixteen);
        await expect(ex.receivePartial(shipment, 10n, ExceptionReason.Damaged, EVIDENCE, ZeroHash, WARM_LEG))
          .to.emit(rx, "Received")
          .withArgs(shipmentId, batchId, distributor.address, shipment.sender, 10n, Object.values(WARM_LEG), true);
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, quarantined: 10n });
        expect((await ex.deliveryException(shipmentId)).quarantined).to.equal(true);
      });
    });

    describe("when the quantity accepted is not part of the shipment", function () {
      for (const accepted of [0n, 16n, 17n]) {
        it(`reverts with ExceptionInvalidAccepted for ${accepted} of 16`, async function () {
          const { ex, shipment, shipmentId } = await loadFixture(shippedSixteen);
          await expect(ex.receivePartial(shipment, accepted, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG))
            .to.be.revertedWithCustomError(ex, "ExceptionInvalidAccepted")
            .withArgs(shipmentId, accepted, 16n);
        });
      }
    });

    describe("when the leg is lot-level and the call lists disputed packs", function () {
      it("reverts with ExceptionDisputedPacks", async function () {
        const { ex, shipment, shipmentId } = await loadFixture(shippedSixteen);
        const packs = ethers.id("packs");
        await expect(ex.receivePartial(shipment, 15n, ExceptionReason.Underage, EVIDENCE, packs, GOOD_LEG))
          .to.be.revertedWithCustomError(ex, "ExceptionDisputedPacks")
          .withArgs(shipmentId, packs);
      });
    });

    describe("when the shipment was received already", function () {
      it("reverts with CustodyShipmentNotInTransit", async function () {
        const { rx, ex, shipment, shipmentId } = await loadFixture(partialFixture);
        await expect(ex.receivePartial(shipment, 14n, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentId);
      });
    });

    describe("on a pack leg to a dispenser", function () {
      it("keeps the leg as the dispenser's custody record, with the disputed pack counted as served", async function () {
        const { rx, leg } = await loadFixture(packPartialFixture);
        const record = await rx.shipment(leg.shipmentId);
        expect([record.status, record.shippedAt]).to.deep.equal([Status.Received, 1n]);
      });

      it("lets the dispenser dispense the 3 accepted packs, not a 4th (DispenseLegExhausted)", async function () {
        const { rx, pharmacy, batchId, tree, leg, serials } = await loadFixture(packPartialFixture);
        for (const serial of serials.slice(0, 3)) await dispenseFrom(rx, pharmacy, batchId, tree, serial, leg);
        await expect(dispenseFrom(rx, pharmacy, batchId, tree, serials[3], leg))
          .to.be.revertedWithCustomError(rx, "DispenseLegExhausted")
          .withArgs(batchId, ethers.encodeBytes32String(serials[3]), leg.shipmentId, 4n);
      });

      it("emits ExceptionRaised with the manifest root of the disputed pack", async function () {
        const base = await loadFixture(receivedFixture);
        const ex = IExceptions__factory.connect(await base.rx.getAddress(), base.pharmacy);
        const serials = SERIALS.slice(0, 4);
        const leg = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, serials);
        const disputed = ManifestTree.of([serials[3]], []);
        await expect(ex.receivePartial(leg.shipment, 3n, ExceptionReason.Damaged, EVIDENCE, disputed.root, GOOD_LEG))
          .to.emit(base.rx, "ExceptionRaised")
          .withArgs(leg.shipmentId, base.batchId, base.pharmacy.address, base.distributor.address, 3n, 1n, ExceptionReason.Damaged, EVIDENCE, disputed.root);
      });

      it("reverts with ExceptionDisputedPacks when the disputed packs are not listed", async function () {
        const base = await loadFixture(receivedFixture);
        const ex = IExceptions__factory.connect(await base.rx.getAddress(), base.pharmacy);
        const leg = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, SERIALS.slice(0, 4));
        await expect(ex.receivePartial(leg.shipment, 3n, ExceptionReason.Damaged, EVIDENCE, ZeroHash, GOOD_LEG))
          .to.be.revertedWithCustomError(ex, "ExceptionDisputedPacks")
          .withArgs(leg.shipmentId, ZeroHash);
      });

      it("reverts with ExceptionPackLegQuarantined when the leg left the storage range", async function () {
        const base = await loadFixture(receivedFixture);
        const ex = IExceptions__factory.connect(await base.rx.getAddress(), base.pharmacy);
        const leg = await shipPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, SERIALS.slice(0, 4));
        const packs = ManifestTree.of([SERIALS[3]], []).root;
        await expect(ex.receivePartial(leg.shipment, 3n, ExceptionReason.Damaged, EVIDENCE, packs, WARM_LEG))
          .to.be.revertedWithCustomError(ex, "ExceptionPackLegQuarantined")
          .withArgs(leg.shipmentId);
      });
    });
  });

  describe("declareFound", function () {
    it("emits ExceptionResolved(Found) and puts the unit into the receiver's stock", async function () {
      const { rx, ex, shipment, shipmentId, batchId, distributor } = await loadFixture(partialFixture);
      await expect(ex.declareFound(shipment))
        .to.emit(rx, "ExceptionResolved")
        .withArgs(shipmentId, batchId, ExceptionStatus.Found, distributor.address, false, distributor.address, 1n, ZeroHash);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(16n);
      expect((await ex.deliveryException(shipmentId)).status).to.equal(ExceptionStatus.Found);
    });

    it("puts found units into quarantine when the receipt went there", async function () {
      const { rx, ex, shipment, batchId, distributor } = await loadFixture(shippedSixteen);
      await ex.receivePartial(shipment, 10n, ExceptionReason.Damaged, EVIDENCE, ZeroHash, WARM_LEG);
      await ex.declareFound(shipment);
      expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, quarantined: 16n });
    });

    it("gives a pack leg back the room to prove the found pack, which the dispenser may then dispense", async function () {
      const { rx, ex, pharmacy, batchId, tree, leg, serials } = await loadFixture(packPartialFixture);
      await ex.declareFound(leg.shipment);
      expect((await rx.shipment(leg.shipmentId)).shippedAt).to.equal(0n);
      for (const serial of serials) await dispenseFrom(rx, pharmacy, batchId, tree, serial, leg);
      expect((await rx.holding(batchId, pharmacy.address)).dispensed).to.equal(4n);
    });
  });

  describe("agreeLost", function () {
    it("emits ExceptionOutcomeProposed when one party agrees, and leaves the dispute open", async function () {
      const { rx, ex, shipment, shipmentId, batchId, manufacturer } = await loadFixture(partialFixture);
      await expect(ex.connect(manufacturer).agreeLost(shipment))
        .to.emit(rx, "ExceptionOutcomeProposed")
        .withArgs(shipmentId, batchId, manufacturer.address, ExceptionStatus.Lost);
      expect((await ex.deliveryException(shipmentId)).status).to.equal(ExceptionStatus.Open);
    });

    it("writes the unit off when both agreed (ExceptionResolved(Lost)), into nobody's stock", async function () {
      const c = await loadFixture(partialFixture);
      await c.ex.connect(c.manufacturer).agreeLost(c.shipment);
      await expect(c.ex.agreeLost(c.shipment))
        .to.emit(c.rx, "ExceptionResolved")
        .withArgs(c.shipmentId, c.batchId, ExceptionStatus.Lost, c.distributor.address, false, ZeroAddress, 1n, ZeroHash);
      expect((await c.rx.holding(c.batchId, c.distributor.address)).saleable).to.equal(15n);
      expect(await unitsAccountedFor(c, [c.shipmentId])).to.equal(COMMISSIONED);
    });
  });

  describe("declareReturned and confirmReturn", function () {
    it("put the unit into the sender's quarantine once the receiver confirms (ExceptionResolved(Returned))", async function () {
      const c = await loadFixture(partialFixture);
      await expect(c.ex.connect(c.manufacturer).declareReturned(c.shipment))
        .to.emit(c.rx, "ExceptionOutcomeProposed")
        .withArgs(c.shipmentId, c.batchId, c.manufacturer.address, ExceptionStatus.Returned);
      await expect(c.ex.confirmReturn(c.shipment))
        .to.emit(c.rx, "ExceptionResolved")
        .withArgs(c.shipmentId, c.batchId, ExceptionStatus.Returned, c.distributor.address, false, c.manufacturer.address, 1n, ZeroHash);
      expect((await c.rx.holding(c.batchId, c.manufacturer.address)).quarantined).to.equal(1n);
      expect(await unitsAccountedFor(c, [c.shipmentId])).to.equal(COMMISSIONED);
    });
  });

  describe("closeException", function () {
    for (const [outcome, name] of [
      [ExceptionStatus.Found, "Found"],
      [ExceptionStatus.Lost, "Lost"],
      [ExceptionStatus.Returned, "Returned"],
    ] as const) {
      it(`lets a regulator end the dispute as ${name} (ExceptionResolved with byRegulator)`, async function () {
        const c = await loadFixture(partialFixture);
        const holder = outcome === ExceptionStatus.Found ? c.distributor.address : outcome === ExceptionStatus.Returned ? c.manufacturer.address : ZeroAddress;
        await expect(c.ex.connect(c.regulator).closeException(c.shipment, outcome, REASON))
          .to.emit(c.rx, "ExceptionResolved")
          .withArgs(c.shipmentId, c.batchId, outcome, c.regulator.address, true, holder, 1n, REASON);
        const e = await c.ex.deliveryException(c.shipmentId);
        expect([e.status, e.byRegulator]).to.deep.equal([BigInt(outcome), true]);
        expect(await unitsAccountedFor(c, [c.shipmentId])).to.equal(COMMISSIONED);
      });
    }

    it("reverts with ExceptionInvalidOutcome for Open", async function () {
      const c = await loadFixture(partialFixture);
      await expect(c.ex.connect(c.regulator).closeException(c.shipment, ExceptionStatus.Open, REASON))
        .to.be.revertedWithCustomError(c.ex, "ExceptionInvalidOutcome")
        .withArgs(ExceptionStatus.Open);
    });
  });

  describe("reportOverage", function () {
    it("emits OverageReported and adds nothing to any stock", async function () {
      const { rx, ex, shipment, shipmentId, batchId, distributor, manufacturer } = await loadFixture(shippedSixteen);
      await expect(ex.reportOverage(shipment, 2n, EVIDENCE))
        .to.emit(rx, "OverageReported")
        .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 2n, EVIDENCE);
      await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(16n);
    });

    it("reverts with BatchInvalidQuantity for zero units", async function () {
      const { rx, ex, shipment } = await loadFixture(shippedSixteen);
      await expect(ex.reportOverage(shipment, 0n, EVIDENCE)).to.be.revertedWithCustomError(rx, "BatchInvalidQuantity").withArgs(0n);
    });

    it("reverts with CustodyShipmentNotInTransit on a leg received in full (its record is gone)", async function () {
      const { rx, ex, shipment, shipmentId, distributor } = await loadFixture(shippedSixteen);
      await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
      await expect(ex.reportOverage(shipment, 1n, EVIDENCE))
        .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
        .withArgs(shipmentId);
    });
  });
});
