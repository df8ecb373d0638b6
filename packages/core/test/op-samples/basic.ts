import { tensor, type Tensor } from "../../src";
import { awayFromZero, positive, unitInterval } from "../helpers";
import type { Sample, SampleTable } from "./sample";

// Samples of the first ops tapegrad had, defined in ops/elementwise.ts, binary.ts,
// reduce.ts, movement.ts and losses.ts.

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

/** A cotangent g and a second input of its shape (a fused vjp's operands). */
const sameShapePairs = (makeY: (shape: number[], seed: number) => Tensor): Sample[] =>
  unaryShapes.map((shape, i) => ({ label: `shape [${shape}]`, inputs: [awayFromZero(shape, 60 + i), makeY(shape, 70 + i)] }));

const reduceSamples = (): Sample[] => [
  { label: "all axes", inputs: [awayFromZero([3, 4], 1)], attrs: { axes: [0, 1], keepDims: false } },
  { label: "axis 0", inputs: [awayFromZero([3, 4], 2)], attrs: { axes: [0], keepDims: false } },
  { label: "axis 1 keepDims", inputs: [awayFromZero([3, 4], 3)], attrs: { axes: [1], keepDims: true } },
  { label: "axes 0 and 2 of 3-D", inputs: [awayFromZero([2, 3, 4], 4)], attrs: { axes: [0, 2], keepDims: false } },
  { label: "middle axis keepDims", inputs: [awayFromZero([2, 3, 4], 5)], attrs: { axes: [1], keepDims: true } },
];

export const basicSamples: SampleTable = {
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
  tanhBackward: () => sameShapePairs(unitInterval),
  sigmoidBackward: () => sameShapePairs(unitInterval),
  reluBackward: () => sameShapePairs(awayFromZero),
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
  sigmoidCrossEntropy: () => [
    { label: "hard targets", inputs: [awayFromZero([3, 4], 1), tensor([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]])] },
    { label: "soft targets", inputs: [awayFromZero([5], 2), unitInterval([5], 3)] },
  ],
  binaryCrossEntropy: () => [
    { label: "hard targets", inputs: [unitInterval([3, 4], 4), tensor([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]])] },
    { label: "soft targets", inputs: [unitInterval([5], 5), unitInterval([5], 6)] },
  ],
  softmaxCrossEntropy: () => [
    { label: "one-hot rows, classes on axis 1", inputs: [awayFromZero([4, 3], 7), tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]])], attrs: { axis: 1 } },
    { label: "one-hot columns, classes on axis 0", inputs: [awayFromZero([3, 4], 8), tensor([[1, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0]])], attrs: { axis: 0 } },
    { label: "unnormalised soft targets, 3-D, middle axis", inputs: [awayFromZero([2, 3, 2], 9), unitInterval([2, 3, 2], 10)], attrs: { axis: 1 } },
  ],
};

