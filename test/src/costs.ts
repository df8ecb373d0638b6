// The costs of the dense-network derivations on plain arrays, averaged over m examples.
// Examples are the first index: a[i][j] is output unit j of example i.

/** J = −(1/m) Σ_i Σ_j [y log a + (1 − y) log(1 − a)] ("Notes on forward and backward propagation in deep neural networks" writes "1 − log A" for log(1 − A): a typo). */
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

/**
 * For J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] with a = σ(z), the long way for one example:
 * ∂J/∂a = (−y/a + (1 − y)/(1 − a))/m, times σ′(z) = a(1 − a); it comes to (a − y)/m.
 */
export function binaryCrossEntropyGradientThroughDerivative(a: number[], y: number[], m: number): number[] {
  return a.map((ai, i) => ((-y[i] / ai + (1 - y[i]) / (1 - ai)) / m) * (ai * (1 - ai))); // ∂J/∂z = ∂J/∂a · σ′(z)
}

/** The shortcut for a sigmoid output with binary cross-entropy: ∂J/∂z = (a − y)/m. */
export function binaryCrossEntropyGradientShortcut(a: number[], y: number[], m: number): number[] {
  return a.map((ai, i) => (ai - y[i]) / m); //                                               dZ = (A − Y)/m
}
