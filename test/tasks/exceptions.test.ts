/**
 * The delivery-exception commands (docs/custody.md, "Delivery exceptions"): rx:receive-partial, rx:exception (each way a
 * dispute ends), rx:overage and rx:exception-report; and what the timeline and the EPCIS export make of them.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { IExceptions } from "../../typechain-types";
import { ExceptionStatus } from "../../src/domain/enums";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN } from "../../src/scenario/scenario";
import { batchEvents, batchTimeline } from "../../src/chain/events/provenance";
import { loggerAfterTrip } from "../logger-trip";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { tempDir } from "../tmp";
import { schemaProblems } from "../epcis/schema";
import type { EpcisExportResult } from "../../src/commands/epcis/export";
import type { EpcisDocument } from "../../src/epcis/export";
import { formatGtin } from "../../src/gs1/identifiers";

const LOT = "X24-0001";
const GOOD_LOGGER = path.join(__dirname, "..", "..", "examples", "logger-good.csv");
const trip = (example: string) => loggerAfterTrip((method, params) => hre.network.provider.send(method, params), example);

/** A lot-level lot of 100 units; 16 in transit from the manufacturer to the distributor. */
async function shippedFixture() {
  const base = await loadFixture(castTaskFixture);
  const [, , manufacturer, , distributor, , , , regulator] = base.signers;
  const expiry = (await time.latest()) + 400 * 24 * 3600;
  await base.rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry, quantity: 100n, ...COLD_CHAIN, serialRoot: hre.ethers.ZeroHash,
    certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  await base.rx.connect(manufacturer).ship(batchId, distributor.address, 16n);
  const shipment: ShipmentKey = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 16n, nonce: 0n };
  const ex = (await hre.ethers.getContractAt("IExceptions", await base.rx.getAddress())) as unknown as IExceptions;
  return { ...base, manufacturer, distributor, regulator, batchId, shipment, shipmentId: shipmentIdOf(shipment), ex, dir: tempDir("rx-exceptions-") };
}

/** The distributor accepted 15 of the 16 through rx:receive-partial (one missing). */
async function disputedFixture() {
  const base = await loadFixture(shippedFixture);
  const logger = await trip(GOOD_LOGGER);
  const note = path.join(base.dir, "note.txt");
  writeFileSync(note, "delivery note: one carton short");
  const { lines } = await captureOutput(() =>
    hre.run("rx:receive-partial", { shipment: base.shipmentId, accepted: "15", reason: "underage", logger, evidence: note, signer: SIGNER.distributor }),
  );
  return { ...base, lines, note };
}

const act = (shipment: string, what: string, signer: string, extra: Record<string, string> = {}) =>
  captureOutput(() => hre.run("rx:exception", { shipment, act: what, signer, ...extra }));

describe("rx:receive-partial", function () {
  it("accepts 15 of 16 into the receiver's stock and leaves 1 disputed", async function () {
    const { rx, ex, lines, batchId, distributor, shipmentId } = await loadFixture(disputedFixture);
    expect(lines).to.include(`shipment ${shipmentId}: 16 units; accepting 15, disputing 1 (underage)`);
    expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(15n);
    const e = await ex.deliveryException(shipmentId);
    expect([e.status, e.disputed, e.accepted]).to.deep.equal([BigInt(ExceptionStatus.Open), 1n, 15n]);
  });

  it("records the evidence file's hash", async function () {
    const { rx, shipmentId, note } = await loadFixture(disputedFixture);
    const [event] = await rx.queryFilter(rx.filters.ExceptionRaised(shipmentId));
    expect(event.args.evidence).to.equal(hre.ethers.keccak256(readFileSync(note)));
  });

  it("refuses to accept all 16 (--accepted), before sending anything", async function () {
    const { rx, shipmentId, batchId, distributor } = await loadFixture(shippedFixture);
    const logger = await trip(GOOD_LOGGER);
    await expect(hre.run("rx:receive-partial", { shipment: shipmentId, accepted: "16", reason: "underage", logger, signer: SIGNER.distributor })).to.be.rejectedWith(
      /--accepted.*fewer than the shipment's 16 units/,
    );
    expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(0n);
  });

  it("refuses --missing on a lot-level leg", async function () {
    const { shipmentId, dir } = await loadFixture(shippedFixture);
    const logger = await trip(GOOD_LOGGER);
    const missing = path.join(dir, "missing.txt");
    writeFileSync(missing, "SN000001\n");
    await expect(
      hre.run("rx:receive-partial", { shipment: shipmentId, accepted: "15", reason: "underage", logger, missing, signer: SIGNER.distributor }),
    ).to.be.rejectedWith(/--missing.*lot-level/);
  });
});

