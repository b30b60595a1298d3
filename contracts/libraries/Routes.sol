// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Role} from "../interfaces/RxTypes.sol";

/// @notice How a shipment moves along the supply chain.
enum Direction {
    Forbidden,
    Forward,
    Return
}

/// @title Permitted custody routes
/// @notice Forward: manufacturer -> distributor, distributor -> distributor, distributor -> dispenser.
/// Return (upstream): distributor -> manufacturer, dispenser -> distributor, dispenser -> manufacturer.
/// Everything else is forbidden: regulators never hold product, manufacturers do not sell straight to
/// dispensers, and nobody ships to a peer of the same role except distributors.
library Routes {
    function classify(Role from, Role to) internal pure returns (Direction) {
        if (from == Role.Manufacturer) {
            return to == Role.Distributor ? Direction.Forward : Direction.Forbidden;
        }
        if (from == Role.Distributor) {
            if (to == Role.Distributor || to == Role.Dispenser) return Direction.Forward;
            return to == Role.Manufacturer ? Direction.Return : Direction.Forbidden;
        }
        if (from == Role.Dispenser) {
            return to == Role.Distributor || to == Role.Manufacturer ? Direction.Return : Direction.Forbidden;
        }
        return Direction.Forbidden;
    }
}
