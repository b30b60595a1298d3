import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { batchIdOf, serialToBytes32, shipmentIdOf } from "../src/domain/ids";
import { RecallClass, Role, Standing } from "../src/domain/enums";
import { GTIN, GTIN_2, serialRange } from "../src/scenario/scenario";
import { SerialTree } from "../src/merkle/serial-tree";
import { ManifestTree } from "../src/manifests/manifest";
import {
  DAY,
  LICENCE_REF,
  LOT,
  SERIALS,
  SUSPENSION_REASON,
  YEAR,
  batchFixture,
  commissionInput,
  claimOf,
  deliverFrom,
  deliverPacksFrom,
  dispenseFrom,
  dispensedFixture,
  PHARMACY2_SERIALS,
  shipPacksFrom,
  twoPharmaciesFixture,
  PHARMACY_SERIALS,
  pharmacyFixture,
  quarantinedPharmacyFixture,
  WARM_LEG,
} from "./fixtures";

const FIRST = SERIALS[0];
const SECOND = "SN000002";
const LAST = "SN000100";
const UNKNOWN_BATCH = batchIdOf(GTIN, "NO-SUCH-LOT");
const REASON = ethers.id("reason");
const RECALL_URI = "ipfs://QmRecallNotice";

type PharmacyContext = Awaited<ReturnType<typeof pharmacyFixture>>;

/** The pack leg of pharmacyFixture (the distributor's first shipment, PHARMACY_SERIALS), known in advance. */
const PHARMACY_MANIFEST = ManifestTree.of(PHARMACY_SERIALS, []);
let distributorAddress = "";
before(async function () {
  distributorAddress = (await ethers.getSigners())[4].address;
});

/**
 * The claim the pharmacy of pharmacyFixture shows for `serial`: its pack leg from the distributor, with the proof
 * of `serial` in the leg's manifest (an empty proof for a pack the leg does not list).
 */
function pharmacyClaim(serial: string) {
  return {
    sender: distributorAddress,
    quantity: BigInt(PHARMACY_SERIALS.length),
    nonce: 0n,
    manifestProof: PHARMACY_SERIALS.includes(serial) ? PHARMACY_MANIFEST.proofOfPack(serial) : [],
  };
}

/** Serials and proofs that do not place the serial in the batch (tree) of pharmacyFixture. */
const NOT_IN_BATCH: { what: string; serial: string; proof: (tree: SerialTree) => string[] }[] = [
  { what: "a serial not in the tree", serial: "SN999999", proof: (tree) => tree.proof(FIRST) },
  { what: "a real serial with another serial's proof", serial: FIRST, proof: (tree) => tree.proof(LAST) },
  { what: "an empty proof", serial: FIRST, proof: () => [] },
  // The same serial, correctly proven in another tree.
  { what: "a proof from another batch's tree", serial: FIRST, proof: () => SerialTree.of(serialRange(50)).proof(FIRST) },
];

/** Batch states in which the pharmacy may not dispense, with the error and its arguments. */
const BLOCKING_STATES: {
  state: string;
  arrange: (f: PharmacyContext) => Promise<unknown>;
  error: "BatchUnderRecall" | "BatchOnHold" | "BatchIsIllegitimate";
  args: (f: PharmacyContext) => unknown[];
}[] = [
  {
    state: "recalled",
    arrange: (f) => f.rx.connect(f.manufacturer).recall(f.batchId, RecallClass.II, REASON, RECALL_URI),
    error: "BatchUnderRecall",
    args: (f) => [f.batchId, RecallClass.II],
  },
  {
    state: "suspect",
    arrange: (f) => f.rx.connect(f.regulator).flagSuspect(f.batchId, REASON),
    error: "BatchOnHold",
    args: (f) => [f.batchId],
  },
  {
    state: "suspect and recalled",
    arrange: async (f) => {
      await f.rx.connect(f.regulator).recall(f.batchId, RecallClass.I, REASON, RECALL_URI);
      await f.rx.connect(f.regulator).flagSuspect(f.batchId, REASON);
    },
    error: "BatchOnHold",
    args: (f) => [f.batchId],
  },
  {
    state: "illegitimate",
    arrange: (f) => f.rx.connect(f.regulator).declareIllegitimate(f.batchId, REASON),
    error: "BatchIsIllegitimate",
    args: (f) => [f.batchId],
  },
];

