// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Handover, Role, Shipment} from "../interfaces/RxTypes.sol";
import {RxExtensionBase} from "./RxExtensionBase.sol";

/// @title What the extensions after the first share: the refusals of the first extension's entry points
/// @notice The modules of the second and third extensions (corrections, key rotation, delivery exceptions, migration)
/// inherit it, so that neither deploys the rare acts the first extension serves a second time: the first extension's
/// dispatcher (or the core's) matches those before any call reaches them. In the chain of every module of a later
/// extension, so the refusals are inherited along one path only.
abstract contract RxLaterExtensionBase is RxExtensionBase {
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
