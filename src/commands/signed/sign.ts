/**
 * The signed-handover commands (tasks/signed.ts): sign an operation into a file, co-sign a handover, inspect a
 * signed file, submit it from any account. Each checks what it can before signing or sending, and says in
 * words why the contract would refuse a file (src/signing does the checking). This file is `rx:sign`; the
 * others are cosign.ts, inspect.ts, submit.ts and revoke.ts, with what they share in shared.ts and manifests.ts.
 *
 * A signed ship or handover may name its packs (`--serials`, `--all-remaining`, `--cases`, planned exactly as
 * `rx:ship` plans them): the manifest's root goes into the signed message, and the manifest file travels next
 * to the signed file (`ship.json` -> `ship.manifest.json`; not signed, so the signed payload stays standard
 * EIP-712). The receiver checks it before co-signing a handover, and `rx:submit` keeps it under the deployment
 * folder once the leg is on the chain, where `rx:receive`, `rx:ship --all-remaining` and `rx:verify` find it.
 */
import { getAddress, ZeroHash } from "ethers";
import { existsSync, statSync } from "node:fs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { describeBatch, parseBatchRef, requireAuthorizedPartner, type BatchRef } from "../shared/batch-lookup";
import { hashFile, parseBytes32, parseWhole, readInputFile, resolvePartner } from "../shared/cli";
import { RejectionReason, Role } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { formatGtin } from "../../gs1/identifiers";
import { type Manifest } from "../../manifests/manifest";
import { describeContents, parseSsccList, planPackShipment, readSerialList, type DeploymentContext, type PackSelection } from "../packs/selection";
import { queryEvent } from "../../chain/events/query";
import { REJECTION_REASONS, rejectionLeg, requireShipmentInTransit } from "../custody/shipments";
import { legFields, nextNonceOf, unusedHandoverNonce, partiesOf, readDomain, recoverSigner, signOperation, type SignedKind, type SignedOperation, SIGNED_KINDS } from "../../signing/typed-data";
import { isoTime } from "../../signing/inspect";
import { type SignedDocument } from "../../signing/document";
import { DEFAULT_DEADLINE_SECONDS, MAX_UINT32, MAX_UINT40, MAX_UINT48, MAX_UINT64, type Print, type SignResult, chainNow, describeWithNames, flagOf, given, legOf, requireAuthorizedSigner, writeWithManifest } from "./shared";

/** The flags of `rx:sign` that only some kinds take. */
const KIND_FLAGS = ["gtin", "lot", "batch", "to", "quantity", "manifest", "serials", "allRemaining", "cases", "shipment", "logger", "reason", "evidence"] as const;
type KindFlag = (typeof KIND_FLAGS)[number];

/** The flags each kind takes besides --kind, --deadline, --nonce and --out. */
const FLAGS_OF: Record<SignedKind, readonly KindFlag[]> = {
  ship: ["gtin", "lot", "batch", "to", "quantity", "manifest", "serials", "allRemaining", "cases"],
  handover: ["gtin", "lot", "batch", "to", "quantity", "manifest", "serials", "allRemaining", "cases", "logger"],
  receive: ["shipment", "logger"],
  reject: ["shipment", "reason", "evidence", "logger"],
};

/* -------------------------------------------------------------- deadline */

/** A deadline relative to the chain's time (`after` seconds), or a fixed unix second. */
export type DeadlineSpec = { after: number } | { at: number };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400 };

/** `--deadline`: a duration (30m, 24h, 7d) from now, or a date-time with its zone; default 24 h. */
export function parseDeadline(value: string | undefined): DeadlineSpec {
  if (!given(value)) return { after: DEFAULT_DEADLINE_SECONDS };
  const text = value.trim();
  const duration = /^(\d+)\s*(s|m|min|h|d)$/.exec(text);
  if (duration && Number(duration[1]) > 0) return { after: Number(duration[1]) * UNIT_SECONDS[duration[2]] };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) && Number.isFinite(Date.parse(text))) {
    return { at: Math.floor(Date.parse(text) / 1000) };
  }
  throw new InputError("--deadline", value, "a duration from now such as 30m, 24h or 7d, or a date-time with its zone such as 2025-06-30T18:00Z");
}

