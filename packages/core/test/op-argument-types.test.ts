import { describe, expect, it } from "vitest";
import { addScaled, astype, broadcastTo, gelu, logSoftmax, mse, randn, reshape, softmax, tensor, transpose, uniform, unbroadcast } from "../src";

// The wrappers of ops with attributes check their tensor arguments' types before reading
// them, so plain JavaScript callers get messages that say what was expected.

const a = tensor([[1, 2], [3, 4]]);
const js = <F>(f: F) => f as any;

describe("op wrappers check their arguments' types", () => {
  it("movement ops", () => {
    expect(() => js(reshape)([1, 2], [2])).toThrow("reshape: x must be a Tensor, got [1, 2]; make one with tensor(values)");
    expect(() => js(reshape)(a, "4")).toThrow(`reshape: shape must be a list of integers (one of them may be -1), got "4"`);
    expect(() => js(transpose)(undefined)).toThrow("transpose: x must be a Tensor, got undefined");
    expect(() => js(transpose)(a, 1)).toThrow("transpose: perm must be a list of axes (a permutation of 0..1), or omitted to reverse them, got 1");
    expect(() => js(broadcastTo)({}, [2])).toThrow("broadcastTo: x must be a Tensor, got an object");
    expect(() => js(astype)([1], "float32")).toThrow("astype: x must be a Tensor, got [1]; make one with tensor(values)");
    expect(() => js(unbroadcast)(a, "x")).toThrow(/unbroadcast: a shape is a list of non-negative integers/);
  });

  it("softmax and logSoftmax, including as an Array.prototype.map callback (which would pass the index as the axis)", () => {
    expect(() => js(softmax)([1, 2])).toThrow("softmax: x must be a Tensor, got [1, 2]; make one with tensor(values)");
    expect(() => [a, a].map(js(logSoftmax))).toThrow(
      "logSoftmax: expects (x, axis), got 3 arguments; as an Array.prototype.map callback it would take the index for the axis: write xs.map((x) => logSoftmax(x, axis))",
    );
  });

  it("losses, addScaled and gelu's options", () => {
    expect(() => js(mse)(a, [[1, 2], [3, 4]])).toThrow("mse: targets must be a Tensor, got an array; make one with tensor(values)");
    expect(() => js(addScaled)(a, a, "0.5")).toThrow("addScaled: alpha must be a number, got 0.5");
    expect(() => js(addScaled)(a, undefined, 1)).toThrow("addScaled: y must be a Tensor, got undefined");
    expect(() => js(gelu)(a, a)).toThrow("gelu: options must be an object such as { approximate: 'tanh' }, got a Tensor");
  });

  it("random tensors without options ask for a seed", () => {
    expect(() => js(randn)([2])).toThrow("randn: pass a seed, e.g. randn(shape, { seed: 0 }), so that the result is reproducible");
    expect(() => js(uniform)([2])).toThrow("uniform: pass a seed, e.g. uniform(shape, { seed: 0 }), so that the result is reproducible");
  });
});
