// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title An ERC-20 that calls back into a target during every transfer (tests only)
/// @notice Armed with a target and calldata, each transfer first makes that call (once per arming), then moves the
/// tokens. It records whether the call succeeded and its revert data, so a test can assert what the target said.
contract HostileToken is ERC20 {
    address private _target;
    bytes private _data;
    /// @notice Whether the last re-entrant call succeeded.
    bool public lastCallSucceeded;
    /// @notice What the last re-entrant call returned or reverted with.
    bytes public lastCallResult;

    constructor() ERC20("Hostile", "HOST") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The token itself calls `target` with `data` (as a party of the settlement: a buyer or seller that is
    /// this contract), bubbling up a revert.
    function act(address target, bytes calldata data) external returns (bytes memory) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice The next transfer first calls `target` with `data`.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _data = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (lastCallSucceeded, lastCallResult) = target.call(_data);
        }
        super._update(from, to, value);
    }
}
