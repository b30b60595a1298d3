/**
 * Invoices of the settlement (contracts/RxSettlement.sol, docs/settlement.md): the id, the 32-byte text fields and
 * the enums with words for people. Browser-safe.
 */
import { AbiCoder, decodeBytes32String, encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import { InputError } from "./errors";

const abi = AbiCoder.defaultAbiCoder();

/** InvoiceStatus of contracts/interfaces/IRxSettlement.sol. */
export enum InvoiceStatus {
  None = 0,
  Open = 1,
  Bound = 2,
  Settled = 3,
}

/** InvoiceOutcome of contracts/interfaces/IRxSettlement.sol. */
export enum InvoiceOutcome {
  Pending = 0,
  Delivered = 1,
  Rejected = 2,
  Cancelled = 3,
  Quarantined = 4,
  Recalled = 5,
  Expired = 6,
}

export const INVOICE_STATUS_WORDS: Record<InvoiceStatus, string> = {
  [InvoiceStatus.None]: "unknown",
  [InvoiceStatus.Open]: "open (funded, no shipment bound)",
  [InvoiceStatus.Bound]: "bound to its shipment",
  [InvoiceStatus.Settled]: "settled",
};

export const INVOICE_OUTCOME_WORDS: Record<InvoiceOutcome, string> = {
  [InvoiceOutcome.Pending]: "pending",
  [InvoiceOutcome.Delivered]: "delivered within range: the seller is paid",
  [InvoiceOutcome.Rejected]: "rejected: the buyer is refunded",
  [InvoiceOutcome.Cancelled]: "cancelled: the buyer is refunded",
  [InvoiceOutcome.Quarantined]: "received into quarantine: the buyer is refunded",
  [InvoiceOutcome.Recalled]: "lot recalled in transit: the buyer is refunded",
  [InvoiceOutcome.Expired]: "deadline passed with no shipment: the buyer is refunded",
};

/** An invoice number or customer id as the contract takes it: ASCII, at most 32 characters, left-aligned. */
export function text32(field: string, value: string): string {
  if (value.length === 0 || toUtf8Bytes(value).length > 32 || !/^[\x20-\x7e]+$/.test(value)) {
    throw new InputError(field, value, "1 to 32 printable ASCII characters");
  }
  return encodeBytes32String(value);
}

/** The text of a 32-byte field. */
export function textOf32(value: string): string {
  return decodeBytes32String(value);
}

/** The text of a 32-byte field, or its hex when it is not text (the contract takes any 32 bytes). */
export function textOrHexOf32(value: string): string {
  try {
    return decodeBytes32String(value);
  } catch {
    return value.toLowerCase();
  }
}

/** The id of an invoice: `keccak256(abi.encode(buyer, seller, invoiceNumber))`. */
export function invoiceIdOf(buyer: string, seller: string, invoiceNumber32: string): string {
  return keccak256(abi.encode(["address", "address", "bytes32"], [buyer, seller, invoiceNumber32]));
}
