import { describe, expect, it } from "vitest";
import {
  customVjp,
  defineOp,
  equal,
  exp,
  grad,
  greater,
  hessian,
  jvp,
  mul,
  pow,
  relu,
  sign,
  step,
  sum,
  tensor,
  zerosLike,
  type Tensor,
} from "../src";

// A vjp computed on raw arrays returns gradients that are not connected to its inputs or
// to g: differentiating it again used to give a silent zero. Now it raises, unless the op
// is marked once-differentiable, in which case a second derivative raises by design.

const exps = (x: Tensor) => tensor(Array.from(x.data, Math.exp));
const rawExp = defineOp({
  name: "rawExp",
  inputNames: ["x"],
  forward: ([x]) => exps(x),
  vjp: (g, { out }) => [tensor(Array.from(g.data, (v, i) => v * out.data[i]))],
});
const onceExp = defineOp({
  name: "onceExp",
  inputNames: ["x"],
  onceDifferentiable: true,
  forward: ([x]) => exps(x),
  vjp: (g, { out }) => [tensor(Array.from(g.data, (v, i) => v * out.data[i]))],
});
const x = tensor([0, 1]);
const secondDerivative = (op: (x: Tensor) => Tensor) => grad((y: Tensor) => sum(grad((z: Tensor) => sum(op(z)))(y)[0]))(x)[0];

describe("a vjp written on raw arrays", () => {
  it("gives first derivatives as usual", () => {
    expect(grad((v: Tensor) => sum(rawExp(v)))(x)[0].toArray()).toEqual([1, Math.E]);
  });

  it("raises under grad of grad instead of returning zeros, naming the op and the fix", () => {
    expect(() => secondDerivative(rawExp)).toThrow(
      "vjp of op 'rawExp' returned a gradient for input 0 ('x') that is not computed with tensor ops from g or the op's " +
        "inputs and output (raw arrays?), while a gradient of this gradient is being taken (grad of grad, a Hessian, jvp): " +
        "through 'rawExp' it would silently be zero. Write the vjp with tensor ops (for example mul(g, out) rather than a " +
        "new tensor made from .data), or define the op with onceDifferentiable: true, so that a second derivative through it " +
        "raises an error instead",
    );
    expect(() => hessian((v: Tensor) => sum(rawExp(v)))(x)).toThrow(/vjp of op 'rawExp' returned a gradient/);
  });

  it("raises under jvp, which differentiates the vjp with respect to g (at g = 0, where its result is all zeros)", () => {
    expect(() => jvp((v: Tensor) => rawExp(v), [x], [tensor([1, 1])])).toThrow(/vjp of op 'rawExp' returned a gradient/);
  });

  it("is not checked where the outer tape does not depend on it", () => {
    // The outer gradient is taken with respect to w; rawExp's input is a constant to it.
    const c = tensor([0, 1]);
    const [dw] = grad((w: Tensor) => {
      const [dc] = grad((v: Tensor) => sum(rawExp(v)))(c);
      return sum(mul(w, dc));
    })(tensor([1, 1]));
    expect(dw.toArray()).toEqual([1, Math.E]);
  });
});

describe("onceDifferentiable: true", () => {
  it("keeps first derivatives and makes a second derivative through the op raise", () => {
    expect(grad((v: Tensor) => sum(onceExp(v)))(x)[0].toArray()).toEqual([1, Math.E]);
    const message =
      "op 'onceExp' is once-differentiable (defined with onceDifferentiable: true): its vjp cannot be differentiated, so a " +
      "gradient of a gradient through it (grad of grad, a Hessian, hvp, jvp) is not available. Write its vjp with tensor ops " +
      "and drop the flag to get one";
    expect(() => secondDerivative(onceExp)).toThrow(message);
    expect(() => hessian((v: Tensor) => sum(onceExp(v)))(x)).toThrow(message);
  });

  it("is an option of customVjp too", () => {
    const once = customVjp((v) => exp(v), (g, { out }) => [mul(g, out)], { name: "onceCustomExp", onceDifferentiable: true });
    expect(grad((v: Tensor) => sum(once(v)))(x)[0].toArray()).toEqual([1, Math.E]);
    expect(() => secondDerivative(once)).toThrow(/op 'onceCustomExp' is once-differentiable/);
  });
});

describe("gradients that are constant by right", () => {
  it("pass: null (sign, step, comparisons), zeros made with zerosLike (pow with exponent 0), g·step(x) (relu)", () => {
    expect(secondDerivative((v) => mul(sign(v), v)).toArray()).toEqual([0, 0]);
    expect(secondDerivative((v) => mul(step(v), v)).toArray()).toEqual([0, 0]);
    expect(secondDerivative((v) => mul(greater(v, 0.5), v)).toArray()).toEqual([0, 0]);
    expect(secondDerivative((v) => pow(v, 0)).toArray()).toEqual([0, 0]);
    expect(secondDerivative(relu).toArray()).toEqual([0, 0]);
    expect(secondDerivative((v) => mul(equal(v, 1), v)).toArray()).toEqual([0, 0]);
  });

  it("pass for a custom piecewise-constant op whose vjp returns zerosLike(x)", () => {
    const floorOp = defineOp({
      name: "floorForTest",
      inputNames: ["x"],
      forward: ([v]) => tensor(Array.from(v.data, Math.floor)),
      vjp: (_g, { inputs: [v] }) => [zerosLike(v)],
    });
    expect(secondDerivative((v) => mul(floorOp(v), v)).toArray()).toEqual([0, 0]);
  });

  it("built-in ops pass with their true second derivatives (exp's is eˣ)", () => {
    expect(secondDerivative(exp).toArray()).toEqual([1, Math.E]);
  });
});
