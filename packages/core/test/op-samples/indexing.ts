import { tensor, type NestedArray } from "../../src";
import { awayFromZero } from "../helpers";
import type { SampleTable } from "./sample";

// Samples of the ops defined in ops/indexing.ts. The indices are int32 inputs, which
// gradcheck passes through unchecked. Axes are given as a caller would, negative ones included.

const int = (values: NestedArray) => tensor(values, { dtype: "int32" });

export const indexingSamples: SampleTable = {
  gather: () => [
    { label: "rows of a matrix (an embedding lookup)", inputs: [awayFromZero([5, 3], 1), int([2, 0, 4])], attrs: { axis: 0 } },
    { label: "repeated rows", inputs: [awayFromZero([4, 3], 2), int([1, 3, 1, 1])], attrs: { axis: 0 } },
    { label: "columns with 2-D indices", inputs: [awayFromZero([3, 4], 3), int([[0, 3], [2, 2]])], attrs: { axis: 1 } },
    { label: "3-D along axis -1", inputs: [awayFromZero([2, 3, 4], 4), int([3, 0, 1])], attrs: { axis: -1 } },
    { label: "3-D along axis -2, 2-D indices with repeats", inputs: [awayFromZero([2, 3, 2], 5), int([[2, 0], [2, 1]])], attrs: { axis: -2 } },
    { label: "a scalar index", inputs: [awayFromZero([3, 4], 6), int(1)], attrs: { axis: 0 } },
  ],
  scatterAdd: () => [
    { label: "rows, repeated", inputs: [int([1, 3, 1]), awayFromZero([3, 3], 1)], attrs: { shape: [4, 3], axis: 0 } },
    { label: "axis 1 of a matrix", inputs: [int([4, 0, 4, 2]), awayFromZero([3, 4], 2)], attrs: { shape: [3, 5], axis: 1 } },
    { label: "3-D along axis -1, 2-D indices", inputs: [int([[0, 3], [3, 3]]), awayFromZero([2, 3, 2, 2], 3)], attrs: { shape: [2, 3, 4], axis: -1 } },
    { label: "3-D along axis -2", inputs: [int([2, 2]), awayFromZero([2, 2, 2], 4)], attrs: { shape: [2, 3, 2], axis: -2 } },
  ],
  // oneHot has only an int32 input: nothing to differentiate, and so no second order to check.
  oneHot: () => [
    { label: "a vector of labels", inputs: [int([0, 2, 1])], attrs: { depth: 3, dtype: "float64" }, secondOrder: false },
    { label: "2-D labels", inputs: [int([[1, 0], [3, 3]])], attrs: { depth: 4, dtype: "float64" }, secondOrder: false },
  ],
};
