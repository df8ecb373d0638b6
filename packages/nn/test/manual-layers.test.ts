import { describe, expect, it } from "vitest";
import { conv2d as convolve, matmul, mul, randn, reshape, sum, tensor, transpose, type Tensor } from "@tapegrad/core";
import {
  attentionBackward,
  avgPool2d,
  avgPool2dBackward,
  batchNorm,
  compareBackprop,
  conv1d,
  conv2d,
  conv2dBackward,
  dense,
  denseBackward,
  dropout,
  embedding,
  embeddingBackward,
  flatten,
  graph,
  gru,
  layerNorm,
  lstm,
  lstmBackward,
  manualBackprop,
  MANUAL_BACKWARD,
  maxPool2d,
  maxPool2dBackward,
  mlp,
  multiHeadAttention,
  rnn,
  rnnBackward,
  sequential,
  type Layer,
  type ManualBackward,
  type Model,
} from "../src";

// Every hand-derived rule is checked against the tape through compareBackprop, which puts each
// value a rule computes (parameter gradients and the cotangent of the layer's input) beside
// the tape's, in float64, to 1e-10 relative; and on small inputs against values by hand.

const TOLERANCE = { rtol: 1e-10, atol: 1e-12 };
const labels = (values: number[]) => tensor(values, { dtype: "int32" });

function expectAgreement(model: Model, X: Tensor, Y: Tensor) {
  const report = compareBackprop(model, X, Y, TOLERANCE);
  expect(report.ok, report.table()).toBe(true);
  expect(report.rows.every((row) => row.maxRelDifference <= 1e-10 || row.maxAbsDifference <= 1e-12)).toBe(true);
  return report;
}

