/**
 * Attacks on key rotation and re-keying (issue 12): a retired key tries every act and every signature it made; an
 * outsider tries to re-key; rotations onto accounts that are (or are about to be) someone's key; a rotated partner
 * tries to undo or repeat what its old key did. Each fails with a named error; the legitimate path beside it works.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash } from "ethers";
import { Role, Standing } from "../src/domain/enums";
import { serialToBytes32 } from "../src/domain/ids";
import { readDomain, SIGNED_TYPES, legFields } from "../src/signing/typed-data";
import { makeGln } from "../src/gs1/identifiers";
import { GTIN_2 } from "../src/scenario/scenario";
import { caseContentsOf, commissionInput, DAY, dispenseFrom, GOOD_LEG, LICENCE_REF, PHARMACY_SERIALS, YEAR } from "./fixtures";
import { recoveryAs, rekeyedFixture, threeLotsFixture } from "./recovery-fixtures";

const ADMIN_ROLE = ZeroHash;
const SSCC = 306141410000000016n;

/** The distributor's old key and its inputs for each act, after the admin re-keyed it onto `newKey`. */
async function retiredFixture() {
  const base = await loadFixture(rekeyedFixture);
  return { ...base, old: base.distributor };
}

describe("Attacks on key rotation", function () {
  describe("the retired key", function () {
    it("cannot ship (PartnerNotAuthorized, Unknown)", async function () {
      const { rx, old, distributor2, lots } = await loadFixture(retiredFixture);
      await expect(rx.connect(old).ship(lots[0], distributor2.address, 1n))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
    });

    it("cannot receive the shipment in transit to its partner", async function () {
      const { rx, old, inbound } = await loadFixture(retiredFixture);
      await expect(rx.connect(old).receiveShipment(inbound.shipment, GOOD_LEG))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
    });

    it("cannot reject it", async function () {
      const { rx, old, inbound } = await loadFixture(retiredFixture);
      await expect(rx.connect(old).rejectShipment(inbound.shipment, 0, ZeroHash, GOOD_LEG))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
    });

    it("cannot cancel its partner's shipment", async function () {
      const { rx, old, outbound } = await loadFixture(retiredFixture);
      await time.increase(31 * DAY);
      await expect(rx.connect(old).cancelShipment(outbound.shipment))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
    });

    it("cannot flag a lot its partner holds", async function () {
      const { rx, old, lots } = await loadFixture(retiredFixture);
      await expect(rx.connect(old).flagSuspect(lots[0], ZeroHash))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
    });

    it("cannot seal a case under its partner's prefix", async function () {
      const { rx, old, lots } = await loadFixture(retiredFixture);
      const { contents, packs } = caseContentsOf(["SN1", "SN2"]);
      await expect(rx.connect(old).sealCase(SSCC, lots[0], contents, packs))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
    });

    it("cannot rotate again, nor cancel a rotation it does not hold", async function () {
      const { rx, old, spare } = await loadFixture(retiredFixture);
      await expect((await recoveryAs(rx, old)).proposeKeyRotation(spare.address))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(old.address, Standing.Unknown);
      await expect((await recoveryAs(rx, old)).cancelKeyRotation())
        .to.be.revertedWithCustomError(rx, "RecoveryNoPendingRotation")
        .withArgs(old.address);
    });

    it("cannot be onboarded again (PartnerKeyRetired), its GLN stays its partner's", async function () {
      const { rx, old, distributor } = await loadFixture(retiredFixture);
      const gln = makeGln("061414100077");
      await expect(rx.onboardPartner(old.address, Role.Distributor, gln, LICENCE_REF, (await time.latest()) + YEAR, "Reborn"))
        .to.be.revertedWithCustomError(rx, "PartnerKeyRetired")
        .withArgs(old.address, distributor.address);
    });

    it("cannot dispense as a re-keyed pharmacy's old key; the new key can", async function () {
      const { rx, admin, pharmacy, spare, batchId, tree, toPharmacy } = await loadFixture(retiredFixture);
      await (await recoveryAs(rx, admin)).rekeyPartner(pharmacy.address, spare.address);
      await expect(dispenseFrom(rx, pharmacy, batchId, tree, PHARMACY_SERIALS[0], toPharmacy))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(pharmacy.address, Standing.Unknown);
      await expect(dispenseFrom(rx, spare, batchId, tree, PHARMACY_SERIALS[0], toPharmacy))
        .to.emit(rx, "PackDispensed")
        .withArgs(batchId, serialToBytes32(PHARMACY_SERIALS[0]), pharmacy.address);
    });

    it("of a manufacturer cannot recall its lots (a stolen key must not stop them) nor commission", async function () {
      const { rx, admin, manufacturer, spare2, lots } = await loadFixture(retiredFixture);
      await (await recoveryAs(rx, admin)).rekeyPartner(manufacturer.address, spare2.address);
      await expect(rx.connect(manufacturer).recall(lots[0], 1, ZeroHash, "ipfs://fake"))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(manufacturer.address, Standing.Unknown);
      const { input } = await commissionInput({ gtin: GTIN_2, lot: "X-1" });
      await expect(rx.connect(manufacturer).commissionBatch(input))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(manufacturer.address, Standing.Unknown);
    });
  });

  describe("signatures of the retired key", function () {
    it("a ship it signed before the re-key is refused after it", async function () {
      const { rx, admin, distributor, distributor2, newKey, lots } = await loadFixture(threeLotsFixture);
      const domain = await readDomain(rx);
      const deadline = BigInt(await time.latest()) + BigInt(DAY);
      const message = { sender: distributor.address, batchId: lots[0], receiver: distributor2.address, quantity: 1n, manifest: ZeroHash, nonce: 0n, deadline };
      const signature = await distributor.signTypedData(domain, SIGNED_TYPES.ship, message);
      await (await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newKey.address);
      await expect(rx.shipSigned(distributor.address, lots[0], distributor2.address, 1n, ZeroHash, { nonce: 0n, deadline, chainId: domain.chainId, signature }))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(distributor.address, Standing.Unknown);
    });

    it("a ship it signs naming the new key as sender is refused (SignatureInvalidSigner)", async function () {
      const { rx, old, newKey, distributor2, lots } = await loadFixture(retiredFixture);
      const domain = await readDomain(rx);
      const nonce = (await rx.partner(newKey.address)).nonce;
      const deadline = BigInt(await time.latest()) + BigInt(DAY);
      const message = { sender: newKey.address, batchId: lots[0], receiver: distributor2.address, quantity: 1n, manifest: ZeroHash, nonce, deadline };
      const signature = await old.signTypedData(domain, SIGNED_TYPES.ship, message);
      await expect(rx.shipSigned(newKey.address, lots[0], distributor2.address, 1n, ZeroHash, { nonce, deadline, chainId: domain.chainId, signature }))
        .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
        .withArgs(newKey.address, old.address);
    });

    it("a receipt it signs for the shipment to its partner is refused: the new key must sign", async function () {
      const { rx, old, newKey, inbound } = await loadFixture(retiredFixture);
      const domain = await readDomain(rx);
      const nonce = (await rx.partner(newKey.address)).nonce;
      const deadline = BigInt(await time.latest()) + BigInt(DAY);
      const message = { shipment: inbound.shipment, leg: legFields(GOOD_LEG), nonce, deadline };
      const byOld = await old.signTypedData(domain, SIGNED_TYPES.receive, message);
      await expect(rx.receiveSigned(inbound.shipment, GOOD_LEG, { nonce, deadline, chainId: domain.chainId, signature: byOld }))
        .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
        .withArgs(newKey.address, old.address);
      const byNew = await newKey.signTypedData(domain, SIGNED_TYPES.receive, message);
      await expect(rx.receiveSigned(inbound.shipment, GOOD_LEG, { nonce, deadline, chainId: domain.chainId, signature: byNew })).to.emit(rx, "Received");
    });

    it("a co-signed handover it signed before the re-key is refused after it", async function () {
      const { rx, admin, distributor, distributor2, newKey, lots } = await loadFixture(threeLotsFixture);
      const domain = await readDomain(rx);
      const deadline = BigInt(await time.latest()) + BigInt(DAY);
      const h = { batchId: lots[0], sender: distributor.address, receiver: distributor2.address, quantity: 2n, manifest: ZeroHash, leg: legFields(GOOD_LEG), nonce: 7n, deadline };
      const bySender = await distributor.signTypedData(domain, SIGNED_TYPES.handover, h);
      const byReceiver = await distributor2.signTypedData(domain, SIGNED_TYPES.handover, h);
      await (await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newKey.address);
      await expect(rx.handover(h, domain.chainId, bySender, byReceiver))
        .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
        .withArgs(distributor.address, Standing.Unknown);
      const again = { ...h, sender: newKey.address };
      const byNew = await newKey.signTypedData(domain, SIGNED_TYPES.handover, again);
      const byReceiver2 = await distributor2.signTypedData(domain, SIGNED_TYPES.handover, again);
      await expect(rx.handover(again, domain.chainId, byNew, byReceiver2)).to.emit(rx, "HandedOver");
      expect((await rx.holding(lots[0], distributor.address)).saleable).to.equal(38n);
    });
  });

  describe("rekeyPartner by anyone but the admin", function () {
    for (const who of ["operator", "the partner itself", "a regulator"] as const) {
      it(`reverts for ${who} with AccessControlUnauthorizedAccount`, async function () {
        const { rx, pauser, distributor, regulator, newKey } = await loadFixture(threeLotsFixture);
        const caller = who === "operator" ? pauser : who === "a regulator" ? regulator : distributor;
        await expect((await recoveryAs(rx, caller)).rekeyPartner(distributor.address, newKey.address))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ADMIN_ROLE);
      });
    }
  });

  describe("onto an account that is not fresh", function () {
    it("refuses a partner's key (PartnerAlreadyOnboarded)", async function () {
      const { rx, admin, distributor, pharmacy } = await loadFixture(threeLotsFixture);
      await expect((await recoveryAs(rx, admin)).rekeyPartner(distributor.address, pharmacy.address))
        .to.be.revertedWithCustomError(rx, "PartnerAlreadyOnboarded")
        .withArgs(pharmacy.address, Role.Dispenser);
      await expect((await recoveryAs(rx, distributor)).proposeKeyRotation(pharmacy.address))
        .to.be.revertedWithCustomError(rx, "PartnerAlreadyOnboarded")
        .withArgs(pharmacy.address, Role.Dispenser);
    });

    it("refuses a retired key (PartnerKeyRetired): a partner cannot take another's old identity", async function () {
      const { rx, admin, distributor, pharmacy2 } = await loadFixture(retiredFixture);
      await expect((await recoveryAs(rx, admin)).rekeyPartner(pharmacy2.address, distributor.address))
        .to.be.revertedWithCustomError(rx, "PartnerKeyRetired")
        .withArgs(distributor.address, distributor.address);
    });

    it("refuses the key another rotation proposed (RecoveryKeyPending; the admin's re-key overrides it)", async function () {
      const { rx, distributor, pharmacy, newKey } = await loadFixture(threeLotsFixture);
      await (await recoveryAs(rx, pharmacy)).proposeKeyRotation(newKey.address);
      // The admin's re-key onto it drops the proposal instead: test/AttacksRecovery2.test.ts.
      await expect((await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address))
        .to.be.revertedWithCustomError(rx, "RecoveryKeyPending")
        .withArgs(newKey.address, pharmacy.address);
    });

    it("refuses the zero address (PartnerInvalidAccount)", async function () {
      const { rx, admin, distributor } = await loadFixture(threeLotsFixture);
      await expect((await recoveryAs(rx, admin)).rekeyPartner(distributor.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(rx, "PartnerInvalidAccount")
        .withArgs(ethers.ZeroAddress);
    });

    it("refuses acceptance once the proposed key was onboarded meanwhile", async function () {
      const { rx, distributor, newKey } = await loadFixture(threeLotsFixture);
      await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
      await rx.onboardPartner(newKey.address, Role.Dispenser, makeGln("086000100077"), LICENCE_REF, (await time.latest()) + YEAR, "Late");
      await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
        .to.be.revertedWithCustomError(rx, "PartnerAlreadyOnboarded")
        .withArgs(newKey.address, Role.Dispenser);
    });

    it("drops the partner's own pending rotation when the admin re-keys it", async function () {
      const { rx, admin, distributor, newKey, newerKey } = await loadFixture(threeLotsFixture);
      await (await recoveryAs(rx, distributor)).proposeKeyRotation(newKey.address);
      await (await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newerKey.address);
      await expect((await recoveryAs(rx, newKey)).acceptKeyRotation())
        .to.be.revertedWithCustomError(rx, "RecoveryNoPendingRotation")
        .withArgs(newKey.address);
    });

    it("refuses to re-key an unknown account (PartnerUnknown)", async function () {
      const { rx, admin, stranger, newKey } = await loadFixture(threeLotsFixture);
      await expect((await recoveryAs(rx, admin)).rekeyPartner(stranger.address, newKey.address))
        .to.be.revertedWithCustomError(rx, "PartnerUnknown")
        .withArgs(stranger.address);
    });
  });

  describe("what the old key did stays the partner's", function () {
    it("a holder's flag cannot be renewed by its new key (SafetyAlreadyFlaggedBy)", async function () {
      const { rx, admin, distributor, newKey, lots } = await loadFixture(threeLotsFixture);
      await rx.connect(distributor).flagSuspect(lots[0], ZeroHash);
      await (await recoveryAs(rx, admin)).rekeyPartner(distributor.address, newKey.address);
      await time.increase(8 * DAY);
      await expect(rx.connect(newKey).flagSuspect(lots[0], ZeroHash))
        .to.be.revertedWithCustomError(rx, "SafetyAlreadyFlaggedBy")
        .withArgs(lots[0], newKey.address);
    });

    it("a regulator's new key cannot reverse its own declaration (ReversalBySameRegulator)", async function () {
      const { rx, admin, regulator, newKey, lots } = await loadFixture(threeLotsFixture);
      await rx.connect(regulator).declareIllegitimate(lots[0], ZeroHash);
      await (await recoveryAs(rx, admin)).rekeyPartner(regulator.address, newKey.address);
      const { IGovernance__factory } = await import("../typechain-types");
      const gov = IGovernance__factory.connect(await rx.getAddress(), newKey);
      await expect(gov.reverseIllegitimate(lots[0], ZeroHash))
        .to.be.revertedWithCustomError(rx, "ReversalBySameRegulator")
        .withArgs(lots[0], 0, newKey.address);
    });
  });

  describe("the second extension called directly", function () {
    it("refuses the re-key (ExtensionNotDelegated)", async function () {
      const { rx, admin, distributor, newKey } = await loadFixture(threeLotsFixture);
      const extension = await ethers.getContractAt("RxTraceExtension", await rx.EXTENSION());
      const second = await ethers.getContractAt("RxTraceExtension2", await extension.EXTENSION2());
      await expect(second.connect(admin).rekeyPartner(distributor.address, newKey.address)).to.be.revertedWithCustomError(second, "ExtensionNotDelegated");
    });
  });
});
