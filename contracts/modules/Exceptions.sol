// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    DeliveryException,
    ExceptionReason,
    ExceptionStatus,
    IExceptions
} from "../interfaces/IExceptions.sol";
import {
    Holding,
    QuarantineCause,
    Role,
    Shipment,
    ShipmentRecord,
    ShipmentStatus,
    TemperatureLeg
} from "../interfaces/RxTypes.sol";
import {Ids} from "../libraries/Ids.sol";
import {RxLaterExtensionBase} from "./RxLaterExtensionBase.sol";

/// @title Delivery exceptions: a receipt of part of a shipment, the disputed rest, overages
/// @notice Inherited by `RxTraceExtension2` only (the core reaches it through its `fallback` and the first
/// extension's). It declares no storage: the exception records are declared in `Custody`, which every contract of
/// the suite inherits, so the layouts stay the same. A partial receipt is its own entry point, so a plain receipt
/// runs exactly the code it ran before.
/// @dev The disputed units are counted in the shipment's exception record, not in a holding (the packed holding has
/// no room for them, and they belong to nobody until the dispute ends). On a pack leg a dispenser keeps as its
/// custody record, the count of packs dispensed from the leg starts at the disputed count, so the leg serves at most
/// the accepted units; units found later give the leg back that room.
abstract contract Exceptions is RxLaterExtensionBase, IExceptions {
    uint8 private constant _SENDER_LOST = 1;
    uint8 private constant _RECEIVER_LOST = 2;
    uint8 private constant _SENDER_RETURNED = 4;

    /// @inheritdoc IExceptions
    function receivePartial(
        Shipment calldata s,
        uint48 accepted,
        ExceptionReason reason,
        bytes32 evidence,
        bytes32 disputedPacks,
        TemperatureLeg calldata leg
    ) external whenNotPaused {
        bytes32 shipmentId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipmentRecord(shipmentId);
        if (record.status != ShipmentStatus.InTransit) revert CustodyShipmentNotInTransit(shipmentId);
        if (!_isKeyOf(msg.sender, s.receiver)) revert CustodyNotReceiver(shipmentId, msg.sender, s.receiver);
        Role role = _requireAuthorized(msg.sender).role;
        if (accepted == 0 || accepted >= s.quantity) revert ExceptionInvalidAccepted(shipmentId, accepted, s.quantity);
        bool packLeg = record.manifest != bytes21(0);
        if (packLeg != (disputedPacks != bytes32(0))) revert ExceptionDisputedPacks(shipmentId, disputedPacks);
        // The sender was suspended or lost its licence after shipping: its goods are not saleable on its word.
        bool quarantine = !_isAuthorizedIdentity(s.sender);
        // The receiver's stock is kept under its identity, whichever of its keys receives (see `IRecovery`).
        (bool excursion, uint32 shipments) = _credit(s.receiver, s.batchId, accepted, record.isReturn, leg, quarantine);
        uint48 disputed;
        // `accepted` < `quantity`, checked above.
        unchecked {
            disputed = s.quantity - accepted;
        }
        if (packLeg && role == Role.Dispenser) {
            if (excursion || quarantine) revert ExceptionPackLegQuarantined(shipmentId);
            // The leg's dispense count is 40 bits: a larger disputed count would be truncated and free the disputed
            // packs (a sender may ship a pack leg of any quantity, whatever its manifest lists).
            if (disputed > type(uint40).max) revert ExceptionInvalidAccepted(shipmentId, accepted, s.quantity);
            // The dispenser's custody record of the leg's packs, as a full receipt keeps it, with the disputed packs
            // counted as served: the leg proves at most the accepted ones.
            record.status = ShipmentStatus.Received;
            record.receiverShipments = shipments;
            record.shippedAt = uint40(disputed);
        } else {
            _deleteShipmentRecord(shipmentId);
        }
        // status, reason, quarantined, byRegulator, votes, disputed, accepted
        _setException(
            shipmentId,
            DeliveryException(ExceptionStatus.Open, reason, excursion || quarantine, false, 0, disputed, accepted)
        );
        emit Received(shipmentId, s.batchId, s.receiver, s.sender, accepted, leg, excursion);
        if (quarantine) {
            emit ReceiptQuarantined(shipmentId, s.batchId, s.receiver, accepted, QuarantineCause.SenderNotAuthorized);
        }
        emit ExceptionRaised(
            shipmentId, s.batchId, s.receiver, s.sender, accepted, disputed, reason, evidence, disputedPacks
        );
    }

    /// @inheritdoc IExceptions
    function declareFound(Shipment calldata s) external whenNotPaused {
        (bytes32 shipmentId, DeliveryException storage e) = _openException(s);
        if (!_isKeyOf(msg.sender, s.receiver)) revert CustodyNotReceiver(shipmentId, msg.sender, s.receiver);
        _requireAuthorized(msg.sender);
        _resolve(s, shipmentId, e, ExceptionStatus.Found, false, bytes32(0));
    }

    /// @inheritdoc IExceptions
    function agreeLost(Shipment calldata s) external whenNotPaused {
        (bytes32 shipmentId, DeliveryException storage e) = _openException(s);
        uint8 vote;
        address party;
        if (_isKeyOf(msg.sender, s.sender)) {
            (vote, party) = (_SENDER_LOST, s.sender);
        } else if (_isKeyOf(msg.sender, s.receiver)) {
            (vote, party) = (_RECEIVER_LOST, s.receiver);
        } else {
            revert ExceptionNotParty(shipmentId, msg.sender);
        }
        _requireAuthorized(msg.sender);
        uint8 votes = e.votes;
        if (votes & vote != 0) revert ExceptionAlreadyProposed(shipmentId, msg.sender, ExceptionStatus.Lost);
        votes |= vote;
        if (votes & (_SENDER_LOST | _RECEIVER_LOST) == _SENDER_LOST | _RECEIVER_LOST) {
            _resolve(s, shipmentId, e, ExceptionStatus.Lost, false, bytes32(0));
        } else {
            e.votes = votes;
            emit ExceptionOutcomeProposed(shipmentId, s.batchId, party, ExceptionStatus.Lost);
        }
    }

    /// @inheritdoc IExceptions
    function declareReturned(Shipment calldata s) external whenNotPaused {
        (bytes32 shipmentId, DeliveryException storage e) = _openException(s);
        if (!_isKeyOf(msg.sender, s.sender)) revert CustodyNotSender(shipmentId, msg.sender, s.sender);
        _requireAuthorized(msg.sender);
        uint8 votes = e.votes;
        if (votes & _SENDER_RETURNED != 0) {
            revert ExceptionAlreadyProposed(shipmentId, msg.sender, ExceptionStatus.Returned);
        }
        e.votes = votes | _SENDER_RETURNED;
        emit ExceptionOutcomeProposed(shipmentId, s.batchId, s.sender, ExceptionStatus.Returned);
    }

    /// @inheritdoc IExceptions
    function confirmReturn(Shipment calldata s) external whenNotPaused {
        (bytes32 shipmentId, DeliveryException storage e) = _openException(s);
        if (!_isKeyOf(msg.sender, s.receiver)) revert CustodyNotReceiver(shipmentId, msg.sender, s.receiver);
        _requireAuthorized(msg.sender);
        if (e.votes & _SENDER_RETURNED == 0) revert ExceptionReturnNotDeclared(shipmentId);
        _resolve(s, shipmentId, e, ExceptionStatus.Returned, false, bytes32(0));
    }

    /// @inheritdoc IExceptions
    function closeException(Shipment calldata s, ExceptionStatus outcome, bytes32 reason) external whenNotPaused {
        (bytes32 shipmentId, DeliveryException storage e) = _openException(s);
        _requireRole(msg.sender, Role.Regulator);
        if (outcome < ExceptionStatus.Found) revert ExceptionInvalidOutcome(outcome);
        _resolve(s, shipmentId, e, outcome, true, reason);
    }

    /// @inheritdoc IExceptions
    function reportOverage(Shipment calldata s, uint48 units, bytes32 evidence) external whenNotPaused {
        bytes32 shipmentId = Ids.shipmentId(s);
        if (
            _shipmentRecord(shipmentId).status != ShipmentStatus.InTransit
                && _exception(shipmentId).status == ExceptionStatus.None
        ) revert CustodyShipmentNotInTransit(shipmentId);
        if (!_isKeyOf(msg.sender, s.receiver)) revert CustodyNotReceiver(shipmentId, msg.sender, s.receiver);
        _requireAuthorized(msg.sender);
        if (units == 0) revert BatchInvalidQuantity(units);
        emit OverageReported(shipmentId, s.batchId, s.receiver, s.sender, units, evidence);
    }

    /// @inheritdoc IExceptions
    function deliveryException(bytes32 shipmentId) external view returns (DeliveryException memory) {
        return _exception(shipmentId);
    }

    /// @dev The id of shipment `s` and its exception record, which must be open.
    function _openException(Shipment calldata s)
        private
        view
        returns (bytes32 shipmentId, DeliveryException storage e)
    {
        shipmentId = Ids.shipmentId(s);
        e = _exception(shipmentId);
        if (e.status != ExceptionStatus.Open) revert ExceptionNotOpen(shipmentId, e.status);
    }

    /// @dev Ends the dispute on shipment `s` with `outcome` and moves its disputed units where `outcome` says.
    function _resolve(
        Shipment calldata s,
        bytes32 shipmentId,
        DeliveryException storage e,
        ExceptionStatus outcome,
        bool byRegulator,
        bytes32 reason
    ) private {
        uint48 units = e.disputed;
        e.status = outcome;
        e.byRegulator = byRegulator;
        address holder;
        if (outcome == ExceptionStatus.Found) {
            holder = s.receiver;
            Holding memory h = _holding(s.batchId, holder);
            if (e.quarantined) {
                h.quarantined += units;
            } else {
                h.saleable += units;
            }
            _setHolding(s.batchId, holder, h);
            ShipmentRecord storage record = _shipmentRecord(shipmentId);
            // The pack leg a dispenser kept counted the disputed packs as served (see `receivePartial`): it may now
            // prove them. The count started at `units` and only grew since.
            if (record.status == ShipmentStatus.Received) record.shippedAt -= uint40(units);
        } else if (outcome == ExceptionStatus.Returned) {
            // Units that come back from a disputed leg never become saleable again without a decision.
            holder = s.sender;
            Holding memory h = _holding(s.batchId, holder);
            h.quarantined += units;
            _setHolding(s.batchId, holder, h);
        }
        emit ExceptionResolved(
            shipmentId, s.batchId, outcome, _resolveIdentity(msg.sender), byRegulator, holder, units, reason
        );
    }
}
