import { describe, expect, it } from "vitest";
import { grad, mul, sum, square, tensor, type Tensor } from "@tapegrad/core";
import { adam, adamW, clipGradNorm, init, mlp, momentum, rmsprop, sgd, stepDecay, type Optimizer, type Params } from "../src";

const stats = (t: Tensor) => {
  const values = Array.from(t.data);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
};
const context = { fanIn: 300, fanOut: 100, seed: 1, dtype: "float64" as const };

describe("initialisers", () => {
  it("are reproducible from a seed", () => {
    const a = mlp({ sizes: [3, 4, 2], convention: "row", seed: 5 });
    const b = mlp({ sizes: [3, 4, 2], convention: "row", seed: 5 });
    const c = mlp({ sizes: [3, 4, 2], convention: "row", seed: 6 });
    expect(a.params["layer1.W"].toArray()).toEqual(b.params["layer1.W"].toArray());
    expect(a.params["layer1.W"].toArray()).not.toEqual(c.params["layer1.W"].toArray());
    expect(a.params["layer1.b"].toArray()).toEqual([[0, 0, 0, 0]]);
  });

  it("have the scale their formulas give", () => {
    const glorotLimit = Math.sqrt(6 / 400);
    const glorot = stats(init.glorotUniform()([300, 100], context));
    expect(glorot.max).toBeLessThanOrEqual(glorotLimit);
    expect(glorot.min).toBeGreaterThanOrEqual(-glorotLimit);
    expect(Math.abs(glorot.std - glorotLimit / Math.sqrt(3))).toBeLessThan(0.003);
    expect(Math.abs(stats(init.glorotNormal()([300, 100], context)).std - Math.sqrt(2 / 400))).toBeLessThan(0.003);
    expect(Math.abs(stats(init.heNormal()([300, 100], context)).std - Math.sqrt(2 / 300))).toBeLessThan(0.003);
    expect(stats(init.heUniform()([300, 100], context)).max).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(Math.abs(stats(init.normal({ std: 0.5 })([300, 100], context)).std - 0.5)).toBeLessThan(0.01);
    const u = stats(init.uniform({ low: 2, high: 3 })([300, 100], context));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(3);
    expect(stats(init.zeros()([3], context)).max).toBe(0);
  });
});

