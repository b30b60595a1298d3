/**
 * The fixed world the property tests play in: a small set of actors, the batches they may commission
 * (2 lots of 3 GTINs) with 8 serials each, the GLNs onboarding may use, and the time grid.
 *
 * Time: every deadline the tests set (licences, batch expiries) lies half a day off the grid
 * `epoch + k days`, and time only travels in whole days, so the few seconds each block adds never move
 * the chain's clock across a deadline. The model therefore knows, exactly, which side of every deadline
 * the next block is on.
 */
import { id } from "ethers";
import { makeGln } from "../../src/gs1/identifiers";
import { batchIdOf, serialToBytes32 } from "../../src/domain/ids";
import { CAST, FOREIGN_GTIN, GTIN, GTIN_2, type CastMember } from "../../src/scenario/scenario";
import { SerialTree } from "../../src/merkle/serial-tree";

export const DAY = 24n * 60n * 60n;
export const HALF_DAY = DAY / 2n;

/** Everyone who signs in the sequences, in the order of the network's accounts. */
export const ACTORS = [
  "admin",
  "pauser",
  "manufacturer",
  "otherManufacturer",
  "distributor",
  "distributor2",
  "pharmacy",
  "pharmacy2",
  "regulator",
  "stranger",
  "suspendedDistributor",
  "lapsedPharmacy",
  "newcomer",
] as const;
export type Actor = (typeof ACTORS)[number];

/** The cast members of src/scenario/scenario.ts, by name. */
export const CAST_BY_KEY: ReadonlyMap<string, CastMember> = new Map(CAST.map((m) => [m.key, m]));

/** Who holds which GS1 company prefix after the fixture (src/scenario/scenario.ts). */
export const PREFIX_OWNERS: readonly { prefix: string; owner: Actor }[] = CAST.flatMap((m) =>
  m.prefixes.map((prefix) => ({ prefix, owner: m.key as Actor })),
);

/** GTINs the sequences commission: two of Acme's, one of Borealis', and one with a wrong check digit. */
export const GTINS = { A: GTIN, B: GTIN_2, F: FOREIGN_GTIN, bad: GTIN + 1n } as const;
export type GtinChoice = keyof typeof GTINS;
export const LOTS = { L1: "L1", L2: "L2", bad: "L 1" } as const;
export type LotChoice = keyof typeof LOTS;

export const SERIALS_PER_BATCH = 8;

/** One of the six batches a sequence may commission, with its own serial tree. */
export interface BatchSlot {
  name: string;
  gtin: bigint;
  lot: string;
  batchId: string;
  serials: readonly string[];
  /** 32-byte serials, as the contract takes them. */
  serials32: readonly string[];
  tree: SerialTree;
}

function makeSlot(g: "A" | "B" | "F", l: "L1" | "L2"): BatchSlot {
  const serials = Array.from({ length: SERIALS_PER_BATCH }, (_, i) => `${g}${l}-${String(i + 1).padStart(4, "0")}`);
  return {
    name: `${g}/${l}`,
    gtin: GTINS[g],
    lot: LOTS[l],
    batchId: batchIdOf(GTINS[g], LOTS[l]),
    serials,
    serials32: serials.map(serialToBytes32),
    tree: SerialTree.of(serials),
  };
}

export const SLOTS: readonly BatchSlot[] = (["A", "B", "F"] as const).flatMap((g) =>
  (["L1", "L2"] as const).map((l) => makeSlot(g, l)),
);
export type SlotIndex = number;

/** A serial that no batch commits to. */
export const FORGED_SERIAL = "FORGED-0001";
export const FORGED_SERIAL32 = serialToBytes32(FORGED_SERIAL);

export function slotOfGtinLot(gtin: bigint, lot: string): BatchSlot | undefined {
  return SLOTS.find((s) => s.gtin === gtin && s.lot === lot);
}

export function slotOfBatchId(batchId: string): BatchSlot | undefined {
  return SLOTS.find((s) => s.batchId === batchId.toLowerCase());
}

/** GLNs onboarding may use: the cast's, the two the fixture gives its extra partners, two free ones, one invalid. */
export const FRESH_GLNS = {
  suspendedDistributor: makeGln("077777700001"),
  lapsedPharmacy: makeGln("077777700002"),
  free1: makeGln("077777700003"),
  free2: makeGln("077777700004"),
} as const;
export const INVALID_GLN = FRESH_GLNS.free2 + 1n;
export const GLN_POOL: readonly bigint[] = [
  ...CAST.map((m) => m.gln),
  FRESH_GLNS.suspendedDistributor,
  FRESH_GLNS.lapsedPharmacy,
  FRESH_GLNS.free1,
  FRESH_GLNS.free2,
  INVALID_GLN,
];

export const LICENCE_REF = id("property test licence");
export const SUSPENSION_REASON = id("property test suspension");
export const CERTIFICATE_HASH = id("property test certificate of origin");
export const CERTIFICATE_URI = "ipfs://QmPropertyTestCertificate";
export const RECALL_REASON = id("property test recall notice");
export const RECALL_URI = "https://recalls.example/property";
export const SAFETY_REASON = id("property test safety reason");
export const EVIDENCE = id("property test evidence");
export const PARTNER_NAME = "Newco Pharma Logistics";

/** Licence lifetimes (days after the epoch) the fixture gives the cast: two of them lapse within the run. */
export const CAST_LICENCE_DAYS: Readonly<Record<CastMember["key"], number>> = {
  manufacturer: 600,
  otherManufacturer: 600,
  distributor: 600,
  distributor2: 40,
  pharmacy: 600,
  pharmacy2: 90,
  regulator: 600,
};

/** A deadline `days` whole days after the model's current day, half a day off the grid. */
export function deadline(epoch: bigint, day: number, days: number): bigint {
  return epoch + BigInt(day + days) * DAY + HALF_DAY;
}
