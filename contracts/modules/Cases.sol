// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICases} from "../interfaces/ICases.sol";
import {CaseStatus, Holding, Partner, Role} from "../interfaces/RxTypes.sol";
import {GS1} from "../libraries/GS1.sol";
import {Verification} from "./Verification.sol";

/// @title Shipping cases (SSCC aggregation)
/// @dev One slot per case: the hash of what it was sealed with, or `_OPENED` once opened, so an SSCC can
/// never name two different cases. The contents themselves are in the `CaseSealed` event.
abstract contract Cases is Verification, ICases {
    bytes32 private constant _OPENED = bytes32(uint256(1));

    mapping(uint64 sscc => bytes32 commitment) private _cases;

    /// @inheritdoc ICases
    function sealCase(uint64 sscc, bytes32 batchId, bytes32 contents, uint48 packs) external virtual whenNotPaused {
        Partner memory p = _requireAuthorized(msg.sender);
        address holder = _identityOfKey(msg.sender, p);
        if (!GS1.isSscc(sscc)) revert CaseInvalidSscc(sscc);
        if (!_ownsPrefixOf(p, holder, sscc, 17)) revert CaseSsccNotOwned(sscc, msg.sender);
        CaseStatus status = _caseStatus(sscc);
        if (status != CaseStatus.Unused) revert CaseSsccUsed(sscc, status);
        _existingBatch(batchId);
        if (contents == bytes32(0)) revert CaseEmptyContents(sscc);
        if (packs == 0) revert BatchInvalidQuantity(packs);
        Holding memory h = _holding(batchId, holder);
        if (h.saleable < packs) revert CustodyInsufficientSaleable(batchId, msg.sender, h.saleable, packs);
        _cases[sscc] = _commitment(batchId, contents, packs);
        emit CaseSealed(sscc, batchId, holder, contents, packs);
    }

    /// @inheritdoc ICases
    function openCase(uint64 sscc, bytes32 batchId, bytes32 contents, uint48 packs) external virtual whenNotPaused {
        address holder = _actor(Role.None);
        CaseStatus status = _caseStatus(sscc);
        if (status != CaseStatus.Sealed) revert CaseNotSealed(sscc, status);
        if (_cases[sscc] != _commitment(batchId, contents, packs)) revert CaseContentsMismatch(sscc);
        Holding memory h = _holding(batchId, holder);
        uint256 held = uint256(h.saleable) + h.quarantined;
        if (held < packs) revert CaseNotHeld(sscc, msg.sender, held, packs);
        _cases[sscc] = _OPENED;
        emit CaseOpened(sscc, batchId, holder);
    }

    /// @inheritdoc ICases
    function caseStatus(uint64 sscc) external view returns (CaseStatus) {
        return _caseStatus(sscc);
    }

    function _caseStatus(uint64 sscc) private view returns (CaseStatus) {
        bytes32 c = _cases[sscc];
        if (c == bytes32(0)) return CaseStatus.Unused;
        return c == _OPENED ? CaseStatus.Opened : CaseStatus.Sealed;
    }

    function _commitment(bytes32 batchId, bytes32 contents, uint48 packs) private pure returns (bytes32) {
        return keccak256(abi.encode(batchId, contents, packs));
    }

    /// @dev What case `sscc` was sealed with, `_OPENED` once opened, zero when unused.
    function _caseCommitment(uint64 sscc) internal view returns (bytes32) {
        return _cases[sscc];
    }

    function _setCaseCommitment(uint64 sscc, bytes32 commitment) internal {
        _cases[sscc] = commitment;
    }
}
