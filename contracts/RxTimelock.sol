// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title The admin of rxtrace on public networks: OpenZeppelin's TimelockController, unchanged
/// @notice Holds `DEFAULT_ADMIN_ROLE` of `RxTrace`, so onboarding manufacturers and regulators, assigning,
/// transferring and revoking company prefixes and granting roles wait `getMinDelay()` seconds in public view
/// (`CallScheduled`) before anyone may execute them, and a proposer may cancel them meanwhile. Named here only so
/// that the deploy script and the tests deploy the same audited code from this project's artifacts.
contract RxTimelock is TimelockController {
    /// @param minDelay seconds every scheduled operation waits
    /// @param proposers the accounts that schedule and cancel operations (the consortium's multisig)
    /// @param executors the accounts that execute ready operations; the zero address: anyone
    /// @param admin an account that may change the roles of the timelock itself, or zero (the timelock alone)
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
