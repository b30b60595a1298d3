/**
 * What every command shares: running a command with one-line errors and a non-zero exit, parsing flags,
 * resolving signers and partners, sending a transaction and reporting it (cli.ts); finding a commissioned
 * batch from the GTIN and lot a person typed, and opening the suite of a network (batch-lookup.ts).
 */
export * from "./cli";
export * from "./batch-lookup";
