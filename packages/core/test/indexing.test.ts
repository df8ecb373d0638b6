import { describe, expect, it } from "vitest";
import { gather, grad, mul, oneHot, scatterAdd, square, sum, tensor, zeros, type NestedArray, type Tensor } from "../src";
import { gradcheck } from "../src/testing";
import { awayFromZero } from "./helpers";

const int = (values: NestedArray) => tensor(values, { dtype: "int32" });

describe("gather, computed by hand", () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);

  it("looks up rows along axis 0, as an embedding does", () => {
    expect(gather(x, int([2, 0, 1]), 0).toArray()).toEqual([[5, 6], [1, 2], [3, 4]]);
  });

  it("repeats rows for repeated indices", () => {
    expect(gather(x, int([1, 1, 0, 1]), 0).toArray()).toEqual([[3, 4], [3, 4], [1, 2], [3, 4]]);
  });

  it("picks columns along axis 1 (and -1)", () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(gather(m, int([2, 0]), 1).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(gather(m, int([2, 0]), -1).toArray()).toEqual([[3, 1], [6, 4]]);
  });

  it("puts the shape of 2-D indices in place of the axis", () => {
    // Along axis 0: out[i][j] = x[indices[i][j]], of shape [2, 2] + [2].
    expect(gather(x, int([[0, 1], [2, 0]]), 0).toArray()).toEqual([[[1, 2], [3, 4]], [[5, 6], [1, 2]]]);
    // Along axis 1 of a [2, 3] matrix: out[r][i][j] = m[r][indices[i][j]], of shape [2] + [2, 1].
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(gather(m, int([[0], [2]]), 1).toArray()).toEqual([[[1], [3]], [[4], [6]]]);
  });

  it("drops the axis for a scalar index", () => {
    expect(gather(x, int(1), 0).toArray()).toEqual([3, 4]);
    expect(gather(x, int(0), 1).toArray()).toEqual([1, 3, 5]);
  });

  it("gathers along the middle axis of a 3-D tensor", () => {
    // y[i][j][k] = 100i + 10j + k, of shape [2, 3, 2].
    const y = tensor([0, 1].map((i) => [0, 1, 2].map((j) => [0, 1].map((k) => 100 * i + 10 * j + k))));
    expect(gather(y, int([2, 2, 0]), -2).toArray()).toEqual([
      [[20, 21], [20, 21], [0, 1]],
      [[120, 121], [120, 121], [100, 101]],
    ]);
  });

  it("gathers from int32 tensors", () => {
    const out = gather(int([[7, 8], [9, 10]]), int([1, 0, 1]), 0);
    expect(out.dtype).toBe("int32");
    expect(out.toArray()).toEqual([[9, 10], [7, 8], [9, 10]]);
  });

  it("puts the rows of w at the gathered rows, summed for repeats", () => {
    // f = Σ w·gather(x, [1, 3, 1], 0): row 1 of ∂f/∂x is w₀ + w₂, row 3 is w₁, the others 0.
    const w = tensor([[1, 2], [3, 4], [5, 6]]);
    const indices = int([1, 3, 1]);
    const [dx, dIndices] = grad((x: Tensor, i: Tensor) => sum(mul(w, gather(x, i, 0))))(zeros([4, 2]), indices);
    expect(dx.toArray()).toEqual([[0, 0], [1 + 5, 2 + 6], [0, 0], [3, 4]]);
    expect(dIndices).toBeNull();
  });

  it("has the second derivative of a sum of squares of gathered rows", () => {
    // f = Σ gather(x, i, 0)² = Σ_r c_r·x_r² with c the count of each row in i, so ∂f/∂x_r = 2c_r·x_r,
    // and h = Σ v·∂f/∂x has ∂h/∂x_r = 2c_r·v_r. With i = [1, 3, 1]: c = [0, 2, 0, 1].
    const indices = int([1, 3, 1]);
    const v = tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const df = grad((x: Tensor) => sum(square(gather(x, indices, 0))));
    const [dh] = grad((x: Tensor) => sum(mul(v, df(x)[0])))(awayFromZero([4, 2], 1));
    expect(dh.toArray()).toEqual([[0, 0], [2 * 2 * 3, 2 * 2 * 4], [0, 0], [2 * 7, 2 * 8]]);
  });
});

