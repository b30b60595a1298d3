// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A plain ERC-20 for tests and the local demo (a stand-in for a stablecoin; never deployed to a public
/// network)
/// @notice Anyone may mint: it has no value.
contract TestToken is ERC20 {
    constructor(string memory name, string memory symbol) ERC20(name, symbol) {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Six decimals, as the stablecoins used in production.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
