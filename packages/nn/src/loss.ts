import {
  binaryCrossEntropyWithLogits,
  div,
  formatShape,
  shapesEqual,
  softmaxCrossEntropy,
  square,
  sub,
  sum,
  type Tensor,
} from "@tapegrad/core";
import { exampleAxis, featureAxis, type Convention } from "./convention";

/**
 * What a model's output layer computes, which fixes its loss:
 * `'sigmoid'` (binary cross-entropy from logits), `'softmax'` (categorical cross-entropy
 * from logits, one-hot targets), `'identity'` (squared error).
 */
export type OutputKind = "sigmoid" | "softmax" | "identity";

/**
 * The loss matching an output kind, computed from the output layer's pre-activation Z:
 * the per-example loss summed over the output units, averaged over the m examples of the
 * convention's example axis. Sigmoid and softmax losses are computed stably from logits.
 *
 * - `'sigmoid'`: J = −(1/m) Σ [y·log σ(z) + (1 − y)·log(1 − σ(z))]
 * - `'softmax'`: J = −(1/m) Σ_examples Σ_classes y·log softmax(z)
 * - `'identity'`: J = (1/m) Σ (z − y)²
 *
 * @example `outputLoss("sigmoid", Z2, Y, "column")`
 */
export function outputLoss(output: OutputKind, logits: Tensor, targets: Tensor, convention: Convention): Tensor {
  if (!shapesEqual(logits.shape, targets.shape)) {
    throw new Error(
      `loss: targets of shape ${formatShape(targets.shape)} do not match the model's output of shape ${formatShape(logits.shape)} ` +
        `(${convention} convention: ${convention === "row" ? "examples as rows" : "examples as columns"})`,
    );
  }
  const m = logits.shape[exampleAxis(convention)];
  switch (output) {
    case "sigmoid":
      return div(sum(binaryCrossEntropyWithLogits(logits, targets, { reduction: "none" })), m);
    case "softmax":
      return softmaxCrossEntropy(logits, targets, { axis: featureAxis(convention), reduction: "mean" });
    case "identity":
      return div(sum(square(sub(logits, targets))), m);
    default:
      throw new Error(`loss: unknown output kind ${JSON.stringify(output)}; use 'sigmoid', 'softmax' or 'identity'`);
  }
}