describe("hand-derived rules on small inputs, by hand", () => {
  const step = <L extends Layer<any, any>>(layer: L, params: Record<string, Tensor>, x: Tensor, dOut: Tensor) => ({
    layer,
    params,
    state: {},
    x,
    out: layer.apply(params, x),
    dOut,
    convention: "row" as const,
  });

  it("conv2d: dW is the correlation of X with dZ, dX the full convolution of dZ with the flipped kernel", () => {
    const layer = conv2d({ name: "c", inChannels: 1, outChannels: 1, kernelSize: 2, bias: false });
    const params = { "c.W": tensor([[[[1, 0], [0, -1]]]]) };
    const X = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const { dX, grads } = conv2dBackward(step(layer, params, X, tensor([[[[1, 1], [1, 1]]]])));
    // dW[p, q] = Σ_{i,j} X[i + p, j + q]: the four 2 × 2 sums
    expect(grads!["c.W"].toArray()).toEqual([[[[12, 16], [24, 28]]]]);
    // dX[y, x] = Σ_{i,j} dZ[i, j]·W[y − i, x − j]
    expect(dX!.toArray()).toEqual([[[[1, 1, 0], [1, 0, -1], [0, -1, -1]]]]);
  });

  it("maxPool2d routes dZ to each window's first maximum; avgPool2d spreads dZ/k²", () => {
    const X = tensor([[[[1, 5, 2, 0], [3, 4, 8, 8], [0, 2, 1, 1], [7, 1, 1, 3]]]]);
    const dZ = tensor([[[[10, 20], [30, 40]]]]);
    const max = maxPool2d({ name: "pool", kernelSize: 2 });
    expect(maxPool2dBackward(step(max, {}, X, dZ)).dX!.toArray()).toEqual([[[[0, 10, 0, 0], [0, 0, 20, 0], [0, 0, 0, 0], [30, 0, 0, 40]]]]);
    const average = avgPool2d({ name: "pool", kernelSize: 2 });
    expect(avgPool2dBackward(step(average, {}, X, dZ)).dX!.toArray()).toEqual([[[[2.5, 2.5, 5, 5], [2.5, 2.5, 5, 5], [7.5, 7.5, 10, 10], [7.5, 7.5, 10, 10]]]]);
    // overlapping windows (stride 1): the 8 at (1, 2) is the maximum of two windows and collects both
    const overlapping = maxPool2d({ name: "pool", kernelSize: 2, stride: 1 });
    const routed = maxPool2dBackward(step(overlapping, {}, tensor([[[[1, 2, 3], [4, 9, 5], [6, 7, 8]]]]), tensor([[[[1, 2], [3, 4]]]])));
    expect(routed.dX!.toArray()).toEqual([[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]]);
  });

  it("embedding scatter-adds dZ's rows into the table", () => {
    const layer = embedding({ name: "tok", vocabularySize: 4, dimensions: 2 });
    const params = { "tok.W": tensor([[0, 0], [1, 1], [2, 2], [3, 3]]) };
    const tokens = tensor([[1, 3, 1]], { dtype: "int32" });
    const { dX, grads } = embeddingBackward(step(layer, params, tokens, tensor([[[1, 2], [3, 4], [5, 6]]])));
    expect(dX).toBeNull();
    expect(grads!["tok.W"].toArray()).toEqual([[0, 0], [6, 8], [0, 0], [3, 4]]); // token 1 twice, 0 and 2 never
  });

  it("rnn: backprop through time adds the recurrent term", () => {
    // one unit, two steps: h1 = tanh(x1·wx + b), h2 = tanh(x2·wx + h1·wh + b), J's gradient g at h2 only
    const layer = rnn({ name: "r", inputSize: 1, hiddenSize: 1 });
    const [wx, wh, b, x1, x2, g] = [0.8, -0.6, 0.1, 0.5, -1.5, 2];
    const params = { "r.Wx": tensor([[wx]]), "r.Wh": tensor([[wh]]), "r.b": tensor([b]) };
    const { dX, grads, intermediates } = rnnBackward(step(layer, params, tensor([[[x1], [x2]]]), tensor([[g]])));
    const h1 = Math.tanh(x1 * wx + b);
    const h2 = Math.tanh(x2 * wx + h1 * wh + b);
    const da2 = g * (1 - h2 * h2); //           da_2 = dh_2 ⊙ (1 − h_2²)
    const dh1 = da2 * wh; //                    dh_1 = da_2·Whᵀ: from step 2 alone (the output is h_2)
    const da1 = dh1 * (1 - h1 * h1);
    const close = (t: Tensor, v: number) => expect(t.item()).toBeCloseTo(v, 14);
    close(grads!["r.Wx"], x1 * da1 + x2 * da2);
    close(grads!["r.Wh"], h1 * da2);
    close(grads!["r.b"], da1 + da2);
    close(intermediates!.dh_1, dh1);
    expect((dX!.toArray() as number[][][])[0].map(([v]) => v)).toEqual([expect.closeTo(da1 * wx, 14), expect.closeTo(da2 * wx, 14)]);
  });

  it("dense: dZ = dA ⊙ g′(Z), dW = Xᵀ·dZ, db = Σ dZ, dX = dZ·Wᵀ", () => {
    const layer = dense({ name: "d", inputSize: 2, units: 1, activation: "relu", convention: "row" });
    const params = { "d.W": tensor([[1], [-1]]), "d.b": tensor([[0.5]]) };
    const X = tensor([[2, 1], [0, 3]]); // Z = [1.5, −2.5]: the second example is cut off by the relu
    const { dX, grads, intermediates } = denseBackward(step(layer, params, X, tensor([[4], [5]])));
    expect(intermediates!.dZ.toArray()).toEqual([[4], [0]]);
    expect(grads!["d.W"].toArray()).toEqual([[8], [4]]);
    expect(grads!["d.b"].toArray()).toEqual([[4]]);
    expect(dX!.toArray()).toEqual([[4, -4], [0, 0]]);
  });
});

