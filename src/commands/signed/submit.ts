/** `rx:submit`: any account sends a signed file; a leg's manifest is kept under the deployment folder once on-chain. */
import { ZeroHash, type ContractTransactionReceipt } from "ethers";
import { rmSync } from "node:fs";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { units } from "../shared/batch-lookup";
import { revertData, sendAndReport } from "../shared/cli";
import { InputError } from "../../domain/errors";
import { manifestPath, pendingManifestPath, saveManifest } from "../../files/manifest-files";
import { withNonce, type Manifest } from "../../manifests/manifest";
import { describeContents, type DeploymentContext } from "../packs/selection";
import { type SignedKind } from "../../signing/typed-data";
import { sendSigned, type SignedDocument } from "../../signing/document";
import { type ManifestAtHand, checkSignedManifest, isLeg, manifestAtHand, parseManifestArg } from "./manifests";
import { inspectFile, parseInArgs } from "./inspect";
import { type Print, describeWithNames, eventOf, signedManifestPath } from "./shared";

/* ---------------------------------------------------------------- submit */

export interface SubmitResult {
  kind: SignedKind;
  receipt: ContractTransactionReceipt;
  /** The shipment id (ship), the settled shipment (receive, reject) or the handover id. */
  id: string;
  excursion?: boolean;
  /** A rejection: whether the units went into the sender's quarantine (the Rejected event's `quarantined`). */
  quarantined?: boolean;
  /** Where the leg's manifest was kept under the deployment folder (a ship or handover of named packs). */
  manifestFile?: string;
}

export interface SubmitArgs {
  in?: string;
  /** The manifest of a signed ship or handover (default: the one next to --in). */
  manifest?: string;
}

export interface SubmitInput {
  file: string;
  doc: SignedDocument;
  manifest?: ManifestAtHand;
}

/** Reads the signed file of `--in` and the manifest of `--manifest` (nothing read from the chain yet). */
export function parseSubmitArgs(args: SubmitArgs): SubmitInput {
  const { file, doc } = parseInArgs(args);
  return { file, doc, manifest: parseManifestArg(args.manifest, doc) };
}

/**
 * The manifest of a signed ship or handover to keep once it is on the chain: the file at hand, checked against
 * the signed fields and the chain. A file that does not hold is not kept (the signatures, not the file, decide
 * the submission); the problems are printed.
 */
async function manifestToKeep(rx: RxTrace, context: DeploymentContext, input: SubmitInput, print: Print): Promise<Manifest | undefined> {
  const doc = input.doc;
  if (!isLeg(doc) || doc.message.manifest === ZeroHash) return undefined;
  const atHand = manifestAtHand(input.file, input.manifest);
  if (!atHand) {
    print(`note: no manifest file at hand (none given with --manifest, none at ${signedManifestPath(input.file)}): rx:verify shows this leg as "no manifest available" until its manifest is kept`);
    return undefined;
  }
  const { manifest, problems } = await checkSignedManifest(rx, context, doc, atHand.manifest);
  if (problems.length === 0) return manifest;
  print(`manifest ${atHand.file} does not match the signed ${doc.kind}: it will not be kept`);
  for (const problem of problems) print(`  - ${problem}`);
  return undefined;
}

/**
 * Submits a signed file from `submitter`, any account: refused before sending (nothing is spent) when the
 * contract would refuse the signatures; the contract still decides custody, whose refusals come back decoded.
 * A ship or handover of named packs: once mined, its manifest is kept under the deployment folder as
 * `manifests/<shipment or handover id>.json` (while the transaction is out, under `manifests/pending/`).
 */
