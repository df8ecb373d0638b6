import { describe, expect, it, vi } from "vitest";
import {
  abs,
  add,
  customVjp,
  defineOp,
  exp,
  grad,
  log,
  mul,
  neg,
  registeredOps,
  relu,
  sigmoid,
  sub,
  sum,
  tensor,
  valueAndGrad,
  type Tensor,
} from "../src";
import { assertAllClose, gradcheck } from "../src/testing";
import { awayFromZero } from "./helpers";

// The worked example of docs/custom-ops.md: softplus(x) = log(1 + eˣ), written stably as
// max(x, 0) + log(1 + e^−|x|), with derivative σ(x).
const mySoftplus = defineOp({
  name: "mySoftplus",
  inputNames: ["x"],
  forward: ([x]) => add(relu(x), log(add(1, exp(neg(abs(x)))))),
  vjp: (g, { inputs: [x] }) => [mul(g, sigmoid(x))],
});

// swish(x) = x·σ(x); d/dx = σ(x) + x·σ(x)(1 − σ(x)) = out + σ(x)(1 − out).
const swish = defineOp({
  name: "swish",
  inputNames: ["x"],
  forward: ([x]) => mul(x, sigmoid(x)),
  vjp: (g, { inputs: [x], out }) => [mul(g, add(out, mul(sigmoid(x), sub(1, out))))],
});

describe("a user-defined op", () => {
  it("computes its forward and is registered by name like a built-in", () => {
    assertAllClose(mySoftplus(tensor([0, 1, -30, 800])), tensor([Math.log(2), Math.log(1 + Math.E), Math.log1p(Math.exp(-30)), 800]), { rtol: 1e-14 });
    expect(registeredOps().get("mySoftplus")).toBe(mySoftplus);
  });

  it("is recorded as one step: its vjp, not its forward's ops, gives the gradient", () => {
    const [d] = grad((x: Tensor) => sum(mySoftplus(x)))(tensor([0]));
    expect(d.toArray()).toEqual([0.5]);
  });

  it("passes gradcheck, first and second order", () => {
    for (const op of [mySoftplus, swish]) {
      const x = awayFromZero([3, 4], 1);
      expect(gradcheck(op, [x]).ok).toBe(true);
      expect(gradcheck(op, [x], { order: 2 }).ok).toBe(true);
    }
  });

  it("composes with built-ins in a network", () => {
    const loss = (w: Tensor, x: Tensor) => sum(swish(mul(mySoftplus(w), x)));
    const result = gradcheck(loss, [awayFromZero([4], 2), awayFromZero([3, 4], 3)]);
    expect(result.ok, result.summary).toBe(true);
  });

  it("is caught by gradcheck when its vjp is wrong", () => {
    const wrong = defineOp({
      name: "softplusWithWrongVjp",
      inputNames: ["x"],
      forward: ([x]) => log(add(1, exp(x))),
      vjp: (g, { out }) => [mul(g, out)],
    });
    expect(gradcheck(wrong, [awayFromZero([5], 4)]).ok).toBe(false);
  });

  it("may return one of its inputs from forward", () => {
    const passThrough = defineOp({ name: "passThrough", inputNames: ["x"], forward: ([x]) => x, vjp: (g) => [mul(g, 2)] });
    expect(grad((x: Tensor) => sum(passThrough(x)))(tensor([1, 2]))[0].toArray()).toEqual([2, 2]);
  });

  it("may have several inputs and attributes", () => {
    const scaledDifference = defineOp<{ scale: number }>({
      name: "scaledDifference",
      inputNames: ["x", "y"],
      forward: ([x, y], { scale }) => mul(sub(x, y), scale),
      vjp: (g, { attrs: { scale } }) => [mul(g, scale), mul(g, -scale)],
    });
    const { value, grads } = valueAndGrad((x: Tensor, y: Tensor) => sum(scaledDifference.run([x, y], { scale: 3 })))(tensor([5]), tensor([1]));
    expect(value.item()).toBe(12);
    expect(grads.map((g) => g.item())).toEqual([3, -3]);
  });
});

