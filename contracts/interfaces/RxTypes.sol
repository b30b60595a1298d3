// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What a trading partner is allowed to do. `None` marks an address that was never onboarded.
enum Role {
    None,
    Manufacturer,
    Distributor,
    Dispenser,
    Regulator
}

/// @notice Why an address may or may not act, evaluated at the current block.
enum Standing {
    Authorized,
    Unknown,
    Suspended,
    LicenceExpired
}

/// @notice A trading partner, packed into one storage slot (208 of 256 bits), kept under its current key.
struct Partner {
    Role role; // 8 bits: what the partner does in the supply chain
    bool suspended; // 8 bits: set by the admin, cleared by reinstatement
    uint40 licenceExpiry; // 40 bits: unix second after which the licence is no longer valid
    uint64 gln; // 64 bits: the partner's 13-digit GS1 Global Location Number
    uint16 prefixLengths; // 16 bits: bit L is set when the partner owns a company prefix of L digits
    uint64 nonce; // 64 bits: the nonce the partner's next EIP-712 signature must carry. Kept in the slot that
    // every signed operation reads anyway, so using a nonce costs one warm write, never a new slot.
    bool rekeyed; // 8 bits: with a role, this key is not the partner's identity (the account it was first
    // onboarded with), which `IRecovery.identityOf` gives; without one, a retired key (refused for good). Set by a key
    // rotation or a re-key (see `Recovery`), never cleared. A partner never re-keyed pays a bit test; a re-keyed one
    // one SLOAD.
}

/// @notice The hot record of a batch, packed into one storage slot (256 of 256 bits): everything that ship,
/// receive and dispense decide on, in a single SLOAD. The manufacturer is kept apart (recalls and returns only).
struct Batch {
    bytes21 serialRoot; // 168 bits: the Merkle root of the pack serials, truncated; zero when not serialized.
    // Forging a serial means finding a proof that hashes to these 168 bits: 2^168 work, as infeasible as
    // finding a preimage of an address. The full root is in the BatchCommissioned event.
    uint40 expiry; // 40 bits: unix second of the end of the expiry day; never zero for a commissioned batch
    int16 minTemp; // 16 bits: lowest allowed storage temperature, tenths of a degree Celsius
    int16 maxTemp; // 16 bits: highest allowed storage temperature, tenths of a degree Celsius
    uint8 flags; // 8 bits: BatchFlags bits (recalled, suspect, illegitimate, corrected)
    uint8 recallClass; // 8 bits: 0 when not recalled, else 1 (class I), 2 (class II) or 3 (class III)
}

/// @notice Who put a batch on hold as suspect, and until when the hold lasts, one storage slot (200 of 256 bits).
/// Read only while the batch's SUSPECT flag is set, so the hot paths pay nothing for it otherwise.
struct SuspectHold {
    address by; // 160 bits: the holder or regulator that flagged the batch
    uint40 lapsesAt; // 40 bits: when a holder's flag lapses unless a regulator confirms it; zero: it does not lapse
}

/// @notice One holder's units of one batch, packed into one storage slot (224 of 256 bits).
struct Holding {
    uint48 saleable; // units that may be shipped onward or dispensed
    uint48 quarantined; // units received with a temperature excursion, awaiting a regulator
    uint48 dispensed; // packs this holder has dispensed
    uint48 condemned; // quarantined units a regulator condemned
    uint32 shipments; // shipments of this batch this holder has sent; the next shipment's nonce
}

/// @notice A shipment as the sender created it. Only `keccak256(abi.encode(shipment))` is kept in storage;
/// receive and reject take the full shipment back as calldata (it is in the `Shipped` event).
struct Shipment {
    bytes32 batchId;
    address sender;
    address receiver;
    uint48 quantity;
    uint32 nonce; // the sender's shipment count for this batch when it shipped
}

/// @notice Where a shipment stands. A lot-level leg is deleted from storage once settled (its receipt or rejection
/// is in the `Received` / `Rejected` event), so it then reads as `None`, like an unknown one. A pack leg (one with a
/// manifest) received by a dispenser stays as `Received` or `ReceivedInQuarantine`: it is the dispenser's proof of
/// custody of the packs it lists (see `dispense`). A cancelled shipment stays as `Cancelled`, so that a receipt
/// racing the cancellation has a defined outcome.
enum ShipmentStatus {
    None,
    InTransit,
    Cancelled,
    Received,
    ReceivedInQuarantine
}

/// @notice The stored state of a shipment, one storage slot (256 of 256 bits).
struct ShipmentRecord {
    ShipmentStatus status; // 8 bits: see ShipmentStatus
    bool isReturn; // 8 bits: true when the shipment goes upstream (a return), false when it goes forward
    uint40 shippedAt; // 40 bits: block timestamp of the shipment while in transit or cancelled; once a pack leg is
    // received (`Received` / `ReceivedInQuarantine`), the number of its packs dispensed so far, never more than the
    // leg's quantity (the receipt's time is in the `Received` event)
    bytes21 manifest; // 168 bits: the first 21 bytes of the manifest root, zero for a lot-level leg. Forging a pack
    // into a leg means finding a proof that hashes to these 168 bits (as for a batch's serial root).
    uint32 receiverShipments; // 32 bits: the receiver's shipment count of the batch when it received the leg
    // (`Received` only): while the count is unchanged, nothing left the receiver since, so neither did the packs.
}

