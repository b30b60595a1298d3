// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Recalls, suspect product and quarantine
/// @notice The restrictive actions (recall, flag suspect, declare illegitimate) work even while paused.
interface IProductSafety {
    /// @notice `by` recalled batch `batchId` with class `recallClass` (1 = I, 2 = II, 3 = III).
    event BatchRecalled(
        bytes32 indexed batchId,
        address indexed by,
        uint8 recallClass,
        bytes32 reasonHash,
        string reasonURI
    );
    /// @notice `by` put batch `batchId` on hold as suspect product.
    event BatchFlaggedSuspect(bytes32 indexed batchId, address indexed by, bytes32 reason);
    /// @notice Regulator `regulator` cleared batch `batchId` of suspicion.
    event SuspectCleared(bytes32 indexed batchId, address indexed regulator, bytes32 reason);
    /// @notice Regulator `regulator` declared batch `batchId` illegitimate (final).
    event BatchDeclaredIllegitimate(bytes32 indexed batchId, address indexed regulator, bytes32 reason);
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
    /// @notice Batch `batchId` is recalled already, with class `recallClass`.
    error SafetyAlreadyRecalled(bytes32 batchId, uint8 recallClass);
    /// @notice `account` neither holds units of `batchId` nor is a regulator.
    error SafetyNotHolder(bytes32 batchId, address account);
    /// @notice Batch `batchId` is on hold already.
    error SafetyAlreadySuspect(bytes32 batchId);
    /// @notice Batch `batchId` is not suspect.
    error SafetyNotSuspect(bytes32 batchId);
    /// @notice Batch `batchId` was declared illegitimate already; that is final.
    error SafetyAlreadyIllegitimate(bytes32 batchId);
    /// @notice `holder` has `available` quarantined units of `batchId`, fewer than `requested`.
    error SafetyInsufficientQuarantined(bytes32 batchId, address holder, uint256 available, uint256 requested);

    /// @notice Recalls batch `batchId`. Its manufacturer or a regulator only.
    /// @param recallClass 1 (class I, most serious), 2 (class II) or 3 (class III)
    /// @param reasonHash hash of the recall notice
    /// @param reasonURI where to fetch the recall notice
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash, string calldata reasonURI) external;

    /// @notice Puts batch `batchId` on hold as suspect. A current holder of its units or a regulator only.
    function flagSuspect(bytes32 batchId, bytes32 reason) external;

    /// @notice Clears batch `batchId` of suspicion. Regulator only.
    function clearSuspect(bytes32 batchId, bytes32 reason) external;

    /// @notice Declares batch `batchId` illegitimate, finally. Regulator only.
    function declareIllegitimate(bytes32 batchId, bytes32 reason) external;

    /// @notice Moves `quantity` of `holder`'s quarantined units of `batchId` back to saleable. Regulator only.
    function releaseQuarantine(bytes32 batchId, address holder, uint48 quantity) external;

    /// @notice Condemns `quantity` of `holder`'s quarantined units of `batchId`. Regulator only.
    function condemnQuarantine(bytes32 batchId, address holder, uint48 quantity) external;
}
