/**
 * GS1's Lightweight Messaging Standard for Verification of Product Identifiers (DSCSA saleable returns, the
 * requests of a Verification Router Service): the messages and the verdict's mapping to them (pure), the
 * requester's authorization against the on-chain partner registry, the responder, and the requester's client.
 * docs/vrs.md is the reference.
 */
export * from "./messages";
export * from "./authorization";
export * from "./responder";
export * from "./client";
