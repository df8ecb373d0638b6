import { describe, expect, it } from "vitest";
import {
  abs,
  add,
  addScaled,
  astype,
  avgPool2d,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  broadcastTo,
  clip,
  concat,
  conv1d,
  conv2d,
  cos,
  div,
  elu,
  equal,
  erf,
  exp,
  expm1,
  gather,
  gelu,
  greater,
  leakyRelu,
  less,
  log,
  log1p,
  logSoftmax,
  logsumexp,
  matmul,
  max,
  maximum,
  maxPool2d,
  mean,
  min,
  minimum,
  mse,
  mul,
  name,
  neg,
  pad,
  pow,
  randn,
  relu,
  reshape,
  scatterAdd,
  sigmoid,
  sign,
  silu,
  sin,
  slice,
  softmax,
  softmaxCrossEntropy,
  softplus,
  split,
  sqrt,
  square,
  stack,
  step,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  uniform,
  variance,
  where,
  type FloatDType,
  type Tensor,
} from "@tapegrad/core";
import { decodeOnnx } from "@tapegrad/onnx";
import { expectSameAsTapegrad } from "./helpers";

// One test per op family: each function is exported with its inputs as graph inputs (so
// nothing is folded into constants), run in onnxruntime and compared with tapegrad's result:
// within 1e-9 in float64 and 1e-5 in float32, relative to the output's scale. Ops for which
// onnxruntime's CPU provider has no double kernel (Erf, so exact gelu; Conv; AveragePool)
// are run in float32 only: the float64 export is the same graph.

const DTYPES: FloatDType[] = ["float64", "float32"];

/** Values in (low, high), of a dtype. */
const values = (shape: number[], dtype: FloatDType, seed: number, low = -3, high = 3) => uniform(shape, { low, high, seed, dtype });

/** The op types of an exported model, in order. */
const opTypes = (bytes: Uint8Array): string[] => decodeOnnx(bytes).graph.node.map((n: { op_type: string }) => n.op_type);

describe.each(DTYPES)("element-wise functions of one tensor (%s)", (dtype) => {
  const x = () => values([3, 4], dtype, 1);
  const positive = () => values([3, 4], dtype, 2, 0.1, 4);
  const cases: [string, (x: Tensor) => Tensor, () => Tensor][] = [
    ["neg", neg, x],
    ["exp", exp, x],
    ["expm1", expm1, x],
    ["log", log, positive],
    ["log1p", log1p, positive],
    ["sqrt", sqrt, positive],
    ["square", square, x],
    ["pow (integer exponent)", (t) => pow(t, 3), x],
    ["pow (fractional exponent)", (t) => pow(t, 1.5), positive],
    ["sin", sin, x],
    ["cos", cos, x],
    ["tanh", tanh, x],
    ["sigmoid", sigmoid, x],
    ["relu", relu, x],
    ["leakyRelu", (t) => leakyRelu(t, 0.1), x],
    ["elu", (t) => elu(t, 0.7), x],
    ["gelu (tanh approximation)", (t) => gelu(t, { approximate: "tanh" }), x],
    ["softplus, beyond its threshold of 20 too", softplus, () => tensor([[-30, -2, 0, 1.5], [19.9, 20, 20.5, 40]], { dtype })],
    ["silu", silu, x],
    ["abs", abs, x],
    ["sign", sign, () => tensor([[-2, 0, 3]], { dtype })],
    ["step", step, () => tensor([[-2, 0, 3]], { dtype })],
    ["name (the identity, under the given name)", (t) => name(mul(t, 2), "doubled"), x],
  ];
  it.each(cases)("%s", async (_, f, input) => {
    await expectSameAsTapegrad(f, [input()]);
  });

  it("float64 writes leakyRelu, elu and softplus with double constants, float32 as their ONNX ops", async () => {
    const f = (t: Tensor) => softplus(elu(leakyRelu(t, 0.1), 0.7));
    const types = opTypes(await expectSameAsTapegrad(f, [x()]));
    if (dtype === "float32") expect(types).toEqual(["LeakyRelu", "Elu", "Softplus"]);
    else expect(types).not.toContain("LeakyRelu");
  });
});

