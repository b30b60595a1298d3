import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { captureOutput } from "../tasks/fixtures";
import { tempDir } from "../tmp";
import type { EpcisExportResult } from "../../src/commands/epcis/export";
import type { EpcisDocument, EpcisEvent } from "../../src/epcis/export";
import { CBV_BIZ_STEPS, CBV_DISPOSITIONS } from "../../src/epcis/vocabulary";
import { CASE_1, epcisScenarioFixture, gln, GTIN_A, GTIN_B, LOTS } from "./scenario";
import { schemaProblems, SCHEMA_FILE } from "./schema";

async function exportOf(args: Record<string, unknown>): Promise<EpcisDocument> {
  const { result } = await captureOutput(() => hre.run("rx:epcis-export", { out: path.join(tempDir("rx-epcis-out-"), "doc.jsonld"), ...args }) as Promise<EpcisExportResult>);
  return JSON.parse(readFileSync(result.file, "utf8")) as EpcisDocument;
}

const eventsOf = (doc: EpcisDocument) => doc.epcisBody.eventList;
const byStep = (doc: EpcisDocument, step: string) => eventsOf(doc).filter((e) => e.bizStep === step);
const one = (doc: EpcisDocument, step: string): EpcisEvent => {
  const found = byStep(doc, step);
  expect(found, step).to.have.length(1);
  return found[0];
};
const schemaEnum = (name: string): string[] => {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as { definitions: Record<string, { anyOf: { enum?: string[] }[] }> };
  return schema.definitions[name].anyOf.find((x) => x.enum)?.enum ?? [];
};

