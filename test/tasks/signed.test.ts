import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ShipmentStatus } from "../../src/domain/enums";
import { formatGln, formatGtin } from "../../src/gs1/identifiers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN } from "../../src/scenario/scenario";
import { NOT_READY_EXIT_CODE, signedManifestPath, type SignResult } from "../../src/commands/signed/shared";
import { type InspectResult } from "../../src/commands/signed/inspect";
import { type RevokeResult } from "../../src/commands/signed/revoke";
import { type SubmitResult } from "../../src/commands/signed/submit";
import { SIGNED_FORMAT } from "../../src/signing/typed-data";
import { childEnv, hardhat } from "../e2e/processes";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { tempDir } from "../tmp";

const LOT = "S24-0001";
const EXAMPLES = path.join(__dirname, "..", "..", "examples");
const GOOD_LOGGER = path.join(EXAMPLES, "logger-good.csv");
const EXCURSION_LOGGER = path.join(EXAMPLES, "logger-excursion.csv");
const GOOD_LEG = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const HEX_TX = /^submit (ship|receive|reject|handover): tx 0x[0-9a-f]{64} block \d+ gas \d+$/m;
/** A list of two pack serials, for the flags that need a readable file. */
const SERIALS_FILE = path.join(tempDir("rx-signed-serials-"), "serials.txt");
writeFileSync(SERIALS_FILE, "SN000001\nSN000002\n");

/** A lot of 100 packs at the manufacturer, and a folder for signed files. */
async function lotFixture() {
  const base = await loadFixture(castTaskFixture);
  const [, , manufacturer, , distributor, distributor2, pharmacy, , , stranger] = base.signers;
  const expiry = (await time.latest()) + 400 * 24 * 3600;
  await base.rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry, quantity: 100n, ...COLD_CHAIN, serialRoot: hre.ethers.ZeroHash,
    certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  return { ...base, manufacturer, distributor, distributor2, pharmacy, stranger, batchId };
}

/** A fresh folder for each test's files (files are not part of the chain snapshot). */
function folder(): string {
  return tempDir("rx-signed-");
}

/** 60 packs in transit from the manufacturer to the distributor (a direct shipment). */
async function shippedFixture() {
  const base = await loadFixture(lotFixture);
  await base.rx.connect(base.manufacturer).ship(base.batchId, base.distributor.address, 60n);
  const shipment: ShipmentKey = { batchId: base.batchId, sender: base.manufacturer.address, receiver: base.distributor.address, quantity: 60n, nonce: 0n };
  return { ...base, shipment, shipmentId: shipmentIdOf(shipment) };
}

/** The distributor holds 60 saleable packs. */
async function heldFixture() {
  const base = await loadFixture(shippedFixture);
  await base.rx.connect(base.distributor).receiveShipment(base.shipment, GOOD_LEG);
  return base;
}

async function blockNumber(): Promise<number> {
  return hre.ethers.provider.getBlockNumber();
}

const SHIP = { kind: "ship", gtin: formatGtin(GTIN), lot: LOT, to: gln("distributor"), quantity: "60", signer: SIGNER.manufacturer };

async function sign(params: Record<string, unknown>): Promise<{ result: SignResult; lines: string[] }> {
  return captureOutput(() => hre.run("rx:sign", params));
}

/** rx:signed with its exit code (reset afterwards: the code is for the command line, not for mocha). */
async function inspect(params: Record<string, unknown>): Promise<{ result: InspectResult; lines: string[]; exitCode: number }> {
  const { result, lines } = await captureOutput<InspectResult>(() => hre.run("rx:signed", params));
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { result, lines, exitCode };
}

async function submit(params: Record<string, unknown>): Promise<{ result: SubmitResult; lines: string[] }> {
  return captureOutput(() => hre.run("rx:submit", params));
}

async function revoke(params: Record<string, unknown>): Promise<{ result: RevokeResult; lines: string[] }> {
  return captureOutput(() => hre.run("rx:revoke-signatures", params));
}

/** Reads the signed file as JSON, changes it with `edit`, writes it back. */
function editFile(file: string, edit: (json: Record<string, Record<string, unknown>>) => void): void {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2));
}

