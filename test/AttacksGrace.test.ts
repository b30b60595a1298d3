/**
 * An adversarial review of the pause grace (RxAccess._pauseExtended), the ERC-1271 fallback of signature checks
 * (SignedHandovers._requireSigner) and sealCase's SSCC prefix check. A refused attack asserts the named custom error;
 * the legitimate path beside it asserts the event. Blinking pauses (short pauses, each within PAUSE_GRACE of the last
 * unpause) carry a deadline no further than the window's paused seconds plus 2 × PAUSE_GRACE past it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { PartnerWallet__factory } from "../typechain-types";
import { Role } from "../src/domain/enums";
import { makeGln, makeSscc } from "../src/gs1/identifiers";
import { legFields, readDomain, SIGNED_TYPES } from "../src/signing/typed-data";
import { batchFixture, DAY, GOOD_LEG, LICENCE_REF, shipFrom, shippedFixture } from "./fixtures";

/** The order of secp256k1's group: s above half of it is the malleated twin of a signature. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const CONTENTS = ethers.id("case contents");

type Rx = Awaited<ReturnType<typeof shippedFixture>>["rx"];

/** The distributor's signed receipt of the fixture's shipment, deadline a day ahead; the raw signature too. */
async function signedReceiptFixture() {
  const base = await loadFixture(shippedFixture);
  const domain = await readDomain(base.rx);
  const deadline = BigInt(await time.latest()) + BigInt(DAY);
  const message = { shipment: base.shipment, leg: legFields(GOOD_LEG), nonce: 0n, deadline };
  const sig = ethers.Signature.from(await base.distributor.signTypedData(domain, SIGNED_TYPES.receive, message));
  const auth = (signature: string) => ({ nonce: 0n, deadline, chainId: domain.chainId, signature });
  return { ...base, domain, deadline, message, sig, auth, grace: await base.rx.PAUSE_GRACE() };
}

/** Pauses at `at` and unpauses one second later. */
async function blinkPause(rx: Rx, pauser: HardhatEthersSigner, at: bigint) {
  await time.setNextBlockTimestamp(at);
  await rx.connect(pauser).pause();
  await time.setNextBlockTimestamp(at + 1n);
  await rx.connect(pauser).unpause();
}

/** Two one-second blinks, a day and 3.9 days after `moment`: one window, whose last grace would end 6.9 days on. */
async function twoBlinksAfter(rx: Rx, pauser: HardhatEthersSigner, moment: bigint, grace: bigint) {
  await blinkPause(rx, pauser, moment + BigInt(DAY));
  await blinkPause(rx, pauser, moment + BigInt(DAY) + grace - BigInt(DAY) / 10n);
}

