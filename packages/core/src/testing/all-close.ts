import { formatShape, shapesEqual } from "../shape";
import type { Tensor } from "../tensor";

/** Tolerances for comparing tensors: |a − b| ≤ atol + rtol·|b| element-wise. */
export interface Tolerance {
  /** Absolute tolerance; 1e-8 by default. */
  atol?: number;
  /** Relative tolerance; 1e-5 by default. */
  rtol?: number;
}

/**
 * Whether two tensors have the same shape and close values (numpy's `allclose`; NaN equals nothing).
 * @example `allClose(tensor([1, 2]), tensor([1, 2 + 1e-12])) // true`
 */
export function allClose(a: Tensor, b: Tensor, tolerance: Tolerance = {}): boolean {
  return closeness(a, b, tolerance) === undefined;
}

/**
 * Throws an error naming the first differing element unless `allClose(actual, expected)`.
 * @example `assertAllClose(grad(f)(x)[0], expectedGradient, { rtol: 1e-9 })`
 */
export function assertAllClose(actual: Tensor, expected: Tensor, tolerance: Tolerance = {}): void {
  const problem = closeness(actual, expected, tolerance);
  if (problem !== undefined) throw new Error(`assertAllClose: ${problem}`);
}

function closeness(a: Tensor, b: Tensor, { atol = 1e-8, rtol = 1e-5 }: Tolerance): string | undefined {
  if (!shapesEqual(a.shape, b.shape)) return `shapes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]))) {
      return `element ${i} differs: ${x[i]} vs ${y[i]} (|difference| ${Math.abs(x[i] - y[i]).toExponential(3)}, atol ${atol}, rtol ${rtol})`;
    }
  }
  return undefined;
}
