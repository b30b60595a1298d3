// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    Authorization,
    Handover,
    RejectionReason,
    Shipment,
    TemperatureLeg
} from "./RxTypes.sol";

/// @title Handovers signed off-chain (EIP-712)
/// @notice People who move drugs sign on handheld devices that hold no gas. A partner signs a ship, receive or
/// reject as EIP-712 typed data (domain: name "rxtrace", version "1", this chain, this contract); anyone may
/// submit it, and the contract acts for the signer exactly as if the signer had sent the transaction.
/// Each signature carries a nonce and a deadline. Ship, receive and reject use the signer's next nonce
/// (`partner(signer).nonce`). A co-signed handover carries a handover nonce of the sender's own choosing, used once
/// and in any order (unordered nonces, 256 to a storage word): it is consumed by its own submission or cancellation
/// only, so shipping, other handovers or a refused stop on a pre-signed route never void it. Its deadline is at
/// most MAX_HANDOVER_VALIDITY ahead when it is submitted.
/// A signature is `bytes`: a key's ECDSA signature (65 bytes, or ERC-2098's 64), checked first, so a key-holding
/// partner pays no more than before; else, when the signer is a contract (a multisig, a smart account), whatever
/// it accepts through ERC-1271 `isValidSignature(digest, signature)` (OpenZeppelin's `SignatureChecker`).
///
/// Typed data (the primary types; `scripts/lib/signing.ts` holds the same definitions for signers):
/// - `Ship(address sender,bytes32 batchId,address receiver,uint48 quantity,bytes32 manifest,uint64 nonce,
///   uint40 deadline)`
/// - `Receive(Shipment shipment,TemperatureLeg leg,uint64 nonce,uint40 deadline)`
/// - `Reject(Shipment shipment,uint8 reason,bytes32 evidence,TemperatureLeg leg,uint64 nonce,uint40 deadline)`
/// - `Handover(bytes32 batchId,address sender,address receiver,uint48 quantity,bytes32 manifest,
///   TemperatureLeg leg,uint32 nonce,uint40 deadline)`
/// with `Shipment(bytes32 batchId,address sender,address receiver,uint48 quantity,uint32 nonce)` and
/// `TemperatureLeg(int16 minTemp,int16 maxTemp,int16 meanKineticTemp,uint32 minutesOutOfRange,bytes32 loggerHash)`.
interface ISignedHandovers {
    /// @notice `sender` handed `quantity` units of `batchId` straight to `receiver`, both signing; `nonce` is the
    /// sender's shipment count, as in `Shipped`, and `handoverId` is the id a shipment with these fields has (the
    /// leg a dispenser claims to dispense a pack handed over). `handoverNonce` is the signed handover's nonce.
    event HandedOver(
        bytes32 indexed handoverId,
        bytes32 indexed batchId,
        address indexed sender,
        address receiver,
        uint48 quantity,
        uint32 nonce,
        bytes32 manifest,
        TemperatureLeg leg,
        bool excursion,
        uint32 handoverNonce
    );
    /// @notice `by` (the sender or the receiver) cancelled the co-signed handover `digest` (its EIP-712 digest) of
    /// `sender` to `receiver`: its handover nonce `nonce` can never be used.
    event HandoverCancelled(
        bytes32 indexed digest,
        address indexed sender,
        address indexed receiver,
        uint32 nonce,
        address by
    );

    /// @notice The sender of co-signed handover `digest` asked to cancel it: the cancellation can be completed (a
    /// second `cancelHandover` by the sender) from `effectiveAt` on; until then the receiver can still submit it.
    event HandoverCancelRequested(
        bytes32 indexed digest,
        address indexed sender,
        address indexed receiver,
        uint32 nonce,
        uint256 effectiveAt
    );

    /// @notice `signer`'s signature with nonce `nonce` was used (for ship, receive or reject): with
    /// `SignaturesRevoked`, an indexer rebuilds every partner's next nonce from the logs.
    event SignatureNonceUsed(address indexed signer, uint64 nonce);

    /// @notice `partner` revoked its unused signatures: nonces `fromNonce` to `nextNonce - 1` can never be used.
    event SignaturesRevoked(address indexed partner, uint64 fromNonce, uint64 nextNonce);