describe("compareBackprop: every hand-derived rule against the tape", () => {
  it("a CNN: convolutions (padding, stride, dilation, groups), batch norm, max and average pooling, flatten, dropout, dense", () => {
    const cnn = sequential(
      [
        conv2d({ name: "c1", inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1, activation: "relu" }),
        batchNorm({ name: "bn", features: 4 }),
        maxPool2d({ name: "pool1", kernelSize: 2 }),
        conv2d({ name: "c2", inChannels: 4, outChannels: 4, kernelSize: [2, 3], stride: 2, dilation: [1, 2], padding: [1, 2], groups: 2, activation: "tanh" }),
        avgPool2d({ name: "pool2", kernelSize: 2, stride: 1, padding: 1 }),
        flatten({ name: "flat" }),
        dropout({ name: "drop", rate: 0.5 }),
        dense({ name: "out", inputSize: 48, units: 3, convention: "row" }),
      ],
      { output: "softmax", seed: 1 },
    );
    const report = expectAgreement(cnn, randn([3, 2, 8, 8], { seed: 2 }), labels([0, 2, 1]));
    expect(report.rows.map((row) => row.layer)).toEqual(["loss", "out", "out", "out", "drop", "flat", "pool2", "c2", "c2", "c2", "pool1", "bn", "bn", "bn", "c1", "c1", "c1"]);
    expect(report.table().split("\n").at(-1)).toBe("every hand-derived step agrees with the tape");
  });

  it.each([
    { kernelSize: 2, padding: "same" as const, activation: "sigmoid" as const }, // an even kernel: one more zero after than before
    { kernelSize: 3, stride: 3, padding: 2, bias: false },
    { kernelSize: 2, dilation: 3, groups: 2, activation: "softmax" as const }, // softmax over the channels: its Jacobian per position
  ])("conv2d %o", (options) => {
    const model = sequential([conv2d({ name: "c", inChannels: 2, outChannels: 4, ...options }), flatten({ name: "f" })], { output: "identity", seed: 3 });
    const X = randn([2, 2, 7, 6], { seed: 4 });
    const out = model.forward(model.params, X);
    expectAgreement(model, X, randn(out.shape, { seed: 5 }));
  });

  it("conv1d with stride, dilation and 'same' padding", () => {
    const model = sequential([conv1d({ name: "c", inChannels: 3, outChannels: 2, kernelSize: 4, padding: "same", dilation: 2, activation: "gelu" }), flatten({ name: "f" })], { output: "identity", seed: 6 });
    const X = randn([2, 3, 9], { seed: 7 });
    expectAgreement(model, X, randn([2, 18], { seed: 8 }));
    const strided = sequential([conv1d({ name: "c", inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 1 }), flatten({ name: "f" })], { output: "identity", seed: 6 });
    expectAgreement(strided, X, randn([2, 10], { seed: 9 }));
  });

  it("an LSTM: backprop through time, through a GRU and an RNN too", () => {
    const model = sequential(
      [
        lstm({ name: "lstm", inputSize: 3, hiddenSize: 4, returnSequences: true }),
        gru({ name: "gru", inputSize: 4, hiddenSize: 3, returnSequences: true }),
        rnn({ name: "rnn", inputSize: 3, hiddenSize: 2 }),
        dense({ name: "out", inputSize: 2, units: 2, convention: "row" }),
      ],
      { output: "softmax", seed: 3 },
    );
    const report = expectAgreement(model, randn([2, 5, 3], { seed: 4 }), labels([1, 0]));
    const lstmLayer = report.byHand.layers!.find((layer) => layer.kind === "lstm")!;
    expect(Object.keys(lstmLayer.intermediates).sort()).toEqual(["dc_1", "dc_2", "dc_3", "dc_4", "dc_5", "dh_1", "dh_2", "dh_3", "dh_4", "dh_5"]);
  });

  it("recurrent layers in the column convention (the row formulas, transposed)", () => {
    const model = sequential(
      [
        lstm({ name: "lstm", inputSize: 3, hiddenSize: 4, returnSequences: true, convention: "column" }),
        gru({ name: "gru", inputSize: 4, hiddenSize: 3, convention: "column" }),
        dense({ name: "out", inputSize: 3, units: 1, convention: "column" }),
      ],
      { output: "sigmoid", seed: 5, convention: "column" },
    );
    expectAgreement(model, randn([3, 4, 2], { seed: 6 }), tensor([[1, 0]]));
  });

  it("an attention model: embedding, causal multi-head self-attention, layer norm", () => {
    const model = sequential(
      [
        embedding({ name: "tokens", vocabularySize: 7, dimensions: 4 }),
        multiHeadAttention({ name: "attention", embedDim: 4, heads: 2, causal: true }),
        layerNorm({ name: "norm", normalizedShape: 4 }),
        flatten({ name: "flat" }),
        dense({ name: "out", inputSize: 12, units: 2, convention: "row" }),
      ],
      { output: "softmax", seed: 6 },
    );
    const report = expectAgreement(model, tensor([[1, 2, 3], [4, 4, 0]], { dtype: "int32" }), labels([1, 0]));
    const attention = report.byHand.layers!.find((layer) => layer.kind === "multiHeadAttention")!;
    expect((attention.intermediates.A.toArray() as number[][][][])[0][0][0]).toEqual([1, 0, 0]); // the first query sees only the first key
  });

  it("single-head attention without a mask, and layer norm over two axes", () => {
    const model = sequential(
      [multiHeadAttention({ name: "attention", embedDim: 3, heads: 1 }), layerNorm({ name: "norm", normalizedShape: [4, 3] }), flatten({ name: "flat" })],
      { output: "identity", seed: 7 },
    );
    const X = randn([2, 4, 3], { seed: 8 });
    expectAgreement(model, X, randn([2, 12], { seed: 9 }));
  });

  it("an mlp walked layer by layer when given rules, in both conventions", () => {
    for (const convention of ["column", "row"] as const) {
      const model = mlp({ sizes: [3, 5, 4, 2], hidden: ["tanh", "elu"], output: "softmax", convention, seed: 1 });
      const X = randn(convention === "column" ? [3, 6] : [6, 3], { seed: 2 });
      const report = expectAgreement(model, X, labels([0, 1, 1, 0, 1, 0]));
      // the walk's dZ are cotangents: the row formulas' per-example dZ^[L] is m = 6 times larger
      const perExample = manualBackprop(model, X, labels([0, 1, 1, 0, 1, 0]));
      const walked = report.byHand.dZ[3];
      const ratio = convention === "row" ? 6 : 1;
      expect(Array.from(perExample.dZ[3].data).map((v, i) => v / ratio - walked.data[i]).every((d) => Math.abs(d) < 1e-15)).toBe(true);
    }
  });
});

