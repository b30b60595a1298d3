// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVerification} from "../interfaces/IVerification.sol";
import {
    Batch,
    CustodyRule,
    Holding,
    PackClaim,
    Shipment,
    ShipmentRecord,
    ShipmentStatus,
    Verdict
} from "../interfaces/RxTypes.sol";
import {BatchFlags} from "../libraries/BatchFlags.sol";
import {HoldingPacking} from "../libraries/HoldingPacking.sol";
import {Ids} from "../libraries/Ids.sol";
import {Dispensing} from "./Dispensing.sol";

/// @title Pack verification
abstract contract Verification is Dispensing, IVerification {
    /// @inheritdoc IVerification
    function verifyPack(uint64 gtin, string calldata lot, bytes32 serial, bytes32[] calldata proof, address holder)
        external
        view
        virtual
        returns (Verdict verdict, bytes32 batchId)
    {
        (verdict, batchId) = _productVerdict(gtin, lot, serial, proof);
        if (verdict == Verdict.Genuine && holder != address(0)) verdict = _lotVerdict(batchId, holder);
    }

    /// @inheritdoc IVerification
    function verifyPackInCustody(
        uint64 gtin,
        string calldata lot,
        bytes32 serial,
        bytes32[] calldata proof,
        address holder,
        PackClaim calldata claim
    ) external view virtual returns (Verdict verdict, bytes32 batchId, CustodyRule rule) {
        (verdict, batchId) = _productVerdict(gtin, lot, serial, proof);
        if (verdict != Verdict.Genuine || holder == address(0)) return (verdict, batchId, CustodyRule.None);
        if (claim.sender == address(0)) return (_lotVerdict(batchId, holder), batchId, CustodyRule.Lot);
        rule = CustodyRule.Pack;
        uint256 stock = _packedHolding(batchId, holder);
        if (stock == 0) {
            // Stock and legs name identities: a key holds nothing under its own address (see `IRecovery`).
            holder = _resolveIdentity(holder);
            stock = _packedHolding(batchId, holder);
        }
        ShipmentRecord memory leg =
            _shipmentRecord(Ids.shipmentId(Shipment(batchId, claim.sender, holder, claim.quantity, claim.nonce)));
        if (
            bytes21(Ids.rootOf(claim.manifestProof, Ids.manifestPackLeaf(serial))) != leg.manifest
                || HoldingPacking.shipments(stock) != leg.receiverShipments || leg.shippedAt >= claim.quantity
        ) {
            verdict = Verdict.NotInCustody;
        } else if (leg.status == ShipmentStatus.ReceivedInQuarantine) {
            verdict = Verdict.Quarantined;
        } else if (leg.status != ShipmentStatus.Received || HoldingPacking.saleable(stock) == 0) {
            verdict = Verdict.NotInCustody;
        }
    }

    /// @dev The verdict on the product alone (batch, serial, flags, dispensed, expiry), before any custody rule.
    function _productVerdict(uint64 gtin, string calldata lot, bytes32 serial, bytes32[] calldata proof)
        private
        view
        returns (Verdict, bytes32 batchId)
    {
        batchId = Ids.batchId(gtin, lot);
        Batch memory b = _batchRecord(batchId);
        if (b.expiry == 0) return (Verdict.UnknownBatch, batchId);
        if (b.serialRoot == bytes21(0) || !Ids.provesSerial(proof, b.serialRoot, serial)) {
            return (Verdict.SerialNotInBatch, batchId);
        }
        if (BatchFlags.has(b.flags, BatchFlags.ILLEGITIMATE)) return (Verdict.Illegitimate, batchId);
        if (BatchFlags.has(b.flags, BatchFlags.RECALLED)) return (Verdict.Recalled, batchId);
        if (_isDispensed(batchId, serial, b.flags)) return (Verdict.AlreadyDispensed, batchId);
        if (_isSuspect(batchId, b.flags)) return (Verdict.Suspect, batchId);
        if (b.expiry < block.timestamp) return (Verdict.Expired, batchId);
        return (Verdict.Genuine, batchId);
    }

    /// @dev The lot rule: `holder` has saleable units of the lot (else Quarantined when it has only quarantined ones).
    function _lotVerdict(bytes32 batchId, address holder) private view returns (Verdict) {
        Holding memory h = _holding(batchId, holder);
        // Stock names identities: a key holds nothing under its own address (see `IRecovery`).
        if (h.saleable == 0 && h.quarantined == 0) h = _holding(batchId, _resolveIdentity(holder));
        if (h.saleable == 0) return h.quarantined != 0 ? Verdict.Quarantined : Verdict.NotInCustody;
        return Verdict.Genuine;
    }
}
