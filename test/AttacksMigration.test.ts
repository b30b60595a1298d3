/**
 * Attacks on the migration (issue 12): adopting before retirement or twice, adopting what does not exist, retiring
 * without the admin role or to the wrong successor, acting on a retired predecessor, dispensing again on the successor
 * a pack dispensed on the predecessor, copying over stock that moved. Each refusal names its error and arguments; each
 * has the legitimate path beside it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { deployRxTrace } from "../src/chain/deploy";
import { migrate, migrationOf, MigrationRecord, prefixId } from "../src/chain/migrate";
import { serialToBytes32 } from "../src/domain/ids";
import { Verdict } from "../src/domain/enums";
import { GTIN } from "../src/scenario/scenario";
import { commissionInput, dispenseFrom, GOOD_LEG, LOT, SERIALS, SUSPENSION_REASON } from "./fixtures";
import { migratedFixture, retiredFixture, successorFixture, suiteAt, RECALL_HASH, RECALL_URI } from "./migration-fixtures";

const DEFAULT_ADMIN_ROLE = ZeroHash;

describe("Attacks on the migration", function () {
  describe("adopting before the predecessor is retired", function () {
    it("reverts with MigrationPredecessorNotRetired (the predecessor names no successor yet)", async function () {
      const { successor, predecessor, stranger, manufacturer } = await loadFixture(successorFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(manufacturer.address))
        .to.be.revertedWithCustomError(m, "MigrationPredecessorNotRetired")
        .withArgs(await predecessor.getAddress(), ZeroAddress);
    });

    it("works once the predecessor is retired in favour of the successor", async function () {
      const { successor, stranger, manufacturer } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(manufacturer.address)).to.emit(m, "PartnerAdopted");
    });
  });

  describe("adopting on a suite that names no predecessor", function () {
    it("reverts with MigrationNoPredecessor", async function () {
      const { admin, stranger, manufacturer } = await loadFixture(successorFixture);
      const fresh = await deployRxTrace(ethers, admin);
      const m = migrationOf(await fresh.getAddress(), stranger);
      await expect(m.adoptPartner(manufacturer.address)).to.be.revertedWithCustomError(m, "MigrationNoPredecessor").withArgs();
    });
  });

  describe("adopting a record twice", function () {
    it("reverts with MigrationAlreadyAdopted for a partner", async function () {
      const { successor, stranger, manufacturer } = await loadFixture(migratedFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(manufacturer.address))
        .to.be.revertedWithCustomError(m, "MigrationAlreadyAdopted")
        .withArgs(MigrationRecord.Partner, ZeroHash, manufacturer.address);
    });

    it("reverts with MigrationAlreadyAdopted for a shipment settled since: it cannot be received twice", async function () {
      const { successor, stranger, distributor2, inTransit } = await loadFixture(migratedFixture);
      await successor.connect(distributor2).receiveShipment(inTransit.shipment, GOOD_LEG);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptShipment(inTransit.shipment))
        .to.be.revertedWithCustomError(m, "MigrationAlreadyAdopted")
        .withArgs(MigrationRecord.Shipment, inTransit.shipmentId, ZeroAddress);
    });

    it("reverts with MigrationAlreadyAdopted for a holding that moved since", async function () {
      const { successor, stranger, distributor, distributor2, batchId } = await loadFixture(migratedFixture);
      await successor.connect(distributor).ship(batchId, distributor2.address, 1n);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptHolding(batchId, distributor.address))
        .to.be.revertedWithCustomError(m, "MigrationAlreadyAdopted")
        .withArgs(MigrationRecord.Holding, batchId, distributor.address);
    });

    it("reverts with MigrationAlreadyAdopted for a company prefix", async function () {
      const { successor, stranger } = await loadFixture(migratedFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptCompanyPrefix("0312345"))
        .to.be.revertedWithCustomError(m, "MigrationAlreadyAdopted")
        .withArgs(MigrationRecord.CompanyPrefix, prefixId("0312345"), ZeroAddress);
    });
  });

  describe("adopting a record the predecessor does not hold", function () {
    it("reverts with MigrationNotOnPredecessor for a stranger", async function () {
      const { successor, stranger } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(stranger.address))
        .to.be.revertedWithCustomError(m, "MigrationNotOnPredecessor")
        .withArgs(MigrationRecord.Partner, ZeroHash, stranger.address);
    });

    it("reverts with MigrationNotOnPredecessor for a lot never commissioned", async function () {
      const { successor, stranger } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      const unknown = ethers.id("no such lot");
      await expect(m.adoptBatch(unknown))
        .to.be.revertedWithCustomError(m, "MigrationNotOnPredecessor")
        .withArgs(MigrationRecord.Batch, unknown, ZeroAddress);
    });

    it("reverts with MigrationNotOnPredecessor for a made-up shipment of an adopted batch", async function () {
      const { successor, stranger, manufacturer, pharmacy, batchId } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptBatch(batchId);
      const forged = { batchId, sender: manufacturer.address, receiver: pharmacy.address, quantity: 50n, nonce: 7n };
      const forgedId = await successor.shipmentIdOf(forged);
      await expect(m.adoptShipment(forged))
        .to.be.revertedWithCustomError(m, "MigrationNotOnPredecessor")
        .withArgs(MigrationRecord.Shipment, forgedId, ZeroAddress);
    });

    it("reverts with MigrationBatchNotAdopted for a holding of a batch not adopted yet", async function () {
      const { successor, stranger, manufacturer, batchId } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptHolding(batchId, manufacturer.address)).to.be.revertedWithCustomError(m, "MigrationBatchNotAdopted").withArgs(batchId);
    });

    it("refuses to commission the predecessor's lot again on a successor unpaused early (BatchAlreadyCommissioned), and its stock waits for the lot (MigrationBatchNotAdopted)", async function () {
      const { predecessor, successor, admin, stranger, manufacturer, distributor, batchId } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptPartner(manufacturer.address);
      await m.adoptCompanyPrefix("0312345");
      await successor.connect(admin).unpause();
      const { input } = await commissionInput();
      // The lot is the predecessor's: commissioning it here would make its dispensed packs read GENUINE again.
      await expect(successor.connect(manufacturer).commissionBatch(input)).to.be.revertedWithCustomError(successor, "BatchAlreadyCommissioned").withArgs(batchId);
      await expect(m.adoptHolding(batchId, distributor.address)).to.be.revertedWithCustomError(m, "MigrationBatchNotAdopted").withArgs(batchId);
      // The legitimate path: the lot adopted, then its stock.
      await expect(m.adoptBatch(batchId)).to.emit(m, "BatchAdopted");
      await m.adoptPartner(distributor.address);
      await m.adoptHolding(batchId, distributor.address);
      expect(await successor.holding(batchId, distributor.address)).to.deep.equal(await predecessor.holding(batchId, distributor.address));
    });

    it("reverts with PartnerUnknown for a prefix whose owner is not adopted yet", async function () {
      const { successor, stranger, manufacturer } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptCompanyPrefix("0312345")).to.be.revertedWithCustomError(successor, "PartnerUnknown").withArgs(manufacturer.address);
    });
  });

  describe("copying over state of the successor's own", function () {
    it("a partner onboarded on the successor first (unpaused early): adoption reverts with PartnerAlreadyOnboarded", async function () {
      const { successor, predecessor, admin, stranger, distributor2 } = await loadFixture(retiredFixture);
      const p = await predecessor.partner(distributor2.address);
      // Onboarding is frozen while the successor is paused, as the procedure leaves it until everything is adopted.
      await successor.connect(admin).unpause();
      await successor.connect(admin).onboardPartner(distributor2.address, p.role, p.gln, ethers.id("licence"), p.licenceExpiry, "Coastal 3PL");
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(distributor2.address))
        .to.be.revertedWithCustomError(successor, "PartnerAlreadyOnboarded")
        .withArgs(distributor2.address, p.role);
    });

    it("stock that arrived before its holding was adopted: adoption reverts with MigrationRecordInUse", async function () {
      const { successor, stranger, admin, distributor2, batchId, inTransit } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptPartner(distributor2.address);
      await m.adoptPartner(inTransit.shipment.sender);
      await m.adoptBatch(batchId);
      await m.adoptShipment(inTransit.shipment);
      // Adopting while paused is the procedure; the successor's pauser unpausing early lets stock arrive first.
      await successor.connect(admin).unpause();
      await successor.connect(distributor2).receiveShipment(inTransit.shipment, GOOD_LEG);
      // distributor2 held nothing of the lot on the predecessor, so only stock of its own is at stake: a holder
      // with stock on both sides cannot be merged exactly (nonces), and is refused rather than overwritten.
      await expect(m.adoptHolding(batchId, distributor2.address))
        .to.be.revertedWithCustomError(m, "MigrationRecordInUse")
        .withArgs(MigrationRecord.Holding, batchId, distributor2.address);
    });
  });

  describe("a holding adopted for a partner the successor has suspended", function () {
    it("is copied as it stands (the stock is the partner's), and the suspended partner cannot move it", async function () {
      const { successor, stranger, admin, distributor, pharmacy2, batchId, predecessor } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptPartner(distributor.address);
      await successor.connect(admin).suspendPartner(distributor.address, SUSPENSION_REASON);
      await m.adoptBatch(batchId);
      await expect(m.adoptHolding(batchId, distributor.address)).to.emit(m, "HoldingAdopted");
      expect((await successor.holding(batchId, distributor.address)).saleable).to.equal((await predecessor.holding(batchId, distributor.address)).saleable);
      await successor.connect(admin).unpause();
      await expect(successor.connect(distributor).ship(batchId, pharmacy2.address, 1n))
        .to.be.revertedWithCustomError(successor, "PartnerNotAuthorized")
        .withArgs(distributor.address, 2);
    });
  });

  describe("retire", function () {
    it("by a non-admin reverts with AccessControlUnauthorizedAccount", async function () {
      const { predecessor, successor, regulator } = await loadFixture(successorFixture);
      const m = migrationOf(await predecessor.getAddress(), regulator);
      await expect(m.retire(await successor.getAddress()))
        .to.be.revertedWithCustomError(predecessor, "AccessControlUnauthorizedAccount")
        .withArgs(regulator.address, DEFAULT_ADMIN_ROLE);
    });

    it("to a suite that does not name it as predecessor reverts with MigrationInvalidSuccessor", async function () {
      const { predecessor, admin } = await loadFixture(successorFixture);
      const unrelated = await deployRxTrace(ethers, admin);
      const m = migrationOf(await predecessor.getAddress(), admin);
      await expect(m.retire(await unrelated.getAddress()))
        .to.be.revertedWithCustomError(m, "MigrationInvalidSuccessor")
        .withArgs(await unrelated.getAddress(), ZeroAddress);
    });

    it("to an account without code reverts with MigrationInvalidSuccessor", async function () {
      const { predecessor, admin, stranger } = await loadFixture(successorFixture);
      const m = migrationOf(await predecessor.getAddress(), admin);
      await expect(m.retire(stranger.address)).to.be.revertedWithCustomError(m, "MigrationInvalidSuccessor").withArgs(stranger.address, ZeroAddress);
    });

    it("a second time reverts with MigrationRetired", async function () {
      const { predecessor, successor, admin } = await loadFixture(retiredFixture);
      const m = migrationOf(await predecessor.getAddress(), admin);
      await expect(m.retire(await successor.getAddress()))
        .to.be.revertedWithCustomError(m, "MigrationRetired")
        .withArgs(await successor.getAddress());
    });

    it("by the admin emits Retired and pauses the predecessor", async function () {
      const { predecessor, successor, admin } = await loadFixture(successorFixture);
      const m = migrationOf(await predecessor.getAddress(), admin);
      await expect(m.retire(await successor.getAddress()))
        .to.emit(m, "Retired")
        .withArgs(await successor.getAddress(), admin.address);
      expect(await predecessor.paused()).to.equal(true);
      expect(await m.successor()).to.equal(await successor.getAddress());
    });
  });

  describe("takeOverFrom", function () {
    it("by a non-admin reverts with AccessControlUnauthorizedAccount", async function () {
      const { admin, predecessor, stranger } = await loadFixture(successorFixture);
      const fresh = await deployRxTrace(ethers, admin);
      await expect(migrationOf(await fresh.getAddress(), stranger).takeOverFrom(await predecessor.getAddress()))
        .to.be.revertedWithCustomError(fresh, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });

    it("a second time reverts with MigrationPredecessorAlreadySet", async function () {
      const { successor, predecessor, admin } = await loadFixture(successorFixture);
      const m = migrationOf(await successor.getAddress(), admin);
      await expect(m.takeOverFrom(await successor.getAddress()))
        .to.be.revertedWithCustomError(m, "MigrationPredecessorAlreadySet")
        .withArgs(await predecessor.getAddress());
    });

    it("naming itself or an account without code reverts with MigrationInvalidPredecessor", async function () {
      const { admin, stranger } = await loadFixture(successorFixture);
      const fresh = await deployRxTrace(ethers, admin);
      const m = migrationOf(await fresh.getAddress(), admin);
      await expect(m.takeOverFrom(await fresh.getAddress())).to.be.revertedWithCustomError(m, "MigrationInvalidPredecessor").withArgs(await fresh.getAddress());
      await expect(m.takeOverFrom(stranger.address)).to.be.revertedWithCustomError(m, "MigrationInvalidPredecessor").withArgs(stranger.address);
      await expect(m.takeOverFrom(ZeroAddress)).to.be.revertedWithCustomError(m, "MigrationInvalidPredecessor").withArgs(ZeroAddress);
    });

    it("by the admin emits PredecessorSet", async function () {
      const { admin, predecessor } = await loadFixture(successorFixture);
      const fresh = await deployRxTrace(ethers, admin);
      const m = migrationOf(await fresh.getAddress(), admin);
      await expect(m.takeOverFrom(await predecessor.getAddress()))
        .to.emit(m, "PredecessorSet")
        .withArgs(await predecessor.getAddress(), admin.address);
    });
  });

  describe("acts on a retired predecessor", function () {
    it("a hot act (dispense) reverts with EnforcedPause", async function () {
      const { predecessor, pharmacy, batchId, tree, toPharmacy } = await loadFixture(retiredFixture);
      await expect(dispenseFrom(predecessor, pharmacy, batchId, tree, SERIALS[1], toPharmacy)).to.be.revertedWithCustomError(predecessor, "EnforcedPause").withArgs();
    });

    it("unpausing reverts with MigrationRetired: the pause is for good", async function () {
      const { predecessor, successor, pauser } = await loadFixture(retiredFixture);
      await expect(predecessor.connect(pauser).unpause())
        .to.be.revertedWithCustomError(suiteAt(predecessor), "MigrationRetired")
        .withArgs(await successor.getAddress());
    });

    it("a restrictive act a pause leaves working (suspend, a regulator's or the manufacturer's recall) reverts with MigrationRetired", async function () {
      const { predecessor, successor, admin, manufacturer, regulator, distributor, batchId } = await loadFixture(retiredFixture);
      const retiredIn = await successor.getAddress();
      const suite = suiteAt(predecessor);
      await expect(predecessor.connect(admin).suspendPartner(distributor.address, SUSPENSION_REASON))
        .to.be.revertedWithCustomError(suite, "MigrationRetired")
        .withArgs(retiredIn);
      await expect(predecessor.connect(regulator).recall(batchId, 1, RECALL_HASH, RECALL_URI)).to.be.revertedWithCustomError(suite, "MigrationRetired").withArgs(retiredIn);
      await expect(predecessor.connect(manufacturer).recall(batchId, 1, RECALL_HASH, RECALL_URI)).to.be.revertedWithCustomError(suite, "MigrationRetired").withArgs(retiredIn);
    });

    it("adopting on a retired successor (a later migration) reverts with MigrationRetired", async function () {
      const { successor, admin, stranger, manufacturer } = await loadFixture(retiredFixture);
      const third = await deployRxTrace(ethers, admin, { predecessor: await successor.getAddress() });
      await migrationOf(await successor.getAddress(), admin).retire(await third.getAddress());
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(manufacturer.address)).to.be.revertedWithCustomError(m, "MigrationRetired").withArgs(await third.getAddress());
    });
  });

  describe("dispensing on the successor a pack dispensed on the predecessor", function () {
    it("reverts with DispensePackAlreadyDispensed even when the leg still has packs to serve", async function () {
      const { successor, pharmacy, batchId, tree, toPharmacy } = await loadFixture(migratedFixture);
      await expect(dispenseFrom(successor, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
        .to.be.revertedWithCustomError(successor, "DispensePackAlreadyDispensed")
        .withArgs(batchId, serialToBytes32(SERIALS[0]));
      const [verdict] = await successor.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), pharmacy.address);
      expect(verdict).to.equal(Verdict.AlreadyDispensed);
    });
  });

  describe("running rx:migrate before the predecessor is retired", function () {
    it("refuses before sending anything, naming the missing step", async function () {
      const { successor, stranger } = await loadFixture(successorFixture);
      await expect(migrate(await successor.getAddress(), stranger)).to.be.rejectedWith(/is not retired in favour of .* its admin \(the timelock\) calls retire/);
    });
  });
});
