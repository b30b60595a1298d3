import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { InvoiceOutcome, InvoiceStatus, invoiceIdOf } from "../src/domain/invoice";
import { RecallClass, Role } from "../src/domain/enums";
import { GTIN, GTIN_2 } from "../src/scenario/scenario";
import {
  commissionInput,
  DAY,
  deliverFrom,
  GOOD_LEG,
  LOT,
  PHARMACY_SERIALS,
  PHARMACY2_SERIALS,
  shipPacksFrom,
  SERIALS,
  SUSPENSION_REASON,
  WARM_LEG,
} from "./fixtures";
import { createFrom, PRICE, settlementFixture, termsOf } from "./settlement-fixtures";
import { batchEvents, batchTimeline, partnerDirectory, verifyPack as verifyReport } from "../src/chain/events/provenance";
import { useSettlement } from "../src/chain/events/settlement";
import { IRxSettlement__factory } from "../typechain-types";
import { formatEntry, formatReport } from "../src/domain/report";
import { packPathOf } from "../src/domain/pack-path";
import type { PartnerInfo, TimelineEntry } from "../src/domain/provenance";
import { EpcWriter, epcisDocumentOf, epcisEventsOf } from "../src/epcis";
import { schemaProblems } from "./epcis/schema";

const AMOUNT = PRICE * BigInt(PHARMACY_SERIALS.length);
const REASON = ethers.id("recall notice");

/** An invoice of the pharmacy, and the pack leg of its 20 packs in transit from the distributor. */
async function shippedInvoiceFixture() {
  const c = await loadFixture(settlementFixture);
  const terms = await termsOf(c, "INV-1001");
  const invoiceId = await createFrom(c, c.pharmacy, terms);
  const leg = await shipPacksFrom(c.rx, c.distributor, c.batchId, c.pharmacy.address, PHARMACY_SERIALS);
  return { ...c, terms, invoiceId, leg };
}

/** As shippedInvoiceFixture, and the distributor bound the invoice to the leg. */
async function boundFixture() {
  const c = await loadFixture(shippedInvoiceFixture);
  await c.settlement.connect(c.distributor).bindShipment(c.invoiceId, c.leg.shipment);
  return c;
}

type Bound = Awaited<ReturnType<typeof boundFixture>>;

const CANCEL_WAIT = 30 * DAY + 1;

/** Each way a bound leg ends, and what the invoice then owes. */
const ENDINGS: { name: string; outcome: InvoiceOutcome; paid: boolean; end: (c: Bound) => Promise<unknown> }[] = [
  {
    name: "received within range",
    outcome: InvoiceOutcome.Delivered,
    paid: true,
    end: (c) => c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG),
  },
  {
    name: "received with an excursion (quarantined)",
    outcome: InvoiceOutcome.Quarantined,
    paid: false,
    end: (c) => c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, WARM_LEG),
  },
  {
    name: "rejected",
    outcome: InvoiceOutcome.Rejected,
    paid: false,
    end: (c) => c.rx.connect(c.pharmacy).rejectShipment(c.leg.shipment, 1, ethers.id("photo"), GOOD_LEG),
  },
  {
    name: "cancelled by the seller after 30 days",
    outcome: InvoiceOutcome.Cancelled,
    paid: false,
    end: async (c) => {
      await time.increase(CANCEL_WAIT);
      return c.rx.connect(c.distributor).cancelShipment(c.leg.shipment);
    },
  },
  {
    name: "the lot recalled while in transit",
    outcome: InvoiceOutcome.Recalled,
    paid: false,
    end: (c) => c.rx.connect(c.manufacturer).recall(c.batchId, RecallClass.II, REASON, "https://example.org/recall"),
  },
];

