// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProductSafety} from "../interfaces/IProductSafety.sol";
import {
    Batch,
    FinalAct,
    FinalDecision,
    Holding,
    Partner,
    Role,
    Shipment,
    ShipmentRecord,
    ShipmentStatus,
    SuspectHold
} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {Ids} from "../libraries/Ids.sol";
import {Custody} from "./Custody.sol";

/// @title Recalls, suspect product and quarantine
abstract contract ProductSafety is Custody, IProductSafety {
    /// @inheritdoc IProductSafety
    uint256 public constant SUSPECT_LAPSE = 7 days;
    /// @dev How long another regulator may reverse a lone regulator's final act (`IGovernance.REVERSAL_WINDOW`).
    uint256 internal constant _REVERSAL_WINDOW = 3 days;

    /// @dev Holders that flagged a batch suspect once: a holder's flag cannot be renewed at will.
    mapping(bytes32 batchId => mapping(address holder => bool flagged)) private _flaggedBy;
    /// @dev The reversible final acts that stand on a batch (see `IGovernance`): who took them and when.
    mapping(bytes32 batchId => mapping(FinalAct act => FinalDecision decision)) private _finalDecisions;

    /// @inheritdoc IProductSafety
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash, string calldata reasonURI)
        external
        virtual
    {
        // The manufacturer's recall checks no standing (below), so it checks retirement itself (IMigration).
        _requireNotRetired();
        Batch storage b = _existingBatch(batchId);
        // A restrictive act: the lot's own manufacturer may recall it even suspended or with a lapsed licence.
        // The manufacturer's current key only: a retired key is no partner's (see `IRecovery`).
        address manufacturer = _manufacturerOf(batchId);
        bool byRegulator = !_isKeyOf(msg.sender, manufacturer) || _roleOf(msg.sender) == Role.None;
        address by = byRegulator ? _actor(Role.Regulator) : manufacturer;
        if (recallClass == 0 || recallClass > 3) revert SafetyInvalidRecallClass(recallClass);
        uint8 flags = b.flags;
        uint8 current = b.recallClass;
        if (byRegulator) {
            // A regulator's recall of any class stops the product at once, so it stands open to another regulator's
            // reversal (a lone class III would otherwise be final, and condemnable, at once). An escalation within
            // the window of the recall it escalates keeps that recall's `previous`: a reversal undoes both, so a
            // regulator cannot make its own class III final by escalating it and having the class I reversed.
            FinalDecision storage d = _finalDecisions[batchId][FinalAct.RecallClassI];
            uint8 previous = d.at != 0 && block.timestamp <= _reversibleUntil(batchId, FinalAct.RecallClassI)
                ? d.previous
                : current;
            _finalDecisions[batchId][FinalAct.RecallClassI] = FinalDecision({
                by: by,
                at: uint40(block.timestamp),
                previous: previous
            });
        } else if (BatchFlags.has(flags, BatchFlags.RECALLED)) {
            // The manufacturer's escalation is its own decision, final at once: a regulator's recall it escalates
            // leaves nothing to reverse. (No decision stands on a batch that is not recalled: the first recall pays
            // no lookup.)
            delete _finalDecisions[batchId][FinalAct.RecallClassI];
        }
        if (BatchFlags.has(flags, BatchFlags.RECALLED)) {
            // Class I is the most serious: a recall can only move towards it.
            if (recallClass >= current) revert SafetyAlreadyRecalled(batchId, current);
            b.recallClass = recallClass;
            emit RecallEscalated(batchId, by, current, recallClass, reasonHash, reasonURI);
            return;
        }
        b.flags = flags | BatchFlags.RECALLED;
        b.recallClass = recallClass;
        emit BatchRecalled(batchId, by, recallClass, reasonHash, reasonURI);
    }

    /// @inheritdoc IProductSafety
    function flagSuspect(bytes32 batchId, bytes32 reason) external virtual {
        Batch storage b = _existingBatch(batchId);
        Partner memory p = _requireAuthorized(msg.sender);
        address flagger = _identityOfKey(msg.sender, p);
        uint40 lapsesAt;
        if (p.role != Role.Regulator) {
            Holding memory h = _holding(batchId, flagger);
            if (h.saleable == 0 && h.quarantined == 0) revert SafetyNotHolder(batchId, msg.sender);
            // Keyed by identity: a new key cannot flag again what its partner flagged once.
            if (_flaggedBy[batchId][flagger]) revert SafetyAlreadyFlaggedBy(batchId, msg.sender);
            _flaggedBy[batchId][flagger] = true;
            lapsesAt = uint40(block.timestamp + SUSPECT_LAPSE);
        }
        uint8 flags = b.flags;
        if (BatchFlags.has(flags, BatchFlags.ILLEGITIMATE)) revert SafetyAlreadyIllegitimate(batchId);
        if (_isSuspect(batchId, flags)) revert SafetyAlreadySuspect(batchId);
        b.flags = flags | BatchFlags.SUSPECT;
        SuspectHold storage hold = _suspectHold(batchId);
        hold.by = flagger;
        hold.lapsesAt = lapsesAt;
        emit BatchFlaggedSuspect(batchId, flagger, reason, lapsesAt);
    }

    /// @inheritdoc IProductSafety
    function confirmSuspect(bytes32 batchId, bytes32 reason) external virtual {
        Batch storage b = _existingBatch(batchId);
        _requireRole(msg.sender, Role.Regulator);
        if (!_isSuspect(batchId, b.flags)) revert SafetyNotSuspect(batchId);
        _suspectHold(batchId).lapsesAt = 0;
        emit SuspectConfirmed(batchId, msg.sender, reason);
    }

    /// @inheritdoc IProductSafety
    function clearSuspect(bytes32 batchId, bytes32 reason) external virtual whenNotPaused {
        Batch storage b = _existingBatch(batchId);
        _requireRole(msg.sender, Role.Regulator);
        uint8 flags = b.flags;
        if (!BatchFlags.has(flags, BatchFlags.SUSPECT)) revert SafetyNotSuspect(batchId);
        b.flags = flags & ~BatchFlags.SUSPECT;
        emit SuspectCleared(batchId, msg.sender, reason);
    }

    /// @inheritdoc IProductSafety
    function suspectHold(bytes32 batchId) external view virtual returns (SuspectHold memory) {
        return _suspectHold(batchId);
    }

    /// @inheritdoc IProductSafety
    function declareIllegitimate(bytes32 batchId, bytes32 reason) external virtual {
        Batch storage b = _existingBatch(batchId);
        address regulator = _actor(Role.Regulator);
        uint8 flags = b.flags;
        if (BatchFlags.has(flags, BatchFlags.ILLEGITIMATE)) revert SafetyAlreadyIllegitimate(batchId);
        b.flags = (flags | BatchFlags.ILLEGITIMATE) & ~BatchFlags.SUSPECT;
        // Open to another regulator's reversal, which puts the suspect hold back if there was one.
        _finalDecisions[batchId][FinalAct.Illegitimate] = FinalDecision({
            by: regulator,
            at: uint40(block.timestamp),
            previous: flags & BatchFlags.SUSPECT
        });
        emit BatchDeclaredIllegitimate(batchId, regulator, reason);
    }

    /// @inheritdoc IProductSafety
    function releaseQuarantine(bytes32 batchId, address holder, uint48 quantity) external virtual whenNotPaused {
        Holding memory h = _takeQuarantined(batchId, holder, quantity);
        h.saleable += quantity;
        _setHolding(batchId, holder, h);
        emit QuarantineReleased(batchId, holder, msg.sender, quantity);
    }

    /// @inheritdoc IProductSafety
    function releaseLeg(Shipment calldata s) external virtual whenNotPaused {
        bytes32 legId = Ids.shipmentId(s);
        ShipmentRecord storage record = _shipmentRecord(legId);
        if (record.status != ShipmentStatus.ReceivedInQuarantine) revert SafetyLegNotQuarantined(legId);
        Holding memory h = _takeQuarantined(s.batchId, s.receiver, s.quantity);
        h.saleable += s.quantity;
        _setHolding(s.batchId, s.receiver, h);
        record.status = ShipmentStatus.Received;
        emit QuarantineReleased(s.batchId, s.receiver, msg.sender, s.quantity);
        emit LegReleased(legId, s.batchId, s.receiver, msg.sender);
    }

    /// @inheritdoc IProductSafety
    function condemnQuarantine(bytes32 batchId, address holder, uint48 quantity) external virtual {
        // A restrictive act: it works while the suite is paused, like suspending, recalling and flagging.
        Holding memory h = _takeQuarantined(batchId, holder, quantity);
        h.condemned += quantity;
        _setHolding(batchId, holder, h);
        emit QuarantineCondemned(batchId, holder, msg.sender, quantity);
    }

    /// @dev The reversible final act `act` that stands on `batchId` (all zero when none does).
    function _finalDecision(bytes32 batchId, FinalAct act) internal view returns (FinalDecision storage) {
        return _finalDecisions[batchId][act];
    }

    /// @dev The last second at which act `act` on `batchId` may be reversed (zero when no such act stands): the
    /// window's end, moved past a pause that began within it, as deadlines are (`IEmergencyPause`). A pause that
    /// begins after the window closed does not reopen it: the act was final (and its stock may be condemned).
    function _reversibleUntil(bytes32 batchId, FinalAct act) internal view returns (uint256) {
        uint40 at = _finalDecisions[batchId][act].at;
        if (at == 0) return 0;
        uint256 end = uint256(at) + _REVERSAL_WINDOW;
        return _pauseWindowStart() <= end ? _pauseExtended(end) : end;
    }

    /// @dev Forgets the reversible final act `act` on `batchId` (it was reversed).
    function _clearFinalDecision(bytes32 batchId, FinalAct act) internal {
        delete _finalDecisions[batchId][act];
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

    /// @dev Whether holder `holder` flagged batch `batchId` suspect once (its one flag is used).
    function _hasFlagged(bytes32 batchId, address holder) internal view returns (bool) {
        return _flaggedBy[batchId][holder];
    }

    /// @dev Records that holder `holder` used its one suspect flag on batch `batchId` (adopted from the predecessor).
    function _setFlagged(bytes32 batchId, address holder) internal {
        _flaggedBy[batchId][holder] = true;
    }
}
