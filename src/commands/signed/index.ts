/**
 * Signed handovers (tasks/signed.ts): `rx:sign` (sign.ts), `rx:cosign` (cosign.ts), `rx:signed` (inspect.ts),
 * `rx:submit` (submit.ts), `rx:revoke-signatures` and `rx:cancel-handover` (revoke.ts); shared.ts and manifests.ts hold what they share.
 */
export * from "./shared";
export * from "./manifests";
export * from "./sign";
export * from "./cosign";
export * from "./inspect";
export * from "./submit";
export * from "./revoke";
