// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICases} from "./interfaces/ICases.sol";
import {ICustody} from "./interfaces/ICustody.sol";
import {IEmergencyPause} from "./interfaces/IEmergencyPause.sol";
import {IGovernanceEvents} from "./interfaces/IGovernance.sol";
import {IPartnerRegistry} from "./interfaces/IPartnerRegistry.sol";
import {IProductSafety} from "./interfaces/IProductSafety.sol";
import {IRxTrace} from "./interfaces/IRxTrace.sol";
import {ISignedHandovers} from "./interfaces/ISignedHandovers.sol";
import {Handover, Role, Shipment} from "./interfaces/RxTypes.sol";
import {Delegation} from "./libraries/Delegation.sol";
import {Cases} from "./modules/Cases.sol";
import {Custody} from "./modules/Custody.sol";
import {PartnerRegistry} from "./modules/PartnerRegistry.sol";
import {ProductSafety} from "./modules/ProductSafety.sol";
import {RxAccess} from "./modules/RxAccess.sol";
import {SignedHandovers} from "./modules/SignedHandovers.sol";

/// @title rxtrace
/// @notice Prescription drug traceability from the manufacturer to the pharmacy, behind one address composed of
/// the modules: access and pause, partner registry, batches, custody, product safety, dispensing, verification,
/// shipping cases and handovers signed off-chain.
/// `multicall` batches admin work (onboard a partner and assign its prefixes) into one transaction.
///
/// Where the seam is, and why: the suite no longer fits in one contract's 24,576 bytes, so it is two contracts on one
/// storage. This contract (the core) runs the hot paths itself: commission, ship, receive, reject, dispense, co-signed
/// and signed handovers (ECDSA and ERC-1271 signatures), and every view, so none of them pays for the split. The rare
/// acts (onboarding and licensing partners, company prefixes, sealing and opening cases, recalls, suspect holds,
/// quarantine decisions, cancelling a shipment or a handover, revoking signatures, pause and unpause, and `multicall`,
/// whose batched calls come back into the core) run in `RxTraceExtension`, deployed just before the core (its address
/// is a constructor argument: inside the core's creation code it would pass EIP-3860's 49,152-byte initcode limit) and
/// reached by DELEGATECALL: the extension's code acts on the core's storage with the caller's `msg.sender`, so the
/// rules, events and errors are exactly those of a single contract, and users see one address and one ABI (this
/// contract's). Both contracts inherit the same module chain, so their storage layouts are the same by construction;
/// each overrides the other half's entry points (the core with forwarders, the extension with refusals). The
/// extension's own storage is never used: it holds nothing anyone relies on.
/// Pause, unpause and `multicall` moved across in issue 11 to make room in the core for ERC-1271 signatures (bytes
/// instead of a fixed 64, OpenZeppelin's `SignatureChecker` for contract signers) and the pause grace: they are rare,
/// and the DELEGATECALL costs them about 3,000 gas; a multicall's inner calls run in the core as sent directly.
///
/// The governance acts (`IGovernance`: reversing a regulator's final act, condemning stock, transferring and revoking
/// company prefixes, the operator role) exist only in the extension, and the core reaches them through one generic
/// `fallback` that forwards any selector it does not know. A forwarder per function would cost the core bytes it
/// does not have (it sits some 700 bytes under the 24,576-byte limit); the fallback costs it a few bytes once, for
/// every rare act to come, and adds nothing to the hot paths, whose selectors the dispatcher matches first. The
/// price: those functions are not in this contract's ABI; tools call them at this address with `IGovernance`'s ABI
/// (an unknown selector the extension does not serve either reverts with no data). Recalls moved to the extension
/// too, with the bookkeeping of the reversal window, which left the core room for the fallback.
contract RxTrace is SignedHandovers, IRxTrace, IGovernanceEvents {
    /// @notice The contract that runs the rare acts on this contract's storage (see the title comment).
    address public immutable EXTENSION;

    /// @notice The extension given to the constructor has no code: nothing would run the rare acts.
    error ExtensionWithoutCode(address extension);

    /// @param adminDelay seconds a scheduled admin handover must wait before the new admin can accept it
    /// @param admin the first admin (DEFAULT_ADMIN_ROLE); a multisig or timelock on public networks
    /// @param pauser the first holder of PAUSER_ROLE, or zero for none
    /// @param operator the first holder of OPERATOR_ROLE (routine partner acts, see `IGovernance`), or zero for none
    /// @param extension the `RxTraceExtension` deployed just before for this suite (`deployRxTrace` does both): it is
    /// deployed on its own because the core's creation code with the extension's inside would pass the 49,152-byte
    /// initcode limit (EIP-3860); the deployment record and the explorer verification name both
    constructor(uint48 adminDelay, address admin, address pauser, address operator, address extension)
        RxAccess(adminDelay, admin)
    {
        if (extension.code.length == 0) revert ExtensionWithoutCode(extension);
        if (pauser != address(0)) _grantRole(PAUSER_ROLE, pauser);
        if (operator != address(0)) _grantRole(_OPERATOR_ROLE, operator);
        EXTENSION = extension;
    }

    /// @inheritdoc IPartnerRegistry
    function onboardPartner(address, Role, uint64, bytes32, uint40, string calldata)
        external
        override(IPartnerRegistry, PartnerRegistry)
    {
        _forward();
    }

    /// @inheritdoc IPartnerRegistry
    function assignCompanyPrefix(address, string calldata) external override(IPartnerRegistry, PartnerRegistry) {
        _forward();
    }

    /// @inheritdoc IPartnerRegistry
    function renewLicence(address, bytes32, uint40) external override(IPartnerRegistry, PartnerRegistry) {
        _forward();
    }

    /// @inheritdoc IPartnerRegistry
    function suspendPartner(address, bytes32) external override(IPartnerRegistry, PartnerRegistry) {
        _forward();
    }

    /// @inheritdoc IPartnerRegistry
    function reinstatePartner(address) external override(IPartnerRegistry, PartnerRegistry) {
        _forward();
    }

    /// @inheritdoc ICases
    function sealCase(uint64, bytes32, bytes32, uint48) external override(ICases, Cases) {
        _forward();
    }

    /// @inheritdoc ICases
    function openCase(uint64, bytes32, bytes32, uint48) external override(ICases, Cases) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function flagSuspect(bytes32, bytes32) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function confirmSuspect(bytes32, bytes32) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function clearSuspect(bytes32, bytes32) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function declareIllegitimate(bytes32, bytes32) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function releaseQuarantine(bytes32, address, uint48) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function releaseLeg(Shipment calldata) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function condemnQuarantine(bytes32, address, uint48) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @inheritdoc ICustody
    function cancelShipment(Shipment calldata) external override(ICustody, Custody) {
        _forward();
    }

    /// @inheritdoc ISignedHandovers
    function revokeSignatures(uint64) external override(ISignedHandovers, SignedHandovers) {
        _forward();
    }

    /// @inheritdoc ISignedHandovers
    function cancelHandover(Handover calldata, bytes calldata)
        external
        override(ISignedHandovers, SignedHandovers)
    {
        _forward();
    }

    /// @inheritdoc IEmergencyPause
    function pause() external override(IEmergencyPause, RxAccess) {
        _forward();
    }

    /// @inheritdoc IEmergencyPause
    function unpause() external override(IEmergencyPause, RxAccess) {
        _forward();
    }

    /// @notice Runs each of `data` as a call to this contract, in order, with the caller as `msg.sender`, in one
    /// transaction; reverts as a whole when one reverts (OpenZeppelin's `Multicall`, run by the extension).
    /// @return what each call returned, in order
    function multicall(bytes[] calldata) external returns (bytes[] memory) {
        _forward();
    }

    /// @inheritdoc IProductSafety
    function recall(bytes32, uint8, bytes32, string calldata) external override(IProductSafety, ProductSafety) {
        _forward();
    }

    /// @notice Runs any function this contract does not know in the extension: the governance acts of `IGovernance`
    /// (see the title comment). Ether is refused: the suite handles none.
    fallback() external {
        _forward();
    }

    /// @dev Runs the call in the extension on this contract's storage and returns or reverts with its result.
    function _forward() private {
        Delegation.forward(EXTENSION);
    }
}
