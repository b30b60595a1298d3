/** Custody (tasks/custody.ts): ship, receive with a temperature logger, reject, cancel, and the shipments in transit. */
export * from "./shipments";
