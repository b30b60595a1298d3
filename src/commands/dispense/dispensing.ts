/**
 * The pharmacy's dispense command: one pack, named by its GS1 Digital Link or by GTIN, lot and serial. The
 * serial's Merkle proof comes from the batch's serial file (deployments/<network>/serials/<batchId>.json);
 * a serial that is not in the file, or a link whose expiry disagrees with the batch, is refused before
 * anything is sent.
 */
import path from "node:path";
import type { ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { describeBatch, partnerLabel, parseBatchRef, requireBatch, type BatchRef, type KnownBatch } from "../shared/batch-lookup";
import { sendAndReport } from "../shared/cli";
import { InputError } from "../../domain/errors";
import { expiryToYYMMDD, formatDigitalLink, parseDigitalLink, parseSerial } from "../../gs1/identifiers";
import { batchIdOf, serialToBytes32 } from "../../domain/ids";
import { loadSerialTree, serialFilePath } from "../../files/serial-files";
import { deploymentsDir } from "../../chain/deployment";

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

export interface DispenseResult {
  batch: KnownBatch;
  serial: string;
  proof: string[];
  receipt: ContractTransactionReceipt;
}

/** Dispenses one pack from `signer`'s saleable stock (an authorized dispenser). */
export async function dispensePack(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  network: string,
  input: DispenseInput,
  print: Print = console.log,
  dir = deploymentsDir(),
): Promise<DispenseResult> {
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
  print(`dispensing pack ${formatDigitalLink({ gtin: input.gtin, lot: input.lot, serial: input.serial, expiry: onChainExpiry })}`);
  print(`  ${describeBatch(batch)}, serial ${input.serial}, proof of ${proof.length} hashes`);
  print(`  by ${await partnerLabel(rx, signer.address)}`);
  const dispenser = rx.connect(signer);
  const serial32 = serialToBytes32(input.serial);
  const receipt = await sendAndReport(
    "dispense",
    dispenser.dispense(batch.batchId, serial32, proof),
    print,
  );
  const holding = await rx.holding(batch.batchId, signer.address);
  print(`dispensed serial ${input.serial}; ${signer.address} now holds ${holding.saleable} saleable, ${holding.dispensed} dispensed`);
  return { batch, serial: input.serial, proof, receipt };
}
