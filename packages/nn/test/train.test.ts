import { describe, expect, it } from "vitest";
import { tensor } from "@tapegrad/core";
import { adam, evaluate, exampleCount, fit, mlp, sgd, spiral, takeExamples, twoMoons, xor } from "../src";

describe.each(["row", "column"] as const)("training, %s convention", (convention) => {
  it("learns XOR to 100 % accuracy", () => {
    const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention, seed: 0 });
    const history = fit(model, xor({ convention }), { epochs: 500, optimizer: sgd({ learningRate: 1 }) });
    expect(history.accuracy.at(-1)).toBe(1);
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 10);
  });

  it("reaches at least 97 % on held-out two moons with mini-batches", () => {
    const train = twoMoons({ examples: 400, noise: 0.1, seed: 1, convention });
    const test = twoMoons({ examples: 400, noise: 0.1, seed: 2, convention });
    const model = mlp({ sizes: [2, 16, 1], hidden: "tanh", output: "sigmoid", convention, seed: 0 });
    const epochs: number[] = [];
    fit(model, train, { epochs: 60, batchSize: 32, optimizer: adam({ learningRate: 0.02 }), seed: 3, onEpoch: (r) => epochs.push(r.epoch) });
    expect(epochs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(evaluate(model, test).accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it("reaches at least 97 % on a three-arm spiral with a softmax output", () => {
    const data = spiral({ examplesPerClass: 100, classes: 3, seed: 1, convention });
    const model = mlp({ sizes: [2, 32, 32, 3], hidden: "relu", output: "softmax", convention, seed: 0 });
    const history = fit(model, data, { epochs: 150, batchSize: 32, optimizer: adam({ learningRate: 0.01 }), seed: 0 });
    expect(history.accuracy.at(-1)).toBeGreaterThanOrEqual(0.97);
  });

  it("gives the same numbers twice for the same seed, and others for another", () => {
    const run = (seed: number) => {
      const model = mlp({ sizes: [2, 8, 1], hidden: "tanh", output: "sigmoid", convention, seed: 0 });
      return fit(model, twoMoons({ examples: 64, seed: 5, convention }), { epochs: 3, batchSize: 16, optimizer: adam({ learningRate: 0.01 }), seed }).loss;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});

describe("fit's errors", () => {
  it("stops on a NaN loss with advice, keeping the parameters from before that step", () => {
    const model = mlp({ sizes: [2, 4, 1], hidden: "relu", output: "identity", convention: "row", seed: 0 });
    const data = { inputs: tensor([[1, 2], [3, 4]]), targets: tensor([[1], [2]]) };
    let afterLastGoodEpoch = model.params;
    let epochsDone = 0;
    const diverge = () => fit(model, data, { epochs: 50, optimizer: sgd({ learningRate: 1e10 }), onEpoch: () => ((afterLastGoodEpoch = model.params), epochsDone++) });
    expect(diverge).toThrow(/^fit: the loss is (NaN|Infinity) at epoch \d+, mini-batch 1: training diverged\. Lower the learning rate \(optimizer: sgd\(learningRate=10000000000\)\)/);
    expect(epochsDone).toBeGreaterThan(0);
    expect(model.params).toBe(afterLastGoodEpoch);
  });

  it("refuses data holding NaN, naming where", () => {
    const model = mlp({ sizes: [2, 1], output: "sigmoid", convention: "row" });
    expect(() => fit(model, { inputs: tensor([[1, NaN]]), targets: tensor([[1]]) }, { epochs: 1 })).toThrow("fit: the inputs hold NaN at flat index 1; clean the data first");
  });

  it("refuses mismatched example counts and bad settings", () => {
    const model = mlp({ sizes: [2, 1], output: "sigmoid", convention: "row" });
    expect(() => fit(model, { inputs: tensor([[1, 2], [3, 4]]), targets: tensor([[1]]) }, { epochs: 1 })).toThrow(
      "dataset: the tensors disagree on the number of examples along axis 0 (row convention, examples as rows): inputs [2, 2], targets [1, 1]",
    );
    expect(() => fit(model, xor({ convention: "row" }), { epochs: 0 })).toThrow("fit: epochs must be a positive integer, got 0");
    expect(() => fit(model, xor({ convention: "row" }), { epochs: 1, batchSize: 1.5 })).toThrow(/batchSize must be a positive integer/);
    expect(() => fit(model, xor({ convention: "column" }), { epochs: 1 })).toThrow(/along axis 0 .*: inputs \[2, 4\], targets \[1, 4\]; the data looks laid out for the 'column' convention$/);
  });
});

describe("batching", () => {
  it("takes examples along the convention's example axis", () => {
    const data = { inputs: tensor([[1, 2, 3], [4, 5, 6]]), targets: tensor([[7, 8, 9]]) };
    expect(exampleCount(data, "column")).toBe(3);
    const picked = takeExamples(data, [2, 0], "column");
    expect(picked.inputs.toArray()).toEqual([[3, 1], [6, 4]]);
    expect(picked.targets.toArray()).toEqual([[9, 7]]);
    expect(takeExamples({ inputs: tensor([[1, 2], [3, 4], [5, 6]]), targets: tensor([[0], [1], [2]]) }, [1], "row").inputs.toArray()).toEqual([[3, 4]]);
  });

  it("the epoch loss is the example-weighted mean of the mini-batch losses", () => {
    const data = twoMoons({ examples: 10, seed: 9, convention: "row" });
    const model = mlp({ sizes: [2, 3, 1], output: "sigmoid", convention: "row", seed: 0 });
    const before = evaluate(model, data).loss;
    // With a zero learning rate nothing moves, so every batch sees the same parameters.
    const history = fit(model, data, { epochs: 1, batchSize: 4, optimizer: sgd({ learningRate: Number.MIN_VALUE }) });
    expect(history.loss[0]).toBeCloseTo(before, 12);
  });
});
