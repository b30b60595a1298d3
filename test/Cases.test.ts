import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { RecallClass, Standing } from "../src/domain/enums";
import { batchIdOf, serialToBytes32 } from "../src/domain/ids";
import { CERTIFICATE_URI, GTIN } from "../src/scenario/scenario";
import { makeSscc } from "../src/gs1/identifiers";
import {
  batchFixture,
  caseContentsOf,
  CaseStatus,
  COMMISSIONED,
  GOOD_LEG,
  holdingRecord,
  licenceExpiredFixture,
  NO_STOCK,
  quarantinedFixture,
  receivedFixture,
  SERIALS,
  shipFrom,
  WARM_LEG,
} from "./fixtures";

const REASON = ethers.id("reason document");

/** SSCC examples of the GS1 General Specifications (extension digit, company prefix, serial reference, check digit). */
const GS1_SSCCS = [106141411234567897n, 376104250021234569n] as const;
/** The company prefix of the second GS1 example (the first carries the distributor's, 0614141). */
const GS1_SECOND_PREFIX = "7610425";
/** The case the fixtures seal: under the manufacturer's company prefix 0312345. */
const SSCC = makeSscc("10312345123456789");
/** Another valid SSCC, for a second case: the first GS1 example, under the distributor's prefix 0614141. */
const OTHER_SSCC = GS1_SSCCS[0];
/** The packs of the case: the batch's first twelve serials. */
const PACKED = SERIALS.slice(0, 12);
const { contents: CONTENTS, packs: PACKS } = caseContentsOf(PACKED);

/** Numbers that are no SSCC: a wrong check digit, zero, too many digits. */
const INVALID_SSCCS: { what: string; sscc: bigint }[] = [
  { what: "the first GS1 example with check digit 0 instead of 7", sscc: 106141411234567890n },
  { what: "the first GS1 example with check digit 8 instead of 7", sscc: 106141411234567898n },
  { what: "the second GS1 example with check digit 0 instead of 9", sscc: 376104250021234560n },
  { what: "two digits of the first GS1 example swapped", sscc: 106141411234567987n },
  { what: "zero", sscc: 0n },
  // A correct mod-10 check digit (6), but 19 digits.
  { what: "19 digits (an extra leading 1)", sscc: 1106141411234567896n },
  { what: "the largest uint64 (20 digits)", sscc: 2n ** 64n - 1n },
];

/** Valid SSCCs under the manufacturer's prefix besides SSCC: a check digit of 0, and leading zeros implied. */
const OTHER_VALID_SSCCS: { what: string; sscc: bigint }[] = [
  { what: "check digit 0", sscc: 103123450000000070n },
  { what: "leading zeros (003123450000000011)", sscc: 3123450000000011n },
];

/** The manufacturer sealed case SSCC with the batch's first twelve packs. */
async function sealedFixture() {
  const base = await loadFixture(batchFixture);
  const tx = await base.rx.connect(base.manufacturer).sealCase(SSCC, base.batchId, CONTENTS, PACKS);
  return { ...base, tx };
}

/** The manufacturer opened the case it sealed. */
async function openedFixture() {
  const base = await loadFixture(sealedFixture);
  const tx = await base.rx.connect(base.manufacturer).openCase(SSCC, base.batchId, CONTENTS, PACKS);
  return { ...base, tx };
}

/** The sealed case travelled to the distributor with the rest of a 60-pack shipment, received on a good leg. */
async function travelledFixture() {
  const base = await loadFixture(sealedFixture);
  const sent = await shipFrom(base.rx, base.manufacturer, base.batchId, base.distributor.address, 60n);
  await base.rx.connect(base.distributor).receiveShipment(sent.shipment, GOOD_LEG);
  return base;
}

/** As travelledFixture, but on a warm leg: all 60 units at the distributor, the case's among them, are quarantined. */
async function quarantinedCaseFixture() {
  const base = await loadFixture(sealedFixture);
  const sent = await shipFrom(base.rx, base.manufacturer, base.batchId, base.distributor.address, 60n);
  await base.rx.connect(base.distributor).receiveShipment(sent.shipment, WARM_LEG);
  return base;
}

type SealedContext = Awaited<ReturnType<typeof sealedFixture>>;

