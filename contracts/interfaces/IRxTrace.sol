// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPartnerRegistry} from "./IPartnerRegistry.sol";
import {IBatchRegistry} from "./IBatchRegistry.sol";
import {ICustody} from "./ICustody.sol";
import {IProductSafety} from "./IProductSafety.sol";
import {IDispensing} from "./IDispensing.sol";
import {IVerification} from "./IVerification.sol";
import {IEmergencyPause} from "./IEmergencyPause.sol";
import {ICases} from "./ICases.sol";
import {ISignedHandovers} from "./ISignedHandovers.sol";

/// @title rxtrace: prescription drug traceability from the manufacturer to the pharmacy
/// @notice The whole suite behind one address: the modules' interfaces together, nothing of its own.
// solhint-disable-next-line no-empty-blocks
interface IRxTrace is
    IEmergencyPause,
    IPartnerRegistry,
    IBatchRegistry,
    ICustody,
    IProductSafety,
    IDispensing,
    IVerification,
    ICases,
    ISignedHandovers
{}
