import { describe, expect, it } from "vitest";
import { tensor } from "@tapegrad/core";
import { cosineAnnealing, fit, graph, dense, linearWarmup, sgd, stepDecay, type EpochRecord, type Schedule } from "../src";

const values = (schedule: Schedule, ts: number[]) => ts.map((t) => schedule(t));

describe("stepDecay: η₀·γ^⌊t / stepSize⌋", () => {
  it("holds each rate for stepSize steps", () => {
    const rate = stepDecay({ initial: 0.1, stepSize: 10, gamma: 0.5 });
    expect(values(rate, [0, 9, 10, 19, 20, 25])).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(stepDecay({ initial: 1, stepSize: 2 })(3)).toBe(0.1); // γ = 0.1 by default
    expect(rate.description).toBe("stepDecay(initial=0.1, stepSize=10, gamma=0.5)");
  });
});

describe("cosineAnnealing: η_min + (η₀ − η_min)(1 + cos(πt/T))/2", () => {
  it("falls from η₀ to η_min over T steps and stays there", () => {
    const rate = cosineAnnealing({ initial: 0.1, period: 100 });
    expect(rate(0)).toBe(0.1);
    expect(rate(25)).toBeCloseTo(0.05 * (1 + Math.SQRT1_2), 15); // cos(π/4) = √2/2
    expect(rate(50)).toBeCloseTo(0.05, 15);
    expect(rate(100)).toBe(0);
    expect(rate(150)).toBe(0);
    const floored = cosineAnnealing({ initial: 0.1, period: 10, minimum: 0.01 });
    expect(floored(5)).toBeCloseTo(0.01 + 0.09 / 2, 15);
    expect(floored(10)).toBe(0.01);
  });
});

describe("linearWarmup: η_after(0)·(s + (1 − s)t/W) for t < W, then η_after(t − W)", () => {
  it("rises linearly to a constant rate", () => {
    const rate = linearWarmup({ steps: 4, startFactor: 0, then: 0.1 });
    const expected = [0, 0.025, 0.05, 0.075, 0.1, 0.1];
    values(rate, [0, 1, 2, 3, 4, 5]).forEach((value, t) => expect(value).toBeCloseTo(expected[t], 15));
    expect(linearWarmup({ steps: 2, then: 0.3 })(0)).toBeCloseTo(0.1, 15); // s = 1/3 by default, as PyTorch's LinearLR
  });

  it("composes with another schedule, which starts its own t when warm-up ends", () => {
    const rate = linearWarmup({ steps: 4, startFactor: 0, then: cosineAnnealing({ initial: 0.1, period: 10 }) });
    expect(rate(2)).toBeCloseTo(0.05, 15);
    expect(rate(4)).toBe(0.1);
    expect(rate(9)).toBeCloseTo(0.05, 15); // the cosine at 5 of 10
    expect(rate(14)).toBe(0);
    expect(rate.description).toBe("linearWarmup(steps=4, startFactor=0, then=cosineAnnealing(initial=0.1, period=10, minimum=0))");
  });
});

describe("schedule errors", () => {
  it("name the schedule and the option", () => {
    expect(() => stepDecay({ initial: 0.1, stepSize: 0 })).toThrow("stepDecay: stepSize must be an integer > 0, got 0");
    expect(() => cosineAnnealing({ initial: 0.1, period: 10, minimum: 0.2 })).toThrow("cosineAnnealing: minimum (0.2) is above initial (0.1)");
    expect(() => linearWarmup({ steps: 3, startFactor: 2, then: 0.1 })).toThrow("linearWarmup: startFactor must be in [0, 1], got 2");
    expect(() => stepDecay({ initial: 0.1, stepSize: 1 })(-1)).toThrow("the step t must be an integer ≥ 0, got -1");
  });
});

describe("schedules in fit", () => {
  // A one-weight model on one example, so each epoch's rate is easy to read off.
  const build = () => {
    const layer = dense({ name: "out", inputSize: 1, units: 1, convention: "row" });
    return graph({ layers: [layer], forward: (p, x) => layer.apply(p, x), output: "identity", convention: "row" });
  };
  const data = { inputs: tensor([[1], [2]]), targets: tensor([[1], [2]]) };

  it("step by mini-batch: the epoch's record shows the rate of its last step", () => {
    const records: EpochRecord[] = [];
    const rate = stepDecay({ initial: 0.1, stepSize: 1, gamma: 0.5 });
    fit(build(), data, { epochs: 3, batchSize: 1, optimizer: sgd({ learningRate: rate }), onEpoch: (r) => records.push(r) });
    // two steps per epoch: t = 1, 3, 5 end the epochs
    expect(records.map((r) => r.learningRate)).toEqual([0.05, 0.0125, 0.003125]);
  });

  it("step by epoch: every step of epoch e uses t = e − 1", () => {
    const records: EpochRecord[] = [];
    const rate = stepDecay({ initial: 0.1, stepSize: 1, gamma: 0.5 });
    fit(build(), data, { epochs: 3, batchSize: 1, optimizer: sgd({ learningRate: rate }), scheduleBy: "epoch", onEpoch: (r) => records.push(r) });
    expect(records.map((r) => r.learningRate)).toEqual([0.1, 0.05, 0.025]);
    expect(() => fit(build(), data, { epochs: 1, scheduleBy: "batch" as "step" })).toThrow("fit: scheduleBy must be 'step' or 'epoch', got \"batch\"");
  });
});
