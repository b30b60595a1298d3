/**
 * Corrections, reversals and condemned stock in the EPCIS export (issue 12): a superseded batch and a
 * regulator-approved correction are EPCIS 2.0 error declarations of the standing commissioning event, each naming
 * the corrective event that replaces it; a reversed recall and condemned saleable stock are observations. The
 * import refuses a document that declares an error, by name.
 */
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ICorrections__factory, IGovernance__factory } from "../../typechain-types";
import { captureOutput, castTaskFixture, SIGNER } from "../tasks/fixtures";
import { tempDir } from "../tmp";
import type { EpcisExportResult } from "../../src/commands/epcis/export";
import type { EpcisDocument, EpcisEvent } from "../../src/epcis/export";
import { batchIdOf } from "../../src/domain/ids";
import { serialRange } from "../../src/scenario/scenario";
import { schemaProblems } from "./schema";
import { EXAMPLES, GTIN_A, GTIN_B } from "./scenario";

const LOT = "EP-0101";
const LOT_RECALLED = "EP-0102";
const NEW_CERTIFICATE = hre.ethers.id("corrected certificate of origin");
const NEW_URI = "ipfs://QmCorrectedCertificateOfOrigin";

async function exportOf(gtin: string, lot: string): Promise<EpcisDocument> {
  const out = path.join(tempDir("rx-epcis-corr-"), "doc.jsonld");
  const { result } = await captureOutput(() => hre.run("rx:epcis-export", { out, gtin, lot }) as Promise<EpcisExportResult>);
  return JSON.parse(readFileSync(result.file, "utf8")) as EpcisDocument;
}

async function correctedFixture() {
  const base = await loadFixture(castTaskFixture);
  const signer = (key: keyof typeof SIGNER) => base.signers[Number(SIGNER[key])];
  const address = await base.rx.getAddress();
  const dir = tempDir("rx-epcis-corr-");
  const serials = path.join(dir, "serials.txt");
  writeFileSync(serials, serialRange(4, "EPK").join("\n") + "\n");
  const certificate = path.join(EXAMPLES, "certificate-A24-0001.txt");
  const common = { expiry: "291231", minTemp: "2", maxTemp: "8", certificate, certificateUri: "ipfs://QmOriginal", signer: SIGNER.manufacturer };
  await captureOutput(async () => {
    await hre.run("rx:commission", { ...common, gtin: GTIN_A, lot: LOT, quantity: "4", serials });
    await hre.run("rx:commission", { ...common, gtin: GTIN_B, lot: LOT_RECALLED, quantity: "10" });
  });
  const batchId = batchIdOf(BigInt(GTIN_A), LOT);
  const recalledId = batchIdOf(BigInt(GTIN_B), LOT_RECALLED);
  // 1. Before anything moved: the manufacturer supersedes the batch with a later expiry (same serials).
  const input = (await base.rx.queryFilter(base.rx.filters.BatchCommissioned(batchId)))[0].args.batch;
  const { gtin, lot, quantity, minTemp, maxTemp, serialRoot, certificateHash, certificateURI } = input;
  const superseded = { gtin, lot, expiry: input.expiry + 86_400n * 30n, quantity, minTemp, maxTemp, serialRoot, certificateHash, certificateURI };
  await ICorrections__factory.connect(address, signer("manufacturer")).supersedeBatch(superseded);
  // 2. After it moved: a regulator approves the manufacturer's correction of the expiry and certificate.
  await base.rx.connect(signer("manufacturer")).ship(batchId, signer("distributor").address, 1);
  const corrected = superseded.expiry - 86_400n * 60n;
  await ICorrections__factory.connect(address, signer("manufacturer")).proposeCorrection(batchId, corrected, NEW_CERTIFICATE, NEW_URI);
  await ICorrections__factory.connect(address, signer("regulator")).approveCorrection(batchId, corrected, NEW_CERTIFICATE, NEW_URI);
  // 3. A second regulator reverses a recall; a recall made again becomes final and saleable stock is condemned.
  const regulator2 = signer("stranger");
  await base.rx.onboardPartner(regulator2.address, 4, 4012345000184n, hre.ethers.id("second regulator"), (await time.latest()) + 365 * 86_400, "Second Regulator");
  await base.rx.connect(signer("regulator")).recall(recalledId, 1, hre.ethers.id("recall notice"), "https://recalls.example/EP-0102");
  await IGovernance__factory.connect(address, regulator2).reverseRecall(recalledId, hre.ethers.id("recalled in error"));
  await base.rx.connect(signer("regulator")).recall(recalledId, 1, hre.ethers.id("recall notice"), "https://recalls.example/EP-0102");
  const gov = IGovernance__factory.connect(address, signer("regulator"));
  await time.increase(Number(await gov.REVERSAL_WINDOW()) + 1);
  await gov.condemnStock(recalledId, signer("manufacturer").address, 3);
  return { ...base, superseded, corrected };
}

