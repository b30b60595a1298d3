// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CaseStatus} from "./RxTypes.sol";

/// @title Shipping cases (SSCC aggregation)
/// @notice A holder seals a case: it commits, under the case's 18-digit SSCC, to the set of packs inside (the
/// Merkle root of their serials, built like a batch's serial tree). While the case stays sealed, a manifest
/// that lists the case stands for all of its packs; once it is opened, its packs travel on their own. An SSCC
/// is used once: a sealed or opened case can never be sealed again with other contents.
interface ICases {
    /// @notice `packer` sealed case `sscc` holding `packs` packs of `batchId` whose serials' Merkle root is
    /// `contents`.
    event CaseSealed(
        uint64 indexed sscc,
        bytes32 indexed batchId,
        address indexed packer,
        bytes32 contents,
        uint48 packs
    );
    /// @notice `by` opened case `sscc`; from now on its packs are listed one by one.
    event CaseOpened(uint64 indexed sscc, bytes32 indexed batchId, address indexed by);

    /// @notice `sscc` is not an 18-digit SSCC with a correct check digit.
    error CaseInvalidSscc(uint64 sscc);
    /// @notice `sealer` owns no GS1 company prefix that `sscc` carries (after its extension digit): an SSCC is
    /// allocated by the company whose prefix it carries, so only that company seals cases under it.
    error CaseSsccNotOwned(uint64 sscc, address sealer);
    /// @notice Case `sscc` was used already (`status`): an SSCC names one case only.
    error CaseSsccUsed(uint64 sscc, CaseStatus status);
    /// @notice A case needs the non-zero Merkle root of its packs' serials.
    error CaseEmptyContents(uint64 sscc);
    /// @notice Case `sscc` is not sealed (`status`), so it cannot be opened.
    error CaseNotSealed(uint64 sscc, CaseStatus status);
    /// @notice The batch, contents or pack count given for case `sscc` are not the ones it was sealed with.
    error CaseContentsMismatch(uint64 sscc);
    /// @notice `holder` has `held` units of the case's batch (saleable and quarantined), fewer than the
    /// `packs` the case holds, so it cannot be holding the case.
    error CaseNotHeld(uint64 sscc, address holder, uint256 held, uint256 packs);

    /// @notice Seals case `sscc` with `packs` packs of `batchId`, committed as `contents`, the Merkle root of
    /// their serials. The caller must be an authorized partner that owns the GS1 company prefix the SSCC carries
    /// (after the extension digit; see `assignCompanyPrefix`) and holds at least `packs` saleable units.
    function sealCase(uint64 sscc, bytes32 batchId, bytes32 contents, uint48 packs) external;

    /// @notice Opens sealed case `sscc`, given the fields it was sealed with. The caller must be an authorized
    /// partner holding at least `packs` units of the batch.
    function openCase(uint64 sscc, bytes32 batchId, bytes32 contents, uint48 packs) external;

    /// @notice Whether case `sscc` is unused, sealed or opened.
    function caseStatus(uint64 sscc) external view returns (CaseStatus);
}
