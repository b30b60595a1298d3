// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IEmergencyPause} from "../interfaces/IEmergencyPause.sol";
import {IMigration} from "../interfaces/IMigration.sol";

/// @title Admin and emergency pause
/// @notice The admin is handed over in two steps with a delay (OpenZeppelin's default-admin rules), so it
/// need not stay one hot key forever. Pausers freeze the suite in an emergency.
/// @dev The pause is OpenZeppelin `Pausable`'s, with the times of the last pause kept in the flag's own slot: every
/// paused entry point reads that slot anyway, so the grace rules (see `IEmergencyPause`) cost the hot paths nothing.
abstract contract RxAccess is AccessControlDefaultAdminRules, IEmergencyPause {
    /// @dev The pause flag, the last pause's window, retirement and whether a predecessor is named, one storage slot
    /// (184 of 256 bits).
    struct PauseState {
        bool paused; // 8 bits: whether the suite is paused now
        uint40 pausedAt; // 40 bits: when the last pause window began (a pause within the grace continues it)
        uint40 unpausedAt; // 40 bits: when the last pause ended; zero: never unpaused
        uint40 pausedFor; // 40 bits: the seconds the window's pauses lasted, up to the last unpause
        uint40 lastPausedAt; // 40 bits: when the current (or last) pause began
        bool retired; // 8 bits: retired in favour of a successor (IMigration), paused for good. Kept in this slot,
        // which the acts a pause freezes read anyway, so checking it costs them a warm read.
        bool adopting; // 8 bits: a predecessor is named (IMigration): commissioning checks it does not hold the lot.
        // Kept here for the same reason: a suite without a predecessor pays a warm read, not a cold one.
    }

    /// @notice The role that may pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @inheritdoc IEmergencyPause
    uint256 public constant PAUSE_GRACE = 3 days;

    PauseState private _pauseState;

    /// @dev The lineage of deployments (`IMigration`): the suite this one took over from and the one it handed over
    /// to (zero: none). `_successor` is set once, by `retire`, which also pauses for good.
    address private _predecessor;
    address private _successor;
    /// @dev Records adopted from the predecessor (`IMigration.adoptionKey`): each is adopted at most once, even when
    /// the copy later leaves storage (a settled shipment is deleted) or moves on.
    mapping(bytes32 record => bool adopted) private _adopted;

    /// @dev Refuses the call while the suite is paused.
    modifier whenNotPaused() {
        if (_pauseState.paused) revert EnforcedPause();
        _;
    }

    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {}

    /// @inheritdoc IEmergencyPause
    function pause() external virtual onlyRole(PAUSER_ROLE) {
        PauseState memory s = _pauseState;
        if (s.paused) revert EnforcedPause();
        // A pause within the grace of the last one continues its window (see IEmergencyPause). Times fit 40 bits
        // until the year 36812.
        if (block.timestamp > uint256(s.unpausedAt) + PAUSE_GRACE) {
            s.pausedAt = uint40(block.timestamp);
            s.pausedFor = 0;
        }
        s.lastPausedAt = uint40(block.timestamp);
        s.paused = true;
        _pauseState = s;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IEmergencyPause
    function unpause() external virtual onlyRole(PAUSER_ROLE) {
        PauseState storage s = _pauseState;
        if (!s.paused) revert ExpectedPause();
        s.paused = false;
        s.unpausedAt = uint40(block.timestamp);
        // At most the seconds since the window began, which fit 40 bits as times do.
        s.pausedFor += uint40(block.timestamp) - s.lastPausedAt;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IEmergencyPause
    function paused() public view returns (bool) {
        return _pauseState.paused;
    }

    /// @dev When the last pause window began (zero: never paused); a pause within the grace of the last continues it.
    function _pauseWindowStart() internal view returns (uint256) {
        return _pauseState.pausedAt;
    }

    /// @dev `expiry` (a signature's deadline, the moment a shipment becomes cancellable), moved to `PAUSE_GRACE`
    /// after the last unpause when the last pause window began no later than `PAUSE_GRACE` after `expiry`: the
    /// moment fell during the pause or just before it, while partners could not act. Never further than the
    /// window's paused seconds plus twice `PAUSE_GRACE` past `expiry`: a window that starts within `PAUSE_GRACE`
    /// after `expiry` and holds one pause never reaches that bound, so the bound only cuts the unpaused time
    /// between the pauses of a window (short pauses in a row, each within the grace of the last, cannot carry
    /// `expiry` along without end). Read only outside a pause.
    function _pauseExtended(uint256 expiry) internal view returns (uint256) {
        PauseState memory s = _pauseState;
        uint256 graceEnd = uint256(s.unpausedAt) + PAUSE_GRACE;
        if (s.pausedAt > expiry + PAUSE_GRACE || graceEnd <= expiry) return expiry;
        uint256 bound = expiry + s.pausedFor + 2 * PAUSE_GRACE;
        return graceEnd < bound ? graceEnd : bound;
    }

    /// @dev The predecessor deployment (zero: none).
    function _predecessorOf() internal view returns (address) {
        return _predecessor;
    }

    function _setPredecessor(address predecessor) internal {
        _predecessor = predecessor;
        _pauseState.adopting = true;
    }

    /// @dev Whether a predecessor is named (read from the pause slot, warm after `whenNotPaused`).
    function _hasPredecessor() internal view returns (bool) {
        return _pauseState.adopting;
    }

    /// @dev The successor this suite retired in favour of (zero: not retired).
    function _successorOf() internal view returns (address) {
        return _successor;
    }

    /// @dev Reverts once this suite is retired: every act stops (the extensions' delegation check calls it, so every
    /// rare act that checks its caller does; the few that check no caller call it themselves).
    function _requireNotRetired() internal view {
        if (_pauseState.retired) revert IMigration.MigrationRetired(_successor);
    }

    /// @dev Hands over to `successor` for good: paused, and no one can unpause (every unpause path checks the
    /// successor, see `RxTraceExtension`).
    function _retire(address successor) internal {
        _successor = successor;
        PauseState storage s = _pauseState;
        s.paused = true;
        s.retired = true;
        s.lastPausedAt = uint40(block.timestamp);
    }

    /// @dev Marks record `key` adopted; returns false when it already was.
    function _markAdopted(bytes32 key) internal returns (bool) {
        if (_adopted[key]) return false;
        _adopted[key] = true;
        return true;
    }

    function _isAdopted(bytes32 key) internal view returns (bool) {
        return _adopted[key];
    }
}