/** Callers dispense refuses before any other check (pharmacyFixture), with the error and its arguments. */
const NOT_DISPENSERS: {
  what: string;
  caller: "distributor" | "stranger" | "pharmacy";
  arrange?: (f: PharmacyContext) => Promise<unknown>;
  error: "PartnerWrongRole" | "PartnerNotAuthorized";
  args: (f: PharmacyContext) => unknown[];
}[] = [
  {
    what: "PartnerWrongRole for a distributor holding the batch",
    caller: "distributor",
    error: "PartnerWrongRole",
    args: (f) => [f.distributor.address, Role.Distributor, Role.Dispenser],
  },
  {
    what: "PartnerNotAuthorized for a stranger",
    caller: "stranger",
    error: "PartnerNotAuthorized",
    args: (f) => [f.stranger.address, Standing.Unknown],
  },
  {
    what: "PartnerNotAuthorized for a suspended pharmacy",
    caller: "pharmacy",
    arrange: (f) => f.rx.suspendPartner(f.pharmacy.address, SUSPENSION_REASON),
    error: "PartnerNotAuthorized",
    args: (f) => [f.pharmacy.address, Standing.Suspended],
  },
  {
    what: "PartnerNotAuthorized for a pharmacy whose licence expired",
    caller: "pharmacy",
    arrange: (f) => time.increaseTo(f.licenceExpiry + 1),
    error: "PartnerNotAuthorized",
    args: (f) => [f.pharmacy.address, Standing.LicenceExpired],
  },
];

/** A second batch (GTIN_2) commissioned without serials, 10 units held saleable by the pharmacy. */
async function unserializedFixture() {
  const base = await loadFixture(pharmacyFixture);
  const { input } = await commissionInput({ gtin: GTIN_2, quantity: 10n, serialRoot: ethers.ZeroHash });
  await base.rx.connect(base.manufacturer).commissionBatch(input);
  const plainBatchId = batchIdOf(GTIN_2, LOT);
  await deliverFrom(base.rx, base.manufacturer, plainBatchId, base.distributor, 10n);
  await deliverFrom(base.rx, base.distributor, plainBatchId, base.pharmacy, 10n);
  return { ...base, plainBatchId };
}

/** A batch (GTIN_2, lot M257) of 257 serials, an odd-sized tree; the pharmacy holds 10 saleable packs. */
const BIG_LOT = "M257-0001";
const BIG_SERIALS = serialRange(257, "MK");
/** The 10 packs of the big batch the pharmacy receives: every probe below, and 4 more. */
const BIG_LEG_SERIALS = [0, 1, 2, 3, 127, 128, 129, 130, 255, 256].map((i) => BIG_SERIALS[i]);
async function bigTreeFixture() {
  const base = await loadFixture(batchFixture);
  const bigTree = SerialTree.of(BIG_SERIALS);
  const { input: bigInput } = await commissionInput({
    gtin: GTIN_2,
    lot: BIG_LOT,
    quantity: BigInt(BIG_SERIALS.length),
    serialRoot: bigTree.root,
  });
  await base.rx.connect(base.manufacturer).commissionBatch(bigInput);
  const bigBatchId = batchIdOf(GTIN_2, BIG_LOT);
  await deliverFrom(base.rx, base.manufacturer, bigBatchId, base.distributor, 10n);
  const bigLeg = await deliverPacksFrom(base.rx, base.distributor, bigBatchId, base.pharmacy, BIG_LEG_SERIALS);
  return { ...base, bigTree, bigBatchId, bigLeg };
}

