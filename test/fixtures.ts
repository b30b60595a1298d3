import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { IBatchRegistry } from "../typechain-types";
import type { HoldingStructOutput, TemperatureLegStruct } from "../typechain-types/contracts/RxTrace";
import { deployRxTrace } from "../src/chain/deploy";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../src/scenario/scenario";
import { SerialTree } from "../src/merkle/serial-tree";
import { batchIdOf, serialToBytes32, shipmentIdOf, type ShipmentKey } from "../src/domain/ids";

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

/** The pharmacy holds 20 saleable packs received from the distributor. */
export async function pharmacyFixture() {
  const base = await loadFixture(receivedFixture);
  const leg = await shipFrom(base.rx, base.distributor, base.batchId, base.pharmacy.address, 20n);
  await base.rx.connect(base.pharmacy).receiveShipment(leg.shipment, GOOD_LEG);
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
  await deliverFrom(base.rx, base.distributor, base.batchId, base.pharmacy, 20n, WARM_LEG);
  return base;
}

/** As pharmacyFixture, and pharmacy2 also holds 10 saleable packs of the batch. */
export async function twoPharmaciesFixture() {
  const base = await loadFixture(pharmacyFixture);
  await deliverFrom(base.rx, base.distributor, base.batchId, base.pharmacy2, 10n);
  return base;
}

/** As twoPharmaciesFixture, and the pharmacy dispensed pack SERIALS[0]. */
export async function dispensedFixture() {
  const base = await loadFixture(twoPharmaciesFixture);
  const serial = SERIALS[0];
  await base.rx.connect(base.pharmacy).dispense(base.batchId, serialToBytes32(serial), base.tree.proof(serial));
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

/** The Commission struct as an event argument: its fields in declaration order. */
export function commissionArgs(c: IBatchRegistry.CommissionStruct): unknown[] {
  return [
    c.gtin,
    c.lot,
    c.expiry,
    c.quantity,
    c.minTemp,
    c.maxTemp,
    c.serialRoot,
    c.certificateHash,
    c.certificateURI,
  ];
}

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
