// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {IRxTrace} from "./interfaces/IRxTrace.sol";
import {RxAccess} from "./modules/RxAccess.sol";
import {SignedHandovers} from "./modules/SignedHandovers.sol";

/// @title rxtrace
/// @notice Prescription drug traceability from the manufacturer to the pharmacy, in one deployable composed of
/// the modules: access and pause, partner registry, batches, custody, product safety, dispensing, verification,
/// shipping cases and handovers signed off-chain.
/// `multicall` batches admin work (onboard a partner and assign its prefixes) into one transaction.
contract RxTrace is SignedHandovers, Multicall, IRxTrace {
    /// @param adminDelay seconds a scheduled admin handover must wait before the new admin can accept it
    /// @param admin the first admin (DEFAULT_ADMIN_ROLE); a multisig or timelock on public networks
    /// @param pauser the first holder of PAUSER_ROLE, or zero for none
    constructor(uint48 adminDelay, address admin, address pauser) RxAccess(adminDelay, admin) {
        if (pauser != address(0)) _grantRole(PAUSER_ROLE, pauser);
    }
}