describe("erf and exact gelu (float32: onnxruntime has no double Erf kernel)", () => {
  const x = values([3, 4], "float32", 3);
  it("erf", async () => {
    expect(opTypes(await expectSameAsTapegrad(erf, [x]))).toEqual(["Erf"]);
  });
  it("gelu before opset 20: ½x·(1 + erf(x/√2))", async () => {
    expect(opTypes(await expectSameAsTapegrad((t) => gelu(t), [x]))).toContain("Erf");
  });
  it.each(["none", "tanh"] as const)("gelu (approximate %s) at opset 20: the Gelu op", async (approximate) => {
    expect(opTypes(await expectSameAsTapegrad((t) => gelu(t, { approximate }), [x], { opset: 20 }))).toEqual(["Gelu"]);
  });
  it("gelu with 'tanh' in float64 at opset 20: still the composition, which runs in double", async () => {
    const types = opTypes(await expectSameAsTapegrad((t) => gelu(t, { approximate: "tanh" }), [values([3, 4], "float64", 3)], { opset: 20 }));
    expect(types).toContain("Tanh");
  });
});

describe.each(DTYPES)("element-wise functions of two tensors, broadcasting (%s)", (dtype) => {
  const a = () => values([2, 3, 4], dtype, 4);
  const b = () => values([3, 1], dtype, 5, 0.5, 2);
  const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ["add", add],
    ["sub", sub],
    ["mul", mul],
    ["div", div],
    ["addScaled", (x, y) => addScaled(x, broadcastTo(y, x.shape), -0.5)],
    ["maximum", maximum],
    ["minimum", minimum],
    ["a scalar operand", (x) => add(mul(x, 3), 1)],
  ];
  it.each(cases)("%s", async (_, f) => {
    await expectSameAsTapegrad(f, [a(), b()]);
  });

  it("equal, greater and less give 1 or 0 in the inputs' dtype", async () => {
    const x = tensor([[1, 2, 3], [3, 2, 1]], { dtype });
    const y = tensor([[2], [2]], { dtype });
    for (const f of [equal, greater, less]) await expectSameAsTapegrad((p: Tensor, q: Tensor) => mul(f(p, q), p), [x, y]);
  });
});

describe.each(DTYPES)("selection (%s)", (dtype) => {
  it("where with a float condition, a tensor and a scalar", async () => {
    const condition = tensor([[1, 0, 1], [0, 0, 1]], { dtype });
    await expectSameAsTapegrad((c, a) => where(c, a, -1), [condition, values([2, 3], dtype, 6)]);
  });
  it("where with an int32 condition (a mask input)", async () => {
    const mask = tensor([[1, 0, 1]], { dtype: "int32" });
    await expectSameAsTapegrad((c, a, b) => where(c, a, b), [mask, values([2, 3], dtype, 6), values([2, 1], dtype, 7)]);
  });
  it("clip, with an infinite bound too", async () => {
    await expectSameAsTapegrad((x) => add(clip(x, -1, 1.5), clip(x, -Infinity, 0.25)), [values([3, 4], dtype, 8)]);
  });
});

describe.each(DTYPES)("reductions (%s)", (dtype) => {
  const x = () => values([2, 3, 4], dtype, 9);
  const cases: [string, (x: Tensor) => Tensor][] = [
    ["sum over one axis", (t) => sum(t, 1)],
    ["sum over all axes (a scalar)", (t) => sum(t)],
    ["sum with keepDims and a negative axis", (t) => sum(t, -1, true)],
    ["mean over two axes", (t) => mean(t, [0, 2])],
    ["max", (t) => max(t, 2)],
    ["min with keepDims", (t) => min(t, [0, 1], true)],
    ["logsumexp", (t) => logsumexp(t, 1)],
    ["variance (a composite)", (t) => variance(t, -1, true)],
    ["softmax over the last axis", (t) => softmax(t, -1)],
    ["softmax over a middle axis", (t) => softmax(t, 1)],
    ["logSoftmax", (t) => logSoftmax(t, 0)],
  ];
  it.each(cases)("%s, opset 17 (axes as attributes)", async (_, f) => {
    await expectSameAsTapegrad(f, [x()], { opset: 17 });
  });
  it.each(cases)("%s, opset 18 (axes as inputs)", async (_, f) => {
    await expectSameAsTapegrad(f, [x()], { opset: 18 });
  });

  it("softmax and logSoftmax become one Softmax or LogSoftmax node", async () => {
    expect(opTypes(await expectSameAsTapegrad((t) => softmax(t, 1), [x()]))).toEqual(["Softmax"]);
    expect(opTypes(await expectSameAsTapegrad((t) => logSoftmax(t, -1), [x()]))).toEqual(["LogSoftmax"]);
  });
});

