import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { RecallClass, RejectionReason, Verdict } from "../src/domain/enums";
import { batchIdOf, serialToBytes32 } from "../src/domain/ids";
import { GTIN, GTIN_2, serialRange } from "../src/scenario/scenario";
import { SerialTree } from "../src/merkle/serial-tree";
import { GOOD_LEG, LOT, SERIALS, WARM_LEG, batchFixture, claimOf, commissionInput, deliverFrom, deliverPacksFrom, shipFrom, shipPacksFrom } from "./fixtures";

const LOT_2 = "B24-0002";
/** Lot A reaches the dispensers in pack legs (a serialized lot reaches a dispenser only so since issue 11). */
const PHARMACY_PACKS = [...SERIALS.slice(0, 27), "SN000050", "SN000099", "SN000100"];
const PHARMACY2_PACKS = SERIALS.slice(30, 50);

/**
 * The whole story: manufacturer -> distributor -> two dispensers, one excursion leg, one rejected
 * shipment, one recall with a return upstream, quarantine settled by the regulator, packs dispensed.
 */
async function journeyFixture() {
  const f = await loadFixture(batchFixture);
  const { rx, manufacturer, distributor, distributor2, pharmacy, pharmacy2, regulator, batchId } = f;
  const treeB = SerialTree.of(serialRange(50, "SNB"));
  const { input: inputB } = await commissionInput({ gtin: GTIN_2, lot: LOT_2, quantity: 50n, serialRoot: treeB.root });
  await rx.connect(manufacturer).commissionBatch(inputB);
  const batchB = batchIdOf(GTIN_2, LOT_2);

  await deliverFrom(rx, manufacturer, batchId, distributor, 80n);
  const toPharmacy = await deliverPacksFrom(rx, distributor, batchId, pharmacy, PHARMACY_PACKS);
  await deliverPacksFrom(rx, distributor, batchId, pharmacy2, PHARMACY2_PACKS, WARM_LEG); // excursion: quarantined at pharmacy2
  const toDistributor2 = await shipFrom(rx, distributor, batchId, distributor2.address, 10n);
  // Damaged: the units go back into the distributor's quarantine, whatever the leg.
  await rx.connect(distributor2).rejectShipment(toDistributor2.shipment, RejectionReason.Damaged, ethers.id("photo"), GOOD_LEG);

  const dispensed = ["SN000003", "SN000050", "SN000099"];
  for (const serial of dispensed) {
    await rx.connect(pharmacy).dispense(batchId, serialToBytes32(serial), f.tree.proof(serial), claimOf(toPharmacy, serial));
  }

  await deliverFrom(rx, manufacturer, batchB, distributor, 40n);
  await rx.connect(manufacturer).recall(batchB, RecallClass.II, ethers.id("recall notice"), "ipfs://recall-notice");
  await deliverFrom(rx, distributor, batchB, manufacturer, 40n); // a recalled lot still goes back upstream

  await rx.connect(regulator).releaseQuarantine(batchId, pharmacy2.address, 5n);
  await rx.connect(regulator).condemnQuarantine(batchId, pharmacy2.address, 15n);
  return { ...f, batchB, treeB, dispensed };
}

