/**
 * Property-based test of pack-level custody (issue 4): random subsets of a batch's serials, shipped along
 * random paths, are provable exactly where they went.
 *
 * fast-check generates a serialized batch of 4 to 24 random serials at the manufacturer and a sequence of
 * shipments between the manufacturer, two distributors and two pharmacies (forward routes and returns), each
 * of a random non-empty subset of the packs its sender holds loose (or all of them), going out as `shipPacks`
 * through the ship command's library (rx:ship --serials / --all-remaining: the manifest file is planned from
 * the serial file and the manifests at hand, and written under the deployment folder), as a ship signed by the
 * sender and submitted by a third party, or as a handover co-signed by both partners (the manifest planned the
 * same way, the messages signed with src/signing); shipments are then received with the receive
 * command's library (which checks the manifest against the chain), rejected (wrong quantity on a good leg: the packs go back saleable), or left in
 * transit for a later settle. The model (pack-model.ts) says where every pack went.
 *
 * After the sequence, from the chain and the manifest files alone, through the library the commands use:
 *   - every leg is on chain as the model says, with the root of its manifest file, and every manifest holds
 *     (checkManifest against the chain); its packs prove against the batch's serial root with OpenZeppelin's
 *     StandardMerkleTree (a multiproof: a subset of the commissioned serials) and each pack against the leg's
 *     root, while a serial outside the batch, or one of the batch that is not in the leg, is refused;
 *   - for every pack and every leg, the provenance report (`packCustody`, what rx:verify prints) says "proven"
 *     exactly for the legs the model says the pack travelled and "not in this leg's manifest" for the others;
 *     the pack's path, its holder and whether it is in transit are the model's; there is no custody conflict;
 *   - for every pack and every partner, "in the holder's chain of custody" is true exactly when the model has
 *     the pack in that partner's hands (it arrived, or was commissioned, there and has not left since);
 *   - what each partner holds pack by pack (`packsHeld`, what rx:ship --all-remaining ships) is the model's,
 *     and the contract's saleable count agrees;
 *   - `verifyPack` (rx:verify) of two packs with a verifier gives the same custody and the exit code the model
 *     predicts; a serial outside the batch gets SerialNotInBatch; the ship command's ledger refuses a pack its
 *     sender does not hold.
 *
 * FUZZ_RUNS (default 25) sequences of up to FUZZ_STEPS (default 16) steps. A failure prints the seed, the path
 * and the shrunk sequence (`Counterexample: [[serials…], [ship(sender #0 -> its receiver #1, …), …]]`) with
 * the step or the check that failed and the whole run as it went on chain; FUZZ_SEED, FUZZ_PATH and
 * FUZZ_REPLAY_PATH replay it. FUZZ_STATS=1 prints how the legs went.
 * A long run:  FUZZ_RUNS=300 npx hardhat test --no-compile test/property/Manifests.test.ts
 */
import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt } from "ethers";
import type { RxTrace } from "../../typechain-types";
import { parseBatchRef, requireBatch, type KnownBatch } from "../../src/commands/shared/batch-lookup";
import { deploymentsDir } from "../../src/chain/deployment";
import { Verdict } from "../../src/domain/enums";
import { InputError } from "../../src/domain/errors";
import { formatGtin } from "../../src/gs1/identifiers";
import { serialToBytes32 } from "../../src/domain/ids";
import { buildManifest, ManifestTree, packsOf, type Manifest } from "../../src/manifests/manifest";
import { checkManifest, manifestEvidence, type LoadedManifest, type ManifestFacts } from "../../src/manifests/check";
import { loadManifests, manifestFiles, manifestPath, saveManifest } from "../../src/files/manifest-files";
import { packsHeld } from "../../src/manifests/holdings";
import { packLedger, planPackShipment, selectPacks, type DeploymentContext, type PackSelection } from "../../src/commands/packs/selection";
import { custodyFacts, partnerDirectory, verifyPack } from "../../src/chain/events/provenance";
import { custodyWarnings, NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE, verdictExitCode } from "../../src/domain/report";
import { packCustody, type CustodyFacts, type PackCustody, type PartnerInfo } from "../../src/domain/provenance";
import { CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN } from "../../src/scenario/scenario";
import { saveSerialFile } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import { parseReceiveArgs, parseRejectArgs, parseShipArgs, receiveWithLogger, rejectWithReason, shipUnits } from "../../src/commands/custody/shipments";
import { legFields, readDomain, signOperation, unusedHandoverNonce, type SignedOperation } from "../../src/signing/typed-data";
import { sendSigned, type SignedDocument } from "../../src/signing/document";
import { partnersFixture } from "../fixtures";
import { loggerAfterTrip } from "../logger-trip";
import { batchSerials, packSequences, PARTNERS, PackModel, type LegModel, type Mode, type Partner, type PackRunner, type SettleOp, type ShipOp } from "./pack-model";
import { envInt, fuzzSeed } from "./env";
import { tempDir } from "../tmp";

