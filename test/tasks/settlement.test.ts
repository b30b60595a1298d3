import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { formatGln, formatGtin } from "../../src/gs1/identifiers";
import { batchIdOf, shipmentIdOf, type ShipmentKey } from "../../src/domain/ids";
import { InvoiceStatus, invoiceIdOf, text32 } from "../../src/domain/invoice";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN } from "../../src/scenario/scenario";
import { settlementOf } from "../../src/commands/settlement/invoices";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";

const LOT = "P24-0001";
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const GOOD = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("good") };
const WARM = { minTemp: 44, maxTemp: 120, meanKineticTemp: 64, minutesOutOfRange: 90, loggerHash: hre.ethers.id("warm") };

async function run(name: string, params: Record<string, string | boolean>) {
  return captureOutput(() => hre.run(name, params));
}

/**
 * Deployed by rx:deploy (the settlement with the suite); the distributor holds 60 units of a serialized lot; the
 * pharmacy holds 1,000 TUSD of a test token.
 */
async function invoiceTaskFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, record, signers } = base;
  const [, , manufacturer, , distributor, , pharmacy, pharmacy2] = signers;
  await rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry: (await time.latest()) + 400 * 24 * 3600, quantity: 100n, ...COLD_CHAIN,
    serialRoot: hre.ethers.id("serial root"), certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  await rx.connect(manufacturer).ship(batchId, distributor.address, 60n);
  await rx.connect(distributor).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 60n, nonce: 0n }, GOOD);
  const { settlement } = await settlementOf(hre, record);
  const token = await hre.ethers.deployContract("TestToken", ["Test USD", "TUSD"]);
  await token.mint(pharmacy.address, 1_000_000_000n);
  const deadline = new Date(((await time.latest()) + 10 * 24 * 3600) * 1000).toISOString().slice(0, 10);
  const invoiceArgs = {
    invoice: "INV-2024-0001", customer: "CUST-0042", seller: gln("distributor"), gtin: formatGtin(GTIN), lot: LOT,
    quantity: "20", price: "2.50", token: await token.getAddress(), deadline, signer: SIGNER.pharmacy,
  };
  const invoiceId = invoiceIdOf(pharmacy.address, distributor.address, text32("invoice", "INV-2024-0001"));
  /** Ships 20 units as a pack leg from the distributor to `to`; returns the shipment. */
  const shipPacks = async (to = pharmacy.address): Promise<{ shipment: ShipmentKey; shipmentId: string }> => {
    const nonce = (await rx.holding(batchId, distributor.address)).shipments;
    await rx.connect(distributor).shipPacks(batchId, to, 20n, hre.ethers.id(`manifest ${nonce}`));
    const shipment = { batchId, sender: distributor.address, receiver: to, quantity: 20n, nonce };
    return { shipment, shipmentId: shipmentIdOf(shipment) };
  };
  return { ...base, manufacturer, distributor, pharmacy, pharmacy2, batchId, settlement, token, invoiceArgs, invoiceId, shipPacks };
}

/** The pharmacy created the invoice; the distributor shipped its pack leg and bound it. */
async function boundTaskFixture() {
  const base = await loadFixture(invoiceTaskFixture);
  await run("rx:invoice", base.invoiceArgs);
  const leg = await base.shipPacks();
  await run("rx:claim", { invoice: base.invoiceId, shipment: leg.shipmentId, signer: SIGNER.distributor });
  return { ...base, leg };
}

