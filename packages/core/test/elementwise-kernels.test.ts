import { afterEach, describe, expect, it } from "vitest";
import { add, div, equal, mul, sub, tensor, type Tensor } from "../src";
import { allowGeneratedLoops, mapUnary, unaryKernels, unaryLoop, type UnaryKernelName } from "../src/kernels/elementwise";
import { awayFromZero } from "./helpers";

afterEach(() => allowGeneratedLoops(true));

// Every element function runs a generated loop when code generation is allowed, and its
// callback loop otherwise: both must give the same values, bit for bit (NaN and −0 included).
const special = [0, -0, 1e-10, -1e-300, 0.84375, 1.25, 2.8571414947509766, 6, 20, 30, -30, 800, -800, Infinity, -Infinity, NaN];
const values = [...Array.from(awayFromZero([24], 2).data, (v) => 3 * v), ...special];

describe("generated and callback element-wise loops agree", () => {
  it.each(Object.keys(unaryKernels) as UnaryKernelName[])("%s", (name) => {
    expect(unaryLoop(unaryKernels[name].expression), "the expression compiles to a loop").not.toBeNull();
    for (const dtype of ["float64", "float32"] as const) {
      const x = tensor(values, { shape: [5, 8], dtype });
      for (const a of [0.3, -2.5]) {
        const generated = mapUnary(x, name, a);
        allowGeneratedLoops(false);
        const callback = mapUnary(x, name, a);
        allowGeneratedLoops(true);
        expect(callback.dtype).toBe(dtype);
        expect(Array.from(callback.data)).toEqual(Array.from(generated.data));
      }
    }
  });

  it("runs a function outside the table, given as a function and an expression", () => {
    const x = tensor(values);
    const generated = mapUnary(x, (v) => v * 3 - 1, "x * 3 - 1");
    allowGeneratedLoops(false);
    expect(Array.from(mapUnary(x, (v) => v * 3 - 1, "x * 3 - 1").data)).toEqual(Array.from(generated.data));
    expect(Array.from(mapUnary(x, (v) => v * 3 - 1).data)).toEqual(Array.from(generated.data));
  });

  const pairs: Array<[string, number[], number[]]> = [
    ["same shape", [3, 4], [3, 4]],
    ["scalar", [3, 4], []],
    ["row (bias) on the right", [5, 4], [1, 4]],
    ["row on the left", [4], [5, 4]],
    ["column", [5, 4], [5, 1]],
    ["general", [2, 3, 4], [3, 1]],
  ];
  const binary: Array<[string, (x: Tensor, y: Tensor) => Tensor]> = [["add", add], ["sub", sub], ["mul", mul], ["div", div], ["equal", equal]];
  it.each(binary.flatMap(([name, f]) => pairs.map(([label, a, b]) => [`${name}, ${label}`, f, a, b] as const)))("%s", (_, f, shapeA, shapeB) => {
    const x = awayFromZero(shapeA, 3);
    const y = awayFromZero(shapeB, 4);
    const generated = f(x, y);
    allowGeneratedLoops(false);
    const callback = f(x, y);
    expect(callback.shape).toEqual(generated.shape);
    expect(Array.from(callback.data)).toEqual(Array.from(generated.data));
  });
});
