/** `rx:signed`: what a signed file says and whether the contract would take it now, in words or as JSON. */
import { getAddress } from "ethers";
import type { RxTrace } from "../../../typechain-types";
import { queryEvent } from "../../chain/events/query";
import { Standing } from "../../domain/enums";
import { nextNonceOf, nonceOwnerOf, partiesOf } from "../../signing/typed-data";
import { formatInspection, inspectSigned, isoTime, type ChainView, type Inspection, type Revocation } from "../../signing/inspect";
import { formatSignedDocument, type SignedDocument } from "../../signing/document";
import { readSignedFile } from "../../files/signed-files";
import { chainNow, describeWithNames } from "./shared";

/* --------------------------------------------------------------- inspect */

export interface InspectArgs {
  in?: string;
}

export interface InspectResult {
  file: string;
  doc: SignedDocument;
  inspection: Inspection;
}

/**
 * The signer's revocation (`SignaturesRevoked` since block `fromBlock`) that covers `nonce`, if any. Ranges of
 * one signer never overlap: each starts at the nonce the previous left.
 */
async function revocationOf(rx: RxTrace, signer: string, nonce: bigint, fromBlock: number): Promise<Revocation | undefined> {
  for (const e of await queryEvent(rx, rx.filters.SignaturesRevoked(signer), { fromBlock })) {
    if (e.args.fromNonce <= nonce && nonce < e.args.nextNonce) {
      return { fromNonce: e.args.fromNonce, nextNonce: e.args.nextNonce, block: e.blockNumber, tx: e.transactionHash };
    }
  }
  return undefined;
}

/** What the chain says about `doc` now; events are read from block `fromBlock` (the deployment's). */
async function chainViewOf(rx: RxTrace, doc: SignedDocument, fromBlock: number): Promise<ChainView> {
  const network = await rx.runner?.provider?.getNetwork();
  if (!network) throw new Error("the contract has no provider");
  const standings: Record<string, Standing> = {};
  for (const { account } of partiesOf(doc)) standings[getAddress(account)] = Number(await rx.standing(account)) as Standing;
  const nextNonce = await nextNonceOf(rx, doc);
  const view: ChainView = { chainId: network.chainId, contract: await rx.getAddress(), now: await chainNow(rx), nextNonce, standings };
  if (doc.kind === "handover") {
    const { sender, nonce } = doc.message;
    view.handoverNonceUsed = await rx.isHandoverNonceUsed(sender, nonce);
    view.maxHandoverValidity = await rx.MAX_HANDOVER_VALIDITY();
    if (view.handoverNonceUsed) {
      const cancelled = (await queryEvent(rx, rx.filters.HandoverCancelled(undefined, sender), { fromBlock })).find((e) => e.args.nonce === nonce);
      if (cancelled) view.handoverCancelled = { by: cancelled.args.by, block: cancelled.blockNumber, tx: cancelled.transactionHash };
    }
    return view;
  }
  // A used signature nonce was taken by a submission or revoked: say which when the signer revoked it.
  if (doc.message.nonce < nextNonce) view.revoked = await revocationOf(rx, nonceOwnerOf(doc), doc.message.nonce, fromBlock);
  return view;
}

/** Reads and checks the signed file of `--in` (nothing read from the chain yet). */
export function parseInArgs(args: InspectArgs): { file: string; doc: SignedDocument } {
  return { file: args.in!, doc: readSignedFile(args.in, "--in") };
}

/** Checks a signed file against the chain (read-only); events are read from block `fromBlock` (the deployment's). */
export async function inspectFile(rx: RxTrace, input: { file: string; doc: SignedDocument }, fromBlock = 0): Promise<InspectResult> {
  return { ...input, inspection: inspectSigned(input.doc, await chainViewOf(rx, input.doc, fromBlock)) };
}

/** The inspection in words. */
export async function formatInspectResult(rx: RxTrace, result: InspectResult): Promise<string[]> {
  return [`${result.file}:`, ...(await describeWithNames(rx, result.doc)), ...formatInspection(result.inspection)];
}

/** The inspection as one JSON object (bigints as decimal strings). */
export function inspectJson(result: InspectResult): string {
  const i = result.inspection;
  const report = {
    file: result.file,
    kind: result.doc.kind,
    ready: i.ready,
    problems: i.problems,
    signed: JSON.parse(formatSignedDocument(result.doc)) as unknown,
    chain: i.chain,
    contract: i.contract,
    deadline: { ...i.deadline, iso: isoTime(i.deadline.deadline) },
    nonce: i.nonce,
    signatures: i.signatures.map((s) => ({ ...s, standing: Standing[s.standing] })),
  };
  return JSON.stringify(report, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}
