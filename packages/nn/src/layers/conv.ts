import { add, broadcastTo, conv1d as convolve1d, conv2d as convolve2d, formatShape, reshape, type Pair, type Tensor } from "@tapegrad/core";
import { activationFunction, type Activation } from "../activation";
import { init, type Initializer } from "../init";
import {
  checkLayerName,
  checkPositiveInteger,
  parameterOf,
  ParametrizedLayer,
  type Layer,
  type LayerDescription,
  type ParameterSpec,
  type Params,
} from "../layer";

// Convolution layers over PyTorch's layouts: images [N, C, H, W], sequences [N, C, L],
// weights [O, C/groups, KH, KW] (or [O, C/groups, K]), a bias of one value per output
// channel. The parameters map one to one onto a PyTorch state_dict:
// `${name}.W` is `${name}.weight` and `${name}.b` is `${name}.bias`, with the same shapes.

/** Padding of a convolution layer: zeros on each side, `'valid'` (none) or `'same'` (stride 1 only). */
export type ConvPadding<P> = P | "same" | "valid";

/** Options shared by {@link conv1d} and {@link conv2d}; `P` is a number (1-D) or a number or [h, w] pair (2-D). */
export interface ConvLayerOptions<P> {
  /** The layer's name; its parameters are `${name}.W` and `${name}.b`. */
  name: string;
  /** C: channels of the input. */
  inChannels: number;
  /** O: channels of the output (one filter each). */
  outChannels: number;
  /** The window: K (1-D), or KH and KW as a number or a pair [KH, KW] (2-D). */
  kernelSize: P;
  /** The step between windows; 1 by default. */
  stride?: P;
  /** Zeros added on each side; `'valid'` (none, the default, as 0) or `'same'` (an output as long as the input; stride 1 only). */
  padding?: ConvPadding<P>;
  /** The spacing of the kernel's taps; 1 by default. */
  dilation?: P;
  /** Channel groups: C and O are split into this many groups, each convolved separately; 1 by default. */
  groups?: number;
  /** Whether the layer adds a bias per output channel; true by default. */
  bias?: boolean;
  /** g in A = g(Z); a name or any function of a tensor; `'identity'` by default (`'softmax'` acts over the channel axis). */
  activation?: Activation;
  /**
   * How W starts: He (Kaiming) uniform by default, U(−√(6/fanIn), √(6/fanIn)) with
   * fanIn = C/groups·KH·KW, PyTorch's `kaiming_uniform_(w, nonlinearity="relu")`, suited to
   * a relu after the layer. (PyTorch's own layer default is `kaiming_uniform_` with a = √5,
   * U(−1/√fanIn, 1/√fanIn): give `init.uniform({ low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) })` to match it.)
   */
  weightInit?: Initializer;
  /** How b starts; zeros by default. */
  biasInit?: Initializer;
}

/** Options of {@link conv2d}. */
export type Conv2dLayerOptions = ConvLayerOptions<Pair>;

/** Options of {@link conv1d}. */
export type Conv1dLayerOptions = ConvLayerOptions<number>;

/** What a convolution layer is, as saved with weights. */
export interface ConvDescription extends LayerDescription {
  /** `"conv1d"` or `"conv2d"`. */
  kind: "conv1d" | "conv2d";
  /** The layer's name. */
  name: string;
  /** C. */
  inChannels: number;
  /** O. */
  outChannels: number;
  /** K, or [KH, KW]. */
  kernelSize: number | [number, number];
  /** The stride, as K. */
  stride: number | [number, number];
  /** The padding, as K, or `'same'` / `'valid'`. */
  padding: number | [number, number] | "same" | "valid";
  /** The dilation, as K. */
  dilation: number | [number, number];
  /** Channel groups. */
  groups: number;
  /** Whether there is a bias. */
  bias: boolean;
  /** The activation's name, or `custom:<function name>` for a function. */
  activation: string;
}

/**
 * A 2-D convolution layer, A = g(conv2d(X, W) + b): X is [N, C, H, W] (images as NCHW,
 * examples on axis 0: the layer is row-major and has no column-convention reading), W is
 * [O, C/groups, KH, KW], b is [O] (added to every position of its channel), and A is
 * [N, O, oH, oW] with oH = ⌊(H + padding − dilation·(KH − 1) − 1) / stride⌋ + 1 (likewise oW).
 * The computation is core's `conv2d` (PyTorch's `F.conv2d`, a cross-correlation); the
 * parameters are PyTorch's `weight` and `bias` under the names `${name}.W` and `${name}.b`.
 * @example `new Conv2d({ name: "conv1", inChannels: 1, outChannels: 6, kernelSize: 5 }) // or conv2d({...})`
 */
