import { describe, expect, it } from "vitest";
import {
  add,
  argmax,
  concat,
  customVjp,
  defineOp,
  exp,
  gather,
  grad,
  maxPool2d,
  mean,
  mul,
  noGrad,
  randn,
  relu,
  reshape,
  sigmoid,
  slice,
  stopGradient,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  zeros,
  type Tensor,
} from "@tapegrad/core";
import { mlp } from "@tapegrad/nn";
import { toOnnx } from "@tapegrad/onnx";
import { expectClose, expectSameAsTapegrad, runOnnx } from "./helpers";

const x = randn([2, 3], { seed: 1 });

describe("ops that ONNX cannot express", () => {
  it("an op of your own (defineOp) is named, with what to do", () => {
    const mySoftplus = defineOp({
      name: "onnxTestSoftplus",
      inputNames: ["x"],
      forward: ([t]) => noGrad(() => add(relu(t), exp(mul(t, 0)))),
      vjp: (g, { inputs: [t] }) => [mul(g, sigmoid(t))],
    });
    expect(() => toOnnx((t: Tensor) => tanh(mySoftplus(t)), [x])).toThrow(
      /op 'onnxTestSoftplus' \(step 1, shape \[2, 3\]\) is not an op this exporter knows: an op of your own \(defineOp or customVjp\).*Export a version of the function that computes it with built-in ops/,
    );
  });

  it("a customVjp op, even one named like a built-in op", () => {
    const stableRelu = customVjp((t) => relu(t), (g, { inputs: [t] }) => [mul(g, sigmoid(t))], { name: "relu" });
    expect(() => toOnnx((t: Tensor) => stableRelu(t), [x])).toThrow(/op 'relu' .* is not an op this exporter knows: an op of your own/);
  });

  it("a backward-pass op, when the function takes gradients itself", () => {
    const images = randn([1, 1, 4, 4], { seed: 2 });
    const poolGradient = (t: Tensor) => grad((v: Tensor) => sum(maxPool2d(v, { kernelSize: 2 })))(t)[0];
    expect(() => toOnnx(poolGradient, [images])).toThrow(/op 'maxPool2dBackward' .* is a backward-pass op .*Export the forward pass alone/);
  });
});

describe("values computed off the tape, which the graph would freeze", () => {
  it("a noGrad statistic of the input is refused (and let through with checkConstants: false)", () => {
    const centred = (t: Tensor) => sub(t, noGrad(() => mean(t)));
    expect(() => toOnnx(centred, [x])).toThrow(/input 1 of op 'sub' .* takes a tensor computed from the inputs off the tape .*noGrad/);
    expect(() => toOnnx(centred, [x], { checkConstants: false })).not.toThrow();
  });

  it("stopGradient of an input becomes the input itself (the same values), as ONNX has no gradients", async () => {
    await expectSameAsTapegrad((t: Tensor) => mul(t, stopGradient(t)), [x]);
  });

  it("int32 inputs transposed before gather (int32 ops are not recorded) are refused", () => {
    const W = randn([5, 2], { seed: 3 });
    const ids = tensor([[1, 4], [0, 2]], { dtype: "int32" });
    const lookUp = (p: { W: Tensor }, i: Tensor) => gather(p.W, transpose(i), 0);
    expect(() => toOnnx(lookUp, [{ W }, ids], { parameters: [0] })).toThrow(/input 1 of op 'gather' .*int32 ops/);
  });

  it("but an int32 input reshaped (a view of the same values) exports as a Reshape", async () => {
    const W = randn([5, 2], { seed: 3 });
    const ids = tensor([[1, 4], [0, 2]], { dtype: "int32" });
    const lookUp = (p: { W: Tensor }, i: Tensor) => gather(p.W, reshape(i, [4]), 0);
    const bytes = toOnnx(lookUp, [{ W }, ids], { parameters: [0] });
    const other = tensor([[3, 3], [2, 0]], { dtype: "int32" });
    expectClose((await runOnnx(bytes, { input: other })).output, lookUp({ W }, other));
  });

  it("a branch on the inputs' values is refused", () => {
    const branchy = (t: Tensor) => (t.data[0] > 0 ? relu(t) : tanh(t));
    expect(() => toOnnx(branchy, [tensor([[-0.05, 1]])])).toThrow(/ran other ops on other values of the inputs .*'tanh' on the example inputs, 'relu' then.*a branch on a value/);
  });

  it("an int32 output (argmax) is refused, with advice", () => {
    expect(() => toOnnx((t: Tensor) => argmax(t, 1), [x])).toThrow(/output 0 .* is int32 .*export the scores and take argmax after/);
  });

  it("an output that does not depend on the inputs is refused", () => {
    expect(() => toOnnx((_t: Tensor) => zeros([2]), [x])).toThrow(/does not depend on the inputs or the weights/);
  });
});

