/**
 * Governance (IGovernance, served by the extension through the core's fallback): the admin behind a timelock and
 * the operator's routine acts, the reversal window of a lone regulator's final acts, condemning stock of a recalled
 * or illegitimate batch, and moving company prefixes.
 */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { IGovernance__factory } from "../typechain-types";
import { deployRxTrace, deployTimelock } from "../src/chain/deploy";
import { DEFAULT_PUBLIC_TIMELOCK_DELAY, planAdmin } from "../src/chain/admin-policy";
import { deploySuite } from "../src/chain/deployment";
import { RxTrace__factory } from "../typechain-types";
import { tempDir } from "./tmp";
import { FinalAct, RecallClass, Role, Verdict } from "../src/domain/enums";
import { batchIdOf, serialToBytes32 } from "../src/domain/ids";
import { makeGln } from "../src/gs1/identifiers";
import { CAST, GTIN } from "../src/scenario/scenario";
import {
  commissionInput,
  DAY,
  deliverFrom,
  LICENCE_REF,
  LOT,
  pharmacyFixture,
  SERIALS,
  YEAR,
} from "./fixtures";

const OPERATOR_ROLE = ethers.id("OPERATOR_ROLE");
const REASON = ethers.id("reason document");
const RECALL_URI = "ipfs://QmRecallNoticeOfTheGovernanceTests";
const TIMELOCK_DELAY = 2n * BigInt(DAY);
const REGULATOR2_GLN = makeGln("099999900002");
const PREFIX = "0312345";
/** Timelock operations wait for nothing before them (predecessor zero). */
const NO_PREDECESSOR = ZeroHash;
/** TimelockController's state bitmap for "Ready": the state `execute` expects. */
const READY = ethers.zeroPadValue("0x04", 32);

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

/** The suite with a TimelockController as admin (delay two days, the deployer proposes), the pauser as operator. */
async function timelockFixture() {
  const [deployer, operator, proposer, newcomer, dispenser, manufacturer] = await ethers.getSigners();
  const timelock = await deployTimelock(ethers, deployer, { delay: TIMELOCK_DELAY, proposers: [proposer.address] });
  const rx = await deployRxTrace(ethers, deployer, { admin: await timelock.getAddress(), pauser: operator.address });
  const target = await rx.getAddress();
  return { rx, timelock, target, deployer, operator, proposer, newcomer, dispenser, manufacturer };
}

/** The timelock fixture with onboarding `newcomer` as a regulator scheduled by the proposer. */
async function scheduledFixture() {
  const base = await loadFixture(timelockFixture);
  const { rx, timelock, target, proposer, newcomer } = base;
  const expiry = (await time.latest()) + YEAR;
  const data = rx.interface.encodeFunctionData("onboardPartner", [newcomer.address, Role.Regulator, REGULATOR2_GLN, LICENCE_REF, expiry, "State Board 2"]);
  const salt = ethers.id("onboard the second regulator");
  const id = await timelock.hashOperation(target, 0n, data, NO_PREDECESSOR, salt);
  const tx = await timelock.connect(proposer).schedule(target, 0n, data, NO_PREDECESSOR, salt, TIMELOCK_DELAY);
  const at = BigInt((await tx.getBlock())?.timestamp ?? 0);
  return { ...base, expiry, data, salt, id, tx, at };
}

/** pharmacyFixture (stock at manufacturer, distributor and pharmacy) with a second regulator, and the governance ABI. */
async function regulatorsFixture() {
  const base = await loadFixture(pharmacyFixture);
  const signers = await ethers.getSigners();
  const regulator2 = signers[11];
  const licenceExpiry = (await time.latest()) + YEAR;
  await base.rx.onboardPartner(regulator2.address, Role.Regulator, REGULATOR2_GLN, LICENCE_REF, licenceExpiry, "State Board 2");
  const gov = IGovernance__factory.connect(await base.rx.getAddress(), base.stranger);
  return { ...base, regulator2, gov };
}

/** The first regulator declared the batch illegitimate. */
async function declaredFixture() {
  const base = await loadFixture(regulatorsFixture);
  const tx = await base.rx.connect(base.regulator).declareIllegitimate(base.batchId, REASON);
  const at = BigInt((await tx.getBlock())?.timestamp ?? 0);
  return { ...base, at };
}

