import { describe, expect, it } from "vitest";
import { grad, matmul, sum, tanh, tensor, zeros, type Tensor } from "../src";
import { gradcheck } from "../src/testing";
import { awayFromZero } from "./helpers";

// matmul on batches of matrices, as numpy's and PyTorch's matmul: the last two axes are
// the matrices, the leading axes broadcast. These tests run under whichever kernel
// TAPEGRAD_MATMUL_KERNEL forces (js, wasm, or the automatic choice).

/** The matrix at batch position `index` of x (index over x's own batch axes), as a 2-D tensor. */
function matrixAt(x: Tensor, index: number[]): Tensor {
  const [rows, columns] = x.shape.slice(-2);
  let offset = 0;
  x.shape.slice(0, -2).forEach((dim, axis) => (offset = offset * dim + index[axis]));
  return tensor(x.data.slice(offset * rows * columns, (offset + 1) * rows * columns), { shape: [rows, columns] });
}

/** Every multi-index of a shape, row-major. */
function positions(shape: number[]): number[][] {
  let all: number[][] = [[]];
  for (const dim of shape) all = all.flatMap((index) => Array.from({ length: dim }, (_, i) => [...index, i]));
  return all;
}

/** The batched product computed as a loop of 2-D matmuls, reading broadcast batch axes by hand. */
function perSlice(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): { shape: number[]; values: number[] } {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const padA = [...Array(rank - batchA.length).fill(1), ...batchA];
  const padB = [...Array(rank - batchB.length).fill(1), ...batchB];
  const batch = padA.map((dim, axis) => Math.max(dim, padB[axis]));
  const values: number[] = [];
  for (const index of positions(batch)) {
    // The operand's own batch index: 0 on its size-1 axes, its missing leading axes dropped.
    const own = (pad: number[], depth: number) => index.map((i, axis) => (pad[axis] === 1 ? 0 : i)).slice(rank - depth);
    const slice = matmul(matrixAt(a, own(padA, batchA.length)), matrixAt(b, own(padB, batchB.length)), { transposeA, transposeB });
    values.push(...slice.data);
  }
  const m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  return { shape: [...batch, m, n], values };
}

const transposes = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** a of batch shape `batchA` with op(a) m × k, b of batch shape `batchB` with op(b) k × n. */
function operands(batchA: number[], batchB: number[], [m, k, n]: number[], transposeA: boolean, transposeB: boolean, seed: number): [Tensor, Tensor] {
  const a = awayFromZero([...batchA, ...(transposeA ? [k, m] : [m, k])], seed);
  const b = awayFromZero([...batchB, ...(transposeB ? [n, k] : [k, n])], seed + 1);
  return [a, b];
}