describe("a mistake in a rule is caught at its layer", () => {
  const cnn = () =>
    sequential(
      [
        conv2d({ name: "c1", inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1, activation: "relu" }),
        maxPool2d({ name: "pool1", kernelSize: 2 }),
        conv2d({ name: "c2", inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
        flatten({ name: "flat" }),
        dense({ name: "out", inputSize: 12, units: 2, convention: "row" }),
      ],
      { output: "softmax", seed: 2 },
    );
  const X = randn([2, 1, 4, 4], { seed: 3 });
  const Y = labels([1, 0]);

  it("max pooling's dZ spread over the window instead of routed to the arg-max", () => {
    const report = compareBackprop(cnn(), X, Y, { ...TOLERANCE, rules: { maxPool2d: (step) => avgPool2dBackward(step) } });
    expect(report.ok).toBe(false);
    expect(report.firstDisagreeingLayer).toBe("pool1");
    expect(report.firstDisagreement).toBe("∂J/∂(input of pool1)");
    // every row before it in backward order agrees: the layers after the pooling are right
    const index = report.rows.findIndex((row) => !row.ok);
    expect(report.rows.slice(0, index).every((row) => row.ok)).toBe(true);
    expect(report.tape!.shape).toEqual([2, 2, 4, 4]);
    expect(report.table().split("\n").at(-1)).toBe("first disagreement in backward order: ∂J/∂(input of pool1), computed by the maxPool2d rule of layer 'pool1'");
  });

  it("a convolution's dX without the kernel flip", () => {
    const unflipped: ManualBackward = (step) => {
      const right = conv2dBackward(step);
      const W = step.params[`${step.layer.name}.W`];
      return { ...right, dX: convolve(step.dOut, transpose(W, [1, 0, 2, 3]), { padding: 1 }) }; // dZ ⋆ W, not dZ ∗ rot180(W)
    };
    const report = compareBackprop(cnn(), X, Y, { ...TOLERANCE, rules: { conv2d: unflipped } });
    expect(report.firstDisagreeingLayer).toBe("c2"); // its dW and db are right; its dX is not
    expect(report.firstDisagreement).toBe("∂J/∂(input of c2)");
    expect(report.rows.filter((row) => row.layer === "c2").map((row) => row.ok)).toEqual([true, true, false]);
  });

  it("a dense rule that forgets g′: the hidden layer's, not the output layer's", () => {
    // A dense rule of your own, written as dZ = dA: right for the output layer (identity), wrong after tanh.
    const noDerivative: ManualBackward = ({ layer, params, x, dOut }) => {
      const W = params[`${layer.name}.W`];
      const dZ = dOut; // forgot dZ = dA ⊙ g′(Z)
      return { dX: matmul(dZ, W, { transposeB: true }), grads: { [`${layer.name}.W`]: matmul(x, dZ, { transposeA: true }), [`${layer.name}.b`]: sum(dZ, 0, true) } };
    };
    const model = mlp({ sizes: [2, 3, 2], hidden: "tanh", output: "softmax", convention: "row", seed: 4 });
    const report = compareBackprop(model, randn([4, 2], { seed: 5 }), labels([0, 1, 1, 0]), { ...TOLERANCE, rules: { dense: noDerivative } });
    expect(report.firstDisagreement).toBe("layer1.W");
    expect(report.firstDisagreeingLayer).toBe("layer1");
  });

  it("an LSTM rule with the wrong recurrent weight gradient", () => {
    const model = sequential([lstm({ name: "lstm", inputSize: 2, hiddenSize: 3 }), dense({ name: "out", inputSize: 3, units: 1, convention: "row" })], { output: "identity", seed: 1 });
    const wrong: ManualBackward = (step) => {
      const right = lstmBackward(step);
      return { ...right, grads: { ...right.grads, "lstm.Wh": mul(right.grads!["lstm.Wh"], 0.5) } };
    };
    const report = compareBackprop(model, randn([2, 4, 2], { seed: 2 }), randn([2, 1], { seed: 3 }), { ...TOLERANCE, rules: { lstm: wrong } });
    expect([report.firstDisagreeingLayer, report.firstDisagreement]).toEqual(["lstm", "lstm.Wh"]);
  });
});

describe("rules of your own", () => {
  // y = x ⊙ s, one learned scale per feature: ds = Σ_rows dy ⊙ x, dx = dy ⊙ s
  const scale: Layer = {
    name: "scale",
    kind: "scale",
    parameterSpecs: () => ({ "scale.s": { shape: [1, 3], init: (shape) => randn(shape, { seed: 11 }), fanIn: 3, fanOut: 3 } }),
    apply: (params, x) => mul(x, params["scale.s"]),
    describe: () => ({ kind: "scale", name: "scale" }),
  };
  const model = () => sequential([scale, dense({ name: "out", inputSize: 3, units: 1, convention: "row" })], { output: "sigmoid", seed: 1 });
  const X = randn([4, 3], { seed: 2 });
  const Y = tensor([[1], [0], [0], [1]]);
  const scaleRule: ManualBackward = ({ layer, params, x, dOut }) => ({
    dX: mul(dOut, params[`${layer.name}.s`]),
    grads: { [`${layer.name}.s`]: sum(mul(dOut, x), 0, true) },
  });

  it("are used for layer kinds of their own, and checked like the built-in ones", () => {
    expect(compareBackprop(model(), X, Y, { ...TOLERANCE, rules: { scale: scaleRule } }).ok).toBe(true);
    const forgot: ManualBackward = (step) => ({ ...scaleRule(step), dX: step.dOut }); // dx = dy, forgetting s
    const report = compareBackprop(model(), X, Y, { ...TOLERANCE, rules: { scale: forgot } });
    expect([report.firstDisagreeingLayer, report.firstDisagreement]).toEqual(["scale", "∂J/∂(input of scale)"]);
  });

  it("are asked for when a layer kind has none, and checked for shapes", () => {
    expect(() => manualBackprop(model(), X, Y)).toThrow(/^manualBackprop: no hand-derived rule for layer 'scale' of kind 'scale'; pass one in rules/);
    const misshapen: ManualBackward = (step) => ({ ...scaleRule(step), grads: { "scale.s": reshape(sum(mul(step.dOut, step.x), 0), [3]) } });
    expect(() => manualBackprop(model(), X, Y, { rules: { scale: misshapen } })).toThrow(
      "manualBackprop: the rule for scale layer 'scale' gave shape [3] for 'scale.s', whose shape is [1, 3]",
    );
    const noDX: ManualBackward = (step) => ({ ...scaleRule(step), dX: null });
    expect(() => manualBackprop(model(), X, Y, { rules: { scale: noDX } })).toThrow("manualBackprop: the rule for scale layer 'scale' gave dX of null; the layer's input has shape [4, 3]");
  });

  it("the built-in table covers every layer kind but its own", () => {
    expect(Object.keys(MANUAL_BACKWARD).sort()).toEqual(
      ["avgPool2d", "batchNorm", "conv1d", "conv2d", "dense", "dropout", "embedding", "flatten", "gru", "layerNorm", "lstm", "maxPool2d", "multiHeadAttention", "rnn"],
    );
    expect(MANUAL_BACKWARD.multiHeadAttention).toBe(attentionBackward);
  });

  it("a graph model cannot be walked: it says what to use instead", () => {
    const out = dense({ name: "out", inputSize: 3, units: 1, convention: "row" });
    const model = graph({ layers: [out], forward: (p, x: Tensor) => out.apply(p, x), output: "sigmoid", convention: "row" });
    expect(() => manualBackprop(model, X, Y)).toThrow(/graph model's forward pass is code of your own.*explainGradients and compareIntermediates/);
  });
});
