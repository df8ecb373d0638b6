import { describe, expect, it } from "vitest";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  logSoftmax,
  matmul,
  mean,
  mse,
  registeredOps,
  softmax,
  softmaxCrossEntropy,
  tensor,
  type Tensor,
} from "../src";
import { gradcheck } from "../src/testing";
import { awayFromZero, fromStridedView, oneHot, positive, unitInterval } from "./helpers";

// Every registered op must have samples here: adding an op without them fails the first
// test, so no op goes without a finite-difference check of its vjp.

interface Sample {
  label: string;
  inputs: Tensor[];
  attrs?: unknown;
  /** Second-order checks are skipped only where the first derivative itself has a kink nearby. */
  secondOrder?: boolean;
}

const unaryShapes: number[][] = [[], [5], [3, 4], [2, 3, 2]];
const unary = (make: (shape: number[], seed: number) => Tensor): Sample[] =>
  unaryShapes.map((shape, i) => ({ label: `shape [${shape}]`, inputs: [make(shape, 10 + i)] }));

const broadcastPairs: Array<[number[], number[]]> = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[3, 4], [3, 1]],
  [[1, 4], [3, 1]],
  [[2, 3, 4], [3, 1]],
  [[3, 4], []],
  [[], [2, 2]],
];
const binary = (makeY: (shape: number[], seed: number) => Tensor = awayFromZero): Sample[] =>
  broadcastPairs.map(([a, b], i) => ({
    label: `[${a}] with [${b}]`,
    inputs: [awayFromZero(a, 20 + i), makeY(b, 40 + i)],
  }));

const reduceSamples = (): Sample[] => [
  { label: "all axes", inputs: [awayFromZero([3, 4], 1)], attrs: { axes: [0, 1], keepDims: false } },
  { label: "axis 0", inputs: [awayFromZero([3, 4], 2)], attrs: { axes: [0], keepDims: false } },
  { label: "axis 1 keepDims", inputs: [awayFromZero([3, 4], 3)], attrs: { axes: [1], keepDims: true } },
  { label: "axes 0 and 2 of 3-D", inputs: [awayFromZero([2, 3, 4], 4)], attrs: { axes: [0, 2], keepDims: false } },
  { label: "middle axis keepDims", inputs: [awayFromZero([2, 3, 4], 5)], attrs: { axes: [1], keepDims: true } },
];

const samples: Record<string, () => Sample[]> = {
  identity: () => unary(awayFromZero),
  neg: () => unary(awayFromZero),
  exp: () => unary(awayFromZero),
  log: () => unary(positive),
  sqrt: () => unary(positive),
  square: () => unary(awayFromZero),
  pow: () => [
    ...[3, 2, 1, 0, -1].map((exponent) => ({ label: `x^${exponent}`, inputs: [awayFromZero([3, 4], exponent + 5)], attrs: { exponent } })),
    ...[0.5, 2.5, -1.5].map((exponent) => ({ label: `x^${exponent}`, inputs: [positive([2, 3], 9)], attrs: { exponent } })),
  ],
  tanh: () => unary(awayFromZero),
  sigmoid: () => unary(awayFromZero),
  relu: () => unary(awayFromZero),
  abs: () => unary(awayFromZero),
  sign: () => unary(awayFromZero),
  step: () => unary(awayFromZero),
  add: () => binary(),
  sub: () => binary(),
  mul: () => binary(),
  div: () => binary(),
  equal: () => [
    { label: "no ties", inputs: [awayFromZero([3, 4], 1), awayFromZero([4], 2)] },
    { label: "with ties", inputs: [tensor([[1, 2], [3, 4]]), tensor([1, 5])] },
  ],
  addScaled: () => [
    { label: "alpha 0.5", inputs: [awayFromZero([3, 4], 1), awayFromZero([3, 4], 2)], attrs: { alpha: 0.5 } },
    { label: "alpha -2, vectors", inputs: [awayFromZero([5], 3), awayFromZero([5], 4)], attrs: { alpha: -2 } },
  ],
  sum: reduceSamples,
  max: reduceSamples,
  reshape: () => [
    { label: "[3, 4] to [2, 6]", inputs: [awayFromZero([3, 4], 1)], attrs: { shape: [2, 6] } },
    { label: "[2, 3, 2] to [12]", inputs: [awayFromZero([2, 3, 2], 2)], attrs: { shape: [12] } },
    { label: "[] to [1, 1]", inputs: [awayFromZero([], 3)], attrs: { shape: [1, 1] } },
  ],
  transpose: () => [
    { label: "matrix", inputs: [awayFromZero([3, 4], 1)], attrs: { perm: [1, 0] } },
    { label: "3-D permutation", inputs: [awayFromZero([2, 3, 4], 2)], attrs: { perm: [2, 0, 1] } },
    { label: "identity permutation", inputs: [awayFromZero([2, 3], 3)], attrs: { perm: [0, 1] } },
  ],
  broadcastTo: () => [
    { label: "[4] to [3, 4]", inputs: [awayFromZero([4], 1)], attrs: { shape: [3, 4] } },
    { label: "[3, 1] to [2, 3, 4]", inputs: [awayFromZero([3, 1], 2)], attrs: { shape: [2, 3, 4] } },
    { label: "[] to [2, 2]", inputs: [awayFromZero([], 3)], attrs: { shape: [2, 2] } },
  ],
  astype: () => [
    { label: "a float64 copy", inputs: [awayFromZero([3, 4], 1)], attrs: { dtype: "float64" } },
  ],
  matmul: () =>
    [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ].flatMap(([transposeA, transposeB], i) => {
      const a = awayFromZero(transposeA ? [4, 3] : [3, 4], 50 + i);
      const b = awayFromZero(transposeB ? [2, 4] : [4, 2], 60 + i);
      const vector = awayFromZero(transposeB ? [1, 4] : [4, 1], 70 + i);
      return [
        { label: `a${transposeA ? "ᵀ" : ""}·b${transposeB ? "ᵀ" : ""}`, inputs: [a, b], attrs: { transposeA, transposeB } },
        { label: `a${transposeA ? "ᵀ" : ""}·vector`, inputs: [a, vector], attrs: { transposeA, transposeB } },
      ];
    }),
  sigmoidCrossEntropy: () => [
    { label: "hard targets", inputs: [awayFromZero([3, 4], 1), tensor([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]])] },
    { label: "soft targets", inputs: [awayFromZero([5], 2), unitInterval([5], 3)] },
  ],
};

