/**
 * Attacks on batch corrections (issue 12): superseding a batch after any kind of movement or flag, minting units or
 * changing serials of packs already elsewhere, a manufacturer that lost its prefix or its standing, racing and
 * paused approvals, the CORRECTED bit beside the recall, suspect and illegitimate bits, and the off-chain report.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash } from "ethers";
import { ICorrections__factory, IGovernance__factory } from "../typechain-types";
import { makeGln, makeSscc } from "../src/gs1/identifiers";
import { Role, Standing, Verdict } from "../src/domain/enums";
import { serialToBytes32 } from "../src/domain/ids";
import { GTIN, serialRange } from "../src/scenario/scenario";
import { SerialTree } from "../src/merkle";
import { legFields, partiesOf, readDomain, signAuthorization, signOperation, type SignedOperation } from "../src/signing/typed-data";
import { sendSigned, type SignedDocument } from "../src/signing/document";
import { verifyPack as verifyReport } from "../src/chain/events/provenance";
import {
  batchFixture,
  caseContentsOf,
  CaseStatus,
  DAY,
  deliverFrom,
  GOOD_LEG,
  LICENCE_REF,
  LOT,
  SERIALS,
  shipFrom,
  SUSPENSION_REASON,
} from "./fixtures";

const CORRECTED = 8n;
const NEW_CERTIFICATE = ethers.id("attacker's corrected certificate");
const NEW_URI = "ipfs://QmAttackerCorrectedCertificate";
const REASON = ethers.id("reason document");
const REGULATOR2_GLN = makeGln("099999900002");
const SSCC = makeSscc("10312345123456789");

/** batchFixture with a second regulator (for reversals) and the governance ABI for each actor. */
async function attackFixture() {
  const base = await loadFixture(batchFixture);
  const regulator2 = base.stranger;
  await base.rx.onboardPartner(regulator2.address, Role.Regulator, REGULATOR2_GLN, LICENCE_REF, base.licenceExpiry, "State Board 2");
  const address = await base.rx.getAddress();
  const gov = ICorrections__factory.connect(address, base.manufacturer);
  const asRegulator = ICorrections__factory.connect(address, base.regulator);
  const asRegulator2 = ICorrections__factory.connect(address, regulator2);
  const governRegulator = IGovernance__factory.connect(address, base.regulator);
  const governRegulator2 = IGovernance__factory.connect(address, regulator2);
  return { ...base, regulator2, gov, asRegulator, asRegulator2, governRegulator, governRegulator2 };
}

type Ctx = Awaited<ReturnType<typeof attackFixture>>;

/** The manufacturer proposes and the regulator approves an earlier expiry and a new certificate. */
async function correct(ctx: Ctx): Promise<bigint> {
  const expiry = BigInt(ctx.input.expiry) - 10n * BigInt(DAY);
  await ctx.gov.proposeCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI);
  await ctx.asRegulator.approveCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI);
  return expiry;
}

/** `op` signed by every party it needs (the manufacturer and the distributor), ready to submit. */
async function signAll(ctx: Ctx, op: SignedOperation): Promise<SignedDocument> {
  const domain = await readDomain(ctx.rx);
  const signatures = [];
  for (const { party, account } of partiesOf(op)) {
    const signer = account === ctx.manufacturer.address ? ctx.manufacturer : ctx.distributor;
    signatures.push({ party, signer: account, ...(await signOperation(signer, domain, op)) });
  }
  return { ...op, domain, signatures } as SignedDocument;
}

/** A handover of 5 units from the manufacturer to the distributor on a good leg. */
async function handoverOp(ctx: Ctx): Promise<SignedOperation> {
  const deadline = BigInt((await time.latest()) + 3600);
  return {
    kind: "handover",
    message: {
      batchId: ctx.batchId, sender: ctx.manufacturer.address, receiver: ctx.distributor.address, quantity: 5n,
      manifest: ethers.id("manifest"), leg: legFields(GOOD_LEG), nonce: 0n, deadline,
    },
  };
}

