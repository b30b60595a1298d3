/**
 * Handovers signed off-chain (EIP-712, contracts/modules/SignedHandovers.sol): the typed data, signing and
 * recovering (typed-data.ts), the signed document `rxtrace-signed/1` and its contract call (document.ts), and
 * the checks a submitter makes before paying gas, in words (inspect.ts). ethers only; the file on disk is
 * src/files/signed-files.ts.
 */
export * from "./typed-data";
export * from "./document";
export * from "./inspect";
