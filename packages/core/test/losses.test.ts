import { describe, expect, it } from "vitest";
import { binaryCrossEntropy, grad, softmaxCrossEntropy, tensor, transpose, valueAndGrad, type Tensor } from "../src";
import { assertAllClose, gradcheck } from "../src/testing";

describe("binaryCrossEntropy of probabilities", () => {
  it("counts 0·log 0 as 0: a perfect prediction has loss 0 and gradient 0, not NaN", () => {
    const p = tensor([1, 0]);
    const y = tensor([1, 0]);
    const { value, grads } = valueAndGrad((p: Tensor) => binaryCrossEntropy(p, y))(p);
    expect(value.item()).toBe(0);
    expect(grads[0].toArray()).toEqual([0, 0]);
  });

  it("clamps each log at −100 as PyTorch does: a confident wrong prediction costs 100", () => {
    expect(binaryCrossEntropy(tensor([0]), tensor([1])).item()).toBe(100);
    expect(binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0])).item()).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 15);
  });

  it("has gradient (p − y)/(p(1 − p)) per element, divided by the count for 'mean'", () => {
    const p = tensor([0.3, 0.8]);
    const y = tensor([1, 0.25]);
    const [dp] = grad((p: Tensor) => binaryCrossEntropy(p, y))(p);
    assertAllClose(dp, tensor([(0.3 - 1) / (0.3 * 0.7) / 2, (0.8 - 0.25) / (0.8 * 0.2) / 2]), { rtol: 1e-14 });
  });

  it("refuses values that are not probabilities, pointing to the logits version", () => {
    expect(() => binaryCrossEntropy(tensor([0.5, 1.5]), tensor([1, 0]))).toThrow(
      "binaryCrossEntropy: probs must lie in [0, 1], got 1.5 at flat index 1; for scores that are not probabilities use binaryCrossEntropyWithLogits",
    );
  });
});

describe("softmaxCrossEntropy", () => {
  it("is finite when the logit gap overflows: [1e308, −1e308, 0]", () => {
    const logits = tensor([[1e308, -1e308, 0]]);
    expect(softmaxCrossEntropy(logits, tensor([[1, 0, 0]]), { axis: 1 }).item()).toBe(0);
    expect(softmaxCrossEntropy(logits, tensor([[0, 0, 1]]), { axis: 1 }).item()).toBe(1e308);
    const [dz] = grad((z: Tensor) => softmaxCrossEntropy(z, tensor([[1, 0, 0]]), { axis: 1 }))(logits);
    expect(dz.toArray()).toEqual([[0, 0, 0]]); // softmax − y = [1, 0, 0] − [1, 0, 0]
  });

  it("takes int32 class indices, as PyTorch's cross_entropy, equal to the one-hot form in both conventions", () => {
    const rows = tensor([[2, 1, 0], [0.5, -1, 3]]); // 2 examples as rows, 3 classes
    const labels = tensor([0, 2], { dtype: "int32" });
    const oneHotRows = tensor([[1, 0, 0], [0, 0, 1]]);
    const byHand = (-Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(1) + 1)) - Math.log(Math.exp(3) / (Math.exp(0.5) + Math.exp(-1) + Math.exp(3)))) / 2;
    expect(softmaxCrossEntropy(rows, labels).item()).toBeCloseTo(byHand, 14);
    expect(softmaxCrossEntropy(rows, labels, { axis: 1 }).item()).toBeCloseTo(byHand, 14);
    expect(softmaxCrossEntropy(transpose(rows), labels).item()).toBeCloseTo(byHand, 14); // examples as columns: axis 0 read off the shapes
    const [fromIndices] = grad((z: Tensor) => softmaxCrossEntropy(z, labels, { axis: 1 }))(rows);
    const [fromOneHot] = grad((z: Tensor) => softmaxCrossEntropy(z, oneHotRows, { axis: 1 }))(rows);
    assertAllClose(fromIndices, fromOneHot, { rtol: 1e-15 });
    expect(softmaxCrossEntropy(rows, labels, { reduction: "none" }).shape).toEqual([2]);
    expect(gradcheck((z) => softmaxCrossEntropy(z, labels, { axis: 1 }), [rows], { order: 2 }).ok).toBe(true);
  });

  it("never averages over the wrong axis by accident: column-convention logits without axis are an error naming both readings", () => {
    const columns = tensor([[2, 0.5, 1, 0], [1, -1, 0, 2], [0, 3, 1, 1]]); // 3 classes × 4 examples
    const oneHotColumns = tensor([[1, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0]]);
    expect(() => softmaxCrossEntropy(columns, oneHotColumns)).toThrow(
      "softmaxCrossEntropy: which axis of the logits [3, 4] holds the classes? The targets sum to 1 along axis 0, so it cannot be read off them safely; pass { axis: 1 } when examples are rows or { axis: 0 } when examples are columns",
    );
    expect(softmaxCrossEntropy(columns, oneHotColumns, { axis: 0 }).item()).toBeCloseTo(
      softmaxCrossEntropy(transpose(columns), transpose(oneHotColumns), { axis: 1 }).item(),
      15,
    );
    // one-hot rows of a row-convention batch are read without axis, as the last axis
    expect(softmaxCrossEntropy(transpose(columns), transpose(oneHotColumns)).item()).toBeCloseTo(
      softmaxCrossEntropy(columns, oneHotColumns, { axis: 0 }).item(),
      15,
    );
  });

  it("asks for the axis when a square batch fits both readings, for indices and for one-hot targets", () => {
    const square = tensor([[1, 2], [3, 4]]);
    expect(() => softmaxCrossEntropy(square, tensor([0, 1], { dtype: "int32" }))).toThrow(
      "softmaxCrossEntropy: class-index targets of shape [2] fit logits of shape [2, 2] with the classes on axis 0 or 1; pass { axis } to say which (1 when examples are rows, 0 when examples are columns)",
    );
    expect(() => softmaxCrossEntropy(square, tensor([[1, 0], [0, 1]]))).toThrow(/The targets sum to 1 along axis 0 and axis 1/);
  });

  it("refuses class indices out of range and targets of a shape that fits no reading", () => {
    expect(() => softmaxCrossEntropy(tensor([[1, 2, 3]]), tensor([3], { dtype: "int32" }), { axis: 1 })).toThrow(
      "softmaxCrossEntropy: class index 3 at flat index 0 of the targets is out of range for 3 classes (axis 1 of logits [1, 3]); class indices run from 0 to 2",
    );
    expect(() => softmaxCrossEntropy(tensor([[1, 2, 3]]), tensor([0, 1], { dtype: "int32" }))).toThrow(
      /class-index targets of shape \[2\] do not fit logits of shape \[1, 3\]/,
    );
  });
});
