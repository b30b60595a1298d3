/**
 * A signed document in words (`describeSigned`) and the checks a submitter makes before paying gas
 * (`inspectSigned` against a view of the chain, `formatInspection`), worded for people.
 */
import {
  getAddress, ZeroAddress,
  ZeroHash
} from "ethers";
import { formatCelsius, RejectionReason, Standing } from "../domain/enums";
import { formatGtin } from "../gs1/identifiers";
import { shipmentIdOf } from "../domain/ids";
import { type LegFields, PRIMARY_TYPES, type Party, SIGNED_FORMAT, type SignedKind, batchIdOfOperation, nonceMeaning, nonceOwnerOf, partiesOf, recoverSigner } from "./typed-data";
import { type SignedDocument } from "./document";

/* ------------------------------------------------------- describe, check */

const REASON_WORDS: Record<RejectionReason, string> = {
  [RejectionReason.WrongQuantity]: "wrong quantity",
  [RejectionReason.Damaged]: "damaged",
  [RejectionReason.NoTemperatureData]: "no temperature data",
  [RejectionReason.WrongProduct]: "wrong product",
  [RejectionReason.Other]: "other",
};

function unitsText(n: bigint): string {
  return `${n} unit${n === 1n ? "" : "s"}`;
}

export function isoTime(seconds: bigint | number): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace(".000Z", "Z") : `unix ${seconds}`;
}

/** "2 h 5 min", "45 s", "3 d 4 h". */
export function formatDuration(seconds: bigint): string {
  const s = seconds < 0n ? -seconds : seconds;
  if (s < 60n) return `${s} s`;
  if (s < 3600n) return `${s / 60n} min`;
  if (s < 86400n) return `${s / 3600n} h${(s % 3600n) / 60n ? ` ${(s % 3600n) / 60n} min` : ""}`;
  return `${s / 86400n} d${(s % 86400n) / 3600n ? ` ${(s % 86400n) / 3600n} h` : ""}`;
}

function legText(leg: LegFields): string {
  return (
    `leg min ${formatCelsius(leg.minTemp)}, max ${formatCelsius(leg.maxTemp)}, mean kinetic ${formatCelsius(leg.meanKineticTemp)}, ` +
    `${leg.minutesOutOfRange} minutes out of range; logger file keccak256 ${leg.loggerHash}`
  );
}

const WHAT: Record<SignedKind, string> = {
  ship: "a shipment signed by its sender",
  receive: "a receipt signed by the shipment's receiver",
  reject: "a rejection signed by the shipment's receiver",
  handover: "a handover co-signed by its sender and receiver",
};

/** The signed fields in words; `name` labels an address (e.g. with the partner's role and GLN). */
export function describeSigned(doc: SignedDocument, name: (account: string) => string = (a) => a): string[] {
  const batchId = batchIdOfOperation(doc);
  const batch = doc.batch ? `GTIN ${formatGtin(doc.batch.gtin)} lot ${doc.batch.lot} (batch ${batchId})` : `batch ${batchId}`;
  const manifest = (m: string) => (m === ZeroHash ? "none (batch level)" : `${m} (Merkle root of the packs)`);
  const lines = [`${doc.kind}: ${WHAT[doc.kind]} (${PRIMARY_TYPES[doc.kind]}, ${SIGNED_FORMAT})`];
  switch (doc.kind) {
    case "ship":
    case "handover": {
      const m = doc.message;
      lines.push(`  ${doc.kind === "ship" ? "ship" : "hand over"} ${unitsText(m.quantity)} of ${batch}`);
      lines.push(`  from ${name(m.sender)}`);
      lines.push(`  to   ${name(m.receiver)}`);
      lines.push(`  manifest ${manifest(m.manifest)}`);
      if (doc.kind === "handover") lines.push(`  ${legText(doc.message.leg)}`);
      break;
    }
    case "receive":
    case "reject": {
      const s = doc.message.shipment;
      lines.push(`  ${doc.kind} shipment ${shipmentIdOf(s)}: ${unitsText(s.quantity)} of ${batch}`);
      lines.push(`  from ${name(s.sender)} (its shipment nonce ${s.nonce})`);
      lines.push(`  to   ${name(s.receiver)}`);
      if (doc.kind === "receive") lines.push(`  ${legText(doc.message.leg)}`);
      else {
        const reason = Number(doc.message.reason) as RejectionReason;
        lines.push(`  reason ${REASON_WORDS[reason]}; evidence ${doc.message.evidence === ZeroHash ? "none" : `keccak256 ${doc.message.evidence}`}`);
        const leg = doc.message.leg;
        const noData = leg.loggerHash === ZeroHash && leg.minTemp === 0n && leg.maxTemp === 0n && leg.meanKineticTemp === 0n && leg.minutesOutOfRange === 0n;
        lines.push(noData ? "  leg: no temperature data (all zero)" : `  ${legText(leg)}`);
      }
      break;
    }
  }
  lines.push(`  nonce ${doc.message.nonce} (${nonceMeaning(doc.kind)}, ${nonceOwnerOf(doc)}); deadline ${isoTime(doc.message.deadline)}`);
  lines.push(`  domain "${doc.domain.name}" version ${doc.domain.version}, chain ${doc.domain.chainId}, contract ${doc.domain.verifyingContract}`);
  return lines;
}

