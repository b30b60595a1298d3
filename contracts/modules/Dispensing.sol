// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDispensing} from "../interfaces/IDispensing.sol";
import {Batch, Role} from "../interfaces/RxTypes.sol";
import {HoldingPacking} from "../libraries/HoldingPacking.sol";
import {Ids} from "../libraries/Ids.sol";
import {ProductSafety} from "./ProductSafety.sol";

/// @title Dispensing serialized packs
/// @dev Serials are committed as a Merkle root (one slot for a million packs); a dispensed pack costs one
/// new slot keyed by (batch, serial), so a second dispense of a cloned serial is refused in O(1).
abstract contract Dispensing is ProductSafety, IDispensing {
    mapping(bytes32 packKey => bool dispensed) private _dispensed;

    /// @inheritdoc IDispensing
    function dispense(bytes32 batchId, bytes32 serial, bytes32[] calldata proof) external whenNotPaused {
        _requireRole(msg.sender, Role.Dispenser);
        Batch memory b = _existingBatch(batchId);
        _requireForwardable(batchId, b);
        if (b.serialRoot == bytes21(0)) revert DispenseBatchNotSerialized(batchId);
        if (!Ids.provesSerial(proof, b.serialRoot, serial)) revert DispenseSerialNotInBatch(batchId, serial);
        bytes32 key = Ids.packKey(batchId, serial);
        if (_dispensed[key]) revert DispensePackAlreadyDispensed(batchId, serial);

        uint256 stock = _packedHolding(batchId, msg.sender);
        if (HoldingPacking.saleable(stock) == 0) revert CustodyInsufficientSaleable(batchId, msg.sender, 0, 1);
        _setPackedHolding(batchId, msg.sender, HoldingPacking.dispenseOne(stock));
        _dispensed[key] = true;
        emit PackDispensed(batchId, serial, msg.sender);
    }

    /// @inheritdoc IDispensing
    function isDispensed(bytes32 batchId, bytes32 serial) external view returns (bool) {
        return _isDispensed(batchId, serial);
    }

    function _isDispensed(bytes32 batchId, bytes32 serial) internal view returns (bool) {
        return _dispensed[Ids.packKey(batchId, serial)];
    }
}
