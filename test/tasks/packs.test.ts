import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RxTrace } from "../../typechain-types";
import { deploymentsDir } from "../../src/chain/deployment";
import { ShipmentStatus, Verdict } from "../../src/domain/enums";
import { formatGln, formatGtin, makeSscc, formatSscc } from "../../src/gs1/identifiers";
import { batchIdOf, shipmentIdOf } from "../../src/domain/ids";
import { buildManifest, caseContentsOf, ManifestTree, type Manifest } from "../../src/manifests/manifest";
import { loadManifest, manifestFiles, manifestPath, pendingManifestPath, saveManifest } from "../../src/files/manifest-files";
import { CUSTODY_CONFLICT_EXIT_CODE, NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE } from "../../src/domain/report";
import { type PackReport } from "../../src/domain/provenance";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../../src/scenario/scenario";
import { saveSerialFile, serialFilePath } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import type { ReceiveResult, ShipResult } from "../../src/commands/custody/shipments";
import { signedManifestPath, type SignResult } from "../../src/commands/signed/shared";
import { type SubmitResult } from "../../src/commands/signed/submit";
import { loggerAfterTrip } from "../logger-trip";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { tempDir } from "../tmp";

const LOT = "P24-0001";
const SERIALS = serialRange(40, "PK");
const GOOD_LOGGER = path.join(__dirname, "..", "..", "examples", "logger-good.csv");
/** The example logger moved to the trip just made (rx:receive refuses readings from before the shipment). */
const trip = (example: string) => loggerAfterTrip((method, params) => hre.network.provider.send(method, params), example);
const GOOD_LEG = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };
const SSCC = formatSscc(makeSscc("10312345000000001"));
const CASE_PACKS = SERIALS.slice(30, 36);
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const scratch = tempDir("rx-packs-");
let files = 0;

/** A file of serials, one per line, in a folder of its own. */
function serialFile(serials: readonly string[]): string {
  const file = path.join(scratch, `serials-${++files}.txt`);
  writeFileSync(file, serials.join("\n") + "\n");
  return file;
}

/**
 * The manifests and case records under the deployment folder. Files are not part of the chain's snapshot: each
 * fixture saves them as it left them and each test starts from that copy (and from the lot's serial file).
 */
const networkFolder = () => path.join(deploymentsDir(), hre.network.name);
const KEPT = ["manifests", "cases"];

function saveFolder(): string {
  const copy = tempDir("rx-packs-folder-");
  for (const part of KEPT) {
    if (existsSync(path.join(networkFolder(), part))) cpSync(path.join(networkFolder(), part), path.join(copy, part), { recursive: true });
  }
  return copy;
}

async function use<T extends { folder: string; batchId: string; tree: SerialTree }>(fixture: () => Promise<T>): Promise<T> {
  const f = await loadFixture(fixture);
  for (const part of KEPT) {
    rmSync(path.join(networkFolder(), part), { recursive: true, force: true });
    if (existsSync(path.join(f.folder, part))) cpSync(path.join(f.folder, part), path.join(networkFolder(), part), { recursive: true });
  }
  saveSerialFile(hre.network.name, f.batchId, GTIN, LOT, f.tree);
  return f;
}

async function blockNumber(): Promise<number> {
  return hre.ethers.provider.getBlockNumber();
}

async function run<T>(task: string, args: Record<string, unknown>): Promise<{ result: T; lines: string[] }> {
  return captureOutput(() => hre.run(task, args) as Promise<T>);
}

async function verify(params: Record<string, unknown>): Promise<{ lines: string[]; exitCode: number; report?: PackReport }> {
  const { lines } = await captureOutput(() => hre.run("rx:verify", params));
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0; // the verdict's exit code is for the command line, not for mocha
  return { lines, exitCode, report: params.json ? (JSON.parse(lines.join("\n")) as PackReport) : undefined };
}

const ship = (args: Record<string, unknown>) => ({ gtin: formatGtin(GTIN), lot: LOT, ...args });

/** A serialized lot of 40 packs at the manufacturer, its serial file saved. */
async function lotFixture() {
  const base = await loadFixture(castTaskFixture);
  const [, , manufacturer, , distributor, distributor2, pharmacy, pharmacy2] = base.signers;
  const tree = SerialTree.of(SERIALS);
  await base.rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry: (await time.latest()) + 400 * 24 * 3600, quantity: 40n, ...COLD_CHAIN, serialRoot: tree.root,
    certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  for (const part of KEPT) rmSync(path.join(networkFolder(), part), { recursive: true, force: true });
  const batchId = batchIdOf(GTIN, LOT);
  saveSerialFile(hre.network.name, batchId, GTIN, LOT, tree);
  return { ...base, manufacturer, distributor, distributor2, pharmacy, pharmacy2, tree, batchId, folder: saveFolder() };
}

/** PK000001-PK000020 in transit from the manufacturer to the distributor, the manifest also in a file of its own. */
async function shippedFixture() {
  const base = await loadFixture(lotFixture);
  const manifestOut = path.join(tempDir("rx-packs-out-"), "to-northline.json");
  const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor"), serials: serialFile(SERIALS.slice(0, 20)), manifestOut, signer: SIGNER.manufacturer }));
  return { ...base, shipmentId: result.shipmentId, manifest: result.manifest!, manifestOut, folder: saveFolder() };
}

/** The distributor received the 20 packs. */
async function receivedFixture() {
  const base = await loadFixture(shippedFixture);
  await run("rx:receive", { shipment: base.shipmentId, logger: await trip(GOOD_LOGGER), manifest: base.manifestOut, signer: SIGNER.distributor });
  return { ...base, folder: saveFolder() };
}

/** The pharmacy received PK000001-PK000005 from the distributor. */
async function pharmacyFixture() {
  const base = await loadFixture(receivedFixture);
  const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("pharmacy"), serials: serialFile(SERIALS.slice(0, 5)), signer: SIGNER.distributor }));
  await run("rx:receive", { shipment: result.shipmentId, logger: await trip(GOOD_LOGGER), signer: SIGNER.pharmacy });
  return { ...base, toPharmacy: result.shipmentId, folder: saveFolder() };
}

/** The manufacturer sealed PK000031-PK000036 in case SSCC. */
async function caseFixture() {
  const base = await loadFixture(lotFixture);
  const { result } = await run<{ file: string }>("rx:case-seal", ship({ sscc: SSCC, serials: serialFile(CASE_PACKS), signer: SIGNER.manufacturer }));
  return { ...base, caseFile: result.file, folder: saveFolder() };
}

/** The case and PK000021-PK000022 shipped to the distributor and received. */
async function caseReceivedFixture() {
  const base = await loadFixture(caseFixture);
  const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor"), serials: serialFile(SERIALS.slice(20, 22)), cases: SSCC, signer: SIGNER.manufacturer }));
  await run("rx:receive", { shipment: result.shipmentId, logger: await trip(GOOD_LOGGER), signer: SIGNER.distributor });
  return { ...base, shipmentId: result.shipmentId, folder: saveFolder() };
}

