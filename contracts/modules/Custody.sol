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
        return _ship(msg.sender, batchId, receiver, quantity, bytes32(0));
    }

    /// @inheritdoc ICustody
    function shipPacks(bytes32 batchId, address receiver, uint48 quantity, bytes32 manifest)
        external
        whenNotPaused
        returns (bytes32 shipmentId)
    {
        if (manifest == bytes32(0)) revert CustodyMissingManifest();
        return _ship(msg.sender, batchId, receiver, quantity, manifest);
    }

    /// @inheritdoc ICustody
    function receiveShipment(Shipment calldata s, TemperatureLeg calldata leg) external whenNotPaused {
        _receive(msg.sender, s, leg);
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
        _reject(msg.sender, s, reason, evidence);
    }

    /// @inheritdoc ICustody
    function shipment(bytes32 shipmentId) external view returns (ShipmentRecord memory) {
        return _shipments[shipmentId];
    }

    /// @inheritdoc ICustody
    function shipmentIdOf(Shipment calldata s) external pure returns (bytes32) {
        return Ids.shipmentId(s);
    }

    /// @dev `from` ships; with a non-zero `manifest` the shipment also commits to its packs.
    function _ship(address from, bytes32 batchId, address receiver, uint48 quantity, bytes32 manifest)
        internal
        returns (bytes32 shipmentId)
    {
        (uint32 nonce, bool isReturn) = _debit(from, batchId, receiver, quantity);
        shipmentId = Ids.shipmentId(Shipment(batchId, from, receiver, quantity, nonce));
        _shipments[shipmentId] = ShipmentRecord({
            status: ShipmentStatus.InTransit,
            isReturn: isReturn,
            shippedAt: uint40(block.timestamp)
        });
        emit Shipped(shipmentId, batchId, from, receiver, quantity, nonce, isReturn);
        if (manifest != bytes32(0)) emit ManifestCommitted(shipmentId, batchId, manifest);
    }

    /// @dev `to` receives shipment `s` with the leg summary `leg`.
    function _receive(address to, Shipment calldata s, TemperatureLeg calldata leg) internal {
        (bytes32 shipmentId, bool isReturn) = _settle(to, s);
        bool excursion = _credit(to, s.batchId, s.quantity, isReturn, leg);
        emit Received(shipmentId, s.batchId, to, s.sender, s.quantity, leg, excursion);
    }

    /// @dev `to` refuses shipment `s`; the units go back to the sender.
    function _reject(address to, Shipment calldata s, RejectionReason reason, bytes32 evidence) internal {
        (bytes32 shipmentId, ) = _settle(to, s);
        Holding memory h = _holding(s.batchId, s.sender);
        h.saleable += s.quantity;
        _setHolding(s.batchId, s.sender, h);
        emit Rejected(shipmentId, s.batchId, to, s.sender, s.quantity, reason, evidence);
    }

    /// @dev Every check of a shipment from `from` to `receiver`, then takes `quantity` saleable units out of
    /// `from`'s stock and counts the shipment. Returns the shipment's nonce and whether it goes upstream.
    function _debit(address from, bytes32 batchId, address receiver, uint48 quantity)
        internal
        returns (uint32 nonce, bool isReturn)
    {
        Partner memory fromRecord = _requireAuthorized(from);
        Partner memory to = _requireAuthorized(receiver);
        Batch memory b = _existingBatch(batchId);
        Direction direction = Routes.classify(fromRecord.role, to.role);
        if (direction == Direction.Forbidden || receiver == from) {
            revert CustodyRouteNotPermitted(from, fromRecord.role, receiver, to.role);
        }
        isReturn = direction == Direction.Return;
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

        Holding memory h = _holding(batchId, from);
        if (h.saleable < quantity) revert CustodyInsufficientSaleable(batchId, from, h.saleable, quantity);
        nonce = h.shipments;
        // Checked just above.
        unchecked {
            h.saleable -= quantity;
        }
        h.shipments = nonce + 1;
        _setHolding(batchId, from, h);
    }

    /// @dev Adds `quantity` units to `to`'s stock: saleable, or quarantined when `leg` left the batch's storage
    /// range. Forward deliveries need a batch that is neither on hold nor recalled.
    function _credit(address to, bytes32 batchId, uint48 quantity, bool isReturn, TemperatureLeg calldata leg)
        internal
        returns (bool excursion)
    {
        if (!Temperature.isConsistent(leg)) {
            revert CustodyInvalidTemperatureLeg(leg.minTemp, leg.meanKineticTemp, leg.maxTemp);
        }
        Batch memory b = _batchRecord(batchId);
        // Recalled product may still come back upstream, never go onward.
        if (!isReturn) {
            _requireNotOnHold(batchId, b.flags);
            if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) revert BatchUnderRecall(batchId, b.recallClass);
        }
        excursion = Temperature.isExcursion(leg, b.minTemp, b.maxTemp);

        Holding memory h = _holding(batchId, to);
        if (excursion) {
            h.quarantined += quantity;
        } else {
            h.saleable += quantity;
        }
        _setHolding(batchId, to, h);
    }

    /// @dev Checks that `s` is a shipment in transit to `receiver`, an authorized partner, and deletes it.
    function _settle(address receiver, Shipment calldata s) private returns (bytes32 shipmentId, bool isReturn) {
        shipmentId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipments[shipmentId];
        if (record.status != ShipmentStatus.InTransit) revert CustodyShipmentNotInTransit(shipmentId);
        if (receiver != s.receiver) revert CustodyNotReceiver(shipmentId, receiver, s.receiver);
        _requireAuthorized(receiver);
        isReturn = record.isReturn;
        delete _shipments[shipmentId];
    }
}
