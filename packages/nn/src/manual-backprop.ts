import { add, div, formatShape, matmul, mul, noGrad, shapesEqual, sum, Tensor } from "@tapegrad/core";
import { activationNamed, type ActivationDefinition } from "./activation";
import type { Layer, Params } from "./layer";
import { MANUAL_BACKWARD, type ManualBackward } from "./manual";
import type { Model } from "./model";
import { outputAxes, outputNamed } from "./output";

/** What {@link manualBackprop} computes, layer by layer (index l holds layer l; index 0 of A is X). */
export interface ManualBackprop {
  /** The cost J, averaged over the m examples. */
  cost: number;
  /** dW^[l] and db^[l] for every layer, named like the model's parameters. */
  grads: Params;
  /** Z^[l] for l = 1..L (index 0 unused); in a walk layer by layer, layer l's pre-activation where its rule reports one, else its output. */
  Z: Tensor[];
  /** A^[l] for l = 0..L, A^[0] = X. */
  A: Tensor[];
  /** dZ^[l] for l = 1..L, as the convention's formulas define it (in a walk layer by layer, the cotangent ∂J/∂Z^[l]). */
  dZ: Tensor[];
  /** dA^[l] for l = 1..L−1 (for a model walked layer by layer: ∂J/∂A^[l] for l = 0..L, A^[l] the output of layer l). */
  dA: Tensor[];
  /** For a model walked layer by layer (a sequential model, or any model given `rules`): one entry per layer, input to output. */
  layers?: ManualLayerResult[];
}

/** One layer of a layer-by-layer {@link manualBackprop}: its forward values and what its hand-derived rule gave. */
export interface ManualLayerResult {
  /** The layer's name. */
  name: string;
  /** The layer's kind, which chose its rule. */
  kind: string;
  /** The layer's input. */
  input: Tensor;
  /** The layer's output. */
  output: Tensor;
  /** ∂J/∂output: the cotangent the rule started from. */
  dOutput: Tensor;
  /** ∂J/∂input, as the rule computed it (null for int32 indices). */
  dInput: Tensor | null;
  /** ∂J/∂p for the layer's parameters, as the rule computed them. */
  grads: Params;
  /** What else the rule reported (Z and dZ, dh_t, dS, …). */
  intermediates: Record<string, Tensor>;
}

/** Options of {@link manualBackprop}. */
export interface ManualBackpropOptions {
  /**
   * Hand-derived backward rules by layer kind: for layer kinds of your own, or in place of
   * built-in ones ({@link MANUAL_BACKWARD}). Given for an mlp, the mlp is walked layer by layer too.
   */
  rules?: Readonly<Record<string, ManualBackward>>;
}

/**
 * The hand-derived forward and backward passes of a model, with tensor ops and no tape.
 *
 * An {@link mlp} gets the formulas of docs/backprop-by-hand.md, formula by formula, in the
 * model's convention.
 * Each activation's g′ and the output's ∂ℓ/∂Z come from the tables ({@link ACTIVATIONS},
 * {@link OUTPUTS}): ∂ℓ/∂Z^[L] = A^[L] − Y for sigmoid and softmax outputs, 2(A^[L] − Y) for identity.
 *
 * - column (examples as columns): dZ^[L] = ∂ℓ/∂Z^[L] / m, dW^[l] = dZ^[l]·A^[l−1]ᵀ,
 *   db^[l] = Σ_columns dZ^[l], dA^[l−1] = W^[l]ᵀ·dZ^[l], dZ^[l] = dA^[l] ∘ g′(Z^[l]);
 * - row (examples as rows): dZ^[L] = ∂ℓ/∂Z^[L], dW^[l] = (1/m)·A^[l−1]ᵀ·dZ^[l],
 *   db^[l] = (1/m)·Σ_rows dZ^[l], dA^[l−1] = dZ^[l]·W^[l]ᵀ, dZ^[l] = dA^[l] ∘ g′(Z^[l]).
 *
 * Y may hold int32 class indices for a softmax output. Put your own backprop beside it, or
 * compare it with the tape with {@link compareGradients}.
 *
 * A {@link sequential} model (a CNN, an LSTM, attention) is walked layer by layer from the
 * output back: the loss gives the output's cotangent ∂J/∂A^[L] = ∂ℓ/∂Z^[L] / m (from the table
 * of outputs), and each layer's hand-derived rule, chosen by its kind from
 * {@link MANUAL_BACKWARD} or `options.rules`, turns the cotangent of its output into those of
 * its input and its parameters. In this walk every d· is a cotangent ∂J/∂·, in either
 * convention; `layers` holds each layer's values, and `compareBackprop` checks every step
 * against the tape. The walk runs the model as in evaluation (dropout off, batch norm on its
 * running statistics), as `model.loss` does by default.
 *
 * @example
 * ```ts
 * const byHand = manualBackprop(model, X, Y);
 * const byTape = grad((p: Params) => model.loss(p, X, Y))(model.params)[0];
 * compareGradients(byHand.grads, byTape).ok; // true
 * ```
 */
