import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { ethers } from "hardhat";
import { InputError } from "../../src/domain/errors";
import { formatSscc, makeSscc, parseSscc } from "../../src/gs1/identifiers";
import { batchIdOf, serialToBytes32, shipmentIdOf } from "../../src/domain/ids";
import { buildManifest, caseContentsOf, KnownBatchNodes, ManifestTree, ssccToBytes32, withNonce, type Manifest, type ManifestPlan } from "../../src/manifests/manifest";
import { checkManifest, parseManifest, type ManifestFacts } from "../../src/manifests/check";
import { loadManifest, saveManifest } from "../../src/files/manifest-files";
import { packsHeld } from "../../src/manifests/holdings";
import type { CaseFact, CustodyFacts, LegFact, Settlement } from "../../src/domain/provenance";
import { GTIN, serialRange } from "../../src/scenario/scenario";
import { SerialTree } from "../../src/merkle/serial-tree";
import { tempDir } from "../tmp";

const LOT = "M24-0001";
const SERIALS = serialRange(64, "MS");
const BATCH = SerialTree.of(SERIALS);
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MANUFACTURER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const DISTRIBUTOR = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const PHARMACY = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const SSCC = "106141411234567897";
const CASE_PACKS = SERIALS.slice(40, 46);
const CASE = { sscc: SSCC, contents: caseContentsOf(CASE_PACKS), packs: CASE_PACKS };

/** The manufacturer's first shipment to the distributor: 10 loose packs and one case of 6. */
function plan(overrides: Partial<ManifestPlan> = {}): ManifestPlan {
  return {
    chainId: 31337, contract: CONTRACT, gtin: GTIN, lot: LOT, serialRoot: BATCH.root, sender: MANUFACTURER, receiver: DISTRIBUTOR,
    nonce: 0, packs: SERIALS.slice(0, 10), cases: [CASE], ...overrides,
  };
}

/** The same manifest with `change` applied (a copy: the original is left alone). */
function tampered(m: Manifest, change: (copy: Manifest) => void): Manifest {
  const copy = JSON.parse(JSON.stringify(m)) as Manifest;
  change(copy);
  return copy;
}

function leg(m: Manifest, overrides: Partial<LegFact> = {}): LegFact {
  return {
    shipmentId: m.shipmentId, kind: "shipment", sender: m.sender, receiver: m.receiver, quantity: BigInt(m.quantity), nonce: m.nonce,
    block: 20, logIndex: 0, tx: ethers.id("tx"), manifest: m.root, settlement: "in-transit", ...overrides,
  };
}

const sealedCase = (overrides: Partial<CaseFact> = {}): CaseFact => ({
  sscc: SSCC, batchId: batchIdOf(GTIN, LOT), packer: MANUFACTURER, contents: CASE.contents, packs: CASE_PACKS.length, block: 10, logIndex: 0, ...overrides,
});

function facts(legs: LegFact[], cases: CaseFact[] = [sealedCase()], dispensed: string[] = []): CustodyFacts {
  return {
    batchId: batchIdOf(GTIN, LOT), manufacturer: MANUFACTURER, serialRoot: BATCH.root, legs,
    cases: new Map(cases.map((c) => [c.sscc, c])), dispensed: new Set(dispensed.map((s) => serialToBytes32(s).toLowerCase())),
  };
}

const onChain = (custody: CustodyFacts, casesSealedNow = false): ManifestFacts => ({ chainId: 31337, contract: CONTRACT, custody, casesSealedNow });

