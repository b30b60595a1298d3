// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ISignedHandovers} from "../interfaces/ISignedHandovers.sol";
import {
    Authorization,
    Handover,
    RejectionReason,
    Role,
    Shipment,
    TemperatureLeg
} from "../interfaces/RxTypes.sol";
import {Ids} from "../libraries/Ids.sol";
import {Cases} from "./Cases.sol";

/// @title Handovers signed off-chain (EIP-712)
/// @dev The signed entry points check the envelope (chain, deadline), recover the signer from the typed-data
/// digest of the submitted fields, use the signer's nonce, then run the same internal function as the direct
/// entry point with the signer as the actor, so every custody rule applies unchanged.
abstract contract SignedHandovers is Cases, EIP712, ISignedHandovers {
    bytes32 private constant _LEG_TYPEHASH = keccak256(
        "TemperatureLeg(int16 minTemp,int16 maxTemp,int16 meanKineticTemp,uint32 minutesOutOfRange,bytes32 loggerHash)"
    );
    bytes32 private constant _SHIPMENT_TYPEHASH =
        keccak256("Shipment(bytes32 batchId,address sender,address receiver,uint48 quantity,uint32 nonce)");
    bytes32 private constant _SHIP_TYPEHASH = keccak256(
        "Ship(address sender,bytes32 batchId,address receiver,uint48 quantity,bytes32 manifest,"
        "uint64 nonce,uint40 deadline)"
    );
    bytes32 private constant _RECEIVE_TYPEHASH = keccak256(
        "Receive(Shipment shipment,TemperatureLeg leg,uint64 nonce,uint40 deadline)"
        "Shipment(bytes32 batchId,address sender,address receiver,uint48 quantity,uint32 nonce)"
        "TemperatureLeg(int16 minTemp,int16 maxTemp,int16 meanKineticTemp,uint32 minutesOutOfRange,bytes32 loggerHash)"
    );
    bytes32 private constant _REJECT_TYPEHASH = keccak256(
        "Reject(Shipment shipment,uint8 reason,bytes32 evidence,TemperatureLeg leg,uint64 nonce,uint40 deadline)"
        "Shipment(bytes32 batchId,address sender,address receiver,uint48 quantity,uint32 nonce)"
        "TemperatureLeg(int16 minTemp,int16 maxTemp,int16 meanKineticTemp,uint32 minutesOutOfRange,bytes32 loggerHash)"
    );
    bytes32 private constant _HANDOVER_TYPEHASH = keccak256(
        "Handover(bytes32 batchId,address sender,address receiver,uint48 quantity,bytes32 manifest,"
        "TemperatureLeg leg,uint32 nonce,uint40 deadline)"
        "TemperatureLeg(int16 minTemp,int16 maxTemp,int16 meanKineticTemp,uint32 minutesOutOfRange,bytes32 loggerHash)"
    );

    /// @inheritdoc ISignedHandovers
    uint256 public constant MAX_HANDOVER_VALIDITY = 30 days;

    /// @inheritdoc ISignedHandovers
    uint256 public constant HANDOVER_CANCEL_DELAY = 1 days;

    /// @dev Used or cancelled handover nonces per sender, 256 to a word (Permit2's unordered nonces): a handover is
    /// consumed on its own, whatever else the sender ships or signs, and using a nonce in a word already written
    /// costs 5,000 gas, where a slot per handover digest would cost 22,100 and break the 80,000 budget.
    /// Keyed by the signing key, not the identity: a handover is signed by a key, and a retired key's handovers are
    /// refused by its standing, so a new key starts with a fresh set and nothing of the old one can come back.
    mapping(address sender => mapping(uint256 word => uint256 bits)) private _handoverNonces;

    /// @dev When a sender's requested cancellation of a handover (by digest) can be completed; zero: none requested.
    /// Written only by a sender's cancel (rare), never read on the handover path: a handover stays valid until the
    /// sender completes the cancellation, which is what gives the receiver the delay to submit.
    mapping(bytes32 digest => uint256 effectiveAt) private _cancelEffectiveAt;

    constructor() EIP712("rxtrace", "1") {}

    /// @inheritdoc ISignedHandovers
    function shipSigned(
        address sender,
        bytes32 batchId,
        address receiver,
        uint48 quantity,
        bytes32 manifest,
        Authorization calldata auth
    ) external virtual whenNotPaused returns (bytes32 shipmentId) {
        bytes32 structHash = keccak256(
            abi.encode(_SHIP_TYPEHASH, sender, batchId, receiver, quantity, manifest, auth.nonce, auth.deadline)
        );
        _authorize(structHash, sender, auth);
        return _ship(sender, batchId, receiver, quantity, manifest);
    }

    /// @inheritdoc ISignedHandovers
    function receiveSigned(Shipment calldata s, TemperatureLeg calldata leg, Authorization calldata auth)
        external
        virtual
        whenNotPaused
    {
        bytes32 structHash = keccak256(
            abi.encode(_RECEIVE_TYPEHASH, _hashShipment(s), _hashLeg(leg), auth.nonce, auth.deadline)
        );
        // The shipment names the receiver's identity; its current key signs (see `IRecovery`).
        address signer = _keyFor(s.receiver);
        _authorize(structHash, signer, auth);
        _receive(signer, s, leg);
    }

    /// @inheritdoc ISignedHandovers
    function rejectSigned(
        Shipment calldata s,
        RejectionReason reason,
        bytes32 evidence,
        TemperatureLeg calldata leg,
        Authorization calldata auth
    ) external virtual whenNotPaused {
        bytes32 structHash = keccak256(
            abi.encode(_REJECT_TYPEHASH, _hashShipment(s), reason, evidence, _hashLeg(leg), auth.nonce, auth.deadline)
        );
        address signer = _keyFor(s.receiver);
        _authorize(structHash, signer, auth);
        _reject(signer, s, reason, evidence, leg);
    }

    /// @inheritdoc ISignedHandovers
    function revokeSignatures(uint64 nextNonce) external virtual {
        uint64 current = _skipNonces(msg.sender, nextNonce);
        // The largest nonce stays out of reach: a signature carrying it could never move the nonce on.
        if (nextNonce <= current || nextNonce == type(uint64).max) {
            revert SignatureRevokeNotAhead(msg.sender, nextNonce, current);
        }
        emit SignaturesRevoked(msg.sender, current, nextNonce);
    }

    /// @inheritdoc ISignedHandovers
    function handover(
        Handover calldata h,
        uint256 chainId,
        bytes calldata bySender,
        bytes calldata byReceiver
    ) external virtual whenNotPaused returns (bytes32 handoverId) {
        _requireLive(chainId, h.deadline);
        uint256 latest = block.timestamp + MAX_HANDOVER_VALIDITY;
        if (h.deadline > latest) revert SignatureDeadlineTooFar(h.deadline, latest);
        bytes32 digest = _handoverDigest(h);
        _requireSigner(digest, h.sender, bySender);
        _requireSigner(digest, h.receiver, byReceiver);
        _useHandoverNonce(h.sender, h.nonce);
        handoverId = _completeHandover(h);
    }

    /// @dev The custody half of `handover`, in a function of its own: beside handover's arguments and locals, the
    /// legacy pipeline (the mutation runner's, scripts/mutation.ts) runs out of stack. The IR pipeline inlines it.
    function _completeHandover(Handover calldata h) private returns (bytes32 handoverId) {
        // The parties sign with their keys; stock, the handover's id and its event name their identities.
        (uint32 shipmentNonce, bool isReturn, address from, address to) =
            _debit(h.sender, h.batchId, h.receiver, h.quantity, h.manifest);
        (bool excursion, uint32 shipments) = _credit(to, h.batchId, h.quantity, isReturn, h.leg, false);
        handoverId = Ids.shipmentId(Shipment(h.batchId, from, to, h.quantity, shipmentNonce));
        if (bytes21(h.manifest) != bytes21(0) && _roleOf(h.receiver) == Role.Dispenser) {
            // The dispenser's custody record of the packs handed over, as a received pack leg (see `dispense`).
            _recordReceivedPackLeg(handoverId, isReturn, h.manifest, excursion, shipments);
        }
        emit HandedOver(
            handoverId,
            h.batchId,
            from,
            to,
            h.quantity,
            shipmentNonce,
            h.manifest,
            h.leg,
            excursion,
            h.nonce
        );
    }

    /// @inheritdoc ISignedHandovers
    function cancelHandover(Handover calldata h, bytes calldata bySender) external virtual {
        if (_roleOf(msg.sender) == Role.None) revert PartnerUnknown(msg.sender);
        bytes32 digest = _handoverDigest(h);
        if (msg.sender == h.sender) {
            // The receiver cannot submit while paused, so the sender cannot cancel then either (request or
            // completion): it would void a delivered handover the receiver had no way to submit. The receiver's
            // revocation works while paused. A delay that ran out during a pause (or just before it) runs on until
            // PAUSE_GRACE after the unpause, so the receiver has time to submit first.
            if (paused()) revert EnforcedPause();
            uint256 effectiveAt = _cancelEffectiveAt[digest];
            if (effectiveAt == 0) {
                if (_isHandoverNonceUsed(h.sender, h.nonce)) revert SignatureHandoverUsed(h.sender, h.nonce);
                effectiveAt = block.timestamp + HANDOVER_CANCEL_DELAY;
                _cancelEffectiveAt[digest] = effectiveAt;
                emit HandoverCancelRequested(digest, h.sender, h.receiver, h.nonce, effectiveAt);
                return;
            }
            effectiveAt = _pauseExtended(effectiveAt);
            if (block.timestamp < effectiveAt) {
                revert SignatureHandoverCancelPending(digest, effectiveAt, block.timestamp);
            }
        } else {
            if (msg.sender != h.receiver) revert SignatureNotHandoverParty(digest, msg.sender);
            // The receiver shows the sender's signature, so it can cancel this handover and no other of the sender's.
            _requireSigner(digest, h.sender, bySender);
        }
        _useHandoverNonce(h.sender, h.nonce);
        emit HandoverCancelled(digest, h.sender, h.receiver, h.nonce, msg.sender);
    }

    /// @inheritdoc ISignedHandovers
    function isHandoverNonceUsed(address sender, uint32 nonce) external view returns (bool) {
        return _isHandoverNonceUsed(sender, nonce);
    }

    function _isHandoverNonceUsed(address sender, uint32 nonce) private view returns (bool) {
        return _handoverNonces[sender][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    function _handoverDigest(Handover calldata h) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    _HANDOVER_TYPEHASH,
                    h.batchId,
                    h.sender,
                    h.receiver,
                    h.quantity,
                    h.manifest,
                    _hashLeg(h.leg),
                    h.nonce,
                    h.deadline
                )
            )
        );
    }

    /// @dev Marks `sender`'s handover nonce `nonce` used; reverts when it was used or cancelled already.
    function _useHandoverNonce(address sender, uint32 nonce) private {
        mapping(uint256 word => uint256 bits) storage words = _handoverNonces[sender];
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = words[nonce >> 8];
        if (bits & bit != 0) revert SignatureHandoverUsed(sender, nonce);
        words[nonce >> 8] = bits | bit;
    }

    /// @dev Checks the envelope and the signature of `structHash` by `signer`, and uses `signer`'s nonce.
    function _authorize(bytes32 structHash, address signer, Authorization calldata auth) private {
        _requireLive(auth.chainId, auth.deadline);
        _requireSigner(_hashTypedDataV4(structHash), signer, auth.signature);
        _useSignatureNonce(signer, auth.nonce);
    }

    function _requireLive(uint256 chainId, uint40 deadline) private view {
        if (chainId != block.chainid) revert SignatureWrongChain(chainId, block.chainid);
        // Past the deadline, the pause slot (warm: `whenNotPaused` read it) may extend it: see IEmergencyPause.
        if (block.timestamp > deadline && block.timestamp > _pauseExtended(deadline)) {
            revert SignatureExpired(deadline, block.timestamp);
        }
    }

    /// @dev Reverts unless `signature` is `signer`'s over `digest`: a key's ECDSA signature first (no external call,
    /// so a key-holding partner pays what it did before ERC-1271), else the signer contract's ERC-1271 answer.
    function _requireSigner(bytes32 digest, address signer, bytes calldata signature) private view {
        address recovered;
        if (signature.length == 64) {
            (recovered, , ) = ECDSA.tryRecover(digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
        } else if (signature.length == 65) {
            (recovered, , ) = ECDSA.tryRecover(
                digest,
                uint8(signature[64]),
                bytes32(signature[0:32]),
                bytes32(signature[32:64])
            );
        }
        // A malformed signature recovers to zero, which is nobody's signature, not even for a zero `signer`; an
        // account without code answers ERC-1271 with nothing, which is no.
        if (
            (recovered != signer || recovered == address(0))
                && !SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature)
        ) revert SignatureInvalidSigner(signer, recovered);
    }

    function _useSignatureNonce(address signer, uint64 nonce) private {
        _requireNextNonce(signer, nonce, _useNonce(signer));
        emit SignatureNonceUsed(signer, nonce);
    }

    function _requireNextNonce(address signer, uint64 nonce, uint64 next) private pure {
        if (nonce != next) {
            if (nonce < next) revert SignatureReplayed(signer, nonce, next);
            revert SignatureNonceTooHigh(signer, nonce, next);
        }
    }

    function _hashShipment(Shipment calldata s) private pure returns (bytes32) {
        return keccak256(abi.encode(_SHIPMENT_TYPEHASH, s.batchId, s.sender, s.receiver, s.quantity, s.nonce));
    }

    function _hashLeg(TemperatureLeg calldata leg) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                _LEG_TYPEHASH,
                leg.minTemp,
                leg.maxTemp,
                leg.meanKineticTemp,
                leg.minutesOutOfRange,
                leg.loggerHash
            )
        );
    }
}
