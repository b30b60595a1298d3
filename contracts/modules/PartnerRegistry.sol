// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPartnerRegistry} from "../interfaces/IPartnerRegistry.sol";
import {IRecoveryEvents} from "../interfaces/IRecovery.sol";
import {Partner, Role, Standing} from "../interfaces/RxTypes.sol";
import {GS1} from "../libraries/GS1.sol";
import {RxAccess} from "./RxAccess.sol";

/// @title Trading-partner registry
/// @notice Who onboards whom: the admin (a `TimelockController` on public networks) for manufacturers, regulators,
/// company prefixes and roles, since each of those can mint or condemn product; the admin or an operator (a hot key,
/// `_OPERATOR_ROLE`) for distributors and dispensers, and any suspension, since those are daily work that a timelock's
/// delay would stall and that cannot create product or condemn it.
abstract contract PartnerRegistry is RxAccess, IPartnerRegistry, IRecoveryEvents {
    /// @dev The role of the hot key for routine acts (see the title); its getter is `IGovernance.OPERATOR_ROLE`.
    bytes32 internal constant _OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @dev One slot per partner, read by every operation: role, suspension, licence and GLN in one SLOAD.
    mapping(address account => Partner record) private _partners;
    /// @dev GLN -> account, so a GLN cannot be claimed twice and tools can resolve "ship to GLN x".
    mapping(uint64 gln => address account) private _glnAccounts;
    /// @dev GS1.prefixKey(value, digits) -> owner (a manufacturer for its GTINs, any partner for its SSCCs). Keyed
    /// by prefix rather than by owner so that checking a GTIN or an SSCC costs one lookup per prefix length the
    /// owner uses (see Partner.prefixLengths).
    mapping(uint256 prefixKey => address owner) private _prefixOwners;
    /// @dev For every proper leading part (4+ digits) of an assigned prefix: the owner of that prefix. Lets an
    /// assignment refuse a prefix that would contain an assigned one with at most 8 lookups.
    mapping(uint256 prefixKey => address owner) private _prefixAncestors;

    /// @dev Key rotation and re-keying (`Recovery`, issue 12). Every address-keyed state (holdings, shipments,
    /// manufacturers, prefixes, suspect flags, final decisions) names a partner's identity, the account it was first
    /// onboarded with, so moving a partner to a new key moves one record, never its stock (no loop over batches).
    /// Key -> identity, for every key a rotation touched: the current key (whose record has `rekeyed` set) and each
    /// retired one (whose record keeps only `rekeyed`). Zero: the account is its own identity, or a stranger.
    mapping(address key => address identity) private _identityOf;
    /// @dev Identity -> its current key, once its key moved; zero while the identity is its own key.
    mapping(address identity => address key) private _keyOf;
    /// @dev A partner's pending self-rotation: its current key -> the key it proposed, and back.
    mapping(address key => address proposed) private _proposedKeys;
    mapping(address proposed => address key) private _proposers;

    /// @dev Refuses the call unless `msg.sender` may onboard, renew or reinstate a partner of role `role`: the admin,
    /// or for a distributor or a dispenser also an operator (see the title). A non-admin is told the operator role
    /// it lacks for those, the admin role for the others.
    modifier onlyPartnerAdmin(Role role) {
        bool routine = role == Role.Distributor || role == Role.Dispenser;
        _checkRole(routine && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender) ? _OPERATOR_ROLE : DEFAULT_ADMIN_ROLE);
        _;
    }

    /// @inheritdoc IPartnerRegistry
    function onboardPartner(
        address account,
        Role role,
        uint64 gln,
        bytes32 licenceRef,
        uint40 licenceExpiry,
        string calldata name
    ) external virtual onlyPartnerAdmin(role) whenNotPaused {
        if (account == address(0)) revert PartnerInvalidAccount(account);
        if (role == Role.None) revert PartnerInvalidRole(role);
        if (!GS1.isGln(gln)) revert PartnerInvalidGln(gln);
        if (bytes(name).length == 0) revert PartnerInvalidName(name);
        _requireNeverKey(account);
        address glnHolder = _glnAccounts[gln];
        if (glnHolder != address(0)) revert PartnerGlnTaken(gln, glnHolder);
        _requireFutureExpiry(licenceExpiry);

        _partners[account] = Partner({
            role: role,
            suspended: false,
            licenceExpiry: licenceExpiry,
            gln: gln,
            prefixLengths: 0,
            nonce: 0,
            rekeyed: false
        });
        _glnAccounts[gln] = account;
        emit PartnerOnboarded(account, role, gln, licenceRef, licenceExpiry, name);
    }

    /// @inheritdoc IPartnerRegistry
    function assignCompanyPrefix(address account, string calldata prefix)
        external
        virtual
        onlyRole(DEFAULT_ADMIN_ROLE)
        whenNotPaused
    {
        emit CompanyPrefixAssigned(_assignCompanyPrefix(account, prefix), prefix);
    }

    /// @dev Assigns company prefix `prefix` to known partner `account` (the admin's act, and a prefix adopted from the
    /// predecessor): refuses a malformed prefix, one that is taken, and one that contains or sits under another.
    /// Returns the partner's identity, which owns the prefix from now on.
    function _assignCompanyPrefix(address account, string calldata prefix) internal returns (address) {
        Partner storage p = _knownPartner(account);
        // Prefixes belong to the identity, which commissioning and sealing check (a rotated key names its identity).
        account = _resolveIdentity(account);
        (bool ok, uint256 key, uint256 length) = GS1.parseCompanyPrefix(prefix);
        if (!ok) revert PartnerInvalidCompanyPrefix(prefix);
        address owner = _prefixOwners[key];
        if (owner != address(0)) revert PartnerCompanyPrefixTaken(prefix, owner);
        owner = _prefixAncestors[key];
        if (owner != address(0)) revert PartnerCompanyPrefixOverlaps(prefix, owner);
        uint256 value = key & type(uint64).max;
        for (uint256 shorter = length - 1; shorter >= GS1.MIN_PREFIX_LENGTH; --shorter) {
            value /= 10;
            uint256 ancestor = GS1.prefixKey(value, shorter);
            owner = _prefixOwners[ancestor];
            if (owner != address(0)) revert PartnerCompanyPrefixOverlaps(prefix, owner);
            _prefixAncestors[ancestor] = account;
        }

        _prefixOwners[key] = account;
        p.prefixLengths |= uint16(1 << length);
        return account;
    }

    /// @inheritdoc IPartnerRegistry
    function renewLicence(address account, bytes32 licenceRef, uint40 licenceExpiry)
        external
        virtual
        onlyPartnerAdmin(_partners[account].role)
        whenNotPaused
    {
        Partner storage p = _knownPartner(account);
        _requireFutureExpiry(licenceExpiry);
        p.licenceExpiry = licenceExpiry;
        emit LicenceRenewed(account, licenceRef, licenceExpiry);
    }

    /// @inheritdoc IPartnerRegistry
    function suspendPartner(address account, bytes32 reason) external virtual {
        _checkRole(hasRole(DEFAULT_ADMIN_ROLE, msg.sender) ? DEFAULT_ADMIN_ROLE : _OPERATOR_ROLE);
        // Any key of the partner or its identity names its current key: a thief cannot dodge the suspension by
        // rotating the key in the block before it (see `IRecovery`).
        account = _currentKeyOf(account);
        Partner storage p = _knownPartner(account);
        if (p.suspended) revert PartnerAlreadySuspended(account);
        p.suspended = true;
        // A suspension also drops the partner's pending rotation: a key proposed before it (by a thief, say) must not
        // take over the partner the moment it is reinstated.
        address dropped = _setPendingRotation(account, address(0));
        if (dropped != address(0)) emit KeyRotationCancelled(_resolveIdentity(account), account, dropped, msg.sender);
        emit PartnerSuspended(account, reason);
    }

    /// @inheritdoc IPartnerRegistry
    function reinstatePartner(address account)
        external
        virtual
        onlyPartnerAdmin(_partners[account].role)
        whenNotPaused
    {
        Partner storage p = _knownPartner(account);
        if (!p.suspended) revert PartnerNotSuspended(account);
        p.suspended = false;
        emit PartnerReinstated(account);
    }

    /// @inheritdoc IPartnerRegistry
    function partner(address account) external view virtual returns (Partner memory p) {
        p = _partners[account];
        // An identity whose key moved: its current key's record (see `IRecovery`).
        if (p.role == Role.None) p = _partners[_keyFor(account)];
    }

    /// @inheritdoc IPartnerRegistry
    function standing(address account) external view returns (Standing) {
        return _standingOf(_partners[account]);
    }

    /// @inheritdoc IPartnerRegistry
    function accountOfGln(uint64 gln) external view returns (address) {
        return _glnAccounts[gln];
    }

    /// @inheritdoc IPartnerRegistry
    function companyPrefixOwner(string calldata prefix) external view returns (address) {
        (bool ok, uint256 key, ) = GS1.parseCompanyPrefix(prefix);
        return ok ? _prefixOwners[key] : address(0);
    }

    /// @dev Moves company prefix `prefix` from its owner to known partner `to` (a key: its identity owns the prefix);
    /// returns the previous owner and the new one. Lots already commissioned keep their manufacturer (and with it
    /// recalls and returns); new GTINs under the prefix are `to`'s. The previous owner's `prefixLengths` bit stays: it
    /// only costs that owner one lookup that fails. The marks on the prefix's leading parts keep naming the first
    /// owner, which only `PartnerCompanyPrefixOverlaps` reports.
    function _transferCompanyPrefix(string calldata prefix, address to)
        internal
        returns (address from, address owner)
    {
        uint256 key;
        (from, key) = _assignedPrefix(prefix);
        Partner storage p = _knownPartner(to);
        // The new owner's identity, as for an assignment.
        to = _resolveIdentity(to);
        owner = to;
        if (to == from) revert PartnerCompanyPrefixTaken(prefix, to);
        _prefixOwners[key] = to;
        p.prefixLengths |= uint16(1 << (key >> 64));
    }

    /// @dev Takes company prefix `prefix` from its owner; returns that owner. Lots already commissioned under it keep
    /// their manufacturer. The prefix's leading parts stay marked as containing an assigned prefix (another prefix
    /// may sit under them too, and no count is kept), so a shorter prefix over a revoked one stays refused.
    function _revokeCompanyPrefix(string calldata prefix) internal returns (address from) {
        uint256 key;
        (from, key) = _assignedPrefix(prefix);
        delete _prefixOwners[key];
    }

    /// @dev Reverts unless `account` may act now; returns its record for further checks.
    function _requireAuthorized(address account) internal view virtual returns (Partner memory p) {
        p = _partners[account];
        Standing s = _standingOf(p);
        if (s != Standing.Authorized) revert PartnerNotAuthorized(account, s);
    }

    /// @dev `account`'s role (None for a stranger).
    function _roleOf(address account) internal view virtual returns (Role) {
        return _partners[account].role;
    }

    /// @dev Whether `account` may act now.
    function _isAuthorized(address account) internal view returns (bool) {
        return _standingOf(_partners[account]) == Standing.Authorized;
    }

    /// @dev Reverts unless `account` may act now and has role `role`.
    function _requireRole(address account, Role role) internal view returns (Partner memory p) {
        p = _requireAuthorized(account);
        if (p.role != role) revert PartnerWrongRole(account, p.role, role);
    }

    /// @dev The identity that key `key`, whose record is `p`, acts for: one more SLOAD only for a re-keyed partner.
    function _identityOfKey(address key, Partner memory p) internal view returns (address) {
        return p.rekeyed ? _identityOf[key] : key;
    }

    /// @dev Reverts unless `msg.sender` may act now (with role `role`, unless None); returns the identity it acts for.
    function _actor(Role role) internal view returns (address) {
        Partner memory p = role == Role.None ? _requireAuthorized(msg.sender) : _requireRole(msg.sender, role);
        return _identityOfKey(msg.sender, p);
    }

    /// @dev Whether `key` is, or was, a key of identity `identity` (the caller checks its standing, which refuses a
    /// retired key): the raw comparison first, so a partner never re-keyed pays nothing more.
    function _isKeyOf(address key, address identity) internal view returns (bool) {
        return key == identity || _identityOf[key] == identity;
    }

    /// @dev The identity of `account`, a key (current or retired) or an identity: for views and named holders.
    function _resolveIdentity(address account) internal view returns (address) {
        address identity = _identityOf[account];
        return identity == address(0) ? account : identity;
    }

    /// @dev The key that acts now for identity `identity` (itself until its key moved). Reads the identity's record
    /// first, which its caller reads next anyway, so a partner never re-keyed pays a warm read.
    function _keyFor(address identity) internal view returns (address) {
        if (_partners[identity].role != Role.None) return identity;
        address key = _keyOf[identity];
        return key == address(0) ? identity : key;
    }

    /// @dev Whether the partner whose identity is `identity` may act now (its current key's standing).
    function _isAuthorizedIdentity(address identity) internal view returns (bool) {
        Partner memory p = _partners[identity];
        if (p.role == Role.None) {
            address key = _keyOf[identity];
            if (key != address(0)) p = _partners[key];
        }
        return _standingOf(p) == Standing.Authorized;
    }

    /// @dev The key `key` proposed to rotate to (zero: none), and the key that proposed `proposed` (zero: none).
    function _pendingRotation(address key) internal view returns (address proposed) {
        return _proposedKeys[key];
    }

    function _proposerOf(address proposed) internal view returns (address key) {
        return _proposers[proposed];
    }

    /// @dev Records `key`'s proposal to rotate to `proposed`, dropping any earlier one; returns the one dropped.
    function _setPendingRotation(address key, address proposed) internal returns (address dropped) {
        dropped = _proposedKeys[key];
        if (dropped != address(0)) delete _proposers[dropped];
        if (proposed == address(0)) {
            delete _proposedKeys[key];
        } else {
            _proposedKeys[key] = proposed;
            _proposers[proposed] = key;
        }
    }

    /// @dev Reverts unless `account` may become a partner's key: not zero, never a partner's key (current or
    /// retired), not proposed by another rotation.
    function _requireFreshKey(address account) internal view {
        if (account == address(0)) revert PartnerInvalidAccount(account);
        _requireNeverKey(account);
        address proposer = _proposers[account];
        if (proposer != address(0)) revert RecoveryKeyPending(account, proposer);
    }

    /// @dev Reverts when `account` is a partner's key, or was one (a retired key's record keeps only the `rekeyed` bit,
    /// see `_moveKey`: the check costs no SLOAD more than the role's).
    function _requireNeverKey(address account) internal view {
        Partner storage record = _partners[account];
        Role existing = record.role;
        if (existing != Role.None) revert PartnerAlreadyOnboarded(account, existing);
        if (record.rekeyed) revert PartnerKeyRetired(account, _identityOf[account]);
    }

    /// @dev Moves known partner `key`'s record (role, standing, licence, GLN, prefixes, nonce) to fresh account
    /// `newKey`; `key` is retired for good. Holdings and every other identity-keyed state stay where they are: bounded
    /// gas, whatever the partner holds. Returns the identity. A pending rotation of `key` is dropped.
    function _moveKey(address key, address newKey) internal returns (address identity) {
        Partner memory p = _knownPartner(key);
        identity = _identityOfKey(key, p);
        p.rekeyed = true;
        _partners[newKey] = p;
        // Retired: role None (unknown to every check, which refuses it) with only the `rekeyed` bit left, which
        // onboarding and rotations read to refuse the key for good.
        _partners[key] = Partner({
            role: Role.None,
            suspended: false,
            licenceExpiry: 0,
            gln: 0,
            prefixLengths: 0,
            nonce: 0,
            rekeyed: true
        });
        _identityOf[key] = identity;
        _identityOf[newKey] = identity;
        _keyOf[identity] = newKey;
        _glnAccounts[p.gln] = newKey;
        _setPendingRotation(key, address(0));
    }

    /// @dev The identity's current key and its record, for the views (an unknown account gives itself, empty).
    function _currentKeyOf(address account) internal view returns (address key) {
        address identity = _resolveIdentity(account);
        key = _keyOf[identity];
        if (key == address(0)) key = identity;
    }

    /// @dev Returns `account`'s next signature nonce and moves it on by one (the caller reverts on a mismatch,
    /// which undoes the move).
    function _useNonce(address account) internal returns (uint64 current) {
        Partner storage p = _partners[account];
        current = p.nonce;
        p.nonce = current + 1;
    }

    /// @dev Moves known partner `account`'s next signature nonce to `next`; returns the one it replaces.
    function _skipNonces(address account, uint64 next) internal virtual returns (uint64 previous) {
        Partner storage p = _knownPartner(account);
        previous = p.nonce;
        p.nonce = next;
    }

    /// @dev True when `account` (whose record is `p`) owns the company prefix that follows the leading digit of
    /// `number`, a key of `digits + 1` digits (a GTIN-14: 13, an SSCC: 17). Tries only the prefix lengths the
    /// account has (one, almost always): at most 9 lookups, independent of history.
    function _ownsPrefixOf(Partner memory p, address account, uint64 number, uint256 digits)
        internal
        view
        returns (bool)
    {
        uint256 lengths = p.prefixLengths;
        for (uint256 length = GS1.MIN_PREFIX_LENGTH; length <= GS1.MAX_PREFIX_LENGTH; ++length) {
            if ((lengths >> length) & 1 == 1 && _prefixOwners[GS1.leadingPrefixKey(number, digits, length)] == account)
            {
                return true;
            }
        }
        return false;
    }

    function _standingOf(Partner memory p) private view returns (Standing) {
        if (p.role == Role.None) return Standing.Unknown;
        if (p.suspended) return Standing.Suspended;
        if (p.licenceExpiry < block.timestamp) return Standing.LicenceExpired;
        return Standing.Authorized;
    }

    function _knownPartner(address account) private view returns (Partner storage p) {
        p = _partners[account];
        if (p.role == Role.None) revert PartnerUnknown(account);
    }

    function _assignedPrefix(string calldata prefix) private view returns (address owner, uint256 key) {
        bool ok;
        (ok, key, ) = GS1.parseCompanyPrefix(prefix);
        if (!ok) revert PartnerInvalidCompanyPrefix(prefix);
        owner = _prefixOwners[key];
        if (owner == address(0)) revert PartnerCompanyPrefixNotAssigned(prefix);
    }

    function _requireFutureExpiry(uint40 expiry) private view {
        if (expiry <= block.timestamp) revert PartnerLicenceExpiryNotInFuture(expiry, block.timestamp);
    }

    /// @dev Writes partner `account`'s record as the predecessor has it (`IMigration.adoptPartner`), GLN included.
    /// Refuses an account this suite knows and a GLN another account holds here.
    function _adoptPartnerRecord(address account, Partner memory record) internal {
        Role existing = _partners[account].role;
        if (existing != Role.None) revert PartnerAlreadyOnboarded(account, existing);
        address glnHolder = _glnAccounts[record.gln];
        if (glnHolder != address(0)) revert PartnerGlnTaken(record.gln, glnHolder);
        _partners[account] = record;
        _glnAccounts[record.gln] = account;
    }
}
