/**
 * Raw keccak-256 over bytes, fast enough for a million-leaf tree.
 *
 * The `keccak` package ships a prebuilt native Keccak sponge (no download at install), but its public API
 * wraps every hash in a stream object, which costs ~5x the hash itself. We drive the sponge directly
 * (rate 1088, capacity 512, suffix 0x01: Ethereum's keccak-256) and fall back to @noble/hashes, pure
 * JavaScript, where the native add-on does not load. Both are checked against ethers in the tests.
 */
import path from "node:path";
import { keccak_256 } from "@noble/hashes/sha3";

interface NativeSponge {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
}

function loadNative(): ((data: Buffer) => Buffer) | undefined {
  try {
    const dir = path.dirname(require.resolve("keccak/package.json"));
    const load = require(require.resolve("node-gyp-build", { paths: [dir] })) as (d: string) => unknown;
    const Sponge = load(dir) as new () => NativeSponge;
    const sponge = new Sponge();
    return (data) => {
      sponge.initialize(1088, 512);
      sponge.absorb(data);
      sponge.absorbLastFewBits(0x01);
      return sponge.squeeze(32);
    };
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** keccak-256 of `data`. */
export const keccak256Raw: (data: Buffer) => Buffer = native ?? ((data) => Buffer.from(keccak_256(data)));

/** Which implementation is in use, for the bench printout. */
export const keccakImplementation = native ? "native" : "javascript";