describe.each(DTYPES)("moving and reshaping (%s)", (dtype) => {
  const x = () => values([2, 3, 4], dtype, 10);
  const cases: [string, (x: Tensor) => Tensor][] = [
    ["reshape, with a -1", (t) => reshape(t, [4, -1])],
    ["transpose", (t) => transpose(t, [2, 0, 1])],
    ["transpose reversing the axes", (t) => transpose(t)],
    ["broadcastTo new leading and size-1 axes", (t) => broadcastTo(sum(t, 1, true), [5, 2, 3, 4])],
    ["astype to the other float dtype and back", (t) => astype(mul(astype(t, dtype === "float64" ? "float32" : "float64"), 2), dtype)],
  ];
  it.each(cases)("%s", async (_, f) => {
    await expectSameAsTapegrad(f, [x()]);
  });
});

describe.each(DTYPES)("matmul (%s)", (dtype) => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, number[], number[]][] = [
    ["matrices", (a, b) => matmul(a, b), [3, 4], [4, 2]],
    ["transposeA", (a, b) => matmul(a, b, { transposeA: true }), [4, 3], [4, 2]],
    ["transposeB", (a, b) => matmul(a, b, { transposeB: true }), [3, 4], [2, 4]],
    ["both transposed", (a, b) => matmul(a, b, { transposeA: true, transposeB: true }), [4, 3], [2, 4]],
    ["batched, broadcasting batch axes", (a, b) => matmul(a, b), [2, 1, 3, 4], [5, 4, 2]],
    ["batched, transposeB", (a, b) => matmul(a, b, { transposeB: true }), [2, 3, 4], [2, 5, 4]],
  ];
  it.each(cases)("%s", async (_, f, shapeA, shapeB) => {
    await expectSameAsTapegrad(f, [values(shapeA, dtype, 11), values(shapeB, dtype, 12)]);
  });
});

describe("convolution and pooling (float32: onnxruntime has no double Conv or AveragePool kernel)", () => {
  const images = (shape: number[]) => values(shape, "float32", 13, -1, 1);
  const weights = (shape: number[]) => values(shape, "float32", 14, -0.5, 0.5);
  const cases: [string, (x: Tensor, w: Tensor) => Tensor, number[], number[]][] = [
    ["conv2d", (x, w) => conv2d(x, w), [2, 3, 8, 7], [4, 3, 3, 3]],
    ["conv2d with strides and uneven padding", (x, w) => conv2d(x, w, { stride: [2, 1], padding: [1, 2] }), [2, 3, 8, 7], [4, 3, 3, 2]],
    ["conv2d with padding 'same' on an even kernel", (x, w) => conv2d(x, w, { padding: "same" }), [1, 2, 6, 6], [3, 2, 4, 2]],
    ["conv2d with dilation and groups", (x, w) => conv2d(x, w, { dilation: [2, 1], groups: 2 }), [2, 4, 9, 8], [6, 2, 3, 3]],
    ["conv1d (a composite: reshapes around conv2d)", (x, w) => conv1d(x, w, { stride: 2, padding: 1 }), [2, 3, 11], [5, 3, 3]],
    ["conv1d with padding 'same' and dilation", (x, w) => conv1d(x, w, { padding: "same", dilation: 2 }), [2, 3, 11], [4, 3, 4]],
  ];
  it.each(cases)("%s", async (_, f, shapeX, shapeW) => {
    await expectSameAsTapegrad(f, [images(shapeX), weights(shapeW)]);
  });

  it.each([
    ["maxPool2d", (x: Tensor) => maxPool2d(x, { kernelSize: 2 })],
    ["maxPool2d with padding (as −∞) and stride", (x: Tensor) => maxPool2d(x, { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1] })],
    ["avgPool2d", (x: Tensor) => avgPool2d(x, { kernelSize: 2 })],
    ["avgPool2d with padding counted as zeros (count_include_pad)", (x: Tensor) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })],
  ] as const)("%s", async (_, f) => {
    await expectSameAsTapegrad(f, [images([2, 3, 7, 6])]);
  });

  it("maxPool2d runs in float64 too", async () => {
    await expectSameAsTapegrad((x) => maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [values([2, 3, 7, 6], "float64", 15)]);
  });
});

