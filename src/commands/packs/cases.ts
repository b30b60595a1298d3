/**
 * `rx:case-seal` and `rx:case-open`: sealing a case with packs the signer holds loose (keeping the case record)
 * and opening it. A sealed case then travels as one line of a manifest (`rx:ship --cases`).
 */
import path from "node:path";
import { ZeroAddress, type ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { queryEvent } from "../../chain/events/query";
import { describeBatch, parseBatchRef, partnerLabel, requireBatch, units, type BatchRef } from "../shared/batch-lookup";
import { sendAndReport } from "../shared/cli";
import { InputError } from "../../domain/errors";
import { formatSscc, parseSscc } from "../../gs1/identifiers";
import { caseContentsOf, CASE_FORMAT, type CaseRecord } from "../../manifests/manifest";
import { saveCaseRecord } from "../../files/manifest-files";
import { type DeploymentContext, type Print, packLedger, readSerialList, whyNotHeld } from "./selection";

/* --------------------------------------------------------------- cases */

export interface CaseSealArgs {
  sscc?: string;
  gtin?: string;
  lot?: string;
  serials?: string;
}

export interface CaseSealInput extends BatchRef {
  sscc: bigint;
  serialsFile: string;
  serials: string[];
}

export function parseCaseSealArgs(args: CaseSealArgs): CaseSealInput {
  const sscc = parseSscc(args.sscc ?? "", "--sscc");
  const ref = parseBatchRef(args);
  const serials = readSerialList(args.serials, "--serials");
  return { ...ref, sscc, serialsFile: args.serials as string, serials };
}

export interface CaseSealResult {
  sscc: string;
  contents: string;
  packs: number;
  file: string;
  receipt: ContractTransactionReceipt;
}

const CASE_STATUS = ["unused", "sealed", "opened"] as const;

/** Seals case `sscc` with the listed packs, which the signer must hold loose; keeps the case record. */
export async function sealCase(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: CaseSealInput,
  print: Print = console.log,
): Promise<CaseSealResult> {
  const sscc = formatSscc(input.sscc);
  const batch = await requireBatch(rx, input);
  const status = Number(await rx.caseStatus(input.sscc));
  if (status !== 0) throw new InputError("--sscc", sscc, `an unused SSCC (case ${sscc} is ${CASE_STATUS[status]} already; an SSCC names one case only)`);
  const owners = await ssccPrefixOwners(rx, sscc);
  if (!owners.some((o) => o.owner === signer.address)) {
    const carried = owners.length > 0 ? owners.map((o) => `${o.prefix} is ${o.owner}'s`).join(", ") : "it carries no assigned company prefix";
    throw new InputError("--sscc", sscc, `an SSCC under one of ${signer.address}'s company prefixes (after the extension digit; ${carried}; rx:prefix assigns one)`);
  }
  const ledger = await packLedger(rx, context, batch, signer.address);
  for (const serial of input.serials) {
    const other = ledger.sealedPack.get(serial);
    if (other) throw new InputError("--serials", serial, `a loose pack (it is in sealed case ${other})`);
    if (!ledger.held.has(serial)) throw new InputError("--serials", serial, whyNotHeld(ledger, signer.address, serial));
  }
  const { saleable } = await rx.holding(batch.batchId, signer.address);
  if (saleable < BigInt(input.serials.length)) {
    throw new InputError("--serials", input.serialsFile, `at most ${saleable} packs, the saleable units of ${describeBatch(batch)} held by ${signer.address}`);
  }
  const contents = caseContentsOf(input.serials);
  print(`sealing case ${sscc}: ${units(input.serials.length)} of ${describeBatch(batch)}`);
  print(`  packer ${await partnerLabel(rx, signer.address)}`);
  print(`  contents ${contents} (the serial tree of its packs)`);
  const receipt = await sendAndReport("seal case", rx.connect(signer).sealCase(input.sscc, batch.batchId, contents, input.serials.length), print);
  const record: CaseRecord = {
    format: CASE_FORMAT,
    sscc,
    batchId: batch.batchId,
    gtin: batch.gtin.toString().padStart(14, "0"),
    lot: batch.lot,
    contents,
    packs: input.serials,
    packer: signer.address,
    transactionHash: receipt.hash,
  };
  const file = saveCaseRecord(context.network, record);
  print(`case record ${path.relative(process.cwd(), file)}; ship it with rx:ship --cases ${sscc}`);
  return { sscc, contents, packs: input.serials.length, file, receipt };
}

/** The assigned company prefixes (4 to 12 digits after the extension digit) that 18-digit SSCC `sscc` carries. */
async function ssccPrefixOwners(rx: RxTrace, sscc: string): Promise<{ prefix: string; owner: string }[]> {
  const found: { prefix: string; owner: string }[] = [];
  for (let length = 4; length <= 12; length++) {
    const prefix = sscc.slice(1, 1 + length);
    const owner = await rx.companyPrefixOwner(prefix);
    if (owner !== ZeroAddress) found.push({ prefix, owner });
  }
  return found;
}

export interface CaseOpenArgs {
  sscc?: string;
}

export function parseCaseOpenArgs(args: CaseOpenArgs): { sscc: bigint } {
  return { sscc: parseSscc(args.sscc ?? "", "--sscc") };
}

/** Opens sealed case `sscc` (its fields come from `CaseSealed`); its packs travel loose from then on. */
export async function openCase(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  context: DeploymentContext,
  input: { sscc: bigint },
  print: Print = console.log,
): Promise<{ sscc: string; receipt: ContractTransactionReceipt }> {
  const sscc = formatSscc(input.sscc);
  const status = Number(await rx.caseStatus(input.sscc));
  if (status !== 1) throw new InputError("--sscc", sscc, `a sealed case (case ${sscc} is ${CASE_STATUS[status]})`);
  const [sealed] = await queryEvent(rx, rx.filters.CaseSealed(input.sscc), { fromBlock: context.fromBlock, first: true });
  if (!sealed) throw new Error(`case ${sscc} is sealed but no CaseSealed event of this deployment has it`);
  const { batchId, contents, packs } = sealed.args;
  const holding = await rx.holding(batchId, signer.address);
  const held = holding.saleable + holding.quarantined;
  if (held < packs) {
    throw new InputError("--signer", signer.address, `the holder of case ${sscc} (it holds ${held} units of batch ${batchId}, fewer than the case's ${packs} packs)`);
  }
  print(`opening case ${sscc}: ${units(packs)} of batch ${batchId}, sealed by ${await partnerLabel(rx, sealed.args.packer)}`);
  const receipt = await sendAndReport("open case", rx.connect(signer).openCase(input.sscc, batchId, contents, packs), print);
  print(`case ${sscc} opened: its ${units(packs)} travel loose from now on`);
  return { sscc, receipt };
}