/** The deadline as a unix second, checked against the chain's time `now`. */
function resolveDeadline(spec: DeadlineSpec, now: bigint, text: string | undefined): bigint {
  const deadline = "after" in spec ? now + BigInt(spec.after) : BigInt(spec.at);
  if (deadline <= now) throw new InputError("--deadline", text ?? "", `a time after the chain's time now, ${isoTime(now)}`);
  if (deadline > MAX_UINT40) throw new InputError("--deadline", text ?? "", "a time before the year 36812 (uint40 seconds)");
  return deadline;
}

/* ------------------------------------------------------------------ sign */

export interface SignArgs {
  kind?: string;
  gtin?: string;
  lot?: string;
  batch?: string;
  to?: string;
  quantity?: string;
  manifest?: string;
  /** Ship, handover: a file of the pack serials handed over loose (one per line, or a JSON array). */
  serials?: string;
  /** Ship, handover: every pack the sender holds loose, by its serial file and the manifests at hand. */
  allRemaining?: boolean;
  /** Ship, handover: sealed cases handed over whole, SSCCs separated by commas. */
  cases?: string;
  shipment?: string;
  logger?: string;
  reason?: string;
  evidence?: string;
  deadline?: string;
  nonce?: string;
  out?: string;
}

export interface SignInput {
  kind: SignedKind;
  /** Ship and handover: the batch, by GTIN and lot or by id. */
  batch?: { batchId: string; ref?: BatchRef };
  to?: string;
  /** Units; with a pack selection, undefined unless given (then it must match the packs). */
  quantity?: bigint;
  /** The raw `--manifest` root (zero: none, or built from `packs`). */
  manifest: string;
  /** The packs and cases, planned into a manifest as `rx:ship` plans them. */
  packs?: PackSelection;
  shipmentId?: string;
  logger?: { file: string; bytes: Buffer };
  reason?: RejectionReason;
  evidence: string;
  deadline: DeadlineSpec;
  deadlineText?: string;
  nonce?: bigint;
  out: string;
}