describe.each(DTYPES)("joining and cutting (%s)", (dtype) => {
  const x = () => values([2, 6, 3], dtype, 16);
  it("concat along an axis, and along a negative one", async () => {
    await expectSameAsTapegrad((a, b) => concat([a, b, a], 1), [x(), values([2, 2, 3], dtype, 17)]);
    await expectSameAsTapegrad((a, b) => concat([a, b], -1), [x(), values([2, 6, 1], dtype, 18)]);
  });
  it("slice", async () => {
    await expectSameAsTapegrad((t) => slice(t, [1, 2, 0], [1, 3, 2]), [x()]);
  });
  it("split and stack (composites of slice, concat and reshape), several outputs", async () => {
    await expectSameAsTapegrad((t) => split(t, [1, 2, 3], 1), [x()]);
    await expectSameAsTapegrad((t) => stack(split(t, 3, 1).map((part) => mul(part, 2)), 0), [x()]);
  });
  it("pad with a value", async () => {
    await expectSameAsTapegrad((t) => pad(t, [[0, 1], [2, 0], [1, 1]], -2.5), [x()]);
  });
});

describe.each(DTYPES)("indexing by int32 tensors (%s)", (dtype) => {
  it("gather along an axis, with a matrix of indices", async () => {
    const indices = tensor([[2, 0], [1, 1]], { dtype: "int32" });
    await expectSameAsTapegrad((t, i) => gather(t, i, 1), [values([3, 4], dtype, 19), indices]);
  });
  it("scatterAdd into zeros, repeated indices adding up", async () => {
    const indices = tensor([0, 2, 0], { dtype: "int32" });
    await expectSameAsTapegrad((i, u) => scatterAdd([2, 3, 2], i, u, 1), [indices, values([2, 3, 2], dtype, 20)]);
  });
});

describe.each(DTYPES)("losses (%s)", (dtype) => {
  const p = () => values([4, 3], dtype, 21, 0.05, 0.95);
  const y = () => tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]], { dtype });
  it("binaryCrossEntropy, its logs clamped at −100", async () => {
    await expectSameAsTapegrad((q, t) => binaryCrossEntropy(q, t), [p(), y()]);
    await expectSameAsTapegrad((q, t) => binaryCrossEntropy(q, t, { reduction: "none" }), [tensor([[0, 1, 0.5]], { dtype }), tensor([[1, 0, 1]], { dtype })]);
  });
  it("binaryCrossEntropyWithLogits (sigmoidCrossEntropy, then the mean)", async () => {
    await expectSameAsTapegrad((z, t) => binaryCrossEntropyWithLogits(z, t, { reduction: "sum" }), [values([4, 3], dtype, 22), y()]);
  });
  it("softmaxCrossEntropy, zero targets counting 0", async () => {
    const targets = tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0.5, 0.5, 0]], { dtype });
    await expectSameAsTapegrad((z, t) => softmaxCrossEntropy(z, t, { axis: 1, reduction: "none" }), [values([4, 3], dtype, 23), targets]);
  });
  it("mse (a composite)", async () => {
    await expectSameAsTapegrad((a, b) => mse(a, b), [p(), y()]);
  });
});

it("randn inputs of another batch run through a model exported on a small one only with dynamicBatch", async () => {
  const f = (x: Tensor) => softmax(matmul(x, transpose(x)), -1);
  const small = randn([2, 3], { seed: 1 });
  const large = randn([5, 3], { seed: 2 });
  await expect(expectSameAsTapegrad(f, [small], { feeds: [large] })).rejects.toThrow();
  // matmul(x, xᵀ) is batch × batch: both axes follow the batch.
  await expectSameAsTapegrad(f, [small], { feeds: [large], dynamicBatch: true });
});