describe("grace attack: a pauser and expired signatures", function () {
  it("a lone pauser blinking a pause every < PAUSE_GRACE cannot keep an expired receipt signature live: a month on it is SignatureExpired", async function () {
    const { rx, pauser, stranger, shipment, deadline, sig, auth, grace } = await loadFixture(signedReceiptFixture);
    // Two days after the deadline (the signature expired), then every 2.9 days for ten rounds: each pause begins
    // within PAUSE_GRACE of the last unpause, so the window stays open, but its pauses lasted 10 seconds in all.
    let at = deadline + 2n * BigInt(DAY);
    for (let round = 0; round < 10; round++) {
      await blinkPause(rx, pauser, at);
      at += grace - BigInt(DAY) / 10n;
    }
    expect(BigInt(await time.latest())).to.be.greaterThan(deadline + 28n * BigInt(DAY));
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized)))
      .to.be.revertedWithCustomError(rx, "SignatureExpired")
      .withArgs(deadline, BigInt(await time.latest()) + 1n);
  });

  it("blinking pauses carry a deadline no further than its window's paused seconds plus 2 × PAUSE_GRACE: accepted in that last second", async function () {
    const { rx, pauser, stranger, shipment, deadline, sig, auth, grace } = await loadFixture(signedReceiptFixture);
    await twoBlinksAfter(rx, pauser, deadline, grace);
    await time.setNextBlockTimestamp(deadline + 2n + 2n * grace);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized))).to.emit(rx, "Received");
  });

  it("blinking pauses carry a deadline no further than its window's paused seconds plus 2 × PAUSE_GRACE: SignatureExpired one second later", async function () {
    const { rx, pauser, stranger, shipment, deadline, sig, auth, grace } = await loadFixture(signedReceiptFixture);
    await twoBlinksAfter(rx, pauser, deadline, grace);
    await time.setNextBlockTimestamp(deadline + 3n + 2n * grace);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized)))
      .to.be.revertedWithCustomError(rx, "SignatureExpired")
      .withArgs(deadline, deadline + 3n + 2n * grace);
  });

  it("a new window counts its own paused time only: a 10-day pause that ended long before the blinks does not move the cancel's bound", async function () {
    const { rx, pauser, manufacturer, shipment, shipmentId, grace } = await loadFixture(signedReceiptFixture);
    const shippedAt = (await rx.shipment(shipmentId)).shippedAt;
    const cancellableAt = shippedAt + 30n * BigInt(DAY);
    // Paused from day 1 to day 11 (a window of its own), then two blinks after the 30 days (a new window).
    await time.setNextBlockTimestamp(shippedAt + BigInt(DAY));
    await rx.connect(pauser).pause();
    await time.setNextBlockTimestamp(shippedAt + 11n * BigInt(DAY));
    await rx.connect(pauser).unpause();
    await twoBlinksAfter(rx, pauser, cancellableAt, grace);
    await expect(rx.connect(manufacturer).cancelShipment(shipment))
      .to.be.revertedWithCustomError(rx, "CustodyCancelTooEarly")
      .withArgs(shipmentId, cancellableAt + 2n + 2n * grace, BigInt(await time.latest()) + 1n);
  });

  it("the same blinking cannot keep a sender from cancelling an unreceived shipment: a month past its 30 days it cancels", async function () {
    const { rx, pauser, manufacturer, shipment, shipmentId, grace } = await loadFixture(signedReceiptFixture);
    let at = (await rx.shipment(shipmentId)).shippedAt + 31n * BigInt(DAY);
    for (let round = 0; round < 10; round++) {
      await blinkPause(rx, pauser, at);
      at += grace - BigInt(DAY) / 10n;
    }
    await expect(rx.connect(manufacturer).cancelShipment(shipment))
      .to.emit(rx, "ShipmentCancelled")
      .withArgs(shipmentId, shipment.batchId, shipment.sender, shipment.receiver, shipment.quantity);
  });

  it("blinking holds a cancel back only until the 30 days plus the window's paused seconds plus 2 × PAUSE_GRACE: CustodyCancelTooEarly names that time", async function () {
    const { rx, pauser, manufacturer, shipment, shipmentId, grace } = await loadFixture(signedReceiptFixture);
    const cancellableAt = (await rx.shipment(shipmentId)).shippedAt + 30n * BigInt(DAY);
    await twoBlinksAfter(rx, pauser, cancellableAt, grace);
    await expect(rx.connect(manufacturer).cancelShipment(shipment))
      .to.be.revertedWithCustomError(rx, "CustodyCancelTooEarly")
      .withArgs(shipmentId, cancellableAt + 2n + 2n * grace, BigInt(await time.latest()) + 1n);
  });

  it("a long genuine pause still extends through a blink in its grace: a deadline that fell in a pause of 9.5 days is live until PAUSE_GRACE after the later unpause", async function () {
    const { rx, pauser, stranger, shipment, deadline, sig, auth, grace } = await loadFixture(signedReceiptFixture);
    await time.setNextBlockTimestamp(deadline - BigInt(DAY) / 2n);
    await rx.connect(pauser).pause();
    await time.setNextBlockTimestamp(deadline + 9n * BigInt(DAY));
    await rx.connect(pauser).unpause();
    // A short pause within the grace continues the window: the grace now runs from its unpause.
    const secondUnpause = deadline + 9n * BigInt(DAY) + grace;
    await blinkPause(rx, pauser, secondUnpause - 1n);
    await time.setNextBlockTimestamp(secondUnpause + grace);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized))).to.emit(rx, "Received");
  });

  it("the signer closes that window itself: after revokeSignatures the revived receipt is SignatureReplayed", async function () {
    const { rx, pauser, stranger, distributor, shipment, deadline, sig, auth } = await loadFixture(signedReceiptFixture);
    await blinkPause(rx, pauser, deadline + 2n * BigInt(DAY));
    await rx.connect(distributor).revokeSignatures(1n);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized)))
      .to.be.revertedWithCustomError(rx, "SignatureReplayed")
      .withArgs(distributor.address, 0n, 1n);
  });

  it("a pause that begins more than PAUSE_GRACE after the deadline does not revive the signature: SignatureExpired", async function () {
    const { rx, pauser, stranger, shipment, deadline, sig, auth, grace } = await loadFixture(signedReceiptFixture);
    await blinkPause(rx, pauser, deadline + grace + 1n);
    // Chaining further pauses from there keeps the new window's start, which is already too late.
    await blinkPause(rx, pauser, deadline + 2n * grace);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized)))
      .to.be.revertedWithCustomError(rx, "SignatureExpired")
      .withArgs(deadline, BigInt(await time.latest()) + 1n);
  });

  it("a revived signature is used once: its replay (65-byte form of the same signature) in the grace is SignatureReplayed", async function () {
    const { rx, pauser, stranger, distributor, shipment, deadline, sig, auth } = await loadFixture(signedReceiptFixture);
    await blinkPause(rx, pauser, deadline + 2n * BigInt(DAY));
    await rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized));
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.serialized)))
      .to.be.revertedWithCustomError(rx, "SignatureReplayed")
      .withArgs(distributor.address, 0n, 1n);
  });
});

