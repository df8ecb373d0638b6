import { describe, expect, it } from "vitest";
import { concat, grad, mul, pad, slice, split, stack, sum, tensor, zeros, type Tensor } from "../src";
import { gradcheck } from "../src/testing";
import { awayFromZero } from "./helpers";

const int = (values: number[] | number[][]) => tensor(values, { dtype: "int32" });

describe("concat, computed by hand", () => {
  it("joins along axis 0", () => {
    expect(concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it("joins along axis 1", () => {
    expect(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], 1).toArray()).toEqual([[1, 3, 4], [2, 5, 6]]);
  });

  it("joins along axis -1 of 3-D tensors", () => {
    const a = tensor([[[1, 2]], [[3, 4]]]); // [2, 1, 2]
    const b = tensor([[[5]], [[6]]]); // [2, 1, 1]
    expect(concat([a, b], -1).toArray()).toEqual([[[1, 2, 5]], [[3, 4, 6]]]);
  });

  it("joins three vectors, one of them empty", () => {
    expect(concat([tensor([1, 2]), zeros([0]), tensor([3])], 0).toArray()).toEqual([1, 2, 3]);
  });

  it("joins int32 tensors into an int32 tensor", () => {
    const out = concat([int([[1, 2]]), int([[3, 4]])], 0);
    expect(out.dtype).toBe("int32");
    expect(out.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it("gives each input the slice of the gradient where it sits", () => {
    // f = Σ w·concat([a, b], 1): ∂f/∂a = w[:, :1], ∂f/∂b = w[:, 1:].
    const w = tensor([[1, 2, 3], [4, 5, 6]]);
    const [da, db] = grad((a: Tensor, b: Tensor) => sum(mul(w, concat([a, b], 1))))(zeros([2, 1]), zeros([2, 2]));
    expect(da.toArray()).toEqual([[1], [4]]);
    expect(db.toArray()).toEqual([[2, 3], [5, 6]]);
  });

  it("gives an input used twice the sum of both slices", () => {
    const w = tensor([1, 2, 3, 4]);
    const [dx] = grad((x: Tensor) => sum(mul(w, concat([x, x], 0))))(zeros([2]));
    expect(dx.toArray()).toEqual([1 + 3, 2 + 4]);
  });
});

describe("stack, computed by hand", () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6], [7, 8]]);

  it("stacks along a new first axis (0, or -3 for matrices)", () => {
    const expected = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
    expect(stack([a, b], 0).toArray()).toEqual(expected);
    expect(stack([a, b], -3).toArray()).toEqual(expected);
  });

  it("stacks along a new middle axis", () => {
    expect(stack([a, b], 1).toArray()).toEqual([[[1, 2], [5, 6]], [[3, 4], [7, 8]]]);
  });

  it("stacks along a new last axis (the rank, or -1)", () => {
    const expected = [[[1, 5], [2, 6]], [[3, 7], [4, 8]]];
    expect(stack([a, b], 2).toArray()).toEqual(expected);
    expect(stack([a, b], -1).toArray()).toEqual(expected);
  });

  it("stacks scalars into a vector", () => {
    expect(stack([tensor(1), tensor(2), tensor(3)], 0).toArray()).toEqual([1, 2, 3]);
  });

  it("gives each input its slice of the gradient", () => {
    // f = Σ w·stack([x, y], 1) with w of shape [2, 2]: ∂f/∂x = w[:, 0], ∂f/∂y = w[:, 1].
    const w = tensor([[1, 2], [3, 4]]);
    const [dx, dy] = grad((x: Tensor, y: Tensor) => sum(mul(w, stack([x, y], 1))))(zeros([2]), zeros([2]));
    expect(dx.toArray()).toEqual([1, 3]);
    expect(dy.toArray()).toEqual([2, 4]);
  });

  it("has gradients and second-order gradients that match finite differences", () => {
    const f = (x: Tensor, y: Tensor) => mul(stack([x, y], -2), stack([y, x], -2));
    for (const order of [1, 2] as const) {
      const result = gradcheck(f, [awayFromZero([2, 3], 1), awayFromZero([2, 3], 2)], { order, atol: 1e-6, rtol: 1e-5 });
      expect(result.ok, result.summary).toBe(true);
    }
  });
});

