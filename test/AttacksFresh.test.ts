/**
 * A second, fresh adversarial review of issue 11's last fixes (releaseLeg, verifyPackInCustody's custody rules, the
 * sender's delayed cancelHandover, dispensedVia, dispense with a PackClaim, the extension seam), written apart from
 * test/Attacks.test.ts. Each test is one attack: a refused attack asserts the named custom error (the evidence that
 * the contracts stop it); a hole closed here shows the attacker refused next to the legitimate path; a hole left
 * open asserts today's behaviour and its title says "documented limitation" (docs/limitations.md).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { RecallClass, RejectionReason, Role, Standing, Verdict } from "../src/domain/enums";
import { shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { ManifestTree } from "../src/manifests/manifest";
import { GTIN } from "../src/scenario/scenario";
import { type HandoverMessage, legFields, readDomain, SIGNED_TYPES, type SigningDomain } from "../src/signing/typed-data";
import {
  claimOf,
  DAY,
  deliverFrom,
  deliverPacksFrom,
  dispenseFrom,
  GOOD_LEG,
  LOT,
  pharmacyFixture,
  quarantinedPharmacyFixture,
  receivedFixture,
  SERIALS,
  serialToBytes32,
  shipFrom,
  shippedFixture,
  shipPacksFrom,
  twoPharmaciesFixture,
  WARM_LEG,
  Rule,
  Status,
} from "./fixtures";

const CANCEL_AFTER = 30 * DAY;
const REASON = ethers.id("suspect: blister foil differs from the reference sample");
const RECALL_REASON = ethers.id("recall notice");
const NO_SIGNATURE = "0x";

type Rx = Awaited<ReturnType<typeof receivedFixture>>["rx"];
type Claim = ReturnType<typeof claimOf>;

/** verifyPackInCustody's verdict and rule for `serial` at `holder` with `claim`. */
async function custodyVerdict(rx: Rx, tree: { proof(s: string): string[] }, serial: string, holder: string, claim: Claim) {
  const [verdict, , rule] = await rx.verifyPackInCustody(GTIN, LOT, serialToBytes32(serial), tree.proof(serial), holder, claim);
  return [verdict, rule];
}

/** A pack leg to `receiver` whose receipt is still to come, then received late after the sender cancelled it. */
async function cancelledThenReceived(rx: Rx, sender: HardhatEthersSigner, batchId: string, receiver: HardhatEthersSigner, serials: readonly string[]) {
  const leg = await shipPacksFrom(rx, sender, batchId, receiver.address, serials);
  await time.increase(CANCEL_AFTER);
  await rx.connect(sender).cancelShipment(leg.shipment);
  await rx.connect(receiver).receiveShipment(leg.shipment, GOOD_LEG);
  return leg;
}

// ---------------------------------------------------------------------------------------------------------------

