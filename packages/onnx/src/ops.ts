import type { DType } from "@tapegrad/core";
import { DATA_TYPE } from "./proto";
import { float, type Attributes, type GraphBuilder } from "./builder";

// The table from tapegrad's ops to ONNX nodes: one entry per built-in op that a forward pass
// records, each the ONNX it writes (`onnx`, as docs/onnx.md shows it) and the function that
// writes it. Composites (softmax, mean, variance, conv1d, split, stack, mse, …) have no entry:
// the tape records their parts, which are here.

/** What an entry of {@link OP_EXPORTS} sees of the op it exports. */
export interface EmitContext {
  /** The tapegrad op's name. */
  readonly op: string;
  /** The attributes the op ran with. */
  readonly attrs: any;
  /** The ONNX names of its inputs. */
  readonly inputs: readonly string[];
  /** The shapes of its inputs, as traced from the example inputs. */
  readonly inputShapes: readonly (readonly number[])[];
  /** The dtypes of its inputs. */
  readonly inputDTypes: readonly DType[];
  /** The shape of its output, as traced. */
  readonly shape: readonly number[];
  /** The dtype of its output. */
  readonly dtype: DType;
  /** The ONNX opset being written. */
  readonly opset: number;
  /** The graph being built (constants, initialisers). */
  readonly graph: GraphBuilder;
  /**
   * Appends a node; with `output` omitted it writes to a fresh intermediate name. The entry's
   * last node writes to {@link EmitContext.out}.
   */
  node(opType: string, inputs: readonly string[], attributes?: Attributes, output?: string): string;
  /** The name the op's result must be written to. */
  readonly out: string;
  /** The output's shape as a 1-D int64 tensor, for Reshape (which may infer one size) or Expand; batch-aware. */
  outputShape(use: "reshape" | "expand"): string;
  /** Slice's ends: begin + size per axis, or "to the end" where the slice takes a batch-sized axis whole. */
  sliceEnds(begin: readonly number[], size: readonly number[]): (number | bigint)[];
}

/** How one tapegrad op is exported. */
export interface OpExport {
  /** The ONNX it becomes, in a few words (docs/onnx.md lists them). */
  readonly onnx: string;
  /** Writes the nodes; the last one writes to `c.out`. */
  emit(c: EmitContext): void;
}

const TO = (dtype: DType | "bool"): number => DATA_TYPE[dtype];

/** The op as one ONNX node of the same inputs and no attributes. */
const same = (opType: string): OpExport => ({ onnx: opType, emit: (c) => void c.node(opType, c.inputs, {}, c.out) });

/** A comparison: the ONNX one gives booleans, cast back to the inputs' dtype (1 or 0). */
const comparison = (opType: string): OpExport => ({
  onnx: `Cast(${opType}(x, y))`,
  emit: (c) => void c.node("Cast", [c.node(opType, c.inputs)], { to: TO(c.dtype) }, c.out),
});

/** A reduction over `axes`: the axes an input from opset 18 on (ReduceSum from 13), an attribute before. */
const reduction = (opType: string): OpExport => ({
  onnx: `${opType} (axes, keepdims)`,
  emit: (c) => {
    const { axes, keepDims } = c.attrs as { axes: number[]; keepDims: boolean };
    const keepdims = keepDims ? 1 : 0;
    if (opType === "ReduceSum" || c.opset >= 18) c.node(opType, [c.inputs[0], c.graph.int64s(axes)], { keepdims }, c.out);
    else c.node(opType, [c.inputs[0]], { axes, keepdims }, c.out);
  },
});

/** x > 0 ? x : otherwise, for compositions of float64 ops. */
const positivePart = (c: EmitContext, x: string, otherwise: string): void => {
  const positive = c.node("Greater", [x, c.graph.scalar(0, c.dtype)]);
  c.node("Where", [positive, x, otherwise], {}, c.out);
};

/** The last two axes swapped. */
const swapLastTwo = (rank: number): number[] => Array.from({ length: rank }, (_, i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));

/**
 * Every built-in op a forward pass records, and how it is exported. Ops that float64
 * models would run through float32 attributes, or for which onnxruntime has no double
 * kernel, are written as compositions in float64 (see docs/onnx.md).
 */