/** What a submitter needs to know about the chain to check a signed file. */
export interface ChainView {
  chainId: bigint;
  /** The deployment's contract (the domain's verifyingContract must be this). */
  contract: string;
  /** The latest block's timestamp: the contract compares the deadline with it. */
  now: bigint;
  /** The nonce the operation must carry now (`nextNonceOf`). */
  nextNonce: bigint;
  /** The signer's revocation that voided the operation's nonce (`SignaturesRevoked`), when it was revoked. */
  revoked?: Revocation;
  /** The standing of each signing party's account. */
  standings: Record<string, Standing>;
  /** A handover: whether its nonce was used or cancelled (`isHandoverNonceUsed`), and its cancellation if any. */
  handoverNonceUsed?: boolean;
  handoverCancelled?: { by: string; block: number; tx: string };
  /** A handover: the longest its deadline may lie ahead at submission (`MAX_HANDOVER_VALIDITY`). */
  maxHandoverValidity?: bigint;
}

/** A partner's `revokeSignatures`: nonces `fromNonce` to `nextNonce - 1` can never be used. */
export interface Revocation {
  fromNonce: bigint;
  nextNonce: bigint;
  block: number;
  tx: string;
}

export interface SignatureCheck {
  party: Party;
  account: string;
  present: boolean;
  /** Who the signature recovers to (zero when malformed); undefined when absent. */
  recovered?: string;
  valid: boolean;
  standing: Standing;
}

export interface Inspection {
  kind: SignedKind;
  chain: { signedFor: bigint; current: bigint; ok: boolean };
  contract: { signedFor: string; deployment: string; ok: boolean };
  deadline: { deadline: bigint; now: bigint; ok: boolean };
  /** A used nonce was either taken by a submitted signature or revoked by its signer (`revoked`). */
  nonce: { account: string; nonce: bigint; next: bigint; state: "next" | "used" | "ahead"; revoked?: Revocation };
  signatures: SignatureCheck[];
  /** Why the contract would refuse the file now (empty when it is ready to submit), each with its error. */
  problems: string[];
  ready: boolean;
}

/**
 * Checks `doc` as the contract will, in the contract's order (chain, deadline, signatures, nonce), plus the
 * signers' standing. Pure: the chain's state comes in `view`.
 */
