import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { RxTraceExtension__factory } from "../typechain-types";
import { deployFixture, GOOD_LEG } from "./fixtures";

/**
 * The core (RxTrace) runs the hot paths itself and forwards the rare acts to its extension by DELEGATECALL. The
 * extension inherits the same modules (the same storage layout) but refuses the core's own entry points, so their
 * code is deployed once.
 */
describe("RxTraceExtension", function () {
  async function extensionFixture() {
    const base = await loadFixture(deployFixture);
    const extension = RxTraceExtension__factory.connect(await base.rx.EXTENSION(), base.stranger);
    return { ...base, extension };
  }

  const shipment = { batchId: ethers.ZeroHash, sender: ethers.ZeroAddress, receiver: ethers.ZeroAddress, quantity: 1n, nonce: 0n };
  const auth = { nonce: 0n, deadline: 0n, chainId: 0n, signature: "0x" };
  const handover = { ...shipment, manifest: ethers.ZeroHash, leg: GOOD_LEG, deadline: 0n };
  const commission = {
    gtin: 0n, lot: "", expiry: 0n, quantity: 0n, minTemp: 0, maxTemp: 0,
    serialRoot: ethers.ZeroHash, certificateHash: ethers.ZeroHash, certificateURI: "",
  };
  const claim = { sender: ethers.ZeroAddress, quantity: 0n, nonce: 0n, manifestProof: [] };
  type Ext = Awaited<ReturnType<typeof extensionFixture>>["extension"];
  const SERVED_BY_THE_CORE: [string, (x: Ext) => Promise<unknown>][] = [
    ["commissionBatch", (x) => x.commissionBatch(commission)],
    ["ship", (x) => x.ship(ethers.ZeroHash, ethers.ZeroAddress, 1n)],
    ["shipPacks", (x) => x.shipPacks(ethers.ZeroHash, ethers.ZeroAddress, 1n, ethers.ZeroHash)],
    ["receiveShipment", (x) => x.receiveShipment(shipment, GOOD_LEG)],
    ["rejectShipment", (x) => x.rejectShipment(shipment, 0, ethers.ZeroHash, GOOD_LEG)],
    ["dispense", (x) => x.dispense(ethers.ZeroHash, ethers.ZeroHash, [], claim)],
    ["shipSigned", (x) => x.shipSigned(ethers.ZeroAddress, ethers.ZeroHash, ethers.ZeroAddress, 1n, ethers.ZeroHash, auth)],
    ["receiveSigned", (x) => x.receiveSigned(shipment, GOOD_LEG, auth)],
    ["rejectSigned", (x) => x.rejectSigned(shipment, 0, ethers.ZeroHash, GOOD_LEG, auth)],
    ["handover", (x) => x.handover(handover, 0n, "0x", "0x")],
  ];

  for (const [name, call] of SERVED_BY_THE_CORE) {
    describe(name, function () {
      describe("when called on the extension itself", function () {
        it("reverts with ExtensionNotServed: the core runs it", async function () {
          const { extension } = await loadFixture(extensionFixture);
          await expect(call(extension)).to.be.revertedWithCustomError(extension, "ExtensionNotServed").withArgs();
        });
      });
    });
  }
});
