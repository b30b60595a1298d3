/**
 * The verify command's work, shared by `rx:verify`, the demo and the tests: names a pack from flags or a
 * Digital Link, finds its proof in the batch's serial file, asks the contract and rebuilds the timeline; with
 * the manifests of the batch's legs (given, or kept under the deployment folder), follows the pack itself.
 */
import { readFileSync } from "node:fs";
import { keccak256 } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { identityOfAccount } from "../admin/recovery";
import { resolvePartner } from "../shared/cli";
import { connect, deploymentsDir } from "../../chain/deployment";
import { InputError } from "../../domain/errors";
import { batchIdOf } from "../../domain/ids";
import { loadManifest, loadManifests, manifestFiles } from "../../files/manifest-files";
import { manifestEvidence, type LoadedManifest } from "../../manifests/check";
import { packFromArgs, type PackArgs } from "../../gs1/pack-args";
import { verifyPack } from "../../chain/events/provenance";
import { type PackReport } from "../../domain/provenance";
import { loadSerialTree } from "../../files/serial-files";
import { Role } from "../../domain/enums";
import { findPackClaim, type PackClaim } from "../dispense/dispensing";
import { contextOf } from "../packs/selection";

export interface VerifyArgs extends PackArgs {
  /** A partner (address or GLN) whose custody is checked. */
  holder?: string;
  /** A certificate of origin document to compare with the on-chain hash. */
  certificate?: string;
  /** Manifest files, separated by commas (default: every manifest under deployments/<network>/manifests/). */
  manifests?: string;
}

/** The manifests named by --manifests (each must be one), or the ones kept under the deployment folder. */
export function manifestsFromArgs(network: string, value: string | undefined): LoadedManifest[] {
  if (value === undefined || value.trim() === "") return loadManifests(manifestFiles(network, deploymentsDir()), "manifest").loaded;
  const files = value.split(",").map((f) => f.trim()).filter((f) => f !== "");
  if (files.length === 0) throw new InputError("--manifests", value, "manifest files separated by commas");
  return files.map((file) => ({ manifest: loadManifest(file, "--manifests"), file }));
}

export async function verifyFromArgs(hre: HardhatRuntimeEnvironment, args: VerifyArgs): Promise<PackReport> {
  const pack = packFromArgs(args);
  let certificateHash: string | undefined;
  if (args.certificate !== undefined) {
    try {
      certificateHash = keccak256(readFileSync(args.certificate));
    } catch {
      throw new InputError("--certificate", args.certificate, "a readable file");
    }
  }
  const manifests = manifestsFromArgs(hre.network.name, args.manifests);
  const { rx, record, lineage } = await connect(hre);
  // The legs and stock name the holder's identity: a GLN resolves to its current key, the identity to itself.
  const holder = args.holder === undefined ? undefined : await identityOfAccount(rx, await resolvePartner(rx, args.holder, "--holder"));
  const tree = loadSerialTree(hre.network.name, batchIdOf(pack.gtin, pack.lot));
  // Without the batch's serial file the serial cannot be proven: the contract then says SerialNotInBatch.
  const proof = tree?.has(pack.serial) ? tree.proof(pack.serial) : [];
  // A dispenser holding a serialized lot: show the contract the pack leg that brought the pack (the pack rule, as
  // dispense checks it), when the manifests at hand name one; otherwise the contract applies the lot rule.
  let claim: (PackClaim & { legId: string }) | undefined;
  if (holder && Number((await rx.partner(holder)).role) === Role.Dispenser) {
    const batchId = batchIdOf(pack.gtin, pack.lot);
    const batchRecord = await rx.batch(batchId);
    if (batchRecord.expiry !== 0n && BigInt(batchRecord.serialRoot) !== 0n) {
      try {
        const found = await findPackClaim(rx, contextOf(record), { gtin: pack.gtin, lot: pack.lot, batchId, record: batchRecord }, holder, pack.serial, false);
        claim = { ...found.claim, legId: found.leg.shipmentId };
      } catch (error) {
        if (!(error instanceof InputError)) throw error; // no leg to show: the lot rule applies
      }
    }
  }
  const report = await verifyPack(rx, pack, {
    proof,
    holder,
    claim,
    certificateHash,
    fromBlock: record.contracts.RxTrace.blockNumber,
    manifests: (custody) => manifestEvidence(manifests, { chainId: record.chainId, contract: record.contracts.RxTrace.address, custody }),
  });
  if (lineage.length > 1) report.lineage = lineage;
  return report;
}