describe("matmul on batches, by hand", () => {
  const a = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]); // [2, 2, 2]
  const b = tensor([[1, 0], [1, 1]]); //                      [2, 2]

  it("multiplies each matrix of a [2, 2, 2] stack by one [2, 2] matrix", () => {
    // [[1, 2], [3, 4]]·b = [[1 + 2, 2], [3 + 4, 4]], [[5, 6], [7, 8]]·b = [[5 + 6, 6], [7 + 8, 8]]
    expect(matmul(a, b).toArray()).toEqual([[[3, 2], [7, 4]], [[11, 6], [15, 8]]]);
  });

  it("multiplies one matrix by each matrix of a stack", () => {
    const swaps = tensor([[[1, 0], [0, 1]], [[0, 1], [1, 0]]]); // the identity, then the swap of columns
    expect(matmul(tensor([[1, 2], [3, 4]]), swaps).toArray()).toEqual([[[1, 2], [3, 4]], [[2, 1], [4, 3]]]);
  });

  it("multiplies matching matrices of two stacks", () => {
    const c = tensor([[[1, 1], [0, 1]], [[2, 0], [0, 2]]]);
    // [[1, 2], [3, 4]]·[[1, 1], [0, 1]] = [[1, 3], [3, 7]]; [[5, 6], [7, 8]]·2I = [[10, 12], [14, 16]]
    expect(matmul(a, c).toArray()).toEqual([[[1, 3], [3, 7]], [[10, 12], [14, 16]]]);
  });

  it("transposes the last two axes of each matrix, not the batch axis", () => {
    // [[1, 3], [2, 4]]·b = [[4, 3], [6, 4]]; [[5, 7], [6, 8]]·b = [[12, 7], [14, 8]]
    expect(matmul(a, b, { transposeA: true }).toArray()).toEqual([[[4, 3], [6, 4]], [[12, 7], [14, 8]]]);
    // [[1, 2], [3, 4]]·bᵀ = [[1, 3], [3, 7]]; [[5, 6], [7, 8]]·bᵀ = [[5, 11], [7, 15]]
    expect(matmul(a, b, { transposeB: true }).toArray()).toEqual([[[1, 3], [3, 7]], [[5, 11], [7, 15]]]);
    // aᵀ·a per matrix: [[10, 14], [14, 20]] and [[74, 86], [86, 100]]
    expect(matmul(a, a, { transposeA: true }).toArray()).toEqual([[[10, 14], [14, 20]], [[74, 86], [86, 100]]]);
    // a·aᵀ per matrix, aᵀ·aᵀ = (a·a)ᵀ per matrix: a·a = [[7, 10], [15, 22]] and [[67, 78], [91, 106]]
    expect(matmul(a, a, { transposeB: true }).toArray()).toEqual([[[5, 11], [11, 25]], [[61, 83], [83, 113]]]);
    expect(matmul(a, a, { transposeA: true, transposeB: true }).toArray()).toEqual([[[7, 15], [10, 22]], [[67, 91], [78, 106]]]);
  });

  it("broadcasts batch axes in both directions: [2, 1, 1, 2] with [3, 2, 1] gives [2, 3, 1, 1]", () => {
    const rows = tensor([[[[1, 2]]], [[[3, 4]]]]); //                 the rows [1, 2] and [3, 4]
    const columns = tensor([[[1], [0]], [[0], [1]], [[1], [1]]]); // the columns [1, 0], [0, 1] and [1, 1]
    const out = matmul(rows, columns);
    expect(out.shape).toEqual([2, 3, 1, 1]);
    // out[i, j] = rows[i]·columns[j]
    expect(out.toArray()).toEqual([[[[1]], [[2]], [[3]]], [[[3]], [[4]], [[7]]]]);
  });

  it("sums the gradient over the broadcast batch axis: d sum(a·b) for a [2, 2, 2], b [2, 2]", () => {
    const [dA, dB] = grad((x: Tensor, y: Tensor) => sum(matmul(x, y)))(a, b);
    // g is all ones: dA[s, i, p] = Σ_j b[p, j] (the row sums of b, 1 and 2);
    // dB[p, j] = Σ_s Σ_i a[s, i, p] (column sums over both matrices: 1 + 3 + 5 + 7, 2 + 4 + 6 + 8).
    expect(dA.toArray()).toEqual([[[1, 2], [1, 2]], [[1, 2], [1, 2]]]);
    expect(dB.toArray()).toEqual([[16, 16], [20, 20]]);
  });

  it("sums the gradient over broadcast axes of both operands, and keeps their shapes", () => {
    const rows = tensor([[[[1, 2]]], [[[3, 4]]]]); //             [2, 1, 1, 2]
    const columns = tensor([[[1], [0]], [[0], [1]], [[1], [1]]]); // [3, 2, 1]
    const [dRows, dColumns] = grad((x: Tensor, y: Tensor) => sum(matmul(x, y)))(rows, columns);
    // Each row meets every column: d/drows[i] = Σ_j columns[j] = [2, 2]; each column meets
    // every row: d/dcolumns[j] = Σ_i rows[i] = [4, 6].
    expect(dRows.toArray()).toEqual([[[[2, 2]]], [[[2, 2]]]]);
    expect(dColumns.toArray()).toEqual([[[4], [6]], [[4], [6]], [[4], [6]]]);
  });
});

