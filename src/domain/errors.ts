/**
 * An input a person gave us is wrong. The message names the field, the value and what was expected,
 * so the command line can print it as it is and exit non-zero.
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${field}: got ${JSON.stringify(typeof value === "bigint" ? value.toString() : value)}, expected ${expected}`);
    this.name = "InputError";
  }
}
