import { normalizeAxis } from "../shape";
import type { Tensor } from "../tensor";
import { withoutTapes } from "../tape";
import { sub } from "./binary";
import { exp, log } from "./elementwise";
import { max, sum } from "./reduce";

/**
 * log softmax along `axis`: x − log Σ exp(x), computed stably by first subtracting the
 * maximum (a constant shift, computed off the tape: no gradient flows through it).
 * @example `logSoftmax(tensor([[1, 2, 3]]), -1) // [[-2.41, -1.41, -0.41]]`
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const classAxis = normalizeAxis("logSoftmax", axis, x.shape);
  const shifted = sub(x, withoutTapes(() => max(x, classAxis, true)));
  return sub(shifted, log(sum(exp(shifted), classAxis, true)));
}

/**
 * softmax along `axis`: exp(x) / Σ exp(x), computed stably (large logits do not overflow).
 * Each slice along `axis` sums to 1.
 * @example `softmax(tensor([[0, 0]]), 1) // [[0.5, 0.5]]`
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}
