import { describe, expect, it } from "vitest";
import { defineOp, mul, randn, relu, step, tensor, type Tensor } from "@tapegrad/core";
import { conv2d, dense, flatten, init, maxPool2d, sequential, type Layer } from "@tapegrad/nn";
import { digitCnn, layerAgreement, withShiftedCopies } from "../src";

const images = randn([6, 1, 8, 8], { seed: 1 });
const labels = tensor(Array.from({ length: 6 }, (_, n) => Array.from({ length: 3 }, (_, c) => (c === n % 3 ? 1 : 0))));

/** A small CNN whose conv layer may use an activation of our own. */
function smallCnn(activation?: (z: Tensor) => Tensor) {
  return sequential(
    [
      conv2d({ name: "conv", inChannels: 1, outChannels: 3, kernelSize: 3, activation: activation ?? "relu" }), // [N, 3, 6, 6]
      maxPool2d({ name: "pool", kernelSize: 2 }), //                                                                [N, 3, 3, 3]
      flatten({ name: "flatten" }),
      dense({ name: "hidden", inputSize: 27, units: 5, activation: "tanh", convention: "row" }),
      dense({ name: "out", inputSize: 5, units: 3, convention: "row" }),
    ],
    { output: "softmax", seed: 2, dtype: "float32" },
  );
}

describe("layerAgreement", () => {
  it("checks every parameter against the hand-derived backprop, layer by layer, and against finite differences", () => {
    const report = layerAgreement(smallCnn(), images, labels);
    expect(report.ok, report.table()).toBe(true);
    expect(report.handDerivedLayers).toEqual(["conv", "hidden", "out"]);
    expect(report.handDerivedNote).toBeUndefined();
    expect(report.rows.map((row) => row.name)).toEqual(["conv.W", "conv.b", "hidden.W", "hidden.b", "out.W", "out.b"]);
    for (const row of report.rows) {
      expect(row.finiteDifferences, row.name).toBeLessThan(1e-6);
      expect(row.handDerived, row.name).toBeLessThan(1e-12);
    }
    expect(report.table()).toMatch(/^conv\.W\s+\[3, 1, 3, 3\]\s+\d\.\de-\d+\s+\S+ \(\d entries\)\s+yes$/m);
  });

  it("falls back to the dense head where the walk has no formulas, and says why", () => {
    const scale: Layer = {
      name: "scale",
      kind: "scale",
      parameterSpecs: () => ({ "scale.s": { shape: [1, 27], init: init.uniform({ low: 0.5, high: 1.5 }), fanIn: 27, fanOut: 27 } }),
      apply: (params, x) => mul(x, params["scale.s"]),
      describe: () => ({ kind: "scale", name: "scale" }),
    };
    const layers = [
      conv2d({ name: "conv", inChannels: 1, outChannels: 3, kernelSize: 3, activation: "relu" }),
      maxPool2d({ name: "pool", kernelSize: 2 }),
      flatten({ name: "flatten" }),
      scale,
      dense({ name: "out", inputSize: 27, units: 3, convention: "row" }),
    ];
    const report = layerAgreement(sequential(layers, { output: "softmax", seed: 3 }), images, labels);
    expect(report.ok, report.table()).toBe(true);
    expect(report.handDerivedLayers).toEqual(["out"]);
    expect(report.handDerivedNote).toBe("no hand-derived rule for layer 'scale' (scale)");
    expect(report.rows.map((row) => [row.name, row.handDerived === null])).toEqual([
      ["conv.W", true],
      ["conv.b", true],
      ["scale.s", true],
      ["out.W", false],
      ["out.b", false],
    ]);
    expect(report.table()).toMatch(/^conv\.W\s+\[3, 1, 3, 3\]\s+not derived yet\s+\S+ \(\d entries\)\s+yes$/m);
  });

  it("says NO when a gradient is wrong", () => {
    // relu with a vjp twice too large: the tape disagrees with finite differences in the conv layer only
    const wrongRelu = defineOp({ name: "reluWithWrongVjp", inputNames: ["x"], forward: ([x]) => relu(x), vjp: (g, { inputs: [x] }) => [mul(mul(g, step(x)), 2)] });
    const report = layerAgreement(smallCnn((z) => wrongRelu.run([z])), images, labels);
    expect(report.ok).toBe(false);
    expect(report.handDerivedNote).toMatch(/activation/); // a function of our own has no g′ for the walk
    expect(report.rows.filter((row) => !row.ok).map((row) => row.name)).toEqual(["conv.W", "conv.b"]);
    expect(report.table()).toMatch(/^conv\.W .*NO$/m);
  });
});

describe("the demo CNN", () => {
  it("maps [N, 1, 28, 28] images to 10 logits with PyTorch-shaped parameters", () => {
    const model = digitCnn({ seed: 0 });
    expect(model.parameterShapes()).toEqual({
      "conv1.W": [8, 1, 5, 5],
      "conv1.b": [8],
      "conv2.W": [32, 8, 5, 5],
      "conv2.b": [32],
      "fc1.W": [512, 64],
      "fc1.b": [1, 64],
      "fc2.W": [64, 10],
      "fc2.b": [1, 10],
    });
    expect(model.dtype).toBe("float32");
    expect(model.forward(model.params, randn([2, 1, 28, 28], { seed: 3, dtype: "float32" })).shape).toEqual([2, 10]);
  });

  it("augments images with shifted copies", () => {
    const image = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const data = withShiftedCopies({ inputs: image, targets: tensor([[0, 1]]) }, { copies: 3, maxShift: 1, seed: 4 });
    expect(data.inputs.shape).toEqual([4, 1, 3, 3]);
    expect(data.targets.toArray()).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
    const shifted = (dy: number, dx: number) => [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i - dy >= 0 && i - dy < 3 && j - dx >= 0 && j - dx < 3 ? 3 * (i - dy) + (j - dx) + 1 : 0)));
    const candidates = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => JSON.stringify(shifted(dy, dx))));
    const copies = (data.inputs.toArray() as number[][][][]).map((copy) => JSON.stringify(copy[0]));
    expect(copies[0]).toBe(JSON.stringify(shifted(0, 0)));
    for (const copy of copies.slice(1)) expect(candidates).toContain(copy);
    expect(new Set(copies.slice(1)).size).toBeGreaterThan(1);
  });
});
