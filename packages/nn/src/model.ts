import { formatShape, full, noGrad, Random, shapesEqual, transpose, type FloatDType, type Tensor } from "@tapegrad/core";
import { activationLabel, activationNamed, type Activation, type ActivationName, type CustomActivationName } from "./activation";
import { checkConvention, type Convention } from "./convention";
import { dense, type Dense } from "./dense";
import type { Initializer } from "./init";
import { evaluationContext, initializeParameters, parameterShapes, type Layer, type LayerContext, type LayerDescription, type Params } from "./layer";
import { outputLoss, type OutputKind } from "./loss";
import { outputAxes, outputNamed } from "./output";

/** A multilayer perceptron, as saved with its weights. */
export interface MlpArchitecture {
  /** Always `"mlp"`. */
  kind: "mlp";
  /** [n0, n1, …, nL]. */
  sizes: number[];
  /** The hidden layers' activations: names, or `custom:<function name>` for functions of your own. */
  hidden: (ActivationName | CustomActivationName)[];
  /** The output kind. */
  output: OutputKind;
}

/** A graph model, as saved with its weights: its layers (its forward function is code). */
export interface GraphArchitecture {
  /** Always `"graph"`. */
  kind: "graph";
  /** The layers that own parameters. */
  layers: LayerDescription[];
  /** The output kind, or `"custom"` for a model with its own loss. */
  output: OutputKind | "custom";
}

/** A sequential model, as saved with its weights: its layers in order, enough to rebuild it. */
export interface SequentialArchitecture {
  /** Always `"sequential"`. */
  kind: "sequential";
  /** The layers, from input to output. */
  layers: LayerDescription[];
  /** The output kind. */
  output: OutputKind;
}

/** What a model is, as saved beside its weights and checked when they are loaded. */
export type Architecture = MlpArchitecture | GraphArchitecture | SequentialArchitecture;

/** Options of {@link graph}. */
export interface GraphOptions<I, O, T> {
  /** Every layer whose parameters the model owns (a shared layer is listed once). */
  layers: readonly Layer<any, any>[];
  /**
   * The forward pass: a function of the parameters, the inputs and the layer context (pass
   * it on to layers that train differently, such as dropout and batch norm). For a built-in
   * loss it returns the output layer's pre-activation.
   */
  forward: (params: Params, inputs: I, context: LayerContext) => O;
  /** The batch layout. */
  convention: Convention;
  /** How the output becomes predictions and which loss it takes; `'identity'` by default. Ignored when `loss` is given. */
  output?: OutputKind;
  /** A loss of your own, for several outputs or anything the built-in ones do not cover. */
  loss?: (outputs: O, targets: T) => Tensor;
  /** Seed of the initial parameters; 0 by default. */
  seed?: number;
  /** The parameters' dtype; `float64` by default. */
  dtype?: FloatDType;
  /** Given parameter values (checked against the layers), instead of initialising. */
  params?: Params;
  /** @internal set by {@link mlp} */
  architecture?: Architecture;
}

/**
 * A network: layers that own named parameters, and a forward function of (params, inputs).
 * `params` holds the current values; only optimisers (through {@link fit}) and
 * {@link Model.setParams} replace them. `loss(params, inputs, targets)` is what
 * `valueAndGrad` differentiates, so gradients come back for every named parameter.
 * @example `const { grads } = valueAndGrad((p: Params) => model.loss(p, X, Y))(model.params);`
 */
export class Model<I = Tensor, O = Tensor, T = Tensor> {
  /** The current parameters, by name. */
  params: Params;
  /** The layers that own parameters. */
  readonly layers: readonly Layer<any, any>[];
  /** Non-trainable state by name (batch norm's running statistics), updated by training steps. */
  state: Params;
  /** The random stream layers draw from while training (dropout masks); it advances by itself. */
  readonly random: Random;
  /** The batch layout. */
  readonly convention: Convention;
  /** The output kind (`'custom'` for a model with its own loss). */
  readonly output: OutputKind | "custom";
  /** The parameters' dtype. */
  readonly dtype: FloatDType;
  /** What the model is, as saved with its weights. */
  readonly architecture: Architecture;
  private readonly forwardFn: (params: Params, inputs: I, context: LayerContext) => O;
  private readonly customLoss: ((outputs: O, targets: T) => Tensor) | undefined;

