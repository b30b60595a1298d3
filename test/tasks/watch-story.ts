/**
 * The story the watch tests read: every alert kind happens to Northline Wholesale (the distributor) or Main Street
 * Pharmacy, through the contract directly (the in-process network, deployed by rx:deploy so rx:watch finds it).
 *
 * Lot A (serialized): the manufacturer ships 60 to Northline, received on a warm leg (excursion, quarantine), which
 * the regulator releases; Northline ships 20 packs to Main Street (received), 5 units to Coastal 3PL (never
 * received: stale after 8 days) and 3 more that Coastal rejects on a warm leg (an excursion Northline sent); Northline flags the lot suspect, the regulator clears it; the regulator recalls it.
 * Lot B: shipped to Northline, the manufacturer is suspended before the receipt (receipt quarantined; a partner
 * suspended), reinstated; the regulator declares lot B illegitimate. Main Street's licence is renewed to expire in
 * 20 days. Last, the clock moves 8 days on.
 */
import hre from "hardhat";
import type { RxTrace } from "../../typechain-types";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { RejectionReason } from "../../src/domain/enums";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../../src/scenario/scenario";
import { formatGln } from "../../src/gs1/identifiers";
import { SerialTree } from "../../src/merkle/serial-tree";
import { ManifestTree } from "../../src/manifests/manifest";
import { castTaskFixture } from "./fixtures";

const DAY = 24 * 3600;
export const GOOD_LEG = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("good logger") };
export const WARM_LEG = { minTemp: 40, maxTemp: 125, meanKineticTemp: 71, minutesOutOfRange: 95, loggerHash: hre.ethers.id("warm logger") };
export const glnOf = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
export const LOT_A = batchIdOf(GTIN, "W24-0001");
export const LOT_B = batchIdOf(GTIN, "W24-0002");

/** The manufacturer (account 2) commissions `lot` of 100 units under the flagship GTIN; returns its batch id. */
export async function commissionLot(rx: RxTrace, lot: string, serialRoot = hre.ethers.ZeroHash): Promise<string> {
  const manufacturer = (await hre.ethers.getSigners())[2];
  const expiry = (await time.latest()) + 400 * DAY;
  await rx.connect(manufacturer).commissionBatch({ gtin: GTIN, lot, expiry, quantity: 100n, ...COLD_CHAIN, serialRoot, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI });
  return batchIdOf(GTIN, lot);
}

export async function watchStoryFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, signers } = base;
  const [admin, , manufacturer, , distributor, distributor2, pharmacy, , regulator] = signers;
  const serials = serialRange(60, "WS");
  const tree = SerialTree.of(serials);
  const key = (batchId: string, sender: string, receiver: string, quantity: bigint, nonce: bigint): ShipmentKey => ({ batchId, sender, receiver, quantity, nonce });

  await commissionLot(rx, "W24-0001", tree.root);
  await rx.connect(manufacturer).ship(LOT_A, distributor.address, 60n);
  await rx.connect(distributor).receiveShipment(key(LOT_A, manufacturer.address, distributor.address, 60n, 0n), WARM_LEG);
  await rx.connect(regulator).releaseQuarantine(LOT_A, distributor.address, 60n);
  const manifest = ManifestTree.of(serials.slice(0, 20), []);
  await rx.connect(distributor).shipPacks(LOT_A, pharmacy.address, 20n, manifest.root);
  await rx.connect(pharmacy).receiveShipment(key(LOT_A, distributor.address, pharmacy.address, 20n, 0n), GOOD_LEG);
  await rx.connect(distributor).ship(LOT_A, distributor2.address, 5n);
  const staleId = shipmentIdOf(key(LOT_A, distributor.address, distributor2.address, 5n, 1n));
  await rx.connect(distributor).ship(LOT_A, distributor2.address, 3n);
  await rx.connect(distributor2).rejectShipment(key(LOT_A, distributor.address, distributor2.address, 3n, 2n), RejectionReason.WrongQuantity, hre.ethers.ZeroHash, WARM_LEG);

  await commissionLot(rx, "W24-0002");
  await rx.connect(manufacturer).ship(LOT_B, distributor.address, 10n);
  await rx.connect(admin).suspendPartner(manufacturer.address, hre.ethers.id("audit finding"));
  await rx.connect(distributor).receiveShipment(key(LOT_B, manufacturer.address, distributor.address, 10n, 0n), GOOD_LEG);
  await rx.connect(admin).reinstatePartner(manufacturer.address);
  await rx.connect(regulator).declareIllegitimate(LOT_B, hre.ethers.id("counterfeit report"));

  await rx.connect(distributor).flagSuspect(LOT_A, hre.ethers.id("damaged seals"));
  await rx.connect(regulator).clearSuspect(LOT_A, hre.ethers.id("seals checked"));
  await rx.connect(regulator).recall(LOT_A, 2, hre.ethers.id("recall notice"), "https://recalls.example/W24-0001");
  await rx.connect(admin).renewLicence(pharmacy.address, hre.ethers.id("renewal"), (await time.latest()) + 20 * DAY);
  await time.increase(8 * DAY);
  await hre.network.provider.send("evm_mine", []);
  return { ...base, staleId };
}
