// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchRegistry} from "../interfaces/IBatchRegistry.sol";
import {Batch, Holding, Partner, Role, SuspectHold} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {GS1} from "../libraries/GS1.sol";
import {HoldingPacking} from "../libraries/HoldingPacking.sol";
import {Ids} from "../libraries/Ids.sol";
import {PartnerRegistry} from "./PartnerRegistry.sol";

/// @title Batch commissioning and stock
/// @dev Storage keeps what later transactions decide on: the packed batch record (with the serial root), the
/// manufacturer and per-holder stock. GTIN, lot, quantity, the full root and the certificate live in the event.
abstract contract BatchRegistry is PartnerRegistry, IBatchRegistry {
    mapping(bytes32 batchId => Batch record) private _batches;
    /// @dev Apart from the hot record: only recalls and returns to the manufacturer read it.
    mapping(bytes32 batchId => address manufacturer) private _manufacturers;
    /// @dev Stock per (batch, holder): one packed word each (see HoldingPacking), so no operation iterates over
    /// holders and each reads and writes its stock once.
    mapping(bytes32 batchId => mapping(address holder => uint256 packed)) private _holdings;
    /// @dev Who flagged a batch suspect and when a holder's flag lapses; read only while the SUSPECT flag is set.
    mapping(bytes32 batchId => SuspectHold hold) private _suspectHolds;

    /// @dev The hash of the expiry and certificate correction a batch's manufacturer proposed, awaiting a regulator
    /// (IGovernance); zero when none. Declared here, with the batch, so that the core's layout has it too.
    mapping(bytes32 batchId => bytes32 proposal) private _correctionProposals;

    /// @inheritdoc IBatchRegistry
    function commissionBatch(Commission calldata c) external virtual whenNotPaused returns (bytes32 batchId) {
        address manufacturer;
        (batchId, manufacturer) = _checkCommission(c);
        if (_batches[batchId].expiry != 0 || _onPredecessor(batchId)) revert BatchAlreadyCommissioned(batchId);

        _batches[batchId] = Batch({
            serialRoot: bytes21(c.serialRoot),
            expiry: c.expiry,
            minTemp: c.minTemp,
            maxTemp: c.maxTemp,
            flags: 0,
            recallClass: 0
        });
        _manufacturers[batchId] = manufacturer;
        _holdings[batchId][manufacturer] = c.quantity; // saleable: the lowest 48 bits
        emit BatchCommissioned(batchId, manufacturer, c.gtin, c);
    }

    /// @inheritdoc IBatchRegistry
    function batch(bytes32 batchId) external view virtual returns (Batch memory) {
        return _batches[batchId];
    }

    /// @inheritdoc IBatchRegistry
    function manufacturerOf(bytes32 batchId) external view returns (address) {
        return _manufacturers[batchId];
    }

    /// @inheritdoc IBatchRegistry
    function holding(bytes32 batchId, address holder) external view virtual returns (Holding memory) {
        return _holding(batchId, _resolveIdentity(holder));
    }

    /// @inheritdoc IBatchRegistry
    function batchIdOf(uint64 gtin, string calldata lot) external pure returns (bytes32) {
        return Ids.batchId(gtin, lot);
    }

    /// @dev The record of batch `batchId`; reverts when it was never commissioned.
    function _existingBatch(bytes32 batchId) internal view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.expiry == 0) revert BatchUnknown(batchId);
    }

    /// @dev Checks every field of `c` and that the caller is an authorized manufacturer owning the GTIN's company
    /// prefix, as commissioning requires (superseding a batch too); returns the batch's id and the caller's identity.
    function _checkCommission(Commission calldata c) internal view returns (bytes32, address manufacturer) {
        Partner memory p = _requireRole(msg.sender, Role.Manufacturer);
        manufacturer = _identityOfKey(msg.sender, p);
        if (!GS1.isGtin14(c.gtin)) revert BatchInvalidGtin(c.gtin);
        if (!GS1.isLot(c.lot)) revert BatchInvalidLot(c.lot);
        if (!_ownsPrefixOf(p, manufacturer, c.gtin, 13)) revert BatchGtinNotOwned(c.gtin, msg.sender);
        if (c.expiry <= block.timestamp) revert BatchExpiryNotInFuture(c.expiry, block.timestamp);
        if (c.quantity == 0) revert BatchInvalidQuantity(c.quantity);
        if (c.minTemp >= c.maxTemp) revert BatchInvalidStorageRange(c.minTemp, c.maxTemp);
        if (c.serialRoot != bytes32(0) && bytes21(c.serialRoot) == bytes21(0)) {
            revert BatchInvalidSerialRoot(c.serialRoot);
        }
        if (c.certificateHash == bytes32(0) || bytes(c.certificateURI).length == 0) {
            revert BatchMissingCertificate(c.certificateHash, c.certificateURI);
        }
        return (Ids.batchId(c.gtin, c.lot), manufacturer);
    }

    function _correctionProposal(bytes32 batchId) internal view returns (bytes32) {
        return _correctionProposals[batchId];
    }

    function _setCorrectionProposal(bytes32 batchId, bytes32 proposal) internal {
        _correctionProposals[batchId] = proposal;
    }

    /// @dev The record of batch `batchId`, possibly empty.
    function _batchRecord(bytes32 batchId) internal view returns (Batch storage) {
        return _batches[batchId];
    }

    function _manufacturerOf(bytes32 batchId) internal view returns (address) {
        return _manufacturers[batchId];
    }

    /// @dev `holder`'s stock of batch `batchId`, read with one SLOAD.
    function _holding(bytes32 batchId, address holder) internal view returns (Holding memory) {
        return HoldingPacking.unpack(_holdings[batchId][holder]);
    }

    /// @dev `holder`'s stock of batch `batchId` as the packed word, for the hottest path (dispense).
    function _packedHolding(bytes32 batchId, address holder) internal view returns (uint256) {
        return _holdings[batchId][holder];
    }

    function _setPackedHolding(bytes32 batchId, address holder, uint256 word) internal {
        _holdings[batchId][holder] = word;
    }

    /// @dev Writes `holder`'s stock of batch `batchId` with one SSTORE.
    function _setHolding(bytes32 batchId, address holder, Holding memory h) internal {
        _holdings[batchId][holder] = HoldingPacking.pack(h);
    }

    /// @dev Whether batch `batchId` (whose flags are `flags`) is on hold as suspect now: flagged, by a regulator
    /// or confirmed by one, or by a holder less than SUSPECT_LAPSE ago. Reads the hold only when flagged.
    function _isSuspect(bytes32 batchId, uint8 flags) internal view returns (bool) {
        if (!BatchFlags.has(flags, BatchFlags.SUSPECT)) return false;
        uint40 lapsesAt = _suspectHolds[batchId].lapsesAt;
        return lapsesAt == 0 || block.timestamp < lapsesAt;
    }

    function _suspectHold(bytes32 batchId) internal view returns (SuspectHold storage) {
        return _suspectHolds[batchId];
    }

    /// @dev Reverts when the batch is on hold (suspect or illegitimate).
    function _requireNotOnHold(bytes32 batchId, uint8 flags) internal view {
        if (BatchFlags.has(flags, BatchFlags.ILLEGITIMATE)) revert BatchIsIllegitimate(batchId);
        if (_isSuspect(batchId, flags)) revert BatchOnHold(batchId);
    }

    /// @dev Reverts unless the batch may move forward or be dispensed: not on hold, not recalled, not expired.
    /// With no flag set (the happy path) the flags are tested once.
    function _requireForwardable(bytes32 batchId, Batch memory b) internal view {
        if (b.flags != 0) {
            _requireNotOnHold(batchId, b.flags);
            if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) revert BatchUnderRecall(batchId, b.recallClass);
        }
        if (b.expiry < block.timestamp) revert BatchExpired(batchId, b.expiry, block.timestamp);
    }

    /// @dev Whether the predecessor (`IMigration`) holds lot `batchId`: such a lot is adopted, never commissioned again
    /// here, or the packs dispensed there would read GENUINE here (the dispensed set is asked of the predecessor only
    /// for an ADOPTED batch). A suite without a predecessor pays a warm read of the pause slot.
    function _onPredecessor(bytes32 batchId) private view returns (bool) {
        return _hasPredecessor() && IBatchRegistry(_predecessorOf()).batch(batchId).expiry != 0;
    }

    /// @dev Writes batch `batchId` as the predecessor has it (`IMigration.adoptBatch`), marked ADOPTED; refuses a batch
    /// this suite knows (commissioned here or adopted already).
    function _adoptBatchRecord(bytes32 batchId, Batch memory record, address manufacturer) internal {
        if (_batches[batchId].expiry != 0) revert BatchAlreadyCommissioned(batchId);
        record.flags |= BatchFlags.ADOPTED;
        _batches[batchId] = record;
        _manufacturers[batchId] = manufacturer;
    }
}
