import { checkTensor } from "../check";
import { defineOp, type Op } from "../op";
import type { FloatDType } from "../dtype";
import { withoutTapes } from "../tape";
import { mapBinary } from "../kernels/elementwise";
import { formatShape, normalizeAxis, reducedShape, shapesEqual } from "../shape";
import { Tensor } from "../tensor";
import { div, mul, sub } from "./binary";
import { log, log1p, neg, sigmoid, square } from "./elementwise";
import { oneHot } from "./indexing";
import { reshape, transpose } from "./movement";
import { mean, sum } from "./reduce";
import { maximum } from "./selection";
import { logSoftmax, softmax } from "./softmax";

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
  checkTensor(opName, predictionName, prediction);
  checkTensor(opName, "targets", targets);
  if (!shapesEqual(prediction.shape, targets.shape)) {
    throw new Error(
      `${opName}: targets of shape ${formatShape(targets.shape)} do not match ${predictionName} of shape ` +
        `${formatShape(prediction.shape)}; they must have the same shape`,
    );
  }
}

const binaryCrossEntropyOp: Op = defineOp({
  name: "binaryCrossEntropy",
  inputNames: ["probs", "targets"],
  formula: "out = −[y·max(ln p, −100) + (1 − y)·max(ln(1 − p), −100)]",
  vjpFormula: "dp = g·(p − y) / max(p(1 − p), 10⁻¹²), dy = g·(ln(1 − p) − ln p) = −g·logit(p)",
  forward: ([p, y]) => mapBinary("binaryCrossEntropy", p, y, bceTerm),
  // PyTorch's rule: the denominator is kept from 0, so a perfect prediction has gradient 0, not NaN.
  vjp: (g, { inputs: [p, y], needsGrad }) => [
    needsGrad[0] ? div(mul(g, sub(p, y)), maximum(mul(p, sub(1, p)), 1e-12)) : null,
    needsGrad[1] ? mul(g, sub(log1p(neg(p)), log(p))) : null, // −logit(p), unclamped, as PyTorch
  ],
});

/** −[y·log p + (1 − y)·log(1 − p)] with each log clamped at −100, as PyTorch does, so 0·log 0 counts as 0. */
function bceTerm(p: number, y: number): number {
  return -(y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log1p(-p), -100));
}

/**
 * Binary cross-entropy of probabilities p against targets y in [0, 1], element-wise:
 * −[y·log p + (1 − y)·log(1 − p)], then reduced. As in PyTorch's `binary_cross_entropy`,
 * each log is clamped at −100, so a perfect prediction (p = y = 1, or p = y = 0) has loss 0
 * and gradient 0, and a confident wrong one costs 100 rather than ∞. Prefer
 * {@link binaryCrossEntropyWithLogits}, which is exact and stable from the logits.
 * @example `binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0])) // (−log 0.9 − log 0.8) / 2`
 */
export function binaryCrossEntropy(probs: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  checkSameShape("binaryCrossEntropy", "probs", probs, targets);
  const values = probs.data;
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0 && values[i] <= 1)) {
      throw new Error(
        `binaryCrossEntropy: probs must lie in [0, 1], got ${values[i]} at flat index ${i}; ` +
          `for scores that are not probabilities use binaryCrossEntropyWithLogits`,
      );
    }
  }
  return reduce("binaryCrossEntropy", binaryCrossEntropyOp(probs, targets), options.reduction);
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
 * PyTorch's `binary_cross_entropy_with_logits` computes the same loss as (1 − y)·z − log σ(z),
 * which cancels for very negative logits with y = 0 (its per-element values differ from these
 * exact ones beyond 10⁻⁹ relative below z ≈ −15, and are 0 below z ≈ −37, where this gives eᶻ);
 * the gradients are the same.
 * @example `binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([1, 0])) // 0`
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  checkSameShape("binaryCrossEntropyWithLogits", "logits", logits, targets);
  return reduce("binaryCrossEntropyWithLogits", sigmoidCrossEntropy(logits, targets), options.reduction);
}

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /**
   * The class axis of the logits: 1 (or −1) when examples are rows, 0 when examples are
   * columns. Required when it cannot be read off the targets unambiguously.
   */
  axis?: number;
}

const softmaxCrossEntropyOp = defineOp<{ axis: number }>({
  name: "softmaxCrossEntropy",
  inputNames: ["logits", "targets"],
  formula: "out = −Σ_c y_c·logSoftmax(z)_c over the class axis (terms with y_c = 0 count 0)",
  vjpFormula: "dz = g·(softmax(z)·Σ_c y_c − y), dy = −g·logSoftmax(z)",
  forward: ([z, y], { axis }) => {
    // Not recorded: the shifted log-softmax, then −Σ y·log p with 0·(−∞) taken as 0.
    const terms = mapBinary("softmaxCrossEntropy", y, logSoftmax(z, axis), (yc, logp) => (yc === 0 ? 0 : yc * logp));
    return neg(sum(terms, axis));
  },
  vjp: (g, { inputs: [z, y], attrs: { axis }, needsGrad }) => {
    const perExample = reshape(g, reducedShape(z.shape, [axis], true));
    return [
      needsGrad[0] ? mul(perExample, sub(mul(softmax(z, axis), sum(y, axis, true)), y)) : null,
      needsGrad[1] ? neg(mul(perExample, logSoftmax(z, axis))) : null,
    ];
  },
});

