import { relu, sigmoid, softmax, tanh, type Tensor } from "@tapegrad/core";
import { featureAxis, type Convention } from "./convention";

/** The activations a layer can name. `softmax` acts over the class axis of the convention. */
export type ActivationName = "sigmoid" | "tanh" | "relu" | "softmax" | "identity";

/** An activation: a name, or any function of a tensor (custom ops included). */
export type Activation = ActivationName | ((z: Tensor) => Tensor);

/**
 * The activation names, in a fixed order.
 * @example `ACTIVATION_NAMES.includes("tanh") // true`
 */
export const ACTIVATION_NAMES: readonly ActivationName[] = ["sigmoid", "tanh", "relu", "softmax", "identity"];

/**
 * The function an activation stands for, in a convention (which fixes softmax's axis).
 * @example `activationFunction("softmax", "column")(Z) // softmax over axis 0`
 */
export function activationFunction(activation: Activation, convention: Convention): (z: Tensor) => Tensor {
  if (typeof activation === "function") return activation;
  switch (activation) {
    case "sigmoid":
      return sigmoid;
    case "tanh":
      return tanh;
    case "relu":
      return relu;
    case "softmax":
      return (z) => softmax(z, featureAxis(convention));
    case "identity":
      return (z) => z;
    default:
      throw new Error(`unknown activation ${JSON.stringify(activation)}; use one of ${ACTIVATION_NAMES.join(", ")}, or a function of a tensor`);
  }
}
