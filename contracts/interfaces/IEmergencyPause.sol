// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Emergency pause
/// @notice Paused time does not run out anyone's time: a signature whose deadline fell during the last pause, or at
/// most `PAUSE_GRACE` before it began, is accepted until `PAUSE_GRACE` after the unpause, and a shipment that became
/// cancellable during (or just before) the pause becomes cancellable only `PAUSE_GRACE` after the unpause. A pause
/// that begins within `PAUSE_GRACE` of the previous unpause continues that pause's window, so a deadline that fell
/// in the first keeps its grace through the second; no moment moves further than the seconds the window's pauses
/// lasted plus twice `PAUSE_GRACE` past it, so short pauses in a row cannot carry it along without end. The events
/// and errors are OpenZeppelin `Pausable`'s.
interface IEmergencyPause {
    /// @notice `account` paused the suite.
    event Paused(address account);
    /// @notice `account` lifted the pause.
    event Unpaused(address account);

    /// @notice The suite is paused.
    error EnforcedPause();
    /// @notice The suite is not paused, so it cannot be unpaused.
    error ExpectedPause();

    /// @notice Freezes every movement of product and every widening of partners' rights. Pauser role only.
    /// The restrictive actions (suspend, recall, flag suspect, declare illegitimate) keep working, and so does
    /// the admin's role management (grant, revoke, admin handover), so that a pauser can be added mid-emergency.
    function pause() external;

    /// @notice Lifts the pause. Pauser role only. Starts the `PAUSE_GRACE` for deadlines the pause ran over.
    function unpause() external;

    /// @notice Whether the suite is paused.
    function paused() external view returns (bool);

    /// @notice How long after an unpause a deadline that fell during the pause (or at most this long before it
    /// began) still holds: 3 days.
    function PAUSE_GRACE() external view returns (uint256);
}
