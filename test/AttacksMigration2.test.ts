/**
 * A second round of attacks on the migration (issue 12), by a dishonest partner, a counterfeiter, a griefer, a
 * front-runner and a careless or malicious admin: counterfeiting across the two deployments (a lot of the predecessor
 * commissioned again on the successor, stock poured into a lot of the successor's own), double spending (stock moved,
 * received or dispensed on both), unsafe stock adopted as clean, ordering and front-running of the adoptions, forged
 * predecessors and successors, and what an old address answers. Each attack fails with a named error and leaves the
 * state as it was, beside the legitimate path; what remains possible is in docs/limitations.md#migration, with a test
 * showing the current behaviour.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { deployRxSettlement, deployRxTrace } from "../src/chain/deploy";
import { invoiceIdOf, text32 } from "../src/domain/invoice";
import { lineageOf, migrate, migrationOf, MigrationRecord } from "../src/chain/migrate";
import { batchIdOf, serialToBytes32 } from "../src/domain/ids";
import { Role, Standing, Verdict } from "../src/domain/enums";
import { GTIN } from "../src/scenario/scenario";
import { ICorrections__factory } from "../typechain-types";
import { readDomain, signAuthorization, type SignedOperation } from "../src/signing/typed-data";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  claimOf,
  commissionInput,
  DAY,
  dispenseFrom,
  GOOD_LEG,
  holdingRecord,
  LICENCE_REF,
  LOT,
  NO_STOCK,
  SERIALS,
  SUSPENSION_REASON,
  shipFrom,
  shipPacksFrom,
  WARM_LEG,
} from "./fixtures";
import { retiredFixture, successorFixture, suiteAt } from "./migration-fixtures";

const SUSPECT_LOT = "S24-0003";
const UNTOUCHED_LOT = "U24-0004";
const PREFIX = "0312345";

/**
 * The predecessor with unsafe stock besides predecessorFixture's: distributor2 holds 5 quarantined units of the lot
 * (warm leg), a third lot is on hold as suspect on the distributor's flag, a fourth lot is still all at its
 * manufacturer, pharmacy2 is suspended; then retired, migrated by a stranger, and the successor unpaused.
 */
async function unsafeMigratedFixture() {
  const base = await loadFixture(successorFixture);
  const { predecessor: rx, admin, manufacturer, distributor, distributor2, pharmacy2, batchId } = base;
  const warm = await shipFrom(rx, manufacturer, batchId, distributor2.address, 5n);
  await rx.connect(distributor2).receiveShipment(warm.shipment, WARM_LEG);
  await rx.connect(manufacturer).commissionBatch((await commissionInput({ lot: SUSPECT_LOT, quantity: 10n })).input);
  const suspectId = batchIdOf(GTIN, SUSPECT_LOT);
  const toDistributor = await shipFrom(rx, manufacturer, suspectId, distributor.address, 5n);
  await rx.connect(distributor).receiveShipment(toDistributor.shipment, GOOD_LEG);
  await rx.connect(distributor).flagSuspect(suspectId, ethers.id("odd packaging"));
  await rx.connect(manufacturer).commissionBatch((await commissionInput({ lot: UNTOUCHED_LOT, quantity: 10n })).input);
  await rx.connect(admin).suspendPartner(pharmacy2.address, SUSPENSION_REASON);
  await migrationOf(await rx.getAddress(), admin).retire(await base.successor.getAddress());
  await migrate(await base.successor.getAddress(), base.stranger);
  await base.successor.connect(admin).unpause();
  return { ...base, suspectId, untouchedId: batchIdOf(GTIN, UNTOUCHED_LOT) };
}

/** A live suite with the predecessor's lot commissioned under the same GTIN + lot by the same manufacturer, then
 * told to take over from the predecessor, which retires in its favour. */
