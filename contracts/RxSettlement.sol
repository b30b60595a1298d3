// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {DeliveryException, ExceptionStatus, IExceptions} from "./interfaces/IExceptions.sol";
import {IMigration} from "./interfaces/IMigration.sol";
import {IRecovery} from "./interfaces/IRecovery.sol";
import {IRxTrace} from "./interfaces/IRxTrace.sol";
import {
    IRxSettlement,
    Invoice,
    InvoiceOutcome,
    InvoiceStatus,
    InvoiceTerms
} from "./interfaces/IRxSettlement.sol";
import {Batch, Partner, Role, Shipment, ShipmentRecord, ShipmentStatus, Standing} from "./interfaces/RxTypes.sol";
import {BatchFlags} from "./libraries/BatchFlags.sol";

/// @title Payment on delivery beside the rxtrace suite
/// @notice Escrows a buyer's ERC-20 against an invoice and pays the seller or refunds the buyer according to the
/// suite's own record of the shipment that delivers it.
/// @dev How the outcome is learnt without costing a shipment anything: the settlement is never called by the suite.
/// It reads the suite's views when someone binds, settles or claims (pull). A plain ship or receive runs exactly
/// the code it ran before. The record it reads must outlive the receipt: the suite keeps the slot of a pack leg a
/// dispenser received (`Received` or `ReceivedInQuarantine`, its custody record) and of a cancelled shipment, and
/// deletes the slot of a lot-level leg once settled. So an invoice binds only to a pack leg to a dispenser, and a
/// bound leg whose slot is gone was rejected (the only way such a slot is deleted). A partial receipt (`IExceptions`)
/// keeps the leg's slot as `Received` and records the units accepted and disputed apart; `_read` waits for the
/// dispute to end and pays for the units delivered (accepted, and found when the dispute ends so).
/// No admin, no pause, no upgrade: the contract holds other people's money and decides nothing on anyone's word.
contract RxSettlement is IRxSettlement, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint8 private constant _SELLER_CLAIMED = 1;
    uint8 private constant _BUYER_CLAIMED = 2;

    /// @inheritdoc IRxSettlement
    address public immutable SUITE;

    mapping(bytes32 invoiceId => Invoice record) private _invoices;
    /// @dev A shipment delivers one invoice: the binding is kept per shipment id.
    mapping(bytes32 shipmentId => bytes32 invoiceId) private _boundInvoice;

    /// @param suite the RxTrace deployment whose records decide the outcomes
    constructor(address suite) {
        SUITE = suite;
    }

    /// @inheritdoc IRxSettlement
    function createInvoice(InvoiceTerms calldata t) external nonReentrant returns (bytes32 invoiceId) {
        IRxTrace suite = IRxTrace(SUITE);
        (address buyer, Role role) = _buyer();
        invoiceId = keccak256(abi.encode(buyer, t.seller, t.invoiceNumber));
        if (_invoices[invoiceId].status != InvoiceStatus.None) revert SettlementInvoiceExists(invoiceId);
        if (t.seller == address(0) || t.seller == buyer) revert SettlementInvalidTerms("seller", uint160(t.seller));
        if (t.token == address(0)) revert SettlementInvalidTerms("token", 0);
        if (t.quantity == 0) revert SettlementInvalidTerms("quantity", 0);
        if (t.pricePerUnit == 0) revert SettlementInvalidTerms("pricePerUnit", 0);
        if (t.deadline <= block.timestamp) revert SettlementDeadlineInPast(t.deadline, block.timestamp);
        if (suite.batch(t.batchId).expiry == 0) revert SettlementUnknownBatch(t.batchId);
        if (role != Role.Dispenser) revert SettlementBuyerNotDispenser(buyer, role);
        // 48 + 96 bits: cannot overflow 256 bits.
        uint256 amount = uint256(t.quantity) * t.pricePerUnit;

        _invoices[invoiceId] = Invoice({
            buyer: buyer,
            deadline: t.deadline,
            status: InvoiceStatus.Open,
            unitsAccepted: 0,
            seller: t.seller,
            quantity: t.quantity,
            nonce: 0,
            outcome: InvoiceOutcome.Pending,
            claims: 0,
            token: t.token,
            pricePerUnit: t.pricePerUnit,
            batchId: t.batchId
        });
        IERC20 token = IERC20(t.token);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterwards = token.balanceOf(address(this));
        uint256 received = afterwards > before ? afterwards - before : 0;
        if (received != amount) revert SettlementTokenFeeOnTransfer(t.token, amount, received);
        emit InvoiceCreated(
            invoiceId,
            buyer,
            t.seller,
            t.batchId,
            t.invoiceNumber,
            t.customerId,
            t.token,
            t.quantity,
            t.pricePerUnit,
            amount,
            t.deadline
        );
    }

    /// @inheritdoc IRxSettlement
    function bindShipment(bytes32 invoiceId, Shipment calldata s) external {
        Invoice storage inv = _existing(invoiceId);
        // The seller's identity, or a current key of it. (Its retired identity binds still: a binding only picks
        // which matching leg decides; the money goes by `claim`, which refuses a retired key.)
        if (msg.sender != inv.seller && !_actsFor(inv.seller)) {
            revert SettlementNotSeller(invoiceId, msg.sender, inv.seller);
        }
        if (inv.status != InvoiceStatus.Open) revert SettlementInvoiceNotOpen(invoiceId, inv.status);
        if (block.timestamp > inv.deadline) revert SettlementDeadlinePassed(invoiceId, inv.deadline, block.timestamp);
        if (s.batchId != inv.batchId) revert SettlementLotMismatch(invoiceId, inv.batchId, s.batchId);
        if (s.sender != inv.seller) revert SettlementSellerMismatch(invoiceId, inv.seller, s.sender);
        if (s.receiver != inv.buyer) revert SettlementBuyerMismatch(invoiceId, inv.buyer, s.receiver);
        if (s.quantity != inv.quantity) revert SettlementQuantityMismatch(invoiceId, inv.quantity, s.quantity);
        bytes32 shipmentId = keccak256(abi.encode(s));
        ShipmentRecord memory record = IRxTrace(SUITE).shipment(shipmentId);
        if (record.status == ShipmentStatus.None) revert SettlementShipmentUnknown(shipmentId);
        if (record.manifest == bytes21(0)) revert SettlementShipmentLotLevel(shipmentId);
        bytes32 other = _boundInvoice[shipmentId];
        if (other != bytes32(0)) revert SettlementShipmentBound(shipmentId, other);
        _boundInvoice[shipmentId] = invoiceId;
        inv.status = InvoiceStatus.Bound;
        inv.nonce = s.nonce;
        emit InvoiceBound(invoiceId, shipmentId, s.nonce);
    }

    /// @inheritdoc IRxSettlement
    function settle(bytes32 invoiceId) external nonReentrant returns (InvoiceOutcome) {
        return _settle(invoiceId, _existing(invoiceId)).outcome;
    }

    /// @inheritdoc IRxSettlement
    function claim(bytes32 invoiceId, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert SettlementZeroRecipient();
        Invoice storage inv = _settle(invoiceId, _existing(invoiceId));
        uint8 flag;
        // The parties are identities; a rotated partner claims with its current key, and a retired key (a lost or
        // stolen one the admin re-keyed) claims nothing, not even under the identity's own address.
        address party = msg.sender;
        if (party != inv.seller && party != inv.buyer) party = IRecovery(SUITE).identityOf(msg.sender);
        if (IRxTrace(SUITE).standing(msg.sender) == Standing.Unknown) party = address(0);
        if (party == inv.seller) {
            flag = _SELLER_CLAIMED;
            amount = uint256(inv.unitsAccepted) * inv.pricePerUnit;
        } else if (party == inv.buyer) {
            flag = _BUYER_CLAIMED;
            // unitsAccepted <= quantity: see `_delivered`.
            amount = uint256(inv.quantity - inv.unitsAccepted) * inv.pricePerUnit;
        }
        if (amount == 0) revert SettlementNothingDue(invoiceId, msg.sender);
        if (inv.claims & flag != 0) revert SettlementAlreadyClaimed(invoiceId, msg.sender);
        inv.claims |= flag;
        emit InvoiceClaimed(invoiceId, msg.sender, to, amount);
        IERC20(inv.token).safeTransfer(to, amount);
    }

    /// @inheritdoc IRxSettlement
    function invoice(bytes32 invoiceId) external view returns (Invoice memory) {
        return _invoices[invoiceId];
    }

    /// @inheritdoc IRxSettlement
    function outcomeOf(bytes32 invoiceId) external view returns (InvoiceOutcome, uint48) {
        Invoice storage inv = _invoices[invoiceId];
        if (inv.status == InvoiceStatus.Settled) return (inv.outcome, inv.unitsAccepted);
        if (inv.status == InvoiceStatus.None) return (InvoiceOutcome.Pending, 0);
        return _read(inv);
    }

    /// @inheritdoc IRxSettlement
    function shipmentStatusOf(bytes32 invoiceId) external view returns (bytes32 shipmentId, ShipmentStatus status) {
        Invoice storage inv = _invoices[invoiceId];
        if (inv.status == InvoiceStatus.None || inv.status == InvoiceStatus.Open) {
            return (bytes32(0), ShipmentStatus.None);
        }
        shipmentId = _shipmentId(inv);
        (, ShipmentRecord memory record) = _currentRecord(shipmentId);
        status = record.status;
    }

    /// @inheritdoc IRxSettlement
    function invoiceOfShipment(bytes32 shipmentId) external view returns (bytes32) {
        return _boundInvoice[shipmentId];
    }

    /// @dev Fixes the outcome once, from the suite's record; a settled invoice keeps the outcome it has.
    function _settle(bytes32 invoiceId, Invoice storage inv) private returns (Invoice storage) {
        if (inv.status == InvoiceStatus.Settled) return inv;
        (InvoiceOutcome outcome, uint48 accepted) = _read(inv);
        if (outcome == InvoiceOutcome.Pending) revert SettlementOutcomePending(invoiceId);
        inv.status = InvoiceStatus.Settled;
        inv.outcome = outcome;
        inv.unitsAccepted = accepted;
        uint256 paid = uint256(accepted) * inv.pricePerUnit;
        // `accepted` <= quantity.
        uint256 refunded = uint256(inv.quantity - accepted) * inv.pricePerUnit;
        emit InvoiceSettled(invoiceId, outcome, accepted, paid, refunded, msg.sender);
        return inv;
    }

    /// @dev What the suite's record says of an open or bound invoice now.
    function _read(Invoice storage inv) private view returns (InvoiceOutcome, uint48) {
        if (inv.status == InvoiceStatus.Open) {
            // Unbound: the seller may bind a leg up to the deadline, even one received already.
            return (block.timestamp > inv.deadline ? InvoiceOutcome.Expired : InvoiceOutcome.Pending, 0);
        }
        bytes32 shipmentId = _shipmentId(inv);
        (IRxTrace suite, ShipmentRecord memory record) = _currentRecord(shipmentId);
        if (record.status == ShipmentStatus.Received) return _delivered(suite, inv, shipmentId);
        if (record.status == ShipmentStatus.ReceivedInQuarantine) return (InvoiceOutcome.Quarantined, 0);
        if (record.status == ShipmentStatus.Cancelled) return (InvoiceOutcome.Cancelled, 0);
        // A bound pack leg to a dispenser loses its slot only when the dispenser rejects it.
        if (record.status == ShipmentStatus.None) return (InvoiceOutcome.Rejected, 0);
        // In transit: a recalled lot can no longer be received forward, so it will come back.
        Batch memory b = suite.batch(inv.batchId);
        if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) return (InvoiceOutcome.Recalled, 0);
        return (InvoiceOutcome.Pending, 0);
    }

    /// @dev The outcome of a leg received within the storage range: the whole quantity, unless the buyer accepted
    /// only part of it (a delivery exception). Then the outcome waits while the disputed units are open and pays for
    /// the units delivered once the dispute ends: those accepted, plus the disputed ones when they were found.
    /// Never more than the invoice's quantity: accepted + disputed is the leg's quantity, which is the invoice's.
    /// The suite is the one where the leg was received (`_currentRecord`): a successor's, after a migration.
    function _delivered(IRxTrace suite, Invoice storage inv, bytes32 shipmentId)
        private
        view
        returns (InvoiceOutcome, uint48)
    {
        DeliveryException memory e = IExceptions(address(suite)).deliveryException(shipmentId);
        if (e.status == ExceptionStatus.None || e.status == ExceptionStatus.Found) {
            return (InvoiceOutcome.Delivered, inv.quantity);
        }
        if (e.status == ExceptionStatus.Open) return (InvoiceOutcome.Pending, 0);
        return (InvoiceOutcome.Delivered, e.accepted);
    }

    /// @dev The suite's record of shipment `shipmentId` where it lives now, and that suite. A leg still in transit on
    /// a suite retired in favour of a successor (`IMigration`) was frozen there: once the successor adopted it, its
    /// fate (received, rejected, cancelled) is recorded there, and so down the lineage. A suite that predates the
    /// migration (no `successor()`) or is not retired ends the walk. Read only for a leg in transit, so a delivered
    /// leg costs nothing more.
    function _currentRecord(bytes32 shipmentId) private view returns (IRxTrace suite, ShipmentRecord memory record) {
        suite = IRxTrace(SUITE);
        record = suite.shipment(shipmentId);
        while (record.status == ShipmentStatus.InTransit) {
            address next;
            try IMigration(address(suite)).successor() returns (address successor) {
                next = successor;
            } catch {
                break;
            }
            if (next == address(0) || !IMigration(next).isAdopted(IMigration.Record.Shipment, shipmentId, address(0))) {
                break;
            }
            suite = IRxTrace(next);
            record = suite.shipment(shipmentId);
        }
    }

    function _shipmentId(Invoice storage inv) private view returns (bytes32) {
        return keccak256(abi.encode(Shipment(inv.batchId, inv.seller, inv.buyer, inv.quantity, inv.nonce)));
    }

    /// @dev The caller's partner identity, which its legs name (`IRecovery`: asked of a rotated key only), and role.
    function _buyer() private view returns (address buyer, Role) {
        Partner memory p = IRxTrace(SUITE).partner(msg.sender);
        buyer = msg.sender;
        if (p.rekeyed) {
            buyer = IRecovery(SUITE).identityOf(msg.sender);
            // A retired identity reads its partner's record; only the current key acts for it.
            if (IRecovery(SUITE).keyOf(buyer) != msg.sender) revert SettlementBuyerNotDispenser(msg.sender, Role.None);
        }
        return (buyer, p.role);
    }

    /// @dev Whether `msg.sender` is a current key of partner identity `party` (the rotated path only).
    function _actsFor(address party) private view returns (bool) {
        return IRecovery(SUITE).identityOf(msg.sender) == party
            && IRxTrace(SUITE).standing(msg.sender) != Standing.Unknown;
    }

    function _existing(bytes32 invoiceId) private view returns (Invoice storage inv) {
        inv = _invoices[invoiceId];
        if (inv.status == InvoiceStatus.None) revert SettlementUnknownInvoice(invoiceId);
    }
}
