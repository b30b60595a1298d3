/**
 * Fixtures of key rotation and re-keying (issue 12): test/Recovery.test.ts and test/AttacksRecovery.test.ts.
 */
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { IRecovery__factory, type IRecovery } from "../typechain-types";
import { GTIN } from "../src/scenario/scenario";
import { batchIdOf } from "../src/domain/ids";
import { commissionInput, deliverFrom, GOOD_LEG, pharmacyFixture, shipFrom } from "./fixtures";

/** The three lots the distributor holds before it loses its key: LOT (40 saleable), and these two. */
export const MORE_LOTS = ["A24-0002", "A24-0003"] as const;

/** The suite's `IRecovery` functions (served by the second extension through the core's fallback) as `signer`. */
export async function recoveryAs(rx: { getAddress(): Promise<string> }, signer: HardhatEthersSigner): Promise<IRecovery> {
  return IRecovery__factory.connect(await rx.getAddress(), signer);
}

/** Fresh accounts no fixture onboards: the partners' new keys. */
export async function freshKeys(): Promise<HardhatEthersSigner[]> {
  const signers = await ethers.getSigners();
  return signers.slice(12, 18);
}

/**
 * The distributor holds stock in three lots (LOT: 40 after the pharmacy's 20; the two MORE_LOTS: 30 each), 25 units
 * of the second lot are in transit from the manufacturer to it, and 10 units of the third in transit from it to
 * pharmacy2. The pharmacy holds its pack leg of LOT (pharmacyFixture).
 */
export async function threeLotsFixture() {
  const base = await loadFixture(pharmacyFixture);
  const { rx, manufacturer, distributor, pharmacy2 } = base;
  const lots: string[] = [base.batchId];
  for (const lot of MORE_LOTS) {
    const { input } = await commissionInput({ lot, serialRoot: ethers.ZeroHash });
    await rx.connect(manufacturer).commissionBatch(input);
    const batchId = batchIdOf(GTIN, lot);
    await deliverFrom(rx, manufacturer, batchId, distributor, 30n, GOOD_LEG);
    lots.push(batchId);
  }
  const inbound = await shipFrom(rx, manufacturer, lots[1], distributor.address, 25n);
  const outbound = await shipFrom(rx, distributor, lots[2], pharmacy2.address, 10n);
  const [newKey, newerKey, spare, spare2] = await freshKeys();
  return { ...base, lots, inbound, outbound, newKey, newerKey, spare, spare2 };
}

/** As threeLotsFixture, and the admin re-keyed the distributor (its key lost) onto `newKey`. */
export async function rekeyedFixture() {
  const base = await loadFixture(threeLotsFixture);
  await (await recoveryAs(base.rx, base.admin)).rekeyPartner(base.distributor.address, base.newKey.address);
  return base;
}