describe("Attacks on corrections", function () {
  describe("superseding after a movement of any kind (SupersedeAfterMovement)", function () {
    const movements: { name: string; flags: bigint; move: (ctx: Ctx) => Promise<unknown> }[] = [
      {
        name: "a shipment cancelled before receipt (the units are back, the count is not)",
        flags: 0n,
        move: async (ctx) => {
          const sent = await shipFrom(ctx.rx, ctx.manufacturer, ctx.batchId, ctx.distributor.address, 5n);
          await time.increase(Number(await ctx.rx.CANCEL_AFTER()) + 1);
          await ctx.rx.connect(ctx.manufacturer).cancelShipment(sent.shipment);
        },
      },
      {
        name: "a signed shipment (shipSigned, submitted by a stranger)",
        flags: 0n,
        move: async (ctx) => {
          const deadline = BigInt((await time.latest()) + 3600);
          const op: SignedOperation = {
            kind: "ship",
            message: { sender: ctx.manufacturer.address, batchId: ctx.batchId, receiver: ctx.distributor.address, quantity: 5n, manifest: ZeroHash, nonce: 0n, deadline },
          };
          const auth = await signAuthorization(ctx.manufacturer, await readDomain(ctx.rx), op);
          await ctx.rx.connect(ctx.stranger).shipSigned(ctx.manufacturer.address, ctx.batchId, ctx.distributor.address, 5n, ZeroHash, auth);
        },
      },
      {
        name: "a co-signed handover",
        flags: 0n,
        move: async (ctx) => sendSigned(ctx.rx.connect(ctx.stranger), await signAll(ctx, await handoverOp(ctx))),
      },
      {
        name: "a return of every shipped unit to the manufacturer",
        flags: 0n,
        move: async (ctx) => {
          await deliverFrom(ctx.rx, ctx.manufacturer, ctx.batchId, ctx.distributor, 5n);
          await deliverFrom(ctx.rx, ctx.distributor, ctx.batchId, ctx.manufacturer, 5n);
        },
      },
      {
        name: "stock condemned at the manufacturer after a final recall",
        flags: 1n,
        move: async (ctx) => {
          await ctx.rx.connect(ctx.regulator).recall(ctx.batchId, 1, REASON, "ipfs://QmRecallNotice");
          await time.increase(Number(await ctx.governRegulator.REVERSAL_WINDOW()) + 1);
          await ctx.governRegulator.condemnStock(ctx.batchId, ctx.manufacturer.address, 10);
        },
      },
      {
        name: "the manufacturer's own suspect flag, lapsed (the bit stands)",
        flags: 2n,
        move: async (ctx) => {
          await ctx.rx.connect(ctx.manufacturer).flagSuspect(ctx.batchId, REASON);
          await time.increase(Number(await ctx.rx.SUSPECT_LAPSE()) + 1);
          expect((await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), ctx.tree.proof(SERIALS[0]), ethers.ZeroAddress))[0]).to.equal(
            Verdict.Genuine,
          );
        },
      },
      {
        name: "an illegitimate declaration reversed back to a standing suspect hold",
        flags: 2n,
        move: async (ctx) => {
          await ctx.rx.connect(ctx.regulator).flagSuspect(ctx.batchId, REASON);
          await ctx.rx.connect(ctx.regulator).declareIllegitimate(ctx.batchId, REASON);
          await ctx.governRegulator2.reverseIllegitimate(ctx.batchId, REASON);
        },
      },
    ];
    for (const { name, flags, move } of movements) {
      it(`is refused after ${name}, and no unit is minted`, async function () {
        const ctx = await loadFixture(attackFixture);
        await move(ctx);
        const before = await ctx.rx.holding(ctx.batchId, ctx.manufacturer.address);
        await expect(ctx.gov.supersedeBatch({ ...ctx.input, quantity: 1_000_000n }))
          .to.be.revertedWithCustomError(ctx.rx, "SupersedeAfterMovement")
          .withArgs(ctx.batchId, flags);
        expect((await ctx.rx.holding(ctx.batchId, ctx.manufacturer.address)).saleable).to.equal(before.saleable);
      });
    }

    it("serials of packs already at a distributor cannot be swapped out (refused; the old proof still verifies)", async function () {
      const ctx = await loadFixture(attackFixture);
      await deliverFrom(ctx.rx, ctx.manufacturer, ctx.batchId, ctx.distributor, 40n);
      const other = SerialTree.of(serialRange(100, "XX"));
      await expect(ctx.gov.supersedeBatch({ ...ctx.input, serialRoot: other.root })).to.be.revertedWithCustomError(ctx.rx, "SupersedeAfterMovement");
      const [verdict] = await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[5]), ctx.tree.proof(SERIALS[5]), ethers.ZeroAddress);
      expect(verdict).to.equal(Verdict.Genuine);
    });

    it("after a regulator's recall reversed back to none (flags 0, nothing moved) superseding is allowed, and the report still shows the recall", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.rx.connect(ctx.regulator).recall(ctx.batchId, 2, REASON, "ipfs://QmRecallNotice");
      await ctx.governRegulator2.reverseRecall(ctx.batchId, REASON);
      expect((await ctx.rx.batch(ctx.batchId)).flags).to.equal(0n);
      // It does not matter: no unit left the manufacturer, and the recall stays in the batch's history.
      await expect(ctx.gov.supersedeBatch({ ...ctx.input, quantity: 90n })).to.emit(ctx.rx, "BatchSuperseded");
      const report = await verifyReport(ctx.rx, { gtin: GTIN, lot: LOT, serial: SERIALS[0] }, { proof: ctx.tree.proof(SERIALS[0]) });
      const kinds = report.timeline.map((e) => e.kind);
      expect(kinds).to.include.members(["recalled", "recall-reversed", "superseded"]);
      expect(kinds.indexOf("recall-reversed")).to.be.lessThan(kinds.indexOf("superseded"));
    });

    it("after a regulator cleared a suspect flag (flags 0, nothing moved) superseding is allowed", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.rx.connect(ctx.regulator).flagSuspect(ctx.batchId, REASON);
      await ctx.rx.connect(ctx.regulator).clearSuspect(ctx.batchId, REASON);
      await expect(ctx.gov.supersedeBatch({ ...ctx.input, quantity: 90n })).to.emit(ctx.rx, "BatchSuperseded");
    });

    it("documented limitation: a case the manufacturer sealed is not a movement; superseding leaves the sealed case naming packs the batch no longer has", async function () {
      const ctx = await loadFixture(attackFixture);
      const { contents, packs } = caseContentsOf(SERIALS.slice(0, 50));
      await ctx.rx.connect(ctx.manufacturer).sealCase(SSCC, ctx.batchId, contents, packs);
      await expect(ctx.gov.supersedeBatch({ ...ctx.input, quantity: 10n })).to.emit(ctx.rx, "BatchSuperseded");
      expect(await ctx.rx.caseStatus(SSCC)).to.equal(CaseStatus.Sealed);
      // The case says 50 packs; the manufacturer now holds 10: nobody can open it (its SSCC is spent).
      await expect(ctx.rx.connect(ctx.manufacturer).openCase(SSCC, ctx.batchId, contents, packs))
        .to.be.revertedWithCustomError(ctx.rx, "CaseNotHeld")
        .withArgs(SSCC, ctx.manufacturer.address, 10n, packs);
    });
  });

  describe("documents signed before a supersede", function () {
    it("documented limitation: a co-signed handover signed before a supersede goes through under the batch's new fields (here its units are quarantined)", async function () {
      const ctx = await loadFixture(attackFixture);
      const doc = await signAll(ctx, await handoverOp(ctx));
      // The distributor signed for units stored at 2-8 degrees; the manufacturer narrows the range before submitting.
      await ctx.gov.supersedeBatch({ ...ctx.input, minTemp: 40, maxTemp: 60 });
      await sendSigned(ctx.rx.connect(ctx.stranger), doc);
      const h = await ctx.rx.holding(ctx.batchId, ctx.distributor.address);
      expect([h.saleable, h.quarantined]).to.deep.equal([0n, 5n]);
    });
  });

  describe("the manufacturer's standing and prefix", function () {
    it("a prefix transferred away: the old owner cannot supersede (BatchGtinNotOwned), the new one is not the lot's manufacturer", async function () {
      const ctx = await loadFixture(attackFixture);
      await IGovernance__factory.connect(await ctx.rx.getAddress(), ctx.admin).transferCompanyPrefix("0312345", ctx.otherManufacturer.address);
      await expect(ctx.gov.supersedeBatch(ctx.input))
        .to.be.revertedWithCustomError(ctx.rx, "BatchGtinNotOwned")
        .withArgs(ctx.input.gtin, ctx.manufacturer.address);
      await expect(ICorrections__factory.connect(await ctx.rx.getAddress(), ctx.otherManufacturer).proposeCorrection(ctx.batchId, ctx.input.expiry, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(ctx.rx, "CorrectionNotManufacturer")
        .withArgs(ctx.batchId, ctx.otherManufacturer.address);
    });

    it("documented limitation: a revoked prefix stops superseding, yet the lot's manufacturer may still propose a correction for a regulator to approve", async function () {
      const ctx = await loadFixture(attackFixture);
      await IGovernance__factory.connect(await ctx.rx.getAddress(), ctx.admin).revokeCompanyPrefix("0312345");
      await expect(ctx.gov.supersedeBatch(ctx.input)).to.be.revertedWithCustomError(ctx.rx, "BatchGtinNotOwned");
      await expect(ctx.gov.proposeCorrection(ctx.batchId, ctx.input.expiry, NEW_CERTIFICATE, NEW_URI)).to.emit(ctx.rx, "BatchCorrectionProposed");
    });

    it("a suspended or licence-expired manufacturer can neither supersede nor propose (PartnerNotAuthorized)", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.rx.suspendPartner(ctx.manufacturer.address, SUSPENSION_REASON);
      await expect(ctx.gov.supersedeBatch(ctx.input))
        .to.be.revertedWithCustomError(ctx.rx, "PartnerNotAuthorized")
        .withArgs(ctx.manufacturer.address, Standing.Suspended);
      await expect(ctx.gov.proposeCorrection(ctx.batchId, ctx.input.expiry, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(ctx.rx, "PartnerNotAuthorized")
        .withArgs(ctx.manufacturer.address, Standing.Suspended);
      const later = await loadFixture(attackFixture);
      await time.increaseTo(later.licenceExpiry + 1);
      await expect(later.gov.supersedeBatch({ ...later.input, expiry: later.licenceExpiry + 2 * 365 * DAY }))
        .to.be.revertedWithCustomError(later.rx, "PartnerNotAuthorized")
        .withArgs(later.manufacturer.address, Standing.LicenceExpired);
    });

    it("documented limitation: a proposal made before the manufacturer was suspended can still be approved by a regulator", async function () {
      const ctx = await loadFixture(attackFixture);
      const expiry = BigInt(ctx.input.expiry) + 365n * BigInt(DAY);
      await ctx.gov.proposeCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await ctx.rx.suspendPartner(ctx.manufacturer.address, SUSPENSION_REASON);
      await expect(ctx.asRegulator.approveCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI)).to.emit(ctx.rx, "BatchCorrected");
      expect((await ctx.rx.batch(ctx.batchId)).expiry).to.equal(expiry);
    });
  });

  describe("approvals", function () {
    it("front-running a regulator's approval with a new proposal makes the approval fail; the new values are not applied", async function () {
      const ctx = await loadFixture(attackFixture);
      const honest = BigInt(ctx.input.expiry) - 30n * BigInt(DAY);
      await ctx.gov.proposeCorrection(ctx.batchId, honest, NEW_CERTIFICATE, NEW_URI);
      // The manufacturer sees the approval pending and swaps in a longer expiry first.
      await ctx.gov.proposeCorrection(ctx.batchId, BigInt(ctx.input.expiry) + 5n * 365n * BigInt(DAY), NEW_CERTIFICATE, NEW_URI);
      await expect(ctx.asRegulator.approveCorrection(ctx.batchId, honest, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(ctx.rx, "CorrectionNotProposed")
        .withArgs(ctx.batchId);
      const b = await ctx.rx.batch(ctx.batchId);
      expect(b.expiry).to.equal(BigInt(ctx.input.expiry));
      expect(b.flags & CORRECTED).to.equal(0n);
    });

    it("neither a proposal nor an approval goes through while paused (EnforcedPause)", async function () {
      const ctx = await loadFixture(attackFixture);
      const expiry = BigInt(ctx.input.expiry) - BigInt(DAY);
      await ctx.gov.proposeCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await ctx.rx.connect(ctx.pauser).pause();
      await expect(ctx.asRegulator.approveCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI)).to.be.revertedWithCustomError(ctx.rx, "EnforcedPause");
      await expect(ctx.gov.proposeCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI)).to.be.revertedWithCustomError(ctx.rx, "EnforcedPause");
    });

    it("a regulator cannot supersede or propose (PartnerWrongRole): it has no batch to approve for itself", async function () {
      const ctx = await loadFixture(attackFixture);
      await expect(ctx.asRegulator.supersedeBatch(ctx.input))
        .to.be.revertedWithCustomError(ctx.rx, "PartnerWrongRole")
        .withArgs(ctx.regulator.address, Role.Regulator, Role.Manufacturer);
      await expect(ctx.asRegulator.proposeCorrection(ctx.batchId, ctx.input.expiry, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(ctx.rx, "PartnerWrongRole")
        .withArgs(ctx.regulator.address, Role.Regulator, Role.Manufacturer);
    });
  });

  describe("the CORRECTED bit beside the other flags", function () {
    it("a corrected batch recalled by a regulator verifies RECALLED; a reversal restores only the recall bit, CORRECTED stays", async function () {
      const ctx = await loadFixture(attackFixture);
      await correct(ctx);
      await ctx.rx.connect(ctx.regulator).recall(ctx.batchId, 1, REASON, "ipfs://QmRecallNotice");
      const proof = ctx.tree.proof(SERIALS[0]);
      expect((await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), proof, ethers.ZeroAddress))[0]).to.equal(Verdict.Recalled);
      await expect(ctx.rx.connect(ctx.manufacturer).ship(ctx.batchId, ctx.distributor.address, 1n)).to.be.revertedWithCustomError(ctx.rx, "BatchUnderRecall");
      await ctx.governRegulator2.reverseRecall(ctx.batchId, REASON);
      expect((await ctx.rx.batch(ctx.batchId)).flags).to.equal(CORRECTED);
      expect((await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), proof, ethers.ZeroAddress))[0]).to.equal(Verdict.Genuine);
      await expect(ctx.gov.supersedeBatch(ctx.input)).to.be.revertedWithCustomError(ctx.rx, "SupersedeAfterMovement").withArgs(ctx.batchId, CORRECTED);
    });

    it("a corrected batch declared illegitimate and reversed keeps CORRECTED and its corrected expiry", async function () {
      const ctx = await loadFixture(attackFixture);
      const expiry = await correct(ctx);
      await ctx.rx.connect(ctx.regulator).declareIllegitimate(ctx.batchId, REASON);
      await expect(ctx.rx.connect(ctx.manufacturer).ship(ctx.batchId, ctx.distributor.address, 1n)).to.be.revertedWithCustomError(ctx.rx, "BatchIsIllegitimate");
      await ctx.governRegulator2.reverseIllegitimate(ctx.batchId, REASON);
      const b = await ctx.rx.batch(ctx.batchId);
      expect(b.flags).to.equal(CORRECTED);
      expect(b.expiry).to.equal(expiry);
    });

    it("a corrected batch can be flagged suspect (the bit is no hold of its own), held, and released by clearing", async function () {
      const ctx = await loadFixture(attackFixture);
      await correct(ctx);
      await ctx.rx.connect(ctx.regulator).flagSuspect(ctx.batchId, REASON);
      await expect(ctx.rx.connect(ctx.manufacturer).ship(ctx.batchId, ctx.distributor.address, 1n)).to.be.revertedWithCustomError(ctx.rx, "BatchOnHold");
      await ctx.rx.connect(ctx.regulator).clearSuspect(ctx.batchId, REASON);
      expect((await ctx.rx.batch(ctx.batchId)).flags).to.equal(CORRECTED);
      await expect(ctx.rx.connect(ctx.manufacturer).ship(ctx.batchId, ctx.distributor.address, 1n)).to.emit(ctx.rx, "Shipped");
    });

    it("a correction approved on a recalled or illegitimate batch extends nothing: the batch stays stopped", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.rx.connect(ctx.manufacturer).recall(ctx.batchId, 2, REASON, "ipfs://QmRecallNotice");
      await ctx.rx.connect(ctx.regulator).declareIllegitimate(ctx.batchId, REASON);
      const expiry = BigInt(ctx.input.expiry) + 365n * BigInt(DAY);
      await ctx.gov.proposeCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await ctx.asRegulator.approveCorrection(ctx.batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      expect((await ctx.rx.batch(ctx.batchId)).flags).to.equal(1n | 4n | CORRECTED);
      const [verdict] = await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), ctx.tree.proof(SERIALS[0]), ethers.ZeroAddress);
      expect(verdict).to.equal(Verdict.Illegitimate);
      await expect(ctx.rx.connect(ctx.manufacturer).ship(ctx.batchId, ctx.distributor.address, 1n)).to.be.revertedWithCustomError(ctx.rx, "BatchIsIllegitimate");
    });
  });

  describe("the off-chain report", function () {
    it("a proposal nobody approved does not change the report's expiry or certificate", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.gov.proposeCorrection(ctx.batchId, BigInt(ctx.input.expiry) + 365n * BigInt(DAY), NEW_CERTIFICATE, NEW_URI);
      const report = await verifyReport(ctx.rx, { gtin: GTIN, lot: LOT, serial: SERIALS[0] }, { proof: ctx.tree.proof(SERIALS[0]), certificateHash: NEW_CERTIFICATE });
      expect(report.certificate).to.deep.equal({ hash: ctx.input.certificateHash, uri: ctx.input.certificateURI, matches: false });
      expect(report.corrections).to.equal(undefined);
      expect(report.timeline.map((e) => e.kind)).to.deep.equal(["commissioned", "correction-proposed"]);
    });

    it("another batch's supersede and correction do not enter this batch's report", async function () {
      const ctx = await loadFixture(attackFixture);
      const lot2 = "A24-0002";
      await ctx.rx.connect(ctx.manufacturer).commissionBatch({ ...ctx.input, lot: lot2 });
      await ctx.gov.supersedeBatch({ ...ctx.input, lot: lot2, certificateHash: NEW_CERTIFICATE, certificateURI: NEW_URI });
      const batch2 = await ctx.rx.batchIdOf(GTIN, lot2);
      const expiry = BigInt(ctx.input.expiry) - BigInt(DAY);
      await ctx.gov.proposeCorrection(batch2, expiry, NEW_CERTIFICATE, NEW_URI);
      await ctx.asRegulator.approveCorrection(batch2, expiry, NEW_CERTIFICATE, NEW_URI);
      const report = await verifyReport(ctx.rx, { gtin: GTIN, lot: LOT, serial: SERIALS[0] }, { proof: ctx.tree.proof(SERIALS[0]), certificateHash: NEW_CERTIFICATE });
      expect(report.certificate?.matches).to.equal(false);
      expect(report.corrections).to.equal(undefined);
      expect(report.timeline.map((e) => e.kind)).to.deep.equal(["commissioned"]);
    });

    it("two supersedes: the report's certificate is the last one's", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.gov.supersedeBatch({ ...ctx.input, certificateHash: NEW_CERTIFICATE, certificateURI: NEW_URI });
      await ctx.gov.supersedeBatch({ ...ctx.input, quantity: 90n });
      const report = await verifyReport(ctx.rx, { gtin: GTIN, lot: LOT, serial: SERIALS[0] }, { proof: ctx.tree.proof(SERIALS[0]), certificateHash: NEW_CERTIFICATE });
      expect(report.certificate).to.deep.equal({ hash: ctx.input.certificateHash, uri: ctx.input.certificateURI, matches: false });
      // The last supersede put the commissioned certificate back: against the record it replaced, that is a change.
      expect(report.corrections?.superseded?.changed).to.deep.equal(["quantity", "certificate"]);
    });

    it("the report follows the latest entry: a supersede then an approved correction give the chain's expiry", async function () {
      const ctx = await loadFixture(attackFixture);
      await ctx.gov.supersedeBatch({ ...ctx.input, expiry: BigInt(ctx.input.expiry) + BigInt(DAY) });
      const expiry = await correct(ctx);
      const report = await verifyReport(ctx.rx, { gtin: GTIN, lot: LOT, serial: SERIALS[0] }, { proof: ctx.tree.proof(SERIALS[0]), certificateHash: NEW_CERTIFICATE });
      expect((await ctx.rx.batch(ctx.batchId)).expiry).to.equal(expiry);
      expect(report.corrections?.corrected?.expiry).to.equal(Number(expiry));
      expect(report.certificate?.matches).to.equal(true);
    });
  });
});