const RUNS = envInt("FUZZ_RUNS", 25);
const STEPS = envInt("FUZZ_STEPS", 16);
const SEED = fuzzSeed();
const MIN_PACKS = 4;
const MAX_PACKS = 24;

const LOT = "PROP-M1";
const GOOD_LOGGER = path.join(__dirname, "..", "..", "examples", "logger-good.csv");
/** A handover's temperature summary within the lot's 2-8 °C. */
const HANDOVER_LEG = legFields({ minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: ethers.id("property test handover logger") });
const SIGNATURE_LIFETIME = 3600n;
const TEXT = { proven: "proven", notInManifest: "not in this leg's manifest" } as const;

/** The deployment with the cast onboarded, the accounts by partner, and the contract's EIP-712 domain. */
async function packsFixture() {
  const base = await loadFixture(partnersFixture);
  const signers: Record<Partner, HardhatEthersSigner> = {
    manufacturer: base.manufacturer,
    distributor: base.distributor,
    distributor2: base.distributor2,
    pharmacy: base.pharmacy,
    pharmacy2: base.pharmacy2,
  };
  const context: DeploymentContext = {
    network: hre.network.name,
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    contract: await base.rx.getAddress(),
    fromBlock: 0,
  };
  return { rx: base.rx, signers, relayer: base.stranger, context, domain: await readDomain(base.rx) };
}
type PacksFixture = Awaited<ReturnType<typeof packsFixture>>;

/** One sequence's batch: commissioned with `serials`, its serial file saved, no manifest kept yet. */
interface Lot {
  serials: readonly string[];
  tree: SerialTree;
  batch: KnownBatch;
  /** A valid serial that the batch does not have. */
  outside: string;
}

async function commissionLot(f: PacksFixture, serials: readonly string[]): Promise<Lot> {
  const tree = SerialTree.of(serials);
  const ref = parseBatchRef({ gtin: formatGtin(GTIN), lot: LOT });
  await f.rx.connect(f.signers.manufacturer).commissionBatch({
    gtin: GTIN,
    lot: LOT,
    expiry: (await time.latest()) + 3 * 365 * 24 * 3600,
    quantity: BigInt(serials.length),
    ...COLD_CHAIN,
    serialRoot: tree.root,
    certificateHash: CERTIFICATE_HASH,
    certificateURI: CERTIFICATE_URI,
  });
  // The chain went back to the fixture: so do the files that describe it.
  rmSync(path.join(deploymentsDir(), f.context.network), { recursive: true, force: true });
  saveSerialFile(f.context.network, ref.batchId, GTIN, LOT, tree);
  let outside = "OUTSIDE1";
  for (let i = 2; serials.includes(outside); i++) outside = `OUTSIDE${i}`;
  return { serials, tree, batch: await requireBatch(f.rx, ref), outside };
}

interface Stats {
  sequences: number;
  steps: number;
  legs: Map<string, number>;
  packLegChecks: number;
  chainOfCustodyChecks: number;
  packsPerLeg: number;
}
const stats: Stats = { sequences: 0, steps: 0, legs: new Map(), packLegChecks: 0, chainOfCustodyChecks: 0, packsPerLeg: 0 };

function bump(key: string): void {
  stats.legs.set(key, (stats.legs.get(key) ?? 0) + 1);
}

function eventArgs(rx: RxTrace, receipt: ContractTransactionReceipt, name: string): Record<string, unknown> {
  for (const log of receipt.logs) {
    const parsed = rx.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args.toObject();
  }
  throw new Error(`transaction ${receipt.hash} emitted no ${name}`);
}

function same<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

class ChainRunner implements PackRunner {
  private readonly trace: string[] = [];
  /** What the library printed during the current step. */
  private out: string[] = [];
  private readonly print = (line: string): void => void this.out.push(line);
  private readonly names = new Map<string, string>();
  private files = 0;

  constructor(
    private readonly f: PacksFixture,
    private readonly lot: Lot,
    private readonly scratch: string,
  ) {
    for (const p of PARTNERS) this.names.set(this.address(p).toLowerCase(), p);
  }

  private address(p: Partner): string {
    return this.f.signers[p].address;
  }

  private name(account: string | undefined): string {
    return account === undefined ? "(none)" : (this.names.get(account.toLowerCase()) ?? account);
  }

  private get batchId(): string {
    return this.lot.batch.batchId;
  }

  // ---- steps ----