  /** Use {@link graph} or {@link mlp}. */
  constructor(options: GraphOptions<I, O, T>) {
    checkConvention("model", options.convention);
    const names = new Set<string>();
    for (const layer of options.layers) {
      if (names.has(layer.name)) throw new Error(`model: two layers are named '${layer.name}'; list a shared layer once`);
      if (layer.convention !== undefined && layer.convention !== options.convention) {
        throw new Error(`model: layer '${layer.name}' uses the '${layer.convention}' convention, but the model uses '${options.convention}'`);
      }
      names.add(layer.name);
    }
    this.layers = options.layers;
    this.convention = options.convention;
    this.output = options.loss ? "custom" : outputNamed(options.output ?? "identity", "model").kind;
    this.dtype = options.dtype ?? "float64";
    this.forwardFn = options.forward;
    this.customLoss = options.loss;
    this.architecture = options.architecture ?? {
      kind: "graph",
      layers: options.layers.map((layer) => layer.describe()),
      output: this.output,
    };
    const seed = options.seed ?? 0;
    this.random = new Random(seed + 0x5eed);
    this.params = {};
    this.setParams(options.params ?? Object.assign({}, ...options.layers.map((layer) => initializeParameters(layer, seed, this.dtype))));
    this.state = Object.fromEntries(
      options.layers.flatMap((layer) => Object.entries(layer.stateSpecs?.() ?? {})).map(([name, spec]) => [name, full(spec.shape, spec.initial, { dtype: this.dtype })]),
    );
  }

  /** The shape of every parameter, by name. */
  parameterShapes(): Record<string, number[]> {
    return Object.assign({}, ...this.layers.map((layer) => parameterShapes(layer)));
  }

  /** Whether some layer computes differently while training (dropout, batch norm). */
  get trainingDiffers(): boolean {
    return this.layers.some((layer) => layer.trainingDiffers === true);
  }

  /**
   * The context for a forward pass: in training, state updates are collected into
   * `updates` (apply them with {@link Model.commitState} after the step) and dropout draws
   * from the model's random stream.
   */
  context(training: boolean, updates?: Params): LayerContext {
    if (!training) return evaluationContext(this.state, this.random);
    return {
      training: true,
      random: this.random,
      state: this.state,
      updateState: (name, value) => {
        if (!Object.hasOwn(this.state, name)) throw new Error(`model: no state entry '${name}' (it has ${Object.keys(this.state).join(", ") || "none"})`);
        if (updates !== undefined) updates[name] = value;
      },
    };
  }

  /** Takes the state updates a training step recorded (see {@link Model.context}). */
  commitState(updates: Params): void {
    this.state = { ...this.state, ...updates };
  }

  /** The forward pass with the given parameters (what gets differentiated); evaluation mode unless a context says otherwise. */
  forward(params: Params, inputs: I, context: LayerContext = this.context(false)): O {
    return this.forwardFn(params, inputs, context);
  }

  /** The loss averaged over the examples (see {@link outputLoss}), or the model's own loss. */
  loss(params: Params, inputs: I, targets: T, context: LayerContext = this.context(false)): Tensor {
    return this.lossOf(this.forward(params, inputs, context), targets);
  }

  /** The loss of outputs the forward pass gave (see {@link outputLoss}), or the model's own loss. */
  lossOf(outputs: O, targets: T): Tensor {
    if (this.customLoss) return this.customLoss(outputs, targets);
    return outputLoss(this.output as OutputKind, outputs as Tensor, targets as Tensor, this.convention);
  }

