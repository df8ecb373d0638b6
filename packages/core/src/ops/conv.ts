import { defineOp, type Op } from "../op";
import {
  avgPoolForward,
  avgPoolSpread,
  conv2dForward,
  conv2dInputGradient,
  conv2dWeightGradient,
  gatherAt,
  maxPoolArgmax,
  scatterAddAt,
  type ConvGeometry,
  type PoolGeometry,
} from "../kernels/conv";
import { formatShape, shapesEqual } from "../shape";
import type { Tensor } from "../tensor";
import { reshape } from "./movement";

// Convolution and pooling over NCHW tensors, with PyTorch's layouts and defaults.
//
// The convolution family is closed under differentiation, as in JAX's transpose rules:
// conv2d(x, w) is linear in each argument; its input gradient conv2dBackwardInput(dy, w)
// (a transposed convolution) and its weight gradient conv2dBackwardWeight(x, dy) are
// bilinear too, and the vjp of each of the three is two of the others. Pooling: maxPool2d's
// gradient routes dy to each window's first maximum, and that routing's own gradient
// gathers at the same positions; avgPool2d's gradient spreads dy over the window, and the
// spread's gradient is avgPool2d again.

/** A convolution's attributes, resolved: [h, w] pairs, and padding as [top, bottom, left, right]. */
interface ConvAttrs {
  stride: [number, number];
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/** The input gradient's attributes: the convolution's, and the shape of the input x it is the gradient of. */
interface ConvInputAttrs extends ConvAttrs {
  inputShape: number[];
}

/** The weight gradient's attributes: the convolution's, and the shape of the weights w it is the gradient of. */
interface ConvWeightAttrs extends ConvAttrs {
  weightShape: number[];
}

/** A pooling's attributes, resolved to [h, w] pairs. */
interface PoolAttrs {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** The average pooling gradient's attributes: the pooling's, and the shape of its input. */
interface PoolInputAttrs extends PoolAttrs {
  inputShape: number[];
}

const conv2dOp: Op<ConvAttrs> = defineOp<ConvAttrs>({
  name: "conv2d",
  inputNames: ["x", "w"],
  formula: "out[n, o, i, j] = Σ_{c, p, q} x[n, c, s₀·i + d₀·p − pad_top, s₁·j + d₁·q − pad_left] · w[o, c, p, q] (c over o's group, zero outside x)",
  vjpFormula: "dx = conv2dBackwardInput(g, w) (a transposed convolution), dw = conv2dBackwardWeight(x, g)",
  forward: ([x, w], attrs) => conv2dForward(x, w, convGeometry(x.shape, w.shape, attrs)),
  vjp: (g, { inputs: [x, w], attrs, needsGrad }) => [
    needsGrad[0] ? conv2dBackwardInputOp.run([g, w], { ...convAttrsOf(attrs), inputShape: [...x.shape] }) : null,
    needsGrad[1] ? conv2dBackwardWeightOp.run([x, g], { ...convAttrsOf(attrs), weightShape: [...w.shape] }) : null,
  ],
});

const conv2dBackwardInputOp: Op<ConvInputAttrs> = defineOp<ConvInputAttrs>({
  name: "conv2dBackwardInput",
  inputNames: ["dy", "w"],
  formula: "out = Kᵀ·dy, the adjoint of x ↦ conv2d(x, w): each dy[n, o, i, j]·w[o, c, p, q] added back where x[n, c, …] was read",
  vjpFormula: "d(dy) = conv2d(g, w), dw = conv2dBackwardWeight(g, dy)",
  forward: ([dy, w], attrs) => {
    const geo = convGeometry(attrs.inputShape, w.shape, attrs);
    checkCotangent("conv2dBackwardInput", dy, geo);
    return conv2dInputGradient(dy, w, geo);
  },
  // ⟨G, Kᵀ(w)·dy⟩ = ⟨conv2d(G, w), dy⟩, which is bilinear in (G, w) and in (w, dy).
  vjp: (g, { inputs: [dy, w], attrs, needsGrad }) => [
    needsGrad[0] ? conv2dOp.run([g, w], convAttrsOf(attrs)) : null,
    needsGrad[1] ? conv2dBackwardWeightOp.run([g, dy], { ...convAttrsOf(attrs), weightShape: [...w.shape] }) : null,
  ],
});

const conv2dBackwardWeightOp: Op<ConvWeightAttrs> = defineOp<ConvWeightAttrs>({
  name: "conv2dBackwardWeight",
  inputNames: ["x", "dy"],
  formula: "out[o, c, p, q] = Σ_{n, i, j} dy[n, o, i, j] · x[n, c, s₀·i + d₀·p − pad_top, s₁·j + d₁·q − pad_left]",
  vjpFormula: "dx = conv2dBackwardInput(dy, g), d(dy) = conv2d(x, g)",
  forward: ([x, dy], attrs) => {
    const geo = convGeometry(x.shape, attrs.weightShape, attrs);
    checkCotangent("conv2dBackwardWeight", dy, geo);
    return conv2dWeightGradient(x, dy, geo);
  },
  // ⟨G, dw(x, dy)⟩ = ⟨conv2d(x, G), dy⟩: the same bilinear form read from the other side.
  vjp: (g, { inputs: [x, dy], attrs, needsGrad }) => [
    needsGrad[0] ? conv2dBackwardInputOp.run([dy, g], { ...convAttrsOf(attrs), inputShape: [...x.shape] }) : null,
    needsGrad[1] ? conv2dOp.run([x, g], convAttrsOf(attrs)) : null,
  ],
});

const maxPool2dOp: Op<PoolAttrs> = defineOp<PoolAttrs>({
  name: "maxPool2d",
  inputNames: ["x"],
  formula: "out[n, c, i, j] = max of x over the window at (s₀·i − pad₀, s₁·j − pad₁), padding as −∞",
  vjpFormula: "dx = maxPool2dBackward(g, x): g routed to each window's first maximum",
  forward: ([x], attrs) => {
    const geo = poolGeometry(x.shape, attrs);
    return gatherAt(x, maxPoolArgmax(x.data, geo), pooledShape(geo));
  },
  vjp: (g, { inputs: [x], attrs }) => [maxPool2dBackwardOp.run([g, x], attrs)],
});

const maxPool2dBackwardOp: Op<PoolAttrs> = defineOp<PoolAttrs>({
  name: "maxPool2dBackward",
  inputNames: ["dy", "x"],
  formula: "out = zeros of x's shape with each dy[n, c, i, j] added at its window's first maximum of x",
  vjpFormula: "d(dy) = maxPool2dGather(g, x), dx = 0 (the routing is piecewise constant in x)",
  forward: ([dy, x], attrs) => {
    const geo = poolGeometry(x.shape, attrs);
    checkPooled("maxPool2dBackward", dy, geo);
    return scatterAddAt(dy, maxPoolArgmax(x.data, geo), x.shape, x.size);
  },
  vjp: (g, { inputs: [, x], attrs, needsGrad }) => [needsGrad[0] ? maxPool2dGatherOp.run([g, x], attrs) : null, null],
});

const maxPool2dGatherOp: Op<PoolAttrs> = defineOp<PoolAttrs>({
  name: "maxPool2dGather",
  inputNames: ["source", "x"],
  formula: "out[n, c, i, j] = source at the first maximum of x's window (i, j)",
  vjpFormula: "d(source) = maxPool2dBackward(g, x), dx = 0 (the positions are piecewise constant in x)",
  forward: ([source, x], attrs) => {
    const geo = poolGeometry(x.shape, attrs);
    if (!shapesEqual(source.shape, x.shape)) {
      throw new Error(`maxPool2dGather: source has shape ${formatShape(source.shape)}; it must have x's shape ${formatShape(x.shape)}`);
    }
    return gatherAt(source, maxPoolArgmax(x.data, geo), pooledShape(geo));
  },
  vjp: (g, { inputs: [, x], attrs, needsGrad }) => [needsGrad[0] ? maxPool2dBackwardOp.run([g, x], attrs) : null, null],
});

const avgPool2dOp: Op<PoolAttrs> = defineOp<PoolAttrs>({
  name: "avgPool2d",
  inputNames: ["x"],
  formula: "out[n, c, i, j] = Σ over the window of x / (k₀·k₁), padding counted as zeros",
  vjpFormula: "dx = avgPool2dBackward(g): g/(k₀·k₁) spread over each window",
  forward: ([x], attrs) => avgPoolForward(x, poolGeometry(x.shape, attrs)),
  vjp: (g, { inputs: [x], attrs }) => [avgPool2dBackwardOp.run([g], { ...poolAttrsOf(attrs), inputShape: [...x.shape] })],
});

const avgPool2dBackwardOp: Op<PoolInputAttrs> = defineOp<PoolInputAttrs>({
  name: "avgPool2dBackward",
  inputNames: ["dy"],
  formula: "out = zeros of the input's shape with dy[n, c, i, j]/(k₀·k₁) added over each window",
  vjpFormula: "d(dy) = avgPool2d(g)",
  forward: ([dy], attrs) => {
    const geo = poolGeometry(attrs.inputShape, attrs);
    checkPooled("avgPool2dBackward", dy, geo);
    return avgPoolSpread(dy, geo);
  },
  vjp: (g, { attrs }) => [avgPool2dOp.run([g], poolAttrsOf(attrs))],
});

// ---- Geometry shared by the ops -------------------------------------------------------

function convAttrsOf({ stride, padding, dilation, groups }: ConvAttrs): ConvAttrs {
  return { stride, padding, dilation, groups };
}

function poolAttrsOf({ kernelSize, stride, padding }: PoolAttrs): PoolAttrs {
  return { kernelSize, stride, padding };
}

/** The output size along one axis: ⌊(size + padding − d·(k − 1) − 1) / s⌋ + 1 (PyTorch's floor mode). */
function outputSize(size: number, padding: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor((size + padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

function convGeometry(xShape: readonly number[], wShape: readonly number[], attrs: ConvAttrs): ConvGeometry {
  const [batch, inChannels, height, width] = xShape;
  const [outChannels, , kernelHeight, kernelWidth] = wShape;
  const { stride, padding, dilation, groups } = attrs;
  return {
    batch,
    inChannels,
    height,
    width,
    outChannels,
    kernelHeight,
    kernelWidth,
    outHeight: outputSize(height, padding[0] + padding[1], kernelHeight, stride[0], dilation[0]),
    outWidth: outputSize(width, padding[2] + padding[3], kernelWidth, stride[1], dilation[1]),
    strideH: stride[0],
    strideW: stride[1],
    padTop: padding[0],
    padLeft: padding[2],
    dilationH: dilation[0],
    dilationW: dilation[1],
    groups,
  };
}

function poolGeometry(xShape: readonly number[], { kernelSize, stride, padding }: PoolAttrs): PoolGeometry {
  const [batch, channels, height, width] = xShape;
  return {
    batch,
    channels,
    height,
    width,
    kernelHeight: kernelSize[0],
    kernelWidth: kernelSize[1],
    strideH: stride[0],
    strideW: stride[1],
    padH: padding[0],
    padW: padding[1],
    outHeight: outputSize(height, 2 * padding[0], kernelSize[0], stride[0], 1),
    outWidth: outputSize(width, 2 * padding[1], kernelSize[1], stride[1], 1),
  };
}

function pooledShape(geo: PoolGeometry): number[] {
  return [geo.batch, geo.channels, geo.outHeight, geo.outWidth];
}

/** A backward op's dy must have the shape of the convolution's output. */
function checkCotangent(opName: string, dy: Tensor, geo: ConvGeometry): void {
  const expected = [geo.batch, geo.outChannels, geo.outHeight, geo.outWidth];
  if (!shapesEqual(dy.shape, expected)) {
    throw new Error(`${opName}: dy has shape ${formatShape(dy.shape)}; the convolution's output has shape ${formatShape(expected)}`);
  }
}

/** A pooling backward op's dy must have the shape of the pooling's output. */
function checkPooled(opName: string, dy: Tensor, geo: PoolGeometry): void {
  if (!shapesEqual(dy.shape, pooledShape(geo))) {
    throw new Error(`${opName}: dy has shape ${formatShape(dy.shape)}; the pooling's output has shape ${formatShape(pooledShape(geo))}`);
  }
}

// ---- The public functions: options checked and resolved, then the ops ---------------

/** A size given once for both spatial axes, or as a pair [h, w]. */
export type Pair = number | readonly [number, number];

/** Options of {@link conv2d}; PyTorch's `F.conv2d` arguments and defaults. */
export interface Conv2dOptions {
  /** The step between windows: a number or [h, w]; 1 by default. */
  stride?: Pair;
  /**
   * Zeros added on each side: a number or [h, w] (both sides of each axis alike); `'valid'`
   * for none (the default, as 0); `'same'` for an output as large as the input, which needs
   * stride 1 and splits the total d·(k − 1) evenly, the odd one at the bottom/right.
   */
  padding?: Pair | "same" | "valid";
  /** The spacing of the kernel's taps: a number or [h, w]; 1 by default. */
  dilation?: Pair;
  /** Channel groups: input and output channels are split into this many groups, each convolved separately; 1 by default. */
  groups?: number;
}

/** Options of {@link conv1d}: as {@link Conv2dOptions}, with numbers for the one spatial axis. */
export interface Conv1dOptions {
  /** The step between windows; 1 by default. */
  stride?: number;
  /** Zeros added on each side, `'valid'` (none, the default) or `'same'` (stride 1 only; the odd one at the end). */
  padding?: number | "same" | "valid";
  /** The spacing of the kernel's taps; 1 by default. */
  dilation?: number;
  /** Channel groups; 1 by default. */
  groups?: number;
}

/** Options of {@link maxPool2d} and {@link avgPool2d}; PyTorch's arguments and defaults. */
export interface Pool2dOptions {
  /** The window: a number or [h, w]. */
  kernelSize: Pair;
  /** The step between windows: a number or [h, w]; the kernel size by default. */
  stride?: Pair;
  /** Padding on each side: a number or [h, w], at most half the kernel; 0 by default. */
  padding?: Pair;
}

/**
 * The 2-D convolution of x [N, C, H, W] with weights w [O, C/groups, kH, kW], giving
 * [N, O, oH, oW] with oH = ⌊(H + padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (likewise oW):
 * PyTorch's `F.conv2d`, a cross-correlation (the kernel is not flipped), without a bias
 * (add one of shape [1, O, 1, 1]). Unlike PyTorch, x must be batched (4-D).
 * @example
 * ```ts
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);   // [1, 1, 3, 3]
 * const w = tensor([[[[1, 0], [0, -1]]]]);                    // [1, 1, 2, 2]
 * conv2d(x, w).toArray();                                    // [[[[-4, -4], [-4, -4]]]]
 * conv2d(x, w, { padding: 1, stride: 2 }).shape;              // [1, 1, 2, 2]
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  checkRank("conv2d", "x", x, 4, "[N, C, H, W]");
  checkRank("conv2d", "w", w, 4, "[O, C/groups, kH, kW]");
  const groups = checkChannels("conv2d", x, w, options.groups);
  const { stride, dilation, before, after } = resolveWindow("conv2d", options, x.shape.slice(2), w.shape.slice(2));
  const attrs: ConvAttrs = {
    stride: [stride[0], stride[1]],
    padding: [before[0], after[0], before[1], after[1]],
    dilation: [dilation[0], dilation[1]],
    groups,
  };
  return conv2dOp.run([x, w], attrs);
}

/**
 * The 1-D convolution of x [N, C, L] with weights w [O, C/groups, K], giving [N, O, oL]:
 * PyTorch's `F.conv1d` (a cross-correlation, no bias), computed as a 2-D convolution of
 * height 1.
 * @example
 * ```ts
 * conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray(); // [[[-1, -1, -1]]]
 * conv1d(x, w, { padding: "same" }).shape[2] === x.shape[2];       // true
 * ```
 */
export function conv1d(x: Tensor, w: Tensor, options: Conv1dOptions = {}): Tensor {
  checkRank("conv1d", "x", x, 3, "[N, C, L]");
  checkRank("conv1d", "w", w, 3, "[O, C/groups, K]");
  const groups = checkChannels("conv1d", x, w, options.groups);
  const { stride, dilation, before, after } = resolveWindow("conv1d", options, x.shape.slice(2), w.shape.slice(2));
  const [batch, channels, length] = x.shape;
  const [outChannels, perGroup, kernel] = w.shape;
  const attrs: ConvAttrs = { stride: [1, stride[0]], padding: [0, 0, before[0], after[0]], dilation: [1, dilation[0]], groups };
  const out = conv2dOp.run([reshape(x, [batch, channels, 1, length]), reshape(w, [outChannels, perGroup, 1, kernel])], attrs);
  return reshape(out, [batch, outChannels, out.shape[3]]);
}

/**
 * The maximum of each window of x [N, C, H, W], giving [N, C, oH, oW] with
 * oH = ⌊(H + 2·padding − kH) / stride⌋ + 1: PyTorch's `F.max_pool2d` (floor mode, no
 * dilation), the padding taken as −∞. The gradient goes to the first maximal element of
 * each window (rows, then columns), not split between ties, as in PyTorch.
 * @example
 * ```ts
 * maxPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }).toArray(); // [[[[4]]]]
 * maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
 * ```
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return maxPool2dOp.run([x], resolvePool("maxPool2d", x, options));
}

/**
 * The mean of each window of x [N, C, H, W], giving [N, C, oH, oW]: PyTorch's
 * `F.avg_pool2d` with its defaults (floor mode, count_include_pad=True), so the padding
 * counts as zeros and every window is divided by kH·kW.
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }).toArray();  // [[[[2.5]]]]
 * avgPool2d(tensor([[[[4]]]]), { kernelSize: 2, padding: 1 }).toArray(); // [[[[1]]]]: 4 / (2·2)
 * ```
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return avgPool2dOp.run([x], resolvePool("avgPool2d", x, options));
}

// ---- Argument checks ------------------------------------------------------------------

function checkRank(opName: string, name: string, t: Tensor, rank: number, layout: string): void {
  if (t?.rank !== rank) {
    const got = t?.shape ? `shape ${formatShape(t.shape)}` : String(t);
    throw new Error(`${opName}: ${name} must be ${rank}-D, ${layout}, got ${got}`);
  }
}

/** Checks groups and the channel counts of x and w; returns groups. */
function checkChannels(opName: string, x: Tensor, w: Tensor, groupsOption: number | undefined): number {
  const groups = groupsOption ?? 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new Error(`${opName}: groups must be a positive integer, got ${JSON.stringify(groups)}`);
  }
  const channels = x.shape[1];
  const outChannels = w.shape[0];
  if (channels % groups !== 0) {
    throw new Error(`${opName}: groups=${groups} does not divide the ${channels} input channels of x (shape ${formatShape(x.shape)})`);
  }
  if (outChannels % groups !== 0) {
    throw new Error(
      `${opName}: groups=${groups} does not divide the ${outChannels} output channels of w (shape ${formatShape(w.shape)}, axis 0)`,
    );
  }
  if (w.shape[1] * groups !== channels) {
    const expectation = groups === 1 ? `${w.shape[1]} channels` : `${w.shape[1]}·${groups} = ${w.shape[1] * groups} channels (w's axis 1 times groups)`;
    throw new Error(
      `${opName}: x has shape ${formatShape(x.shape)} with ${channels} channels, but w has shape ${formatShape(w.shape)}, ` +
        `which expects ${expectation}; w's axis 1 must be x's channels divided by groups`,
    );
  }
  return groups;
}

/** A list of `axes` integers ≥ `min` from a number (for every axis) or, with two axes, a pair. */
function integers(opName: string, name: string, value: unknown, axes: number, min: number): number[] {
  const kind = min === 0 ? "a non-negative integer" : "a positive integer";
  const allowed = axes === 1 ? kind : `${kind} or a pair [h, w] of them`;
  const values = typeof value === "number" ? new Array<number>(axes).fill(value) : Array.isArray(value) && axes === 2 && value.length === 2 ? value : null;
  if (values === null || !values.every((v) => Number.isInteger(v) && v >= min)) {
    throw new Error(`${opName}: ${name} must be ${allowed}, got ${JSON.stringify(value)}`);
  }
  return values;
}

/** Resolves stride, dilation and padding of a convolution over the spatial axes, and checks that the kernel fits. */
function resolveWindow(
  opName: string,
  options: Conv2dOptions | Conv1dOptions,
  size: readonly number[],
  kernel: readonly number[],
): { stride: number[]; dilation: number[]; before: number[]; after: number[] } {
  const axes = size.length;
  const stride = integers(opName, "stride", options.stride ?? 1, axes, 1);
  const dilation = integers(opName, "dilation", options.dilation ?? 1, axes, 1);
  const padding = options.padding ?? 0;
  let before: number[];
  let after: number[];
  if (padding === "valid") {
    before = after = new Array<number>(axes).fill(0);
  } else if (padding === "same") {
    if (stride.some((s) => s !== 1)) {
      throw new Error(`${opName}: padding 'same' needs stride 1 (as in PyTorch), got stride ${JSON.stringify(options.stride)}; give the padding as numbers`);
    }
    // PyTorch splits the total d·(k − 1) evenly; an odd one goes at the end (bottom, right).
    before = kernel.map((k, a) => Math.floor((dilation[a] * (k - 1)) / 2));
    after = kernel.map((k, a) => dilation[a] * (k - 1) - before[a]);
  } else if (typeof padding === "string") {
    throw new Error(`${opName}: padding must be 'same', 'valid', a non-negative integer${axes === 2 ? " or a pair [h, w] of them" : ""}, got '${padding}'`);
  } else {
    before = after = integers(opName, "padding", padding, axes, 0);
  }
  for (let a = 0; a < axes; a++) {
    const padded = size[a] + before[a] + after[a];
    const span = dilation[a] * (kernel[a] - 1) + 1;
    if (span > padded) {
      const axisName = axes === 1 ? "length" : a === 0 ? "height" : "width";
      throw new Error(
        `${opName}: the kernel's ${axisName} spans ${span} (size ${kernel[a]}, dilation ${dilation[a]}) but the padded input's ` +
          `${axisName} is only ${padded} (${size[a]} plus padding ${before[a] + after[a]}); use a smaller kernel or dilation, or more padding`,
      );
    }
  }
  return { stride, dilation, before, after };
}

/** Checks a pooling's input and options (PyTorch's rules) and resolves them. */
function resolvePool(opName: string, x: Tensor, options: Pool2dOptions): PoolAttrs {
  checkRank(opName, "x", x, 4, "[N, C, H, W]");
  if (options?.kernelSize === undefined) {
    throw new Error(`${opName}: give a kernelSize, e.g. ${opName}(x, { kernelSize: 2 })`);
  }
  const kernelSize = integers(opName, "kernelSize", options.kernelSize, 2, 1);
  const stride = integers(opName, "stride", options.stride ?? kernelSize, 2, 1);
  const padding = integers(opName, "padding", options.padding ?? 0, 2, 0);
  for (let a = 0; a < 2; a++) {
    if (2 * padding[a] > kernelSize[a]) {
      throw new Error(
        `${opName}: padding ${padding[a]} is more than half the kernel size ${kernelSize[a]} along the ${a === 0 ? "height" : "width"} ` +
          `(PyTorch's rule: padding ≤ kernelSize/2); use less padding or a larger kernel`,
      );
    }
  }
  const attrs: PoolAttrs = { kernelSize: [kernelSize[0], kernelSize[1]], stride: [stride[0], stride[1]], padding: [padding[0], padding[1]] };
  const geo = poolGeometry(x.shape, attrs);
  if (geo.outHeight < 1 || geo.outWidth < 1) {
    throw new Error(
      `${opName}: the window ${kernelSize[0]} × ${kernelSize[1]} does not fit the input ${x.shape[2]} × ${x.shape[3]} ` +
        `(x has shape ${formatShape(x.shape)}) with padding ${padding[0]} × ${padding[1]}; use a smaller kernel or more padding`,
    );
  }
  return attrs;
}