  async ship(op: ShipOp, model: PackModel): Promise<void> {
    const { from, to, packs } = model.resolveShip(op);
    const what = op.all ? `all ${packs.length} loose pack(s)` : `${packs.length} pack(s)`;
    const label = `${op.mode} ${from} -> ${to}, ${what} [${packs.join(" ")}]`;
    await this.step(label, async () => {
      const selection: PackSelection = op.all ? { allRemaining: true, cases: [] } : { serials: packs, allRemaining: false, cases: [] };
      const { id, manifest } = op.mode === "shipPacks" ? await this.shipByCommand(from, to, op.all ? undefined : packs) : await this.shipSigned(op.mode, from, to, selection);
      if (!same(manifest.packs, packs) || manifest.cases.length !== 0) {
        throw new Error(`the manifest lists [${manifest.packs.join(" ")}]${manifest.cases.length ? " and cases" : ""}, not the packs chosen`);
      }
      if (manifest.shipmentId.toLowerCase() !== id.toLowerCase()) throw new Error(`the manifest names leg ${manifest.shipmentId}, the chain ${id}`);
      const leg = model.ship(op.mode, from, to, packs, id);
      bump(op.mode);
      if (to === "manufacturer" || from === "pharmacy" || from === "pharmacy2") bump("returns");
      stats.packsPerLeg += packs.length;
      if (op.mode === "handover" || op.then === "hold") return `${id}: ${leg.settlement}`;
      await this.settleLeg(leg, op.then);
      model.settle(leg, op.then);
      return `${id}: ${leg.settlement}`;
    });
  }

  async settle(op: SettleOp, model: PackModel): Promise<void> {
    const pending = model.inTransit();
    const leg = pending[op.pick % pending.length];
    await this.step(`${op.action} leg ${leg.index + 1} (${leg.from} -> ${leg.to}, [${leg.packs.join(" ")}])`, async () => {
      await this.settleLeg(leg, op.action);
      model.settle(leg, op.action);
      return `${leg.id}: ${leg.settlement}`;
    });
  }

  private async step(label: string, body: () => Promise<string>): Promise<void> {
    this.out = [];
    stats.steps++;
    let outcome: string;
    try {
      outcome = await body();
    } catch (error) {
      this.trace.push(`${this.trace.length + 1}. ${label} -> FAILED`);
      this.fail(`step ${this.trace.length}: ${label}`, [(error as Error).message, "what the library printed:", ...this.out.map((l) => `  ${l}`)]);
    }
    this.trace.push(`${this.trace.length + 1}. ${label} -> ${outcome}`);
  }

  /** rx:ship --serials FILE (or --all-remaining): the command's library plans the manifest, ships with shipPacks and keeps the file. */
  private async shipByCommand(from: Partner, to: Partner, packs: string[] | undefined): Promise<{ id: string; manifest: Manifest }> {
    let serials: string | undefined;
    if (packs) {
      serials = path.join(this.scratch, `serials-${++this.files}.txt`);
      writeFileSync(serials, packs.join("\n") + "\n");
    }
    const input = parseShipArgs({ gtin: formatGtin(GTIN), lot: LOT, to: this.address(to), serials, allRemaining: packs === undefined });
    const result = await shipUnits(this.f.rx, this.f.signers[from], input, this.print, this.f.context);
    if (!result.manifest) throw new Error("shipUnits shipped named packs without a manifest");
    return { id: result.shipmentId, manifest: result.manifest };
  }

  /**
   * A ship signed by the sender, or a handover co-signed by both, of the packs the ship command's library plans
   * (planPackShipment); a third party submits it. The manifest is then kept under the deployment folder, where
   * the commands look for it.
   */
  private async shipSigned(mode: Exclude<Mode, "shipPacks">, from: Partner, to: Partner, selection: PackSelection): Promise<{ id: string; manifest: Manifest }> {
    const { rx, domain, context } = this.f;
    const sender = this.address(from);
    const receiver = this.address(to);
    const plan = await planPackShipment(rx, context, this.lot.batch, sender, receiver, selection, this.print);
    const m = plan.manifest;
    const deadline = BigInt(await time.latest()) + SIGNATURE_LIFETIME;
    const base = { batchId: this.batchId, sender, receiver, quantity: BigInt(m.quantity), manifest: m.root, deadline };
    const op: SignedOperation =
      mode === "shipSigned"
        ? { kind: "ship", message: { ...base, nonce: (await rx.partner(sender)).nonce } }
        : { kind: "handover", message: { ...base, leg: HANDOVER_LEG, nonce: await unusedHandoverNonce(rx, sender) } };
    const signatures: SignedDocument["signatures"] = [{ party: "sender", signer: sender, ...(await signOperation(this.f.signers[from], domain, op)) }];
    if (op.kind === "handover") signatures.push({ party: "receiver", signer: receiver, ...(await signOperation(this.f.signers[to], domain, op)) });
    const doc = { ...op, domain, signatures } as SignedDocument;
    const receipt = await (await sendSigned(rx.connect(this.f.relayer), doc)).wait();
    if (!receipt) throw new Error(`${mode}: no receipt`);
    const event = eventArgs(rx, receipt, op.kind === "handover" ? "HandedOver" : "Shipped");
    const id = String(op.kind === "handover" ? event.handoverId : event.shipmentId);
    if (BigInt(event.nonce as bigint) !== BigInt(m.nonce)) throw new Error(`the leg took nonce ${String(event.nonce)}, the manifest was planned for ${m.nonce}`);
    saveManifest({ ...m, transactionHash: receipt.hash }, manifestPath(context.network, id));
    return { id, manifest: m };
  }

