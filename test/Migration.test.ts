/**
 * Issue 12's migration, done when: "a migration after which a pack dispensed before reads ALREADY DISPENSED and stock
 * moves on", with real state (partners, stock in transit, dispensed packs, a recalled lot, a sealed case).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { deployRxTrace } from "../src/chain/deploy";
import { lineageOf, migrate, migrationOf, MigrationRecord } from "../src/chain/migrate";
import { Verdict } from "../src/domain/enums";
import { serialToBytes32 } from "../src/domain/ids";
import { GTIN } from "../src/scenario/scenario";
import { CaseStatus, claimOf, COMMISSIONED, commissionInput, dispenseFrom, GOOD_LEG, holdingRecord, LOT, SERIALS } from "./fixtures";
import type { PartnerStructOutput } from "../typechain-types/contracts/RxTrace";
import { CASE_SERIALS, CASE_SSCC, migratedFixture, RECALLED_LOT, suiteAt } from "./migration-fixtures";

/** A Partner as a plain object, for deep equality. */
function partnerRecord(p: PartnerStructOutput) {
  return { role: p.role, suspended: p.suspended, licenceExpiry: p.licenceExpiry, gln: p.gln, prefixLengths: p.prefixLengths, nonce: p.nonce };
}

describe("Migration", function () {
  describe("after a migration", function () {
    describe("a pack dispensed on the predecessor", function () {
      it("reads ALREADY DISPENSED on the successor", async function () {
        const { rx, tree } = await loadFixture(migratedFixture);
        const [verdict] = await rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), ZeroAddress);
        expect(verdict).to.equal(Verdict.AlreadyDispensed);
      });

      it("is dispensed on the successor as isDispensed says", async function () {
        const { rx, batchId } = await loadFixture(migratedFixture);
        expect(await rx.isDispensed(batchId, serialToBytes32(SERIALS[0]))).to.equal(true);
        expect(await rx.isDispensed(batchId, serialToBytes32(SERIALS[1]))).to.equal(false);
      });

      it("cannot be dispensed a second time: reverts with DispensePackAlreadyDispensed", async function () {
        const { rx, pharmacy, batchId, tree, toPharmacy } = await loadFixture(migratedFixture);
        await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
          .to.be.revertedWithCustomError(rx, "DispensePackAlreadyDispensed")
          .withArgs(batchId, serialToBytes32(SERIALS[0]));
      });
    });

    describe("stock moves on", function () {
      it("the pharmacy dispenses another pack of the leg it received on the predecessor", async function () {
        const { rx, pharmacy, batchId, tree, toPharmacy } = await loadFixture(migratedFixture);
        await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[1], toPharmacy))
          .to.emit(rx, "PackDispensed")
          .withArgs(batchId, serialToBytes32(SERIALS[1]), pharmacy.address);
        expect(holdingRecord(await rx.holding(batchId, pharmacy.address))).to.deep.include({ saleable: 18n, dispensed: 2n });
      });

      it("distributor2 receives the shipment that was in transit", async function () {
        const { rx, distributor2, batchId, inTransit } = await loadFixture(migratedFixture);
        await expect(rx.connect(distributor2).receiveShipment(inTransit.shipment, GOOD_LEG))
          .to.emit(rx, "Received")
          .withArgs(inTransit.shipmentId, batchId, distributor2.address, inTransit.shipment.sender, 10n, Object.values(GOOD_LEG), false);
        expect((await rx.holding(batchId, distributor2.address)).saleable).to.equal(10n);
      });

      it("the distributor ships on what it held on the predecessor, with its next shipment nonce", async function () {
        const { rx, distributor, distributor2, batchId } = await loadFixture(migratedFixture);
        const { saleable, shipments } = await rx.holding(batchId, distributor.address);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, saleable))
          .to.emit(rx, "Shipped")
          .withArgs(anyValue, batchId, distributor.address, distributor2.address, saleable, shipments, false);
      });

      it("the manufacturer commissions a new lot under its adopted prefix", async function () {
        const { rx, manufacturer } = await loadFixture(migratedFixture);
        const { input } = await commissionInput({ lot: "N25-0001" });
        await expect(rx.connect(manufacturer).commissionBatch(input)).to.emit(rx, "BatchCommissioned");
      });

      it("a lot of the predecessor cannot be commissioned again: reverts with BatchAlreadyCommissioned", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(migratedFixture);
        const { input } = await commissionInput();
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchAlreadyCommissioned")
          .withArgs(batchId);
      });
    });

    describe("the copy", function () {
      it("holds every partner's record and GLN as the predecessor does", async function () {
        const { rx, predecessor, accounts } = await loadFixture(migratedFixture);
        for (const account of Object.values(accounts)) {
          const here = await rx.partner(account.address);
          expect(partnerRecord(here)).to.deep.equal(partnerRecord(await predecessor.partner(account.address)));
          expect(await rx.accountOfGln(here.gln)).to.equal(account.address);
        }
        expect(await rx.companyPrefixOwner("0312345")).to.equal(accounts.manufacturer.address);
      });

      it("holds every holding of both lots as the predecessor does", async function () {
        const { rx, predecessor, accounts, batchId, recalledId } = await loadFixture(migratedFixture);
        for (const id of [batchId, recalledId]) {
          for (const account of Object.values(accounts)) {
            expect(holdingRecord(await rx.holding(id, account.address))).to.deep.equal(holdingRecord(await predecessor.holding(id, account.address)));
          }
        }
        const total = await Promise.all(Object.values(accounts).map((a) => rx.holding(batchId, a.address)));
        // 10 units in transit belong to nobody's stock.
        expect(total.reduce((sum, h) => sum + h.saleable + h.dispensed, 0n)).to.equal(COMMISSIONED - 10n);
      });

      it("keeps the recalled lot recalled: verifyPack says RECALLED and it cannot move forward", async function () {
        const { rx, distributor, pharmacy, recalledId, tree } = await loadFixture(migratedFixture);
        const [verdict] = await rx.verifyPack(GTIN, RECALLED_LOT, serialToBytes32(SERIALS[50]), tree.proof(SERIALS[50]), ZeroAddress);
        expect(verdict).to.equal(Verdict.Recalled);
        await expect(rx.connect(distributor).ship(recalledId, pharmacy.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchUnderRecall")
          .withArgs(recalledId, 2);
      });

      it("keeps the regulator's recall open to another regulator's reversal", async function () {
        const { rx, predecessor, recalledId } = await loadFixture(migratedFixture);
        const here = (await suiteAt(rx).finalDecision(recalledId, 1)).toObject();
        expect(here).to.deep.equal((await suiteAt(predecessor).finalDecision(recalledId, 1)).toObject());
        expect(here.at).to.not.equal(0n);
      });

      it("keeps the sealed case sealed: the distributor opens it with the same contents", async function () {
        const { rx, distributor, batchId, caseContents } = await loadFixture(migratedFixture);
        expect(await rx.caseStatus(CASE_SSCC)).to.equal(CaseStatus.Sealed);
        await expect(rx.connect(distributor).openCase(CASE_SSCC, batchId, caseContents.contents, BigInt(CASE_SERIALS.length)))
          .to.emit(rx, "CaseOpened")
          .withArgs(CASE_SSCC, batchId, distributor.address);
      });

      it("marks the adopted batches ADOPTED (flag 16) beside their own flags", async function () {
        const { rx, batchId, recalledId } = await loadFixture(migratedFixture);
        expect((await rx.batch(batchId)).flags).to.equal(16n);
        expect((await rx.batch(recalledId)).flags).to.equal(16n | 1n);
      });
    });

    describe("rx:migrate run again", function () {
      it("adopts nothing and counts every record as adopted already", async function () {
        const { rx, stranger, report } = await loadFixture(migratedFixture);
        const again = await migrate(rx.target as string, stranger);
        expect(Object.values(again.adopted)).to.deep.equal([0, 0, 0, 0, 0, 0]);
        expect(again.already).to.deep.equal(report.adopted);
      });

      it("adopted every partner, prefix, batch, holding, live shipment and case of the predecessor", async function () {
        const { report } = await loadFixture(migratedFixture);
        // 7 partners; 4 prefixes; 2 lots; holdings with stock (lot 1: manufacturer, distributor, pharmacy, pharmacy2;
        // lot 2: manufacturer, distributor); the shipment in transit and the two received pack legs; one case. The
        // settled lot-level legs are absent on the predecessor (deleted at receipt), as is distributor2's empty holding.
        expect(report.adopted).to.deep.equal({ partners: 7, prefixes: 4, batches: 2, holdings: 6, shipments: 3, cases: 1 });
        expect(report.absent.shipments).to.equal(2);
      });
    });

    describe("the lineage", function () {
      it("leads from the predecessor's address to the successor", async function () {
        const { rx, predecessor, admin } = await loadFixture(migratedFixture);
        const old = await predecessor.getAddress();
        expect(await lineageOf(old, admin)).to.deep.equal([old, await rx.getAddress()]);
        expect(await migrationOf(await rx.getAddress(), admin).predecessor()).to.equal(old);
      });

      it("the predecessor's views keep answering: the pack reads ALREADY DISPENSED there too", async function () {
        const { predecessor, tree } = await loadFixture(migratedFixture);
        const [verdict] = await predecessor.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), ZeroAddress);
        expect(verdict).to.equal(Verdict.AlreadyDispensed);
      });
    });
  });

  describe("a second migration (three deployments)", function () {
    it("a pack dispensed on the first reads ALREADY DISPENSED on the third, and cannot be dispensed there", async function () {
      const { rx, admin, stranger, pharmacy, batchId, tree, toPharmacy } = await loadFixture(migratedFixture);
      const third = await deployRxTrace(ethers, admin, { predecessor: await rx.getAddress() });
      await migrationOf(await rx.getAddress(), admin).retire(await third.getAddress());
      const report = await migrate(await third.getAddress(), stranger);
      expect(report.adopted.batches).to.equal(2);
      await third.connect(admin).unpause();
      const [verdict] = await third.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), ZeroAddress);
      expect(verdict).to.equal(Verdict.AlreadyDispensed);
      await expect(third.connect(pharmacy).dispense(batchId, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), claimOf(toPharmacy, SERIALS[0])))
        .to.be.revertedWithCustomError(third, "DispensePackAlreadyDispensed")
        .withArgs(batchId, serialToBytes32(SERIALS[0]));
      await expect(dispenseFrom(third, pharmacy, batchId, tree, SERIALS[2], toPharmacy)).to.emit(third, "PackDispensed");
    });
  });

  describe("isAdopted", function () {
    it("names each adopted record by kind, id and account", async function () {
      const { rx, admin, manufacturer, batchId } = await loadFixture(migratedFixture);
      const m = migrationOf(await rx.getAddress(), admin);
      expect(await m.isAdopted(MigrationRecord.Partner, ethers.ZeroHash, manufacturer.address)).to.equal(true);
      expect(await m.isAdopted(MigrationRecord.Batch, batchId, ZeroAddress)).to.equal(true);
      expect(await m.isAdopted(MigrationRecord.Holding, batchId, manufacturer.address)).to.equal(true);
      expect(await m.isAdopted(MigrationRecord.Holding, batchId, admin.address)).to.equal(false);
    });
  });
});
