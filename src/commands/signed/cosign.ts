/** `rx:cosign`: the receiver of a handover checks the signed file (and its manifest) and adds its signature. */
import { getAddress, ZeroHash } from "ethers";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { readInputFile } from "../shared/cli";
import { formatCelsius } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { describeContents, type DeploymentContext } from "../packs/selection";
import { recoverSigner, signOperation, type LegFields } from "../../signing/typed-data";
import { isoTime } from "../../signing/inspect";
import { type SignedDocument } from "../../signing/document";
import { readSignedFile } from "../../files/signed-files";
import { type LegDocument, type ManifestAtHand, checkSignedManifest, manifestAtHand, parseManifestArg } from "./manifests";
import { type Print, type SignResult, chainNow, describeWithNames, given, legOf, requireAuthorizedSigner, requireThisDeployment, signedManifestPath, writeWithManifest } from "./shared";

/**
 * The receiver's check of a handover's manifest before it co-signs: the file at hand must be the signed
 * root's, every pack proven in the batch. Refuses (an InputError on --manifest) when the file is missing or
 * wrong, unless `acceptMismatch`, which prints each problem and goes on. Returns the manifest when it holds.
 */
async function requireHandoverManifest(
  rx: RxTrace,
  context: DeploymentContext,
  doc: LegDocument,
  input: CosignInput,
  print: Print,
): Promise<ManifestAtHand | undefined> {
  const root = doc.message.manifest;
  const atHand = manifestAtHand(input.in, input.manifest);
  const refuse = (value: string, problems: string[]) =>
    new InputError("--manifest", value, `${problems.join("; ")} (nothing was co-signed: ask the sender for the right file, or co-sign anyway with --accept-mismatch)`);
  if (!atHand) {
    const problem = `the handover's manifest file: the handover signs manifest ${root}, and none was given with --manifest or found at ${signedManifestPath(input.in)}`;
    if (!input.acceptMismatch) throw refuse("", [problem]);
    print(`MISMATCH accepted (--accept-mismatch): no manifest at hand for manifest ${root}`);
    return undefined;
  }
  const { manifest, problems } = await checkSignedManifest(rx, context, doc, atHand.manifest);
  if (problems.length > 0) {
    if (!input.acceptMismatch) throw refuse(atHand.file, problems);
    for (const problem of problems) print(`MISMATCH accepted (--accept-mismatch): ${atHand.file}: ${problem}`);
    return undefined;
  }
  print(`manifest ${atHand.file}: ${describeContents(manifest)}, root ${manifest.root} as signed; every pack proven in the batch`);
  return { file: atHand.file, manifest };
}

/* ---------------------------------------------------------------- cosign */

export interface CosignArgs {
  in?: string;
  out?: string;
  logger?: string;
  /** The handover's manifest file (default: the one next to --in). */
  manifest?: string;
  /** Co-sign even when the manifest is missing or does not match. */
  acceptMismatch?: boolean;
}

export interface CosignInput {
  in: string;
  out: string;
  doc: SignedDocument;
  logger?: { file: string; bytes: Buffer };
  manifest?: ManifestAtHand;
  acceptMismatch: boolean;
}

export function parseCosignArgs(args: CosignArgs): CosignInput {
  const doc = readSignedFile(args.in, "--in");
  if (doc.kind !== "handover") throw new InputError("--in", args.in, `a handover file (this one is a signed ${doc.kind}; only handovers are co-signed)`);
  if (given(args.out) && existsSync(args.out) && statSync(args.out).isDirectory()) throw new InputError("--out", args.out, "a file path, not a directory");
  const logger = given(args.logger) ? { file: args.logger, bytes: readInputFile(args.logger, "--logger", "the carrier's logger CSV") } : undefined;
  const manifest = parseManifestArg(args.manifest, doc);
  return { in: args.in!, out: given(args.out) ? args.out : args.in!, doc, logger, manifest, acceptMismatch: args.acceptMismatch === true };
}

/**
 * The receiver co-signs a handover the sender signed: only when the sender's signature matches the fields,
 * (with --logger) when the leg summary is that of the receiver's copy of the logger file, and, when the
 * handover carries a manifest, when its file holds (see `requireHandoverManifest`).
 */