async function twinLotFixture() {
  const base = await loadFixture(successorFixture);
  const { predecessor, admin, manufacturer } = base;
  const twin = await deployRxTrace(ethers, admin);
  const p = await predecessor.partner(manufacturer.address);
  await twin.connect(admin).onboardPartner(manufacturer.address, Role.Manufacturer, p.gln, LICENCE_REF, p.licenceExpiry, "Acme Pharma");
  await twin.connect(admin).assignCompanyPrefix(manufacturer.address, PREFIX);
  await twin.connect(manufacturer).commissionBatch((await commissionInput({ quantity: 7n })).input);
  await migrationOf(await twin.getAddress(), admin).takeOverFrom(await predecessor.getAddress());
  // successorFixture's successor also names the predecessor; the predecessor's admin chooses the twin.
  await migrationOf(await predecessor.getAddress(), admin).retire(await twin.getAddress());
  return { ...base, twin };
}

describe("Attacks on the migration, second round", function () {
  describe("a lot of the predecessor commissioned again on the successor before it is adopted", function () {
    it("reverts with BatchAlreadyCommissioned: the dispensed packs cannot come back as GENUINE", async function () {
      const { successor, admin, stranger, manufacturer, batchId } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptPartner(manufacturer.address);
      await m.adoptCompanyPrefix(PREFIX);
      // The pauser unpauses before rx:migrate is done; the manufacturer re-commissions its lot with the same serials.
      await successor.connect(admin).unpause();
      const { input } = await commissionInput();
      await expect(successor.connect(manufacturer).commissionBatch(input))
        .to.be.revertedWithCustomError(successor, "BatchAlreadyCommissioned")
        .withArgs(batchId);
      expect((await successor.batch(batchId)).expiry).to.equal(0n);
    });

    it("the legitimate path: the lot is adopted and its dispensed pack reads ALREADY DISPENSED; a new lot commissions", async function () {
      const { successor, admin, stranger, manufacturer, batchId, tree } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptPartner(manufacturer.address);
      await m.adoptCompanyPrefix(PREFIX);
      await successor.connect(admin).unpause();
      await expect(m.adoptBatch(batchId)).to.emit(m, "BatchAdopted");
      const [verdict] = await successor.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), ZeroAddress);
      expect(verdict).to.equal(Verdict.AlreadyDispensed);
      const { input } = await commissionInput({ lot: "N25-0001" });
      await expect(successor.connect(manufacturer).commissionBatch(input)).to.emit(successor, "BatchCommissioned");
    });
  });

  describe("the predecessor's stock poured into a lot of the same id commissioned on the successor beforehand", function () {
    it("adopting a holding reverts with MigrationBatchNotAdopted (the lot here is another lot), the holding untouched", async function () {
      const { twin, stranger, distributor, batchId } = await loadFixture(twinLotFixture);
      const m = migrationOf(await twin.getAddress(), stranger);
      await m.adoptPartner(distributor.address);
      await expect(m.adoptBatch(batchId)).to.be.revertedWithCustomError(twin, "BatchAlreadyCommissioned").withArgs(batchId);
      await expect(m.adoptHolding(batchId, distributor.address)).to.be.revertedWithCustomError(m, "MigrationBatchNotAdopted").withArgs(batchId);
      expect(holdingRecord(await twin.holding(batchId, distributor.address))).to.deep.equal(NO_STOCK);
    });

    it("adopting a shipment in transit reverts with MigrationBatchNotAdopted: its receiver cannot receive it here", async function () {
      const { twin, stranger, batchId, inTransit } = await loadFixture(twinLotFixture);
      const m = migrationOf(await twin.getAddress(), stranger);
      await expect(m.adoptShipment(inTransit.shipment)).to.be.revertedWithCustomError(m, "MigrationBatchNotAdopted").withArgs(batchId);
      expect((await twin.shipment(inTransit.shipmentId)).status).to.equal(0n);
    });

    it("the legitimate path: a holding of an adopted lot is adopted", async function () {
      const { twin, stranger, distributor, recalledId } = await loadFixture(twinLotFixture);
      const m = migrationOf(await twin.getAddress(), stranger);
      await m.adoptBatch(recalledId);
      await expect(m.adoptHolding(recalledId, distributor.address)).to.emit(m, "HoldingAdopted");
      expect((await twin.holding(recalledId, distributor.address)).saleable).to.equal(20n);
    });
  });

  describe("double spending across the two deployments", function () {
    it("the shipment in transit cannot be received, nor stock shipped, on the retired predecessor: EnforcedPause", async function () {
      const { predecessor, distributor, distributor2, pharmacy2, batchId, inTransit } = await loadFixture(retiredFixture);
      const before = holdingRecord(await predecessor.holding(batchId, distributor.address));
      await expect(predecessor.connect(distributor2).receiveShipment(inTransit.shipment, GOOD_LEG)).to.be.revertedWithCustomError(predecessor, "EnforcedPause");
      await expect(predecessor.connect(distributor).ship(batchId, pharmacy2.address, 1n)).to.be.revertedWithCustomError(predecessor, "EnforcedPause");
      await expect(predecessor.connect(distributor2).rejectShipment(inTransit.shipment, 0, ZeroHash, GOOD_LEG)).to.be.revertedWithCustomError(
        predecessor,
        "EnforcedPause",
      );
      expect(holdingRecord(await predecessor.holding(batchId, distributor.address))).to.deep.equal(before);
      expect((await predecessor.shipment(inTransit.shipmentId)).status).to.equal(1n);
    });

    it("the legitimate path: it is received once, on the successor", async function () {
      const { successor, admin, stranger, distributor2, batchId, inTransit } = await loadFixture(retiredFixture);
      await migrate(await successor.getAddress(), stranger);
      await successor.connect(admin).unpause();
      await expect(successor.connect(distributor2).receiveShipment(inTransit.shipment, GOOD_LEG)).to.emit(successor, "Received");
      await expect(successor.connect(distributor2).receiveShipment(inTransit.shipment, GOOD_LEG))
        .to.be.revertedWithCustomError(successor, "CustodyShipmentNotInTransit")
        .withArgs(inTransit.shipmentId);
      expect((await successor.holding(batchId, distributor2.address)).saleable).to.equal(10n);
    });

    it("a pack dispensed on the predecessor reads ALREADY DISPENSED in the pharmacy's custody check on the successor", async function () {
      const { successor, admin, stranger, pharmacy, tree, toPharmacy } = await loadFixture(retiredFixture);
      await migrate(await successor.getAddress(), stranger);
      await successor.connect(admin).unpause();
      const check = (serial: string) =>
        successor.verifyPackInCustody(GTIN, LOT, serialToBytes32(serial), tree.proof(serial), pharmacy.address, claimOf(toPharmacy, serial));
      expect((await check(SERIALS[0]))[0]).to.equal(Verdict.AlreadyDispensed);
      // The legitimate path: a pack of the same leg not dispensed is genuine and in the pharmacy's custody.
      expect((await check(SERIALS[1]))[0]).to.equal(Verdict.Genuine);
    });
  });

  describe("a signature made for the predecessor replayed on the successor", function () {
    it("reverts with SignatureInvalidSigner (EIP-712 names the suite), though the nonce was copied; the stock stays", async function () {
      const { successor, predecessor, admin, stranger, distributor, distributor2, batchId } = await loadFixture(retiredFixture);
      await migrate(await successor.getAddress(), stranger);
      await successor.connect(admin).unpause();
      const nonce = (await successor.partner(distributor.address)).nonce;
      const deadline = BigInt((await time.latest()) + 3600);
      const op: SignedOperation = {
        kind: "ship",
        message: { sender: distributor.address, batchId, receiver: distributor2.address, quantity: 5n, manifest: ZeroHash, nonce, deadline },
      };
      const old = await signAuthorization(distributor, await readDomain(predecessor), op);
      const before = holdingRecord(await successor.holding(batchId, distributor.address));
      await expect(successor.connect(stranger).shipSigned(distributor.address, batchId, distributor2.address, 5n, ZeroHash, old))
        .to.be.revertedWithCustomError(successor, "SignatureInvalidSigner")
        .withArgs(distributor.address, anyValue);
      expect(holdingRecord(await successor.holding(batchId, distributor.address))).to.deep.equal(before);
      // The legitimate path: signed for the successor, the same operation ships.
      const fresh = await signAuthorization(distributor, await readDomain(successor), op);
      await expect(successor.connect(stranger).shipSigned(distributor.address, batchId, distributor2.address, 5n, ZeroHash, fresh)).to.emit(successor, "Shipped");
    });
  });

  describe("unsafe stock adopted", function () {
    it("quarantined units stay quarantined: shipping them reverts with CustodyInsufficientSaleable", async function () {
      const { successor, predecessor, distributor2, pharmacy, batchId, tree } = await loadFixture(unsafeMigratedFixture);
      const held = holdingRecord(await successor.holding(batchId, distributor2.address));
      expect(held).to.deep.equal(holdingRecord(await predecessor.holding(batchId, distributor2.address)));
      expect(held).to.deep.include({ saleable: 0n, quarantined: 5n });
      await expect(successor.connect(distributor2).shipPacks(batchId, pharmacy.address, 1n, ethers.id("a manifest")))
        .to.be.revertedWithCustomError(successor, "CustodyInsufficientSaleable")
        .withArgs(batchId, distributor2.address, 0n, 1n);
      const [verdict] = await successor.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[40]), tree.proof(SERIALS[40]), distributor2.address);
      expect(verdict).to.equal(Verdict.Quarantined);
    });

    it("a lot on hold as suspect stays on hold: shipping reverts with BatchOnHold; the flagger's one flag stays used", async function () {
      const { successor, predecessor, distributor, pharmacy, suspectId } = await loadFixture(unsafeMigratedFixture);
      const [here, there] = [await successor.suspectHold(suspectId), await predecessor.suspectHold(suspectId)];
      expect([here.by, here.lapsesAt]).to.deep.equal([there.by, there.lapsesAt]);
      expect(here.lapsesAt).to.not.equal(0n);
      await expect(successor.connect(distributor).ship(suspectId, pharmacy.address, 1n)).to.be.revertedWithCustomError(successor, "BatchOnHold").withArgs(suspectId);
      expect(await suiteAt(successor).hasFlaggedSuspect(suspectId, distributor.address)).to.equal(true);
    });

    it("a suspended partner stays suspended: it cannot dispense its adopted packs (PartnerNotAuthorized)", async function () {
      const { successor, admin, pharmacy2, batchId, tree, toPharmacy2 } = await loadFixture(unsafeMigratedFixture);
      expect(await successor.standing(pharmacy2.address)).to.equal(Standing.Suspended);
      await expect(dispenseFrom(successor, pharmacy2, batchId, tree, SERIALS[20], toPharmacy2))
        .to.be.revertedWithCustomError(successor, "PartnerNotAuthorized")
        .withArgs(pharmacy2.address, Standing.Suspended);
      // The legitimate path: reinstated by the successor's admin, it dispenses.
      await successor.connect(admin).reinstatePartner(pharmacy2.address);
      await expect(dispenseFrom(successor, pharmacy2, batchId, tree, SERIALS[20], toPharmacy2)).to.emit(successor, "PackDispensed");
    });

    it("an adopted lot cannot be superseded, even all at its manufacturer (SupersedeAfterMovement): ADOPTED stays", async function () {
      const { successor, manufacturer, distributor, untouchedId } = await loadFixture(unsafeMigratedFixture);
      const { input } = await commissionInput({ lot: UNTOUCHED_LOT, quantity: 9n });
      const corrections = ICorrections__factory.connect(await successor.getAddress(), manufacturer);
      await expect(corrections.supersedeBatch(input))
        .to.be.revertedWithCustomError(corrections, "SupersedeAfterMovement")
        .withArgs(untouchedId, 16n);
      expect((await successor.batch(untouchedId)).flags).to.equal(16n);
      // The legitimate path: it ships on as adopted.
      await expect(successor.connect(manufacturer).ship(untouchedId, distributor.address, 1n)).to.emit(successor, "Shipped");
    });
  });

  describe("ordering and front-running the adoptions", function () {
    it("a holding adopted before its holder's partner record blocks nothing: the partner is adopted after and ships", async function () {
      const { successor, admin, stranger, distributor, distributor2, batchId } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptBatch(batchId);
      await expect(m.adoptHolding(batchId, distributor.address)).to.emit(m, "HoldingAdopted");
      // Until its record is adopted the holder is unknown here: it cannot move the stock.
      await successor.connect(admin).unpause();
      await expect(successor.connect(distributor).ship(batchId, distributor2.address, 1n))
        .to.be.revertedWithCustomError(successor, "PartnerNotAuthorized")
        .withArgs(distributor.address, Standing.Unknown);
      await m.adoptPartner(distributor.address);
      await m.adoptPartner(distributor2.address);
      await expect(successor.connect(distributor).ship(batchId, distributor2.address, 1n)).to.emit(successor, "Shipped");
    });

    it("a front-runner adopting a shipment with a forged quantity gets MigrationNotOnPredecessor and blocks nothing", async function () {
      const { successor, stranger, batchId, inTransit } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptBatch(batchId);
      const forged = { ...inTransit.shipment, quantity: 1000n };
      const forgedId = await successor.shipmentIdOf(forged);
      await expect(m.adoptShipment(forged))
        .to.be.revertedWithCustomError(m, "MigrationNotOnPredecessor")
        .withArgs(MigrationRecord.Shipment, forgedId, ZeroAddress);
      expect(await m.isAdopted(MigrationRecord.Shipment, forgedId, ZeroAddress)).to.equal(false);
      await expect(m.adoptShipment(inTransit.shipment)).to.emit(m, "ShipmentAdopted");
      expect((await successor.shipment(inTransit.shipmentId)).status).to.equal(1n);
    });

    it("a GLN the successor gave to another account keeps the predecessor's partner out (PartnerGlnTaken)", async function () {
      const { successor, predecessor, admin, stranger, distributor2 } = await loadFixture(retiredFixture);
      const p = await predecessor.partner(distributor2.address);
      await successor.connect(admin).unpause();
      await successor.connect(admin).onboardPartner(stranger.address, Role.Distributor, p.gln, LICENCE_REF, p.licenceExpiry, "Squatter");
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.adoptPartner(distributor2.address))
        .to.be.revertedWithCustomError(successor, "PartnerGlnTaken")
        .withArgs(p.gln, stranger.address);
      expect((await successor.partner(distributor2.address)).role).to.equal(0n);
    });
  });

  describe("forged predecessors and successors", function () {
    it("a fake suite that claims the successor as its own cannot feed it: adoption reads the named predecessor only", async function () {
      const { successor, predecessor, stranger } = await loadFixture(successorFixture);
      const fake = await (await ethers.getContractFactory("FakeSuite", stranger)).deploy();
      await fake.setLineage(ZeroAddress, await successor.getAddress());
      await fake.forgePartner(stranger.address, Role.Regulator, 4012345000009n, 4102444800n);
      const m = migrationOf(await successor.getAddress(), stranger);
      await expect(m.takeOverFrom(await fake.getAddress()))
        .to.be.revertedWithCustomError(successor, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ZeroHash);
      await expect(m.adoptPartner(stranger.address))
        .to.be.revertedWithCustomError(m, "MigrationPredecessorNotRetired")
        .withArgs(await predecessor.getAddress(), ZeroAddress);
      expect((await successor.partner(stranger.address)).role).to.equal(0n);
    });

    it("a second successor naming the same predecessor adopts nothing once it retired to the first", async function () {
      const { successor, predecessor, admin, stranger, manufacturer } = await loadFixture(retiredFixture);
      const rival = await deployRxTrace(ethers, stranger, { predecessor: await predecessor.getAddress() });
      const m = migrationOf(await rival.getAddress(), stranger);
      await expect(m.adoptPartner(manufacturer.address))
        .to.be.revertedWithCustomError(m, "MigrationPredecessorNotRetired")
        .withArgs(await predecessor.getAddress(), await successor.getAddress());
      // The legitimate path: the successor it retired to adopts.
      const legit = migrationOf(await successor.getAddress(), admin);
      await expect(legit.adoptPartner(manufacturer.address)).to.emit(legit, "PartnerAdopted");
    });

    it("limitation: a suite whose admin names a fake predecessor adopts its forged records (the naming is the admin's, through its timelock)", async function () {
      const { admin, stranger } = await loadFixture(successorFixture);
      const fake = await (await ethers.getContractFactory("FakeSuite", stranger)).deploy();
      const grafted = await deployRxTrace(ethers, admin, { predecessor: await fake.getAddress() });
      await fake.setLineage(ZeroAddress, await grafted.getAddress());
      await fake.forgePartner(stranger.address, Role.Regulator, 4012345000009n, 4102444800n);
      await expect(migrationOf(await grafted.getAddress(), stranger).adoptPartner(stranger.address)).to.emit(suiteAt(grafted), "PartnerAdopted");
      expect((await grafted.partner(stranger.address)).role).to.equal(BigInt(Role.Regulator));
    });

    it("limitation: the admin may retire a suite to a contract that only claims to be its successor; it stays retired", async function () {
      const { predecessor, admin, stranger } = await loadFixture(successorFixture);
      const fake = await (await ethers.getContractFactory("FakeSuite", stranger)).deploy();
      await fake.setLineage(await predecessor.getAddress(), ZeroAddress);
      await expect(migrationOf(await predecessor.getAddress(), admin).retire(await fake.getAddress())).to.emit(suiteAt(predecessor), "Retired");
      expect(await predecessor.paused()).to.equal(true);
      // Its views keep answering: nothing is lost, a real successor can still read it through a fresh deployment's
      // views, but no suite can adopt from it (only `fake` is its successor).
      expect(await lineageOf(await predecessor.getAddress(), admin)).to.deep.equal([await predecessor.getAddress(), await fake.getAddress()]);
    });
  });

  describe("what an old address and a premature unpause leave open", function () {
    it("limitation: the retired predecessor answers GENUINE for a pack dispensed on the successor; the lineage leads to the answer", async function () {
      const { successor, predecessor, admin, stranger, pharmacy, batchId, tree, toPharmacy } = await loadFixture(retiredFixture);
      await migrate(await successor.getAddress(), stranger);
      await successor.connect(admin).unpause();
      await dispenseFrom(successor, pharmacy, batchId, tree, SERIALS[1], toPharmacy);
      const proof = tree.proof(SERIALS[1]);
      expect((await predecessor.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[1]), proof, ZeroAddress))[0]).to.equal(Verdict.Genuine);
      // What rx:verify and the page ask: the newest suite of the lineage from the recorded (old) address.
      const lineage = await lineageOf(await predecessor.getAddress(), admin);
      expect(lineage).to.deep.equal([await predecessor.getAddress(), await successor.getAddress()]);
      const newest = await ethers.getContractAt("RxTrace", lineage[lineage.length - 1]);
      expect((await newest.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[1]), proof, ZeroAddress))[0]).to.equal(Verdict.AlreadyDispensed);
    });

    it("limitation: unpaused early, a receiver's rejection gives its sender stock here and strands the sender's old holding", async function () {
      const { successor, predecessor, admin, stranger, manufacturer, distributor2, batchId, inTransit } = await loadFixture(retiredFixture);
      const m = migrationOf(await successor.getAddress(), stranger);
      await m.adoptPartner(manufacturer.address);
      await m.adoptPartner(distributor2.address);
      await m.adoptBatch(batchId);
      await m.adoptShipment(inTransit.shipment);
      await successor.connect(admin).unpause();
      await successor.connect(distributor2).rejectShipment(inTransit.shipment, 0, ZeroHash, GOOD_LEG);
      await expect(m.adoptHolding(batchId, manufacturer.address))
        .to.be.revertedWithCustomError(m, "MigrationRecordInUse")
        .withArgs(MigrationRecord.Holding, batchId, manufacturer.address);
      expect((await successor.holding(batchId, manufacturer.address)).saleable).to.equal(10n);
      expect((await predecessor.holding(batchId, manufacturer.address)).saleable).to.equal(30n);
    });

    it("the legitimate order (adopt every record, then unpause) leaves nothing to strand: the rejection returns the units", async function () {
      const { successor, admin, stranger, manufacturer, distributor2, batchId, inTransit } = await loadFixture(retiredFixture);
      await migrate(await successor.getAddress(), stranger);
      await successor.connect(admin).unpause();
      await successor.connect(distributor2).rejectShipment(inTransit.shipment, 0, ZeroHash, GOOD_LEG);
      expect((await successor.holding(batchId, manufacturer.address)).saleable).to.equal(40n);
    });
  });

  describe("payment on delivery across the migration", function () {
    /** An invoice of the distributor to pharmacy2 for 5 packs, bound to their pack leg in transit on the predecessor,
     * which then retires; everything is adopted and the successor unpaused. */
    async function boundInTransitFixture() {
      const base = await loadFixture(successorFixture);
      const { predecessor, admin, distributor, pharmacy2, batchId } = base;
      const settlement = await deployRxSettlement(ethers, admin, await predecessor.getAddress());
      const token = await ethers.deployContract("TestToken", ["Test USD", "TUSD"]);
      await token.mint(pharmacy2.address, 1_000_000n);
      await token.connect(pharmacy2).approve(await settlement.getAddress(), 1_000_000n);
      const terms = {
        invoiceNumber: text32("invoice", "INV-9"),
        customerId: text32("customer", "CUST-9"),
        seller: distributor.address,
        batchId,
        quantity: 5n,
        token: await token.getAddress(),
        pricePerUnit: 1000n,
        deadline: (await time.latest()) + 7 * DAY,
      };
      await settlement.connect(pharmacy2).createInvoice(terms);
      const invoiceId = invoiceIdOf(pharmacy2.address, distributor.address, terms.invoiceNumber);
      const leg = await shipPacksFrom(predecessor, distributor, batchId, pharmacy2.address, SERIALS.slice(40, 45));
      await settlement.connect(distributor).bindShipment(invoiceId, leg.shipment);
      await migrationOf(await predecessor.getAddress(), admin).retire(await base.successor.getAddress());
      await migrate(await base.successor.getAddress(), base.stranger);
      await base.successor.connect(admin).unpause();
      return { ...base, settlement, token, invoiceId, leg };
    }

    it("the leg received on the successor pays the seller (the settlement follows the lineage); no second payment", async function () {
      const { successor, settlement, token, distributor, pharmacy2, invoiceId, leg } = await loadFixture(boundInTransitFixture);
      await expect(settlement.settle(invoiceId)).to.be.revertedWithCustomError(settlement, "SettlementOutcomePending").withArgs(invoiceId);
      await successor.connect(pharmacy2).receiveShipment(leg.shipment, GOOD_LEG);
      expect((await settlement.shipmentStatusOf(invoiceId))[1]).to.equal(3n);
      await expect(settlement.connect(distributor).claim(invoiceId, distributor.address)).to.emit(settlement, "InvoiceClaimed");
      expect(await token.balanceOf(distributor.address)).to.equal(5000n);
      await expect(settlement.connect(pharmacy2).claim(invoiceId, pharmacy2.address))
        .to.be.revertedWithCustomError(settlement, "SettlementNothingDue")
        .withArgs(invoiceId, pharmacy2.address);
    });

    it("a buyer who rejects the leg on the successor is refunded, and cannot also be paid for by a receipt", async function () {
      const { successor, settlement, token, distributor, pharmacy2, invoiceId, leg } = await loadFixture(boundInTransitFixture);
      await successor.connect(pharmacy2).rejectShipment(leg.shipment, 0, ZeroHash, GOOD_LEG);
      await expect(settlement.connect(distributor).claim(invoiceId, distributor.address))
        .to.be.revertedWithCustomError(settlement, "SettlementNothingDue")
        .withArgs(invoiceId, distributor.address);
      await expect(settlement.connect(pharmacy2).claim(invoiceId, pharmacy2.address)).to.emit(settlement, "InvoiceClaimed");
      expect(await token.balanceOf(pharmacy2.address)).to.equal(1_000_000n);
      await expect(successor.connect(pharmacy2).receiveShipment(leg.shipment, GOOD_LEG))
        .to.be.revertedWithCustomError(successor, "CustodyShipmentNotInTransit")
        .withArgs(leg.shipmentId);
    });
  });
});
