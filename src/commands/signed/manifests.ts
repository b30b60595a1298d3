/**
 * The manifest that travels next to a signed ship or handover (`ship.json` -> `ship.manifest.json`): found or
 * named, checked against the leg the signed file describes before anyone co-signs or submits it.
 */
import { getAddress, ZeroHash } from "ethers";
import { existsSync } from "node:fs";
import type { RxTrace } from "../../../typechain-types";
import { units } from "../shared/batch-lookup";
import { InputError } from "../../domain/errors";
import { shipmentIdOf } from "../../domain/ids";
import { loadManifest } from "../../files/manifest-files";
import { withNonce, type Manifest } from "../../manifests/manifest";
import { checkReceivedManifest, type DeploymentContext } from "../packs/selection";
import type { LegFact } from "../../domain/provenance";
import { type SignedDocument } from "../../signing/document";
import { given, signedManifestPath } from "./shared";

/* -------------------------------------------------------------- manifests */

export type LegDocument = Extract<SignedDocument, { kind: "ship" | "handover" }>;

export const isLeg = (doc: SignedDocument): doc is LegDocument => doc.kind === "ship" || doc.kind === "handover";

/** A manifest file read for a signed ship or handover. */
export interface ManifestAtHand {
  file: string;
  manifest: Manifest;
}

/**
 * Reads `--manifest` (a manifest file) for the signed file `doc`: refused for a file that carries no manifest
 * root, where there is nothing to check it against.
 */
export function parseManifestArg(value: string | undefined, doc: SignedDocument): ManifestAtHand | undefined {
  if (!given(value)) return undefined;
  if (!isLeg(doc)) throw new InputError("--manifest", value, `nothing: a signed ${doc.kind} carries no manifest (only a ship or a handover does)`);
  if (doc.message.manifest === ZeroHash) throw new InputError("--manifest", value, `nothing: the signed ${doc.kind} carries no manifest root (it is batch level)`);
  return { file: value, manifest: loadManifest(value, "--manifest") };
}

/** The manifest of signed file `signedFile`: the one given with --manifest, or the one travelling next to it. */
export function manifestAtHand(signedFile: string, explicit: ManifestAtHand | undefined): ManifestAtHand | undefined {
  if (explicit) return explicit;
  const file = signedManifestPath(signedFile);
  return existsSync(file) ? { file, manifest: loadManifest(file, "--manifest") } : undefined;
}

/**
 * The leg a signed ship or handover becomes once submitted, as if it were the batch's latest: either takes the
 * sender's shipment count at submission (its count now) as its shipment nonce (a handover's signed nonce is its
 * own, unordered).
 */
async function pendingLegOf(rx: RxTrace, doc: LegDocument): Promise<LegFact> {
  const m = doc.message;
  const nonce = (await rx.holding(m.batchId, m.sender)).shipments;
  const latest = (await rx.runner?.provider?.getBlockNumber()) ?? 0;
  return {
    shipmentId: shipmentIdOf({ batchId: m.batchId, sender: m.sender, receiver: m.receiver, quantity: m.quantity, nonce }),
    kind: doc.kind === "handover" ? "handover" : "shipment",
    sender: getAddress(m.sender),
    receiver: getAddress(m.receiver),
    quantity: m.quantity,
    nonce: Number(nonce),
    block: latest + 1,
    logIndex: 0,
    tx: "(not submitted yet)",
    manifest: m.manifest === ZeroHash ? undefined : m.manifest,
    settlement: doc.kind === "handover" ? "handed-over" : "in-transit",
  };
}

/**
 * Problems of manifest `m` as the manifest of the signed ship or handover `doc`: its fields against the signed
 * ones, then the checks `rx:receive` makes before receiving (packs proven in the batch, root, count, id, cases
 * sealed), with the signed leg standing in for the chain's. The manifest comes back with the shipment nonce the
 * leg would take now.
 */
export async function checkSignedManifest(rx: RxTrace, context: DeploymentContext, doc: LegDocument, m: Manifest): Promise<{ manifest: Manifest; problems: string[] }> {
  const leg = await pendingLegOf(rx, doc);
  const manifest = m.nonce !== leg.nonce ? withNonce(m, leg.nonce) : m;
  const signed = doc.message;
  const what = doc.kind === "handover" ? "the signed handover" : "the signed shipment";
  const fields: string[] = [];
  if (manifest.batchId.toLowerCase() !== signed.batchId.toLowerCase()) fields.push(`batchId: ${manifest.batchId}, but ${what} moves batch ${signed.batchId}`);
  if (getAddress(manifest.sender) !== getAddress(signed.sender)) fields.push(`sender: ${manifest.sender}, but ${what} is from ${getAddress(signed.sender)}`);
  if (getAddress(manifest.receiver) !== getAddress(signed.receiver)) fields.push(`receiver: ${manifest.receiver}, but ${what} is to ${getAddress(signed.receiver)}`);
  if (BigInt(manifest.quantity) !== signed.quantity) fields.push(`quantity: ${manifest.quantity}, but ${what} moves ${units(signed.quantity)}`);
  const checked = await checkReceivedManifest(rx, context, manifest, leg.shipmentId, signed.batchId, leg);
  if (fields.length === 0) return { manifest, problems: checked };
  // The fields say why the ids differ: the chain checks' id lines would only repeat it, and their root check
  // needs the ids to match.
  if (manifest.root.toLowerCase() !== signed.manifest.toLowerCase()) fields.push(`root: ${manifest.root}, but ${what} signs manifest ${signed.manifest}`);
  return { manifest, problems: [...fields, ...checked.filter((p) => !p.startsWith("shipmentId:"))] };
}
