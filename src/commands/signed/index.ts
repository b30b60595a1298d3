/**
 * Signed handovers (tasks/signed.ts): `rx:sign` (sign.ts), `rx:cosign` (cosign.ts), `rx:signed` (inspect.ts),
 * `rx:submit` (submit.ts) and `rx:revoke-signatures` (revoke.ts); shared.ts and manifests.ts hold what they share.
 */
export * from "./shared";
export * from "./manifests";
export * from "./sign";
export * from "./cosign";
export * from "./inspect";
export * from "./submit";
export * from "./revoke";
