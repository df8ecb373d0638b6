import { Random, type FloatDType, type Tensor } from "@tapegrad/core";
import type { Convention } from "./convention";
import { parameterSeed, type Initializer } from "./init";

/** A model's parameters (or state): a flat map from names such as `"hidden.W"` to tensors. */
export type Params = Record<string, Tensor>;

/** One parameter a layer owns: its shape, how it starts, and the fans its initialiser may use. */
export interface ParameterSpec {
  /** The tensor's shape. */
  shape: number[];
  /** How it starts. */
  init: Initializer;
  /** Inputs feeding each unit (for Glorot and He initialisers). */
  fanIn: number;
  /** Units fed by each input. */
  fanOut: number;
}

/** One entry of a layer's non-trainable state (batch norm's running statistics). */
export interface StateSpec {
  /** The tensor's shape. */
  shape: number[];
  /** Its starting value in every element. */
  initial: number;
}

/** What a layer is, as saved with weights: its kind, its name and its options (plain JSON). */
export interface LayerDescription {
  /** The layer kind, e.g. `"dense"`, `"conv2d"`. */
  kind: string;
  /** The layer's name, the prefix of its parameter names. */
  name: string;
  /** The layer's options, as plain JSON values. */
  [option: string]: unknown;
}

/**
 * What a layer sees besides its parameters and input: whether the model is training, a
 * random stream (dropout's masks), and non-trainable state (batch norm's running
 * statistics), whose new values a layer records with `updateState` during training.
 */
export interface LayerContext {
  /** True while `fit` trains: dropout drops and batch norm uses the batch's statistics. */
  readonly training: boolean;
  /** The model's random stream; each use advances it, so no seed is passed per step. */
  readonly random: Random;
  /** The model's non-trainable state, by name. */
  readonly state: Params;
  /** Records the new value of a state entry; the model takes it after the step. */
  updateState(name: string, value: Tensor): void;
}

/**
 * A layer: a named piece of a network that owns parameters (and possibly state) and maps
 * an input to an output with core ops. A layer holds no values: it reads its parameters
 * from the `params` it is given, so a layer used twice shares its weights. Implement this
 * interface for a layer of your own; `graph`, `sequential`, `fit`, saving and
 * `compareGradients` work with it like with a built-in one.
 *
 * @example
 * ```ts
 * // a layer of your own: y = x·s, with one learned scale per feature
 * const scale: Layer = {
 *   name: "scale",
 *   kind: "scale",
 *   parameterSpecs: () => ({ "scale.s": { shape: [1, 3], init: init.uniform(), fanIn: 3, fanOut: 3 } }),
 *   apply: (params, x) => mul(x, params["scale.s"]),
 *   describe: () => ({ kind: "scale", name: "scale" }),
 * };
 * ```
 */
export interface Layer<I = Tensor, O = Tensor> {
  /** The layer's name, the prefix of its parameter names (no dots). */
  readonly name: string;
  /** The layer kind, as saved. */
  readonly kind: string;
  /** The batch layout, for layers that have one (dense and the recurrent cells' matmuls). */
  readonly convention?: Convention;
  /** Whether the layer computes differently while training (dropout, batch norm). */
  readonly trainingDiffers?: boolean;
  /** The parameters it owns, by full name (`${name}.W`). */
  parameterSpecs(): Record<string, ParameterSpec>;
  /** Its non-trainable state, by full name; none by default. */
  stateSpecs?(): Record<string, StateSpec>;
  /** The forward computation. Without a context the layer runs as in evaluation. */
  apply(params: Params, x: I, context?: LayerContext): O;
  /** The layer as saved with weights. */
  describe(): LayerDescription;
}

/** The shapes of a layer's parameters, by name. */
export function parameterShapes(layer: Layer<any, any>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(layer.parameterSpecs()).map(([name, spec]) => [name, [...spec.shape]]));
}

/**
 * Fresh values of a layer's parameters from a seed: each parameter from its own seed
 * (derived from the seed and its name), so adding a layer changes no other's values.
 */
export function initializeParameters(layer: Layer<any, any>, seed: number, dtype: FloatDType = "float64"): Params {
  return Object.fromEntries(
    Object.entries(layer.parameterSpecs()).map(([name, spec]) => [
      name,
      spec.init(spec.shape, { fanIn: spec.fanIn, fanOut: spec.fanOut, dtype, seed: parameterSeed(seed, name) }),
    ]),
  );
}

/**
 * What the built-in layers share: `parameterShapes()` and `initialize(seed, dtype)`, both
 * read from the layer's `parameterSpecs()`. A layer of your own needs neither (the free
 * functions {@link parameterShapes} and {@link initializeParameters} take any layer), but
 * may extend this class to have them as methods.
 * @example
 * ```ts
 * class Scale extends ParametrizedLayer implements Layer {
 *   readonly name = "scale";
 *   readonly kind = "scale";
 *   parameterSpecs() { return { "scale.s": { shape: [1, 3], init: init.uniform(), fanIn: 3, fanOut: 3 } }; }
 *   apply(params: Params, x: Tensor) { return mul(x, params["scale.s"]); }
 *   describe() { return { kind: "scale", name: "scale" }; }
 * }
 * new Scale().parameterShapes(); // { "scale.s": [1, 3] }
 * ```
 */
export abstract class ParametrizedLayer {
  /** The parameters it owns, by full name. */
  abstract parameterSpecs(): Record<string, ParameterSpec>;

  /** The shapes of the parameters, by name. */
  parameterShapes(): Record<string, number[]> {
    return parameterShapes(this as unknown as Layer<any, any>);
  }

  /** Fresh parameter values, from a seed (each parameter from its own seed, derived from this one and its name). */
  initialize(seed = 0, dtype: FloatDType = "float64"): Params {
    return initializeParameters(this as unknown as Layer<any, any>, seed, dtype);
  }
}

/** The context a layer gets outside training: no state updates, dropout off. */
export function evaluationContext(state: Params = {}, random = new Random(0)): LayerContext {
  return {
    training: false,
    random,
    state,
    updateState: () => {},
  };
}

/** Throws unless `name` can prefix parameter names: a non-empty string without dots. */
export function checkLayerName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || name === "" || name.includes(".")) {
    throw new Error(`${kind}: a layer needs a name without dots, got ${JSON.stringify(name)}`);
  }
}

/** Throws unless `value` is a positive integer, naming the layer and the option. */
export function checkPositiveInteger(where: string, option: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new Error(`${where}: ${option} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/**
 * A parameter by name from `params`, looked up as an own property, or an error naming the
 * layer and the names there are.
 */
export function parameterOf(layer: { readonly kind: string; readonly name: string }, params: Params, name: string): Tensor {
  if (!Object.hasOwn(params, name)) {
    const known = Object.keys(params);
    throw new Error(`${layer.kind} layer '${layer.name}': no parameter '${name}' in params (it has ${known.length ? known.join(", ") : "none"})`);
  }
  return params[name];
}
