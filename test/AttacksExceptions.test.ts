/**
 * Attacks on delivery exceptions (issue 15): settling a dispute twice, by a stranger, by one party where both must
 * agree, a sender taking disputed units back on its own word, a receiver stretching a partial pack leg, and the
 * settlement paid for units still in dispute. Each attack fails with a named error; the legitimate path is beside it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash } from "ethers";
import { IExceptions__factory } from "../typechain-types";
import { ExceptionReason, ExceptionStatus, Standing } from "../src/domain/enums";
import { InvoiceOutcome } from "../src/domain/invoice";
import { ManifestTree } from "../src/manifests/manifest";
import {
  batchFixture,
  GOOD_LEG,
  PHARMACY_SERIALS,
  shipFrom,
  shipPacksFrom,
  SUSPENSION_REASON,
} from "./fixtures";
import { createFrom, PRICE, settlementFixture, termsOf } from "./settlement-fixtures";

const EVIDENCE = ethers.id("delivery note: 1 case short");

/** The distributor accepted 15 of 16 units from the manufacturer; one is disputed. */
async function disputedFixture() {
  const base = await loadFixture(batchFixture);
  const ex = IExceptions__factory.connect(await base.rx.getAddress(), base.distributor);
  const sent = await shipFrom(base.rx, base.manufacturer, base.batchId, base.distributor.address, 16n);
  await ex.receivePartial(sent.shipment, 15n, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG);
  return { ...base, ex, ...sent };
}

/** An invoice for the pharmacy's 20 packs, bound to the pack leg; the pharmacy accepted 18 of them. */
async function invoicedPartialFixture() {
  const c = await loadFixture(settlementFixture);
  const ex = IExceptions__factory.connect(await c.rx.getAddress(), c.pharmacy);
  const invoiceId = await createFrom(c, c.pharmacy, await termsOf(c, "INV-EX-1"));
  const leg = await shipPacksFrom(c.rx, c.distributor, c.batchId, c.pharmacy.address, PHARMACY_SERIALS);
  await c.settlement.connect(c.distributor).bindShipment(invoiceId, leg.shipment);
  const disputed = ManifestTree.of(PHARMACY_SERIALS.slice(18), []).root;
  await ex.receivePartial(leg.shipment, 18n, ExceptionReason.Damaged, EVIDENCE, disputed, GOOD_LEG);
  return { ...c, ex, invoiceId, leg };
}

