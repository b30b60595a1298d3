import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { RxTrace } from "../typechain-types";
import { batchIdOf, serialToBytes32 } from "../src/domain/ids";
import { CustodyRule, RecallClass, Verdict } from "../src/domain/enums";
import { GTIN, GTIN_2 } from "../src/scenario/scenario";
import { SerialTree } from "../src/merkle/serial-tree";
import { ManifestTree } from "../src/manifests/manifest";
import {
  LOT,
  SERIALS,
  WARM_LEG,
  batchFixture,
  commissionInput,
  deliverFrom,
  deliverPacksFrom,
  dispenseFrom,
  dispensedFixture,
  pharmacyFixture,
  quarantinedPharmacyFixture,
} from "./fixtures";

const FIRST = "SN000001";
const SECOND = "SN000002";
const REASON = ethers.id("reason");
const RECALL_URI = "ipfs://QmRecallNotice";
const NOBODY = ethers.ZeroAddress;

interface Answer {
  verdict: bigint;
  batchId: string;
}

/** verifyPack for a pack of `gtin`/`lot` with serial `serial` and `proof`, as `holder` (zero: no custody check). */
async function verify(
  rx: RxTrace,
  serial: string,
  proof: string[],
  holder: string = NOBODY,
  gtin: bigint = GTIN,
  lot: string = LOT,
): Promise<Answer> {
  const [verdict, batchId] = await rx.verifyPack(gtin, lot, serialToBytes32(serial), proof, holder);
  return { verdict, batchId };
}

