import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readFileSync, writeFileSync } from "node:fs";
import { readRecord, recordPath } from "../../src/chain/deployment";
import { batchIdOf, serialToBytes32 } from "../../src/domain/ids";
import { formatGtin } from "../../src/gs1/identifiers";
import { CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, serialRange } from "../../src/scenario/scenario";
import { saveSerialFile } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import { ManifestTree } from "../../src/manifests/manifest";
import { Verdict } from "../../src/domain/enums";
import { type PackReport } from "../../src/domain/provenance";
import { captureOutput, castTaskFixture } from "./fixtures";

const LOT = "M24-0001";
const leg = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };

/**
 * The record as the other command tests left it: `rx:deploy --take-over` replaces the record of this process's
 * deployments folder, which the other command tests' fixtures (reverted chain snapshots) still expect.
 */
let recordBefore: string | undefined;

/** A serialized lot at the pharmacy, one pack dispensed; then a successor deployed (--take-over), the old suite retired, rx:migrate run. */
async function migratedTaskFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, signers } = base;
  const [, , manufacturer, , distributor, , pharmacy] = signers;
  const tree = SerialTree.of(serialRange(20, "MS"));
  const expiry = (await hre.ethers.provider.getBlock("latest"))!.timestamp + 400 * 24 * 3600;
  await rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry, quantity: 20n, ...COLD_CHAIN, serialRoot: tree.root, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  saveSerialFile(hre.network.name, batchId, GTIN, LOT, tree);
  const packs = ManifestTree.of(serialRange(10, "MS"), []);
  await rx.connect(manufacturer).ship(batchId, distributor.address, 20n);
  await rx.connect(distributor).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 20n, nonce: 0n }, leg);
  await rx.connect(distributor).shipPacks(batchId, pharmacy.address, 10n, packs.root);
  await rx.connect(pharmacy).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 10n, nonce: 0n }, leg);
  const claim = { sender: distributor.address, quantity: 10n, nonce: 0n, manifestProof: packs.proofOfPack("MS000001") };
  await rx.connect(pharmacy).dispense(batchId, serialToBytes32("MS000001"), tree.proof("MS000001"), claim);
  const oldRecord = readFileSync(recordPath(hre.network.name), "utf8");
  recordBefore ??= oldRecord;
  const deployed = await captureOutput(() => hre.run("rx:deploy", { takeOver: true }));
  const retired = await captureOutput(() => hre.run("rx:retire", {}));
  const migrated = await captureOutput(() => hre.run("rx:migrate", { quiet: true }));
  await hre.run("rx:unpause", {});
  return { ...base, batchId, oldRecord, deployed, retired, migrated };
}

async function verifyJson(serial: string): Promise<PackReport> {
  const { result } = await captureOutput(() => hre.run("rx:verify", { gtin: formatGtin(GTIN), lot: LOT, serial, json: true }));
  process.exitCode = 0; // the verdict's exit code is for the command line, not for mocha
  return result as PackReport;
}

describe("migration commands", function () {
  after(function () {
    if (recordBefore !== undefined) writeFileSync(recordPath(hre.network.name), recordBefore);
  });

  describe("rx:deploy --take-over, rx:retire, rx:migrate", function () {
    it("deploy names the predecessor in the record and says what comes next", async function () {
      const { deployed, oldRecord } = await loadFixture(migratedTaskFixture);
      const before = JSON.parse(oldRecord) as { contracts: { RxTrace: { address: string } } };
      const record = readRecord(hre.network.name);
      expect(record.predecessor?.address).to.equal(before.contracts.RxTrace.address);
      expect(deployed.lines.join("\n")).to.match(/takes over from 0x[0-9a-fA-F]{40}; paused until rx:migrate .* then rx:migrate, then rx:unpause/);
    });

    it("rx:retire and rx:migrate print what they did", async function () {
      const { retired, migrated } = await loadFixture(migratedTaskFixture);
      expect(retired.lines[0]).to.match(/^retired 0x[0-9a-fA-F]{40} in favour of 0x[0-9a-fA-F]{40}: tx 0x[0-9a-f]{64} block \d+$/);
      expect(migrated.lines[0]).to.equal("adopted: 7 partners, 4 prefixes, 1 batches, 3 holdings, 1 shipments, 0 cases");
      expect(migrated.lines).to.include("everything the predecessor holds is adopted: the successor's pauser may now unpause it (rx:unpause)");
    });

    it("rx:migrate run again adopts nothing", async function () {
      await loadFixture(migratedTaskFixture);
      const { lines } = await captureOutput(() => hre.run("rx:migrate", { quiet: true }));
      expect(lines[0]).to.equal("adopted: 0 partners, 0 prefixes, 0 batches, 0 holdings, 0 shipments, 0 cases");
    });
  });

  describe("rx:verify after the migration", function () {
    it("says ALREADY DISPENSED for the pack dispensed on the old suite", async function () {
      await loadFixture(migratedTaskFixture);
      const report = await verifyJson("MS000001");
      expect(report.verdictCode).to.equal(Verdict.AlreadyDispensed);
      expect(report.lineage).to.equal(undefined);
    });

    it("tells the lot's history from the old suite on: commissioning, legs and partners' names, then the new suite's", async function () {
      await loadFixture(migratedTaskFixture);
      const report = await verifyJson("MS000003");
      expect(report.verdictCode).to.equal(Verdict.Genuine);
      expect(report.certificate?.uri).to.equal(CERTIFICATE_URI);
      const commissioned = report.timeline.find((e) => e.kind === "commissioned");
      expect(commissioned && "by" in commissioned ? commissioned.by.name : undefined).to.equal("Acme Pharma Manufacturing");
    });

    it("from the old suite's record, follows the lineage and says which successor answered", async function () {
      const { oldRecord } = await loadFixture(migratedTaskFixture);
      const current = readFileSync(recordPath(hre.network.name), "utf8");
      writeFileSync(recordPath(hre.network.name), oldRecord);
      try {
        const report = await verifyJson("MS000001");
        const successor = (JSON.parse(current) as { contracts: { RxTrace: { address: string } } }).contracts.RxTrace.address;
        expect(report.verdictCode).to.equal(Verdict.AlreadyDispensed);
        expect(report.lineage?.[1]).to.equal(successor);
        const { lines } = await captureOutput(() => hre.run("rx:verify", { gtin: formatGtin(GTIN), lot: LOT, serial: "MS000002" }));
        process.exitCode = 0;
        expect(lines).to.include(`deployment: ${report.lineage?.[0]} is retired; answered by its successor ${successor}`);
      } finally {
        writeFileSync(recordPath(hre.network.name), current);
      }
    });
  });
});
