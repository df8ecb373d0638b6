import { defineOp, type Op } from "../op";
import { mapBinary } from "../kernels/elementwise";
import { formatShape, normalizeAxis, shapesEqual } from "../shape";
import type { Tensor } from "../tensor";
import { add, mul, sub } from "./binary";
import { log, neg, sigmoid, square } from "./elementwise";
import { mean, sum } from "./reduce";
import { logSoftmax } from "./softmax";

/**
 * How a loss combines its per-element (or per-example) values:
 * `'mean'` averages them, `'sum'` adds them, `'none'` returns them unreduced.
 */
export type Reduction = "mean" | "sum" | "none";

/** Options of the losses. */
export interface LossOptions {
  /** How to combine the individual losses; `'mean'` by default. */
  reduction?: Reduction;
}

function reduce(opName: string, losses: Tensor, reduction: Reduction = "mean"): Tensor {
  if (reduction === "mean") return mean(losses);
  if (reduction === "sum") return sum(losses);
  if (reduction === "none") return losses;
  throw new Error(`${opName}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

function checkSameShape(opName: string, predictionName: string, prediction: Tensor, targets: Tensor): void {
  if (!shapesEqual(prediction.shape, targets.shape)) {
    throw new Error(
      `${opName}: targets of shape ${formatShape(targets.shape)} do not match ${predictionName} of shape ` +
        `${formatShape(prediction.shape)}; they must have the same shape`,
    );
  }
}

/**
 * Binary cross-entropy of probabilities p against targets y in [0, 1], element-wise:
 * −[y·log p + (1 − y)·log(1 − p)], then reduced. p must lie strictly inside (0, 1) where
 * the target disagrees, or the loss is infinite: prefer {@link binaryCrossEntropyWithLogits},
 * which is stable.
 * @example `binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0])) // (−log 0.9 − log 0.8) / 2`
 */
export function binaryCrossEntropy(probs: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  checkSameShape("binaryCrossEntropy", "probs", probs, targets);
  const losses = neg(add(mul(targets, log(probs)), mul(sub(1, targets), log(sub(1, probs)))));
  return reduce("binaryCrossEntropy", losses, options.reduction);
}

/**
 * The element-wise binary cross-entropy of σ(z) against y, computed from the logits z
 * stably as max(z, 0) − z·y + log(1 + e^−|z|). Its gradient is σ(z) − y for z and −z for y.
 * @example `sigmoidCrossEntropy(tensor([0]), tensor([1])) // [log 2]`
 */
export const sigmoidCrossEntropy: Op = defineOp({
  name: "sigmoidCrossEntropy",
  inputNames: ["logits", "targets"],
  formula: "out = max(z, 0) − z·y + log(1 + e^−|z|)",
  vjpFormula: "dz = g·(σ(z) − y), dy = −g·z",
  forward: ([z, y]) =>
    mapBinary("sigmoidCrossEntropy", z, y, (zi, yi) => Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)))),
  vjp: (g, { inputs: [z, y], needsGrad }) => [
    needsGrad[0] ? mul(g, sub(sigmoid(z), y)) : null,
    needsGrad[1] ? mul(g, neg(z)) : null,
  ],
});

/**
 * Binary cross-entropy of σ(logits) against targets y, computed from the logits without
 * overflow or log(0): element-wise max(z, 0) − z·y + log(1 + e^−|z|), then reduced.
 * The gradient with respect to the logits is (σ(z) − y), divided by the count for `'mean'`.
 * @example `binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([1, 0])) // 0`
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  checkSameShape("binaryCrossEntropyWithLogits", "logits", logits, targets);
  return reduce("binaryCrossEntropyWithLogits", sigmoidCrossEntropy(logits, targets), options.reduction);
}

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** The class axis; -1 (the last) by default. Use 0 when examples are columns. */
  axis?: number;
}

/**
 * Categorical cross-entropy of softmax(logits) against one-hot (or probability) targets,
 * computed stably through logSoftmax: each example's loss is −Σ_c y_c·log softmax(z)_c,
 * summed over the class `axis`. `'none'` returns those per-example losses (the class axis
 * removed), `'mean'` averages them over the examples, `'sum'` adds them. The gradient with
 * respect to the logits is softmax(z) − y per example (for targets that sum to 1).
 * @example
 * ```ts
 * // examples as rows, 3 classes
 * softmaxCrossEntropy(tensor([[2, 1, 0]]), tensor([[1, 0, 0]]), { axis: 1 }); // 0.4076
 * ```
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  checkSameShape("softmaxCrossEntropy", "logits", logits, targets);
  const classAxis = normalizeAxis("softmaxCrossEntropy", options.axis ?? -1, logits.shape);
  const perExample = neg(sum(mul(targets, logSoftmax(logits, classAxis)), classAxis));
  return reduce("softmaxCrossEntropy", perExample, options.reduction);
}

/**
 * Mean squared error: (prediction − target)² element-wise, then reduced (averaged by default).
 * @example `mse(tensor([1, 2]), tensor([1, 4])) // 2`
 */
export function mse(prediction: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkSameShape("mse", "prediction", prediction, target);
  return reduce("mse", square(sub(prediction, target)), options.reduction);
}
