// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Migration} from "./modules/Migration.sol";
import {RxAccess} from "./modules/RxAccess.sol";

/// @title The third extension: the migration to a successor deployment
/// @notice Reached only through the core's, the first and the second extension's `fallback`s, each by DELEGATECALL,
/// so it runs on the core's storage with the caller's `msg.sender` (see the seam described on `RxTrace`). It serves
/// `IMigration` (retiring a suite, taking over from a predecessor, adopting its records), which did not fit beside the
/// second extension's modules. It inherits the same module chain (the same storage layout) and refuses the entry points
/// the core and the first extension serve (`RxExtensionBase`, `RxLaterExtensionBase`).
contract RxTraceExtension3 is Migration {
    constructor(uint48 adminDelay, address admin) RxAccess(adminDelay, admin) {}
}
