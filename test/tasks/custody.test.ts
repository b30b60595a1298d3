import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deploymentsDir } from "../../src/chain/deployment";
import { ShipmentStatus, Verdict } from "../../src/domain/enums";
import { expiryFromYYMMDD, expiryToYYMMDD, formatDigitalLink, formatGln, formatGtin, makeGln } from "../../src/gs1/identifiers";
import { batchIdOf, serialToBytes32, shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, GTIN_2, serialRange } from "../../src/scenario/scenario";
import { saveSerialFile } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import { buildManifest, ManifestTree, type Manifest } from "../../src/manifests/manifest";
import { manifestPath, saveManifest } from "../../src/files/manifest-files";
import { loggerAfterTrip } from "../logger-trip";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { tempDir } from "../tmp";

const LOT = "C24-0001";
const EXAMPLES = path.join(__dirname, "..", "..", "examples");
const GOOD_LOGGER = path.join(EXAMPLES, "logger-good.csv");
const EXCURSION_LOGGER = path.join(EXAMPLES, "logger-excursion.csv");
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
/** The flagship GTIN with its check digit changed. */
const BAD_GTIN = formatGtin(GTIN).slice(0, 13) + ((Number(formatGtin(GTIN).slice(13)) + 1) % 10);
/** The example logger moved to the trip just made (rx:receive refuses readings from before the shipment). */
const trip = (example: string) => loggerAfterTrip((method, params) => hre.network.provider.send(method, params), example);
const GOOD_LEG = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };
const SERIALS = serialRange(100, "CS");

/** A serialized lot of 100 packs at the manufacturer, its serial file saved. */
async function lotFixture() {
  const base = await loadFixture(castTaskFixture);
  const [, , manufacturer, , distributor, , pharmacy, , regulator, stranger] = base.signers;
  const tree = SerialTree.of(SERIALS);
  const expiry = (await time.latest()) + 400 * 24 * 3600;
  await base.rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry, quantity: 100n, ...COLD_CHAIN, serialRoot: tree.root,
    certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  const dir = tempDir("rx-custody-");
  return { ...base, manufacturer, distributor, pharmacy, regulator, stranger, tree, batchId, expiry, dir };
}

/** The lot with its serial file in place (rewritten each time: files are not part of the chain snapshot). */
async function lot() {
  const f = await loadFixture(lotFixture);
  saveSerialFile(hre.network.name, f.batchId, GTIN, LOT, f.tree);
  return f;
}

/** 60 packs in transit from the manufacturer to the distributor. */
async function shippedFixture() {
  const base = await loadFixture(lotFixture);
  await base.rx.connect(base.manufacturer).ship(base.batchId, base.distributor.address, 60n);
  const shipment: ShipmentKey = { batchId: base.batchId, sender: base.manufacturer.address, receiver: base.distributor.address, quantity: 60n, nonce: 0n };
  return { ...base, shipment, shipmentId: shipmentIdOf(shipment) };
}

/** The packs the pharmacy receives (a serialized lot reaches a dispenser only in pack legs). */
const PHARMACY_PACKS = [...SERIALS.slice(0, 19), "CS000100"];

/** The manifest of a pack leg of the lot from `sender` to `receiver`, as rx:ship writes it. */
async function manifestOf(f: Awaited<ReturnType<typeof lotFixture>>, sender: string, receiver: string, packs: readonly string[]): Promise<Manifest> {
  const nonce = (await f.rx.holding(f.batchId, sender)).shipments;
  const { chainId } = await hre.ethers.provider.getNetwork();
  const plan = { chainId: Number(chainId), contract: await f.rx.getAddress(), gtin: GTIN, lot: LOT, serialRoot: f.tree.root, sender, receiver, nonce, packs, cases: [] };
  return buildManifest(plan, f.tree);
}

const toPharmacyTree = (m: Manifest) => ManifestTree.of(m.packs, []);

/** The pharmacy holds 20 saleable packs (manufacturer -> distributor, lot-level; distributor -> pharmacy, a pack leg). */
async function pharmacyFixture() {
  const base = await loadFixture(shippedFixture);
  const { rx, distributor, pharmacy, batchId } = base;
  await rx.connect(distributor).receiveShipment(base.shipment, GOOD_LEG);
  const toPharmacy = await manifestOf(base, distributor.address, pharmacy.address, PHARMACY_PACKS);
  await rx.connect(distributor).shipPacks(batchId, pharmacy.address, 20n, toPharmacy.root);
  await rx.connect(pharmacy).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 20n, nonce: 0n }, GOOD_LEG);
  return { ...base, toPharmacy };
}

/** The pharmacy's fixture with the serial file and the pharmacy's manifest in place (files are not in the chain snapshot). */
async function atPharmacy() {
  const f = await loadFixture(pharmacyFixture);
  saveSerialFile(hre.network.name, f.batchId, GTIN, LOT, f.tree);
  saveManifest(f.toPharmacy, manifestPath(hre.network.name, f.toPharmacy.shipmentId));
  return f;
}

async function blockNumber(): Promise<number> {
  return hre.ethers.provider.getBlockNumber();
}

