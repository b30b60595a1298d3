/**
 * Checking a manifest: its own consistency (the root, the batch multiproof, the cases, the count, the id),
 * then against what the chain says about its leg (`checkManifest`); `manifestEvidence` hands the verdicts to
 * the provenance report; `parseManifest` reads a manifest file's JSON, naming the field that is wrong.
 */
import { getAddress, isAddress } from "ethers";
import { InputError } from "../domain/errors";
import { parseGtin, parseLot } from "../gs1/identifiers";
import { batchIdOf, shipmentIdOf } from "../domain/ids";
import { hex } from "../merkle/tree";
import { isBefore, type CustodyFacts, type LegFact, type ManifestEvidence } from "../domain/provenance";
import { MANIFEST_FORMAT, MAX_UINT48, type Manifest, type ManifestCase, ManifestTree, listingProblems, packsOf, replayBatchProof } from "./manifest";

/* ------------------------------------------------------------- checking */

/** What the chain says, to check a manifest against. */
export interface ManifestFacts {
  chainId: number;
  contract: string;
  custody: CustodyFacts;
  /** Receiving: the cases must still be sealed now, not only when the leg left. */
  casesSealedNow?: boolean;
}

/**
 * Everything wrong with manifest `m`, each problem naming the field: against itself (ids, counts, roots, the
 * batch proof, the cases' contents) and, with `facts`, against the chain (the leg's committed root, the batch's
 * serial root, the cases' seals). Empty when the manifest holds.
 */
export function checkManifest(m: Manifest, facts?: ManifestFacts): string[] {
  const problems = listingProblems(m);
  const serials = packsOf(m);
  if (m.batchId.toLowerCase() !== batchIdOf(BigInt(m.gtin), m.lot).toLowerCase()) {
    problems.push(`batchId: ${m.batchId} is not the id of GTIN ${m.gtin} lot ${m.lot}`);
  }
  if (m.quantity !== serials.length) {
    problems.push(`quantity: ${m.quantity} units, but the manifest lists ${serials.length} packs (${m.packs.length} loose, ${serials.length - m.packs.length} in ${m.cases.length} cases)`);
  }
  const id = shipmentIdOf({ batchId: m.batchId, sender: m.sender, receiver: m.receiver, quantity: BigInt(m.quantity), nonce: BigInt(m.nonce) });
  if (id.toLowerCase() !== m.shipmentId.toLowerCase()) problems.push(`shipmentId: ${m.shipmentId} is not the id of the manifest's batch, sender, receiver, quantity and nonce (${id})`);
  if (problems.length === 0) {
    const root = ManifestTree.of(m.packs, m.cases.map((c) => BigInt(c.sscc))).root;
    if (root !== m.root.toLowerCase()) problems.push(`root: ${m.root} is not the root of the packs and cases listed (${root})`);
    const replay = replayBatchProof(m);
    if ("problem" in replay) problems.push(`batchProof: ${replay.problem}`);
    else if (hex(replay.root) !== m.serialRoot.toLowerCase()) {
      problems.push(`batchProof: the packs do not prove against the serial root ${m.serialRoot} (they lead to ${hex(replay.root)}): a pack is not a commissioned serial of the batch, or the proof is another list's`);
    }
  }
  if (facts) problems.push(...chainProblems(m, facts));
  return problems;
}

function chainProblems(m: Manifest, facts: ManifestFacts): string[] {
  const problems: string[] = [];
  const { custody } = facts;
  if (m.chainId !== facts.chainId) problems.push(`chainId: ${m.chainId}, but this is chain ${facts.chainId}`);
  if (m.contract.toLowerCase() !== facts.contract.toLowerCase()) problems.push(`contract: ${m.contract}, but the deployment is ${facts.contract}`);
  if (m.batchId.toLowerCase() !== custody.batchId.toLowerCase()) problems.push(`batchId: ${m.batchId}, not the batch ${custody.batchId}`);
  if (!custody.serialRoot) problems.push(`batchId: no batch ${m.batchId} on this chain`);
  else if (custody.serialRoot.toLowerCase() !== m.serialRoot.toLowerCase()) {
    problems.push(`serialRoot: ${m.serialRoot}, but the batch was commissioned with ${custody.serialRoot}`);
  }
  const leg = custody.legs.find((l) => l.shipmentId.toLowerCase() === m.shipmentId.toLowerCase());
  if (!leg) {
    problems.push(`shipmentId: no shipment or handover ${m.shipmentId} of this batch on the chain`);
  } else if (!leg.manifest) {
    problems.push(`root: ${legName(leg)} carries no manifest (a batch-level leg)`);
  } else if (leg.manifest.toLowerCase() !== m.root.toLowerCase()) {
    problems.push(`root: ${m.root}, but ${legName(leg)} committed to ${leg.manifest}: the list of packs is not the one shipped`);
  }
  m.cases.forEach((c, k) => {
    const sealed = custody.cases.get(c.sscc);
    if (!sealed) {
      problems.push(`cases[${k}]: case ${c.sscc} was never sealed with packs of this batch`);
      return;
    }
    if (sealed.contents.toLowerCase() !== c.contents.toLowerCase() || sealed.packs !== c.packs.length) {
      problems.push(`cases[${k}]: case ${c.sscc} was sealed with ${sealed.packs} packs, contents ${sealed.contents}; the manifest lists ${c.packs.length} packs, contents ${c.contents}`);
    }
    if (leg && !isBefore(sealed, leg)) problems.push(`cases[${k}]: case ${c.sscc} was sealed only after the leg left (block ${sealed.block})`);
    if (sealed.opened && ((leg && isBefore(sealed.opened, leg)) || facts.casesSealedNow)) {
      problems.push(`cases[${k}]: case ${c.sscc} was opened (block ${sealed.opened.block}): its packs travel loose`);
    }
  });
  return problems;
}

