/**
 * What the tool keeps on disk under `deployments/<network>/`, Node side: serial files of commissioned batches,
 * manifests and case records, and signed files. Every write is whole or nothing (writeFileAtomic).
 */
export * from "./serial-files";
export * from "./manifest-files";
export * from "./signed-files";
