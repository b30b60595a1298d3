// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    QuarantineCause,
    RejectionReason,
    Role,
    Shipment,
    ShipmentRecord,
    TemperatureLeg
} from "./RxTypes.sol";

/// @title Quantity-aware custody
/// @notice The holder ships part of its saleable units to a named partner; units in transit belong to
/// nobody's stock until the receiver receives them (with the leg's temperature summary) or rejects them
/// (back to the sender). A leg outside the batch's storage range puts the received units in quarantine.
/// Units that come back from a refused or cancelled leg never become saleable without a decision: a rejection
/// returns them to the sender's saleable stock only when the leg stayed inside the storage range and the reason
/// is neither `Damaged` nor `NoTemperatureData`, otherwise into the sender's quarantine; a cancellation always
/// puts them in the sender's quarantine. Only a regulator releases quarantined units.
interface ICustody {
    /// @notice `sender` shipped `quantity` units of `batchId` to `receiver` as its `nonce`-th shipment.
    event Shipped(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed sender,
        address receiver,
        uint48 quantity,
        uint32 nonce,
        bool isReturn
    );
    /// @notice Shipment `shipmentId` of `batchId` carries exactly the packs (and sealed cases) that `manifest`,
    /// the Merkle root of its manifest file, commits to. The file travels with the goods; its serials are
    /// checked off-chain against the batch's serial root (see the README, "Manifests").
    event ManifestCommitted(bytes32 indexed shipmentId, bytes32 indexed batchId, bytes32 manifest);
    /// @notice `receiver` received shipment `shipmentId` from `sender`; with `excursion` (the leg left the storage
    /// range) the units went to quarantine. They also go to quarantine, with `excursion` false, for the causes of
    /// `ReceiptQuarantined`, emitted right after.
    event Received(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        address sender,
        uint48 quantity,
        TemperatureLeg leg,
        bool excursion
    );
    /// @notice Shipment `shipmentId`'s `quantity` units went into `receiver`'s quarantine although the leg stayed
    /// inside the storage range, because of `cause`.
    event ReceiptQuarantined(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        uint48 quantity,
        QuarantineCause cause
    );
    /// @notice `sender` cancelled shipment `shipmentId`, left unsettled by `receiver` for too long; its `quantity`
    /// units went into `sender`'s quarantine (their whereabouts are unknown).
    event ShipmentCancelled(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed sender,
        address receiver,
        uint48 quantity
    );
    /// @notice `receiver` rejected shipment `shipmentId` with the leg's temperature summary `leg`; its `quantity`
    /// units went back to `sender`: into its quarantine when `quarantined` (the leg left the storage range, or the
    /// reason is `Damaged` or `NoTemperatureData`), else into its saleable stock.
    event Rejected(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        address sender,
        uint48 quantity,
        RejectionReason reason,
        bytes32 evidence,
        TemperatureLeg leg,
        bool quarantined
    );

    /// @notice A `senderRole` may not ship to a `receiverRole` (see the route table), or to itself.
    error CustodyRouteNotPermitted(address sender, Role senderRole, address receiver, Role receiverRole);
    /// @notice Returns to a manufacturer go to the batch's own `manufacturer` only.
    error CustodyReturnToOtherManufacturer(bytes32 batchId, address receiver, address manufacturer);
    /// @notice `holder` has `available` saleable units of `batchId`, fewer than `requested`.
    error CustodyInsufficientSaleable(bytes32 batchId, address holder, uint256 available, uint256 requested);
    /// @notice Shipment `shipmentId` is not in transit: it never existed, or it was received, rejected or (for a
    /// rejection or a cancellation) cancelled already.
    error CustodyShipmentNotInTransit(bytes32 shipmentId);
    /// @notice Only the shipment's `receiver` may settle it; `caller` is not.
    error CustodyNotReceiver(bytes32 shipmentId, address caller, address receiver);
    /// @notice Only the shipment's `sender` may cancel it; `caller` is not.
    error CustodyNotSender(bytes32 shipmentId, address caller, address sender);
    /// @notice Shipment `shipmentId` can be cancelled from `cancellableAt` on (now `now`): the receiver has
    /// CANCEL_AFTER seconds to receive or reject it first, and `PAUSE_GRACE` after an unpause when that time ran
    /// out during (or just before) a pause.
    error CustodyCancelTooEarly(bytes32 shipmentId, uint256 cancellableAt, uint256 now);
    /// @notice `shipPacks` needs the manifest's Merkle root (whose first 21 bytes are not all zero); a shipment
    /// without one is a plain `ship`.
    error CustodyMissingManifest();
    /// @notice Batch `batchId` is serialized and `receiver` is a dispenser: its packs reach a dispenser only in pack
    /// legs (`shipPacks`, a signed ship or a handover with a manifest), which the dispenser later shows to dispense.
    error CustodyManifestRequired(bytes32 batchId, address receiver);
    /// @notice Shipment `shipmentId` was cancelled into `sender`'s quarantine, which now holds `available` units,
    /// fewer than its `quantity` (a regulator released or condemned them): the late receipt is refused.
    error CustodyCancelledUnitsGone(bytes32 shipmentId, address sender, uint256 available, uint256 quantity);
    /// @notice A leg summary needs minTemp <= meanKineticTemp <= maxTemp.
    error CustodyInvalidTemperatureLeg(int16 minTemp, int16 meanKineticTemp, int16 maxTemp);

