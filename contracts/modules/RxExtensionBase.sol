// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchRegistry} from "../interfaces/IBatchRegistry.sol";
import {
    Authorization,
    Batch,
    CustodyRule,
    Handover,
    Holding,
    PackClaim,
    Partner,
    RejectionReason,
    Role,
    Shipment,
    ShipmentRecord,
    SuspectHold,
    TemperatureLeg,
    Verdict
} from "../interfaces/RxTypes.sol";
import {SignedHandovers} from "./SignedHandovers.sol";

/// @title What every extension of the suite shares: the refusals of the core's own entry points, and of any act
/// called directly rather than by the core's DELEGATECALL
/// @notice An extension inherits the same module chain as the core (so the storage layouts are the same) and refuses
/// the core's entry points, so that their code is not deployed twice. Called directly (not by the core's DELEGATECALL,
/// `address(this)` is then the extension's own), it refuses every act with `ExtensionNotDelegated`: each act checks its
/// caller's role or standing first, and those checks refuse here, as OpenZeppelin's UUPS `onlyProxy` does. Its own
/// storage therefore stays empty.
abstract contract RxExtensionBase is SignedHandovers {
    /// @notice This entry point runs in the core (`RxTrace`), not here.
    error ExtensionNotServed();
    /// @notice The extension was called directly: it acts only on the core's storage, through the core.
    error ExtensionNotDelegated();

    /// @dev The extension's own address: `address(this)` differs from it exactly when the core delegates the call.
    address private immutable _SELF = address(this);

    /// @notice The extension given to the constructor has no code: nothing would run the acts it serves.
    error ExtensionWithoutCode(address extension);

    function commissionBatch(IBatchRegistry.Commission calldata) external pure override returns (bytes32) {
        revert ExtensionNotServed();
    }

    function ship(bytes32, address, uint48) external pure override returns (bytes32) {
        revert ExtensionNotServed();
    }

    function shipPacks(bytes32, address, uint48, bytes32) external pure override returns (bytes32) {
        revert ExtensionNotServed();
    }

    function receiveShipment(Shipment calldata, TemperatureLeg calldata) external pure override {
        revert ExtensionNotServed();
    }

    function rejectShipment(Shipment calldata, RejectionReason, bytes32, TemperatureLeg calldata)
        external
        pure
        override
    {
        revert ExtensionNotServed();
    }

    function dispense(bytes32, bytes32, bytes32[] calldata, PackClaim calldata) external pure override {
        revert ExtensionNotServed();
    }

    function shipSigned(address, bytes32, address, uint48, bytes32, Authorization calldata)
        external
        pure
        override
        returns (bytes32)
    {
        revert ExtensionNotServed();
    }

    function receiveSigned(Shipment calldata, TemperatureLeg calldata, Authorization calldata) external pure override {
        revert ExtensionNotServed();
    }

    function rejectSigned(
        Shipment calldata,
        RejectionReason,
        bytes32,
        TemperatureLeg calldata,
        Authorization calldata
    ) external pure override {
        revert ExtensionNotServed();
    }

    function handover(Handover calldata, uint256, bytes calldata, bytes calldata)
        external
        pure
        override
        returns (bytes32)
    {
        revert ExtensionNotServed();
    }

    /// @dev Admin acts (onboarding, licences, prefixes, suspensions, role grants) are refused unless delegated.
    function _checkRole(bytes32 role, address account) internal view override {
        _requireDelegated();
        super._checkRole(role, account);
    }

    /// @dev Partner acts (cases, suspect flags, quarantine decisions, cancellations) are refused unless delegated.
    function _requireAuthorized(address account) internal view override returns (Partner memory) {
        _requireDelegated();
        return super._requireAuthorized(account);
    }

    /// @dev Handover cancellations are refused unless delegated.
    function _roleOf(address account) internal view override returns (Role) {
        _requireDelegated();
        return super._roleOf(account);
    }

    /// @dev Signature revocations are refused unless delegated.
    // The views run in the core, whose dispatcher matches them first: the extension never serves them.
    function verifyPack(uint64, string calldata, bytes32, bytes32[] calldata, address)
        external
        pure
        override
        returns (Verdict, bytes32)
    {
        revert ExtensionNotServed();
    }

    function verifyPackInCustody(uint64, string calldata, bytes32, bytes32[] calldata, address, PackClaim calldata)
        external
        pure
        override
        returns (Verdict, bytes32, CustodyRule)
    {
        revert ExtensionNotServed();
    }

    function batch(bytes32) external pure override returns (Batch memory) {
        revert ExtensionNotServed();
    }

    function holding(bytes32, address) external pure override returns (Holding memory) {
        revert ExtensionNotServed();
    }

    function shipment(bytes32) external pure override returns (ShipmentRecord memory) {
        revert ExtensionNotServed();
    }

    function partner(address) external pure override returns (Partner memory) {
        revert ExtensionNotServed();
    }

    function suspectHold(bytes32) external pure override returns (SuspectHold memory) {
        revert ExtensionNotServed();
    }

    function _skipNonces(address account, uint64 next) internal override returns (uint64) {
        _requireDelegated();
        return super._skipNonces(account, next);
    }

    /// @dev Also refuses every act of a retired suite (IMigration): each act checks its caller through here.
    function _requireDelegated() internal view {
        if (address(this) == _SELF) revert ExtensionNotDelegated();
        _requireNotRetired();
    }
}
