// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchRegistry} from "../interfaces/IBatchRegistry.sol";
import {IGovernance} from "../interfaces/IGovernance.sol";
import {Batch, FinalAct, FinalDecision, Holding, Role} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {SignedHandovers} from "./SignedHandovers.sol";

/// @title Governance acts: reversing a lone regulator's final act, condemning stock, moving company prefixes,
/// correcting a batch
/// @notice Inherited by `RxTraceExtension` only (the core reaches it through its `fallback`); it declares no storage
/// (what it keeps is declared in the modules both inherit), so the core's and the extension's layouts stay the same.
abstract contract Governance is SignedHandovers, IGovernance {
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
        address from = _transferCompanyPrefix(prefix, to);
        emit CompanyPrefixTransferred(prefix, from, to);
    }

    /// @inheritdoc IGovernance
    function revokeCompanyPrefix(string calldata prefix) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // A restrictive act: it works while the suite is paused, like suspending a partner.
        address from = _revokeCompanyPrefix(prefix);
        emit CompanyPrefixRevoked(prefix, from);
    }

    /// @inheritdoc IGovernance
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

    /// @inheritdoc IGovernance
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

    /// @inheritdoc IGovernance
    function approveCorrection(bytes32 batchId, uint40 expiry, bytes32 certificateHash, string calldata certificateURI)
        external
        whenNotPaused
    {
        Batch storage b = _existingBatch(batchId);
        _requireRole(msg.sender, Role.Regulator);
        bytes32 proposal = _correctionProposal(batchId);
        if (proposal == 0 || proposal != keccak256(abi.encode(expiry, certificateHash, certificateURI))) {
            revert CorrectionNotProposed(batchId);
        }
        _setCorrectionProposal(batchId, 0);
        uint40 previous = b.expiry;
        b.expiry = expiry;
        b.flags |= BatchFlags.CORRECTED;
        emit BatchCorrected(batchId, msg.sender, previous, expiry, certificateHash, certificateURI);
    }

    /// @inheritdoc IGovernance
    function correctionProposal(bytes32 batchId) external view returns (bytes32) {
        return _correctionProposal(batchId);
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
