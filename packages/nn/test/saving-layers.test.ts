import { describe, expect, it } from "vitest";
import { randn } from "@tapegrad/core";
import {
  avgPool2d,
  batchNorm,
  conv1d,
  conv2d,
  dense,
  dropout,
  embedding,
  flatten,
  gru,
  layerNorm,
  lstm,
  maxPool2d,
  modelFromWeights,
  multiHeadAttention,
  rnn,
  sequential,
  serializeWeights,
  type Layer,
  type Params,
} from "../src";
import { LAYER_KINDS } from "../src/layers";

// Every built-in layer kind saves and is rebuilt from its file alone: its description, its
// parameters and its state come back the same. A kind added to LAYER_KINDS needs a sample here.
const samples: Record<string, () => Layer<any, any>> = {
  dense: () => dense({ name: "layer", inputSize: 3, units: 2, activation: "gelu", convention: "row" }),
  conv1d: () => conv1d({ name: "layer", inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
  conv2d: () => conv2d({ name: "layer", inChannels: 2, outChannels: 4, kernelSize: [3, 2], stride: 2, groups: 2 }),
  maxPool2d: () => maxPool2d({ name: "layer", kernelSize: 2 }),
  avgPool2d: () => avgPool2d({ name: "layer", kernelSize: [2, 3], stride: 1 }),
  flatten: () => flatten({ name: "layer" }),
  embedding: () => embedding({ name: "layer", vocabularySize: 5, dimensions: 3 }),
  layerNorm: () => layerNorm({ name: "layer", normalizedShape: [4] }),
  batchNorm: () => batchNorm({ name: "layer", features: 4, momentum: 0.2 }),
  dropout: () => dropout({ name: "layer", rate: 0.3 }),
  rnn: () => rnn({ name: "layer", inputSize: 3, hiddenSize: 4, convention: "row" }),
  lstm: () => lstm({ name: "layer", inputSize: 3, hiddenSize: 4, returnSequences: true, convention: "row" }),
  gru: () => gru({ name: "layer", inputSize: 3, hiddenSize: 4, convention: "row" }),
  multiHeadAttention: () => multiHeadAttention({ name: "layer", embedDim: 4, heads: 2, causal: true }),
};

/** Values other than the initial ones, so that a loader that ignored the file would be caught. */
const scrambled = (tensors: Params, seed: number): Params =>
  Object.fromEntries(Object.entries(tensors).map(([name, value], i) => [name, randn([...value.shape], { seed: seed + i })]));

describe("every built-in layer kind is rebuilt from its file", () => {
  it("each kind in LAYER_KINDS has a sample", () => {
    expect(Object.keys(LAYER_KINDS).filter((kind) => !Object.hasOwn(samples, kind))).toEqual([]);
  });

  it.each(Object.keys(samples))("%s", (kind) => {
    const model = sequential([samples[kind]()], { convention: "row", seed: 3 });
    model.setParams(scrambled(model.params, 10));
    model.state = scrambled(model.state, 20);
    const text = serializeWeights(model);
    const rebuilt = modelFromWeights(text);
    expect(rebuilt.layers[0].kind).toBe(kind);
    expect(rebuilt.architecture).toEqual(JSON.parse(JSON.stringify(model.architecture)));
    for (const [name, value] of Object.entries({ ...model.params, ...model.state })) {
      expect(Array.from((rebuilt.params[name] ?? rebuilt.state[name]).data), name).toEqual(Array.from(value.data));
    }
    expect(serializeWeights(rebuilt)).toBe(text);
  });

  it("batch norm's running statistics are saved as state", () => {
    const model = sequential([samples.batchNorm()], { convention: "row" });
    expect(Object.keys(model.state).sort()).toEqual(["layer.runningMean", "layer.runningVar"]);
    expect(Object.keys(JSON.parse(serializeWeights(model)).state).sort()).toEqual(["layer.runningMean", "layer.runningVar"]);
  });
});