describe("RxTrace: Dispensing", function () {
  describe("dispense", function () {
    describe("when an authorized pharmacy dispenses a pack it holds", function () {
      it("emits PackDispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        await expect(rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.emit(rx, "PackDispensed")
          .withArgs(batchId, serial, pharmacy.address);
      });

      it("marks the pack dispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serial = serialToBytes32(FIRST);
        expect(await rx.isDispensed(batchId, serial)).to.equal(false);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST), pharmacyClaim(FIRST));
        expect(await rx.isDispensed(batchId, serial)).to.equal(true);
      });

      it("leaves the other packs undispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST));
        expect(await rx.isDispensed(batchId, serialToBytes32(SECOND))).to.equal(false);
      });

      it("moves one unit from saleable to dispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const before = await rx.holding(batchId, pharmacy.address);
        await rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST));
        const after = await rx.holding(batchId, pharmacy.address);
        expect([after.saleable, after.dispensed]).to.deep.equal([before.saleable - 1n, before.dispensed + 1n]);
        expect([after.quarantined, after.condemned, after.shipments]).to.deep.equal([
          before.quarantined,
          before.condemned,
          before.shipments,
        ]);
      });
    });

    describe("when a pharmacy dispenses several packs", function () {
      it("counts each of them", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serials = [FIRST, SECOND, "SN000010", "SN000020"];
        for (const serial of serials) {
          await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(serial), tree.proof(serial), pharmacyClaim(serial)))
            .to.emit(rx, "PackDispensed")
            .withArgs(batchId, serialToBytes32(serial), pharmacy.address);
        }
        const h = await rx.holding(batchId, pharmacy.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([16n, 4n]);
        for (const serial of serials) expect(await rx.isDispensed(batchId, serialToBytes32(serial))).to.equal(true);
      });

      it("dispenses until the saleable stock runs out", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const serials = serialRange(21);
        for (const serial of serials.slice(0, 20)) {
          await rx.connect(pharmacy).dispense(batchId, serialToBytes32(serial), tree.proof(serial), pharmacyClaim(serial));
        }
        const h = await rx.holding(batchId, pharmacy.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([0n, 20n]);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(serials[20]), tree.proof(serials[20]), pharmacyClaim(serials[20])))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy.address, 0n, 1n);
      });
    });

    describe("when the pack was dispensed already", function () {
      for (const { by, caller } of [
        { by: "the same pharmacy", caller: "pharmacy" },
        { by: "another pharmacy holding the batch", caller: "pharmacy2" },
      ] as const) {
        it(`reverts with DispensePackAlreadyDispensed for ${by}`, async function () {
          const f = await loadFixture(dispensedFixture);
          const serial = serialToBytes32(FIRST);
          await expect(f.rx.connect(f[caller]).dispense(f.batchId, serial, f.tree.proof(FIRST), pharmacyClaim(FIRST)))
            .to.be.revertedWithCustomError(f.rx, "DispensePackAlreadyDispensed")
            .withArgs(f.batchId, serial);
        });
      }

      it("leaves the holding of the second pharmacy unchanged", async function () {
        const { rx, pharmacy2, batchId, tree } = await loadFixture(dispensedFixture);
        const serial = serialToBytes32(FIRST);
        await expect(rx.connect(pharmacy2).dispense(batchId, serial, tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispensePackAlreadyDispensed")
          .withArgs(batchId, serial);
        const h = await rx.holding(batchId, pharmacy2.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([10n, 0n]);
      });
    });

    describe("when the proof does not place the serial in the batch", function () {
      for (const { what, serial, proof } of NOT_IN_BATCH) {
        it(`reverts with DispenseSerialNotInBatch for ${what}`, async function () {
          const f = await loadFixture(pharmacyFixture);
          const serial32 = serialToBytes32(serial);
          await expect(f.rx.connect(f.pharmacy).dispense(f.batchId, serial32, proof(f.tree), pharmacyClaim(serial)))
            .to.be.revertedWithCustomError(f.rx, "DispenseSerialNotInBatch")
            .withArgs(f.batchId, serial32);
        });
      }

      it("does not mark the pack dispensed", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const forged = serialToBytes32("SN999999");
        await expect(rx.connect(pharmacy).dispense(batchId, forged, tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(batchId, forged);
        expect(await rx.isDispensed(batchId, forged)).to.equal(false);
      });
    });

    describe("when the batch has no serial root", function () {
      it("reverts with DispenseBatchNotSerialized", async function () {
        const { rx, pharmacy, plainBatchId, tree } = await loadFixture(unserializedFixture);
        expect((await rx.batch(plainBatchId)).serialRoot).to.equal(ethers.dataSlice(ethers.ZeroHash, 0, 21));
        await expect(rx.connect(pharmacy).dispense(plainBatchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "DispenseBatchNotSerialized")
          .withArgs(plainBatchId);
      });
    });

    describe("when the pharmacy has no saleable unit", function () {
      it("reverts with CustodyInsufficientSaleable for a pharmacy holding nothing", async function () {
        const { rx, pharmacy2, batchId, tree } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(pharmacy2).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy2.address, 0n, 1n);
      });

      it("reverts with CustodyInsufficientSaleable for a pharmacy holding one quarantined unit and no saleable one", async function () {
        // An odd quarantined count sets the lowest bit next to the saleable count in the packed stock word.
        const { rx, distributor, pharmacy2, batchId, tree } = await loadFixture(pharmacyFixture);
        await deliverPacksFrom(rx, distributor, batchId, pharmacy2, [SERIALS[50]], WARM_LEG);
        await expect(rx.connect(pharmacy2).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy2.address, 0n, 1n);
      });

      it("reverts with CustodyInsufficientSaleable for a pharmacy holding only quarantined units", async function () {
        const { rx, pharmacy, batchId, tree } = await loadFixture(quarantinedPharmacyFixture);
        expect((await rx.holding(batchId, pharmacy.address)).quarantined).to.equal(20n);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy.address, 0n, 1n);
      });
    });

    describe("when the caller is not an authorized dispenser", function () {
      for (const { what, caller, arrange, error, args } of NOT_DISPENSERS) {
        it(`reverts with ${what}`, async function () {
          const f = await loadFixture(pharmacyFixture);
          await arrange?.(f);
          await expect(f.rx.connect(f[caller]).dispense(f.batchId, serialToBytes32(FIRST), f.tree.proof(FIRST), pharmacyClaim(FIRST)))
            .to.be.revertedWithCustomError(f.rx, error)
            .withArgs(...args(f));
        });
      }
    });

    for (const { state, arrange, error, args } of BLOCKING_STATES) {
      describe(`when the batch is ${state}`, function () {
        it(`reverts with ${error}`, async function () {
          const f = await loadFixture(pharmacyFixture);
          await arrange(f);
          await expect(f.rx.connect(f.pharmacy).dispense(f.batchId, serialToBytes32(FIRST), f.tree.proof(FIRST), pharmacyClaim(FIRST)))
            .to.be.revertedWithCustomError(f.rx, error)
            .withArgs(...args(f));
        });
      });
    }

    describe("when the batch expired", function () {
      it("reverts with BatchExpired", async function () {
        const { rx, admin, pharmacy, batchId, tree, input } = await loadFixture(pharmacyFixture);
        const expiry = BigInt(input.expiry);
        await rx.connect(admin).renewLicence(pharmacy.address, LICENCE_REF, expiry + BigInt(YEAR));
        const now = expiry + BigInt(DAY);
        await time.setNextBlockTimestamp(now);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchExpired")
          .withArgs(batchId, expiry, now);
      });

      it("still dispenses at the expiry second itself", async function () {
        const { rx, admin, pharmacy, batchId, tree, input } = await loadFixture(pharmacyFixture);
        const expiry = BigInt(input.expiry);
        await rx.connect(admin).renewLicence(pharmacy.address, LICENCE_REF, expiry + BigInt(YEAR));
        await time.setNextBlockTimestamp(expiry);
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.emit(rx, "PackDispensed")
          .withArgs(batchId, serialToBytes32(FIRST), pharmacy.address);
        expect(await rx.isDispensed(batchId, serialToBytes32(FIRST))).to.equal(true);
      });
    });

    describe("when the batch is unknown", function () {
      it("reverts with BatchUnknown", async function () {
        const { rx, pharmacy, tree } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(pharmacy).dispense(UNKNOWN_BATCH, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "BatchUnknown")
          .withArgs(UNKNOWN_BATCH);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(FIRST), tree.proof(FIRST), pharmacyClaim(FIRST)))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("isDispensed", function () {
    describe("when the same serial exists in two batches", function () {
      it("is true only in the batch where it was dispensed", async function () {
        const { rx, manufacturer, pharmacy, batchId, tree } = await loadFixture(pharmacyFixture);
        const { input } = await commissionInput({ gtin: GTIN_2 });
        await rx.connect(manufacturer).commissionBatch(input);
        const serial = serialToBytes32(FIRST);
        await rx.connect(pharmacy).dispense(batchId, serial, tree.proof(FIRST), pharmacyClaim(FIRST));
        expect(await rx.isDispensed(batchId, serial)).to.equal(true);
        expect(await rx.isDispensed(batchIdOf(GTIN_2, LOT), serial)).to.equal(false);
      });
    });

    describe("when the batch is unknown", function () {
      it("is false", async function () {
        const { rx } = await loadFixture(pharmacyFixture);
        expect(await rx.isDispensed(UNKNOWN_BATCH, serialToBytes32(FIRST))).to.equal(false);
      });
    });
  });

  describe("Merkle proofs (src/merkle/serial-tree.ts against OpenZeppelin)", function () {
    const PROBES = [BIG_SERIALS[0], BIG_SERIALS[1], BIG_SERIALS[127], BIG_SERIALS[128], BIG_SERIALS[255], BIG_SERIALS[256]];

    describe("when the tree has 257 serials", function () {
      it("has the root OpenZeppelin's own builder computes", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const oz = StandardMerkleTree.of(
          BIG_SERIALS.map((serial) => [serialToBytes32(serial)]),
          ["bytes32"],
        );
        expect(tree.root).to.equal(oz.root);
        expect(tree.toStandardTree().root).to.equal(oz.root);
      });

      it("gives the same proofs as toStandardTree()", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const standard = tree.toStandardTree();
        for (const serial of PROBES) {
          expect(tree.proof(serial)).to.deep.equal(standard.getProof([serialToBytes32(serial)]));
        }
      });

      it("gives the same proofs as OpenZeppelin's own builder", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const oz = StandardMerkleTree.of(
          BIG_SERIALS.map((serial) => [serialToBytes32(serial)]),
          ["bytes32"],
        );
        for (const serial of PROBES) {
          expect(tree.proof(serial)).to.deep.equal(oz.getProof([serialToBytes32(serial)]));
        }
      });

      it("gives proofs of different lengths (the tree is not a power of two)", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const lengths = new Set(BIG_SERIALS.map((serial) => tree.proof(serial).length));
        expect([...lengths].sort()).to.deep.equal([8, 9]);
      });

      it("gives proofs StandardMerkleTree.verify accepts", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        for (const serial of PROBES) {
          expect(StandardMerkleTree.verify(tree.root, ["bytes32"], [serialToBytes32(serial)], tree.proof(serial))).to.equal(
            true,
          );
        }
      });

      it("gives proofs StandardMerkleTree.verify rejects for another serial", function () {
        const tree = SerialTree.of(BIG_SERIALS);
        const proof = tree.proof(BIG_SERIALS[0]);
        expect(StandardMerkleTree.verify(tree.root, ["bytes32"], [serialToBytes32(BIG_SERIALS[1])], proof)).to.equal(false);
      });

      it("lets the contract dispense with those proofs", async function () {
        const { rx, pharmacy, bigBatchId, bigTree, bigLeg } = await loadFixture(bigTreeFixture);
        const standard = bigTree.toStandardTree();
        for (const serial of PROBES) {
          const serial32 = serialToBytes32(serial);
          await expect(rx.connect(pharmacy).dispense(bigBatchId, serial32, standard.getProof([serial32]), claimOf(bigLeg, serial)))
            .to.emit(rx, "PackDispensed")
            .withArgs(bigBatchId, serial32, pharmacy.address);
          expect(await rx.isDispensed(bigBatchId, serial32)).to.equal(true);
        }
        const h = await rx.holding(bigBatchId, pharmacy.address);
        expect([h.saleable, h.dispensed]).to.deep.equal([BigInt(10 - PROBES.length), BigInt(PROBES.length)]);
      });

      it("makes the contract refuse a serial of the tree with a truncated proof", async function () {
        const { rx, pharmacy, bigBatchId, bigTree, bigLeg } = await loadFixture(bigTreeFixture);
        const serial32 = serialToBytes32(BIG_SERIALS[256]);
        const proof = bigTree.proof(BIG_SERIALS[256]).slice(0, -1);
        await expect(rx.connect(pharmacy).dispense(bigBatchId, serial32, proof, claimOf(bigLeg, BIG_SERIALS[256])))
          .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
          .withArgs(bigBatchId, serial32);
      });

      it("stores the first 21 bytes of the root", async function () {
        const { rx, bigBatchId, bigTree } = await loadFixture(bigTreeFixture);
        expect((await rx.batch(bigBatchId)).serialRoot).to.equal(ethers.dataSlice(bigTree.root, 0, 21));
      });
    });
  });
});

