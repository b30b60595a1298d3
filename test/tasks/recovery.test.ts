/// <reference types="chai-as-promised" />
/**
 * The key rotation commands (issue 12): rx:rotate-propose, rx:rotate-accept, rx:rotate-cancel and rx:rekey, and a
 * rotated distributor shipping its stock with rx:ship.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { IRecovery__factory } from "../../typechain-types";
import { formatGln, formatGtin } from "../../src/gs1/identifiers";
import { shipmentIdOf } from "../../src/domain/ids";
import { CAST, GTIN } from "../../src/scenario/scenario";
import { commissionInput, GOOD_LEG, LOT } from "../fixtures";
import { SIGNER, captureOutput, castTaskFixture } from "./fixtures";

/** The fresh account the distributor moves to (account index 12, never onboarded). */
const NEW_KEY = "12";
const DISTRIBUTOR_GLN = formatGln(CAST.find((m) => m.key === "distributor")!.gln);

/** The distributor holds 60 units of the lot. */
async function stockFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, signers } = base;
  const { input } = await commissionInput({ serialRoot: hre.ethers.ZeroHash });
  await rx.connect(signers[2]).commissionBatch(input);
  const batchId = await rx.batchIdOf(GTIN, LOT);
  await rx.connect(signers[2]).ship(batchId, signers[4].address, 60n);
  await rx.connect(signers[4]).receiveShipment({ batchId, sender: signers[2].address, receiver: signers[4].address, quantity: 60n, nonce: 0n }, GOOD_LEG);
  return { ...base, batchId, distributor: signers[4], newKey: signers[12] };
}

/** As stockFixture, and the distributor rotated its key to account 12 with the two commands. */
async function rotatedFixture() {
  const base = await loadFixture(stockFixture);
  const proposed = await captureOutput(() => hre.run("rx:rotate-propose", { newKey: base.newKey.address, signer: SIGNER.distributor }));
  const accepted = await captureOutput(() => hre.run("rx:rotate-accept", { signer: NEW_KEY }));
  return { ...base, proposed: proposed.lines, accepted: accepted.lines };
}

describe("key rotation commands", function () {
  describe("rx:rotate-propose and rx:rotate-accept", function () {
    it("print the proposal, how the new key accepts, and the acceptance", async function () {
      const { proposed, accepted, distributor, newKey } = await loadFixture(rotatedFixture);
      expect(proposed[0]).to.match(new RegExp(`^proposed ${newKey.address} as the next key of ${distributor.address}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
      expect(proposed[1]).to.equal(`the new key accepts with: npx hardhat rx:rotate-accept --signer ${newKey.address}`);
      expect(accepted[0]).to.match(new RegExp(`^${newKey.address} is now the partner's key; the old one is retired: tx 0x[0-9a-f]{64}`));
    });

    it("leave the GLN with the new key and the stock with the partner", async function () {
      const { rx, batchId, newKey } = await loadFixture(rotatedFixture);
      expect(await rx.accountOfGln(DISTRIBUTOR_GLN)).to.equal(newKey.address);
      expect((await rx.holding(batchId, newKey.address)).saleable).to.equal(60n);
    });

    it("let the new key ship with rx:ship, the shipment naming the partner's identity", async function () {
      const { batchId, distributor, signers } = await loadFixture(rotatedFixture);
      const { lines } = await captureOutput(() =>
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: signers[5].address, quantity: "5", signer: NEW_KEY }),
      );
      const id = shipmentIdOf({ batchId, sender: distributor.address, receiver: signers[5].address, quantity: 5n, nonce: 0n });
      expect(lines).to.include(`shipment ${id} nonce 0`);
    });

    it("refuse a new key that is a partner's, naming --new-key, and send nothing", async function () {
      const { signers } = await loadFixture(stockFixture);
      const before = await hre.ethers.provider.getBlockNumber();
      await expect(hre.run("rx:rotate-propose", { newKey: signers[6].address, signer: SIGNER.distributor })).to.be.rejectedWith(
        new RegExp(`--new-key: got "${signers[6].address}", expected a fresh account`),
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
    });
  });

  describe("rx:rotate-cancel", function () {
    it("cancels the pending rotation (the proposed key)", async function () {
      const { rx, distributor, newKey } = await loadFixture(stockFixture);
      await captureOutput(() => hre.run("rx:rotate-propose", { newKey: newKey.address, signer: SIGNER.distributor }));
      const { lines } = await captureOutput(() => hre.run("rx:rotate-cancel", { signer: NEW_KEY }));
      expect(lines[0]).to.match(new RegExp(`^cancelled the pending key rotation of ${newKey.address}: tx 0x`));
      expect(await IRecovery__factory.connect(await rx.getAddress(), hre.ethers.provider).pendingKeyRotation(distributor.address)).to.equal(hre.ethers.ZeroAddress);
    });
  });

  describe("rx:rekey", function () {
    it("with --calldata prints what the timelock schedules and sends nothing", async function () {
      const { rx, distributor, newKey } = await loadFixture(stockFixture);
      const before = await hre.ethers.provider.getBlockNumber();
      const { lines } = await captureOutput(() => hre.run("rx:rekey", { account: DISTRIBUTOR_GLN, newKey: newKey.address, calldata: true }));
      const data = IRecovery__factory.createInterface().encodeFunctionData("rekeyPartner", [distributor.address, newKey.address]);
      expect(lines).to.deep.equal([`schedule on the timelock: target ${await rx.getAddress()}, value 0, data ${data}`]);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
    });

    it("re-keys the partner named by its GLN (the admin)", async function () {
      const { rx, distributor, newKey } = await loadFixture(stockFixture);
      const { lines } = await captureOutput(() => hre.run("rx:rekey", { account: DISTRIBUTOR_GLN, newKey: newKey.address, signer: SIGNER.admin }));
      expect(lines[0]).to.match(new RegExp(`^re-keyed the partner of ${distributor.address} onto ${newKey.address}: tx 0x`));
      expect(await rx.accountOfGln(DISTRIBUTOR_GLN)).to.equal(newKey.address);
    });
  });
});
