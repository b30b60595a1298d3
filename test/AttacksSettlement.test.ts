import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Role } from "../src/domain/enums";
import { InvoiceOutcome, invoiceIdOf } from "../src/domain/invoice";
import { makeGln } from "../src/gs1/identifiers";
import { LICENCE_REF, PHARMACY_SERIALS, YEAR } from "./fixtures";
import { createFrom, PRICE, settlementFixture, termsOf } from "./settlement-fixtures";

const AMOUNT = PRICE * BigInt(PHARMACY_SERIALS.length);

/**
 * A hostile token that is also a party: onboarded as a dispenser, it buys with its own tokens, and every transfer of
 * them can call back into the settlement as the buyer.
 */
async function hostileBuyerFixture() {
  const c = await loadFixture(settlementFixture);
  const hostile = await ethers.deployContract("HostileToken");
  const hostileAddress = await hostile.getAddress();
  const settlementAddress = await c.settlement.getAddress();
  await c.rx.onboardPartner(hostileAddress, Role.Dispenser, makeGln("086000100009"), LICENCE_REF, (await time.latest()) + YEAR, "Hostile");
  await hostile.mint(hostileAddress, 10n * AMOUNT);
  await hostile.act(hostileAddress, hostile.interface.encodeFunctionData("approve", [settlementAddress, 10n * AMOUNT]));
  // An honest invoice in the plain token, which the attack must leave untouched.
  const honestId = await createFrom(c, c.pharmacy, await termsOf(c, "INV-HONEST"));
  const terms = await termsOf(c, "INV-HOSTILE", { token: hostileAddress });
  const invoiceId = invoiceIdOf(hostileAddress, c.distributor.address, String(terms.invoiceNumber));
  return { ...c, hostile, hostileAddress, settlementAddress, terms, invoiceId, honestId };
}

/** As hostileBuyerFixture, the hostile token's invoice created and its deadline passed: its refund is due. */
async function hostileRefundDueFixture() {
  const c = await loadFixture(hostileBuyerFixture);
  await c.hostile.act(c.settlementAddress, c.settlement.interface.encodeFunctionData("createInvoice", [c.terms]));
  await time.increaseTo(BigInt(c.terms.deadline) + 1n);
  return { ...c, claim: c.settlement.interface.encodeFunctionData("claim", [c.invoiceId, c.hostileAddress]) };
}

describe("RxSettlement attacks", function () {
  describe("a hostile token re-entering", function () {
    it("cannot create a second invoice inside createInvoice's transfer (ReentrancyGuardReentrantCall)", async function () {
      const c = await loadFixture(hostileBuyerFixture);
      const inner = await termsOf(c, "INV-INNER", { token: c.hostileAddress });
      await c.hostile.arm(c.settlementAddress, c.settlement.interface.encodeFunctionData("createInvoice", [inner]));
      await c.hostile.act(c.settlementAddress, c.settlement.interface.encodeFunctionData("createInvoice", [c.terms]));
      expect(await c.hostile.lastCallSucceeded()).to.equal(false);
      expect(await c.hostile.lastCallResult()).to.equal(c.settlement.interface.encodeErrorResult("ReentrancyGuardReentrantCall"));
      expect(await c.hostile.balanceOf(c.settlementAddress)).to.equal(AMOUNT);
    });

    it("cannot claim its refund twice inside claim's transfer, and the honest invoice keeps its funds", async function () {
      const { claim, ...c } = await loadFixture(hostileRefundDueFixture);
      await c.hostile.arm(c.settlementAddress, claim);
      await expect(c.hostile.act(c.settlementAddress, claim))
        .to.emit(c.settlement, "InvoiceClaimed")
        .withArgs(c.invoiceId, c.hostileAddress, c.hostileAddress, AMOUNT);
      expect(await c.hostile.lastCallSucceeded()).to.equal(false);
      expect(await c.hostile.lastCallResult()).to.equal(c.settlement.interface.encodeErrorResult("ReentrancyGuardReentrantCall"));
      expect(await c.hostile.balanceOf(c.settlementAddress)).to.equal(0n);
      expect(await c.token.balanceOf(c.settlementAddress)).to.equal(AMOUNT);
      expect((await c.settlement.invoice(c.honestId)).status).to.equal(1n);
    });

    it("refuses the same claim once the re-entrant call is gone (SettlementAlreadyClaimed)", async function () {
      const { claim, ...c } = await loadFixture(hostileRefundDueFixture);
      await c.hostile.act(c.settlementAddress, claim);
      await expect(c.hostile.act(c.settlementAddress, claim))
        .to.be.revertedWithCustomError(c.settlement, "SettlementAlreadyClaimed")
        .withArgs(c.invoiceId, c.hostileAddress);
      expect(await c.settlement.outcomeOf(c.invoiceId)).to.deep.equal([BigInt(InvoiceOutcome.Expired), 0n]);
    });
  });

  describe("a fee-on-transfer token", function () {
    it("is refused with SettlementTokenFeeOnTransfer, and nothing is escrowed", async function () {
      const c = await loadFixture(settlementFixture);
      const fee = await ethers.deployContract("FeeToken");
      await fee.mint(c.pharmacy.address, AMOUNT);
      await fee.connect(c.pharmacy).approve(await c.settlement.getAddress(), AMOUNT);
      const terms = await termsOf(c, "INV-FEE", { token: await fee.getAddress() });
      await expect(c.settlement.connect(c.pharmacy).createInvoice(terms))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTokenFeeOnTransfer")
        .withArgs(await fee.getAddress(), AMOUNT, AMOUNT - AMOUNT / 100n);
      expect(await fee.balanceOf(c.pharmacy.address)).to.equal(AMOUNT);
    });
  });

  describe("a seller binding what is not its delivery", function () {
    it("cannot bind another seller's leg to its invoice (SettlementSellerMismatch)", async function () {
      const c = await loadFixture(settlementFixture);
      const invoiceId = await createFrom(c, c.pharmacy, await termsOf(c, "INV-1", { seller: c.distributor2.address }));
      const leg = { batchId: c.batchId, sender: c.distributor.address, receiver: c.pharmacy.address, quantity: 20n, nonce: 0n };
      await expect(c.settlement.connect(c.distributor2).bindShipment(invoiceId, leg))
        .to.be.revertedWithCustomError(c.settlement, "SettlementSellerMismatch")
        .withArgs(invoiceId, c.distributor2.address, c.distributor.address);
    });
  });
});
