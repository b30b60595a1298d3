// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Emergency pause
interface IEmergencyPause {
    /// @notice Freezes every movement of product and every widening of partners' rights. Pauser role only.
    /// The restrictive actions (suspend, recall, flag suspect, declare illegitimate) keep working, and so does
    /// the admin's role management (grant, revoke, admin handover), so that a pauser can be added mid-emergency.
    function pause() external;

    /// @notice Lifts the pause. Pauser role only.
    function unpause() external;
}
