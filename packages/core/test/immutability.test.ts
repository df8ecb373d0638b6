import { describe, expect, it } from "vitest";
import { exp, grad, mul, reshape, square, sum, tensor, vjp, zeros, type Tensor } from "../src";

// Writing into a tensor's storage (.data, .array) is not supported; it cannot change a
// recorded value behind the tape's back: the backward pass that would read it throws.

describe("a tensor changed behind the tape's back", () => {
  it("is detected before a wrong gradient is returned, naming the op that recorded it", () => {
    const f = (x: Tensor) => {
      const y = square(x); // its vjp reads x: d/dx Σ x² = 2x
      x.data[0] = 99;
      return sum(y);
    };
    expect(() => grad(f)(tensor([1, 2]))).toThrow(
      "a recorded tensor was changed: input 0 ('x') of op 'square' (an argument of the differentiated function, or a tensor made outside it), " +
        "shape [2], no longer holds the values the op was recorded with, so its gradient would be wrong. Its values were written " +
        "through .data or .array (of it, or of a tensor sharing its storage, such as a reshape of it) after the op ran. Tensors " +
        "are immutable: instead of writing into one, make a new tensor (tensor(values) copies) or compute it with ops (where, add, …)",
    );
  });

  it("is detected through a tensor that shares the storage: a write to x reaches its reshape", () => {
    const f = (x: Tensor) => {
      const column = reshape(x, [2, 1]); // shares x's storage
      const y = square(column);
      x.data[1] = 5;
      return sum(y);
    };
    expect(() => grad(f)(tensor([1, 2]))).toThrow(/input 0 \('x'\) of op 'square' \(the output of op 'reshape'\), shape \[2, 1\]/);
  });

  it("is detected for an op's output, which a vjp may reuse (exp's is g·out)", () => {
    const f = (x: Tensor) => {
      const y = exp(x);
      y.array.set(0, 0); // through the ndarray view as well
      return sum(y);
    };
    expect(() => grad(f)(tensor([0, 1]))).toThrow(/a recorded tensor was changed: the output of op 'exp', shape \[2\]/);
  });

  it("is detected by a pullback called after the write", () => {
    const x = tensor([1, 2, 3]);
    const { out, pullback } = vjp((v: Tensor) => mul(v, v), x);
    out.data[2] = 0;
    expect(() => pullback(tensor([1, 1, 1]))).toThrow(/the output of op 'mul'/);
  });

  it("is detected whichever element is written, for every dtype and size", () => {
    for (const dtype of ["float64", "float32"] as const) {
      for (const n of [1, 2, 3, 4, 5, 7, 9]) {
        for (let k = 0; k < n; k++) {
          const f = (x: Tensor) => {
            const y = square(x);
            x.data[k] += 0.5;
            return sum(y);
          };
          expect(() => grad(f)(tensor(Array.from({ length: n }, (_, i) => i), { dtype })), `${dtype}, ${n} elements, element ${k}`).toThrow(
            /a recorded tensor was changed/,
          );
        }
      }
    }
  });

  it("leaves alone reading the values, and building a tensor by writing into it before any op uses it", () => {
    const f = (x: Tensor) => {
      const weights = zeros([2]);
      weights.data[0] = 3; // before any op has seen it: the op records these values
      const y = mul(square(x), weights);
      expect(x.data[1]).toBe(2);
      return sum(y);
    };
    expect(grad(f)(tensor([1, 2]))[0].toArray()).toEqual([6, 0]); // d/dx 3x₀² = 6x₀
  });

  it("makes a copy with tensor(): writing into the copy's storage changes nothing recorded", () => {
    const f = (x: Tensor) => {
      const y = square(x);
      const copy = tensor(x);
      copy.data[0] = 99;
      return sum(y);
    };
    expect(grad(f)(tensor([1, 2]))[0].toArray()).toEqual([2, 4]);
  });
});
