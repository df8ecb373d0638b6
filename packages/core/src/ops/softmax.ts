import { checkTensor } from "../check";
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
  checkTensor("logSoftmax", "x", x);
  checkNoMore("logSoftmax", arguments.length);
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
  checkTensor("softmax", "x", x);
  checkNoMore("softmax", arguments.length);
  return exp(logSoftmax(x, axis));
}

/** softmax(x, axis) takes two arguments; a third means it was given to Array.prototype.map, which would pass the index as the axis. */
function checkNoMore(opName: string, count: number): void {
  if (count > 2) {
    throw new Error(
      `${opName}: expects (x, axis), got ${count} arguments; as an Array.prototype.map callback it would take the index ` +
        `for the axis: write xs.map((x) => ${opName}(x, axis))`,
    );
  }
}