describe("split, computed by hand", () => {
  it("splits into equal parts", () => {
    expect(split(tensor([1, 2, 3, 4, 5, 6]), 3, 0).map((part) => part.toArray())).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it("splits into given sizes along axis -1", () => {
    const parts = split(tensor([[1, 2, 3], [4, 5, 6]]), [1, 2], -1);
    expect(parts.map((part) => part.toArray())).toEqual([[[1], [4]], [[2, 3], [5, 6]]]);
  });

  it("allows parts of size 0", () => {
    const parts = split(tensor([[1, 2], [3, 4]]), [0, 2, 0], 0);
    expect(parts.map((part) => part.shape)).toEqual([[0, 2], [2, 2], [0, 2]]);
    expect(parts[1].toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it("splits int32 tensors", () => {
    const [first, second] = split(int([[1, 2], [3, 4]]), 2, 1);
    expect(first.dtype).toBe("int32");
    expect([first.toArray(), second.toArray()]).toEqual([[[1], [3]], [[2], [4]]]);
  });

  it("sends each part's gradient back to where the part came from", () => {
    // f = Σ 1·p₀ + Σ 2·p₁ + Σ 3·p₂ for the three parts of x along axis 1.
    const [dx] = grad((x: Tensor) => {
      const [p0, p1, p2] = split(x, [1, 2, 1], 1);
      return sum(concat([mul(p0, 1), mul(p1, 2), mul(p2, 3)], 1));
    })(zeros([2, 4]));
    expect(dx.toArray()).toEqual([[1, 2, 2, 3], [1, 2, 2, 3]]);
  });

  it("has gradients and second-order gradients that match finite differences", () => {
    const f = (x: Tensor) => {
      const [a, b] = split(x, 2, -1);
      return mul(a, mul(b, b));
    };
    for (const order of [1, 2] as const) {
      const result = gradcheck(f, [awayFromZero([2, 3, 4], 3)], { order, atol: 1e-6, rtol: 1e-5 });
      expect(result.ok, result.summary).toBe(true);
    }
  });
});

describe("slice, computed by hand", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);

  it("takes a block", () => {
    expect(slice(x, [0, 1], [2, 2]).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(slice(x, [1, 1], [1, 1]).toArray()).toEqual([[5]]);
  });

  it("takes everything to the end of an axis where the size is -1", () => {
    expect(slice(x, [1, 0], [-1, -1]).toArray()).toEqual([[4, 5, 6]]);
    expect(slice(x, [0, 1], [1, -1]).toArray()).toEqual([[2, 3]]);
    expect(slice(x, [0, 3], [-1, -1]).shape).toEqual([2, 0]);
  });

  it("cuts a 3-D tensor on every axis", () => {
    // y[i][j][k] = 100i + 10j + k.
    const y = tensor([0, 1].map((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].map((k) => 100 * i + 10 * j + k))));
    expect(slice(y, [1, 1, 2], [1, 2, -1]).toArray()).toEqual([[[112, 113], [122, 123]]]);
  });

  it("cuts int32 tensors", () => {
    const out = slice(int([[1, 2, 3]]), [0, 2], [1, 1]);
    expect(out.dtype).toBe("int32");
    expect(out.toArray()).toEqual([[3]]);
  });

  it("gives a gradient that is g in the window and zero elsewhere", () => {
    const w = tensor([[1, 2], [3, 4]]);
    const [dx] = grad((x: Tensor) => sum(mul(w, slice(x, [1, 1], [2, 2]))))(zeros([3, 4]));
    expect(dx.toArray()).toEqual([[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0]]);
  });
});

describe("pad, computed by hand", () => {
  it("pads with zeros before and after each axis", () => {
    expect(pad(tensor([[1, 2]]), [[1, 0], [0, 2]]).toArray()).toEqual([[0, 0, 0, 0], [1, 2, 0, 0]]);
  });

  it("pads with a value", () => {
    expect(pad(tensor([1, 2]), [[1, 2]], -1).toArray()).toEqual([-1, 1, 2, -1, -1]);
    expect(pad(tensor([[5]]), [[1, 1], [1, 1]], 0.5).toArray()).toEqual([[0.5, 0.5, 0.5], [0.5, 5, 0.5], [0.5, 0.5, 0.5]]);
  });

  it("pads int32 tensors with an integer", () => {
    const out = pad(int([1, 2]), [[0, 1]], 7);
    expect(out.dtype).toBe("int32");
    expect(out.toArray()).toEqual([1, 2, 7]);
  });

  it("gives a gradient that is the slice of g where x sits", () => {
    const w = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const [dx] = grad((x: Tensor) => sum(mul(w, pad(x, [[1, 0], [0, 1]], 3))))(zeros([2, 2]));
    expect(dx.toArray()).toEqual([[4, 5], [7, 8]]);
  });

  it("has a second-order gradient through slice and back", () => {
    // f = Σ w·pad(x)²: the backward pass of pad is a slice, whose own backward pass is a pad again.
    const w = awayFromZero([4, 3], 1);
    const result = gradcheck((x: Tensor) => sum(mul(w, mul(pad(x, [[1, 1], [0, 1]]), pad(x, [[1, 1], [0, 1]])))), [awayFromZero([2, 2], 2)], {
      order: 2,
      atol: 1e-6,
      rtol: 1e-5,
    });
    expect(result.ok, result.summary).toBe(true);
  });
});

describe("joining and cutting errors", () => {
  it("concat names the inputs that do not fit", () => {
    expect(() => concat([], 0)).toThrow("concat: expects a non-empty array of tensors, got an empty array");
    expect(() => concat([zeros([2]), [1, 2] as unknown as Tensor], 0)).toThrow("concat: input 1 must be a Tensor, got [1, 2]; make one with tensor(values)");
    expect(() => concat([tensor(1), tensor(2)], 0)).toThrow(
      "concat: input 0 is a scalar (shape []), which has no axis to join along; use stack to join along a new axis",
    );
    expect(() => concat([zeros([2, 3]), zeros([2, 5]), zeros([3, 5])], 1)).toThrow(
      "concat: input 2 has shape [3, 5], which differs from input 0's [2, 3] outside axis 1; " +
        "the inputs must be equal on every axis but the one they are joined along",
    );
    expect(() => concat([zeros([2, 3]), zeros([6])], 0)).toThrow(
      "concat: input 1 has rank 1 (shape [6]), but input 0 has rank 2 (shape [2, 3]); all inputs need the same rank (reshape to add axes of size 1)",
    );
    expect(() => concat([zeros([2, 3]), zeros([2, 3])], 2)).toThrow(
      "concat: axis 2 is out of range for a tensor of rank 2 (shape [2, 3]); valid axes are -2..1",
    );
    expect(() => concat([zeros([2]), zeros([2], { dtype: "float32" })], 0)).toThrow(
      "concat: input 1 is float32 but input 0 is float64; tapegrad does not promote dtypes implicitly: convert one with astype(x, 'float64')",
    );
  });

  it("stack refuses tensors of different shapes and axes past the new one", () => {
    expect(() => stack([], 0)).toThrow("stack: expects a non-empty array of tensors, got an empty array");
    expect(() => stack([zeros([2, 3]), zeros([3, 2])], 0)).toThrow(
      "stack: input 1 has shape [3, 2], which differs from input 0's [2, 3]; stack needs tensors of one shape " +
        "(concat joins tensors that differ along an existing axis)",
    );
    expect(() => stack([zeros([2, 3])], 3)).toThrow(
      "stack: axis 3 is out of range for stacking tensors of rank 2 (shape [2, 3]); the new axis can be -3..2",
    );
    expect(() => stack([zeros([2, 3])], -4)).toThrow(/stack: axis -4 is out of range/);
    expect(() => stack([int([1]), zeros([1])], 0)).toThrow("stack: input 1 is float64 but input 0 is int32");
  });

  it("split names the count or sizes that do not fit the axis", () => {
    expect(() => split(zeros([2, 4]), 3, 1)).toThrow(
      "split: 3 equal parts do not divide axis 1 of size 4 (shape [2, 4]); give a count that divides 4, or a list of sizes",
    );
    expect(() => split(zeros([2, 4]), [1, 2], -1)).toThrow(
      "split: sizes [1,2] add up to 3, but axis 1 has size 4 (shape [2, 4]); the sizes must add up to the axis size",
    );
    expect(() => split(zeros([4]), 0, 0)).toThrow("split: the number of parts must be a positive integer, got 0");
    expect(() => split(zeros([4]), [5, -1], 0)).toThrow(
      "split: sizes must be a count of parts or a non-empty list of non-negative integers, got [5,-1]",
    );
    expect(() => split(zeros([4]), 2, 1)).toThrow("split: axis 1 is out of range for a tensor of rank 1 (shape [4]); valid axes are -1..0");
  });

  it("slice names the begin or size out of bounds", () => {
    const x = zeros([2, 3]);
    expect(() => slice(x, [0], [1, 1])).toThrow(
      "slice: begin [0] and size [1,1] must each have one entry per axis of x, which has rank 2 (shape [2, 3])",
    );
    expect(() => slice(x, [0, 4], [1, 0])).toThrow(
      "slice: begin[1] = 4 is out of range for axis 1 of size 3 (shape [2, 3]); it must be an integer in 0..3",
    );
    expect(() => slice(x, [-1, 0], [1, 1])).toThrow("slice: begin[0] = -1 is out of range for axis 0 of size 2");
    expect(() => slice(x, [0, 0], [1, -2])).toThrow(
      'slice: size[1] = -2 is not a size; give a non-negative integer, or -1 for "to the end of the axis"',
    );
    expect(() => slice(x, [0, 2], [1, 2])).toThrow(
      "slice: begin[1] + size[1] = 2 + 2 = 4 runs past the end of axis 1, of size 3 (shape [2, 3]); use size[1] = -1 to take everything to the end",
    );
    expect(() => slice([1, 2] as unknown as Tensor, [0], [1])).toThrow("slice: x must be a Tensor, got [1, 2]; make one with tensor(values)");
  });

  it("pad names the paddings and values it cannot use", () => {
    expect(() => pad(zeros([2, 3]), [[1, 1]])).toThrow(
      "pad: paddings has 1 pair(s), but x has rank 2 (shape [2, 3]); give one [before, after] pair per axis",
    );
    expect(() => pad(zeros([2]), [[-1, 2]])).toThrow(
      "pad: paddings[0] is [-1,2]; each entry must be a [before, after] pair of non-negative integers (to cut, use slice)",
    );
    expect(() => pad(zeros([2]), [[1]] as unknown as [number, number][])).toThrow("pad: paddings[0] is [1]; each entry must be a [before, after] pair");
    expect(() => pad(int([1, 2]), [[1, 1]], 0.5)).toThrow("pad: the value 0.5 cannot fill an int32 tensor; give an integer");
  });
});