/** Fields given to openCase that differ from those the case was sealed with. */
const MISMATCHES: { what: string; fields: (f: SealedContext) => [string, string, bigint] }[] = [
  { what: "another batch", fields: () => [batchIdOf(GTIN, "OTHER-LOT"), CONTENTS, PACKS] },
  { what: "other contents (eleven of the twelve packs)", fields: (f) => [f.batchId, caseContentsOf(PACKED.slice(1)).contents, PACKS] },
  { what: "another pack count", fields: (f) => [f.batchId, CONTENTS, PACKS - 1n] },
];

describe("RxTrace: Cases", function () {
  describe("sealCase", function () {
    describe("when the manufacturer seals a case of twelve packs", function () {
      it("emits CaseSealed with the SSCC, batch, packer, contents and pack count", async function () {
        const { rx, tx, batchId, manufacturer } = await loadFixture(sealedFixture);
        await expect(tx).to.emit(rx, "CaseSealed").withArgs(SSCC, batchId, manufacturer.address, CONTENTS, PACKS);
      });

      it("reports the case Sealed", async function () {
        const { rx } = await loadFixture(sealedFixture);
        expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Sealed);
      });

      it("moves no units: the packs stay in the packer's saleable stock", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(sealedFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED });
      });

      it("leaves other SSCCs unused", async function () {
        const { rx } = await loadFixture(sealedFixture);
        expect(await rx.caseStatus(OTHER_SSCC)).to.equal(CaseStatus.Unused);
      });

      it("commits to the root of an OpenZeppelin StandardMerkleTree of the packs' serials, as a batch does", async function () {
        const { rx, tx, batchId, manufacturer } = await loadFixture(sealedFixture);
        const standard = StandardMerkleTree.of(PACKED.map((serial) => [serialToBytes32(serial)]), ["bytes32"]);
        await expect(tx).to.emit(rx, "CaseSealed").withArgs(SSCC, batchId, manufacturer.address, standard.root, PACKS);
      });
    });

    describe("when the SSCC is a GS1 General Specifications example and the sealer owns its prefix", function () {
      for (const sscc of GS1_SSCCS) {
        it(`seals case ${sscc}`, async function () {
          const { rx, batchId, distributor } = await loadFixture(receivedFixture);
          await rx.assignCompanyPrefix(distributor.address, GS1_SECOND_PREFIX);
          await expect(rx.connect(distributor).sealCase(sscc, batchId, CONTENTS, PACKS))
            .to.emit(rx, "CaseSealed")
            .withArgs(sscc, batchId, distributor.address, CONTENTS, PACKS);
        });
      }
    });

    describe("when the sealer owns no company prefix the SSCC carries", function () {
      it("reverts with CaseSsccNotOwned when a distributor seals under the manufacturer's prefix", async function () {
        const { rx, batchId, distributor } = await loadFixture(receivedFixture);
        await expect(rx.connect(distributor).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseSsccNotOwned")
          .withArgs(SSCC, distributor.address);
        expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Unused);
      });

      it("reverts with CaseSsccNotOwned when the manufacturer seals under the distributor's prefix", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).sealCase(OTHER_SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseSsccNotOwned")
          .withArgs(OTHER_SSCC, manufacturer.address);
      });

      it("reads the prefix after the extension digit: the manufacturer's digits behind another extension digit are its own", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        const sscc = makeSscc("90312345000000001");
        await expect(rx.connect(manufacturer).sealCase(sscc, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseSealed")
          .withArgs(sscc, batchId, manufacturer.address, CONTENTS, PACKS);
      });

      it("reverts with CaseSsccNotOwned when the manufacturer's digits stand one place off (extension digit dropped)", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        const sscc = makeSscc("03123450000000001");
        await expect(rx.connect(manufacturer).sealCase(sscc, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseSsccNotOwned")
          .withArgs(sscc, manufacturer.address);
      });
    });

    describe("when the SSCC is valid in another way", function () {
      for (const { what, sscc } of OTHER_VALID_SSCCS) {
        it(`seals a case whose SSCC has ${what}`, async function () {
          const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
          await rx.connect(manufacturer).sealCase(sscc, batchId, CONTENTS, PACKS);
          expect(await rx.caseStatus(sscc)).to.equal(CaseStatus.Sealed);
        });
      }
    });

    describe("when a distributor seals a case of packs it received", function () {
      it("emits CaseSealed with the distributor as packer", async function () {
        const { rx, batchId, distributor } = await loadFixture(receivedFixture);
        await expect(rx.connect(distributor).sealCase(OTHER_SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseSealed")
          .withArgs(OTHER_SSCC, batchId, distributor.address, CONTENTS, PACKS);
      });
    });

    describe("when the SSCC is not valid", function () {
      for (const { what, sscc } of INVALID_SSCCS) {
        it(`reverts with CaseInvalidSscc for ${what}`, async function () {
          const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
          await expect(rx.connect(manufacturer).sealCase(sscc, batchId, CONTENTS, PACKS))
            .to.be.revertedWithCustomError(rx, "CaseInvalidSscc")
            .withArgs(sscc);
        });
      }

      it("leaves the number unused", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        const sscc = INVALID_SSCCS[0].sscc;
        await expect(rx.connect(manufacturer).sealCase(sscc, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseInvalidSscc")
          .withArgs(sscc);
        expect(await rx.caseStatus(sscc)).to.equal(CaseStatus.Unused);
      });
    });

    describe("when the SSCC was used already", function () {
      it("reverts with CaseSsccUsed (Sealed) for a sealed case, even with the same contents", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(sealedFixture);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseSsccUsed")
          .withArgs(SSCC, CaseStatus.Sealed);
      });

      it("reverts with CaseSsccUsed (Sealed) for another packer with other contents", async function () {
        const { rx, batchId, distributor, manufacturer } = await loadFixture(sealedFixture);
        await shipFrom(rx, manufacturer, batchId, distributor.address, 60n);
        const other = caseContentsOf(SERIALS.slice(50, 56));
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, other.contents, other.packs))
          .to.be.revertedWithCustomError(rx, "CaseSsccUsed")
          .withArgs(SSCC, CaseStatus.Sealed);
      });

      it("reverts with CaseSsccUsed (Opened) for an opened case: an SSCC names one case only", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(openedFixture);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseSsccUsed")
          .withArgs(SSCC, CaseStatus.Opened);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, manufacturer } = await loadFixture(batchFixture);
        const unknown = batchIdOf(GTIN, "NEVER-MADE");
        await expect(rx.connect(manufacturer).sealCase(SSCC, unknown, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(unknown);
      });
    });

    describe("when the contents are zero", function () {
      it("reverts with CaseEmptyContents", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, ethers.ZeroHash, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseEmptyContents")
          .withArgs(SSCC);
      });
    });

    describe("when the pack count is zero", function () {
      it("reverts with BatchInvalidQuantity", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, 0n))
          .to.be.revertedWithCustomError(rx, "BatchInvalidQuantity")
          .withArgs(0n);
      });
    });

    describe("when the packer holds fewer saleable units than the case holds", function () {
      it("reverts with CustodyInsufficientSaleable for one more than the whole batch", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, COMMISSIONED + 1n))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, manufacturer.address, COMMISSIONED, COMMISSIONED + 1n);
      });

      it("reverts with CustodyInsufficientSaleable for a partner that holds nothing", async function () {
        const { rx, batchId, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(distributor).sealCase(OTHER_SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, distributor.address, 0n, PACKS);
      });

      it("does not count quarantined units", async function () {
        const { rx, batchId, distributor } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(distributor).sealCase(OTHER_SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, distributor.address, 0n, PACKS);
      });

      it("seals a case of exactly the whole saleable stock", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        const all = caseContentsOf(SERIALS);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, all.contents, all.packs))
          .to.emit(rx, "CaseSealed")
          .withArgs(SSCC, batchId, manufacturer.address, all.contents, COMMISSIONED);
      });
    });

    describe("when the caller is not an authorized partner", function () {
      it("reverts with PartnerNotAuthorized (Unknown) for a stranger", async function () {
        const { rx, batchId, stranger } = await loadFixture(batchFixture);
        await expect(rx.connect(stranger).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });

      it("reverts with PartnerNotAuthorized (Suspended) for a suspended manufacturer", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await rx.suspendPartner(manufacturer.address, REASON);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.Suspended);
      });

      it("reverts with PartnerNotAuthorized (LicenceExpired) once the manufacturer's licence expired", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(licenceExpiredFixture);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.LicenceExpired);
      });

      it("reverts with PartnerNotAuthorized before looking at the SSCC", async function () {
        const { rx, batchId, stranger } = await loadFixture(batchFixture);
        await expect(rx.connect(stranger).sealCase(0n, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });

    describe("when the batch is recalled", function () {
      it("still seals: a recalled lot is packed up to go back upstream", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, CERTIFICATE_URI);
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseSealed")
          .withArgs(SSCC, batchId, manufacturer.address, CONTENTS, PACKS);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, batchId, manufacturer } = await loadFixture(batchFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("seals once unpaused", async function () {
        const { rx, pauser, batchId, manufacturer } = await loadFixture(batchFixture);
        await rx.connect(pauser).pause();
        await rx.connect(pauser).unpause();
        await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseSealed")
          .withArgs(SSCC, batchId, manufacturer.address, CONTENTS, PACKS);
      });
    });
  });

  describe("openCase", function () {
    describe("when the packer opens the case it sealed", function () {
      it("emits CaseOpened with the SSCC, batch and opener", async function () {
        const { rx, tx, batchId, manufacturer } = await loadFixture(openedFixture);
        await expect(tx).to.emit(rx, "CaseOpened").withArgs(SSCC, batchId, manufacturer.address);
      });

      it("reports the case Opened", async function () {
        const { rx } = await loadFixture(openedFixture);
        expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Opened);
      });

      it("moves no units", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(openedFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED });
      });
    });

    describe("when the case travelled to a distributor", function () {
      it("emits CaseOpened with the distributor as opener", async function () {
        const { rx, batchId, distributor } = await loadFixture(travelledFixture);
        await expect(rx.connect(distributor).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseOpened")
          .withArgs(SSCC, batchId, distributor.address);
      });
    });

    describe("when the holder's units are quarantined", function () {
      it("counts them as held: a quarantined case may be opened for inspection", async function () {
        const { rx, batchId, distributor } = await loadFixture(quarantinedCaseFixture);
        const h = await rx.holding(batchId, distributor.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([0n, 60n]);
        await expect(rx.connect(distributor).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseOpened")
          .withArgs(SSCC, batchId, distributor.address);
      });
    });

    describe("when the case is not sealed", function () {
      it("reverts with CaseNotSealed (Unused) for an SSCC never sealed", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(sealedFixture);
        await expect(rx.connect(manufacturer).openCase(OTHER_SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseNotSealed")
          .withArgs(OTHER_SSCC, CaseStatus.Unused);
      });

      it("reverts with CaseNotSealed (Opened) for a case opened already", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(openedFixture);
        await expect(rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseNotSealed")
          .withArgs(SSCC, CaseStatus.Opened);
      });
    });

    describe("when the fields are not those the case was sealed with", function () {
      for (const { what, fields } of MISMATCHES) {
        it(`reverts with CaseContentsMismatch for ${what}`, async function () {
          const f = await loadFixture(sealedFixture);
          const [batchId, contents, packs] = fields(f);
          await expect(f.rx.connect(f.manufacturer).openCase(SSCC, batchId, contents, packs))
            .to.be.revertedWithCustomError(f.rx, "CaseContentsMismatch")
            .withArgs(SSCC);
        });
      }

      it("keeps the case sealed", async function () {
        const f = await loadFixture(sealedFixture);
        await expect(f.rx.connect(f.manufacturer).openCase(SSCC, f.batchId, CONTENTS, PACKS + 1n))
          .to.be.revertedWithCustomError(f.rx, "CaseContentsMismatch")
          .withArgs(SSCC);
        expect(await f.rx.caseStatus(SSCC)).to.equal(CaseStatus.Sealed);
      });
    });

    describe("when the caller holds fewer units of the batch than the case holds", function () {
      it("reverts with CaseNotHeld for a partner that holds none", async function () {
        const { rx, batchId, pharmacy } = await loadFixture(sealedFixture);
        await expect(rx.connect(pharmacy).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseNotHeld")
          .withArgs(SSCC, pharmacy.address, 0n, PACKS);
      });

      it("reverts with CaseNotHeld for the packer once it shipped all but five units away", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(sealedFixture);
        await shipFrom(rx, manufacturer, batchId, distributor.address, COMMISSIONED - 5n);
        await expect(rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseNotHeld")
          .withArgs(SSCC, manufacturer.address, 5n, PACKS);
      });

      it("reverts with CaseNotHeld for the receiver while the case is still in transit", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(sealedFixture);
        await shipFrom(rx, manufacturer, batchId, distributor.address, 60n);
        await expect(rx.connect(distributor).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "CaseNotHeld")
          .withArgs(SSCC, distributor.address, 0n, PACKS);
      });
    });

    describe("when the caller holds exactly as many units as the case holds", function () {
      it("opens the case", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(sealedFixture);
        await shipFrom(rx, manufacturer, batchId, distributor.address, COMMISSIONED - PACKS);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(PACKS);
        await expect(rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseOpened")
          .withArgs(SSCC, batchId, manufacturer.address);
      });
    });

    describe("when the caller is not an authorized partner", function () {
      it("reverts with PartnerNotAuthorized (Unknown) for a stranger", async function () {
        const { rx, batchId, stranger } = await loadFixture(sealedFixture);
        await expect(rx.connect(stranger).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });

      it("reverts with PartnerNotAuthorized (Suspended) for a suspended holder", async function () {
        const { rx, batchId, distributor } = await loadFixture(travelledFixture);
        await rx.suspendPartner(distributor.address, REASON);
        await expect(rx.connect(distributor).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.address, Standing.Suspended);
      });

      it("reverts with PartnerNotAuthorized (LicenceExpired) once the holder's licence expired", async function () {
        const { rx, batchId, manufacturer, licenceExpiry } = await loadFixture(sealedFixture);
        await time.increaseTo(licenceExpiry + 1);
        await expect(rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.LicenceExpired);
      });

      it("reverts with PartnerNotAuthorized before looking at the case", async function () {
        const { rx, batchId, stranger } = await loadFixture(batchFixture);
        await expect(rx.connect(stranger).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, batchId, manufacturer } = await loadFixture(sealedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("opens once unpaused", async function () {
        const { rx, pauser, batchId, manufacturer } = await loadFixture(sealedFixture);
        await rx.connect(pauser).pause();
        await rx.connect(pauser).unpause();
        await expect(rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.emit(rx, "CaseOpened")
          .withArgs(SSCC, batchId, manufacturer.address);
      });
    });
  });

  describe("caseStatus", function () {
    it("is Unused for an SSCC never sealed", async function () {
      const { rx } = await loadFixture(batchFixture);
      expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Unused);
    });

    it("is Unused for numbers that are no SSCC", async function () {
      const { rx } = await loadFixture(batchFixture);
      const statuses = await Promise.all(INVALID_SSCCS.map(({ sscc }) => rx.caseStatus(sscc)));
      expect(statuses).to.deep.equal(INVALID_SSCCS.map(() => BigInt(CaseStatus.Unused)));
    });

    it("is Unused after a refused seal", async function () {
      const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
      await expect(rx.connect(manufacturer).sealCase(SSCC, batchId, ethers.ZeroHash, PACKS))
        .to.be.revertedWithCustomError(rx, "CaseEmptyContents")
        .withArgs(SSCC);
      expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Unused);
    });

    it("goes Unused -> Sealed -> Opened, one case at a time", async function () {
      const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
      const seen = [await rx.caseStatus(SSCC)];
      await rx.connect(manufacturer).sealCase(SSCC, batchId, CONTENTS, PACKS);
      seen.push(await rx.caseStatus(SSCC), await rx.caseStatus(OTHER_SSCC));
      await rx.connect(manufacturer).openCase(SSCC, batchId, CONTENTS, PACKS);
      seen.push(await rx.caseStatus(SSCC), await rx.caseStatus(OTHER_SSCC));
      expect(seen).to.deep.equal(
        [CaseStatus.Unused, CaseStatus.Sealed, CaseStatus.Unused, CaseStatus.Opened, CaseStatus.Unused].map(BigInt),
      );
    });
  });
});

