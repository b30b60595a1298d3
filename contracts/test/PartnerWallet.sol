// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title A trading partner that is a contract (test helper, never deployed to a network)
/// @notice The smallest stand-in for a multisig or smart account: the owner's key sends a transaction to the
/// wallet and the wallet calls the target, so the target sees the wallet as `msg.sender` and the key as
/// `tx.origin`. The tests use it to show that rxtrace treats the wallet, never the key behind it, as the partner.
/// It signs as smart accounts do, through ERC-1271: it accepts a digest its owner approved on chain (as a Safe's
/// approved hashes), or the owner key's ECDSA signature of the digest (a one-owner multisig); nothing else.
contract PartnerWallet is IERC1271 {
    /// @notice The only account that may make the wallet act.
    address public immutable OWNER;

    /// @notice Digests the owner approved: the wallet's signature of each, whatever signature bytes come with it.
    mapping(bytes32 digest => bool approved) public approvedDigests;

    /// @notice The owner approved `digest` as the wallet's signature.
    event DigestApproved(bytes32 indexed digest);

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
        _requireOwner();
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

    /// @notice Approves `digest` (e.g. an rxtrace EIP-712 digest) as signed by the wallet. Owner only.
    function approveDigest(bytes32 digest) external {
        _requireOwner();
        approvedDigests[digest] = true;
        emit DigestApproved(digest);
    }

    /// @notice ERC-1271: the magic value when `digest` was approved or `signature` is the owner's ECDSA signature
    /// of it (65 bytes, or ERC-2098's 64), else `0xffffffff`.
    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        if (approvedDigests[digest] || _signedByOwner(digest, signature)) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }

    function _signedByOwner(bytes32 digest, bytes calldata signature) private view returns (bool) {
        address recovered;
        if (signature.length == 64) {
            (recovered, , ) = ECDSA.tryRecover(digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
        } else {
            (recovered, , ) = ECDSA.tryRecover(digest, signature);
        }
        return recovered == OWNER && recovered != address(0);
    }

    function _requireOwner() private view {
        if (msg.sender != OWNER) revert WalletNotOwner(msg.sender, OWNER);
    }
}
