// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CustodyRule, PackClaim, Verdict} from "./RxTypes.sol";

/// @title The pharmacy's question: is this pack genuine and safe to dispense?
interface IVerification {
    /// @notice The verdict on a pack, first match wins: UnknownBatch, SerialNotInBatch, Illegitimate, Recalled,
    /// AlreadyDispensed, Suspect, Expired, then, when `holder` is not zero, Quarantined (the holder has only
    /// quarantined units) or NotInCustody (it has none); otherwise Genuine.
    /// @param gtin the pack's GTIN-14, as a number
    /// @param lot the pack's lot
    /// @param serial the pack's serial, ASCII left-aligned in 32 bytes
    /// @param proof the Merkle proof of `serial` in the batch's serial tree
    /// @param holder the verifier whose custody is checked, or zero to skip that check
    /// @return verdict the verdict
    /// @return batchId the batch id derived from (gtin, lot)
    function verifyPack(uint64 gtin, string calldata lot, bytes32 serial, bytes32[] calldata proof, address holder)
        external
        view
        returns (Verdict verdict, bytes32 batchId);

    /// @notice The verdict on a pack for holder `holder`, saying which custody rule applied. The product checks are
    /// `verifyPack`'s. Then, for a non-zero `holder`: with a claim naming a leg (`claim.sender` not zero) the pack
    /// rule, the checks `dispense` makes: the leg brought the pack to `holder` (manifest proof), `holder` shipped
    /// nothing of the lot since and the leg has units left (else NotInCustody), the leg was not received into
    /// quarantine (else Quarantined, whatever other saleable stock `holder` has); without a claim the lot rule of
    /// `verifyPack`.
    /// @return verdict the verdict
    /// @return batchId the batch id derived from (gtin, lot)
    /// @return rule the custody rule applied: None when `holder` is zero or the pack failed a product check first
    function verifyPackInCustody(
        uint64 gtin,
        string calldata lot,
        bytes32 serial,
        bytes32[] calldata proof,
        address holder,
        PackClaim calldata claim
    ) external view returns (Verdict verdict, bytes32 batchId, CustodyRule rule);
}