/** Checks the flags of `rx:sign` (nothing read from the chain yet). */
export function parseSignArgs(args: SignArgs): SignInput {
  const kind = (args.kind ?? "").trim() as SignedKind;
  if (!SIGNED_KINDS.includes(kind)) throw new InputError("--kind", args.kind ?? "", `one of ${SIGNED_KINDS.join(", ")}`);
  const allowed = FLAGS_OF[kind];
  for (const flag of KIND_FLAGS) {
    const value = args[flag];
    const present = typeof value === "boolean" ? value : given(value);
    if (present && !allowed.includes(flag)) {
      throw new InputError(flagOf(flag), value, `no ${flagOf(flag)} with --kind ${kind} (it takes ${allowed.map(flagOf).join(", ")})`);
    }
  }
  if (!given(args.out)) throw new InputError("--out", args.out ?? "", "the path of the signed file to write");
  if (existsSync(args.out) && statSync(args.out).isDirectory()) throw new InputError("--out", args.out, "a file path, not a directory");
  const input: SignInput = {
    kind,
    manifest: ZeroHash,
    evidence: ZeroHash,
    deadline: parseDeadline(args.deadline),
    deadlineText: args.deadline,
    out: args.out,
  };
  const maxNonce = kind === "handover" ? MAX_UINT32 : MAX_UINT64;
  if (given(args.nonce)) input.nonce = parseWhole(args.nonce, "--nonce", 0n, maxNonce);

  if (kind === "ship" || kind === "handover") {
    if (given(args.batch)) {
      if (given(args.gtin) || given(args.lot)) throw new InputError("--batch", args.batch, "either --batch or --gtin with --lot, not both");
      input.batch = { batchId: parseBytes32(args.batch, "--batch", "a batch id") };
    } else {
      if (!given(args.gtin) && !given(args.lot)) throw new InputError("--gtin", "", "the batch: --gtin with --lot (or --batch with its id)");
      const ref = parseBatchRef(args);
      input.batch = { batchId: ref.batchId, ref };
    }
    if (!given(args.to)) throw new InputError("--to", args.to ?? "", "the receiver's address (0x…) or 13-digit GLN");
    input.to = args.to.trim();
    const allRemaining = args.allRemaining === true;
    if (allRemaining && given(args.serials)) throw new InputError("--all-remaining", true, "either --serials or --all-remaining, not both");
    const packLevel = allRemaining || given(args.serials) || given(args.cases);
    if (packLevel && given(args.manifest)) {
      throw new InputError("--manifest", args.manifest, "no --manifest with --serials, --all-remaining or --cases (they build the manifest and sign its root)");
    }
    if (packLevel) {
      input.packs = {
        serialsFile: given(args.serials) ? args.serials : undefined,
        serials: given(args.serials) ? readSerialList(args.serials, "--serials") : undefined,
        allRemaining,
        cases: given(args.cases) ? parseSsccList(args.cases, "--cases") : [],
      };
      if (given(args.quantity)) input.quantity = parseWhole(args.quantity, "--quantity", 1n, MAX_UINT48);
    } else {
      input.quantity = parseWhole(args.quantity ?? "", "--quantity", 1n, MAX_UINT48);
    }
    if (given(args.manifest)) input.manifest = parseBytes32(args.manifest, "--manifest", "Merkle root of the packs shipped", true);
  } else {
    input.shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id (see rx:shipments)");
  }
  if (kind === "receive" || kind === "handover") {
    input.logger = { file: args.logger ?? "", bytes: readInputFile(args.logger, "--logger", "the carrier's logger CSV: timestamp,celsius") };
  }
  if (kind === "reject" && given(args.logger)) {
    input.logger = { file: args.logger, bytes: readInputFile(args.logger, "--logger", "the carrier's logger CSV: timestamp,celsius") };
  }
  if (kind === "reject") {
    const word = (args.reason ?? "").trim();
    const reason = REJECTION_REASONS[word];
    if (reason === undefined) throw new InputError("--reason", args.reason ?? "", `one of ${Object.keys(REJECTION_REASONS).join(", ")}`);
    input.reason = reason;
    if (given(args.evidence)) input.evidence = hashFile(args.evidence, "--evidence");
  }
  return input;
}

/** GTIN and lot of batch `batchId`, from its `BatchCommissioned` event (undefined when none is found). */
export async function batchRefOf(rx: RxTrace, batchId: string, fromBlock: number): Promise<BatchRef | undefined> {
  const [log] = await queryEvent(rx, rx.filters.BatchCommissioned(batchId), { fromBlock, first: true });
  return log ? { batchId, gtin: log.args.batch.gtin, lot: log.args.batch.lot } : undefined;
}

/**
 * Signs the operation `input` describes as `signer` (the sender of a ship or handover, the receiver of a
 * receive or reject) and writes the signed file. Checked first: the batch or shipment, the parties' standing,
 * the sender's saleable units (and, with named packs, that it holds each pack), the logger file, the deadline
 * and the nonce. With named packs, the manifest is written next to the signed file.
 */