describe("matmul on batches, against a loop of 2-D products", () => {
  const batchPairs: Array<[number[], number[]]> = [
    [[3], [3]],
    [[3], []],
    [[], [3]],
    [[1], [4]],
    [[4], [1]],
    [[2, 1], [5]],
    [[5], [2, 1]],
    [[2, 1, 3], [4, 1]],
    [[1, 3, 1], [2, 1, 2]],
  ];
  const sizes = [[3, 4, 5], [1, 1, 1], [6, 17, 9], [16, 16, 16]];
  const cases = batchPairs.flatMap(([batchA, batchB]) =>
    sizes.flatMap((size) => transposes.map(([tA, tB]) => ({ batchA, batchB, size, tA, tB }))),
  );

  it.each(cases)("[$batchA] with [$batchB], op(a)·op(b) of $size, transposeA=$tA transposeB=$tB", ({ batchA, batchB, size, tA, tB }) => {
    const [a, b] = operands(batchA, batchB, size, tA, tB, 7);
    const out = matmul(a, b, { transposeA: tA, transposeB: tB });
    const expected = perSlice(a, b, tA, tB);
    expect(out.shape).toEqual(expected.shape);
    const worst = Math.max(0, ...expected.values.map((e, i) => Math.abs(out.data[i] - e) / Math.max(1, Math.abs(e))));
    expect(worst).toBeLessThan(1e-12);
  });

  it("keeps float32", () => {
    const [a, b] = operands([2, 1], [3], [4, 5, 6], false, true, 3);
    const out = matmul(tensor(a, { dtype: "float32" }), tensor(b, { dtype: "float32" }), { transposeB: true });
    expect(out.dtype).toBe("float32");
    expect(out.shape).toEqual([2, 3, 4, 6]);
    const expected = perSlice(a, b, false, true).values;
    expect(Math.max(...expected.map((e, i) => Math.abs(out.data[i] - e)))).toBeLessThan(1e-5);
  });
});

describe("matmul output shapes", () => {
  it("broadcasts [2, 1, 3, 4] with [5, 4, 6] to [2, 5, 3, 6]", () => {
    expect(matmul(zeros([2, 1, 3, 4]), zeros([5, 4, 6])).shape).toEqual([2, 5, 3, 6]);
    expect(matmul(zeros([5, 4, 6]), zeros([2, 1, 6, 3])).shape).toEqual([2, 5, 4, 3]);
    expect(matmul(zeros([2, 1, 4, 3]), zeros([5, 6, 4]), { transposeA: true, transposeB: true }).shape).toEqual([2, 5, 3, 6]);
  });

  it("handles empty batches and empty matrices as numpy does", () => {
    expect(matmul(zeros([0, 3, 4]), zeros([4, 5])).shape).toEqual([0, 3, 5]);
    expect(matmul(zeros([0, 1, 3, 4]), zeros([2, 4, 5])).shape).toEqual([0, 2, 3, 5]);
    expect(matmul(zeros([2, 0, 4]), zeros([2, 4, 5])).shape).toEqual([2, 0, 5]);
    // k = 0: sums of no terms, so zeros.
    const empty = matmul(zeros([2, 3, 0]), zeros([2, 0, 4]));
    expect(empty.shape).toEqual([2, 3, 4]);
    expect([...empty.data]).toEqual(new Array(24).fill(0));
  });
});

