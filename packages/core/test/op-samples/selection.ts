import { Random, tensor, type DType, type Tensor } from "../../src";
import { awayFromZero } from "../helpers";
import type { Sample, SampleTable } from "./sample";

// Samples of the ops defined in ops/selection.ts, of the comparisons greater and less
// (binary.ts), and of the reductions min and logsumexp (reduce.ts). The values of two
// inputs come from different seeds, so maximum, minimum and the comparisons meet no ties,
// where their derivative has a kink (ties are tested by hand in selection.test.ts).
// Attributes are given resolved, as the ops' wrappers pass them.

/** A 0/1 condition of the given dtype. */
function mask(shape: number[], seed: number, dtype: DType = "float64"): Tensor {
  const rng = new Random(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  return tensor(Array.from({ length: size }, () => (rng.uniform() < 0.5 ? 1 : 0)), { shape, dtype });
}

const broadcastPairs: Array<[number[], number[]]> = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[3, 1], [1, 4]],
  [[2, 3, 4], [3, 1]],
  [[3, 4], []],
  [[], [2, 2]],
];
const pairs = (): Sample[] =>
  broadcastPairs.map(([a, b], i) => ({ label: `[${a}] with [${b}]`, inputs: [awayFromZero(a, 20 + i), awayFromZero(b, 40 + i)] }));

const reductions = (): Sample[] => [
  { label: "all axes", inputs: [awayFromZero([3, 4], 1)], attrs: { axes: [0, 1], keepDims: false } },
  { label: "axis 0", inputs: [awayFromZero([3, 4], 2)], attrs: { axes: [0], keepDims: false } },
  { label: "axis 1 keepDims", inputs: [awayFromZero([3, 4], 3)], attrs: { axes: [1], keepDims: true } },
  { label: "axes 0 and 2 of 3-D", inputs: [awayFromZero([2, 3, 4], 4)], attrs: { axes: [0, 2], keepDims: false } },
  { label: "middle axis keepDims", inputs: [awayFromZero([2, 3, 4], 5)], attrs: { axes: [1], keepDims: true } },
  { label: "a vector", inputs: [awayFromZero([5], 6)], attrs: { axes: [0], keepDims: false } },
  { label: "a scalar", inputs: [awayFromZero([], 7)], attrs: { axes: [], keepDims: false } },
];

const argReductions = (): Sample[] => [
  { label: "matrix, axis 0", inputs: [awayFromZero([3, 4], 1)], attrs: { axis: 0 } },
  { label: "matrix, axis 1", inputs: [awayFromZero([3, 4], 2)], attrs: { axis: 1 } },
  { label: "3-D, middle axis", inputs: [awayFromZero([2, 3, 4], 3)], attrs: { axis: 1 } },
  { label: "vector", inputs: [awayFromZero([5], 4)], attrs: { axis: 0 } },
  { label: "an axis of size 1", inputs: [awayFromZero([3, 1], 5)], attrs: { axis: 1 } },
];

export const selectionSamples: SampleTable = {
  greater: pairs,
  less: pairs,
  maximum: pairs,
  minimum: pairs,
  where: () => [
    { label: "same shapes, float condition", inputs: [mask([3, 4], 1), awayFromZero([3, 4], 2), awayFromZero([3, 4], 3)] },
    { label: "condition [3, 1], a [4], b []", inputs: [mask([3, 1], 4), awayFromZero([4], 5), awayFromZero([], 6)] },
    { label: "int32 condition [4], a [3, 4], b [3, 1]", inputs: [mask([4], 7, "int32"), awayFromZero([3, 4], 8), awayFromZero([3, 1], 9)] },
    { label: "float32 condition [2, 3, 4], a [3, 1], b [4]", inputs: [mask([2, 3, 4], 10, "float32"), awayFromZero([3, 1], 11), awayFromZero([4], 12)] },
    { label: "scalar condition", inputs: [tensor(0), awayFromZero([2, 3], 13), awayFromZero([2, 3], 14)] },
  ],
  // awayFromZero values lie in ±[0.2, 1.5]; none of these is within 0.03 of its bounds.
  clip: () => [
    { label: "[-1, 1]", inputs: [awayFromZero([3, 4], 1)], attrs: { min: -1, max: 1 } },
    { label: "[0, ∞), as relu", inputs: [awayFromZero([2, 3, 2], 2)], attrs: { min: 0, max: Infinity } },
    { label: "(-∞, 0.5]", inputs: [awayFromZero([5], 3)], attrs: { min: -Infinity, max: 0.5 } },
    { label: "a scalar inside", inputs: [tensor(0.7)], attrs: { min: -1, max: 1 } },
  ],
  min: reductions,
  logsumexp: reductions,
  argmax: argReductions,
  argmin: argReductions,
};