  /** rx:receive (the manifest kept under the deployment folder is checked against the chain first) or rx:reject. */
  private async settleLeg(leg: LegModel, action: "receive" | "reject"): Promise<void> {
    const signer = this.f.signers[leg.to];
    if (action === "receive") {
      const result = await receiveWithLogger(this.f.rx, signer, 0, parseReceiveArgs({ shipment: leg.id, logger: await loggerAfterTrip((method, params) => hre.network.provider.send(method, params), GOOD_LOGGER) }), this.print, this.f.context);
      if (result.manifestChecked !== true) throw new Error(`rx:receive did not check the manifest (manifestChecked ${String(result.manifestChecked)})`);
      if (result.excursion) throw new Error("rx:receive reported an excursion for the good logger file");
    } else {
      // Issue 11: a rejection sends the packs back saleable only with an in-range leg and a reason that says
      // nothing against the goods (else into the sender's quarantine, where they are not loose packs to ship).
      const logger = await loggerAfterTrip((method, params) => hre.network.provider.send(method, params), GOOD_LOGGER);
      const result = await rejectWithReason(this.f.rx, signer, 0, parseRejectArgs({ shipment: leg.id, reason: "wrong-product", logger }), this.print);
      if (result.quarantined !== false) throw new Error(`rx:reject put the packs in quarantine (quarantined ${String(result.quarantined)}) for a good logger file`);
    }
    bump(action === "receive" ? "received" : "rejected");
  }

  // ---- the property ----

  /** Everything the header promises, from the chain and the manifest files; fails with every problem found. */
  async finish(model: PackModel): Promise<void> {
    const { rx, context } = this.f;
    if (model.inTransit().length > 0) stats.legs.set("left in transit", (stats.legs.get("left in transit") ?? 0) + model.inTransit().length);
    const problems: string[] = [];
    const facts = await custodyFacts(rx, this.batchId, context.fromBlock);
    const chainFacts: Omit<ManifestFacts, "casesSealedNow"> = { chainId: context.chainId, contract: context.contract, custody: facts };
    problems.push(...this.checkLegs(model, facts));

    const { loaded, unreadable } = loadManifests(manifestFiles(context.network), "manifest");
    for (const u of unreadable) problems.push(`manifest file ${u.file} is unreadable: ${u.problem}`);
    if (loaded.length !== model.legs.length) problems.push(`${loaded.length} manifest files are kept for ${model.legs.length} legs`);
    for (const leg of model.legs) problems.push(...this.checkManifestOf(leg, loaded, facts, chainFacts));

    const evidence = manifestEvidence(loaded, chainFacts);
    for (const e of evidence.filter((x) => !x.valid)) problems.push(`manifestEvidence: ${e.file} does not hold: ${e.problems.join("; ")}`);
    const directory = await partnerDirectory(rx, context.fromBlock);
    const who = (account: string): PartnerInfo => directory.get(account.toLowerCase()) ?? { account, name: "(not a partner)", gln: "", role: "None" };
    const times = new Map<number, number>();
    for (const serial of model.serials) {
      problems.push(...this.checkCustody(serial, packCustody(serial, facts, evidence, who, times), model));
      for (const p of PARTNERS) {
        const verifier = packCustody(serial, facts, evidence, who, times, this.address(p)).verifier;
        stats.chainOfCustodyChecks++;
        if (verifier?.inChain !== model.inChainOf(serial, p)) {
          problems.push(`${serial}: in ${p}'s chain of custody? the report says ${String(verifier?.inChain)} (${verifier?.reason}), the model ${model.inChainOf(serial, p)}`);
        }
      }
    }
    const forged = packCustody(this.lot.outside, facts, evidence, who, times);
    if (forged.legs.some((l) => l.status !== "not-in-manifest") || forged.path.length !== 0) {
      problems.push(`${this.lot.outside} (not in the batch): legs ${forged.legs.map((l) => l.status).join(", ")}, path of ${forged.path.length} step(s)`);
    }

    problems.push(...(await this.checkHoldings(model, facts, loaded)));
    problems.push(...(await this.checkVerify(model, loaded, chainFacts)));
    problems.push(...(await this.checkRefusals(model)));
    if (problems.length > 0) this.fail("after the sequence", problems);
  }

