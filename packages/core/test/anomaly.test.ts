import { describe, expect, it } from "vitest";
import { defineOp, detectAnomaly, div, grad, log, matmul, mul, sqrt, sum, tensor, type Tensor } from "../src";

describe("anomaly mode", () => {
  const W = tensor([[1, -2]]);
  const x = tensor([[1], [1]]);
  const network = (W: Tensor, x: Tensor) => sum(log(matmul(W, x))); // W·x = −1: log of a negative number

  it("is off by default: NaN propagates silently", () => {
    const [dW] = grad(network)(W, x);
    expect(Number.isNaN(sum(network(W, x)).item())).toBe(true);
    expect(dW.shape).toEqual([1, 2]);
  });

  it("names the op, the forward pass, the shapes and the caller's line at the first NaN", () => {
    let message = "";
    try {
      detectAnomaly(() => grad(network)(W, x));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^anomaly in the forward pass: op 'log' produced NaN at flat index 0 of its output \[1, 1\] \(inputs \[1, 1\], all finite\), called at /);
    expect(message).toContain("anomaly.test.ts");
  });

  it("finds a vjp that returns ±Inf in the backward pass, naming the op and the input", () => {
    // sqrt is finite at 0, but its derivative 1/(2√x) is not.
    let message = "";
    try {
      detectAnomaly(() => grad((v: Tensor) => sum(sqrt(v)))(tensor([4, 0])));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^anomaly in the backward pass: computing the vjp of op 'sqrt', op 'div' produced \+Inf at flat index 1 of its output \[2\]/);
    expect(message).toContain("anomaly.test.ts");
  });

  it("checks what a vjp returns, naming the op and the input", () => {
    const infiniteRule = defineOp({
      name: "infiniteVjpTest",
      inputNames: ["x"],
      formula: "out = x",
      vjpFormula: "dx = ∞ (wrong on purpose)",
      forward: ([x]) => mul(x, 1),
      vjp: () => [tensor([Infinity, 0])],
    });
    expect(() => detectAnomaly(() => grad((v: Tensor) => sum(infiniteRule(v)))(tensor([1, 2])))).toThrow(
      /^anomaly in the backward pass: the vjp of op 'infiniteVjpTest' returned \+Inf at flat index 0 of the gradient of input 0 \('x'\) .*the op was called at .*anomaly\.test\.ts/,
    );
  });

  it("passes a finite computation through unchanged and switches itself off afterwards", () => {
    const [dW] = detectAnomaly(() => grad((W: Tensor) => sum(mul(W, W)))(tensor([1, 2])));
    expect(dW.toArray()).toEqual([2, 4]);
    expect(() => div(tensor([1]), tensor([0]))).not.toThrow();
  });
});

describe("errors inside a vjp", () => {
  it("are re-thrown naming the op being differentiated, with the original error as cause", () => {
    const broken = defineOp({
      name: "brokenVjpTest",
      inputNames: ["x"],
      formula: "out = x",
      vjpFormula: "dx = (throws)",
      forward: ([x]) => mul(x, 1),
      vjp: () => {
        throw new RangeError("something inside the rule");
      },
    });
    let caught: Error | undefined;
    try {
      grad((x: Tensor) => sum(broken(x)))(tensor([1, 2]));
    } catch (error) {
      caught = error as Error;
    }
    expect(caught?.message).toBe(
      "while differentiating op 'brokenVjpTest' (inputs [2], output [2]), its vjp failed: something inside the rule",
    );
    expect(caught?.cause).toBeInstanceOf(RangeError);
  });
});
