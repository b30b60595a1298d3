import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { batchIdOf, serialToBytes32 } from "../scripts/lib/ids";
import { RecallClass, Role, Standing } from "../scripts/lib/domain";
import { GTIN, GTIN_2, serialRange } from "../scripts/lib/scenario";
import { SerialTree } from "../scripts/lib/serial-tree";
import {
  DAY,
  GOOD_LEG,
  LICENCE_REF,
  LOT,
  WARM_LEG,
  YEAR,
  batchFixture,
  commissionInput,
  pharmacyFixture,
  receivedFixture,
  shipFrom,
} from "./fixtures";

const FIRST = "SN000001";
const SECOND = "SN000002";
const LAST = "SN000100";
const UNKNOWN_BATCH = batchIdOf(GTIN, "NO-SUCH-LOT");
const REASON = ethers.id("reason");
const RECALL_URI = "ipfs://QmRecallNotice";

/** pharmacy2 also holds 10 saleable packs of the batch. */
async function twoPharmaciesFixture() {
  const base = await loadFixture(pharmacyFixture);
  const leg = await shipFrom(base.rx, base.distributor, base.batchId, base.pharmacy2.address, 10n);
  await base.rx.connect(base.pharmacy2).receiveShipment(leg.shipment, GOOD_LEG);
  return base;
}

/** The pharmacy received its 20 packs on a warm leg: it holds only quarantined units. */
async function quarantinedPharmacyFixture() {
  const base = await loadFixture(receivedFixture);
  const leg = await shipFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, 20n);
  await base.rx.connect(base.pharmacy).receiveShipment(leg.shipment, WARM_LEG);
  return base;
}

/** A second batch (GTIN_2) commissioned without serials, 10 units held saleable by the pharmacy. */
async function unserializedFixture() {
  const base = await loadFixture(pharmacyFixture);
  const { input } = await commissionInput({ gtin: GTIN_2, quantity: 10n, serialRoot: ethers.ZeroHash });
  await base.rx.connect(base.manufacturer).commissionBatch(input);
  const plainBatchId = batchIdOf(GTIN_2, LOT);
  const toDistributor = await shipFrom(base.rx, base.manufacturer, plainBatchId, base.distributor.address, 10n);
  await base.rx.connect(base.distributor).receiveShipment(toDistributor.shipment, GOOD_LEG);
  const toPharmacy = await shipFrom(base.rx, base.distributor, plainBatchId, base.pharmacy.address, 10n);
  await base.rx.connect(base.pharmacy).receiveShipment(toPharmacy.shipment, GOOD_LEG);
  return { ...base, plainBatchId };
}

/** A batch (GTIN_2, lot M257) of 257 serials, an odd-sized tree; the pharmacy holds 10 saleable packs. */
const BIG_LOT = "M257-0001";
const BIG_SERIALS = serialRange(257, "MK");
async function bigTreeFixture() {
  const base = await loadFixture(batchFixture);
  const bigTree = SerialTree.of(BIG_SERIALS);
  const { input: bigInput } = await commissionInput({
    gtin: GTIN_2,
    lot: BIG_LOT,
    quantity: BigInt(BIG_SERIALS.length),
    serialRoot: bigTree.root,
  });
  await base.rx.connect(base.manufacturer).commissionBatch(bigInput);
  const bigBatchId = batchIdOf(GTIN_2, BIG_LOT);
  const toDistributor = await shipFrom(base.rx, base.manufacturer, bigBatchId, base.distributor.address, 10n);
  await base.rx.connect(base.distributor).receiveShipment(toDistributor.shipment, GOOD_LEG);
  const toPharmacy = await shipFrom(base.rx, base.distributor, bigBatchId, base.pharmacy.address, 10n);
  await base.rx.connect(base.pharmacy).receiveShipment(toPharmacy.shipment, GOOD_LEG);
  return { ...base, bigTree, bigBatchId };
}

