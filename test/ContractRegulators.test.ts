/**
 * Governance acts of a regulator that is a contract (a multisig): the key behind the wallet sends the transaction
 * (`tx.origin`), the wallet calls the suite (`msg.sender`), which runs the act in the first extension by DELEGATECALL.
 * The reversal and condemnation rules must check, and the events name, the wallet: every other governance test calls
 * from EOAs, where the two are the same account (ContractPartners.test.ts does the same for the core's acts).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { IGovernance__factory, PartnerWallet__factory } from "../typechain-types";
import { FinalAct, RecallClass, Role } from "../src/domain/enums";
import { makeGln } from "../src/gs1/identifiers";
import { DAY, LICENCE_REF, pharmacyFixture, YEAR } from "./fixtures";

const REASON = ethers.id("reason document");
const RECALL_URI = "ipfs://QmRecallNoticeOfTheContractRegulatorTests";
const WALLET_GLN = makeGln("099999900003");
const WINDOW = 3n * BigInt(DAY);

/** pharmacyFixture with a second regulator that is a PartnerWallet; the key that owns it is no partner. */
async function walletRegulatorFixture() {
  const base = await loadFixture(pharmacyFixture);
  const owner = (await ethers.getSigners())[15];
  const wallet = (await new PartnerWallet__factory(base.admin).deploy(owner.address)).connect(owner);
  const address = await wallet.getAddress();
  await base.rx.onboardPartner(address, Role.Regulator, WALLET_GLN, LICENCE_REF, (await time.latest()) + YEAR, "State Board multisig");
  const rxAddress = await base.rx.getAddress();
  const gov = IGovernance__factory.connect(rxAddress, base.stranger);
  /** Has the wallet send the suite `data` (a call its owner's key signs). */
  const viaWallet = (data: string) => wallet.execute(rxAddress, data);
  return { ...base, gov, wallet, address, viaWallet };
}

/** The EOA regulator declared the batch illegitimate. */
async function declaredFixture() {
  const base = await loadFixture(walletRegulatorFixture);
  const tx = await base.rx.connect(base.regulator).declareIllegitimate(base.batchId, REASON);
  return { ...base, at: BigInt((await tx.getBlock())?.timestamp ?? 0) };
}

describe("Governance: a regulator that is a contract", function () {
  describe("reverseIllegitimate", function () {
    describe("when the wallet reverses the other regulator's declaration", function () {
      it("emits IllegitimacyReversed naming the wallet", async function () {
        const ctx = await loadFixture(declaredFixture);
        await expect(ctx.viaWallet(ctx.gov.interface.encodeFunctionData("reverseIllegitimate", [ctx.batchId, REASON])))
          .to.emit(ctx.gov, "IllegitimacyReversed")
          .withArgs(ctx.batchId, ctx.address, ctx.regulator.address, REASON);
      });
    });

    describe("when the wallet tries to reverse its own declaration", function () {
      it("reverts with ReversalBySameRegulator naming the wallet", async function () {
        const ctx = await loadFixture(walletRegulatorFixture);
        await ctx.viaWallet(ctx.rx.interface.encodeFunctionData("declareIllegitimate", [ctx.batchId, REASON]));
        await expect(ctx.viaWallet(ctx.gov.interface.encodeFunctionData("reverseIllegitimate", [ctx.batchId, REASON])))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalBySameRegulator")
          .withArgs(ctx.batchId, FinalAct.Illegitimate, ctx.address);
      });
    });
  });

  describe("reverseRecall", function () {
    describe("when the wallet reverses the other regulator's class I recall", function () {
      it("emits RecallReversed naming the wallet", async function () {
        const ctx = await loadFixture(walletRegulatorFixture);
        await ctx.rx.connect(ctx.regulator).recall(ctx.batchId, RecallClass.I, REASON, RECALL_URI);
        await expect(ctx.viaWallet(ctx.gov.interface.encodeFunctionData("reverseRecall", [ctx.batchId, REASON])))
          .to.emit(ctx.gov, "RecallReversed")
          .withArgs(ctx.batchId, ctx.address, ctx.regulator.address, 0n, REASON);
      });
    });
  });

  describe("condemnStock", function () {
    describe("when the wallet condemns after the window", function () {
      it("emits StockCondemned naming the wallet", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        await expect(ctx.viaWallet(ctx.gov.interface.encodeFunctionData("condemnStock", [ctx.batchId, ctx.pharmacy.address, 1n])))
          .to.emit(ctx.gov, "StockCondemned")
          .withArgs(ctx.batchId, ctx.pharmacy.address, ctx.address, 1n);
      });
    });
  });
});
