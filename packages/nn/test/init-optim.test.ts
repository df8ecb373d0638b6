import { describe, expect, it } from "vitest";
import { grad, sum, square, tensor, type Tensor } from "@tapegrad/core";
import { adam, init, mlp, momentum, sgd, type Params } from "../src";

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

describe("optimisers", () => {
  const params: Params = { w: tensor([1, -2]) };
  const grads: Params = { w: tensor([0.5, 0.25]) };

  it("sgd: θ − η·g, leaving the old parameters as they were", () => {
    const next = sgd({ learningRate: 0.1 }).step(params, grads);
    expect(next.w.toArray()).toEqual([1 - 0.05, -2 - 0.025]);
    expect(params.w.toArray()).toEqual([1, -2]);
  });

  it("momentum: v ← μv + g, θ ← θ − ηv over two steps", () => {
    const opt = momentum({ learningRate: 0.1, momentum: 0.9 });
    const first = opt.step(params, grads); // v = g
    const second = opt.step(first, grads); // v = 0.9g + g = 1.9g
    expect(second.w.toArray()).toEqual([1 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5, -2 - 0.1 * 0.25 - 0.1 * 1.9 * 0.25]);
  });

  it("adam: the first step moves each parameter by about η against the gradient's sign", () => {
    const next = adam({ learningRate: 0.01 }).step(params, grads);
    // m̂ = g and v̂ = g² after one step, so the update is η·g/(|g| + ε).
    expect(next.w.data[0]).toBeCloseTo(1 - 0.01 * (0.5 / (0.5 + 1e-8)), 15);
    expect(next.w.data[1]).toBeCloseTo(-2 - 0.01 * (0.25 / (0.25 + 1e-8)), 15);
  });

  it("adam minimises a quadratic", () => {
    const opt = adam({ learningRate: 0.1 });
    let p: Params = { x: tensor([3, -4]) };
    for (let i = 0; i < 500; i++) p = opt.step(p, grad((q: Params) => sum(square(q.x)))(p)[0]);
    expect(Math.max(...Array.from(p.x.data).map(Math.abs))).toBeLessThan(1e-3);
  });

  it("reject bad settings", () => {
    expect(() => sgd({ learningRate: -1 })).toThrow("sgd: learningRate must be a number in (0, ∞), got -1");
    expect(() => momentum({ learningRate: 0.1, momentum: 1 })).toThrow(/momentum must be a number in \[0, 1\)/);
    expect(() => adam({ beta2: 1.5 })).toThrow(/beta2 must be a number/);
    expect(() => sgd({ learningRate: 0.1 }).step(params, {})).toThrow("optimizer: no gradient for parameter 'w'");
  });
});
