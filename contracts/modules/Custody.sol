// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICustody} from "../interfaces/ICustody.sol";
import {DeliveryException} from "../interfaces/IExceptions.sol";
import {
    Batch,
    Holding,
    Partner,
    QuarantineCause,
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
/// three, and the fields themselves are in the `Shipped` event for anyone to read. Settling a lot-level leg
/// deletes its slot: no later transaction needs it (the nonce in the id means it can never come back), and the
/// refund pays for most of the receiver's new stock slot. A pack leg received by a dispenser keeps its slot (the
/// dispenser's custody record, read by `dispense`), and so does a cancelled shipment (a late receipt must find it).
abstract contract Custody is BatchRegistry, ICustody {
    mapping(bytes32 shipmentId => ShipmentRecord record) private _shipments;
    /// @dev The delivery exception raised on a shipment (`IExceptions`, served by the second extension): the count of
    /// its disputed units and where they went. Apart from the shipment's record, whose slot is full and is deleted
    /// once a lot-level leg is settled; declared here, with the shipments, so that every contract's layout has it.
    mapping(bytes32 shipmentId => DeliveryException record) private _exceptions;

    /// @inheritdoc ICustody
    uint256 public constant CANCEL_AFTER = 30 days;

    /// @inheritdoc ICustody
    function ship(bytes32 batchId, address receiver, uint48 quantity)
        external
        virtual
        whenNotPaused
        returns (bytes32 shipmentId)
    {
        return _ship(msg.sender, batchId, receiver, quantity, bytes32(0));
    }

    /// @inheritdoc ICustody
    function shipPacks(bytes32 batchId, address receiver, uint48 quantity, bytes32 manifest)
        external
        virtual
        whenNotPaused
        returns (bytes32 shipmentId)
    {
        if (bytes21(manifest) == bytes21(0)) revert CustodyMissingManifest();
        return _ship(msg.sender, batchId, receiver, quantity, manifest);
    }

    /// @inheritdoc ICustody
    function receiveShipment(Shipment calldata s, TemperatureLeg calldata leg) external virtual whenNotPaused {
        _receive(msg.sender, s, leg);
    }

    /// @inheritdoc ICustody
    function cancelShipment(Shipment calldata s) external virtual whenNotPaused {
        bytes32 shipmentId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipments[shipmentId];
        if (record.status != ShipmentStatus.InTransit) revert CustodyShipmentNotInTransit(shipmentId);
        if (!_isKeyOf(msg.sender, s.sender)) revert CustodyNotSender(shipmentId, msg.sender, s.sender);
        _requireAuthorized(msg.sender);
        // Paused time does not count: a moment that fell in (or just before) a pause moves past its grace.
        uint256 cancellableAt = _pauseExtended(uint256(record.shippedAt) + CANCEL_AFTER);
        if (block.timestamp < cancellableAt) revert CustodyCancelTooEarly(shipmentId, cancellableAt, block.timestamp);
        record.status = ShipmentStatus.Cancelled;
        Holding memory h = _holding(s.batchId, s.sender);
        h.quarantined += s.quantity;
        _setHolding(s.batchId, s.sender, h);
        emit ShipmentCancelled(shipmentId, s.batchId, s.sender, s.receiver, s.quantity);
    }

    /// @inheritdoc ICustody
    function rejectShipment(
        Shipment calldata s,
        RejectionReason reason,
        bytes32 evidence,
        TemperatureLeg calldata leg
    ) external virtual whenNotPaused {
        _reject(msg.sender, s, reason, evidence, leg);
    }

    /// @inheritdoc ICustody
    function shipment(bytes32 shipmentId) external view virtual returns (ShipmentRecord memory) {
        return _shipments[shipmentId];
    }

    /// @inheritdoc ICustody
    function shipmentIdOf(Shipment calldata s) external pure returns (bytes32) {
        return Ids.shipmentId(s);
    }

    /// @dev Key `from` ships to key `receiver`; the shipment and its event name their identities. With a non-zero
    /// `manifest` the shipment also commits to its packs.
    function _ship(address from, bytes32 batchId, address receiver, uint48 quantity, bytes32 manifest)
        internal
        returns (bytes32 shipmentId)
    {
        uint32 nonce;
        bool isReturn;
        (nonce, isReturn, from, receiver) = _debit(from, batchId, receiver, quantity, manifest);
        shipmentId = Ids.shipmentId(Shipment(batchId, from, receiver, quantity, nonce));
        _shipments[shipmentId] = ShipmentRecord({
            status: ShipmentStatus.InTransit,
            isReturn: isReturn,
            shippedAt: uint40(block.timestamp),
            manifest: bytes21(manifest),
            receiverShipments: 0
        });
        emit Shipped(shipmentId, batchId, from, receiver, quantity, nonce, isReturn);
        if (manifest != bytes32(0)) emit ManifestCommitted(shipmentId, batchId, manifest);
    }

    /// @dev Key `to` of `s.receiver` receives shipment `s` with the leg summary `leg`: a shipment in transit, or one
    /// its sender cancelled (the units then move from the sender's quarantine into the receiver's).
    function _receive(address to, Shipment calldata s, TemperatureLeg calldata leg) internal {
        bytes32 shipmentId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipments[shipmentId];
        ShipmentStatus status = record.status;
        if (status != ShipmentStatus.InTransit && status != ShipmentStatus.Cancelled) {
            revert CustodyShipmentNotInTransit(shipmentId);
        }
        if (!_isKeyOf(to, s.receiver)) revert CustodyNotReceiver(shipmentId, to, s.receiver);
        Role role = _requireAuthorized(to).role;
        to = s.receiver; // from here on the receiver's identity, which keeps its stock
        bool quarantine;
        QuarantineCause cause;
        if (status == ShipmentStatus.Cancelled) {
            Holding memory from = _holding(s.batchId, s.sender);
            if (from.quarantined < s.quantity) {
                revert CustodyCancelledUnitsGone(shipmentId, s.sender, from.quarantined, s.quantity);
            }
            // Checked just above.
            unchecked {
                from.quarantined -= s.quantity;
            }
            _setHolding(s.batchId, s.sender, from);
            (quarantine, cause) = (true, QuarantineCause.ShipmentCancelled);
        } else if (!_isAuthorizedIdentity(s.sender)) {
            // The sender was suspended or lost its licence after shipping: its goods are not saleable on its word.
            (quarantine, cause) = (true, QuarantineCause.SenderNotAuthorized);
        }
        bool isReturn = record.isReturn;
        (bool excursion, uint32 shipments) = _credit(to, s.batchId, s.quantity, isReturn, leg, quarantine);
        if (record.manifest != bytes21(0) && role == Role.Dispenser) {
            // A pack leg stays as the dispenser's custody record of the packs it lists.
            record.status = excursion || quarantine ? ShipmentStatus.ReceivedInQuarantine : ShipmentStatus.Received;
            record.receiverShipments = shipments;
            record.shippedAt = 0; // from now on: the packs dispensed from this leg
        } else {
            delete _shipments[shipmentId];
        }
        emit Received(shipmentId, s.batchId, to, s.sender, s.quantity, leg, excursion);
        if (quarantine) emit ReceiptQuarantined(shipmentId, s.batchId, to, s.quantity, cause);
    }

    /// @dev `to` refuses shipment `s`; the units go back to the sender: saleable only when the leg stayed in range
    /// and the reason says nothing against the goods, else quarantined.
    function _reject(
        address to,
        Shipment calldata s,
        RejectionReason reason,
        bytes32 evidence,
        TemperatureLeg calldata leg
    ) internal {
        bytes32 shipmentId = Ids.shipmentId(s);
        if (_shipments[shipmentId].status != ShipmentStatus.InTransit) revert CustodyShipmentNotInTransit(shipmentId);
        if (!_isKeyOf(to, s.receiver)) revert CustodyNotReceiver(shipmentId, to, s.receiver);
        _requireAuthorized(to);
        delete _shipments[shipmentId];
        _requireConsistent(leg);
        Batch memory b = _batchRecord(s.batchId);
        bool quarantined = Temperature.isExcursion(leg, b.minTemp, b.maxTemp) || reason == RejectionReason.Damaged
            || reason == RejectionReason.NoTemperatureData;
        Holding memory h = _holding(s.batchId, s.sender);
        if (quarantined) {
            h.quarantined += s.quantity;
        } else {
            h.saleable += s.quantity;
        }
        _setHolding(s.batchId, s.sender, h);
        emit Rejected(shipmentId, s.batchId, s.receiver, s.sender, s.quantity, reason, evidence, leg, quarantined);
    }

    /// @dev Every check of a shipment from key `from` to key `receiver`, then takes `quantity` saleable units out of
    /// `from`'s stock and counts the shipment. Returns the shipment's nonce, whether it goes upstream and the two
    /// identities (which the shipment names).
    /// A serialized batch reaches a dispenser only in a pack leg (a non-zero `manifest`).
    function _debit(address from, bytes32 batchId, address receiver, uint48 quantity, bytes32 manifest)
        internal
        returns (uint32 nonce, bool isReturn, address fromIdentity, address toIdentity)
    {
        Partner memory fromRecord = _requireAuthorized(from);
        Partner memory to = _requireAuthorized(receiver);
        // Stock and shipments name identities: the keys' identities from here on.
        from = _identityOfKey(from, fromRecord);
        receiver = _identityOfKey(receiver, to);
        (fromIdentity, toIdentity) = (from, receiver);
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
            if (to.role == Role.Dispenser && b.serialRoot != bytes21(0) && bytes21(manifest) == bytes21(0)) {
                revert CustodyManifestRequired(batchId, receiver);
            }
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
    /// range or `quarantine` says so. Forward deliveries need a batch that is neither on hold nor recalled.
    /// Returns whether the leg was an excursion and `to`'s shipment count of the batch.
    function _credit(
        address to,
        bytes32 batchId,
        uint48 quantity,
        bool isReturn,
        TemperatureLeg calldata leg,
        bool quarantine
    ) internal returns (bool excursion, uint32 shipments) {
        _requireConsistent(leg);
        Batch memory b = _batchRecord(batchId);
        // Recalled product may still come back upstream, never go onward.
        if (!isReturn) {
            _requireNotOnHold(batchId, b.flags);
            if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) revert BatchUnderRecall(batchId, b.recallClass);
        }
        excursion = Temperature.isExcursion(leg, b.minTemp, b.maxTemp);

        Holding memory h = _holding(batchId, to);
        if (excursion || quarantine) {
            h.quarantined += quantity;
        } else {
            h.saleable += quantity;
        }
        _setHolding(batchId, to, h);
        shipments = h.shipments;
    }

    /// @dev The stored record of shipment `shipmentId`.
    function _shipmentRecord(bytes32 shipmentId) internal view returns (ShipmentRecord storage) {
        return _shipments[shipmentId];
    }

    /// @dev Stores a pack leg a dispenser received in one step (a co-signed handover, which was never in transit).
    function _recordReceivedPackLeg(bytes32 legId, bool isReturn, bytes32 manifest, bool quarantined, uint32 shipments)
        internal
    {
        _shipments[legId] = ShipmentRecord({
            status: quarantined ? ShipmentStatus.ReceivedInQuarantine : ShipmentStatus.Received,
            isReturn: isReturn,
            shippedAt: 0, // the packs dispensed from this leg
            manifest: bytes21(manifest),
            receiverShipments: shipments
        });
    }

    /// @dev Forgets settled lot-level leg `shipmentId` (as `_receive` does).
    function _deleteShipmentRecord(bytes32 shipmentId) internal {
        delete _shipments[shipmentId];
    }

    /// @dev The delivery exception raised on shipment `shipmentId`.
    function _exception(bytes32 shipmentId) internal view returns (DeliveryException storage) {
        return _exceptions[shipmentId];
    }

    /// @dev Writes the delivery exception raised on shipment `shipmentId` with one SSTORE.
    function _setException(bytes32 shipmentId, DeliveryException memory e) internal {
        _exceptions[shipmentId] = e;
    }

    function _requireConsistent(TemperatureLeg calldata leg) private pure {
        if (!Temperature.isConsistent(leg)) {
            revert CustodyInvalidTemperatureLeg(leg.minTemp, leg.meanKineticTemp, leg.maxTemp);
        }
    }
}
