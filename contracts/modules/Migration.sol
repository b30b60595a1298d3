// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICorrections} from "../interfaces/ICorrections.sol";
import {IGovernance} from "../interfaces/IGovernance.sol";
import {IMigration} from "../interfaces/IMigration.sol";
import {IRxTrace} from "../interfaces/IRxTrace.sol";
import {
    Batch,
    FinalAct,
    FinalDecision,
    Holding,
    Partner,
    Role,
    Shipment,
    ShipmentRecord,
    ShipmentStatus,
    SuspectHold
} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {HoldingPacking} from "../libraries/HoldingPacking.sol";
import {Ids} from "../libraries/Ids.sol";
import {RxLaterExtensionBase} from "./RxLaterExtensionBase.sol";

/// @title Migration: retiring a suite and adopting its records in a successor
/// @notice Why a successor rather than an upgradeable proxy (docs/governance.md): a proxy costs every hot call a
/// DELEGATECALL and a cold implementation read (about 2,600 gas, over the 2% budget of the main operations) and keeps
/// one upgrade key able to change every rule at once; a successor is new code that each partner can read before it
/// holds anything, and it costs the hot paths nothing but a bit test.
/// @dev Served by `RxTraceExtension2`. Declares no storage: what it keeps (predecessor, successor, adopted records)
/// is declared in `RxAccess`, which every contract of the suite inherits. Each adoption copies one record as the
/// predecessor stores it, so every rule that held there holds here; the predecessor is retired (frozen) before anything
/// is copied, so the copy stays exact.
abstract contract Migration is RxLaterExtensionBase, IMigration {
    /// @inheritdoc IMigration
    function takeOverFrom(address predecessor_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address existing = _predecessorOf();
        if (existing != address(0)) revert MigrationPredecessorAlreadySet(existing);
        if (predecessor_ == address(0) || predecessor_ == address(this) || predecessor_.code.length == 0) {
            revert MigrationInvalidPredecessor(predecessor_);
        }
        _setPredecessor(predecessor_);
        emit PredecessorSet(predecessor_, msg.sender);
    }

    /// @inheritdoc IMigration
    function retire(address successor_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireNotRetired();
        address named;
        if (successor_ != address(this) && successor_.code.length != 0) named = IMigration(successor_).predecessor();
        if (named != address(this)) revert MigrationInvalidSuccessor(successor_, named);
        _retire(successor_);
        emit Retired(successor_, msg.sender);
    }

    /// @inheritdoc IMigration
    function adoptPartner(address account) external {
        IRxTrace from = _adoptingFrom();
        _adoptOnce(Record.Partner, bytes32(0), account);
        Partner memory p = from.partner(account);
        if (p.role == Role.None) revert MigrationNotOnPredecessor(Record.Partner, bytes32(0), account);
        _adoptPartnerRecord(account, p);
        emit PartnerAdopted(account, p.role, p.gln, p.licenceExpiry, p.suspended);
    }

    /// @inheritdoc IMigration
    function adoptCompanyPrefix(string calldata prefix) external {
        IRxTrace from = _adoptingFrom();
        bytes32 id = keccak256(bytes(prefix));
        _adoptOnce(Record.CompanyPrefix, id, address(0));
        address owner = from.companyPrefixOwner(prefix);
        if (owner == address(0)) revert MigrationNotOnPredecessor(Record.CompanyPrefix, id, address(0));
        _assignCompanyPrefix(owner, prefix);
        emit CompanyPrefixAdopted(owner, prefix);
    }

    /// @inheritdoc IMigration
    function adoptBatch(bytes32 batchId) external {
        IRxTrace from = _adoptingFrom();
        _adoptOnce(Record.Batch, batchId, address(0));
        Batch memory b = from.batch(batchId);
        if (b.expiry == 0) revert MigrationNotOnPredecessor(Record.Batch, batchId, address(0));
        address manufacturer = from.manufacturerOf(batchId);
        _adoptBatchRecord(batchId, b, manufacturer);
        if (BatchFlags.has(b.flags, BatchFlags.SUSPECT)) {
            SuspectHold memory hold = from.suspectHold(batchId);
            SuspectHold storage here = _suspectHold(batchId);
            here.by = hold.by;
            here.lapsesAt = hold.lapsesAt;
        }
        IGovernance governance = IGovernance(address(from));
        if (BatchFlags.has(b.flags, BatchFlags.ILLEGITIMATE)) {
            _adoptDecision(governance, batchId, FinalAct.Illegitimate);
        }
        if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) _adoptDecision(governance, batchId, FinalAct.RecallClassI);
        bytes32 proposal = ICorrections(address(from)).correctionProposal(batchId);
        if (proposal != 0) _setCorrectionProposal(batchId, proposal);
        emit BatchAdopted(batchId, manufacturer, _batchRecord(batchId));
    }

    /// @inheritdoc IMigration
    function adoptHolding(bytes32 batchId, address holder) external {
        IRxTrace from = _adoptingFrom();
        _requireAdoptedBatch(batchId);
        _adoptOnce(Record.Holding, batchId, holder);
        if (_packedHolding(batchId, holder) != 0) revert MigrationRecordInUse(Record.Holding, batchId, holder);
        Holding memory h = from.holding(batchId, holder);
        uint256 word = HoldingPacking.pack(h);
        bool flagged = IMigration(address(from)).hasFlaggedSuspect(batchId, holder);
        if (word == 0 && !flagged) revert MigrationNotOnPredecessor(Record.Holding, batchId, holder);
        _setPackedHolding(batchId, holder, word);
        if (flagged) _setFlagged(batchId, holder);
        emit HoldingAdopted(batchId, holder, h);
    }

    /// @inheritdoc IMigration
    function adoptShipment(Shipment calldata s) external {
        IRxTrace from = _adoptingFrom();
        _requireAdoptedBatch(s.batchId);
        bytes32 shipmentId = Ids.shipmentId(s);
        _adoptOnce(Record.Shipment, shipmentId, address(0));
        ShipmentRecord memory record = from.shipment(shipmentId);
        if (record.status == ShipmentStatus.None) {
            revert MigrationNotOnPredecessor(Record.Shipment, shipmentId, address(0));
        }
        ShipmentRecord storage here = _shipmentRecord(shipmentId);
        if (here.status != ShipmentStatus.None) revert MigrationRecordInUse(Record.Shipment, shipmentId, address(0));
        here.status = record.status;
        here.isReturn = record.isReturn;
        here.shippedAt = record.shippedAt;
        here.manifest = record.manifest;
        here.receiverShipments = record.receiverShipments;
        emit ShipmentAdopted(shipmentId, s.batchId, s, record);
    }

    /// @inheritdoc IMigration
    function adoptCase(uint64 sscc) external {
        IRxTrace from = _adoptingFrom();
        bytes32 id = bytes32(uint256(sscc));
        _adoptOnce(Record.Case, id, address(0));
        bytes32 commitment = IMigration(address(from)).caseCommitment(sscc);
        if (commitment == 0) revert MigrationNotOnPredecessor(Record.Case, id, address(0));
        if (_caseCommitment(sscc) != 0) revert MigrationRecordInUse(Record.Case, id, address(0));
        _setCaseCommitment(sscc, commitment);
        emit CaseAdopted(sscc, commitment);
    }

    /// @inheritdoc IMigration
    function predecessor() external view returns (address) {
        return _predecessorOf();
    }

    /// @inheritdoc IMigration
    function successor() external view returns (address) {
        return _successorOf();
    }

    /// @inheritdoc IMigration
    function isAdopted(Record kind, bytes32 id, address account) external view returns (bool) {
        return _isAdopted(_adoptionKey(kind, id, account));
    }

    /// @inheritdoc IMigration
    function caseCommitment(uint64 sscc) external view returns (bytes32) {
        return _caseCommitment(sscc);
    }

    /// @inheritdoc IMigration
    function hasFlaggedSuspect(bytes32 batchId, address holder) external view returns (bool) {
        return _hasFlagged(batchId, holder);
    }

    /// @dev The predecessor to adopt from: it must exist and have retired in favour of this suite, which must not be
    /// retired itself.
    function _adoptingFrom() private view returns (IRxTrace) {
        _requireDelegated(); // and not retired
        address from = _predecessorOf();
        if (from == address(0)) revert MigrationNoPredecessor();
        address handedTo = IMigration(from).successor();
        if (handedTo != address(this)) revert MigrationPredecessorNotRetired(from, handedTo);
        return IRxTrace(from);
    }

    /// @dev Reverts unless batch `batchId` was adopted here: a lot commissioned here (an early unpause) is not the
    /// predecessor's, and must not receive its stock.
    function _requireAdoptedBatch(bytes32 batchId) private view {
        if (!_isAdopted(_adoptionKey(Record.Batch, batchId, address(0)))) revert MigrationBatchNotAdopted(batchId);
    }

    /// @dev Marks record (`kind`, `id`, `account`) adopted; reverts when it was already.
    function _adoptOnce(Record kind, bytes32 id, address account) private {
        if (!_markAdopted(_adoptionKey(kind, id, account))) revert MigrationAlreadyAdopted(kind, id, account);
    }

    /// @dev Copies the reversible final act `act` on `batchId` (who took it and when) so that the reversal window and
    /// condemnation run on as they would have on the predecessor.
    function _adoptDecision(IGovernance from, bytes32 batchId, FinalAct act) private {
        FinalDecision memory d = from.finalDecision(batchId, act);
        if (d.at == 0) return;
        FinalDecision storage here = _finalDecision(batchId, act);
        here.by = d.by;
        here.at = d.at;
        here.previous = d.previous;
    }

    function _adoptionKey(Record kind, bytes32 id, address account) private pure returns (bytes32) {
        return keccak256(abi.encode(kind, id, account));
    }
}
