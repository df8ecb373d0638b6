import type { Tensor } from "@tapegrad/core";
import type { Convention } from "./convention";
import { outputAxes, outputNamed, type OutputKind } from "./output";

export type { OutputKind } from "./output";

/**
 * The loss matching an output kind, computed from the output layer's pre-activation Z (see
 * {@link OUTPUTS}): the per-example loss summed over the output units, averaged over the m
 * examples (axis 0 in the row convention, the last axis in the column convention). Sigmoid
 * and softmax losses are computed stably from logits; a softmax output also takes int32
 * class indices (the output's shape without the class axis).
 *
 * - `'sigmoid'`: J = −(1/m) Σ [y·log σ(z) + (1 − y)·log(1 − σ(z))]
 * - `'softmax'`: J = −(1/m) Σ_examples Σ_classes y·log softmax(z)
 * - `'identity'`: J = (1/m) Σ (z − y)², summed over the output units (n_L × PyTorch's `MSELoss()`)
 *
 * @example `outputLoss("sigmoid", Z2, Y, "column")`
 */
export function outputLoss(output: OutputKind, logits: Tensor, targets: Tensor, convention: Convention): Tensor {
  const definition = outputNamed(output, "loss");
  definition.checkTargets("loss", logits, targets, convention);
  return definition.loss(logits, targets, outputAxes(logits, convention));
}
