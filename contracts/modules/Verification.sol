// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVerification} from "../interfaces/IVerification.sol";
import {Batch, Holding, Verdict} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {Ids} from "../libraries/Ids.sol";
import {Dispensing} from "./Dispensing.sol";

/// @title Pack verification
abstract contract Verification is Dispensing, IVerification {
    /// @inheritdoc IVerification
    function verifyPack(uint64 gtin, string calldata lot, bytes32 serial, bytes32[] calldata proof, address holder)
        external
        view
        returns (Verdict verdict, bytes32 batchId)
    {
        batchId = Ids.batchId(gtin, lot);
        Batch memory b = _batchRecord(batchId);
        if (b.expiry == 0) return (Verdict.UnknownBatch, batchId);
        if (b.serialRoot == bytes21(0) || !Ids.provesSerial(proof, b.serialRoot, serial)) {
            return (Verdict.SerialNotInBatch, batchId);
        }
        if (BatchFlags.has(b.flags, BatchFlags.ILLEGITIMATE)) return (Verdict.Illegitimate, batchId);
        if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) return (Verdict.Recalled, batchId);
        if (_isDispensed(batchId, serial)) return (Verdict.AlreadyDispensed, batchId);
        if (_isSuspect(batchId, b.flags)) return (Verdict.Suspect, batchId);
        if (b.expiry < block.timestamp) return (Verdict.Expired, batchId);
        if (holder != address(0)) {
            Holding memory h = _holding(batchId, holder);
            if (h.saleable == 0) return (h.quarantined != 0 ? Verdict.Quarantined : Verdict.NotInCustody, batchId);
        }
        return (Verdict.Genuine, batchId);
    }
}
