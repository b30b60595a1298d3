import { expect } from "chai";
import hre from "hardhat";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { RxTrace } from "../../typechain-types";
import { captureOutput, castTaskFixture, SIGNER } from "../tasks/fixtures";
import { tempDir } from "../tmp";
import { deploymentsDir } from "../../src/chain/deployment";
import { manifestPath } from "../../src/files/manifest-files";
import { formatGtin } from "../../src/gs1/identifiers";
import { FOREIGN_GTIN } from "../../src/scenario/scenario";
import type { EpcisExportResult } from "../../src/commands/epcis/export";
import { FAIL_AFTER_ENV, type EpcisImportSummary } from "../../src/commands/epcis/import";
import { epcisScenarioFixture, EXAMPLES, gln } from "./scenario";
import { schemaProblems } from "./schema";

const SAMPLE_JSON = path.join(EXAMPLES, "epcis", "acme-2026-11.jsonld");
const SAMPLE_XML = path.join(EXAMPLES, "epcis", "acme-2026-11.xml");
const FLAGS = {
  minTemp: "2", maxTemp: "8", certificate: path.join(EXAMPLES, "certificate-A24-0001.txt"),
  certificateUri: "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", signer: SIGNER.manufacturer,
};

/** The deployment's files in a folder of their own: the serial files, cases and manifests of this import only. */
function freshFiles(): string {
  const dir = tempDir("rx-epcis-import-");
  copyFileSync(path.join(deploymentsDir(), "hardhat.json"), path.join(dir, "hardhat.json"));
  process.env.RXTRACE_DEPLOYMENTS_DIR = dir;
  return dir;
}

const importFile = (file: string, flags: Record<string, unknown> = FLAGS) =>
  captureOutput(() => hre.run("rx:epcis-import", { file, ...flags }) as Promise<EpcisImportSummary>);

/** What the chain says the import made: batches and roots, cases and contents, shipments and manifest roots. */
async function madeOnChain(rx: RxTrace) {
  const f = rx.filters;
  return {
    batches: (await rx.queryFilter(f.BatchCommissioned())).map((e) => [e.args.batchId, e.args.batch.serialRoot, e.args.batch.expiry, e.args.batch.quantity, e.args.batch.certificateHash]),
    cases: (await rx.queryFilter(f.CaseSealed())).map((e) => [e.args.sscc, e.args.batchId, e.args.contents, e.args.packs]),
    shipments: (await rx.queryFilter(f.Shipped())).map((e) => [e.args.shipmentId, e.args.batchId, e.args.receiver, e.args.quantity]),
    manifests: (await rx.queryFilter(f.ManifestCommitted())).map((e) => [e.args.shipmentId, e.args.manifest]),
  };
}