describe("fresh attack: releaseLeg", function () {
  it("a forged leg (its quantity raised to release more units) has no record: SafetyLegNotQuarantined", async function () {
    const { rx, pharmacy, regulator, toPharmacy } = await loadFixture(quarantinedPharmacyFixture);
    const forged: ShipmentKey = { ...toPharmacy.shipment, quantity: 40n };
    await expect(rx.connect(regulator).releaseLeg(forged))
      .to.be.revertedWithCustomError(rx, "SafetyLegNotQuarantined")
      .withArgs(shipmentIdOf(forged));
    expect((await rx.holding(toPharmacy.shipment.batchId, pharmacy.address)).quarantined).to.equal(20n);
  });

  it("a leg released once cannot be released again (a second credit of saleable units): SafetyLegNotQuarantined", async function () {
    const { rx, regulator, toPharmacy } = await loadFixture(quarantinedPharmacyFixture);
    await rx.connect(regulator).releaseLeg(toPharmacy.shipment);
    await expect(rx.connect(regulator).releaseLeg(toPharmacy.shipment))
      .to.be.revertedWithCustomError(rx, "SafetyLegNotQuarantined")
      .withArgs(toPharmacy.shipmentId);
  });

  it("a cancelled pack leg not yet received is no custody record to release: SafetyLegNotQuarantined (the units stay in the sender's quarantine)", async function () {
    const { rx, batchId, distributor, pharmacy, regulator } = await loadFixture(receivedFixture);
    const leg = await shipPacksFrom(rx, distributor, batchId, pharmacy.address, SERIALS.slice(40, 45));
    await time.increase(CANCEL_AFTER);
    await rx.connect(distributor).cancelShipment(leg.shipment);
    await expect(rx.connect(regulator).releaseLeg(leg.shipment))
      .to.be.revertedWithCustomError(rx, "SafetyLegNotQuarantined")
      .withArgs(leg.shipmentId);
    expect((await rx.holding(batchId, distributor.address)).quarantined).to.equal(5n);
  });

  it("a settled lot-level leg (deleted at receipt) cannot be released: SafetyLegNotQuarantined", async function () {
    const { rx, batchId, distributor, distributor2, regulator } = await loadFixture(receivedFixture);
    const warm = await deliverFrom(rx, distributor, batchId, distributor2, 5n, WARM_LEG);
    await expect(rx.connect(regulator).releaseLeg(warm.shipment))
      .to.be.revertedWithCustomError(rx, "SafetyLegNotQuarantined")
      .withArgs(warm.shipmentId);
  });

  it("the lot's manufacturer and a suspended regulator cannot release a leg (PartnerWrongRole, PartnerNotAuthorized), nor can anyone while paused (EnforcedPause)", async function () {
    const { rx, admin, pauser, manufacturer, regulator, toPharmacy } = await loadFixture(quarantinedPharmacyFixture);
    await expect(rx.connect(manufacturer).releaseLeg(toPharmacy.shipment))
      .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
      .withArgs(manufacturer.address, Role.Manufacturer, Role.Regulator);
    await rx.connect(pauser).pause();
    await expect(rx.connect(regulator).releaseLeg(toPharmacy.shipment)).to.be.revertedWithCustomError(rx, "EnforcedPause");
    await rx.connect(pauser).unpause();
    await rx.connect(admin).suspendPartner(regulator.address, REASON);
    await expect(rx.connect(regulator).releaseLeg(toPharmacy.shipment))
      .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
      .withArgs(regulator.address, Standing.Suspended);
  });

  it("legitimate: a pack leg cancelled, then received late (quarantined) and released by the regulator serves dispenses", async function () {
    const { rx, batchId, tree, distributor, pharmacy, regulator } = await loadFixture(receivedFixture);
    const leg = await cancelledThenReceived(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 45));
    expect((await rx.shipment(leg.shipmentId)).status).to.equal(Status.ReceivedInQuarantine);
    await expect(rx.connect(regulator).releaseLeg(leg.shipment)).to.emit(rx, "LegReleased");
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], leg))
      .to.emit(rx, "PackDispensed")
      .withArgs(batchId, serialToBytes32(SERIALS[40]), pharmacy.address);
  });

  it("releasing a leg the holder shipped on from since moves its units but serves no dispense: DispenseLegShippedOn", async function () {
    const { rx, batchId, tree, distributor, pharmacy, regulator, toPharmacy } = await loadFixture(quarantinedPharmacyFixture);
    const clean = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 45));
    await shipPacksFrom(rx, pharmacy, batchId, distributor.address, [SERIALS[44]]);
    await rx.connect(regulator).releaseLeg(toPharmacy.shipment);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "DispenseLegShippedOn")
      .withArgs(batchId, serialToBytes32(SERIALS[0]), toPharmacy.shipmentId, 0n, 1n);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], clean)).to.be.revertedWithCustomError(rx, "DispenseLegShippedOn");
  });

  it("a leg released on a recalled lot still serves no dispense: BatchUnderRecall", async function () {
    const { rx, batchId, tree, manufacturer, pharmacy, regulator, toPharmacy } = await loadFixture(quarantinedPharmacyFixture);
    await rx.connect(manufacturer).recall(batchId, RecallClass.II, RECALL_REASON, "ipfs://recall");
    await rx.connect(regulator).releaseLeg(toPharmacy.shipment);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "BatchUnderRecall")
      .withArgs(batchId, RecallClass.II);
  });

  it("releaseQuarantine then releaseLeg of the same leg releases twice: the second takes another warm leg's units and makes the first leg dispensable (documented limitation: quarantine is one bucket per holder)", async function () {
    const { rx, batchId, tree, distributor, pharmacy, regulator, toPharmacy } = await loadFixture(quarantinedPharmacyFixture);
    // The regulator releases the warm leg's 20 units by quantity; the leg itself stays quarantined.
    await rx.connect(regulator).releaseQuarantine(batchId, pharmacy.address, 20n);
    // A second warm leg of 20 packs arrives at the pharmacy.
    const secondWarm = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 60), WARM_LEG);
    // Releasing the first leg "as a whole" now takes the second leg's 20 quarantined units.
    await rx.connect(regulator).releaseLeg(toPharmacy.shipment);
    const h = await rx.holding(batchId, pharmacy.address);
    expect([h.saleable, h.quarantined]).to.deep.equal([40n, 0n]);
    // The second leg's packs stay refused (its record is quarantined), but its units are saleable: they can go back.
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], secondWarm)).to.be.revertedWithCustomError(rx, "DispenseLegQuarantined");
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy)).to.emit(rx, "PackDispensed");
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("fresh attack: verifyPackInCustody", function () {
  it("a leg still in transit to the holder reads NotInCustody by the pack rule", async function () {
    const { rx, batchId, tree, distributor, pharmacy } = await loadFixture(pharmacyFixture);
    const leg = await shipPacksFrom(rx, distributor, batchId, pharmacy.address, SERIALS.slice(40, 45));
    expect(await custodyVerdict(rx, tree, SERIALS[40], pharmacy.address, claimOf(leg, SERIALS[40]))).to.deep.equal([BigInt(Verdict.NotInCustody), Rule.Pack]);
  });

  it("a cancelled leg reads NotInCustody; once received late, Quarantined; once released, Genuine", async function () {
    const { rx, batchId, tree, distributor, pharmacy, regulator } = await loadFixture(receivedFixture);
    const leg = await shipPacksFrom(rx, distributor, batchId, pharmacy.address, SERIALS.slice(40, 45));
    await time.increase(CANCEL_AFTER);
    await rx.connect(distributor).cancelShipment(leg.shipment);
    const claim = claimOf(leg, SERIALS[41]);
    expect(await custodyVerdict(rx, tree, SERIALS[41], pharmacy.address, claim)).to.deep.equal([BigInt(Verdict.NotInCustody), Rule.Pack]);
    await rx.connect(pharmacy).receiveShipment(leg.shipment, GOOD_LEG);
    expect(await custodyVerdict(rx, tree, SERIALS[41], pharmacy.address, claim)).to.deep.equal([BigInt(Verdict.Quarantined), Rule.Pack]);
    await rx.connect(regulator).releaseLeg(leg.shipment);
    expect(await custodyVerdict(rx, tree, SERIALS[41], pharmacy.address, claim)).to.deep.equal([BigInt(Verdict.Genuine), Rule.Pack]);
  });

  it("a claim with a tampered quantity or nonce names no leg: NotInCustody", async function () {
    const { rx, tree, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const claim = claimOf(toPharmacy, SERIALS[2]);
    for (const tampered of [{ ...claim, quantity: 21n }, { ...claim, nonce: claim.nonce + 1n }]) {
      expect(await custodyVerdict(rx, tree, SERIALS[2], pharmacy.address, tampered)).to.deep.equal([BigInt(Verdict.NotInCustody), Rule.Pack]);
    }
  });

  it("a distributor holding the pack reads NotInCustody by the pack rule (no custody record is kept for it) and Genuine by the lot rule", async function () {
    const { rx, batchId, tree, distributor, distributor2 } = await loadFixture(receivedFixture);
    const leg = await deliverPacksFrom(rx, distributor, batchId, distributor2, SERIALS.slice(40, 45));
    expect((await rx.shipment(leg.shipmentId)).status).to.equal(Status.None);
    expect(await custodyVerdict(rx, tree, SERIALS[40], distributor2.address, claimOf(leg, SERIALS[40]))).to.deep.equal([BigInt(Verdict.NotInCustody), Rule.Pack]);
    const noClaim = { sender: ethers.ZeroAddress, quantity: 0n, nonce: 0n, manifestProof: [] };
    expect(await custodyVerdict(rx, tree, SERIALS[40], distributor2.address, noClaim)).to.deep.equal([BigInt(Verdict.Genuine), Rule.Lot]);
  });

  it("a product verdict comes before any custody rule: a recalled pack reads Recalled with rule None", async function () {
    const { rx, batchId, tree, manufacturer, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    await rx.connect(manufacturer).recall(batchId, RecallClass.I, RECALL_REASON, "ipfs://recall");
    expect(await custodyVerdict(rx, tree, SERIALS[3], pharmacy.address, claimOf(toPharmacy, SERIALS[3]))).to.deep.equal([BigInt(Verdict.Recalled), Rule.None]);
  });

  it("the pack rule's Genuine agrees with dispense, claim by claim: Genuine exactly when dispense would succeed", async function () {
    const { rx, batchId, tree, distributor, pharmacy, pharmacy2, toPharmacy, toPharmacy2 } = await loadFixture(twoPharmaciesFixture);
    const warm = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 45), WARM_LEG);
    const inTransit = await shipPacksFrom(rx, distributor, batchId, pharmacy.address, SERIALS.slice(50, 55));
    const cases: [HardhatEthersSigner, string, Claim][] = [
      [pharmacy, SERIALS[1], claimOf(toPharmacy, SERIALS[1])],
      [pharmacy2, SERIALS[1], claimOf(toPharmacy, SERIALS[1])],
      [pharmacy2, SERIALS[1], { ...claimOf(toPharmacy2, SERIALS[20]), manifestProof: toPharmacy.manifest.proofOfPack(SERIALS[1]) }],
      [pharmacy2, SERIALS[21], claimOf(toPharmacy2, SERIALS[21])],
      [pharmacy, SERIALS[40], claimOf(warm, SERIALS[40])],
      [pharmacy, SERIALS[50], claimOf(inTransit, SERIALS[50])],
      [pharmacy, SERIALS[2], { ...claimOf(toPharmacy, SERIALS[2]), manifestProof: [] }],
    ];
    let genuine = 0;
    for (const [holder, serial, claim] of cases) {
      const [verdict, rule] = await custodyVerdict(rx, tree, serial, holder.address, claim);
      expect(rule).to.equal(Rule.Pack);
      const call = rx.connect(holder).dispense.staticCall(batchId, serialToBytes32(serial), tree.proof(serial), claim);
      if (verdict === BigInt(Verdict.Genuine)) {
        genuine++;
        await call;
      } else {
        await expect(call, `${serial} at ${holder.address}`).to.be.reverted;
      }
    }
    expect(genuine).to.equal(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("fresh attack: dispense with a pack claim", function () {
  it("a claim quantity raised to get more dispenses out of a leg names no leg: DispenseLegNotReceived", async function () {
    const { rx, batchId, tree, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const inflated: ShipmentKey = { ...toPharmacy.shipment, quantity: 1000n };
    const claim = { ...claimOf(toPharmacy, SERIALS[1]), quantity: 1000n };
    await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(SERIALS[1]), tree.proof(SERIALS[1]), claim))
      .to.be.revertedWithCustomError(rx, "DispenseLegNotReceived")
      .withArgs(batchId, serialToBytes32(SERIALS[1]), shipmentIdOf(inflated));
  });

  it("a claim naming the dispenser itself as the leg's sender names no leg: DispenseLegNotReceived", async function () {
    const { rx, batchId, tree, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const claim = { ...claimOf(toPharmacy, SERIALS[1]), sender: pharmacy.address };
    await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(SERIALS[1]), tree.proof(SERIALS[1]), claim))
      .to.be.revertedWithCustomError(rx, "DispenseLegNotReceived");
  });

  it("a leg of the dispenser proves only its own packs: another leg's pack (at the same pharmacy) is DispensePackNotInLeg", async function () {
    const { rx, batchId, tree, distributor, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const second = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 41));
    // The one-pack leg's manifest root is its own pack's leaf: the proof of a pack of the first leg does not reach it.
    const claim = { ...claimOf(second, SERIALS[40]), manifestProof: toPharmacy.manifest.proofOfPack(SERIALS[1]) };
    await expect(rx.connect(pharmacy).dispense(batchId, serialToBytes32(SERIALS[1]), tree.proof(SERIALS[1]), claim))
      .to.be.revertedWithCustomError(rx, "DispensePackNotInLeg")
      .withArgs(batchId, serialToBytes32(SERIALS[1]), second.shipmentId);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], second)).to.emit(rx, "PackDispensed");
  });

  it("a serial outside the lot is refused before any custody question: DispenseSerialNotInBatch", async function () {
    const { rx, batchId, tree, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const forged = serialToBytes32("ZZ999999");
    await expect(rx.connect(pharmacy).dispense(batchId, forged, tree.proof(SERIALS[0]), claimOf(toPharmacy, SERIALS[0])))
      .to.be.revertedWithCustomError(rx, "DispenseSerialNotInBatch")
      .withArgs(batchId, forged);
  });

  it("a distributor holding the pack cannot dispense (PartnerWrongRole), nor can a suspended pharmacy (PartnerNotAuthorized)", async function () {
    const { rx, admin, batchId, tree, distributor, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    await expect(rx.connect(distributor).dispense(batchId, serialToBytes32(SERIALS[30]), tree.proof(SERIALS[30]), claimOf(toPharmacy, SERIALS[0])))
      .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
      .withArgs(distributor.address, Role.Distributor, Role.Dispenser);
    await rx.connect(admin).suspendPartner(pharmacy.address, REASON);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
      .withArgs(pharmacy.address, Standing.Suspended);
  });

  it("an outgoing leg of the pharmacy by a signed ship ends the pack rule too: DispenseLegShippedOn", async function () {
    const { rx, batchId, tree, distributor, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const domain = await readDomain(rx);
    const message = { sender: pharmacy.address, batchId, receiver: distributor.address, quantity: 1n, manifest: ethers.ZeroHash, nonce: 0n, deadline: BigInt(await time.latest()) + 3600n };
    const sig = ethers.Signature.from(await pharmacy.signTypedData(domain, SIGNED_TYPES.ship, message));
    const auth = { nonce: 0n, deadline: message.deadline, chainId: domain.chainId, signature: sig.compactSerialized };
    await rx.shipSigned(pharmacy.address, batchId, distributor.address, 1n, ethers.ZeroHash, auth);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "DispenseLegShippedOn")
      .withArgs(batchId, serialToBytes32(SERIALS[0]), toPharmacy.shipmentId, 0n, 1n);
  });

  it("a return the distributor rejects (units back to the pharmacy) does not revive the pack rule: DispenseLegShippedOn", async function () {
    const { rx, batchId, tree, distributor, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const back = await shipFrom(rx, pharmacy, batchId, distributor.address, 5n);
    await rx.connect(distributor).rejectShipment(back.shipment, RejectionReason.WrongQuantity, REASON, GOOD_LEG);
    expect((await rx.holding(batchId, pharmacy.address)).saleable).to.equal(20n);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "DispenseLegShippedOn");
  });

  it("a return cancelled by the pharmacy does not revive the pack rule either: DispenseLegShippedOn", async function () {
    const { rx, batchId, tree, distributor, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    const back = await shipFrom(rx, pharmacy, batchId, distributor.address, 5n);
    await time.increase(CANCEL_AFTER);
    await rx.connect(pharmacy).cancelShipment(back.shipment);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "DispenseLegShippedOn");
  });

  it("a pack of a suspect or expired lot is refused: BatchOnHold, BatchExpired", async function () {
    const { rx, batchId, tree, regulator, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    await rx.connect(regulator).flagSuspect(batchId, REASON);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy))
      .to.be.revertedWithCustomError(rx, "BatchOnHold")
      .withArgs(batchId);
    await rx.connect(regulator).clearSuspect(batchId, REASON);
    const expiry = (await rx.batch(batchId)).expiry;
    await rx.renewLicence(pharmacy.address, REASON, expiry + BigInt(DAY));
    await time.increaseTo(expiry + 1n);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy)).to.be.revertedWithCustomError(rx, "BatchExpired");
  });

  it("legitimate: the sender's suspension after the pharmacy's receipt does not take the pack rule away (custody was clean at receipt)", async function () {
    const { rx, admin, batchId, tree, distributor, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
    await rx.connect(admin).suspendPartner(distributor.address, REASON);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[0], toPharmacy)).to.emit(rx, "PackDispensed");
    expect(await rx.dispensedVia(batchId, serialToBytes32(SERIALS[0]))).to.equal(toPharmacy.shipmentId);
  });

  it("a leg from a sender suspended before the receipt is quarantined (ReceiptQuarantined): DispenseLegQuarantined, even with saleable stock", async function () {
    const { rx, admin, batchId, tree, distributor, pharmacy } = await loadFixture(pharmacyFixture);
    const leg = await shipPacksFrom(rx, distributor, batchId, pharmacy.address, SERIALS.slice(40, 45));
    await rx.connect(admin).suspendPartner(distributor.address, REASON);
    await expect(rx.connect(pharmacy).receiveShipment(leg.shipment, GOOD_LEG)).to.emit(rx, "ReceiptQuarantined");
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], leg))
      .to.be.revertedWithCustomError(rx, "DispenseLegQuarantined")
      .withArgs(batchId, serialToBytes32(SERIALS[40]), leg.shipmentId);
  });
});

