/**
 * Fixtures of the settlement tests (Settlement, AttacksSettlement, property/Settlement): the suite of
 * test/fixtures.ts, the settlement deployed beside it through the deploy code, and a plain test token.
 */
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { InvoiceTermsStruct } from "../typechain-types/contracts/RxSettlement";
import { deployRxSettlement } from "../src/chain/deploy";
import { invoiceIdOf, text32 } from "../src/domain/invoice";
import { DAY, PHARMACY_SERIALS, receivedFixture } from "./fixtures";

export const PRICE = 2_500_000n; // 2.50 in a six-decimal token
export const FUNDS = 1_000_000_000n;

/** The distributor holds 60 saleable packs; the settlement stands beside the suite; the pharmacies hold tokens. */
export async function settlementFixture() {
  const base = await loadFixture(receivedFixture);
  const settlement = await deployRxSettlement(ethers, base.admin, await base.rx.getAddress());
  const token = await ethers.deployContract("TestToken", ["Test USD", "TUSD"]);
  for (const buyer of [base.pharmacy, base.pharmacy2]) {
    await token.mint(buyer.address, FUNDS);
    await token.connect(buyer).approve(await settlement.getAddress(), FUNDS);
  }
  return { ...base, settlement, token };
}

export type SettlementContext = Awaited<ReturnType<typeof settlementFixture>>;

/** Terms of an invoice of the distributor to `buyer` for the 20 packs of PHARMACY_SERIALS, due in 7 days. */
export async function termsOf(
  c: SettlementContext,
  number: string,
  overrides: Partial<InvoiceTermsStruct> = {},
): Promise<InvoiceTermsStruct> {
  return {
    invoiceNumber: text32("invoice", number),
    customerId: text32("customer", "CUST-0042"),
    seller: c.distributor.address,
    batchId: c.batchId,
    quantity: BigInt(PHARMACY_SERIALS.length),
    token: await c.token.getAddress(),
    pricePerUnit: PRICE,
    deadline: (await time.latest()) + 7 * DAY,
    ...overrides,
  };
}

/** Creates the invoice as `buyer`; returns its id and terms. */
export async function createFrom(c: SettlementContext, buyer: HardhatEthersSigner, terms: InvoiceTermsStruct) {
  await c.settlement.connect(buyer).createInvoice(terms);
  return invoiceIdOf(buyer.address, String(terms.seller), String(terms.invoiceNumber));
}
