// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {Delegation} from "./libraries/Delegation.sol";
import {Governance} from "./modules/Governance.sol";
import {RxAccess} from "./modules/RxAccess.sol";

/// @title The rare acts of rxtrace, run by the core on its own storage
/// @notice Reached only through `RxTrace` (by DELEGATECALL): see the seam described on `RxTrace`. It also serves
/// the functions of `IGovernance`, which the core does not know and forwards through its `fallback`, and passes on
/// what it does not know either, through its own `fallback`, to the second extension (`RxTraceExtension2`), still on
/// the core's storage and with the caller's `msg.sender`. Its refusals of the core's entry points and of direct calls
/// are in `RxExtensionBase`.
contract RxTraceExtension is Governance, Multicall {
    /// @notice The second extension: the acts neither the core nor this extension serves (see `RxTraceExtension2`).
    // solhint-disable-next-line var-name-mixedcase
    address public immutable EXTENSION2;

    /// @param next the `RxTraceExtension2` deployed just before for this suite (`deployRxTrace` deploys all three)
    constructor(uint48 adminDelay, address admin, address next) RxAccess(adminDelay, admin) {
        if (next.code.length == 0) revert ExtensionWithoutCode(next);
        EXTENSION2 = next;
    }

    /// @notice Runs any function neither the core nor this extension knows in the second extension.
    fallback() external {
        Delegation.forward(EXTENSION2);
    }
}