export const OP_EXPORTS: Readonly<Record<string, OpExport>> = {
  // ---- element-wise, one input
  identity: same("Identity"),
  name: { onnx: "Identity (the value named as given)", emit: (c) => void c.node("Identity", c.inputs, {}, c.out) },
  neg: same("Neg"),
  exp: same("Exp"),
  expm1: { onnx: "Sub(Exp(x), 1)", emit: (c) => void c.node("Sub", [c.node("Exp", c.inputs), c.graph.scalar(1, c.dtype)], {}, c.out) },
  log: same("Log"),
  log1p: { onnx: "Log(Add(x, 1))", emit: (c) => void c.node("Log", [c.node("Add", [c.inputs[0], c.graph.scalar(1, c.dtype)])], {}, c.out) },
  sqrt: same("Sqrt"),
  square: { onnx: "Mul(x, x)", emit: (c) => void c.node("Mul", [c.inputs[0], c.inputs[0]], {}, c.out) },
  pow: { onnx: "Pow(x, p)", emit: (c) => void c.node("Pow", [c.inputs[0], c.graph.scalar(c.attrs.exponent, c.dtype)], {}, c.out) },
  sin: same("Sin"),
  cos: same("Cos"),
  tanh: same("Tanh"),
  erf: same("Erf"),
  sigmoid: same("Sigmoid"),
  relu: same("Relu"),
  leakyRelu: {
    onnx: "LeakyRelu(alpha = slope); float64: Where(x > 0, x, slope·x)",
    emit: (c) => {
      if (c.dtype === "float32") c.node("LeakyRelu", c.inputs, { alpha: float(c.attrs.slope) }, c.out);
      else positivePart(c, c.inputs[0], c.node("Mul", [c.inputs[0], c.graph.scalar(c.attrs.slope, c.dtype)]));
    },
  },
  elu: {
    onnx: "Elu(alpha); float64: Where(x > 0, x, alpha·(Exp(x) − 1))",
    emit: (c) => {
      if (c.dtype === "float32") return void c.node("Elu", c.inputs, { alpha: float(c.attrs.alpha) }, c.out);
      const expm1 = c.node("Sub", [c.node("Exp", c.inputs), c.graph.scalar(1, c.dtype)]);
      positivePart(c, c.inputs[0], c.node("Mul", [expm1, c.graph.scalar(c.attrs.alpha, c.dtype)]));
    },
  },
  gelu: {
    onnx: "Gelu (float32, opset ≥ 20); otherwise ½x·(1 + Erf(x/√2)), or with 'tanh' ½x·(1 + Tanh(√(2/π)·(x + 0.044715x³)))",
    emit: (c) => {
      const approximate = c.attrs.approximate === "tanh" ? "tanh" : "none";
      // In float64 the composition, with double constants: onnxruntime's Gelu differs from it by 2·10⁻⁹.
      if (c.opset >= 20 && c.dtype === "float32") return void c.node("Gelu", c.inputs, { approximate }, c.out);
      const x = c.inputs[0];
      const k = (value: number) => c.graph.scalar(value, c.dtype);
      const inner =
        approximate === "tanh"
          ? c.node("Tanh", [c.node("Mul", [k(Math.sqrt(2 / Math.PI)), c.node("Add", [x, c.node("Mul", [k(0.044715), c.node("Mul", [x, c.node("Mul", [x, x])])])])])])
          : c.node("Erf", [c.node("Mul", [x, k(Math.SQRT1_2)])]);
      c.node("Mul", [c.node("Mul", [x, k(0.5)]), c.node("Add", [inner, k(1)])], {}, c.out);
    },
  },
  softplus: {
    onnx: "Softplus; float64: Where(x > 20, x, Log(Exp(x) + 1)), tapegrad's threshold",
    emit: (c) => {
      if (c.dtype === "float32") return void c.node("Softplus", c.inputs, {}, c.out);
      const x = c.inputs[0];
      const smooth = c.node("Log", [c.node("Add", [c.node("Exp", [x]), c.graph.scalar(1, c.dtype)])]);
      c.node("Where", [c.node("Greater", [x, c.graph.scalar(20, c.dtype)]), x, smooth], {}, c.out);
    },
  },
  silu: { onnx: "Mul(x, Sigmoid(x))", emit: (c) => void c.node("Mul", [c.inputs[0], c.node("Sigmoid", c.inputs)], {}, c.out) },
  abs: same("Abs"),
  sign: same("Sign"),
  step: { onnx: "Cast(Greater(x, 0))", emit: (c) => void c.node("Cast", [c.node("Greater", [c.inputs[0], c.graph.scalar(0, c.dtype)])], { to: TO(c.dtype) }, c.out) },

  // ---- element-wise, two inputs (ONNX broadcasts as numpy does)
  add: same("Add"),
  sub: same("Sub"),
  mul: same("Mul"),
  div: same("Div"),
  addScaled: {
    onnx: "Add(x, Mul(y, α))",
    emit: (c) => void c.node("Add", [c.inputs[0], c.node("Mul", [c.inputs[1], c.graph.scalar(c.attrs.alpha, c.dtype)])], {}, c.out),
  },
  equal: comparison("Equal"),
  greater: comparison("Greater"),
  less: comparison("Less"),
  maximum: same("Max"),
  minimum: same("Min"),

  // ---- selection
  where: {
    onnx: "Where(Cast(condition, bool), a, b)",
    emit: (c) => void c.node("Where", [c.node("Cast", [c.inputs[0]], { to: TO("bool") }), c.inputs[1], c.inputs[2]], {}, c.out),
  },
  clip: {
    onnx: "Clip(x, min, max)",
    emit: (c) => void c.node("Clip", [c.inputs[0], c.graph.scalar(c.attrs.min, c.dtype), c.graph.scalar(c.attrs.max, c.dtype)], {}, c.out),
  },

  // ---- reductions
  sum: reduction("ReduceSum"),
  max: reduction("ReduceMax"),
  min: reduction("ReduceMin"),
  logsumexp: reduction("ReduceLogSumExp"),

  // ---- movement
  // allowzero: a 0 in the shape is a size of 0, not "copy the input's size" (Reshape's default).
  reshape: { onnx: "Reshape", emit: (c) => void c.node("Reshape", [c.inputs[0], c.outputShape("reshape")], { allowzero: c.shape.includes(0) ? 1 : undefined }, c.out) },
  transpose: { onnx: "Transpose(perm)", emit: (c) => void c.node("Transpose", c.inputs, { perm: c.attrs.perm }, c.out) },
  broadcastTo: { onnx: "Expand", emit: (c) => void c.node("Expand", [c.inputs[0], c.outputShape("expand")], {}, c.out) },
  astype: { onnx: "Cast(to)", emit: (c) => void c.node("Cast", c.inputs, { to: TO(c.attrs.dtype) }, c.out) },

  // ---- linear algebra, convolution, pooling
  matmul: {
    onnx: "MatMul (batched; Transpose of the last two axes first for transposeA/transposeB)",
    emit: (c) => {
      const [a, b] = c.inputs.map((name, i) => {
        const transposed = i === 0 ? c.attrs.transposeA : c.attrs.transposeB;
        return transposed ? c.node("Transpose", [name], { perm: swapLastTwo(c.inputShapes[i].length) }) : name;
      });
      c.node("MatMul", [a, b], {}, c.out);
    },
  },
  conv2d: {
    onnx: "Conv(strides, pads, dilations, group)",
    emit: (c) => {
      const { stride, padding, dilation, groups } = c.attrs as { stride: number[]; padding: number[]; dilation: number[]; groups: number };
      const [top, bottom, left, right] = padding;
      const kernel = c.inputShapes[1].slice(2);
      c.node("Conv", c.inputs, { kernel_shape: kernel, strides: stride, pads: [top, left, bottom, right], dilations: dilation, group: groups }, c.out);
    },
  },
  maxPool2d: {
    onnx: "MaxPool(kernel_shape, strides, pads)",
    emit: (c) => {
      const { kernelSize, stride, padding } = c.attrs as { kernelSize: number[]; stride: number[]; padding: number[] };
      c.node("MaxPool", c.inputs, { kernel_shape: kernelSize, strides: stride, pads: [...padding, ...padding] }, c.out);
    },
  },
  avgPool2d: {
    onnx: "AveragePool(kernel_shape, strides, pads, count_include_pad = 1)",
    emit: (c) => {
      const { kernelSize, stride, padding } = c.attrs as { kernelSize: number[]; stride: number[]; padding: number[] };
      c.node("AveragePool", c.inputs, { kernel_shape: kernelSize, strides: stride, pads: [...padding, ...padding], count_include_pad: 1 }, c.out);
    },
  },

  // ---- joining and cutting
  concat: {
    onnx: "Concat(axis)",
    emit: (c) => {
      const rank = c.shape.length;
      c.node("Concat", c.inputs, { axis: c.attrs.axis < 0 ? c.attrs.axis + rank : c.attrs.axis }, c.out);
    },
  },
  slice: {
    onnx: "Slice(starts, ends, axes)",
    emit: (c) => {
      const { begin, size } = c.attrs as { begin: number[]; size: number[] };
      const axes = begin.map((_, a) => a);
      c.node("Slice", [c.inputs[0], c.graph.int64s(begin), c.graph.int64s(c.sliceEnds(begin, size)), c.graph.int64s(axes)], {}, c.out);
    },
  },
  pad: {
    onnx: "Pad(pads, constant_value)",
    emit: (c) => {
      const { paddings, value } = c.attrs as { paddings: [number, number][]; value: number };
      const pads = [...paddings.map(([before]) => before), ...paddings.map(([, after]) => after)];
      c.node("Pad", [c.inputs[0], c.graph.int64s(pads), c.graph.scalar(value, c.dtype)], { mode: "constant" }, c.out);
    },
  },

  // ---- indexing
  gather: {
    onnx: "Gather(axis)",
    emit: (c) => {
      const rank = c.inputShapes[0].length;
      c.node("Gather", c.inputs, { axis: c.attrs.axis < 0 ? c.attrs.axis + rank : c.attrs.axis }, c.out);
    },
  },
  scatterAdd: {
    onnx: "ScatterElements(reduction = 'add') into zeros, through Reshape and Expand",
    emit: (c) => {
      const shape = c.attrs.shape as number[];
      const axis = c.attrs.axis < 0 ? c.attrs.axis + shape.length : (c.attrs.axis as number);
      const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
      const [pre, post] = [product(shape.slice(0, axis)), product(shape.slice(axis + 1))];
      const count = product(c.inputShapes[0]);
      const box = [pre, count, post];
      const updates = c.node("Reshape", [c.inputs[1], c.graph.int64s(box)]);
      const indices = c.node("Expand", [c.node("Reshape", [c.inputs[0], c.graph.int64s([1, count, 1])]), c.graph.int64s(box)]);
      const zeros = c.node("Expand", [c.graph.scalar(0, c.dtype), c.graph.int64s([pre, shape[axis], post])]);
      const scattered = c.node("ScatterElements", [zeros, indices, updates], { axis: 1, reduction: "add" });
      c.node("Reshape", [scattered, c.outputShape("reshape")], {}, c.out);
    },
  },

  // ---- losses (element-wise before their reduction, which the tape records as sum and div)
  binaryCrossEntropy: {
    onnx: "−(y·Max(Log p, −100) + (1 − y)·Max(Log(1 − p), −100))",
    emit: (c) => {
      const [p, y] = c.inputs;
      const k = (value: number) => c.graph.scalar(value, c.dtype);
      const logP = c.node("Max", [c.node("Log", [p]), k(-100)]);
      const logQ = c.node("Max", [c.node("Log", [c.node("Sub", [k(1), p])]), k(-100)]);
      const total = c.node("Add", [c.node("Mul", [y, logP]), c.node("Mul", [c.node("Sub", [k(1), y]), logQ])]);
      c.node("Neg", [total], {}, c.out);
    },
  },
  sigmoidCrossEntropy: {
    onnx: "Relu(z) − z·y + Log(1 + Exp(−Abs(z)))",
    emit: (c) => {
      const [z, y] = c.inputs;
      const softTail = c.node("Log", [c.node("Add", [c.node("Exp", [c.node("Neg", [c.node("Abs", [z])])]), c.graph.scalar(1, c.dtype)])]);
      c.node("Add", [c.node("Sub", [c.node("Relu", [z]), c.node("Mul", [z, y])]), softTail], {}, c.out);
    },
  },
  softmaxCrossEntropy: {
    onnx: "−ReduceSum(Where(y = 0, 0, y·LogSoftmax(z, axis)), axis)",
    emit: (c) => {
      const [z, y] = c.inputs;
      const axis = c.attrs.axis as number;
      const zero = c.graph.scalar(0, c.dtype);
      const logP = c.node("LogSoftmax", [z], { axis });
      const terms = c.node("Where", [c.node("Equal", [y, zero]), zero, c.node("Mul", [y, logP])]);
      c.node("Neg", [c.node("ReduceSum", [terms, c.graph.int64s([axis])], { keepdims: 0 })], {}, c.out);
    },
  },
};

/**
 * Whether a built-in op is one that vjps are made of (conv2dBackwardInput, maxPool2dGather,
 * tanhBackward, …): a forward pass records it only when the traced function takes
 * gradients itself, and it is not exported.
 */
export function isBackwardOp(name: string): boolean {
  return name.endsWith("Backward") || name.endsWith("BackwardInput") || name.endsWith("BackwardWeight") || name === "maxPool2dGather";
}

/**
 * Built-in ops that a trace never holds: their output is int32 (argmax, argmin), or their
 * only input is (oneHot), and the tape records no int32 computation. A result of theirs
 * inside the exported function is caught as a value computed off the tape.
 */
export const NEVER_RECORDED: readonly string[] = ["argmax", "argmin", "oneHot"];