/** The first regulator recalled the batch class I. */
async function recalledFixture() {
  const base = await loadFixture(regulatorsFixture);
  const tx = await base.rx.connect(base.regulator).recall(base.batchId, RecallClass.I, REASON, RECALL_URI);
  const at = BigInt((await tx.getBlock())?.timestamp ?? 0);
  return { ...base, at };
}

async function verdictOf(ctx: Awaited<ReturnType<typeof regulatorsFixture>>): Promise<bigint> {
  const [verdict] = await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), ctx.tree.proof(SERIALS[0]), ZeroAddress);
  return verdict;
}

const WINDOW = 3n * BigInt(DAY);

// ---------------------------------------------------------------------------------------------------------
// 1. The admin behind a timelock; the operator's routine acts
// ---------------------------------------------------------------------------------------------------------

describe("Governance: the admin behind a timelock", function () {
  describe("onboarding a regulator through the timelock", function () {
    describe("when the proposer schedules it", function () {
      it("emits CallScheduled with the call, for every partner to see", async function () {
        const { timelock, target, id, tx, data } = await loadFixture(scheduledFixture);
        await expect(tx).to.emit(timelock, "CallScheduled").withArgs(id, 0n, target, 0n, data, NO_PREDECESSOR, TIMELOCK_DELAY);
      });

      it("shows the operation pending, ready after the delay", async function () {
        const { timelock, id, at } = await loadFixture(scheduledFixture);
        expect(await timelock.isOperationPending(id)).to.equal(true);
        expect(await timelock.isOperationReady(id)).to.equal(false);
        expect(await timelock.getTimestamp(id)).to.equal(at + TIMELOCK_DELAY);
      });
    });

    describe("when someone executes it before the delay", function () {
      it("reverts with TimelockUnexpectedOperationState", async function () {
        const { timelock, target, data, salt, id, proposer } = await loadFixture(scheduledFixture);
        await expect(timelock.connect(proposer).execute(target, 0n, data, NO_PREDECESSOR, salt))
          .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
          .withArgs(id, READY);
      });
    });

    describe("when anyone executes it after the delay", function () {
      it("onboards the regulator: emits PartnerOnboarded", async function () {
        const { rx, timelock, target, data, salt, at, newcomer, expiry, dispenser } = await loadFixture(scheduledFixture);
        await time.increaseTo(at + TIMELOCK_DELAY);
        await expect(timelock.connect(dispenser).execute(target, 0n, data, NO_PREDECESSOR, salt))
          .to.emit(rx, "PartnerOnboarded")
          .withArgs(newcomer.address, Role.Regulator, REGULATOR2_GLN, LICENCE_REF, expiry, "State Board 2");
        expect((await rx.partner(newcomer.address)).role).to.equal(Role.Regulator);
      });
    });

    describe("when the proposer cancels it", function () {
      it("emits Cancelled and the operation can no longer run", async function () {
        const { rx, timelock, target, data, salt, id, at, proposer, newcomer } = await loadFixture(scheduledFixture);
        await expect(timelock.connect(proposer).cancel(id)).to.emit(timelock, "Cancelled").withArgs(id);
        await time.increaseTo(at + TIMELOCK_DELAY);
        await expect(timelock.execute(target, 0n, data, NO_PREDECESSOR, salt))
          .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
          .withArgs(id, READY);
        expect((await rx.partner(newcomer.address)).role).to.equal(Role.None);
      });
    });

    describe("when the proposer calls the suite directly", function () {
      it("reverts with AccessControlUnauthorizedAccount: only the timelock is the admin", async function () {
        const { rx, proposer, newcomer } = await loadFixture(timelockFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.connect(proposer).onboardPartner(newcomer.address, Role.Regulator, REGULATOR2_GLN, LICENCE_REF, expiry, "x"))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(proposer.address, ZeroHash);
      });
    });
  });

  describe("the operator", function () {
    describe("when it onboards a dispenser", function () {
      it("emits PartnerOnboarded at once, without the timelock", async function () {
        const { rx, operator, dispenser } = await loadFixture(timelockFixture);
        const expiry = (await time.latest()) + YEAR;
        const pharmacy = CAST.find((m) => m.key === "pharmacy");
        if (!pharmacy) throw new Error("the cast has no pharmacy");
        await expect(rx.connect(operator).onboardPartner(dispenser.address, Role.Dispenser, pharmacy.gln, LICENCE_REF, expiry, pharmacy.name))
          .to.emit(rx, "PartnerOnboarded")
          .withArgs(dispenser.address, Role.Dispenser, pharmacy.gln, LICENCE_REF, expiry, pharmacy.name);
      });
    });

    describe("when it onboards a regulator", function () {
      it("reverts with AccessControlUnauthorizedAccount for the admin role", async function () {
        const { rx, operator, newcomer } = await loadFixture(timelockFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.connect(operator).onboardPartner(newcomer.address, Role.Regulator, REGULATOR2_GLN, LICENCE_REF, expiry, "x"))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(operator.address, ZeroHash);
      });
    });

    describe("when it onboards a manufacturer", function () {
      it("reverts with AccessControlUnauthorizedAccount for the admin role", async function () {
        const { rx, operator, manufacturer } = await loadFixture(timelockFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.connect(operator).onboardPartner(manufacturer.address, Role.Manufacturer, CAST[0].gln, LICENCE_REF, expiry, "x"))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(operator.address, ZeroHash);
      });
    });

    describe("when it suspends a regulator the timelock onboarded", function () {
      it("emits PartnerSuspended at once", async function () {
        const { rx, timelock, target, data, salt, at, operator, newcomer } = await loadFixture(scheduledFixture);
        await time.increaseTo(at + TIMELOCK_DELAY);
        await timelock.execute(target, 0n, data, NO_PREDECESSOR, salt);
        await expect(rx.connect(operator).suspendPartner(newcomer.address, REASON))
          .to.emit(rx, "PartnerSuspended")
          .withArgs(newcomer.address, REASON);
      });
    });

    describe("when it assigns a company prefix", function () {
      it("reverts with AccessControlUnauthorizedAccount for the admin role", async function () {
        const { rx, operator, dispenser } = await loadFixture(timelockFixture);
        await expect(rx.connect(operator).assignCompanyPrefix(dispenser.address, PREFIX))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(operator.address, ZeroHash);
      });
    });

    describe("OPERATOR_ROLE", function () {
      it("is keccak256('OPERATOR_ROLE'), read at the core's address", async function () {
        const { rx, operator } = await loadFixture(timelockFixture);
        const gov = IGovernance__factory.connect(await rx.getAddress(), operator);
        expect(await gov.OPERATOR_ROLE()).to.equal(OPERATOR_ROLE);
        expect(await rx.hasRole(OPERATOR_ROLE, operator.address)).to.equal(true);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 2. Reversal of a lone regulator's final acts; condemning stock
// ---------------------------------------------------------------------------------------------------------

describe("Governance: reversal window", function () {
  describe("REVERSAL_WINDOW", function () {
    it("is three days", async function () {
      const { gov } = await loadFixture(regulatorsFixture);
      expect(await gov.REVERSAL_WINDOW()).to.equal(WINDOW);
    });
  });

  describe("reverseIllegitimate", function () {
    describe("when another regulator reverses within the window", function () {
      it("emits IllegitimacyReversed and the pack verifies genuine again", async function () {
        const ctx = await loadFixture(declaredFixture);
        await expect(ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON))
          .to.emit(ctx.gov, "IllegitimacyReversed")
          .withArgs(ctx.batchId, ctx.regulator2.address, ctx.regulator.address, REASON);
        expect(await verdictOf(ctx)).to.equal(Verdict.Genuine);
        const [by, at] = await ctx.gov.finalDecision(ctx.batchId, FinalAct.Illegitimate);
        expect([by, at]).to.deep.equal([ZeroAddress, 0n]);
      });

      it("puts a suspect hold back when the batch was suspect before", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.rx.connect(ctx.regulator).flagSuspect(ctx.batchId, REASON);
        await ctx.rx.connect(ctx.regulator).declareIllegitimate(ctx.batchId, REASON);
        await ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON);
        expect(await verdictOf(ctx)).to.equal(Verdict.Suspect);
      });
    });

    describe("when the declaring regulator tries to reverse its own act", function () {
      it("reverts with ReversalBySameRegulator", async function () {
        const ctx = await loadFixture(declaredFixture);
        await expect(ctx.gov.connect(ctx.regulator).reverseIllegitimate(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalBySameRegulator")
          .withArgs(ctx.batchId, FinalAct.Illegitimate, ctx.regulator.address);
      });
    });

    describe("when another regulator tries after the window", function () {
      it("reverts with ReversalWindowClosed: the act is final", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        await expect(ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalWindowClosed")
          .withArgs(ctx.batchId, FinalAct.Illegitimate, ctx.at + WINDOW);
      });

      it("still works at the window's last second", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.setNextBlockTimestamp(ctx.at + WINDOW);
        await expect(ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON))
          .to.emit(ctx.gov, "IllegitimacyReversed")
          .withArgs(ctx.batchId, ctx.regulator2.address, ctx.regulator.address, REASON);
      });
    });

    describe("when a non-regulator tries", function () {
      it("reverts with PartnerWrongRole for a manufacturer", async function () {
        const ctx = await loadFixture(declaredFixture);
        await expect(ctx.gov.connect(ctx.manufacturer).reverseIllegitimate(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerWrongRole")
          .withArgs(ctx.manufacturer.address, Role.Manufacturer, Role.Regulator);
      });

      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const ctx = await loadFixture(declaredFixture);
        await expect(ctx.gov.connect(ctx.stranger).reverseIllegitimate(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerNotAuthorized")
          .withArgs(ctx.stranger.address, 1n);
      });
    });

    describe("when nothing was declared, or it was reversed already", function () {
      it("reverts with ReversalNothingToReverse", async function () {
        const ctx = await loadFixture(declaredFixture);
        await ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON);
        await expect(ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalNothingToReverse")
          .withArgs(ctx.batchId, FinalAct.Illegitimate);
      });
    });

    describe("when a pause fell in the window", function () {
      it("stays reversible until PAUSE_GRACE after the unpause", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + BigInt(DAY));
        await ctx.rx.connect(ctx.pauser).pause();
        await time.increaseTo(ctx.at + 5n * BigInt(DAY));
        const unpaused = await ctx.rx.connect(ctx.pauser).unpause();
        const unpausedAt = BigInt((await unpaused.getBlock())?.timestamp ?? 0);
        const until = unpausedAt + (await ctx.rx.PAUSE_GRACE());
        expect(await ctx.gov.reversibleUntil(ctx.batchId, FinalAct.Illegitimate)).to.equal(until);
        await time.setNextBlockTimestamp(until);
        await expect(ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON))
          .to.emit(ctx.gov, "IllegitimacyReversed")
          .withArgs(ctx.batchId, ctx.regulator2.address, ctx.regulator.address, REASON);
      });

      it("reverts with EnforcedPause while paused", async function () {
        const ctx = await loadFixture(declaredFixture);
        await ctx.rx.connect(ctx.pauser).pause();
        await expect(ctx.gov.connect(ctx.regulator2).reverseIllegitimate(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("reverseRecall", function () {
    describe("when another regulator reverses a class I recall within the window", function () {
      it("emits RecallReversed and the pack verifies genuine again", async function () {
        const ctx = await loadFixture(recalledFixture);
        await expect(ctx.gov.connect(ctx.regulator2).reverseRecall(ctx.batchId, REASON))
          .to.emit(ctx.gov, "RecallReversed")
          .withArgs(ctx.batchId, ctx.regulator2.address, ctx.regulator.address, 0, REASON);
        expect((await ctx.rx.batch(ctx.batchId)).recallClass).to.equal(0n);
        expect(await verdictOf(ctx)).to.equal(Verdict.Genuine);
      });

      it("restores the manufacturer's class II recall it escalated", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.rx.connect(ctx.manufacturer).recall(ctx.batchId, RecallClass.II, REASON, RECALL_URI);
        await ctx.rx.connect(ctx.regulator).recall(ctx.batchId, RecallClass.I, REASON, RECALL_URI);
        await expect(ctx.gov.connect(ctx.regulator2).reverseRecall(ctx.batchId, REASON))
          .to.emit(ctx.gov, "RecallReversed")
          .withArgs(ctx.batchId, ctx.regulator2.address, ctx.regulator.address, RecallClass.II, REASON);
        expect((await ctx.rx.batch(ctx.batchId)).recallClass).to.equal(BigInt(RecallClass.II));
        expect(await verdictOf(ctx)).to.equal(Verdict.Recalled);
      });
    });

    describe("when the recalling regulator tries to reverse its own recall", function () {
      it("reverts with ReversalBySameRegulator", async function () {
        const ctx = await loadFixture(recalledFixture);
        await expect(ctx.gov.connect(ctx.regulator).reverseRecall(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalBySameRegulator")
          .withArgs(ctx.batchId, FinalAct.RecallClassI, ctx.regulator.address);
      });
    });

    describe("when another regulator tries after the window", function () {
      it("reverts with ReversalWindowClosed", async function () {
        const ctx = await loadFixture(recalledFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        await expect(ctx.gov.connect(ctx.regulator2).reverseRecall(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalWindowClosed")
          .withArgs(ctx.batchId, FinalAct.RecallClassI, ctx.at + WINDOW);
      });
    });

    describe("when the manufacturer itself recalled its lot class I", function () {
      it("reverts with ReversalNothingToReverse: its own recall is its decision", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.rx.connect(ctx.manufacturer).recall(ctx.batchId, RecallClass.I, REASON, RECALL_URI);
        await expect(ctx.gov.connect(ctx.regulator2).reverseRecall(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.gov, "ReversalNothingToReverse")
          .withArgs(ctx.batchId, FinalAct.RecallClassI);
      });
    });

    describe("when a distributor tries", function () {
      it("reverts with PartnerWrongRole", async function () {
        const ctx = await loadFixture(recalledFixture);
        await expect(ctx.gov.connect(ctx.distributor).reverseRecall(ctx.batchId, REASON))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerWrongRole")
          .withArgs(ctx.distributor.address, Role.Distributor, Role.Regulator);
      });
    });
  });

  describe("condemnStock", function () {
    describe("when the declaration is final", function () {
      it("emits StockCondemned and moves saleable units to condemned", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        const before = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
        await expect(ctx.gov.connect(ctx.regulator2).condemnStock(ctx.batchId, ctx.pharmacy.address, before.saleable))
          .to.emit(ctx.gov, "StockCondemned")
          .withArgs(ctx.batchId, ctx.pharmacy.address, ctx.regulator2.address, before.saleable);
        const after = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
        expect(after.saleable).to.equal(0n);
        expect(after.condemned).to.equal(before.condemned + before.saleable);
      });

      it("adds a second condemnation to the units condemned before", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        const { saleable } = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
        await ctx.gov.connect(ctx.regulator2).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n);
        await ctx.gov.connect(ctx.regulator2).condemnStock(ctx.batchId, ctx.pharmacy.address, saleable - 1n);
        const after = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
        expect(after.condemned).to.equal(saleable);
        expect(after.saleable).to.equal(0n);
      });
    });

    describe("when the declaration may still be reversed", function () {
      it("reverts with SafetyDecisionNotFinal", async function () {
        const ctx = await loadFixture(declaredFixture);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n))
          .to.be.revertedWithCustomError(ctx.gov, "SafetyDecisionNotFinal")
          .withArgs(ctx.batchId, ctx.at + WINDOW);
      });

      it("reverts with SafetyDecisionNotFinal at the window's last second", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.setNextBlockTimestamp(ctx.at + WINDOW);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n))
          .to.be.revertedWithCustomError(ctx.gov, "SafetyDecisionNotFinal")
          .withArgs(ctx.batchId, ctx.at + WINDOW);
      });
    });

    describe("when the manufacturer recalled its lot (final at once)", function () {
      it("emits StockCondemned for the distributor's saleable units", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.rx.connect(ctx.manufacturer).recall(ctx.batchId, RecallClass.II, REASON, RECALL_URI);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.distributor.address, 2n))
          .to.emit(ctx.gov, "StockCondemned")
          .withArgs(ctx.batchId, ctx.distributor.address, ctx.regulator.address, 2n);
      });
    });

    describe("when a class I recall came a day after the declaration", function () {
      it("emits StockCondemned once the declaration's window ends, the earlier of the two", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + BigInt(DAY));
        await ctx.rx.connect(ctx.regulator2).recall(ctx.batchId, RecallClass.I, REASON, RECALL_URI);
        await time.setNextBlockTimestamp(ctx.at + WINDOW + 1n);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n))
          .to.emit(ctx.gov, "StockCondemned")
          .withArgs(ctx.batchId, ctx.pharmacy.address, ctx.regulator.address, 1n);
      });
    });

    describe("when the batch is neither recalled nor illegitimate", function () {
      it("reverts with SafetyNotCondemnable", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n))
          .to.be.revertedWithCustomError(ctx.gov, "SafetyNotCondemnable")
          .withArgs(ctx.batchId);
      });
    });

    describe("when the holder has fewer saleable units", function () {
      it("reverts with CustodyInsufficientSaleable", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        const { saleable } = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, saleable + 1n))
          .to.be.revertedWithCustomError(ctx.rx, "CustodyInsufficientSaleable")
          .withArgs(ctx.batchId, ctx.pharmacy.address, saleable, saleable + 1n);
      });
    });

    describe("when the quantity is zero", function () {
      it("reverts with BatchInvalidQuantity", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, 0n))
          .to.be.revertedWithCustomError(ctx.rx, "BatchInvalidQuantity")
          .withArgs(0n);
      });
    });

    describe("when a holder (not a regulator) tries", function () {
      it("reverts with PartnerWrongRole", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        await expect(ctx.gov.connect(ctx.pharmacy).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerWrongRole")
          .withArgs(ctx.pharmacy.address, Role.Dispenser, Role.Regulator);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const ctx = await loadFixture(declaredFixture);
        await time.increaseTo(ctx.at + WINDOW + 1n);
        await ctx.rx.connect(ctx.pauser).pause();
        await expect(ctx.gov.connect(ctx.regulator).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n))
          .to.be.revertedWithCustomError(ctx.rx, "EnforcedPause")
          .withArgs();
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 3. Company prefixes: transfer (a merger) and revocation
// ---------------------------------------------------------------------------------------------------------

describe("Governance: company prefixes", function () {
  const NEW_LOT = "M24-0001";

  describe("transferCompanyPrefix", function () {
    describe("when the admin moves the manufacturer's prefix to the other manufacturer", function () {
      it("emits CompanyPrefixTransferred and the prefix has its new owner", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.admin).transferCompanyPrefix(PREFIX, ctx.otherManufacturer.address))
          .to.emit(ctx.gov, "CompanyPrefixTransferred")
          .withArgs(PREFIX, ctx.manufacturer.address, ctx.otherManufacturer.address);
        expect(await ctx.rx.companyPrefixOwner(PREFIX)).to.equal(ctx.otherManufacturer.address);
      });

      it("lets the new owner commission new lots under it, and not the old one", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.gov.connect(ctx.admin).transferCompanyPrefix(PREFIX, ctx.otherManufacturer.address);
        const { input } = await commissionInput({ lot: NEW_LOT });
        await expect(ctx.rx.connect(ctx.manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(ctx.rx, "BatchGtinNotOwned")
          .withArgs(GTIN, ctx.manufacturer.address);
        await expect(ctx.rx.connect(ctx.otherManufacturer).commissionBatch(input))
          .to.emit(ctx.rx, "BatchCommissioned");
        expect(await ctx.rx.manufacturerOf(batchIdOf(GTIN, NEW_LOT))).to.equal(ctx.otherManufacturer.address);
      });

      it("leaves lots already commissioned verifiable and movable, still the old manufacturer's", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.gov.connect(ctx.admin).transferCompanyPrefix(PREFIX, ctx.otherManufacturer.address);
        expect(await verdictOf(ctx)).to.equal(Verdict.Genuine);
        expect(await ctx.rx.manufacturerOf(ctx.batchId)).to.equal(ctx.manufacturer.address);
        await deliverFrom(ctx.rx, ctx.manufacturer, ctx.batchId, ctx.distributor, 1n);
        await expect(ctx.rx.connect(ctx.manufacturer).recall(ctx.batchId, RecallClass.III, REASON, RECALL_URI))
          .to.emit(ctx.rx, "BatchRecalled")
          .withArgs(ctx.batchId, ctx.manufacturer.address, RecallClass.III, REASON, RECALL_URI);
      });
    });

    describe("when it goes through the timelock", function () {
      it("emits CompanyPrefixTransferred when the scheduled operation runs after the delay", async function () {
        const { rx, timelock, target, proposer, deployer, manufacturer, dispenser } = await loadFixture(timelockFixture);
        const gov = IGovernance__factory.connect(target, deployer);
        const expiry = (await time.latest()) + YEAR;
        const schedule = async (data: string, salt: string) => {
          await timelock.connect(proposer).schedule(target, 0n, data, NO_PREDECESSOR, salt, TIMELOCK_DELAY);
          await time.increase(TIMELOCK_DELAY);
          return timelock.execute(target, 0n, data, NO_PREDECESSOR, salt);
        };
        const onboard = (who: string, gln: bigint) =>
          rx.interface.encodeFunctionData("onboardPartner", [who, Role.Manufacturer, gln, LICENCE_REF, expiry, "Maker"]);
        await schedule(
          rx.interface.encodeFunctionData("multicall", [
            [onboard(manufacturer.address, CAST[0].gln), onboard(dispenser.address, CAST[1].gln), rx.interface.encodeFunctionData("assignCompanyPrefix", [manufacturer.address, PREFIX])],
          ]),
          ethers.id("two makers"),
        );
        const transfer = gov.interface.encodeFunctionData("transferCompanyPrefix", [PREFIX, dispenser.address]);
        await expect(schedule(transfer, ethers.id("merger")))
          .to.emit(gov, "CompanyPrefixTransferred")
          .withArgs(PREFIX, manufacturer.address, dispenser.address);
      });
    });

    describe("when the prefix is assigned to nobody", function () {
      it("reverts with PartnerCompanyPrefixNotAssigned", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.admin).transferCompanyPrefix("0355555", ctx.otherManufacturer.address))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerCompanyPrefixNotAssigned")
          .withArgs("0355555");
      });
    });

    describe("when the prefix is malformed", function () {
      it("reverts with PartnerInvalidCompanyPrefix", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.admin).transferCompanyPrefix("03x", ctx.otherManufacturer.address))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerInvalidCompanyPrefix")
          .withArgs("03x");
      });
    });

    describe("when the new owner is not a partner", function () {
      it("reverts with PartnerUnknown", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.admin).transferCompanyPrefix(PREFIX, ctx.stranger.address))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerUnknown")
          .withArgs(ctx.stranger.address);
      });
    });

    describe("when the new owner already owns it", function () {
      it("reverts with PartnerCompanyPrefixTaken", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.admin).transferCompanyPrefix(PREFIX, ctx.manufacturer.address))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerCompanyPrefixTaken")
          .withArgs(PREFIX, ctx.manufacturer.address);
      });
    });

    describe("when the operator tries", function () {
      it("reverts with AccessControlUnauthorizedAccount for the admin role", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.pauser).transferCompanyPrefix(PREFIX, ctx.otherManufacturer.address))
          .to.be.revertedWithCustomError(ctx.rx, "AccessControlUnauthorizedAccount")
          .withArgs(ctx.pauser.address, ZeroHash);
      });

      it("reverts with AccessControlUnauthorizedAccount while paused too: the role is checked before the pause", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.rx.connect(ctx.pauser).pause();
        await expect(ctx.gov.connect(ctx.pauser).transferCompanyPrefix(PREFIX, ctx.otherManufacturer.address))
          .to.be.revertedWithCustomError(ctx.rx, "AccessControlUnauthorizedAccount")
          .withArgs(ctx.pauser.address, ZeroHash);
      });
    });
  });

  describe("revokeCompanyPrefix", function () {
    describe("when the admin revokes the manufacturer's prefix", function () {
      it("emits CompanyPrefixRevoked; new lots are refused, old ones still verify", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.admin).revokeCompanyPrefix(PREFIX))
          .to.emit(ctx.gov, "CompanyPrefixRevoked")
          .withArgs(PREFIX, ctx.manufacturer.address);
        expect(await ctx.rx.companyPrefixOwner(PREFIX)).to.equal(ZeroAddress);
        const { input } = await commissionInput({ lot: NEW_LOT });
        await expect(ctx.rx.connect(ctx.manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(ctx.rx, "BatchGtinNotOwned")
          .withArgs(GTIN, ctx.manufacturer.address);
        expect(await verdictOf(ctx)).to.equal(Verdict.Genuine);
      });

      it("lets the admin assign it again", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.gov.connect(ctx.admin).revokeCompanyPrefix(PREFIX);
        await expect(ctx.rx.connect(ctx.admin).assignCompanyPrefix(ctx.otherManufacturer.address, PREFIX))
          .to.emit(ctx.rx, "CompanyPrefixAssigned")
          .withArgs(ctx.otherManufacturer.address, PREFIX);
      });

      it("works while the suite is paused (it only restricts)", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await ctx.rx.connect(ctx.pauser).pause();
        await expect(ctx.gov.connect(ctx.admin).revokeCompanyPrefix(PREFIX))
          .to.emit(ctx.gov, "CompanyPrefixRevoked")
          .withArgs(PREFIX, ctx.manufacturer.address);
      });
    });

    describe("when a manufacturer tries", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const ctx = await loadFixture(regulatorsFixture);
        await expect(ctx.gov.connect(ctx.manufacturer).revokeCompanyPrefix(PREFIX))
          .to.be.revertedWithCustomError(ctx.rx, "AccessControlUnauthorizedAccount")
          .withArgs(ctx.manufacturer.address, ZeroHash);
      });
    });
  });

  describe("a function neither contract serves", function () {
    it("reverts at the core with no data", async function () {
      const ctx = await loadFixture(regulatorsFixture);
      const unknown = new ethers.Contract(await ctx.rx.getAddress(), ["function noSuchFunction()"], ctx.stranger);
      await expect(unknown.getFunction("noSuchFunction")()).to.be.revertedWithoutReason();
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 4. The deploy's admin policy (npm run deploy, rx:deploy)
// ---------------------------------------------------------------------------------------------------------

describe("Governance: the deploy's admin policy", function () {
  const EOA = "0x00000000000000000000000000000000000000aa";

  describe("planAdmin", function () {
    it("creates a timelock with a two-day delay on a public network when no admin is given", function () {
      expect(planAdmin({ network: "polygon" })).to.deep.equal({ plan: { kind: "timelock", delay: DEFAULT_PUBLIC_TIMELOCK_DELAY }, problems: [] });
    });

    it("refuses an externally owned admin on a public network, naming the setting and the address", function () {
      const { problems } = planAdmin({ network: "amoy", admin: EOA, adminIsContract: false });
      expect(problems).to.deep.equal([
        `RXTRACE_ADMIN (--admin) is ${EOA}, an externally owned account: on "amoy" the admin must be a TimelockController ` +
          "(leave RXTRACE_ADMIN unset and the deploy creates one) or a multisig",
      ]);
    });

    it("refuses a timelock delay of 0 on a public network", function () {
      const { problems } = planAdmin({ network: "polygon", timelockDelay: 0n });
      expect(problems).to.deep.equal(['RXTRACE_TIMELOCK_DELAY (--timelock-delay) is 0: on "polygon" expected a delay of more than 0 seconds']);
    });

    it("refuses an existing timelock whose delay is 0 on a public network", function () {
      const { problems } = planAdmin({ network: "polygon", admin: EOA, adminIsContract: true, timelockDelay: 0n });
      expect(problems).to.deep.equal([`the admin timelock ${EOA} has a delay of 0 seconds: on "polygon" expected more than 0`]);
    });

    it("keeps the deployer as the admin on a development network", function () {
      expect(planAdmin({ network: "localhost" })).to.deep.equal({ plan: { kind: "deployer" }, problems: [] });
    });
  });

  describe("deploySuite with a timelock delay", function () {
    it("makes a new TimelockController the admin, records it and prints what it set", async function () {
      const lines: string[] = [];
      const [deployer, operator] = await ethers.getSigners();
      const record = await deploySuite(hre, { timelockDelay: 3600n, operator: operator.address, dir: tempDir("rx-gov-"), redeploy: true, log: (l) => lines.push(l) });
      const rx = RxTrace__factory.connect(record.contracts.RxTrace.address, deployer);
      expect(record.timelock?.minDelay).to.equal("3600");
      expect(await rx.defaultAdmin()).to.equal(record.timelock?.address);
      expect(await rx.hasRole(OPERATOR_ROLE, operator.address)).to.equal(true);
      expect(lines.join("\n")).to.include(`admin (onboards manufacturers and regulators, company prefixes, roles): ${record.timelock?.address} (TimelockController, delay 3600 s)`);
    });
  });
});
