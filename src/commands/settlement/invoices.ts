/**
 * Payment on delivery (docs/settlement.md): the buyer creates and funds an invoice (`rx:invoice`), anyone lists
 * invoices with what is due on each (`rx:invoices`), the seller binds its pack leg and either side takes what is
 * due (`rx:claim`). The settlement decides from the suite's record of the leg; these commands check every input
 * and say why nothing is due before sending anything.
 */
import { Contract, formatUnits, Interface, isAddress, parseUnits, ZeroAddress, type ContractTransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { RxSettlement, RxTrace } from "../../../typechain-types";
import type { InvoiceStructOutput } from "../../../typechain-types/contracts/RxSettlement";
import { DeploymentError, type DeploymentRecord } from "../../chain/deployment";
import { queryEvent } from "../../chain/events/query";
import { Role } from "../../domain/enums";
import { InputError } from "../../domain/errors";
import {
  INVOICE_OUTCOME_WORDS,
  INVOICE_STATUS_WORDS,
  InvoiceOutcome,
  InvoiceStatus,
  invoiceIdOf,
  text32,
  textOf32,
} from "../../domain/invoice";
import { describeBatch, parseBatchRef, partnerLabel, requireBatch, units, type BatchRef } from "../shared/batch-lookup";
import { parseBytes32, parseDate, parseWhole, resolvePartner, runCommand, sendAndReport } from "../shared/cli";
import { findShipment } from "../custody/shipments";

type Print = (line: string) => void;

/** The smallest ERC-20 interface the commands read: symbol, decimals, balance and allowance. */
const ERC20_ABI = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
];

/** The settlement of the deployment record, connected; a clear error when the record has none. */
export async function settlementOf(hre: HardhatRuntimeEnvironment, record: DeploymentRecord): Promise<{ settlement: RxSettlement; fromBlock: number }> {
  const entry = record.contracts.RxSettlement;
  if (!entry) {
    throw new DeploymentError(
      `deployments/${record.network}.json records no settlement (RxSettlement): it was deployed before payment on delivery existed; ` +
        `deploy again with \`npm run deploy -- --network ${record.network}\``,
    );
  }
  if ((await hre.ethers.provider.getCode(entry.address)) === "0x") {
    throw new DeploymentError(`no settlement contract at ${entry.address} on "${record.network}": the record is stale; deploy again`);
  }
  const settlement = (await hre.ethers.getContractAt("RxSettlement", entry.address)) as unknown as RxSettlement;
  return { settlement, fromBlock: entry.blockNumber };
}

/** The token of an invoice as people read it: symbol and decimals. */
async function tokenOf(hre: HardhatRuntimeEnvironment, address: string) {
  const token = await hre.ethers.getContractAt(ERC20_ABI, address);
  let symbol: string;
  let decimals: number;
  try {
    [symbol, decimals] = [String(await token.symbol()), Number(await token.decimals())];
  } catch {
    throw new InputError("--token", address, "the address of an ERC-20 token with symbol() and decimals() on this network");
  }
  return { token, symbol, decimals };
}

/** "50.0 TUSD" for `amount` units of `token`, or "50000000 units of token 0x…" when the token does not say. */
async function amountWords(settlement: RxSettlement, token: string, amount: bigint): Promise<string> {
  try {
    const erc20 = new Contract(token, ERC20_ABI, settlement.runner);
    return `${formatUnits(amount, Number(await erc20.decimals()))} ${String(await erc20.symbol())}`;
  } catch {
    return `${amount} units of token ${token}`;
  }
}

/* ------------------------------------------------------------- rx:invoice */

export interface InvoiceArgs {
  invoice?: string;
  customer?: string;
  seller?: string;
  gtin?: string;
  lot?: string;
  quantity?: string;
  price?: string;
  token?: string;
  deadline?: string;
}

export interface InvoiceInput extends BatchRef {
  invoiceNumber: string;
  invoiceText: string;
  customerId: string;
  seller: string;
  quantity: bigint;
  price: string;
  token: string;
  deadline: number;
}

