import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { batchIdOf } from "../src/domain/ids";
import { RecallClass, Role, Standing } from "../src/domain/enums";
import { GTIN } from "../src/scenario/scenario";
import {
  DAY,
  batchFixture,
  deliverFrom,
  pharmacyFixture,
  quarantinedFixture,
  receivedFixture,
  shipFrom,
} from "./fixtures";

const REASON_HASH = ethers.id("recall notice 2024-17");
const REASON_URI = "ipfs://QmRecaLLNoticeAcmeLotA240001xxxxxxxxxxxxxxxx";
const SUSPECT_REASON = ethers.id("suspect: packaging anomaly reported");
const CLEAR_REASON = ethers.id("investigation closed: genuine");
const ILLEGITIMATE_REASON = ethers.id("counterfeit confirmed by lab");
const SUSPENSION_REASON = ethers.id("licence under review");
const UNKNOWN_BATCH = batchIdOf(GTIN, "NO-SUCH-LOT");

const SUSPECT_LAPSE = 7 * DAY;
/** When a holder's flag made in the latest block lapses. */
const lapsesAt = async () => (await time.latest()) + SUSPECT_LAPSE;

const RECALLED = 1n;
const SUSPECT = 2n;
const ILLEGITIMATE = 4n;

/** The batch is on hold as suspect, flagged by the regulator. */
async function suspectFixture() {
  const base = await loadFixture(pharmacyFixture);
  await base.rx.connect(base.regulator).flagSuspect(base.batchId, SUSPECT_REASON);
  return base;
}

/** The regulator declared the batch illegitimate. */
async function illegitimateFixture() {
  const base = await loadFixture(pharmacyFixture);
  await base.rx.connect(base.regulator).declareIllegitimate(base.batchId, ILLEGITIMATE_REASON);
  return base;
}