describe("rx:invoice", function () {
  describe("when a pharmacy invoices a distributor's lot", function () {
    it("approves, escrows 50 TUSD and prints the invoice id", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      const { lines } = await run("rx:invoice", c.invoiceArgs);
      expect(lines[0]).to.match(/^invoice INV-2024-0001 of 0x[0-9a-fA-F]{40} \(Distributor, GLN 0614141000012\)$/);
      expect(lines[2]).to.match(/^ {2}20 units of GTIN 00312345000172 lot P24-0001 \(batch 0x[0-9a-f]{64}\) at 2.50 TUSD: 50.0 TUSD, delivery bound by \d{4}-\d{2}-\d{2}$/);
      expect(lines.join("\n")).to.match(/^approve: tx 0x[0-9a-f]{64}/m);
      expect(lines[lines.length - 1]).to.equal(`invoice id ${c.invoiceId}: 50.0 TUSD escrowed; the seller binds its pack leg with rx:claim --invoice ${c.invoiceId} --shipment <id>`);
      expect(await c.token.balanceOf(await c.settlement.getAddress())).to.equal(50_000_000n);
    });
  });

  describe("when an input is wrong, nothing is sent", function () {
    it("refuses an invoice number over 32 characters", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await expect(run("rx:invoice", { ...c.invoiceArgs, invoice: "X".repeat(33) })).to.be.rejectedWith(
        `--invoice: got "${"X".repeat(33)}", expected 1 to 32 printable ASCII characters`,
      );
    });

    it("refuses a buyer that is not a dispenser", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await expect(run("rx:invoice", { ...c.invoiceArgs, seller: gln("manufacturer"), signer: SIGNER.distributor })).to.be.rejectedWith(
        /--signer: got "0x[0-9a-fA-F]{40}", expected a dispenser buying \(this account is Distributor\)/,
      );
    });

    it("refuses a price with more decimals than the token has", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await expect(run("rx:invoice", { ...c.invoiceArgs, price: "2.5000001" })).to.be.rejectedWith(
        '--price: got "2.5000001", expected at most 6 decimals (the token TUSD has 6)',
      );
    });

    it("refuses an amount the buyer does not hold", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await expect(run("rx:invoice", { ...c.invoiceArgs, price: "60000" })).to.be.rejectedWith(
        '--price: got "60000", expected an amount the buyer holds: 1200000.0 TUSD needed, 1000.0 held',
      );
      expect((await c.settlement.invoice(c.invoiceId)).status).to.equal(BigInt(InvoiceStatus.None));
    });

    it("refuses a number already used between the same buyer and seller", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await run("rx:invoice", c.invoiceArgs);
      await expect(run("rx:invoice", c.invoiceArgs)).to.be.rejectedWith(`--invoice: got "INV-2024-0001", expected a number not used yet between this buyer and seller (invoice ${c.invoiceId} exists: see rx:invoices)`);
    });
  });
});

describe("rx:invoices", function () {
  it("lists each invoice with its status and outcome", async function () {
    const c = await loadFixture(boundTaskFixture);
    const { lines } = await run("rx:invoices", {});
    expect(lines[0]).to.equal(`invoice INV-2024-0001 (${c.invoiceId}), customer CUST-0042: bound to its shipment`);
    expect(lines[1]).to.match(/, 20 units of batch 0x[0-9a-f]{64}, 50\.0 TUSD$/);
    expect(lines[2]).to.match(new RegExp(`, shipment ${c.leg.shipmentId}$`));
    expect(lines[3]).to.equal("  outcome: pending");
  });

  it("keeps only a partner's invoices with --party, as JSON with --json", async function () {
    const c = await loadFixture(boundTaskFixture);
    const { result } = await run("rx:invoices", { party: gln("pharmacy2"), json: true });
    expect(result).to.deep.equal([]);
    const { lines } = await run("rx:invoices", { party: gln("pharmacy"), json: true });
    const parsed = JSON.parse(lines.join("\n")) as { invoiceId: string; status: number; amount: string }[];
    expect(parsed.map((p) => [p.invoiceId, p.status, p.amount])).to.deep.equal([[c.invoiceId, InvoiceStatus.Bound, "50000000"]]);
  });
});

