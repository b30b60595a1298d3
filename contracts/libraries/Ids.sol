// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Shipment} from "../interfaces/RxTypes.sol";

/// @title Identifier derivation
/// @notice Mirrored one-to-one by `scripts/lib/ids.ts`.
library Ids {
    /// @notice A batch id anyone can derive from the pack's GTIN and lot alone.
    function batchId(uint64 gtin, string calldata lot) internal pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @notice A shipment id commits to every field of the shipment.
    function shipmentId(Shipment memory shipment) internal pure returns (bytes32) {
        return keccak256(abi.encode(shipment));
    }

    /// @notice The Merkle leaf of a serial, as @openzeppelin/merkle-tree's StandardMerkleTree builds it for
    /// `["bytes32"]` values: double hashing keeps a leaf from being passed off as an inner node.
    function serialLeaf(bytes32 serial) internal pure returns (bytes32 leaf) {
        // keccak256(bytes.concat(keccak256(abi.encode(serial)))) without allocating: both inputs are one word,
        // hashed in the scratch space.
        assembly ("memory-safe") {
            mstore(0x00, serial)
            mstore(0x00, keccak256(0x00, 0x20))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @notice The key under which a dispensed pack is remembered.
    function packKey(bytes32 batch, bytes32 serial) internal pure returns (bytes32) {
        return keccak256(abi.encode(batch, serial));
    }

    /// @notice The leaf of a loose pack in a shipment manifest: @openzeppelin/merkle-tree's StandardMerkleTree leaf
    /// of the values `[0, serial]` typed `["uint8", "bytes32"]` (kind 0 is a pack, kind 1 a sealed case).
    function manifestPackLeaf(bytes32 serial) internal pure returns (bytes32 leaf) {
        // keccak256(bytes.concat(keccak256(abi.encode(uint8(0), serial)))) in the scratch space: the encoding is
        // a zero word then the serial, 64 bytes, which fit in scratch words 0x00 and 0x20.
        assembly ("memory-safe") {
            mstore(0x00, 0)
            mstore(0x20, serial)
            mstore(0x00, keccak256(0x00, 0x40))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @notice True when `proof` leads from `serial`'s leaf to a root whose first 21 bytes are `root`.
    function provesSerial(bytes32[] calldata proof, bytes21 root, bytes32 serial) internal pure returns (bool) {
        return bytes21(rootOf(proof, serialLeaf(serial))) == root;
    }

    /// @notice The root that `proof` leads to from `leaf`.
    /// @dev The same walk as OpenZeppelin's `MerkleProof.processProofCalldata` (sorted pairs: the smaller word
    /// is hashed first), written as one loop over the scratch space because it runs 20 times for a batch of a
    /// million packs on every dispense. The tests check it against the OpenZeppelin library's proofs.
    function rootOf(bytes32[] calldata proof, bytes32 leaf) internal pure returns (bytes32 node) {
        node = leaf;
        assembly ("memory-safe") {
            let end := add(proof.offset, shl(5, proof.length))
            for { let p := proof.offset } lt(p, end) { p := add(p, 0x20) } {
                let sibling := calldataload(p)
                switch lt(sibling, node)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
            }
        }
    }
}
