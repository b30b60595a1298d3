/**
 * Fixtures of a migration (issue 12): a predecessor with real state (partners and prefixes, stock at every tier, a
 * pack leg at a pharmacy with a pack dispensed, a shipment in transit, a recalled lot, a sealed case), a successor
 * deployed through the same `deployRxTrace` as every suite, the predecessor retired, and `migrate` (what `rx:migrate`
 * runs) adopting everything.
 */
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployRxTrace } from "../src/chain/deploy";
import { migrate, migrationOf, suiteMigrationAbi } from "../src/chain/migrate";
import { batchIdOf } from "../src/domain/ids";
import { makeSscc } from "../src/gs1/identifiers";
import { GTIN } from "../src/scenario/scenario";
import type { RxTrace } from "../typechain-types";
import { caseContentsOf, commissionInput, dispensedFixture, GOOD_LEG, SERIALS, shipFrom } from "./fixtures";

export const RECALLED_LOT = "R24-0002";
export const RECALL_HASH = ethers.id("recall notice, lot R24-0002");
export const RECALL_URI = "ipfs://QmRecallNoticeOfLotR240002";
/** A case the distributor sealed under its prefix 0614141, holding packs 31 to 35. */
export const CASE_SSCC = makeSscc("10614141000000001");
export const CASE_SERIALS = SERIALS.slice(30, 35);

/** The suite at `rx`'s address with the ABI of everything its fallback serves (IGovernance, IMigration). */
export function suiteAt(rx: RxTrace) {
  return new ethers.Contract(rx.target as string, suiteMigrationAbi(), rx.runner);
}

/**
 * As dispensedFixture (the pharmacy dispensed SERIALS[0] from its pack leg of 20; pharmacy2 holds 10), and: 10 units
 * in transit from the manufacturer to distributor2, a second lot recalled (class II) by the regulator, a case sealed
 * by the distributor.
 */
export async function predecessorFixture() {
  const base = await loadFixture(dispensedFixture);
  const { rx, manufacturer, distributor, distributor2, regulator } = base;
  const inTransit = await shipFrom(rx, manufacturer, base.batchId, distributor2.address, 10n);
  const { input: recalledInput } = await commissionInput({ lot: RECALLED_LOT, quantity: 50n });
  await rx.connect(manufacturer).commissionBatch(recalledInput);
  const recalledId = batchIdOf(GTIN, RECALLED_LOT);
  await shipFrom(rx, manufacturer, recalledId, distributor.address, 20n).then((s) => rx.connect(distributor).receiveShipment(s.shipment, GOOD_LEG));
  await rx.connect(regulator).recall(recalledId, 2, RECALL_HASH, RECALL_URI);
  const { contents, packs } = caseContentsOf(CASE_SERIALS);
  await rx.connect(distributor).sealCase(CASE_SSCC, base.batchId, contents, packs);
  return { ...base, inTransit, recalledId, caseContents: { contents, packs } };
}

/** A successor deployed (paused, naming the predecessor) beside predecessorFixture's suite, which is not retired yet. */
export async function successorFixture() {
  const base = await loadFixture(predecessorFixture);
  const predecessor = base.rx;
  const successor = await deployRxTrace(ethers, base.admin, { predecessor: await predecessor.getAddress() });
  return { ...base, predecessor, successor };
}

/** As successorFixture, and the predecessor's admin retired it in favour of the successor. */
export async function retiredFixture() {
  const base = await loadFixture(successorFixture);
  await migrationOf(base.predecessor.target as string, base.admin).retire(base.successor.target as string);
  return base;
}

/** As retiredFixture, `migrate` (rx:migrate) adopted everything as a stranger, and the successor's pauser unpaused it. */
export async function migratedFixture() {
  const base = await loadFixture(retiredFixture);
  const report = await migrate(base.successor.target as string, base.stranger);
  await base.successor.connect(base.admin).unpause();
  return { ...base, rx: base.successor, report };
}
