// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

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

    /// @notice Decommissions pack `serial` of batch `batchId`, proven by `proof` against the batch's serial
    /// root. The caller must be an authorized dispenser holding a saleable unit of the batch.
    function dispense(bytes32 batchId, bytes32 serial, bytes32[] calldata proof) external;

    /// @notice Whether pack `serial` of batch `batchId` was dispensed.
    function isDispensed(bytes32 batchId, bytes32 serial) external view returns (bool);
}