export function inspectSigned(doc: SignedDocument, view: ChainView): Inspection {
  const problems: string[] = [];
  const chain = { signedFor: doc.domain.chainId, current: view.chainId, ok: doc.domain.chainId === view.chainId };
  if (!chain.ok) problems.push(`signed for chain ${chain.signedFor}, but this is chain ${chain.current} (SignatureWrongChain)`);
  const contract = {
    signedFor: getAddress(doc.domain.verifyingContract),
    deployment: getAddress(view.contract),
    ok: getAddress(doc.domain.verifyingContract) === getAddress(view.contract),
  };
  if (!contract.ok) {
    problems.push(`signed for contract ${contract.signedFor}, but this deployment is ${contract.deployment}: the signatures would not match (SignatureInvalidSigner)`);
  }
  const deadline = { deadline: doc.message.deadline, now: view.now, ok: view.now <= doc.message.deadline };
  if (!deadline.ok) {
    problems.push(`the deadline ${isoTime(deadline.deadline)} passed ${formatDuration(view.now - deadline.deadline)} ago (SignatureExpired): sign again`);
  }
  const signatures = partiesOf(doc).map(({ party, account }): SignatureCheck => {
    const standing = view.standings[getAddress(account)] ?? Standing.Unknown;
    const sig = doc.signatures.find((s) => s.party === party);
    if (!sig) return { party, account, present: false, valid: false, standing };
    const recovered = recoverSigner(doc.domain, doc, sig);
    return { party, account, present: true, recovered, valid: recovered === getAddress(account), standing };
  });
  for (const s of signatures) {
    if (!s.present) problems.push(`the ${s.party} ${s.account} has not signed yet (rx:cosign --in <file> --signer <the ${s.party}>)`);
    else if (!s.valid) {
      const who = s.recovered === ZeroAddress ? "the signature is malformed" : `it recovers to ${s.recovered}`;
      problems.push(`the ${s.party}'s signature does not match the fields: ${who}, not ${s.account}; a field was changed after signing, or someone else signed (SignatureInvalidSigner)`);
    }
  }
  if (doc.kind === "handover" && view.maxHandoverValidity !== undefined && doc.message.deadline > view.now + view.maxHandoverValidity) {
    problems.push(
      `the deadline ${isoTime(doc.message.deadline)} is more than ${formatDuration(view.maxHandoverValidity)} ahead (at most ${isoTime(view.now + view.maxHandoverValidity)}) (SignatureDeadlineTooFar): sign again with a nearer deadline`,
    );
  }
  const owner = nonceOwnerOf(doc);
  const n = doc.message.nonce;
  if (doc.kind === "handover") {
    // Unordered: a handover nonce is either unused (usable now) or used / cancelled for good.
    const used = view.handoverNonceUsed === true;
    const nonce = { account: owner, nonce: n, next: n, state: used ? ("used" as const) : ("next" as const) };
    const c = view.handoverCancelled;
    if (used) {
      problems.push(
        `handover nonce ${n} of the sender was used already: ${c ? `the handover was cancelled by ${c.by} in block ${c.block}` : "the handover was submitted before (or another handover with this nonce was)"} (SignatureHandoverUsed)`,
      );
    }
    for (const s of signatures) {
      if (s.standing !== Standing.Authorized) problems.push(`the ${s.party} ${s.account} is ${Standing[s.standing]}, not an authorized partner (PartnerNotAuthorized)`);
    }
    return { kind: doc.kind, chain, contract, deadline, nonce, signatures, problems, ready: problems.length === 0 };
  }
  const state = n === view.nextNonce ? ("next" as const) : n < view.nextNonce ? ("used" as const) : ("ahead" as const);
  const r = view.revoked;
  const revoked = state === "used" && r && r.fromNonce <= n && n < r.nextNonce ? r : undefined;
  const nonce = { account: owner, nonce: n, next: view.nextNonce, state, ...(revoked ? { revoked } : {}) };
  const used = revoked
    ? `the signer revoked it (rx:revoke-signatures in block ${revoked.block}, up to nonce ${revoked.nextNonce - 1n}): sign again if it is still wanted`
    : "this file was submitted before, another signature took the nonce, or the signer revoked it";
  const ahead = "submit the earlier signatures first";
  if (nonce.state === "used") problems.push(`nonce ${n} (${nonceMeaning(doc.kind)}) was used already, the next is ${view.nextNonce}: ${used} (SignatureReplayed)`);
  if (nonce.state === "ahead") problems.push(`nonce ${n} (${nonceMeaning(doc.kind)}) is ahead of the next, ${view.nextNonce}: ${ahead} (SignatureNonceTooHigh)`);
  for (const s of signatures) {
    if (s.standing !== Standing.Authorized) problems.push(`the ${s.party} ${s.account} is ${Standing[s.standing]}, not an authorized partner (PartnerNotAuthorized)`);
  }
  return { kind: doc.kind, chain, contract, deadline, nonce, signatures, problems, ready: problems.length === 0 };
}

/** The checks of `inspectSigned` in words, one line each. */
export function formatInspection(inspection: Inspection): string[] {
  const i = inspection;
  const lines = [
    `chain ${i.chain.signedFor}: ${i.chain.ok ? "this chain" : `NOT this chain (${i.chain.current})`}`,
    `contract ${i.contract.signedFor}: ${i.contract.ok ? "this deployment" : `NOT this deployment (${i.contract.deployment})`}`,
    `deadline ${isoTime(i.deadline.deadline)}: ` +
      (i.deadline.ok ? `in ${formatDuration(i.deadline.deadline - i.deadline.now)}` : `EXPIRED ${formatDuration(i.deadline.now - i.deadline.deadline)} ago`) +
      ` (chain time ${isoTime(i.deadline.now)})`,
    `nonce ${i.nonce.nonce} (${nonceMeaning(i.kind)}, ${i.nonce.account}): ` +
      {
        next: i.kind === "handover" ? "unused" : "its next nonce",
        used: i.nonce.revoked ? `USED already: revoked by the signer in block ${i.nonce.revoked.block} (next is ${i.nonce.next})` : `USED already (next is ${i.nonce.next})`,
        ahead: `AHEAD of its next nonce ${i.nonce.next}`,
      }[i.nonce.state],
  ];
  for (const s of i.signatures) {
    const standing = s.standing === Standing.Authorized ? "" : ` (${Standing[s.standing]})`;
    if (!s.present) lines.push(`signature of the ${s.party} ${s.account}${standing}: MISSING`);
    else if (s.valid) lines.push(`signature of the ${s.party} ${s.account}${standing}: valid`);
    else lines.push(`signature of the ${s.party} ${s.account}${standing}: DOES NOT MATCH (recovers to ${s.recovered})`);
  }
  if (i.ready) lines.push("ready to submit (rx:submit --in <file>, from any account)");
  else {
    lines.push("NOT READY: the contract would refuse it now:");
    for (const p of i.problems) lines.push(`  - ${p}`);
  }
  return lines;
}
