// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Role, Shipment, ShipmentStatus} from "./RxTypes.sol";

/// @notice Where an invoice stands. `Settled` is final: its outcome and the units it pays for are fixed.
enum InvoiceStatus {
    None,
    Open, // funded, no shipment bound yet
    Bound, // funded, bound to the shipment that delivers it
    Settled // the outcome is fixed; each side claims its share once
}

/// @notice What the suite's record says is due on an invoice.
enum InvoiceOutcome {
    Pending, // nothing decided yet: the shipment is in transit, or the deadline is still ahead with none bound
    Delivered, // the buyer received the shipment within the storage range: the seller is paid the accepted units
    Rejected, // the buyer rejected the shipment: refund
    Cancelled, // the seller cancelled the shipment (30 days unsettled): refund
    Quarantined, // the units were received into quarantine (excursion, or a cancelled or unauthorized sender): refund
    Recalled, // the lot was recalled while the shipment was in transit: refund
    Expired // the deadline passed with no shipment bound: refund
}

/// @notice An invoice as stored, four slots: what later claims decide on. The invoice number and customer id are in
/// `InvoiceCreated` only.
struct Invoice {
    address buyer; // 160 bits: the receiver of the shipment, who funded the invoice
    uint40 deadline; // 40 bits: unix second after which no shipment may be bound; unbound, the buyer is refunded
    InvoiceStatus status; // 8 bits
    uint48 unitsAccepted; // 48 bits: once `Settled`, the units the seller is paid for (the rest is refunded)
    address seller; // 160 bits: the sender of the shipment
    uint48 quantity; // 48 bits: units invoiced; the shipment must carry exactly these
    uint32 nonce; // 32 bits: once bound, the shipment's nonce (its id follows from the invoice's fields and this)
    InvoiceOutcome outcome; // 8 bits: once `Settled`, the outcome fixed
    uint8 claims; // 8 bits: bit 0 set once the seller took its share, bit 1 once the buyer took its share
    address token; // 160 bits: the ERC-20 escrowed
    uint96 pricePerUnit; // 96 bits: token units per unit of product
    bytes32 batchId; // the lot (batch id) invoiced
}

/// @notice What a buyer states to create an invoice.
struct InvoiceTerms {
    bytes32 invoiceNumber; // the seller's invoice number (ASCII, left-aligned)
    bytes32 customerId; // the buyer's account number with the seller (ASCII, left-aligned; never a person's name)
    address seller;
    bytes32 batchId;
    uint48 quantity;
    address token;
    uint96 pricePerUnit;
    uint40 deadline;
}

/// @title Payment on delivery, decided by the suite's own record
/// @notice A buyer (a dispenser) escrows an ERC-20 amount against an invoice; the seller binds the invoice to the
/// pack leg that delivers it. Whoever claims, the settlement reads the suite's record of that leg: received within
/// the storage range pays the seller; rejected, cancelled, received into quarantine, or the lot recalled while in
/// transit refunds the buyer; a deadline passed with no leg bound refunds the buyer. The outcome is fixed by the
/// first claim (or `settle`) and each side takes its share once. Nobody's standing is checked when money leaves:
/// a suspended seller or buyer is still paid or refunded.
interface IRxSettlement {
    /// @notice `buyer` escrowed `amount` of `token` (`quantity` x `pricePerUnit`) for invoice `invoiceNumber` of
    /// `seller`, for customer `customerId`, on lot `batchId`, to be delivered (bound) by `deadline`.
    event InvoiceCreated(
        bytes32 indexed invoiceId,
        address indexed buyer,
        address indexed seller,
        bytes32 batchId,
        bytes32 invoiceNumber,
        bytes32 customerId,
        address token,
        uint48 quantity,
        uint96 pricePerUnit,
        uint256 amount,
        uint40 deadline
    );
    /// @notice The seller bound invoice `invoiceId` to shipment `shipmentId` (its `nonce`), which the suite records
    /// from the seller to the buyer with the invoice's lot and quantity.
    event InvoiceBound(bytes32 indexed invoiceId, bytes32 indexed shipmentId, uint32 nonce);
    /// @notice Invoice `invoiceId`'s outcome is fixed: the seller is due `paid`, the buyer `refunded`, for
    /// `unitsAccepted` units delivered. `by` asked.
    event InvoiceSettled(
        bytes32 indexed invoiceId,
        InvoiceOutcome outcome,
        uint48 unitsAccepted,
        uint256 paid,
        uint256 refunded,
        address by
    );
    /// @notice `party` (the seller or the buyer of invoice `invoiceId`) took its share `amount`, sent to `to`.
    event InvoiceClaimed(bytes32 indexed invoiceId, address indexed party, address to, uint256 amount);