describe("Journey: manufacturer to two dispensers", function () {
  describe("final holdings", function () {
    const expected: Record<string, [string, bigint, bigint, bigint, bigint]> = {
      // holder: [batch, saleable, quarantined, dispensed, condemned]
      manufacturerA: ["A", 20n, 0n, 0n, 0n],
      distributorA: ["A", 20n, 10n, 0n, 0n], // the 10 damaged units came back into its quarantine
      distributor2A: ["A", 0n, 0n, 0n, 0n],
      pharmacyA: ["A", 27n, 0n, 3n, 0n],
      pharmacy2A: ["A", 5n, 0n, 0n, 15n],
      manufacturerB: ["B", 50n, 0n, 0n, 0n],
      distributorB: ["B", 0n, 0n, 0n, 0n],
    };
    for (const [name, [lot, saleable, quarantined, dispensed, condemned]] of Object.entries(expected)) {
      it(`leaves ${name.slice(0, -1)} with ${saleable} saleable, ${quarantined} quarantined, ${dispensed} dispensed, ${condemned} condemned of lot ${lot}`, async function () {
        const f = await loadFixture(journeyFixture);
        const holder = f[name.slice(0, -1) as "manufacturer" | "distributor" | "distributor2" | "pharmacy" | "pharmacy2"];
        const h = await f.rx.holding(lot === "A" ? f.batchId : f.batchB, holder.address);
        expect([h.saleable, h.quarantined, h.dispensed, h.condemned]).to.deep.equal([saleable, quarantined, dispensed, condemned]);
      });
    }

    it("conserves every commissioned unit of lot A", async function () {
      const f = await loadFixture(journeyFixture);
      let total = 0n;
      for (const holder of [f.manufacturer, f.distributor, f.distributor2, f.pharmacy, f.pharmacy2]) {
        const h = await f.rx.holding(f.batchId, holder.address);
        total += h.saleable + h.quarantined + h.dispensed + h.condemned;
      }
      expect(total).to.equal(f.input.quantity);
    });
  });

  describe("verdicts", function () {
    async function verdictOf(lot: "A" | "B", serial: string, holder?: HardhatEthersSigner) {
      const f = await loadFixture(journeyFixture);
      const tree = lot === "A" ? f.tree : f.treeB;
      const proof = tree.has(serial) ? tree.proof(serial) : f.tree.proof("SN000001");
      const [verdict] = await f.rx.verifyPack(
        lot === "A" ? GTIN : GTIN_2,
        lot === "A" ? LOT : LOT_2,
        serialToBytes32(serial),
        proof,
        holder?.address ?? ethers.ZeroAddress,
      );
      return Number(verdict);
    }

    it("says genuine for a pack on the pharmacy's shelf", async function () {
      const { pharmacy } = await loadFixture(journeyFixture);
      expect(await verdictOf("A", "SN000010", pharmacy)).to.equal(Verdict.Genuine);
    });
    it("says already dispensed for a dispensed pack", async function () {
      expect(await verdictOf("A", "SN000050")).to.equal(Verdict.AlreadyDispensed);
    });
    it("says recalled for a pack of the recalled lot", async function () {
      expect(await verdictOf("B", "SNB000007")).to.equal(Verdict.Recalled);
    });
    it("says serial not in batch for a forged serial", async function () {
      expect(await verdictOf("A", "SN777777")).to.equal(Verdict.SerialNotInBatch);
    });
    it("says not in custody at a distributor that rejected its shipment", async function () {
      const { distributor2 } = await loadFixture(journeyFixture);
      expect(await verdictOf("A", "SN000010", distributor2)).to.equal(Verdict.NotInCustody);
    });
  });

  describe("after the excursion, before the regulator acts", function () {
    it("says quarantined at the pharmacy that received the warm leg", async function () {
      const f = await loadFixture(batchFixture);
      const { shipment } = await shipFrom(f.rx, f.manufacturer, f.batchId, f.distributor.address, 50n);
      await f.rx.connect(f.distributor).receiveShipment(shipment, GOOD_LEG);
      const warm = await shipPacksFrom(f.rx, f.distributor, f.batchId, f.pharmacy2.address, PHARMACY2_PACKS);
      await expect(f.rx.connect(f.pharmacy2).receiveShipment(warm.shipment, WARM_LEG))
        .to.emit(f.rx, "Received")
        .withArgs(warm.shipmentId, f.batchId, f.pharmacy2.address, f.distributor.address, 20n, Object.values(WARM_LEG), true);
      const [verdict] = await f.rx.verifyPack(GTIN, LOT, serialToBytes32("SN000001"), f.tree.proof("SN000001"), f.pharmacy2.address);
      expect(Number(verdict)).to.equal(Verdict.Quarantined);
    });
  });

  describe("audit trail", function () {
    it("has one Shipped event per leg of lot A", async function () {
      const f = await loadFixture(journeyFixture);
      const shipped = await f.rx.queryFilter(f.rx.filters.Shipped(undefined, f.batchId));
      expect(shipped.map((e) => [e.args.sender, e.args.receiver, e.args.quantity])).to.deep.equal([
        [f.manufacturer.address, f.distributor.address, 80n],
        [f.distributor.address, f.pharmacy.address, 30n],
        [f.distributor.address, f.pharmacy2.address, 20n],
        [f.distributor.address, f.distributor2.address, 10n],
      ]);
    });
    it("records the excursion in the Received events of lot A", async function () {
      const f = await loadFixture(journeyFixture);
      const received = await f.rx.queryFilter(f.rx.filters.Received(undefined, f.batchId));
      expect(received.map((e) => e.args.excursion)).to.deep.equal([false, false, true]);
    });
    it("records the three dispensed packs", async function () {
      const f = await loadFixture(journeyFixture);
      const events = await f.rx.queryFilter(f.rx.filters.PackDispensed(f.batchId));
      expect(events.map((e) => e.args.serial)).to.deep.equal(f.dispensed.map(serialToBytes32));
    });
  });
});