describe("manifest (src/manifests)", function () {
  describe("ManifestTree", function () {
    const packs = SERIALS.slice(0, 7);
    const sscc = BigInt(SSCC);
    const tree = ManifestTree.of(packs, [sscc]);
    const reference = StandardMerkleTree.of<[number, string]>(
      [...packs.map((s): [number, string] => [0, serialToBytes32(s)]), [1, ssccToBytes32(sscc)]],
      ["uint8", "bytes32"],
    );

    it("has the root of OpenZeppelin's StandardMerkleTree over [uint8, bytes32] leaves", function () {
      expect(tree.root).to.equal(reference.root);
    });
    it("gives the library's proof of a loose pack", function () {
      expect(tree.proofOfPack("MS000003")).to.deep.equal(reference.getProof([0, serialToBytes32("MS000003")]));
    });
    it("gives the library's proof of a case", function () {
      expect(tree.proofOfCase(sscc)).to.deep.equal(reference.getProof([1, ssccToBytes32(sscc)]));
    });
    it("hands the same tree to the library", function () {
      const standard = tree.toStandardTree();
      expect(standard.root).to.equal(reference.root);
      expect(standard.verify([1, ssccToBytes32(sscc)], tree.proofOfCase(sscc))).to.equal(true);
    });
    it("encodes a case as bytes32(uint256(sscc))", function () {
      expect(ssccToBytes32(sscc)).to.equal(ethers.zeroPadValue(ethers.toBeHex(sscc), 32));
    });
    it("refuses a pack it does not list", function () {
      expect(() => tree.proofOfPack("MS000050")).to.throw(InputError).with.property("field", "serial");
    });
  });

  describe("caseContentsOf", function () {
    it("is the batch-style serial tree of the case's packs (StandardMerkleTree over bytes32)", function () {
      const reference = StandardMerkleTree.of(CASE_PACKS.map((s) => [serialToBytes32(s)]), ["bytes32"]);
      expect(caseContentsOf(CASE_PACKS)).to.equal(reference.root);
    });
  });

  describe("buildManifest", function () {
    const manifest = buildManifest(plan(), BATCH);

    it("lists the packs and the case and counts both", function () {
      expect([manifest.packs, manifest.cases, manifest.quantity]).to.deep.equal([SERIALS.slice(0, 10), [CASE], 16]);
    });
    it("commits to the root of the loose packs and the case", function () {
      expect(manifest.root).to.equal(ManifestTree.of(SERIALS.slice(0, 10), [BigInt(SSCC)]).root);
    });
    it("names the shipment the contract will create", function () {
      const batchId = batchIdOf(GTIN, LOT);
      expect(manifest.shipmentId).to.equal(shipmentIdOf({ batchId, sender: MANUFACTURER, receiver: DISTRIBUTOR, quantity: 16n, nonce: 0n }));
    });
    it("proves every pack with OpenZeppelin's multiproof against the batch", function () {
      const reference = StandardMerkleTree.of(SERIALS.map((s) => [serialToBytes32(s)]), ["bytes32"]);
      const all = [...SERIALS.slice(0, 10), ...CASE_PACKS].map((s) => [serialToBytes32(s)]);
      const expected = reference.getMultiProof(all);
      expect(manifest.batchProof.proof).to.deep.equal(expected.proof);
      expect([...manifest.batchProof.proofFlags].map((f) => f === "1")).to.deep.equal(expected.proofFlags);
      expect(reference.verifyMultiProof({ leaves: expected.leaves, proof: manifest.batchProof.proof, proofFlags: expected.proofFlags })).to.equal(true);
    });
    it("places each pack at its leaf of the batch tree", function () {
      expect(manifest.batchProof.indices).to.deep.equal([...SERIALS.slice(0, 10), ...CASE_PACKS].map((s) => BATCH.treeIndex(s)));
    });
    it("holds by itself", function () {
      expect(checkManifest(manifest)).to.deep.equal([]);
    });
    it("refuses a pack listed twice", function () {
      expect(() => buildManifest(plan({ packs: [...SERIALS.slice(0, 3), CASE_PACKS[0]] }), BATCH)).to.throw(InputError, /pack MS000041 is listed twice/);
    });
    it("refuses a serial the batch does not have", function () {
      expect(() => buildManifest(plan({ packs: ["FORGED1"] }), BATCH)).to.throw(InputError).with.property("value", "FORGED1");
    });
    it("refuses a case whose contents are not its packs' root", function () {
      expect(() => buildManifest(plan({ cases: [{ ...CASE, packs: SERIALS.slice(40, 45) }] }), BATCH)).to.throw(/cases\[0\]\.contents: .* is not the root of the case's packs/);
    });
    it("refuses an SSCC with a wrong check digit", function () {
      expect(() => buildManifest(plan({ cases: [{ ...CASE, sscc: "106141411234567890" }] }), BATCH)).to.throw(/expected an SSCC whose check digit is 7/);
    });
    it("follows another nonce with the shipment id", function () {
      const next = withNonce(manifest, 3);
      expect([next.nonce, next.shipmentId, checkManifest(next)]).to.deep.equal([
        3,
        shipmentIdOf({ batchId: manifest.batchId, sender: MANUFACTURER, receiver: DISTRIBUTOR, quantity: 16n, nonce: 3n }),
        [],
      ]);
    });
    it("builds and checks a manifest of 100,000 packs of a 200,000-pack batch in seconds", function () {
      this.timeout(180_000);
      const serials = serialRange(200_000, "BIG");
      const batch = SerialTree.of(serials);
      const started = Date.now();
      const big = buildManifest(plan({ serialRoot: batch.root, packs: serials.filter((_, i) => i % 2 === 0), cases: [] }), batch);
      expect(checkManifest(big)).to.deep.equal([]);
      expect([big.quantity, Date.now() - started < 60_000]).to.deep.equal([100_000, true]);
    });
  });

  describe("proving onward (KnownBatchNodes)", function () {
    const received = buildManifest(plan(), BATCH);
    const known = new KnownBatchNodes(BATCH.root);
    const problem = known.add(received);

    it("takes a manifest that proves its packs", function () {
      expect(problem).to.equal(undefined);
    });
    it("proves any subset of the received packs without the serial file", function () {
      const onward = buildManifest(plan({ sender: DISTRIBUTOR, receiver: PHARMACY, packs: ["MS000002", "MS000007", "MS000042"], cases: [] }), known);
      expect(checkManifest(onward)).to.deep.equal([]);
    });
    it("cannot prove a pack it never received", function () {
      expect(() => buildManifest(plan({ sender: DISTRIBUTOR, receiver: PHARMACY, packs: ["MS000020"], cases: [] }), known)).to.throw(InputError).with.property("value", "MS000020");
    });
    it("refuses a manifest whose proof does not lead to the serial root", function () {
      const other = new KnownBatchNodes(SerialTree.of(serialRange(64, "XX")).root);
      expect(other.add(received)).to.match(/^the batch proof leads to 0x[0-9a-f]{64}, not the serial root/);
    });
  });

  describe("checkManifest (tamper detection)", function () {
    const manifest = buildManifest(plan(), BATCH);

    it("sees a pack swapped for another", function () {
      const swapped = tampered(manifest, (m) => (m.packs[0] = "MS000030"));
      const problems = checkManifest(swapped);
      expect(problems[0]).to.equal(`root: ${manifest.root} is not the root of the packs and cases listed (${ManifestTree.of(swapped.packs, [BigInt(SSCC)]).root})`);
      expect(problems).to.have.length(2);
      expect(problems[1]).to.match(/^batchProof: the packs do not prove against the serial root/);
    });
    it("sees a pack added with the root recomputed: the count no longer agrees", function () {
      const added = tampered(manifest, (m) => {
        m.packs.push("MS000030");
        m.root = ManifestTree.of(m.packs, [BigInt(SSCC)]).root;
      });
      expect(checkManifest(added)).to.deep.equal(["quantity: 16 units, but the manifest lists 17 packs (11 loose, 6 in 1 cases)"]);
    });
    it("sees a forged serial even when the root and the count were recomputed", function () {
      const forged = tampered(manifest, (m) => {
        m.packs[0] = "FORGED1";
        m.root = ManifestTree.of(m.packs, [BigInt(SSCC)]).root;
      });
      const problems = checkManifest(forged);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^batchProof: the packs do not prove against the serial root/);
    });
    it("sees a pack listed twice", function () {
      const twice = tampered(manifest, (m) => (m.packs[1] = m.packs[0]));
      expect(checkManifest(twice)).to.include("packs[1]: pack MS000001 is listed twice (also packs[0])");
    });
    it("sees proof flags that do not fit the indices", function () {
      const flags = tampered(manifest, (m) => (m.batchProof.proofFlags = m.batchProof.proofFlags.replace(/^./, (f) => (f === "1" ? "0" : "1"))));
      expect(checkManifest(flags)).to.deep.equal(["batchProof: proof flag 0 does not fit the tree indices"]);
    });
    it("sees a shipment id that is not the fields' id", function () {
      const id = tampered(manifest, (m) => (m.shipmentId = ethers.id("another shipment")));
      expect(checkManifest(id)[0]).to.match(/^shipmentId: 0x[0-9a-f]{64} is not the id of the manifest's batch, sender, receiver, quantity and nonce/);
    });
  });

  describe("checkManifest against the chain", function () {
    const manifest = buildManifest(plan(), BATCH);

    it("holds when the leg committed to its root and the case was sealed before", function () {
      expect(checkManifest(manifest, onChain(facts([leg(manifest)])))).to.deep.equal([]);
    });
    it("sees a root that differs from the one committed", function () {
      const other = ethers.id("another root");
      expect(checkManifest(manifest, onChain(facts([leg(manifest, { manifest: other })])))).to.deep.equal([
        `root: ${manifest.root}, but shipment ${manifest.shipmentId} committed to ${other}: the list of packs is not the one shipped`,
      ]);
    });
    it("sees a batch-level leg", function () {
      expect(checkManifest(manifest, onChain(facts([leg(manifest, { manifest: undefined })])))).to.deep.equal([
        `root: shipment ${manifest.shipmentId} carries no manifest (a batch-level leg)`,
      ]);
    });
    it("sees a shipment the chain does not have", function () {
      expect(checkManifest(manifest, onChain(facts([])))).to.deep.equal([`shipmentId: no shipment or handover ${manifest.shipmentId} of this batch on the chain`]);
    });
    it("sees another chain", function () {
      expect(checkManifest(manifest, { ...onChain(facts([leg(manifest)])), chainId: 80002 })).to.deep.equal(["chainId: 31337, but this is chain 80002"]);
    });
    it("sees a case that was never sealed", function () {
      expect(checkManifest(manifest, onChain(facts([leg(manifest)], [])))).to.deep.equal([`cases[0]: case ${SSCC} was never sealed with packs of this batch`]);
    });
    it("sees a case sealed with other contents", function () {
      const other = caseContentsOf(SERIALS.slice(50, 56));
      expect(checkManifest(manifest, onChain(facts([leg(manifest)], [sealedCase({ contents: other })])))).to.deep.equal([
        `cases[0]: case ${SSCC} was sealed with 6 packs, contents ${other}; the manifest lists 6 packs, contents ${CASE.contents}`,
      ]);
    });
    it("sees a case opened before the leg left", function () {
      const opened = sealedCase({ opened: { by: MANUFACTURER, block: 15, logIndex: 0 } });
      expect(checkManifest(manifest, onChain(facts([leg(manifest)], [opened])))).to.deep.equal([`cases[0]: case ${SSCC} was opened (block 15): its packs travel loose`]);
    });
    it("sees, on receipt, a case opened after the leg left", function () {
      const opened = sealedCase({ opened: { by: DISTRIBUTOR, block: 30, logIndex: 0 } });
      expect(checkManifest(manifest, onChain(facts([leg(manifest)], [opened])))).to.deep.equal([]);
      expect(checkManifest(manifest, onChain(facts([leg(manifest)], [opened]), true))).to.deep.equal([`cases[0]: case ${SSCC} was opened (block 30): its packs travel loose`]);
    });
  });

  describe("packsHeld (all remaining)", function () {
    const first = buildManifest(plan(), BATCH);
    const second = buildManifest(plan({ nonce: 1, receiver: PHARMACY, packs: SERIALS.slice(10, 12), cases: [] }), BATCH);
    const onward = buildManifest(plan({ sender: DISTRIBUTOR, receiver: PHARMACY, packs: SERIALS.slice(0, 4), cases: [] }), BATCH);
    const settled = (m: Manifest, settlement: Settlement) => leg(m, { settlement });

    it("gives the manufacturer its commissioned packs minus those shipped", function () {
      const held = packsHeld(MANUFACTURER, facts([settled(first, "in-transit")]), [first], SERIALS);
      expect([...held]).to.deep.equal(SERIALS.filter((s) => !first.packs.includes(s) && !CASE_PACKS.includes(s)));
    });
    it("gives the packs of a rejected shipment back to its sender", function () {
      const held = packsHeld(MANUFACTURER, facts([settled(first, "rejected"), settled(second, "received")]), [first, second], SERIALS);
      expect([...held]).to.deep.equal(SERIALS.filter((s) => !second.packs.includes(s)));
    });
    it("gives a receiver the packs it received, minus those it shipped on", function () {
      const custody = facts([settled(first, "received"), settled(onward, "handed-over")]);
      expect([...packsHeld(DISTRIBUTOR, custody, [first, onward])]).to.deep.equal([...SERIALS.slice(4, 10), ...CASE_PACKS]);
    });
    it("gives a receiver nothing while the shipment is in transit", function () {
      expect(packsHeld(DISTRIBUTOR, facts([settled(first, "in-transit")]), [first]).size).to.equal(0);
    });
    it("leaves out dispensed packs", function () {
      const custody = facts([settled(first, "received"), settled(onward, "received")], [sealedCase()], ["MS000002"]);
      expect([...packsHeld(PHARMACY, custody, [first, onward])]).to.deep.equal(["MS000001", "MS000003", "MS000004"]);
    });
  });

  describe("files", function () {
    const dir = tempDir("rx-manifest-");
    const manifest = buildManifest(plan(), BATCH);

    it("round-trips a manifest through its file", function () {
      const file = saveManifest(manifest, path.join(dir, "m.json"));
      expect(loadManifest(file, "--manifest")).to.deep.equal(manifest);
    });
    it("names the file and the field of a bad value", function () {
      expect(() => parseManifest({ ...manifest, quantity: -1 }, "m.json")).to.throw(InputError, 'm.json quantity: got -1, expected a whole number from 1 to 281474976710655');
    });
    it("names the format it expects", function () {
      expect(() => parseManifest({ ...manifest, format: "rxtrace-manifest/0" }, "m.json")).to.throw(InputError, 'm.json format: got "rxtrace-manifest/0", expected "rxtrace-manifest/1"');
    });
    it("refuses a file that is not JSON", function () {
      const file = path.join(dir, "broken.json");
      writeFileSync(file, "{ not json");
      expect(() => loadManifest(file, "--manifest")).to.throw(InputError).with.property("field", "--manifest");
    });
    it("refuses a missing file", function () {
      expect(() => loadManifest(path.join(dir, "missing.json"), "--manifest")).to.throw(InputError, /expected a readable manifest file \(rxtrace-manifest\/1\)/);
    });
  });
});

describe("gs1 SSCC (parseSscc)", function () {
  it("round-trips an SSCC", function () {
    const sscc = makeSscc("10614141123456789");
    expect(parseSscc(formatSscc(sscc))).to.equal(sscc);
  });
  it("accepts the published examples", function () {
    expect([parseSscc("106141411234567897"), parseSscc("376104250021234569")]).to.deep.equal([106141411234567897n, 376104250021234569n]);
  });
  it("accepts the AI in front, as printed under a label", function () {
    expect(parseSscc("(00) 1061 4141 1234 5678 97")).to.equal(106141411234567897n);
  });
  it("rejects a bad check digit, naming the right one", function () {
    expect(() => parseSscc("106141411234567890", "--sscc")).to.throw(InputError, 'expected an SSCC whose check digit is 7 (GS1 mod-10), not 0').with.property("field", "--sscc");
  });
  it("rejects a 17-digit value", function () {
    expect(() => parseSscc("10614141123456789")).to.throw(InputError).with.property("field", "sscc");
  });
  it("rejects all zeros", function () {
    expect(() => parseSscc("000000000000000000")).to.throw(InputError).with.property("field", "sscc");
  });
  it("rejects a bad body for makeSscc", function () {
    expect(() => makeSscc("12")).to.throw(InputError).with.property("field", "sscc");
  });
});