export function manualBackprop(model: Model, X: Tensor, Y: Tensor, options: ManualBackpropOptions = {}): ManualBackprop {
  const kind = model.architecture.kind;
  if (kind === "sequential" || (kind === "mlp" && options.rules !== undefined)) return layerByLayer(model, X, Y, options.rules ?? {});
  if (kind === "graph") {
    throw new Error(
      "manualBackprop: a graph model's forward pass is code of your own, which cannot be walked layer by layer; build it with sequential, " +
        "or name its intermediates with name() and compare your cotangents with explainGradients and compareIntermediates",
    );
  }
  return mlpBackprop(model, X, Y);
}

/** The formulas of an mlp, in its convention. */
function mlpBackprop(model: Model, X: Tensor, Y: Tensor): ManualBackprop {
  const architecture = model.architecture;
  if (architecture.kind !== "mlp") throw new Error("manualBackprop: the hand-derived formulas are for an mlp");
  const hidden: ActivationDefinition[] = architecture.hidden.map((name, l) => {
    if (typeof name === "string" && name.startsWith("custom:")) {
      throw new Error(`manualBackprop: hidden layer ${l + 1}'s activation is a function of your own (${name}); the hand-derived formulas need g′ from the table of activations`);
    }
    const definition = activationNamed(name, "manualBackprop");
    if (definition.gPrime === undefined) {
      throw new Error(`manualBackprop: a ${name} hidden layer needs its full Jacobian (${definition.derivativeFormula}); use an element-wise activation such as tanh or relu`);
    }
    return definition;
  });
  const output = outputNamed(architecture.output, "manualBackprop");
  const L = architecture.sizes.length - 1;
  const W = (l: number) => model.params[`layer${l}.W`];
  const b = (l: number) => model.params[`layer${l}.b`];
  const column = model.convention === "column";
  const classAxis = column ? 0 : 1;

  return noGrad(() => {
    const A: Tensor[] = [X];
    const Z: Tensor[] = [X];
    for (let l = 1; l <= L; l++) {
      Z[l] = column ? add(matmul(W(l), A[l - 1]), b(l)) : add(matmul(A[l - 1], W(l)), b(l)); // Z = W·A + b  |  Z = A·W + b
      A[l] = l < L ? hidden[l - 1].activate(Z[l], classAxis) : output.activate(Z[l], outputAxes(Z[l], model.convention));
    }
    const axes = outputAxes(Z[L], model.convention);
    output.checkTargets("manualBackprop", Z[L], Y, model.convention);
    const m = axes.m;

    const dZ: Tensor[] = [];
    const dA: Tensor[] = [];
    const grads: Params = {};
    const outputError = output.outputGradient(A[L], Y, axes); //                                 ∂ℓ/∂Z^[L] per example
    dZ[L] = column ? div(outputError, m) : outputError; //                                        ∂ℓ/∂Z/m  |  ∂ℓ/∂Z
    for (let l = L; l >= 1; l--) {
      if (column) {
        grads[`layer${l}.W`] = matmul(dZ[l], A[l - 1], { transposeB: true }); //       dW = dZ·Aᵀ
        grads[`layer${l}.b`] = sum(dZ[l], 1, true); //                                  db = Σ_columns dZ
      } else {
        grads[`layer${l}.W`] = div(matmul(A[l - 1], dZ[l], { transposeA: true }), m); // dW = (1/m)·Aᵀ·dZ
        grads[`layer${l}.b`] = div(sum(dZ[l], 0, true), m); //                           db = (1/m)·Σ_rows dZ
      }
      if (l === 1) break;
      dA[l - 1] = column ? matmul(W(l), dZ[l], { transposeA: true }) : matmul(dZ[l], W(l), { transposeB: true }); // Wᵀ·dZ  |  dZ·Wᵀ
      dZ[l - 1] = mul(dA[l - 1], hidden[l - 2].gPrime!(Z[l - 1], A[l - 1])); //         dZ = dA ∘ g′(Z)
    }
    const inParameterOrder = Object.fromEntries(Object.keys(model.params).map((name) => [name, grads[name]]));
    return { cost: output.costFromActivations(A[L], Y, axes).item(), grads: inParameterOrder, Z, A, dZ, dA };
  });
}

