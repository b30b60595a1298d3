// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Batch, Holding, Role, Shipment, ShipmentRecord} from "./RxTypes.sol";

/// @title Migration: a successor deployment takes over from its predecessor
/// @notice No proxy: a successor is a new deployment that copies, record by record, what the retired predecessor holds,
/// and reads there what is too big to copy (the dispensed packs of an adopted batch). Served by the second extension
/// and reached at the core's address through its `fallback` (see `RxTrace`). The steps (docs/governance.md):
/// 1. the successor's admin names the predecessor (`takeOverFrom`), once; the successor stays paused;
/// 2. the predecessor's admin (its timelock) retires it in favour of the successor (`retire`): every act on the
///    predecessor stops for good, its views keep answering;
/// 3. anyone adopts each record (`adopt*`, `rx:migrate`): the copy is exact since the predecessor can no longer change,
///    each record once; adoption works while the successor is paused, so nothing moves before the copy is whole;
/// 4. the successor's pauser unpauses it.
interface IMigration {
    /// @notice The kinds of record a successor adopts, as errors and `isAdopted` name them.
    enum Record {
        Partner,
        CompanyPrefix,
        Batch,
        Holding,
        Shipment,
        Case
    }

    /// @notice The admin `by` named `predecessor` as the deployment this suite takes over from.
    event PredecessorSet(address indexed predecessor, address indexed by);
    /// @notice The admin `by` retired this suite in favour of `successor`: every act stops for good, views answer.
    event Retired(address indexed successor, address indexed by);
    /// @notice Partner `account`'s record (role, GLN, licence expiry, suspension, prefix lengths, nonce) was copied
    /// from the predecessor.
    event PartnerAdopted(address indexed account, Role role, uint64 gln, uint40 licenceExpiry, bool suspended);
    /// @notice Company prefix `prefix` of `account` was copied from the predecessor.
    event CompanyPrefixAdopted(address indexed account, string prefix);
    /// @notice Batch `batchId` of `manufacturer` was copied from the predecessor with its suspect hold, final decisions
    /// and pending correction; `record` is as stored here (flags with ADOPTED).
    event BatchAdopted(bytes32 indexed batchId, address indexed manufacturer, Batch record);
    /// @notice `holder`'s stock of batch `batchId` was copied from the predecessor.
    event HoldingAdopted(bytes32 indexed batchId, address indexed holder, Holding holding);
    /// @notice Shipment `shipmentId` (`shipment`, of batch `batchId`) was copied from the predecessor as `record`: in
    /// transit, its receiver may receive or reject it here and its sender cancel it; a received pack leg stays the
    /// dispenser's custody record.
    event ShipmentAdopted(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        Shipment shipment,
        ShipmentRecord record
    );
    /// @notice Shipping case `sscc` was copied from the predecessor (`commitment`: what it was sealed with, or opened).
    event CaseAdopted(uint64 indexed sscc, bytes32 commitment);

    /// @notice This suite is retired in favour of `successor`: nothing changes here any more.
    error MigrationRetired(address successor);
    /// @notice This suite has no predecessor: there is nothing to adopt.
    error MigrationNoPredecessor();
    /// @notice This suite already takes over from `predecessor`; it is named once.
    error MigrationPredecessorAlreadySet(address predecessor);
    /// @notice `predecessor` cannot be a predecessor: zero, this suite itself, or an address without code.
    error MigrationInvalidPredecessor(address predecessor);
    /// @notice `successor` does not name this suite as its predecessor (it names `itsPredecessor`), or has no code.
    error MigrationInvalidSuccessor(address successor, address itsPredecessor);
    /// @notice The predecessor `predecessor` is not retired in favour of this suite (its successor: `itsSuccessor`):
    /// a copy taken now could be outdated at once.
    error MigrationPredecessorNotRetired(address predecessor, address itsSuccessor);
    /// @notice Record `kind` (`id`, `account`) was adopted already: each record is adopted once.
    error MigrationAlreadyAdopted(Record kind, bytes32 id, address account);
    /// @notice The predecessor holds no record `kind` (`id`, `account`).
    error MigrationNotOnPredecessor(Record kind, bytes32 id, address account);
    /// @notice Batch `batchId` was not adopted here (unknown, or commissioned here): adopt it before its holdings and
    /// shipments, which are the predecessor's stock of the predecessor's lot.
    error MigrationBatchNotAdopted(bytes32 batchId);
    /// @notice Record `kind` (`id`, `account`) already has state of its own here (it moved before it was adopted):
    /// copying would overwrite it.
    error MigrationRecordInUse(Record kind, bytes32 id, address account);

    /// @notice Names `predecessor` as the retired (or soon retired) deployment this suite takes over from, once.
    /// @dev DEFAULT_ADMIN_ROLE (the timelock on public networks). `deployRxTrace` does it when told a predecessor.
    function takeOverFrom(address predecessor) external;

    /// @notice Retires this suite in favour of `successor`, which must already name this suite as its predecessor:
    /// every state-changing act stops for good (no one can unpause), views keep answering, and the successor may
    /// adopt every record.
    /// @dev DEFAULT_ADMIN_ROLE (the timelock on public networks); works while paused.
    function retire(address successor) external;

    /// @notice Copies partner `account`'s record and GLN from the predecessor. Anyone; once per partner.
    function adoptPartner(address account) external;

    /// @notice Copies company prefix `prefix` and its owner (adopted first) from the predecessor. Anyone; once.
    function adoptCompanyPrefix(string calldata prefix) external;

    /// @notice Copies batch `batchId` from the predecessor (record, manufacturer, suspect hold, reversible final
    /// decisions, pending correction) and marks it ADOPTED: its packs dispensed on the predecessor stay dispensed
    /// here. Anyone; once per batch.
    function adoptBatch(bytes32 batchId) external;

    /// @notice Copies `holder`'s stock of batch `batchId` (adopted first) and its used suspect flag from the
    /// predecessor. Anyone; once per (batch, holder), and only while the holder has no stock of the batch here.
    function adoptHolding(bytes32 batchId, address holder) external;

    /// @notice Copies shipment `s` (of an adopted batch) from the predecessor: in transit, cancelled, or a received
    /// pack leg. Anyone; once per shipment.
    function adoptShipment(Shipment calldata s) external;

    /// @notice Copies shipping case `sscc` (sealed or opened) from the predecessor. Anyone; once per case.
    function adoptCase(uint64 sscc) external;

    /// @notice The deployment this suite took over from (zero: none).
    function predecessor() external view returns (address);

    /// @notice The deployment this suite retired in favour of (zero: not retired).
    function successor() external view returns (address);

    /// @notice Whether record `kind` (`id`, `account`) was adopted here: a partner by `account`, a prefix by
    /// `id` = `keccak256(bytes(prefix))`, a batch, shipment by their id, a holding by (batch id, holder), a case by
    /// `id` = the SSCC.
    function isAdopted(Record kind, bytes32 id, address account) external view returns (bool);

    /// @notice What case `sscc` was sealed with (`keccak256(abi.encode(batchId, contents, packs))`), 1 once opened,
    /// zero when unused: what a successor copies.
    function caseCommitment(uint64 sscc) external view returns (bytes32);

    /// @notice Whether `holder` used its one suspect flag on batch `batchId`: what a successor copies with the holding.
    function hasFlaggedSuspect(bytes32 batchId, address holder) external view returns (bool);
}
