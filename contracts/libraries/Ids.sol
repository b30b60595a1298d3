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

    /// @notice True when `proof` leads from `serial`'s leaf to a root whose first 21 bytes are `root`.
    /// @dev The same walk as OpenZeppelin's `MerkleProof.processProofCalldata` (sorted pairs: the smaller word
    /// is hashed first), written as one loop over the scratch space because it runs 20 times for a batch of a
    /// million packs on every dispense. The tests check it against the OpenZeppelin library's proofs.
    function provesSerial(bytes32[] calldata proof, bytes21 root, bytes32 serial) internal pure returns (bool) {
        bytes32 node = serialLeaf(serial);
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
        return bytes21(node) == root;
    }
}