export function parseInvoiceArgs(args: InvoiceArgs): InvoiceInput {
  const ref = parseBatchRef(args);
  const invoiceText = (args.invoice ?? "").trim();
  const invoiceNumber = text32("--invoice", invoiceText);
  const customerId = text32("--customer", (args.customer ?? "").trim());
  if (!args.seller) throw new InputError("--seller", "", "the seller: a partner's address (0x…) or 13-digit GLN");
  const quantity = parseWhole(args.quantity ?? "", "--quantity");
  const price = (args.price ?? "").trim();
  if (!/^\d+(\.\d+)?$/.test(price) || /^0+(\.0+)?$/.test(price)) {
    throw new InputError("--price", args.price ?? "", "the price of one unit in the token, above zero (e.g. 2.50)");
  }
  const token = (args.token ?? "").trim();
  if (!isAddress(token) || token === ZeroAddress) throw new InputError("--token", args.token ?? "", "the ERC-20 token's address (0x…)");
  const deadline = parseDate(args.deadline ?? "", "--deadline");
  return { ...ref, invoiceNumber, invoiceText, customerId, seller: args.seller, quantity, price, token, deadline };
}

export interface InvoiceResult {
  invoiceId: string;
  amount: bigint;
  receipt: ContractTransactionReceipt;
}