export class Conv2d extends ParametrizedLayer implements Layer {
  /** Always `"conv2d"`. */
  readonly kind = "conv2d";
  /** The layer's name, the prefix of its parameter names. */
  readonly name: string;
  /** C. */
  readonly inChannels: number;
  /** O. */
  readonly outChannels: number;
  /** [KH, KW]. */
  readonly kernelSize: [number, number];
  /** [stride along H, stride along W]. */
  readonly stride: [number, number];
  /** [padding along H, along W], or `'same'` / `'valid'`. */
  readonly padding: [number, number] | "same" | "valid";
  /** [dilation along H, along W]. */
  readonly dilation: [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** Whether the layer has a bias `${name}.b`. */
  readonly bias: boolean;
  /** The activation, as given. */
  readonly activation: Activation;
  /** The name of the weights in params: `${name}.W`. */
  readonly weightName: string;
  /** The name of the bias in params: `${name}.b`. */
  readonly biasName: string;
  private readonly activate: (z: Tensor) => Tensor;
  private readonly weightInit: Initializer;
  private readonly biasInit: Initializer;

  /** Use {@link conv2d}. */
  constructor(options: Conv2dLayerOptions) {
    super();
    const where = `conv2d layer '${options?.name}'`;
    checkLayerName("conv2d", options?.name);
    const common = checkConvOptions(where, options);
    this.name = options.name;
    this.inChannels = options.inChannels;
    this.outChannels = options.outChannels;
    this.groups = common.groups;
    this.bias = common.bias;
    this.kernelSize = pairOf(where, "kernelSize", options.kernelSize, 1);
    this.stride = pairOf(where, "stride", options.stride ?? 1, 1);
    this.dilation = pairOf(where, "dilation", options.dilation ?? 1, 1);
    this.padding = paddingOf(where, options.padding ?? 0, this.stride, (value) => pairOf(where, "padding", value, 0));
    this.activation = options.activation ?? "identity";
    this.activate = activationFunction(this.activation, "row");
    this.weightName = `${this.name}.W`;
    this.biasName = `${this.name}.b`;
    this.weightInit = options.weightInit ?? init.heUniform();
    this.biasInit = options.biasInit ?? init.zeros();
  }

  /** W [O, C/groups, KH, KW] and, with a bias, b [O], with their initialisers. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return convParameterSpecs(this, this.kernelSize, this.weightInit, this.biasInit);
  }



  /** Z = conv2d(X, W) + b, before the activation: [N, O, oH, oW]. */
  linear(params: Params, x: Tensor): Tensor {
    const W = parameterOf(this, params, this.weightName);
    checkChannels(this, x, 4, "[N, C, H, W] (images as NCHW)");
    const z = withLayerName(this, () => convolve2d(x, W, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }));
    return this.bias ? addChannelBias(z, parameterOf(this, params, this.biasName)) : z;
  }

  /** A = g(Z): [N, O, oH, oW]. */
  apply(params: Params, x: Tensor): Tensor {
    return this.activate(this.linear(params, x));
  }

  /** The layer as saved with weights. */
  describe(): ConvDescription {
    return {
      kind: "conv2d",
      name: this.name,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: typeof this.padding === "string" ? this.padding : [...this.padding],
      dilation: [...this.dilation],
      groups: this.groups,
      bias: this.bias,
      activation: activationName(this.activation),
    };
  }
}

/**
 * A 1-D convolution layer, A = g(conv1d(X, W) + b): X is [N, C, L] (examples on axis 0,
 * channels on axis 1, positions on axis 2, as PyTorch's `nn.Conv1d`; a sequence stored as
 * [batch, time, features] needs `transpose(x, [0, 2, 1])` first), W is [O, C/groups, K],
 * b is [O], and A is [N, O, oL] with oL = ⌊(L + padding − dilation·(K − 1) − 1) / stride⌋ + 1.
 * The layer is row-major. Parameters `${name}.W` and `${name}.b` are PyTorch's `weight` and `bias`.
 * @example `new Conv1d({ name: "conv", inChannels: 8, outChannels: 16, kernelSize: 3, padding: "same" }) // or conv1d({...})`
 */