describe("scatterAdd, computed by hand", () => {
  it("accumulates updates at repeated indices", () => {
    expect(scatterAdd([3], int([0, 2, 0]), tensor([1, 2, 3]), 0).toArray()).toEqual([1 + 3, 0, 2]);
  });

  it("adds rows along axis 0", () => {
    const out = scatterAdd([3, 2], int([2, 2]), tensor([[1, 2], [10, 20]]), 0);
    expect(out.toArray()).toEqual([[0, 0], [0, 0], [11, 22]]);
  });

  it("adds columns along axis 1 (and -1)", () => {
    // Row r gets updates[r][j] added at column indices[j]: columns 2, 2, 0.
    const updates = tensor([[1, 2, 3], [4, 5, 6]]);
    const expected = [[3, 0, 1 + 2], [6, 0, 4 + 5]];
    expect(scatterAdd([2, 3], int([2, 2, 0]), updates, 1).toArray()).toEqual(expected);
    expect(scatterAdd([2, 3], int([2, 2, 0]), updates, -1).toArray()).toEqual(expected);
  });

  it("takes 2-D indices, with updates of gather's output shape", () => {
    // indices [[0, 1], [1, 1]] along axis 0 of [3]: updates of shape [2, 2].
    expect(scatterAdd([3], int([[0, 1], [1, 1]]), tensor([[1, 2], [3, 4]]), 0).toArray()).toEqual([1, 2 + 3 + 4, 0]);
  });

  it("adds int32 updates into an int32 tensor", () => {
    const out = scatterAdd([2], int([1, 1]), int([5, 6]), 0);
    expect(out.dtype).toBe("int32");
    expect(out.toArray()).toEqual([0, 11]);
  });

  it("undoes gather as its adjoint: ⟨scatterAdd(u), v⟩ = ⟨u, gather(v)⟩", () => {
    const indices = int([[2, 0], [2, 2]]);
    const u = awayFromZero([3, 2, 2], 1);
    const v = awayFromZero([3, 4], 2);
    const left = sum(mul(scatterAdd([3, 4], indices, u, 1), v)).item();
    const right = sum(mul(u, gather(v, indices, 1))).item();
    expect(Math.abs(left - right)).toBeLessThan(1e-12);
  });

  it("gives updates the gradient gather(g, indices, axis)", () => {
    // f = Σ w·scatterAdd([3], [2, 0, 2], u): ∂f/∂u_j = w[indices[j]].
    const w = tensor([10, 20, 30]);
    const [du] = grad((u: Tensor) => sum(mul(w, scatterAdd([3], int([2, 0, 2]), u, 0))))(zeros([3]));
    expect(du.toArray()).toEqual([30, 10, 30]);
  });

  it("has gradients and second-order gradients that match finite differences when composed with gather", () => {
    const indices = int([1, 0, 1]);
    const f = (x: Tensor) => mul(gather(x, indices, 0), gather(scatterAdd([2, 3], indices, square(x), 0), indices, 0));
    for (const order of [1, 2] as const) {
      const result = gradcheck(f, [awayFromZero([3, 3], 3)], { order, atol: 1e-6, rtol: 1e-5 });
      expect(result.ok, result.summary).toBe(true);
    }
  });
});