describe("rx:claim", function () {
  describe("when the seller binds its pack leg in transit", function () {
    it("binds it and says nothing is due yet", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await run("rx:invoice", c.invoiceArgs);
      const leg = await c.shipPacks();
      const { lines } = await run("rx:claim", { invoice: c.invoiceId, shipment: leg.shipmentId, signer: SIGNER.distributor });
      expect(lines[0]).to.match(new RegExp(`^binding invoice ${c.invoiceId} to shipment ${leg.shipmentId} \\(20 units to 0x[0-9a-fA-F]{40} \\(Dispenser`));
      expect(lines[lines.length - 1]).to.equal("nothing is due yet: its shipment is still in transit");
      expect(await c.settlement.invoiceOfShipment(leg.shipmentId)).to.equal(c.invoiceId);
    });

    it("names the settlement's refusal for a leg to another pharmacy", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await run("rx:invoice", c.invoiceArgs);
      const leg = await c.shipPacks(c.pharmacy2.address);
      await expect(run("rx:claim", { invoice: c.invoiceId, shipment: leg.shipmentId, signer: SIGNER.distributor })).to.be.rejectedWith(
        `the contract refused: SettlementBuyerMismatch(invoiceId=${c.invoiceId}, expected=${c.pharmacy.address}, actual=${c.pharmacy2.address})`,
      );
    });
  });

  describe("when the pharmacy received the leg within range", function () {
    it("pays the seller once, and the buyer is due nothing", async function () {
      const c = await loadFixture(boundTaskFixture);
      await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, GOOD);
      const { lines } = await run("rx:claim", { invoice: c.invoiceId, signer: SIGNER.distributor });
      expect(lines[0]).to.equal("outcome: delivered within range: the seller is paid");
      expect(lines[lines.length - 1]).to.equal(`sent 50.0 TUSD to ${c.distributor.address}`);
      expect(await c.token.balanceOf(c.distributor.address)).to.equal(50_000_000n);
      await expect(run("rx:claim", { invoice: c.invoiceId, signer: SIGNER.distributor })).to.be.rejectedWith(
        `--invoice: got "${c.invoiceId}", expected an invoice whose seller has not claimed yet (claimed already)`,
      );
      await expect(run("rx:claim", { invoice: c.invoiceId, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `--signer: got "${c.pharmacy.address}", expected a party due something (the buyer is due nothing: delivered within range: the seller is paid)`,
      );
    });
  });

  describe("when the seller binds a leg the pharmacy already received warm", function () {
    it("binds it and says the buyer claims", async function () {
      const c = await loadFixture(invoiceTaskFixture);
      await run("rx:invoice", c.invoiceArgs);
      const leg = await c.shipPacks();
      await c.rx.connect(c.pharmacy).receiveShipment(leg.shipment, WARM);
      const { lines } = await run("rx:claim", { invoice: c.invoiceId, shipment: leg.shipmentId, signer: SIGNER.distributor });
      expect(lines.slice(-2)).to.deep.equal([
        "outcome: received into quarantine: the buyer is refunded",
        `nothing is due to the seller: the buyer claims with rx:claim --invoice ${c.invoiceId}`,
      ]);
    });
  });

  describe("when the pharmacy received the leg warm", function () {
    it("refunds the buyer to the address it names", async function () {
      const c = await loadFixture(boundTaskFixture);
      await c.rx.connect(c.pharmacy).receiveShipment(c.leg.shipment, WARM);
      const { lines } = await run("rx:claim", { invoice: c.invoiceId, to: c.pharmacy2.address, signer: SIGNER.pharmacy });
      expect(lines[0]).to.equal("outcome: received into quarantine: the buyer is refunded");
      expect(await c.token.balanceOf(c.pharmacy2.address)).to.equal(50_000_000n);
    });
  });

  describe("when nothing is decided", function () {
    it("refuses, saying why", async function () {
      const c = await loadFixture(boundTaskFixture);
      await expect(run("rx:claim", { invoice: c.invoiceId, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `--invoice: got "${c.invoiceId}", expected an invoice whose outcome is decided (pending: its shipment is still in transit)`,
      );
    });

    it("refuses an unknown invoice id", async function () {
      await loadFixture(invoiceTaskFixture);
      const id = hre.ethers.id("nothing");
      await expect(run("rx:claim", { invoice: id, signer: SIGNER.pharmacy })).to.be.rejectedWith(
        `--invoice: got "${id}", expected the id of an invoice of this deployment (see rx:invoices)`,
      );
    });
  });
});