/** A shipment from `sender` that lists packs it does not hold: what the ship command refuses, sent straight to the contract. */
async function shipDishonestly(rx: RxTrace, sender: HardhatEthersSigner, receiver: string, packs: string[], tree: SerialTree): Promise<Manifest> {
  const batchId = batchIdOf(GTIN, LOT);
  const { shipments } = await rx.holding(batchId, sender.address);
  const manifest = buildManifest(
    { chainId: 31337, contract: await rx.getAddress(), gtin: GTIN, lot: LOT, serialRoot: tree.root, sender: sender.address, receiver, nonce: shipments, packs, cases: [] },
    tree,
  );
  await rx.connect(sender).shipPacks(batchId, receiver, manifest.quantity, manifest.root);
  saveManifest(manifest, manifestPath(hre.network.name, manifest.shipmentId));
  return manifest;
}

/** A co-signed handover of `packs` with their manifest, signed by both parties as their handhelds would. */
async function handOver(rx: RxTrace, sender: HardhatEthersSigner, receiver: HardhatEthersSigner, packs: string[], prover: SerialTree): Promise<Manifest> {
  const batchId = batchIdOf(GTIN, LOT);
  const { shipments } = await rx.holding(batchId, sender.address);
  const manifest = buildManifest(
    { chainId: 31337, contract: await rx.getAddress(), gtin: GTIN, lot: LOT, serialRoot: prover.root, sender: sender.address, receiver: receiver.address, nonce: shipments, packs, cases: [] },
    prover,
  );
  const [, name, version, chainId, verifyingContract] = await rx.eip712Domain();
  const domain = { name, version, chainId, verifyingContract };
  const types = {
    Handover: [
      { name: "batchId", type: "bytes32" }, { name: "sender", type: "address" }, { name: "receiver", type: "address" },
      { name: "quantity", type: "uint48" }, { name: "manifest", type: "bytes32" }, { name: "leg", type: "TemperatureLeg" },
      { name: "nonce", type: "uint32" }, { name: "deadline", type: "uint40" },
    ],
    TemperatureLeg: [
      { name: "minTemp", type: "int16" }, { name: "maxTemp", type: "int16" }, { name: "meanKineticTemp", type: "int16" },
      { name: "minutesOutOfRange", type: "uint32" }, { name: "loggerHash", type: "bytes32" },
    ],
  };
  const h = {
    batchId, sender: sender.address, receiver: receiver.address, quantity: manifest.quantity, manifest: manifest.root, leg: GOOD_LEG,
    nonce: shipments, deadline: (await time.latest()) + 3600,
  };
  const compact = async (signer: HardhatEthersSigner) => {
    return hre.ethers.Signature.from(await signer.signTypedData(domain, types, h)).compactSerialized;
  };
  await rx.handover(h, chainId, await compact(sender), await compact(receiver));
  saveManifest(manifest, manifestPath(hre.network.name, manifest.shipmentId));
  return manifest;
}

