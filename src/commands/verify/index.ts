/** Verification (tasks/verify.ts, the demo): a pack named by flags or a Digital Link, checked against the chain and the manifests at hand. */
export * from "./verify-command";
