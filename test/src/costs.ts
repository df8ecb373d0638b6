// The costs of the seed notes on plain arrays, averaged over m examples. Examples are the
// first index: a[i][j] is output unit j of example i.

/** J = −(1/m) Σ_i Σ_j [y log a + (1 − y) log(1 − a)] (one seed writes "1 − log A" for log(1 − A): a typo). */
export function binaryCrossEntropy(a: number[][], y: number[][]): number {
  let total = 0;
  a.forEach((row, i) => row.forEach((aij, j) => (total += y[i][j] * Math.log(aij) + (1 - y[i][j]) * Math.log(1 - aij))));
  return -total / a.length;
}

/** J = −(1/m) Σ_i Σ_c y_c log a_c, for one-hot targets. */
export function categoricalCrossEntropy(a: number[][], y: number[][]): number {
  let total = 0;
  a.forEach((row, i) => row.forEach((aic, c) => (total += y[i][c] === 0 ? 0 : y[i][c] * Math.log(aic))));
  return -total / a.length;
}
