// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Bits of `Batch.flags`
/// @notice A batch is "on hold" while suspect or illegitimate; recalled and illegitimate are final.
library BatchFlags {
    uint8 internal constant RECALLED = 1;
    uint8 internal constant SUSPECT = 2;
    uint8 internal constant ILLEGITIMATE = 4;
    /// @dev A regulator approved a correction of the batch's expiry or certificate after it shipped; never cleared.
    uint8 internal constant CORRECTED = 8;
    /// @dev The batch was adopted from the predecessor deployment (`IMigration`): its dispensed packs are those of this
    /// suite and those of the predecessor, which `dispense` and `verifyPack` ask for such batches only. Never cleared.
    uint8 internal constant ADOPTED = 16;

    function has(uint8 flags, uint8 flag) internal pure returns (bool) {
        return flags & flag != 0;
    }
}
