// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Batch, Holding} from "./RxTypes.sol";

/// @title Batch (lot) commissioning
/// @notice A manufacturer registers a lot under one of its company prefixes; the batch id is
/// `keccak256(abi.encode(gtin, lot))`, so anyone holding a pack can find its batch.
interface IBatchRegistry {
    /// @notice Everything a manufacturer states when it commissions a batch.
    struct Commission {
        uint64 gtin; // GTIN-14 as a number, check digit included
        string lot; // AI (10): 1 to 20 characters of GS1 character set 82
        uint40 expiry; // unix second of the end of the expiry day, in the future
        uint48 quantity; // units commissioned, credited to the manufacturer's saleable stock
        int16 minTemp; // storage range, tenths of a degree Celsius, minTemp < maxTemp
        int16 maxTemp;
        bytes32 serialRoot; // Merkle root of the pack serials, zero for a batch without serials
        bytes32 certificateHash; // keccak256 of the certificate of origin
        string certificateURI; // where to fetch the certificate (ipfs://CID, https://...)
    }

    /// @notice `manufacturer` commissioned batch `batchId`: every stated field, for the audit trail.
    event BatchCommissioned(
        bytes32 indexed batchId,
        address indexed manufacturer,
        uint64 indexed gtin,
        Commission batch
    );

    /// @notice `gtin` is not a GTIN-14 with a correct check digit.
    error BatchInvalidGtin(uint64 gtin);
    /// @notice `lot` is empty, longer than 20 characters, or has a character outside GS1 set 82.
    error BatchInvalidLot(string lot);
    /// @notice `gtin` does not start with any company prefix of `manufacturer`.
    error BatchGtinNotOwned(uint64 gtin, address manufacturer);
    /// @notice The expiry `expiry` is not after the current block time `now`.
    error BatchExpiryNotInFuture(uint40 expiry, uint256 now);
    /// @notice A quantity must be at least one unit.
    error BatchInvalidQuantity(uint256 quantity);
    /// @notice The storage range needs `minTemp` < `maxTemp`.
    error BatchInvalidStorageRange(int16 minTemp, int16 maxTemp);
    /// @notice A non-zero serial root whose first 21 bytes (the part stored) are zero would leave the lot
    /// unserialized on-chain.
    error BatchInvalidSerialRoot(bytes32 serialRoot);
    /// @notice The certificate of origin needs both a document hash and a URI.
    error BatchMissingCertificate(bytes32 certificateHash, string certificateURI);
    /// @notice Batch `batchId` (this GTIN and lot) exists already.
    error BatchAlreadyCommissioned(bytes32 batchId);
    /// @notice No batch `batchId` was commissioned.
    error BatchUnknown(bytes32 batchId);
    /// @notice Batch `batchId` is recalled (class `recallClass`): it cannot move forward or be dispensed.
    error BatchUnderRecall(bytes32 batchId, uint8 recallClass);
    /// @notice Batch `batchId` is on hold as suspect product.
    error BatchOnHold(bytes32 batchId);
    /// @notice Batch `batchId` was declared illegitimate.
    error BatchIsIllegitimate(bytes32 batchId);
    /// @notice Batch `batchId` expired at `expiry` (now `now`).
    error BatchExpired(bytes32 batchId, uint40 expiry, uint256 now);

    /// @notice Commissions a batch; the caller must be an authorized manufacturer owning the GTIN's prefix.
    /// @return batchId `keccak256(abi.encode(gtin, lot))`
    function commissionBatch(Commission calldata batch) external returns (bytes32 batchId);

    /// @notice The hot record of batch `batchId` (all zero when unknown).
    function batch(bytes32 batchId) external view returns (Batch memory);

    /// @notice The manufacturer that commissioned batch `batchId`, zero when unknown.
    function manufacturerOf(bytes32 batchId) external view returns (address);

    /// @notice `holder`'s units of batch `batchId`; `holder` may be a partner's identity or any of its keys (stock
    /// is kept under the identity: see `IRecovery`).
    function holding(bytes32 batchId, address holder) external view returns (Holding memory);

    /// @notice The batch id of (GTIN, lot): `keccak256(abi.encode(gtin, lot))`.
    function batchIdOf(uint64 gtin, string calldata lot) external pure returns (bytes32);
}
