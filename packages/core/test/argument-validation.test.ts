import { describe, expect, it } from "vitest";
import {
  add,
  customVjp,
  exp,
  eye,
  grad,
  max,
  maximum,
  noGrad,
  onesLike,
  sigmoid,
  stopGradient,
  tanh,
  tensor,
  valueAndGrad,
  vjp,
  zerosLike,
  type Tensor,
} from "../src";
import { gradcheck } from "../src/testing";

// Arguments are checked at the API boundary by type, with messages that say what was
// expected, as plain JavaScript callers (no type checker) meet them.

const a = tensor([1, 2]);
const b = tensor([3, 0]);
const js = <F>(f: F) => f as any; // call as untyped JavaScript would

describe("argument validation", () => {
  it("one-input ops work as Array.prototype.map callbacks: the index and the array are ignored", () => {
    expect([a, b].map(exp).map((t) => t.toArray())).toEqual([exp(a).toArray(), exp(b).toArray()]);
    expect([a, b].map(sigmoid)[1].toArray()).toEqual(sigmoid(b).toArray());
    const seen: Tensor[] = [];
    [a, b].forEach((t, i, all) => seen.push(js(tanh)(t, i, all)));
    expect(seen.map((t) => t.toArray())).toEqual([tanh(a).toArray(), tanh(b).toArray()]);
  });

  it("other extra arguments are still refused, and a two-input op used with map says what to write", () => {
    expect(() => js(exp)(a, 2)).toThrow("exp: expects 1 input(s) (x), got 2");
    expect(() => js(exp)(a, 0, [b])).toThrow("exp: expects 1 input(s) (x), got 3"); // not map's (element, index, array)
    expect(() => [a, b].map(js(add))).toThrow(
      "add: expects 2 input(s) (x, y), got 3; these look like the (element, index, array) that Array.prototype.map passes " +
        "to its callback: write xs.map((x) => add(x, …)) to give the other input(s)",
    );
  });

  it("max(a, b) says that max reduces and maximum takes two", () => {
    expect(() => js(max)(a, b)).toThrow(
      "max: axis must be an integer or a list of integers, got a Tensor; max reduces one tensor: use maximum(a, b) for the element-wise maximum of two",
    );
    expect(() => js(max)([a, b])).toThrow(
      "max: x must be a Tensor, got an array; max reduces one tensor: use maximum(a, b) for the element-wise maximum of two",
    );
    expect(maximum(a, b).toArray()).toEqual([3, 2]);
  });

  it("op inputs must be tensors or numbers", () => {
    expect(() => js(add)(a, "1")).toThrow("add: input 1 ('y') is a string; expected a Tensor or a number");
    expect(() => js(add)(a, [1, 2])).toThrow("add: input 1 ('y') is an array (wrap it with tensor()); expected a Tensor or a number");
    expect(() => js(exp)(undefined)).toThrow("exp: input 0 ('x') is undefined; expected a Tensor or a number");
  });

  it("tensor constructors check their arguments", () => {
    expect(() => js(zerosLike)([1, 2])).toThrow("zerosLike: x must be a Tensor, got [1, 2]; for a shape, use zeros(shape)");
    expect(() => js(onesLike)(undefined)).toThrow("onesLike: x must be a Tensor, got undefined; for a shape, use ones(shape)");
    expect(() => js(tensor)([1, 2], "float32")).toThrow(
      `tensor: options must be an object such as { dtype: 'float32' } or { shape: [2, 3] }, got "float32"`,
    );
    expect(() => eye(-1)).toThrow("eye: n must be a non-negative integer, got -1");
    expect(() => eye(2, { columns: 1.5 })).toThrow("eye: columns must be a non-negative integer, got 1.5");
  });

  it("gradient APIs check their function and their arguments", () => {
    expect(() => js(grad)(a)).toThrow("grad: expects the function to differentiate, got a Tensor; for example grad((x) => sum(square(x)))");
    expect(() => js(valueAndGrad)(undefined)).toThrow("valueAndGrad: expects the function to differentiate, got undefined");
    expect(() => js(vjp)(a, a)).toThrow("vjp: expects the function to differentiate, got a Tensor");
    expect(() => js(noGrad)(a)).toThrow("noGrad: expects a function to run without recording, got a Tensor");
    expect(() => js(stopGradient)([1, 2])).toThrow("stopGradient: x must be a Tensor, got [1, 2]; make one with tensor(values)");
    expect(() => js(customVjp)(exp)).toThrow("customVjp: expects a forward function and a vjp function, got a function and undefined");
    expect(() => js(gradcheck)(a, [a])).toThrow("gradcheck: expects the function to check, got a Tensor");
  });
});