describe("RxTrace: Dispensing, the pack rule (a dispenser dispenses only packs in its custody)", function () {
  type TwoContext = Awaited<ReturnType<typeof twoPharmaciesFixture>>;
  /** pharmacy2's claim to a pack it never received, using its own leg (PHARMACY2_SERIALS) with a forged proof. */
  const attackerClaim = (f: TwoContext, serial: string) => ({ ...claimOf(f.toPharmacy2, PHARMACY2_SERIALS[0]), manifestProof: f.toPharmacy.manifest.proofOfPack(serial) });

  describe("dispense", function () {
    describe("when another pharmacy tries to burn a genuine pack that sits at the first one", function () {
      it("an attacker pharmacy cannot burn another pharmacy's pack with its own leg: DispensePackNotInLeg", async function () {
        const f = await loadFixture(twoPharmaciesFixture);
        const serial32 = serialToBytes32(FIRST);
        await expect(f.rx.connect(f.pharmacy2).dispense(f.batchId, serial32, f.tree.proof(FIRST), attackerClaim(f, FIRST)))
          .to.be.revertedWithCustomError(f.rx, "DispensePackNotInLeg")
          .withArgs(f.batchId, serial32, f.toPharmacy2.shipmentId);
        expect(await f.rx.isDispensed(f.batchId, serial32)).to.equal(false);
      });

      it("an attacker pharmacy cannot claim the other pharmacy's leg: DispenseLegNotReceived", async function () {
        const f = await loadFixture(twoPharmaciesFixture);
        const serial32 = serialToBytes32(FIRST);
        const claim = claimOf(f.toPharmacy, FIRST);
        // The leg id with the attacker as receiver is no leg anyone received.
        const legId = shipmentIdOf({ ...f.toPharmacy.shipment, receiver: f.pharmacy2.address });
        await expect(f.rx.connect(f.pharmacy2).dispense(f.batchId, serial32, f.tree.proof(FIRST), claim))
          .to.be.revertedWithCustomError(f.rx, "DispenseLegNotReceived")
          .withArgs(f.batchId, serial32, legId);
      });

      it("leaves the genuine pack dispensable by the pharmacy that holds it (the legitimate path)", async function () {
        const f = await loadFixture(twoPharmaciesFixture);
        await expect(dispenseFrom(f.rx, f.pharmacy, f.batchId, f.tree, FIRST, f.toPharmacy))
          .to.emit(f.rx, "PackDispensed")
          .withArgs(f.batchId, serialToBytes32(FIRST), f.pharmacy.address);
      });
    });

    describe("when the pharmacy shipped a leg of the batch after receiving the pack", function () {
      it("reverts with DispenseLegShippedOn: a pack it received and shipped on is not its to dispense", async function () {
        const f = await loadFixture(twoPharmaciesFixture);
        await f.rx.connect(f.pharmacy).shipPacks(f.batchId, f.distributor.address, 1n, ManifestTree.of([FIRST], []).root);
        const serial32 = serialToBytes32(FIRST);
        await expect(dispenseFrom(f.rx, f.pharmacy, f.batchId, f.tree, FIRST, f.toPharmacy))
          .to.be.revertedWithCustomError(f.rx, "DispenseLegShippedOn")
          .withArgs(f.batchId, serial32, f.toPharmacy.shipmentId, 0n, 1n);
      });

      it("lets the distributor that got it back ship it to another pharmacy, which dispenses it", async function () {
        const f = await loadFixture(twoPharmaciesFixture);
        await deliverPacksFrom(f.rx, f.pharmacy, f.batchId, f.distributor, [FIRST]);
        const again = await deliverPacksFrom(f.rx, f.distributor, f.batchId, f.pharmacy2, [FIRST]);
        await expect(dispenseFrom(f.rx, f.pharmacy2, f.batchId, f.tree, FIRST, again))
          .to.emit(f.rx, "PackDispensed")
          .withArgs(f.batchId, serialToBytes32(FIRST), f.pharmacy2.address);
      });
    });

    describe("when the leg was received into quarantine", function () {
      it("reverts with DispenseLegQuarantined although the pharmacy holds saleable units of another leg", async function () {
        const f = await loadFixture(pharmacyFixture);
        const warm = await deliverPacksFrom(f.rx, f.distributor, f.batchId, f.pharmacy, [SERIALS[40]], WARM_LEG);
        const serial32 = serialToBytes32(SERIALS[40]);
        await expect(dispenseFrom(f.rx, f.pharmacy, f.batchId, f.tree, SERIALS[40], warm))
          .to.be.revertedWithCustomError(f.rx, "DispenseLegQuarantined")
          .withArgs(f.batchId, serial32, warm.shipmentId);
      });
    });

    describe("when the leg is still in transit", function () {
      it("reverts with DispenseLegNotReceived", async function () {
        const f = await loadFixture(pharmacyFixture);
        const sent = await shipPacksFrom(f.rx, f.distributor, f.batchId, f.pharmacy.address, [SERIALS[40]]);
        const serial32 = serialToBytes32(SERIALS[40]);
        await expect(dispenseFrom(f.rx, f.pharmacy, f.batchId, f.tree, SERIALS[40], sent))
          .to.be.revertedWithCustomError(f.rx, "DispenseLegNotReceived")
          .withArgs(f.batchId, serial32, sent.shipmentId);
      });
    });
  });

  describe("receiveShipment of a pack leg by a dispenser", function () {
    it("keeps the leg as Received with the manifest and the dispenser's shipment count", async function () {
      const { rx, toPharmacy } = await loadFixture(pharmacyFixture);
      const r = await rx.shipment(toPharmacy.shipmentId);
      expect([r.status, r.manifest, r.receiverShipments]).to.deep.equal([
        3n,
        ethers.dataSlice(toPharmacy.manifest.root, 0, 21),
        0n,
      ]);
    });
  });

  describe("ship", function () {
    describe("when a lot-level leg of a serialized batch goes to a dispenser", function () {
      it("reverts with CustodyManifestRequired", async function () {
        const { rx, distributor, pharmacy, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(distributor).ship(batchId, pharmacy.address, 1n))
          .to.be.revertedWithCustomError(rx, "CustodyManifestRequired")
          .withArgs(batchId, pharmacy.address);
      });
    });

    describe("when a lot-level leg of a serialized batch goes between distributors (the lot rule)", function () {
      it("ships", async function () {
        const { rx, distributor, distributor2, batchId } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(distributor).ship(batchId, distributor2.address, 1n)).to.emit(rx, "Shipped");
      });
    });
  });
});