describe("rx:sign, rx:signed, rx:submit: a signed shipment", function () {
  describe("when the manufacturer signs a shipment to the distributor", function () {
    it("writes the signed file and sends nothing", async function () {
      const { manufacturer, distributor, batchId } = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      const before = await blockNumber();
      const { lines } = await sign({ ...SHIP, out });
      const json = JSON.parse(readFileSync(out, "utf8")) as Record<string, Record<string, unknown>>;
      expect(await blockNumber()).to.equal(before);
      expect([json.format, json.kind, json.primaryType]).to.deep.equal([SIGNED_FORMAT, "ship", "Ship"]);
      expect(json.message).to.include({ sender: manufacturer.address, receiver: distributor.address, batchId, quantity: "60", nonce: "0" });
      expect((json.signatures as unknown as { party: string; signer: string }[]).map((s) => [s.party, s.signer])).to.deep.equal([["sender", manufacturer.address]]);
      expect(lines).to.include(`signed by the sender ${manufacturer.address}; wrote ${out}`);
      expect(lines).to.include(`next: anyone submits it with rx:submit --in ${out}`);
    });

    it("signs a deadline 24 hours after the chain's time by default", async function () {
      await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      const { result } = await sign({ ...SHIP, out });
      expect(result.doc.message.deadline).to.equal(BigInt((await time.latest()) + 24 * 3600));
    });
  });

  describe("when the file is inspected", function () {
    async function signedFixture() {
      const base = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, out });
      return { ...base, out };
    }

    it("says what is signed in words, who signed, and that it is ready (exit 0)", async function () {
      const { out, manufacturer, distributor, batchId } = await loadFixture(signedFixture);
      const { lines, exitCode } = await inspect({ in: out });
      expect(exitCode).to.equal(0);
      expect(lines).to.include.members([
        `${out}:`,
        `  ship 60 units of GTIN ${formatGtin(GTIN)} lot ${LOT} (batch ${batchId})`,
        `  from ${manufacturer.address} (Manufacturer, GLN ${gln("manufacturer")})`,
        `  to   ${distributor.address} (Distributor, GLN ${gln("distributor")})`,
        "  manifest none (batch level)",
        "chain 31337: this chain",
        `nonce 0 (the signer's signature nonce, ${manufacturer.address}): its next nonce`,
        `signature of the sender ${manufacturer.address}: valid`,
        "ready to submit (rx:submit --in <file>, from any account)",
      ]);
      expect(lines.join("\n")).to.match(/^deadline \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: in 1 d \(chain time \d{4}-/m);
    });

    it("prints one JSON object with --json", async function () {
      const { out } = await loadFixture(signedFixture);
      const { lines, exitCode } = await inspect({ in: out, json: true });
      const report = JSON.parse(lines.join("\n")) as { kind: string; ready: boolean; problems: string[]; signatures: { valid: boolean; standing: string }[] };
      expect([exitCode, report.kind, report.ready, report.problems, report.signatures.map((s) => [s.valid, s.standing])]).to.deep.equal([
        0, "ship", true, [], [[true, "Authorized"]],
      ]);
    });
  });

  describe("when a stranger submits it", function () {
    async function submittedFixture() {
      const base = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, out });
      const { result, lines } = await submit({ in: out, signer: SIGNER.stranger });
      return { ...base, out, result, lines };
    }

    it("prints the transaction, its gas and the shipment id", async function () {
      const { lines, result, batchId, manufacturer, distributor } = await loadFixture(submittedFixture);
      const id = shipmentIdOf({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 60n, nonce: 0n });
      expect(result.id).to.equal(id);
      expect(lines.join("\n")).to.match(HEX_TX);
      expect(lines).to.include(`shipment ${id} nonce 0: 60 units in transit`);
    });

    it("puts the shipment in transit for the manufacturer and uses its signature nonce", async function () {
      const { rx, result, batchId, manufacturer } = await loadFixture(submittedFixture);
      expect((await rx.shipment(result.id)).status).to.equal(BigInt(ShipmentStatus.InTransit));
      expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(40n);
      expect((await rx.partner(manufacturer.address)).nonce).to.equal(1n);
    });

    it("refuses a second submission before sending (SignatureReplayed)", async function () {
      const { out } = await loadFixture(submittedFixture);
      const before = await blockNumber();
      await expect(submit({ in: out, signer: SIGNER.stranger })).to.be.rejectedWith(/--in: got ".*", expected a signed file the contract accepts now, but nonce 0 \(the signer's signature nonce\) was used already, the next is 1: .*\(SignatureReplayed\)/);
      expect(await blockNumber()).to.equal(before);
    });

    it("then inspects as not ready, exit code 2", async function () {
      const { out } = await loadFixture(submittedFixture);
      const { lines, exitCode } = await inspect({ in: out });
      expect(exitCode).to.equal(NOT_READY_EXIT_CODE);
      expect(lines).to.include("NOT READY: the contract would refuse it now:");
    });
  });

  describe("when the manufacturer shipped the units directly after signing", function () {
    it("reports the contract's refusal by name (CustodyInsufficientSaleable)", async function () {
      const { rx, manufacturer, distributor, batchId } = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, out });
      await rx.connect(manufacturer).ship(batchId, distributor.address, 50n);
      await expect(captureOutput(() => hre.run("rx:submit", { in: out, signer: SIGNER.stranger }))).to.be.rejectedWith(
        `the contract refused: CustodyInsufficientSaleable(batchId=${batchId}, holder=${manufacturer.address}, available=50, requested=60)`,
      );
    });
  });

  describe("when two shipments are signed ahead with --nonce", function () {
    it("accepts them in nonce order", async function () {
      const { rx, manufacturer } = await loadFixture(lotFixture);
      const dir = folder();
      await sign({ ...SHIP, quantity: "10", out: path.join(dir, "a.json") });
      const { lines } = await sign({ ...SHIP, quantity: "20", nonce: "1", out: path.join(dir, "b.json") });
      expect(lines).to.include("note: nonce 1 is ahead of the next, 0: it is accepted only after the signatures with nonces 0 to 0");
      await submit({ in: path.join(dir, "a.json") });
      await submit({ in: path.join(dir, "b.json") });
      expect((await rx.partner(manufacturer.address)).nonce).to.equal(2n);
    });
  });
});

