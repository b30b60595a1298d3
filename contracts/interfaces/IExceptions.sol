// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Shipment, TemperatureLeg} from "./RxTypes.sol";

/// @notice Why a receiver accepted only part of a shipment: the HDA exception guidelines' and the DSCSA governance
/// group's names for the cases a receiver states on a delivery (overage is reported apart, `reportOverage`).
enum ExceptionReason {
    Underage, // fewer units arrived than shipped (missing product, shortage)
    Damaged, // units arrived damaged
    WrongProduct, // units of another product arrived in their place
    MissingData, // the units arrived but their transaction data or pack data does not match them
    Other
}

/// @notice Where a shipment's disputed units stand. `Open` while the sender and receiver (or a regulator) have not
/// settled them; each other value is final and says where the units went.
enum ExceptionStatus {
    None, // no exception was raised on the shipment
    Open, // the units are disputed: in nobody's stock
    Found, // delivered after all: in the receiver's stock (quarantined when the receipt was)
    Lost, // written off: in nobody's stock, for good
    Returned // sent back: in the sender's quarantine
}

/// @notice A shipment's delivery exception, one storage slot (136 of 256 bits), kept for good once raised: it is the
/// record of the disputed units (the holdings do not count them) and what the settlement reads.
struct DeliveryException {
    ExceptionStatus status; // 8 bits: see ExceptionStatus
    ExceptionReason reason; // 8 bits: what the receiver stated
    bool quarantined; // 8 bits: the accepted units went into quarantine (an excursion, or a sender no longer
    // authorized): units found later follow them there
    bool byRegulator; // 8 bits: a regulator closed the dispute (else the parties settled it)
    uint8 votes; // 8 bits: 1 the sender agreed the units are lost, 2 the receiver did, 4 the sender declared them sent
    // back (awaiting the receiver's or a regulator's confirmation)
    uint48 disputed; // 48 bits: the units not accepted, shipped quantity minus accepted; never changes
    uint48 accepted; // 48 bits: the units accepted at the receipt
}

/// @title The events and errors of delivery exceptions
/// @notice Apart from `IExceptions`' functions so that the core (`RxTrace`) lists them in its ABI at no cost in code
/// (as `IGovernanceEvents`): tools decode them, which the core's `fallback` passes on, with the core's ABI.
interface IExceptionsEvents {
    /// @notice `receiver` accepted `accepted` of shipment `shipmentId`'s units (a `Received` event with that quantity
    /// comes just before) and stated exception `reason` with `evidence` for the other `disputed` units, which are now
    /// in nobody's stock until the dispute is settled. `disputedPacks` is the Merkle root of the disputed packs (as a
    /// manifest) on a pack leg, zero on a lot-level leg.
    event ExceptionRaised(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        address sender,
        uint48 accepted,
        uint48 disputed,
        ExceptionReason reason,
        bytes32 evidence,
        bytes32 disputedPacks
    );
    /// @notice `party` of shipment `shipmentId` of `batchId` asked for outcome `outcome` of its dispute (`Lost`: it
    /// agrees the units are lost; `Returned`: the sender says it took them back), which waits for the other party.
    event ExceptionOutcomeProposed(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed party,
        ExceptionStatus outcome
    );
    /// @notice The dispute on shipment `shipmentId` of `batchId` ended with `outcome`, by `by` (a regulator when
    /// `byRegulator`, with `reason`): its `units` went to `holder` (the receiver when found, the sender's quarantine
    /// when returned, nobody when lost: written off).
    event ExceptionResolved(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        ExceptionStatus indexed outcome,
        address by,
        bool byRegulator,
        address holder,
        uint48 units,
        bytes32 reason
    );
    /// @notice `receiver` found `units` more units of `batchId` than shipment `shipmentId` carried (an overage): they
    /// are reported, never added to anyone's stock.
    event OverageReported(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        address sender,
        uint48 units,
        bytes32 evidence
    );