describe("RxTrace: ProductSafety", function () {
  describe("recall", function () {
    describe("when the batch's manufacturer recalls", function () {
      it("emits BatchRecalled", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON_HASH, REASON_URI))
          .to.emit(rx, "BatchRecalled")
          .withArgs(batchId, manufacturer.address, RecallClass.II, REASON_HASH, REASON_URI);
      });

      it("sets the RECALLED flag and the recall class", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON_HASH, REASON_URI);
        const b = await rx.batch(batchId);
        expect(b.flags).to.equal(RECALLED);
        expect(b.recallClass).to.equal(RecallClass.II);
      });
    });

    describe("when a regulator recalls", function () {
      it("emits BatchRecalled", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(regulator).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.emit(rx, "BatchRecalled")
          .withArgs(batchId, regulator.address, RecallClass.I, REASON_HASH, REASON_URI);
      });

      it("sets the RECALLED flag and the recall class", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.III, REASON_HASH, REASON_URI);
        const b = await rx.batch(batchId);
        expect(b.flags & RECALLED).to.equal(RECALLED);
        expect(b.recallClass).to.equal(RecallClass.III);
      });

      it("keeps the suspect flag of a suspect batch", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI);
        expect((await rx.batch(batchId)).flags).to.equal(RECALLED | SUSPECT);
      });
    });

    describe("when the suite is paused", function () {
      it("still recalls", async function () {
        const { rx, pauser, regulator, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(regulator).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.emit(rx, "BatchRecalled")
          .withArgs(batchId, regulator.address, RecallClass.I, REASON_HASH, REASON_URI);
        expect((await rx.batch(batchId)).flags).to.equal(RECALLED);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator } = await loadFixture(batchFixture);
        await expect(rx.connect(regulator).recall(UNKNOWN_BATCH, RecallClass.I, REASON_HASH, REASON_URI))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the recall class is out of range", function () {
      for (const { recallClass, caller } of [
        { recallClass: 0, caller: "manufacturer" },
        { recallClass: 4, caller: "regulator" },
      ] as const) {
        it(`reverts with SafetyInvalidRecallClass for class ${recallClass}`, async function () {
          const f = await loadFixture(batchFixture);
          await expect(f.rx.connect(f[caller]).recall(f.batchId, recallClass, REASON_HASH, REASON_URI))
            .to.be.revertedWithCustomError(f.rx, "SafetyInvalidRecallClass")
            .withArgs(recallClass);
        });
      }
    });

    describe("when the batch is recalled already", function () {
      for (const { what, recallClass } of [
        { what: "the same class", recallClass: RecallClass.II },
        { what: "a less serious class (de-escalation)", recallClass: RecallClass.III },
      ]) {
        it(`reverts with SafetyAlreadyRecalled and the stored class for ${what}`, async function () {
          const { rx, manufacturer, regulator, batchId } = await loadFixture(batchFixture);
          await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON_HASH, REASON_URI);
          await expect(rx.connect(regulator).recall(batchId, recallClass, REASON_HASH, REASON_URI))
            .to.be.revertedWithCustomError(rx, "SafetyAlreadyRecalled")
            .withArgs(batchId, RecallClass.II);
        });
      }
    });

    describe("when a recalled batch's recall is escalated (III to I)", function () {
      it("emits RecallEscalated with the previous and the new class", async function () {
        const { rx, manufacturer, regulator, batchId } = await loadFixture(batchFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.III, REASON_HASH, REASON_URI);
        await expect(rx.connect(regulator).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.emit(rx, "RecallEscalated")
          .withArgs(batchId, regulator.address, RecallClass.III, RecallClass.I, REASON_HASH, REASON_URI);
      });

      it("stores the new class and keeps the RECALLED flag", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(batchFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.III, REASON_HASH, REASON_URI);
        await rx.connect(manufacturer).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI);
        const b = await rx.batch(batchId);
        expect([b.flags, b.recallClass]).to.deep.equal([RECALLED, BigInt(RecallClass.I)]);
      });
    });

    describe("when the caller is neither the manufacturer nor a regulator", function () {
      it("reverts with PartnerWrongRole for a distributor", async function () {
        const { rx, distributor, batchId } = await loadFixture(receivedFixture);
        await expect(rx.connect(distributor).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(distributor.address, Role.Distributor, Role.Regulator);
      });

      it("reverts with PartnerWrongRole for another manufacturer", async function () {
        const { rx, otherManufacturer, batchId } = await loadFixture(batchFixture);
        await expect(rx.connect(otherManufacturer).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(otherManufacturer.address, Role.Manufacturer, Role.Regulator);
      });

      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const { rx, stranger, batchId } = await loadFixture(batchFixture);
        await expect(rx.connect(stranger).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });

    describe("when the batch's manufacturer is suspended or its licence lapsed (a restrictive act always works)", function () {
      it("still recalls for a suspended manufacturer", async function () {
        const { rx, admin, manufacturer, batchId } = await loadFixture(batchFixture);
        await rx.connect(admin).suspendPartner(manufacturer.address, SUSPENSION_REASON);
        await expect(rx.connect(manufacturer).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.emit(rx, "BatchRecalled")
          .withArgs(batchId, manufacturer.address, RecallClass.I, REASON_HASH, REASON_URI);
      });

      it("still recalls for a manufacturer whose licence lapsed", async function () {
        const { rx, manufacturer, batchId, licenceExpiry } = await loadFixture(batchFixture);
        await time.increaseTo(licenceExpiry + 1);
        expect(await rx.standing(manufacturer.address)).to.equal(Standing.LicenceExpired);
        await expect(rx.connect(manufacturer).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI))
          .to.emit(rx, "BatchRecalled")
          .withArgs(batchId, manufacturer.address, RecallClass.I, REASON_HASH, REASON_URI);
      });
    });
  });

  describe("flagSuspect", function () {
    describe("when a current holder flags the batch", function () {
      it("emits BatchFlaggedSuspect", async function () {
        const { rx, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        const tx = await rx.connect(pharmacy).flagSuspect(batchId, SUSPECT_REASON);
        await expect(tx)
          .to.emit(rx, "BatchFlaggedSuspect")
          .withArgs(batchId, pharmacy.address, SUSPECT_REASON, await lapsesAt());
      });

      it("sets the SUSPECT flag", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(manufacturer).flagSuspect(batchId, SUSPECT_REASON);
        expect((await rx.batch(batchId)).flags).to.equal(SUSPECT);
      });
    });

    describe("when the holder has only quarantined units", function () {
      it("emits BatchFlaggedSuspect", async function () {
        const { rx, distributor, batchId } = await loadFixture(quarantinedFixture);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([0n, 60n]);
        const tx = await rx.connect(distributor).flagSuspect(batchId, SUSPECT_REASON);
        await expect(tx)
          .to.emit(rx, "BatchFlaggedSuspect")
          .withArgs(batchId, distributor.address, SUSPECT_REASON, await lapsesAt());
        expect((await rx.batch(batchId)).flags).to.equal(SUSPECT);
      });
    });

    describe("when a regulator flags the batch", function () {
      it("emits BatchFlaggedSuspect although it holds nothing", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(regulator).flagSuspect(batchId, SUSPECT_REASON))
          .to.emit(rx, "BatchFlaggedSuspect")
          .withArgs(batchId, regulator.address, SUSPECT_REASON, 0);
        expect((await rx.batch(batchId)).flags).to.equal(SUSPECT);
      });
    });

    describe("when the suite is paused", function () {
      it("still flags the batch", async function () {
        const { rx, pauser, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(pauser).pause();
        const tx = await rx.connect(pharmacy).flagSuspect(batchId, SUSPECT_REASON);
        await expect(tx)
          .to.emit(rx, "BatchFlaggedSuspect")
          .withArgs(batchId, pharmacy.address, SUSPECT_REASON, await lapsesAt());
        expect((await rx.batch(batchId)).flags).to.equal(SUSPECT);
      });
    });

    describe("when the caller holds none of the batch", function () {
      it("reverts with SafetyNotHolder for a pharmacy that never received it", async function () {
        const { rx, pharmacy2, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(pharmacy2).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyNotHolder")
          .withArgs(batchId, pharmacy2.address);
      });

      it("reverts with SafetyNotHolder for a distributor that shipped everything out", async function () {
        const { rx, distributor, distributor2, batchId } = await loadFixture(receivedFixture);
        await shipFrom(rx, distributor, batchId, distributor2.address, 60n);
        await expect(rx.connect(distributor).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyNotHolder")
          .withArgs(batchId, distributor.address);
      });
    });

    describe("when the caller is not an authorized partner", function () {
      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const { rx, stranger, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(stranger).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });

      it("reverts with PartnerNotAuthorized for a suspended holder", async function () {
        const { rx, admin, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(admin).suspendPartner(pharmacy.address, SUSPENSION_REASON);
        await expect(rx.connect(pharmacy).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(pharmacy.address, Standing.Suspended);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator } = await loadFixture(batchFixture);
        await expect(rx.connect(regulator).flagSuspect(UNKNOWN_BATCH, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the batch is suspect already", function () {
      it("reverts with SafetyAlreadySuspect", async function () {
        const { rx, pharmacy, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(pharmacy).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyAlreadySuspect")
          .withArgs(batchId);
      });
    });

    describe("when the batch is illegitimate", function () {
      it("reverts with SafetyAlreadyIllegitimate", async function () {
        const { rx, pharmacy, batchId } = await loadFixture(illegitimateFixture);
        await expect(rx.connect(pharmacy).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyAlreadyIllegitimate")
          .withArgs(batchId);
      });
    });
  });

  describe("clearSuspect", function () {
    describe("when a regulator clears a suspect batch", function () {
      it("emits SuspectCleared", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON))
          .to.emit(rx, "SuspectCleared")
          .withArgs(batchId, regulator.address, CLEAR_REASON);
      });

      it("clears the SUSPECT flag", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON);
        expect((await rx.batch(batchId)).flags).to.equal(0n);
      });

      it("keeps the RECALLED flag of a recalled batch", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.II, REASON_HASH, REASON_URI);
        await rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON);
        expect((await rx.batch(batchId)).flags).to.equal(RECALLED);
      });

      it("lets the batch be shipped again", async function () {
        const { rx, regulator, distributor, distributor2, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 5n))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
        await rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON);
        const nonce = (await rx.holding(batchId, distributor.address)).shipments;
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 5n)).to.emit(rx, "Shipped");
        expect((await rx.holding(batchId, distributor.address)).shipments).to.equal(nonce + 1n);
      });
    });

    describe("when the batch is not suspect", function () {
      it("reverts with SafetyNotSuspect", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyNotSuspect")
          .withArgs(batchId);
      });
    });

    describe("when the caller is not a regulator", function () {
      it("reverts with PartnerWrongRole for the manufacturer", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(manufacturer).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(manufacturer.address, Role.Manufacturer, Role.Regulator);
      });

      it("reverts with PartnerWrongRole for the pharmacy that holds it", async function () {
        const { rx, pharmacy, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(pharmacy).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(pharmacy.address, Role.Dispenser, Role.Regulator);
      });

      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const { rx, stranger, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(stranger).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator } = await loadFixture(batchFixture);
        await expect(rx.connect(regulator).clearSuspect(UNKNOWN_BATCH, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("declareIllegitimate", function () {
    describe("when a regulator declares an active batch illegitimate", function () {
      it("emits BatchDeclaredIllegitimate", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.emit(rx, "BatchDeclaredIllegitimate")
          .withArgs(batchId, regulator.address, ILLEGITIMATE_REASON);
      });

      it("sets the ILLEGITIMATE flag", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON);
        expect((await rx.batch(batchId)).flags).to.equal(ILLEGITIMATE);
      });
    });

    describe("when a regulator declares a suspect batch illegitimate", function () {
      it("emits BatchDeclaredIllegitimate", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await expect(rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.emit(rx, "BatchDeclaredIllegitimate")
          .withArgs(batchId, regulator.address, ILLEGITIMATE_REASON);
      });

      it("clears the SUSPECT flag and sets ILLEGITIMATE", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON);
        expect((await rx.batch(batchId)).flags).to.equal(ILLEGITIMATE);
      });

      it("makes clearSuspect revert with SafetyNotSuspect", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON);
        await expect(rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyNotSuspect")
          .withArgs(batchId);
      });

      it("makes flagSuspect revert with SafetyAlreadyIllegitimate", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON);
        await expect(rx.connect(regulator).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyAlreadyIllegitimate")
          .withArgs(batchId);
      });
    });

    describe("when a regulator declares a recalled batch illegitimate", function () {
      it("keeps the RECALLED flag", async function () {
        const { rx, regulator, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.I, REASON_HASH, REASON_URI);
        await rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON);
        const b = await rx.batch(batchId);
        expect(b.flags).to.equal(RECALLED | ILLEGITIMATE);
        expect(b.recallClass).to.equal(RecallClass.I);
      });
    });

    describe("when the suite is paused", function () {
      it("still declares the batch illegitimate", async function () {
        const { rx, pauser, regulator, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.emit(rx, "BatchDeclaredIllegitimate")
          .withArgs(batchId, regulator.address, ILLEGITIMATE_REASON);
        expect((await rx.batch(batchId)).flags).to.equal(ILLEGITIMATE);
      });
    });

    describe("when the batch is illegitimate already", function () {
      it("reverts with SafetyAlreadyIllegitimate", async function () {
        const { rx, regulator, batchId } = await loadFixture(illegitimateFixture);
        await expect(rx.connect(regulator).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyAlreadyIllegitimate")
          .withArgs(batchId);
      });
    });

    describe("when the caller is not a regulator", function () {
      it("reverts with PartnerWrongRole for the manufacturer", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(manufacturer).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(manufacturer.address, Role.Manufacturer, Role.Regulator);
      });

      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const { rx, stranger, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(stranger).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator } = await loadFixture(batchFixture);
        await expect(rx.connect(regulator).declareIllegitimate(UNKNOWN_BATCH, ILLEGITIMATE_REASON))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });
  });

  describe("releaseQuarantine", function () {
    describe("when a regulator releases all quarantined units", function () {
      it("emits QuarantineReleased", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 60n))
          .to.emit(rx, "QuarantineReleased")
          .withArgs(batchId, distributor.address, regulator.address, 60n);
      });

      it("moves the units from quarantined to saleable", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 60n);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined, h.dispensed, h.condemned]).to.deep.equal([60n, 0n, 0n, 0n]);
      });

      it("lets the holder ship the released units", async function () {
        const { rx, regulator, distributor, distributor2, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 60n);
        await deliverFrom(rx, distributor, batchId, distributor2, 60n);
        expect((await rx.holding(batchId, distributor2.address)).saleable).to.equal(60n);
      });
    });

    describe("when a regulator releases part of the quarantined units", function () {
      it("moves only that quantity", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 25n))
          .to.emit(rx, "QuarantineReleased")
          .withArgs(batchId, distributor.address, regulator.address, 25n);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([25n, 35n]);
      });
    });

    describe("when the holder has fewer quarantined units than requested", function () {
      it("reverts with SafetyInsufficientQuarantined", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 61n))
          .to.be.revertedWithCustomError(rx, "SafetyInsufficientQuarantined")
          .withArgs(batchId, distributor.address, 60n, 61n);
      });

      it("reverts with SafetyInsufficientQuarantined for a holder with only saleable units", async function () {
        const { rx, regulator, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(regulator).releaseQuarantine(batchId, pharmacy.address, 1n))
          .to.be.revertedWithCustomError(rx, "SafetyInsufficientQuarantined")
          .withArgs(batchId, pharmacy.address, 0n, 1n);
      });
    });

    describe("when the quantity is zero", function () {
      it("reverts with BatchInvalidQuantity", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 0n))
          .to.be.revertedWithCustomError(rx, "BatchInvalidQuantity")
          .withArgs(0n);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator, distributor } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).releaseQuarantine(UNKNOWN_BATCH, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the caller is not a regulator", function () {
      it("reverts with PartnerWrongRole for the holder itself", async function () {
        const { rx, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(distributor).releaseQuarantine(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(distributor.address, Role.Distributor, Role.Regulator);
      });

      it("reverts with PartnerWrongRole for the manufacturer", async function () {
        const { rx, manufacturer, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(manufacturer).releaseQuarantine(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(manufacturer.address, Role.Manufacturer, Role.Regulator);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("condemnQuarantine", function () {
    describe("when a regulator releases quarantined units of a holder that also has saleable ones", function () {
      it("adds them to the saleable units", async function () {
        const { rx, regulator, manufacturer, distributor, batchId } = await loadFixture(quarantinedFixture);
        await deliverFrom(rx, manufacturer, batchId, distributor, 5n);
        await rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 10n);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([15n, 50n]);
      });
    });

    describe("when a regulator condemns all quarantined units", function () {
      it("emits QuarantineCondemned", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 60n))
          .to.emit(rx, "QuarantineCondemned")
          .withArgs(batchId, distributor.address, regulator.address, 60n);
      });

      it("moves the units from quarantined to condemned", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 60n);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined, h.dispensed, h.condemned]).to.deep.equal([0n, 0n, 0n, 60n]);
      });
    });

    describe("when a regulator condemns part of the quarantined units", function () {
      it("moves only that quantity", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 10n))
          .to.emit(rx, "QuarantineCondemned")
          .withArgs(batchId, distributor.address, regulator.address, 10n);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined, h.condemned]).to.deep.equal([0n, 50n, 10n]);
      });

      it("adds to the units condemned before", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 10n);
        await rx.connect(regulator).releaseQuarantine(batchId, distributor.address, 20n);
        await rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 30n);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined, h.condemned]).to.deep.equal([20n, 0n, 40n]);
      });
    });

    describe("when the holder has fewer quarantined units than requested", function () {
      it("reverts with SafetyInsufficientQuarantined", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 50n);
        await expect(rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 11n))
          .to.be.revertedWithCustomError(rx, "SafetyInsufficientQuarantined")
          .withArgs(batchId, distributor.address, 10n, 11n);
      });
    });

    describe("when the quantity is zero", function () {
      it("reverts with BatchInvalidQuantity", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 0n))
          .to.be.revertedWithCustomError(rx, "BatchInvalidQuantity")
          .withArgs(0n);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator, distributor } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator).condemnQuarantine(UNKNOWN_BATCH, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the caller is not a regulator", function () {
      it("reverts with PartnerWrongRole for a pharmacy", async function () {
        const { rx, pharmacy, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(pharmacy).condemnQuarantine(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(pharmacy.address, Role.Dispenser, Role.Regulator);
      });

      it("reverts with PartnerNotAuthorized for a stranger", async function () {
        const { rx, stranger, distributor, batchId } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(stranger).condemnQuarantine(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });

    describe("when the suite is paused", function () {
      it("still condemns: a restrictive act works while paused", async function () {
        const { rx, pauser, regulator, distributor, batchId } = await loadFixture(quarantinedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(regulator).condemnQuarantine(batchId, distributor.address, 1n))
          .to.emit(rx, "QuarantineCondemned")
          .withArgs(batchId, distributor.address, regulator.address, 1n);
      });
    });
  });
});