describe("rx:ship", function () {
  describe("when the manufacturer ships to the distributor named by GLN", function () {
    it("prints the shipment id, nonce, tx and gas", async function () {
      const { distributor, manufacturer, batchId } = await lot();
      const { lines } = await captureOutput(() =>
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("distributor"), quantity: "60", signer: SIGNER.manufacturer }),
      );
      const id = shipmentIdOf({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 60n, nonce: 0n });
      expect(lines[0]).to.equal(`shipping 60 units of GTIN ${formatGtin(GTIN)} lot ${LOT} (batch ${batchId})`);
      expect(lines.join("\n")).to.match(/^ship: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
      expect(lines).to.include(`shipment ${id} nonce 0`);
    });

    it("puts the shipment in transit and takes the units from the manufacturer", async function () {
      const { rx, distributor, manufacturer, batchId } = await lot();
      const { result } = await captureOutput(() =>
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: distributor.address, quantity: "60", signer: SIGNER.manufacturer }),
      );
      expect((await rx.shipment(result.shipmentId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
      expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(40n);
    });
  });

  describe("when the GTIN's check digit is wrong", function () {
    it("names --gtin and sends nothing", async function () {
      await lot();
      const before = await blockNumber();
      await expect(
        hre.run("rx:ship", { gtin: BAD_GTIN, lot: LOT, to: gln("distributor"), quantity: "1", signer: SIGNER.manufacturer }),
      ).to.be.rejectedWith(new RegExp(`--gtin: got "${BAD_GTIN}", expected a GTIN whose check digit is`));
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the GTIN and lot were never commissioned", function () {
    it("says so before sending", async function () {
      await lot();
      const before = await blockNumber();
      await expect(
        hre.run("rx:ship", { gtin: formatGtin(GTIN_2), lot: LOT, to: gln("distributor"), quantity: "1", signer: SIGNER.manufacturer }),
      ).to.be.rejectedWith(/--gtin\/--lot: got ".*", expected the GTIN and lot of a commissioned batch \(no batch 0x[0-9a-f]{64}/);
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the quantity exceeds the sender's saleable units", function () {
    it("names --quantity and the units available", async function () {
      await lot();
      await expect(
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("distributor"), quantity: "101", signer: SIGNER.manufacturer }),
      ).to.be.rejectedWith(/--quantity: got "101", expected at most 100, the saleable units/);
    });
  });

  describe("when the quantity is not a whole number", function () {
    it("names --quantity", async function () {
      await lot();
      await expect(
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("distributor"), quantity: "1.5", signer: SIGNER.manufacturer }),
      ).to.be.rejectedWith(/--quantity: got "1.5", expected a whole number/);
    });
  });

  describe("when the receiver's GLN belongs to nobody", function () {
    it("names --to", async function () {
      await lot();
      const nobody = formatGln(makeGln("061414199999"));
      await expect(
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: nobody, quantity: "1", signer: SIGNER.manufacturer }),
      ).to.be.rejectedWith(`--to: got "${nobody}", expected the GLN of an onboarded partner`);
    });
  });

  describe("when the receiver is not a partner", function () {
    it("names --to and its standing", async function () {
      const { stranger } = await lot();
      await expect(
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: stranger.address, quantity: "1", signer: SIGNER.manufacturer }),
      ).to.be.rejectedWith(/--to: got "0x[0-9a-fA-F]{40}", expected an authorized partner \(0x[0-9a-fA-F]{40} is Unknown/);
    });
  });

  describe("when a stranger ships", function () {
    it("reports the contract's PartnerNotAuthorized and sends nothing", async function () {
      const { stranger } = await lot();
      const before = await blockNumber();
      await expect(
        captureOutput(() => hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("distributor"), quantity: "1", signer: SIGNER.stranger })),
      ).to.be.rejectedWith(new RegExp(`the contract refused: PartnerNotAuthorized\\(account=${stranger.address}, standing=Unknown\\)`));
      expect(await blockNumber()).to.equal(before);
    });
  });
});

describe("rx:shipments", function () {
  describe("when a shipment is in transit to the distributor", function () {
    it("lists it with its id, quantity, product and parties", async function () {
      const { shipmentId, manufacturer, distributor } = await loadFixture(shippedFixture);
      const { lines } = await captureOutput(() => hre.run("rx:shipments", { to: gln("distributor") }));
      expect(lines[0]).to.equal(`1 shipment in transit to ${distributor.address}:`);
      expect(lines[1]).to.match(new RegExp(`^${shipmentId}  60 units of GTIN ${formatGtin(GTIN)} lot ${LOT}, shipped \\d{4}-\\d\\d-\\d\\dT`));
      expect(lines[2]).to.equal(`  from ${manufacturer.address} (Manufacturer, GLN ${gln("manufacturer")})`);
      expect(lines[3]).to.equal(`  to   ${distributor.address} (Distributor, GLN ${gln("distributor")})`);
    });

    it("returns it, filtered by GTIN and lot", async function () {
      const { shipmentId } = await loadFixture(shippedFixture);
      const { result } = await captureOutput(() => hre.run("rx:shipments", { gtin: formatGtin(GTIN), lot: LOT }));
      expect(result.map((e: { shipmentId: string }) => e.shipmentId)).to.deep.equal([shipmentId]);
    });
  });

  describe("when nothing is in transit to the receiver", function () {
    it("says so", async function () {
      await loadFixture(shippedFixture);
      const { lines } = await captureOutput(() => hre.run("rx:shipments", { to: gln("pharmacy") }));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^no shipments in transit to 0x/);
    });
  });

  describe("when --gtin comes without --lot", function () {
    it("names --lot", async function () {
      await loadFixture(shippedFixture);
      await expect(hre.run("rx:shipments", { gtin: formatGtin(GTIN) })).to.be.rejectedWith(/--lot: got "", expected --gtin and --lot together/);
    });
  });
});

