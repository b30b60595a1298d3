/**
 * What the signed-handover commands share: exit codes and limits, the chain's clock, partner names for the
 * words of a signed file, the temperature leg from a logger file, writing a signed file with its manifest
 * (sign and cosign), and the check that a file is for this deployment.
 */
import { getAddress, type ContractTransactionReceipt } from "ethers";
import { rmSync } from "node:fs";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { partnerLabel } from "../shared/batch-lookup";
import { Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { saveManifest } from "../../files/manifest-files";
import { type Manifest } from "../../manifests/manifest";
import { batchIdOfOperation, legFields, readDomain, type LegFields } from "../../signing/typed-data";
import { describeSigned } from "../../signing/inspect";
import { type SignedDocument } from "../../signing/document";
import { writeSignedFile } from "../../files/signed-files";
import { summarizeLeg } from "../../domain/temperature";

export type Print = (line: string) => void;

/** The exit code of `rx:signed` for a well-formed file the contract would refuse now (or one still unsigned by a party). */
export const NOT_READY_EXIT_CODE = 2;
/** The deadline of a signature when `--deadline` is not given. */
export const DEFAULT_DEADLINE_SECONDS = 24 * 3600;

export const MAX_UINT32 = (1n << 32n) - 1n;
export const MAX_UINT40 = (1n << 40n) - 1n;
export const MAX_UINT48 = (1n << 48n) - 1n;
export const MAX_UINT64 = (1n << 64n) - 1n;

export const given = (value: string | undefined): value is string => value !== undefined && value !== "";

/** "allRemaining" -> "--all-remaining". */
export const flagOf = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Where the manifest of a signed ship or handover travels: next to the signed file, `ship.json` ->
 * `ship.manifest.json`. It is not part of the signed payload; its root is.
 */
export function signedManifestPath(signedFile: string): string {
  const ext = path.extname(signedFile);
  return `${ext ? signedFile.slice(0, -ext.length) : signedFile}.manifest.json`;
}

export async function chainNow(rx: RxTrace): Promise<bigint> {
  const block = await rx.runner?.provider?.getBlock("latest");
  if (!block) throw new Error("the network returned no latest block");
  return BigInt(block.timestamp);
}

/** The leg summary of a logger file against the batch's storage range, and whether it is an excursion. */
export async function legOf(rx: RxTrace, batchId: string, logger: { file: string; bytes: Buffer }): Promise<{ leg: LegFields; excursion: boolean; readings: number }> {
  const b = await rx.batch(batchId);
  const range = { minTemp: Number(b.minTemp), maxTemp: Number(b.maxTemp) };
  const summary = summarizeLeg(logger.bytes, range, logger.file);
  const excursion = summary.minTemp < range.minTemp || summary.maxTemp > range.maxTemp || summary.minutesOutOfRange > 0;
  return { leg: legFields(summary), excursion, readings: summary.readings };
}

/** Whether the leg left the batch's storage range (the units would go to quarantine). */
async function isExcursion(rx: RxTrace, batchId: string, leg: LegFields): Promise<boolean> {
  const b = await rx.batch(batchId);
  return leg.minTemp < b.minTemp || leg.maxTemp > b.maxTemp || leg.minutesOutOfRange > 0n;
}

export async function requireAuthorizedSigner(rx: RxTrace, signer: HardhatEthersSigner): Promise<void> {
  const standing = Number(await rx.standing(signer.address));
  if (standing !== Standing.Authorized) {
    throw new InputError("--signer", signer.address, `an authorized partner (${signer.address} is ${Standing[standing]}: the contract would refuse its signature)`);
  }
}

async function labels(rx: RxTrace, doc: SignedDocument): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const { sender, receiver } = doc.kind === "receive" || doc.kind === "reject" ? doc.message.shipment : doc.message;
  for (const a of [sender, receiver]) names.set(getAddress(a), await partnerLabel(rx, a));
  return names;
}

export async function describeWithNames(rx: RxTrace, doc: SignedDocument): Promise<string[]> {
  const names = await labels(rx, doc);
  const lines = describeSigned(doc, (a) => names.get(getAddress(a)) ?? a);
  if (doc.kind === "receive" || doc.kind === "handover") {
    const excursion = await isExcursion(rx, batchIdOfOperation(doc), doc.message.leg);
    lines.push(excursion ? "  EXCURSION: the units go to quarantine (a regulator releases or condemns them)" : "  within the batch's storage range: the units go to saleable stock");
  }
  return lines;
}

export interface SignResult {
  doc: SignedDocument;
  file: string;
  /** The manifest of a ship or handover of named packs, and the file it travels in (next to the signed file). */
  manifest?: Manifest;
  manifestFile?: string;
}

/**
 * Writes signed file `file` and, when given, `manifest` next to it (`signedManifestPath`): the manifest first,
 * then the signed file, so that a run that fails leaves neither and can be run again. Returns the manifest's path.
 */
export function writeWithManifest(file: string, doc: SignedDocument, manifest: Manifest | undefined): string | undefined {
  const manifestFile = manifest ? saveManifest(manifest, signedManifestPath(file)) : undefined;
  try {
    writeSignedFile(file, doc);
  } catch (error) {
    if (manifestFile) rmSync(manifestFile, { force: true });
    throw error;
  }
  return manifestFile;
}

/** Checks that a signed file names this deployment's domain. */
export async function requireThisDeployment(rx: RxTrace, doc: SignedDocument, file: string): Promise<void> {
  const domain = await readDomain(rx);
  if (doc.domain.chainId !== domain.chainId || getAddress(doc.domain.verifyingContract) !== domain.verifyingContract) {
    throw new InputError("--in", file, `a file signed for this deployment, contract ${domain.verifyingContract} on chain ${domain.chainId} (it names ${doc.domain.verifyingContract} on chain ${doc.domain.chainId})`);
  }
  if (doc.domain.name !== domain.name || doc.domain.version !== domain.version) {
    throw new InputError("--in", file, `a file for the domain "${domain.name}" version ${domain.version} (it names "${doc.domain.name}" version ${doc.domain.version})`);
  }
}

export function eventOf(rx: RxTrace, receipt: ContractTransactionReceipt, name: string) {
  for (const log of receipt.logs) {
    const parsed = rx.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`tx ${receipt.hash} emitted no ${name} event`);
}