  /** The batch's legs on chain, oldest first, are the model's, each with a manifest root. */
  private checkLegs(model: PackModel, facts: CustodyFacts): string[] {
    const problems: string[] = [];
    if (facts.serialRoot?.toLowerCase() !== this.lot.tree.root) problems.push(`the chain's serial root is ${facts.serialRoot}, the batch's ${this.lot.tree.root}`);
    if (facts.legs.length !== model.legs.length) problems.push(`the chain has ${facts.legs.length} legs of the batch, the model ${model.legs.length}`);
    model.legs.forEach((leg, i) => {
      const chain = facts.legs[i];
      if (!chain) return;
      const expected = `${leg.id.toLowerCase()} ${leg.mode === "handover" ? "handover" : "shipment"} ${leg.from} -> ${leg.to} x${leg.packs.length} ${leg.settlement}`;
      const actual = `${chain.shipmentId.toLowerCase()} ${chain.kind} ${this.name(chain.sender)} -> ${this.name(chain.receiver)} x${chain.quantity} ${chain.settlement}`;
      if (expected !== actual) problems.push(`leg ${i + 1}: the chain has ${actual}, the model ${expected}`);
      if (!chain.manifest) problems.push(`leg ${i + 1}: no manifest root on chain`);
    });
    return problems;
  }

  /**
   * Leg `leg`'s manifest file: it holds against the chain, lists the model's packs, proves them against the
   * batch's serial root (OpenZeppelin's multiproof) and each against the leg's root; a serial outside the batch
   * and one of the batch that is not in the leg do not prove.
   */
  private checkManifestOf(leg: LegModel, loaded: readonly LoadedManifest[], facts: CustodyFacts, chainFacts: Omit<ManifestFacts, "casesSealedNow">): string[] {
    const where = `leg ${leg.index + 1} (${leg.id})`;
    const found = loaded.find((l) => l.manifest.shipmentId.toLowerCase() === leg.id.toLowerCase());
    if (!found) return [`${where}: no manifest file is kept for it`];
    const m = found.manifest;
    const problems = checkManifest(m, chainFacts).map((p) => `${where}: checkManifest: ${p}`);
    const packs = packsOf(m);
    if (!same(packs, leg.packs)) problems.push(`${where}: the manifest file lists [${packs.join(" ")}], the model [${leg.packs.join(" ")}]`);
    const onChain = facts.legs[leg.index]?.manifest?.toLowerCase();
    if (m.root.toLowerCase() !== onChain) problems.push(`${where}: the file's root ${m.root}, the chain's ${onChain}`);
    if (packs.some((s) => !this.lot.tree.has(s))) problems.push(`${where}: lists a serial the batch was not commissioned with`);

    const serialRoot = facts.serialRoot ?? "";
    if (!this.batchMultiProof(serialRoot, m, packs)) problems.push(`${where}: OpenZeppelin's verifyMultiProof refuses the packs against the serial root`);
    const swap = (serial: string) => [serial, ...packs.slice(1)];
    if (this.batchMultiProof(serialRoot, m, swap(this.lot.outside))) problems.push(`${where}: the multiproof accepts ${this.lot.outside}, which is not in the batch`);
    const tampered = checkManifest({ ...m, packs: swap(this.lot.outside) }, chainFacts);
    if (!tampered.some((p) => p.startsWith("batchProof:"))) problems.push(`${where}: checkManifest accepts ${this.lot.outside} in place of ${packs[0]}: ${tampered.join("; ")}`);

    const tree = ManifestTree.of(m.packs, m.cases.map((c) => BigInt(c.sscc)));
    if (tree.root !== m.root.toLowerCase()) problems.push(`${where}: the tree of the file's packs has root ${tree.root}, the file ${m.root}`);
    for (const serial of packs) {
      if (!StandardMerkleTree.verify(m.root, ["uint8", "bytes32"], [0, serialToBytes32(serial)], tree.proofOfPack(serial))) {
        problems.push(`${where}: ${serial} does not prove against the leg's root`);
      }
    }
    const absent = this.lot.serials.find((s) => !packs.includes(s));
    if (absent !== undefined) {
      if (this.batchMultiProof(serialRoot, m, swap(absent))) problems.push(`${where}: the multiproof accepts ${absent}, which is not in the leg`);
      const listed = checkManifest({ ...m, packs: swap(absent) }, chainFacts);
      if (!listed.some((p) => p.startsWith("root:"))) problems.push(`${where}: checkManifest accepts ${absent}, not in the leg, in place of ${packs[0]}: ${listed.join("; ")}`);
      const refused = this.throwsInputError(() => tree.proofOfPack(absent), "serial", absent);
      if (refused) problems.push(`${where}: proofOfPack(${absent}), a pack not in the leg: ${refused}`);
      // The leg's own proof of another pack does not carry the absent one to the root either.
      if (StandardMerkleTree.verify(m.root, ["uint8", "bytes32"], [0, serialToBytes32(absent)], tree.proofOfPack(packs[0]))) {
        problems.push(`${where}: ${absent}, not in the leg, proves against its root`);
      }
    }
    return problems;
  }