describe("customVjp", () => {
  it("gives a composite its own vjp without registering it", () => {
    const clippedIdentity = customVjp(
      (x) => x,
      (g) => [mul(g, 0.5)],
      { name: "halfGradient" },
    );
    expect(grad((x: Tensor) => sum(clippedIdentity(x)))(tensor([1, 2]))[0].toArray()).toEqual([0.5, 0.5]);
    expect(registeredOps().has("halfGradient")).toBe(false);
  });
});

describe("the engine checks every vjp's result", () => {
  const broken = (name: string, vjp: (g: Tensor) => unknown) =>
    defineOp({ name, inputNames: ["x", "y"], forward: ([x, y]) => add(x, y), vjp: vjp as never });
  const run = (op: (x: Tensor, y: Tensor) => Tensor) => () => grad((x: Tensor, y: Tensor) => sum(op(x, y)))(tensor([[1, 2]]), tensor([3, 4]));

  it("names the op, the input and both shapes when a gradient has the wrong shape", () => {
    const op = broken("badShape", (g) => [g, g]);
    expect(run(op)).toThrow("vjp of op 'badShape' returned a gradient of shape [1, 2] for input 1 ('y'), whose shape is [2]");
  });

  it("requires one gradient per input", () => {
    const op = broken("tooFew", (g) => [g]);
    expect(run(op)).toThrow(/vjp of op 'tooFew' returned 1 gradients for its 2 input\(s\)/);
  });

  it("requires tensors or null", () => {
    const op = broken("notATensor", (g) => [g, 3]);
    expect(run(op)).toThrow("vjp of op 'notATensor' returned 3 for input 1 ('y'); expected a Tensor or null");
  });

  it("requires the input's dtype", () => {
    const op = defineOp({
      name: "wrongDtype",
      inputNames: ["x"],
      forward: ([x]) => x,
      vjp: (g) => [tensor(g.data, { dtype: "float64", shape: g.shape })],
    });
    expect(() => grad((x: Tensor) => sum(op(x)))(tensor([1], { dtype: "float32" }))).toThrow(
      "vjp of op 'wrongDtype' returned a float64 gradient for input 0 ('x'), which is float32",
    );
  });

  it("treats null as no gradient", () => {
    const op = broken("nullGradient", (g) => [g, null]);
    const [, dy] = grad((x: Tensor, y: Tensor) => sum(op(x, y)))(tensor([1, 2]), tensor([3, 4]));
    expect(dy.toArray()).toEqual([0, 0]);
  });

  it("reserves built-in names, replaces a redefined user op with a warning, and refuses a definition without a vjp", () => {
    expect(() => defineOp({ name: "mul", forward: ([x]) => x, vjp: (g) => [g] })).toThrow(/'mul' is the name of a built-in op/);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const first = defineOp({ name: "redefined", inputNames: ["x"], forward: ([x]) => mul(x, 2), vjp: (g) => [mul(g, 2)] });
    const second = defineOp({ name: "redefined", inputNames: ["x"], forward: ([x]) => mul(x, 3), vjp: (g) => [mul(g, 3)] });
    expect(warn).toHaveBeenCalledWith("defineOp: op 'redefined' was defined before; the new definition replaces it");
    warn.mockRestore();
    expect(registeredOps().get("redefined")).toBe(second);
    expect(first(tensor([1])).toArray()).toEqual([2]); // an op already made keeps working
    expect(grad((x: Tensor) => sum(second(x)))(tensor([1]))[0].toArray()).toEqual([3]);
    expect(() => defineOp({ name: "noVjp", forward: ([x]: readonly Tensor[]) => x } as never)).toThrow(/needs a forward function and a vjp function/);
  });

  it("checks the number of inputs and that forward returns a tensor", () => {
    expect(() => mySoftplus(tensor(1), tensor(2))).toThrow("mySoftplus: expects 1 input(s) (x), got 2");
    const bad = defineOp({ name: "returnsNumber", forward: () => 3 as never, vjp: () => [] });
    expect(() => bad(tensor(1))).toThrow("forward of op 'returnsNumber' returned 3; it must return a Tensor");
  });
});
