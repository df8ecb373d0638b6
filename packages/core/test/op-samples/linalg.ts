import { awayFromZero } from "../helpers";
import type { Sample, SampleTable } from "./sample";

// Samples of the ops defined in ops/linalg.ts.

// Batch axes of a and b: none (matrices), equal, one side only, and broadcast both ways
// (the size-1 and missing axes of one operand repeated along the other's).
const batchPairs: Array<[number[], number[]]> = [
  [[], []],
  [[2], [2]],
  [[2], []],
  [[], [2]],
  [[1], [2]],
  [[2, 1], [3]],
  [[1, 2], [3, 1]],
];

/** op(a) is m × k = 3 × 4 and op(b) is k × n = 4 × 2; a transposed operand is stored with its last two axes swapped. */
const operand = (batch: number[], rows: number, columns: number, transpose: boolean, seed: number) =>
  awayFromZero([...batch, ...(transpose ? [columns, rows] : [rows, columns])], seed);

const label = (shape: readonly number[], transpose: boolean) => `[${shape.join(", ")}]${transpose ? "ᵀ" : ""}`;

export const linalgSamples: SampleTable = {
  matmul: () =>
    [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ].flatMap(([transposeA, transposeB], i): Sample[] => {
      const attrs = { transposeA, transposeB };
      const products = batchPairs.map(([batchA, batchB], j): Sample => {
        const a = operand(batchA, 3, 4, transposeA, 50 + 10 * i + j);
        const b = operand(batchB, 4, 2, transposeB, 100 + 10 * i + j);
        return { label: `${label(a.shape, transposeA)}·${label(b.shape, transposeB)}`, inputs: [a, b], attrs };
      });
      const a = operand([], 3, 4, transposeA, 150 + i);
      const vector = operand([], 4, 1, transposeB, 160 + i);
      return [...products, { label: `${label(a.shape, transposeA)}·vector ${label(vector.shape, transposeB)}`, inputs: [a, vector], attrs }];
    }),
};