describe("RxTrace: ProductSafety, suspect holds that no holder can renew at will", function () {
  /** The pharmacy (a holder) flagged the lot; its hold lapses after SUSPECT_LAPSE. */
  async function holderFlaggedFixture() {
    const base = await loadFixture(pharmacyFixture);
    await base.rx.connect(base.pharmacy).flagSuspect(base.batchId, SUSPECT_REASON);
    return { ...base, lapses: await lapsesAt() };
  }

  describe("flagSuspect", function () {
    describe("when a holder that flagged the lot flags it again after a regulator cleared it", function () {
      it("reverts with SafetyAlreadyFlaggedBy: an attacker holding 1 unit cannot freeze the lot again", async function () {
        const { rx, regulator, pharmacy, batchId } = await loadFixture(holderFlaggedFixture);
        await rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON);
        await expect(rx.connect(pharmacy).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyAlreadyFlaggedBy")
          .withArgs(batchId, pharmacy.address);
      });

      it("still lets another holder flag it, once", async function () {
        const { rx, regulator, distributor, batchId } = await loadFixture(holderFlaggedFixture);
        await rx.connect(regulator).clearSuspect(batchId, CLEAR_REASON);
        const tx = await rx.connect(distributor).flagSuspect(batchId, SUSPECT_REASON);
        await expect(tx)
          .to.emit(rx, "BatchFlaggedSuspect")
          .withArgs(batchId, distributor.address, SUSPECT_REASON, await lapsesAt());
      });
    });

    describe("when a holder's flag lapsed without a regulator's confirmation", function () {
      it("lets the lot move again", async function () {
        const { rx, distributor, distributor2, batchId, lapses } = await loadFixture(holderFlaggedFixture);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
        await time.increaseTo(lapses);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n)).to.emit(rx, "Shipped");
      });

      it("holds the lot until the second before it lapses", async function () {
        const { rx, distributor, distributor2, batchId, lapses } = await loadFixture(holderFlaggedFixture);
        await time.setNextBlockTimestamp(lapses - 1);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
      });

      it("lets another holder flag it", async function () {
        const { rx, distributor, batchId, lapses } = await loadFixture(holderFlaggedFixture);
        await time.increaseTo(lapses);
        const tx = await rx.connect(distributor).flagSuspect(batchId, SUSPECT_REASON);
        await expect(tx)
          .to.emit(rx, "BatchFlaggedSuspect")
          .withArgs(batchId, distributor.address, SUSPECT_REASON, await lapsesAt());
      });
    });

    describe("when a regulator flagged the lot", function () {
      it("never lapses", async function () {
        const { rx, distributor, distributor2, batchId } = await loadFixture(suspectFixture);
        await time.increase(10 * SUSPECT_LAPSE);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
      });

      it("stores the regulator and no lapse (suspectHold)", async function () {
        const { rx, regulator, batchId } = await loadFixture(suspectFixture);
        const hold = await rx.suspectHold(batchId);
        expect([hold.by, hold.lapsesAt]).to.deep.equal([regulator.address, 0n]);
      });
    });
  });

  describe("confirmSuspect", function () {
    describe("when a regulator confirms a holder's live flag", function () {
      it("emits SuspectConfirmed", async function () {
        const { rx, regulator, batchId } = await loadFixture(holderFlaggedFixture);
        await expect(rx.connect(regulator).confirmSuspect(batchId, SUSPECT_REASON))
          .to.emit(rx, "SuspectConfirmed")
          .withArgs(batchId, regulator.address, SUSPECT_REASON);
      });

      it("keeps the lot on hold past the lapse", async function () {
        const { rx, regulator, distributor, distributor2, batchId, lapses } = await loadFixture(holderFlaggedFixture);
        await rx.connect(regulator).confirmSuspect(batchId, SUSPECT_REASON);
        await time.increaseTo(lapses + DAY);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "BatchOnHold")
          .withArgs(batchId);
      });

      it("works while paused (a restrictive act)", async function () {
        const { rx, pauser, regulator, batchId } = await loadFixture(holderFlaggedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(regulator).confirmSuspect(batchId, SUSPECT_REASON))
          .to.emit(rx, "SuspectConfirmed")
          .withArgs(batchId, regulator.address, SUSPECT_REASON);
      });
    });

    describe("when the flag lapsed already", function () {
      it("reverts with SafetyNotSuspect", async function () {
        const { rx, regulator, batchId, lapses } = await loadFixture(holderFlaggedFixture);
        await time.increaseTo(lapses);
        await expect(rx.connect(regulator).confirmSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "SafetyNotSuspect")
          .withArgs(batchId);
      });
    });

    describe("when the caller is not a regulator", function () {
      it("reverts with PartnerWrongRole for the manufacturer", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(holderFlaggedFixture);
        await expect(rx.connect(manufacturer).confirmSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(manufacturer.address, Role.Manufacturer, Role.Regulator);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, regulator } = await loadFixture(holderFlaggedFixture);
        await expect(rx.connect(regulator).confirmSuspect(UNKNOWN_BATCH, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });
  });
});
