// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Running the current call in another contract's code on this contract's storage
/// @notice Used by the `fallback`s of the core and the first extension to pass on a call they do not serve (see
/// `RxTrace`).
library Delegation {
    /// @dev Runs the call's calldata in `target` by DELEGATECALL and returns or reverts with its result; never returns
    /// to the caller.
    function forward(address target) internal {
        // Memory-safe (Solidity docs, "Memory Safety"): it uses only the memory past the free memory pointer, as
        // temporary space it never hands back to Solidity code, so the compiler may move variables to memory.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), target, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) {
                revert(ptr, returndatasize())
            }
            return(ptr, returndatasize())
        }
    }
}
