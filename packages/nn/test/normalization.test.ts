import { describe, expect, it } from "vitest";
import { add, grad, mean, mul, ones, randn, Random, sum, tensor, valueAndGrad, variance, type Tensor } from "@tapegrad/core";
import { assertAllClose, gradcheck, type GradcheckOptions } from "@tapegrad/core/testing";
import {
  adam,
  batchNorm,
  dense,
  dropout,
  evaluationContext,
  graph,
  layerNorm,
  modelFromWeights,
  sequential,
  serializeWeights,
  type LayerContext,
  type Model,
  type Optimizer,
  type Params,
} from "../src";
import { LAYER_KINDS } from "../src/layers";

/** gradcheck of a loss over named values (parameters and inputs), with options. */
function gradcheckParams(loss: (params: Params) => Tensor, params: Params, options: GradcheckOptions = {}) {
  const names = Object.keys(params);
  return gradcheck((...values: Tensor[]) => loss(Object.fromEntries(names.map((name, i) => [name, values[i]]))), names.map((name) => params[name]), options);
}

/** Training steps with the training context, state updates committed after each step. */
function trainSteps(model: Model, inputs: Tensor, targets: Tensor, steps: number, optimizer: Optimizer): number[] {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const updates: Params = {};
    const { value, grads } = valueAndGrad((p: Params) => model.loss(p, inputs, targets, model.context(true, updates)))(model.params);
    model.params = optimizer.step(model.params, grads[0]);
    model.commitState(updates);
    losses.push(value.item());
  }
  return losses;
}

/** A training context whose random stream restarts at every call, for finite differences through dropout. */
function fixedTrainingContext(seed: number): LayerContext {
  return { training: true, random: new Random(seed), state: {}, updateState: () => {} };
}

describe("layerNorm", () => {
  it("standardises [1, 2, 3] by hand: mean 2, biased variance 2/3", () => {
    const norm = layerNorm({ name: "norm", normalizedShape: 3 });
    const s = 1 / Math.sqrt(2 / 3 + 1e-5);
    assertAllClose(norm.apply(norm.initialize(), tensor([[1, 2, 3]])), tensor([[-s, 0, s]]), { rtol: 1e-14 });
    // with γ = [1, 2, 3] and β = [0, 1, −1]: y = standardised·γ + β
    const params = { "norm.gamma": tensor([1, 2, 3]), "norm.beta": tensor([0, 1, -1]) };
    // [6, 4, 2]: mean 4, deviations [2, 0, −2], biased variance 8/3
    const t = 2 / Math.sqrt(8 / 3 + 1e-5);
    assertAllClose(norm.apply(params, tensor([[1, 2, 3], [6, 4, 2]])), tensor([[-s, 1, 3 * s - 1], [t, 1, -3 * t - 1]]), { rtol: 1e-14 });
  });

  it("normalises each position of a sequence, and over several last axes", () => {
    const x = randn([2, 3, 4], { seed: 1, mean: 5, std: 3 });
    const perFeature = layerNorm({ name: "ln", normalizedShape: 4 });
    const y = perFeature.apply(perFeature.initialize(), x);
    assertAllClose(mean(y, -1), tensor([[0, 0, 0], [0, 0, 0]]), { atol: 1e-12 });
    assertAllClose(variance(y, -1), tensor([[1, 1, 1], [1, 1, 1]]), { rtol: 1e-4 });
    const overBoth = layerNorm({ name: "ln", normalizedShape: [3, 4] });
    expect(overBoth.parameterShapes()).toEqual({ "ln.gamma": [3, 4], "ln.beta": [3, 4] });
    const z = overBoth.apply(overBoth.initialize(), x);
    assertAllClose(mean(z, [1, 2]), tensor([0, 0]), { atol: 1e-12 });
    assertAllClose(variance(z, [1, 2]), tensor([1, 1]), { rtol: 1e-4 });
  });

  it("passes gradcheck at first and second order", () => {
    const norm = layerNorm({ name: "ln", normalizedShape: 4 });
    const x = randn([3, 4], { seed: 2 });
    const params = { "ln.gamma": randn([4], { seed: 3 }), "ln.beta": randn([4], { seed: 4 }) };
    const direction = randn([3, 4], { seed: 5 });
    const loss = (p: Params) => sum(mul(norm.apply(p, p.x), direction));
    for (const order of [1, 2] as const) {
      const result = gradcheckParams(loss, { ...params, x }, { order });
      expect(result.ok, result.summary).toBe(true);
    }
  });

  it("refuses inputs that do not end in normalizedShape, and bad options", () => {
    const norm = layerNorm({ name: "ln", normalizedShape: 4 });
    expect(() => norm.apply(norm.initialize(), tensor([[1, 2, 3]]))).toThrow("layerNorm layer 'ln' expects inputs whose last axis has size 4, got shape [1, 3]");
    expect(() => layerNorm({ name: "ln", normalizedShape: [] })).toThrow("layerNorm layer 'ln': normalizedShape must be a positive integer or a non-empty list of them, got []");
    expect(() => layerNorm({ name: "ln", normalizedShape: 0 })).toThrow("layerNorm layer 'ln': normalizedShape must be a positive integer, got 0");
    expect(() => layerNorm({ name: "ln", normalizedShape: 3, eps: -1 })).toThrow("layerNorm layer 'ln': eps must be a positive number, got -1");
  });

  it("trains: a regression on badly scaled inputs, the loss falling", () => {
    const norm = layerNorm({ name: "norm", normalizedShape: 3 });
    const out = dense({ name: "out", inputSize: 3, units: 1, convention: "row" });
    const model = sequential([norm, out], { seed: 0 });
    const X = tensor([[100, 1, 0.01], [50, 3, 0.02], [10, 2, 0.05], [80, 4, 0.03]]);
    const Y = tensor([[1], [-1], [0.5], [0]]);
    const losses = trainSteps(model, X, Y, 40, adam({ learningRate: 0.05 }));
    expect(losses.at(-1)!).toBeLessThan(losses[0] / 4);
  });
});