describe("RxSettlement", function () {
  describe("createInvoice", function () {
    it("escrows quantity x price from the buyer and emits InvoiceCreated", async function () {
      const c = await loadFixture(settlementFixture);
      const terms = await termsOf(c, "INV-1001");
      const invoiceId = invoiceIdOf(c.pharmacy.address, c.distributor.address, String(terms.invoiceNumber));
      const tx = await c.settlement.connect(c.pharmacy).createInvoice(terms);
      await expect(tx)
        .to.emit(c.settlement, "InvoiceCreated")
        .withArgs(
          invoiceId,
          c.pharmacy.address,
          c.distributor.address,
          c.batchId,
          terms.invoiceNumber,
          terms.customerId,
          terms.token,
          terms.quantity,
          PRICE,
          AMOUNT,
          terms.deadline,
        );
      await expect(tx).to.changeTokenBalances(c.token, [c.pharmacy, c.settlement], [-AMOUNT, AMOUNT]);
      const stored = await c.settlement.invoice(invoiceId);
      expect([stored.buyer, stored.seller, stored.status, stored.quantity, stored.batchId]).to.deep.equal([
        c.pharmacy.address,
        c.distributor.address,
        BigInt(InvoiceStatus.Open),
        terms.quantity,
        c.batchId,
      ]);
    });

    it("reverts with SettlementInvoiceExists for the same buyer, seller and number", async function () {
      const c = await loadFixture(settlementFixture);
      const terms = await termsOf(c, "INV-1001");
      const invoiceId = await createFrom(c, c.pharmacy, terms);
      await expect(c.settlement.connect(c.pharmacy).createInvoice(terms))
        .to.be.revertedWithCustomError(c.settlement, "SettlementInvoiceExists")
        .withArgs(invoiceId);
    });

    for (const [field, change, value] of [
      ["seller", { seller: ethers.ZeroAddress }, 0n],
      ["quantity", { quantity: 0n }, 0n],
      ["pricePerUnit", { pricePerUnit: 0n }, 0n],
      ["token", { token: ethers.ZeroAddress }, 0n],
    ] as const) {
      it(`reverts with SettlementInvalidTerms for a zero ${field}`, async function () {
        const c = await loadFixture(settlementFixture);
        await expect(c.settlement.connect(c.pharmacy).createInvoice(await termsOf(c, "INV-1", change)))
          .to.be.revertedWithCustomError(c.settlement, "SettlementInvalidTerms")
          .withArgs(field, value);
      });
    }

    it("reverts with SettlementInvalidTerms when the buyer names itself as seller", async function () {
      const c = await loadFixture(settlementFixture);
      await expect(c.settlement.connect(c.pharmacy).createInvoice(await termsOf(c, "INV-1", { seller: c.pharmacy.address })))
        .to.be.revertedWithCustomError(c.settlement, "SettlementInvalidTerms")
        .withArgs("seller", BigInt(c.pharmacy.address));
    });

    it("reverts with SettlementDeadlineInPast for a deadline not after now", async function () {
      const c = await loadFixture(settlementFixture);
      const deadline = await time.latest();
      await expect(c.settlement.connect(c.pharmacy).createInvoice(await termsOf(c, "INV-1", { deadline })))
        .to.be.revertedWithCustomError(c.settlement, "SettlementDeadlineInPast")
        .withArgs(deadline, deadline + 1);
    });

    it("reverts with SettlementUnknownBatch for a lot the suite does not know", async function () {
      const c = await loadFixture(settlementFixture);
      const batchId = batchIdOf(GTIN_2, "NOPE");
      await expect(c.settlement.connect(c.pharmacy).createInvoice(await termsOf(c, "INV-1", { batchId })))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownBatch")
        .withArgs(batchId);
    });

    it("reverts with SettlementBuyerNotDispenser for a distributor buying", async function () {
      const c = await loadFixture(settlementFixture);
      await expect(
        c.settlement.connect(c.distributor2).createInvoice(await termsOf(c, "INV-1")),
      )
        .to.be.revertedWithCustomError(c.settlement, "SettlementBuyerNotDispenser")
        .withArgs(c.distributor2.address, Role.Distributor);
    });
  });

  describe("bindShipment", function () {
    it("binds the invoice to the seller's pack leg to the buyer and emits InvoiceBound", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, c.leg.shipment))
        .to.emit(c.settlement, "InvoiceBound")
        .withArgs(c.invoiceId, c.leg.shipmentId, c.leg.shipment.nonce);
      expect(await c.settlement.invoiceOfShipment(c.leg.shipmentId)).to.equal(c.invoiceId);
      expect((await c.settlement.invoice(c.invoiceId)).status).to.equal(InvoiceStatus.Bound);
    });

    it("binds a leg the buyer received already, and the seller is paid", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG);
      await c.settlement.connect(c.distributor).bindShipment(c.invoiceId, c.leg.shipment);
      expect(await c.settlement.outcomeOf(c.invoiceId)).to.deep.equal([BigInt(InvoiceOutcome.Delivered), 20n]);
    });

    it("reverts with SettlementNotSeller for the buyer", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      await expect(c.settlement.connect(c.pharmacy).bindShipment(c.invoiceId, c.leg.shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementNotSeller")
        .withArgs(c.invoiceId, c.pharmacy.address, c.distributor.address);
    });

    it("reverts with SettlementInvoiceNotOpen when bound already", async function () {
      const c = await loadFixture(boundFixture);
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, c.leg.shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementInvoiceNotOpen")
        .withArgs(c.invoiceId, InvoiceStatus.Bound);
    });

    it("reverts with SettlementDeadlinePassed after the deadline", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      await time.increaseTo(BigInt(c.terms.deadline) + 1n);
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, c.leg.shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementDeadlinePassed")
        .withArgs(c.invoiceId, c.terms.deadline, BigInt(c.terms.deadline) + 2n);
    });

    it("reverts with SettlementLotMismatch for a leg of another lot", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      const other = batchIdOf(GTIN_2, LOT);
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, { ...c.leg.shipment, batchId: other }))
        .to.be.revertedWithCustomError(c.settlement, "SettlementLotMismatch")
        .withArgs(c.invoiceId, c.batchId, other);
    });

    it("reverts with SettlementSellerMismatch for a leg from another seller", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      const shipment = { ...c.leg.shipment, sender: c.manufacturer.address };
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementSellerMismatch")
        .withArgs(c.invoiceId, c.distributor.address, c.manufacturer.address);
    });

    it("reverts with SettlementBuyerMismatch for a leg to another pharmacy", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      const toOther = await shipPacksFrom(c.rx, c.distributor, c.batchId, c.pharmacy2.address, SERIALS.slice(30, 50));
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, toOther.shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementBuyerMismatch")
        .withArgs(c.invoiceId, c.pharmacy.address, c.pharmacy2.address);
    });

    it("reverts with SettlementQuantityMismatch for a leg of another quantity", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      const shipment = { ...c.leg.shipment, quantity: 19n };
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementQuantityMismatch")
        .withArgs(c.invoiceId, 20n, 19n);
    });

    it("reverts with SettlementShipmentUnknown for a leg the suite never recorded", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      const shipment = { ...c.leg.shipment, nonce: 9n };
      await expect(c.settlement.connect(c.distributor).bindShipment(c.invoiceId, shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementShipmentUnknown")
        .withArgs(shipmentIdOf(shipment));
    });

    it("reverts with SettlementShipmentLotLevel for a leg without manifest (its record is deleted once settled)", async function () {
      const c = await loadFixture(settlementFixture);
      const { input } = await commissionInput({ gtin: GTIN_2, quantity: 10n, serialRoot: ethers.ZeroHash });
      await c.rx.connect(c.manufacturer).commissionBatch(input);
      const plain = batchIdOf(GTIN_2, LOT);
      await deliverFrom(c.rx, c.manufacturer, plain, c.distributor, 10n);
      const invoiceId = await createFrom(c, c.pharmacy, await termsOf(c, "INV-P", { batchId: plain, quantity: 10n }));
      const nonce = (await c.rx.holding(plain, c.distributor.address)).shipments;
      await c.rx.connect(c.distributor).ship(plain, c.pharmacy.address, 10n);
      const shipment: ShipmentKey = { batchId: plain, sender: c.distributor.address, receiver: c.pharmacy.address, quantity: 10n, nonce };
      await expect(c.settlement.connect(c.distributor).bindShipment(invoiceId, shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementShipmentLotLevel")
        .withArgs(shipmentIdOf(shipment));
    });

    it("reverts with SettlementShipmentBound when the leg delivers another invoice already", async function () {
      const c = await loadFixture(boundFixture);
      const second = await createFrom(c, c.pharmacy, await termsOf(c, "INV-1002"));
      await expect(c.settlement.connect(c.distributor).bindShipment(second, c.leg.shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementShipmentBound")
        .withArgs(c.leg.shipmentId, c.invoiceId);
    });

    it("reverts with SettlementUnknownInvoice for an invoice never created", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      await expect(c.settlement.connect(c.distributor).bindShipment(ethers.ZeroHash, c.leg.shipment))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownInvoice")
        .withArgs(ethers.ZeroHash);
    });
  });

  describe("claim", function () {
    describe("while the bound leg is in transit", function () {
      it("reverts with SettlementOutcomePending", async function () {
        const c = await loadFixture(boundFixture);
        await expect(c.settlement.connect(c.distributor).claim(c.invoiceId, c.distributor.address))
          .to.be.revertedWithCustomError(c.settlement, "SettlementOutcomePending")
          .withArgs(c.invoiceId);
      });

      it("stays pending after the deadline: the leg decides, not the clock", async function () {
        const c = await loadFixture(boundFixture);
        await time.increaseTo(BigInt(c.terms.deadline) + 1n);
        expect(await c.settlement.outcomeOf(c.invoiceId)).to.deep.equal([BigInt(InvoiceOutcome.Pending), 0n]);
      });
    });

    for (const ending of ENDINGS) {
      describe(`when the leg is ${ending.name}`, function () {
        it(`settles as ${InvoiceOutcome[ending.outcome]} and emits InvoiceSettled`, async function () {
          const c = await loadFixture(boundFixture);
          await ending.end(c);
          const accepted = ending.paid ? 20n : 0n;
          await expect(c.settlement.connect(c.stranger).settle(c.invoiceId))
            .to.emit(c.settlement, "InvoiceSettled")
            .withArgs(c.invoiceId, ending.outcome, accepted, PRICE * accepted, AMOUNT - PRICE * accepted, c.stranger.address);
        });

        it(`pays the ${ending.paid ? "seller" : "buyer"} the whole amount, once`, async function () {
          const c = await loadFixture(boundFixture);
          await ending.end(c);
          const party = ending.paid ? c.distributor : c.pharmacy;
          const tx = await c.settlement.connect(party).claim(c.invoiceId, party.address);
          await expect(tx).to.emit(c.settlement, "InvoiceClaimed").withArgs(c.invoiceId, party.address, party.address, AMOUNT);
          await expect(tx).to.changeTokenBalances(c.token, [party, c.settlement], [AMOUNT, -AMOUNT]);
          await expect(c.settlement.connect(party).claim(c.invoiceId, party.address))
            .to.be.revertedWithCustomError(c.settlement, "SettlementAlreadyClaimed")
            .withArgs(c.invoiceId, party.address);
        });

        it(`leaves the ${ending.paid ? "buyer" : "seller"} nothing (SettlementNothingDue)`, async function () {
          const c = await loadFixture(boundFixture);
          await ending.end(c);
          const other = ending.paid ? c.pharmacy : c.distributor;
          await expect(c.settlement.connect(other).claim(c.invoiceId, other.address))
            .to.be.revertedWithCustomError(c.settlement, "SettlementNothingDue")
            .withArgs(c.invoiceId, other.address);
        });
      });
    }

    describe("when no leg is bound", function () {
      it("reverts with SettlementOutcomePending before the deadline", async function () {
        const c = await loadFixture(shippedInvoiceFixture);
        await expect(c.settlement.connect(c.pharmacy).claim(c.invoiceId, c.pharmacy.address))
          .to.be.revertedWithCustomError(c.settlement, "SettlementOutcomePending")
          .withArgs(c.invoiceId);
      });

      it("refunds the buyer after the deadline (Expired)", async function () {
        const c = await loadFixture(shippedInvoiceFixture);
        await time.increaseTo(BigInt(c.terms.deadline) + 1n);
        const tx = await c.settlement.connect(c.pharmacy).claim(c.invoiceId, c.pharmacy.address);
        await expect(tx)
          .to.emit(c.settlement, "InvoiceSettled")
          .withArgs(c.invoiceId, InvoiceOutcome.Expired, 0n, 0n, AMOUNT, c.pharmacy.address);
        await expect(tx).to.changeTokenBalance(c.token, c.pharmacy, AMOUNT);
      });
    });

    describe("the outcome is fixed once", function () {
      it("keeps a quarantine refund after a regulator releases the leg", async function () {
        const c = await loadFixture(boundFixture);
        await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, WARM_LEG);
        await c.settlement.settle(c.invoiceId);
        await c.rx.connect(c.regulator).releaseLeg(c.leg.shipment);
        expect(await c.settlement.outcomeOf(c.invoiceId)).to.deep.equal([BigInt(InvoiceOutcome.Quarantined), 0n]);
        await expect(c.settlement.connect(c.distributor).claim(c.invoiceId, c.distributor.address))
          .to.be.revertedWithCustomError(c.settlement, "SettlementNothingDue")
          .withArgs(c.invoiceId, c.distributor.address);
      });

      it("keeps a payment after the lot is recalled once received", async function () {
        const c = await loadFixture(boundFixture);
        await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG);
        await c.rx.connect(c.manufacturer).recall(c.batchId, RecallClass.I, REASON, "https://example.org/recall");
        await expect(c.settlement.connect(c.distributor).claim(c.invoiceId, c.distributor.address))
          .to.emit(c.settlement, "InvoiceClaimed")
          .withArgs(c.invoiceId, c.distributor.address, c.distributor.address, AMOUNT);
      });

      it("refuses a second settle's event: settle returns the fixed outcome without a new InvoiceSettled", async function () {
        const c = await loadFixture(boundFixture);
        await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG);
        await c.settlement.settle(c.invoiceId);
        await expect(c.settlement.settle(c.invoiceId)).not.to.emit(c.settlement, "InvoiceSettled");
        expect((await c.settlement.invoice(c.invoiceId)).status).to.equal(InvoiceStatus.Settled);
      });
    });

    describe("suspended parties", function () {
      it("pays a seller suspended after delivery", async function () {
        const c = await loadFixture(boundFixture);
        await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG);
        await c.rx.suspendPartner(c.distributor.address, SUSPENSION_REASON);
        await expect(c.settlement.connect(c.distributor).claim(c.invoiceId, c.distributor.address))
          .to.changeTokenBalance(c.token, c.distributor, AMOUNT);
      });

      it("refunds a buyer suspended while the leg was in transit, once the seller cancels", async function () {
        const c = await loadFixture(boundFixture);
        await c.rx.suspendPartner(c.pharmacy.address, SUSPENSION_REASON);
        await time.increase(CANCEL_WAIT);
        await c.rx.connect(c.distributor).cancelShipment(c.leg.shipment);
        await expect(c.settlement.connect(c.pharmacy).claim(c.invoiceId, c.pharmacy.address))
          .to.changeTokenBalance(c.token, c.pharmacy, AMOUNT);
      });
    });

    it("sends the share to the address the party names", async function () {
      const c = await loadFixture(boundFixture);
      await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG);
      await expect(c.settlement.connect(c.distributor).claim(c.invoiceId, c.stranger.address))
        .to.changeTokenBalance(c.token, c.stranger, AMOUNT);
    });

    it("reverts with SettlementZeroRecipient for the zero address", async function () {
      const c = await loadFixture(boundFixture);
      await expect(c.settlement.connect(c.distributor).claim(c.invoiceId, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        c.settlement,
        "SettlementZeroRecipient",
      );
    });

    it("reverts with SettlementNothingDue for someone who is not a party", async function () {
      const c = await loadFixture(boundFixture);
      await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD_LEG);
      await expect(c.settlement.connect(c.stranger).claim(c.invoiceId, c.stranger.address))
        .to.be.revertedWithCustomError(c.settlement, "SettlementNothingDue")
        .withArgs(c.invoiceId, c.stranger.address);
    });

    it("reverts with SettlementUnknownInvoice for an invoice never created", async function () {
      const c = await loadFixture(settlementFixture);
      await expect(c.settlement.connect(c.pharmacy).claim(ethers.ZeroHash, c.pharmacy.address))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownInvoice")
        .withArgs(ethers.ZeroHash);
    });
  });

  describe("views", function () {
    it("shipmentStatusOf reads the bound leg's status from the suite", async function () {
      const c = await loadFixture(boundFixture);
      await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, WARM_LEG);
      expect(await c.settlement.shipmentStatusOf(c.invoiceId)).to.deep.equal([c.leg.shipmentId, 4n]);
      expect(await c.settlement.SUITE()).to.equal(await c.rx.getAddress());
    });

    it("shipmentStatusOf says no leg (zero id, None) for an invoice not bound yet, and for one never created", async function () {
      const c = await loadFixture(shippedInvoiceFixture);
      expect(await c.settlement.shipmentStatusOf(c.invoiceId)).to.deep.equal([ethers.ZeroHash, 0n]);
      expect(await c.settlement.shipmentStatusOf(ethers.ZeroHash)).to.deep.equal([ethers.ZeroHash, 0n]);
      // The test token has the six decimals of the production stablecoins that PRICE is written for.
      expect(await c.token.decimals()).to.equal(6n);
    });
  });
});


