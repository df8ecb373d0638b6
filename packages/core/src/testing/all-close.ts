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

/** How far one tensor is from another, measured relative to the expected one's largest magnitude. */
export interface Difference {
  /** max |actual − expected|. */
  maxAbsDifference: number;
  /** max |actual − expected| / max |expected| (0 when both are all zeros). */
  maxRelDifference: number;
  /** The flat index of the largest difference. */
  at: number;
  /** Whether every element is within atol + rtol·max|expected|. */
  ok: boolean;
}

/**
 * The largest difference between two tensors of the same shape, and whether every element
 * is within atol + rtol·max|expected|: a tolerance scaled by the whole tensor, so that tiny
 * entries do not fail on rounding (what gradient comparisons need). NaN never passes.
 * @example `differenceOf(tensor([1, 2.001]), tensor([1, 2]), { atol: 0, rtol: 1e-3 }) // { maxAbsDifference: 0.001, at: 1, ok: true, … }`
 */
export function differenceOf(actual: Tensor, expected: Tensor, { atol = 1e-12, rtol = 1e-7 }: Tolerance = {}): Difference {
  if (!shapesEqual(actual.shape, expected.shape)) {
    throw new Error(`differenceOf: shapes differ: ${formatShape(actual.shape)} and ${formatShape(expected.shape)}`);
  }
  const e = expected.data;
  const a = actual.data;
  let scale = 0;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]));
  let maxAbsDifference = 0;
  let at = 0;
  let ok = true;
  for (let i = 0; i < e.length; i++) {
    const difference = Math.abs(a[i] - e[i]);
    if (!(difference <= maxAbsDifference)) {
      maxAbsDifference = difference;
      at = i;
    }
    if (!(difference <= atol + rtol * scale)) ok = false;
  }
  const maxRelDifference = scale > 0 ? maxAbsDifference / scale : maxAbsDifference === 0 ? 0 : Infinity;
  return { maxAbsDifference, maxRelDifference, at, ok };
}