describe("batchNorm", () => {
  it("keeps PyTorch's running statistics, by hand over two training steps", () => {
    const bn = batchNorm({ name: "bn", features: 2 });
    const model = sequential([bn]);
    expect(model.state["bn.runningMean"].toArray()).toEqual([0, 0]);
    expect(model.state["bn.runningVar"].toArray()).toEqual([1, 1]);
    const step = (x: Tensor) => {
      const updates: Params = {};
      const y = model.forward(model.params, x, model.context(true, updates));
      model.commitState(updates);
      return y;
    };
    // step 1: mean [2, 20], biased variance [1, 100] (normalising), unbiased [2, 200] (running)
    const y1 = step(tensor([[1, 10], [3, 30]]));
    assertAllClose(y1, tensor([[-1 / Math.sqrt(1 + 1e-5), -10 / Math.sqrt(100 + 1e-5)], [1 / Math.sqrt(1 + 1e-5), 10 / Math.sqrt(100 + 1e-5)]]), { rtol: 1e-14 });
    assertAllClose(model.state["bn.runningMean"], tensor([0.2, 2]), { rtol: 1e-14 }); // 0.9·0 + 0.1·[2, 20]
    assertAllClose(model.state["bn.runningVar"], tensor([1.1, 20.9]), { rtol: 1e-14 }); // 0.9·1 + 0.1·[2, 200]
    // step 2: mean [2, 1], unbiased variance [8, 2]
    step(tensor([[0, 0], [4, 2]]));
    assertAllClose(model.state["bn.runningMean"], tensor([0.38, 1.9]), { rtol: 1e-14 }); // 0.9·[0.2, 2] + 0.1·[2, 1]
    assertAllClose(model.state["bn.runningVar"], tensor([1.79, 19.01]), { rtol: 1e-14 }); // 0.9·[1.1, 20.9] + 0.1·[8, 2]
    // evaluation uses the running statistics and records nothing
    const x = tensor([[1, 2]]);
    assertAllClose(model.forward(model.params, x), tensor([[(1 - 0.38) / Math.sqrt(1.79 + 1e-5), (2 - 1.9) / Math.sqrt(19.01 + 1e-5)]]), { rtol: 1e-14 });
    const updates: Params = {};
    model.forward(model.params, x, model.context(false, updates));
    expect(updates).toEqual({});
    expect(bn.trainingDiffers).toBe(true);
    expect(model.trainingDiffers).toBe(true);
  });

  it("normalises images per channel over N, H and W", () => {
    const bn = batchNorm({ name: "bn", features: 3 });
    const x = randn([4, 3, 2, 5], { seed: 1, mean: 2, std: 4 });
    const updates: Params = {};
    const context: LayerContext = { ...evaluationContext(), training: true, state: { "bn.runningMean": tensor([0, 0, 0]), "bn.runningVar": tensor([1, 1, 1]) }, updateState: (name, value) => (updates[name] = value) };
    const y = bn.apply(bn.initialize(), x, context);
    assertAllClose(mean(y, [0, 2, 3]), tensor([0, 0, 0]), { atol: 1e-12 });
    assertAllClose(variance(y, [0, 2, 3]), tensor([1, 1, 1]), { rtol: 1e-4 });
    const n = 4 * 2 * 5;
    assertAllClose(updates["bn.runningMean"], mul(mean(x, [0, 2, 3]), 0.1), { rtol: 1e-13 });
    assertAllClose(updates["bn.runningVar"], add(mul(variance(x, [0, 2, 3]), (0.1 * n) / (n - 1)), 0.9), { rtol: 1e-13 }); // 0.9·1 + 0.1·unbiased
  });

  it("passes gradcheck in training (batch statistics) and in evaluation, at first and second order", () => {
    const bn = batchNorm({ name: "bn", features: 2 });
    const x = randn([3, 2, 2, 2], { seed: 2 });
    const direction = randn([3, 2, 2, 2], { seed: 3 });
    const state = { "bn.runningMean": tensor([0.5, -0.2]), "bn.runningVar": tensor([2, 0.7]) };
    const params = { "bn.gamma": randn([2], { seed: 4 }), "bn.beta": randn([2], { seed: 5 }), x };
    for (const training of [true, false]) {
      const context: LayerContext = { ...evaluationContext(state), training };
      for (const order of [1, 2] as const) {
        const result = gradcheckParams((p) => sum(mul(bn.apply(p, p.x, context), direction)), params, { order });
        expect(result.ok, `training ${training}, order ${order}\n${result.summary}`).toBe(true);
      }
    }
  });

  it("names what is wrong", () => {
    const bn = batchNorm({ name: "bn", features: 2 });
    expect(() => bn.apply(bn.initialize(), tensor([[1, 2]]))).toThrow(/batchNorm layer 'bn': no state 'bn.runningMean' in the layer context; .*pass model.context\(training\)/);
    const model = sequential([bn]);
    expect(() => model.forward(model.params, tensor([[1, 2, 3]]))).toThrow("batchNorm layer 'bn' expects inputs of shape [N, 2], [N, 2, L] or [N, 2, H, W] (channels on axis 1), got [1, 3]");
    expect(() => model.forward(model.params, tensor([[1, 2]]), model.context(true, {}))).toThrow("batchNorm layer 'bn': training needs more than one value per channel, got input of shape [1, 2]");
    expect(() => batchNorm({ name: "bn", features: 2, momentum: 2 })).toThrow("batchNorm layer 'bn': momentum must be a number in [0, 1], got 2");
    expect(() => batchNorm({ name: "bn", features: 0 })).toThrow("batchNorm layer 'bn': features must be a positive integer, got 0");
  });

  it("trains: a classifier on inputs of very different scales, the loss falling; rebuilt from its description", () => {
    const model = sequential(
      [
        dense({ name: "hidden", inputSize: 2, units: 8, convention: "row" }),
        batchNorm({ name: "bn", features: 8 }),
        dense({ name: "out", inputSize: 8, units: 1, activation: "identity", convention: "row" }),
      ],
      { output: "sigmoid", seed: 1 },
    );
    const X = tensor([[100, 0.01], [200, -0.02], [-150, 0.03], [-50, -0.01], [120, 0.02], [-180, -0.03]]);
    const Y = tensor([[1], [1], [0], [0], [1], [0]]);
    const losses = trainSteps(model, X, Y, 30, adam({ learningRate: 0.05 }));
    expect(losses.at(-1)!).toBeLessThan(losses[0] / 3);
    expect(model.state["bn.runningMean"].data.some((v) => v !== 0)).toBe(true);
    const rebuilt = LAYER_KINDS.batchNorm(model.layers[1].describe(), "row");
    expect(rebuilt.describe()).toEqual({ kind: "batchNorm", name: "bn", features: 8, eps: 1e-5, momentum: 0.1 });
    expect(rebuilt.stateSpecs?.()).toEqual({ "bn.runningMean": { shape: [8], initial: 0 }, "bn.runningVar": { shape: [8], initial: 1 } });
    // saved and loaded with its running statistics, the loaded model evaluates the same
    const loaded = modelFromWeights(serializeWeights(model));
    assertAllClose(loaded.state["bn.runningVar"], model.state["bn.runningVar"], { rtol: 0 });
    assertAllClose(loaded.predict(X), model.predict(X), { rtol: 0 });
  });
});

