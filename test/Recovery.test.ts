/**
 * Key rotation and re-keying (IRecovery, issue 12): a partner's two-step self-rotation, the admin's re-key of a lost
 * key (through a timelock too), and everything the partner had still usable by its new key: stock in three lots,
 * shipments in transit both ways, pack-custody proofs, signatures with the moved nonce.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { deployRxTrace, deployTimelock } from "../src/chain/deploy";
import { batchTimeline } from "../src/chain/events/provenance";
import { formatEntry } from "../src/domain/report";
import { ManifestTree } from "../src/manifests/manifest";
import { Role, Standing, Verdict } from "../src/domain/enums";
import { serialToBytes32, shipmentIdOf } from "../src/domain/ids";
import { CAST, GTIN } from "../src/scenario/scenario";
import { readDomain, SIGNED_TYPES } from "../src/signing/typed-data";
import {
  claimOf,
  commissionInput,
  COMMISSIONED,
  DAY,
  dispenseFrom,
  GOOD_LEG,
  holdingRecord,
  LICENCE_REF,
  LOT,
  NO_STOCK,
  partnersFixture,
  PHARMACY_SERIALS,
  SERIALS,
  YEAR,
} from "./fixtures";
import { freshKeys, recoveryAs, rekeyedFixture, threeLotsFixture } from "./recovery-fixtures";

const DISTRIBUTOR_GLN = CAST.find((m) => m.key === "distributor")!.gln;

describe("Recovery", function () {
  describe("rekeyPartner", function () {
    describe("when the admin re-keys a distributor whose key is lost, with stock in three lots and shipments in transit", function () {
      it("emits PartnerRekeyed naming the identity, the old key, the new key and the admin", async function () {
        const { rx, admin, distributor, newKey } = await loadFixture(threeLotsFixture);
        await expect((await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newKey.address))
          .to.emit(rx, "PartnerRekeyed")
          .withArgs(distributor.address, distributor.address, newKey.address, true);
      });

      it("moves the record, the GLN and the nonce to the new key and retires the old one", async function () {
        const { rx, distributor, newKey } = await loadFixture(rekeyedFixture);
        const moved = await rx.partner(newKey.address);
        expect(moved.role).to.equal(Role.Distributor);
        expect(moved.gln).to.equal(DISTRIBUTOR_GLN);
        expect(moved.rekeyed).to.equal(true);
        expect(await rx.accountOfGln(DISTRIBUTOR_GLN)).to.equal(newKey.address);
        expect(await rx.standing(newKey.address)).to.equal(Standing.Authorized);
        expect(await rx.standing(distributor.address)).to.equal(Standing.Unknown);
        const recovery = await recoveryAs(rx, newKey);
        expect(await recovery.identityOf(newKey.address)).to.equal(distributor.address);
        expect(await recovery.keyOf(distributor.address)).to.equal(newKey.address);
      });

      it("keeps every lot's stock, read through the new key or the identity", async function () {
        const { rx, distributor, newKey, lots } = await loadFixture(rekeyedFixture);
        const expected = [40n, 30n, 20n];
        for (const [i, batchId] of lots.entries()) {
          expect((await rx.holding(batchId, newKey.address)).saleable).to.equal(expected[i]);
          expect(holdingRecord(await rx.holding(batchId, newKey.address))).to.deep.equal(holdingRecord(await rx.holding(batchId, distributor.address)));
        }
      });

      it("lets the new key ship from each of the three lots", async function () {
        const { rx, distributor, newKey, distributor2, lots } = await loadFixture(rekeyedFixture);
        for (const batchId of lots) {
          const before = (await rx.holding(batchId, distributor.address)).saleable;
          const nonce = (await rx.holding(batchId, distributor.address)).shipments;
          const id = shipmentIdOf({ batchId, sender: distributor.address, receiver: distributor2.address, quantity: 5n, nonce });
          await expect(rx.connect(newKey).ship(batchId, distributor2.address, 5n))
            .to.emit(rx, "Shipped")
            .withArgs(id, batchId, distributor.address, distributor2.address, 5n, nonce, false);
          expect((await rx.holding(batchId, newKey.address)).saleable).to.equal(before - 5n);
        }
      });

      it("lets the new key receive the shipment in transit to the old key", async function () {
        const { rx, distributor, newKey, inbound, lots } = await loadFixture(rekeyedFixture);
        await expect(rx.connect(newKey).receiveShipment(inbound.shipment, GOOD_LEG))
          .to.emit(rx, "Received")
          .withArgs(inbound.shipmentId, lots[1], distributor.address, inbound.shipment.sender, 25n, Object.values(GOOD_LEG), false);
        expect((await rx.holding(lots[1], newKey.address)).saleable).to.equal(55n);
      });

      it("lets the new key reject the shipment in transit to the old key", async function () {
        const { rx, newKey, manufacturer, inbound, lots } = await loadFixture(rekeyedFixture);
        await expect(rx.connect(newKey).rejectShipment(inbound.shipment, 0, ZeroHash, GOOD_LEG)).to.emit(rx, "Rejected");
        expect((await rx.holding(lots[1], manufacturer.address)).saleable).to.equal(COMMISSIONED - 30n);
      });

      it("lets the receiver of the old key's shipment take it into saleable stock (the sender still stands)", async function () {
        const { rx, pharmacy2, outbound, lots } = await loadFixture(rekeyedFixture);
        await expect(rx.connect(pharmacy2).receiveShipment(outbound.shipment, GOOD_LEG)).not.to.emit(rx, "ReceiptQuarantined");
        expect((await rx.holding(lots[2], pharmacy2.address)).saleable).to.equal(10n);
      });

      it("lets the new key cancel the old key's shipment once it may be cancelled", async function () {
        const { rx, distributor, newKey, outbound, lots } = await loadFixture(rekeyedFixture);
        await time.increase(31 * DAY);
        await expect(rx.connect(newKey).cancelShipment(outbound.shipment))
          .to.emit(rx, "ShipmentCancelled")
          .withArgs(outbound.shipmentId, lots[2], distributor.address, outbound.shipment.receiver, 10n);
        expect((await rx.holding(lots[2], newKey.address)).quarantined).to.equal(10n);
      });

      it("lets the new key sign with the nonce the record carried over", async function () {
        const { rx, distributor, newKey, distributor2, lots } = await loadFixture(rekeyedFixture);
        const domain = await readDomain(rx);
        const nonce = (await rx.partner(newKey.address)).nonce;
        const deadline = BigInt(await time.latest()) + BigInt(DAY);
        const message = { sender: newKey.address, batchId: lots[0], receiver: distributor2.address, quantity: 3n, manifest: ZeroHash, nonce, deadline };
        const signature = await newKey.signTypedData(domain, SIGNED_TYPES.ship, message);
        await expect(rx.shipSigned(newKey.address, lots[0], distributor2.address, 3n, ZeroHash, { nonce, deadline, chainId: domain.chainId, signature }))
          .to.emit(rx, "SignatureNonceUsed")
          .withArgs(newKey.address, nonce);
        expect((await rx.holding(lots[0], distributor.address)).saleable).to.equal(37n);
      });
    });

    describe("when the partner's key moves twice", function () {
      it("resolves every key to the first identity in one step", async function () {
        const { rx, admin, distributor, newKey, newerKey, lots } = await loadFixture(rekeyedFixture);
        await expect((await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newerKey.address))
          .to.emit(rx, "PartnerRekeyed")
          .withArgs(distributor.address, newKey.address, newerKey.address, true);
        const recovery = await recoveryAs(rx, admin);
        expect(await recovery.identityOf(newKey.address)).to.equal(distributor.address);
        expect(await recovery.identityOf(newerKey.address)).to.equal(distributor.address);
        expect(await recovery.keyOf(newKey.address)).to.equal(newerKey.address);
        expect((await rx.holding(lots[0], newerKey.address)).saleable).to.equal(40n);
        await expect(rx.connect(newKey).ship(lots[0], ZeroAddress, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(newKey.address, Standing.Unknown);
      });
    });

    describe("when a pharmacy is re-keyed after receiving a pack leg", function () {
      it("dispenses a pack of that leg with the new key (the pack-custody proof still holds)", async function () {
        const { rx, admin, pharmacy, spare, batchId, tree, toPharmacy } = await loadFixture(rekeyedFixture);
        await (await recoveryAs(rx, admin)).rekeyPartner(pharmacy.address, spare.address);
        await expect(dispenseFrom(rx, spare, batchId, tree, PHARMACY_SERIALS[0], toPharmacy))
          .to.emit(rx, "PackDispensed")
          .withArgs(batchId, serialToBytes32(PHARMACY_SERIALS[0]), pharmacy.address);
        const [verdict] = await rx.verifyPackInCustody(GTIN, LOT, serialToBytes32(PHARMACY_SERIALS[1]), tree.proof(PHARMACY_SERIALS[1]), spare.address, claimOf(toPharmacy, PHARMACY_SERIALS[1]));
        expect(verdict).to.equal(Verdict.Genuine);
        const [lotVerdict] = await rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[2]), tree.proof(SERIALS[2]), spare.address);
        expect(lotVerdict).to.equal(Verdict.Genuine);
      });
    });

    describe("when the manufacturer is re-keyed", function () {
      it("commissions under its prefixes, recalls its lot and takes returns with the new key", async function () {
        const { rx, admin, manufacturer, distributor, newKey, spare, lots } = await loadFixture(rekeyedFixture);
        await (await recoveryAs(rx, admin)).rekeyPartner(manufacturer.address, spare.address);
        const { input } = await commissionInput({ lot: "A24-0009" });
        await expect(rx.connect(spare).commissionBatch(input)).to.emit(rx, "BatchCommissioned");
        const nonce = (await rx.holding(lots[0], newKey.address)).shipments;
        await expect(rx.connect(newKey).ship(lots[0], spare.address, 1n))
          .to.emit(rx, "Shipped")
          .withArgs(anyValue, lots[0], distributor.address, manufacturer.address, 1n, nonce, true);
        await expect(rx.connect(spare).recall(lots[0], 2, ZeroHash, "ipfs://recall")).to.emit(rx, "BatchRecalled").withArgs(lots[0], manufacturer.address, 2, ZeroHash, "ipfs://recall");
      });
    });

    describe("when it goes through the timelock", function () {
      it("re-keys only once the delay has passed, visible as a scheduled call", async function () {
        const [deployer, proposer, lost, fresh] = await ethers.getSigners();
        const delay = 2n * BigInt(DAY);
        const timelock = await deployTimelock(ethers, deployer, { delay, proposers: [proposer.address] });
        const rx = await deployRxTrace(ethers, deployer, { admin: await timelock.getAddress(), pauser: deployer.address });
        const expiry = (await time.latest()) + YEAR;
        await rx.connect(deployer).onboardPartner(lost.address, Role.Distributor, DISTRIBUTOR_GLN, LICENCE_REF, expiry, "Northline Wholesale");
        const target = await rx.getAddress();
        const data = (await recoveryAs(rx, deployer)).interface.encodeFunctionData("rekeyPartner", [lost.address, fresh.address]);
        await timelock.connect(proposer).schedule(target, 0, data, ZeroHash, ZeroHash, delay);
        await expect(timelock.execute(target, 0, data, ZeroHash, ZeroHash)).to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState");
        await time.increase(delay);
        await expect(timelock.execute(target, 0, data, ZeroHash, ZeroHash))
          .to.emit(rx, "PartnerRekeyed")
          .withArgs(lost.address, lost.address, fresh.address, true);
        expect(await rx.accountOfGln(DISTRIBUTOR_GLN)).to.equal(fresh.address);
      });
    });

    describe("when the suite is paused", function () {
      it("re-keys all the same (it takes a stolen key's power away)", async function () {
        const { rx, admin, pauser, distributor, newKey } = await loadFixture(threeLotsFixture);
        await rx.connect(pauser).pause();
        await expect((await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newKey.address)).to.emit(rx, "PartnerRekeyed");
      });
    });

    describe("when the partner is suspended", function () {
      it("moves the suspension with the record: the new key acts only once reinstated", async function () {
        const { rx, admin, distributor, distributor2, newKey, lots } = await loadFixture(threeLotsFixture);
        await rx.suspendPartner(distributor.address, ZeroHash);
        await (await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newKey.address);
        await expect(rx.connect(newKey).ship(lots[0], distributor2.address, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(newKey.address, Standing.Suspended);
        await rx.reinstatePartner(newKey.address);
        await expect(rx.connect(newKey).ship(lots[0], distributor2.address, 1n)).to.emit(rx, "Shipped");
      });
    });
  });

  describe("proposeKeyRotation and acceptKeyRotation", function () {
    describe("when the partner proposes and the new key accepts", function () {
      it("emits KeyRotationProposed", async function () {
        const { rx, distributor, newKey } = await loadFixture(threeLotsFixture);
        await expect((await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address))
          .to.emit(rx, "KeyRotationProposed")
          .withArgs(distributor.address, distributor.address, newKey.address);
        expect(await (await recoveryAs(rx, distributor)).pendingKeyRotation(distributor.address)).to.equal(newKey.address);
      });

      it("moves the partner on acceptance (PartnerRekeyed, not by the admin) and clears the proposal", async function () {
        const { rx, distributor, newKey, lots } = await loadFixture(threeLotsFixture);
        await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
        await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
          .to.emit(rx, "PartnerRekeyed")
          .withArgs(distributor.address, distributor.address, newKey.address, false);
        expect(await (await recoveryAs(rx, newKey)).pendingKeyRotation(distributor.address)).to.equal(ZeroAddress);
        expect((await rx.holding(lots[0], newKey.address)).saleable).to.equal(40n);
      });

      it("replaces an earlier proposal of the same key (KeyRotationCancelled for it)", async function () {
        const { rx, distributor, newKey, newerKey } = await loadFixture(threeLotsFixture);
        const recovery = await recoveryAs(rx, distributor);
        await recovery.proposeKeyRotation(newKey.address);
        await expect(recovery.proposeKeyRotation(newerKey.address))
          .to.emit(rx, "KeyRotationCancelled")
          .withArgs(distributor.address, distributor.address, newKey.address, distributor.address);
        await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
          .to.be.revertedWithCustomError(rx, "RecoveryNoPendingRotation")
          .withArgs(newKey.address);
      });
    });

    describe("when the suite is paused", function () {
      it("refuses to propose and to accept (EnforcedPause)", async function () {
        const { rx, pauser, distributor, newKey } = await loadFixture(threeLotsFixture);
        await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
        await rx.connect(pauser).pause();
        await expect((await recoveryAs(rx, newKey)).acceptKeyRotation()).to.be.revertedWithCustomError(rx, "EnforcedPause");
        await expect((await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address)).to.be.revertedWithCustomError(rx, "EnforcedPause");
      });
    });

    describe("when the partner is suspended", function () {
      it("refuses the proposal (the admin re-keys a suspended partner)", async function () {
        const { rx, distributor, newKey } = await loadFixture(threeLotsFixture);
        await rx.suspendPartner(distributor.address, ZeroHash);
        await expect((await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.address, Standing.Suspended);
      });

      it("drops a proposal made before the suspension: the reinstated partner must propose again", async function () {
        const { rx, admin, distributor, newKey } = await loadFixture(threeLotsFixture);
        await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
        await expect(rx.suspendPartner(distributor.address, ZeroHash))
          .to.emit(rx, "KeyRotationCancelled")
          .withArgs(distributor.address, distributor.address, newKey.address, admin.address);
        await rx.reinstatePartner(distributor.address);
        await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
          .to.be.revertedWithCustomError(rx, "RecoveryNoPendingRotation")
          .withArgs(newKey.address);
      });

      it("refuses the acceptance of a proposal once the proposing partner's licence lapsed", async function () {
        const { rx, distributor, newKey } = await loadFixture(threeLotsFixture);
        await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
        const expiry = (await rx.partner(distributor.address)).licenceExpiry;
        await time.increaseTo(expiry + 1n);
        await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.address, Standing.LicenceExpired);
      });
    });
  });

  describe("cancelKeyRotation", function () {
    for (const side of ["proposing key", "proposed key"] as const) {
      describe(`when the ${side} cancels`, function () {
        it("emits KeyRotationCancelled and the proposed key can no longer accept", async function () {
          const { rx, distributor, newKey } = await loadFixture(threeLotsFixture);
          await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
          const by = side === "proposing key" ? distributor : newKey;
          await expect((await recoveryAs(rx, by)).cancelKeyRotation())
            .to.emit(rx, "KeyRotationCancelled")
            .withArgs(distributor.address, distributor.address, newKey.address, by.address);
          await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
            .to.be.revertedWithCustomError(rx, "RecoveryNoPendingRotation")
            .withArgs(newKey.address);
        });
      });
    }

    describe("when nothing is pending", function () {
      it("reverts with RecoveryNoPendingRotation", async function () {
        const { rx, stranger } = await loadFixture(partnersFixture);
        await expect((await recoveryAs(rx, stranger)).cancelKeyRotation())
          .to.be.revertedWithCustomError(rx, "RecoveryNoPendingRotation")
          .withArgs(stranger.address);
      });
    });

    describe("when the suite is paused", function () {
      it("cancels all the same", async function () {
        const { rx, pauser, distributor, newKey } = await loadFixture(threeLotsFixture);
        await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
        await rx.connect(pauser).pause();
        await expect((await recoveryAs(rx, newKey)).cancelKeyRotation()).to.emit(rx, "KeyRotationCancelled");
      });
    });
  });

  describe("the views", function () {
    it("identityOf and keyOf give a stranger itself", async function () {
      const { rx, stranger } = await loadFixture(partnersFixture);
      const recovery = await recoveryAs(rx, stranger);
      expect(await recovery.identityOf(stranger.address)).to.equal(stranger.address);
      expect(await recovery.keyOf(stranger.address)).to.equal(stranger.address);
    });

    it("partner(identity) gives the current key's record; a retired key that is not the identity reads retired", async function () {
      const { rx, admin, distributor, newKey, newerKey } = await loadFixture(rekeyedFixture);
      await (await recoveryAs(rx, admin)).rekeyPartner(newKey.address, newerKey.address);
      expect((await rx.partner(distributor.address)).gln).to.equal(DISTRIBUTOR_GLN);
      const retired = await rx.partner(newKey.address);
      expect([retired.role, retired.gln, retired.rekeyed]).to.deep.equal([BigInt(Role.None), 0n, true]);
    });

    it("holding of a fresh account is empty", async function () {
      const { rx, batchId } = await loadFixture(rekeyedFixture);
      const [fresh] = (await freshKeys()).slice(5);
      expect(holdingRecord(await rx.holding(batchId, fresh.address))).to.deep.equal({ ...NO_STOCK });
    });
  });

  describe("the lot's timeline", function () {
    it("shows the re-key of a partner that holds the lot, naming the partner by its identity", async function () {
      const { rx, distributor, newKey, batchId } = await loadFixture(rekeyedFixture);
      const entries = (await batchTimeline(rx, batchId)).filter((e) => e.kind === "rekeyed");
      expect(entries).to.have.length(1);
      const [entry] = entries;
      if (entry.kind !== "rekeyed") throw new Error("not a re-key entry");
      expect([entry.partner.account, entry.oldKey, entry.newKey, entry.byAdmin]).to.deep.equal([distributor.address, distributor.address, newKey.address, true]);
      expect(formatEntry(entry)).to.match(/Northline Wholesale .*RE-KEYED by the admin \(a lost key\)/);
    });

    it("leaves out a partner that never touched the lot", async function () {
      // pharmacy2 only ever received units of the third lot; the distributor holds the second.
      const { rx, admin, distributor, pharmacy2, spare, lots } = await loadFixture(rekeyedFixture);
      await (await recoveryAs(rx, admin)).rekeyPartner(pharmacy2.address, spare.address);
      const partners = (await batchTimeline(rx, lots[1])).flatMap((e) => (e.kind === "rekeyed" ? [e.partner.account] : []));
      expect(partners).to.deep.equal([distributor.address]);
    });
  });

  describe("a pack received before, shipped on after the rotation", function () {
    it("reaches the next pharmacy through the new key's pack leg", async function () {
      const { rx, distributor, newKey, pharmacy2, batchId, tree } = await loadFixture(rekeyedFixture);
      const serials = SERIALS.slice(40, 45);
      const manifest = ManifestTree.of(serials, []);
      const nonce = (await rx.holding(batchId, newKey.address)).shipments;
      await rx.connect(newKey).shipPacks(batchId, pharmacy2.address, 5n, manifest.root);
      const shipment = { batchId, sender: distributor.address, receiver: pharmacy2.address, quantity: 5n, nonce };
      await rx.connect(pharmacy2).receiveShipment(shipment, GOOD_LEG);
      const leg = { shipment, shipmentId: shipmentIdOf(shipment), manifest };
      await expect(dispenseFrom(rx, pharmacy2, batchId, tree, serials[0], leg)).to.emit(rx, "PackDispensed");
      expect((await rx.holding(batchId, pharmacy2.address)).dispensed).to.equal(1n);
    });
  });
});