const ops = registeredOps();

describe("the op registry", () => {
  it("has samples for every registered op, so that each one is gradient-checked", () => {
    const missing = [...ops.keys()].filter((name) => !(name in samples));
    expect(missing).toEqual([]);
  });

  it("has no samples for ops that do not exist", () => {
    expect(Object.keys(samples).filter((name) => !ops.has(name))).toEqual([]);
  });
});

describe.each([...ops.keys()].filter((name) => name in samples))("op %s", (name) => {
  const op = ops.get(name)!;
  const cases = samples[name]();
  const apply = (sample: Sample) => (...inputs: Tensor[]) => op.apply(inputs, sample.attrs);

  it.each(cases.map((sample) => [sample.label, sample] as const))("vjp matches finite differences: %s", (_, sample) => {
    const result = gradcheck(apply(sample), sample.inputs, { atol: 1e-7, rtol: 1e-6 });
    expect(result.ok, result.summary).toBe(true);
  });

  it.each(cases.map((sample) => [sample.label, sample] as const))("gradient of the gradient matches finite differences: %s", (_, sample) => {
    const result = gradcheck(apply(sample), sample.inputs, { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(result.ok, result.summary).toBe(true);
  });

  it.each(cases.map((sample) => [sample.label, sample] as const))("gives the same values and gradients on strided inputs: %s", (_, sample) => {
    const strided = sample.inputs.map(fromStridedView);
    expect(apply(sample)(...strided).toArray()).toEqual(apply(sample)(...sample.inputs).toArray());
    const result = gradcheck(apply(sample), strided, { atol: 1e-7, rtol: 1e-6 });
    expect(result.ok, result.summary).toBe(true);
  });
});

describe("composite functions", () => {
  const logits = awayFromZero([4, 3], 7);
  const composites: Array<[string, (...xs: Tensor[]) => Tensor, Tensor[]]> = [
    ["mean over all axes", (x) => mean(x), [awayFromZero([3, 4], 1)]],
    ["mean over axis 1 keepDims", (x) => mean(x, 1, true), [awayFromZero([3, 4], 2)]],
    ["mean over axes [0, 2]", (x) => mean(x, [0, 2]), [awayFromZero([2, 3, 4], 3)]],
    ["softmax over rows", (x) => softmax(x, 1), [logits]],
    ["softmax over columns", (x) => softmax(x, 0), [logits]],
    ["logSoftmax", (x) => logSoftmax(x, -1), [logits]],
    ["binaryCrossEntropy", (p, y) => binaryCrossEntropy(p, y), [unitInterval([3, 4], 1), unitInterval([3, 4], 2)]],
    ["binaryCrossEntropy sum", (p, y) => binaryCrossEntropy(p, y, { reduction: "sum" }), [unitInterval([6], 3), unitInterval([6], 4)]],
    ["binaryCrossEntropyWithLogits", (z, y) => binaryCrossEntropyWithLogits(z, y), [awayFromZero([3, 4], 5), unitInterval([3, 4], 6)]],
    ["binaryCrossEntropyWithLogits none", (z, y) => binaryCrossEntropyWithLogits(z, y, { reduction: "none" }), [awayFromZero([2, 3], 7), unitInterval([2, 3], 8)]],
    ["softmaxCrossEntropy, classes as columns (axis 1)", (z) => softmaxCrossEntropy(z, oneHot([0, 2, 1, 1], 3), { axis: 1 }), [logits]],
    ["softmaxCrossEntropy, classes as rows (axis 0)", (z) => softmaxCrossEntropy(z, oneHot([0, 2, 1], 4, 0), { axis: 0 }), [logits]],
    ["softmaxCrossEntropy none", (z, y) => softmaxCrossEntropy(z, y, { reduction: "none" }), [logits, unitInterval([4, 3], 9)]],
    ["mse", (p, y) => mse(p, y), [awayFromZero([3, 4], 10), awayFromZero([3, 4], 11)]],
    ["mse sum", (p, y) => mse(p, y, { reduction: "sum" }), [awayFromZero([5], 12), awayFromZero([5], 13)]],
    ["matmul chain", (a, b, c) => matmul(matmul(a, b), c, { transposeB: true }), [awayFromZero([2, 3], 1), awayFromZero([3, 4], 2), awayFromZero([5, 4], 3)]],
  ];

  it.each(composites)("%s: gradients and second-order gradients match finite differences", (_, f, inputs) => {
    const first = gradcheck(f, inputs, { atol: 1e-7, rtol: 1e-6 });
    expect(first.ok, first.summary).toBe(true);
    const second = gradcheck(f, inputs, { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(second.ok, second.summary).toBe(true);
  });
});
