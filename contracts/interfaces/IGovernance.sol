// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchRegistry} from "./IBatchRegistry.sol";
import {FinalAct, FinalDecision} from "./RxTypes.sol";

/// @title Governance: the operator, reversible final acts, condemning stock, moving company prefixes
/// @notice Served by `RxTraceExtension` only and reached at the core's address through its `fallback` (see
/// `RxTrace`), so these functions are not in the core's ABI: tools call them at the core's address with this
/// interface's ABI. Who may do what, with which delay, is in docs/governance.md.
///
/// The admin (`DEFAULT_ADMIN_ROLE`, a `TimelockController` on public networks) onboards manufacturers and
/// regulators, assigns, transfers and revokes company prefixes and grants roles: every partner sees each of those
/// coming for the timelock's delay and can object. The operator (`OPERATOR_ROLE`, a hot key) onboards, renews and
/// reinstates distributors and dispensers and suspends any partner, at once.
///
/// A regulator alone may declare a batch illegitimate or recall it (any class): those acts take effect at once (the
/// product stops), and for `REVERSAL_WINDOW` afterwards (plus `PAUSE_GRACE` when a pause fell in it) ANOTHER
/// regulator may reverse them. After that they are final, and a regulator may condemn the batch's saleable stock.
/// @title The events and errors of the governance acts
/// @notice Apart from `IGovernance`'s functions so that the core (`RxTrace`) can list them in its ABI at no cost in
/// code: tools decode the governance events and errors, which the core's `fallback` passes on, with the core's ABI.
interface IGovernanceEvents {
    /// @notice Regulator `regulator` reversed `declaredBy`'s declaration that batch `batchId` is illegitimate; the
    /// batch is back on hold as suspect when it was before the declaration, else free.
    event IllegitimacyReversed(bytes32 indexed batchId, address indexed regulator, address declaredBy, bytes32 reason);
    /// @notice Regulator `regulator` reversed `recalledBy`'s recall (any class) of batch `batchId`; the batch's recall
    /// class is `restoredClass` again (0: not recalled).
    event RecallReversed(
        bytes32 indexed batchId,
        address indexed regulator,
        address recalledBy,
        uint8 restoredClass,
        bytes32 reason
    );
    /// @notice Regulator `regulator` condemned `quantity` saleable units of recalled or illegitimate batch `batchId`
    /// held by `holder`.
    event StockCondemned(bytes32 indexed batchId, address indexed holder, address indexed regulator, uint48 quantity);
    /// @notice The admin moved company prefix `prefix` from `from` to `to`; lots `from` commissioned stay its own.
    event CompanyPrefixTransferred(string prefix, address indexed from, address indexed to);
    /// @notice The admin took company prefix `prefix` from `from`; lots `from` commissioned stay its own.
    event CompanyPrefixRevoked(string prefix, address indexed from);

    /// @notice No reversible act `act` stands on batch `batchId` (never taken, reversed already, or taken by the
    /// lot's own manufacturer, whose recall is its own decision).
    error ReversalNothingToReverse(bytes32 batchId, FinalAct act);
    /// @notice Regulator `regulator` took act `act` on batch `batchId` itself: another regulator must reverse it.
    error ReversalBySameRegulator(bytes32 batchId, FinalAct act, address regulator);
    /// @notice The reversal window of act `act` on batch `batchId` closed at `closedAt`: the act is final.
    error ReversalWindowClosed(bytes32 batchId, FinalAct act, uint256 closedAt);
    /// @notice Batch `batchId` is neither recalled nor illegitimate: its saleable stock cannot be condemned.
    error SafetyNotCondemnable(bytes32 batchId);
    /// @notice The act that makes batch `batchId` condemnable may still be reversed until `reversibleUntil`
    /// (inclusive).
    error SafetyDecisionNotFinal(bytes32 batchId, uint256 reversibleUntil);
    /// @notice Manufacturer `manufacturer` superseded batch `batchId` while every unit was still its own: nothing
    /// had been shipped, quarantined, condemned or dispensed, and no flag stood. `commission` is the batch from now on
    /// (same GTIN and lot). `changed` has a bit set for each field kept on chain that differs: 1 serial root, 2
    /// expiry, 4 storage range, 8 quantity; the certificate, which only events carry, is compared with the batch's
    /// `BatchCommissioned` (or last `BatchSuperseded`) event off chain.
    event BatchSuperseded(
        bytes32 indexed batchId,
        address indexed manufacturer,
        uint8 changed,
        IBatchRegistry.Commission commission
    );
    /// @notice The manufacturer of shipped batch `batchId` asks a regulator to correct its expiry and certificate
    /// to these values (a later proposal replaces an earlier one).
    event BatchCorrectionProposed(
        bytes32 indexed batchId,
        address indexed manufacturer,
        uint40 expiry,
        bytes32 certificateHash,
        string certificateURI
    );
    /// @notice Regulator `regulator` approved the correction of batch `batchId` its manufacturer proposed: the
    /// expiry moved from `previousExpiry` to `expiry` and the certificate is `certificateHash` at `certificateURI`.
    /// The batch is marked corrected for good (`BatchFlags.CORRECTED`), and every verdict says so.
    event BatchCorrected(
        bytes32 indexed batchId,
        address indexed regulator,
        uint40 previousExpiry,
        uint40 expiry,
        bytes32 certificateHash,
        string certificateURI
    );