  /** Predictions with the current parameters: probabilities for sigmoid and softmax outputs. Records nothing. */
  predict(inputs: I): O {
    return noGrad(() => {
      const outputs = this.forward(this.params, inputs);
      if (this.output === "custom") return outputs;
      return outputNamed(this.output, "predict").activate(outputs as Tensor, outputAxes(outputs as Tensor, this.convention)) as O;
    });
  }

  /**
   * Replaces the parameters after checking them all: every expected name present with its
   * shape and the model's dtype, and no others. On any error nothing changes.
   */
  setParams(params: Params): void {
    const expected = this.parameterShapes();
    const problems: string[] = [];
    for (const [name, shape] of Object.entries(expected)) {
      const value = params[name];
      if (value === undefined) problems.push(`'${name}' is missing`);
      else if (!shapesEqual(value.shape, shape)) problems.push(`'${name}' has shape ${formatShape(value.shape)}, expected ${formatShape(shape)}`);
      else if (value.dtype !== this.dtype) problems.push(`'${name}' is ${value.dtype}, the model is ${this.dtype}`);
    }
    for (const name of Object.keys(params)) if (!(name in expected)) problems.push(`'${name}' is not a parameter of this model`);
    if (problems.length > 0) throw new Error(`model parameters: ${problems.join("; ")}`);
    this.params = Object.fromEntries(Object.keys(expected).map((name) => [name, params[name]]));
  }
}

/**
 * A network as an arbitrary graph of layers and core ops: skip connections, layers shared
 * between branches, several inputs or outputs.
 *
 * @example
 * ```ts
 * const hidden = dense({ name: "hidden", inputSize: 4, units: 4, activation: "relu", convention: "row" });
 * const out = dense({ name: "out", inputSize: 4, units: 1, convention: "row" });
 * const residual = graph({
 *   layers: [hidden, out],
 *   forward: (p, x: Tensor) => out.linear(p, add(x, hidden.apply(p, x))), // a skip connection
 *   output: "sigmoid",
 *   convention: "row",
 * });
 * ```
 */
export function graph<I = Tensor, O = Tensor, T = Tensor>(options: GraphOptions<I, O, T>): Model<I, O, T> {
  return new Model(options);
}

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Widths [n0, n1, …, nL]: input features, then each layer's units. */
  sizes: number[];
  /**
   * The hidden layers' activation, one for all or one per hidden layer: a name or any
   * function of a tensor (custom ops included); `'tanh'` by default.
   */
  hidden?: Activation | readonly Activation[];
  /** The output layer's kind; `'identity'` by default. */
  output?: OutputKind;
  /** The batch layout. */
  convention: Convention;
  /** Seed of the initial parameters; 0 by default. */
  seed?: number;
  /** The parameters' dtype; `float64` by default. */
  dtype?: FloatDType;
  /** How weights start; Glorot uniform by default. */
  weightInit?: Initializer;
  /** Given parameter values, instead of initialising. */
  params?: Params;
}

/**
 * A multilayer perceptron: layers `layer1` … `layerL` (so `layer1.W` is W^[1]), hidden
 * activations, and an output layer whose pre-activation feeds the matching stable loss.
 *
 * @example
 * ```ts
 * const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "column", seed: 0 });
 * Object.keys(model.params); // ["layer1.W", "layer1.b", "layer2.W", "layer2.b"]
 * const { grads } = valueAndGrad((p: Params) => model.loss(p, X, Y))(model.params);
 * ```
 */
