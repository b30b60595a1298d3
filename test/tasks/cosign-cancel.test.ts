/**
 * rx:cosign and a sender's pending cancellation of the handover's nonce (test/AttacksFresh.test.ts shows the attack
 * on the contract: a cancellation asked for a decoy with the same nonce a day ahead voids the real handover at once).
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import path from "node:path";
import { formatGln, formatGtin } from "../../src/gs1/identifiers";
import { batchIdOf, type ShipmentKey } from "../../src/domain/ids";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN } from "../../src/scenario/scenario";
import type { SignResult } from "../../src/commands/signed/shared";
import type { HandoverMessage } from "../../src/signing/typed-data";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { tempDir } from "../tmp";

const LOT = "C24-0001";
const GOOD_LOGGER = path.join(__dirname, "..", "..", "examples", "logger-good.csv");
const GOOD_LEG = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };
const HANDOVER = {
  kind: "handover", gtin: formatGtin(GTIN), lot: LOT, to: formatGln(CAST.find((m) => m.key === "pharmacy")!.gln),
  quantity: "5", logger: GOOD_LOGGER, signer: SIGNER.distributor,
};

/** The distributor holds 60 units of a lot and signed a handover of 5 of them to the pharmacy. */
async function signedFixture() {
  const base = await loadFixture(castTaskFixture);
  const [, , manufacturer, , distributor, , pharmacy, , , stranger] = base.signers;
  await base.rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry: (await time.latest()) + 400 * 24 * 3600, quantity: 100n, ...COLD_CHAIN,
    serialRoot: hre.ethers.ZeroHash, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  await base.rx.connect(manufacturer).ship(batchId, distributor.address, 60n);
  const shipment: ShipmentKey = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 60n, nonce: 0n };
  await base.rx.connect(distributor).receiveShipment(shipment, GOOD_LEG);
  const out = path.join(tempDir("rx-cosign-cancel-"), "handover.json");
  const { result } = await captureOutput<SignResult>(() => hre.run("rx:sign", { ...HANDOVER, out }));
  return { ...base, distributor, pharmacy, stranger, out, message: result.doc.message as HandoverMessage };
}

describe("rx:cosign and the sender's cancellations", function () {
  it("refuses to co-sign a handover whose nonce the sender asked to cancel, for a decoy handover too", async function () {
    const { rx, distributor, stranger, out, message } = await loadFixture(signedFixture);
    const decoy = { ...message, receiver: stranger.address, quantity: 1n };
    await rx.connect(distributor).cancelHandover(decoy, "0x");
    await expect(captureOutput(() => hre.run("rx:cosign", { in: out, logger: GOOD_LOGGER, signer: SIGNER.pharmacy }))).to.be.rejectedWith(
      `a handover whose nonce ${message.nonce} the sender has not asked to cancel`,
    );
  });

  it("co-signs when the sender's cancellations are for other nonces", async function () {
    const { rx, distributor, pharmacy, out, message } = await loadFixture(signedFixture);
    const other = { ...message, nonce: message.nonce + 1n };
    await rx.connect(distributor).cancelHandover(other, "0x");
    const { lines } = await captureOutput(() => hre.run("rx:cosign", { in: out, logger: GOOD_LOGGER, signer: SIGNER.pharmacy }));
    expect(lines.at(-2)).to.equal(`co-signed by the receiver ${pharmacy.address}; wrote ${out}`);
  });
});
