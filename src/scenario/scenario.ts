/**
 * The cast and the products of the demonstration journey, shared by the tests, the gas bench and the demo:
 * one set of realistic GS1 identifiers, so every entry point tells the same story.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { makeGln, makeGtin } from "../gs1/identifiers";
import { Role } from "../domain/enums";

export interface CastMember {
  key: "manufacturer" | "otherManufacturer" | "distributor" | "distributor2" | "pharmacy" | "pharmacy2" | "regulator";
  name: string;
  role: Role;
  gln: bigint;
  /** GS1 company prefixes: a manufacturer commissions GTINs under them, any partner seals cases (SSCCs) under them. */
  prefixes: string[];
}

export const CAST: readonly CastMember[] = [
  { key: "manufacturer", name: "Acme Pharma Manufacturing", role: Role.Manufacturer, gln: makeGln("031234500001"), prefixes: ["0312345"] },
  { key: "otherManufacturer", name: "Borealis Generics", role: Role.Manufacturer, gln: makeGln("039876500001"), prefixes: ["0398765"] },
  { key: "distributor", name: "Northline Wholesale", role: Role.Distributor, gln: makeGln("061414100001"), prefixes: ["0614141"] },
  { key: "distributor2", name: "Coastal 3PL Logistics", role: Role.Distributor, gln: makeGln("061414100002"), prefixes: [] },
  { key: "pharmacy", name: "Main Street Pharmacy", role: Role.Dispenser, gln: makeGln("086000100001"), prefixes: ["0860001"] },
  { key: "pharmacy2", name: "St. Mary Hospital Pharmacy", role: Role.Dispenser, gln: makeGln("086000100002"), prefixes: [] },
  { key: "regulator", name: "State Board of Pharmacy", role: Role.Regulator, gln: makeGln("099999900001"), prefixes: [] },
];

/** The flagship product: a GTIN under Acme's prefix 0312345. */
export const GTIN = makeGtin("0312345", "00017");
export const GTIN_2 = makeGtin("0312345", "00024");
export const FOREIGN_GTIN = makeGtin("0398765", "00031");

/** 2 to 8 degrees Celsius, in tenths. */
export const COLD_CHAIN = { minTemp: 20, maxTemp: 80 } as const;

/** A 46-character CIDv0, the usual size of a certificate's IPFS address. */
export const CERTIFICATE_URI = "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
export const CERTIFICATE_HASH = keccak256(toUtf8Bytes("Certificate of origin, Acme Pharma, lot A24-0001"));

/** Serials SN000001, SN000002, ... */
export function serialRange(count: number, prefix = "SN", first = 1): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(first + i).padStart(6, "0")}`);
}