/**
 * The rule of a layer kind: the caller's own first, then the built-in table, both looked up
 * as own properties.
 */
function ruleFor(layer: Layer<any, any>, rules: Readonly<Record<string, ManualBackward>>): ManualBackward {
  if (Object.hasOwn(rules, layer.kind)) return rules[layer.kind];
  if (Object.hasOwn(MANUAL_BACKWARD, layer.kind)) return MANUAL_BACKWARD[layer.kind];
  throw new Error(
    `manualBackprop: no hand-derived rule for layer '${layer.name}' of kind '${layer.kind}'; pass one in rules: ` +
      `manualBackprop(model, X, Y, { rules: { ${layer.kind}: ({ layer, params, x, out, dOut }) => ({ dX, grads }) } }) ` +
      `(the built-in kinds are ${Object.keys(MANUAL_BACKWARD).join(", ")})`,
  );
}

/** The layer-by-layer walk: forward through the layers, then each layer's rule from the output back. */
function layerByLayer(model: Model, X: Tensor, Y: Tensor, rules: Readonly<Record<string, ManualBackward>>): ManualBackprop {
  const layers = model.layers;
  const L = layers.length;
  const { params, state, convention } = model;
  if (model.output === "custom") throw new Error("manualBackprop: the model has a loss of its own; the hand-derived output gradient needs a built-in output kind");
  const output = outputNamed(model.output, "manualBackprop");
  return noGrad(() => {
    const A: Tensor[] = [X];
    for (let l = 1; l <= L; l++) A[l] = layers[l - 1].apply(params, A[l - 1], model.context(false)); // A^[l] = layer l (A^[l−1])
    const axes = outputAxes(A[L], convention);
    output.checkTargets("manualBackprop", A[L], Y, convention);
    const probabilities = output.activate(A[L], axes);
    const dA: Tensor[] = [];
    dA[L] = div(output.outputGradient(probabilities, Y, axes), axes.m); //                      ∂J/∂A^[L] = ∂ℓ/∂Z^[L] / m
    const results: ManualLayerResult[] = [];
    const grads: Params = {};
    for (let l = L; l >= 1; l--) {
      const layer = layers[l - 1];
      const step = ruleFor(layer, rules)({ layer, params, state, x: A[l - 1], out: A[l], dOut: dA[l], convention });
      const dInput = checkRuleResult(layer, step?.dX, A[l - 1]);
      const layerGrads = step.grads ?? {};
      for (const name of Object.keys(layer.parameterSpecs())) {
        const gradient = layerGrads[name];
        if (!(gradient instanceof Tensor) || !shapesEqual(gradient.shape, params[name].shape)) {
          const got = gradient instanceof Tensor ? `shape ${formatShape(gradient.shape)}` : String(gradient);
          throw new Error(`manualBackprop: the rule for ${layer.kind} layer '${layer.name}' gave ${got} for '${name}', whose shape is ${formatShape(params[name].shape)}`);
        }
        grads[name] = gradient;
      }
      if (dInput !== null) dA[l - 1] = dInput;
      results[l - 1] = { name: layer.name, kind: layer.kind, input: A[l - 1], output: A[l], dOutput: dA[l], dInput, grads: layerGrads, intermediates: step.intermediates ?? {} };
    }
    const Z: Tensor[] = [X];
    const dZ: Tensor[] = [];
    results.forEach((result, i) => {
      Z[i + 1] = result.intermediates.Z ?? result.output; //    the pre-activation where the rule reports one
      dZ[i + 1] = result.intermediates.dZ ?? result.dOutput;
    });
    const inParameterOrder = Object.fromEntries(Object.keys(params).map((name) => [name, grads[name]]));
    return { cost: output.costFromActivations(probabilities, Y, axes).item(), grads: inParameterOrder, Z, A, dZ, dA, layers: results };
  });
}

/** The rule's dX: a tensor of the input's shape, or null for an int32 input. */
function checkRuleResult(layer: Layer<any, any>, dX: unknown, input: Tensor): Tensor | null {
  if (dX === null && input.dtype === "int32") return null;
  if (!(dX instanceof Tensor) || !shapesEqual(dX.shape, input.shape)) {
    const got = dX instanceof Tensor ? `shape ${formatShape(dX.shape)}` : String(dX);
    throw new Error(`manualBackprop: the rule for ${layer.kind} layer '${layer.name}' gave dX of ${got}; the layer's input has shape ${formatShape(input.shape)}`);
  }
  return dX;
}
