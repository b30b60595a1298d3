/**
 * Pack-level manifests, pure logic (Node side only because they build Merkle trees with src/merkle): the
 * format and `buildManifest` (manifest.ts), checking a manifest and parsing its JSON (check.ts), and which
 * packs a partner holds by the manifests (holdings.ts). Files on disk are src/files; choosing packs is
 * src/commands/packs.
 */
export * from "./manifest";
export * from "./check";
export * from "./holdings";
