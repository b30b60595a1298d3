// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProductSafety} from "../interfaces/IProductSafety.sol";
import {Batch, Holding, Partner, Role} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {Custody} from "./Custody.sol";

/// @title Recalls, suspect product and quarantine
abstract contract ProductSafety is Custody, IProductSafety {
    /// @inheritdoc IProductSafety
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash, string calldata reasonURI) external {
        Batch storage b = _existingBatch(batchId);
        if (msg.sender == _manufacturerOf(batchId)) {
            _requireAuthorized(msg.sender);
        } else {
            _requireRole(msg.sender, Role.Regulator);
        }
        if (recallClass == 0 || recallClass > 3) revert SafetyInvalidRecallClass(recallClass);
        uint8 flags = b.flags;
        if (BatchFlags.has(flags, BatchFlags.RECALLED)) revert SafetyAlreadyRecalled(batchId, b.recallClass);
        b.flags = flags | BatchFlags.RECALLED;
        b.recallClass = recallClass;
        emit BatchRecalled(batchId, msg.sender, recallClass, reasonHash, reasonURI);
    }

    /// @inheritdoc IProductSafety
    function flagSuspect(bytes32 batchId, bytes32 reason) external {
        Batch storage b = _existingBatch(batchId);
        Partner memory p = _requireAuthorized(msg.sender);
        if (p.role != Role.Regulator) {
            Holding memory h = _holding(batchId, msg.sender);
            if (h.saleable == 0 && h.quarantined == 0) revert SafetyNotHolder(batchId, msg.sender);
        }
        uint8 flags = b.flags;
        if (BatchFlags.has(flags, BatchFlags.ILLEGITIMATE)) revert SafetyAlreadyIllegitimate(batchId);
        if (BatchFlags.has(flags, BatchFlags.SUSPECT)) revert SafetyAlreadySuspect(batchId);
        b.flags = flags | BatchFlags.SUSPECT;
        emit BatchFlaggedSuspect(batchId, msg.sender, reason);
    }

    /// @inheritdoc IProductSafety
    function clearSuspect(bytes32 batchId, bytes32 reason) external whenNotPaused {
        Batch storage b = _existingBatch(batchId);
        _requireRole(msg.sender, Role.Regulator);
        uint8 flags = b.flags;
        if (!BatchFlags.has(flags, BatchFlags.SUSPECT)) revert SafetyNotSuspect(batchId);
        b.flags = flags & ~BatchFlags.SUSPECT;
        emit SuspectCleared(batchId, msg.sender, reason);
    }

    /// @inheritdoc IProductSafety
    function declareIllegitimate(bytes32 batchId, bytes32 reason) external {
        Batch storage b = _existingBatch(batchId);
        _requireRole(msg.sender, Role.Regulator);
        uint8 flags = b.flags;
        if (BatchFlags.has(flags, BatchFlags.ILLEGITIMATE)) revert SafetyAlreadyIllegitimate(batchId);
        b.flags = (flags | BatchFlags.ILLEGITIMATE) & ~BatchFlags.SUSPECT;
        emit BatchDeclaredIllegitimate(batchId, msg.sender, reason);
    }

    /// @inheritdoc IProductSafety
    function releaseQuarantine(bytes32 batchId, address holder, uint48 quantity) external whenNotPaused {
        Holding memory h = _takeQuarantined(batchId, holder, quantity);
        h.saleable += quantity;
        _setHolding(batchId, holder, h);
        emit QuarantineReleased(batchId, holder, msg.sender, quantity);
    }

    /// @inheritdoc IProductSafety
    function condemnQuarantine(bytes32 batchId, address holder, uint48 quantity) external whenNotPaused {
        Holding memory h = _takeQuarantined(batchId, holder, quantity);
        h.condemned += quantity;
        _setHolding(batchId, holder, h);
        emit QuarantineCondemned(batchId, holder, msg.sender, quantity);
    }

    /// @dev Checks the caller is a regulator, then takes `quantity` out of `holder`'s quarantine (in memory:
    /// the caller writes the holding back).
    function _takeQuarantined(bytes32 batchId, address holder, uint48 quantity)
        private
        view
        returns (Holding memory h)
    {
        _existingBatch(batchId);
        _requireRole(msg.sender, Role.Regulator);
        if (quantity == 0) revert BatchInvalidQuantity(quantity);
        h = _holding(batchId, holder);
        uint48 available = h.quarantined;
        if (available < quantity) revert SafetyInsufficientQuarantined(batchId, holder, available, quantity);
        // Checked just above.
        unchecked {
            h.quarantined = available - quantity;
        }
    }
}
