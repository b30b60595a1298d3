/**
 * The pharmacy's dispense command: one pack, named by its GS1 Digital Link or by GTIN, lot and serial. The
 * serial's Merkle proof comes from the batch's serial file (deployments/<network>/serials/<batchId>.json);
 * a serial that is not in the file, or a link whose expiry disagrees with the batch, is refused before
 * anything is sent.
 *
 * The pack rule (issue 11): the dispenser shows the contract the pack leg that brought the pack to it (the
 * leg's sender, quantity and nonce) and the pack's proof in that leg's manifest. The command finds the leg
 * itself: the latest leg of the batch the dispenser received whose manifest (kept under
 * deployments/<network>/manifests/, checked against the chain) lists the pack loose. It refuses before sending,
 * in words, when no such leg exists, when the leg was received into quarantine, and when the dispenser shipped
 * a leg of the batch since (the contract's DispenseLegShippedOn).
 */
import path from "node:path";
import { ZeroAddress, type ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { describeBatch, partnerLabel, parseBatchRef, requireBatch, type BatchRef, type KnownBatch } from "../shared/batch-lookup";
import { identityOfAccount } from "../admin/recovery";
import { sendAndReport } from "../shared/cli";
import { InputError } from "../../domain/errors";
import { Role, ShipmentStatus } from "../../domain/enums";
import { expiryToYYMMDD, formatDigitalLink, parseDigitalLink, parseSerial } from "../../gs1/identifiers";
import { batchIdOf, serialToBytes32 } from "../../domain/ids";
import { loadSerialTree, serialFilePath } from "../../files/serial-files";
import { manifestPath } from "../../files/manifest-files";
import { deploymentsDir } from "../../chain/deployment";
import { ManifestTree, type Manifest } from "../../manifests/manifest";
import type { LegFact } from "../../domain/provenance";
import { packLedger, type DeploymentContext } from "../packs/selection";

type Print = (line: string) => void;

export interface DispenseArgs {
  link?: string;
  gtin?: string;
  lot?: string;
  serial?: string;
}

export interface DispenseInput extends BatchRef {
  serial: string;
  /** The flag the serial came from, for messages. */
  serialField: string;
  /** The link, when the pack was given by its Digital Link. */
  link?: string;
  /** AI (17) of the link, YYMMDD. */
  expiry?: string;
}

const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

export function parseDispenseArgs(args: DispenseArgs): DispenseInput {
  const parts = [args.gtin, args.lot, args.serial].filter(given).length;
  if (given(args.link)) {
    if (parts > 0) throw new InputError("--link", args.link, "either --link or --gtin --lot --serial, not both");
    const pack = parseDigitalLink(args.link.trim(), "--link");
    return { gtin: pack.gtin, lot: pack.lot, batchId: batchIdOf(pack.gtin, pack.lot), serial: pack.serial, serialField: "--link (21)", link: args.link.trim(), expiry: pack.expiry };
  }
  if (parts === 0) throw new InputError("--link", args.link ?? "", "the pack's GS1 Digital Link, or --gtin --lot --serial");
  const ref = parseBatchRef(args);
  if (!given(args.serial)) throw new InputError("--serial", args.serial ?? "", "the pack's serial (AI 21)");
  return { ...ref, serial: parseSerial(args.serial.trim(), "--serial"), serialField: "--serial" };
}

/** What `dispense` takes besides the serial's proof: the pack leg that brought the pack, and its manifest proof. */
export interface PackClaim {
  sender: string;
  quantity: bigint;
  nonce: bigint;
  manifestProof: string[];
}

/** The leg that brought the pack to the dispenser, its manifest, and the claim built from them. */
export interface FoundClaim {
  leg: LegFact;
  manifest: Manifest;
  claim: PackClaim;
}

/**
 * The pack claim for `serial` by `dispenser`: the latest leg of the batch it received (a shipment it received
 * or a co-signed handover to it) whose manifest lists the pack loose, checked against the contract's record of
 * the leg. Every refusal names the serial, the dispenser and the leg, and says why in words.
 */
export async function findPackClaim(
  rx: RxTrace,
  context: DeploymentContext,
  batch: KnownBatch,
  dispenser: string,
  serial: string,
  /** Also refuse, in words, what the contract would refuse about the leg (a dispense does; a verification lets the contract say). */
  preflight = true,
): Promise<FoundClaim> {
  const ledger = await packLedger(rx, context, batch, dispenser);
  const me = dispenser.toLowerCase();
  const received = ledger.facts.legs.filter((l) => l.receiver.toLowerCase() === me && (l.settlement === "received" || l.settlement === "handed-over"));
  const packLegs = received.filter((l) => l.manifest !== undefined).reverse();
  const manifestOf = (leg: LegFact) => ledger.manifests.find((m) => m.shipmentId.toLowerCase() === leg.shipmentId.toLowerCase());
  const who = `${dispenser}`;
  let found: { leg: LegFact; manifest: Manifest } | undefined;
  let inCase: { leg: LegFact; sscc: string } | undefined;
  const missing: LegFact[] = [];
  for (const leg of packLegs) {
    const manifest = manifestOf(leg);
    if (!manifest) {
      missing.push(leg);
      continue;
    }
    if (manifest.packs.includes(serial)) {
      found = { leg, manifest };
      break;
    }
    const sealed = manifest.cases.find((c) => c.packs.includes(serial));
    if (sealed && !inCase) inCase = { leg, sscc: sealed.sscc };
  }
  if (!found) {
    if (inCase) {
      throw new InputError(
        "--serial",
        serial,
        `a pack ${who} received loose: it came in sealed case ${inCase.sscc} of ${inCase.leg.kind} ${inCase.leg.shipmentId}, and the contract proves ` +
          `only packs a leg's manifest lists loose (DispensePackNotInLeg); a dispenser receives packs loose to dispense them`,
      );
    }
    const kept = missing.map((l) => path.relative(process.cwd(), manifestPath(context.network, l.shipmentId)));
    const why =
      packLegs.length === 0
        ? `${who} received no pack leg of ${describeBatch(batch)} (${received.length} lot-level leg${received.length === 1 ? "" : "s"}): a serialized lot reaches a dispenser only in legs that name their packs`
        : missing.length === packLegs.length
          ? `the manifests of the ${packLegs.length} pack leg${packLegs.length === 1 ? "" : "s"} ${who} received are not at hand (${kept.join(", ")})`
          : `none of the manifests of the pack legs ${who} received lists it${missing.length > 0 ? ` (${missing.length} more not at hand: ${kept.join(", ")})` : ""}`;
    throw new InputError("--serial", serial, `a pack in the custody of the dispenser ${who}: ${why}; do not dispense a pack that did not come to you`);
  }
  const { leg, manifest } = found;
  const tree = ManifestTree.of(manifest.packs, manifest.cases.map((c) => BigInt(c.sscc)));
  if (tree.root.toLowerCase() !== manifest.root.toLowerCase()) throw new Error(`the manifest of ${leg.shipmentId} does not rebuild to its root ${manifest.root}`);
  const claim = { leg, manifest, claim: { sender: leg.sender, quantity: leg.quantity, nonce: BigInt(leg.nonce), manifestProof: tree.proofOfPack(serial) } };
  if (!preflight) return claim;
  const record = await rx.shipment(leg.shipmentId);
  const status = Number(record.status);
  if (status === ShipmentStatus.ReceivedInQuarantine) {
    throw new InputError("--serial", serial, `a pack ${who} received outside quarantine: ${leg.kind} ${leg.shipmentId} that brought it was received into quarantine (DispenseLegQuarantined); wait for a regulator's decision`);
  }
  if (status !== ShipmentStatus.Received) {
    throw new InputError("--serial", serial, `a pack of a leg the contract kept as ${who}'s custody record: ${leg.kind} ${leg.shipmentId} reads ${ShipmentStatus[status] ?? status} (DispenseLegNotReceived)`);
  }
  // Once received, the record's shippedAt bits count the packs dispensed on the leg: never more than it carried.
  if (record.shippedAt >= leg.quantity) {
    throw new InputError(
      "--serial",
      serial,
      `a pack of a leg with dispenses left: ${leg.kind} ${leg.shipmentId} carried ${leg.quantity} unit${leg.quantity === 1n ? "" : "s"} and served ${record.shippedAt} dispense${record.shippedAt === 1n ? "" : "s"} already, ` +
        `so its manifest listed more packs than it carried (DispenseLegExhausted); do not dispense, ask its sender ${leg.sender}`,
    );
  }
  const { shipments } = await rx.holding(batch.batchId, dispenser);
  if (shipments !== record.receiverShipments) {
    const since = shipments - record.receiverShipments;
    throw new InputError(
      "--serial",
      serial,
      `a pack still in ${who}'s custody: ${who} shipped ${since} leg${since === 1n ? "" : "s"} of this batch since it received ${leg.kind} ${leg.shipmentId} ` +
        `(its shipment count was ${record.receiverShipments} then, ${shipments} now), so the pack may have left; the contract refuses (DispenseLegShippedOn). ` +
        `Only packs of legs received after a dispenser's last outgoing leg of the batch can be dispensed`,
    );
  }
  return claim;
}

export interface DispenseResult {
  batch: KnownBatch;
  serial: string;
  proof: string[];
  /** The leg shown to the contract, and the claim (undefined: the signer is no dispenser, the contract refused). */
  found?: FoundClaim;
  receipt: ContractTransactionReceipt;
}

/** Dispenses one pack from `signer`'s saleable stock (an authorized dispenser). */
export async function dispensePack(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: DispenseInput,
  print: Print = console.log,
  dir = deploymentsDir(),
): Promise<DispenseResult> {
  const network = context.network;
  const batch = await requireBatch(rx, input);
  const onChainExpiry = expiryToYYMMDD(batch.record.expiry);
  if (input.expiry !== undefined && input.expiry !== onChainExpiry) {
    throw new InputError(
      "--link (17)",
      input.expiry,
      `the batch's expiry ${onChainExpiry} (the pack's code disagrees with the batch record: do not dispense, the pack may be mislabelled or forged)`,
    );
  }
  if (BigInt(batch.record.serialRoot) === 0n) {
    throw new Error(`${describeBatch(batch)} was commissioned without serials: its packs cannot be dispensed one by one`);
  }
  const file = serialFilePath(network, batch.batchId, dir);
  const shown = path.relative(process.cwd(), file);
  const tree = loadSerialTree(network, batch.batchId, dir);
  if (!tree) {
    throw new Error(`no serial file for ${describeBatch(batch)} at ${shown}: rx:commission writes it; copy it from the manufacturer`);
  }
  // The contract keeps the root truncated to 21 bytes.
  if (tree.root.slice(0, 44).toLowerCase() !== batch.record.serialRoot.toLowerCase()) {
    throw new Error(`${shown} has root ${tree.root}, which is not the batch's serial root ${batch.record.serialRoot}… on-chain: the file belongs to another commissioning`);
  }
  if (!tree.has(input.serial)) {
    throw new Error(
      `${input.serialField}: serial "${input.serial}" is not among the batch's commissioned serials ` +
        `(${tree.size} serials in ${shown}): do not dispense, the pack may be forged or mislabelled`,
    );
  }
  const proof = tree.proof(input.serial);
  // Only a dispenser dispenses: for anyone else the contract's PartnerWrongRole says so, no leg to look for.
  const isDispenser = Number((await rx.partner(signer.address)).role) === Role.Dispenser;
  // The legs name the pharmacy's identity (a rotated key acts for it).
  const found = isDispenser ? await findPackClaim(rx, context, batch, await identityOfAccount(rx, signer.address), input.serial) : undefined;
  print(`dispensing pack ${formatDigitalLink({ gtin: input.gtin, lot: input.lot, serial: input.serial, expiry: onChainExpiry })}`);
  print(`  ${describeBatch(batch)}, serial ${input.serial}, proof of ${proof.length} hashes`);
  print(`  by ${await partnerLabel(rx, signer.address)}`);
  if (found) print(
    `  custody: ${found.leg.kind} ${found.leg.shipmentId} from ${found.leg.sender} (nonce ${found.leg.nonce}, ${found.leg.quantity} units) brought it; ` +
      `its manifest lists the pack (proof of ${found.claim.manifestProof.length} hash${found.claim.manifestProof.length === 1 ? "" : "es"}), and nothing of the batch left since`,
  );
  const dispenser = rx.connect(signer);
  const serial32 = serialToBytes32(input.serial);
  const receipt = await sendAndReport(
    "dispense",
    dispenser.dispense(batch.batchId, serial32, proof, found?.claim ?? { sender: ZeroAddress, quantity: 0n, nonce: 0n, manifestProof: [] }),
    print,
  );
  const holding = await rx.holding(batch.batchId, signer.address);
  print(`dispensed serial ${input.serial}; ${signer.address} now holds ${holding.saleable} saleable, ${holding.dispensed} dispensed`);
  return { batch, serial: input.serial, proof, found, receipt };
}
