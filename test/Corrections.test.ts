/**
 * Corrections (issue 12, IGovernance through the core's fallback): a manufacturer supersedes a batch while every
 * unit is still its own; after the batch moved, only a correction of its expiry and certificate that the
 * manufacturer proposes and a regulator approves, which marks the batch corrected for good.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, ZeroHash } from "ethers";
import { ICorrections__factory, IGovernance__factory } from "../typechain-types";
import { SerialTree } from "../src/merkle";
import { RejectionReason, Role, Verdict } from "../src/domain/enums";
import { batchIdOf, serialToBytes32 } from "../src/domain/ids";
import { GTIN, serialRange } from "../src/scenario/scenario";
import { verifyPack as verifyReport } from "../src/chain/events/provenance";
import { formatReport } from "../src/domain/report";
import {
  batchFixture,
  commissionArgs,
  deliverFrom,
  deliverPacksFrom,
  PHARMACY_SERIALS,
  dispenseFrom,
  DAY,
  LOT,
  pharmacyFixture,
  SERIALS,
  shipFrom,
  WARM_LEG,
  YEAR,
} from "./fixtures";

const CORRECTED = 8n;
const NEW_CERTIFICATE = ethers.id("corrected certificate of origin");
const NEW_URI = "ipfs://QmCorrectedCertificateOfOrigin";

function proposalHash(expiry: bigint | number, certificateHash: string, uri: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint40", "bytes32", "string"], [expiry, certificateHash, uri]));
}

async function governed() {
  const base = await loadFixture(batchFixture);
  const gov = ICorrections__factory.connect(await base.rx.getAddress(), base.manufacturer);
  return { ...base, gov };
}

describe("Corrections", function () {
  describe("supersedeBatch", function () {
    it("replaces the batch's fields while all units are at the manufacturer, saying which stored fields changed", async function () {
      const { rx, gov, manufacturer, input, batchId } = await governed();
      const serials = serialRange(120);
      const tree = SerialTree.of(serials);
      const expiry = BigInt(input.expiry) + BigInt(DAY);
      const fixed = { ...input, quantity: 120n, serialRoot: tree.root, expiry, certificateHash: NEW_CERTIFICATE, certificateURI: NEW_URI };
      await expect(gov.supersedeBatch(fixed))
        .to.emit(rx, "BatchSuperseded")
        .withArgs(batchId, manufacturer.address, 1 | 2 | 8, commissionArgs(fixed));
      const b = await rx.batch(batchId);
      expect(b.expiry).to.equal(expiry);
      expect(b.serialRoot).to.equal(tree.root.slice(0, 44));
      expect(b.flags).to.equal(0n);
      expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(120n);
      // A pack of the new serial list verifies; the GTIN and lot are the same batch.
      const serial = serials[110];
      const [verdict] = await rx.verifyPack(GTIN, LOT, serialToBytes32(serial), tree.proof(serial), ethers.ZeroAddress);
      expect(verdict).to.equal(Verdict.Genuine);
    });

    it("reports only the storage range when only it changed, and the batch then ships under it", async function () {
      const { rx, gov, manufacturer, distributor, input, batchId } = await governed();
      const fixed = { ...input, minTemp: 20, maxTemp: 250 };
      await expect(gov.supersedeBatch(fixed)).to.emit(rx, "BatchSuperseded").withArgs(batchId, manufacturer.address, 4, commissionArgs(fixed));
      expect((await rx.batch(batchId)).maxTemp).to.equal(250n);
      await deliverFrom(rx, manufacturer, batchId, distributor, 10n);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(10n);
    });

    it("reports the expiry and the storage range when both changed", async function () {
      const { rx, gov, manufacturer, input, batchId } = await governed();
      const fixed = { ...input, expiry: BigInt(input.expiry) + BigInt(DAY), minTemp: 20, maxTemp: 250 };
      await expect(gov.supersedeBatch(fixed)).to.emit(rx, "BatchSuperseded").withArgs(batchId, manufacturer.address, 2 | 4, commissionArgs(fixed));
    });

    it("is refused once a unit was shipped, even if it came back (SupersedeAfterMovement)", async function () {
      const { rx, gov, manufacturer, distributor, input, batchId } = await governed();
      await shipFrom(rx, manufacturer, batchId, distributor.address, 1n);
      await expect(gov.supersedeBatch({ ...input, quantity: 99n }))
        .to.be.revertedWithCustomError(rx, "SupersedeAfterMovement")
        .withArgs(batchId, 0);
    });

    it("is refused while a flag stands on the batch (recalled), naming the flags", async function () {
      const { rx, gov, manufacturer, input, batchId } = await governed();
      await rx.connect(manufacturer).recall(batchId, 3, ethers.id("recall"), "ipfs://QmRecallNoticeOfCorrectionsTest");
      await expect(gov.supersedeBatch(input)).to.be.revertedWithCustomError(rx, "SupersedeAfterMovement").withArgs(batchId, 1);
    });

    it("is refused to another manufacturer, even one owning the prefix's GTIN checks (CorrectionNotManufacturer)", async function () {
      const { rx, admin, otherManufacturer, input, batchId } = await governed();
      // The other manufacturer is given the prefix too (a merger): the lot is still not its own.
      await IGovernance__factory.connect(await rx.getAddress(), admin).transferCompanyPrefix("0312345", otherManufacturer.address);
      await expect(ICorrections__factory.connect(await rx.getAddress(), otherManufacturer).supersedeBatch(input))
        .to.be.revertedWithCustomError(rx, "CorrectionNotManufacturer")
        .withArgs(batchId, otherManufacturer.address);
    });

    it("is refused to a distributor (PartnerWrongRole) and checks the fields as commissioning does", async function () {
      const { rx, gov, distributor, input } = await governed();
      await expect(ICorrections__factory.connect(await rx.getAddress(), distributor).supersedeBatch(input))
        .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
        .withArgs(distributor.address, Role.Distributor, Role.Manufacturer);
      await expect(gov.supersedeBatch({ ...input, quantity: 0n })).to.be.revertedWithCustomError(rx, "BatchInvalidQuantity").withArgs(0n);
      await expect(gov.supersedeBatch({ ...input, minTemp: 80, maxTemp: 20 }))
        .to.be.revertedWithCustomError(rx, "BatchInvalidStorageRange")
        .withArgs(80, 20);
    });

    it("is refused for a lot never commissioned (BatchUnknown) and while paused (EnforcedPause)", async function () {
      const { rx, gov, pauser, input } = await governed();
      await expect(gov.supersedeBatch({ ...input, lot: "NEVER-1" }))
        .to.be.revertedWithCustomError(rx, "BatchUnknown")
        .withArgs(batchIdOf(GTIN, "NEVER-1"));
      await rx.connect(pauser).pause();
      await expect(gov.supersedeBatch(input)).to.be.revertedWithCustomError(rx, "EnforcedPause");
    });
  });

  describe("proposeCorrection and approveCorrection", function () {
    async function shipped() {
      const base = await governed();
      await deliverFrom(base.rx, base.manufacturer, base.batchId, base.distributor, 40n);
      const expiry = BigInt(base.input.expiry) - 30n * BigInt(DAY);
      return { ...base, expiry };
    }

    it("changes the expiry and certificate of a shipped batch when a regulator approves, and marks it corrected", async function () {
      const { rx, gov, manufacturer, regulator, batchId, input, expiry } = await loadFixture(shipped);
      await expect(gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI))
        .to.emit(rx, "BatchCorrectionProposed")
        .withArgs(batchId, manufacturer.address, expiry, NEW_CERTIFICATE, NEW_URI);
      expect(await gov.correctionProposal(batchId)).to.equal(proposalHash(expiry, NEW_CERTIFICATE, NEW_URI));
      await expect(ICorrections__factory.connect(await rx.getAddress(), regulator).approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI))
        .to.emit(rx, "BatchCorrected")
        .withArgs(batchId, regulator.address, input.expiry, expiry, NEW_CERTIFICATE, NEW_URI);
      const b = await rx.batch(batchId);
      expect(b.expiry).to.equal(expiry);
      expect(b.flags & CORRECTED).to.equal(CORRECTED);
      expect(await gov.correctionProposal(batchId)).to.equal(ZeroHash);
    });

    it("keeps a corrected batch moving and verifying GENUINE (the mark is not a hold)", async function () {
      const { rx, gov, regulator, distributor, pharmacy, batchId, tree, expiry } = await loadFixture(shipped);
      await gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await ICorrections__factory.connect(await rx.getAddress(), regulator).approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await deliverPacksFrom(rx, distributor, batchId, pharmacy, PHARMACY_SERIALS);
      const serial = PHARMACY_SERIALS[0];
      const [verdict] = await rx.verifyPack(GTIN, LOT, serialToBytes32(serial), tree.proof(serial), pharmacy.address);
      expect(verdict).to.equal(Verdict.Genuine);
    });

    it("a corrected expiry in the past stops the batch as expired", async function () {
      const { rx, gov, regulator, distributor, pharmacy, batchId } = await loadFixture(shipped);
      const past = BigInt(await time.latest()) - 1n;
      await gov.proposeCorrection(batchId, past, NEW_CERTIFICATE, NEW_URI);
      await ICorrections__factory.connect(await rx.getAddress(), regulator).approveCorrection(batchId, past, NEW_CERTIFICATE, NEW_URI);
      await expect(rx.connect(distributor).ship(batchId, pharmacy.address, 1n)).to.be.revertedWithCustomError(rx, "BatchExpired");
    });

    it("a regulator cannot approve values the manufacturer did not propose (CorrectionNotProposed)", async function () {
      const { rx, gov, regulator, batchId, expiry } = await loadFixture(shipped);
      const asRegulator = ICorrections__factory.connect(await rx.getAddress(), regulator);
      await expect(asRegulator.approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(rx, "CorrectionNotProposed")
        .withArgs(batchId);
      await gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await expect(asRegulator.approveCorrection(batchId, expiry + 1n, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(rx, "CorrectionNotProposed")
        .withArgs(batchId);
    });

    it("an approval is used once: approving again is refused", async function () {
      const { rx, gov, regulator, batchId, expiry } = await loadFixture(shipped);
      const asRegulator = ICorrections__factory.connect(await rx.getAddress(), regulator);
      await gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await asRegulator.approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await expect(asRegulator.approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI)).to.be.revertedWithCustomError(
        rx,
        "CorrectionNotProposed",
      );
    });

    it("only the lot's manufacturer proposes, and only a regulator approves", async function () {
      const { rx, otherManufacturer, distributor, manufacturer, gov, batchId, expiry } = await loadFixture(shipped);
      await expect(ICorrections__factory.connect(await rx.getAddress(), otherManufacturer).proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(rx, "CorrectionNotManufacturer")
        .withArgs(batchId, otherManufacturer.address);
      await expect(
        ICorrections__factory.connect(await rx.getAddress(), distributor).proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI),
      )
        .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
        .withArgs(distributor.address, Role.Distributor, Role.Manufacturer);
      await gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      // The manufacturer cannot approve its own proposal.
      await expect(ICorrections__factory.connect(await rx.getAddress(), manufacturer).approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI))
        .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
        .withArgs(manufacturer.address, Role.Manufacturer, Role.Regulator);
    });

    it("refuses a zero expiry and a missing certificate, naming the values", async function () {
      const { rx, gov, batchId, expiry } = await loadFixture(shipped);
      await expect(gov.proposeCorrection(batchId, 0, NEW_CERTIFICATE, NEW_URI)).to.be.revertedWithCustomError(rx, "CorrectionInvalidExpiry").withArgs(0);
      await expect(gov.proposeCorrection(batchId, expiry, ZeroHash, NEW_URI))
        .to.be.revertedWithCustomError(rx, "BatchMissingCertificate")
        .withArgs(ZeroHash, NEW_URI);
      await expect(gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, ""))
        .to.be.revertedWithCustomError(rx, "BatchMissingCertificate")
        .withArgs(NEW_CERTIFICATE, "");
    });

    it("a later proposal replaces an earlier one; superseding (before shipping) drops a pending proposal", async function () {
      const { rx, gov, regulator, batchId, input } = await governed();
      const asRegulator = ICorrections__factory.connect(await rx.getAddress(), regulator);
      const first = BigInt(input.expiry) - BigInt(DAY);
      await gov.proposeCorrection(batchId, first, NEW_CERTIFICATE, NEW_URI);
      await gov.proposeCorrection(batchId, first - 1n, NEW_CERTIFICATE, NEW_URI);
      await expect(asRegulator.approveCorrection(batchId, first, NEW_CERTIFICATE, NEW_URI)).to.be.revertedWithCustomError(rx, "CorrectionNotProposed");
      await gov.supersedeBatch({ ...input, expiry: BigInt(input.expiry) + BigInt(YEAR) });
      expect(await gov.correctionProposal(batchId)).to.equal(ZeroHash);
      await expect(asRegulator.approveCorrection(batchId, first - 1n, NEW_CERTIFICATE, NEW_URI)).to.be.revertedWithCustomError(
        rx,
        "CorrectionNotProposed",
      );
    });

    it("a corrected batch can no longer be superseded (the flag stands)", async function () {
      const { rx, gov, regulator, batchId, input } = await governed();
      const expiry = BigInt(input.expiry) - BigInt(DAY);
      await gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await ICorrections__factory.connect(await rx.getAddress(), regulator).approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await expect(gov.supersedeBatch(input)).to.be.revertedWithCustomError(rx, "SupersedeAfterMovement").withArgs(batchId, CORRECTED);
    });
  });

  describe("what rx:verify and the page show", function () {
    it("the report's expiry and certificate are the batch as corrected, and the timeline says who approved what", async function () {
      const { rx, gov, regulator, batchId, input, tree } = await governed();
      await gov.supersedeBatch({ ...input, quantity: 90n });
      const expiry = BigInt(input.expiry) - 30n * BigInt(DAY);
      await gov.proposeCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      await ICorrections__factory.connect(await rx.getAddress(), regulator).approveCorrection(batchId, expiry, NEW_CERTIFICATE, NEW_URI);
      const serial = SERIALS[3];
      const day = new Date(Number(expiry) * 1000).toISOString();
      const yymmdd = day.slice(2, 4) + day.slice(5, 7) + day.slice(8, 10);
      const report = await verifyReport(rx, { gtin: GTIN, lot: LOT, serial, expiry: yymmdd }, { proof: tree.proof(serial), certificateHash: NEW_CERTIFICATE });
      expect(report.verdict).to.equal("Genuine");
      expect(report.expiryMatches).to.equal(true);
      expect(report.certificate).to.deep.equal({ hash: NEW_CERTIFICATE, uri: NEW_URI, matches: true });
      expect(report.corrections?.superseded?.changed).to.deep.equal(["quantity"]);
      expect(report.corrections?.corrected?.expiry).to.equal(Number(expiry));
      expect(report.corrections?.corrected?.previousExpiry).to.equal(Number(input.expiry));
      expect(report.timeline.map((e) => e.kind)).to.deep.equal(["commissioned", "superseded", "correction-proposed", "corrected"]);
      const text = formatReport(report, { all: true }).join("\n");
      expect(text, text).to.match(/SUPERSEDED by .* \(changed: quantity\): 90 units/);
      expect(text).to.match(/CORRECTED with the approval of .*: expiry \d{4}-\d\d-\d\d -> \d{4}-\d\d-\d\d/);
      expect(text).to.match(/^CORRECTED BATCH: expiry .* approved by /m);
      expect(text).to.include("batch superseded by its manufacturer before any unit moved (quantity)");
    });
  });

  describe("attacks", function () {
    it("a pharmacy's units are untouched by a supersede attempt after dispensing (refused: the batch moved)", async function () {
      const { rx, manufacturer, input, batchId, pharmacy, tree, toPharmacy } = await loadFixture(pharmacyFixture);
      await dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy);
      const gov = ICorrections__factory.connect(await rx.getAddress(), manufacturer);
      await expect(gov.supersedeBatch({ ...input, quantity: 1_000_000n })).to.be.revertedWithCustomError(rx, "SupersedeAfterMovement");
      expect(await rx.isDispensed(batchId, serialToBytes32(SERIALS[0]))).to.equal(true);
    });

    it("a manufacturer cannot launder quarantined returns by superseding (refused: units moved and came back)", async function () {
      const { rx, manufacturer, distributor, input, batchId } = await governed();
      const sent = await shipFrom(rx, manufacturer, batchId, distributor.address, 10n);
      await rx.connect(distributor).rejectShipment(sent.shipment, RejectionReason.Damaged, ethers.id("damaged"), WARM_LEG);
      const gov = ICorrections__factory.connect(await rx.getAddress(), manufacturer);
      await expect(gov.supersedeBatch(input)).to.be.revertedWithCustomError(rx, "SupersedeAfterMovement");
    });
  });
});