  /** OpenZeppelin's StandardMerkleTree.verifyMultiProof of `serials` with the manifest's batch proof (leaves by tree index, descending). */
  private batchMultiProof(serialRoot: string, m: Manifest, serials: readonly string[]): boolean {
    const leaves = serials
      .map((serial, i) => ({ serial, index: m.batchProof.indices[i] }))
      .sort((a, b) => b.index - a.index)
      .map(({ serial }) => [serialToBytes32(serial)]);
    const proofFlags = [...m.batchProof.proofFlags].map((f) => f === "1");
    try {
      return StandardMerkleTree.verifyMultiProof(serialRoot, ["bytes32"], { leaves, proof: m.batchProof.proof, proofFlags });
    } catch {
      return false;
    }
  }

  /** The report's legs, path, holder and conflicts for `serial` against the model. */
  private checkCustody(serial: string, custody: PackCustody | undefined, model: PackModel): string[] {
    if (!custody) return [`${serial}: the report has no custody section`];
    const pack = model.pack(serial);
    const problems: string[] = [];
    const expectedStatus = model.legs.map((leg) => (leg.packs.includes(serial) ? TEXT.proven : TEXT.notInManifest));
    const status = custody.legs.map((l) => l.statusText);
    stats.packLegChecks += model.legs.length;
    if (!same(status, expectedStatus)) {
      const lines = model.legs.map((leg, i) => `leg ${i + 1} ${leg.from} -> ${leg.to}: report "${status[i]}", model "${expectedStatus[i]}"`);
      problems.push(`${serial}: the report's legs differ from the model's:\n      ${lines.join("\n      ")}`);
    }
    const step = (id: string, from: string, to: string, settlement: string, unproven: boolean) => `${id.toLowerCase()} ${from} -> ${to} ${settlement}${unproven ? " (unproven before)" : ""}`;
    const path = custody.path.map((s) => step(s.shipmentId, this.name(s.from.account), this.name(s.to.account), s.settlement, s.unprovenBefore));
    const expectedPath = pack.legs.map((i) => model.legs[i]).map((l) => step(l.id, l.from, l.to, l.settlement, false));
    if (!same(path, expectedPath)) problems.push(`${serial}: the report's path is [${path.join(", ")}], the model's [${expectedPath.join(", ")}]`);
    const holder = `${this.name(custody.holder?.account)}${custody.inTransit ? " (in transit)" : ""}`;
    const expectedHolder = `${pack.holder}${pack.inTransit ? " (in transit)" : ""}`;
    if (holder !== expectedHolder) problems.push(`${serial}: the report's holder is ${holder}, the model's ${expectedHolder}`);
    if (this.name(custody.origin?.account) !== "manufacturer") problems.push(`${serial}: the report's origin is ${this.name(custody.origin?.account)}`);
    if (custody.conflicts.length > 0) problems.push(`${serial}: the report finds custody conflicts: ${JSON.stringify(custody.conflicts.map((c) => c.shipments))}`);
    const n = model.legs.length;
    if (custody.manifests.consulted !== n || custody.manifests.valid !== n) {
      problems.push(`${serial}: the report consulted ${custody.manifests.consulted} manifests (${custody.manifests.valid} valid) for ${n} legs`);
    }
    return problems;
  }

  /** packsHeld (what rx:ship --all-remaining ships) and the contract's stock, partner by partner. */
  private async checkHoldings(model: PackModel, facts: CustodyFacts, loaded: readonly LoadedManifest[]): Promise<string[]> {
    const problems: string[] = [];
    const manifests = loaded.map((l) => l.manifest);
    for (const p of PARTNERS) {
      const expected = model.loose(p);
      const held = packsHeld(this.address(p), facts, manifests, this.lot.tree.serials);
      const list = this.lot.serials.filter((s) => held.has(s));
      if (!same(list, expected) || held.size !== list.length) problems.push(`${p} holds [${[...held].join(" ")}] by packsHeld, [${expected.join(" ")}] by the model`);
      const h = await this.f.rx.holding(this.batchId, this.address(p));
      if (h.saleable !== BigInt(expected.length) || h.quarantined !== 0n) {
        problems.push(`${p}: the contract counts ${h.saleable} saleable and ${h.quarantined} quarantined, the model ${expected.length} loose packs`);
      }
    }
    return problems;
  }

