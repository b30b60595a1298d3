// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Partner, Role, Standing} from "./RxTypes.sol";

/// @title Trading-partner registry
/// @notice Only authorized trading partners may hold or move product (US DSCSA). The admin onboards each
/// partner with a role, a GLN and a licence; "authorized" is evaluated at block time, so an expired licence
/// stops a partner without anyone acting.
interface IPartnerRegistry {
    /// @notice `account` was onboarded as `role` at location `gln`, licensed under `licenceRef` until `licenceExpiry`.
    event PartnerOnboarded(
        address indexed account,
        Role indexed role,
        uint64 indexed gln,
        bytes32 licenceRef,
        uint40 licenceExpiry,
        string name
    );
    /// @notice `account` now owns company prefix `prefix`: a manufacturer may commission GTINs that start with it,
    /// and any partner may seal cases whose SSCC carries it.
    event CompanyPrefixAssigned(address indexed account, string prefix);
    /// @notice `account`'s licence is now `licenceRef`, valid until `licenceExpiry`.
    event LicenceRenewed(address indexed account, bytes32 licenceRef, uint40 licenceExpiry);
    /// @notice `account` may no longer act; `reason` is the hash of the admin's reason document.
    event PartnerSuspended(address indexed account, bytes32 reason);
    /// @notice `account` may act again.
    event PartnerReinstated(address indexed account);

    /// @notice The zero address cannot be a partner.
    error PartnerInvalidAccount(address account);
    /// @notice `Role.None` is not a role a partner can have.
    error PartnerInvalidRole(Role role);
    /// @notice `gln` is not 13 digits with a correct GS1 check digit.
    error PartnerInvalidGln(uint64 gln);
    /// @notice A partner needs a name (a company name: never personal data).
    error PartnerInvalidName(string name);
    /// @notice `account` is already a partner with role `role`.
    error PartnerAlreadyOnboarded(address account, Role role);
    /// @notice `gln` already belongs to `holder`.
    error PartnerGlnTaken(uint64 gln, address holder);
    /// @notice A licence must expire after the current block time `now`.
    error PartnerLicenceExpiryNotInFuture(uint40 expiry, uint256 now);
    /// @notice `account` was never onboarded.
    error PartnerUnknown(address account);
    /// @notice `account` was a key of partner `identity` until a key rotation or a re-key retired it: it can never be
    /// onboarded again (see `IRecovery`).
    error PartnerKeyRetired(address account, address identity);
    /// @notice `account` is suspended already.
    error PartnerAlreadySuspended(address account);
    /// @notice `account` is not suspended.
    error PartnerNotSuspended(address account);
    /// @notice `account` may not act now: it is unknown, suspended or its licence expired (`standing`).
    error PartnerNotAuthorized(address account, Standing standing);
    /// @notice `account` has role `role` but the operation needs `required`.
    error PartnerWrongRole(address account, Role role, Role required);
    /// @notice `prefix` is not 4 to 12 decimal digits.
    error PartnerInvalidCompanyPrefix(string prefix);
    /// @notice `prefix` is already assigned to `owner`.
    error PartnerCompanyPrefixTaken(string prefix, address owner);
    /// @notice `prefix` starts with, or is the start of, a prefix assigned to `owner`. GS1 never allocates
    /// nested prefixes; accepting one would let a manufacturer commission GTINs of another brand.
    error PartnerCompanyPrefixOverlaps(string prefix, address owner);
    /// @notice Company prefix `prefix` is assigned to nobody, so it cannot be transferred or revoked.
    error PartnerCompanyPrefixNotAssigned(string prefix);

    /// @notice Onboards `account` as a trading partner. A manufacturer or a regulator: the admin only (a timelock on
    /// public networks, so every partner sees it coming); a distributor or a dispenser: the admin or an operator
    /// (`IGovernance.OPERATOR_ROLE`, a hot key for routine acts).
    /// @param account the partner's signing address
    /// @param role what the partner does (not `None`)
    /// @param gln the partner's 13-digit GLN, unique across partners
    /// @param licenceRef hash of the licence document (state licence, WDA, pharmacy permit...)
    /// @param licenceExpiry unix second after which the licence is no longer valid
    /// @param name the company name shown in provenance timelines (emitted, not stored)
    function onboardPartner(
        address account,
        Role role,
        uint64 gln,
        bytes32 licenceRef,
        uint40 licenceExpiry,
        string calldata name
    ) external;

    /// @notice Assigns GS1 company prefix `prefix` (4 to 12 digits) to partner `account`, of any role. Admin only.
    /// A manufacturer may commission only GTINs under its own prefixes, and any partner may seal only cases whose
    /// SSCC carries one of its prefixes (distributors get prefixes for their SSCCs); prefixes never nest. `account` is
    /// the partner's current key; the prefix goes to its identity (see `IRecovery`).
    function assignCompanyPrefix(address account, string calldata prefix) external;

    /// @notice Replaces `account`'s licence with `licenceRef`, valid until `licenceExpiry`. As `onboardPartner`: the
    /// admin only for a manufacturer or a regulator, the admin or an operator for a distributor or a dispenser.
    function renewLicence(address account, bytes32 licenceRef, uint40 licenceExpiry) external;

    /// @notice Suspends `account`: it can no longer hold, move or act on product. The admin or an operator, for any
    /// partner (stopping a compromised key must not wait for a timelock); works while paused. `account` may be any key
    /// of the partner or its identity: the current key is suspended (a rotation just before cannot dodge it), and a
    /// rotation it had proposed is dropped (`IRecoveryEvents.KeyRotationCancelled`).
    function suspendPartner(address account, bytes32 reason) external;

    /// @notice Lifts `account`'s suspension. As `onboardPartner`: the admin only for a manufacturer or a regulator,
    /// the admin or an operator for a distributor or a dispenser.
    function reinstatePartner(address account) external;

    /// @notice The stored record of key `account` (all zero for a stranger; only `rekeyed` set for a retired key); for
    /// a partner's identity whose key moved, the record of its current key (see `IRecovery`).
    function partner(address account) external view returns (Partner memory);

    /// @notice Whether `account` may act at the current block, and if not, why.
    function standing(address account) external view returns (Standing);

    /// @notice The account registered at `gln`, or zero.
    function accountOfGln(uint64 gln) external view returns (address);

    /// @notice The partner that owns company prefix `prefix`, or zero.
    function companyPrefixOwner(string calldata prefix) external view returns (address);
}
