/**
 * The demo's payment on delivery (docs/settlement.md): a test token stands in for a stablecoin; each pharmacy
 * invoices the leg it received, the seller binds its leg, and the outcome the suite recorded pays: the seller of the
 * leg received within range, the buyer of the warm leg. Each step printed with the command it stands for.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { InvoiceResult } from "../commands/settlement/invoices";

/** One invoiced leg of the story: who bought what from whom, and which shipment delivered it. */
export interface InvoicedLeg {
  label: string;
  invoice: string;
  customer: string;
  gtin: string;
  lot: string;
  quantity: string;
  price: string;
  buyer: { signer: string; address: string };
  seller: { signer: string; gln: string };
  shipmentId: string;
  /** Who takes the money once the suite's record decided: the seller (received within range) or the buyer. */
  claimant: "seller" | "buyer";
}

type Run = <T>(task: string, args: Record<string, unknown>) => Promise<T>;

export async function payOnDelivery(hre: HardhatRuntimeEnvironment, run: Run, legs: readonly InvoicedLeg[]): Promise<void> {
  const token = await hre.ethers.deployContract("TestToken", ["Test USD", "TUSD"]);
  await token.waitForDeployment();
  for (const leg of legs) await (await token.mint(leg.buyer.address, 1_000_000_000n)).wait();
  console.log(`   (a test token stands in for a stablecoin: TUSD at ${await token.getAddress()}, 1,000 TUSD minted to each buyer)`);
  const deadline = new Date(((await hre.ethers.provider.getBlock("latest"))!.timestamp + 14 * 24 * 3600) * 1000).toISOString().slice(0, 10);
  for (const leg of legs) {
    console.log(`   ${leg.label}`);
    const created = await run<InvoiceResult>("rx:invoice", {
      invoice: leg.invoice, customer: leg.customer, seller: leg.seller.gln, gtin: leg.gtin, lot: leg.lot, quantity: leg.quantity,
      price: leg.price, token: await token.getAddress(), deadline, signer: leg.buyer.signer,
    });
    await run("rx:claim", { invoice: created.invoiceId, shipment: leg.shipmentId, signer: leg.seller.signer });
    if (leg.claimant === "buyer") await run("rx:claim", { invoice: created.invoiceId, signer: leg.buyer.signer });
  }
  await run("rx:invoices", {});
}