// ---------------------------------------------------------------------------------------------------------------

async function handoverFixture() {
  const base = await loadFixture(receivedFixture);
  const domain = await readDomain(base.rx);
  const deadline = BigInt(await time.latest()) + 3n * BigInt(DAY);
  const h: HandoverMessage = {
    batchId: base.batchId,
    sender: base.distributor.address,
    receiver: base.distributor2.address,
    quantity: 5n,
    manifest: ethers.ZeroHash,
    leg: legFields(GOOD_LEG),
    nonce: 7n,
    deadline,
  };
  return { ...base, domain, h };
}

async function signHandover(signer: HardhatEthersSigner, domain: SigningDomain, h: HandoverMessage) {
  const sig = ethers.Signature.from(await signer.signTypedData(domain, SIGNED_TYPES.handover, h));
  return sig.compactSerialized;
}

describe("fresh attack: cancelling a co-signed handover", function () {
  it("hole closed: the sender cannot request or complete a cancel while paused (EnforcedPause), nor complete one at the unpause before PAUSE_GRACE (the receiver submits first)", async function () {
    const { rx, pauser, distributor, h } = await loadFixture(handoverFixture);
    await rx.connect(pauser).pause();
    await expect(rx.connect(distributor).cancelHandover(h, NO_SIGNATURE)).to.be.revertedWithCustomError(rx, "EnforcedPause");
    await rx.connect(pauser).unpause();
    // Asked before a pause, it cannot be completed during the pause either.
    await rx.connect(distributor).cancelHandover(h, NO_SIGNATURE);
    await rx.connect(pauser).pause();
    await time.increase(2 * DAY);
    await expect(rx.connect(distributor).cancelHandover(h, NO_SIGNATURE)).to.be.revertedWithCustomError(rx, "EnforcedPause");
    expect(await rx.isHandoverNonceUsed(distributor.address, h.nonce)).to.equal(false);
    // The delay ran out during the pause: it runs on until PAUSE_GRACE after the unpause, so the receiver is not
    // raced at the unpause (it can submit the handover first).
    await rx.connect(pauser).unpause();
    const graceEnd = BigInt(await time.latest()) + (await rx.PAUSE_GRACE());
    await expect(rx.connect(distributor).cancelHandover(h, NO_SIGNATURE)).to.be.revertedWithCustomError(rx, "SignatureHandoverCancelPending");
    await time.increaseTo(graceEnd);
    await expect(rx.connect(distributor).cancelHandover(h, NO_SIGNATURE)).to.emit(rx, "HandoverCancelled");
    expect(await rx.isHandoverNonceUsed(distributor.address, h.nonce)).to.equal(true);
  });

  it("legitimate: the receiver revokes its co-signature while paused (HandoverCancelled), and the sender's cancel works after the unpause", async function () {
    const { rx, pauser, domain, distributor, distributor2, h } = await loadFixture(handoverFixture);
    await rx.connect(pauser).pause();
    await expect(rx.connect(distributor2).cancelHandover(h, await signHandover(distributor, domain, h)))
      .to.emit(rx, "HandoverCancelled")
      .withArgs(ethers.TypedDataEncoder.hash(domain, SIGNED_TYPES.handover, h), distributor.address, distributor2.address, h.nonce, distributor2.address);
    await rx.connect(pauser).unpause();
    const other = { ...h, nonce: 8n };
    await expect(rx.connect(distributor).cancelHandover(other, NO_SIGNATURE)).to.emit(rx, "HandoverCancelRequested");
  });

  it("a sender's request on a decoy sharing the nonce, made a day ahead, voids a handover co-signed later at once: the receiver has no delay (documented limitation)", async function () {
    const { rx, domain, batchId, distributor, distributor2, stranger, h } = await loadFixture(handoverFixture);
    // A day before the delivery the sender asks to cancel a decoy: same nonce, another receiver (no one watching).
    const decoy = { ...h, receiver: stranger.address, quantity: 1n };
    await rx.connect(distributor).cancelHandover(decoy, NO_SIGNATURE);
    await time.increase(DAY);
    // At the door both co-sign the real handover; before the receiver submits, the sender completes the decoy.
    const bySender = await signHandover(distributor, domain, h);
    const byReceiver = await signHandover(distributor2, domain, h);
    await rx.connect(distributor).cancelHandover(decoy, NO_SIGNATURE);
    await expect(rx.connect(distributor2).handover(h, domain.chainId, bySender, byReceiver))
      .to.be.revertedWithCustomError(rx, "SignatureHandoverUsed")
      .withArgs(distributor.address, h.nonce);
    expect((await rx.holding(batchId, distributor2.address)).saleable).to.equal(0n);
  });

  it("the sender cannot request a cancel of a nonce already used (SignatureHandoverUsed), nor complete one twice", async function () {
    const { rx, domain, distributor, distributor2, h } = await loadFixture(handoverFixture);
    await rx.connect(distributor).cancelHandover(h, NO_SIGNATURE);
    await time.increase(DAY);
    await rx.connect(distributor).cancelHandover(h, NO_SIGNATURE);
    await expect(rx.connect(distributor).cancelHandover(h, NO_SIGNATURE))
      .to.be.revertedWithCustomError(rx, "SignatureHandoverUsed")
      .withArgs(distributor.address, h.nonce);
    const submitted = { ...h, nonce: 9n };
    await rx.handover(submitted, domain.chainId, await signHandover(distributor, domain, submitted), await signHandover(distributor2, domain, submitted));
    await expect(rx.connect(distributor).cancelHandover(submitted, NO_SIGNATURE))
      .to.be.revertedWithCustomError(rx, "SignatureHandoverUsed")
      .withArgs(distributor.address, 9n);
  });

  it("the receiver cannot cancel with its own signature in place of the sender's: SignatureInvalidSigner", async function () {
    const { rx, domain, distributor, distributor2, h } = await loadFixture(handoverFixture);
    await expect(rx.connect(distributor2).cancelHandover(h, await signHandover(distributor2, domain, h)))
      .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner");
    expect(await rx.isHandoverNonceUsed(distributor.address, h.nonce)).to.equal(false);
  });

  it("a co-signed handover whose sender was suspended before submission is refused (PartnerNotAuthorized): its units stay frozen with the sender, never saleable at the receiver on its word", async function () {
    const { rx, admin, domain, batchId, distributor, distributor2, h } = await loadFixture(handoverFixture);
    const sigs = [await signHandover(distributor, domain, h), await signHandover(distributor2, domain, h)] as const;
    await rx.connect(admin).suspendPartner(distributor.address, REASON);
    await expect(rx.handover(h, domain.chainId, ...sigs))
      .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
      .withArgs(distributor.address, Standing.Suspended);
    expect((await rx.holding(batchId, distributor2.address)).saleable).to.equal(0n);
  });

  it("a suspended receiver still revokes (it only takes rights away): HandoverCancelled", async function () {
    const { rx, admin, domain, distributor, distributor2, h } = await loadFixture(handoverFixture);
    await rx.connect(admin).suspendPartner(distributor2.address, REASON);
    await expect(rx.connect(distributor2).cancelHandover(h, await signHandover(distributor, domain, h))).to.emit(rx, "HandoverCancelled");
  });
});

