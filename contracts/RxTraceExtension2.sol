// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Handover, Role, Shipment} from "./interfaces/RxTypes.sol";
import {Corrections} from "./modules/Corrections.sol";
import {Exceptions} from "./modules/Exceptions.sol";
import {RxAccess} from "./modules/RxAccess.sol";

/// @title The second extension: rare acts that no longer fit in the first
/// @notice Reached only through `RxTrace` and then `RxTraceExtension`'s `fallback`, both by DELEGATECALL, so it runs
/// on the core's storage with the caller's `msg.sender`, like the first extension (see the seam described on
/// `RxTrace`). It serves the corrections of a batch (`ICorrections`), the delivery exceptions
/// (`IExceptions`) and the modules added after them. It inherits the
/// same module chain (the same storage layout) and refuses, besides the core's entry points (`RxExtensionBase`), the
/// first extension's, so that their code is not deployed a third time: the first extension's dispatcher matches them
/// before any call reaches here.
contract RxTraceExtension2 is Corrections, Exceptions {
    constructor(uint48 adminDelay, address admin) RxAccess(adminDelay, admin) {}

    function onboardPartner(address, Role, uint64, bytes32, uint40, string calldata) external pure override {
        revert ExtensionNotServed();
    }

    function assignCompanyPrefix(address, string calldata) external pure override {
        revert ExtensionNotServed();
    }

    function renewLicence(address, bytes32, uint40) external pure override {
        revert ExtensionNotServed();
    }

    function suspendPartner(address, bytes32) external pure override {
        revert ExtensionNotServed();
    }

    function reinstatePartner(address) external pure override {
        revert ExtensionNotServed();
    }

    function sealCase(uint64, bytes32, bytes32, uint48) external pure override {
        revert ExtensionNotServed();
    }

    function openCase(uint64, bytes32, bytes32, uint48) external pure override {
        revert ExtensionNotServed();
    }

    function flagSuspect(bytes32, bytes32) external pure override {
        revert ExtensionNotServed();
    }

    function confirmSuspect(bytes32, bytes32) external pure override {
        revert ExtensionNotServed();
    }

    function clearSuspect(bytes32, bytes32) external pure override {
        revert ExtensionNotServed();
    }

    function declareIllegitimate(bytes32, bytes32) external pure override {
        revert ExtensionNotServed();
    }

    function releaseQuarantine(bytes32, address, uint48) external pure override {
        revert ExtensionNotServed();
    }

    function releaseLeg(Shipment calldata) external pure override {
        revert ExtensionNotServed();
    }

    function condemnQuarantine(bytes32, address, uint48) external pure override {
        revert ExtensionNotServed();
    }

    function cancelShipment(Shipment calldata) external pure override {
        revert ExtensionNotServed();
    }

    function revokeSignatures(uint64) external pure override {
        revert ExtensionNotServed();
    }

    function cancelHandover(Handover calldata, bytes calldata) external pure override {
        revert ExtensionNotServed();
    }

    function pause() external pure override {
        revert ExtensionNotServed();
    }

    function unpause() external pure override {
        revert ExtensionNotServed();
    }

    function recall(bytes32, uint8, bytes32, string calldata) external pure override {
        revert ExtensionNotServed();
    }
}
