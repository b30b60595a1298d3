/**
 * The pause grace (IEmergencyPause, RxAccess._pauseExtended) at its boundaries, to the second: a pause that
 * begins exactly PAUSE_GRACE after the last unpause continues that pause's window, one a second later opens a new
 * one; a moment (a cancel's 30 days, a signature's deadline) is extended when the pause began no later than
 * PAUSE_GRACE after it, and an extended moment is still open in its last second. Pauses by a contract pauser name
 * the contract. The broader rules (and the attacks they close) are in Attacks.test.ts, "paused time".
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { PartnerWallet__factory } from "../typechain-types";
import { legFields, readDomain, SIGNED_TYPES } from "../src/signing/typed-data";
import { DAY, GOOD_LEG, shippedFixture } from "./fixtures";

const CANCEL_AFTER = 30n * BigInt(DAY);

/** Shipped at `shippedAt`; the suite was paused a day later and unpaused a day after the 30 days ran out. */
async function pausedOverExpiryFixture() {
  const base = await loadFixture(shippedFixture);
  const shippedAt = (await base.rx.shipment(base.shipmentId)).shippedAt;
  const grace = await base.rx.PAUSE_GRACE();
  await time.setNextBlockTimestamp(shippedAt + BigInt(DAY));
  await base.rx.connect(base.pauser).pause();
  const unpausedAt = shippedAt + CANCEL_AFTER + BigInt(DAY);
  await time.setNextBlockTimestamp(unpausedAt);
  await base.rx.connect(base.pauser).unpause();
  return { ...base, shippedAt, grace, unpausedAt };
}

/** The distributor signed a receipt with a deadline a day ahead; the suite was paused in that very second. */
async function signedOverPauseFixture() {
  const base = await loadFixture(shippedFixture);
  const domain = await readDomain(base.rx);
  const deadline = BigInt(await time.latest()) + BigInt(DAY);
  const message = { shipment: base.shipment, leg: legFields(GOOD_LEG), nonce: 0n, deadline };
  const sig = ethers.Signature.from(await base.distributor.signTypedData(domain, SIGNED_TYPES.receive, message));
  const auth = { nonce: 0n, deadline, chainId: domain.chainId, signature: sig.compactSerialized };
  const unpausedAt = await pauseAt(base.rx, base.pauser, deadline);
  return { ...base, auth, graceEnd: unpausedAt + (await base.rx.PAUSE_GRACE()) };
}

/** Pauses at `pausedAt` and unpauses one second later; returns the unpause's time. */
async function pauseAt(rx: Awaited<ReturnType<typeof shippedFixture>>["rx"], pauser: HardhatEthersSigner, pausedAt: bigint): Promise<bigint> {
  await time.setNextBlockTimestamp(pausedAt);
  await rx.connect(pauser).pause();
  await time.setNextBlockTimestamp(pausedAt + 1n);
  await rx.connect(pauser).unpause();
  return pausedAt + 1n;
}

describe("PauseGrace", function () {
  describe("a pause after an unpause", function () {
    it("continues the last window when it begins exactly PAUSE_GRACE after the unpause: the 30 days that ran out in the first pause get a new grace (CustodyCancelTooEarly)", async function () {
      const { rx, manufacturer, pauser, shipment, shipmentId, grace, unpausedAt } = await loadFixture(pausedOverExpiryFixture);
      const secondUnpause = await pauseAt(rx, pauser, unpausedAt + grace);
      await expect(rx.connect(manufacturer).cancelShipment(shipment))
        .to.be.revertedWithCustomError(rx, "CustodyCancelTooEarly")
        .withArgs(shipmentId, secondUnpause + grace, BigInt(await time.latest()) + 1n);
    });

    it("opens a new window one second later: the 30 days that ran out before it stay run out, and the sender cancels", async function () {
      const { rx, manufacturer, pauser, shipment, shipmentId, grace, unpausedAt } = await loadFixture(pausedOverExpiryFixture);
      await pauseAt(rx, pauser, unpausedAt + grace + 1n);
      await expect(rx.connect(manufacturer).cancelShipment(shipment)).to.emit(rx, "ShipmentCancelled");
      expect((await rx.shipment(shipmentId)).status).to.equal(2n);
    });
  });

  describe("a moment before a pause", function () {
    it("is extended when the pause begins exactly PAUSE_GRACE after it: CustodyCancelTooEarly until PAUSE_GRACE after the unpause", async function () {
      const { rx, manufacturer, pauser, shipment, shipmentId } = await loadFixture(shippedFixture);
      const shippedAt = (await rx.shipment(shipmentId)).shippedAt;
      const grace = await rx.PAUSE_GRACE();
      const unpausedAt = await pauseAt(rx, pauser, shippedAt + CANCEL_AFTER + grace);
      await expect(rx.connect(manufacturer).cancelShipment(shipment))
        .to.be.revertedWithCustomError(rx, "CustodyCancelTooEarly")
        .withArgs(shipmentId, unpausedAt + grace, BigInt(await time.latest()) + 1n);
    });

    it("is not extended by a pause that begins one second later: the sender cancels right after the unpause", async function () {
      const { rx, manufacturer, pauser, shipment, shipmentId } = await loadFixture(shippedFixture);
      const shippedAt = (await rx.shipment(shipmentId)).shippedAt;
      await pauseAt(rx, pauser, shippedAt + CANCEL_AFTER + (await rx.PAUSE_GRACE()) + 1n);
      await expect(rx.connect(manufacturer).cancelShipment(shipment)).to.emit(rx, "ShipmentCancelled");
    });

    it("a signature whose deadline fell in the pause is accepted in the last second of the grace", async function () {
      const { rx, stranger, shipment, auth, graceEnd } = await loadFixture(signedOverPauseFixture);
      await time.setNextBlockTimestamp(graceEnd);
      await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth)).to.emit(rx, "Received");
    });

    it("the same signature is refused one second later: SignatureExpired", async function () {
      const { rx, stranger, shipment, auth, graceEnd } = await loadFixture(signedOverPauseFixture);
      await time.setNextBlockTimestamp(graceEnd + 1n);
      await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth))
        .to.be.revertedWithCustomError(rx, "SignatureExpired")
        .withArgs(auth.deadline, graceEnd + 1n);
    });
  });

  it("a contract holding PAUSER_ROLE pauses and unpauses: Paused and Unpaused name the contract", async function () {
    const { rx, admin, pauser } = await loadFixture(shippedFixture);
    const wallet = await new PartnerWallet__factory(admin).deploy(pauser.address);
    await rx.connect(admin).grantRole(await rx.PAUSER_ROLE(), await wallet.getAddress());
    const target = await rx.getAddress();
    await expect(wallet.connect(pauser).execute(target, rx.interface.encodeFunctionData("pause")))
      .to.emit(rx, "Paused")
      .withArgs(await wallet.getAddress());
    expect(await rx.paused()).to.equal(true);
    await expect(wallet.connect(pauser).execute(target, rx.interface.encodeFunctionData("unpause")))
      .to.emit(rx, "Unpaused")
      .withArgs(await wallet.getAddress());
    expect(await rx.paused()).to.equal(false);
  });
});
