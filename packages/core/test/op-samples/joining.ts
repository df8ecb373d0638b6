import type { Tensor } from "../../src";
import { awayFromZero } from "../helpers";
import type { SampleTable } from "./sample";

// Samples of the ops defined in ops/joining.ts (stack and split are compositions of these).
// Axes are given as a caller would, negative ones included: the ops resolve them.

const concatCase = (label: string, shapes: number[][], axis: number, seed: number) => ({
  label,
  inputs: shapes.map((shape, i): Tensor => awayFromZero(shape, seed + i)),
  attrs: { axis },
});

export const joiningSamples: SampleTable = {
  concat: () => [
    concatCase("two matrices along axis 0", [[2, 3], [1, 3]], 0, 1),
    concatCase("three matrices along axis 1", [[2, 1], [2, 3], [2, 2]], 1, 4),
    concatCase("3-D along axis -1", [[2, 3, 1], [2, 3, 2]], -1, 7),
    concatCase("3-D along the middle axis, -2", [[2, 1, 2], [2, 3, 2]], -2, 9),
    concatCase("with an empty input", [[2, 0], [2, 3]], 1, 11),
    concatCase("a single input", [[3, 2]], 0, 13),
    concatCase("vectors", [[2], [3], [1]], 0, 14),
  ],
  slice: () => [
    { label: "a block of a matrix", inputs: [awayFromZero([4, 5], 1)], attrs: { begin: [1, 2], size: [2, 3] } },
    { label: "a middle run of a vector", inputs: [awayFromZero([6], 2)], attrs: { begin: [2], size: [3] } },
    { label: "3-D, whole trailing axes", inputs: [awayFromZero([3, 2, 4], 3)], attrs: { begin: [1, 0, 0], size: [2, 2, 4] } },
    { label: "3-D, every axis cut", inputs: [awayFromZero([3, 4, 5], 4)], attrs: { begin: [1, 1, 2], size: [2, 2, 3] } },
    { label: "an empty slice", inputs: [awayFromZero([3, 4], 5)], attrs: { begin: [1, 4], size: [2, 0] } },
  ],
  pad: () => [
    { label: "a matrix with zeros", inputs: [awayFromZero([2, 3], 1)], attrs: { paddings: [[1, 2], [0, 1]], value: 0 } },
    { label: "a vector with 2.5", inputs: [awayFromZero([4], 2)], attrs: { paddings: [[2, 1]], value: 2.5 } },
    { label: "3-D, one axis only", inputs: [awayFromZero([2, 3, 2], 3)], attrs: { paddings: [[0, 0], [1, 1], [0, 0]], value: -1 } },
    { label: "3-D, every axis", inputs: [awayFromZero([2, 2, 3], 4)], attrs: { paddings: [[1, 0], [0, 2], [3, 1]], value: 0 } },
    { label: "a scalar (nothing to pad)", inputs: [awayFromZero([], 5)], attrs: { paddings: [], value: 0 } },
  ],
};
