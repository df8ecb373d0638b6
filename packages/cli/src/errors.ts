/**
 * A problem with what the user gave (a file, a row, a field, an option): exit code 2, one line.
 * @example `throw new InputError("data.csv, line 3, column 'age': \"x\" is not a number")`
 */
export class InputError extends Error {
  /** The process exit code: 2. */
  readonly exitCode = 2;
}
