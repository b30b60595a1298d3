/**
 * Rare acts of partners that are contracts (multisigs), served by the extensions: a regulator's reversals and
 * condemnations (Governance, first extension) and a manufacturer's supersede and correction that a regulator approves
 * (Corrections, second extension). The key behind the wallet sends the transaction (`tx.origin`), the wallet calls
 * the suite (`msg.sender`), which runs the act by DELEGATECALL. The rules must check, and the events name, the wallet:
 * every other test of these acts calls from EOAs, where the two are the same account (ContractPartners.test.ts does
 * the same for the core's acts).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ICorrections__factory, IGovernance__factory, PartnerWallet__factory } from "../typechain-types";
import { FinalAct, RecallClass, Role } from "../src/domain/enums";
import { batchIdOf } from "../src/domain/ids";
import { makeGln } from "../src/gs1/identifiers";
import { SerialTree } from "../src/merkle";
import { GTIN, serialRange } from "../src/scenario/scenario";
import { commissionArgs, commissionInput, DAY, LICENCE_REF, pharmacyFixture, YEAR } from "./fixtures";

const REASON = ethers.id("reason document");
const RECALL_URI = "ipfs://QmRecallNoticeOfTheContractRegulatorTests";
const WALLET_GLN = makeGln("099999900003");
const MANUFACTURER_WALLET_GLN = makeGln("031234500009");
const WINDOW = 3n * BigInt(DAY);
const PREFIX = "0312345";
const NEW_LOT = "W24-0001";
const NEW_CERTIFICATE = ethers.id("corrected certificate of origin");
const NEW_URI = "ipfs://QmCorrectedCertificateOfTheWalletTests";

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

/**
 * walletRegulatorFixture with a manufacturer that is a PartnerWallet too: the admin moved Acme's prefix to it (a
 * merger), and it commissioned lot NEW_LOT.
 */
async function walletManufacturerFixture() {
  const base = await loadFixture(walletRegulatorFixture);
  const owner = (await ethers.getSigners())[16];
  const maker = (await new PartnerWallet__factory(base.admin).deploy(owner.address)).connect(owner);
  const makerAddress = await maker.getAddress();
  const rxAddress = await base.rx.getAddress();
  await base.rx.onboardPartner(makerAddress, Role.Manufacturer, MANUFACTURER_WALLET_GLN, LICENCE_REF, (await time.latest()) + YEAR, "Acme multisig");
  await base.gov.connect(base.admin).transferCompanyPrefix(PREFIX, makerAddress);
  const { input } = await commissionInput({ lot: NEW_LOT });
  await maker.execute(rxAddress, base.rx.interface.encodeFunctionData("commissionBatch", [input]));
  const corrections = ICorrections__factory.connect(rxAddress, base.stranger);
  /** Has the manufacturer's wallet send the suite `data`. */
  const viaMaker = (data: string) => maker.execute(rxAddress, data);
  return { ...base, input, newBatchId: batchIdOf(GTIN, NEW_LOT), makerAddress, corrections, viaMaker };
}

/** The EOA regulator declared the batch illegitimate. */
async function declaredFixture() {
  const base = await loadFixture(walletRegulatorFixture);
  const tx = await base.rx.connect(base.regulator).declareIllegitimate(base.batchId, REASON);
  return { ...base, at: BigInt((await tx.getBlock())?.timestamp ?? 0) };
}

describe("Rare acts of partners that are contracts", function () {
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

  describe("supersedeBatch", function () {
    describe("when the manufacturer's wallet supersedes its lot", function () {
      it("emits BatchSuperseded naming the wallet, and the wallet holds the new quantity", async function () {
        const ctx = await loadFixture(walletManufacturerFixture);
        const tree = SerialTree.of(serialRange(120));
        const fixed = { ...ctx.input, quantity: 120n, serialRoot: tree.root };
        await expect(ctx.viaMaker(ctx.corrections.interface.encodeFunctionData("supersedeBatch", [fixed])))
          .to.emit(ctx.corrections, "BatchSuperseded")
          .withArgs(ctx.newBatchId, ctx.makerAddress, 1 | 8, commissionArgs(fixed));
        expect((await ctx.rx.holding(ctx.newBatchId, ctx.makerAddress)).saleable).to.equal(120n);
      });
    });

    describe("when the wallet that now owns the prefix supersedes a lot the old owner commissioned", function () {
      it("reverts with CorrectionNotManufacturer naming the wallet", async function () {
        const ctx = await loadFixture(walletManufacturerFixture);
        const { input } = await commissionInput();
        await expect(ctx.viaMaker(ctx.corrections.interface.encodeFunctionData("supersedeBatch", [{ ...input, quantity: 90n }])))
          .to.be.revertedWithCustomError(ctx.corrections, "CorrectionNotManufacturer")
          .withArgs(ctx.batchId, ctx.makerAddress);
      });
    });
  });

  describe("proposeCorrection and approveCorrection", function () {
    describe("when the manufacturer's wallet proposes and the regulator's wallet approves", function () {
      it("emits BatchCorrectionProposed naming the manufacturer's wallet", async function () {
        const ctx = await loadFixture(walletManufacturerFixture);
        const expiry = BigInt(ctx.input.expiry) + BigInt(DAY);
        const args: [string, bigint, string, string] = [ctx.newBatchId, expiry, NEW_CERTIFICATE, NEW_URI];
        await expect(ctx.viaMaker(ctx.corrections.interface.encodeFunctionData("proposeCorrection", args)))
          .to.emit(ctx.corrections, "BatchCorrectionProposed")
          .withArgs(ctx.newBatchId, ctx.makerAddress, expiry, NEW_CERTIFICATE, NEW_URI);
      });

      it("emits BatchCorrected naming the regulator's wallet", async function () {
        const ctx = await loadFixture(walletManufacturerFixture);
        const expiry = BigInt(ctx.input.expiry) + BigInt(DAY);
        const args: [string, bigint, string, string] = [ctx.newBatchId, expiry, NEW_CERTIFICATE, NEW_URI];
        await ctx.viaMaker(ctx.corrections.interface.encodeFunctionData("proposeCorrection", args));
        await expect(ctx.viaWallet(ctx.corrections.interface.encodeFunctionData("approveCorrection", args)))
          .to.emit(ctx.corrections, "BatchCorrected")
          .withArgs(ctx.newBatchId, ctx.address, BigInt(ctx.input.expiry), expiry, NEW_CERTIFICATE, NEW_URI);
      });
    });
  });
});
