// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDispensing} from "../interfaces/IDispensing.sol";
import {Batch, PackClaim, Role, Shipment, ShipmentRecord, ShipmentStatus} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {HoldingPacking} from "../libraries/HoldingPacking.sol";
import {Ids} from "../libraries/Ids.sol";
import {ProductSafety} from "./ProductSafety.sol";

/// @title Dispensing serialized packs
/// @dev Serials are committed as a Merkle root (one slot for a million packs); a dispensed pack costs one
/// new slot keyed by (batch, serial), so a second dispense of a cloned serial is refused in O(1). Custody of the
/// pack is shown, not stored per pack: the claim names the received pack leg (one slot, written at receipt in the
/// slot the shipment had anyway) and proves the pack in its manifest; the dispenser's shipment count, unchanged
/// since that receipt, rules out a later outgoing leg. Shipping or receiving a leg costs the same whatever it holds.
abstract contract Dispensing is ProductSafety, IDispensing {
    /// @dev The pack leg each dispensed pack was dispensed on (zero: not dispensed). A manifest is its sender's word,
    /// so a sender can list packs it no longer holds; the leg id makes every dispense attributable to the leg, and so
    /// to the sender that listed the pack.
    mapping(bytes32 packKey => bytes32 legId) private _dispensedVia;

    /// @inheritdoc IDispensing
    function dispense(bytes32 batchId, bytes32 serial, bytes32[] calldata proof, PackClaim calldata claim)
        external
        virtual
        whenNotPaused
    {
        // The pharmacy's identity, which keeps its stock and received its legs (see `IRecovery`).
        address dispenser = _actor(Role.Dispenser);
        Batch memory b = _existingBatch(batchId);
        _requireForwardable(batchId, b);
        if (b.serialRoot == bytes21(0)) revert DispenseBatchNotSerialized(batchId);
        if (!Ids.provesSerial(proof, b.serialRoot, serial)) revert DispenseSerialNotInBatch(batchId, serial);
        bytes32 key = Ids.packKey(batchId, serial);
        if (_dispensedVia[key] != bytes32(0) || _dispensedBefore(batchId, serial, b.flags)) {
            revert DispensePackAlreadyDispensed(batchId, serial);
        }

        uint256 stock = _packedHolding(batchId, dispenser);
        if (HoldingPacking.saleable(stock) == 0) revert CustodyInsufficientSaleable(batchId, dispenser, 0, 1);
        bytes32 legId = Ids.shipmentId(Shipment(batchId, claim.sender, dispenser, claim.quantity, claim.nonce));
        ShipmentRecord storage record = _shipmentRecord(legId);
        ShipmentRecord memory leg = record;
        if (leg.status != ShipmentStatus.Received) {
            if (leg.status == ShipmentStatus.ReceivedInQuarantine) {
                revert DispenseLegQuarantined(batchId, serial, legId);
            }
            revert DispenseLegNotReceived(batchId, serial, legId);
        }
        if (bytes21(Ids.rootOf(claim.manifestProof, Ids.manifestPackLeaf(serial))) != leg.manifest) {
            revert DispensePackNotInLeg(batchId, serial, legId);
        }
        uint256 shipments = HoldingPacking.shipments(stock);
        if (shipments != leg.receiverShipments) {
            revert DispenseLegShippedOn(batchId, serial, legId, leg.receiverShipments, shipments);
        }
        // A received pack leg counts its dispenses in `shippedAt` (see ShipmentRecord): never more than it carried.
        uint40 served = leg.shippedAt;
        if (served >= claim.quantity) revert DispenseLegExhausted(batchId, serial, legId, claim.quantity);
        record.shippedAt = served + 1;
        _setPackedHolding(batchId, dispenser, HoldingPacking.dispenseOne(stock));
        _dispensedVia[key] = legId;
        emit PackDispensed(batchId, serial, dispenser);
    }

    /// @inheritdoc IDispensing
    function isDispensed(bytes32 batchId, bytes32 serial) external view returns (bool) {
        return _isDispensed(batchId, serial, _batchRecord(batchId).flags);
    }

    /// @inheritdoc IDispensing
    function dispensedVia(bytes32 batchId, bytes32 serial) external view returns (bytes32) {
        return _dispensedVia[Ids.packKey(batchId, serial)];
    }

    /// @dev Whether pack `serial` of batch `batchId` (whose flags are `flags`) was dispensed here or, for a batch
    /// adopted from the predecessor, there (and so on down the lineage).
    function _isDispensed(bytes32 batchId, bytes32 serial, uint8 flags) internal view returns (bool) {
        return _dispensedVia[Ids.packKey(batchId, serial)] != bytes32(0) || _dispensedBefore(batchId, serial, flags);
    }

    /// @dev For a batch adopted from the predecessor (`IMigration`), whether the predecessor says pack `serial` was
    /// dispensed: the dispensed set is too big to copy, so it is read where it is. A batch born here pays only the
    /// bit test.
    function _dispensedBefore(bytes32 batchId, bytes32 serial, uint8 flags) private view returns (bool) {
        return BatchFlags.has(flags, BatchFlags.ADOPTED) && IDispensing(_predecessorOf()).isDispensed(batchId, serial);
    }
}