function legName(leg: LegFact): string {
  return `${leg.kind} ${leg.shipmentId}`;
}

/** A manifest read from a file. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
}

/** The manifests of `facts`' batch checked against the chain, as the provenance report takes them. */
export function manifestEvidence(loaded: readonly LoadedManifest[], facts: Omit<ManifestFacts, "casesSealedNow">): ManifestEvidence[] {
  return loaded
    .filter(({ manifest }) => manifest.batchId.toLowerCase() === facts.custody.batchId.toLowerCase())
    .map(({ manifest, file }) => {
      const problems = checkManifest(manifest, facts);
      const inCase = new Map<string, string>();
      for (const c of manifest.cases) for (const serial of c.packs) inCase.set(serial, c.sscc);
      return { shipmentId: manifest.shipmentId, file, valid: problems.length === 0, problems, loose: new Set(manifest.packs), inCase };
    });
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** Checks the shape of a parsed manifest file; an InputError names the file, the field and what was expected. */
export function parseManifest(value: unknown, source: string): Manifest {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw new InputError(`${source} ${field}`, got, expected);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("(file)", typeof value, `a JSON object of format ${MANIFEST_FORMAT}`);
  const v = value as Record<string, unknown>;
  if (v.format !== MANIFEST_FORMAT) fail("format", v.format, `"${MANIFEST_FORMAT}"`);
  const int = (field: string, min: number, max: number) => {
    const n = v[field];
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) fail(field, n, `a whole number from ${min} to ${max}`);
    return n as number;
  };
  const bytes32 = (field: string, x: unknown = v[field]) => {
    if (typeof x !== "string" || !BYTES32.test(x)) fail(field, x, "32 bytes as 0x and 64 hex digits");
    return (x as string).toLowerCase();
  };
  const address = (field: string) => {
    const x = v[field];
    if (typeof x !== "string" || !isAddress(x)) fail(field, x, "an address (0x and 40 hex digits)");
    return getAddress(x as string);
  };
  const strings = (field: string, x: unknown) => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === "string")) fail(field, typeof x, "an array of serial strings");
    return x as string[];
  };
  const text = (field: string, parse: (s: string, f: string) => unknown) => {
    const x = v[field];
    if (typeof x !== "string") fail(field, x, "a string");
    try {
      parse(x as string, field);
    } catch (error) {
      fail(field, x, (error as InputError).expected ?? (error as Error).message);
    }
    return x as string;
  };
  const gtin = text("gtin", (s, f) => {
    if (!/^\d{14}$/.test(s)) throw new InputError(f, s, "a GTIN of 14 digits");
    parseGtin(s, f);
  });
  const lot = text("lot", parseLot);
  if (!Array.isArray(v.cases)) fail("cases", typeof v.cases, "an array of {sscc, contents, packs}");
  const cases = (v.cases as unknown[]).map((c, k): ManifestCase => {
    if (typeof c !== "object" || c === null) fail(`cases[${k}]`, c, "an object {sscc, contents, packs}");
    const { sscc, contents, packs } = c as Record<string, unknown>;
    if (typeof sscc !== "string") fail(`cases[${k}].sscc`, sscc, "the case's 18-digit SSCC as a string");
    return { sscc: sscc as string, contents: bytes32(`cases[${k}].contents`, contents), packs: strings(`cases[${k}].packs`, packs) };
  });
  const proof = v.batchProof as Record<string, unknown> | undefined;
  if (typeof proof !== "object" || proof === null) fail("batchProof", proof, "an object {indices, proof, proofFlags}");
  const { indices, proof: nodes, proofFlags } = proof as Record<string, unknown>;
  if (!Array.isArray(indices) || !indices.every((i) => Number.isInteger(i) && i >= 0)) fail("batchProof.indices", typeof indices, "an array of tree indices");
  if (!Array.isArray(nodes)) fail("batchProof.proof", typeof nodes, "an array of 32-byte nodes");
  (nodes as unknown[]).forEach((node, i) => bytes32(`batchProof.proof[${i}]`, node));
  if (typeof proofFlags !== "string" || !/^[01]*$/.test(proofFlags)) fail("batchProof.proofFlags", proofFlags, "a string of 0 and 1");
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    chainId: int("chainId", 1, Number.MAX_SAFE_INTEGER),
    contract: address("contract"),
    batchId: bytes32("batchId"),
    gtin,
    lot,
    serialRoot: bytes32("serialRoot"),
    sender: address("sender"),
    receiver: address("receiver"),
    quantity: int("quantity", 1, MAX_UINT48),
    nonce: int("nonce", 0, 2 ** 32 - 1),
    shipmentId: bytes32("shipmentId"),
    root: bytes32("root"),
    packs: strings("packs", v.packs),
    cases,
    batchProof: { indices: indices as number[], proof: (nodes as string[]).map((n) => n.toLowerCase()), proofFlags: proofFlags as string },
  };
  if (v.transactionHash !== undefined) manifest.transactionHash = bytes32("transactionHash");
  return manifest;
}