/**
 * Categorical cross-entropy of softmax(logits) against the targets, computed stably (no
 * overflow and no 0·log 0, even for logits such as [1e308, −1e308, 0]). The targets are
 * either **class indices** (an int32 tensor of the logits' shape without the class axis:
 * PyTorch's `cross_entropy` with class indices) or **one-hot or probability rows** of the
 * logits' shape. Each example's loss is −Σ_c y_c·log softmax(z)_c over the class `axis`;
 * `'none'` returns those (the class axis removed), `'mean'` averages them, `'sum'` adds them.
 * The gradient with respect to the logits is softmax(z) − y per example.
 *
 * Which axis holds the classes is never guessed silently: without `axis`, it is the one the
 * int32 targets lack, or for one-hot targets the axis along which they sum to 1; when both
 * readings fit (a square batch) or neither does, pass `axis`.
 * @example
 * ```ts
 * // examples as rows, 3 classes
 * softmaxCrossEntropy(tensor([[2, 1, 0]]), tensor([[1, 0, 0]]), { axis: 1 }); // 0.4076
 * softmaxCrossEntropy(tensor([[2, 1, 0]]), tensor([0], { dtype: "int32" }));   // the same, from a class index
 * ```
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  if (!(logits instanceof Tensor) || !(targets instanceof Tensor)) {
    throw new Error("softmaxCrossEntropy: logits and targets must be Tensors");
  }
  if (logits.rank === 0) throw new Error("softmaxCrossEntropy: the logits are a scalar; they need a class axis");
  const classAxis = targets.dtype === "int32" ? indexTargetsAxis(logits, targets, options.axis) : oneHotTargetsAxis(logits, targets, options.axis);
  const dense = targets.dtype === "int32" ? indicesToOneHot(logits, targets, classAxis) : targets;
  return reduce("softmaxCrossEntropy", softmaxCrossEntropyOp.run([logits, dense], { axis: classAxis }), options.reduction);
}

/** The class axis for int32 targets: the one axis of the logits that the targets' shape lacks. */
function indexTargetsAxis(logits: Tensor, targets: Tensor, axis: number | undefined): number {
  const fits = (a: number) => shapesEqual(reducedShape(logits.shape, [a], false), targets.shape);
  if (axis !== undefined) {
    const a = normalizeAxis("softmaxCrossEntropy", axis, logits.shape);
    if (!fits(a)) {
      throw new Error(
        `softmaxCrossEntropy: class-index targets of shape ${formatShape(targets.shape)} must have the logits' shape ` +
          `${formatShape(logits.shape)} without the class axis ${axis}, i.e. ${formatShape(reducedShape(logits.shape, [a], false))}`,
      );
    }
    return a;
  }
  const candidates = logits.shape.map((_, a) => a).filter(fits);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new Error(
      `softmaxCrossEntropy: class-index targets of shape ${formatShape(targets.shape)} do not fit logits of shape ` +
        `${formatShape(logits.shape)}: they must have the logits' shape without the class axis`,
    );
  }
  throw new Error(
    `softmaxCrossEntropy: class-index targets of shape ${formatShape(targets.shape)} fit logits of shape ` +
      `${formatShape(logits.shape)} with the classes on axis ${candidates.join(" or ")}; pass { axis } to say which ` +
      `(1 when examples are rows, 0 when examples are columns)`,
  );
}

/** The class axis for one-hot (or probability) targets: given, or the one along which the targets sum to 1. */
function oneHotTargetsAxis(logits: Tensor, targets: Tensor, axis: number | undefined): number {
  checkSameShape("softmaxCrossEntropy", "logits", logits, targets);
  if (axis !== undefined) return normalizeAxis("softmaxCrossEntropy", axis, logits.shape);
  if (logits.rank === 1) return 0;
  const last = logits.rank - 1;
  const sumsToOne = logits.shape.map((_, a) => a).filter((a) => slicesSumToOne(targets, a));
  if (sumsToOne.length === 1 && sumsToOne[0] === last) return last;
  const readings = sumsToOne.length === 0 ? "along no axis" : `along axis ${sumsToOne.join(" and axis ")}`;
  throw new Error(
    `softmaxCrossEntropy: which axis of the logits ${formatShape(logits.shape)} holds the classes? The targets sum to 1 ` +
      `${readings}, so it cannot be read off them safely; pass { axis: 1 } when examples are rows or { axis: 0 } when ` +
      `examples are columns`,
  );
}

function slicesSumToOne(targets: Tensor, axis: number): boolean {
  const totals = withoutTapes(() => sum(targets, axis)).data;
  for (let i = 0; i < totals.length; i++) if (!(Math.abs(totals[i] - 1) <= 1e-6)) return false;
  return true;
}

/** int32 class indices as one-hot targets with the classes on `classAxis`, checked to lie in range. */
function indicesToOneHot(logits: Tensor, targets: Tensor, classAxis: number): Tensor {
  const classes = logits.shape[classAxis];
  const indices = targets.data;
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0 || indices[i] >= classes) {
      throw new Error(
        `softmaxCrossEntropy: class index ${indices[i]} at flat index ${i} of the targets is out of range for ` +
          `${classes} classes (axis ${classAxis} of logits ${formatShape(logits.shape)}); class indices run from 0 to ${classes - 1}`,
      );
    }
  }
  const encoded = oneHot(targets, classes, { dtype: logits.dtype as FloatDType }); // classes last
  if (classAxis === logits.rank - 1) return encoded;
  const perm = logits.shape.map((_, a) => (a < classAxis ? a : a === classAxis ? logits.rank - 1 : a - 1));
  return transpose(encoded, perm);
}

/**
 * Mean squared error: (prediction − target)² element-wise, then reduced (averaged by default).
 * @example `mse(tensor([1, 2]), tensor([1, 4])) // 2`
 */
export function mse(prediction: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkSameShape("mse", "prediction", prediction, target);
  return reduce("mse", square(sub(prediction, target)), options.reduction);
}