describe("oneHot, computed by hand", () => {
  it("puts a 1 at each index, in float64 by default", () => {
    const out = oneHot(int([0, 2, 1]), 3);
    expect(out.dtype).toBe("float64");
    expect(out.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  });

  it("adds the depth as a last axis to indices of any shape", () => {
    expect(oneHot(int([[1], [0]]), 2).toArray()).toEqual([[[0, 1]], [[1, 0]]]);
    expect(oneHot(int(2), 4).toArray()).toEqual([0, 0, 1, 0]);
  });

  it("makes float32 one-hot vectors on request", () => {
    const out = oneHot(int([1]), 2, { dtype: "float32" });
    expect(out.dtype).toBe("float32");
    expect(out.toArray()).toEqual([[0, 1]]);
  });

  it("is a constant inside a differentiated function", () => {
    const labels = int([1, 0]);
    const [dx] = grad((x: Tensor) => sum(mul(x, oneHot(labels, 3))))(zeros([2, 3]));
    expect(dx.toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
  });
});

describe("indexing errors", () => {
  it("gather names a negative or out-of-range index, its position and the axis size", () => {
    const x = zeros([3, 4]);
    expect(() => gather(x, int([0, 4]), 1)).toThrow(
      "gather: index 4 at position [1] of indices is out of range for axis 1 of size 4 (shape [3, 4]); indices must be in 0..3",
    );
    expect(() => gather(x, int([[0, 1], [3, 0]]), 0)).toThrow(
      "gather: index 3 at position [1, 0] of indices is out of range for axis 0 of size 3 (shape [3, 4]); indices must be in 0..2",
    );
    expect(() => gather(x, int([1, -1]), -1)).toThrow(
      "gather: index -1 at position [1] of indices is negative; indices are not counted from the end " +
        "(PyTorch refuses them too): add 4 to a negative index to count from the end",
    );
    expect(() => gather(x, int(3), 0)).toThrow("gather: index 3 (a scalar) is out of range for axis 0 of size 3 (shape [3, 4])");
    expect(() => gather(zeros([2, 0]), int([0]), 1)).toThrow(
      "gather: index 0 at position [0] of indices is out of range for axis 1 of size 0 (shape [2, 0]); it is empty, so no index is valid",
    );
  });

  it("gather refuses float indices, bad axes and non-tensors", () => {
    expect(() => gather(zeros([3]), tensor([0, 1]), 0)).toThrow(
      "gather: input 1 ('indices') holds indices and must be int32, got float64; make it with tensor(values, { dtype: 'int32' }) or astype(x, 'int32')",
    );
    expect(() => gather(zeros([3]), int([0]), 1)).toThrow("gather: axis 1 is out of range for a tensor of rank 1 (shape [3]); valid axes are -1..0");
    expect(() => gather(zeros([3]), [0] as unknown as Tensor, 0)).toThrow("gather: indices must be a Tensor, got [0]; make one with tensor(values)");
  });

  it("scatterAdd names updates of the wrong shape and indices out of range", () => {
    expect(() => scatterAdd([3, 4], int([0, 1]), zeros([2, 4]), 1)).toThrow(
      "scatterAdd: updates has shape [2, 4], but gathering indices of shape [2] along axis 1 of shape [3, 4] gives [3, 2]; " +
        "updates must have the shape gather would give",
    );
    expect(() => scatterAdd([3], int([0, 3]), zeros([2]), 0)).toThrow(
      "scatterAdd: index 3 at position [1] of indices is out of range for axis 0 of size 3 (shape [3]); indices must be in 0..2",
    );
    expect(() => scatterAdd([3], int([-2]), zeros([1]), 0)).toThrow("scatterAdd: index -2 at position [0] of indices is negative");
    expect(() => scatterAdd([3, -1], int([0]), zeros([1]), 0)).toThrow("scatterAdd: a shape is a list of non-negative integers, got [3,-1]");
    expect(() => scatterAdd([3], int([0]), zeros([1]), 1)).toThrow("scatterAdd: axis 1 is out of range for a tensor of rank 1 (shape [3])");
  });

  it("oneHot names an index outside the depth, and a bad depth or dtype", () => {
    expect(() => oneHot(int([0, 3]), 3)).toThrow(
      "oneHot: index 3 at position [1] of indices is out of range for depth 3; indices must be in 0..2",
    );
    expect(() => oneHot(int([[0], [-1]]), 3)).toThrow("oneHot: index -1 at position [1, 0] of indices is negative");
    expect(() => oneHot(int([0]), 0)).toThrow("oneHot: depth must be a positive integer (the number of classes), got 0");
    expect(() => oneHot(int([0]), 2, { dtype: "int32" as "float64" })).toThrow(
      "oneHot: dtype must be 'float32' or 'float64', got \"int32\"",
    );
    expect(() => oneHot(tensor([0]), 2)).toThrow("oneHot: input 0 ('indices') holds indices and must be int32, got float64");
  });
});