export async function submitFile(
  rx: RxTrace,
  submitter: HardhatEthersSigner,
  context: DeploymentContext,
  input: SubmitInput,
  print: Print = console.log,
): Promise<SubmitResult> {
  const { doc, inspection } = await inspectFile(rx, input, context.fromBlock);
  if (!inspection.ready) throw new InputError("--in", input.file, `a signed file the contract accepts now, but ${inspection.problems.join("; ")}`);
  for (const line of await describeWithNames(rx, doc)) print(line);
  const manifest = await manifestToKeep(rx, context, input, print);
  if (manifest) print(`manifest ${manifest.root}: ${describeContents(manifest)}, every pack proven in the batch`);
  print(`submitting from ${submitter.address} (anyone may: the contract acts for the signer${doc.kind === "handover" ? "s" : ""})`);
  // As rx:ship does: the planned manifest waits under manifests/pending/ while the transaction is out, so that
  // a command that dies after sending leaves it behind; a refusal (nothing mined) removes it.
  const pending = manifest ? saveManifest(manifest, pendingManifestPath(context.network, manifest.shipmentId)) : undefined;
  let receipt: ContractTransactionReceipt;
  try {
    receipt = await sendAndReport(`submit ${doc.kind}`, sendSigned(rx.connect(submitter), doc), print);
  } catch (error) {
    if (pending) {
      if (revertData(error)) rmSync(pending, { force: true });
      else print(`the planned manifest is kept at ${path.relative(process.cwd(), pending)}: if the ${doc.kind} went out, it is its manifest`);
    }
    throw error;
  }
  /** Keeps the manifest of leg `id` (whose sender's shipment nonce was `nonce`) under the deployment folder. */
  const keep = (id: string, nonce: bigint): string | undefined => {
    if (!manifest) return undefined;
    const mined = BigInt(manifest.nonce) === nonce ? manifest : withNonce(manifest, Number(nonce));
    if (mined.shipmentId.toLowerCase() !== id.toLowerCase()) {
      print(`the manifest names leg ${mined.shipmentId}, but the transaction made ${id}: it was not kept (the planned one is at ${pending})`);
      return undefined;
    }
    const file = saveManifest({ ...mined, transactionHash: receipt.hash }, manifestPath(context.network, id));
    if (pending) rmSync(pending, { force: true });
    print(`manifest kept at ${path.relative(process.cwd(), file)}`);
    return file;
  };
  switch (doc.kind) {
    case "ship": {
      const e = eventOf(rx, receipt, "Shipped");
      print(`shipment ${e.args.shipmentId} nonce ${e.args.nonce}${e.args.isReturn ? " (a return)" : ""}: ${units(doc.message.quantity)} in transit`);
      if (doc.message.manifest !== ZeroHash) print(`manifest ${doc.message.manifest} committed`);
      const manifestFile = keep(e.args.shipmentId as string, e.args.nonce as bigint);
      print(`the receiver settles it with rx:receive (or rx:sign --kind receive) --shipment ${e.args.shipmentId}`);
      return { kind: doc.kind, receipt, id: e.args.shipmentId as string, manifestFile };
    }
    case "receive": {
      const e = eventOf(rx, receipt, "Received");
      print(`shipment ${e.args.shipmentId} received by ${e.args.receiver}${e.args.excursion ? " into quarantine" : ""}`);
      return { kind: doc.kind, receipt, id: e.args.shipmentId as string, excursion: e.args.excursion as boolean };
    }
    case "reject": {
      const e = eventOf(rx, receipt, "Rejected");
      const where = e.args.quarantined ? "into its quarantine" : "into its saleable stock";
      print(`shipment ${e.args.shipmentId} rejected by ${e.args.receiver}: ${units(doc.message.shipment.quantity)} back to ${e.args.sender}, ${where}`);
      return { kind: doc.kind, receipt, id: e.args.shipmentId as string, quarantined: e.args.quarantined as boolean };
    }
    case "handover": {
      const e = eventOf(rx, receipt, "HandedOver");
      print(`handover ${e.args.handoverId}: ${units(doc.message.quantity)} from ${e.args.sender} to ${e.args.receiver}${e.args.excursion ? " into quarantine" : ""} (shipment nonce ${e.args.nonce})`);
      const manifestFile = keep(e.args.handoverId as string, e.args.nonce as bigint);
      return { kind: doc.kind, receipt, id: e.args.handoverId as string, excursion: e.args.excursion as boolean, manifestFile };
    }
  }
}
