// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchRegistry} from "./IBatchRegistry.sol";
import {IGovernanceEvents} from "./IGovernance.sol";

/// @title Corrections of a batch as commissioned: superseding it before it moved, a regulator-approved correction after
/// @notice Served by `RxTraceExtension2` and reached at the core's address through the core's `fallback` and the first
/// extension's (see `RxTrace`), so these functions are not in the core's ABI: tools call them at the core's address
/// with this interface's ABI. Their events and errors are in `IGovernanceEvents`, which the core lists.
interface ICorrections is IGovernanceEvents {
    /// @notice Replaces every field of batch `c.gtin`/`c.lot` by `c` (a typo in the batch as commissioned), while
    /// all its units are still at its manufacturer and nothing happened to them. The caller is the batch's
    /// manufacturer, with its licence and prefix as for `commissionBatch`; the fields are checked as there.
    /// Frozen while paused.
    function supersedeBatch(IBatchRegistry.Commission calldata c) external;

    /// @notice The manufacturer of batch `batchId` proposes a corrected expiry and certificate (after the batch has
    /// moved, when it can no longer supersede it); a regulator approves it with `approveCorrection`. Frozen while
    /// paused.
    function proposeCorrection(bytes32 batchId, uint40 expiry, bytes32 certificateHash, string calldata certificateURI)
        external;

    /// @notice A regulator approves the correction of batch `batchId` its manufacturer proposed, restating its
    /// values: the expiry and certificate change and the batch is marked corrected. Authorized regulators only;
    /// frozen while paused.
    function approveCorrection(bytes32 batchId, uint40 expiry, bytes32 certificateHash, string calldata certificateURI)
        external;

    /// @notice The hash of the correction of batch `batchId` awaiting a regulator (zero when none):
    /// `keccak256(abi.encode(expiry, certificateHash, certificateURI))`.
    function correctionProposal(bytes32 batchId) external view returns (bytes32);
}