  /**
   * rx:verify's report (verifyPack with the manifests at hand, as verify-command.ts builds it) of two packs,
   * one verified by its holder and one by a partner picked by the sequence's length, and of a serial outside
   * the batch.
   */
  private async checkVerify(model: PackModel, loaded: readonly LoadedManifest[], chainFacts: Omit<ManifestFacts, "casesSealedNow">): Promise<string[]> {
    const problems: string[] = [];
    const n = model.legs.length;
    const options = (holder: string | undefined, proof: string[]) => ({
      proof,
      holder,
      fromBlock: this.f.context.fromBlock,
      manifests: (custody: CustodyFacts) => manifestEvidence(loaded, { ...chainFacts, custody }),
    });
    const samples: [string, Partner][] = [
      [model.serials[n % model.serials.length], model.pack(model.serials[n % model.serials.length]).holder],
      [model.serials[(3 * n + 1) % model.serials.length], PARTNERS[n % PARTNERS.length]],
    ];
    for (const [serial, verifier] of samples) {
      const report = await verifyPack(this.f.rx, { gtin: GTIN, lot: LOT, serial }, options(this.address(verifier), this.lot.tree.proof(serial)));
      const saleable = model.loose(verifier).length;
      if (n === 0) {
        // No leg carries a manifest: the report has no pack-level part, and the verdict is the contract's.
        if (report.custody !== undefined) problems.push(`verifyPack ${serial}: a custody section without any leg`);
        if (verdictExitCode(report) !== (saleable === 0 ? 10 + Verdict.NotInCustody : 0)) problems.push(`verifyPack ${serial} by ${verifier}: verdict ${report.verdict}`);
        continue;
      }
      problems.push(...this.checkCustody(serial, report.custody, model).map((p) => `verifyPack: ${p}`));
      const inChain = model.inChainOf(serial, verifier);
      if (report.custody?.verifier?.inChain !== inChain) {
        problems.push(`verifyPack ${serial} by ${verifier}: in its chain of custody? the report says ${String(report.custody?.verifier?.inChain)}, the model ${inChain}`);
      }
      const warned = custodyWarnings(report.custody).some((w) => w.startsWith("WARNING: NOT IN THE VERIFIER'S CHAIN OF CUSTODY"));
      if (warned === inChain) problems.push(`verifyPack ${serial} by ${verifier}: ${warned ? "warns" : "does not warn"} that the pack is not in its chain of custody`);
      const expected = saleable === 0 ? 10 + Verdict.NotInCustody : inChain ? 0 : NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE;
      if (verdictExitCode(report) !== expected) {
        problems.push(`verifyPack ${serial} by ${verifier} (${saleable} loose packs): verdict ${report.verdict}, exit code ${verdictExitCode(report)}, expected ${expected}`);
      }
    }
    const forged = await verifyPack(this.f.rx, { gtin: GTIN, lot: LOT, serial: this.lot.outside }, options(undefined, []));
    if (forged.verdictCode !== Verdict.SerialNotInBatch || verdictExitCode(forged) !== 10 + Verdict.SerialNotInBatch) {
      problems.push(`verifyPack ${this.lot.outside} (not in the batch): verdict ${forged.verdict}, exit code ${verdictExitCode(forged)}`);
    }
    if (forged.custody?.legs.some((l) => l.status !== "not-in-manifest") || (forged.custody?.path.length ?? 0) !== 0) {
      problems.push(`verifyPack ${this.lot.outside} (not in the batch): the report proves it in a leg`);
    }
    return problems;
  }

  /**
   * The ship command's ledger for one partner (picked by the sequence's length) holds what the model says and
   * refuses a pack the partner does not hold; a manifest of a serial outside the batch is refused.
   */
  private async checkRefusals(model: PackModel): Promise<string[]> {
    const problems: string[] = [];
    const p = PARTNERS[(model.legs.length * 3 + 1) % PARTNERS.length];
    const account = this.address(p);
    const ledger = await packLedger(this.f.rx, this.f.context, this.lot.batch, account);
    for (const bad of ledger.invalid) problems.push(`packLedger(${p}): ${bad.file} does not match the chain: ${bad.problems.join("; ")}`);
    const held = this.lot.serials.filter((s) => ledger.held.has(s));
    if (!same(held, model.loose(p))) problems.push(`packLedger(${p}) holds [${held.join(" ")}], the model [${model.loose(p).join(" ")}]`);
    for (const serial of [model.serials.find((s) => !model.inChainOf(s, p)), this.lot.outside]) {
      if (serial === undefined) continue;
      const refused = this.throwsInputError(() => selectPacks(ledger, account, { serials: [serial], allRemaining: false, cases: [] }), "--serials", serial);
      if (refused) problems.push(`selectPacks: ${p} ships ${serial}, which it does not hold: ${refused}`);
    }
    const plan = {
      chainId: this.f.context.chainId,
      contract: this.f.context.contract,
      gtin: GTIN,
      lot: LOT,
      serialRoot: this.lot.tree.root,
      sender: this.address("manufacturer"),
      receiver: this.address("distributor"),
      nonce: 0,
      packs: [this.lot.serials[0], this.lot.outside],
      cases: [],
    };
    const refused = this.throwsInputError(() => buildManifest(plan, ledger.prover), "serial", this.lot.outside);
    if (refused) problems.push(`buildManifest with ${this.lot.outside}, not in the batch: ${refused}`);
    return problems;
  }