describe("RxTrace: Dispensing", function () {
  describe("dispense", function () {
    describe("when an authorized pharmacy dispenses a pack it holds", function () {
      it("emits PackDispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        await expect(rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST)))
          .to.emit(rx, "PackDispensed")
          .withArgs(batchId, serial, pharmacy.address);
      });

      it("marks the pack dispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        expect(await rx.isDispensed(batchId, serial)).to.equal(false);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST));
        expect(await rx.isDispensed(batchId, serial)).to.equal(true);
      });

      it("leaves the other packs undispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST));
        expect(await rx.isDispensed(batchId, serialToBytes32(SECOND))).to.equal(false);
      });

      it("moves one unit from saleable to dispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const before = await rx.holding(batchId, pharmacy.address);
        await rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST));
        const after = await rx.holding(batchId, pharmacy.address);
        expect([after.saleable, after.dispensed]).to.deep.equal([before.saleable - 1n, before.dispensed + 1n]);
        expect([after.quarantined, after.condemned, after.shipments]).to.deep.equal([
          before.quarantined,
          before.condemned,
          before.shipments,
        ]);
      });
    });

    describe("when a pharmacy dispenses several packs", function () {
      it("counts each of them", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serials = [FIRST, SECOND, "SN000050", LAST];
        for (const serial of serials) {
          await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(serial), tree.proof(serial)))
            .to.emit(rx, "PackDispensed")
            .withArgs(batchId, serialToBytes32(serial), pharmacy.address);
        }
        const h = await rx.holding(batchId, pharmacy.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([16n, 4n]);
        for (const serial of serials) expect(await rx.isDispensed(batchId, serialToBytes32(serial))).to.equal(true);
      });

      it("dispenses until the saleable stock runs out", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serials = serialRange(21);
        for (const serial of serials.slice(0, 20)) {
          await rx.connect(pharmacy).dispense(batchId, serialToBytes32(serial), tree.proof(serial));
        }
        const h = await rx.holding(batchId, pharmacy.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([0n, 20n]);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(serials[20]), tree.proof(serials[20])))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy.address, 0n, 1n);
      });
    });

    describe("when the pack was dispensed already", function () {
      it("reverts with DispensePackAlreadyDispensed for the same pharmacy", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST));
        await expect(rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispensePackAlreadyDispensed")
          .withArgs(batchId, serial);
      });

      it("reverts with DispensePackAlreadyDispensed for another pharmacy holding the batch", async function () {
        const { rx, pharmacy, pharmacy2, batchId, tree } = await loadFixture(twoPharmaciesFixture);
        const serial = serialToBytes32(FIRST);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST));
        await expect(rx.connect(pharmacy2).dispense(batchId, serial, tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispensePackAlreadyDispensed")
          .withArgs(batchId, serial);
      });

      it("leaves the holding of the second pharmacy unchanged", async function () {
        const { rx, pharmacy, pharmacy2, batchId, tree } = await loadFixture(twoPharmaciesFixture);
        const serial = serialToBytes32(FIRST);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST));
        await expect(rx.connect(pharmacy2).dispense(batchId, serial, tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispensePackAlreadyDispensed")
          .withArgs(batchId, serial);
        const h = await rx.holding(batchId, pharmacy2.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([10n, 0n]);
      });
    });

    describe("when the proof does not place the serial in the batch", function () {
      it("reverts with DispenseSerialNotInBatch for a serial not in the tree", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const forged = serialToBytes32("SN999999");
        await expect(rx.connect(pharmacy).dispense(batchId, forged, tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(batchId, forged);
      });

      it("reverts with DispenseSerialNotInBatch for a real serial with another serial's proof", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        await expect(rx.connect(pharmacy).dispense(batchId, serial, tree.proof(LAST)))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(batchId, serial);
      });

      it("reverts with DispenseSerialNotInBatch for an empty proof", async function () {
        const { rx, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        await expect(rx.connect(pharmacy).dispense(batchId, serial, []))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(batchId, serial);
      });

      it("reverts with DispenseSerialNotInBatch for a proof from another batch's tree", async function () {
        const { rx, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        // The same serial, correctly proven in another tree.
        const otherTree = SerialTree.of(serialRange(50));
        const serial = serialToBytes32(FIRST);
        await expect(rx.connect(pharmacy).dispense(batchId, serial, otherTree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(batchId, serial);
      });

      it("does not mark the pack dispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const forged = serialToBytes32("SN999999");
        await expect(rx.connect(pharmacy).dispense(batchId, forged, tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(batchId, forged);
        expect(await rx.isDispensed(batchId, forged)).to.equal(false);
      });
    });

    describe("when the batch has no serial root", function () {
      it("reverts with DispenseBatchNotSerialized", async function () {
        const { rx, pharmacy, plainBatchId, tree } = await loadFixture(unserializedFixture);
        expect((await rx.batch(plainBatchId)).serialRoot).to.equal(ethers.dataSlice(ethers.ZeroHash, 0, 21));
        await expect(rx.connect(pharmacy).dispense(plainBatchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispenseBatchNotSerialized")
          .withArgs(plainBatchId);
      });
    });

    describe("when the pharmacy has no saleable unit", function () {
      it("reverts with CustodyInsufficientSaleable for a pharmacy holding nothing", async function () {
        const { rx, pharmacy2, batchId, tree } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(pharmacy2).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy2.address, 0n, 1n);
      });

      it("reverts with CustodyInsufficientSaleable for a pharmacy holding only quarantined units", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(quarantinedPharmacyFixture);
        expect((await rx.holding(batchId, pharmacy.address)).quarantined).to.equal(20n);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy.address, 0n, 1n);
      });
    });

    describe("when the caller is not an authorized dispenser", function () {
      it("reverts with PartnerWrongRole for a distributor holding the batch", async function () {
        const { rx, distributor, batchId, tree } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(distributor).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(distributor.address, Role.Distributor, Role.Dispenser);
      });

      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const { rx, stranger, batchId, tree } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(stranger).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });

      it("reverts with PartnerNotAuthorized for a suspended pharmacy", async function () {
        const { rx, admin, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(admin).suspendPartner(pharmacy.address, REASON);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(pharmacy.address, Standing.Suspended);
      });

      it("reverts with PartnerNotAuthorized for a pharmacy whose licence expired", async function () {
        const { rx, pharmacy, batchId, tree, licenceExpiry } = await loadFixture(pharmacyFixture);
        await time.increaseTo(licenceExpiry + 1);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(pharmacy.address, Standing.LicenceExpired);
      });
    });

    describe("when the batch is recalled", function () {
      it("reverts with BatchUnderRecall", async function () {
        const { rx, manufacturer, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, RECALL_URI);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchUnderRecall")
          .withArgs(batchId, RecallClass.II);
      });
    });

    describe("when the batch is suspect", function () {
      it("reverts with BatchOnHold", async function () {
        const { rx, regulator, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
      });

      it("reverts with BatchOnHold when it is also recalled", async function () {
        const { rx, regulator, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.I, REASON, RECALL_URI);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
      });
    });

    describe("when the batch is illegitimate", function () {
      it("reverts with BatchIsIllegitimate", async function () {
        const { rx, regulator, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, REASON);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchIsIllegitimate")
          .withArgs(batchId);
      });
    });

    describe("when the batch expired", function () {
      it("reverts with BatchExpired", async function () {
        const { rx, admin, pharmacy, batchId, tree, input } = await loadFixture(pharmacyFixture);
        const expiry = BigInt(input.expiry);
        await rx.connect(admin).renewLicence(pharmacy.address, LICENCE_REF, expiry + BigInt(YEAR));
        const now = expiry + BigInt(DAY);
        await time.setNextBlockTimestamp(now);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchExpired")
          .withArgs(batchId, expiry, now);
      });

      it("still dispenses at the expiry second itself", async function () {
        const { rx, admin, pharmacy, batchId, tree, input } = await loadFixture(pharmacyFixture);
        const expiry = BigInt(input.expiry);
        await rx.connect(admin).renewLicence(pharmacy.address, LICENCE_REF, expiry + BigInt(YEAR));
        await time.setNextBlockTimestamp(expiry);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.emit(rx, "PackDispensed")
          .withArgs(batchId, serialToBytes32(FIRST), pharmacy.address);
        expect(await rx.isDispensed(batchId, serialToBytes32(FIRST))).to.equal(true);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, pharmacy, tree } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(pharmacy).dispense(UNKNOWN_BATCH, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST)))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("isDispensed", function () {
    describe("when the same serial exists in two batches", function () {
      it("is true only in the batch where it was dispensed", async function () {
        const { rx, manufacturer, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const { input } = await commissionInput({ gtin: GTIN_2 });
        await rx.connect(manufacturer).commissionBatch(input);
        const serial = serialToBytes32(FIRST);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST));
        expect(await rx.isDispensed(batchId, serial)).to.equal(true);
        expect(await rx.isDispensed(batchIdOf(GTIN_2, LOT), serial)).to.equal(false);
      });
    });

    describe("when the batch is unknown", function () {
      it("is false", async function () {
        const { rx } = await loadFixture(pharmacyFixture);
        expect(await rx.isDispensed(UNKNOWN_BATCH, serialToBytes32(FIRST))).to.equal(false);
      });
    });
  });

  describe("Merkle proofs (scripts/lib/serial-tree.ts against OpenZeppelin)", function () {
    const PROBES = [BIG_SERIALS[0], BIG_SERIALS[1], BIG_SERIALS[127], BIG_SERIALS[128], BIG_SERIALS[255], BIG_SERIALS[256]];

    describe("when the tree has 257 serials", function () {
      it("has the root OpenZeppelin's own builder computes", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const oz = StandardMerkleTree.of(
          BIG_SERIALS.map((serial) => [serialToBytes32(serial)]),
          ["bytes32"],
        );
        expect(tree.root).to.equal(oz.root);
        expect(tree.toStandardTree().root).to.equal(oz.root);
      });

      it("gives the same proofs as toStandardTree()", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const standard = tree.toStandardTree();
        for (const serial of PROBES) {
          expect(tree.proof(serial)).to.deep.equal(standard.getProof([serialToBytes32(serial)]));
        }
      });

      it("gives the same proofs as OpenZeppelin's own builder", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const oz = StandardMerkleTree.of(
          BIG_SERIALS.map((serial) => [serialToBytes32(serial)]),
          ["bytes32"],
        );
        for (const serial of PROBES) {
          expect(tree.proof(serial)).to.deep.equal(oz.getProof([serialToBytes32(serial)]));
        }
      });

      it("gives proofs of different lengths (the tree is not a power of two)", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const lengths = new Set(BIG_SERIALS.map((serial) => tree.proof(serial).length));
        expect([...lengths].sort()).to.deep.equal([8, 9]);
      });

      it("gives proofs StandardMerkleTree.verify accepts", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        for (const serial of PROBES) {
          expect(StandardMerkleTree.verify(tree.root, ["bytes32"], [serialToBytes32(serial)], tree.proof(serial))).to.equal(
            true,
          );
        }
      });

      it("gives proofs StandardMerkleTree.verify rejects for another serial", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const proof = tree.proof(BIG_SERIALS[0]);
        expect(StandardMerkleTree.verify(tree.root, ["bytes32"], [serialToBytes32(BIG_SERIALS[1])], proof)).to.equal(false);
      });

      it("lets the contract dispense with those proofs", async function () {
        const { rx, pharmacy, bigBatchId, bigTree } = await loadFixture(bigTreeFixture);
        const standard = bigTree.toStandardTree();
        for (const serial of PROBES) {
          const serial32 = serialToBytes32(serial);
          await expect(rx.connect(pharmacy).dispense(bigBatchId, serial32, standard.getProof([serial32])))
            .to.emit(rx, "PackDispensed")
            .withArgs(bigBatchId, serial32, pharmacy.address);
          expect(await rx.isDispensed(bigBatchId, serial32)).to.equal(true);
        }
        const h = await rx.holding(bigBatchId, pharmacy.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([BigInt(10 - PROBES.length), BigInt(PROBES.length)]);
      });

      it("makes the contract refuse a serial of the tree with a truncated proof", async function () {
        const { rx, pharmacy, bigBatchId, bigTree } = await loadFixture(bigTreeFixture);
        const serial32 = serialToBytes32(BIG_SERIALS[256]);
        const proof = bigTree.proof(BIG_SERIALS[256]).slice(0, -1);
        await expect(rx.connect(pharmacy).dispense(bigBatchId, serial32, proof))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(bigBatchId, serial32);
      });

      it("stores the first 21 bytes of the root", async function () {
        const { rx, bigBatchId, bigTree } = await loadFixture(bigTreeFixture);
        expect((await rx.batch(bigBatchId)).serialRoot).to.equal(ethers.dataSlice(bigTree.root, 0, 21));
      });
    });
  });
});