export async function cosignFile(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: CosignInput,
  print: Print = console.log,
): Promise<SignResult> {
  const doc = input.doc;
  if (doc.kind !== "handover") throw new InputError("--in", input.in, "a handover file");
  await requireThisDeployment(rx, doc, input.in);
  const m = doc.message;
  if (getAddress(m.receiver) !== signer.address) {
    throw new InputError("--signer", signer.address, `the handover's receiver ${m.receiver} (only it co-signs)`);
  }
  const bySender = doc.signatures.find((s) => s.party === "sender")!;
  const recovered = recoverSigner(doc.domain, doc, bySender);
  if (recovered !== getAddress(m.sender)) {
    throw new InputError("--in", input.in, `a handover whose sender's signature matches its fields (it recovers to ${recovered}, not the sender ${m.sender}: the file was changed after the sender signed; do not co-sign it)`);
  }
  if (input.logger) {
    const { leg } = await legOf(rx, m.batchId, input.logger);
    const same = (Object.keys(leg) as (keyof LegFields)[]).every((k) => leg[k] === m.leg[k]);
    if (!same) {
      throw new InputError("--logger", input.logger.file, `the logger file the sender summarised (keccak256 ${m.leg.loggerHash}, min ${formatCelsius(m.leg.minTemp)}, max ${formatCelsius(m.leg.maxTemp)}, ${m.leg.minutesOutOfRange} minutes out of range); this one hashes to ${leg.loggerHash}`);
    }
    print(`logger ${input.logger.file}: matches the signed summary`);
  }
  const checked = m.manifest !== ZeroHash ? await requireHandoverManifest(rx, context, doc, input, print) : undefined;
  await requireAuthorizedSigner(rx, signer);
  const now = await chainNow(rx);
  if (now > m.deadline) throw new InputError("--in", input.in, `a handover whose deadline has not passed (it passed at ${isoTime(m.deadline)}; the sender signs again)`);
  if (await rx.isHandoverNonceUsed(m.sender, m.nonce)) {
    throw new InputError("--in", input.in, `a handover whose nonce ${m.nonce} the sender has not used or cancelled (it was submitted or cancelled already)`);
  }
  // A sender's cancellation of any handover with this nonce (a decoy's too) voids this one once completed: asked a
  // day ahead, it could be completed the moment after delivery, before the receiver submits (docs/limitations.md).
  const asked = (await rx.queryFilter(rx.filters.HandoverCancelRequested(undefined, m.sender))).find((e) => e.args.nonce === m.nonce);
  if (asked) {
    throw new InputError("--in", input.in, `a handover whose nonce ${m.nonce} the sender has not asked to cancel (it asked in block ${asked.blockNumber}, for handover ${asked.args.digest}, and can void every handover with this nonce from ${isoTime(asked.args.effectiveAt)} on, before you submit: do not co-sign it; ask the sender to sign again with another nonce)`);
  }
  const validity = await rx.MAX_HANDOVER_VALIDITY();
  if (m.deadline > now + validity) {
    throw new InputError("--in", input.in, `a handover whose deadline is at most ${validity / 86400n} days ahead (it is ${isoTime(m.deadline)}: the contract would refuse it, SignatureDeadlineTooFar)`);
  }

  const sig = await signOperation(signer, doc.domain, doc);
  const cosigned: SignedDocument = { ...doc, signatures: [bySender, { party: "receiver", signer: signer.address, ...sig }] };
  // The checked manifest travels next to the co-signed file, where rx:submit looks for it.
  const beside = signedManifestPath(input.out);
  const copied = writeWithManifest(input.out, cosigned, checked && path.resolve(checked.file) !== path.resolve(beside) ? checked.manifest : undefined);
  for (const line of await describeWithNames(rx, cosigned)) print(line);
  print(`co-signed by the receiver ${signer.address}; wrote ${input.out}${copied ? ` and its manifest ${copied}` : ""}`);
  print(`next: anyone submits it with rx:submit --in ${input.out}`);
  return { doc: cosigned, file: input.out, manifest: checked?.manifest, manifestFile: checked ? beside : undefined };
}
