import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import { astype, eye, full, grad, mul, ones, Random, randn, sum, tensor, uniform, zeros, type Tensor } from "../src";

describe("tensor()", () => {
  it("builds from nested arrays, numbers, flat arrays and typed arrays with a shape", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe("float64");
    expect(x.size).toBe(6);
    expect(x.rank).toBe(2);
    expect(tensor(2.5).shape).toEqual([]);
    expect(tensor(2.5).item()).toBe(2.5);
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    const f32 = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(f32.dtype).toBe("float32");
    expect(f32.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor([1, 2], { dtype: "float32" }).data).toBeInstanceOf(Float32Array);
  });

  it("copies its source: later changes to it do not reach the tensor", () => {
    const source = new Float64Array([1, 2]);
    const x = tensor(source);
    source[0] = 99;
    expect(x.toArray()).toEqual([1, 2]);
  });

  it("accepts transposed, Fortran-order and sliced ndarray views, reading them in logical order", () => {
    const base = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(tensor(base.transpose(1, 0)).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const fortran = ndarray(new Float64Array([1, 4, 2, 5, 3, 6]), [2, 3], [1, 2]);
    expect(tensor(fortran).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(base.hi(2, 2).lo(0, 1)).toArray()).toEqual([[2], [5]]);
    expect(tensor(base.step(1, -1)).toArray()).toEqual([[3, 2, 1], [6, 5, 4]]);
  });

  it("gives the same gradients for a Fortran-order input as for its contiguous copy", () => {
    const fortran = tensor(ndarray(new Float64Array([1, 4, 2, 5, 3, 6]), [2, 3], [1, 2]));
    const contiguous = tensor([[1, 2, 3], [4, 5, 6]]);
    const f = (x: Tensor) => sum(mul(x, x));
    expect(grad(f)(fortran)[0].toArray()).toEqual(grad(f)(contiguous)[0].toArray());
  });

  it("rejects ragged arrays, wrong sizes and unknown dtypes with a clear message", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array: \[1\] has 1 entries, expected 2/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/3 elements .* does not fill the requested shape \[2, 2\]/);
    expect(() => tensor([1], { dtype: "int8" as never })).toThrow(/dtype must be 'float32', 'float64' or 'int32'/);
    expect(() => tensor({} as never)).toThrow(/cannot make a tensor from an object/);
  });

  it("item() needs exactly one element", () => {
    expect(() => tensor([1, 2]).item()).toThrow(/shape \[2\] \(2 elements\); item\(\) needs exactly one/);
  });
});

describe("constructors", () => {
  it("zeros, ones, full and eye", () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([2, 1], { dtype: "float32" }).dtype).toBe("float32");
    expect(full([2], 3).toArray()).toEqual([3, 3]);
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, { columns: 3 }).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });

  it("random tensors are reproducible from a seed and differ across seeds", () => {
    expect(randn([3, 3], { seed: 5 }).toArray()).toEqual(randn([3, 3], { seed: 5 }).toArray());
    expect(randn([3], { seed: 5 }).toArray()).not.toEqual(randn([3], { seed: 6 }).toArray());
    const u = uniform([1000], { seed: 1, low: -2, high: 2 }).data;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(2);
  });

  it("randn has the requested mean and standard deviation", () => {
    const x = Array.from(randn([20000], { seed: 3, mean: 1, std: 2 }).data);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length);
    expect(Math.abs(m - 1)).toBeLessThan(0.05);
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
  });

  it("needs a seed", () => {
    expect(() => randn([2], {} as never)).toThrow(/pass a seed/);
  });

  it("Random.permutation is a permutation", () => {
    const p = new Random(1).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe("dtypes", () => {
  it("float32 tensors compute in float32 and get float32 gradients", () => {
    const x = tensor([1, 2, 3], { dtype: "float32" });
    const [dx] = grad((x: Tensor) => sum(mul(x, x)))(x);
    expect(dx.dtype).toBe("float32");
    expect(dx.toArray()).toEqual([2, 4, 6]);
  });

  it("astype converts, and its gradient comes back in the input's dtype", () => {
    const x = tensor([1.5, 2], { dtype: "float32" });
    const [dx] = grad((x: Tensor) => sum(mul(astype(x, "float64"), 3)))(x);
    expect(dx.dtype).toBe("float32");
    expect(dx.toArray()).toEqual([3, 3]);
  });
});