export function mlp(options: MlpOptions): Model {
  const { sizes, convention, output = "identity" } = options;
  checkConvention("mlp", convention);
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`mlp: sizes must list at least two positive integers [n0, …, nL], got ${JSON.stringify(sizes)}`);
  }
  const depth = sizes.length - 1;
  const given = options.hidden ?? "tanh";
  const hidden: Activation[] = Array.isArray(given) ? [...given] : new Array(depth - 1).fill(given);
  if (hidden.length !== depth - 1) {
    throw new Error(`mlp: ${depth - 1} hidden layer(s) need ${depth - 1} activation(s), got ${hidden.length}`);
  }
  hidden.forEach((activation, l) => {
    if (typeof activation !== "function") activationNamed(activation, `mlp: hidden layer ${l + 1}`);
  });
  outputNamed(output, "mlp");
  const layers = sizes.slice(1).map((units, l) =>
    dense({
      name: `layer${l + 1}`,
      inputSize: sizes[l],
      units,
      convention,
      activation: l < depth - 1 ? hidden[l] : "identity",
      weightInit: options.weightInit,
    }),
  );
  return new Model({
    layers,
    forward: (params, x: Tensor) => layers.reduce((a, layer) => layer.apply(params, a), x),
    convention,
    output,
    seed: options.seed,
    dtype: options.dtype,
    params: options.params,
    architecture: { kind: "mlp", sizes: [...sizes], hidden: hidden.map(activationLabel), output },
  });
}

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /** The batch layout; `'row'` by default (convolutional and recurrent layers are row-major). */
  convention?: Convention;
  /** The output kind, which fixes the loss; `'identity'` by default. */
  output?: OutputKind;
  /** Seed of the initial parameters; 0 by default. */
  seed?: number;
  /** The parameters' dtype; `float64` by default. */
  dtype?: FloatDType;
  /** Given parameter values, instead of initialising. */
  params?: Params;
}

/**
 * The common stack: each layer's output feeds the next, and the last one's output feeds the
 * loss of `output`. Any layer fits, built-in or your own.
 *
 * @example
 * ```ts
 * const model = sequential([
 *   dense({ name: "hidden", inputSize: 2, units: 8, activation: "relu", convention: "row" }),
 *   dense({ name: "out", inputSize: 8, units: 1, convention: "row" }),
 * ], { output: "sigmoid" });
 * ```
 */
export function sequential(layers: readonly Layer<any, any>[], options: SequentialOptions = {}): Model {
  if (!Array.isArray(layers) || layers.length === 0) throw new Error("sequential: give a non-empty list of layers");
  const output = options.output ?? "identity";
  return new Model({
    layers,
    forward: (params, x: Tensor, context) => layers.reduce((a, layer) => layer.apply(params, a, context), x),
    convention: options.convention ?? "row",
    output,
    seed: options.seed,
    dtype: options.dtype,
    params: options.params,
    architecture: { kind: "sequential", layers: layers.map((layer) => layer.describe()), output },
  });
}

/**
 * Every parameter transposed: W_row = W_colᵀ and b_row = b_colᵀ, which turns the
 * parameters of dense layers in one convention into those of the other.
 * @example `transposeParameters(columnModel.params)["layer1.W"] // W^[1]ᵀ`
 */
export function transposeParameters(params: Params): Params {
  return noGrad(() => Object.fromEntries(Object.entries(params).map(([name, value]) => [name, transpose(value)])));
}

/**
 * The same multilayer perceptron in the other convention: the same function, with
 * transposed parameters. Its outputs and gradients are the transposes of this model's.
 * @example `const rowModel = toConvention(columnModel, "row");`
 */
export function toConvention(model: Model, convention: Convention): Model {
  checkConvention("toConvention", convention);
  if (model.architecture.kind !== "mlp") {
    throw new Error(
      "toConvention: only an mlp can be rebuilt automatically; build the graph again with the other convention and pass params: transposeParameters(model.params)",
    );
  }
  if (model.convention === convention) return model;
  const { sizes, output } = model.architecture;
  const hidden = model.layers.slice(0, -1).map((layer) => (layer as Dense).activation); // functions of your own included
  return mlp({ sizes, hidden, output, convention, dtype: model.dtype, params: transposeParameters(model.params) });
}