    /// @notice A partial receipt accepts between 1 and the shipment's `quantity` - 1 units; `accepted` is not (accept
    /// all with `receiveShipment`, none with `rejectShipment`). A dispenser's pack leg also leaves fewer than 2^40
    /// units disputed (the width of the leg's dispense count).
    error ExceptionInvalidAccepted(bytes32 shipmentId, uint48 accepted, uint48 quantity);
    /// @notice Shipment `shipmentId` has no open dispute (`status`: none raised, or settled already).
    error ExceptionNotOpen(bytes32 shipmentId, ExceptionStatus status);
    /// @notice `caller` is neither the sender nor the receiver of shipment `shipmentId`.
    error ExceptionNotParty(bytes32 shipmentId, address caller);
    /// @notice `party` already asked for outcome `outcome` of shipment `shipmentId`'s dispute.
    error ExceptionAlreadyProposed(bytes32 shipmentId, address party, ExceptionStatus outcome);
    /// @notice The receiver confirms a return the sender has not declared on shipment `shipmentId`.
    error ExceptionReturnNotDeclared(bytes32 shipmentId);
    /// @notice A dispute ends only as `Found`, `Lost` or `Returned`; `outcome` is none of them.
    error ExceptionInvalidOutcome(ExceptionStatus outcome);
    /// @notice A partial receipt of pack leg `shipmentId` must list the disputed packs (`disputedPacks`, a manifest
    /// root): nonzero on a pack leg, zero on a lot-level leg.
    error ExceptionDisputedPacks(bytes32 shipmentId, bytes32 disputedPacks);
    /// @notice Pack leg `shipmentId` to a dispenser would be received into quarantine (an excursion, or a sender no
    /// longer authorized): a partial receipt of it is not supported (its pack-custody record could not say how many
    /// of the leg's units a regulator's `releaseLeg` frees). Reject the leg instead.
    error ExceptionPackLegQuarantined(bytes32 shipmentId);
}

/// @title Delivery exceptions: partial receipts, disputed units, overages
/// @notice Served by the second extension (`RxTraceExtension2`) and reached at the core's address through its
/// `fallback`: tools call these functions at the core's address with this interface's ABI. Who may settle a dispute,
/// and why, is in docs/custody.md ("Delivery exceptions").
interface IExceptions is IExceptionsEvents {
    /// @notice The receiver of `shipment` (in transit) accepts `accepted` of its units with the carrier's temperature
    /// summary `leg`, under the same rules as `receiveShipment` (an excursion, or a sender no longer authorized, puts
    /// them in quarantine), and states exception `reason` with `evidence` for the rest, which become disputed.
    /// @param disputedPacks on a pack leg, the Merkle root of the packs not accepted (as a manifest); zero otherwise
    function receivePartial(
        Shipment calldata shipment,
        uint48 accepted,
        ExceptionReason reason,
        bytes32 evidence,
        bytes32 disputedPacks,
        TemperatureLeg calldata leg
    ) external;

    /// @notice The receiver found the disputed units of `shipment` after all: they go into its stock (its quarantine
    /// when the receipt went there). The receiver alone decides: it declares against its own interest.
    function declareFound(Shipment calldata shipment) external;

    /// @notice The sender or the receiver of `shipment` agrees its disputed units are lost; with both agreed, they are
    /// written off (`ExceptionResolved` with `Lost`).
    function agreeLost(Shipment calldata shipment) external;

    /// @notice The sender of `shipment` says it took the disputed units back; the receiver's `confirmReturn` (or a
    /// regulator's `closeException`) puts them into the sender's quarantine.
    function declareReturned(Shipment calldata shipment) external;

    /// @notice The receiver of `shipment` confirms the return its sender declared: the disputed units go into the
    /// sender's quarantine.
    function confirmReturn(Shipment calldata shipment) external;

    /// @notice A regulator ends the dispute on `shipment` with `outcome` (`Found`, `Lost` or `Returned`), whatever the
    /// parties proposed, with the hash of its reasons.
    function closeException(Shipment calldata shipment, ExceptionStatus outcome, bytes32 reason) external;

    /// @notice The receiver of `shipment` (in transit, or one it raised an exception on) reports `units` units more
    /// than shipped: an event only, nothing enters any stock.
    function reportOverage(Shipment calldata shipment, uint48 units, bytes32 evidence) external;

    /// @notice The delivery exception raised on shipment `shipmentId` (all zero when none was).
    function deliveryException(bytes32 shipmentId) external view returns (DeliveryException memory);
}
