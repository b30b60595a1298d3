// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchRegistry} from "../interfaces/IBatchRegistry.sol";
import {ICorrections} from "../interfaces/ICorrections.sol";
import {Batch, Holding, Role} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {RxLaterExtensionBase} from "./RxLaterExtensionBase.sol";

/// @title Corrections: superseding a batch before it moved, a regulator-approved correction after
/// @notice Inherited by `RxTraceExtension2` only (the core reaches it through its `fallback` and the first
/// extension's); it declares no storage (the correction proposals are declared in `BatchRegistry`, which every
/// contract of the suite inherits), so the layouts stay the same.
abstract contract Corrections is RxLaterExtensionBase, ICorrections {
    /// @inheritdoc ICorrections
    function supersedeBatch(IBatchRegistry.Commission calldata c) external whenNotPaused {
        (bytes32 batchId, address manufacturer) = _checkCommission(c);
        Batch storage b = _existingBatch(batchId);
        if (_manufacturerOf(batchId) != manufacturer) revert CorrectionNotManufacturer(batchId, msg.sender);
        Holding memory h = _holding(batchId, manufacturer);
        // Units leave the manufacturer only by shipping, so with no shipment all of them are still here.
        if (b.flags != 0 || h.shipments != 0 || h.quarantined != 0 || h.condemned != 0 || h.dispensed != 0) {
            revert SupersedeAfterMovement(batchId, b.flags);
        }
        uint8 changed;
        if (b.serialRoot != bytes21(c.serialRoot)) changed |= 1;
        if (b.expiry != c.expiry) changed |= 2;
        if (b.minTemp != c.minTemp || b.maxTemp != c.maxTemp) changed |= 4;
        if (h.saleable != c.quantity) changed |= 8;
        b.serialRoot = bytes21(c.serialRoot);
        b.expiry = c.expiry;
        b.minTemp = c.minTemp;
        b.maxTemp = c.maxTemp;
        h.saleable = c.quantity;
        _setHolding(batchId, manufacturer, h);
        // A correction proposed earlier no longer fits the batch.
        _setCorrectionProposal(batchId, 0);
        emit BatchSuperseded(batchId, manufacturer, changed, c);
    }

    /// @inheritdoc ICorrections
    function proposeCorrection(bytes32 batchId, uint40 expiry, bytes32 certificateHash, string calldata certificateURI)
        external
        whenNotPaused
    {
        _existingBatch(batchId);
        address manufacturer = _actor(Role.Manufacturer);
        if (_manufacturerOf(batchId) != manufacturer) revert CorrectionNotManufacturer(batchId, msg.sender);
        if (expiry == 0) revert CorrectionInvalidExpiry(expiry);
        if (certificateHash == bytes32(0) || bytes(certificateURI).length == 0) {
            revert BatchMissingCertificate(certificateHash, certificateURI);
        }
        _setCorrectionProposal(batchId, keccak256(abi.encode(expiry, certificateHash, certificateURI)));
        emit BatchCorrectionProposed(batchId, manufacturer, expiry, certificateHash, certificateURI);
    }

    /// @inheritdoc ICorrections
    function approveCorrection(bytes32 batchId, uint40 expiry, bytes32 certificateHash, string calldata certificateURI)
        external
        whenNotPaused
    {
        Batch storage b = _existingBatch(batchId);
        address regulator = _actor(Role.Regulator);
        bytes32 proposal = _correctionProposal(batchId);
        if (proposal == 0 || proposal != keccak256(abi.encode(expiry, certificateHash, certificateURI))) {
            revert CorrectionNotProposed(batchId);
        }
        _setCorrectionProposal(batchId, 0);
        uint40 previous = b.expiry;
        b.expiry = expiry;
        b.flags |= BatchFlags.CORRECTED;
        emit BatchCorrected(batchId, regulator, previous, expiry, certificateHash, certificateURI);
    }

    /// @inheritdoc ICorrections
    function correctionProposal(bytes32 batchId) external view returns (bytes32) {
        return _correctionProposal(batchId);
    }
}
