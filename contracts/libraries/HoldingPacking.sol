// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Holding} from "../interfaces/RxTypes.sol";

/// @title One holder's stock of one batch, packed into one word
/// @notice Stock is stored as a raw `uint256` so that an operation reads it with one SLOAD and writes it
/// with one SSTORE; Solidity's struct copy would write it member by member.
/// Layout, from the least significant bit: saleable (48) | quarantined (48) | dispensed (48) |
/// condemned (48) | shipments (32); the top 32 bits stay zero.
library HoldingPacking {
    uint256 private constant _MASK48 = (1 << 48) - 1;
    uint256 private constant _MASK32 = (1 << 32) - 1;

    function unpack(uint256 word) internal pure returns (Holding memory h) {
        h.saleable = uint48(word & _MASK48);
        h.quarantined = uint48((word >> 48) & _MASK48);
        h.dispensed = uint48((word >> 96) & _MASK48);
        h.condemned = uint48((word >> 144) & _MASK48);
        h.shipments = uint32((word >> 192) & _MASK32);
    }

    function pack(Holding memory h) internal pure returns (uint256) {
        return uint256(h.saleable) | (uint256(h.quarantined) << 48) | (uint256(h.dispensed) << 96)
            | (uint256(h.condemned) << 144) | (uint256(h.shipments) << 192);
    }

    /// @notice The saleable units in a packed holding.
    function saleable(uint256 word) internal pure returns (uint256) {
        return word & _MASK48;
    }

    /// @notice The shipment count in a packed holding.
    function shipments(uint256 word) internal pure returns (uint256) {
        return (word >> 192) & _MASK32;
    }

    /// @notice One pack leaves saleable stock and joins the dispensed count, in one subtraction and one addition
    /// on the packed word. The caller checked saleable >= 1; dispensed cannot reach 2^48 because it never
    /// exceeds the batch quantity (a uint48), so neither field borrows from or carries into its neighbour.
    function dispenseOne(uint256 word) internal pure returns (uint256) {
        unchecked {
            return word - 1 + (1 << 96);
        }
    }
}