describe("rx:ship with named packs", function () {
  describe("when the manufacturer ships the packs of a serial file", function () {
    it("commits the manifest's root on the chain", async function () {
      const { rx, shipmentId, manifest, batchId } = await use(shippedFixture);
      const [event] = await rx.queryFilter(rx.filters.ManifestCommitted(shipmentId));
      expect([event.args.batchId, event.args.manifest]).to.deep.equal([batchId, manifest.root]);
      expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
    });

    it("writes the manifest under the deployment folder and to --manifest-out", async function () {
      const { shipmentId, manifestOut } = await use(shippedFixture);
      const kept = loadManifest(manifestPath(hre.network.name, shipmentId), "kept");
      expect(loadManifest(manifestOut, "out")).to.deep.equal(kept);
      expect([kept.shipmentId, kept.packs, kept.cases, kept.quantity]).to.deep.equal([shipmentId, SERIALS.slice(0, 20), [], 20]);
      expect(kept.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("prints the manifest and where it went", async function () {
      await use(lotFixture);
      const { lines, result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor"), serials: serialFile(SERIALS.slice(0, 3)), signer: SIGNER.manufacturer }));
      expect(lines[0]).to.match(/^shipping 3 units of GTIN/);
      expect(lines).to.include(`  manifest ${result.manifest!.root}: 3 packs (3 loose, 0 in 0 sealed cases), every pack proven in the batch`);
      expect(lines.join("\n")).to.match(/^manifest written to .*manifests\/0x[0-9a-f]{64}\.json: it travels with the goods$/m);
    });
  });

  describe("when the manufacturer ships --all-remaining", function () {
    it("ships every pack it has not shipped yet", async function () {
      const { batchId, manufacturer } = await use(shippedFixture);
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor2"), allRemaining: true, signer: SIGNER.manufacturer }));
      expect([result.manifest!.packs, result.shipment.quantity]).to.deep.equal([SERIALS.slice(20), 20n]);
      expect(result.shipmentId).to.equal(shipmentIdOf({ batchId, sender: manufacturer.address, receiver: result.shipment.receiver, quantity: 20n, nonce: 1n }));
    });
  });

  describe("when the distributor ships --all-remaining of what it received", function () {
    it("proves the packs from the received manifest alone", async function () {
      const { batchId } = await use(pharmacyFixture);
      rmSync(serialFilePath(hre.network.name, batchId));
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("pharmacy2"), allRemaining: true, signer: SIGNER.distributor }));
      expect(result.manifest!.packs).to.deep.equal(SERIALS.slice(5, 20));
    });
  });

  describe("when a serial was shipped already", function () {
    it("names the serial and the shipment, and sends nothing", async function () {
      const { shipmentId, manufacturer } = await use(shippedFixture);
      const before = await blockNumber();
      await expect(
        run("rx:ship", ship({ to: gln("distributor2"), serials: serialFile(["PK000021", "PK000003"]), signer: SIGNER.manufacturer })),
      ).to.be.rejectedWith(`--serials: got "PK000003", expected a pack ${manufacturer.address} holds (it shipped this one in shipment ${shipmentId})`);
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the contract refuses the shipment", function () {
    it("reports the refusal and leaves no manifest behind", async function () {
      const { manufacturer, pharmacy } = await use(lotFixture);
      await expect(run("rx:ship", ship({ to: gln("pharmacy"), serials: serialFile(["PK000001"]), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `the contract refused: CustodyRouteNotPermitted(sender=${manufacturer.address}, senderRole=Manufacturer, receiver=${pharmacy.address}, receiverRole=Dispenser)`,
      );
      expect(manifestFiles(hre.network.name)).to.deep.equal([]);
      expect(existsSync(path.join(networkFolder(), "manifests", "pending"))).to.equal(true);
      expect(readdirSync(path.join(networkFolder(), "manifests", "pending"))).to.deep.equal([]);
    });
  });

  describe("when a serial was never commissioned", function () {
    it("names the serial", async function () {
      await use(lotFixture);
      await expect(run("rx:ship", ship({ to: gln("distributor"), serials: serialFile(["PK000001", "FORGED1"]), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        '--serials: got "FORGED1", expected a serial commissioned in this batch',
      );
    });
  });

  describe("when the distributor lists a pack it never received", function () {
    it("names the serial and sends nothing", async function () {
      const { distributor } = await use(receivedFixture);
      const before = await blockNumber();
      await expect(run("rx:ship", ship({ to: gln("pharmacy"), serials: serialFile(["PK000025"]), signer: SIGNER.distributor }))).to.be.rejectedWith(
        `--serials: got "PK000025", expected a pack ${distributor.address} holds (no manifest at hand delivered it to ${distributor.address})`,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when --quantity disagrees with the packs", function () {
    it("names --quantity and the count", async function () {
      await use(lotFixture);
      await expect(run("rx:ship", ship({ to: gln("distributor"), serials: serialFile(SERIALS.slice(0, 4)), quantity: "5", signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        '--quantity: got "5", expected 4, the packs chosen: 4 packs (4 loose, 0 in 0 sealed cases) (or leave --quantity out)',
      );
    });
  });

  describe("when the serial file lists a pack twice", function () {
    it("names the line", async function () {
      await use(lotFixture);
      const file = serialFile(["PK000001", "PK000002", "PK000001"]);
      await expect(run("rx:ship", ship({ to: gln("distributor"), serials: file, signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--serials ${path.basename(file)} serial 3: got "PK000001", expected each pack listed once (also serial 1)`,
      );
    });
  });

  describe("when --serials and --all-remaining are both given", function () {
    it("names --all-remaining", async function () {
      await use(lotFixture);
      await expect(run("rx:ship", ship({ to: gln("distributor"), serials: serialFile(["PK000001"]), allRemaining: true, signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        "--all-remaining: got true, expected either --serials or --all-remaining, not both",
      );
    });
  });

  describe("when --manifest-out comes without packs", function () {
    it("names --manifest-out", async function () {
      await use(lotFixture);
      await expect(run("rx:ship", ship({ to: gln("distributor"), quantity: "2", manifestOut: "m.json", signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        '--manifest-out: got "m.json", expected --serials, --all-remaining or --cases with it (a shipment by --quantity has no manifest)',
      );
    });
  });
});

describe("rx:receive with a manifest", function () {
  describe("when the manifest that came with the goods matches the chain", function () {
    it("says so, then receives", async function () {
      const { rx, shipmentId, manifestOut, manifest, batchId, distributor } = await use(shippedFixture);
      const { lines } = await run("rx:receive", { shipment: shipmentId, logger: await trip(GOOD_LOGGER), manifest: manifestOut, signer: SIGNER.distributor });
      expect(lines).to.include(`manifest ${manifestOut}: 20 packs (20 loose, 0 in 0 sealed cases), root ${manifest.root} as committed on the chain; every pack proven in the batch`);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(20n);
    });
  });

  describe("when --manifest is left out", function () {
    it("checks the manifest kept under the deployment folder", async function () {
      const { shipmentId } = await use(shippedFixture);
      const { lines } = await run("rx:receive", { shipment: shipmentId, logger: await trip(GOOD_LOGGER), signer: SIGNER.distributor });
      expect(lines.some((l) => l.startsWith(`manifest ${manifestPath(hre.network.name, shipmentId)}: 20 packs`))).to.equal(true);
    });
  });

  describe("when a pack of the manifest was swapped", function () {
    it("refuses, names --manifest and the root, and sends nothing", async function () {
      const { rx, shipmentId, manifest } = await use(shippedFixture);
      const file = path.join(scratch, "swapped.json");
      saveManifest({ ...manifest, packs: ["PK000040", ...manifest.packs.slice(1)] }, file);
      const before = await blockNumber();
      await expect(run("rx:receive", { shipment: shipmentId, logger: GOOD_LOGGER, manifest: file, signer: SIGNER.distributor })).to.be.rejectedWith(
        new RegExp(`--manifest: got "${file}", expected root: ${manifest.root} is not the root of the packs and cases listed .* \\(nothing was sent: reject the shipment, or receive anyway with --accept-mismatch\\)`),
      );
      expect(await blockNumber()).to.equal(before);
      expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
    });
  });

  describe("when the manifest was rebuilt for other packs", function () {
    it("refuses: the root is not the one the shipment committed to", async function () {
      const { shipmentId, manifest, tree } = await use(shippedFixture);
      const other = buildManifest({ ...manifest, gtin: GTIN, packs: SERIALS.slice(20, 40), cases: [] }, tree);
      const file = path.join(scratch, "rebuilt.json");
      saveManifest(other, file);
      await expect(run("rx:receive", { shipment: shipmentId, logger: GOOD_LOGGER, manifest: file, signer: SIGNER.distributor })).to.be.rejectedWith(
        `expected root: ${other.root}, but shipment ${shipmentId} committed to ${manifest.root}: the list of packs is not the one shipped`,
      );
    });
  });

  describe("when the mismatch is accepted", function () {
    it("prints each problem and receives", async function () {
      const { rx, shipmentId, manifest, batchId, distributor } = await use(shippedFixture);
      const file = path.join(scratch, "accepted.json");
      saveManifest({ ...manifest, packs: ["PK000040", ...manifest.packs.slice(1)] }, file);
      const { lines } = await run("rx:receive", { shipment: shipmentId, logger: await trip(GOOD_LOGGER), manifest: file, acceptMismatch: true, signer: SIGNER.distributor });
      expect(lines.filter((l) => l.startsWith(`MISMATCH accepted (--accept-mismatch): ${file}: `))).to.have.length(2);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(20n);
    });
  });

  describe("when no manifest is at hand", function () {
    it("refuses, naming --manifest and the committed root", async function () {
      const { shipmentId, manifest } = await use(shippedFixture);
      rmSync(manifestPath(hre.network.name, shipmentId));
      await expect(run("rx:receive", { shipment: shipmentId, logger: GOOD_LOGGER, signer: SIGNER.distributor })).to.be.rejectedWith(
        `--manifest: got "", expected the shipment's manifest file: the shipment commits to manifest ${manifest.root}, and none was given`,
      );
    });
  });

  describe("when the shipment carries no manifest", function () {
    it("names --manifest", async function () {
      const { manifestOut } = await use(shippedFixture);
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor2"), quantity: "2", signer: SIGNER.manufacturer }));
      await expect(run("rx:receive", { shipment: result.shipmentId, logger: GOOD_LOGGER, manifest: manifestOut, signer: SIGNER.distributor2 })).to.be.rejectedWith(
        `--manifest: got "${manifestOut}", expected nothing: shipment ${result.shipmentId} carries no manifest (it was shipped by quantity)`,
      );
    });
  });
});

describe("rx:verify with manifests", function () {
  describe("when the pack travelled in the manifests of both legs", function () {
    it("proves each leg and puts the pack in the pharmacy's chain of custody", async function () {
      const { shipmentId, toPharmacy } = await use(pharmacyFixture);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy"), json: true });
      const custody = report!.custody!;
      expect(exitCode).to.equal(0);
      expect(custody.legs.map((l) => [l.shipmentId, l.statusText])).to.deep.equal([[shipmentId, "proven"], [toPharmacy, "proven"]]);
      expect(custody.path.map((s) => s.to.name)).to.deep.equal(["Northline Wholesale", "Main Street Pharmacy"]);
      expect(custody.verifier).to.deep.include({ inChain: true, reason: `Main Street Pharmacy received it in shipment ${toPharmacy}` });
    });

    it("prints the pack's legs and path", async function () {
      await use(pharmacyFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy") });
      expect(lines).to.include("legs of this pack (2 manifests at hand, 2 matching the chain):");
      expect(lines).to.include("path: Acme Pharma Manufacturing -> Northline Wholesale -> Main Street Pharmacy");
      expect(lines.filter((l) => l.endsWith(": proven"))).to.have.length(2);
    });
  });

  describe("when the pharmacy's manifests never listed the pack", function () {
    it("says NOT IN THE VERIFIER'S CHAIN OF CUSTODY and exits with its code", async function () {
      await use(pharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000015", holder: gln("pharmacy") });
      expect(exitCode).to.equal(NOT_IN_CHAIN_OF_CUSTODY_EXIT_CODE);
      expect(lines[0]).to.equal("GENUINE: may be dispensed");
      expect(lines).to.include("WARNING: NOT IN THE VERIFIER'S CHAIN OF CUSTODY: none of the 1 manifest of the legs Main Street Pharmacy received lists this pack");
    });

    it("shows which leg did not list it", async function () {
      await use(pharmacyFixture);
      const { report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000015", holder: gln("pharmacy"), json: true });
      expect(report!.custody!.legs.map((l) => l.status)).to.deep.equal(["proven", "not-in-manifest"]);
    });
  });

  describe("when only some manifests are given", function () {
    it("says which leg has no manifest and that it cannot tell", async function () {
      const { shipmentId } = await use(pharmacyFixture);
      const only = manifestPath(hre.network.name, shipmentId);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy"), manifests: only, json: true });
      expect(exitCode).to.equal(0);
      expect(report!.custody!.legs.map((l) => l.statusText)).to.deep.equal(["proven", "no manifest available"]);
      expect(report!.custody!.verifier?.inChain).to.equal(undefined);
    });

    it("names --manifests when a file is not a manifest", async function () {
      await use(pharmacyFixture);
      await expect(verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", manifests: GOOD_LOGGER })).to.be.rejectedWith(
        new RegExp(`--manifests: got ".*logger-good\\.csv", expected a JSON manifest file`),
      );
    });
  });

  describe("when the distributor listed the same pack in two manifests", function () {
    it("reports the conflict and exits with its code", async function () {
      const { rx, distributor, pharmacy2, tree, toPharmacy } = await use(pharmacyFixture);
      const twice = await shipDishonestly(rx, distributor, pharmacy2.address, ["PK000003"], tree);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy"), json: true });
      expect(exitCode).to.equal(CUSTODY_CONFLICT_EXIT_CODE);
      expect(report!.custody!.conflicts.map((c) => [c.holder.name, c.shipments])).to.deep.equal([["Northline Wholesale", [toPharmacy, twice.shipmentId]]]);
    });

    it("warns about it in words", async function () {
      const { rx, distributor, pharmacy2, tree, toPharmacy } = await use(pharmacyFixture);
      const twice = await shipDishonestly(rx, distributor, pharmacy2.address, ["PK000003"], tree);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy2") });
      expect(lines).to.include(
        `WARNING: CUSTODY CONFLICT: Northline Wholesale (GLN ${gln("distributor")}) listed this pack in two manifests: ${toPharmacy} and ${twice.shipmentId}`,
      );
    });

    it("is refused by rx:ship in the first place", async function () {
      const { toPharmacy } = await use(pharmacyFixture);
      await expect(run("rx:ship", ship({ to: gln("pharmacy2"), serials: serialFile(["PK000003"]), signer: SIGNER.distributor }))).to.be.rejectedWith(
        `(it shipped this one in shipment ${toPharmacy})`,
      );
    });
  });

  describe("when a leg is a co-signed handover with a manifest", function () {
    it("proves the leg and shows the handover in the timeline", async function () {
      const { rx, distributor, pharmacy2, tree } = await use(pharmacyFixture);
      const handover = await handOver(rx, distributor, pharmacy2, ["PK000006", "PK000007"], tree);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000007", holder: gln("pharmacy2"), json: true });
      expect(exitCode).to.equal(0);
      expect(report!.custody!.legs.map((l) => [l.kind, l.status])).to.deep.equal([["shipment", "proven"], ["shipment", "not-in-manifest"], ["handover", "proven"]]);
      expect(report!.timeline.find((e) => e.kind === "handed-over")).to.deep.include({ shipmentId: handover.shipmentId, manifest: handover.root, quantity: "2" });
    });
  });

  describe("when the pack reached its sender by a batch-level leg", function () {
    it("marks the unproven stretch of the path and still proves the last leg", async function () {
      const { rx, batchId, manufacturer, distributor, pharmacy, tree } = await use(lotFixture);
      await rx.connect(manufacturer).ship(batchId, distributor.address, 10n);
      await rx.connect(distributor).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 10n, nonce: 0n }, GOOD_LEG);
      const onward = await shipDishonestly(rx, distributor, pharmacy.address, ["PK000003"], tree);
      await rx.connect(pharmacy).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 1n, nonce: 0n }, GOOD_LEG);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy") });
      expect(exitCode).to.equal(0);
      expect(lines).to.include("path: Acme Pharma Manufacturing … Northline Wholesale -> Main Street Pharmacy");
      expect(lines).to.include(`verifier Main Street Pharmacy (GLN ${gln("pharmacy")}): in its chain of custody: Main Street Pharmacy received it in shipment ${onward.shipmentId}`);
    });
  });

  describe("when a leg went by quantity", function () {
    it("calls it a batch-level leg", async function () {
      await use(pharmacyFixture);
      await run("rx:ship", ship({ to: gln("distributor2"), quantity: "3", signer: SIGNER.manufacturer }));
      const { report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", json: true });
      expect(report!.custody!.legs.map((l) => l.statusText)).to.deep.equal(["proven", "proven", "batch-level leg (no manifest)"]);
    });
  });
});

describe("rx:case-seal and rx:case-open", function () {
  describe("when the manufacturer seals six packs", function () {
    it("commits the case's contents on the chain and keeps its record", async function () {
      const { rx, batchId, caseFile, manufacturer } = await use(caseFixture);
      const [event] = await rx.queryFilter(rx.filters.CaseSealed(BigInt(SSCC)));
      expect([event.args.batchId, event.args.packer, event.args.contents, event.args.packs]).to.deep.equal([batchId, manufacturer.address, caseContentsOf(CASE_PACKS), 6n]);
      expect(await rx.caseStatus(BigInt(SSCC))).to.equal(1n);
      expect(JSON.parse(readFileSync(caseFile, "utf8"))).to.deep.include({ sscc: SSCC, packs: CASE_PACKS, contents: caseContentsOf(CASE_PACKS) });
    });
  });

  describe("when the SSCC's check digit is wrong", function () {
    it("names --sscc and the right check digit", async function () {
      await use(lotFixture);
      const wrong = SSCC.slice(0, 17) + ((Number(SSCC[17]) + 1) % 10);
      await expect(run("rx:case-seal", ship({ sscc: wrong, serials: serialFile(CASE_PACKS), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--sscc: got "${wrong}", expected an SSCC whose check digit is ${SSCC[17]} (GS1 mod-10)`,
      );
    });
  });

  describe("when the SSCC was used already", function () {
    it("names --sscc and sends nothing", async function () {
      await use(caseFixture);
      const before = await blockNumber();
      await expect(run("rx:case-seal", ship({ sscc: SSCC, serials: serialFile(["PK000001"]), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--sscc: got "${SSCC}", expected an unused SSCC (case ${SSCC} is sealed already; an SSCC names one case only)`,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the SSCC carries another company's prefix", function () {
    it("names --sscc and the prefix's owner, and sends nothing", async function () {
      const { manufacturer, distributor } = await use(lotFixture);
      const distributors = formatSscc(makeSscc("10614141000000001"));
      const before = await blockNumber();
      await expect(run("rx:case-seal", ship({ sscc: distributors, serials: serialFile(CASE_PACKS), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--sscc: got "${distributors}", expected an SSCC under one of ${manufacturer.address}'s company prefixes (after the extension digit; 0614141 is ${distributor.address}'s; rx:prefix assigns one)`,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when a pack is in another sealed case", function () {
    it("names the pack", async function () {
      await use(caseFixture);
      const other = formatSscc(makeSscc("10312345000000002"));
      await expect(run("rx:case-seal", ship({ sscc: other, serials: serialFile(["PK000001", CASE_PACKS[2]]), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--serials: got "${CASE_PACKS[2]}", expected a loose pack (it is in sealed case ${SSCC})`,
      );
    });
  });

  describe("when the case is shipped with loose packs", function () {
    it("lists the case in the manifest and counts its packs", async function () {
      const { shipmentId } = await use(caseReceivedFixture);
      const manifest = loadManifest(manifestPath(hre.network.name, shipmentId), "kept");
      expect([manifest.packs, manifest.cases, manifest.quantity]).to.deep.equal([SERIALS.slice(20, 22), [{ sscc: SSCC, contents: caseContentsOf(CASE_PACKS), packs: CASE_PACKS }], 8]);
      expect(manifest.root).to.equal(ManifestTree.of(SERIALS.slice(20, 22), [BigInt(SSCC)]).root);
    });

    it("lets verify prove a pack of the case", async function () {
      await use(caseReceivedFixture);
      const { report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: CASE_PACKS[1], holder: gln("distributor"), json: true });
      expect(report!.custody!.legs.map((l) => [l.status, l.case])).to.deep.equal([["proven", SSCC]]);
    });

    it("leaves the case's packs out of --all-remaining", async function () {
      await use(caseFixture);
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor"), allRemaining: true, signer: SIGNER.manufacturer }));
      expect([result.manifest!.packs, result.manifest!.cases]).to.deep.equal([SERIALS.filter((s) => !CASE_PACKS.includes(s)), []]);
    });

    it("refuses a pack of the case listed loose", async function () {
      await use(caseFixture);
      await expect(run("rx:ship", ship({ to: gln("distributor"), serials: serialFile([CASE_PACKS[0]]), signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--serials: got "${CASE_PACKS[0]}", expected a loose pack (it is in sealed case ${SSCC}: ship the case with --cases, or open it with rx:case-open)`,
      );
    });
  });

  describe("when the distributor ships the sealed case on", function () {
    it("knows the case's packs from the manifest it received", async function () {
      await use(caseReceivedFixture);
      rmSync(path.join(networkFolder(), "cases"), { recursive: true });
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("pharmacy"), cases: SSCC, signer: SIGNER.distributor }));
      expect([result.manifest!.cases.map((c) => c.sscc), result.shipment.quantity]).to.deep.equal([[SSCC], 6n]);
    });
  });

  describe("when another holder of the batch opens the case while it is in transit", function () {
    it("still receives the leg and proves the case's packs: the case counts as sealed when the leg left", async function () {
      const { rx, batchId, manufacturer, distributor, distributor2 } = await use(caseFixture);
      await rx.connect(manufacturer).ship(batchId, distributor2.address, 10n);
      await rx.connect(distributor2).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor2.address, quantity: 10n, nonce: 0n }, GOOD_LEG);
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor"), serials: serialFile(SERIALS.slice(20, 22)), cases: SSCC, signer: SIGNER.manufacturer }));
      await expect(rx.connect(distributor2).openCase(BigInt(SSCC), batchId, caseContentsOf(CASE_PACKS), 6n))
        .to.emit(rx, "CaseOpened")
        .withArgs(BigInt(SSCC), batchId, distributor2.address);
      await run("rx:receive", { shipment: result.shipmentId, logger: await trip(GOOD_LOGGER), signer: SIGNER.distributor });
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(8n);
      const { report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: CASE_PACKS[1], holder: gln("distributor"), json: true });
      // The first leg is distributor2's stock, shipped by quantity.
      expect(report!.custody!.legs.map((l) => [l.status, l.case])).to.deep.equal([["batch-level", undefined], ["proven", SSCC]]);
    });
  });

  describe("when a case that was never sealed is shipped", function () {
    it("names --cases", async function () {
      await use(lotFixture);
      await expect(run("rx:ship", ship({ to: gln("distributor"), cases: SSCC, signer: SIGNER.manufacturer }))).to.be.rejectedWith(
        `--cases: got "${SSCC}", expected a case sealed with packs of this batch (this SSCC was not; seal it with rx:case-seal)`,
      );
    });
  });

  describe("when the distributor opens the case", function () {
    it("emits CaseOpened and prints it", async function () {
      const { rx, batchId, distributor } = await use(caseReceivedFixture);
      const { lines } = await run("rx:case-open", { sscc: SSCC, signer: SIGNER.distributor });
      const [event] = await rx.queryFilter(rx.filters.CaseOpened(BigInt(SSCC)));
      expect([event.args.batchId, event.args.by]).to.deep.equal([batchId, distributor.address]);
      expect(lines).to.include(`case ${SSCC} opened: its 6 units travel loose from now on`);
    });

    it("then ships the case's packs loose, and no longer the case", async function () {
      await use(caseReceivedFixture);
      await run("rx:case-open", { sscc: SSCC, signer: SIGNER.distributor });
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("pharmacy"), serials: serialFile(CASE_PACKS.slice(0, 2)), signer: SIGNER.distributor }));
      expect(result.manifest!.packs).to.deep.equal(CASE_PACKS.slice(0, 2));
      await expect(run("rx:ship", ship({ to: gln("pharmacy"), cases: SSCC, signer: SIGNER.distributor }))).to.be.rejectedWith(
        new RegExp(`--cases: got "${SSCC}", expected a sealed case \\(it was opened in block \\d+: ship its packs loose\\)`),
      );
    });
  });

  describe("when a case that is not sealed is opened", function () {
    it("names --sscc", async function () {
      await use(lotFixture);
      await expect(run("rx:case-open", { sscc: SSCC, signer: SIGNER.manufacturer })).to.be.rejectedWith(`--sscc: got "${SSCC}", expected a sealed case (case ${SSCC} is unused)`);
    });
  });

  describe("when someone without the packs opens the case", function () {
    it("names --signer", async function () {
      const { pharmacy } = await use(caseFixture);
      await expect(run("rx:case-open", { sscc: SSCC, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `--signer: got "${pharmacy.address}", expected the holder of case ${SSCC} (it holds 0 units of batch`,
      );
    });
  });
});

describe("rx:verify of a serial the batch's serial tree does not prove", function () {
  describe("when a forged serial is verified for the manufacturer", function () {
    it("keeps the SerialNotInBatch code and does not put the serial in the manufacturer's chain of custody", async function () {
      await use(pharmacyFixture);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "FORGED01", holder: gln("manufacturer"), json: true });
      expect([exitCode, report!.verdict, report!.custody!.inBatch, report!.custody!.origin]).to.deep.equal([10 + Verdict.SerialNotInBatch, "SerialNotInBatch", false, undefined]);
      expect(report!.custody!.verifier).to.deep.include({
        inChain: false,
        reason: "the serial is not proven in the batch's serial tree (no proof against its serial root, and no manifest at hand that matches the chain lists it): no one is shown to have commissioned it",
      });
    });

    it("says so in words, and never that the manufacturer commissioned it", async function () {
      await use(pharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "FORGED01", holder: gln("manufacturer") });
      expect(exitCode).to.equal(10 + Verdict.SerialNotInBatch);
      expect(lines).to.include("path: none: the serial is not proven in the batch, so no one is known to have commissioned it");
      expect(lines.filter((l) => l.includes("Acme Pharma Manufacturing commissioned it"))).to.deep.equal([]);
      expect(lines.filter((l) => l.includes(": in its chain of custody"))).to.deep.equal([]);
    });
  });

  describe("when a genuine pack the manufacturer never shipped is verified for it", function () {
    it("puts the pack in the manufacturer's chain of custody: it commissioned it", async function () {
      await use(pharmacyFixture);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000030", holder: gln("manufacturer"), json: true });
      expect([exitCode, report!.custody!.inBatch]).to.deep.equal([0, true]);
      expect(report!.custody!.verifier).to.deep.include({ inChain: true, reason: "Acme Pharma Manufacturing commissioned it" });
    });
  });

  describe("when the serial file is not at hand but the manifests list the pack", function () {
    it("keeps the contract's SerialNotInBatch code, and the manifests still prove the pack in the batch", async function () {
      const { batchId, toPharmacy } = await use(pharmacyFixture);
      rmSync(serialFilePath(hre.network.name, batchId));
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy"), json: true });
      expect([exitCode, report!.custody!.inBatch]).to.deep.equal([10 + Verdict.SerialNotInBatch, true]);
      expect(report!.custody!.verifier).to.deep.include({ inChain: true, reason: `Main Street Pharmacy received it in shipment ${toPharmacy}` });
    });
  });
});

/* ------------------------------------------------- signed ships and handovers of named packs */

/** A fresh folder for signed files (they are not part of the chain's snapshot). */
const signedFolder = () => tempDir("rx-packs-signed-");

/** Copies a signed file and the manifest next to it into a fresh folder (for a test that changes them). */
function copySigned(file: string): string {
  const copy = path.join(signedFolder(), path.basename(file));
  cpSync(file, copy);
  if (existsSync(signedManifestPath(file))) cpSync(signedManifestPath(file), signedManifestPath(copy));
  return copy;
}

const signatureParties = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { signatures: { party: string }[] }).signatures.map((s) => s.party);

/** The manufacturer signed a shipment of PK000001-PK000010 to the distributor (nothing sent). */
async function signedShipFixture() {
  const base = await use(lotFixture);
  const out = path.join(signedFolder(), "ship.json");
  const { result, lines } = await run<SignResult>("rx:sign", ship({ kind: "ship", to: gln("distributor"), serials: serialFile(SERIALS.slice(0, 10)), out, signer: SIGNER.manufacturer }));
  return { ...base, out, signed: result, signLines: lines, folder: saveFolder() };
}

/** A stranger submitted it. */
async function submittedShipFixture() {
  const base = await use(signedShipFixture);
  const { result, lines } = await run<SubmitResult>("rx:submit", { in: base.out, signer: SIGNER.stranger });
  return { ...base, submitted: result, submitLines: lines, folder: saveFolder() };
}

/** The distributor (holding PK000001-PK000020) signed a handover of PK000001-PK000005 to the pharmacy. */
async function signedHandoverFixture() {
  const base = await use(receivedFixture);
  const out = path.join(signedFolder(), "handover.json");
  const { result, lines } = await run<SignResult>("rx:sign", ship({ kind: "handover", to: gln("pharmacy"), serials: serialFile(SERIALS.slice(0, 5)), logger: GOOD_LOGGER, out, signer: SIGNER.distributor }));
  return { ...base, out, signed: result, signLines: lines, folder: saveFolder() };
}

/** The pharmacy co-signed it into a file of its own, and a stranger submitted that. */
async function handedOverFixture() {
  const base = await use(signedHandoverFixture);
  const cosigned = path.join(signedFolder(), "cosigned.json");
  const cosign = await run<SignResult>("rx:cosign", { in: base.out, out: cosigned, logger: GOOD_LOGGER, signer: SIGNER.pharmacy });
  const submit = await run<SubmitResult>("rx:submit", { in: cosigned, signer: SIGNER.stranger });
  return { ...base, cosigned, cosignLines: cosign.lines, submitted: submit.result, submitLines: submit.lines, folder: saveFolder() };
}

describe("rx:sign --kind ship with named packs, rx:submit", function () {
  describe("when the manufacturer signs a shipment of the packs of a serial file", function () {
    it("writes the manifest next to the signed file, signs its root and sends nothing", async function () {
      const { out, signed, signLines } = await use(signedShipFixture);
      const file = path.join(path.dirname(out), "ship.manifest.json");
      const manifest = loadManifest(file, "written");
      const json = JSON.parse(readFileSync(out, "utf8")) as { message: { manifest: string; quantity: string } };
      expect([signed.manifestFile, manifest.packs, json.message.manifest, json.message.quantity]).to.deep.equal([file, SERIALS.slice(0, 10), manifest.root, "10"]);
      expect(signLines).to.include.members([
        `manifest ${manifest.root}: 10 packs (10 loose, 0 in 0 sealed cases), every pack proven in the batch`,
        `manifest written to ${file}: it travels with the signed file (the receiver checks it; rx:submit keeps it)`,
      ]);
      expect(manifestFiles(hre.network.name)).to.deep.equal([]);
    });
  });

  describe("when a stranger submits it", function () {
    it("keeps the manifest under the shipment id, with the transaction, and nothing pending", async function () {
      const { submitted, submitLines, signed } = await use(submittedShipFixture);
      const kept = manifestPath(hre.network.name, submitted.id);
      const manifest = loadManifest(kept, "kept");
      expect([submitted.manifestFile, manifest.shipmentId, manifest.root, manifest.transactionHash]).to.deep.equal([kept, submitted.id, signed.manifest!.root, submitted.receipt.hash]);
      expect(submitLines).to.include(`manifest kept at ${path.relative(process.cwd(), kept)}`);
      expect(existsSync(pendingManifestPath(hre.network.name, submitted.id))).to.equal(false);
    });

    it("lets the distributor receive with the kept manifest, and rx:verify prove the leg", async function () {
      const { submitted } = await use(submittedShipFixture);
      const received = await run<ReceiveResult>("rx:receive", { shipment: submitted.id, logger: await trip(GOOD_LOGGER), signer: SIGNER.distributor });
      expect(received.result.manifestChecked).to.equal(true);
      expect(received.lines.some((l) => l.startsWith(`manifest ${manifestPath(hre.network.name, submitted.id)}: 10 packs`))).to.equal(true);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("distributor"), json: true });
      expect(exitCode).to.equal(0);
      expect(report!.custody!.legs.map((l) => [l.shipmentId, l.statusText])).to.deep.equal([[submitted.id, "proven"]]);
      expect(report!.custody!.verifier).to.deep.include({ inChain: true, reason: `Northline Wholesale received it in shipment ${submitted.id}` });
    });

    it("lets rx:ship --all-remaining leave out the packs it took", async function () {
      await use(submittedShipFixture);
      const { result } = await run<ShipResult>("rx:ship", ship({ to: gln("distributor2"), allRemaining: true, signer: SIGNER.manufacturer }));
      expect(result.manifest!.packs).to.deep.equal(SERIALS.slice(10));
    });
  });

  describe("when the manufacturer shipped between signing and submitting", function () {
    it("keeps the manifest under the shipment nonce the submission took", async function () {
      const { batchId, manufacturer, distributor, out } = await use(signedShipFixture);
      const between = await run<ShipResult>("rx:ship", ship({ to: gln("distributor2"), serials: serialFile(SERIALS.slice(10, 12)), signer: SIGNER.manufacturer }));
      const { result } = await run<SubmitResult>("rx:submit", { in: out, signer: SIGNER.stranger });
      const id = shipmentIdOf({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 10n, nonce: 1n });
      const kept = loadManifest(manifestPath(hre.network.name, id), "kept");
      expect([result.id, kept.nonce, kept.shipmentId]).to.deep.equal([id, 1, id]);
      const { report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", json: true });
      expect(report!.custody!.legs.map((l) => [l.shipmentId, l.status])).to.deep.equal([[between.result.shipmentId, "not-in-manifest"], [id, "proven"]]);
    });
  });

  describe("when the signed file is submitted with a manifest of other packs", function () {
    it("submits, prints why the manifest does not match, and keeps none", async function () {
      const { out, signed, tree } = await use(signedShipFixture);
      const copy = copySigned(out);
      const other = buildManifest({ ...signed.manifest!, gtin: GTIN, packs: SERIALS.slice(10, 20), cases: [] }, tree);
      saveManifest(other, signedManifestPath(copy));
      const { result, lines } = await run<SubmitResult>("rx:submit", { in: copy, signer: SIGNER.stranger });
      expect(lines).to.include(`manifest ${signedManifestPath(copy)} does not match the signed ship: it will not be kept`);
      expect(lines.some((l) => l.startsWith(`  - root: ${other.root}, but shipment ${result.id} committed to ${signed.manifest!.root}`))).to.equal(true);
      expect([result.manifestFile, existsSync(manifestPath(hre.network.name, result.id))]).to.deep.equal([undefined, false]);
    });
  });
});

describe("rx:sign --kind handover with named packs, rx:cosign, rx:submit", function () {
  describe("when the pharmacy co-signs", function () {
    it("checks the manifest against the signed root and the batch first", async function () {
      const { cosignLines, cosigned, signed, pharmacy } = await use(handedOverFixture);
      expect(cosignLines).to.include.members([
        `manifest ${signed.manifestFile}: 5 packs (5 loose, 0 in 0 sealed cases), root ${signed.manifest!.root} as signed; every pack proven in the batch`,
        `co-signed by the receiver ${pharmacy.address}; wrote ${cosigned} and its manifest ${signedManifestPath(cosigned)}`,
      ]);
    });
  });

  describe("when a stranger submits the co-signed handover", function () {
    it("keeps the manifest under the handover id", async function () {
      const { submitted, signed } = await use(handedOverFixture);
      const kept = loadManifest(manifestPath(hre.network.name, submitted.id), "kept");
      expect([submitted.id, kept.shipmentId, kept.root, kept.transactionHash]).to.deep.equal([signed.manifest!.shipmentId, submitted.id, signed.manifest!.root, submitted.receipt.hash]);
    });

    it("lets rx:verify prove the handover leg and put the pack in the pharmacy's chain of custody", async function () {
      const { submitted, shipmentId } = await use(handedOverFixture);
      const { exitCode, report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", holder: gln("pharmacy"), json: true });
      const custody = report!.custody!;
      expect(exitCode).to.equal(0);
      expect(custody.legs.map((l) => [l.kind, l.shipmentId, l.statusText])).to.deep.equal([["shipment", shipmentId, "proven"], ["handover", submitted.id, "proven"]]);
      expect(custody.path.map((s) => s.to.name)).to.deep.equal(["Northline Wholesale", "Main Street Pharmacy"]);
      expect(custody.verifier).to.deep.include({ inChain: true, reason: `Main Street Pharmacy received it in handover ${submitted.id}` });
    });
  });

  describe("when a pack of the manifest was swapped after signing", function () {
    it("refuses to co-sign, names --manifest and the root, and writes nothing", async function () {
      const { out, signed } = await use(signedHandoverFixture);
      const copy = copySigned(out);
      saveManifest({ ...signed.manifest!, packs: ["PK000006", ...signed.manifest!.packs.slice(1)] }, signedManifestPath(copy));
      const before = readFileSync(copy, "utf8");
      await expect(run("rx:cosign", { in: copy, logger: GOOD_LOGGER, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        new RegExp(
          `--manifest: got "${signedManifestPath(copy)}", expected root: ${signed.manifest!.root} is not the root of the packs and cases listed .*` +
            "\\(nothing was co-signed: ask the sender for the right file, or co-sign anyway with --accept-mismatch\\)",
        ),
      );
      expect([readFileSync(copy, "utf8") === before, signatureParties(copy)]).to.deep.equal([true, ["sender"]]);
    });
  });

  describe("when the manifest was rebuilt for other packs", function () {
    it("refuses: its root is not the one the handover signs", async function () {
      const { out, signed, tree } = await use(signedHandoverFixture);
      const copy = copySigned(out);
      const other = buildManifest({ ...signed.manifest!, gtin: GTIN, packs: SERIALS.slice(5, 10), cases: [] }, tree);
      saveManifest(other, signedManifestPath(copy));
      await expect(run("rx:cosign", { in: copy, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `expected root: ${other.root}, but handover ${signed.manifest!.shipmentId} committed to ${signed.manifest!.root}: the list of packs is not the one shipped`,
      );
    });
  });

  describe("when the manifest names another receiver", function () {
    it("refuses, naming the receiver", async function () {
      const { out, signed, tree, pharmacy, pharmacy2 } = await use(signedHandoverFixture);
      const copy = copySigned(out);
      saveManifest(buildManifest({ ...signed.manifest!, gtin: GTIN, receiver: pharmacy2.address }, tree), signedManifestPath(copy));
      await expect(run("rx:cosign", { in: copy, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `expected receiver: ${pharmacy2.address}, but the signed handover is to ${pharmacy.address} (nothing was co-signed`,
      );
    });
  });

  describe("when no manifest file is at hand", function () {
    it("refuses, naming --manifest, the signed root and where it looked", async function () {
      const { out, signed } = await use(signedHandoverFixture);
      const copy = copySigned(out);
      rmSync(signedManifestPath(copy));
      await expect(run("rx:cosign", { in: copy, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `--manifest: got "", expected the handover's manifest file: the handover signs manifest ${signed.manifest!.root}, and none was given with --manifest or found at ${signedManifestPath(copy)}`,
      );
    });

    it("takes it from --manifest, and puts it next to the co-signed file", async function () {
      const { out } = await use(signedHandoverFixture);
      const copy = copySigned(out);
      const elsewhere = path.join(signedFolder(), "from-the-sender.json");
      cpSync(signedManifestPath(copy), elsewhere);
      rmSync(signedManifestPath(copy));
      const { result } = await run<SignResult>("rx:cosign", { in: copy, manifest: elsewhere, signer: SIGNER.pharmacy });
      expect([result.manifestFile, loadManifest(signedManifestPath(copy), "copied"), signatureParties(copy)]).to.deep.equal([
        signedManifestPath(copy), loadManifest(elsewhere, "given"), ["sender", "receiver"],
      ]);
    });
  });

  describe("when the mismatch is accepted", function () {
    it("co-signs with each problem printed; rx:submit then keeps no manifest and the leg stays unproven", async function () {
      const { out, signed } = await use(signedHandoverFixture);
      const copy = copySigned(out);
      saveManifest({ ...signed.manifest!, packs: ["PK000006", ...signed.manifest!.packs.slice(1)] }, signedManifestPath(copy));
      const cosign = await run("rx:cosign", { in: copy, acceptMismatch: true, signer: SIGNER.pharmacy });
      expect(cosign.lines.filter((l) => l.startsWith(`MISMATCH accepted (--accept-mismatch): ${signedManifestPath(copy)}: `))).to.have.length(2);
      const { result, lines } = await run<SubmitResult>("rx:submit", { in: copy, signer: SIGNER.stranger });
      expect(lines).to.include(`manifest ${signedManifestPath(copy)} does not match the signed handover: it will not be kept`);
      expect([result.manifestFile, existsSync(manifestPath(hre.network.name, result.id))]).to.deep.equal([undefined, false]);
      const { report } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "PK000003", json: true });
      expect(report!.custody!.legs.map((l) => l.statusText)).to.deep.equal(["proven", "no manifest available"]);
    });
  });
});

describe("rx:sign --kind handover to a pharmacy by --quantity, of a serialized lot", function () {
  it("picks the packs the signer holds loose, in serial order, and signs their manifest's root", async function () {
    await use(receivedFixture);
    const out = path.join(signedFolder(), "h.json");
    const { result, lines } = await run<SignResult>("rx:sign", ship({ kind: "handover", to: gln("pharmacy"), quantity: "2", logger: GOOD_LOGGER, out, signer: SIGNER.distributor }));
    expect(lines).to.include(`  packs: ${SERIALS.slice(0, 2).join(", ")}`);
    expect(result.manifest?.packs).to.deep.equal(SERIALS.slice(0, 2));
    expect((result.doc.message as { manifest: string }).manifest).to.equal(result.manifest?.root);
  });
});

describe("rx:sign, rx:cosign, rx:submit with named packs: bad input", function () {
  const HANDOVER = { kind: "handover", to: gln("pharmacy"), logger: GOOD_LOGGER, signer: SIGNER.distributor };

  describe("when --manifest comes with --serials", function () {
    it("names --manifest", async function () {
      await use(receivedFixture);
      const root = hre.ethers.id("root");
      await expect(run("rx:sign", ship({ ...HANDOVER, serials: serialFile(["PK000001"]), manifest: root, out: path.join(signedFolder(), "h.json") }))).to.be.rejectedWith(
        `--manifest: got "${root}", expected no --manifest with --serials, --all-remaining or --cases (they build the manifest and sign its root)`,
      );
    });
  });

  describe("when --serials and --all-remaining are both given", function () {
    it("names --all-remaining", async function () {
      await use(receivedFixture);
      await expect(run("rx:sign", ship({ ...HANDOVER, serials: serialFile(["PK000001"]), allRemaining: true, out: path.join(signedFolder(), "h.json") }))).to.be.rejectedWith(
        "--all-remaining: got true, expected either --serials or --all-remaining, not both",
      );
    });
  });

  describe("when --quantity does not match the packs", function () {
    it("names --quantity and the packs chosen, and writes neither file", async function () {
      await use(receivedFixture);
      const out = path.join(signedFolder(), "h.json");
      await expect(run("rx:sign", ship({ ...HANDOVER, serials: serialFile(SERIALS.slice(0, 5)), quantity: "3", out }))).to.be.rejectedWith(
        '--quantity: got "3", expected 5, the packs chosen: 5 packs (5 loose, 0 in 0 sealed cases) (or leave --quantity out)',
      );
      expect([existsSync(out), existsSync(signedManifestPath(out))]).to.deep.equal([false, false]);
    });
  });

  describe("when the signer does not hold a pack", function () {
    it("names the pack as rx:ship does, and writes neither file", async function () {
      const { distributor } = await use(receivedFixture);
      const out = path.join(signedFolder(), "h.json");
      await expect(run("rx:sign", ship({ ...HANDOVER, serials: serialFile(["PK000001", "PK000025"]), out }))).to.be.rejectedWith(
        `--serials: got "PK000025", expected a pack ${distributor.address} holds (no manifest at hand delivered it to ${distributor.address})`,
      );
      expect([existsSync(out), existsSync(signedManifestPath(out))]).to.deep.equal([false, false]);
    });
  });

  describe("when --all-remaining is signed", function () {
    it("hands over every pack the signer holds loose", async function () {
      await use(receivedFixture);
      const { result } = await run<SignResult>("rx:sign", ship({ ...HANDOVER, allRemaining: true, out: path.join(signedFolder(), "h.json") }));
      expect([result.manifest!.packs, result.doc.kind === "handover" && result.doc.message.quantity]).to.deep.equal([SERIALS.slice(0, 20), 20n]);
    });
  });

  describe("when --manifest is given for a handover signed by quantity", function () {
    it("rx:cosign and rx:submit name --manifest", async function () {
      const { manifestOut } = await use(receivedFixture);
      const out = path.join(signedFolder(), "h.json");
      // Between distributors: to a pharmacy a serialized lot goes only as packs (rx:sign would pick them).
      await run("rx:sign", ship({ ...HANDOVER, to: gln("distributor2"), quantity: "2", out }));
      const expected = `--manifest: got "${manifestOut}", expected nothing: the signed handover carries no manifest root (it is batch level)`;
      await expect(run("rx:cosign", { in: out, manifest: manifestOut, signer: SIGNER.distributor2 })).to.be.rejectedWith(expected);
      await expect(run("rx:submit", { in: out, manifest: manifestOut })).to.be.rejectedWith(expected);
    });
  });
});