/// @notice Why units were received into quarantine although the leg stayed inside the storage range.
enum QuarantineCause {
    SenderNotAuthorized, // the sender was suspended or lost its licence after shipping
    ShipmentCancelled // the sender had cancelled the shipment (into its quarantine) before the receipt
}

/// @notice What a dispenser shows to dispense a pack of a serialized lot: the leg that brought the pack to it (the
/// shipment or co-signed handover, whose receiver is the dispenser) and the pack's place in that leg's manifest.
struct PackClaim {
    address sender; // the leg's sender
    uint48 quantity; // the leg's quantity
    uint32 nonce; // the leg's nonce (the sender's shipment count when it shipped)
    bytes32[] manifestProof; // Merkle proof of the leaf [0, serial] in the leg's manifest (StandardMerkleTree)
}

/// @notice The carrier's temperature summary for one leg, in tenths of a degree Celsius.
struct TemperatureLeg {
    int16 minTemp; // lowest temperature logged
    int16 maxTemp; // highest temperature logged
    int16 meanKineticTemp; // mean kinetic temperature of the leg
    uint32 minutesOutOfRange; // minutes the logger spent outside the batch's storage range
    bytes32 loggerHash; // keccak256 of the full logger file
}

/// @notice Why a receiver refused a shipment.
enum RejectionReason {
    WrongQuantity,
    Damaged,
    NoTemperatureData,
    WrongProduct,
    Other
}

/// @notice The verdict on one pack, the pharmacy's question.
enum Verdict {
    Genuine,
    UnknownBatch,
    SerialNotInBatch,
    Illegitimate,
    Recalled,
    AlreadyDispensed,
    Suspect,
    Expired,
    Quarantined,
    NotInCustody
}

/// @notice Which custody rule a verdict applied for its holder: none (no holder, or the pack failed before custody
/// was asked), the lot rule (the holder has saleable units of the lot) or the pack rule (the pack is on a pack leg the
/// holder received outside quarantine, and nothing left the holder since: the checks `dispense` makes).
enum CustodyRule {
    None,
    Lot,
    Pack
}

/// @notice What a partner's EIP-712 signature of one operation carries besides the operation's own fields.
/// `chainId` repeats the domain's chain id so that a signature made for another chain is refused as such
/// instead of as a bad signature.
struct Authorization {
    uint64 nonce; // must equal the signer's next nonce (`partner(signer).nonce`)
    uint40 deadline; // unix second after which the signature is refused
    uint256 chainId; // the chain the signer signed for
    bytes signature; // a key's ECDSA signature (65 bytes r, s, v or ERC-2098's 64 bytes r, vs), or whatever the
    // signer's contract accepts through ERC-1271 (a multisig's owners' signatures, a smart account's)
}

/// @notice A handover that the sender and the receiver both sign at the door: the units go straight from the
/// sender's stock to the receiver's, with the leg's temperature summary, and are never in transit.
struct Handover {
    bytes32 batchId;
    address sender;
    address receiver;
    uint48 quantity;
    bytes32 manifest; // Merkle root of the packs (and sealed cases) handed over, zero for a batch-level handover
    TemperatureLeg leg;
    uint32 nonce; // the sender's handover nonce: any value it has not used or cancelled, used once (unordered)
    uint40 deadline; // unix second after which neither signature is accepted; at most MAX_HANDOVER_VALIDITY ahead
}

/// @notice Where a shipping case (SSCC) stands.
enum CaseStatus {
    Unused,
    Sealed,
    Opened
}

/// @notice A final act that one regulator may take alone and another regulator may reverse within the reversal
/// window (`IGovernance.REVERSAL_WINDOW`): declaring a batch illegitimate, and a regulator's recall. `RecallClassI`
/// keeps the name it was first written for, but covers a regulator's recall of any class: a lone class III stops the
/// product as surely as a class I.
enum FinalAct {
    Illegitimate,
    RecallClassI
}

/// @notice Who took a reversible final act on a batch and when, one storage slot (208 of 256 bits). Written only by
/// the act itself (a rare act), read only by a reversal and by condemning stock, so the hot paths never touch it.
struct FinalDecision {
    address by; // 160 bits: the regulator that took the act
    uint40 at; // 40 bits: when; zero: no reversible act stands (never taken, or reversed)
    uint8 previous; // 8 bits: what a reversal restores: the recall class before a regulator's recall (0: none), or
    // BatchFlags.SUSPECT when the batch was on hold as suspect before it was declared illegitimate
}
