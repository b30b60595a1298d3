/**
 * Partners that are contracts: multisigs and smart accounts (regulators often act behind a multisig).
 *
 * Every other suite calls from EOAs, where `msg.sender == tx.origin`, so a contract that read `tx.origin` would
 * pass them all. Here each partner is a PartnerWallet (contracts/test/PartnerWallet.sol) owned by a key: the key
 * sends the transaction (`tx.origin`), the wallet calls RxTrace (`msg.sender`). For every state-changing entry
 * point a partner calls directly, the suite shows that
 * - called through the wallet, it succeeds, its events name the WALLET as the actor and the state records the
 *   wallet (its stock, its shipments, its cases);
 * - called directly by the key behind the wallet, with the same arguments, it is refused: the key is not a partner.
 * It also shows that a refusal inside the wallet's call reaches the caller as RxTrace's exact custom error, and
 * that the signed (EIP-712) entry points take a wallet's signature through ERC-1271: a digest the wallet approved
 * on chain, or its owner key's signature that the wallet accepts; any other key's signature is refused.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { PartnerWallet__factory, type PartnerWallet } from "../typechain-types";
import type { TemperatureLegStruct } from "../typechain-types/contracts/RxTrace";
import { RecallClass, RejectionReason, Role, ShipmentStatus, Standing } from "../src/domain/enums";
import { batchIdOf, serialToBytes32, shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { CAST, CERTIFICATE_URI, FOREIGN_GTIN, GTIN } from "../src/scenario/scenario";
import { makeSscc } from "../src/gs1/identifiers";
import { digestOf, legFields, readDomain, signatureBytes, signAuthorization, signOperation } from "../src/signing/typed-data";
import {
  caseContentsOf,
  CaseStatus,
  claimOf,
  COMMISSIONED,
  commissionArgs,
  commissionInput,
  DAY,
  deployFixture,
  GOOD_LEG,
  holdingRecord,
  LICENCE_REF,
  LOT,
  NO_STOCK,
  PHARMACY_SERIALS,
  REJECT_TYPES,
  SERIALS,
  WARM_LEG,
  YEAR,
} from "./fixtures";
import { ManifestTree } from "../src/manifests/manifest";

const MANIFEST = ethers.id("manifest: Merkle root of the packs shipped");
const EVIDENCE = ethers.id("photo of the crushed case");
const RECALL_HASH = ethers.id("recall notice 2024-17");
const SUSPECT_REASON = ethers.id("suspect: packaging anomaly reported");
const CLEAR_REASON = ethers.id("investigation closed: genuine");
const ILLEGITIMATE_REASON = ethers.id("counterfeit confirmed by lab");
/** A case under the manufacturer's company prefix 0312345 (extension digit 1, serial reference 000000001). */
const SSCC = makeSscc("10312345000000001");
const { contents: CONTENTS, packs: PACKS } = caseContentsOf(SERIALS.slice(0, 12));
const HOUR = 3600;

/** Bits of `Batch.flags` (contracts/libraries/BatchFlags.sol). */
const SUSPECT = 2n;
const ILLEGITIMATE = 4n;

