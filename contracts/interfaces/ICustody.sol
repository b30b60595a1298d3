// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Role, Shipment, ShipmentRecord, TemperatureLeg, RejectionReason} from "./RxTypes.sol";

/// @title Quantity-aware custody
/// @notice The holder ships part of its saleable units to a named partner; units in transit belong to
/// nobody's stock until the receiver receives them (with the leg's temperature summary) or rejects them
/// (back to the sender). A leg outside the batch's storage range puts the received units in quarantine.
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
    /// @notice `receiver` received shipment `shipmentId` from `sender`; with `excursion` the units went to quarantine.
    event Received(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        address sender,
        uint48 quantity,
        TemperatureLeg leg,
        bool excursion
    );
    /// @notice `sender` cancelled shipment `shipmentId`, left unsettled by `receiver` for too long; its `quantity`
    /// units went back to `sender`.
    event ShipmentCancelled(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed sender,
        address receiver,
        uint48 quantity
    );
    /// @notice `receiver` rejected shipment `shipmentId`; its `quantity` units went back to `sender`.
    event Rejected(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        address indexed receiver,
        address sender,
        uint48 quantity,
        RejectionReason reason,
        bytes32 evidence
    );

    /// @notice A `senderRole` may not ship to a `receiverRole` (see the route table), or to itself.
    error CustodyRouteNotPermitted(address sender, Role senderRole, address receiver, Role receiverRole);
    /// @notice Returns to a manufacturer go to the batch's own `manufacturer` only.
    error CustodyReturnToOtherManufacturer(bytes32 batchId, address receiver, address manufacturer);
    /// @notice `holder` has `available` saleable units of `batchId`, fewer than `requested`.
    error CustodyInsufficientSaleable(bytes32 batchId, address holder, uint256 available, uint256 requested);
    /// @notice Shipment `shipmentId` is not in transit: it never existed, or it was received or rejected already.
    error CustodyShipmentNotInTransit(bytes32 shipmentId);
    /// @notice Only the shipment's `receiver` may settle it; `caller` is not.
    error CustodyNotReceiver(bytes32 shipmentId, address caller, address receiver);
    /// @notice Only the shipment's `sender` may cancel it; `caller` is not.
    error CustodyNotSender(bytes32 shipmentId, address caller, address sender);
    /// @notice Shipment `shipmentId` can be cancelled from `cancellableAt` on (now `now`): the receiver has
    /// CANCEL_AFTER seconds to receive or reject it first.
    error CustodyCancelTooEarly(bytes32 shipmentId, uint256 cancellableAt, uint256 now);
    /// @notice `shipPacks` needs the manifest's Merkle root; a shipment without one is a plain `ship`.
    error CustodyMissingManifest();
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

    /// @notice The receiver accepts `shipment` with the carrier's temperature summary `leg`.
    function receiveShipment(Shipment calldata shipment, TemperatureLeg calldata leg) external;

    /// @notice The receiver refuses `shipment`; the units return to the sender's saleable stock.
    /// @param evidence hash of a photo, report or note, zero when there is none
    function rejectShipment(Shipment calldata shipment, RejectionReason reason, bytes32 evidence) external;

    /// @notice The sender takes back a shipment its receiver left unsettled for CANCEL_AFTER seconds (e.g. a
    /// receiver that was suspended, lost its licence or never acted); the units return to its saleable stock.
    function cancelShipment(Shipment calldata shipment) external;

    /// @notice Seconds a receiver has to settle a shipment before its sender may cancel it (30 days).
    function CANCEL_AFTER() external view returns (uint256);

    /// @notice The stored state of shipment `shipmentId` while it is in transit; all zero once it is settled
    /// (see the `Received` and `Rejected` events) or when it never existed.
    function shipment(bytes32 shipmentId) external view returns (ShipmentRecord memory);

    /// @notice The id of `shipment`: `keccak256(abi.encode(shipment))`.
    function shipmentIdOf(Shipment calldata shipment) external pure returns (bytes32);
}