describe("matmul gradients on batches", () => {
  const pairs: Array<[number[], number[]]> = [
    [[2, 1], [3]],
    [[3], []],
    [[], [1, 2]],
  ];
  const cases = pairs.flatMap(([batchA, batchB]) => transposes.map(([tA, tB]) => ({ batchA, batchB, tA, tB })));

  it.each(cases)("[$batchA] with [$batchB], transposeA=$tA transposeB=$tB: first and second order", ({ batchA, batchB, tA, tB }) => {
    const [a, b] = operands(batchA, batchB, [3, 2, 4], tA, tB, 11);
    const f = (x: Tensor, y: Tensor) => tanh(matmul(x, y, { transposeA: tA, transposeB: tB }));
    const first = gradcheck(f, [a, b], { atol: 1e-7, rtol: 1e-6 });
    expect(first.ok, first.summary).toBe(true);
    const second = gradcheck(f, [a, b], { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(second.ok, second.summary).toBe(true);
  });

  it("gives each operand a gradient of its own shape", () => {
    const [a, b] = operands([2, 1], [5], [3, 4, 6], false, false, 1);
    const [dA, dB] = grad((x: Tensor, y: Tensor) => sum(matmul(x, y)))(a, b);
    expect(dA.shape).toEqual([2, 1, 3, 4]);
    expect(dB.shape).toEqual([5, 4, 6]);
  });
});

describe("matmul errors", () => {
  it("refuses vectors and scalars, saying how to reshape a vector", () => {
    const message = (got: string, i: number, name: string) =>
      `matmul: expects tensors of rank 2 or more (matrices, or batches of them), got ${got} as input ${i} ('${name}'); ` +
      `reshape a vector of n values to [1, n] (a row) or [n, 1] (a column)`;
    expect(() => matmul(zeros([3]), zeros([3, 1]))).toThrow(message("a tensor of rank 1 (shape [3])", 0, "a"));
    expect(() => matmul(zeros([2, 3, 4]), zeros([4]))).toThrow(message("a tensor of rank 1 (shape [4])", 1, "b"));
    expect(() => matmul(tensor(2), zeros([1, 1]))).toThrow(message("a tensor of rank 0 (shape [])", 0, "a"));
    expect(() => matmul(undefined as unknown as Tensor, zeros([1, 1]))).toThrow(message("undefined", 0, "a"));
  });

  it("names both shapes when the inner dimensions of batched operands differ", () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([2, 5, 6]))).toThrow(
      "matmul: inner dimensions do not match: a has shape [2, 3, 4] and b has shape [2, 5, 6], so a·b would multiply 4 columns by 5 rows",
    );
    expect(() => matmul(zeros([2, 3, 4]), zeros([5, 6]), { transposeA: true, transposeB: true })).toThrow(
      "matmul: inner dimensions do not match: a has shape [2, 3, 4] and b has shape [5, 6], so aᵀ·bᵀ would multiply 3 columns by 6 rows",
    );
  });

  it("names both shapes and each pair of batch axes that do not broadcast", () => {
    const rule = "Batch axes (all but the last two) are aligned on the right and must be equal or 1 in one operand";
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(
      "matmul: the batch axes of a (shape [2, 3, 4]) and b (shape [3, 4, 5]) cannot be broadcast together: " +
        `axis 0 of a has size 2 and axis 0 of b has size 3. ${rule}`,
    );
    // Aligned on the right: axis 1 of a meets axis 0 of b, axis 0 of a has nothing to meet.
    expect(() => matmul(zeros([2, 3, 3, 4]), zeros([5, 4, 6]))).toThrow(
      "matmul: the batch axes of a (shape [2, 3, 3, 4]) and b (shape [5, 4, 6]) cannot be broadcast together: " +
        `axis 1 of a has size 3 and axis 0 of b has size 5. ${rule}`,
    );
    expect(() => matmul(zeros([2, 1, 3, 3, 4]), zeros([4, 6, 2, 4, 6]))).toThrow(
      "matmul: the batch axes of a (shape [2, 1, 3, 3, 4]) and b (shape [4, 6, 2, 4, 6]) cannot be broadcast together: " +
        `axis 0 of a has size 2 and axis 0 of b has size 4; axis 2 of a has size 3 and axis 2 of b has size 2. ${rule}`,
    );
  });

  it("refuses int32 operands", () => {
    const indices = tensor([[1, 2], [3, 4]], { dtype: "int32" });
    expect(() => matmul(indices, zeros([2, 2, 2]))).toThrow(/matmul: input 0 \('a'\) is int32/);
  });
});
