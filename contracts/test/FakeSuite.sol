// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Batch, Partner, Role} from "../interfaces/RxTypes.sol";

/// @title A forged suite (test helper, never deployed to a network)
/// @notice Answers the views a successor adopts from, and the lineage views, with whatever its deployer sets: the
/// attacks on the migration use it as a fake predecessor (forged partners, batches, dispensed packs) and as a fake
/// successor (a contract that names a real suite as its predecessor without being a suite).
contract FakeSuite {
    /// @notice What `predecessor()` answers.
    address public predecessor;
    /// @notice What `successor()` answers.
    address public successor;
    /// @notice What `isDispensed` answers for every pack.
    bool public everyPackDispensed;

    mapping(address account => Partner record) private _partners;
    mapping(bytes32 batchId => Batch record) private _batches;
    mapping(bytes32 batchId => address manufacturer) private _manufacturers;

    /// @notice Sets what the lineage views answer.
    function setLineage(address predecessor_, address successor_) external {
        predecessor = predecessor_;
        successor = successor_;
    }

    /// @notice Forges partner `account` as `role` with GLN `gln`, licensed until `licenceExpiry`.
    function forgePartner(address account, Role role, uint64 gln, uint40 licenceExpiry) external {
        _partners[account] = Partner(role, false, licenceExpiry, gln, 0, 0, false);
    }

    /// @notice Forges batch `batchId` of `manufacturer` with the given record.
    function forgeBatch(bytes32 batchId, address manufacturer, Batch calldata record) external {
        _batches[batchId] = record;
        _manufacturers[batchId] = manufacturer;
    }

    /// @notice Makes `isDispensed` answer `dispensed` for every pack.
    function setEveryPackDispensed(bool dispensed) external {
        everyPackDispensed = dispensed;
    }

    function partner(address account) external view returns (Partner memory) {
        return _partners[account];
    }

    function batch(bytes32 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    function manufacturerOf(bytes32 batchId) external view returns (address) {
        return _manufacturers[batchId];
    }

    function isDispensed(bytes32, bytes32) external view returns (bool) {
        return everyPackDispensed;
    }

    function correctionProposal(bytes32) external pure returns (bytes32) {
        return bytes32(0);
    }
}
