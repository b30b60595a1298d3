// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title A trading partner that is a contract (test helper, never deployed to a network)
/// @notice The smallest stand-in for a multisig or smart account: the owner's key sends a transaction to the
/// wallet and the wallet calls the target, so the target sees the wallet as `msg.sender` and the key as
/// `tx.origin`. The tests use it to show that rxtrace treats the wallet, never the key behind it, as the partner.
/// Like most smart accounts seen from rxtrace, it cannot sign: it has no ECDSA key (and implements no ERC-1271).
contract PartnerWallet {
    /// @notice The only account that may make the wallet act.
    address public immutable OWNER;

    /// @notice `caller` is not the wallet's owner `owner`.
    error WalletNotOwner(address caller, address owner);

    /// @param owner the key that controls the wallet
    constructor(address owner) {
        OWNER = owner;
    }

    /// @notice Calls `target` with `data`, as the wallet. Owner only. When the target refuses, its revert data is
    /// raised again unchanged, so the caller sees the target's own custom error.
    /// @return result what the target returned
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != OWNER) revert WalletNotOwner(msg.sender, OWNER);
        bool success;
        // solhint-disable-next-line avoid-low-level-calls
        (success, result) = target.call(data);
        if (!success) {
            // Bubble the revert data as it is, as OpenZeppelin's Address does: `result` is a bytes array in
            // memory, its length in the first word and its bytes right after.
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