describe("optimisers: two exact steps each, from θ = 1 with g₁ = 0.5 then g₂ = −1", () => {
  const start: Params = { w: tensor([1]) };
  const g1: Params = { w: tensor([0.5]) };
  const g2: Params = { w: tensor([-1]) };
  const twoSteps = (optimizer: Optimizer) => {
    const first = optimizer.step(start, g1);
    const second = optimizer.step(first, g2);
    return [first.w.data[0], second.w.data[0]];
  };
  const expectSteps = (actual: number[], expected: number[]) => {
    expect(actual[0]).toBeCloseTo(expected[0], 14);
    expect(actual[1]).toBeCloseTo(expected[1], 14);
  };

  it("sgd: θ ← θ − η·g, leaving the old parameters as they were", () => {
    // η = 0.1: 1 − 0.05 = 0.95; 0.95 + 0.1 = 1.05
    expectSteps(twoSteps(sgd({ learningRate: 0.1 })), [0.95, 1.05]);
    expect(start.w.toArray()).toEqual([1]);
  });

  it("sgd with weight decay: g ← g + λθ", () => {
    // λ = 0.1: g = 0.5 + 0.1 = 0.6, θ = 1 − 0.06 = 0.94; g = −1 + 0.094 = −0.906, θ = 0.94 + 0.0906 = 1.0306
    expectSteps(twoSteps(sgd({ learningRate: 0.1, weightDecay: 0.1 })), [0.94, 1.0306]);
  });

  it("momentum: v ← μv + g (v₁ = g), θ ← θ − ηv", () => {
    // μ = 0.9, η = 0.1: v = 0.5, θ = 0.95; v = 0.45 − 1 = −0.55, θ = 0.95 + 0.055 = 1.005
    expectSteps(twoSteps(momentum({ learningRate: 0.1, momentum: 0.9 })), [0.95, 1.005]);
  });

  it("momentum with Nesterov: θ ← θ − η(g + μv), as PyTorch", () => {
    // v = 0.5, step 0.5 + 0.45 = 0.95, θ = 0.905; v = −0.55, step −1 − 0.495 = −1.495, θ = 0.905 + 0.1495 = 1.0545
    expectSteps(twoSteps(momentum({ learningRate: 0.1, momentum: 0.9, nesterov: true })), [0.905, 1.0545]);
  });

  it("momentum with weight decay", () => {
    // λ = 0.1: g = 0.6, v = 0.6, θ = 0.94; g = −1 + 0.094 = −0.906, v = 0.54 − 0.906 = −0.366, θ = 0.94 + 0.0366 = 0.9766
    expectSteps(twoSteps(momentum({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.1 })), [0.94, 0.9766]);
  });

  it("adam: bias-corrected moments", () => {
    // β₁ = 0.9, β₂ = 0.999, ε = 1e-8, η = 0.1.
    // t = 1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25: θ = 1 − 0.1·0.5/(0.5 + ε)
    // t = 2: m = 0.045 − 0.1 = −0.055, v = 0.00024975 + 0.001 = 0.00124975,
    //        m̂ = −0.055/(1 − 0.81), v̂ = 0.00124975/(1 − 0.998001)
    const first = 1 - (0.1 * 0.5) / (0.5 + 1e-8);
    const second = first - (0.1 * (-0.055 / 0.19)) / (Math.sqrt(0.00124975 / 0.001999) + 1e-8);
    expectSteps(twoSteps(adam({ learningRate: 0.1 })), [first, second]);
  });

  it("adam with weight decay adds λθ to the gradient before the moments", () => {
    // λ = 0.1: g = 0.6, m̂ = 0.6, v̂ = 0.36: θ = 1 − 0.1·0.6/(0.6 + ε)
    const next = adam({ learningRate: 0.1, weightDecay: 0.1 }).step(start, g1);
    expect(next.w.data[0]).toBeCloseTo(1 - (0.1 * 0.6) / (0.6 + 1e-8), 14);
  });

  it("adamW: θ ← θ(1 − ηλ), then the Adam step on the plain gradient (λ = 0.01 by default)", () => {
    // The moments are those of the adam test; each step first multiplies θ by 1 − 0.1·0.01 = 0.999.
    const first = 0.999 - (0.1 * 0.5) / (0.5 + 1e-8);
    const second = first * 0.999 - (0.1 * (-0.055 / 0.19)) / (Math.sqrt(0.00124975 / 0.001999) + 1e-8);
    expectSteps(twoSteps(adamW({ learningRate: 0.1 })), [first, second]);
    expect(adamW().description).toBe("adamW(learningRate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weightDecay=0.01)");
    // decoupled decay differs from the L2 term of adam
    const l2 = adam({ learningRate: 0.1, weightDecay: 0.01 }).step(start, g1).w.data[0];
    expect(Math.abs(l2 - first)).toBeGreaterThan(1e-4);
  });

  it("rmsprop: v ← αv + (1 − α)g², θ ← θ − η·g/(√v + ε) (α = 0.99, ε = 1e-8 by default)", () => {
    // η = 0.01: v = 0.01·0.25 = 0.0025, θ = 1 − 0.01·0.5/(0.05 + ε);
    //           v = 0.99·0.0025 + 0.01·1 = 0.012475, θ += 0.01·1/(√0.012475 + ε)
    const first = 1 - (0.01 * 0.5) / (0.05 + 1e-8);
    const second = first + 0.01 / (Math.sqrt(0.012475) + 1e-8);
    expectSteps(twoSteps(rmsprop({ learningRate: 0.01 })), [first, second]);
    expect(rmsprop().description).toBe("rmsprop(learningRate=0.01, alpha=0.99, epsilon=1e-8)");
  });

  it("rmsprop with momentum: b ← μb + g/(√v + ε), θ ← θ − ηb", () => {
    const d1 = 0.5 / (0.05 + 1e-8);
    const d2 = -1 / (Math.sqrt(0.012475) + 1e-8);
    const first = 1 - 0.01 * d1;
    const second = first - 0.01 * (0.9 * d1 + d2);
    expectSteps(twoSteps(rmsprop({ learningRate: 0.01, momentum: 0.9 })), [first, second]);
  });

  it("rmsprop centred and with weight decay", () => {
    // centred: ḡ = 0.01·0.5 = 0.005, so the root is √(0.0025 − 0.000025)
    const centred = rmsprop({ learningRate: 0.01, centered: true }).step(start, g1).w.data[0];
    expect(centred).toBeCloseTo(1 - (0.01 * 0.5) / (Math.sqrt(0.002475) + 1e-8), 14);
    // λ = 0.1: g = 0.6, v = 0.0036, θ = 1 − 0.01·0.6/(0.06 + ε)
    const decayed = rmsprop({ learningRate: 0.01, weightDecay: 0.1 }).step(start, g1).w.data[0];
    expect(decayed).toBeCloseTo(1 - (0.01 * 0.6) / (0.06 + 1e-8), 14);
  });

  it("take a schedule as the learning rate, one value per step", () => {
    // η = 0.1 then 0.05: 1 − 0.05 = 0.95, then 0.95 − 0.05·0.5 = 0.925
    const optimizer = sgd({ learningRate: stepDecay({ initial: 0.1, stepSize: 1, gamma: 0.5 }) });
    const first = optimizer.step(start, g1);
    expect(optimizer.steps).toBe(1);
    expect(optimizer.learningRateAt(1)).toBe(0.05);
    expect(optimizer.step(first, g1).w.data[0]).toBeCloseTo(0.925, 15);
    expect(optimizer.step(first, g1, 0).w.data[0]).toBeCloseTo(0.9, 15); // an explicit t, as fit gives per epoch
    expect(optimizer.description).toBe("sgd(learningRate=stepDecay(initial=0.1, stepSize=1, gamma=0.5))");
    expect(() => sgd({ learningRate: () => NaN }).step(start, g1)).toThrow("sgd: the schedule gave NaN at step 0; a learning rate must be a finite number ≥ 0");
  });

  it("adam minimises a quadratic", () => {
    const opt = adam({ learningRate: 0.1 });
    let p: Params = { x: tensor([3, -4]) };
    for (let i = 0; i < 500; i++) p = opt.step(p, grad((q: Params) => sum(square(q.x)))(p)[0]);
    expect(Math.max(...Array.from(p.x.data).map(Math.abs))).toBeLessThan(1e-3);
  });

  it("are generic over the parameter record: an interface goes in and comes out, no casts", () => {
    interface Line {
      slope: Tensor;
      intercept: Tensor;
    }
    const line: Line = { slope: tensor([2]), intercept: tensor([1]) };
    const grads = grad((p: Line) => sum(square(mul(p.slope, p.intercept))))(line)[0]; // d/ds (s·c)² = 2s·c² = 4, d/dc = 2s²·c = 8
    for (const optimizer of [sgd({ learningRate: 0.1 }), momentum({ learningRate: 0.1 }), adam(), adamW(), rmsprop()]) {
      const next: Line = optimizer.step(line, grads);
      expect(Object.keys(next)).toEqual(["slope", "intercept"]);
    }
    expect(sgd({ learningRate: 0.1 }).step(line, grads).intercept.data[0]).toBeCloseTo(1 - 0.8, 15);
  });

  it("keep float32 parameters float32", () => {
    const p = { w: tensor([1, 2], { dtype: "float32" }) };
    const g = { w: tensor([0.5, 0.5], { dtype: "float32" }) };
    for (const optimizer of [sgd({ learningRate: 0.1, weightDecay: 0.1 }), momentum({ learningRate: 0.1, nesterov: true }), adam(), adamW(), rmsprop({ momentum: 0.5, centered: true })]) {
      expect(optimizer.step(p, g).w.dtype).toBe("float32");
    }
  });

  it("reject bad settings and mismatched gradients, changing nothing", () => {
    const params: Params = { w: tensor([1, -2]) };
    expect(() => sgd({ learningRate: -1 })).toThrow("sgd: learningRate must be a number in (0, ∞), got -1");
    expect(() => sgd({ learningRate: 0.1, weightDecay: -1 })).toThrow("sgd: weightDecay must be a number in [0, ∞), got -1");
    expect(() => momentum({ learningRate: 0.1, momentum: 1 })).toThrow(/momentum must be a number in \[0, 1\)/);
    expect(() => momentum({ learningRate: 0.1, momentum: 0, nesterov: true })).toThrow("momentum: nesterov needs a momentum above 0");
    expect(() => adam({ beta2: 1.5 })).toThrow(/beta2 must be a number/);
    expect(() => rmsprop({ alpha: 1 })).toThrow("rmsprop: alpha must be a number in [0, 1), got 1");
    const optimizer = momentum({ learningRate: 0.1 });
    expect(() => optimizer.step(params, {})).toThrow("momentum: no gradient for parameter 'w'");
    expect(() => optimizer.step(params, { w: tensor([1]) })).toThrow("momentum: the gradient of 'w' is [1] float64, but the parameter is [2] float64");
    expect(() => optimizer.step(params, { w: tensor([1, 1]), v: tensor([1]) })).toThrow("momentum: a gradient for 'v', which is not among the parameters");
    expect(() => optimizer.step({ toString: tensor([1]) } as Params, {})).toThrow("momentum: no gradient for parameter 'toString'");
    expect(optimizer.steps).toBe(0);
  });
});

describe("clipGradNorm", () => {
  it("scales every gradient by maxNorm/(‖g‖ + 1e-6) when the global norm is above maxNorm", () => {
    const grads = { a: tensor([3]), b: tensor([[0, 4]]) }; // ‖g‖ = √(9 + 16) = 5
    const { grads: clipped, norm } = clipGradNorm(grads, 1);
    expect(norm).toBe(5);
    expect(clipped.a.data[0]).toBeCloseTo(3 / (5 + 1e-6), 15);
    expect(clipped.b.toArray()).toEqual([[0, 4 / (5 + 1e-6)]]);
    expect(grads.a.data[0]).toBe(3);
  });

  it("leaves gradients within the limit as they are", () => {
    const grads = { a: tensor([0.3, 0.4]) };
    const result = clipGradNorm(grads, 1);
    expect(result.norm).toBeCloseTo(0.5, 15);
    expect(result.grads).toBe(grads);
    expect(() => clipGradNorm(grads, 0)).toThrow("clipGradNorm: maxNorm must be a number in (0, ∞), got 0");
  });
});