/** The JSON sample with `change` applied, in a file of its own. */
function changedSample(change: (events: Record<string, unknown>[]) => void): string {
  const doc = JSON.parse(readFileSync(SAMPLE_JSON, "utf8")) as { epcisBody: { eventList: Record<string, unknown>[] } };
  change(doc.epcisBody.eventList);
  const file = path.join(tempDir("rx-epcis-bad-"), "bad.jsonld");
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

describe("rx:epcis-import", function () {
  let saved: string | undefined;
  beforeEach(function () {
    saved = process.env.RXTRACE_DEPLOYMENTS_DIR;
  });
  afterEach(function () {
    process.env.RXTRACE_DEPLOYMENTS_DIR = saved;
    delete process.env[FAIL_AFTER_ENV];
  });

  describe("when the EPCIS 2.0 sample is imported", function () {
    it("commissions 3 batches with their serial trees, seals 2 cases and ships 2 pack shipments with manifests", async function () {
      const { rx } = await loadFixture(castTaskFixture);
      const dir = freshFiles();
      const { result } = await importFile(SAMPLE_JSON);
      expect([result.commissioned.length, result.sealed.length, result.shipped.length]).to.deep.equal([3, 2, 2]);
      const made = await madeOnChain(rx);
      expect(made.batches).to.have.length(3);
      expect(made.cases.map((c) => c[3])).to.deep.equal([3n, 2n]);
      expect(made.manifests.map((m) => m[0])).to.deep.equal(result.shipped);
      for (const [shipmentId, root] of made.manifests) {
        const file = manifestPath("hardhat", shipmentId as string, dir);
        expect(JSON.parse(readFileSync(file, "utf8")).root).to.equal(root);
      }
      expect(made.shipments.map((s) => s[2])).to.deep.equal([(await hre.ethers.getSigners())[4].address, (await hre.ethers.getSigners())[5].address]);
    });

    it("is a document the EPCIS 2.0 JSON Schema accepts", function () {
      expect(schemaProblems(JSON.parse(readFileSync(SAMPLE_JSON, "utf8")))).to.deep.equal([]);
    });

    it("sends nothing when run again: everything is on the chain already", async function () {
      await loadFixture(castTaskFixture);
      freshFiles();
      await importFile(SAMPLE_JSON);
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await importFile(SAMPLE_JSON);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      expect(result.skipped).to.equal(7);
      expect(lines.join("\n")).to.include("skipped, already on-chain");
    });
  });

  describe("when the EPCIS 1.2 XML sample is imported", function () {
    it("makes the same batches, cases and manifests as the EPCIS 2.0 sample of the same events", async function () {
      const { rx } = await loadFixture(castTaskFixture);
      freshFiles();
      await importFile(SAMPLE_JSON);
      const fromJson = await madeOnChain(rx);
      await loadFixture(castTaskFixture);
      freshFiles();
      const { result } = await importFile(SAMPLE_XML);
      expect([result.commissioned.length, result.sealed.length, result.shipped.length]).to.deep.equal([3, 2, 2]);
      expect(await madeOnChain(rx)).to.deep.equal(fromJson);
    });

    it("refuses an event that declares an earlier one erroneous, by name, and sends nothing", async function () {
      const { rx } = await loadFixture(castTaskFixture);
      freshFiles();
      const file = changedSample((events) => {
        events[0].errorDeclaration = { declarationTime: "2026-01-05T10:00:00Z", reason: "incorrect_data", correctiveEventIDs: ["ni:///sha-256;x?ver=CBV2.0"] };
      });
      await expect(importFile(file)).to.be.rejectedWith('eventList[0].errorDeclaration: got "incorrect_data", expected no error declaration');
      expect((await madeOnChain(rx)).batches).to.deep.equal([]);
    });

    it("refuses an EPCIS 1.2 event whose baseExtension declares an error, by name", async function () {
      const { rx } = await loadFixture(castTaskFixture);
      freshFiles();
      const file = path.join(tempDir("rx-epcis-bad-"), "declared.xml");
      const declaration = "<baseExtension><errorDeclaration><declarationTime>2026-11-05T10:00:00Z</declarationTime><reason>did_not_occur</reason></errorDeclaration></baseExtension>";
      writeFileSync(file, readFileSync(SAMPLE_XML, "utf8").replace(/<ObjectEvent>/, `<ObjectEvent>${declaration}`));
      await expect(importFile(file)).to.be.rejectedWith('EventList event 1.errorDeclaration: got "did_not_occur", expected no error declaration');
      expect((await madeOnChain(rx)).batches).to.deep.equal([]);
    });

    it("refuses a document that ships without the DSCSA transaction statement", async function () {
      await loadFixture(castTaskFixture);
      freshFiles();
      const file = path.join(tempDir("rx-epcis-bad-"), "no-statement.xml");
      writeFileSync(file, readFileSync(SAMPLE_XML, "utf8").replace(/<gs1ushc:dscsaTransactionStatement>[\s\S]*?<\/gs1ushc:dscsaTransactionStatement>/, ""));
      await expect(importFile(file)).to.be.rejectedWith("EPCISHeader.dscsaTransactionStatement: got \"\", expected an affirmed DSCSA transaction statement");
    });
  });

  describe("when the document is wrong", function () {
    async function refused(file: string, ...messages: string[]) {
      const block = await hre.ethers.provider.getBlockNumber();
      const error = await importFile(file).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error, "the import should fail").to.be.instanceOf(Error);
      for (const message of messages) expect(error?.message, error?.message).to.include(message);
      expect(error?.message).to.include("nothing was sent");
      expect(await hre.ethers.provider.getBlockNumber(), "no transaction").to.equal(block);
    }

    it("names an unknown bizStep and a serial listed twice, both at once", async function () {
      await loadFixture(castTaskFixture);
      freshFiles();
      const file = changedSample((events) => {
        events[2].bizStep = "comissioning";
        const list = events[0].epcList as string[];
        list[4] = list[1];
      });
      await refused(file, 'eventList[2].bizStep: got "comissioning", expected a CBV 2.0 business step', "eventList[0].epcList[4]: got", "each serial once (serial SNK00002 is also at epcList[1])");
    });

    it("names a GTIN outside the manufacturer's company prefix", async function () {
      await loadFixture(castTaskFixture);
      freshFiles();
      const foreign = formatGtin(FOREIGN_GTIN);
      const file = changedSample((events) => {
        events[2].epcList = (events[2].epcList as string[]).map((uri) => uri.replace("/01/00312345000172/", `/01/${foreign}/`));
      });
      await refused(file, `eventList[2].epcList: got "${foreign}", expected a GTIN under`, "BatchGtinNotOwned");
    });

    it("names a lot whose expiry disagrees with the chain", async function () {
      await loadFixture(castTaskFixture);
      freshFiles();
      await importFile(SAMPLE_JSON);
      const file = changedSample((events) => {
        (events[1].ilmd as Record<string, string>)["cbvmda:itemExpirationDate"] = "2029-12-31";
      });
      await refused(file, 'eventList[1].ilmd.cbvmda:lotNumber: got "B25-0102", expected the same data as batch', "eventList[1].ilmd.cbvmda:itemExpirationDate 2029-11-30 on-chain");
    });

    it("names a shipping destination that is not an authorized trading partner", async function () {
      await loadFixture(castTaskFixture);
      freshFiles();
      await captureOutput(() => hre.run("rx:suspend", { account: gln("distributor2"), reason: "licence under review" }));
      await refused(changedSample(() => undefined), 'eventList[6].destinationList: got "0614141000029", expected an authorized trading partner');
      const unknown = changedSample((events) => {
        events[5].destinationList = [{ type: "owning_party", destination: "https://id.gs1.org/417/0614141999996" }];
      });
      await refused(unknown, 'eventList[5].destinationList: got "0614141999996", expected the GLN of an onboarded, authorized trading partner');
    });
  });

  describe("when a run is interrupted", function () {
    it("finishes the rest on the next run and duplicates nothing", async function () {
      const { rx } = await loadFixture(castTaskFixture);
      freshFiles();
      process.env[FAIL_AFTER_ENV] = "4";
      await expect(importFile(SAMPLE_JSON)).to.be.rejectedWith(`${FAIL_AFTER_ENV}=4: stopped before sealing case`);
      const halfway = await madeOnChain(rx);
      expect([halfway.batches.length, halfway.cases.length, halfway.shipments.length]).to.deep.equal([3, 1, 0]);
      delete process.env[FAIL_AFTER_ENV];
      const { result } = await importFile(SAMPLE_JSON);
      expect([result.commissioned.length, result.sealed.length, result.shipped.length, result.skipped]).to.deep.equal([0, 1, 2, 4]);
      const made = await madeOnChain(rx);
      expect([made.batches.length, made.cases.length, made.shipments.length, made.manifests.length]).to.deep.equal([3, 2, 2, 2]);
    });
  });

  describe("round trip", function () {
    it("imports the export of a manufacturer's history into a fresh deployment: the same batches, cases and manifests", async function () {
      const { rx } = await loadFixture(epcisScenarioFixture);
      const original = await madeOnChain(rx);
      const file = path.join(tempDir("rx-epcis-trip-"), "acme.jsonld");
      await captureOutput(() => hre.run("rx:epcis-export", { holder: gln("manufacturer"), out: file }) as Promise<EpcisExportResult>);
      await loadFixture(castTaskFixture);
      const dir = freshFiles();
      const { result } = await importFile(file, { signer: SIGNER.manufacturer });
      expect([result.commissioned.length, result.sealed.length, result.shipped.length]).to.deep.equal([3, 2, 3]);
      expect(await madeOnChain(rx)).to.deep.equal(original);
      for (const [shipmentId] of original.manifests) expect(existsSync(manifestPath("hardhat", shipmentId as string, dir))).to.equal(true);
    });
  });
});
