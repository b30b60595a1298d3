/**
 * Alerts for trading partners (`rx:watch`): the rules that say which events concern a holder (alerts), the one
 * log-reading function (logs), which blocks are final (finality), the durable checkpoint, signed webhook delivery
 * with retries, and the watcher that ties them together. Node only (files, HMAC, HTTP).
 */
export * from "./alerts";
export * from "./checkpoint";
export * from "./finality";
export * from "./logs";
export * from "./webhook";
export * from "./watcher";