describe("fresh attack: a co-signed pack handover as a dispenser's custody record", function () {
  /** The distributor hands 5 units over to the pharmacy with a co-signed handover whose manifest lists 6 packs. */
  async function packHandoverFixture() {
    const f = await loadFixture(handoverFixture);
    const manifest = ManifestTree.of(SERIALS.slice(40, 46), []);
    const h = { ...f.h, receiver: f.pharmacy.address, manifest: manifest.root };
    const nonce = (await f.rx.holding(f.batchId, f.distributor.address)).shipments;
    await f.rx.handover(h, f.domain.chainId, await signHandover(f.distributor, f.domain, h), await signHandover(f.pharmacy, f.domain, h));
    const shipment: ShipmentKey = { batchId: f.batchId, sender: f.distributor.address, receiver: f.pharmacy.address, quantity: 5n, nonce };
    const leg = { shipment, shipmentId: shipmentIdOf(shipment), manifest };
    return { ...f, leg };
  }

  it("its record cannot be received, rejected or cancelled as if in transit: CustodyShipmentNotInTransit", async function () {
    const { rx, distributor, pharmacy, leg } = await loadFixture(packHandoverFixture);
    expect((await rx.shipment(leg.shipmentId)).status).to.equal(Status.Received);
    await expect(rx.connect(pharmacy).receiveShipment(leg.shipment, GOOD_LEG)).to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit").withArgs(leg.shipmentId);
    await expect(rx.connect(pharmacy).rejectShipment(leg.shipment, RejectionReason.Damaged, REASON, GOOD_LEG)).to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit").withArgs(leg.shipmentId);
    await time.increase(CANCEL_AFTER);
    await expect(rx.connect(distributor).cancelShipment(leg.shipment)).to.be.revertedWithCustomError(rx, "CustodyShipmentNotInTransit").withArgs(leg.shipmentId);
  });

  it("legitimate: its packs read Genuine by the pack rule, dispense naming the handover (dispensedVia), five times and no more (DispenseLegExhausted)", async function () {
    const { rx, batchId, tree, distributor, pharmacy, leg } = await loadFixture(packHandoverFixture);
    expect(await custodyVerdict(rx, tree, SERIALS[40], pharmacy.address, claimOf(leg, SERIALS[40]))).to.deep.equal([BigInt(Verdict.Genuine), Rule.Pack]);
    // Other saleable stock, so that only the handover's own count can refuse a sixth dispense.
    await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(50, 52));
    for (const serial of SERIALS.slice(40, 45)) await dispenseFrom(rx, pharmacy, batchId, tree, serial, leg);
    expect(await rx.dispensedVia(batchId, serialToBytes32(SERIALS[44]))).to.equal(leg.shipmentId);
    // The manifest lists a sixth pack, but the handover carried 5 units.
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[45], leg))
      .to.be.revertedWithCustomError(rx, "DispenseLegExhausted")
      .withArgs(batchId, serialToBytes32(SERIALS[45]), leg.shipmentId, 5n);
    expect((await rx.shipment(leg.shipmentId)).shippedAt).to.equal(5n);
  });
});

