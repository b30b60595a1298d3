import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { IBatchRegistry } from "../typechain-types";
import type { HoldingStructOutput, TemperatureLegStruct } from "../typechain-types/contracts/RxTrace";
import { deployRxTrace } from "../src/chain/deploy";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../src/scenario/scenario";
import { SerialTree } from "../src/merkle/serial-tree";
import { batchIdOf, serialToBytes32, shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { ManifestTree } from "../src/manifests/manifest";
import { SIGNED_TYPES } from "../src/signing/typed-data";

/** ShipmentStatus of contracts/interfaces/RxTypes.sol. */
export const Status = { None: 0n, InTransit: 1n, Cancelled: 2n, Received: 3n, ReceivedInQuarantine: 4n } as const;
/** CustodyRule of contracts/interfaces/RxTypes.sol. */
export const Rule = { None: 0n, Lot: 1n, Pack: 2n } as const;
export const DAY = 24 * 60 * 60;
export const YEAR = 365 * DAY;
export const LICENCE_REF = ethers.id("licence document");
export const LOT = "A24-0001";
export const SERIALS = serialRange(100);
export const COMMISSIONED = 100n;
export const SUSPENSION_REASON = ethers.id("suspension reason document");

/** A leg inside 2-8 degrees. */
export const GOOD_LEG: TemperatureLegStruct = {
  minTemp: 31,
  maxTemp: 62,
  meanKineticTemp: 48,
  minutesOutOfRange: 0,
  loggerHash: ethers.id("logger file, good leg"),
};
/** A leg that reached 12.5 degrees for 95 minutes. */
export const WARM_LEG: TemperatureLegStruct = {
  minTemp: 40,
  maxTemp: 125,
  meanKineticTemp: 71,
  minutesOutOfRange: 95,
  loggerHash: ethers.id("logger file, warm leg"),
};

export async function deployFixture() {
  const signers = await ethers.getSigners();
  const [admin, pauser, manufacturer, otherManufacturer, distributor, distributor2, pharmacy, pharmacy2, regulator, stranger] =
    signers;
  const rx = await deployRxTrace(ethers, admin, { pauser: pauser.address });
  const accounts = { manufacturer, otherManufacturer, distributor, distributor2, pharmacy, pharmacy2, regulator };
  return { rx, admin, pauser, stranger, ...accounts, accounts };
}

/** Everyone in the cast onboarded with a licence valid for a year; manufacturers own their prefixes. */
export async function partnersFixture() {
  const base = await loadFixture(deployFixture);
  const licenceExpiry = (await time.latest()) + YEAR;
  for (const member of CAST) {
    const account: HardhatEthersSigner = base.accounts[member.key];
    await base.rx.onboardPartner(account.address, member.role, member.gln, LICENCE_REF, licenceExpiry, member.name);
    for (const prefix of member.prefixes) await base.rx.assignCompanyPrefix(account.address, prefix);
  }
  return { ...base, licenceExpiry };
}

export async function commissionInput(overrides: Partial<IBatchRegistry.CommissionStruct> = {}) {
  const tree = SerialTree.of(SERIALS);
  const input: IBatchRegistry.CommissionStruct = {
    gtin: GTIN,
    lot: LOT,
    expiry: (await time.latest()) + 2 * YEAR,
    quantity: COMMISSIONED,
    ...COLD_CHAIN,
    serialRoot: tree.root,
    certificateHash: CERTIFICATE_HASH,
    certificateURI: CERTIFICATE_URI,
    ...overrides,
  };
  return { input, tree };
}

/** The manufacturer commissioned a serialized batch of 100 packs. */
export async function batchFixture() {
  const base = await loadFixture(partnersFixture);
  const { input, tree } = await commissionInput();
  await base.rx.connect(base.manufacturer).commissionBatch(input);
  const batchId = batchIdOf(GTIN, LOT);
  return { ...base, input, tree, batchId };
}

/** Ships `quantity` and returns the shipment as receive/reject take it. */
export async function shipFrom(
  rx: Awaited<ReturnType<typeof deployFixture>>["rx"],
  sender: HardhatEthersSigner,
  batchId: string,
  receiver: string,
  quantity: bigint,
): Promise<{ shipment: ShipmentKey; shipmentId: string }> {
  const nonce = (await rx.holding(batchId, sender.address)).shipments;
  await rx.connect(sender).ship(batchId, receiver, quantity);
  const shipment: ShipmentKey = { batchId, sender: sender.address, receiver, quantity, nonce };
  return { shipment, shipmentId: shipmentIdOf(shipment) };
}

/** Ships `quantity` from `sender` to `receiver`, who receives it on `leg`; returns the shipment. */
export async function deliverFrom(
  rx: Awaited<ReturnType<typeof deployFixture>>["rx"],
  sender: HardhatEthersSigner,
  batchId: string,
  receiver: HardhatEthersSigner,
  quantity: bigint,
  leg: TemperatureLegStruct = GOOD_LEG,
): Promise<{ shipment: ShipmentKey; shipmentId: string }> {
  const sent = await shipFrom(rx, sender, batchId, receiver.address, quantity);
  await rx.connect(receiver).receiveShipment(sent.shipment, leg);
  return sent;
}

/** A pack leg: the shipment and the manifest of the packs it carries. */
export interface PackLeg {
  shipment: ShipmentKey;
  shipmentId: string;
  manifest: ManifestTree;
}

/** Ships `serials` as a pack leg (`shipPacks`, the manifest of exactly those packs); returns the leg. */
export async function shipPacksFrom(
  rx: Awaited<ReturnType<typeof deployFixture>>["rx"],
  sender: HardhatEthersSigner,
  batchId: string,
  receiver: string,
  serials: readonly string[],
): Promise<PackLeg> {
  const manifest = ManifestTree.of(serials, []);
  const quantity = BigInt(serials.length);
  const nonce = (await rx.holding(batchId, sender.address)).shipments;
  await rx.connect(sender).shipPacks(batchId, receiver, quantity, manifest.root);
  const shipment: ShipmentKey = { batchId, sender: sender.address, receiver, quantity, nonce };
  return { shipment, shipmentId: shipmentIdOf(shipment), manifest };
}

/** Ships `serials` from `sender` to `receiver` as a pack leg, which the receiver receives on `leg`. */
export async function deliverPacksFrom(
  rx: Awaited<ReturnType<typeof deployFixture>>["rx"],
  sender: HardhatEthersSigner,
  batchId: string,
  receiver: HardhatEthersSigner,
  serials: readonly string[],
  leg: TemperatureLegStruct = GOOD_LEG,
): Promise<PackLeg> {
  const sent = await shipPacksFrom(rx, sender, batchId, receiver.address, serials);
  await rx.connect(receiver).receiveShipment(sent.shipment, leg);
  return sent;
}

/** What `dispense` takes to show that `serial` came to the dispenser on pack leg `leg`. */
export function claimOf(leg: PackLeg, serial: string) {
  return {
    sender: leg.shipment.sender,
    quantity: leg.shipment.quantity,
    nonce: leg.shipment.nonce,
    manifestProof: leg.manifest.proofOfPack(serial),
  };
}

/** Dispenses `serial` as `dispenser`, showing pack leg `leg`. */
export async function dispenseFrom(
  rx: Awaited<ReturnType<typeof deployFixture>>["rx"],
  dispenser: HardhatEthersSigner,
  batchId: string,
  tree: SerialTree,
  serial: string,
  leg: PackLeg,
) {
  return rx.connect(dispenser).dispense(batchId, serialToBytes32(serial), tree.proof(serial), claimOf(leg, serial));
}

/** The packs the fixtures deliver to the pharmacy (20) and to pharmacy2 (10). */
export const PHARMACY_SERIALS = SERIALS.slice(0, 20);
export const PHARMACY2_SERIALS = SERIALS.slice(20, 30);

/**
 * The EIP-712 types of a signed rejection as `SignedHandovers.sol` hashes them since issue 11 (the leg's
 * temperature summary is signed too): the shared definition of src/signing/typed-data.ts.
 */
export const REJECT_TYPES = SIGNED_TYPES.reject;

/** 60 packs in transit from the manufacturer to the distributor. */
export async function shippedFixture() {
  const base = await loadFixture(batchFixture);
  const { shipment, shipmentId } = await shipFrom(base.rx, base.manufacturer, base.batchId, base.distributor.address, 60n);
  return { ...base, shipment, shipmentId };
}

/** The distributor received the 60 packs on a good leg. */
export async function receivedFixture() {
  const base = await loadFixture(shippedFixture);
  await base.rx.connect(base.distributor).receiveShipment(base.shipment, GOOD_LEG);
  return base;
}

/** The pharmacy holds 20 saleable packs (PHARMACY_SERIALS) received from the distributor on a pack leg. */
export async function pharmacyFixture() {
  const base = await loadFixture(receivedFixture);
  const leg = await deliverPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy, PHARMACY_SERIALS);
  return { ...base, toPharmacy: leg };
}