describe("RxTrace: Verification", function () {
  describe("verifyPack", function () {
    describe("when the pack is genuine and no holder is given", function () {
      it("returns Genuine and the batch id", async function () {
        const { rx, tree } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId: batchIdOf(GTIN, LOT) });
      });

      it("returns the batch id the contract's batchIdOf derives", async function () {
        const { rx, tree } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer.batchId).to.equal(await rx.batchIdOf(GTIN, LOT));
      });

      it("returns Genuine for every serial of the batch", async function () {
        const { rx, tree } = await loadFixture(pharmacyFixture);
        for (const serial of [SERIALS[0], SERIALS[49], SERIALS[99]]) {
          expect((await verify(rx, serial, tree.proof(serial))).verdict).to.equal(BigInt(Verdict.Genuine));
        }
      });
    });

    describe("when the holder has saleable units", function () {
      it("returns Genuine", async function () {
        const { rx, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });

      it("returns Genuine when it also holds quarantined units", async function () {
        const { rx, distributor, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 45), WARM_LEG);
        const h = await rx.holding(batchId, pharmacy.address);
        expect([h.saleable, h.quarantined]).to.deep.equal([20n, 5n]);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });
    });

    describe("when the batch is unknown", function () {
      it("returns UnknownBatch for an unknown lot", async function () {
        const { rx, tree } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), NOBODY, GTIN, "B99-9999");
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.UnknownBatch), batchId: batchIdOf(GTIN, "B99-9999") });
      });

      it("returns UnknownBatch for a GTIN with a wrong check digit", async function () {
        const { rx, tree } = await loadFixture(pharmacyFixture);
        const invalidGtin = GTIN % 10n === 9n ? GTIN - 1n : GTIN + 1n;
        const answer = await verify(rx, FIRST, tree.proof(FIRST), NOBODY, invalidGtin, LOT);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.UnknownBatch), batchId: batchIdOf(invalidGtin, LOT) });
      });

      it("returns UnknownBatch for another product of the same lot number", async function () {
        const { rx, tree } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), NOBODY, GTIN_2, LOT);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.UnknownBatch), batchId: batchIdOf(GTIN_2, LOT) });
      });

      it("returns UnknownBatch rather than a custody verdict", async function () {
        const { rx, pharmacy2, tree } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy2.address, GTIN, "B99-9999");
        expect(answer.verdict).to.equal(BigInt(Verdict.UnknownBatch));
      });
    });

    describe("when the serial is not in the batch", function () {
      it("returns SerialNotInBatch for a forged serial", async function () {
        const { rx, tree, batchId } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, "SN999999", tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.SerialNotInBatch), batchId });
      });

      it("returns SerialNotInBatch for a real serial with another serial's proof", async function () {
        const { rx, tree, batchId } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(SECOND));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.SerialNotInBatch), batchId });
      });

      it("returns SerialNotInBatch for an empty proof", async function () {
        const { rx, batchId } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, []);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.SerialNotInBatch), batchId });
      });

      it("returns SerialNotInBatch for a batch commissioned without a serial root", async function () {
        const { rx, manufacturer, tree } = await loadFixture(pharmacyFixture);
        const { input } = await commissionInput({ gtin: GTIN_2, serialRoot: ethers.ZeroHash });
        await rx.connect(manufacturer).commissionBatch(input);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), NOBODY, GTIN_2, LOT);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.SerialNotInBatch), batchId: batchIdOf(GTIN_2, LOT) });
      });

      it("returns SerialNotInBatch rather than Illegitimate", async function () {
        const { rx, regulator, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, REASON);
        const answer = await verify(rx, "SN999999", tree.proof(FIRST));
        expect(answer.verdict).to.equal(BigInt(Verdict.SerialNotInBatch));
      });

      it("returns SerialNotInBatch for a proof from another batch's tree", async function () {
        const { rx, batchId } = await loadFixture(pharmacyFixture);
        const otherTree = SerialTree.of(SERIALS.slice(0, 50));
        const answer = await verify(rx, FIRST, otherTree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.SerialNotInBatch), batchId });
      });
    });

    describe("when the batch is illegitimate", function () {
      it("returns Illegitimate", async function () {
        const { rx, regulator, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Illegitimate), batchId });
      });

      it("returns Illegitimate when the batch is also recalled", async function () {
        const { rx, regulator, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).recall(batchId, RecallClass.I, REASON, RECALL_URI);
        await rx.connect(regulator).declareIllegitimate(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Illegitimate), batchId });
      });

      it("returns Illegitimate for a pack that was dispensed", async function () {
        const { rx, regulator, tree, batchId } = await loadFixture(dispensedFixture);
        await rx.connect(regulator).declareIllegitimate(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer.verdict).to.equal(BigInt(Verdict.Illegitimate));
      });
    });

    describe("when the batch is recalled", function () {
      it("returns Recalled", async function () {
        const { rx, manufacturer, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, RECALL_URI);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Recalled), batchId });
      });

      it("returns Recalled for a pack that was dispensed", async function () {
        const { rx, manufacturer, tree, batchId } = await loadFixture(dispensedFixture);
        await rx.connect(manufacturer).recall(batchId, RecallClass.II, REASON, RECALL_URI);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Recalled), batchId });
      });

      it("returns Recalled when the batch is also suspect", async function () {
        const { rx, regulator, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await rx.connect(regulator).recall(batchId, RecallClass.I, REASON, RECALL_URI);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer.verdict).to.equal(BigInt(Verdict.Recalled));
      });
    });

    describe("when the pack was dispensed", function () {
      it("returns AlreadyDispensed", async function () {
        const { rx, pharmacy, tree, batchId } = await loadFixture(dispensedFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.AlreadyDispensed), batchId });
      });

      it("still returns Genuine for another pack of the batch", async function () {
        const { rx, pharmacy, tree, batchId } = await loadFixture(dispensedFixture);
        const answer = await verify(rx, SECOND, tree.proof(SECOND), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });

      it("returns AlreadyDispensed when the batch is also suspect", async function () {
        const { rx, regulator, tree, batchId } = await loadFixture(dispensedFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.AlreadyDispensed), batchId });
      });

      it("returns AlreadyDispensed when the batch also expired", async function () {
        const { rx, tree, batchId, input } = await loadFixture(dispensedFixture);
        await time.increaseTo(BigInt(input.expiry) + 1n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.AlreadyDispensed), batchId });
      });
    });

    describe("when the batch is suspect", function () {
      it("returns Suspect", async function () {
        const { rx, regulator, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Suspect), batchId });
      });

      it("returns Suspect when the batch also expired", async function () {
        const { rx, regulator, tree, batchId, input } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await time.increaseTo(BigInt(input.expiry) + 1n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Suspect), batchId });
      });

      it("returns Suspect while a holder's flag is live", async function () {
        const { rx, distributor, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(distributor).flagSuspect(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Suspect), batchId });
      });

      it("returns Genuine once a holder's flag lapsed unconfirmed (SUSPECT_LAPSE)", async function () {
        const { rx, distributor, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(distributor).flagSuspect(batchId, REASON);
        await time.increase(7 * 24 * 3600);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });

      it("returns Genuine again once a regulator cleared it", async function () {
        const { rx, regulator, pharmacy, tree, batchId } = await loadFixture(pharmacyFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        await rx.connect(regulator).clearSuspect(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });

      it("returns Suspect rather than Quarantined", async function () {
        const { rx, regulator, pharmacy, tree, batchId } = await loadFixture(quarantinedPharmacyFixture);
        await rx.connect(regulator).flagSuspect(batchId, REASON);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer.verdict).to.equal(BigInt(Verdict.Suspect));
      });
    });

    describe("when the batch expired", function () {
      it("returns Expired", async function () {
        const { rx, pharmacy, tree, batchId, input } = await loadFixture(pharmacyFixture);
        await time.increaseTo(BigInt(input.expiry) + 1n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Expired), batchId });
      });

      it("returns Expired rather than NotInCustody", async function () {
        const { rx, pharmacy2, tree, batchId, input } = await loadFixture(pharmacyFixture);
        await time.increaseTo(BigInt(input.expiry) + 1n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy2.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Expired), batchId });
      });

      it("returns Genuine a minute before the expiry", async function () {
        const { rx, tree, batchId, input } = await loadFixture(pharmacyFixture);
        // A call runs in a block after the latest one: leave it a margin below the expiry.
        await time.increaseTo(BigInt(input.expiry) - 60n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });
    });

    describe("when the holder has only quarantined units", function () {
      it("returns Quarantined", async function () {
        const { rx, pharmacy, tree, batchId } = await loadFixture(quarantinedPharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Quarantined), batchId });
      });

      it("returns Genuine when no holder is given", async function () {
        const { rx, tree, batchId } = await loadFixture(quarantinedPharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST));
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });

      it("returns Genuine once a regulator released them", async function () {
        const { rx, regulator, pharmacy, tree, batchId } = await loadFixture(quarantinedPharmacyFixture);
        await rx.connect(regulator).releaseQuarantine(batchId, pharmacy.address, 1n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.Genuine), batchId });
      });

      it("returns NotInCustody once a regulator condemned them all", async function () {
        const { rx, regulator, pharmacy, tree, batchId } = await loadFixture(quarantinedPharmacyFixture);
        await rx.connect(regulator).condemnQuarantine(batchId, pharmacy.address, 20n);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.NotInCustody), batchId });
      });
    });

    describe("when the holder holds none of the batch", function () {
      it("returns NotInCustody for a pharmacy that never received it", async function () {
        const { rx, pharmacy2, tree, batchId } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), pharmacy2.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.NotInCustody), batchId });
      });

      it("returns NotInCustody for a stranger", async function () {
        const { rx, stranger, tree, batchId } = await loadFixture(pharmacyFixture);
        const answer = await verify(rx, FIRST, tree.proof(FIRST), stranger.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.NotInCustody), batchId });
      });

      it("returns NotInCustody for a distributor that shipped everything out", async function () {
        const { rx, distributor, pharmacy2, tree, batchId } = await loadFixture(pharmacyFixture);
        await deliverPacksFrom(rx, distributor, batchId, pharmacy2, SERIALS.slice(20, 60));
        const answer = await verify(rx, FIRST, tree.proof(FIRST), distributor.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.NotInCustody), batchId });
      });

      it("returns NotInCustody for a pharmacy that dispensed all its units", async function () {
        const { rx, pharmacy, tree, batchId, toPharmacy } = await loadFixture(pharmacyFixture);
        for (const serial of SERIALS.slice(0, 20)) await dispenseFrom(rx, pharmacy, batchId, tree, serial, toPharmacy);
        const answer = await verify(rx, SERIALS[20], tree.proof(SERIALS[20]), pharmacy.address);
        expect(answer).to.deep.equal({ verdict: BigInt(Verdict.NotInCustody), batchId });
      });
    });
  });
  describe("verifyPackInCustody", function () {
    describe("when the claimed pack leg is still in transit to the holder", function () {
      it("returns NotInCustody by the pack rule, even when the leg carries more units than its shipping time reads in seconds", async function () {
        // A received pack leg counts its dispenses where a leg in transit keeps its shipping time, so only the
        // leg's status tells a huge leg in transit (3e9 units > shippedAt) from a received one.
        const { rx, manufacturer, distributor, pharmacy } = await loadFixture(batchFixture);
        const quantity = 3_000_000_000n;
        const { input, tree } = await commissionInput({ gtin: GTIN_2, quantity });
        await rx.connect(manufacturer).commissionBatch(input);
        const batchId = batchIdOf(GTIN_2, LOT);
        await deliverFrom(rx, manufacturer, batchId, distributor, quantity);
        const manifest = ManifestTree.of([FIRST], []);
        await rx.connect(distributor).shipPacks(batchId, pharmacy.address, quantity, manifest.root);
        const claim = { sender: distributor.address, quantity, nonce: 0n, manifestProof: manifest.proofOfPack(FIRST) };
        const answer = await rx.verifyPackInCustody(GTIN_2, LOT, serialToBytes32(FIRST), tree.proof(FIRST), pharmacy.address, claim);
        expect(answer).to.deep.equal([BigInt(Verdict.NotInCustody), batchId, BigInt(CustodyRule.Pack)]);
      });
    });
  });
});
