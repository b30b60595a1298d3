/**
 * The EPCIS tests' story, told through the real commands on the in-process network: Acme commissions three
 * serialized lots, seals two cases and ships two pack shipments with manifests (a case and loose packs each)
 * and one lot-level shipment; Northline receives its pack shipment on a warm leg (quarantine), a regulator
 * condemns one of those units, recalls the second lot and declares the third illegitimate after a suspect hold.
 */
import hre from "hardhat";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { captureOutput, castTaskFixture, SIGNER } from "../tasks/fixtures";
import { loggerAfterTrip } from "../logger-trip";
import { tempDir } from "../tmp";
import type { ShipResult } from "../../src/commands/custody/shipments";
import { formatGln, formatSscc, makeSscc } from "../../src/gs1/identifiers";
import { CAST, serialRange } from "../../src/scenario/scenario";

export const EXAMPLES = path.join(__dirname, "..", "..", "examples");
export const GTIN_A = "00312345000172";
export const GTIN_B = "00312345000240";
export const LOTS = { one: "EP-0001", two: "EP-0002", three: "EP-0003" } as const;
export const CASE_1 = formatSscc(makeSscc("00312345000000101"));
export const CASE_2 = formatSscc(makeSscc("00312345000000102"));
export const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);

const send = (method: string, params: unknown[]) => hre.network.provider.send(method, params) as Promise<unknown>;

function listFile(dir: string, name: string, serials: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, serials.join("\n") + "\n");
  return file;
}

export async function epcisScenarioFixture() {
  const base = await castTaskFixture();
  const { result } = await captureOutput(() => tellStory());
  return { ...base, ...result };
}

async function tellStory() {
  const dir = tempDir("rx-epcis-");
  const certificate = path.join(EXAMPLES, "certificate-A24-0001.txt");
  const lots = [
    { gtin: GTIN_A, lot: LOTS.one, serials: serialRange(6, "EPA"), expiry: "291231" },
    { gtin: GTIN_B, lot: LOTS.two, serials: serialRange(4, "EPB"), expiry: "300630" },
    { gtin: GTIN_A, lot: LOTS.three, serials: serialRange(4, "EPC"), expiry: "291130" },
  ];
  for (const l of lots) {
    await hre.run("rx:commission", {
      gtin: l.gtin, lot: l.lot, expiry: l.expiry, quantity: String(l.serials.length), minTemp: "2", maxTemp: "8",
      certificate, certificateUri: "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", serials: listFile(dir, `${l.lot}.txt`, l.serials), signer: SIGNER.manufacturer,
    });
  }
  const [one, two] = lots;
  await hre.run("rx:case-seal", { sscc: CASE_1, gtin: GTIN_A, lot: LOTS.one, serials: listFile(dir, "case1.txt", one.serials.slice(0, 3)), signer: SIGNER.manufacturer });
  await hre.run("rx:case-seal", { sscc: CASE_2, gtin: GTIN_B, lot: LOTS.two, serials: listFile(dir, "case2.txt", two.serials.slice(0, 2)), signer: SIGNER.manufacturer });
  const toNorthline = (await hre.run("rx:ship", {
    gtin: GTIN_A, lot: LOTS.one, to: gln("distributor"), cases: CASE_1, serials: listFile(dir, "ship1.txt", one.serials.slice(3, 5)), signer: SIGNER.manufacturer,
  })) as ShipResult;
  const toCoastal = (await hre.run("rx:ship", {
    gtin: GTIN_B, lot: LOTS.two, to: gln("distributor2"), cases: CASE_2, serials: listFile(dir, "ship2.txt", two.serials.slice(2, 3)), signer: SIGNER.manufacturer,
  })) as ShipResult;
  const byQuantity = (await hre.run("rx:ship", { gtin: GTIN_A, lot: LOTS.three, to: gln("distributor"), quantity: "2", signer: SIGNER.manufacturer })) as ShipResult;
  await hre.run("rx:receive", { shipment: toNorthline.shipmentId, logger: await loggerAfterTrip(send, path.join(EXAMPLES, "logger-excursion.csv")), signer: SIGNER.distributor });
  await hre.run("rx:receive", { shipment: byQuantity.shipmentId, logger: await loggerAfterTrip(send, path.join(EXAMPLES, "logger-good.csv")), signer: SIGNER.distributor });
  await hre.run("rx:condemn", { gtin: GTIN_A, lot: LOTS.one, holder: gln("distributor"), quantity: "1", signer: SIGNER.regulator });
  await hre.run("rx:recall", { gtin: GTIN_B, lot: LOTS.two, class: "II", reasonUri: "https://recalls.example/EP-0002", signer: SIGNER.regulator });
  await hre.run("rx:suspect", { gtin: GTIN_A, lot: LOTS.three, reason: "label mismatch reported", signer: SIGNER.regulator });
  await hre.run("rx:illegitimate", { gtin: GTIN_A, lot: LOTS.three, reason: "counterfeit confirmed", signer: SIGNER.regulator });
  return { dir, lots, shipments: { toNorthline, toCoastal, byQuantity } };
}
