/**
 * `rx:revoke-signatures`: a wallet revokes the ship, receive and reject signatures it gave by moving its nonce past
 * them. `rx:cancel-handover`: the sender or the receiver of a co-signed handover voids that one handover.
 */
import { getAddress, type ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../../typechain-types";
import { queryEvent } from "../../chain/events/query";
import { partnerLabel } from "../shared/batch-lookup";
import { parseWhole, sendAndReport } from "../shared/cli";
import { Standing } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import { MAX_UINT64, type Print, eventOf, given } from "./shared";
import { readSignedFile } from "../../files/signed-files";
import { digestOf, recoverSigner, signatureBytes } from "../../signing/typed-data";
import { isoTime } from "../../signing/inspect";
import type { SignedDocument } from "../../signing/document";

/* ---------------------------------------------------------------- revoke */

export interface RevokeArgs {
  /** The signer's next signature nonce once revoked: every signature with a lower nonce is void. */
  next?: string;
}

export interface RevokeInput {
  next: bigint;
  /** `--next` as given, for errors. */
  text: string;
}

/**
 * The largest `--next`: a partner whose nonce reached 2^64 - 1 could never use it (the contract would have to
 * move it past the largest uint64), so revoking that far would end its signing for good.
 */
export const MAX_REVOKE_NEXT = MAX_UINT64 - 1n;

/** Checks the flags of `rx:revoke-signatures` (nothing read from the chain yet). */
export function parseRevokeArgs(args: RevokeArgs): RevokeInput {
  if (!given(args.next)) {
    throw new InputError("--next", args.next ?? "", "the signer's next signature nonce once revoked, above its current one (every unsubmitted ship, receive or reject it signed with a lower nonce becomes void)");
  }
  return { next: parseWhole(args.next, "--next", 1n, MAX_REVOKE_NEXT), text: args.next };
}

/** "nonce 4", "nonces 4 to 9": the nonces from `from` up to `next - 1`. */
function nonceRange(from: bigint, next: bigint): string {
  return next - from === 1n ? `nonce ${from}` : `nonces ${from} to ${next - 1n}`;
}

export interface RevokeResult {
  partner: string;
  /** The first nonce revoked: the partner's next nonce before. */
  fromNonce: bigint;
  /** Its next nonce now. */
  nextNonce: bigint;
  receipt: ContractTransactionReceipt;
}

/**
 * `signer`, a partner, revokes the ship, receive and reject signatures it handed out and nobody submitted:
 * its next signature nonce moves to `input.next`. Checked before sending: the signer is an onboarded partner
 * (any standing: a suspended one may revoke) and `--next` is above its current nonce.
 */
export async function revokeSignaturesOf(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  input: RevokeInput,
  print: Print = console.log,
): Promise<RevokeResult> {
  const standing = Number(await rx.standing(signer.address)) as Standing;
  if (standing === Standing.Unknown) {
    throw new InputError("--signer", signer.address, `an onboarded partner (${signer.address} was never onboarded: it has no signatures to revoke, and the contract would refuse with PartnerUnknown)`);
  }
  const current = (await rx.partner(signer.address)).nonce;
  if (input.next <= current) {
    const used = current === 0n ? "" : `; nonces below ${current} are used or revoked already`;
    throw new InputError("--next", input.text, `a nonce above ${signer.address}'s current next signature nonce, ${current} (${current + 1n} revokes the signature with nonce ${current}${used})`);
  }
  print(`revoking the unsubmitted ship, receive and reject signatures of ${await partnerLabel(rx, signer.address)} with ${nonceRange(current, input.next)}`);
  if (standing !== Standing.Authorized) print(`note: ${signer.address} is ${Standing[standing]}; revoking still works (it only takes rights away)`);
  const receipt = await sendAndReport("revoke signatures", rx.connect(signer).revokeSignatures(input.next), print);
  const e = eventOf(rx, receipt, "SignaturesRevoked");
  const [fromNonce, nextNonce] = [e.args.fromNonce as bigint, e.args.nextNonce as bigint];
  print(`signatures with ${nonceRange(fromNonce, nextNonce)} revoked: ${signer.address}'s next signature nonce is ${nextNonce}`);
  print("a signed ship, receive or reject file with a lower nonce is refused now (rx:signed shows it as revoked); sign again what is still wanted");
  print("co-signed handovers are not revoked by this: their sender or receiver cancels each with rx:cancel-handover --in <file>");
  return { partner: signer.address, fromNonce, nextNonce, receipt };
}

/* -------------------------------------------------------- cancel handover */

export interface CancelHandoverArgs {
  in?: string;
}

/** Reads the handover file of `--in` (nothing read from the chain yet). */
export function parseCancelHandoverArgs(args: CancelHandoverArgs): { file: string; doc: SignedDocument & { kind: "handover" } } {
  const doc = readSignedFile(args.in, "--in");
  if (doc.kind !== "handover") throw new InputError("--in", args.in, `a handover file (this one is a signed ${doc.kind}: rx:revoke-signatures voids those)`);
  return { file: args.in!, doc };
}

export interface CancelHandoverResult {
  digest: string;
  receipt: ContractTransactionReceipt;
  /** The sender's first call: the cancellation can be completed from this unix second on. */
  pendingUntil?: bigint;
}

/**
 * `signer`, the handover's sender or receiver, cancels it before it is submitted: its handover nonce can never be
 * used. The receiver shows the sender's signature from the file (so it voids this handover and no other).
 * Checked before sending: the signer is a party, the nonce is unused, and (receiver) the sender's signature holds.
 */
export async function cancelHandoverFile(
  rx: RxTrace,
  signer: HardhatEthersSigner,
  input: { file: string; doc: SignedDocument & { kind: "handover" } },
  print: Print = console.log,
  fromBlock = 0,
): Promise<CancelHandoverResult> {
  const { doc, file } = input;
  const m = doc.message;
  const me = signer.address;
  const isSender = getAddress(m.sender) === me;
  if (!isSender && getAddress(m.receiver) !== me) {
    throw new InputError("--signer", me, `the handover's sender ${getAddress(m.sender)} or receiver ${getAddress(m.receiver)} (only they may cancel it; the contract would refuse with SignatureNotHandoverParty)`);
  }
  if (await rx.isHandoverNonceUsed(m.sender, m.nonce)) {
    throw new InputError("--in", file, `a handover not yet submitted or cancelled (the sender's handover nonce ${m.nonce} is used already)`);
  }
  const bySender = doc.signatures.find((s) => s.party === "sender");
  if (!isSender) {
    if (!bySender || recoverSigner(doc.domain, doc, bySender) !== getAddress(m.sender)) {
      throw new InputError("--in", file, `a handover file with the sender's valid signature (the receiver cancels by showing it; ${bySender ? "it does not match the fields" : "it is missing"})`);
    }
  }
  const digest = digestOf(doc.domain, doc);
  // The sender cancels in two calls, HANDOVER_CANCEL_DELAY apart: it asks, then completes (the receiver, who may
  // hold the goods, can still submit in between). The receiver cancels at once.
  let completing = false;
  if (isSender) {
    const [requested] = (await queryEvent(rx, rx.filters.HandoverCancelRequested(digest), { fromBlock, newestFirst: true, first: true })).slice(-1);
    if (requested) {
      const now = BigInt((await rx.runner!.provider!.getBlock("latest"))!.timestamp);
      const effectiveAt = requested.args.effectiveAt;
      if (now < effectiveAt) {
        throw new InputError("--in", file, `a handover whose cancellation can be completed now: ${getAddress(m.sender)} asked to cancel it in block ${requested.blockNumber}; it can complete it from ${isoTime(effectiveAt)} on (SignatureHandoverCancelPending), and until then the receiver may still submit it`);
      }
      completing = true;
    }
  }
  print(`${completing ? "completing the cancellation of" : isSender ? "asking to cancel" : "cancelling"} handover ${digest}: ${m.quantity} units of batch ${m.batchId} from ${getAddress(m.sender)} to ${getAddress(m.receiver)}, handover nonce ${m.nonce}, deadline ${isoTime(m.deadline)}`);
  print(`  by the ${isSender ? "sender" : "receiver"} ${await partnerLabel(rx, me)}`);
  // The sender cancels its own handover without showing a signature (the contract ignores it then).
  const sig = bySender ? signatureBytes({ r: bySender.r, vs: bySender.vs }) : "0x";
  const receipt = await sendAndReport("cancel handover", rx.connect(signer).cancelHandover(m, sig), print);
  const requested = receipt.logs.map((log) => rx.interface.parseLog(log)).find((p) => p?.name === "HandoverCancelRequested");
  if (requested) {
    const at = requested.args.effectiveAt as bigint;
    print(`cancellation of handover ${requested.args.digest as string} requested: complete it with rx:cancel-handover --in ${file} from ${isoTime(at)} on; until then the receiver may still submit it`);
    return { digest: requested.args.digest as string, receipt, pendingUntil: at };
  }
  const e = eventOf(rx, receipt, "HandoverCancelled");
  print(`handover ${e.args.digest} cancelled by ${e.args.by}: the sender's handover nonce ${e.args.nonce} can never be used`);
  return { digest: e.args.digest as string, receipt };
}