/** A TemperatureLeg as an event argument: its fields in declaration order. */
function legArgs(leg: TemperatureLegStruct): unknown[] {
  return [leg.minTemp, leg.maxTemp, leg.meanKineticTemp, leg.minutesOutOfRange, leg.loggerHash];
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

/** A partner that is a contract: the wallet (the partner), its owner's key, and the wallet's address. */
interface WalletPartner {
  /** The key behind the wallet: it sends the transactions, and is never onboarded. */
  owner: HardhatEthersSigner;
  /** The wallet, connected to its owner. */
  wallet: PartnerWallet;
  /** The wallet's address: the partner's account. */
  address: string;
}

const WALLET_KEYS = ["manufacturer", "distributor", "distributor2", "pharmacy", "pharmacy2", "regulator"] as const;
type WalletKey = (typeof WALLET_KEYS)[number];

/**
 * RxTrace with every partner a PartnerWallet: a manufacturer owning Acme's company prefix, two distributors, two
 * pharmacies and a regulator, each onboarded (wallet address, cast role and GLN) with a licence valid for a year.
 * The wallets' owners are the cast's EOAs, none of them onboarded.
 */
async function walletsFixture() {
  const { rx, admin, stranger, accounts } = await loadFixture(deployFixture);
  const rxAddress = await rx.getAddress();
  const licenceExpiry = (await time.latest()) + YEAR;
  const wallets = {} as Record<WalletKey, WalletPartner>;
  for (const key of WALLET_KEYS) {
    const member = CAST.find((m) => m.key === key)!;
    const owner = accounts[key];
    const deployed = await new PartnerWallet__factory(admin).deploy(owner.address);
    const address = await deployed.getAddress();
    await rx.onboardPartner(address, member.role, member.gln, LICENCE_REF, licenceExpiry, member.name);
    for (const prefix of member.prefixes) await rx.assignCompanyPrefix(address, prefix);
    wallets[key] = { owner, wallet: deployed.connect(owner), address };
  }
  return { rx, rxAddress, admin, stranger, licenceExpiry, ...wallets };
}

type WalletsContext = Awaited<ReturnType<typeof walletsFixture>>;

/** The manufacturer's wallet commissioned a serialized batch of 100 packs. */
async function batchFixture() {
  const base = await loadFixture(walletsFixture);
  const { input, tree } = await commissionInput();
  const tx = await base.manufacturer.wallet.execute(
    base.rxAddress,
    base.rx.interface.encodeFunctionData("commissionBatch", [input]),
  );
  return { ...base, input, tree, batchId: batchIdOf(GTIN, LOT), tx };
}

type BatchContext = Awaited<ReturnType<typeof batchFixture>>;

/** `from`'s wallet ships `quantity` units of the batch to `receiver`, through `shipPacks` when given a manifest. */
async function shipVia(f: BatchContext, from: WalletPartner, receiver: string, quantity: bigint, manifest?: string) {
  const nonce = (await f.rx.holding(f.batchId, from.address)).shipments;
  const data = manifest
    ? f.rx.interface.encodeFunctionData("shipPacks", [f.batchId, receiver, quantity, manifest])
    : f.rx.interface.encodeFunctionData("ship", [f.batchId, receiver, quantity]);
  const tx = await from.wallet.execute(f.rxAddress, data);
  const shipment: ShipmentKey = { batchId: f.batchId, sender: from.address, receiver, quantity, nonce };
  return { tx, shipment, shipmentId: shipmentIdOf(shipment) };
}

/** `to`'s wallet receives `shipment` on `leg`. */
function receiveVia(f: WalletsContext, to: WalletPartner, shipment: ShipmentKey, leg: TemperatureLegStruct = GOOD_LEG) {
  return to.wallet.execute(f.rxAddress, f.rx.interface.encodeFunctionData("receiveShipment", [shipment, leg]));
}

/** 60 packs in transit from the manufacturer's wallet to the distributor's. */
async function shippedFixture() {
  const base = await loadFixture(batchFixture);
  const sent = await shipVia(base, base.manufacturer, base.distributor.address, 60n);
  return { ...base, ...sent };
}

/** The distributor's wallet received the 60 packs on a good leg. */
async function receivedFixture() {
  const base = await loadFixture(shippedFixture);
  const tx = await receiveVia(base, base.distributor, base.shipment);
  return { ...base, tx };
}

/** The distributor's wallet received the 60 packs on a warm leg: all 60 are quarantined. */
async function quarantinedFixture() {
  const base = await loadFixture(shippedFixture);
  await receiveVia(base, base.distributor, base.shipment, WARM_LEG);
  return base;
}

/** The pharmacy's wallet holds 20 saleable packs (PHARMACY_SERIALS) received from the distributor's wallet. */
async function pharmacyFixture() {
  const base = await loadFixture(receivedFixture);
  const manifest = ManifestTree.of(PHARMACY_SERIALS, []);
  const leg = await shipVia(base, base.distributor, base.pharmacy.address, 20n, manifest.root);
  await receiveVia(base, base.pharmacy, leg.shipment);
  return { ...base, toPharmacy: { ...leg, manifest } };
}

/** The distributor's wallet, holding the 60 packs, put the batch on hold as suspect. */
async function suspectFixture() {
  const base = await loadFixture(receivedFixture);
  await base.distributor.wallet.execute(
    base.rxAddress,
    base.rx.interface.encodeFunctionData("flagSuspect", [base.batchId, SUSPECT_REASON]),
  );
  return base;
}

/** The manufacturer's wallet sealed case SSCC with the batch's first twelve packs. */
async function sealedFixture() {
  const base = await loadFixture(batchFixture);
  const tx = await base.manufacturer.wallet.execute(
    base.rxAddress,
    base.rx.interface.encodeFunctionData("sealCase", [SSCC, base.batchId, CONTENTS, PACKS]),
  );
  return { ...base, tx };
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe("RxTrace: partners that are contracts", function () {
  describe("PartnerWallet", function () {
    it("is owned by the key that controls it", async function () {
      const { manufacturer } = await loadFixture(walletsFixture);
      expect(await manufacturer.wallet.OWNER()).to.equal(manufacturer.owner.address);
    });

    it("approves digests for its owner only: WalletNotOwner for another key", async function () {
      const { manufacturer, stranger } = await loadFixture(walletsFixture);
      const digest = ethers.id("a digest");
      await expect(manufacturer.wallet.connect(stranger).approveDigest(digest))
        .to.be.revertedWithCustomError(manufacturer.wallet, "WalletNotOwner")
        .withArgs(stranger.address, manufacturer.owner.address);
      expect(await manufacturer.wallet.approvedDigests(digest)).to.equal(false);
    });

    it("answers ERC-1271 with the magic value for an approved digest and 0xffffffff for another", async function () {
      const { manufacturer } = await loadFixture(walletsFixture);
      const digest = ethers.id("a digest");
      await manufacturer.wallet.approveDigest(digest);
      expect(await manufacturer.wallet.isValidSignature(digest, "0x")).to.equal("0x1626ba7e");
      expect(await manufacturer.wallet.isValidSignature(ethers.id("another digest"), "0x")).to.equal("0xffffffff");
    });

    it("is the partner: the wallet is authorized with its role, the key behind it is unknown", async function () {
      const { rx, manufacturer, regulator } = await loadFixture(walletsFixture);
      expect(await rx.standing(manufacturer.address)).to.equal(Standing.Authorized);
      expect((await rx.partner(manufacturer.address)).role).to.equal(Role.Manufacturer);
      expect(await rx.standing(regulator.address)).to.equal(Standing.Authorized);
      expect((await rx.partner(regulator.address)).role).to.equal(Role.Regulator);
      expect(await rx.standing(manufacturer.owner.address)).to.equal(Standing.Unknown);
      expect(await rx.standing(regulator.owner.address)).to.equal(Standing.Unknown);
    });

    it("owns the company prefix, not the key behind it", async function () {
      const { rx, manufacturer } = await loadFixture(walletsFixture);
      const [prefix] = CAST.find((m) => m.key === "manufacturer")!.prefixes;
      expect(await rx.companyPrefixOwner(prefix)).to.equal(manufacturer.address);
    });

    it("returns what the target returned (ship's shipment id)", async function () {
      const { rx, rxAddress, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
      const data = rx.interface.encodeFunctionData("ship", [batchId, distributor.address, 10n]);
      const expected = shipmentIdOf({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 10n, nonce: 0n });
      const returned = await manufacturer.wallet.execute.staticCall(rxAddress, data);
      expect(rx.interface.decodeFunctionResult("ship", returned)).to.deep.equal([expected]);
    });

    describe("when someone other than the owner calls it", function () {
      it("reverts with WalletNotOwner for a stranger", async function () {
        const { rx, rxAddress, batchId, stranger, manufacturer, distributor } = await loadFixture(batchFixture);
        const data = rx.interface.encodeFunctionData("ship", [batchId, distributor.address, 10n]);
        await expect(manufacturer.wallet.connect(stranger).execute(rxAddress, data))
          .to.be.revertedWithCustomError(manufacturer.wallet, "WalletNotOwner")
          .withArgs(stranger.address, manufacturer.owner.address);
      });

      it("reverts with WalletNotOwner for the owner of another partner's wallet", async function () {
        const { rx, rxAddress, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        const data = rx.interface.encodeFunctionData("ship", [batchId, distributor.address, 10n]);
        await expect(manufacturer.wallet.connect(distributor.owner).execute(rxAddress, data))
          .to.be.revertedWithCustomError(manufacturer.wallet, "WalletNotOwner")
          .withArgs(distributor.owner.address, manufacturer.owner.address);
      });
    });

    describe("when RxTrace refuses the wallet's call", function () {
      it("bubbles CustodyInsufficientSaleable with the wallet as the holder", async function () {
        const { rx, rxAddress, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        const data = rx.interface.encodeFunctionData("ship", [batchId, distributor.address, COMMISSIONED + 1n]);
        await expect(manufacturer.wallet.execute(rxAddress, data))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, manufacturer.address, COMMISSIONED, COMMISSIONED + 1n);
      });

      it("bubbles PartnerWrongRole with the wallet and its role", async function () {
        const { rx, rxAddress, batchId, distributor } = await loadFixture(quarantinedFixture);
        const data = rx.interface.encodeFunctionData("releaseQuarantine", [batchId, distributor.address, 60n]);
        await expect(distributor.wallet.execute(rxAddress, data))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(distributor.address, Role.Distributor, Role.Regulator);
      });

      it("bubbles PartnerNotAuthorized for a suspended wallet", async function () {
        const { rx, rxAddress, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await rx.suspendPartner(manufacturer.address, ethers.id("licence under review"));
        const data = rx.interface.encodeFunctionData("ship", [batchId, distributor.address, 10n]);
        await expect(manufacturer.wallet.execute(rxAddress, data))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.Suspended);
      });

      it("bubbles PartnerNotAuthorized for a receiver that is the key behind a wallet", async function () {
        const { rx, rxAddress, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        const data = rx.interface.encodeFunctionData("ship", [batchId, distributor.owner.address, 10n]);
        await expect(manufacturer.wallet.execute(rxAddress, data))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.owner.address, Standing.Unknown);
      });
    });
  });

  describe("commissionBatch", function () {
    describe("when the manufacturer's wallet commissions", function () {
      it("emits BatchCommissioned naming the wallet", async function () {
        const { rx, tx, input, batchId, manufacturer } = await loadFixture(batchFixture);
        await expect(tx)
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchId, manufacturer.address, GTIN, commissionArgs(input));
      });

      it("records the wallet as the batch's manufacturer", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        expect(await rx.manufacturerOf(batchId)).to.equal(manufacturer.address);
      });

      it("credits the wallet, not the key behind it", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED });
        expect(holdingRecord(await rx.holding(batchId, manufacturer.owner.address))).to.deep.equal(NO_STOCK);
      });
    });

    describe("when the manufacturer's wallet commissions a GTIN of another company's prefix", function () {
      it("bubbles BatchGtinNotOwned naming the wallet", async function () {
        const { rx, rxAddress, manufacturer } = await loadFixture(walletsFixture);
        const { input } = await commissionInput({ gtin: FOREIGN_GTIN });
        await expect(manufacturer.wallet.execute(rxAddress, rx.interface.encodeFunctionData("commissionBatch", [input])))
          .to.be.revertedWithCustomError(rx, "BatchGtinNotOwned")
          .withArgs(FOREIGN_GTIN, manufacturer.address);
      });
    });

    describe("when the key behind the wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, manufacturer } = await loadFixture(walletsFixture);
        const { input } = await commissionInput();
        await expect(rx.connect(manufacturer.owner).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.owner.address, Standing.Unknown);
      });
    });
  });

  describe("ship", function () {
    describe("when the manufacturer's wallet ships 60 packs to the distributor's", function () {
      it("is sent by the owner's key, and emits Shipped naming the wallets", async function () {
        const { rx, tx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(shippedFixture);
        expect(tx.from).to.equal(manufacturer.owner.address);
        await expect(tx)
          .to.emit(rx, "Shipped")
          .withArgs(shipmentId, batchId, manufacturer.address, distributor.address, 60n, 0n, false);
      });

      it("debits the wallet's stock and counts its shipment", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(shippedFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({
          ...NO_STOCK,
          saleable: COMMISSIONED - 60n,
          shipments: 1n,
        });
      });

      it("puts the shipment between the wallets in transit", async function () {
        const { rx, shipmentId } = await loadFixture(shippedFixture);
        expect((await rx.shipment(shipmentId)).status).to.equal(ShipmentStatus.InTransit);
      });
    });

    describe("when the key behind the wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer.owner).ship(batchId, distributor.address, 60n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.owner.address, Standing.Unknown);
      });
    });
  });

  describe("shipPacks", function () {
    describe("when the manufacturer's wallet ships 60 packs with a manifest", function () {
      it("emits Shipped and ManifestCommitted naming the wallets", async function () {
        const f = await loadFixture(batchFixture);
        const { tx, shipmentId } = await shipVia(f, f.manufacturer, f.distributor.address, 60n, MANIFEST);
        await expect(tx)
          .to.emit(f.rx, "Shipped")
          .withArgs(shipmentId, f.batchId, f.manufacturer.address, f.distributor.address, 60n, 0n, false)
          .and.to.emit(f.rx, "ManifestCommitted")
          .withArgs(shipmentId, f.batchId, MANIFEST);
      });

      it("debits the wallet's stock and puts the shipment in transit", async function () {
        const f = await loadFixture(batchFixture);
        const { shipmentId } = await shipVia(f, f.manufacturer, f.distributor.address, 60n, MANIFEST);
        expect(holdingRecord(await f.rx.holding(f.batchId, f.manufacturer.address))).to.deep.equal({
          ...NO_STOCK,
          saleable: COMMISSIONED - 60n,
          shipments: 1n,
        });
        expect((await f.rx.shipment(shipmentId)).status).to.equal(ShipmentStatus.InTransit);
      });
    });

    describe("when the key behind the wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer.owner).shipPacks(batchId, distributor.address, 60n, MANIFEST))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.owner.address, Standing.Unknown);
      });
    });
  });

  describe("receiveShipment", function () {
    describe("when the distributor's wallet receives the 60 packs", function () {
      it("emits Received naming the wallets", async function () {
        const { rx, tx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(receivedFixture);
        await expect(tx)
          .to.emit(rx, "Received")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, legArgs(GOOD_LEG), false);
      });

      it("credits the wallet's saleable stock and settles the shipment", async function () {
        const { rx, shipmentId, batchId, distributor } = await loadFixture(receivedFixture);
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, saleable: 60n });
        expect((await rx.shipment(shipmentId)).status).to.equal(ShipmentStatus.None);
      });
    });

    describe("when the key behind the receiving wallet calls directly", function () {
      it("reverts with CustodyNotReceiver naming the key and the wallet", async function () {
        const { rx, shipment, shipmentId, distributor } = await loadFixture(shippedFixture);
        await expect(rx.connect(distributor.owner).receiveShipment(shipment, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
          .withArgs(shipmentId, distributor.owner.address, distributor.address);
      });
    });
  });

  describe("rejectShipment", function () {
    async function rejectedFixture() {
      const base = await loadFixture(shippedFixture);
      const tx = await base.distributor.wallet.execute(
        base.rxAddress,
        base.rx.interface.encodeFunctionData("rejectShipment", [base.shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG]),
      );
      return { ...base, tx };
    }

    describe("when the distributor's wallet rejects the 60 packs", function () {
      it("emits Rejected naming the wallets", async function () {
        const { rx, tx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(rejectedFixture);
        await expect(tx)
          .to.emit(rx, "Rejected")
          .withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, RejectionReason.Damaged, EVIDENCE, legArgs(GOOD_LEG), true);
      });

      it("returns the (damaged) units to the sending wallet's quarantine and settles the shipment", async function () {
        const { rx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(rejectedFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({
          ...NO_STOCK,
          saleable: COMMISSIONED - 60n,
          quarantined: 60n,
          shipments: 1n,
        });
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal(NO_STOCK);
        expect((await rx.shipment(shipmentId)).status).to.equal(ShipmentStatus.None);
      });
    });

    describe("when the key behind the receiving wallet calls directly", function () {
      it("reverts with CustodyNotReceiver naming the key and the wallet", async function () {
        const { rx, shipment, shipmentId, distributor } = await loadFixture(shippedFixture);
        await expect(rx.connect(distributor.owner).rejectShipment(shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG))
          .to.be.revertedWithCustomError(rx, "CustodyNotReceiver")
          .withArgs(shipmentId, distributor.owner.address, distributor.address);
      });
    });
  });

  describe("cancelShipment", function () {
    /** shippedFixture, with the clock at the first second the manufacturer's wallet may cancel (time travel). */
    async function cancellableFixture() {
      const base = await loadFixture(shippedFixture);
      const cancellableAt = (await base.rx.shipment(base.shipmentId)).shippedAt + (await base.rx.CANCEL_AFTER());
      await time.increaseTo(cancellableAt);
      return { ...base, cancellableAt };
    }

    function cancelVia(f: Awaited<ReturnType<typeof shippedFixture>>) {
      return f.manufacturer.wallet.execute(f.rxAddress, f.rx.interface.encodeFunctionData("cancelShipment", [f.shipment]));
    }

    describe("when the manufacturer's wallet cancels after CANCEL_AFTER", function () {
      it("emits ShipmentCancelled naming the wallets", async function () {
        const f = await loadFixture(cancellableFixture);
        await expect(cancelVia(f))
          .to.emit(f.rx, "ShipmentCancelled")
          .withArgs(f.shipmentId, f.batchId, f.manufacturer.address, f.distributor.address, 60n);
      });

      it("returns the units to the wallet's quarantine and keeps the shipment as Cancelled", async function () {
        const f = await loadFixture(cancellableFixture);
        await cancelVia(f);
        expect(holdingRecord(await f.rx.holding(f.batchId, f.manufacturer.address))).to.deep.equal({
          ...NO_STOCK,
          saleable: COMMISSIONED - 60n,
          quarantined: 60n,
          shipments: 1n,
        });
        expect((await f.rx.shipment(f.shipmentId)).status).to.equal(2n); // ShipmentStatus.Cancelled
      });
    });

    describe("when the manufacturer's wallet cancels too early", function () {
      it("bubbles CustodyCancelTooEarly", async function () {
        const f = await loadFixture(shippedFixture);
        const cancellableAt = (await f.rx.shipment(f.shipmentId)).shippedAt + (await f.rx.CANCEL_AFTER());
        await time.setNextBlockTimestamp(cancellableAt - 1n);
        await expect(cancelVia(f))
          .to.be.revertedWithCustomError(f.rx, "CustodyCancelTooEarly")
          .withArgs(f.shipmentId, cancellableAt, cancellableAt - 1n);
      });
    });

    describe("when the receiving wallet tries to cancel", function () {
      it("bubbles CustodyNotSender naming the receiving wallet and the sending wallet", async function () {
        const f = await loadFixture(cancellableFixture);
        const data = f.rx.interface.encodeFunctionData("cancelShipment", [f.shipment]);
        await expect(f.distributor.wallet.execute(f.rxAddress, data))
          .to.be.revertedWithCustomError(f.rx, "CustodyNotSender")
          .withArgs(f.shipmentId, f.distributor.address, f.manufacturer.address);
      });
    });

    describe("when the key behind the sending wallet calls directly", function () {
      it("reverts with CustodyNotSender naming the key and the wallet", async function () {
        const { rx, shipment, shipmentId, manufacturer } = await loadFixture(cancellableFixture);
        await expect(rx.connect(manufacturer.owner).cancelShipment(shipment))
          .to.be.revertedWithCustomError(rx, "CustodyNotSender")
          .withArgs(shipmentId, manufacturer.owner.address, manufacturer.address);
      });
    });
  });

  describe("sealCase", function () {
    describe("when the manufacturer's wallet seals a case of twelve packs", function () {
      it("emits CaseSealed naming the wallet as the packer", async function () {
        const { rx, tx, batchId, manufacturer } = await loadFixture(sealedFixture);
        await expect(tx).to.emit(rx, "CaseSealed").withArgs(SSCC, batchId, manufacturer.address, CONTENTS, PACKS);
      });

      it("reports the case Sealed", async function () {
        const { rx } = await loadFixture(sealedFixture);
        expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Sealed);
      });
    });

    describe("when the key behind the wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(batchFixture);
        await expect(rx.connect(manufacturer.owner).sealCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.owner.address, Standing.Unknown);
      });
    });

    describe("when a wallet without the packs seals", function () {
      it("bubbles CustodyInsufficientSaleable with the wallet as the holder", async function () {
        const { rx, rxAddress, batchId, distributor } = await loadFixture(batchFixture);
        // Under the distributor wallet's own company prefix (the cast's 0614141).
        const sscc = makeSscc("10614141000000001");
        const data = rx.interface.encodeFunctionData("sealCase", [sscc, batchId, CONTENTS, PACKS]);
        await expect(distributor.wallet.execute(rxAddress, data))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, distributor.address, 0n, PACKS);
      });
    });
  });

  describe("openCase", function () {
    describe("when the manufacturer's wallet opens the case it sealed", function () {
      async function openedFixture() {
        const base = await loadFixture(sealedFixture);
        const tx = await base.manufacturer.wallet.execute(
          base.rxAddress,
          base.rx.interface.encodeFunctionData("openCase", [SSCC, base.batchId, CONTENTS, PACKS]),
        );
        return { ...base, tx };
      }

      it("emits CaseOpened naming the wallet", async function () {
        const { rx, tx, batchId, manufacturer } = await loadFixture(openedFixture);
        await expect(tx).to.emit(rx, "CaseOpened").withArgs(SSCC, batchId, manufacturer.address);
      });

      it("reports the case Opened", async function () {
        const { rx } = await loadFixture(openedFixture);
        expect(await rx.caseStatus(SSCC)).to.equal(CaseStatus.Opened);
      });
    });

    describe("when the key behind the wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(sealedFixture);
        await expect(rx.connect(manufacturer.owner).openCase(SSCC, batchId, CONTENTS, PACKS))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.owner.address, Standing.Unknown);
      });
    });

    describe("when a wallet that does not hold the case opens it", function () {
      it("bubbles CaseNotHeld with the wallet as the holder", async function () {
        const { rx, rxAddress, batchId, distributor } = await loadFixture(sealedFixture);
        const data = rx.interface.encodeFunctionData("openCase", [SSCC, batchId, CONTENTS, PACKS]);
        await expect(distributor.wallet.execute(rxAddress, data))
          .to.be.revertedWithCustomError(rx, "CaseNotHeld")
          .withArgs(SSCC, distributor.address, 0n, PACKS);
      });
    });
  });

  describe("recall", function () {
    const recallData = (f: BatchContext) =>
      f.rx.interface.encodeFunctionData("recall", [f.batchId, RecallClass.II, RECALL_HASH, CERTIFICATE_URI]);

    describe("when the manufacturer's wallet recalls its batch", function () {
      it("emits BatchRecalled naming the wallet", async function () {
        const f = await loadFixture(pharmacyFixture);
        await expect(f.manufacturer.wallet.execute(f.rxAddress, recallData(f)))
          .to.emit(f.rx, "BatchRecalled")
          .withArgs(f.batchId, f.manufacturer.address, RecallClass.II, RECALL_HASH, CERTIFICATE_URI);
      });

      it("sets the recall class", async function () {
        const f = await loadFixture(pharmacyFixture);
        await f.manufacturer.wallet.execute(f.rxAddress, recallData(f));
        expect((await f.rx.batch(f.batchId)).recallClass).to.equal(RecallClass.II);
      });
    });

    describe("when the regulator's wallet recalls", function () {
      it("emits BatchRecalled naming the regulator's wallet", async function () {
        const f = await loadFixture(pharmacyFixture);
        await expect(f.regulator.wallet.execute(f.rxAddress, recallData(f)))
          .to.emit(f.rx, "BatchRecalled")
          .withArgs(f.batchId, f.regulator.address, RecallClass.II, RECALL_HASH, CERTIFICATE_URI);
      });

      it("sets the recall class", async function () {
        const f = await loadFixture(pharmacyFixture);
        await f.regulator.wallet.execute(f.rxAddress, recallData(f));
        expect((await f.rx.batch(f.batchId)).recallClass).to.equal(RecallClass.II);
      });
    });

    describe("when the key behind the manufacturer's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown): the key is not the batch's manufacturer", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(manufacturer.owner).recall(batchId, RecallClass.II, RECALL_HASH, CERTIFICATE_URI))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.owner.address, Standing.Unknown);
      });
    });

    describe("when the key behind the regulator's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, regulator } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(regulator.owner).recall(batchId, RecallClass.II, RECALL_HASH, CERTIFICATE_URI))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(regulator.owner.address, Standing.Unknown);
      });
    });

    describe("when a distributor's wallet recalls", function () {
      it("bubbles PartnerWrongRole with the wallet and its role", async function () {
        const f = await loadFixture(pharmacyFixture);
        await expect(f.distributor.wallet.execute(f.rxAddress, recallData(f)))
          .to.be.revertedWithCustomError(f.rx, "PartnerWrongRole")
          .withArgs(f.distributor.address, Role.Distributor, Role.Regulator);
      });
    });
  });

  describe("flagSuspect", function () {
    const flagData = (f: BatchContext) => f.rx.interface.encodeFunctionData("flagSuspect", [f.batchId, SUSPECT_REASON]);

    describe("when the distributor's wallet, a holder, flags the batch", function () {
      it("emits BatchFlaggedSuspect naming the wallet", async function () {
        const f = await loadFixture(receivedFixture);
        const tx = await f.distributor.wallet.execute(f.rxAddress, flagData(f));
        await expect(tx)
          .to.emit(f.rx, "BatchFlaggedSuspect")
          .withArgs(f.batchId, f.distributor.address, SUSPECT_REASON, (await time.latest()) + 7 * DAY);
      });

      it("puts the batch on hold", async function () {
        const { rx, batchId } = await loadFixture(suspectFixture);
        expect((await rx.batch(batchId)).flags).to.equal(SUSPECT);
      });
    });

    describe("when the key behind the holding wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, distributor } = await loadFixture(receivedFixture);
        await expect(rx.connect(distributor.owner).flagSuspect(batchId, SUSPECT_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.owner.address, Standing.Unknown);
      });
    });

    describe("when a wallet that holds nothing flags the batch", function () {
      it("bubbles SafetyNotHolder naming the wallet", async function () {
        const f = await loadFixture(receivedFixture);
        await expect(f.distributor2.wallet.execute(f.rxAddress, flagData(f)))
          .to.be.revertedWithCustomError(f.rx, "SafetyNotHolder")
          .withArgs(f.batchId, f.distributor2.address);
      });
    });
  });

  describe("clearSuspect", function () {
    describe("when the regulator's wallet clears the batch", function () {
      async function clearedFixture() {
        const base = await loadFixture(suspectFixture);
        const tx = await base.regulator.wallet.execute(
          base.rxAddress,
          base.rx.interface.encodeFunctionData("clearSuspect", [base.batchId, CLEAR_REASON]),
        );
        return { ...base, tx };
      }

      it("emits SuspectCleared naming the wallet", async function () {
        const { rx, tx, batchId, regulator } = await loadFixture(clearedFixture);
        await expect(tx).to.emit(rx, "SuspectCleared").withArgs(batchId, regulator.address, CLEAR_REASON);
      });

      it("lifts the hold", async function () {
        const { rx, batchId } = await loadFixture(clearedFixture);
        expect((await rx.batch(batchId)).flags).to.equal(0n);
      });
    });

    describe("when the key behind the regulator's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, regulator } = await loadFixture(suspectFixture);
        await expect(rx.connect(regulator.owner).clearSuspect(batchId, CLEAR_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(regulator.owner.address, Standing.Unknown);
      });
    });
  });

  describe("declareIllegitimate", function () {
    describe("when the regulator's wallet declares the batch illegitimate", function () {
      async function illegitimateFixture() {
        const base = await loadFixture(suspectFixture);
        const tx = await base.regulator.wallet.execute(
          base.rxAddress,
          base.rx.interface.encodeFunctionData("declareIllegitimate", [base.batchId, ILLEGITIMATE_REASON]),
        );
        return { ...base, tx };
      }

      it("emits BatchDeclaredIllegitimate naming the wallet", async function () {
        const { rx, tx, batchId, regulator } = await loadFixture(illegitimateFixture);
        await expect(tx).to.emit(rx, "BatchDeclaredIllegitimate").withArgs(batchId, regulator.address, ILLEGITIMATE_REASON);
      });

      it("marks the batch illegitimate (and no longer merely suspect)", async function () {
        const { rx, batchId } = await loadFixture(illegitimateFixture);
        expect((await rx.batch(batchId)).flags).to.equal(ILLEGITIMATE);
      });
    });

    describe("when the key behind the regulator's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, regulator } = await loadFixture(suspectFixture);
        await expect(rx.connect(regulator.owner).declareIllegitimate(batchId, ILLEGITIMATE_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(regulator.owner.address, Standing.Unknown);
      });
    });
  });

  describe("releaseQuarantine", function () {
    describe("when the regulator's wallet releases 60 quarantined units of the distributor's wallet", function () {
      async function releasedFixture() {
        const base = await loadFixture(quarantinedFixture);
        const tx = await base.regulator.wallet.execute(
          base.rxAddress,
          base.rx.interface.encodeFunctionData("releaseQuarantine", [base.batchId, base.distributor.address, 60n]),
        );
        return { ...base, tx };
      }

      it("emits QuarantineReleased naming both wallets", async function () {
        const { rx, tx, batchId, distributor, regulator } = await loadFixture(releasedFixture);
        await expect(tx)
          .to.emit(rx, "QuarantineReleased")
          .withArgs(batchId, distributor.address, regulator.address, 60n);
      });

      it("moves the holding wallet's units to saleable", async function () {
        const { rx, batchId, distributor } = await loadFixture(releasedFixture);
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, saleable: 60n });
      });
    });

    describe("when the key behind the regulator's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, distributor, regulator } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator.owner).releaseQuarantine(batchId, distributor.address, 60n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(regulator.owner.address, Standing.Unknown);
      });
    });
  });

  describe("condemnQuarantine", function () {
    describe("when the regulator's wallet condemns 25 quarantined units of the distributor's wallet", function () {
      async function condemnedFixture() {
        const base = await loadFixture(quarantinedFixture);
        const tx = await base.regulator.wallet.execute(
          base.rxAddress,
          base.rx.interface.encodeFunctionData("condemnQuarantine", [base.batchId, base.distributor.address, 25n]),
        );
        return { ...base, tx };
      }

      it("emits QuarantineCondemned naming both wallets", async function () {
        const { rx, tx, batchId, distributor, regulator } = await loadFixture(condemnedFixture);
        await expect(tx)
          .to.emit(rx, "QuarantineCondemned")
          .withArgs(batchId, distributor.address, regulator.address, 25n);
      });

      it("moves the holding wallet's units to condemned", async function () {
        const { rx, batchId, distributor } = await loadFixture(condemnedFixture);
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({
          ...NO_STOCK,
          quarantined: 35n,
          condemned: 25n,
        });
      });
    });

    describe("when the key behind the regulator's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, distributor, regulator } = await loadFixture(quarantinedFixture);
        await expect(rx.connect(regulator.owner).condemnQuarantine(batchId, distributor.address, 25n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(regulator.owner.address, Standing.Unknown);
      });
    });
  });

  describe("dispense", function () {
    const SERIAL = SERIALS[0];
    const dispenseData = (f: Awaited<ReturnType<typeof pharmacyFixture>>) =>
      f.rx.interface.encodeFunctionData("dispense", [f.batchId, serialToBytes32(SERIAL), f.tree.proof(SERIAL), claimOf(f.toPharmacy, SERIAL)]);

    describe("when the pharmacy's wallet dispenses a pack", function () {
      it("emits PackDispensed naming the wallet", async function () {
        const f = await loadFixture(pharmacyFixture);
        await expect(f.pharmacy.wallet.execute(f.rxAddress, dispenseData(f)))
          .to.emit(f.rx, "PackDispensed")
          .withArgs(f.batchId, serialToBytes32(SERIAL), f.pharmacy.address);
      });

      it("marks the pack dispensed and counts it in the wallet's holding", async function () {
        const f = await loadFixture(pharmacyFixture);
        await f.pharmacy.wallet.execute(f.rxAddress, dispenseData(f));
        expect(await f.rx.isDispensed(f.batchId, serialToBytes32(SERIAL))).to.equal(true);
        expect(holdingRecord(await f.rx.holding(f.batchId, f.pharmacy.address))).to.deep.equal({
          ...NO_STOCK,
          saleable: 19n,
          dispensed: 1n,
        });
      });
    });

    describe("when the key behind the pharmacy's wallet calls directly", function () {
      it("reverts with PartnerNotAuthorized (Unknown)", async function () {
        const { rx, batchId, tree, pharmacy, toPharmacy } = await loadFixture(pharmacyFixture);
        await expect(rx.connect(pharmacy.owner).dispense(batchId, serialToBytes32(SERIAL), tree.proof(SERIAL), claimOf(toPharmacy, SERIAL)))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(pharmacy.owner.address, Standing.Unknown);
      });
    });

    describe("when a pharmacy's wallet that holds no stock dispenses", function () {
      it("bubbles CustodyInsufficientSaleable naming the wallet", async function () {
        const f = await loadFixture(pharmacyFixture);
        await expect(f.pharmacy2.wallet.execute(f.rxAddress, dispenseData(f)))
          .to.be.revertedWithCustomError(f.rx, "CustodyInsufficientSaleable")
          .withArgs(f.batchId, f.pharmacy2.address, 0n, 1n);
      });
    });
  });

  /**
   * A wallet has no private key, so it cannot produce the ECDSA signature the signed entry points recover; a
   * signature by the key behind it recovers the key, not the wallet. Contract partners use the direct calls above.
   */
  describe("signed handovers (EIP-712) for a wallet", function () {
    async function deadline(): Promise<bigint> {
      return BigInt((await time.latest()) + HOUR);
    }

    /** The manufacturer's wallet's signed shipment of 10 units to the distributor's wallet. */
    async function shipOp(f: BatchContext) {
      return {
        kind: "ship",
        message: {
          sender: f.manufacturer.address,
          batchId: f.batchId,
          receiver: f.distributor.address,
          quantity: 10n,
          manifest: ethers.ZeroHash,
          nonce: (await f.rx.partner(f.manufacturer.address)).nonce,
          deadline: await deadline(),
        },
      } as const;
    }

    /** A handover of 10 units from the manufacturer's wallet to the distributor's wallet. */
    async function handoverOp(f: BatchContext) {
      return {
        kind: "handover" as const,
        message: {
          batchId: f.batchId,
          sender: f.manufacturer.address,
          receiver: f.distributor.address,
          quantity: 10n,
          manifest: ethers.ZeroHash,
          leg: legFields(GOOD_LEG),
          nonce: 7n,
          deadline: await deadline(),
        },
      };
    }

    describe("shipSigned with the manufacturer's wallet as the sender (ERC-1271)", function () {
      it("ships when the key behind the wallet signed: the wallet accepts its owner's signature", async function () {
        const f = await loadFixture(batchFixture);
        const domain = await readDomain(f.rx);
        const op = await shipOp(f);
        const auth = await signAuthorization(f.manufacturer.owner, domain, op);
        const m = op.message;
        await expect(f.rx.connect(f.stranger).shipSigned(m.sender, m.batchId, m.receiver, m.quantity, m.manifest, auth))
          .to.emit(f.rx, "Shipped")
          .withArgs(anyValue, f.batchId, f.manufacturer.address, f.distributor.address, 10n, 0n, false);
        expect((await f.rx.partner(f.manufacturer.address)).nonce).to.equal(m.nonce + 1n);
      });

      it("reverts with SignatureInvalidSigner(wallet, stranger) when another key signed: the wallet refuses it", async function () {
        const f = await loadFixture(batchFixture);
        const domain = await readDomain(f.rx);
        const op = await shipOp(f);
        const auth = await signAuthorization(f.stranger, domain, op);
        const m = op.message;
        await expect(f.rx.connect(f.stranger).shipSigned(m.sender, m.batchId, m.receiver, m.quantity, m.manifest, auth))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.manufacturer.address, f.stranger.address);
      });
    });

    describe("receiveSigned of a shipment to the distributor's wallet, signed by the key behind it (ERC-1271)", function () {
      it("receives into the wallet's stock", async function () {
        const f = await loadFixture(shippedFixture);
        const domain = await readDomain(f.rx);
        const op = {
          kind: "receive",
          message: {
            shipment: f.shipment,
            leg: legFields(GOOD_LEG),
            nonce: (await f.rx.partner(f.distributor.address)).nonce,
            deadline: await deadline(),
          },
        } as const;
        const auth = await signAuthorization(f.distributor.owner, domain, op);
        await expect(f.rx.connect(f.stranger).receiveSigned(op.message.shipment, op.message.leg, auth)).to.emit(f.rx, "Received");
        expect((await f.rx.holding(f.batchId, f.distributor.address)).saleable).to.equal(f.shipment.quantity);
      });
    });

    describe("rejectSigned of a shipment to the distributor's wallet (ERC-1271)", function () {
      async function rejectOf(f: Awaited<ReturnType<typeof shippedFixture>>, by: HardhatEthersSigner) {
        const domain = await readDomain(f.rx);
        const m = {
          shipment: f.shipment,
          reason: BigInt(RejectionReason.Damaged),
          evidence: EVIDENCE,
          leg: GOOD_LEG,
          nonce: (await f.rx.partner(f.distributor.address)).nonce,
          deadline: await deadline(),
        };
        const raw = ethers.Signature.from(await by.signTypedData(domain, REJECT_TYPES, m));
        return { m, auth: { nonce: m.nonce, deadline: m.deadline, chainId: domain.chainId, signature: raw.serialized } };
      }

      it("rejects when the key behind the wallet signed (a 65-byte signature)", async function () {
        const f = await loadFixture(shippedFixture);
        const { m, auth } = await rejectOf(f, f.distributor.owner);
        await expect(f.rx.connect(f.stranger).rejectSigned(m.shipment, m.reason, m.evidence, m.leg, auth)).to.emit(f.rx, "Rejected");
      });

      it("reverts with SignatureInvalidSigner(wallet, stranger) when another key signed", async function () {
        const f = await loadFixture(shippedFixture);
        const { m, auth } = await rejectOf(f, f.stranger);
        await expect(f.rx.connect(f.stranger).rejectSigned(m.shipment, m.reason, m.evidence, m.leg, auth))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.distributor.address, f.stranger.address);
      });
    });

    describe("handover between two wallets (ERC-1271)", function () {
      it("hands over when both wallets approved the digest on chain, with empty signature bytes", async function () {
        const f = await loadFixture(batchFixture);
        const domain = await readDomain(f.rx);
        const op = await handoverOp(f);
        const digest = digestOf(domain, op);
        await expect(f.manufacturer.wallet.approveDigest(digest)).to.emit(f.manufacturer.wallet, "DigestApproved").withArgs(digest);
        await f.distributor.wallet.approveDigest(digest);
        await expect(f.rx.connect(f.stranger).handover(op.message, domain.chainId, "0x", "0x")).to.emit(f.rx, "HandedOver");
        expect((await f.rx.holding(f.batchId, f.distributor.address)).saleable).to.equal(10n);
      });

      it("hands over when the keys behind the wallets signed", async function () {
        const f = await loadFixture(batchFixture);
        const domain = await readDomain(f.rx);
        const op = await handoverOp(f);
        const bySender = signatureBytes(await signOperation(f.manufacturer.owner, domain, op));
        const byReceiver = signatureBytes(await signOperation(f.distributor.owner, domain, op));
        await expect(f.rx.connect(f.stranger).handover(op.message, domain.chainId, bySender, byReceiver)).to.emit(f.rx, "HandedOver");
      });

      it("reverts with SignatureInvalidSigner(receiver's wallet, zero) when only the sender's wallet approved", async function () {
        const f = await loadFixture(batchFixture);
        const domain = await readDomain(f.rx);
        const op = await handoverOp(f);
        await f.manufacturer.wallet.approveDigest(digestOf(domain, op));
        await expect(f.rx.connect(f.stranger).handover(op.message, domain.chainId, "0x", "0x"))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.distributor.address, ethers.ZeroAddress);
      });

      it("reverts with SignatureInvalidSigner(wallet, key) for a key's signature presented for another wallet", async function () {
        const f = await loadFixture(batchFixture);
        const domain = await readDomain(f.rx);
        const op = await handoverOp(f);
        const bySender = signatureBytes(await signOperation(f.distributor.owner, domain, op));
        const byReceiver = signatureBytes(await signOperation(f.distributor.owner, domain, op));
        await expect(f.rx.connect(f.stranger).handover(op.message, domain.chainId, bySender, byReceiver))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.manufacturer.address, f.distributor.owner.address);
      });
    });
  });

  describe("revokeSignatures", function () {
    describe("when the distributor's wallet revokes its signature nonces", function () {
      it("moves the wallet's nonce, not the key's, and names the wallet", async function () {
        const { rx, rxAddress, distributor } = await loadFixture(walletsFixture);
        await expect(distributor.wallet.execute(rxAddress, rx.interface.encodeFunctionData("revokeSignatures", [5n])))
          .to.emit(rx, "SignaturesRevoked")
          .withArgs(distributor.address, 0n, 5n);
        expect((await rx.partner(distributor.address)).nonce).to.equal(5n);
      });
    });

    describe("when the key behind the wallet calls directly", function () {
      it("reverts with PartnerUnknown naming the key", async function () {
        const { rx, distributor } = await loadFixture(walletsFixture);
        await expect(rx.connect(distributor.owner).revokeSignatures(5n))
          .to.be.revertedWithCustomError(rx, "PartnerUnknown")
          .withArgs(distributor.owner.address);
      });
    });
  });
});