describe("grace attack: signatures that ECDSA refuses, then ERC-1271", function () {
  it("a stranger's valid signature for an EOA partner: ERC-1271 asked of a key answers nothing, SignatureInvalidSigner names the stranger", async function () {
    const { rx, stranger, distributor, shipment, domain, message, auth } = await loadFixture(signedReceiptFixture);
    const forged = await stranger.signTypedData(domain, SIGNED_TYPES.receive, message);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(forged)))
      .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
      .withArgs(distributor.address, stranger.address);
  });

  it("the high-s twin of the partner's own signature recovers to nobody: SignatureInvalidSigner(partner, zero)", async function () {
    const { rx, stranger, distributor, shipment, sig, auth } = await loadFixture(signedReceiptFixture);
    const twin = ethers.concat([sig.r, ethers.toBeHex(SECP256K1_N - BigInt(sig.s), 32), sig.v === 27 ? "0x1c" : "0x1b"]);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(twin)))
      .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
      .withArgs(distributor.address, ethers.ZeroAddress);
  });

  for (const length of [0, 63, 66, 130]) {
    it(`a ${length}-byte signature (the partner's padded or cut) is no signature of an EOA: SignatureInvalidSigner(partner, zero)`, async function () {
      const { rx, stranger, distributor, shipment, sig, auth } = await loadFixture(signedReceiptFixture);
      const bytes = ethers.getBytes(ethers.concat([sig.serialized, sig.serialized]));
      await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(ethers.hexlify(bytes.slice(0, length)))))
        .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
        .withArgs(distributor.address, ethers.ZeroAddress);
    });
  }

  it("a contract partner is asked, never a key near it: a stranger's signature for the wallet is refused, its owner's is the wallet's", async function () {
    const { rx, admin, manufacturer, stranger, pharmacy2, batchId, licenceExpiry } = await loadFixture(batchFixture);
    const wallet = await new PartnerWallet__factory(admin).deploy(pharmacy2.address);
    const walletAddress = await wallet.getAddress();
    await rx.onboardPartner(walletAddress, Role.Distributor, makeGln("061414100009"), LICENCE_REF, licenceExpiry, "Wallet Wholesale");
    const { shipment } = await shipFrom(rx, manufacturer, batchId, walletAddress, 10n);
    const domain = await readDomain(rx);
    const deadline = BigInt(await time.latest()) + BigInt(DAY);
    const message = { shipment, leg: legFields(GOOD_LEG), nonce: 0n, deadline };
    const auth = (signature: string) => ({ nonce: 0n, deadline, chainId: domain.chainId, signature });
    // The wallet's address is no key: a stranger's signature recovers to the stranger and the wallet says no.
    const byStranger = await stranger.signTypedData(domain, SIGNED_TYPES.receive, message);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(byStranger)))
      .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
      .withArgs(walletAddress, stranger.address);
    // The owner's key is not a partner, but the wallet accepts its signature (its own policy).
    const byOwner = await pharmacy2.signTypedData(domain, SIGNED_TYPES.receive, message);
    await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(byOwner))).to.emit(rx, "Received");
  });
});

describe("grace attack: sealCase under someone else's company prefix", function () {
  it("refuses an SSCC under another partner's prefix, and one whose digits hold the caller's prefix shifted by the extension digit: CaseSsccNotOwned", async function () {
    const { rx, manufacturer, batchId } = await loadFixture(batchFixture);
    // 0614141 is the distributor's; "0312345" starting at the extension digit gives the prefix 3123450.
    for (const sscc of [makeSscc("10614141123456789"), makeSscc("03123450123456789")]) {
      await expect(rx.connect(manufacturer).sealCase(sscc, batchId, CONTENTS, 1n))
        .to.be.revertedWithCustomError(rx, "CaseSsccNotOwned")
        .withArgs(sscc, manufacturer.address);
    }
  });

  it("a longer prefix beside a shorter one: neither owner seals under the other's, nor under the unowned 7 digits the longer one starts with", async function () {
    const { rx, distributor2, pharmacy, batchId } = await loadFixture(batchFixture);
    await rx.assignCompanyPrefix(distributor2.address, "08600020");
    const cases: [HardhatEthersSigner, bigint][] = [
      [pharmacy, makeSscc("10860002012345678")], // distributor2's 08600020; pharmacy owns 0860001 only
      [distributor2, makeSscc("10860001012345678")], // pharmacy's 0860001
      [distributor2, makeSscc("10860002112345678")], // 0860002 (unowned) then 1: not 08600020
    ];
    for (const [caller, sscc] of cases) {
      await expect(rx.connect(caller).sealCase(sscc, batchId, CONTENTS, 1n))
        .to.be.revertedWithCustomError(rx, "CaseSsccNotOwned")
        .withArgs(sscc, caller.address);
    }
  });
});
