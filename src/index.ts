/**
 * rxtrace's TypeScript library, one folder per concern (modelled on ethers v6's src.ts/); each folder's
 * index.ts says what it offers. Entry points live outside: tasks/ (the rx: Hardhat tasks), scripts/ (npm
 * scripts only), web/ (the page and its API); none of them holds logic, and nothing imports from scripts/.
 *
 * Browser-safe (no node:*, no native package, nothing Node-side; the page imports only these):
 *   gs1/            GS1 identifiers, Digital Link, scanned element strings, a pack named by flags
 *   domain/         enums and words, ids, InputError, temperature logs, provenance facts and the report
 *   chain/events/   a batch's events read through the contract into provenance (verifyPack)
 *   signing/        EIP-712 signed handovers: typed data, the signed document, inspection in words
 * Node side:
 *   merkle/         fast StandardMerkleTree layouts over a native keccak; the batch serial tree
 *   manifests/      pack-level manifests: build, check, who holds which packs
 *   files/          what the tool keeps under deployments/<network>/: serial files, manifests, cases, signed files
 *   chain/          deployment records, deploy, the retrying JSON-RPC layer (and events/ above)
 *   epcis/          GS1 EPCIS: CBV vocabulary, EPC URIs, the chain's events as EPCIS 2.0, reading 2.0 JSON-LD and 1.2 XML
 *   commands/       one folder per user journey (admin, commission, custody, packs, signed, safety, dispense,
 *                   verify, vrs, watch, epcis) and shared/ (cli helpers, batch lookup)
 *   vrs/            GS1 verification requests (VRS): the standard's messages, the requester's signature checked
 *                   against the partner registry, the responder (node:http) and its client
 *   watch/          alerts for a partner (rx:watch): rules, one log reader, finality, checkpoint, signed webhooks
 *   scenario/       the demo's cast and products, shared by tests, bench and demo
 *   bench/          the gas bench behind `npm run bench` and the gas snapshot test
 *
 * Imports run one way: commands -> watch/files/manifests/signing/chain -> merkle -> domain -> gs1 (gs1 uses only
 * domain/errors); test/Layout.test.ts fails on an import cycle, an import from scripts/, or a Node-only import
 * in a browser-safe folder. This index gathers the folders as namespaces; code inside src/ imports the file
 * it needs directly, never through an index.
 */
export * as gs1 from "./gs1";
export * as domain from "./domain";
export * as signing from "./signing";
export * as merkle from "./merkle";
export * as manifests from "./manifests";
export * as files from "./files";
export * as chain from "./chain";
export * as epcis from "./epcis";
export * as commands from "./commands";
export * as vrs from "./vrs";
export * as scenario from "./scenario";
export * as bench from "./bench";
export * as watch from "./watch";