/** The distributor received the 60 packs on a warm leg: all 60 are quarantined. */
export async function quarantinedFixture() {
  const base = await loadFixture(shippedFixture);
  await base.rx.connect(base.distributor).receiveShipment(base.shipment, WARM_LEG);
  return base;
}

/** The pharmacy received its 20 packs on a warm leg: it holds only quarantined units. */
export async function quarantinedPharmacyFixture() {
  const base = await loadFixture(receivedFixture);
  const toPharmacy = await deliverPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy, PHARMACY_SERIALS, WARM_LEG);
  return { ...base, toPharmacy };
}

/** As pharmacyFixture, and pharmacy2 also holds 10 saleable packs of the batch. */
export async function twoPharmaciesFixture() {
  const base = await loadFixture(pharmacyFixture);
  const toPharmacy2 = await deliverPacksFrom(base.rx, base.distributor, base.batchId, base.pharmacy2, PHARMACY2_SERIALS);
  return { ...base, toPharmacy2 };
}

/** As twoPharmaciesFixture, and the pharmacy dispensed pack SERIALS[0]. */
export async function dispensedFixture() {
  const base = await loadFixture(twoPharmaciesFixture);
  await dispenseFrom(base.rx, base.pharmacy, base.batchId, base.tree, SERIALS[0], base.toPharmacy);
  return base;
}