describe("dynamicBatch refuses what does not follow the batch", () => {
  it("a mean over the examples (its divisor is the batch size)", () => {
    expect(() => toOnnx((t: Tensor) => sub(t, mean(t, 0, true)), [x], { dynamicBatch: true })).toThrow(/dynamicBatch: input 1 of op 'div' .*values depend on the batch size/);
  });

  it("a constant of the batch's shape that is not one value everywhere", () => {
    expect(() => toOnnx((t: Tensor) => add(t, randn(t.shape, { seed: 4 })), [x], { dynamicBatch: true })).toThrow(/follows the batch size and does not hold one value everywhere/);
  });

  it("a size that is not a multiple of the batch size", () => {
    expect(() => toOnnx((t: Tensor) => slice(t, [1, 0], [t.shape[0] - 1, 3]), [x], { dynamicBatch: true })).toThrow(
      /dynamicBatch: op 'slice' \(step 1, shape \[1, 3\]\) has axis 0 of size 1 for a batch of 2 and 2 for 3, not a multiple of the batch size/,
    );
  });

  it("a slice of part of an axis that follows the batch", () => {
    const firstHalf = (t: Tensor) => slice(concat([t, t], 0), [0, 0], [t.shape[0], 3]);
    expect(() => toOnnx(firstHalf, [x], { dynamicBatch: true })).toThrow(/op 'slice' .*takes part of axis 0, whose size follows the batch \(elements 0 … 1 of 4\)/);
  });

  it("inputs of different batch sizes", () => {
    expect(() => toOnnx((a: Tensor, b: Tensor) => add(sum(a), sum(b)), [x, randn([3, 3], { seed: 5 })], { dynamicBatch: true })).toThrow(/batch axes have different sizes \(2, 3\)/);
  });
});

describe("arguments", () => {
  const model = mlp({ sizes: [3, 2], convention: "row" });
  it.each([
    ["an opset this exporter does not write", () => toOnnx(model, x, { opset: 16 }), /opset 16 is not one this exporter writes; choose one of 17, 18, 19, 20, 21, 22, 23/],
    ["a target that is neither a model nor a function", () => toOnnx({} as never, x), /expects a Model or a function of tensors, got an object/],
    ["a function's arguments not in an array", () => toOnnx((t: Tensor) => t, { t: x }), /exampleInputs lists its arguments/],
    ["parameter positions out of range", () => toOnnx((t: Tensor) => t, [x], { parameters: [1] }), /argument positions 0 … 0, got \[1\]/],
    ["parameters for a model", () => toOnnx(model, x, { parameters: [0] }), /options.parameters is for functions/],
    ["pass for a function", () => toOnnx((t: Tensor) => t, [x], { pass: "forward" }), /options.pass is for models/],
    ["too many input names", () => toOnnx(model, x, { inputNames: ["a", "b"] }), /inputNames gives 2 name\(s\), but the model has 1 input tensor/],
    ["an output name twice", () => toOnnx((t: Tensor) => [mul(t, 2), mul(t, 3)], [x], { outputNames: ["y", "y"] }), /the output name 'y' is used twice/],
    ["a function that returns no tensor", () => toOnnx((_t: Tensor) => 3, [x]), /the function returned a number; it must return a Tensor/],
    ["a batch axis that the input lacks", () => toOnnx(model, x, { dynamicBatch: true, batchAxis: 2 }), /batchAxis 2 is not an axis of input 0, of shape \[2, 3\]/],
  ])("%s", (_, run, message) => {
    expect(run).toThrow(message);
  });
});
