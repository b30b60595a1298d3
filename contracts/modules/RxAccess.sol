// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IEmergencyPause} from "../interfaces/IEmergencyPause.sol";

/// @title Admin and emergency pause
/// @notice The admin is handed over in two steps with a delay (OpenZeppelin's default-admin rules), so it
/// need not stay one hot key forever. Pausers freeze the suite in an emergency.
abstract contract RxAccess is AccessControlDefaultAdminRules, Pausable, IEmergencyPause {
    /// @notice The role that may pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {}

    /// @inheritdoc IEmergencyPause
    function pause() external virtual onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IEmergencyPause
    function unpause() external virtual onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