/**
 * A paid delivery (INV-PAID-1: 20 packs to the pharmacy, received in range, the seller paid) and a refunded excursion
 * (INV-WARM-1: 10 packs to pharmacy2, received warm, the buyer refunded), and the suite's contract read with the
 * settlement beside it, as `connect` reads it when the deployment record has one.
 */
async function invoicedDeliveriesFixture() {
  const c = await loadFixture(settlementFixture);
  const paidId = await createFrom(c, c.pharmacy, await termsOf(c, "INV-PAID-1"));
  const paidLeg = await shipPacksFrom(c.rx, c.distributor, c.batchId, c.pharmacy.address, PHARMACY_SERIALS);
  await c.settlement.connect(c.distributor).bindShipment(paidId, paidLeg.shipment);
  await c.rx.connect(c.pharmacy).receiveShipment(paidLeg.shipment, GOOD_LEG);
  await c.settlement.connect(c.distributor).claim(paidId, c.distributor.address);
  const warmId = await createFrom(c, c.pharmacy2, await termsOf(c, "INV-WARM-1", { quantity: BigInt(PHARMACY2_SERIALS.length) }));
  const warmLeg = await shipPacksFrom(c.rx, c.distributor, c.batchId, c.pharmacy2.address, PHARMACY2_SERIALS);
  await c.settlement.connect(c.distributor).bindShipment(warmId, warmLeg.shipment);
  await c.rx.connect(c.pharmacy2).receiveShipment(warmLeg.shipment, WARM_LEG);
  await c.settlement.connect(c.pharmacy2).claim(warmId, c.pharmacy2.address);
  // A contract object of its own: the fixture's `rx` stays without a settlement, as with an older record.
  const reader = useSettlement(c.rx.connect(ethers.provider), IRxSettlement__factory.connect(await c.settlement.getAddress(), ethers.provider));
  return { ...c, reader, paidId, paidLeg, warmId, warmLeg };
}

