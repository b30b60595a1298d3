/** Settings of the property tests from the environment (FUZZ_RUNS, FUZZ_STEPS, FUZZ_SEED). */

/** The positive whole number in environment variable `name`, or `fallback` when it is not set. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: got ${JSON.stringify(raw)}, expected a positive integer`);
  return value;
}

/** FUZZ_SEED, or a random seed (printed by the tests so that a failure can be replayed). */
export function fuzzSeed(): number {
  return process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff);
}
