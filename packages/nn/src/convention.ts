/**
 * How a batch is laid out:
 * - `'row'`: examples as rows (a design matrix). X is m × n_in, W is n_in × n_out,
 *   b is 1 × n_out, and Z = X·W + b.
 * - `'column'`: examples as columns. X is n_in × m, W is n_out × n_in, b is n_out × 1,
 *   and Z = W·X + b.
 */
export type Convention = "row" | "column";

/**
 * The axis that runs over examples: 0 for `'row'`, 1 for `'column'`.
 * @example `exampleAxis("column") // 1: X is n0 × m`
 */
export function exampleAxis(convention: Convention): 0 | 1 {
  return convention === "row" ? 0 : 1;
}

/**
 * The axis that runs over features or classes: 1 for `'row'`, 0 for `'column'`.
 * @example `featureAxis("row") // 1: X is m × n0`
 */
export function featureAxis(convention: Convention): 0 | 1 {
  return convention === "row" ? 1 : 0;
}

/** Throws unless `convention` is `'row'` or `'column'`. */
export function checkConvention(where: string, convention: unknown): asserts convention is Convention {
  if (convention !== "row" && convention !== "column") {
    throw new Error(`${where}: convention must be 'row' (examples as rows) or 'column' (examples as columns), got ${JSON.stringify(convention)}`);
  }
}