describe("rx:sign: the manifest of a signed ship or handover", function () {
  describe("when the signed file is named", function () {
    it("puts the manifest next to it, as NAME.manifest.json", function () {
      expect([signedManifestPath("out/ship.json"), signedManifestPath("handover"), signedManifestPath("a.signed.json")]).to.deep.equal([
        "out/ship.manifest.json", "handover.manifest.json", "a.signed.manifest.json",
      ]);
    });
  });

  describe("when only a raw --manifest root is signed", function () {
    it("signs the root, writes no manifest file and says what that means", async function () {
      await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      const root = hre.ethers.id("packs");
      const { result, lines } = await sign({ ...SHIP, manifest: root, out });
      expect([result.doc.kind === "ship" && result.doc.message.manifest, result.manifestFile, existsSync(signedManifestPath(out))]).to.deep.equal([root, undefined, false]);
      expect(lines).to.include(
        'note: no manifest file is written for a raw --manifest root: rx:verify shows this leg as "no manifest available" unless its manifest is at hand (sign with --serials, --all-remaining or --cases instead)',
      );
    });
  });
});

describe("rx:sign --kind receive | reject", function () {
  describe("when the distributor signs its receipt with the logger file and a stranger submits it", function () {
    it("receives the shipment into saleable stock", async function () {
      const { rx, shipmentId, batchId, distributor } = await loadFixture(shippedFixture);
      const out = path.join(folder(), "receive.json");
      const signed = await sign({ kind: "receive", shipment: shipmentId, logger: GOOD_LOGGER, out, signer: SIGNER.distributor });
      expect(signed.lines).to.include(`  receive shipment ${shipmentId}: 60 units of GTIN ${formatGtin(GTIN)} lot ${LOT} (batch ${batchId})`);
      expect(signed.lines).to.include("  within the batch's storage range: the units go to saleable stock");
      const { result, lines } = await submit({ in: out, signer: SIGNER.stranger });
      expect([result.id, result.excursion]).to.deep.equal([shipmentId, false]);
      expect(lines).to.include(`shipment ${shipmentId} received by ${distributor.address}`);
      expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(60n);
    });
  });

  describe("when the logger file shows an excursion", function () {
    it("says so when signing, and the submitted receipt quarantines the units", async function () {
      const { rx, shipmentId, batchId, distributor } = await loadFixture(shippedFixture);
      const out = path.join(folder(), "receive.json");
      const signed = await sign({ kind: "receive", shipment: shipmentId, logger: EXCURSION_LOGGER, out, signer: SIGNER.distributor });
      expect(signed.lines).to.include("  EXCURSION: the units go to quarantine (a regulator releases or condemns them)");
      const { result } = await submit({ in: out });
      expect(result.excursion).to.equal(true);
      expect((await rx.holding(batchId, distributor.address)).quarantined).to.equal(60n);
    });
  });

  describe("when someone else than the receiver signs", function () {
    it("names --signer and the receiver", async function () {
      const { shipmentId, distributor } = await loadFixture(shippedFixture);
      await expect(sign({ kind: "receive", shipment: shipmentId, logger: GOOD_LOGGER, out: path.join(folder(), "r.json"), signer: SIGNER.distributor2 }))
        .to.be.rejectedWith(`expected the shipment's receiver ${distributor.address} (only it may sign its receipt or rejection)`);
    });
  });

  describe("when the distributor signs a rejection with evidence", function () {
    it("returns the units to the manufacturer once submitted", async function () {
      const { rx, shipmentId, batchId, manufacturer, distributor } = await loadFixture(shippedFixture);
      const dir = folder();
      const photo = path.join(dir, "photo.jpg");
      writeFileSync(photo, "a crushed case");
      const out = path.join(dir, "reject.json");
      const signed = await sign({ kind: "reject", shipment: shipmentId, reason: "damaged", evidence: photo, out, signer: SIGNER.distributor });
      expect(signed.lines).to.include(`  reason damaged; evidence keccak256 ${hre.ethers.keccak256(readFileSync(photo))}`);
      const { result, lines } = await submit({ in: out, signer: SIGNER.stranger });
      expect(result.id).to.equal(shipmentId);
      // Damaged, with no logger data: the units go back into the manufacturer's quarantine.
      expect(signed.lines).to.include("no temperature data (no --logger): the rejection carries the all-zero summary");
      expect(lines).to.include(`shipment ${shipmentId} rejected by ${distributor.address}: 60 units back to ${manufacturer.address}, into its quarantine`);
      expect(result.quarantined).to.equal(true);
      expect((await rx.holding(batchId, manufacturer.address)).quarantined).to.equal(60n);
    });
  });
});