describe("dropout", () => {
  it("zeroes about p of the elements and scales the rest by 1/(1 − p), keeping the mean", () => {
    const drop = dropout({ name: "drop", rate: 0.25 });
    const x = ones([200, 100]);
    const y = drop.apply({}, x, fixedTrainingContext(1));
    const values = new Set(y.data);
    expect([...values].sort()).toEqual([0, 1 / 0.75]);
    const zeroed = y.data.filter((v) => v === 0).length / y.size;
    expect(Math.abs(zeroed - 0.25)).toBeLessThan(0.02); // the standard deviation of the fraction is 0.003
    // E[y] = x: the mean of 20,000 draws of 0 or 4/3 stays within 4 standard deviations (0.0041 each) of 1
    expect(Math.abs(mean(y).item() - 1)).toBeLessThan(0.017);
  });

  it("is the identity in evaluation and without a context, and with rate 0", () => {
    const x = randn([3, 4], { seed: 1 });
    const drop = dropout({ name: "drop", rate: 0.5 });
    expect(drop.apply({}, x)).toBe(x);
    expect(drop.apply({}, x, evaluationContext())).toBe(x);
    expect(dropout({ name: "d", rate: 0 }).apply({}, x, fixedTrainingContext(0))).toBe(x);
    expect(drop.trainingDiffers).toBe(true);
    expect(drop.parameterSpecs()).toEqual({});
  });

  it("draws a new mask at every step from the model's stream, the same for the same seed", () => {
    const build = () => sequential([dropout({ name: "drop", rate: 0.5 })], { seed: 3 });
    const x = ones([1, 64]);
    const a = build();
    const first = a.forward(a.params, x, a.context(true));
    const second = a.forward(a.params, x, a.context(true));
    expect(first.toArray()).not.toEqual(second.toArray());
    const b = build();
    expect(b.forward(b.params, x, b.context(true)).toArray()).toEqual(first.toArray());
    expect(a.predict(x).toArray()).toEqual(x.toArray());
  });

  it("passes its gradient through the kept elements, scaled; gradcheck with a fixed mask", () => {
    const drop = dropout({ name: "drop", rate: 0.5 });
    const x = randn([4, 5], { seed: 2 });
    const mask = drop.apply({}, ones([4, 5]), fixedTrainingContext(7)); // the mask the same stream draws
    const [dx] = grad((v: Tensor) => sum(drop.apply({}, v, fixedTrainingContext(7))))(x);
    expect(dx.toArray()).toEqual(mask.toArray());
    const direction = randn([4, 5], { seed: 3 });
    const result = gradcheckParams((p) => sum(mul(drop.apply({}, p.x, fixedTrainingContext(7)), direction)), { x }, { order: 2 });
    expect(result.ok, result.summary).toBe(true);
  });

  it("refuses a rate outside [0, 1)", () => {
    expect(() => dropout({ name: "drop", rate: 1 })).toThrow("dropout layer 'drop': rate must be a number in [0, 1) (the probability of zeroing an element), got 1");
    expect(() => dropout({ name: "drop", rate: -0.1 })).toThrow(/rate must be a number in \[0, 1\)/);
  });

  it("trains a network with dropout, the loss falling, and evaluates without it", () => {
    const hidden = dense({ name: "hidden", inputSize: 2, units: 32, activation: "relu", convention: "row" });
    const drop = dropout({ name: "drop", rate: 0.2 });
    const out = dense({ name: "out", inputSize: 32, units: 1, convention: "row" });
    const model = graph({
      layers: [hidden, drop, out],
      forward: (p, x: Tensor, context) => out.apply(p, drop.apply(p, hidden.apply(p, x), context)),
      output: "sigmoid",
      convention: "row",
      seed: 2,
    });
    const X = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const Y = tensor([[0], [1], [1], [0]]);
    const before = model.loss(model.params, X, Y).item();
    trainSteps(model, X, Y, 150, adam({ learningRate: 0.03 }));
    expect(model.loss(model.params, X, Y).item()).toBeLessThan(before / 3);
    expect(model.trainingDiffers).toBe(true);
  });
});
