// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TemperatureLeg} from "../interfaces/RxTypes.sol";

/// @title Temperature rules for a custody leg (tenths of a degree Celsius)
library Temperature {
    /// @notice A leg summary is consistent when min <= mean kinetic temperature <= max.
    function isConsistent(TemperatureLeg calldata leg) internal pure returns (bool) {
        return leg.minTemp <= leg.meanKineticTemp && leg.meanKineticTemp <= leg.maxTemp;
    }

    /// @notice An excursion: the leg left the batch's storage range [lo, hi] at any point.
    function isExcursion(TemperatureLeg calldata leg, int16 lo, int16 hi) internal pure returns (bool) {
        return leg.minTemp < lo || leg.maxTemp > hi || leg.minutesOutOfRange != 0;
    }
}
