// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRecovery} from "../interfaces/IRecovery.sol";
import {Role} from "../interfaces/RxTypes.sol";
import {RxLaterExtensionBase} from "./RxLaterExtensionBase.sol";

/// @title Key rotation and re-keying (issue 12)
/// @notice Served by the second extension (the core reaches it through its `fallback`); it declares no storage (what
/// it keeps is declared in `PartnerRegistry`, which every contract of the suite inherits).
/// @dev Why the identity, not the key, keys the state: moving a partner's stock to a new key otherwise means one
/// write per batch it holds (unbounded), or a list of its batches kept on every receipt (a cost on the hot paths for
/// an act that happens once in years). Keyed by identity, a rotation moves one record and writes four mapping
/// entries, whatever the partner holds; the hot paths pay a bit test (`Partner.rekeyed`) for a partner never
/// re-keyed and one SLOAD for a re-keyed one.
abstract contract Recovery is RxLaterExtensionBase, IRecovery {
    /// @inheritdoc IRecovery
    function proposeKeyRotation(address proposed) external whenNotPaused {
        address identity = _actor(Role.None);
        _requireFreshKey(proposed);
        address dropped = _setPendingRotation(msg.sender, proposed);
        if (dropped != address(0)) emit KeyRotationCancelled(identity, msg.sender, dropped, msg.sender);
        emit KeyRotationProposed(identity, msg.sender, proposed);
    }

    /// @inheritdoc IRecovery
    function acceptKeyRotation() external whenNotPaused {
        address key = _proposerOf(msg.sender);
        if (key == address(0)) revert RecoveryNoPendingRotation(msg.sender);
        // The proposing partner must still stand (a suspension since the proposal stops it: the admin re-keys), and
        // the new key must still be fresh (it cannot have been onboarded since: onboarding checks nothing pending).
        _requireAuthorized(key);
        _setPendingRotation(key, address(0));
        _requireFreshKey(msg.sender);
        address identity = _moveKey(key, msg.sender);
        emit PartnerRekeyed(identity, key, msg.sender, false);
    }

    /// @inheritdoc IRecovery
    function cancelKeyRotation() external {
        address key = msg.sender;
        address proposed = _pendingRotation(key);
        if (proposed == address(0)) {
            key = _proposerOf(msg.sender);
            if (key == address(0)) revert RecoveryNoPendingRotation(msg.sender);
            proposed = msg.sender;
        }
        _setPendingRotation(key, address(0));
        emit KeyRotationCancelled(_resolveIdentity(key), key, proposed, msg.sender);
    }

    /// @inheritdoc IRecovery
    function rekeyPartner(address account, address newKey) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // A restrictive act as well: it works while paused, to take a stolen key's power away before the unpause.
        address key = _currentKeyOf(account);
        // The admin's re-key, in public view for the timelock's whole delay, overrides a rotation that proposed the
        // same key: else any partner (a thief holding the lost key above all) could void every scheduled re-key by
        // proposing the key it names, for the price of one transaction per delay.
        address proposer = _proposerOf(newKey);
        if (proposer != address(0)) {
            _setPendingRotation(proposer, address(0));
            emit KeyRotationCancelled(_resolveIdentity(proposer), proposer, newKey, msg.sender);
        }
        _requireFreshKey(newKey);
        address identity = _moveKey(key, newKey);
        emit PartnerRekeyed(identity, key, newKey, true);
    }

    /// @inheritdoc IRecovery
    function identityOf(address account) external view returns (address) {
        return _resolveIdentity(account);
    }

    /// @inheritdoc IRecovery
    function keyOf(address account) external view returns (address) {
        return _currentKeyOf(account);
    }

    /// @inheritdoc IRecovery
    function pendingKeyRotation(address key) external view returns (address) {
        return _pendingRotation(key);
    }
}