const invoiceEntries = (timeline: readonly TimelineEntry[]) => timeline.filter((e) => e.kind.startsWith("invoice-"));

describe("RxSettlement: what the timeline, the page and the EPCIS export show", function () {
  it("puts each invoice in the lot's timeline: created, bound to its leg, paid or refunded (no amounts)", async function () {
    const c = await loadFixture(invoicedDeliveriesFixture);
    const entries = invoiceEntries(await batchTimeline(c.reader, c.batchId));
    expect(entries.map((e) => [e.kind, "invoiceNumber" in e ? e.invoiceNumber : ""])).to.deep.equal([
      ["invoice-created", "INV-PAID-1"], ["invoice-bound", "INV-PAID-1"], ["invoice-settled", "INV-PAID-1"],
      ["invoice-created", "INV-WARM-1"], ["invoice-bound", "INV-WARM-1"], ["invoice-settled", "INV-WARM-1"],
    ]);
    const [created, bound, paid, , , refunded] = entries;
    expect(created).to.deep.include({ invoiceId: c.paidId, quantity: "20", shipmentId: c.paidLeg.shipmentId });
    expect((created as { buyer: PartnerInfo }).buyer.account).to.equal(c.pharmacy.address);
    expect(bound).to.deep.include({ shipmentId: c.paidLeg.shipmentId });
    expect(paid).to.deep.include({ outcome: "Delivered", unitsAccepted: "20", shipmentId: c.paidLeg.shipmentId });
    expect(refunded).to.deep.include({ outcome: "Quarantined", unitsAccepted: "0", shipmentId: c.warmLeg.shipmentId });
    const json = JSON.stringify(entries);
    for (const secret of ["pricePerUnit", "amount", "customerId", PRICE.toString()]) expect(json).not.to.include(secret);
    const lines = entries.map(formatEntry).join("\n");
    expect(lines, lines).to.match(/invoice INV-PAID-1 of .* to .*: 20 units paid into escrow, to be delivered by \d{4}-\d\d-\d\d/);
    expect(lines).to.include(`invoice INV-PAID-1 bound to shipment ${c.paidLeg.shipmentId}`);
    expect(lines).to.include("invoice INV-PAID-1 PAID: delivered within range: the seller is paid (20 units accepted)");
    expect(lines).to.include("invoice INV-WARM-1 REFUNDED: received into quarantine: the buyer is refunded");
  });

  it("shows the invoice with the pack's own leg in rx:verify's text and JSON, and the other invoice with the lot's legs", async function () {
    const c = await loadFixture(invoicedDeliveriesFixture);
    const serial = PHARMACY_SERIALS[0];
    const report = await verifyReport(c.reader, { gtin: GTIN, lot: LOT, serial }, { proof: c.tree.proof(serial), holder: c.pharmacy.address });
    const path = packPathOf(report);
    expect(invoiceEntries(path.ownPath).map((e) => e.kind)).to.deep.equal(["invoice-created", "invoice-bound", "invoice-settled"]);
    expect(invoiceEntries(path.lotLegs).map((e) => e.kind)).to.deep.equal(["invoice-created", "invoice-bound", "invoice-settled"]);
    const text = formatReport(report).join("\n");
    expect(text, text).to.match(/^ {2}.*invoice INV-PAID-1 PAID: delivered within range/m);
    expect(text).to.match(/^ {2}.*invoice INV-WARM-1 REFUNDED: received into quarantine/m);
    const parsed = JSON.parse(JSON.stringify(report)) as { timeline: { kind: string; invoiceNumber?: string; outcome?: string }[] };
    expect(parsed.timeline.filter((e) => e.kind === "invoice-settled").map((e) => [e.invoiceNumber, e.outcome])).to.deep.equal([["INV-PAID-1", "Delivered"], ["INV-WARM-1", "Quarantined"]]);
  });

  it("shows no invoice when the suite is read without a settlement (an older deployment record)", async function () {
    const c = await loadFixture(invoicedDeliveriesFixture);
    expect(invoiceEntries(await batchTimeline(c.rx, c.batchId))).to.deep.equal([]);
  });

  it("carries the invoice as an `inv` business transaction on the shipping and receiving events of its leg (EPCIS 2.0, valid)", async function () {
    const c = await loadFixture(invoicedDeliveriesFixture);
    const directory = await partnerDirectory(c.reader);
    const who = (account: string): PartnerInfo => directory.get(account.toLowerCase()) ?? { account, name: "?", gln: "", role: "None" };
    const events = epcisEventsOf(await batchEvents(c.reader, c.batchId), {
      chainId: 31337, contract: await c.rx.getAddress(), writer: new EpcWriter("digital-link"), who, time: () => 1_800_000_000,
    });
    const sellerGln = who(c.distributor.address).gln;
    const ofLeg = (shipmentId: string) => events.map((e) => e.event).filter((e) => e["rxtrace:shipmentId"] === shipmentId);
    for (const [leg, number, outcome] of [[c.paidLeg, "INV-PAID-1", "Delivered"], [c.warmLeg, "INV-WARM-1", "Quarantined"]] as const) {
      const legEvents = ofLeg(leg.shipmentId);
      expect(legEvents.map((e) => e.bizStep)).to.deep.equal(["shipping", "receiving"]);
      for (const e of legEvents) {
        expect(e.bizTransactionList).to.deep.include({ type: "inv", bizTransaction: `urn:epcglobal:cbv:bt:${sellerGln}:${number}` });
        expect(e).to.include({ "rxtrace:invoiceOutcome": outcome });
      }
    }
    const unbound = events.map((e) => e.event).filter((e) => e.bizStep === "shipping" && !ofLeg(c.paidLeg.shipmentId).includes(e) && !ofLeg(c.warmLeg.shipmentId).includes(e));
    for (const e of unbound) expect((e.bizTransactionList as { type: string }[]).map((t) => t.type)).to.deep.equal(["desadv"]);
    expect(schemaProblems(epcisDocumentOf(events, { chainId: 31337, contract: await c.rx.getAddress(), scope: "lot" }))).to.deep.equal([]);
  });
});
