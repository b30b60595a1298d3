import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ICorrections__factory, RxTraceExtension2__factory, RxTraceExtension3__factory, RxTraceExtension__factory } from "../typechain-types";
import { batchFixture, deployFixture, GOOD_LEG } from "./fixtures";

/**
 * The core (RxTrace) runs the hot paths itself and forwards the rare acts to its extension by DELEGATECALL. The
 * extension inherits the same modules (the same storage layout) but refuses the core's own entry points, so their
 * code is deployed once.
 */
describe("RxTraceExtension", function () {
  async function extensionFixture() {
    const base = await loadFixture(deployFixture);
    const extension = RxTraceExtension__factory.connect(await base.rx.EXTENSION(), base.stranger);
    const extension2 = RxTraceExtension2__factory.connect(await extension.EXTENSION2(), base.stranger);
    const extension3 = RxTraceExtension3__factory.connect(await extension2.EXTENSION3(), base.stranger);
    return { ...base, extension, extension2, extension3 };
  }

  const shipment = { batchId: ethers.ZeroHash, sender: ethers.ZeroAddress, receiver: ethers.ZeroAddress, quantity: 1n, nonce: 0n };
  const auth = { nonce: 0n, deadline: 0n, chainId: 0n, signature: "0x" };
  const handover = { ...shipment, manifest: ethers.ZeroHash, leg: GOOD_LEG, deadline: 0n };
  const commission = {
    gtin: 0n, lot: "", expiry: 0n, quantity: 0n, minTemp: 0, maxTemp: 0,
    serialRoot: ethers.ZeroHash, certificateHash: ethers.ZeroHash, certificateURI: "",
  };
  const claim = { sender: ethers.ZeroAddress, quantity: 0n, nonce: 0n, manifestProof: [] };
  type Ext = Awaited<ReturnType<typeof extensionFixture>>["extension"] | Awaited<ReturnType<typeof extensionFixture>>["extension2"];
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
      describe("when called on the second extension itself", function () {
        it("reverts with ExtensionNotServed: the core runs it", async function () {
          const { extension2 } = await loadFixture(extensionFixture);
          await expect(call(extension2)).to.be.revertedWithCustomError(extension2, "ExtensionNotServed").withArgs();
        });
      });
      describe("when called on the third extension itself", function () {
        it("reverts with ExtensionNotServed: the core runs it", async function () {
          const { extension3 } = await loadFixture(extensionFixture);
          await expect(call(extension3 as unknown as Ext)).to.be.revertedWithCustomError(extension3, "ExtensionNotServed").withArgs();
        });
      });
    });
  }

  type Ext2 = Awaited<ReturnType<typeof extensionFixture>>["extension2"];
  const SERVED_BY_THE_FIRST_EXTENSION: [string, (x: Ext2) => Promise<unknown>][] = [
    ["onboardPartner", (x) => x.onboardPartner(ethers.ZeroAddress, 0, 0n, ethers.ZeroHash, 0n, "")],
    ["assignCompanyPrefix", (x) => x.assignCompanyPrefix(ethers.ZeroAddress, "")],
    ["renewLicence", (x) => x.renewLicence(ethers.ZeroAddress, ethers.ZeroHash, 0n)],
    ["suspendPartner", (x) => x.suspendPartner(ethers.ZeroAddress, ethers.ZeroHash)],
    ["reinstatePartner", (x) => x.reinstatePartner(ethers.ZeroAddress)],
    ["sealCase", (x) => x.sealCase(0n, ethers.ZeroHash, ethers.ZeroHash, 0n)],
    ["openCase", (x) => x.openCase(0n, ethers.ZeroHash, ethers.ZeroHash, 0n)],
    ["flagSuspect", (x) => x.flagSuspect(ethers.ZeroHash, ethers.ZeroHash)],
    ["confirmSuspect", (x) => x.confirmSuspect(ethers.ZeroHash, ethers.ZeroHash)],
    ["clearSuspect", (x) => x.clearSuspect(ethers.ZeroHash, ethers.ZeroHash)],
    ["declareIllegitimate", (x) => x.declareIllegitimate(ethers.ZeroHash, ethers.ZeroHash)],
    ["releaseQuarantine", (x) => x.releaseQuarantine(ethers.ZeroHash, ethers.ZeroAddress, 0n)],
    ["releaseLeg", (x) => x.releaseLeg(shipment)],
    ["condemnQuarantine", (x) => x.condemnQuarantine(ethers.ZeroHash, ethers.ZeroAddress, 0n)],
    ["cancelShipment", (x) => x.cancelShipment(shipment)],
    ["revokeSignatures", (x) => x.revokeSignatures(0n)],
    ["cancelHandover", (x) => x.cancelHandover(handover, "0x")],
    ["pause", (x) => x.pause()],
    ["unpause", (x) => x.unpause()],
    ["recall", (x) => x.recall(ethers.ZeroHash, 1, ethers.ZeroHash, "")],
  ];

  for (const [name, call] of SERVED_BY_THE_FIRST_EXTENSION) {
    describe(name, function () {
      describe("when called on the second extension itself", function () {
        it("reverts with ExtensionNotServed: the first extension runs it", async function () {
          const { extension2 } = await loadFixture(extensionFixture);
          await expect(call(extension2)).to.be.revertedWithCustomError(extension2, "ExtensionNotServed").withArgs();
        });
      });
      describe("when called on the third extension itself", function () {
        it("reverts with ExtensionNotServed: the first extension runs it", async function () {
          const { extension3 } = await loadFixture(extensionFixture);
          await expect(call(extension3 as unknown as Ext2)).to.be.revertedWithCustomError(extension3, "ExtensionNotServed").withArgs();
        });
      });
    });
  }

  describe("the second extension's own acts", function () {
    it("refuse a direct call with ExtensionNotDelegated, and run through the core on the core's storage", async function () {
      const { rx, manufacturer, batchId, input } = await loadFixture(batchFixture);
      const extension = RxTraceExtension__factory.connect(await rx.EXTENSION(), manufacturer);
      const extension2 = RxTraceExtension2__factory.connect(await extension.EXTENSION2(), manufacturer);
      const expiry = (await rx.batch(batchId)).expiry;
      await expect(extension2.supersedeBatch(input)).to.be.revertedWithCustomError(extension2, "ExtensionNotDelegated").withArgs();
      // Its own storage is empty: the batch the core holds is unknown to it.
      await expect(extension2.proposeCorrection(batchId, expiry, ethers.id("certificate"), "ipfs://c"))
        .to.be.revertedWithCustomError(extension2, "BatchUnknown")
        .withArgs(batchId);
      const corrections = ICorrections__factory.connect(await rx.getAddress(), manufacturer);
      await corrections.proposeCorrection(batchId, expiry, ethers.id("certificate"), "ipfs://c");
      const proposal = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint40", "bytes32", "string"], [expiry, ethers.id("certificate"), "ipfs://c"]),
      );
      expect(await corrections.correctionProposal(batchId)).to.equal(proposal);
      expect(await extension2.correctionProposal(batchId)).to.equal(ethers.ZeroHash);
    });

    it("an unknown function reaches no contract's code and reverts without data", async function () {
      const { rx, stranger } = await loadFixture(extensionFixture);
      await expect(stranger.sendTransaction({ to: await rx.getAddress(), data: "0xdeadbeef" })).to.be.revertedWithoutReason();
    });
  });

  describe("deployment", function () {
    it("the second extension refuses a third extension without code with ExtensionWithoutCode", async function () {
      const { admin, stranger } = await loadFixture(extensionFixture);
      const factory = await ethers.getContractFactory("RxTraceExtension2", admin);
      await expect(factory.deploy(0n, admin.address, stranger.address))
        .to.be.revertedWithCustomError(factory, "ExtensionWithoutCode")
        .withArgs(stranger.address);
    });


    it("the first extension refuses a second extension without code with ExtensionWithoutCode", async function () {
      const { admin, stranger } = await loadFixture(extensionFixture);
      const factory = await ethers.getContractFactory("RxTraceExtension", admin);
      await expect(factory.deploy(0n, admin.address, stranger.address))
        .to.be.revertedWithCustomError(factory, "ExtensionWithoutCode")
        .withArgs(stranger.address);
    });
  });
});