describe("rx:logger-sample", function () {
  describe("when a user tries rx:receive on a shipment of a local node", function () {
    it("writes a logger file inside the shipment's window that rx:receive accepts", async function () {
      const { rx, shipmentId, batchId, distributor, dir } = await loadFixture(shippedFixture);
      await time.increase(3600);
      const out = path.join(dir, "leg.csv");
      const { lines } = await captureOutput(() => hre.run("rx:logger-sample", { shipment: shipmentId, from: EXCURSION_LOGGER, out }));
      expect(lines[0]).to.match(new RegExp(`^wrote ${out.replace(/[.\\/]/g, "\\$&")}: the readings of .*logger-excursion\\.csv placed between the shipment`));
      await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger: out, signer: SIGNER.distributor }));
      expect((await rx.holding(batchId, distributor.address)).quarantined).to.equal(60n);
    });
  });
});

describe("rx:cancel", function () {
  describe("when the receiver left the shipment unsettled for 30 days", function () {
    it("gives the units back into the sender's quarantine and keeps the shipment as Cancelled", async function () {
      const { rx, shipmentId, batchId, manufacturer } = await loadFixture(shippedFixture);
      await time.increase(30 * 24 * 3600 + 1);
      const { lines } = await captureOutput(() => hre.run("rx:cancel", { shipment: shipmentId, signer: SIGNER.manufacturer }));
      expect(lines.join("\n")).to.match(/^cancel: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
      const holding = await rx.holding(batchId, manufacturer.address);
      expect(lines[lines.length - 1]).to.equal(`60 units back to ${manufacturer.address}, which now holds ${holding.saleable} saleable, ${holding.quarantined} quarantined`);
      expect(holding.quarantined).to.equal(60n);
      expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.Cancelled));
    });
  });

  describe("when the 30 days are not over", function () {
    it("names --shipment and the time from which it may be cancelled, and sends nothing", async function () {
      const { shipmentId } = await loadFixture(shippedFixture);
      const before = await blockNumber();
      await expect(hre.run("rx:cancel", { shipment: shipmentId, signer: SIGNER.manufacturer })).to.be.rejectedWith(
        /--shipment: got "0x[0-9a-f]{64}", expected a shipment unsettled for 30 days: this one may be cancelled from \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z on/,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when someone else than the sender cancels", function () {
    it("names --signer and the sender", async function () {
      const { shipmentId, manufacturer } = await loadFixture(shippedFixture);
      await expect(hre.run("rx:cancel", { shipment: shipmentId, signer: SIGNER.distributor })).to.be.rejectedWith(
        `expected the shipment's sender ${manufacturer.address} (only it may cancel the shipment)`,
      );
    });
  });
});

describe("rx:receive", function () {
  describe("when the logger stayed within 2-8 °C (examples/logger-good.csv)", function () {
    it("prints the leg summary and the transaction", async function () {
      const { shipmentId } = await loadFixture(shippedFixture);
      const logger = await trip(GOOD_LOGGER);
      const hash = hre.ethers.keccak256(readFileSync(logger));
      const { lines } = await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger, signer: SIGNER.distributor }));
      expect(lines).to.include(`logger ${logger}: 49 readings, keccak256 ${hash}`);
      expect(lines).to.include("  min 3.6 °C, max 6.4 °C, mean kinetic 5.3 °C; storage range 2.0 °C to 8.0 °C; 0 minutes out of range");
      expect(lines).to.include("within range: units go to saleable stock");
      expect(lines.join("\n")).to.match(/^receive: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
    });

    it("credits the units as saleable and settles the shipment", async function () {
      const { rx, shipmentId, batchId, distributor } = await loadFixture(shippedFixture);
      const logger = await trip(GOOD_LOGGER);
      await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger, signer: SIGNER.distributor }));
      const holding = await rx.holding(batchId, distributor.address);
      expect([holding.saleable, holding.quarantined]).to.deep.equal([60n, 0n]);
      expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.None));
    });
  });

  describe("when the logger reached 12 °C for 90 minutes (examples/logger-excursion.csv)", function () {
    it("prints the excursion", async function () {
      const { shipmentId } = await loadFixture(shippedFixture);
      const logger = await trip(EXCURSION_LOGGER);
      const { lines } = await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger, signer: SIGNER.distributor }));
      expect(lines).to.include("  min 4.4 °C, max 12.0 °C, mean kinetic 6.4 °C; storage range 2.0 °C to 8.0 °C; 90 minutes out of range");
      expect(lines.some((l) => l.startsWith("EXCURSION: units go to quarantine"))).to.equal(true);
    });

    it("puts the units in quarantine with the file's hash on-chain", async function () {
      const { rx, shipmentId, batchId, distributor } = await loadFixture(shippedFixture);
      const logger = await trip(EXCURSION_LOGGER);
      const { result } = await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger, signer: SIGNER.distributor }));
      const holding = await rx.holding(batchId, distributor.address);
      expect([holding.saleable, holding.quarantined]).to.deep.equal([0n, 60n]);
      const [event] = await rx.queryFilter(rx.filters.Received(shipmentId), result.receipt.blockNumber);
      expect(event.args.leg.loggerHash).to.equal(hre.ethers.keccak256(readFileSync(logger)));
    });
  });

  describe("when the logger file is checked for its unit, its times and the shipment's window", function () {
    /** A logger file written next to the shipment; `lines` get the chain's time of the shipment as `t`. */
    async function attempt(name: string, body: (t: number) => string) {
      const { shipmentId, dir } = await loadFixture(shippedFixture);
      const t = await time.latest();
      const file = path.join(dir, name);
      writeFileSync(file, body(t));
      const before = await blockNumber();
      const run = captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger: file, signer: SIGNER.distributor }));
      return { file, run, before };
    }

    it("reads a file headed timestamp,fahrenheit in °F: 41.0 and 42.8 °F are 5 and 6 °C, within range", async function () {
      const { run } = await attempt("fahrenheit.csv", (t) => `timestamp,fahrenheit\n${t + 1},41.0\n${t + 60},42.8\n`);
      const { lines } = await run;
      expect(lines).to.include("  min 5.0 °C, max 6.0 °C, mean kinetic 5.0 °C; storage range 2.0 °C to 8.0 °C; 0 minutes out of range");
    });

    it("says 1 reading, not 1 readings", async function () {
      const { file, run } = await attempt("one.csv", (t) => `${t + 1},5.0\n`);
      const { lines } = await run;
      expect(lines.some((l) => l.startsWith(`logger ${file}: 1 reading, keccak256 0x`))).to.equal(true);
    });

    it("takes 98.6 °F for 37 °C: an excursion", async function () {
      const { run } = await attempt("fever.csv", (t) => `timestamp,fahrenheit\n${t + 1},98.6\n${t + 60},98.6\n`);
      const { lines } = await run;
      expect(lines.some((l) => l.startsWith("  min 37.0 °C, max 37.0 °C"))).to.equal(true);
      expect(lines.some((l) => l.startsWith("EXCURSION: units go to quarantine"))).to.equal(true);
    });

    it("refuses a unit column it does not know, by name, and sends nothing", async function () {
      const { file, run, before } = await attempt("kelvin.csv", (t) => `timestamp,kelvin\n${t + 1},278.1\n`);
      await expect(run).to.be.rejectedWith(`${file} line 1 (header), unit column: got "kelvin", expected celsius or fahrenheit (e.g. timestamp,celsius)`);
      expect(await blockNumber()).to.equal(before);
    });

    it("refuses a reading dated 2099, naming its line", async function () {
      const { file, run } = await attempt("future.csv", (t) => `timestamp,celsius\n${t + 1},5.0\n2099-01-01T00:00:00Z,5.0\n`);
      await expect(run).to.be.rejectedWith(new RegExp(`^${file.replace(/[.\\/]/g, "\\$&")} line 3: got "2099-01-01T00:00:00Z", expected a time within the shipment's window, from \\S+ \\(shipped\\) to \\S+ \\(now\\)$`));
    });

    it("refuses readings made a year before the shipment, naming the line", async function () {
      const { file, run } = await attempt("old.csv", (t) => `timestamp,celsius\n${t - 365 * 24 * 3600},5.0\n${t + 1},5.0\n`);
      await expect(run).to.be.rejectedWith(`${file} line 2: got "${(await time.latest()) - 365 * 24 * 3600}", expected a time within the shipment's window`);
    });

    it("refuses a time without a time zone, naming the line", async function () {
      const { file, run } = await attempt("no-zone.csv", (t) => `timestamp,celsius\n${t + 1},5.0\n${new Date((t + 60) * 1000).toISOString().slice(0, 19)},5.0\n`);
      await expect(run).to.be.rejectedWith(`${file} line 3: got "`);
      await expect(run).to.be.rejectedWith("expected a timestamp with its time zone (e.g. 2025-03-03T06:00:00Z or …+01:00) or unix seconds");
    });
  });

  describe("when a logger line is malformed", function () {
    it("names the file and the line number and sends nothing", async function () {
      const { shipmentId, dir } = await loadFixture(shippedFixture);
      const file = path.join(dir, "broken.csv");
      const t = await time.latest();
      writeFileSync(file, `timestamp,celsius\n${t + 1},5.1\n${t + 2},warm\n`);
      const before = await blockNumber();
      await expect(hre.run("rx:receive", { shipment: shipmentId, logger: file, signer: SIGNER.distributor })).to.be.rejectedWith(
        `${file} line 3: got "warm", expected a temperature in degrees Celsius`,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the logger file does not exist", function () {
    it("names --logger", async function () {
      const { shipmentId, dir } = await loadFixture(shippedFixture);
      await expect(
        hre.run("rx:receive", { shipment: shipmentId, logger: path.join(dir, "missing.csv"), signer: SIGNER.distributor }),
      ).to.be.rejectedWith(/--logger: got ".*missing\.csv", expected an existing, readable file/);
    });
  });

  describe("when the shipment id is unknown", function () {
    it("names --shipment and points to rx:shipments", async function () {
      await loadFixture(shippedFixture);
      const unknown = hre.ethers.id("no such shipment");
      await expect(hre.run("rx:receive", { shipment: unknown, logger: GOOD_LOGGER, signer: SIGNER.distributor })).to.be.rejectedWith(
        `--shipment: got "${unknown}", expected the id of a shipment of this deployment (no Shipped event has it; list them with rx:shipments)`,
      );
    });
  });

  describe("when the shipment id is not 32 bytes of hex", function () {
    it("names --shipment", async function () {
      await loadFixture(shippedFixture);
      await expect(hre.run("rx:receive", { shipment: "0x1234", logger: GOOD_LOGGER, signer: SIGNER.distributor })).to.be.rejectedWith(
        /--shipment: got "0x1234", expected a shipment id \(0x followed by 64 hex digits\)/,
      );
    });
  });

  describe("when the shipment was received already", function () {
    it("says when it was settled", async function () {
      const { shipmentId } = await loadFixture(shippedFixture);
      await captureOutput(async () => hre.run("rx:receive", { shipment: shipmentId, logger: await trip(GOOD_LOGGER), signer: SIGNER.distributor }));
      await expect(hre.run("rx:receive", { shipment: shipmentId, logger: GOOD_LOGGER, signer: SIGNER.distributor })).to.be.rejectedWith(
        /--shipment: got "0x[0-9a-f]{64}", expected a shipment in transit \(it was received already in tx 0x[0-9a-f]{64}/,
      );
    });
  });

  describe("when someone else than the receiver receives", function () {
    it("names --signer and the receiver", async function () {
      const { shipmentId, distributor } = await loadFixture(shippedFixture);
      await expect(hre.run("rx:receive", { shipment: shipmentId, logger: GOOD_LOGGER, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `expected the shipment's receiver ${distributor.address}`,
      );
    });
  });
});

describe("rx:reject", function () {
  describe("when the distributor rejects damaged goods with a photo", function () {
    it("prints the reason, the evidence hash and the transaction", async function () {
      const { shipmentId, dir } = await loadFixture(shippedFixture);
      const photo = path.join(dir, "photo.jpg");
      writeFileSync(photo, "crushed cartons");
      const { lines } = await captureOutput(() =>
        hre.run("rx:reject", { shipment: shipmentId, reason: "damaged", evidence: photo, signer: SIGNER.distributor }),
      );
      expect(lines).to.include(`rejecting: damaged; evidence ${photo} keccak256 ${hre.ethers.keccak256(Buffer.from("crushed cartons"))}`);
      expect(lines.join("\n")).to.match(/^reject: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
    });

    it("returns the units into the manufacturer's quarantine (damaged) and records reason and evidence", async function () {
      const { rx, shipmentId, dir, batchId, manufacturer } = await loadFixture(shippedFixture);
      const photo = path.join(dir, "photo2.jpg");
      writeFileSync(photo, "crushed cartons");
      await captureOutput(() => hre.run("rx:reject", { shipment: shipmentId, reason: "damaged", evidence: photo, signer: SIGNER.distributor }));
      const holding = await rx.holding(batchId, manufacturer.address);
      expect([holding.saleable, holding.quarantined]).to.deep.equal([40n, 60n]);
      const [event] = await rx.queryFilter(rx.filters.Rejected(shipmentId));
      expect([event.args.reason, event.args.evidence, event.args.quarantined]).to.deep.equal([1n, hre.ethers.keccak256(Buffer.from("crushed cartons")), true]);
    });
  });

  describe("when the distributor rejects a wrong quantity with the leg's logger file, in range", function () {
    it("sends the logger's summary and says the units went back saleable", async function () {
      const { rx, shipmentId, batchId, manufacturer } = await loadFixture(shippedFixture);
      const { lines } = await captureOutput(() =>
        hre.run("rx:reject", { shipment: shipmentId, reason: "wrong-quantity", logger: GOOD_LOGGER, signer: SIGNER.distributor }),
      );
      const hash = hre.ethers.keccak256(readFileSync(GOOD_LOGGER));
      expect(lines).to.include(`the units go back to the sender's saleable stock (the leg stayed in range and the reason is wrong-quantity)`);
      expect(lines.at(-1)).to.equal(`60 units back to ${manufacturer.address}, into its saleable stock; it now holds 100 saleable, 0 quarantined`);
      const [event] = await rx.queryFilter(rx.filters.Rejected(shipmentId));
      expect([event.args.leg.loggerHash, event.args.quarantined]).to.deep.equal([hash, false]);
      expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(100n);
    });
  });

  describe("when the leg's logger shows an excursion", function () {
    it("puts the units into the sender's quarantine, whatever the reason", async function () {
      const { rx, shipmentId, batchId, manufacturer } = await loadFixture(shippedFixture);
      const { lines } = await captureOutput(() =>
        hre.run("rx:reject", { shipment: shipmentId, reason: "wrong-quantity", logger: EXCURSION_LOGGER, signer: SIGNER.distributor }),
      );
      expect(lines).to.include("the units go into the sender's quarantine (the leg left the storage range)");
      expect(lines.at(-1)).to.equal(`60 units back to ${manufacturer.address}, into its quarantine; it now holds 40 saleable, 60 quarantined`);
      expect((await rx.holding(batchId, manufacturer.address)).quarantined).to.equal(60n);
    });
  });

  describe("when the receiver has no logger data", function () {
    it("states no data and the units go into the sender's quarantine", async function () {
      const { rx, shipmentId } = await loadFixture(shippedFixture);
      const { lines } = await captureOutput(() => hre.run("rx:reject", { shipment: shipmentId, reason: "other", signer: SIGNER.distributor }));
      expect(lines).to.include("no temperature data (no --logger): the rejection carries the all-zero summary");
      expect(lines).to.include("the units go into the sender's quarantine (no temperature data)");
      const [event] = await rx.queryFilter(rx.filters.Rejected(shipmentId));
      expect([event.args.leg.loggerHash, event.args.quarantined]).to.deep.equal([hre.ethers.ZeroHash, true]);
    });
  });

  describe("when the reason is not one of the words", function () {
    it("names --reason and lists the words", async function () {
      const { shipmentId } = await loadFixture(shippedFixture);
      await expect(hre.run("rx:reject", { shipment: shipmentId, reason: "broken", signer: SIGNER.distributor })).to.be.rejectedWith(
        '--reason: got "broken", expected one of wrong-quantity, damaged, no-temperature-data, wrong-product, other',
      );
    });
  });

  describe("when the shipment id is unknown", function () {
    it("names --shipment", async function () {
      await loadFixture(shippedFixture);
      await expect(
        hre.run("rx:reject", { shipment: hre.ethers.id("nothing"), reason: "other", signer: SIGNER.distributor }),
      ).to.be.rejectedWith(/--shipment: got "0x[0-9a-f]{64}", expected the id of a shipment of this deployment/);
    });
  });
});

describe("rx:dispense", function () {
  describe("when the pharmacy scans a pack's Digital Link", function () {
    it("prints the pack and the transaction", async function () {
      const { batchId, expiry } = await atPharmacy();
      const link = formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "CS000007", expiry: expiryToYYMMDD(expiry) });
      const { lines } = await captureOutput(() => hre.run("rx:dispense", { link, signer: SIGNER.pharmacy }));
      expect(lines[0]).to.equal(`dispensing pack ${link}`);
      expect(lines[1]).to.match(new RegExp(`^  GTIN ${formatGtin(GTIN)} lot ${LOT} \\(batch ${batchId}\\), serial CS000007, proof of \\d+ hashes$`));
      expect(lines.join("\n")).to.match(/^dispense: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
    });

    it("decommissions the pack from the pharmacy's stock", async function () {
      const { rx, batchId, expiry, pharmacy } = await atPharmacy();
      const link = formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "CS000007", expiry: expiryToYYMMDD(expiry) });
      await captureOutput(() => hre.run("rx:dispense", { link, signer: SIGNER.pharmacy }));
      expect(await rx.isDispensed(batchId, serialToBytes32("CS000007"))).to.equal(true);
      const holding = await rx.holding(batchId, pharmacy.address);
      expect([holding.saleable, holding.dispensed]).to.deep.equal([19n, 1n]);
    });
  });

  describe("when the pack is given by GTIN, lot and serial", function () {
    it("dispenses it", async function () {
      const { rx, batchId } = await atPharmacy();
      await captureOutput(() => hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000100", signer: SIGNER.pharmacy }));
      expect(await rx.isDispensed(batchId, serialToBytes32("CS000100"))).to.equal(true);
    });
  });

  describe("when the serial is not in the batch's serial file", function () {
    it("refuses before sending", async function () {
      await atPharmacy();
      const before = await blockNumber();
      await expect(
        hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS999999", signer: SIGNER.pharmacy }),
      ).to.be.rejectedWith(`--serial: serial "CS999999" is not among the batch's commissioned serials`);
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the link's expiry differs from the batch's", function () {
    it("refuses, naming the link's AI 17", async function () {
      const { expiry } = await atPharmacy();
      const wrong = expiryToYYMMDD(expiryFromYYMMDD(expiryToYYMMDD(expiry)) + 24 * 3600);
      const link = formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "CS000008", expiry: wrong });
      await expect(hre.run("rx:dispense", { link, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `--link (17): got "${wrong}", expected the batch's expiry ${expiryToYYMMDD(expiry)}`,
      );
    });
  });

  describe("when the link's GTIN has a wrong check digit", function () {
    it("names the link's AI 01", async function () {
      await atPharmacy();
      const link = `https://id.rxtrace.example/01/${BAD_GTIN}/10/${LOT}/21/CS000001`;
      await expect(hre.run("rx:dispense", { link, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        new RegExp(`--link \\(01\\): got "${BAD_GTIN}", expected a GTIN whose check digit is`),
      );
    });
  });

  describe("when both --link and --gtin are given", function () {
    it("names --link", async function () {
      await atPharmacy();
      const link = formatDigitalLink({ gtin: GTIN, lot: LOT, serial: "CS000001" });
      await expect(hre.run("rx:dispense", { link, gtin: formatGtin(GTIN), signer: SIGNER.pharmacy })).to.be.rejectedWith(
        /--link: got ".*", expected either --link or --gtin --lot --serial, not both/,
      );
    });
  });

  describe("when the batch has no serial file here", function () {
    it("says where the file should be", async function () {
      const { rx, manufacturer } = await atPharmacy();
      const tree = SerialTree.of(["X1"]);
      await rx.connect(manufacturer).commissionBatch({
        gtin: GTIN, lot: "C24-NOFILE", expiry: (await time.latest()) + 100 * 24 * 3600, quantity: 1n, ...COLD_CHAIN,
        serialRoot: tree.root, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
      });
      await expect(
        hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: "C24-NOFILE", serial: "X1", signer: SIGNER.pharmacy }),
      ).to.be.rejectedWith(new RegExp(`no serial file for GTIN \\d{14} lot C24-NOFILE .* at ${path.relative(process.cwd(), deploymentsDir()).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/hardhat/serials/0x[0-9a-f]{64}\\.json`));
    });
  });

  describe("when a distributor dispenses", function () {
    it("reports the contract's PartnerWrongRole", async function () {
      const { distributor } = await atPharmacy();
      const before = await blockNumber();
      await expect(
        captureOutput(() => hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000009", signer: SIGNER.distributor })),
      ).to.be.rejectedWith(`PartnerWrongRole(account=${distributor.address}, role=Distributor, required=Dispenser)`);
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the same serial is dispensed twice", function () {
    it("reports the contract's DispensePackAlreadyDispensed", async function () {
      await atPharmacy();
      const args = { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000010", signer: SIGNER.pharmacy };
      await captureOutput(() => hre.run("rx:dispense", args));
      const before = await blockNumber();
      await expect(captureOutput(() => hre.run("rx:dispense", args))).to.be.rejectedWith(
        /the contract refused: DispensePackAlreadyDispensed\(batchId=0x[0-9a-f]{64}, serial="CS000010"\)/,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });
});

describe("rx:ship to a dispenser, by --quantity, of a serialized lot", function () {
  /** The distributor received packs CS000031-CS000060 from the manufacturer on a pack leg (rx:ship --serials, rx:receive). */
  async function packsAtDistributorFixture() {
    const f = await loadFixture(lotFixture);
    saveSerialFile(hre.network.name, f.batchId, GTIN, LOT, f.tree);
    const list = path.join(f.dir, "to-distributor.txt");
    writeFileSync(list, SERIALS.slice(30, 60).join("\n"));
    const { result } = await captureOutput(() =>
      hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("distributor"), serials: list, signer: SIGNER.manufacturer }),
    );
    const shipped = result as { shipmentId: string };
    const legFile = await trip(GOOD_LOGGER);
    await captureOutput(() => hre.run("rx:receive", { shipment: shipped.shipmentId, logger: legFile, signer: SIGNER.distributor }));
    return f;
  }

  describe("when the sender holds enough packs loose by its manifests", function () {
    it("picks them in serial order, prints them and ships them with a manifest", async function () {
      const { rx } = await loadFixture(packsAtDistributorFixture);
      const { lines, result } = await captureOutput(() =>
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("pharmacy2"), quantity: "3", signer: SIGNER.distributor }),
      );
      expect(lines).to.include("  packs: CS000031, CS000032, CS000033");
      const shipped = result as { shipmentId: string; manifest?: Manifest };
      expect(shipped.manifest?.packs).to.deep.equal(["CS000031", "CS000032", "CS000033"]);
      const [committed] = await rx.queryFilter(rx.filters.ManifestCommitted(shipped.shipmentId));
      expect(committed.args.manifest).to.equal(shipped.manifest?.root);
    });
  });

  describe("when the sender holds the units by a lot-level leg only", function () {
    it("refuses before sending, naming --quantity and the rule", async function () {
      await atPharmacy();
      const before = await blockNumber();
      await expect(
        hre.run("rx:ship", { gtin: formatGtin(GTIN), lot: LOT, to: gln("pharmacy2"), quantity: "3", signer: SIGNER.distributor }),
      ).to.be.rejectedWith(/^--quantity: got "3", expected at most 0, the packs 0x[0-9a-fA-F]{40} holds loose and saleable by the manifests at hand: a lot-level leg brings units no file names \(a serialized lot reaches a dispenser only in pack legs, CustodyManifestRequired/);
      expect(await blockNumber()).to.equal(before);
    });
  });
});

describe("rx:dispense, the pack rule", function () {
  describe("when the pack never came to the dispenser", function () {
    it("refuses before sending, naming the serial and the dispenser", async function () {
      const { pharmacy } = await atPharmacy();
      const before = await blockNumber();
      await expect(
        hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000050", signer: SIGNER.pharmacy }),
      ).to.be.rejectedWith(`--serial: got "CS000050", expected a pack in the custody of the dispenser ${pharmacy.address}: none of the manifests of the pack legs ${pharmacy.address} received lists it`);
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the dispenser shipped a leg of the batch since it received the pack", function () {
    it("explains DispenseLegShippedOn in words before sending", async function () {
      const { rx, pharmacy, distributor, batchId, toPharmacy } = await atPharmacy();
      await rx.connect(pharmacy).ship(batchId, distributor.address, 1n); // a return: the pack may have left
      const before = await blockNumber();
      await expect(
        hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000007", signer: SIGNER.pharmacy }),
      ).to.be.rejectedWith(
        `${pharmacy.address} shipped 1 leg of this batch since it received shipment ${toPharmacy.shipmentId} (its shipment count was 0 then, 1 now), so the pack may have left`,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the manifest of the leg is not at hand", function () {
    it("says which file is missing", async function () {
      const { toPharmacy } = await atPharmacy();
      rmSync(manifestPath(hre.network.name, toPharmacy.shipmentId));
      await expect(
        hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000007", signer: SIGNER.pharmacy }),
      ).to.be.rejectedWith(new RegExp(`the manifests of the 1 pack leg 0x[0-9a-fA-F]{40} received are not at hand \\(.*${toPharmacy.shipmentId}\\.json\\)`));
    });
  });

  describe("when the pack is in the dispenser's leg", function () {
    it("prints the leg it shows the contract", async function () {
      const { toPharmacy, distributor } = await atPharmacy();
      const { lines } = await captureOutput(() => hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000011", signer: SIGNER.pharmacy }));
      expect(lines).to.include(
        `  custody: shipment ${toPharmacy.shipmentId} from ${distributor.address} (nonce 0, 20 units) brought it; its manifest lists the pack (proof of ${toPharmacyTree(toPharmacy).proofOfPack("CS000011").length} hashes), and nothing of the batch left since`,
      );
    });
  });
});

describe("rx:receive of a shipment its sender cancelled", function () {
  /** The 60 units in transit to the distributor, cancelled by the manufacturer after CANCEL_AFTER: in its quarantine. */
  async function cancelledFixture() {
    const base = await loadFixture(shippedFixture);
    await time.increase(31 * 24 * 3600);
    await base.rx.connect(base.manufacturer).cancelShipment(base.shipment);
    return base;
  }

  it("receives the goods that turned up into the receiver's quarantine, saying why", async function () {
    const { rx, shipmentId, batchId, distributor, manufacturer } = await loadFixture(cancelledFixture);
    const legFile = await trip(GOOD_LOGGER);
    const { lines } = await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger: legFile, signer: SIGNER.distributor }));
    expect(lines).to.include("within range, but the units go to quarantine: the sender had cancelled the shipment (into its quarantine) before the receipt (a regulator releases or condemns them)");
    expect(lines).to.include("ReceiptQuarantined: the sender had cancelled the shipment (into its quarantine) before the receipt");
    const [held, sender] = [await rx.holding(batchId, distributor.address), await rx.holding(batchId, manufacturer.address)];
    expect([held.saleable, held.quarantined, sender.quarantined]).to.deep.equal([0n, 60n, 0n]);
  });

  it("shows the cancel and the quarantined receipt in rx:verify's timeline", async function () {
    const { shipmentId, batchId, tree } = await loadFixture(cancelledFixture);
    saveSerialFile(hre.network.name, batchId, GTIN, LOT, tree);
    const legFile = await trip(GOOD_LOGGER);
    await captureOutput(() => hre.run("rx:receive", { shipment: shipmentId, logger: legFile, signer: SIGNER.distributor }));
    const { lines } = await captureOutput(() => hre.run("rx:verify", { gtin: formatGtin(GTIN), lot: LOT, serial: "CS000001", all: true }));
    process.exitCode = 0;
    const text = lines.join("\n");
    expect(text).to.match(/cancelled: 60 units unsettled by Northline Wholesale .*, back to Acme Pharma Manufacturing .* INTO ITS QUARANTINE/);
    expect(text).to.match(/received 60 units by Northline Wholesale .*QUARANTINED: the sender had cancelled the shipment/);
  });
});

describe("rx:verify at a pharmacy: which custody rule applied", function () {
  const args = (serial: string) => ({ gtin: formatGtin(GTIN), lot: LOT, serial, holder: gln("pharmacy") });
  async function verify(serial: string) {
    const { lines } = await captureOutput(() => hre.run("rx:verify", args(serial)));
    const exitCode = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return { lines, exitCode };
  }

  it("applies the pack rule for a pack of a leg the pharmacy received, naming the leg", async function () {
    const { toPharmacy } = await atPharmacy();
    const { lines, exitCode } = await verify("CS000007");
    expect(exitCode).to.equal(0);
    expect(lines).to.include(`custody of Main Street Pharmacy (GLN ${gln("pharmacy")}): the pack rule, as dispense checks it (the pack leg ${toPharmacy.shipmentId} that brought it, nothing of the lot shipped since)`);
  });

  it("says NOT IN CUSTODY by the pack rule once the pharmacy shipped a leg of the lot since", async function () {
    const { rx, pharmacy, distributor, batchId } = await atPharmacy();
    await rx.connect(pharmacy).ship(batchId, distributor.address, 1n);
    const { lines, exitCode } = await verify("CS000007");
    expect([exitCode, lines[0]]).to.deep.equal([10 + Verdict.NotInCustody, "NOT IN CUSTODY: do not dispense: not in the verifier's custody"]);
  });

  it("falls back to the lot rule for a pack no leg of the pharmacy lists", async function () {
    await atPharmacy();
    const { lines } = await verify("CS000050");
    expect(lines).to.include(`custody of Main Street Pharmacy (GLN ${gln("pharmacy")}): the lot rule (it holds saleable units of the lot; no pack leg shown)`);
  });
});

describe("rx:release-leg", function () {
  it("releases a pack leg received into quarantine, so that rx:dispense can dispense its packs", async function () {
    const f = await atPharmacy();
    const { rx, distributor, batchId } = f;
    const pharmacy2 = f.signers[7];
    const packs = SERIALS.slice(40, 45);
    const toPharmacy2 = await manifestOf(f, distributor.address, pharmacy2.address, packs);
    await rx.connect(distributor).shipPacks(batchId, pharmacy2.address, 5n, toPharmacy2.root);
    const warm = { minTemp: 44, maxTemp: 120, meanKineticTemp: 64, minutesOutOfRange: 90, loggerHash: hre.ethers.id("warm") };
    await rx.connect(pharmacy2).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy2.address, quantity: 5n, nonce: toPharmacy2.nonce }, warm);
    saveManifest(toPharmacy2, manifestPath(hre.network.name, toPharmacy2.shipmentId));
    await expect(hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: packs[0], signer: SIGNER.pharmacy2 })).to.be.rejectedWith("was received into quarantine (DispenseLegQuarantined)");
    const { lines } = await captureOutput(() => hre.run("rx:release-leg", { shipment: toPharmacy2.shipmentId, signer: SIGNER.regulator }));
    expect(lines.at(-1)).to.equal(`released: ${pharmacy2.address} now holds 5 saleable, 0 quarantined; the leg's packs may be dispensed`);
    expect((await rx.shipment(toPharmacy2.shipmentId)).status).to.equal(BigInt(ShipmentStatus.Received));
    await captureOutput(() => hre.run("rx:dispense", { gtin: formatGtin(GTIN), lot: LOT, serial: packs[0], signer: SIGNER.pharmacy2 }));
    expect(await rx.isDispensed(batchId, serialToBytes32(packs[0]))).to.equal(true);
  });
});
