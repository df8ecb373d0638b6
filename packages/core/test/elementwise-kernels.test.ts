import { afterEach, describe, expect, it } from "vitest";
import { add, div, equal, mul, registeredOps, sub, tensor, type Tensor } from "../src";
import { allowGeneratedLoops } from "../src/kernels/elementwise";
import { awayFromZero, positive } from "./helpers";

afterEach(() => allowGeneratedLoops(true));

// Every element-wise op runs a generated loop when code generation is allowed, and its
// callback loop otherwise: both must give the same values, bit for bit.
const unary = ["neg", "exp", "log", "sqrt", "square", "tanh", "sigmoid", "relu", "abs", "sign", "step"];

describe("generated and callback element-wise loops agree", () => {
  it.each(unary)("%s", (name) => {
    const op = registeredOps().get(name)!;
    const x = name === "log" || name === "sqrt" ? positive([4, 5], 1) : tensor([...Array.from(awayFromZero([18], 2).data), 0, -800], { shape: [4, 5] });
    const generated = op(x);
    allowGeneratedLoops(false);
    expect(Array.from(op(x).data)).toEqual(Array.from(generated.data));
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