    /// @notice `caller` is not the manufacturer that commissioned batch `batchId`.
    error CorrectionNotManufacturer(bytes32 batchId, address caller);
    /// @notice Units of batch `batchId` have left its manufacturer (or were quarantined, condemned or dispensed),
    /// or a flag stands on it (`flags`): only a regulator-approved correction of the expiry and certificate remains.
    error SupersedeAfterMovement(bytes32 batchId, uint8 flags);
    /// @notice No correction of batch `batchId` with these values was proposed by its manufacturer.
    error CorrectionNotProposed(bytes32 batchId);
    /// @notice The corrected expiry `expiry` is zero (no batch has none).
    error CorrectionInvalidExpiry(uint40 expiry);
}

interface IGovernance is IGovernanceEvents {
    /// @notice The role of the hot key for routine acts: onboarding, renewing and reinstating distributors and
    /// dispensers, suspending any partner.
    // solhint-disable-next-line func-name-mixedcase
    function OPERATOR_ROLE() external view returns (bytes32);

    /// @notice How long after a regulator's lone final act another regulator may reverse it (3 days).
    // solhint-disable-next-line func-name-mixedcase
    function REVERSAL_WINDOW() external view returns (uint256);

    /// @notice Reverses another regulator's declaration that batch `batchId` is illegitimate, within the reversal
    /// window. Authorized regulators only; frozen while paused.
    function reverseIllegitimate(bytes32 batchId, bytes32 reason) external;

    /// @notice Reverses another regulator's recall (any class) of batch `batchId`, within the reversal window, back to
    /// the recall class it had before (none, II or III; an escalation within the window of the recall it escalated
    /// undoes both). Authorized regulators only; frozen while paused.
    function reverseRecall(bytes32 batchId, bytes32 reason) external;

    /// @notice Condemns `quantity` saleable units of batch `batchId` held by `holder`, once the batch is recalled or
    /// illegitimate for good (its reversal window closed). Quarantined units go through `condemnQuarantine`.
    /// Authorized regulators only; frozen while paused (it cannot be undone).
    function condemnStock(bytes32 batchId, address holder, uint48 quantity) external;

    /// @notice Moves company prefix `prefix` to partner `to` (a merger). Lots commissioned under it keep their
    /// manufacturer and stay verifiable; new GTINs under it are `to`'s. Admin only; frozen while paused.
    function transferCompanyPrefix(string calldata prefix, address to) external;

    /// @notice Takes company prefix `prefix` from its owner: nobody may commission new GTINs under it until it is
    /// assigned again. Lots commissioned under it stay as they are. Admin only; works while paused.
    function revokeCompanyPrefix(string calldata prefix) external;

    /// @notice The reversible act `act` that stands on batch `batchId`: who took it and when (zero when none does).
    function finalDecision(bytes32 batchId, FinalAct act) external view returns (FinalDecision memory);

    /// @notice When the reversal window of act `act` on batch `batchId` closes (zero when no such act stands),
    /// with the grace of a pause that fell in it. Read outside a pause.
    function reversibleUntil(bytes32 batchId, FinalAct act) external view returns (uint256);
}