    /// @notice Ships `quantity` saleable units of `batchId` to `receiver`. Both must be authorized and the
    /// route permitted; forward shipments need a batch that is not recalled, on hold or expired, returns
    /// only one that is not on hold.
    /// @return shipmentId `keccak256(abi.encode(shipment))`, the shipment as in the `Shipped` event
    function ship(bytes32 batchId, address receiver, uint48 quantity) external returns (bytes32 shipmentId);

    /// @notice As `ship`, for a shipment that carries a pack-level manifest: `manifest` is the Merkle root of
    /// exactly the packs (and sealed cases) shipped, emitted in `ManifestCommitted`. The gas does not depend
    /// on the number of packs.
    function shipPacks(bytes32 batchId, address receiver, uint48 quantity, bytes32 manifest)
        external
        returns (bytes32 shipmentId);

    /// @notice The receiver accepts `shipment` with the carrier's temperature summary `leg`. The units go to its
    /// quarantine when the leg left the storage range, when the sender is no longer authorized, or when the sender
    /// cancelled the shipment first (a receipt racing a cancellation: the units move from the sender's quarantine
    /// into the receiver's, and the receipt is refused when the sender's quarantine no longer holds them).
    function receiveShipment(Shipment calldata shipment, TemperatureLeg calldata leg) external;

    /// @notice The receiver refuses `shipment`, with the leg's temperature summary (the same rule as a receipt:
    /// the summary must be consistent). The units return to the sender's saleable stock when the leg stayed inside
    /// the storage range and `reason` is neither `Damaged` nor `NoTemperatureData`, else to its quarantine.
    /// @param evidence hash of a photo, report or note, zero when there is none
    /// @param leg the carrier's temperature summary of the leg (all zero when there is no data: an excursion)
    function rejectShipment(
        Shipment calldata shipment,
        RejectionReason reason,
        bytes32 evidence,
        TemperatureLeg calldata leg
    ) external;

    /// @notice The sender takes back a shipment its receiver left unsettled for CANCEL_AFTER seconds (e.g. a
    /// receiver that was suspended, lost its licence or never acted); when those seconds ran out during a pause or
    /// at most `PAUSE_GRACE` before it began, not before `PAUSE_GRACE` after the unpause. The units go into the
    /// sender's quarantine (where they are is unknown), and the record stays as `Cancelled`.
    function cancelShipment(Shipment calldata shipment) external;

    /// @notice Seconds a receiver has to settle a shipment before its sender may cancel it (30 days).
    function CANCEL_AFTER() external view returns (uint256);

    /// @notice The stored state of shipment `shipmentId`: in transit, cancelled, or a pack leg a dispenser received;
    /// all zero for a lot-level leg once it is settled (see the `Received` and `Rejected` events) or when it never
    /// existed.
    function shipment(bytes32 shipmentId) external view returns (ShipmentRecord memory);

    /// @notice The id of `shipment`: `keccak256(abi.encode(shipment))`.
    function shipmentIdOf(Shipment calldata shipment) external pure returns (bytes32);
}