describe("rx:sign --kind handover, rx:cosign, rx:submit", function () {
  const HANDOVER = { kind: "handover", gtin: formatGtin(GTIN), lot: LOT, to: gln("pharmacy"), quantity: "20", logger: GOOD_LOGGER, signer: SIGNER.distributor };

  async function signedHandoverFixture() {
    const base = await loadFixture(heldFixture);
    const out = path.join(folder(), "handover.json");
    const signed = await sign({ ...HANDOVER, out });
    return { ...base, out, signed };
  }

  describe("when the distributor signed a handover to the pharmacy", function () {
    it("tells the receiver to co-sign", async function () {
      const { signed, out } = await loadFixture(signedHandoverFixture);
      expect(signed.lines).to.include(`next: the receiver co-signs it with rx:cosign --in ${out} --signer <the receiver>`);
    });

    it("inspects as missing the receiver's signature (exit 2)", async function () {
      const { out, pharmacy } = await loadFixture(signedHandoverFixture);
      const { lines, exitCode } = await inspect({ in: out });
      expect(exitCode).to.equal(NOT_READY_EXIT_CODE);
      expect(lines).to.include(`signature of the receiver ${pharmacy.address}: MISSING`);
    });

    it("is refused by rx:submit before sending", async function () {
      const { out, pharmacy } = await loadFixture(signedHandoverFixture);
      const before = await blockNumber();
      await expect(submit({ in: out })).to.be.rejectedWith(`the receiver ${pharmacy.address} has not signed yet`);
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the pharmacy co-signs with its copy of the logger file and a stranger submits", function () {
    async function handedOverFixture() {
      const base = await loadFixture(signedHandoverFixture);
      const cosigned = await captureOutput<SignResult>(() => hre.run("rx:cosign", { in: base.out, logger: GOOD_LOGGER, signer: SIGNER.pharmacy }));
      const inspected = await inspect({ in: base.out });
      const submitted = await submit({ in: base.out, signer: SIGNER.stranger });
      return { ...base, cosigned, inspected, submitted };
    }

    it("adds the receiver's signature to the same file", async function () {
      const { cosigned, out, distributor, pharmacy } = await loadFixture(handedOverFixture);
      const json = JSON.parse(readFileSync(out, "utf8")) as { signatures: { party: string; signer: string }[] };
      expect(json.signatures.map((s) => [s.party, s.signer])).to.deep.equal([["sender", distributor.address], ["receiver", pharmacy.address]]);
      expect(cosigned.lines).to.include.members(["logger " + GOOD_LOGGER + ": matches the signed summary", `co-signed by the receiver ${pharmacy.address}; wrote ${out}`]);
    });

    it("then inspects as ready (exit 0)", async function () {
      const { inspected } = await loadFixture(handedOverFixture);
      expect([inspected.exitCode, inspected.result.inspection.problems]).to.deep.equal([0, []]);
    });

    it("hands the units over in one transaction and prints the handover id", async function () {
      const { rx, submitted, batchId, distributor, pharmacy } = await loadFixture(handedOverFixture);
      const id = shipmentIdOf({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 20n, nonce: 0n });
      expect([submitted.result.id, submitted.result.excursion]).to.deep.equal([id, false]);
      expect(submitted.lines).to.include(`handover ${id}: 20 units from ${distributor.address} to ${pharmacy.address} (shipment nonce 0)`);
      expect([(await rx.holding(batchId, distributor.address)).saleable, (await rx.holding(batchId, pharmacy.address)).saleable]).to.deep.equal([40n, 20n]);
      expect((await rx.shipment(id)).status).to.equal(BigInt(ShipmentStatus.None));
    });
  });

  describe("when someone else than the receiver co-signs", function () {
    it("names --signer and the receiver", async function () {
      const { out, pharmacy } = await loadFixture(signedHandoverFixture);
      await expect(hre.run("rx:cosign", { in: out, signer: SIGNER.pharmacy2 })).to.be.rejectedWith(
        new RegExp(`--signer: got "0x[0-9a-fA-F]{40}", expected the handover's receiver ${pharmacy.address}`),
      );
    });
  });

  describe("when the receiver's logger file differs from the signed summary", function () {
    it("names --logger and writes nothing", async function () {
      const { out } = await loadFixture(signedHandoverFixture);
      const before = readFileSync(out, "utf8");
      await expect(hre.run("rx:cosign", { in: out, logger: EXCURSION_LOGGER, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        /--logger: got ".*logger-excursion.csv", expected the logger file the sender summarised/,
      );
      expect(readFileSync(out, "utf8")).to.equal(before);
    });
  });

  describe("when the quantity was changed in the file after the sender signed", function () {
    it("refuses to co-sign", async function () {
      const { out } = await loadFixture(signedHandoverFixture);
      editFile(out, (json) => (json.message.quantity = "40"));
      await expect(hre.run("rx:cosign", { in: out, signer: SIGNER.pharmacy })).to.be.rejectedWith(/the file was changed after the sender signed; do not co-sign it/);
    });
  });

  describe("when a file that is not a handover is co-signed", function () {
    it("names --in", async function () {
      await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, out });
      await expect(hre.run("rx:cosign", { in: out, signer: SIGNER.distributor })).to.be.rejectedWith(/--in: got ".*", expected a handover file \(this one is a signed ship/);
    });
  });
});

describe("rx:cancel-handover", function () {
  const HANDOVER = { kind: "handover", gtin: formatGtin(GTIN), lot: LOT, to: gln("pharmacy"), quantity: "5", logger: GOOD_LOGGER, signer: SIGNER.distributor };

  describe("when the receiver cancels a handover the sender signed", function () {
    it("voids that handover: HandoverCancelled, rx:signed says so, rx:cosign refuses it", async function () {
      const { rx, distributor, pharmacy } = await loadFixture(heldFixture);
      const out = path.join(folder(), "handover.json");
      const signed = await sign({ ...HANDOVER, out });
      const nonce = (signed.result.doc.message as { nonce: bigint }).nonce;
      const { lines } = await captureOutput(() => hre.run("rx:cancel-handover", { in: out, signer: SIGNER.pharmacy }));
      expect(lines.at(-1)).to.match(new RegExp(`^handover 0x[0-9a-f]{64} cancelled by ${pharmacy.address}: the sender's handover nonce ${nonce} can never be used$`));
      expect(await rx.isHandoverNonceUsed(distributor.address, nonce)).to.equal(true);
      const inspected = await inspect({ in: out });
      expect(inspected.exitCode).to.equal(NOT_READY_EXIT_CODE);
      expect(inspected.lines.join("\n")).to.include(`the handover was cancelled by ${pharmacy.address}`);
      await expect(captureOutput(() => hre.run("rx:cosign", { in: out, logger: GOOD_LOGGER, signer: SIGNER.pharmacy }))).to.be.rejectedWith(
        `a handover whose nonce ${nonce} the sender has not used or cancelled`,
      );
    });
  });

  describe("when the sender cancels", function () {
    it("asks first, refuses to complete before HANDOVER_CANCEL_DELAY, then completes", async function () {
      const { rx, distributor } = await loadFixture(heldFixture);
      const out = path.join(folder(), "handover.json");
      const signed = await sign({ ...HANDOVER, out });
      const nonce = (signed.result.doc.message as { nonce: bigint }).nonce;
      const asked = await captureOutput(() => hre.run("rx:cancel-handover", { in: out, signer: SIGNER.distributor }));
      expect(asked.lines.at(-1)).to.match(/^cancellation of handover 0x[0-9a-f]{64} requested: complete it with rx:cancel-handover --in .* from \S+ on; until then the receiver may still submit it$/);
      expect(await rx.isHandoverNonceUsed(distributor.address, nonce)).to.equal(false);
      await expect(hre.run("rx:cancel-handover", { in: out, signer: SIGNER.distributor })).to.be.rejectedWith(/SignatureHandoverCancelPending\), and until then the receiver may still submit it/);
      await time.increase(Number(await rx.HANDOVER_CANCEL_DELAY()));
      const done = await captureOutput(() => hre.run("rx:cancel-handover", { in: out, signer: SIGNER.distributor }));
      expect(done.lines.at(-1)).to.equal(`handover ${(done.result as { digest: string }).digest} cancelled by ${distributor.address}: the sender's handover nonce ${nonce} can never be used`);
      expect(await rx.isHandoverNonceUsed(distributor.address, nonce)).to.equal(true);
    });
  });

  describe("when a partner who is neither party cancels", function () {
    it("names --signer and sends nothing", async function () {
      await loadFixture(heldFixture);
      const out = path.join(folder(), "handover.json");
      await sign({ ...HANDOVER, out });
      const before = await blockNumber();
      await expect(hre.run("rx:cancel-handover", { in: out, signer: SIGNER.manufacturer })).to.be.rejectedWith(/--signer: got "0x[0-9a-fA-F]{40}", expected the handover's sender .* or receiver/);
      expect(await blockNumber()).to.equal(before);
    });
  });
});

describe("rx:revoke-signatures", function () {
  const MAX_UINT64 = (1n << 64n) - 1n;

  describe("when the manufacturer revokes a signed shipment it handed out and nobody submitted", function () {
    async function revokedFixture() {
      const base = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, out });
      const { result, lines } = await revoke({ next: "1", signer: SIGNER.manufacturer });
      return { ...base, out, result, lines };
    }

    it("moves its signature nonce past the file's and prints the transaction", async function () {
      const { rx, result, lines, manufacturer } = await loadFixture(revokedFixture);
      expect([result.partner, result.fromNonce, result.nextNonce]).to.deep.equal([manufacturer.address, 0n, 1n]);
      expect((await rx.partner(manufacturer.address)).nonce).to.equal(1n);
      expect(lines.join("\n")).to.match(/^revoke signatures: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
    });

    it("says which nonces it revokes, what that voids and what it does not", async function () {
      const { lines, manufacturer } = await loadFixture(revokedFixture);
      expect(lines).to.include.members([
        `revoking the unsubmitted ship, receive and reject signatures of ${manufacturer.address} (Manufacturer, GLN ${gln("manufacturer")}) with nonce 0`,
        `signatures with nonce 0 revoked: ${manufacturer.address}'s next signature nonce is 1`,
        "a signed ship, receive or reject file with a lower nonce is refused now (rx:signed shows it as revoked); sign again what is still wanted",
        "co-signed handovers are not revoked by this: their sender or receiver cancels each with rx:cancel-handover --in <file>",
      ]);
    });

    it("then rx:signed reports the file's nonce as used, revoked by the signer (exit 2)", async function () {
      const { out, result, manufacturer } = await loadFixture(revokedFixture);
      const { lines, exitCode } = await inspect({ in: out });
      const block = result.receipt.blockNumber;
      expect(exitCode).to.equal(NOT_READY_EXIT_CODE);
      expect(lines).to.include.members([
        `nonce 0 (the signer's signature nonce, ${manufacturer.address}): USED already: revoked by the signer in block ${block} (next is 1)`,
        `  - nonce 0 (the signer's signature nonce) was used already, the next is 1: the signer revoked it (rx:revoke-signatures in block ${block}, up to nonce 0): sign again if it is still wanted (SignatureReplayed)`,
      ]);
    });

    it("then rx:signed --json carries the revocation", async function () {
      const { out, result } = await loadFixture(revokedFixture);
      const { lines } = await inspect({ in: out, json: true });
      const report = JSON.parse(lines.join("\n")) as { nonce: { state: string; revoked: { fromNonce: string; nextNonce: string; block: number; tx: string } } };
      expect(report.nonce).to.deep.include({ state: "used", revoked: { fromNonce: "0", nextNonce: "1", block: result.receipt.blockNumber, tx: result.receipt.hash } });
    });

    it("then rx:submit refuses the file before sending, with the reason", async function () {
      const { out } = await loadFixture(revokedFixture);
      const before = await blockNumber();
      await expect(submit({ in: out, signer: SIGNER.stranger })).to.be.rejectedWith(
        /--in: got ".*ship\.json", expected a signed file the contract accepts now, but nonce 0 \(the signer's signature nonce\) was used already, the next is 1: the signer revoked it \(rx:revoke-signatures in block \d+, up to nonce 0\): sign again if it is still wanted \(SignatureReplayed\)/,
      );
      expect(await blockNumber()).to.equal(before);
    });

    it("then signs a new shipment with the next nonce, which goes through", async function () {
      const { rx, manufacturer } = await loadFixture(revokedFixture);
      const again = path.join(folder(), "ship-again.json");
      const { result } = await sign({ ...SHIP, out: again });
      expect(result.doc.message.nonce).to.equal(1n);
      await submit({ in: again, signer: SIGNER.stranger });
      expect((await rx.partner(manufacturer.address)).nonce).to.equal(2n);
    });
  });

  describe("when a submitted file's nonce is inspected after a later revocation", function () {
    it("still reports it as used, not revoked: the revocation started above it", async function () {
      const { manufacturer } = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, quantity: "1", out });
      await submit({ in: out });
      await revoke({ next: "5", signer: SIGNER.manufacturer });
      const { lines, result } = await inspect({ in: out });
      expect(result.inspection.nonce).to.deep.equal({ account: manufacturer.address, nonce: 0n, next: 5n, state: "used" });
      expect(lines).to.include(`nonce 0 (the signer's signature nonce, ${manufacturer.address}): USED already (next is 5)`);
    });
  });

  describe("when the signer is suspended", function () {
    it("still revokes, and says so", async function () {
      const { rx, distributor } = await loadFixture(lotFixture);
      await rx.suspendPartner(distributor.address, hre.ethers.id("lost handheld"));
      const { result, lines } = await revoke({ next: "10", signer: SIGNER.distributor });
      expect([result.fromNonce, result.nextNonce, (await rx.partner(distributor.address)).nonce]).to.deep.equal([0n, 10n, 10n]);
      expect(lines).to.include.members([
        `note: ${distributor.address} is Suspended; revoking still works (it only takes rights away)`,
        `signatures with nonces 0 to 9 revoked: ${distributor.address}'s next signature nonce is 10`,
      ]);
    });
  });

  describe("when the suite is paused", function () {
    it("still revokes", async function () {
      const { rx, signers, distributor } = await loadFixture(lotFixture);
      await rx.connect(signers[Number(SIGNER.pauser)]).pause();
      await revoke({ next: "1", signer: SIGNER.distributor });
      expect((await rx.partner(distributor.address)).nonce).to.equal(1n);
    });
  });

  describe("bad input", function () {
    /** The manufacturer revoked up to nonce 1: its next signature nonce is 2. */
    async function movedFixture() {
      const base = await loadFixture(lotFixture);
      await revoke({ next: "2", signer: SIGNER.manufacturer });
      return base;
    }

    const CASES: { what: string; params: Record<string, unknown>; error: string | RegExp }[] = [
      { what: "no --next", params: { signer: SIGNER.manufacturer }, error: /^--next: got "", expected the signer's next signature nonce once revoked, above its current one/ },
      { what: "a --next that is no number", params: { next: "soon", signer: SIGNER.manufacturer }, error: `--next: got "soon", expected a whole number from 1 to ${MAX_UINT64 - 1n}` },
      { what: "a --next of 0", params: { next: "0", signer: SIGNER.manufacturer }, error: `--next: got "0", expected a whole number from 1 to ${MAX_UINT64 - 1n}` },
      { what: "a --next of 2^64 - 1, a nonce no signature could use", params: { next: MAX_UINT64.toString(), signer: SIGNER.manufacturer }, error: `--next: got "${MAX_UINT64}", expected a whole number from 1 to ${MAX_UINT64 - 1n}` },
      { what: "a --next equal to the current nonce", params: { next: "2", signer: SIGNER.manufacturer }, error: /^--next: got "2", expected a nonce above 0x[0-9a-fA-F]{40}'s current next signature nonce, 2 \(3 revokes the signature with nonce 2; nonces below 2 are used or revoked already\)$/ },
      { what: "a --next below the current nonce", params: { next: "1", signer: SIGNER.manufacturer }, error: /^--next: got "1", expected a nonce above 0x[0-9a-fA-F]{40}'s current next signature nonce, 2 / },
      { what: "a signer that was never onboarded", params: { next: "1", signer: SIGNER.stranger }, error: /^--signer: got "0x[0-9a-fA-F]{40}", expected an onboarded partner \(0x[0-9a-fA-F]{40} was never onboarded: it has no signatures to revoke, and the contract would refuse with PartnerUnknown\)$/ },
    ];
    for (const c of CASES) {
      it(`names the flag for ${c.what}, and sends nothing`, async function () {
        const { rx, manufacturer } = await loadFixture(movedFixture);
        const before = await blockNumber();
        await expect(revoke(c.params)).to.be.rejectedWith(c.error);
        expect(await blockNumber()).to.equal(before);
        expect((await rx.partner(manufacturer.address)).nonce).to.equal(2n);
      });
    }

    it("names the current nonce of the signer when --next is not ahead", async function () {
      const { manufacturer } = await loadFixture(movedFixture);
      await expect(revoke({ next: "2", signer: SIGNER.manufacturer })).to.be.rejectedWith(`a nonce above ${manufacturer.address}'s current next signature nonce, 2`);
    });
  });

  describe("on the command line", function () {
    it("exits 1 with one line naming --next when it is missing", async function () {
      const run = await hardhat(["rx:revoke-signatures"], childEnv({}));
      expect(run.code).to.equal(1);
      expect(run.stderr + run.stdout).to.include('--next: got "", expected the signer\'s next signature nonce once revoked');
    });
  });
});

describe("signed files: bad input", function () {
  describe("rx:sign", function () {
    const CASES: { what: string; params: Record<string, unknown>; error: RegExp }[] = [
      { what: "an unknown --kind", params: { ...SHIP, kind: "deliver" }, error: /--kind: got "deliver", expected one of ship, receive, reject, handover/ },
      { what: "no --quantity", params: { ...SHIP, quantity: undefined }, error: /--quantity: got "", expected a whole number from 1 to/ },
      { what: "a --logger with --kind ship", params: { ...SHIP, logger: GOOD_LOGGER }, error: /--logger: got ".*", expected no --logger with --kind ship \(it takes --gtin, --lot, --batch, --to, --quantity, --manifest, --serials, --all-remaining, --cases\)/ },
      { what: "--serials on a lot commissioned without serials", params: { ...SHIP, quantity: undefined, serials: SERIALS_FILE }, error: /--gtin\/--lot: got "S24-0001", expected a serialized batch \(this one was commissioned without serials: ship it by --quantity\)/ },
      { what: "--all-remaining with --kind reject", params: { kind: "reject", shipment: hre.ethers.ZeroHash, reason: "damaged", allRemaining: true }, error: /--all-remaining: got true, expected no --all-remaining with --kind reject \(it takes --shipment, --reason, --evidence, --logger\)/ },
      { what: "no --out", params: { ...SHIP, out: undefined }, error: /--out: got "", expected the path of the signed file to write/ },
      { what: "a --deadline that is no duration or date-time", params: { ...SHIP, deadline: "tomorrow" }, error: /--deadline: got "tomorrow", expected a duration from now such as 30m, 24h or 7d/ },
      { what: "a --deadline in the past", params: { ...SHIP, deadline: "2001-01-01T00:00Z" }, error: /--deadline: got "2001-01-01T00:00Z", expected a time after the chain's time now/ },
      { what: "--batch with --gtin", params: { ...SHIP, batch: hre.ethers.ZeroHash }, error: /--batch: got ".*", expected either --batch or --gtin with --lot, not both/ },
      { what: "a zero --manifest", params: { ...SHIP, manifest: hre.ethers.ZeroHash }, error: /--manifest: got "0x0{64}", expected a non-zero Merkle root of the packs shipped/ },
      { what: "a --quantity above the saleable units", params: { ...SHIP, quantity: "101" }, error: /--quantity: got "101", expected at most 100, the saleable units/ },
      { what: "a receiver that is not a partner", params: { ...SHIP, to: "0x000000000000000000000000000000000000dEaD" }, error: /--to: got "0x0+dEaD", expected an authorized partner/ },
      { what: "a signer that is not a partner", params: { ...SHIP, signer: SIGNER.stranger }, error: /--signer: got "0x[0-9a-fA-F]{40}", expected an authorized partner \(.* is Unknown/ },
      { what: "receive without --logger", params: { kind: "receive", shipment: hre.ethers.ZeroHash, out: "x.json" }, error: /--logger: got "", expected a file path/ },
      { what: "reject with an unknown --reason", params: { kind: "reject", shipment: hre.ethers.ZeroHash, reason: "late", out: "x.json" }, error: /--reason: got "late", expected one of wrong-quantity, damaged/ },
    ];
    for (const c of CASES) {
      it(`names the flag for ${c.what}, and writes nothing`, async function () {
        await loadFixture(lotFixture);
        const out = path.join(folder(), "never.json");
        const params = "out" in c.params && c.params.out === undefined ? c.params : { out, ...c.params };
        await expect(sign(params)).to.be.rejectedWith(c.error);
        expect([existsSync(out), existsSync(signedManifestPath(out))]).to.deep.equal([false, false]);
      });
    }

    it("names --nonce when it was used already", async function () {
      const { manufacturer } = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, quantity: "1", out });
      await submit({ in: out });
      await expect(sign({ ...SHIP, nonce: "0", out })).to.be.rejectedWith(
        `--nonce: got "0", expected at least ${manufacturer.address}'s next signature nonce, 1 (lower nonces are used already)`,
      );
    });
  });

  describe("rx:signed and rx:submit", function () {
    async function fileFixture() {
      const base = await loadFixture(lotFixture);
      const out = path.join(folder(), "ship.json");
      await sign({ ...SHIP, out });
      return { ...base, out };
    }

    describe("when a signed field was changed in the file", function () {
      async function tamperedFixture() {
        const base = await loadFixture(fileFixture);
        editFile(base.out, (json) => (json.message.quantity = "6"));
        return base;
      }

      it("rx:signed says the signature does not match (exit 2)", async function () {
        const { out, manufacturer } = await loadFixture(tamperedFixture);
        const { lines, exitCode } = await inspect({ in: out });
        expect(exitCode).to.equal(NOT_READY_EXIT_CODE);
        expect(lines.find((l) => l.startsWith(`signature of the sender ${manufacturer.address}: `))).to.match(/: DOES NOT MATCH \(recovers to 0x[0-9a-fA-F]{40}\)$/);
        expect(lines.join("\n")).to.include("a field was changed after signing, or someone else signed (SignatureInvalidSigner)");
      });

      it("rx:submit refuses it and sends nothing", async function () {
        const { out } = await loadFixture(tamperedFixture);
        const before = await blockNumber();
        await expect(submit({ in: out })).to.be.rejectedWith(/the sender's signature does not match the fields: it recovers to 0x[0-9a-fA-F]{40}, not 0x/);
        expect(await blockNumber()).to.equal(before);
      });
    });

    describe("when the deadline passed", function () {
      async function expiredFixture() {
        const base = await loadFixture(lotFixture);
        const out = path.join(folder(), "ship.json");
        await sign({ ...SHIP, deadline: "30m", out });
        await time.increase(31 * 60);
        return { ...base, out };
      }

      it("rx:signed says EXPIRED (exit 2)", async function () {
        const { out } = await loadFixture(expiredFixture);
        const { lines, exitCode } = await inspect({ in: out });
        expect(exitCode).to.equal(NOT_READY_EXIT_CODE);
        expect(lines.join("\n")).to.match(/^deadline .*: EXPIRED 1 min ago/m);
      });

      it("rx:submit refuses it (SignatureExpired) and sends nothing", async function () {
        const { out } = await loadFixture(expiredFixture);
        const before = await blockNumber();
        await expect(submit({ in: out })).to.be.rejectedWith(/passed 1 min ago \(SignatureExpired\): sign again/);
        expect(await blockNumber()).to.equal(before);
      });
    });

    describe("when the file names another chain", function () {
      it("rx:submit refuses it (SignatureWrongChain)", async function () {
        const { out } = await loadFixture(fileFixture);
        editFile(out, (json) => (json.domain.chainId = "137"));
        await expect(submit({ in: out })).to.be.rejectedWith(/signed for chain 137, but this is chain 31337 \(SignatureWrongChain\)/);
      });
    });

    describe("when the signer was suspended after signing", function () {
      it("rx:signed names the standing (exit 2)", async function () {
        const { rx, out, manufacturer } = await loadFixture(fileFixture);
        await rx.suspendPartner(manufacturer.address, hre.ethers.id("reason"));
        const { lines, exitCode } = await inspect({ in: out });
        expect(exitCode).to.equal(NOT_READY_EXIT_CODE);
        expect(lines).to.include(`  - the sender ${manufacturer.address} is Suspended, not an authorized partner (PartnerNotAuthorized)`);
      });
    });

    const BAD_FILES: { what: string; text: string; error: RegExp }[] = [
      { what: "not JSON", text: "hello", error: /expected a signed file: JSON of format "rxtrace-signed\/1"/ },
      { what: "another format", text: JSON.stringify({ format: "rxtrace-signed/9" }), error: /format: got "rxtrace-signed\/9", expected "rxtrace-signed\/1"/ },
      { what: "an unknown kind", text: JSON.stringify({ format: SIGNED_FORMAT, kind: "gift" }), error: /kind: got "gift", expected one of ship, receive, reject, handover/ },
    ];
    for (const bad of BAD_FILES) {
      it(`rx:signed names the file and the field for ${bad.what}`, async function () {
        await loadFixture(lotFixture);
        const file = path.join(folder(), "bad.json");
        writeFileSync(file, bad.text);
        await expect(inspect({ in: file })).to.be.rejectedWith(bad.error);
      });
    }

    it("rx:signed names the field of a malformed value", async function () {
      const { out } = await loadFixture(fileFixture);
      editFile(out, (json) => (json.message.quantity = "-1"));
      await expect(inspect({ in: out })).to.be.rejectedWith(/message\.quantity: got "-1", expected a whole number from 0 to 281474976710655 \(uint48\)/);
    });

    it("rx:signed names --in for a missing file", async function () {
      await loadFixture(lotFixture);
      await expect(inspect({ in: path.join(folder(), "none.json") })).to.be.rejectedWith(/--in: got ".*none.json", expected an existing, readable signed file/);
    });
  });

  describe("on the command line", function () {
    it("rx:signed exits 1 with one line naming the field of a file of another format", async function () {
      const file = path.join(folder(), "bad.json");
      writeFileSync(file, JSON.stringify({ format: "something-else" }));
      const run = await hardhat(["rx:signed", "--in", file], childEnv({}));
      expect(run.code).to.equal(1);
      expect(run.stderr + run.stdout).to.include(`${file} format: got "something-else", expected "rxtrace-signed/1"`);
    });
  });
});
