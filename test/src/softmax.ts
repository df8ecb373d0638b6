// Softmax and its derivative (as "Feedforward Neural Networks in Depth, Part 1" derives it): through the full Jacobian, and through the shortcut.

/** a = softmax(z) for one example. */
export function softmax(z: number[]): number[] {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const total = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / total);
}

/** ∂a_i/∂z_j = a_i(δ_ij − a_j) for one example. */
export function softmaxJacobian(a: number[]): number[][] {
  return a.map((ai, i) => a.map((aj, j) => ai * ((i === j ? 1 : 0) - aj)));
}

/** ∂J/∂z = (∂a/∂z)ᵀ·∂J/∂a for one example. */
export function backThroughJacobian(a: number[], dJda: number[]): number[] {
  const jacobian = softmaxJacobian(a);
  return a.map((_, j) => jacobian.reduce((total, row, i) => total + row[j] * dJda[i], 0));
}

/** For J = −(1/m) Σ y log a: ∂J/∂a = −y/(m·a), and through the Jacobian ∂J/∂z = (a − y)/m. */
export function crossEntropyGradientThroughJacobian(a: number[], y: number[], m: number): number[] {
  return backThroughJacobian(a, a.map((ai, i) => -y[i] / (m * ai)));
}

/** The shortcut: ∂J/∂z = (a − y)/m, for one-hot y. */
export function crossEntropyGradientShortcut(a: number[], y: number[], m: number): number[] {
  return a.map((ai, i) => (ai - y[i]) / m);
}
