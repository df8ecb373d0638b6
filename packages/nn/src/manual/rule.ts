import { mul, sub, sum, type Tensor } from "@tapegrad/core";
import { activationNamed, type Activation } from "../activation";
import type { Convention } from "../convention";
import type { Layer, Params } from "../layer";

// What a hand-derived backward rule is: a function from one layer's forward values and the
// cotangent of its output to the cotangents of its input and of its parameters. Rules are
// written formula by formula with core ops on plain values: no tape, no grad or vjp.

/**
 * What a hand-derived backward rule receives for one layer, during {@link manualBackprop}'s
 * walk from the output back to the input.
 */
export interface ManualStep<L extends Layer<any, any> = Layer<any, any>> {
  /** The layer. */
  layer: L;
  /** The model's parameters (the layer's are `${layer.name}.…`). */
  params: Params;
  /** The model's non-trainable state (batch norm's running statistics). */
  state: Params;
  /** The layer's input, as the forward pass gave it. */
  x: Tensor;
  /** The layer's output, as the forward pass computed it. */
  out: Tensor;
  /** ∂J/∂out: the cotangent of the layer's output, a tensor of its shape. */
  dOut: Tensor;
  /** The model's batch layout. */
  convention: Convention;
}

/** What a hand-derived backward rule returns. */
export interface ManualLayerGradients {
  /** ∂J/∂x, the cotangent of the layer's input, or null where the input is not differentiated (int32 indices). */
  dX: Tensor | null;
  /** ∂J/∂p for each of the layer's parameters, by full name (`conv1.W`); none for a layer without parameters. */
  grads?: Params;
  /** Intermediate values and cotangents worth reporting, by name: `Z` and `dZ` (before the activation), `dh_3`, `dS`, … */
  intermediates?: Record<string, Tensor>;
}

/**
 * A hand-derived backward rule for one layer kind: from the layer's input, output and the
 * cotangent of its output, the cotangents of its input and parameters. Pass your own in
 * `manualBackprop(model, X, Y, { rules: { myKind: rule } })` (or in place of a built-in
 * kind's), and `compareBackprop` checks it against the tape.
 * @example
 * ```ts
 * // y = x ⊙ s, one scale per feature: ds = Σ_rows dy ⊙ x, dx = dy ⊙ s
 * const scaleRule: ManualBackward = ({ layer, params, x, dOut }) => ({
 *   dX: mul(dOut, params[`${layer.name}.s`]),
 *   grads: { [`${layer.name}.s`]: sum(mul(dOut, x), 0, true) },
 * });
 * ```
 */
export type ManualBackward = (step: ManualStep<any>) => ManualLayerGradients;

/**
 * dZ from dA through A = g(Z): dZ = dA ⊙ g′(Z) for an element-wise activation (g′ from the
 * table of activations), and for softmax over `classAxis` the Jacobian applied example by
 * example, dZ = A ⊙ (dA − Σ_classes dA ⊙ A).
 * @example `activationBackward("tanh", Z, A, dA, 1) // dA ⊙ (1 − A²)`
 */
export function activationBackward(activation: Activation, z: Tensor, a: Tensor, dA: Tensor, classAxis: number, where = "manualBackprop"): Tensor {
  if (typeof activation === "function") {
    throw new Error(
      `${where}: the activation is a function of your own (${activation.name || "anonymous"}); its derivative is not in the table of activations, ` +
        `so pass a rule of your own for this layer kind in manualBackprop's rules`,
    );
  }
  const definition = activationNamed(activation, where);
  if (definition.gPrime !== undefined) return mul(dA, definition.gPrime(z, a)); //  dZ = dA ⊙ g′(Z)
  return mul(a, sub(dA, sum(mul(dA, a), classAxis, true))); //                       dZ = A ⊙ (dA − Σ_classes dA ⊙ A)
}

/** A parameter of the layer by full name, or an error naming the layer. */
export function parameter(layer: { kind: string; name: string }, params: Params, suffix: string): Tensor {
  const name = `${layer.name}.${suffix}`;
  if (!Object.hasOwn(params, name)) throw new Error(`manualBackprop: ${layer.kind} layer '${layer.name}' has no parameter '${name}' in params`);
  return params[name];
}