    /// @notice Invoice `invoiceId` (buyer, seller and invoice number) exists already.
    error SettlementInvoiceExists(bytes32 invoiceId);
    /// @notice No invoice `invoiceId`.
    error SettlementUnknownInvoice(bytes32 invoiceId);
    /// @notice The invoice's `field` is `value`, which is not allowed (zero quantity or price, no seller, no token,
    /// the buyer as seller).
    error SettlementInvalidTerms(string field, uint256 value);
    /// @notice The deadline `deadline` is not after now (`now`).
    error SettlementDeadlineInPast(uint40 deadline, uint256 now);
    /// @notice No batch `batchId` in the suite.
    error SettlementUnknownBatch(bytes32 batchId);
    /// @notice Only a dispenser buys through an invoice (the suite keeps the record of a pack leg a dispenser
    /// receives; a distributor's legs are deleted once settled); `buyer` is a `role`.
    error SettlementBuyerNotDispenser(address buyer, Role role);
    /// @notice `quantity` x `pricePerUnit` overflows.
    error SettlementAmountOverflow(uint48 quantity, uint96 pricePerUnit);
    /// @notice `token` moved `received` into the settlement instead of `expected`: fee-on-transfer and rebasing
    /// tokens are refused.
    error SettlementTokenFeeOnTransfer(address token, uint256 expected, uint256 received);
    /// @notice Only the invoice's `seller` binds a shipment; `caller` is not.
    error SettlementNotSeller(bytes32 invoiceId, address caller, address seller);
    /// @notice Invoice `invoiceId` is `status`, not open: it is bound or settled already.
    error SettlementInvoiceNotOpen(bytes32 invoiceId, InvoiceStatus status);
    /// @notice No shipment may be bound after the deadline `deadline` (now `now`).
    error SettlementDeadlinePassed(bytes32 invoiceId, uint40 deadline, uint256 now);
    /// @notice The shipment's lot `actual` is not the invoice's `expected`.
    error SettlementLotMismatch(bytes32 invoiceId, bytes32 expected, bytes32 actual);
    /// @notice The shipment's sender `actual` is not the invoice's seller `expected`.
    error SettlementSellerMismatch(bytes32 invoiceId, address expected, address actual);
    /// @notice The shipment's receiver `actual` is not the invoice's buyer `expected`.
    error SettlementBuyerMismatch(bytes32 invoiceId, address expected, address actual);
    /// @notice The shipment's quantity `actual` is not the invoice's `expected`.
    error SettlementQuantityMismatch(bytes32 invoiceId, uint48 expected, uint48 actual);
    /// @notice The suite has no record of shipment `shipmentId` (never shipped, or settled and deleted).
    error SettlementShipmentUnknown(bytes32 shipmentId);
    /// @notice Shipment `shipmentId` carries no manifest: the suite deletes a lot-level leg once it is settled, so
    /// its outcome could not be read later.
    error SettlementShipmentLotLevel(bytes32 shipmentId);
    /// @notice Shipment `shipmentId` is bound to invoice `invoiceId` already.
    error SettlementShipmentBound(bytes32 shipmentId, bytes32 invoiceId);
    /// @notice Nothing is decided on invoice `invoiceId` yet (its shipment is in transit, or its deadline is ahead).
    error SettlementOutcomePending(bytes32 invoiceId);
    /// @notice `caller` is due nothing on invoice `invoiceId` (not a party, or its share is zero).
    error SettlementNothingDue(bytes32 invoiceId, address caller);
    /// @notice `caller` took its share of invoice `invoiceId` already.
    error SettlementAlreadyClaimed(bytes32 invoiceId, address caller);
    /// @notice The claim's recipient is the zero address.
    error SettlementZeroRecipient();

    /// @notice The buyer (`msg.sender`, a dispenser) creates invoice `terms` and escrows `quantity` x `pricePerUnit`
    /// of `token`, transferred from it (approve first). Fee-on-transfer tokens are refused.
    /// @return invoiceId `keccak256(abi.encode(buyer, seller, invoiceNumber))`
    function createInvoice(InvoiceTerms calldata terms) external returns (bytes32 invoiceId);

    /// @notice The seller binds open invoice `invoiceId`, before its deadline, to shipment `shipment`: the suite must
    /// record it (in transit, received or cancelled) as a pack leg from the seller to the buyer of the invoice's lot
    /// and quantity. A shipment delivers one invoice.
    function bindShipment(bytes32 invoiceId, Shipment calldata shipment) external;

    /// @notice Fixes invoice `invoiceId`'s outcome from the suite's record, when it is decided (anyone may call).
    function settle(bytes32 invoiceId) external returns (InvoiceOutcome outcome);

    /// @notice The seller or the buyer takes its share of invoice `invoiceId` (settling it first when needed),
    /// sent to `to`. Each side claims once.
    /// @return amount what was sent
    function claim(bytes32 invoiceId, address to) external returns (uint256 amount);

    /// @notice The stored invoice `invoiceId` (all zero when there is none).
    function invoice(bytes32 invoiceId) external view returns (Invoice memory);

    /// @notice What is due on invoice `invoiceId` now: the fixed outcome once settled, else what the suite's record
    /// says (`Pending` when nothing is decided), with the units the seller is paid for.
    function outcomeOf(bytes32 invoiceId) external view returns (InvoiceOutcome outcome, uint48 unitsAccepted);

    /// @notice The shipment status the outcome was read from, for invoice `invoiceId` (`None` when unbound).
    function shipmentStatusOf(bytes32 invoiceId) external view returns (bytes32 shipmentId, ShipmentStatus status);

    /// @notice The invoice bound to shipment `shipmentId`, zero when none.
    function invoiceOfShipment(bytes32 shipmentId) external view returns (bytes32);

    /// @notice The suite whose records decide the outcomes.
    function SUITE() external view returns (address);
}
