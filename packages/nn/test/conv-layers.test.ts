import { describe, expect, it } from "vitest";
import { mean, mul, Random, randn, sum, tensor, valueAndGrad, type Tensor } from "@tapegrad/core";
import {
  adam,
  avgPool2d,
  conv1d,
  conv2d,
  dense,
  embedding,
  flatten,
  graph,
  init,
  maxPool2d,
  parseWeights,
  sequential,
  serializeWeights,
  type Layer,
  type Model,
  type Params,
} from "../src";
import { LAYER_KINDS } from "../src/layers";
import { gradcheckParams } from "./helpers";

/** gradcheck of a projection of the layer's output, over its parameters and its input "x". */
function gradcheckLayer(layer: Layer, params: Params, x: Tensor) {
  const weights = randn(layer.apply(params, x).shape, { seed: 99 });
  return gradcheckParams((p) => sum(mul(layer.apply(p, p.x), weights)), { ...params, x });
}

describe("conv2d layers", () => {
  it("have PyTorch's parameter shapes and output shapes", () => {
    const conv = conv2d({ name: "conv1", inChannels: 4, outChannels: 6, kernelSize: [3, 5], groups: 2 });
    expect(conv.parameterShapes()).toEqual({ "conv1.W": [6, 2, 3, 5], "conv1.b": [6] });
    expect(conv2d({ name: "c", inChannels: 1, outChannels: 2, kernelSize: 3, bias: false }).parameterShapes()).toEqual({ "c.W": [2, 1, 3, 3] });
    const x = randn([2, 3, 9, 8], { seed: 1 });
    const shape = (options: object) => {
      const layer = conv2d({ name: "c", inChannels: 3, outChannels: 4, kernelSize: 3, ...options });
      return layer.apply(layer.initialize(0), x).shape;
    };
    expect(shape({})).toEqual([2, 4, 7, 6]);
    expect(shape({ padding: "valid" })).toEqual([2, 4, 7, 6]);
    expect(shape({ padding: "same" })).toEqual([2, 4, 9, 8]);
    expect(shape({ padding: "same", dilation: 2 })).toEqual([2, 4, 9, 8]);
    expect(shape({ stride: 2, padding: 1 })).toEqual([2, 4, 5, 4]); // ⌊(9 + 2 − 3)/2⌋ + 1 = 5, ⌊(8 + 2 − 3)/2⌋ + 1 = 4
    expect(shape({ stride: [1, 2], dilation: [2, 1] })).toEqual([2, 4, 5, 3]);
  });

  it("compute conv2d(X, W) + b per channel, by hand", () => {
    const conv = conv2d({ name: "c", inChannels: 1, outChannels: 2, kernelSize: 2 });
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const params = { "c.W": tensor([[[[1, 0], [0, -1]]], [[[1, 1], [1, 1]]]]), "c.b": tensor([0.5, -10]) };
    // channel 0: x[i, j] − x[i+1, j+1] = −4, plus 0.5; channel 1: the window sums 12, 16, 24, 28, minus 10
    expect(conv.apply(params, x).toArray()).toEqual([[[[-3.5, -3.5], [-3.5, -3.5]], [[2, 6], [14, 18]]]]);
    const relu = conv2d({ name: "c", inChannels: 1, outChannels: 2, kernelSize: 2, activation: "relu" });
    expect(relu.apply(params, x).toArray()).toEqual([[[[0, 0], [0, 0]], [[2, 6], [14, 18]]]]);
  });

  it("pass gradcheck with stride, padding, dilation, groups and without a bias", () => {
    const x = randn([2, 4, 7, 6], { seed: 2 });
    for (const options of [{ padding: "same" as const }, { stride: 2, padding: [1, 0] as [number, number], dilation: [1, 2] as [number, number], groups: 2 }, { bias: false, activation: "tanh" as const }]) {
      const layer = conv2d({ name: "c", inChannels: 4, outChannels: 2, kernelSize: 3, ...options });
      const params = layer.initialize(3, "float64");
      if (layer.bias) params["c.b"] = randn([2], { seed: 4 });
      const result = gradcheckLayer(layer, params, x);
      expect(result.ok, `${JSON.stringify(options)}: ${result.summary}`).toBe(true);
    }
  });

  it("start with He-uniform weights and zero biases", () => {
    const layer = conv2d({ name: "c", inChannels: 3, outChannels: 8, kernelSize: 3 });
    const spec = layer.parameterSpecs()["c.W"];
    expect([spec.fanIn, spec.fanOut]).toEqual([27, 72]); // C·KH·KW and O·KH·KW, as PyTorch counts them
    const { "c.W": W, "c.b": b } = layer.initialize(0);
    const limit = Math.sqrt(6 / 27);
    expect(Math.max(...W.data.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...W.data.map(Math.abs))).toBeGreaterThan(0.8 * limit);
    expect(Array.from(b.data)).toEqual(new Array(8).fill(0));
    const custom = conv2d({ name: "c", inChannels: 3, outChannels: 8, kernelSize: 3, weightInit: init.zeros(), biasInit: init.uniform({ low: 1, high: 2 }) }).initialize(0);
    expect(custom["c.W"].data.every((v) => v === 0) && custom["c.b"].data.every((v) => v >= 1 && v < 2)).toBe(true);
  });

  it("name the layer and the option in every error", () => {
    const make = (options: object) => () => conv2d({ name: "c", inChannels: 2, outChannels: 4, kernelSize: 3, ...options });
    expect(make({ name: "a.b" })).toThrow(/conv2d: a layer needs a name without dots/);
    expect(make({ inChannels: 0 })).toThrow("conv2d layer 'c': inChannels must be a positive integer, got 0");
    expect(make({ kernelSize: [3] })).toThrow("conv2d layer 'c': kernelSize must be a positive integer or a pair [h, w] of them, got [3]");
    expect(make({ kernelSize: undefined })).toThrow("conv2d layer 'c': give a kernelSize");
    expect(make({ padding: -1 })).toThrow("conv2d layer 'c': padding must be a non-negative integer or a pair [h, w] of them, got -1");
    expect(make({ padding: "full" })).toThrow("conv2d layer 'c': padding must be 'same', 'valid' or numbers, got 'full'");
    expect(make({ padding: "same", stride: 2 })).toThrow("conv2d layer 'c': padding 'same' needs stride 1 (as in PyTorch), got stride [2,2]");
    expect(make({ groups: 3 })).toThrow("conv2d layer 'c': groups=3 must divide inChannels=2");
    expect(make({ bias: "yes" })).toThrow('conv2d layer \'c\': bias must be true or false, got "yes"');
    const layer = make({})();
    const params = layer.initialize(0);
    expect(() => layer.apply(params, randn([1, 3, 5, 5], { seed: 0 }))).toThrow("conv2d layer 'c' expects inputs of shape [N, C, H, W] (images as NCHW) with C = 2, got [1, 3, 5, 5]");
    expect(() => layer.apply(params, randn([2, 5, 5], { seed: 0 }))).toThrow(/expects inputs of shape \[N, C, H, W\].*got \[2, 5, 5\]/);
    expect(() => layer.apply(params, randn([1, 2, 2, 2], { seed: 0 }))).toThrow(/^conv2d layer 'c': conv2d: the kernel's height spans 3/);
    expect(() => layer.apply({}, randn([1, 2, 5, 5], { seed: 0 }))).toThrow("conv2d layer 'c': no parameter 'c.W' in params (it has none)");
  });
});

describe("conv1d layers", () => {
  it("compute conv1d(X, W) + b by hand, with the shapes of PyTorch", () => {
    const conv = conv1d({ name: "c", inChannels: 1, outChannels: 1, kernelSize: 2 });
    expect(conv.parameterShapes()).toEqual({ "c.W": [1, 1, 2], "c.b": [1] });
    expect(conv.apply({ "c.W": tensor([[[1, -1]]]), "c.b": tensor([10]) }, tensor([[[1, 2, 4, 8]]])).toArray()).toEqual([[[9, 8, 6]]]);
    const same = conv1d({ name: "c", inChannels: 3, outChannels: 4, kernelSize: 4, padding: "same", groups: 1 });
    expect(same.apply(same.initialize(0), randn([2, 3, 10], { seed: 0 })).shape).toEqual([2, 4, 10]);
    const strided = conv1d({ name: "c", inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, dilation: 2 });
    expect(strided.apply(strided.initialize(0), randn([2, 3, 10], { seed: 0 })).shape).toEqual([2, 4, 3]); // ⌊(10 − 4 − 1)/2⌋ + 1
  });

  it("pass gradcheck, and check their options", () => {
    const layer = conv1d({ name: "c", inChannels: 4, outChannels: 2, kernelSize: 3, padding: 1, groups: 2, activation: "sigmoid" });
    const params = { ...layer.initialize(1), "c.b": randn([2], { seed: 5 }) };
    const result = gradcheckLayer(layer, params, randn([3, 4, 6], { seed: 6 }));
    expect(result.ok, result.summary).toBe(true);
    expect(() => conv1d({ name: "c", inChannels: 1, outChannels: 1, kernelSize: [3, 3] as never })).toThrow("conv1d layer 'c': kernelSize must be a positive integer, got [3,3]");
    expect(() => layer.apply(params, randn([3, 6, 4], { seed: 0 }))).toThrow("conv1d layer 'c' expects inputs of shape [N, C, L] (examples, channels, positions) with C = 4, got [3, 6, 4]");
  });
});

describe("pooling layers", () => {
  const x = tensor([[[[1, 2, 5, 0], [3, 4, -1, -2], [0, 0, 7, 1], [0, 9, 1, 1]]]]);

  it("take the maximum or the mean of each window, by hand", () => {
    expect(maxPool2d({ name: "p", kernelSize: 2 }).apply({}, x).toArray()).toEqual([[[[4, 5], [9, 7]]]]);
    expect(avgPool2d({ name: "p", kernelSize: 2 }).apply({}, x).toArray()).toEqual([[[[2.5, 0.5], [2.25, 2.5]]]]);
    expect(maxPool2d({ name: "p", kernelSize: 3, stride: 1 }).apply({}, x).toArray()).toEqual([[[[7, 7], [9, 9]]]]);
    expect(maxPool2d({ name: "p", kernelSize: 2, stride: 2, padding: 1 }).apply({}, x).shape).toEqual([1, 1, 3, 3]);
    expect(maxPool2d({ name: "p", kernelSize: 2 }).parameterSpecs()).toEqual({});
  });

  it("pass gradcheck", () => {
    const input = randn([2, 3, 6, 5], { seed: 7 }); // distinct values, so no ties at the maxima
    for (const layer of [maxPool2d({ name: "p", kernelSize: 2 }), maxPool2d({ name: "p", kernelSize: [3, 2], stride: [2, 1], padding: 1 }), avgPool2d({ name: "p", kernelSize: 3, stride: 2, padding: 1 })]) {
      const result = gradcheckLayer(layer, {}, input);
      expect(result.ok, `${layer.kind}: ${result.summary}`).toBe(true);
    }
  });

  it("check their options and inputs", () => {
    expect(() => maxPool2d({ name: "p" } as never)).toThrow('maxPool2d layer \'p\': give a kernelSize, e.g. maxPool2d({ name: "p", kernelSize: 2 })');
    expect(() => avgPool2d({ name: "p", kernelSize: 2, padding: 2 })).toThrow("avgPool2d layer 'p': padding 2 is more than half the kernel size 2 (PyTorch's rule: padding ≤ kernelSize/2)");
    expect(() => maxPool2d({ name: "p", kernelSize: 0 })).toThrow("maxPool2d layer 'p': kernelSize must be a positive integer or a pair [h, w] of them, got 0");
    expect(() => maxPool2d({ name: "p", kernelSize: 2 }).apply({}, randn([4, 4], { seed: 0 }))).toThrow("maxPool2d layer 'p' expects images of shape [N, C, H, W], got [4, 4]");
    expect(() => maxPool2d({ name: "p", kernelSize: 5 }).apply({}, x)).toThrow(/^maxPool2d layer 'p': maxPool2d: the window 5 × 5 does not fit the input 4 × 4/);
  });
});

describe("flatten layers", () => {
  it("keep axis 0 and flatten the rest row-major", () => {
    const layer = flatten({ name: "flatten" });
    const x = tensor([[[[0, 1]], [[2, 3]]], [[[4, 5]], [[6, 7]]]]); // [2, 2, 1, 2]
    expect(layer.apply({}, x).toArray()).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(layer.apply({}, randn([3, 5], { seed: 0 })).shape).toEqual([3, 5]);
    expect(layer.apply({}, randn([0, 4, 2], { seed: 0 })).shape).toEqual([0, 8]);
    const result = gradcheckLayer(layer, {}, randn([2, 3, 2, 2], { seed: 8 }));
    expect(result.ok, result.summary).toBe(true);
    expect(() => layer.apply({}, tensor([1, 2, 3]))).toThrow("flatten layer 'flatten' expects a tensor with examples on axis 0 and at least one more axis, got [3]");
  });
});

describe("embedding layers", () => {
  const layer = embedding({ name: "tokens", vocabularySize: 3, dimensions: 2 });
  const params = { "tokens.W": tensor([[0, 0], [1, 10], [2, 20]]) };

  it("look up one row per int32 index, for indices of any shape", () => {
    expect(layer.parameterShapes()).toEqual({ "tokens.W": [3, 2] });
    const ids = tensor([[2, 1], [1, 1]], { dtype: "int32" });
    expect(layer.apply(params, ids).toArray()).toEqual([[[2, 20], [1, 10]], [[1, 10], [1, 10]]]);
    expect(layer.apply(params, tensor([0], { dtype: "int32" })).shape).toEqual([1, 2]);
    expect(layer.apply(params, tensor(2, { dtype: "int32" })).toArray()).toEqual([2, 20]);
    expect(layer.apply(layer.initialize(0), tensor([[[0, 1, 2]]], { dtype: "int32" })).shape).toEqual([1, 1, 3, 2]);
  });

  it("add up the gradient of every use of a row, and pass gradcheck", () => {
    const ids = tensor([[2, 1], [1, 1]], { dtype: "int32" });
    const { grads } = valueAndGrad((p: Params) => sum(layer.apply(p, ids)))(params);
    expect(grads[0]["tokens.W"].toArray()).toEqual([[0, 0], [3, 3], [1, 1]]);
    const big = embedding({ name: "e", vocabularySize: 5, dimensions: 3 });
    const lookups = tensor([[0, 4, 4, 2], [1, 0, 3, 3]], { dtype: "int32" });
    const weights = randn([2, 4, 3], { seed: 9 });
    const result = gradcheckParams((p) => sum(mul(big.apply(p, lookups), weights)), big.initialize(2));
    expect(result.ok, result.summary).toBe(true);
  });

  it("start from N(0, 1) and refuse indices that are not int32 or not in the vocabulary", () => {
    const W = Array.from(embedding({ name: "e", vocabularySize: 200, dimensions: 50 }).initialize(0)["e.W"].data);
    const mu = W.reduce((s, v) => s + v, 0) / W.length;
    const sd = Math.sqrt(W.reduce((s, v) => s + (v - mu) ** 2, 0) / W.length);
    expect(Math.abs(mu)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    expect(() => layer.apply(params, tensor([0, 1]))).toThrow(`embedding layer 'tokens' expects int32 indices, got a float64 tensor of shape [2]; make them with tensor(ids, { dtype: "int32" })`);
    expect(() => layer.apply(params, tensor([0, 3], { dtype: "int32" }))).toThrow("embedding layer 'tokens': index 3 (at flat position 1) is outside the vocabulary 0 … 2");
    expect(() => layer.apply(params, tensor([-1], { dtype: "int32" }))).toThrow("embedding layer 'tokens': index -1 (at flat position 0) is outside the vocabulary 0 … 2");
    expect(() => embedding({ name: "e", vocabularySize: 0, dimensions: 2 })).toThrow("embedding layer 'e': vocabularySize must be a positive integer, got 0");
  });
});

describe("saved descriptions", () => {
  it("rebuild every layer kind through LAYER_KINDS", () => {
    const layers: Layer[] = [
      conv2d({ name: "a", inChannels: 2, outChannels: 4, kernelSize: [3, 1], stride: 1, padding: "same", groups: 2, bias: false, activation: "relu" }),
      conv2d({ name: "b", inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, padding: [1, 0], dilation: 2 }),
      conv1d({ name: "c", inChannels: 3, outChannels: 3, kernelSize: 5, padding: "valid", dilation: 2, groups: 3, activation: "tanh" }),
      maxPool2d({ name: "d", kernelSize: 3, stride: 2, padding: 1 }),
      avgPool2d({ name: "e", kernelSize: [2, 3] }),
      flatten({ name: "f" }),
      embedding({ name: "g", vocabularySize: 7, dimensions: 3 }),
    ];
    for (const layer of layers) {
      const description = JSON.parse(JSON.stringify(layer.describe()));
      expect(Object.hasOwn(LAYER_KINDS, description.kind), description.kind).toBe(true);
      const rebuilt = LAYER_KINDS[description.kind](description, "row");
      expect(rebuilt.describe()).toEqual(layer.describe());
      expect(Object.keys(rebuilt.parameterSpecs())).toEqual(Object.keys(layer.parameterSpecs()));
    }
    expect(() => LAYER_KINDS.conv2d({ kind: "conv2d", name: "x", inChannels: 1, outChannels: 1, kernelSize: "3", stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, activation: "relu" }, "row")).toThrow(
      /conv2d layer 'x': kernelSize must be/,
    );
  });
});

/** Eight-by-eight images of a vertical bar (class 0), a horizontal bar (class 1) or a diagonal (class 2), with noise. */
function bars(count: number, seed: number): { images: Tensor; labels: Tensor } {
  const rng = new Random(seed);
  const pixels = new Float64Array(count * 64);
  const labels = new Float64Array(count * 3);
  for (let n = 0; n < count; n++) {
    const label = n % 3;
    const at = rng.int(6) + 1;
    for (let k = 0; k < 64; k++) pixels[n * 64 + k] = 0.2 * rng.normal();
    for (let t = 0; t < 8; t++) {
      const [i, j] = label === 0 ? [t, at] : label === 1 ? [at, t] : [t, (t + at) % 8];
      pixels[n * 64 + i * 8 + j] += 1;
    }
    labels[n * 3 + label] = 1;
  }
  return { images: tensor(pixels, { shape: [count, 1, 8, 8] }), labels: tensor(labels, { shape: [count, 3] }) };
}

describe("a CNN as a sequential model", () => {
  it("learns bars from images in a few steps, and saves and loads through its description", () => {
    const model: Model = sequential(
      [
        conv2d({ name: "conv", inChannels: 1, outChannels: 4, kernelSize: 3, padding: "same", activation: "relu" }),
        maxPool2d({ name: "pool", kernelSize: 2 }),
        flatten({ name: "flatten" }),
        dense({ name: "out", inputSize: 4 * 4 * 4, units: 3, convention: "row" }),
      ],
      { output: "softmax", seed: 1 },
    );
    expect(model.parameterShapes()).toEqual({ "conv.W": [4, 1, 3, 3], "conv.b": [4], "out.W": [64, 3], "out.b": [1, 3] });
    const { images, labels } = bars(48, 2);
    const step = valueAndGrad((p: Params) => model.loss(p, images, labels));
    const optimizer = adam({ learningRate: 0.02 });
    const losses: number[] = [];
    for (let k = 0; k < 25; k++) {
      const { value, grads } = step(model.params);
      losses.push(value.item());
      model.params = optimizer.step(model.params, grads[0]);
    }
    expect(losses.at(-1)!).toBeLessThan(0.3 * losses[0]);
    const test = bars(30, 3);
    const predicted = model.predict(test.images);
    let correct = 0;
    for (let n = 0; n < 30; n++) {
      const row = Array.from(predicted.data.slice(n * 3, n * 3 + 3));
      if (test.labels.data[n * 3 + row.indexOf(Math.max(...row))] === 1) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(27);

    const architecture = model.architecture;
    if (architecture.kind !== "sequential") throw new Error("expected a sequential architecture");
    const rebuilt = sequential(architecture.layers.map((d) => LAYER_KINDS[d.kind](d, "row")), { output: "softmax" });
    rebuilt.setParams(parseWeights(serializeWeights(model), rebuilt));
    expect(rebuilt.predict(test.images).toArray()).toEqual(predicted.toArray());
  });

  it("an embedding and mean-pool classifier learns which tokens mark a class", () => {
    const tokens = embedding({ name: "tokens", vocabularySize: 6, dimensions: 4, weightInit: init.normal({ std: 0.5 }) });
    const out = dense({ name: "out", inputSize: 4, units: 1, convention: "row" });
    const model = graph({ layers: [tokens, out], forward: (p, ids: Tensor) => out.linear(p, mean(tokens.apply(p, ids), 1)), output: "sigmoid", convention: "row", seed: 4 });
    // Sequences of five tokens; class 1 when they hold token 5, which the rest never do.
    const rng = new Random(5);
    const rows = Array.from({ length: 40 }, (_, n) => Array.from({ length: 5 }, (_, t) => (n % 2 === 1 && t === n % 5 ? 5 : rng.int(5))));
    const ids = tensor(rows, { dtype: "int32" });
    const labels = tensor(rows.map((r) => [r.includes(5) ? 1 : 0]));
    const step = valueAndGrad((p: Params) => model.loss(p, ids, labels));
    const optimizer = adam({ learningRate: 0.05 });
    const losses: number[] = [];
    for (let k = 0; k < 40; k++) {
      const { value, grads } = step(model.params);
      losses.push(value.item());
      model.params = optimizer.step(model.params, grads[0]);
    }
    expect(losses.at(-1)!).toBeLessThan(0.3 * losses[0]);
  });
});