describe("rx:exception", function () {
  it("found: the receiver takes the disputed unit into its stock", async function () {
    const { rx, ex, shipmentId, batchId, distributor } = await loadFixture(disputedFixture);
    await act(shipmentId, "found", SIGNER.distributor);
    expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(16n);
    expect((await ex.deliveryException(shipmentId)).status).to.equal(BigInt(ExceptionStatus.Found));
  });

  it("lost: written off once the sender and the receiver both agree", async function () {
    const { ex, shipmentId } = await loadFixture(disputedFixture);
    await act(shipmentId, "lost", SIGNER.manufacturer);
    expect((await ex.deliveryException(shipmentId)).status).to.equal(BigInt(ExceptionStatus.Open));
    await act(shipmentId, "lost", SIGNER.distributor);
    expect((await ex.deliveryException(shipmentId)).status).to.equal(BigInt(ExceptionStatus.Lost));
  });

  it("returned, then confirm-return: into the sender's quarantine", async function () {
    const { rx, ex, shipmentId, batchId, manufacturer } = await loadFixture(disputedFixture);
    await act(shipmentId, "returned", SIGNER.manufacturer);
    await act(shipmentId, "confirm-return", SIGNER.distributor);
    expect((await rx.holding(batchId, manufacturer.address)).quarantined).to.equal(1n);
    expect((await ex.deliveryException(shipmentId)).status).to.equal(BigInt(ExceptionStatus.Returned));
  });

  it("close: a regulator ends it with the outcome it picks", async function () {
    const { ex, shipmentId } = await loadFixture(disputedFixture);
    await act(shipmentId, "close", SIGNER.regulator, { outcome: "lost" });
    const e = await ex.deliveryException(shipmentId);
    expect([e.status, e.byRegulator]).to.deep.equal([BigInt(ExceptionStatus.Lost), true]);
  });

  it("refuses found from the sender (--signer), before sending", async function () {
    const { shipmentId } = await loadFixture(disputedFixture);
    await expect(act(shipmentId, "found", SIGNER.manufacturer)).to.be.rejectedWith(/--signer.*the shipment's receiver/);
  });

  it("refuses a dispute that already ended (--shipment)", async function () {
    const { shipmentId } = await loadFixture(disputedFixture);
    await act(shipmentId, "found", SIGNER.distributor);
    await expect(act(shipmentId, "found", SIGNER.distributor)).to.be.rejectedWith(/--shipment.*ended found already/);
  });
});

describe("rx:overage", function () {
  it("reports the surplus as an event and adds nothing to any stock", async function () {
    const { rx, shipmentId, batchId, distributor } = await loadFixture(shippedFixture);
    await captureOutput(() => hre.run("rx:overage", { shipment: shipmentId, units: "2", signer: SIGNER.distributor }));
    const [event] = await rx.queryFilter(rx.filters.OverageReported(shipmentId));
    expect(event.args.units).to.equal(2n);
    expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(0n);
  });
});

describe("rx:exception-report", function () {
  it("writes the exceptions in the DSCSA exception-notification shape, with the resolution", async function () {
    const { shipmentId, dir } = await loadFixture(disputedFixture);
    await act(shipmentId, "lost", SIGNER.manufacturer);
    await act(shipmentId, "lost", SIGNER.distributor);
    const out = path.join(dir, "report.json");
    await captureOutput(() => hre.run("rx:exception-report", { shipment: shipmentId, out }));
    const report = JSON.parse(readFileSync(out, "utf8"));
    const n = report.exceptionNotification;
    expect(n.exceptionNotificationSchemaOrTemplateVersion).to.equal("rxtrace-dscsa-exception/1");
    expect(n.notifyingOrganizationInformation.notifyingPartyGLN).to.equal("0614141000012");
    expect(n.incidentId).to.equal(shipmentId);
    expect(n.exceptions[0]).to.include({ exceptionCategory: "Data No Product", exceptionType: "underage", quantityShipped: 16, quantityReceived: 15, quantityInException: 1 });
    expect(n.exceptions[0].resolution).to.include({ status: "lost", byRegulator: false, quantity: 1 });
  });
});

describe("exceptions in the timeline and the EPCIS events", function () {
  it("the timeline shows the exception with its outcome, and its end", async function () {
    const { rx, batchId, shipmentId } = await loadFixture(disputedFixture);
    await act(shipmentId, "found", SIGNER.distributor);
    const timeline = await batchTimeline(rx, batchId);
    const raised = timeline.find((e) => e.kind === "exception-raised");
    expect(raised).to.include({ accepted: "15", disputed: "1", reason: "Underage", outcome: "Found" });
    expect(timeline.find((e) => e.kind === "exception-resolved")).to.include({ outcome: "Found", units: "1" });
  });

  it("the batch's events for EPCIS carry ExceptionRaised and ExceptionResolved", async function () {
    const { rx, batchId, shipmentId } = await loadFixture(disputedFixture);
    await act(shipmentId, "close", SIGNER.regulator, { outcome: "returned" });
    const names = (await batchEvents(rx, batchId)).map((e) => e.eventName);
    expect(names).to.include.members(["ExceptionRaised", "ExceptionResolved"]);
  });

  it("the EPCIS export carries the disputed unit, its end and an overage, and stays valid EPCIS 2.0", async function () {
    const { shipmentId, dir } = await loadFixture(disputedFixture);
    await captureOutput(() => hre.run("rx:overage", { shipment: shipmentId, units: "2", signer: SIGNER.distributor }));
    await act(shipmentId, "found", SIGNER.distributor);
    const { result } = await captureOutput(
      () => hre.run("rx:epcis-export", { gtin: formatGtin(GTIN), lot: LOT, out: path.join(dir, "doc.jsonld") }) as Promise<EpcisExportResult>,
    );
    const doc = JSON.parse(readFileSync(result.file, "utf8")) as EpcisDocument;
    const events = doc.epcisBody.eventList as Record<string, unknown>[];
    const raised = events.find((e) => e["rxtrace:exceptionReason"] === "Underage");
    expect(raised).to.include({ bizStep: "receiving", disposition: "unknown", "rxtrace:accepted": 15 });
    expect(events.find((e) => e["rxtrace:exceptionOutcome"] === "Found")).to.include({ disposition: "in_progress" });
    expect(events.find((e) => e["rxtrace:overage"] === true)).to.include({ disposition: "mismatch_quantity" });
    expect(schemaProblems(doc)).to.deep.equal([]);
  });
});