  /** Undefined when `body` throws an InputError naming `field` and `value`; else what happened. */
  private throwsInputError(body: () => unknown, field: string, value: string): string | undefined {
    try {
      body();
    } catch (error) {
      if (error instanceof InputError && error.field === field && error.value === value) return undefined;
      return `threw ${(error as Error).name}: ${(error as Error).message}, expected an InputError on ${field} with ${value}`;
    }
    return "it was accepted";
  }

  private fail(where: string, lines: string[]): never {
    throw new Error(
      [
        where,
        ...lines.map((l) => `  ${l}`),
        `the batch: ${this.lot.serials.length} packs [${this.lot.serials.join(" ")}]`,
        "the sequence as it ran:",
        ...this.trace.map((t) => `  ${t}`),
      ].join("\n"),
    );
  }
}

describe("RxTrace pack-level custody (property-based)", function () {
  let previousDir: string | undefined;
  let dir: string;
  let scratch: string;

  // The manifests and serial files go to a folder of this file's own, whatever the other test files use.
  before(function () {
    previousDir = process.env.RXTRACE_DEPLOYMENTS_DIR;
    dir = tempDir("rx-manifests-property-");
    scratch = tempDir("rx-manifests-scratch-");
    process.env.RXTRACE_DEPLOYMENTS_DIR = dir;
  });

  after(async function () {
    if (previousDir === undefined) delete process.env.RXTRACE_DEPLOYMENTS_DIR;
    else process.env.RXTRACE_DEPLOYMENTS_DIR = previousDir;
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    // Leave the network as the fixture left it, without this file's batch, for the files that run after.
    await loadFixture(packsFixture);
  });

  describe("when random subsets of a batch's serials travel random paths (shipPacks, signed ships and co-signed handovers; received, rejected or in transit)", function () {
    it(`proves every pack in exactly the legs it travelled, to exactly the partners that hold it (${RUNS} sequences of up to ${STEPS} steps)`, async function () {
      this.timeout(Math.max(300_000, RUNS * 20_000));
      console.log(`      fast-check seed ${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_STEPS=${STEPS})`);
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(batchSerials(MIN_PACKS, MAX_PACKS), packSequences(STEPS, process.env.FUZZ_REPLAY_PATH || undefined), async (serials, commands) => {
          const f = await loadFixture(packsFixture);
          const lot = await commissionLot(f, serials);
          const model = new PackModel(serials);
          const runner = new ChainRunner(f, lot, scratch);
          stats.sequences++;
          await fc.asyncModelRun(() => ({ model, real: runner }), commands);
          await runner.finish(model);
        }),
        { numRuns: RUNS, seed: SEED, path: process.env.FUZZ_PATH || undefined, includeErrorInReport: true },
      );
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const legs = ["shipPacks", "shipSigned", "handover", "returns", "received", "rejected", "left in transit"].map((k) => `${stats.legs.get(k) ?? 0} ${k}`).join(", ");
      console.log(`      ${stats.sequences} sequences, ${stats.steps} steps (${legs}) in ${seconds} s`);
      console.log(`      ${stats.packLegChecks} pack x leg statuses and ${stats.chainOfCustodyChecks} pack x partner chain-of-custody answers checked`);
      if (process.env.FUZZ_STATS) {
        const shipped = (stats.legs.get("shipPacks") ?? 0) + (stats.legs.get("shipSigned") ?? 0) + (stats.legs.get("handover") ?? 0);
        console.log(`        ${(stats.packsPerLeg / Math.max(1, shipped)).toFixed(1)} packs per leg on average`);
      }
      expect(stats.steps, "steps run").to.be.greaterThan(0);
      expect(stats.packLegChecks, "pack x leg statuses checked").to.be.greaterThan(0);
      expect(stats.chainOfCustodyChecks, "chain-of-custody answers checked").to.be.greaterThan(0);
    });
  });
});

