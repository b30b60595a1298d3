// rx: tasks of payment on delivery (docs/settlement.md): invoice, invoices, claim.
// Thin entry points over src/commands/settlement/invoices.ts.
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { resolveSigner } from "../src/commands/shared/cli";
import {
  claimInvoice,
  createInvoice,
  listInvoices,
  parseClaimArgs,
  parseInvoiceArgs,
  settlementOf,
  withSettlementErrors,
  type ClaimArgs,
  type InvoiceArgs,
  type InvoicesArgs,
} from "../src/commands/settlement/invoices";

interface WithSigner {
  signer?: string;
}

task("rx:invoice", "Creates an invoice and escrows its amount in an ERC-20 (the buyer, a dispenser)")
  .addParam("invoice", "the seller's invoice number (up to 32 characters)")
  .addParam("customer", "the buyer's customer id with the seller (up to 32 characters; no personal data)")
  .addParam("seller", "the seller: address or 13-digit GLN")
  .addParam("gtin", "the product's GTIN (AI 01)")
  .addParam("lot", "the lot (AI 10)")
  .addParam("quantity", "units invoiced: the shipment must carry exactly these")
  .addParam("price", "the price of one unit in the token (e.g. 2.50)")
  .addParam("token", "the ERC-20 token's address (a stablecoin)")
  .addParam("deadline", "the last day (YYYY-MM-DD, UTC) the seller may bind its shipment; then the buyer may take the money back")
  .addOptionalParam("signer", "account index or address (default 0)")
  .setAction(async (args: InvoiceArgs & WithSigner, hre) =>
    withSuite(hre, () => parseInvoiceArgs(args), async ({ rx, record }, input) => {
      const { settlement } = await settlementOf(hre, record);
      return withSettlementErrors(rx, settlement, async () => createInvoice(hre, rx, settlement, await resolveSigner(hre, args.signer), input));
    }),
  );

task("rx:invoices", "Lists the invoices with their status and what is due")
  .addOptionalParam("party", "only the invoices where this partner (address or GLN) is the buyer or the seller")
  .addFlag("json", "print JSON")
  .setAction(async (args: InvoicesArgs, hre) =>
    withSuite(hre, () => args, async ({ rx, record }, input) => {
      const { settlement, fromBlock } = await settlementOf(hre, record);
      return withSettlementErrors(rx, settlement, () => listInvoices(rx, settlement, fromBlock, input));
    }),
  );

task("rx:claim", "Takes what an invoice owes the signer (the seller or the buyer); with --shipment the seller binds its pack leg first")
  .addParam("invoice", "the invoice id (printed by rx:invoice, listed by rx:invoices)")
  .addOptionalParam("shipment", "the seller's pack leg that delivers the invoice (shipment id), to bind it")
  .addOptionalParam("to", "the address to send the share to (default: the signer)")
  .addOptionalParam("signer", "account index or address (default 0)")
  .setAction(async (args: ClaimArgs & WithSigner, hre) =>
    withSuite(hre, () => parseClaimArgs(args), async ({ rx, record }, input) => {
      const { settlement } = await settlementOf(hre, record);
      return withSettlementErrors(rx, settlement, async () =>
        claimInvoice(rx, settlement, record.contracts.RxTrace.blockNumber, await resolveSigner(hre, args.signer), input),
      );
    }),
  );