export class Conv1d extends ParametrizedLayer implements Layer {
  /** Always `"conv1d"`. */
  readonly kind = "conv1d";
  /** The layer's name, the prefix of its parameter names. */
  readonly name: string;
  /** C. */
  readonly inChannels: number;
  /** O. */
  readonly outChannels: number;
  /** K. */
  readonly kernelSize: number;
  /** The step between windows. */
  readonly stride: number;
  /** Zeros on each side, or `'same'` / `'valid'`. */
  readonly padding: number | "same" | "valid";
  /** The spacing of the kernel's taps. */
  readonly dilation: number;
  /** Channel groups. */
  readonly groups: number;
  /** Whether the layer has a bias `${name}.b`. */
  readonly bias: boolean;
  /** The activation, as given. */
  readonly activation: Activation;
  /** The name of the weights in params: `${name}.W`. */
  readonly weightName: string;
  /** The name of the bias in params: `${name}.b`. */
  readonly biasName: string;
  private readonly activate: (z: Tensor) => Tensor;
  private readonly weightInit: Initializer;
  private readonly biasInit: Initializer;

  /** Use {@link conv1d}. */
  constructor(options: Conv1dLayerOptions) {
    super();
    const where = `conv1d layer '${options?.name}'`;
    checkLayerName("conv1d", options?.name);
    const common = checkConvOptions(where, options);
    this.name = options.name;
    this.inChannels = options.inChannels;
    this.outChannels = options.outChannels;
    this.groups = common.groups;
    this.bias = common.bias;
    this.kernelSize = integerOf(where, "kernelSize", options.kernelSize, 1);
    this.stride = integerOf(where, "stride", options.stride ?? 1, 1);
    this.dilation = integerOf(where, "dilation", options.dilation ?? 1, 1);
    this.padding = paddingOf(where, options.padding ?? 0, [this.stride], (value) => integerOf(where, "padding", value, 0));
    this.activation = options.activation ?? "identity";
    this.activate = activationFunction(this.activation, "row");
    this.weightName = `${this.name}.W`;
    this.biasName = `${this.name}.b`;
    this.weightInit = options.weightInit ?? init.heUniform();
    this.biasInit = options.biasInit ?? init.zeros();
  }

  /** W [O, C/groups, K] and, with a bias, b [O], with their initialisers. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return convParameterSpecs(this, [this.kernelSize], this.weightInit, this.biasInit);
  }



  /** Z = conv1d(X, W) + b, before the activation: [N, O, oL]. */
  linear(params: Params, x: Tensor): Tensor {
    const W = parameterOf(this, params, this.weightName);
    checkChannels(this, x, 3, "[N, C, L] (examples, channels, positions)");
    const z = withLayerName(this, () => convolve1d(x, W, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }));
    return this.bias ? addChannelBias(z, parameterOf(this, params, this.biasName)) : z;
  }

  /** A = g(Z): [N, O, oL]. */
  apply(params: Params, x: Tensor): Tensor {
    return this.activate(this.linear(params, x));
  }

  /** The layer as saved with weights. */
  describe(): ConvDescription {
    return {
      kind: "conv1d",
      name: this.name,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias,
      activation: activationName(this.activation),
    };
  }
}

/**
 * A 2-D convolution layer (see {@link Conv2d}): images [N, C, H, W] in, [N, O, oH, oW] out.
 * @example
 * ```ts
 * const conv = conv2d({ name: "conv1", inChannels: 1, outChannels: 6, kernelSize: 5, padding: "same", activation: "relu" });
 * conv.parameterShapes(); // { "conv1.W": [6, 1, 5, 5], "conv1.b": [6] }
 * conv.apply(conv.initialize(0), randn([2, 1, 28, 28])).shape; // [2, 6, 28, 28]
 * ```
 */
export function conv2d(options: Conv2dLayerOptions): Conv2d {
  return new Conv2d(options);
}

/**
 * A 1-D convolution layer (see {@link Conv1d}): [N, C, L] in, [N, O, oL] out.
 * @example
 * ```ts
 * const conv = conv1d({ name: "conv", inChannels: 4, outChannels: 8, kernelSize: 3, padding: "same" });
 * conv.parameterShapes(); // { "conv.W": [8, 4, 3], "conv.b": [8] }
 * conv.apply(conv.initialize(0), randn([2, 4, 10])).shape; // [2, 8, 10]
 * ```
 */
export function conv1d(options: Conv1dLayerOptions): Conv1d {
  return new Conv1d(options);
}

// ---- Shared checks ----------------------------------------------------------------------

/** Checks the channel counts, groups and bias of a convolution layer's options. */
function checkConvOptions(where: string, options: ConvLayerOptions<unknown>): { groups: number; bias: boolean } {
  checkPositiveInteger(where, "inChannels", options.inChannels);
  checkPositiveInteger(where, "outChannels", options.outChannels);
  const groups = options.groups ?? 1;
  checkPositiveInteger(where, "groups", groups);
  for (const option of ["inChannels", "outChannels"] as const) {
    if (options[option] % groups !== 0) throw new Error(`${where}: groups=${groups} must divide ${option}=${options[option]}`);
  }
  const bias = options.bias ?? true;
  if (typeof bias !== "boolean") throw new Error(`${where}: bias must be true or false, got ${JSON.stringify(bias)}`);
  if (options.kernelSize === undefined) throw new Error(`${where}: give a kernelSize`);
  return { groups, bias };
}