/** As batchFixture, and the admin suspended the distributor (SUSPENSION_REASON). */
export async function suspendedFixture() {
  const base = await loadFixture(batchFixture);
  await base.rx.suspendPartner(base.distributor.address, SUSPENSION_REASON);
  return base;
}

/** As batchFixture, one second past everyone's licence expiry. */
export async function licenceExpiredFixture() {
  const base = await loadFixture(batchFixture);
  await time.increaseTo(base.licenceExpiry + 1);
  return base;
}

export { commissionArgs } from "./commission-args";

/** A holding with no units and no shipments: spread it and set the counts a test expects. */
export const NO_STOCK = { saleable: 0n, quarantined: 0n, dispensed: 0n, condemned: 0n, shipments: 0n } as const;

/** A Holding as a plain object, for deep equality (compare with `{ ...NO_STOCK, ... }`). */
export function holdingRecord(h: HoldingStructOutput) {
  return {
    saleable: h.saleable,
    quarantined: h.quarantined,
    dispensed: h.dispensed,
    condemned: h.condemned,
    shipments: h.shipments,
  };
}

export { serialToBytes32 };

/** The CaseStatus enum of contracts/interfaces/RxTypes.sol, in the same order. */
export enum CaseStatus {
  Unused,
  Sealed,
  Opened,
}

/**
 * What `sealCase` and `openCase` take for a case holding `serials`: the Merkle root of the serials, built exactly
 * like a batch's serial tree, and the pack count.
 */
export function caseContentsOf(serials: readonly string[]): { contents: string; packs: bigint } {
  return { contents: SerialTree.of(serials).root, packs: BigInt(serials.length) };
}
