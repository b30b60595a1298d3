// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Shipment, SuspectHold} from "./RxTypes.sol";

/// @title Recalls, suspect product and quarantine
/// @notice The restrictive actions (recall, flag suspect, confirm suspect, declare illegitimate) work even while
/// paused. A holder's suspect flag lapses after SUSPECT_LAPSE unless a regulator confirms it, and a holder flags a
/// batch once only: no holder can freeze a lot again and again. A regulator's flag does not lapse.
interface IProductSafety {
    /// @notice `by` recalled batch `batchId` with class `recallClass` (1 = I, 2 = II, 3 = III).
    event BatchRecalled(
        bytes32 indexed batchId,
        address indexed by,
        uint8 recallClass,
        bytes32 reasonHash,
        string reasonURI
    );
    /// @notice `by` recalled batch `batchId` again with the more serious class `recallClass` (it was `previousClass`).
    event RecallEscalated(
        bytes32 indexed batchId,
        address indexed by,
        uint8 previousClass,
        uint8 recallClass,
        bytes32 reasonHash,
        string reasonURI
    );
    /// @notice `by` put batch `batchId` on hold as suspect product, until `lapsesAt` unless a regulator confirms it
    /// (zero: a regulator's flag, which does not lapse).
    event BatchFlaggedSuspect(bytes32 indexed batchId, address indexed by, bytes32 reason, uint40 lapsesAt);
    /// @notice Regulator `regulator` confirmed the suspect hold of batch `batchId`: it no longer lapses.
    event SuspectConfirmed(bytes32 indexed batchId, address indexed regulator, bytes32 reason);
    /// @notice Regulator `regulator` cleared batch `batchId` of suspicion.
    event SuspectCleared(bytes32 indexed batchId, address indexed regulator, bytes32 reason);
    /// @notice Regulator `regulator` declared batch `batchId` illegitimate (final).
    event BatchDeclaredIllegitimate(bytes32 indexed batchId, address indexed regulator, bytes32 reason);
    /// @notice Regulator `regulator` released pack leg `legId` received into quarantine by `holder`: its units are
    /// saleable (with a `QuarantineReleased`) and its packs can be dispensed.
    event LegReleased(bytes32 indexed legId, bytes32 indexed batchId, address indexed holder, address regulator);
    /// @notice Regulator `regulator` released `quantity` quarantined units of `holder` into saleable stock.
    event QuarantineReleased(
        bytes32 indexed batchId,
        address indexed holder,
        address indexed regulator,
        uint48 quantity
    );
    /// @notice Regulator `regulator` condemned `quantity` quarantined units of `holder`; they leave the supply chain.
    event QuarantineCondemned(
        bytes32 indexed batchId,
        address indexed holder,
        address indexed regulator,
        uint48 quantity
    );

    /// @notice A recall class is 1 (I), 2 (II) or 3 (III).
    error SafetyInvalidRecallClass(uint8 recallClass);
    /// @notice Batch `batchId` is recalled already, with class `recallClass`, as serious or more than the one asked:
    /// a recall can be escalated (III to II to I), never lowered.
    error SafetyAlreadyRecalled(bytes32 batchId, uint8 recallClass);
    /// @notice `account` neither holds units of `batchId` nor is a regulator.
    error SafetyNotHolder(bytes32 batchId, address account);
    /// @notice `holder` flagged batch `batchId` suspect once already: a holder's flag cannot be renewed.
    error SafetyAlreadyFlaggedBy(bytes32 batchId, address holder);
    /// @notice Batch `batchId` is on hold already.
    error SafetyAlreadySuspect(bytes32 batchId);
    /// @notice Batch `batchId` is not suspect.
    error SafetyNotSuspect(bytes32 batchId);
    /// @notice Batch `batchId` was declared illegitimate already; that is final.
    error SafetyAlreadyIllegitimate(bytes32 batchId);
    /// @notice `holder` has `available` quarantined units of `batchId`, fewer than `requested`.
    error SafetyInsufficientQuarantined(bytes32 batchId, address holder, uint256 available, uint256 requested);
    /// @notice Leg `legId` is not a pack leg received into quarantine (`ReceivedInQuarantine`): there is no leg to
    /// release (release lot-level units with `releaseQuarantine`).
    error SafetyLegNotQuarantined(bytes32 legId);

    /// @notice Seconds a holder's suspect flag holds the batch unless a regulator confirms it (7 days).
    function SUSPECT_LAPSE() external view returns (uint256);

    /// @notice Recalls batch `batchId`, or escalates its recall to a more serious class. Its manufacturer (in any
    /// standing: a restrictive act always works) or an authorized regulator only.
    /// @param recallClass 1 (class I, most serious), 2 (class II) or 3 (class III)
    /// @param reasonHash hash of the recall notice
    /// @param reasonURI where to fetch the recall notice
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash, string calldata reasonURI) external;

    /// @notice Puts batch `batchId` on hold as suspect. A current holder of its units (once per holder and batch;
    /// the hold lapses after SUSPECT_LAPSE unless a regulator confirms it) or a regulator (no lapse) only.
    function flagSuspect(bytes32 batchId, bytes32 reason) external;

    /// @notice Confirms the live suspect hold of batch `batchId`, so that it no longer lapses. Regulator only.
    function confirmSuspect(bytes32 batchId, bytes32 reason) external;

    /// @notice Clears batch `batchId` of suspicion. Regulator only.
    function clearSuspect(bytes32 batchId, bytes32 reason) external;

    /// @notice Declares batch `batchId` illegitimate, finally. Regulator only.
    function declareIllegitimate(bytes32 batchId, bytes32 reason) external;

    /// @notice Who flagged batch `batchId` suspect and when the hold lapses (zero: it does not).
    function suspectHold(bytes32 batchId) external view returns (SuspectHold memory);

    /// @notice Moves `quantity` of `holder`'s quarantined units of `batchId` back to saleable. Regulator only.
    function releaseQuarantine(bytes32 batchId, address holder, uint48 quantity) external;

    /// @notice Releases pack leg `s`, received into quarantine by `s.receiver`: its `s.quantity` units move from the
    /// receiver's quarantine to saleable stock and the leg record becomes `Received`, so its packs can be dispensed
    /// (`releaseQuarantine` moves units only: the leg's packs stay refused). Regulator only; frozen while paused.
    function releaseLeg(Shipment calldata s) external;

    /// @notice Condemns `quantity` of `holder`'s quarantined units of `batchId`. Regulator only.
    function condemnQuarantine(bytes32 batchId, address holder, uint48 quantity) external;
}