/** The buyer (`signer`, a dispenser) creates the invoice and escrows its amount, approving the settlement first if needed. */
export async function createInvoice(
  hre: HardhatRuntimeEnvironment,
  rx: RxTrace,
  settlement: RxSettlement,
  signer: HardhatEthersSigner,
  input: InvoiceInput,
  print: Print = console.log,
): Promise<InvoiceResult> {
  const batch = await requireBatch(rx, input);
  const seller = await resolvePartner(rx, input.seller, "--seller");
  const buyerRole = Number((await rx.partner(signer.address)).role);
  if (buyerRole !== Role.Dispenser) {
    throw new InputError("--signer", signer.address, `a dispenser buying (this account is ${Role[buyerRole]}): the settlement reads the outcome of pack legs a dispenser receives`);
  }
  if (Number((await rx.partner(seller)).role) === Role.None) throw new InputError("--seller", input.seller, "an onboarded partner");
  const now = (await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  if (input.deadline <= now) throw new InputError("--deadline", new Date(input.deadline * 1000).toISOString().slice(0, 10), "a day after today on the chain's clock");
  const { token, symbol, decimals } = await tokenOf(hre, input.token);
  let pricePerUnit: bigint;
  try {
    pricePerUnit = parseUnits(input.price, decimals);
  } catch {
    throw new InputError("--price", input.price, `at most ${decimals} decimals (the token ${symbol} has ${decimals})`);
  }
  if (pricePerUnit === 0n || pricePerUnit >= 1n << 96n) throw new InputError("--price", input.price, `a price above zero and below 2^96 token units`);
  const amount = pricePerUnit * input.quantity;
  const invoiceId = invoiceIdOf(signer.address, seller, input.invoiceNumber);
  if (Number((await settlement.invoice(invoiceId)).status) !== InvoiceStatus.None) {
    throw new InputError("--invoice", input.invoiceText, `a number not used yet between this buyer and seller (invoice ${invoiceId} exists: see rx:invoices)`);
  }
  const balance = BigInt(await token.balanceOf(signer.address));
  if (balance < amount) {
    throw new InputError("--price", input.price, `an amount the buyer holds: ${formatUnits(amount, decimals)} ${symbol} needed, ${formatUnits(balance, decimals)} held`);
  }
  print(`invoice ${input.invoiceText} of ${await partnerLabel(rx, seller)}`);
  print(`  to ${await partnerLabel(rx, signer.address)}, customer ${textOf32(input.customerId)}`);
  print(`  ${units(input.quantity)} of ${describeBatch(batch)} at ${input.price} ${symbol}: ${formatUnits(amount, decimals)} ${symbol}, delivery bound by ${new Date(input.deadline * 1000).toISOString().slice(0, 10)}`);
  const spender = await settlement.getAddress();
  if (BigInt(await token.allowance(signer.address, spender)) < amount) {
    await sendAndReport("approve", token.connect(signer).getFunction("approve")(spender, amount), print);
  }
  const receipt = await sendAndReport(
    "create invoice",
    settlement.connect(signer).createInvoice({
      invoiceNumber: input.invoiceNumber,
      customerId: input.customerId,
      seller,
      batchId: batch.batchId,
      quantity: input.quantity,
      token: input.token,
      pricePerUnit,
      deadline: input.deadline,
    }),
    print,
  );
  print(`invoice id ${invoiceId}: ${formatUnits(amount, decimals)} ${symbol} escrowed; the seller binds its pack leg with rx:claim --invoice ${invoiceId} --shipment <id>`);
  return { invoiceId, amount, receipt };
}

/* ------------------------------------------------------------ rx:invoices */

export interface InvoicesArgs {
  party?: string;
  json?: boolean;
}

export interface InvoiceEntry {
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  buyer: string;
  seller: string;
  batchId: string;
  quantity: bigint;
  token: string;
  amount: bigint;
  deadline: number;
  status: InvoiceStatus;
  outcome: InvoiceOutcome;
  unitsAccepted: bigint;
  shipmentId?: string;
  sellerClaimed: boolean;
  buyerClaimed: boolean;
}

/** Every invoice of the settlement (with `party`, those where it is the buyer or the seller), with what is due now. */
export async function listInvoices(
  rx: RxTrace,
  settlement: RxSettlement,
  fromBlock: number,
  args: InvoicesArgs,
  print: Print = console.log,
): Promise<InvoiceEntry[]> {
  const party = args.party ? (await resolvePartner(rx, args.party, "--party")).toLowerCase() : undefined;
  const created = await queryEvent(settlement, settlement.filters.InvoiceCreated(), { fromBlock });
  const entries: InvoiceEntry[] = [];
  for (const log of created) {
    const a = log.args;
    if (party && a.buyer.toLowerCase() !== party && a.seller.toLowerCase() !== party) continue;
    const stored: InvoiceStructOutput = await settlement.invoice(a.invoiceId);
    const [outcome, unitsAccepted] = await settlement.outcomeOf(a.invoiceId);
    const [shipmentId] = await settlement.shipmentStatusOf(a.invoiceId);
    entries.push({
      invoiceId: a.invoiceId,
      invoiceNumber: textOf32(a.invoiceNumber),
      customerId: textOf32(a.customerId),
      buyer: a.buyer,
      seller: a.seller,
      batchId: a.batchId,
      quantity: a.quantity,
      token: a.token,
      amount: a.amount,
      deadline: Number(a.deadline),
      status: Number(stored.status) as InvoiceStatus,
      outcome: Number(outcome) as InvoiceOutcome,
      unitsAccepted,
      ...(BigInt(shipmentId) !== 0n ? { shipmentId } : {}),
      sellerClaimed: (Number(stored.claims) & 1) !== 0,
      buyerClaimed: (Number(stored.claims) & 2) !== 0,
    });
  }
  if (args.json) {
    print(JSON.stringify(entries, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    return entries;
  }
  if (entries.length === 0) print(party ? `no invoice with ${args.party} as buyer or seller` : "no invoice");
  for (const e of entries) {
    print(`invoice ${e.invoiceNumber} (${e.invoiceId}), customer ${e.customerId}: ${INVOICE_STATUS_WORDS[e.status]}`);
    print(`  buyer ${e.buyer}, seller ${e.seller}, ${units(e.quantity)} of batch ${e.batchId}, ${await amountWords(settlement, e.token, e.amount)}`);
    print(`  deadline ${new Date(e.deadline * 1000).toISOString().slice(0, 10)}${e.shipmentId ? `, shipment ${e.shipmentId}` : ", no shipment bound"}`);
    const claimed = [e.sellerClaimed ? "the seller claimed" : "", e.buyerClaimed ? "the buyer claimed" : ""].filter(Boolean).join(", ");
    print(`  outcome: ${INVOICE_OUTCOME_WORDS[e.outcome]}${e.outcome === InvoiceOutcome.Delivered ? ` (${units(e.unitsAccepted)} accepted)` : ""}${claimed ? `; ${claimed}` : ""}`);
  }
  return entries;
}

/* --------------------------------------------------------------- rx:claim */

export interface ClaimArgs {
  invoice?: string;
  shipment?: string;
  to?: string;
}

export interface ClaimInput {
  invoiceId: string;
  shipmentId?: string;
  to?: string;
}

export function parseClaimArgs(args: ClaimArgs): ClaimInput {
  const invoiceId = parseBytes32(args.invoice, "--invoice", "the invoice id (printed by rx:invoice, listed by rx:invoices)", true);
  const shipmentId = args.shipment ? parseBytes32(args.shipment, "--shipment", "the pack leg's shipment id (printed by rx:ship)", true) : undefined;
  if (args.to !== undefined && args.to !== "" && (!isAddress(args.to) || args.to === ZeroAddress)) {
    throw new InputError("--to", args.to, "the address to send the share to (0x…), not zero");
  }
  return { invoiceId, ...(shipmentId ? { shipmentId } : {}), ...(args.to ? { to: args.to } : {}) };
}

export interface ClaimResult {
  bound?: ContractTransactionReceipt;
  claimed?: { amount: bigint; receipt: ContractTransactionReceipt };
  outcome: InvoiceOutcome;
}

/**
 * With `--shipment`, the seller binds the invoice to its pack leg first. Then the signer takes its share when the
 * outcome is decided; a pending outcome after a binding is reported (nothing more to do yet), otherwise refused.
 */
export async function claimInvoice(
  rx: RxTrace,
  settlement: RxSettlement,
  suiteFromBlock: number,
  signer: HardhatEthersSigner,
  input: ClaimInput,
  print: Print = console.log,
): Promise<ClaimResult> {
  const stored = await settlement.invoice(input.invoiceId);
  const status = Number(stored.status) as InvoiceStatus;
  if (status === InvoiceStatus.None) throw new InputError("--invoice", input.invoiceId, "the id of an invoice of this deployment (see rx:invoices)");
  const result: ClaimResult = { outcome: InvoiceOutcome.Pending };
  if (input.shipmentId) {
    if (signer.address !== stored.seller) throw new InputError("--signer", signer.address, `the invoice's seller ${stored.seller}, who binds its shipment`);
    const found = await findShipment(rx, input.shipmentId, suiteFromBlock);
    if (!found) throw new InputError("--shipment", input.shipmentId, "the id of a shipment of this deployment (see its Shipped event, or rx:ship's output)");
    print(`binding invoice ${input.invoiceId} to shipment ${input.shipmentId} (${units(found.shipment.quantity)} to ${await partnerLabel(rx, found.shipment.receiver)})`);
    result.bound = await sendAndReport("bind shipment", settlement.connect(signer).bindShipment(input.invoiceId, found.shipment), print);
  }
  const [outcome] = await settlement.outcomeOf(input.invoiceId);
  result.outcome = Number(outcome) as InvoiceOutcome;
  if (result.outcome === InvoiceOutcome.Pending) {
    const why = Number((await settlement.invoice(input.invoiceId)).status) === InvoiceStatus.Open
      ? `no shipment is bound and the deadline ${new Date(Number(stored.deadline) * 1000).toISOString().slice(0, 10)} is ahead`
      : "its shipment is still in transit";
    if (result.bound) {
      print(`nothing is due yet: ${why}`);
      return result;
    }
    throw new InputError("--invoice", input.invoiceId, `an invoice whose outcome is decided (pending: ${why})`);
  }
  const isSeller = signer.address === stored.seller;
  const isBuyer = signer.address === stored.buyer;
  if (!isSeller && !isBuyer) throw new InputError("--signer", signer.address, `the invoice's seller ${stored.seller} or buyer ${stored.buyer}`);
  const refreshed = await settlement.invoice(input.invoiceId);
  const [, accepted] = await settlement.outcomeOf(input.invoiceId);
  const share = (isSeller ? accepted : refreshed.quantity - accepted) * refreshed.pricePerUnit;
  const claimedBit = isSeller ? 1 : 2;
  print(`outcome: ${INVOICE_OUTCOME_WORDS[result.outcome]}`);
  if (share === 0n && result.bound) {
    print(`nothing is due to the ${isSeller ? "seller" : "buyer"}: the ${isSeller ? "buyer" : "seller"} claims with rx:claim --invoice ${input.invoiceId}`);
    return result;
  }
  if (share === 0n) throw new InputError("--signer", signer.address, `a party due something (the ${isSeller ? "seller" : "buyer"} is due nothing: ${INVOICE_OUTCOME_WORDS[result.outcome]})`);
  if ((Number(refreshed.claims) & claimedBit) !== 0) throw new InputError("--invoice", input.invoiceId, `an invoice whose ${isSeller ? "seller" : "buyer"} has not claimed yet (claimed already)`);
  const to = input.to ?? signer.address;
  const receipt = await sendAndReport("claim", settlement.connect(signer).claim(input.invoiceId, to), print);
  print(`sent ${await amountWords(settlement, refreshed.token, share)} to ${to}`);
  result.claimed = { amount: share, receipt };
  return result;
}

/** Runs a settlement command body with the refusals of the settlement and of the suite decoded by name. */
export function withSettlementErrors<T>(rx: RxTrace, settlement: RxSettlement, body: () => Promise<T>): Promise<T> {
  const errors = [...settlement.interface.fragments, ...rx.interface.fragments.filter((f) => f.type === "error")];
  return runCommand(new Interface(errors), body);
}