export async function signToFile(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: SignInput,
  print: Print = console.log,
): Promise<SignResult> {
  const fromBlock = context.fromBlock;
  const domain = await readDomain(rx);
  const now = await chainNow(rx);
  const deadline = resolveDeadline(input.deadline, now, input.deadlineText);
  await requireAuthorizedSigner(rx, signer);
  let op: SignedOperation;
  let ref: BatchRef | undefined;
  let manifest: Manifest | undefined;
  if (input.kind === "ship" || input.kind === "handover") {
    const batchId = input.batch!.batchId;
    const record = await rx.batch(batchId);
    if (record.expiry === 0n) {
      if (input.batch!.ref) {
        throw new InputError("--gtin/--lot", `${formatGtin(input.batch!.ref.gtin)} / ${input.batch!.ref.lot}`, `the GTIN and lot of a commissioned batch (no batch ${batchId} on this deployment)`);
      }
      throw new InputError("--batch", batchId, "the id of a commissioned batch of this deployment");
    }
    ref = input.batch!.ref ?? (await batchRefOf(rx, batchId, fromBlock));
    const receiver = getAddress(await resolvePartner(rx, input.to!, "--to"));
    await requireAuthorizedPartner(rx, receiver, "--to", input.to!);
    if (receiver === signer.address) throw new InputError("--to", input.to!, `another partner than the signer ${signer.address} (the sender)`);
    let quantity = input.quantity ?? 0n;
    let packs = input.packs;
    if (!packs && input.manifest === ZeroHash && BigInt(record.serialRoot) !== 0n && Number((await rx.partner(receiver)).role) === Role.Dispenser) {
      // A serialized lot reaches a dispenser only in pack legs (CustodyManifestRequired): pick the packs, as rx:ship does.
      print(`the lot is serialized and ${receiver} is a dispenser: the leg must name its packs; picking ${quantity} pack${quantity === 1n ? "" : "s"} the signer holds loose, in serial order`);
      packs = { allRemaining: false, cases: [], pick: Number(quantity) };
    }
    if (packs) {
      if (!ref) throw new Error(`batch ${batchId} is commissioned, but no BatchCommissioned event of this deployment names its GTIN and lot`);
      const plan = await planPackShipment(rx, context, { ...ref, record }, signer.address, receiver, packs, print);
      if (packs.pick !== undefined) print(`  packs: ${plan.manifest.packs.join(", ")}`);
      manifest = plan.manifest;
      if (input.quantity !== undefined && input.quantity !== BigInt(manifest.quantity)) {
        throw new InputError("--quantity", input.quantity, `${manifest.quantity}, the packs chosen: ${describeContents(manifest)} (or leave --quantity out)`);
      }
      quantity = BigInt(manifest.quantity);
    }
    const { saleable } = await rx.holding(batchId, signer.address);
    if (saleable < quantity) {
      const field = !manifest || packs?.pick !== undefined ? "--quantity" : packs?.serialsFile ? "--serials" : packs?.allRemaining ? "--all-remaining" : "--cases";
      throw new InputError(field, manifest ? `${quantity} packs` : quantity, `at most ${saleable}, the saleable units of ${ref ? describeBatch(ref) : `batch ${batchId}`} held by ${signer.address}`);
    }
    const root = manifest?.root ?? input.manifest;
    const base = { batchId, sender: signer.address, receiver, quantity, manifest: root, nonce: 0n, deadline };
    if (input.kind === "ship") op = { kind: "ship", message: base };
    else {
      const { leg, readings } = await legOf(rx, batchId, input.logger!);
      print(`logger ${input.logger!.file}: ${readings} reading${readings === 1 ? "" : "s"}, keccak256 ${leg.loggerHash}`);
      op = { kind: "handover", message: { ...base, leg, nonce: 0n } };
    }
  } else {
    const entry = await requireShipmentInTransit(rx, input.shipmentId!, fromBlock);
    if (getAddress(entry.shipment.receiver) !== signer.address) {
      throw new InputError("--signer", signer.address, `the shipment's receiver ${entry.shipment.receiver} (only it may sign its receipt or rejection)`);
    }
    ref = await batchRefOf(rx, entry.shipment.batchId, fromBlock);
    const shipment = { ...entry.shipment, sender: getAddress(entry.shipment.sender), receiver: getAddress(entry.shipment.receiver) };
    if (input.kind === "receive") {
      const { leg, readings } = await legOf(rx, shipment.batchId, input.logger!);
      print(`logger ${input.logger!.file}: ${readings} reading${readings === 1 ? "" : "s"}, keccak256 ${leg.loggerHash}`);
      op = { kind: "receive", message: { shipment, leg, nonce: 0n, deadline } };
    } else {
      const word = Object.entries(REJECTION_REASONS).find(([, r]) => r === input.reason)![0];
      const planned = await rejectionLeg(rx, shipment.batchId, input.reason!, word, input.logger);
      if (planned.summary) print(`logger ${input.logger!.file}: ${planned.summary.readings} readings, keccak256 ${planned.leg.loggerHash}`);
      else print("no temperature data (no --logger): the rejection carries the all-zero summary");
      print(planned.quarantined ? `the units will go into the sender's quarantine (${planned.why})` : `the units will go back to the sender's saleable stock (${planned.why})`);
      op = { kind: "reject", message: { shipment, reason: BigInt(input.reason!), evidence: input.evidence, leg: legFields(planned.leg), nonce: 0n, deadline } };
    }
  }

  let next: bigint;
  let nonce: bigint;
  if (op.kind === "handover") {
    // Unordered handover nonces: an unused one, random by default so that handovers signed in parallel never collide.
    const validity = await rx.MAX_HANDOVER_VALIDITY();
    if (deadline > now + validity) {
      throw new InputError("--deadline", input.deadlineText ?? "", `a handover deadline at most ${validity / 86400n} days ahead (MAX_HANDOVER_VALIDITY), before ${isoTime(now + validity)}`);
    }
    if (input.nonce !== undefined && (await rx.isHandoverNonceUsed(signer.address, input.nonce))) {
      throw new InputError("--nonce", input.nonce, `a handover nonce ${signer.address} has not used or cancelled (leave --nonce out to draw one)`);
    }
    nonce = input.nonce ?? (await unusedHandoverNonce(rx, signer.address));
    next = nonce;
  } else {
    next = await nextNonceOf(rx, op);
    nonce = input.nonce ?? next;
    if (nonce < next) throw new InputError("--nonce", input.nonce!, `at least ${signer.address}'s next signature nonce, ${next} (lower nonces are used already)`);
  }
  op = { ...op, message: { ...op.message, nonce } } as SignedOperation;
  // A signed ship or handover takes the sender's shipment count when it is submitted: the manifest carries the
  // count now, and rx:submit sets it from the Shipped / HandedOver event.

  const party = partiesOf(op)[0].party;
  const sig = await signOperation(signer, domain, op);
  const doc = { ...op, domain, batch: ref ? { gtin: ref.gtin, lot: ref.lot } : undefined, signatures: [{ party, signer: signer.address, ...sig }] } as SignedDocument;
  // The device signed what we asked for: the signature recovers to it under the contract's rule.
  if (recoverSigner(domain, doc, sig) !== signer.address) throw new Error(`the signature of ${signer.address} does not recover to it; nothing written`);
  const manifestFile = writeWithManifest(input.out, doc, manifest);

  for (const line of await describeWithNames(rx, doc)) print(line);
  if (manifest && manifestFile) {
    print(`manifest ${manifest.root}: ${describeContents(manifest)}, every pack proven in the batch`);
    print(`manifest written to ${manifestFile}: it travels with the signed file (the receiver checks it; rx:submit keeps it)`);
  } else if ((op.kind === "ship" || op.kind === "handover") && op.message.manifest !== ZeroHash) {
    print(`note: no manifest file is written for a raw --manifest root: rx:verify shows this leg as "no manifest available" unless its manifest is at hand (sign with --serials, --all-remaining or --cases instead)`);
  }
  if (nonce > next) {
    const first = `the signatures with nonces ${next} to ${nonce - 1n}`;
    print(`note: nonce ${nonce} is ahead of the next, ${next}: it is accepted only after ${first}`);
  }
  print(`signed by the ${party} ${signer.address}; wrote ${input.out}`);
  if (op.kind === "handover") print(`next: the receiver co-signs it with rx:cosign --in ${input.out} --signer <the receiver>`);
  else print(`next: anyone submits it with rx:submit --in ${input.out}`);
  return { doc, file: input.out, manifest, manifestFile };
}
