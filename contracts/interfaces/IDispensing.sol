// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackClaim} from "./RxTypes.sol";

/// @title Dispensing (decommissioning) of serialized packs
interface IDispensing {
    /// @notice Dispenser `dispenser` decommissioned pack `serial` of batch `batchId`.
    event PackDispensed(bytes32 indexed batchId, bytes32 indexed serial, address indexed dispenser);

    /// @notice Batch `batchId` was commissioned without a serial root: its packs cannot be dispensed one by one.
    error DispenseBatchNotSerialized(bytes32 batchId);
    /// @notice The proof does not place `serial` in batch `batchId`'s commissioned serials.
    error DispenseSerialNotInBatch(bytes32 batchId, bytes32 serial);
    /// @notice Pack `serial` of `batchId` was dispensed already: the classic sign of a cloned pack.
    error DispensePackAlreadyDispensed(bytes32 batchId, bytes32 serial);
    /// @notice Leg `legId` (the claim's sender, quantity and nonce, with the caller as receiver) is not a pack leg
    /// the caller received: it never existed, is still in transit, was lot-level or went to someone else.
    error DispenseLegNotReceived(bytes32 batchId, bytes32 serial, bytes32 legId);
    /// @notice Leg `legId` was received into quarantine: its packs are not the caller's to dispense.
    error DispenseLegQuarantined(bytes32 batchId, bytes32 serial, bytes32 legId);
    /// @notice The manifest proof does not place pack `serial` in leg `legId` (a pack inside a sealed case is
    /// listed under the case, and cannot be dispensed on that leg's record).
    error DispensePackNotInLeg(bytes32 batchId, bytes32 serial, bytes32 legId);
    /// @notice Leg `legId` carried `quantity` units and has served that many dispenses: its manifest lists more packs
    /// than the leg carried, so no further pack is the caller's to dispense on it.
    error DispenseLegExhausted(bytes32 batchId, bytes32 serial, bytes32 legId, uint48 quantity);
    /// @notice The caller shipped `shipments` legs of `batchId` in all, `atReceipt` when it received leg `legId`: a
    /// pack of that leg may have left it since, so it is not the caller's to dispense.
    error DispenseLegShippedOn(bytes32 batchId, bytes32 serial, bytes32 legId, uint256 atReceipt, uint256 shipments);

    /// @notice Decommissions pack `serial` of batch `batchId`, proven by `proof` against the batch's serial
    /// root. The caller must be an authorized dispenser holding a saleable unit of the batch, and show with `claim`
    /// that the pack is in its custody (the pack rule): the pack leg (shipment or co-signed handover) that brought
    /// the pack to it, received outside quarantine, and the pack's place in that leg's manifest; and it has shipped
    /// no leg of the batch since (its shipment count is the one recorded at receipt), so the pack did not leave; and
    /// the leg has served fewer dispenses than the units it carried.
    function dispense(bytes32 batchId, bytes32 serial, bytes32[] calldata proof, PackClaim calldata claim) external;

    /// @notice Whether pack `serial` of batch `batchId` was dispensed.
    function isDispensed(bytes32 batchId, bytes32 serial) external view returns (bool);

    /// @notice The pack leg (shipment or co-signed handover id) pack `serial` of batch `batchId` was dispensed on, zero
    /// when it was not dispensed. A manifest is its sender's word: when a pack listed on two legs is dispensed on the
    /// wrong one, this names the leg, and so the sender that listed a pack it no longer held.
    function dispensedVia(bytes32 batchId, bytes32 serial) external view returns (bytes32 legId);
}
