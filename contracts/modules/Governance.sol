// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernance} from "../interfaces/IGovernance.sol";
import {Batch, FinalAct, FinalDecision, Holding, Role} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {RxExtensionBase} from "./RxExtensionBase.sol";

/// @title Governance acts: reversing a lone regulator's final act, condemning stock, moving company prefixes
/// @notice Inherited by `RxTraceExtension` only (the core reaches it through its `fallback`); it declares no storage
/// (what it keeps is declared in the modules every contract of the suite inherits), so the layouts stay the same.
/// Corrections of a batch are in `Corrections`, served by the second extension.
abstract contract Governance is RxExtensionBase, IGovernance {
    /// @inheritdoc IGovernance
    uint256 public constant REVERSAL_WINDOW = _REVERSAL_WINDOW;

    /// @inheritdoc IGovernance
    // solhint-disable-next-line func-name-mixedcase
    function OPERATOR_ROLE() external pure returns (bytes32) {
        return _OPERATOR_ROLE;
    }

    /// @inheritdoc IGovernance
    function reverseIllegitimate(bytes32 batchId, bytes32 reason) external whenNotPaused {
        Batch storage b = _existingBatch(batchId);
        FinalDecision memory d = _takeReversible(batchId, FinalAct.Illegitimate);
        // `previous` is the SUSPECT bit the declaration cleared: the batch goes back on hold as it was.
        b.flags = (b.flags & ~BatchFlags.ILLEGITIMATE) | d.previous;
        emit IllegitimacyReversed(batchId, msg.sender, d.by, reason);
    }

    /// @inheritdoc IGovernance
    function reverseRecall(bytes32 batchId, bytes32 reason) external whenNotPaused {
        Batch storage b = _existingBatch(batchId);
        FinalDecision memory d = _takeReversible(batchId, FinalAct.RecallClassI);
        b.recallClass = d.previous;
        if (d.previous == 0) b.flags &= ~BatchFlags.RECALLED;
        emit RecallReversed(batchId, msg.sender, d.by, d.previous, reason);
    }

    /// @inheritdoc IGovernance
    function condemnStock(bytes32 batchId, address holder, uint48 quantity) external whenNotPaused {
        uint8 flags = _existingBatch(batchId).flags;
        _requireRole(msg.sender, Role.Regulator);
        bool illegitimate = BatchFlags.has(flags, BatchFlags.ILLEGITIMATE);
        bool recalled = BatchFlags.has(flags, BatchFlags.RECALLED);
        if (!illegitimate && !recalled) revert SafetyNotCondemnable(batchId);
        // Condemnable once either act that stands is final: the earlier of their windows' ends.
        uint256 until = type(uint256).max;
        if (illegitimate) until = _reversibleUntil(batchId, FinalAct.Illegitimate);
        if (recalled) {
            uint256 recallUntil = _reversibleUntil(batchId, FinalAct.RecallClassI);
            if (recallUntil < until) until = recallUntil;
        }
        if (block.timestamp <= until) revert SafetyDecisionNotFinal(batchId, until);
        if (quantity == 0) revert BatchInvalidQuantity(quantity);
        Holding memory h = _holding(batchId, holder);
        uint48 available = h.saleable;
        if (available < quantity) revert CustodyInsufficientSaleable(batchId, holder, available, quantity);
        // Checked just above.
        unchecked {
            h.saleable = available - quantity;
        }
        h.condemned += quantity;
        _setHolding(batchId, holder, h);
        emit StockCondemned(batchId, holder, msg.sender, quantity);
    }

    /// @inheritdoc IGovernance
    function transferCompanyPrefix(string calldata prefix, address to)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        whenNotPaused
    {
        (address from, address owner) = _transferCompanyPrefix(prefix, to);
        emit CompanyPrefixTransferred(prefix, from, owner);
    }

    /// @inheritdoc IGovernance
    function revokeCompanyPrefix(string calldata prefix) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // A restrictive act: it works while the suite is paused, like suspending a partner.
        address from = _revokeCompanyPrefix(prefix);
        emit CompanyPrefixRevoked(prefix, from);
    }

    /// @inheritdoc IGovernance
    function finalDecision(bytes32 batchId, FinalAct act) external view returns (FinalDecision memory) {
        return _finalDecision(batchId, act);
    }

    /// @inheritdoc IGovernance
    function reversibleUntil(bytes32 batchId, FinalAct act) external view returns (uint256) {
        return _reversibleUntil(batchId, act);
    }

    /// @dev Checks the caller is an authorized regulator other than the one that took act `act` on `batchId`, within
    /// the act's window; forgets the act and returns it.
    function _takeReversible(bytes32 batchId, FinalAct act) private returns (FinalDecision memory d) {
        address regulator = _actor(Role.Regulator);
        d = _finalDecision(batchId, act);
        if (d.at == 0) revert ReversalNothingToReverse(batchId, act);
        // Decisions name identities: a regulator's new key cannot reverse what its old one did.
        if (d.by == regulator) revert ReversalBySameRegulator(batchId, act, msg.sender);
        uint256 until = _reversibleUntil(batchId, act);
        if (block.timestamp > until) revert ReversalWindowClosed(batchId, act, until);
        _clearFinalDecision(batchId, act);
    }
}