const commissionings = (doc: EpcisDocument) => doc.epcisBody.eventList.filter((e) => e.bizStep === "commissioning");
const declared = (e: EpcisEvent) => e.errorDeclaration as { declarationTime: string; reason: string; correctiveEventIDs: string[] } | undefined;

describe("rx:epcis-export of corrections, reversals and condemned stock", function () {
  it("validates against the EPCIS 2.0 JSON Schema", async function () {
    await loadFixture(correctedFixture);
    expect(schemaProblems(await exportOf(GTIN_A, LOT))).to.deep.equal([]);
    expect(schemaProblems(await exportOf(GTIN_B, LOT_RECALLED))).to.deep.equal([]);
  });

  it("declares each commissioning that a supersede or a correction replaced erroneous, naming the event that replaces it", async function () {
    const { corrected } = await loadFixture(correctedFixture);
    const events = commissionings(await exportOf(GTIN_A, LOT));
    // Three commissionings (the original, its replacement, the correction) and two declarations of error.
    const standing = events.filter((e) => declared(e) === undefined);
    const declarations = events.filter((e) => declared(e) !== undefined);
    expect(standing).to.have.length(3);
    expect(declarations.map((e) => declared(e)?.reason)).to.deep.equal(["incorrect_data", "incorrect_data"]);
    const [original, supersededBy, correctedBy] = standing;
    const originalDeclared = declarations.find((e) => e.eventID === original.eventID);
    const supersedeDeclared = declarations.find((e) => e.eventID === supersededBy.eventID);
    expect(originalDeclared?.eventTime).to.equal(original.eventTime);
    expect(declared(originalDeclared as EpcisEvent)?.correctiveEventIDs).to.deep.equal([supersededBy.eventID]);
    expect(declared(supersedeDeclared as EpcisEvent)?.correctiveEventIDs).to.deep.equal([correctedBy.eventID]);
    expect(new Set(events.map((e) => e.eventID)).size).to.equal(3);
    // What each says.
    expect(original.ilmd).to.include({ "cbvmda:itemExpirationDate": "2029-12-31" });
    expect(supersededBy.ilmd).to.include({ "cbvmda:itemExpirationDate": "2030-01-30" });
    expect(supersededBy["rxtrace:changed"]).to.deep.equal(["expiry"]);
    expect(supersededBy.epcList).to.have.length(4);
    expect(correctedBy.ilmd).to.include({ "cbvmda:itemExpirationDate": new Date(Number(corrected) * 1000).toISOString().slice(0, 10) });
    expect(correctedBy).to.include({ certificationInfo: NEW_URI, "rxtrace:certificateHash": NEW_CERTIFICATE, "rxtrace:previousExpiry": "2030-01-30" });
    expect(correctedBy["rxtrace:correctedBy"]).to.match(/^https:\/\/id\.gs1\.org\/417\//);
    expect(correctedBy.epcList).to.deep.equal(supersededBy.epcList);
  });

  it("shows a reversed recall as an observation back to sellable, and condemned saleable stock as destroyed", async function () {
    await loadFixture(correctedFixture);
    const events = (await exportOf(GTIN_B, LOT_RECALLED)).epcisBody.eventList;
    expect(events.map((e) => `${e.bizStep}/${e.disposition}`)).to.deep.equal([
      "commissioning/active",
      "holding/recalled",
      "inspecting/sellable_accessible",
      "holding/recalled",
      "destroying/destroyed",
    ]);
    expect(events[2]).to.include({ "rxtrace:recallReversed": true, "rxtrace:recallClass": "none" });
    expect(events[4]).to.include({ "rxtrace:saleableStock": true });
    expect(events[4].quantityList).to.deep.equal([{ epcClass: `https://id.gs1.org/01/${GTIN_B}/10/${LOT_RECALLED}`, quantity: 3 }]);
  });
});