describe("rx:epcis-export", function () {
  describe("when a lot's history is exported", function () {
    it("validates against the EPCIS 2.0 JSON Schema, for each lot and with EPC URNs", async function () {
      await loadFixture(epcisScenarioFixture);
      for (const args of [{ gtin: GTIN_A, lot: LOTS.one }, { gtin: GTIN_B, lot: LOTS.two }, { gtin: GTIN_A, lot: LOTS.three }, { gtin: GTIN_A, lot: LOTS.one, urn: true }]) {
        const doc = await exportOf(args);
        expect(schemaProblems(doc), JSON.stringify(args)).to.deep.equal([]);
        expect(doc["@context"]).to.deep.equal(["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", { rxtrace: "https://rxtrace.example/epcis/" }]);
        expect(doc.schemaVersion).to.equal("2.0");
      }
    });

    it("uses only CBV 2.0 business steps and dispositions (the lists the schema enumerates)", async function () {
      await loadFixture(epcisScenarioFixture);
      expect([...CBV_BIZ_STEPS].sort()).to.deep.equal(schemaEnum("bizStep").sort());
      expect([...CBV_DISPOSITIONS].sort()).to.deep.equal(schemaEnum("disposition").sort());
      for (const lot of [LOTS.one, LOTS.two, LOTS.three]) {
        for (const e of eventsOf(await exportOf({ gtin: lot === LOTS.two ? GTIN_B : GTIN_A, lot }))) {
          expect(CBV_BIZ_STEPS as readonly unknown[]).to.include(e.bizStep);
          expect(CBV_DISPOSITIONS as readonly unknown[]).to.include(e.disposition);
        }
      }
    });

    it("commissions the lot's packs with ADD, the lot and expiry in ilmd and the certificate in certificationInfo", async function () {
      await loadFixture(epcisScenarioFixture);
      const e = one(await exportOf({ gtin: GTIN_A, lot: LOTS.one }), "commissioning");
      expect(e).to.include({ type: "ObjectEvent", action: "ADD", disposition: "active", certificationInfo: "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG" });
      expect(e.ilmd).to.include({ "cbvmda:lotNumber": LOTS.one, "cbvmda:itemExpirationDate": "2029-12-31" });
      expect(e.epcList).to.have.length(6).and.include(`https://id.gs1.org/01/${GTIN_A}/21/EPA000001`);
    });

    it("packs a case as an AggregationEvent with the SSCC as parent", async function () {
      await loadFixture(epcisScenarioFixture);
      const e = one(await exportOf({ gtin: GTIN_A, lot: LOTS.one }), "packing");
      expect(e).to.include({ type: "AggregationEvent", action: "ADD", parentID: `https://id.gs1.org/00/${CASE_1}`, disposition: "container_closed" });
      expect(e.childEPCs).to.deep.equal(["EPA000001", "EPA000002", "EPA000003"].map((s) => `https://id.gs1.org/01/${GTIN_A}/21/${s}`));
    });

    it("ships and receives with source and destination lists and a desadv naming the shipment id", async function () {
      const { shipments } = await loadFixture(epcisScenarioFixture);
      const doc = await exportOf({ gtin: GTIN_A, lot: LOTS.one });
      const shipping = one(doc, "shipping");
      expect(shipping).to.include({ action: "OBSERVE", disposition: "in_transit" });
      expect(shipping.epcList).to.deep.equal([`https://id.gs1.org/01/${GTIN_A}/21/EPA000004`, `https://id.gs1.org/01/${GTIN_A}/21/EPA000005`, `https://id.gs1.org/00/${CASE_1}`]);
      expect(shipping.sourceList).to.deep.equal([{ type: "owning_party", source: `https://id.gs1.org/417/${gln("manufacturer")}` }, { type: "location", source: `https://id.gs1.org/414/${gln("manufacturer")}` }]);
      expect(shipping.destinationList).to.deep.equal([{ type: "owning_party", destination: `https://id.gs1.org/417/${gln("distributor")}` }, { type: "location", destination: `https://id.gs1.org/414/${gln("distributor")}` }]);
      expect(shipping.bizTransactionList).to.deep.equal([{ type: "desadv", bizTransaction: `urn:epcglobal:cbv:bt:${gln("manufacturer")}:${shipments.toNorthline.shipmentId.toLowerCase()}` }]);
      expect(one(doc, "receiving").bizTransactionList).to.deep.equal(shipping.bizTransactionList);
    });

    it("gives a warm leg's summary with ALARM_CONDITION and the quarantine as disposition, a good leg's without", async function () {
      await loadFixture(epcisScenarioFixture);
      const warm = one(await exportOf({ gtin: GTIN_A, lot: LOTS.one }), "receiving");
      expect(warm.disposition).to.equal("non_sellable_other");
      const [report] = (warm.sensorElementList as { sensorReport: Record<string, unknown>[] }[])[0].sensorReport;
      expect(report).to.include({ type: "Temperature", exception: "ALARM_CONDITION", minValue: 4.4, maxValue: 12, uom: "CEL", "rxtrace:minutesOutOfRange": 90 });
      const good = one(await exportOf({ gtin: GTIN_A, lot: LOTS.three }), "receiving");
      expect(good.disposition).to.equal("in_progress");
      expect((good.sensorElementList as { sensorReport: Record<string, unknown>[] }[])[0].sensorReport[0]).to.not.have.property("exception");
    });

    it("shows recall, suspect, illegitimate and condemnation with their CBV dispositions", async function () {
      await loadFixture(epcisScenarioFixture);
      expect(one(await exportOf({ gtin: GTIN_B, lot: LOTS.two }), "holding")).to.include({ disposition: "recalled", "rxtrace:recallClass": "II" });
      const three = await exportOf({ gtin: GTIN_A, lot: LOTS.three });
      expect(one(three, "holding")).to.include({ disposition: "non_sellable_other", "rxtrace:suspect": "flagged" });
      expect(one(three, "inspecting")).to.include({ disposition: "non_conformant", "rxtrace:illegitimate": true });
      const condemned = one(await exportOf({ gtin: GTIN_A, lot: LOTS.one }), "destroying");
      expect(condemned).to.include({ disposition: "destroyed" });
      expect(condemned.quantityList).to.deep.equal([{ epcClass: `https://id.gs1.org/01/${GTIN_A}/10/${LOTS.one}`, quantity: 1 }]);
    });

    it("gives the same document, event ids included, on every export; each event names its transaction", async function () {
      await loadFixture(epcisScenarioFixture);
      const first = await exportOf({ gtin: GTIN_A, lot: LOTS.one });
      expect(await exportOf({ gtin: GTIN_A, lot: LOTS.one })).to.deep.equal(first);
      const ids = eventsOf(first).map((e) => e.eventID);
      expect(new Set(ids).size).to.equal(ids.length);
      for (const e of eventsOf(first)) {
        expect(e.eventID).to.match(/^ni:\/\/\/sha-256;[A-Za-z0-9_-]{43}\?ver=CBV2\.0$/);
        const receipt = await hre.ethers.provider.getTransactionReceipt(e["rxtrace:transactionHash"] as string);
        expect(receipt?.blockNumber).to.equal(e["rxtrace:blockNumber"]);
      }
    });
  });

  describe("when one pack's history is exported", function () {
    it("keeps the events that list the pack and those of its lot as a whole", async function () {
      await loadFixture(epcisScenarioFixture);
      const doc = await exportOf({ gtin: GTIN_A, lot: LOTS.one, serial: "EPA000004" });
      expect(eventsOf(doc).map((e) => e.bizStep)).to.deep.equal(["commissioning", "shipping", "receiving", "destroying"]);
      expect(schemaProblems(doc)).to.deep.equal([]);
    });
  });

  describe("when a holder's events are exported", function () {
    it("keeps the events it took part in, within the time range", async function () {
      await loadFixture(epcisScenarioFixture);
      const coastal = await exportOf({ holder: gln("distributor2") });
      expect(eventsOf(coastal).map((e) => [e.bizStep, (e.ilmd as Record<string, string> | undefined)?.["cbvmda:lotNumber"]])).to.deep.equal([["shipping", undefined]]);
      expect(eventsOf(coastal)[0].epcList).to.include(`https://id.gs1.org/01/${GTIN_B}/21/EPB000003`);
      const later = await exportOf({ holder: gln("distributor2"), from: "2099-01-01" });
      expect(eventsOf(later)).to.deep.equal([]);
      expect(schemaProblems(later)).to.deep.equal([]);
    });

    it("refuses a time range without --holder, naming the flag", async function () {
      await loadFixture(epcisScenarioFixture);
      await expect(hre.run("rx:epcis-export", { gtin: GTIN_A, lot: LOTS.one, from: "2026-01-01" })).to.be.rejectedWith('--from: got "2026-01-01", expected --holder with it');
    });
  });
});