describe("Attacks on delivery exceptions", function () {
  describe("a receiver settling a dispute twice", function () {
    it("declares found once (legitimate), then reverts with ExceptionNotOpen: the unit is not credited twice", async function () {
      const { rx, ex, shipment, shipmentId, batchId, distributor } = await loadFixture(disputedFixture);
      await ex.declareFound(shipment);
      await expect(ex.declareFound(shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionNotOpen")
        .withArgs(shipmentId, ExceptionStatus.Found);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(16n);
    });

    it("after found, cannot also have the unit written off or returned (ExceptionNotOpen)", async function () {
      const { rx, ex, shipment, shipmentId, manufacturer, regulator } = await loadFixture(disputedFixture);
      await ex.declareFound(shipment);
      await expect(ex.connect(manufacturer).declareReturned(shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionNotOpen")
        .withArgs(shipmentId, ExceptionStatus.Found);
      await expect(ex.connect(regulator).closeException(shipment, ExceptionStatus.Returned, ZeroHash))
        .to.be.revertedWithCustomError(rx, "ExceptionNotOpen")
        .withArgs(shipmentId, ExceptionStatus.Found);
    });
  });

  describe("a stranger settling a dispute", function () {
    it("reverts with ExceptionNotParty when it agrees the units are lost", async function () {
      const { rx, ex, shipment, shipmentId, stranger } = await loadFixture(disputedFixture);
      await expect(ex.connect(stranger).agreeLost(shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionNotParty")
        .withArgs(shipmentId, stranger.address);
    });

    it("reverts with CustodyNotReceiver when it declares them found (into the receiver's stock)", async function () {
      const { rx, ex, shipment, shipmentId, pharmacy, distributor } = await loadFixture(disputedFixture);
      await expect(ex.connect(pharmacy).declareFound(shipment))
        .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
        .withArgs(shipmentId, pharmacy.address, distributor.address);
    });

    it("reverts with PartnerWrongRole when a partner other than a regulator closes it", async function () {
      const { rx, ex, shipment, pharmacy } = await loadFixture(disputedFixture);
      await expect(ex.connect(pharmacy).closeException(shipment, ExceptionStatus.Lost, ZeroHash))
        .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
        .withArgs(pharmacy.address, 3n, 4n);
    });

    it("reverts with PartnerNotAuthorized when an account never onboarded closes it", async function () {
      const { rx, ex, shipment, stranger } = await loadFixture(disputedFixture);
      await expect(ex.connect(stranger).closeException(shipment, ExceptionStatus.Found, ZeroHash))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(stranger.address, Standing.Unknown);
    });
  });

  describe("a sender writing off alone", function () {
    it("only proposes: the dispute stays open, and a second call reverts with ExceptionAlreadyProposed", async function () {
      const { rx, ex, shipment, shipmentId, manufacturer } = await loadFixture(disputedFixture);
      await ex.connect(manufacturer).agreeLost(shipment);
      await expect(ex.connect(manufacturer).agreeLost(shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionAlreadyProposed")
        .withArgs(shipmentId, manufacturer.address, ExceptionStatus.Lost);
      expect((await ex.deliveryException(shipmentId)).status).to.equal(ExceptionStatus.Open);
    });

    it("a receiver that agreed lost cannot agree twice to pass for both (ExceptionAlreadyProposed)", async function () {
      const { rx, ex, shipment, shipmentId, distributor } = await loadFixture(disputedFixture);
      await ex.agreeLost(shipment);
      await expect(ex.agreeLost(shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionAlreadyProposed")
        .withArgs(shipmentId, distributor.address, ExceptionStatus.Lost);
    });
  });

  describe("a sender taking the disputed units back on its own word", function () {
    it("cannot confirm its own return (CustodyNotReceiver)", async function () {
      const { rx, ex, shipment, shipmentId, manufacturer, distributor } = await loadFixture(disputedFixture);
      await ex.connect(manufacturer).declareReturned(shipment);
      await expect(ex.connect(manufacturer).confirmReturn(shipment))
        .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
        .withArgs(shipmentId, manufacturer.address, distributor.address);
      expect((await rx.holding(shipment.batchId, manufacturer.address)).quarantined).to.equal(0n);
    });

    it("declares once only (ExceptionAlreadyProposed)", async function () {
      const { rx, ex, shipment, shipmentId, manufacturer } = await loadFixture(disputedFixture);
      await ex.connect(manufacturer).declareReturned(shipment);
      await expect(ex.connect(manufacturer).declareReturned(shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionAlreadyProposed")
        .withArgs(shipmentId, manufacturer.address, ExceptionStatus.Returned);
    });

    it("the receiver cannot declare a return for the sender (CustodyNotSender) nor confirm one not declared (ExceptionReturnNotDeclared)", async function () {
      const { rx, ex, shipment, shipmentId, distributor, manufacturer } = await loadFixture(disputedFixture);
      await expect(ex.declareReturned(shipment))
        .to.be.revertedWithCustomError(rx, "CustodyNotSender")
        .withArgs(shipmentId, distributor.address, manufacturer.address);
      await expect(ex.confirmReturn(shipment)).to.be.revertedWithCustomError(rx, "ExceptionReturnNotDeclared").withArgs(shipmentId);
    });

    it("a regulator confirms the declared return when the receiver will not (legitimate)", async function () {
      const { ex, shipment, manufacturer, regulator, rx } = await loadFixture(disputedFixture);
      await ex.connect(manufacturer).declareReturned(shipment);
      await ex.connect(regulator).closeException(shipment, ExceptionStatus.Returned, ZeroHash);
      expect((await rx.holding(shipment.batchId, manufacturer.address)).quarantined).to.equal(1n);
    });
  });

  describe("a suspended receiver", function () {
    it("cannot declare found (PartnerNotAuthorized); a regulator closes the dispute instead", async function () {
      const { rx, ex, shipment, distributor, regulator } = await loadFixture(disputedFixture);
      await rx.suspendPartner(distributor.address, SUSPENSION_REASON);
      await expect(ex.declareFound(shipment))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(distributor.address, Standing.Suspended);
      await ex.connect(regulator).closeException(shipment, ExceptionStatus.Lost, ZeroHash);
      expect((await ex.deliveryException(await rx.shipmentIdOf(shipment))).status).to.equal(ExceptionStatus.Lost);
    });
  });

  describe("while paused", function () {
    it("reverts with EnforcedPause", async function () {
      const { rx, ex, shipment, pauser } = await loadFixture(disputedFixture);
      await rx.connect(pauser).pause();
      await expect(ex.declareFound(shipment)).to.be.revertedWithCustomError(rx, "EnforcedPause").withArgs();
    });
  });

  describe("a receiver taking the disputed units in twice", function () {
    it("cannot receive the shipment in full after a partial receipt (CustodyShipmentNotInTransit)", async function () {
      const { rx, shipment, shipmentId, distributor } = await loadFixture(disputedFixture);
      await expect(rx.connect(distributor).receiveShipment(shipment, GOOD_LEG))
        .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
        .withArgs(shipmentId);
    });

    it("cannot reject the accepted units back to the sender either (CustodyShipmentNotInTransit)", async function () {
      const { rx, shipment, shipmentId, distributor } = await loadFixture(disputedFixture);
      await expect(rx.connect(distributor).rejectShipment(shipment, 0, EVIDENCE, GOOD_LEG))
        .to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit")
        .withArgs(shipmentId);
    });
  });

  describe("the settlement paid for units in dispute", function () {
    it("keeps the outcome pending while the dispute is open (SettlementOutcomePending)", async function () {
      const { settlement, invoiceId, distributor } = await loadFixture(invoicedPartialFixture);
      await expect(settlement.connect(distributor).claim(invoiceId, distributor.address))
        .to.be.revertedWithCustomError(settlement, "SettlementOutcomePending")
        .withArgs(invoiceId);
    });

    it("pays the 18 units accepted and refunds the 2 written off (legitimate)", async function () {
      const { settlement, token, invoiceId, distributor, pharmacy, ex, leg } = await loadFixture(invoicedPartialFixture);
      await ex.agreeLost(leg.shipment);
      await ex.connect(distributor).agreeLost(leg.shipment);
      await expect(settlement.connect(pharmacy).settle(invoiceId))
        .to.emit(settlement, "InvoiceSettled")
        .withArgs(invoiceId, InvoiceOutcome.Delivered, 18n, 18n * PRICE, 2n * PRICE, pharmacy.address);
      await expect(settlement.connect(distributor).claim(invoiceId, distributor.address)).to.changeTokenBalance(token, distributor, 18n * PRICE);
      await expect(settlement.connect(pharmacy).claim(invoiceId, pharmacy.address)).to.changeTokenBalance(token, pharmacy, 2n * PRICE);
    });

    it("pays all 20 when the disputed packs were found before the claim", async function () {
      const { settlement, invoiceId, ex, leg, pharmacy } = await loadFixture(invoicedPartialFixture);
      await ex.declareFound(leg.shipment);
      await expect(settlement.connect(pharmacy).settle(invoiceId))
        .to.emit(settlement, "InvoiceSettled")
        .withArgs(invoiceId, InvoiceOutcome.Delivered, 20n, 20n * PRICE, 0n, pharmacy.address);
    });

    it("does not pay more when packs written off are declared found afterwards: the dispute is closed (ExceptionNotOpen)", async function () {
      const { rx, settlement, invoiceId, ex, leg, distributor } = await loadFixture(invoicedPartialFixture);
      await ex.connect(distributor).agreeLost(leg.shipment);
      await ex.agreeLost(leg.shipment);
      await settlement.settle(invoiceId);
      await expect(ex.declareFound(leg.shipment))
        .to.be.revertedWithCustomError(rx, "ExceptionNotOpen")
        .withArgs(leg.shipmentId, ExceptionStatus.Lost);
      expect((await settlement.invoice(invoiceId)).unitsAccepted).to.equal(18n);
    });
  });

  describe("the second extension called directly", function () {
    it("finds no shipment in its own empty storage (CustodyShipmentNotInTransit): a partial receipt lands nowhere", async function () {
      const base = await loadFixture(batchFixture);
      const sent = await shipFrom(base.rx, base.manufacturer, base.batchId, base.distributor.address, 16n);
      const first = await ethers.getContractAt("RxTraceExtension", await base.rx.EXTENSION());
      const second = await ethers.getContractAt("RxTraceExtension2", await first.EXTENSION2());
      const direct = IExceptions__factory.connect(await second.getAddress(), base.distributor);
      await expect(direct.receivePartial(sent.shipment, 15n, ExceptionReason.Underage, EVIDENCE, ZeroHash, GOOD_LEG))
        .to.be.revertedWithCustomError(second, "CustodyShipmentNotInTransit")
        .withArgs(sent.shipmentId);
    });
  });
});
