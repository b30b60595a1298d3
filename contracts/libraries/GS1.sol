// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title GS1 identifier rules
/// @notice Check digits, lot syntax and company prefixes as the GS1 General Specifications define them.
/// Mirrored by `scripts/lib/gs1.ts`; both are tested against the same vectors.
library GS1 {
    /// @dev A GTIN-14 has 14 digits, so it is below 10^14.
    uint256 internal constant GTIN_LIMIT = 1e14;
    /// @dev A GLN has 13 digits, so it is below 10^13.
    uint256 internal constant GLN_LIMIT = 1e13;
    /// @dev An SSCC has 18 digits (extension digit first), so it is below 10^18.
    uint256 internal constant SSCC_LIMIT = 1e18;
    /// @dev AI (10) batch/lot: up to 20 characters.
    uint256 internal constant MAX_LOT_LENGTH = 20;
    /// @dev A GS1 company prefix has 4 to 12 digits (GTIN-13 notation).
    uint256 internal constant MIN_PREFIX_LENGTH = 4;
    uint256 internal constant MAX_PREFIX_LENGTH = 12;
    /// @dev Bit c is set for each of the 82 characters of GS1 AI encodable character set 82
    /// (! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z).
    uint256 private constant _CSET82 = 0x7fffffe87fffffeffffffe600000000;

    /// @notice True when the last digit of `number` is the GS1 mod-10 check digit of the others
    /// (weights 3, 1, 3, 1, ... from the right, the check digit excluded).
    function hasValidCheckDigit(uint256 number) internal pure returns (bool) {
        uint256 sum;
        uint256 rest = number / 10;
        uint256 weight = 3;
        // Callers pass at most 18 digits: the sum stays below 18 * 9 * 3 and `weight` alternates 3, 1.
        unchecked {
            while (rest != 0) {
                sum += (rest % 10) * weight;
                weight = 4 - weight;
                rest /= 10;
            }
        }
        return (10 - (sum % 10)) % 10 == number % 10;
    }

    /// @notice True for a non-zero GTIN-14 (leading zeros implied) with a correct check digit.
    function isGtin14(uint64 gtin) internal pure returns (bool) {
        return gtin != 0 && gtin < GTIN_LIMIT && hasValidCheckDigit(gtin);
    }

    /// @notice True for a non-zero 13-digit GLN with a correct check digit.
    function isGln(uint64 gln) internal pure returns (bool) {
        return gln != 0 && gln < GLN_LIMIT && hasValidCheckDigit(gln);
    }

    /// @notice True for a non-zero 18-digit SSCC (leading zeros implied) with a correct check digit.
    function isSscc(uint64 sscc) internal pure returns (bool) {
        return sscc != 0 && sscc < SSCC_LIMIT && hasValidCheckDigit(sscc);
    }

    /// @notice True for a lot number of 1 to 20 characters of GS1 character set 82.
    function isLot(string calldata lot) internal pure returns (bool) {
        bytes calldata raw = bytes(lot);
        uint256 length = raw.length;
        if (length == 0 || length > MAX_LOT_LENGTH) return false;
        for (uint256 i; i < length; ++i) {
            uint8 c = uint8(raw[i]);
            if (c > 127 || (_CSET82 >> c) & 1 == 0) return false;
        }
        return true;
    }

    /// @notice Parses a company prefix written as 4 to 12 decimal digits.
    /// @return ok false when `prefix` is not 4 to 12 digits
    /// @return key the prefix's storage key, see {prefixKey}
    /// @return length the number of digits
    function parseCompanyPrefix(string calldata prefix) internal pure returns (bool ok, uint256 key, uint256 length) {
        bytes calldata raw = bytes(prefix);
        length = raw.length;
        if (length < MIN_PREFIX_LENGTH || length > MAX_PREFIX_LENGTH) return (false, 0, length);
        uint256 value;
        for (uint256 i; i < length; ++i) {
            uint8 c = uint8(raw[i]);
            if (c < 0x30 || c > 0x39) return (false, 0, length);
            // At most 12 digits: value stays below 10^12.
            unchecked {
                value = value * 10 + (c - 0x30);
            }
        }
        return (true, prefixKey(value, length), length);
    }

    /// @notice The storage key of a company prefix: its digit count above its numeric value, so that
    /// "0312345" and "312345" are different prefixes.
    function prefixKey(uint256 value, uint256 length) internal pure returns (uint256) {
        return (length << 64) | value;
    }

    /// @notice The key of the `length`-digit company prefix that follows the leading digit of a `digits + 1`-digit
    /// key (a GTIN-14: 13, after its indicator digit; an SSCC: 17, after its extension digit): drop that digit
    /// (mod 10^digits), then everything after the prefix (the item or serial reference and the check digit).
    function leadingPrefixKey(uint64 number, uint256 digits, uint256 length) internal pure returns (uint256) {
        return prefixKey((uint256(number) % (10 ** digits)) / (10 ** (digits - length)), length);
    }
}