describe("fresh attack: the counterparty times a pharmacy's own outgoing leg", function () {
  /** The pharmacy (20 packs on a leg) signed and the distributor co-signed a return of 1 unit at the door. */
  async function pendingReturnFixture() {
    const base = await loadFixture(pharmacyFixture);
    const domain = await readDomain(base.rx);
    const h: HandoverMessage = {
      batchId: base.batchId, sender: base.pharmacy.address, receiver: base.distributor.address, quantity: 1n,
      manifest: ethers.ZeroHash, leg: legFields(GOOD_LEG), nonce: 1n, deadline: BigInt(await time.latest()) + 3n * BigInt(DAY),
    };
    const sigs = [await signHandover(base.pharmacy, domain, h), await signHandover(base.distributor, domain, h)] as const;
    const submitReturn = () => base.rx.handover(h, domain.chainId, ...sigs);
    return { ...base, submitReturn };
  }

  it("the distributor holding the co-signed return submits it after the pharmacy received a newer leg, stranding that leg's packs: DispenseLegShippedOn (documented limitation)", async function () {
    const { rx, batchId, tree, distributor, pharmacy, submitReturn } = await loadFixture(pendingReturnFixture);
    // Physically the return left first; on chain the newer leg is received first, then the return lands.
    const newer = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(40, 45));
    await submitReturn();
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], newer))
      .to.be.revertedWithCustomError(rx, "DispenseLegShippedOn")
      .withArgs(batchId, serialToBytes32(SERIALS[40]), newer.shipmentId, 0n, 1n);
  });

  it("legitimate: a pharmacy that receives the newer leg only once its return is on chain dispenses its packs", async function () {
    const { rx, batchId, tree, distributor, pharmacy, submitReturn } = await loadFixture(pendingReturnFixture);
    const newer = await shipPacksFrom(rx, distributor, batchId, pharmacy.address, SERIALS.slice(40, 45));
    await submitReturn();
    await rx.connect(pharmacy).receiveShipment(newer.shipment, GOOD_LEG);
    await expect(dispenseFrom(rx, pharmacy, batchId, tree, SERIALS[40], newer)).to.emit(rx, "PackDispensed");
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("fresh attack: quarantine laundering", function () {
  it("quarantined units cannot leave by a co-signed handover: CustodyInsufficientSaleable", async function () {
    const { rx, batchId, distributor, distributor2 } = await loadFixture(receivedFixture);
    const domain = await readDomain(rx);
    await deliverFrom(rx, distributor, batchId, distributor2, 10n, WARM_LEG);
    const h: HandoverMessage = {
      batchId, sender: distributor2.address, receiver: distributor.address, quantity: 5n, manifest: ethers.ZeroHash,
      leg: legFields(GOOD_LEG), nonce: 1n, deadline: BigInt(await time.latest()) + 3600n,
    };
    await expect(rx.handover(h, domain.chainId, await signHandover(distributor2, domain, h), await signHandover(distributor, domain, h)))
      .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
      .withArgs(batchId, distributor2.address, 0n, 5n);
  });

  it("a pharmacy's return the distributor rejects as damaged lands in the pharmacy's quarantine, not its saleable stock", async function () {
    const { rx, batchId, distributor, pharmacy } = await loadFixture(pharmacyFixture);
    const back = await shipFrom(rx, pharmacy, batchId, distributor.address, 5n);
    await rx.connect(distributor).rejectShipment(back.shipment, RejectionReason.Damaged, REASON, GOOD_LEG);
    const h = await rx.holding(batchId, pharmacy.address);
    expect([h.saleable, h.quarantined]).to.deep.equal([15n, 5n]);
  });

  it("a late receipt of a cancelled lot-level leg by a distributor cannot be shipped on: CustodyInsufficientSaleable", async function () {
    const { rx, batchId, manufacturer, distributor, pharmacy, shipment } = await loadFixture(shippedFixture);
    await time.increase(CANCEL_AFTER);
    await rx.connect(manufacturer).cancelShipment(shipment);
    await rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
    await expect(rx.connect(distributor).shipPacks(batchId, pharmacy.address, 1n, ManifestTree.of([SERIALS[0]], []).root))
      .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
      .withArgs(batchId, distributor.address, 0n, 1n);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("fresh attack: the extension seam", function () {
  async function seamFixture() {
    const base = await loadFixture(quarantinedPharmacyFixture);
    const extension = await ethers.getContractAt("RxTraceExtension", await base.rx.EXTENSION());
    return { ...base, extension };
  }

  it("a multicall mixing a core act and a refused forwarded act reverts as a whole with the forwarded error", async function () {
    const { rx, batchId, pharmacy, distributor, toPharmacy } = await loadFixture(seamFixture);
    const calls = [
      rx.interface.encodeFunctionData("ship", [batchId, distributor.address, 0n]),
      rx.interface.encodeFunctionData("releaseLeg", [toPharmacy.shipment]),
    ];
    await expect(rx.connect(pharmacy).multicall(calls)).to.be.revertedWithCustomError(rx, "BatchInvalidQuantity");
    const ok = [rx.interface.encodeFunctionData("revokeSignatures", [3n]), rx.interface.encodeFunctionData("releaseLeg", [toPharmacy.shipment])];
    await expect(rx.connect(pharmacy).multicall(ok))
      .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
      .withArgs(pharmacy.address, Role.Dispenser, Role.Regulator);
    expect((await rx.partner(pharmacy.address)).nonce).to.equal(0n);
  });

  it("a regulator's forwarded releaseLeg inside multicall runs on the core's storage with the regulator as caller", async function () {
    const { rx, regulator, toPharmacy } = await loadFixture(seamFixture);
    await expect(rx.connect(regulator).multicall([rx.interface.encodeFunctionData("releaseLeg", [toPharmacy.shipment])]))
      .to.emit(rx, "LegReleased")
      .withArgs(toPharmacy.shipmentId, toPharmacy.shipment.batchId, toPharmacy.shipment.receiver, regulator.address);
  });

  it("the extension called directly knows no leg: releaseLeg and cancelShipment find no record there (SafetyLegNotQuarantined, CustodyShipmentNotInTransit)", async function () {
    const { rx, extension, regulator, distributor, toPharmacy } = await loadFixture(seamFixture);
    await expect(extension.connect(regulator).releaseLeg(toPharmacy.shipment))
      .to.be.revertedWithCustomError(extension, "SafetyLegNotQuarantined")
      .withArgs(toPharmacy.shipmentId);
    await expect(extension.connect(distributor).cancelShipment(toPharmacy.shipment))
      .to.be.revertedWithCustomError(extension, "CustodyShipmentNotInTransit");
    expect((await rx.shipment(toPharmacy.shipmentId)).status).to.equal(Status.ReceivedInQuarantine);
  });

  it("the admin renouncing a role at the extension directly changes only the extension's own storage, never the core's", async function () {
    const { rx, extension, admin, pauser } = await loadFixture(seamFixture);
    const PAUSER = await rx.PAUSER_ROLE();
    await extension.connect(pauser).renounceRole(PAUSER, pauser.address);
    expect(await rx.hasRole(PAUSER, pauser.address)).to.equal(true);
    expect(await rx.defaultAdmin()).to.equal(admin.address);
    await expect(extension.connect(admin).beginDefaultAdminTransfer(pauser.address))
      .to.be.revertedWithCustomError(extension, "ExtensionNotDelegated");
  });

  it("a forwarded act with ether inside multicall is refused (multicall is not payable): no value reaches the extension", async function () {
    const { rx, regulator, toPharmacy } = await loadFixture(seamFixture);
    const data = rx.interface.encodeFunctionData("multicall", [[rx.interface.encodeFunctionData("releaseLeg", [toPharmacy.shipment])]]);
    await expect(regulator.sendTransaction({ to: await rx.getAddress(), data, value: 1n })).to.be.revertedWithoutReason();
    expect(await ethers.provider.getBalance(await rx.EXTENSION())).to.equal(0n);
  });
});
