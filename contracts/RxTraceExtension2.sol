// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Delegation} from "./libraries/Delegation.sol";
import {Corrections} from "./modules/Corrections.sol";
import {Exceptions} from "./modules/Exceptions.sol";
import {Recovery} from "./modules/Recovery.sol";
import {RxAccess} from "./modules/RxAccess.sol";

/// @title The second extension: rare acts that no longer fit in the first
/// @notice Reached only through `RxTrace` and then `RxTraceExtension`'s `fallback`, both by DELEGATECALL, so it runs
/// on the core's storage with the caller's `msg.sender`, like the first extension (see the seam described on
/// `RxTrace`). It serves the corrections of a batch (`ICorrections`), key rotation and re-keying (`IRecovery`) and the
/// delivery exceptions (`IExceptions`), and passes what it does not know, through its own `fallback`, to the third
/// extension (`RxTraceExtension3`: the migration). It inherits the same module chain (the same storage layout) and
/// refuses the core's and the first extension's entry points (`RxExtensionBase`, `RxLaterExtensionBase`), so that
/// their code is not deployed again.
contract RxTraceExtension2 is Corrections, Recovery, Exceptions {
    /// @notice The third extension: the acts neither the core nor the first two extensions serve.
    // solhint-disable-next-line var-name-mixedcase
    address public immutable EXTENSION3;

    /// @param next the `RxTraceExtension3` deployed just before for this suite (`deployRxTrace` deploys all four)
    constructor(uint48 adminDelay, address admin, address next) RxAccess(adminDelay, admin) {
        if (next.code.length == 0) revert ExtensionWithoutCode(next);
        EXTENSION3 = next;
    }

    /// @notice Runs any function the core and the first two extensions do not know in the third extension.
    fallback() external {
        Delegation.forward(EXTENSION3);
    }
}