/**
 * An integer ≥ `min` for an option of a layer, or an error naming the layer and the option.
 * @example `integerOf("conv1d layer 'c'", "stride", 2, 1) // 2`
 */
export function integerOf(where: string, option: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new Error(`${where}: ${option} must be ${min === 0 ? "a non-negative" : "a positive"} integer, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/**
 * A [h, w] pair of integers ≥ `min` from a number (both axes) or a pair, or an error naming
 * the layer and the option.
 * @example `pairOf("maxPool2d layer 'pool'", "kernelSize", 2, 1) // [2, 2]`
 */
export function pairOf(where: string, option: string, value: unknown, min: number): [number, number] {
  const pair = typeof value === "number" ? [value, value] : Array.isArray(value) && value.length === 2 ? value : null;
  if (pair === null || !pair.every((v) => Number.isInteger(v) && v >= min)) {
    const kind = min === 0 ? "a non-negative integer" : "a positive integer";
    throw new Error(`${where}: ${option} must be ${kind} or a pair [h, w] of them, got ${JSON.stringify(value)}`);
  }
  return [pair[0], pair[1]];
}

function paddingOf<P>(where: string, value: unknown, stride: readonly number[], numbers: (value: unknown) => P): P | "same" | "valid" {
  if (value === "valid") return "valid";
  if (value === "same") {
    if (stride.some((s) => s !== 1)) throw new Error(`${where}: padding 'same' needs stride 1 (as in PyTorch), got stride ${JSON.stringify(stride.length === 1 ? stride[0] : stride)}`);
    return "same";
  }
  if (typeof value === "string") throw new Error(`${where}: padding must be 'same', 'valid' or numbers, got '${value}'`);
  return numbers(value);
}

function convParameterSpecs(
  layer: { weightName: string; biasName: string; inChannels: number; outChannels: number; groups: number; bias: boolean },
  kernel: readonly number[],
  weightInit: Initializer,
  biasInit: Initializer,
): Record<string, ParameterSpec> {
  const taps = kernel.reduce((p, k) => p * k, 1);
  // As PyTorch counts them: fanIn = C/groups·K…, fanOut = O·K….
  const fans = { fanIn: (layer.inChannels / layer.groups) * taps, fanOut: layer.outChannels * taps };
  const specs: Record<string, ParameterSpec> = {
    [layer.weightName]: { shape: [layer.outChannels, layer.inChannels / layer.groups, ...kernel], init: weightInit, ...fans },
  };
  if (layer.bias) specs[layer.biasName] = { shape: [layer.outChannels], init: biasInit, ...fans };
  return specs;
}

/**
 * z + b with b [O] added over every position of its channel, for z [N, O, …]. The same as
 * add(z, reshape(b, [1, O, 1, …])), computed as [N, O·P] plus one row [1, O·P] (b repeated
 * over the P positions), the broadcast that element-wise ops run fastest.
 */
function addChannelBias(z: Tensor, b: Tensor): Tensor {
  const [batch, channels] = z.shape;
  const positions = z.shape.slice(2).reduce((p, d) => p * d, 1);
  const row = reshape(broadcastTo(reshape(b, [channels, 1]), [channels, positions]), [1, channels * positions]);
  return reshape(add(reshape(z, [batch, channels * positions]), row), z.shape);
}

function checkChannels(layer: { kind: string; name: string; inChannels: number }, x: Tensor, rank: number, layout: string): void {
  if (x?.rank !== rank || x.shape[1] !== layer.inChannels) {
    const got = x?.shape ? formatShape(x.shape) : String(x);
    throw new Error(`${layer.kind} layer '${layer.name}' expects inputs of shape ${layout} with C = ${layer.inChannels}, got ${got}`);
  }
}

/**
 * Runs a core op, prefixing its argument errors with the layer's kind and name.
 * @example `withLayerName(layer, () => conv2d(x, W))`
 */
export function withLayerName<T>(layer: { kind: string; name: string }, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Error) error.message = `${layer.kind} layer '${layer.name}': ${error.message}`;
    throw error;
  }
}

/**
 * An activation as saved: its name, or `custom:<function name>` for a function.
 * @example `activationName("relu") // "relu"`
 */
export function activationName(activation: Activation): string {
  return typeof activation === "function" ? `custom:${activation.name || "anonymous"}` : activation;
}
