import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { BinaryBitmap, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";
import { recordPath } from "../../src/chain/deployment";
import { Verdict } from "../../src/domain/enums";
import { expiryToYYMMDD, formatDigitalLink, formatGln, formatGtin } from "../../src/gs1/identifiers";
import { batchIdOf, serialToBytes32 } from "../../src/domain/ids";
import { LABEL_MISMATCH_EXIT_CODE } from "../../src/domain/report";
import { type PackReport } from "../../src/domain/provenance";
import { CAST, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../../src/scenario/scenario";
import { saveSerialFile } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import { ManifestTree } from "../../src/manifests/manifest";
import { captureOutput, castTaskFixture } from "./fixtures";
import { tempDir } from "../tmp";

const LOT = "V24-0001";
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
/** The flagship GTIN with its check digit changed. */
const BAD_GTIN = formatGtin(GTIN).slice(0, 13) + ((Number(formatGtin(GTIN).slice(13)) + 1) % 10);
const CERTIFICATE = "Certificate of origin: Acme Pharma, plant 3, lot V24-0001\n";
const leg = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };

/** A serialized lot at the pharmacy: 20 units via the distributor, one pack dispensed. */
async function lotAtPharmacyFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, signers } = base;
  const [, , manufacturer, , distributor, , pharmacy] = signers;
  const tree = SerialTree.of(serialRange(40, "VS"));
  const expiry = (await hre.ethers.provider.getBlock("latest"))!.timestamp + 400 * 24 * 3600;
  await rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry, quantity: 40n, ...COLD_CHAIN, serialRoot: tree.root,
    certificateHash: hre.ethers.keccak256(Buffer.from(CERTIFICATE)), certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  saveSerialFile(hre.network.name, batchId, GTIN, LOT, tree);
  await rx.connect(manufacturer).ship(batchId, distributor.address, 30n);
  await rx.connect(distributor).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 30n, nonce: 0n }, leg);
  // A serialized lot reaches a pharmacy only in pack legs: the manifest's root is on chain, its file is not at hand here.
  const toPharmacy = ManifestTree.of(serialRange(20, "VS"), []);
  await rx.connect(distributor).shipPacks(batchId, pharmacy.address, 20n, toPharmacy.root);
  await rx.connect(pharmacy).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 20n, nonce: 0n }, leg);
  const claim = { sender: distributor.address, quantity: 20n, nonce: 0n, manifestProof: toPharmacy.proofOfPack("VS000002") };
  await rx.connect(pharmacy).dispense(batchId, serialToBytes32("VS000002"), tree.proof("VS000002"), claim);
  const dir = tempDir("rx-verify-");
  const certificate = path.join(dir, "certificate.txt");
  writeFileSync(certificate, CERTIFICATE);
  return { ...base, batchId, expiry: expiryToYYMMDD(expiry), dir, certificate, pharmacy };
}

async function verify(params: Record<string, unknown>): Promise<{ lines: string[]; exitCode: number }> {
  const { lines } = await captureOutput(() => hre.run("rx:verify", params));
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0; // the verdict's exit code is for the command line, not for mocha
  return { lines, exitCode };
}

