// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title The events and errors of key rotation and re-keying
/// @notice Apart from `IRecovery`'s functions so that the core (`RxTrace`) lists them in its ABI at no cost in code
/// (its module chain inherits this interface). Every address that the suite stores or emits for a partner (holdings,
/// shipments and their events, manufacturers, suspect holds, final decisions, company prefixes) is the partner's
/// identity: the account it was first onboarded with, which never changes. Only the partner's record, its GLN's
/// account and its signature nonces follow its key; `identityOf` and `keyOf` translate.
interface IRecoveryEvents {
    /// @notice Partner `identity`'s current key `key` proposed to hand the partner over to `proposed`, which must
    /// accept with `acceptKeyRotation`.
    event KeyRotationProposed(address indexed identity, address indexed key, address indexed proposed);
    /// @notice The pending rotation of partner `identity` from `key` to `proposed` was cancelled by `by` (one of the
    /// two keys).
    event KeyRotationCancelled(address indexed identity, address indexed key, address indexed proposed, address by);
    /// @notice Partner `identity` now acts with `newKey`; `oldKey` is retired for good (refused for every act, its
    /// signatures with it). `byAdmin`: a re-key by the admin (a lost key), else the partner's own two-step rotation.
    event PartnerRekeyed(address indexed identity, address indexed oldKey, address indexed newKey, bool byAdmin);

    /// @notice `account` is the key proposed by `proposer`'s pending rotation: it cannot become another's key.
    error RecoveryKeyPending(address account, address proposer);
    /// @notice No rotation to `account` (or proposed by it) is pending.
    error RecoveryNoPendingRotation(address account);
}

/// @title Key rotation and re-keying
/// @notice A partner rotates its own key in two steps (its current key proposes, the new key accepts; either may
/// cancel); the admin (the timelock on public networks) re-keys a partner whose key is lost or compromised. Either
/// way the partner's record (role, standing, licence, GLN, company prefixes, signature nonce) moves to the new key,
/// whatever stock it holds, in bounded gas: holdings and shipments name the identity, not the key. The old key is
/// retired for good: every act and every signature of it is refused, and it can never be onboarded again.
/// Shipments in transit to or from the partner are received, rejected or cancelled by its new key.
interface IRecovery is IRecoveryEvents {
    /// @notice The caller, an authorized partner's current key, proposes `proposed` as its next key (replacing any
    /// proposal of its own still pending). `proposed` must be a fresh account: never a partner's key, not proposed
    /// by another rotation. Refused while paused, and for a suspended or unlicensed partner (the admin re-keys it).
    function proposeKeyRotation(address proposed) external;

    /// @notice The caller, the key a partner's pending rotation proposed, becomes that partner's key; the proposing
    /// key is retired. The proposing partner must still be authorized. Refused while paused.
    function acceptKeyRotation() external;

    /// @notice Cancels the pending rotation the caller proposed, or the one that proposed the caller. Works while
    /// paused and for a suspended partner: it only takes a pending handover away.
    function cancelKeyRotation() external;

    /// @notice The admin (DEFAULT_ADMIN_ROLE: the timelock on public networks, so every partner sees it coming)
    /// moves the partner of `account` (its current key, a retired key or its identity) to fresh account `newKey`;
    /// its current key is retired, a pending rotation dropped. A pending rotation that proposed `newKey` (another
    /// partner's) is dropped too, with `KeyRotationCancelled` naming the admin: the re-key, public for the timelock's
    /// delay, must not be voidable by anyone proposing the key it names. The partner's suspension, if any, moves with
    /// it (the reinstatement is a separate act). Works while paused: it takes control away from a lost or stolen key.
    function rekeyPartner(address account, address newKey) external;

    /// @notice The identity `account` acts for (a current or retired key), or `account` itself.
    function identityOf(address account) external view returns (address);

    /// @notice The key that acts now for the partner of `account` (an identity or any of its keys), or `account`.
    function keyOf(address account) external view returns (address);

    /// @notice The key that `key`'s pending rotation proposed (zero: none).
    function pendingKeyRotation(address key) external view returns (address);
}
