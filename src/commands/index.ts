/**
 * The logic of every command, one folder per user journey; tasks/*.ts are thin Hardhat entry points over
 * them. Node side (files, Hardhat signers). A command folder may use shared/ and the library folders (gs1,
 * domain, merkle, manifests, files, signing, chain); journeys use each other only where one builds on
 * another (custody and signed use packs/selection.ts; commission uses admin's chain clock).
 */
export * as shared from "./shared";
export * as admin from "./admin";
export * as commission from "./commission";
export * as custody from "./custody";
export * as packs from "./packs";
export * as signed from "./signed";
export * as safety from "./safety";
export * as dispense from "./dispense";
export * as verify from "./verify";
export * as vrs from "./vrs";
export * as watch from "./watch";
export * as epcis from "./epcis";
export * as settlement from "./settlement";