    /// @notice The signature was made for chain `signedFor`; this is chain `chainId`.
    error SignatureWrongChain(uint256 signedFor, uint256 chainId);
    /// @notice The signature's deadline `deadline` passed (now `now`), and with it any `PAUSE_GRACE` after a pause
    /// that began at most `PAUSE_GRACE` after the deadline.
    error SignatureExpired(uint256 deadline, uint256 now);
    /// @notice The signature over the submitted fields is not `signer`'s (`recovered` signed them, or zero when
    /// the signature is malformed): a field was changed after signing, or someone else signed.
    error SignatureInvalidSigner(address signer, address recovered);
    /// @notice `signer`'s nonce `nonce` was used already (the next is `next`): this signature, or another one with
    /// the same nonce, was submitted before.
    error SignatureReplayed(address signer, uint64 nonce, uint64 next);
    /// @notice `signer`'s nonce `nonce` is ahead of its next nonce `next`: submit the earlier signatures first.
    error SignatureNonceTooHigh(address signer, uint64 nonce, uint64 next);
    /// @notice `sender`'s handover nonce `nonce` was used or cancelled already.
    error SignatureHandoverUsed(address sender, uint32 nonce);
    /// @notice A handover's deadline `deadline` is further ahead than MAX_HANDOVER_VALIDITY (at most `latest`).
    error SignatureDeadlineTooFar(uint256 deadline, uint256 latest);
    /// @notice The sender's cancellation of handover `digest` takes effect at `effectiveAt`, not yet (`now`).
    error SignatureHandoverCancelPending(bytes32 digest, uint256 effectiveAt, uint256 now);
    /// @notice Only the sender or the receiver of handover `digest` may cancel it; `caller` is neither.
    error SignatureNotHandoverParty(bytes32 digest, address caller);
    /// @notice Revoking needs a next nonce `nextNonce` above the current one, `current`, and below 2^64 - 1.
    error SignatureRevokeNotAhead(address partner, uint64 nextNonce, uint64 current);

    /// @notice `ship` (or `shipPacks` when `manifest` is not zero) for `sender`, who signed `Ship`.
    function shipSigned(
        address sender,
        bytes32 batchId,
        address receiver,
        uint48 quantity,
        bytes32 manifest,
        Authorization calldata auth
    ) external returns (bytes32 shipmentId);

    /// @notice `receiveShipment` for `shipment.receiver`, who signed `Receive`.
    function receiveSigned(Shipment calldata shipment, TemperatureLeg calldata leg, Authorization calldata auth)
        external;

    /// @notice `rejectShipment` for `shipment.receiver`, who signed `Reject`.
    function rejectSigned(
        Shipment calldata shipment,
        RejectionReason reason,
        bytes32 evidence,
        TemperatureLeg calldata leg,
        Authorization calldata auth
    ) external;

    /// @notice The caller, a partner, revokes every signature it made for ship, receive or reject that was not
    /// submitted yet, up to nonce `nextNonce - 1`: its next nonce becomes `nextNonce`. Works while paused and
    /// while suspended (it only takes rights away). A co-signed handover is cancelled with `cancelHandover`.
    function revokeSignatures(uint64 nextNonce) external;

    /// @notice A co-signed handover: moves `h.quantity` units from the sender's saleable stock to the receiver's
    /// (quarantined when the leg left the storage range) in one transaction, without an in-transit state. Both
    /// partners signed the same `Handover`; its handover nonce is used once (see the title). The route, batch and
    /// stock rules are those of a shipment and its receipt together; it counts as one shipment of the sender.
    /// @param chainId the chain both signed for
    function handover(
        Handover calldata h,
        uint256 chainId,
        bytes calldata bySender,
        bytes calldata byReceiver
    ) external returns (bytes32 handoverId);

    /// @notice Cancels co-signed handover `h` before it is submitted. Its receiver cancels at once, showing the
    /// sender's signature of `h` (so it voids that handover and no other). Its sender (pass any `bySender`) cancels in
    /// two calls: the first asks (`HandoverCancelRequested`), the second, HANDOVER_CANCEL_DELAY later, completes it;
    /// in between the receiver, who may hold the goods already, can still submit the handover, so the sender cannot
    /// void a delivered handover by front-running the receiver. `HandoverCancelled` names who cancelled. The caller
    /// must be a known partner; it works while suspended (it only takes rights away). The receiver's cancel works
    /// while paused too; the sender's request and completion do not (`EnforcedPause`): the receiver cannot submit
    /// while paused, so the sender must not cancel then (a delay that ran out during a pause completes after it).
    function cancelHandover(Handover calldata h, bytes calldata bySender) external;

    /// @notice Whether `sender`'s handover nonce `nonce` was used or cancelled.
    function isHandoverNonceUsed(address sender, uint32 nonce) external view returns (bool);

    /// @notice How long after the sender asks to cancel a handover the cancellation can be completed (1 day).
    function HANDOVER_CANCEL_DELAY() external view returns (uint256);

    /// @notice The longest a handover's deadline may lie ahead when it is submitted (30 days).
    function MAX_HANDOVER_VALIDITY() external view returns (uint256);
}
