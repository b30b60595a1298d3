// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICustody} from "../interfaces/ICustody.sol";
import {
    Batch,
    Holding,
    Partner,
    RejectionReason,
    Role,
    Shipment,
    ShipmentRecord,
    ShipmentStatus,
    TemperatureLeg
} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {Ids} from "../libraries/Ids.sol";
import {Direction, Routes} from "../libraries/Routes.sol";
import {Temperature} from "../libraries/Temperature.sol";
import {BatchRegistry} from "./BatchRegistry.sol";

/// @title Quantity-aware custody
/// @dev A shipment is stored as one slot keyed by the hash of its fields; receive and reject take the fields
/// back as calldata and check them against the hash. That keeps a hop at one new storage slot instead of
/// three, and the fields themselves are in the `Shipped` event for anyone to read. Settling a shipment
/// deletes its slot: no later transaction needs it (the nonce in the id means it can never come back), and
/// the refund pays for most of the receiver's new stock slot.
abstract contract Custody is BatchRegistry, ICustody {
    mapping(bytes32 shipmentId => ShipmentRecord record) private _shipments;

    /// @inheritdoc ICustody
    uint256 public constant CANCEL_AFTER = 30 days;

    /// @inheritdoc ICustody
    function ship(bytes32 batchId, address receiver, uint48 quantity)
        external
        whenNotPaused
        returns (bytes32 shipmentId)
    {
        Partner memory from = _requireAuthorized(msg.sender);
        Partner memory to = _requireAuthorized(receiver);
        Batch memory b = _existingBatch(batchId);
        Direction direction = Routes.classify(from.role, to.role);
        if (direction == Direction.Forbidden || receiver == msg.sender) {
            revert CustodyRouteNotPermitted(msg.sender, from.role, receiver, to.role);
        }
        bool isReturn = direction == Direction.Return;
        if (isReturn) {
            if (to.role == Role.Manufacturer) {
                address manufacturer = _manufacturerOf(batchId);
                if (receiver != manufacturer) revert CustodyReturnToOtherManufacturer(batchId, receiver, manufacturer);
            }
            _requireNotOnHold(batchId, b.flags);
        } else {
            _requireForwardable(batchId, b);
        }
        if (quantity == 0) revert BatchInvalidQuantity(quantity);

        Holding memory h = _holding(batchId, msg.sender);
        if (h.saleable < quantity) revert CustodyInsufficientSaleable(batchId, msg.sender, h.saleable, quantity);
        uint32 nonce = h.shipments;
        // Checked just above.
        unchecked {
            h.saleable -= quantity;
        }
        h.shipments = nonce + 1;
        _setHolding(batchId, msg.sender, h);

        shipmentId = Ids.shipmentId(Shipment(batchId, msg.sender, receiver, quantity, nonce));
        _shipments[shipmentId] = ShipmentRecord({
            status: ShipmentStatus.InTransit,
            isReturn: isReturn,
            shippedAt: uint40(block.timestamp)
        });
        emit Shipped(shipmentId, batchId, msg.sender, receiver, quantity, nonce, isReturn);
    }

    /// @inheritdoc ICustody
    function receiveShipment(Shipment calldata s, TemperatureLeg calldata leg) external whenNotPaused {
        (bytes32 shipmentId, bool isReturn) = _settle(s);
        if (!Temperature.isConsistent(leg)) {
            revert CustodyInvalidTemperatureLeg(leg.minTemp, leg.meanKineticTemp, leg.maxTemp);
        }
        Batch memory b = _batchRecord(s.batchId);
        // Recalled product may still come back upstream, never go onward.
        if (!isReturn) {
            _requireNotOnHold(s.batchId, b.flags);
            if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) revert BatchUnderRecall(s.batchId, b.recallClass);
        }
        bool excursion = Temperature.isExcursion(leg, b.minTemp, b.maxTemp);

        Holding memory h = _holding(s.batchId, msg.sender);
        if (excursion) {
            h.quarantined += s.quantity;
        } else {
            h.saleable += s.quantity;
        }
        _setHolding(s.batchId, msg.sender, h);
        emit Received(shipmentId, s.batchId, msg.sender, s.sender, s.quantity, leg, excursion);
    }

    /// @inheritdoc ICustody
    function cancelShipment(Shipment calldata s) external whenNotPaused {
        bytes32 shipmentId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipments[shipmentId];
        if (record.status != ShipmentStatus.InTransit) revert CustodyShipmentNotInTransit(shipmentId);
        if (msg.sender != s.sender) revert CustodyNotSender(shipmentId, msg.sender, s.sender);
        _requireAuthorized(msg.sender);
        uint256 cancellableAt = uint256(record.shippedAt) + CANCEL_AFTER;
        if (block.timestamp < cancellableAt) revert CustodyCancelTooEarly(shipmentId, cancellableAt, block.timestamp);
        delete _shipments[shipmentId];
        Holding memory h = _holding(s.batchId, s.sender);
        h.saleable += s.quantity;
        _setHolding(s.batchId, s.sender, h);
        emit ShipmentCancelled(shipmentId, s.batchId, s.sender, s.receiver, s.quantity);
    }

    /// @inheritdoc ICustody
    function rejectShipment(Shipment calldata s, RejectionReason reason, bytes32 evidence) external whenNotPaused {
        (bytes32 shipmentId, ) = _settle(s);
        Holding memory h = _holding(s.batchId, s.sender);
        h.saleable += s.quantity;
        _setHolding(s.batchId, s.sender, h);
        emit Rejected(shipmentId, s.batchId, msg.sender, s.sender, s.quantity, reason, evidence);
    }

    /// @inheritdoc ICustody
    function shipment(bytes32 shipmentId) external view returns (ShipmentRecord memory) {
        return _shipments[shipmentId];
    }

    /// @inheritdoc ICustody
    function shipmentIdOf(Shipment calldata s) external pure returns (bytes32) {
        return Ids.shipmentId(s);
    }

    /// @dev Checks that `s` is a shipment in transit to the caller, an authorized partner, and deletes it.
    function _settle(Shipment calldata s) private returns (bytes32 shipmentId, bool isReturn) {
        shipmentId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipments[shipmentId];
        if (record.status != ShipmentStatus.InTransit) revert CustodyShipmentNotInTransit(shipmentId);
        if (msg.sender != s.receiver) revert CustodyNotReceiver(shipmentId, msg.sender, s.receiver);
        _requireAuthorized(msg.sender);
        isReturn = record.isReturn;
        delete _shipments[shipmentId];
    }
}