describe("rx:verify", function () {
  describe("when the pack is genuine", function () {
    it("prints GENUINE and the timeline, and exits 0", async function () {
      await loadFixture(lotAtPharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy") });
      expect(exitCode).to.equal(0);
      expect(lines[0]).to.equal("GENUINE: may be dispensed");
      const text = lines.join("\n");
      expect(text).to.include(`commissioned by Acme Pharma Manufacturing (GLN ${gln("manufacturer")}): 40 units`);
      expect(text).to.match(/shipped 30 units Acme Pharma Manufacturing .* -> Northline Wholesale/);
      expect(text).to.match(/received 20 units by Main Street Pharmacy .*: 3\.1 °C to 6\.2 °C, MKT 4\.8 °C, 0 min out of range/);
    });
    it("reads the pack from its GS1 Digital Link, expiry included", async function () {
      const { expiry } = await loadFixture(lotAtPharmacyFixture);
      const link = formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "VS000001", expiry });
      const { exitCode, lines } = await verify({ link, json: true });
      const report = JSON.parse(lines.join("\n")) as PackReport;
      expect([exitCode, report.verdict, report.expiryMatches]).to.deep.equal([0, "Genuine", true]);
    });
    it("says whether the certificate document matches the commitment", async function () {
      const { certificate } = await loadFixture(lotAtPharmacyFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", certificate, json: true });
      expect((JSON.parse(lines.join("\n")) as PackReport).certificate?.matches).to.equal(true);
    });
  });

  describe("when the pack was dispensed", function () {
    it("exits with the AlreadyDispensed code and shows the dispensing", async function () {
      await loadFixture(lotAtPharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000002" });
      expect(exitCode).to.equal(10 + Verdict.AlreadyDispensed);
      expect(lines.join("\n")).to.match(/this pack was dispensed by Main Street Pharmacy/);
    });
  });

  describe("when the serial is forged", function () {
    it("exits with the SerialNotInBatch code", async function () {
      await loadFixture(lotAtPharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "FORGED1", json: true });
      expect([exitCode, (JSON.parse(lines.join("\n")) as PackReport).verdict]).to.deep.equal([10 + Verdict.SerialNotInBatch, "SerialNotInBatch"]);
    });
  });

  describe("when the lot is unknown", function () {
    it("exits with the UnknownBatch code and an empty timeline", async function () {
      await loadFixture(lotAtPharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: "NOPE", serial: "VS000001", json: true });
      const report = JSON.parse(lines.join("\n")) as PackReport;
      expect([exitCode, report.verdict, report.timeline.length]).to.deep.equal([10 + Verdict.UnknownBatch, "UnknownBatch", 0]);
    });
  });

  describe("when the holder is given", function () {
    it("says NotInCustody for a partner without units", async function () {
      await loadFixture(lotAtPharmacyFixture);
      const { exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy2") });
      expect(exitCode).to.equal(10 + Verdict.NotInCustody);
    });
    it("says Genuine for the pharmacy holding the lot, named by address", async function () {
      const { pharmacy } = await loadFixture(lotAtPharmacyFixture);
      const { exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: pharmacy.address });
      expect(exitCode).to.equal(0);
    });
  });

  describe("when the lot also went to another pharmacy", function () {
    /** The lot of lotAtPharmacyFixture, 5 more units from the distributor to St. Mary. */
    async function lotAtTwoPharmaciesFixture() {
      const base = await loadFixture(lotAtPharmacyFixture);
      const { rx, signers, batchId } = base;
      const [, , , , distributor, , , pharmacy2] = signers;
      await rx.connect(distributor).shipPacks(batchId, pharmacy2.address, 5n, ManifestTree.of(serialRange(5, "VS", 21), []).root);
      const shipped = (await rx.queryFilter(rx.filters.Shipped(undefined, batchId, distributor.address))).at(-1)!;
      await rx.connect(pharmacy2).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy2.address, quantity: 5n, nonce: shipped.args.nonce }, leg);
      return base;
    }
    /** The lines from `header` up to the next line that is not indented. */
    const section = (lines: string[], header: string) => {
      const start = lines.findIndex((l) => l.startsWith(header));
      const end = lines.findIndex((l, i) => i > start && !l.startsWith("  "));
      return start === -1 ? [] : lines.slice(start, end === -1 ? undefined : end);
    };

    it("prints the pack's path first: the legs that can have carried it to the holder, every event of each", async function () {
      await loadFixture(lotAtTwoPharmaciesFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy") });
      const path = section(lines, "path of this pack");
      expect(path[0]).to.equal("path of this pack (the legs whose manifests list it, and the lot-level legs that can have carried it to Main Street Pharmacy, the verifying holder):");
      expect(path.slice(1).map((l) => l.replace(/^ {2}\S+ \S+ UTC {2}/, "").replace(/ \(GLN \d+\)/g, "").replace(/ \(manifest 0x[0-9a-f]{64}\)/, "").replace(/: .*/, ""))).to.deep.equal([
        "commissioned by Acme Pharma Manufacturing",
        "shipped 30 units Acme Pharma Manufacturing -> Northline Wholesale",
        "received 30 units by Northline Wholesale from Acme Pharma Manufacturing",
        "shipped 20 units Northline Wholesale -> Main Street Pharmacy",
        "received 20 units by Main Street Pharmacy from Northline Wholesale",
      ]);
    });

    it("prints the other pharmacy's leg apart, labelled as the lot's, on one line", async function () {
      await loadFixture(lotAtTwoPharmaciesFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy") });
      const lot = section(lines, "other legs of this lot");
      expect(lot[0]).to.equal("other legs of this lot (1): the lot's, not shown to have carried this pack (one line per leg, --all for every event):");
      expect(lot.slice(1).map((l) => l.replace(/^ {2}\S+ \S+ UTC {2}/, ""))).to.deep.equal(["shipment 5 units Northline Wholesale -> St. Mary Hospital Pharmacy: received"]);
    });

    it("lists every event of the lot's other legs with --all", async function () {
      await loadFixture(lotAtTwoPharmaciesFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy"), all: true });
      const lot = section(lines, "other legs of this lot");
      expect(lot.slice(1).map((l) => l.replace(/^ {2}\S+ \S+ UTC {2}/, "").replace(/ \(GLN \d+\)/g, "").replace(/ \(manifest 0x[0-9a-f]{64}\)/, "").replace(/: .*/, ""))).to.deep.equal([
        "shipped 5 units Northline Wholesale -> St. Mary Hospital Pharmacy",
        "received 5 units by St. Mary Hospital Pharmacy from Northline Wholesale",
      ]);
    });

    it("walks back from the pharmacy that dispensed the pack, without --holder", async function () {
      await loadFixture(lotAtTwoPharmaciesFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000002" });
      const path = section(lines, "path of this pack");
      expect([path[0], path.at(-1)?.replace(/ \(GLN \d+\)/g, "").replace(/^ {2}\S+ \S+ UTC {2}/, "")]).to.deep.equal([
        "path of this pack (the legs whose manifests list it, and the lot-level legs that can have carried it to Main Street Pharmacy, which dispensed it):",
        "this pack was dispensed by Main Street Pharmacy",
      ]);
    });

    it("leaves every leg to the lot without --holder, a dispensing or manifests, and says what would tell them apart", async function () {
      await loadFixture(lotAtTwoPharmaciesFixture);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001" });
      expect(lines.filter((l) => /^(path of this pack|(other )?legs of this lot)/.test(l))).to.deep.equal([
        "path of this pack (its legs cannot be told apart from the lot's without the verifying holder's GLN or the pack's manifests):",
        "legs of this lot (3): the lot's, not shown to have carried this pack (one line per leg, --all for every event):",
      ]);
    });

    it("adds the split to --json: the pack's legs, the lot's legs and why", async function () {
      const { rx, batchId } = await loadFixture(lotAtTwoPharmaciesFixture);
      const ids = (await rx.queryFilter(rx.filters.Shipped(undefined, batchId))).map((e) => e.args.shipmentId);
      const { lines } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy"), json: true });
      const { path: split } = JSON.parse(lines.join("\n")) as { path: { basis: string; ownLegs: string[]; lotLegs: string[] } };
      expect(split).to.deep.include({ basis: "holder", ownLegs: ids.slice(0, 2), lotLegs: ids.slice(2) });
    });

    it("keeps the verdict and exit code of the holder that received the other leg", async function () {
      await loadFixture(lotAtTwoPharmaciesFixture);
      const { exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", holder: gln("pharmacy2") });
      expect(exitCode).to.equal(0);
    });
  });

  describe("when the label disagrees with the chain", function () {
    it("exits with the label-mismatch code for another expiry", async function () {
      await loadFixture(lotAtPharmacyFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", expiry: "991231" });
      expect(exitCode).to.equal(LABEL_MISMATCH_EXIT_CODE);
      expect(lines.join("\n")).to.match(/WARNING: the expiry printed on the pack differs/);
    });
    it("exits with the label-mismatch code for another certificate document", async function () {
      const { dir } = await loadFixture(lotAtPharmacyFixture);
      const other = path.join(dir, "other.txt");
      writeFileSync(other, "a different document");
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", certificate: other });
      expect(exitCode).to.equal(LABEL_MISMATCH_EXIT_CODE);
      expect(lines.join("\n")).to.match(/DOCUMENT DOES NOT MATCH/);
    });
  });

  describe("when the input is bad", function () {
    it("names --gtin and the expected check digit", async function () {
      await loadFixture(lotAtPharmacyFixture);
      await expect(hre.run("rx:verify", { gtin: BAD_GTIN, lot: LOT, serial: "VS1" })).to.be.rejectedWith(
        `--gtin: got "${BAD_GTIN}", expected a GTIN whose check digit is ${formatGtin(GTIN).slice(13)}`,
      );
    });
    it("refuses --gtin together with --link", async function () {
      await loadFixture(lotAtPharmacyFixture);
      await expect(hre.run("rx:verify", { link: "https://id.gs1.org/01/09506000134352/10/L/21/S", gtin: "1" })).to.be.rejectedWith(/--gtin/);
    });
    it("refuses a missing serial", async function () {
      await loadFixture(lotAtPharmacyFixture);
      await expect(hre.run("rx:verify", { gtin: formatGtin(GTIN), lot: LOT })).to.be.rejectedWith(/--serial: got "", expected the pack's serial/);
    });
    it("refuses an unreadable certificate file", async function () {
      await loadFixture(lotAtPharmacyFixture);
      await expect(hre.run("rx:verify", { gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", certificate: "/no/such/file" })).to.be.rejectedWith(
        /--certificate: got "\/no\/such\/file", expected a readable file/,
      );
    });
  });
});

/** The text a QR code PNG carries, decoded as a scanner would (ZXing). */
function decodeQrPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const luminance = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0; i < luminance.length; i++) luminance[i] = image.data[i * 4]; // black or white: red is enough
  const source = new RGBLuminanceSource(luminance, image.width, image.height);
  return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source))).getText();
}

describe("rx:qr", function () {
  it("writes a PNG and an SVG of the pack's Digital Link", async function () {
    const out = path.join(tempDir("rx-qr-"), "pack");
    const { lines } = await captureOutput(() => hre.run("rx:qr", { gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001", expiry: "281231", out }));
    expect(lines[0]).to.equal(`QR code of ${formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "VS000001", expiry: "281231" })}`);
    const link = formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "VS000001", expiry: "281231" });
    expect(decodeQrPng(readFileSync(`${out}.png`))).to.equal(link);
    expect(readFileSync(`${out}.svg`, "utf8")).to.match(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
  it("refuses a resolver that is not https", async function () {
    await expect(hre.run("rx:qr", { gtin: formatGtin(GTIN), lot: LOT, serial: "S1", out: "x", resolver: "ftp://x" })).to.be.rejectedWith(/--resolver/);
  });
});

describe("commands when the deployment cannot be reached", function () {
  /** Runs `body` with the in-process network's record pointing at `address`, then restores the record. */
  async function withRecordAt<T>(address: string, body: () => Promise<T>): Promise<T> {
    const file = recordPath("hardhat");
    const saved = existsSync(file) ? readFileSync(file, "utf8") : undefined;
    const record = { network: "hardhat", chainId: 31337, contracts: { RxTrace: { address, transactionHash: "0x", blockNumber: 0 } } };
    writeFileSync(file, JSON.stringify(record));
    try {
      return await body();
    } finally {
      if (saved === undefined) rmSync(file);
      else writeFileSync(file, saved);
    }
  }

  it("says why an in-process record is stale and what to do instead", async function () {
    await loadFixture(castTaskFixture);
    const nobody = hre.ethers.Wallet.createRandom().address;
    await withRecordAt(nobody, async () => {
      await expect(hre.run("rx:partner", { account: gln("distributor") })).to.be.rejectedWith(
        `the in-process "hardhat" network starts empty in every command, so ${nobody} is gone: start a node (\`npm run node\`)`,
      );
    });
  });

  it("still names every bad flag of rx:commission first", async function () {
    await loadFixture(castTaskFixture);
    await withRecordAt(hre.ethers.Wallet.createRandom().address, async () => {
      await expect(
        hre.run("rx:commission", { gtin: "123", lot: "bad lot", expiry: "280101", quantity: "0", minTemp: "2", maxTemp: "8", certificate: "/no/such/file", certificateUri: "ipfs://x" }),
      ).to.be.rejectedWith(/--gtin: got "123", expected a GTIN of 8, 12, 13 or 14 digits\n--lot: got "bad lot".*\n--quantity: got "0".*\n--certificate: got "\/no\/such\/file"/);
    });
  });
});

describe("rx:verify and a holder's suspect flag", function () {
  /** The distributor, a holder of the lot, flagged it suspect (no regulator confirmed it). */
  async function flaggedFixture() {
    const base = await loadFixture(lotAtPharmacyFixture);
    const [, , , , distributor] = base.signers;
    await base.rx.connect(distributor).flagSuspect(base.batchId, hre.ethers.id("seal broken"));
    return base;
  }

  describe("while the flag holds", function () {
    it("says SUSPECT and when the flag lapses", async function () {
      await loadFixture(flaggedFixture);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001" });
      expect([exitCode, lines[0]]).to.deep.equal([10 + Verdict.Suspect, "SUSPECT: do not dispense: lot on hold as suspect product"]);
      expect(lines.join("\n")).to.match(/put on hold as suspect by Northline Wholesale .* \(a holder's flag: lapses \S+ \S+ UTC unless a regulator confirms it\)/);
    });
  });

  describe("once the flag lapsed unconfirmed", function () {
    it("no longer reads as suspect: GENUINE, and the timeline says it lapsed", async function () {
      await loadFixture(flaggedFixture);
      await time.increase(8 * 24 * 3600);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001" });
      expect([exitCode, lines[0]]).to.deep.equal([0, "GENUINE: may be dispensed"]);
      expect(lines.join("\n")).to.match(/put on hold as suspect by Northline Wholesale .* \(a holder's flag: LAPSED \S+ \S+ UTC, no regulator confirmed it; no longer on hold\)/);
    });
  });

  describe("when a regulator confirmed it", function () {
    it("stays SUSPECT after the lapse time, and the timeline says it was confirmed", async function () {
      const { rx, batchId, signers } = await loadFixture(flaggedFixture);
      await rx.connect(signers[8]).confirmSuspect(batchId, hre.ethers.id("confirmed"));
      await time.increase(8 * 24 * 3600);
      const { lines, exitCode } = await verify({ gtin: formatGtin(GTIN), lot: LOT, serial: "VS000001" });
      expect(exitCode).to.equal(10 + Verdict.Suspect);
      expect(lines.join("\n")).to.include("(confirmed by a regulator)");
      expect(lines.join("\n")).to.match(/suspect hold confirmed by .*: it no longer lapses/);
    });
  });
});
