/**
 * Pack-level custody (tasks/cases.ts, and rx:ship / rx:sign through selection.ts): what a partner holds pack by
 * pack and which packs and cases a shipment carries (selection.ts owns pack selection), and sealing and
 * opening cases (cases.ts).
 */
export * from "./selection";
export * from "./cases";
