import { describe, expect, it } from "vitest";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  logSoftmax,
  matmul,
  mean,
  mse,
  astype,
  broadcastTo,
  grad,
  mul,
  noGrad,
  registeredOps,
  sum,
  softmax,
  softmaxCrossEntropy,
  type Tensor,
} from "../src";
import { allClose, gradcheck } from "../src/testing";
import { awayFromZero, fromStridedView, oneHot, unitInterval } from "./helpers";
import { samples, type Sample } from "./op-samples";

// Every registered op must have samples in op-samples/ (one file per family): adding an
// op without them fails the first test, so no op goes without a finite-difference check
// of its vjp, at first and second order and on strided inputs.

const ops = registeredOps();

describe("the op registry", () => {
  it("has samples for every registered op, so that each one is gradient-checked", () => {
    const missing = [...ops.keys()].filter((name) => !(name in samples));
    expect(missing).toEqual([]);
  });

  it("has no samples for ops that do not exist", () => {
    expect(Object.keys(samples).filter((name) => !ops.has(name))).toEqual([]);
  });

  it("gives every op its forward formula and vjp formula, as the ops reference shows them", () => {
    const undocumented = [...ops.values()]
      .filter((op) => !(typeof op.definition.formula === "string" && typeof op.definition.vjpFormula === "string"))
      .map((op) => op.definition.name);
    expect(undocumented).toEqual([]);
  });
});

describe.each([...ops.keys()].filter((name) => name in samples))("op %s", (name) => {
  const op = ops.get(name)!;
  const cases = samples[name]();
  const apply = (sample: Sample) => (...inputs: Tensor[]) => op.run(inputs, sample.attrs);

  const integerOutput = cases.some((sample) => apply(sample)(...sample.inputs).dtype === "int32");

  if (integerOutput) {
    it.each(cases.map((sample) => [sample.label, sample] as const))("gives an int32 result that no gradient flows through: %s", (_, sample) => {
      const x = sample.inputs[0];
      expect(apply(sample)(...sample.inputs).dtype).toBe("int32");
      // Used inside a differentiated function, the result is a constant: the gradient is zero.
      const [dx] = grad((y: Tensor) => sum(mul(y, sum(astype(apply(sample)(y, ...sample.inputs.slice(1)), y.dtype)))))(x);
      expect(allClose(dx, noGrad(() => broadcastTo(sum(astype(apply(sample)(...sample.inputs), x.dtype)), x.shape)))).toBe(true);
    });
  } else {
  it.each(cases.map((sample) => [sample.label, sample] as const))("vjp matches finite differences: %s", (_, sample) => {
    const result = gradcheck(apply(sample), sample.inputs, sample.tolerance ?? { atol: 1e-7, rtol: 1e-6 });
    expect(result.ok, result.summary).toBe(true);
  });

  it.each(cases.filter((sample) => sample.secondOrder !== false).map((sample) => [sample.label, sample] as const))("gradient of the gradient matches finite differences: %s", (_, sample) => {
    const result = gradcheck(apply(sample), sample.inputs, { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(result.ok, result.summary).toBe(true);
  });

  }

  it.each(cases.map((sample) => [sample.label, sample] as const))("gives the same values and gradients on strided inputs: %s", (_, sample) => {
    const strided = sample.inputs.map(fromStridedView);
    expect(apply(sample)(...strided).toArray()).toEqual(apply(sample)(...sample.inputs).toArray());
    if (integerOutput) return;
    const result = gradcheck(apply(sample), strided, sample.tolerance ?? { atol: 1e-7, rtol: 1e-6 });
    expect(result.ok, result.summary).toBe(true);
  });
});

describe("composite functions", () => {
  const logits = awayFromZero([4, 3], 7);
  const composites: Array<[string, (...xs: Tensor[]) => Tensor, Tensor[]]> = [
    ["mean over all axes", (x) => mean(x), [awayFromZero([3, 4], 1)]],
    ["mean over axis 1 keepDims", (x) => mean(x, 1, true), [awayFromZero([3, 4], 2)]],
    ["mean over axes [0, 2]", (x) => mean(x, [0, 2]), [awayFromZero([2, 3, 4], 3)]],
    ["softmax over rows", (x) => softmax(x, 1), [logits]],
    ["softmax over columns", (x) => softmax(x, 0), [logits]],
    ["logSoftmax", (x) => logSoftmax(x, -1), [logits]],
    ["binaryCrossEntropy", (p, y) => binaryCrossEntropy(p, y), [unitInterval([3, 4], 1), unitInterval([3, 4], 2)]],
    ["binaryCrossEntropy sum", (p, y) => binaryCrossEntropy(p, y, { reduction: "sum" }), [unitInterval([6], 3), unitInterval([6], 4)]],
    ["binaryCrossEntropyWithLogits", (z, y) => binaryCrossEntropyWithLogits(z, y), [awayFromZero([3, 4], 5), unitInterval([3, 4], 6)]],
    ["binaryCrossEntropyWithLogits none", (z, y) => binaryCrossEntropyWithLogits(z, y, { reduction: "none" }), [awayFromZero([2, 3], 7), unitInterval([2, 3], 8)]],
    ["softmaxCrossEntropy, classes as columns (axis 1)", (z) => softmaxCrossEntropy(z, oneHot([0, 2, 1, 1], 3), { axis: 1 }), [logits]],
    ["softmaxCrossEntropy, classes as rows (axis 0)", (z) => softmaxCrossEntropy(z, oneHot([0, 2, 1], 4, 0), { axis: 0 }), [logits]],
    ["softmaxCrossEntropy none", (z, y) => softmaxCrossEntropy(z, y, { axis: 1, reduction: "none" }), [logits, unitInterval([4, 3], 9)]],
    ["mse", (p, y) => mse(p, y), [awayFromZero([3, 4], 10), awayFromZero([3, 4], 11)]],
    ["mse sum", (p, y) => mse(p, y, { reduction: "sum" }), [awayFromZero([5], 12), awayFromZero([5], 13)]],
    ["matmul chain", (a, b, c) => matmul(matmul(a, b), c, { transposeB: true }), [awayFromZero([2, 3], 1), awayFromZero([3, 4], 2), awayFromZero([5, 4], 3)]],
  ];

  it.each(composites)("%s: gradients and second-order gradients match finite differences", (_, f, inputs) => {
    const first = gradcheck(f, inputs, { atol: 1e-7, rtol: 1e-6 });
    expect(first.ok, first.summary).toBe(true);
    const second = gradcheck(f, inputs, { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(second.ok, second.summary).toBe(true);
  });
});
