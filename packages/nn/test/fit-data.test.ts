import { describe, expect, it } from "vitest";
import { add, mean, mse, mul, reshape, softmaxCrossEntropy, tensor, Random, type Tensor } from "@tapegrad/core";
import {
  accuracy,
  adam,
  datasetAsDtype,
  dense,
  evaluate,
  exampleCount,
  fit,
  graph,
  mlp,
  outputLoss,
  sequential,
  sgd,
  takeExamples,
  xor,
  type Layer,
} from "../src";

const int32 = (values: number[]) => tensor(values, { dtype: "int32" });
const arange = (shape: number[]) => tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), { shape });

/** A layer that passes its input through, logs the mode of every call, and counts its training steps in its state. */
function recorder(log: boolean[], options: { nanOnCall?: number } = {}): Layer {
  let calls = 0;
  return {
    name: "recorder",
    kind: "recorder",
    trainingDiffers: true,
    parameterSpecs: () => ({}),
    stateSpecs: () => ({ "recorder.steps": { shape: [1], initial: 0 } }),
    apply: (_params, x: Tensor, context) => {
      const training = context?.training ?? false;
      log.push(training);
      if (!training) return x;
      calls++;
      context!.updateState("recorder.steps", add(context!.state["recorder.steps"], 1));
      return calls === options.nanOnCall ? mul(x, NaN) : x;
    },
    describe: () => ({ kind: "recorder", name: "recorder" }),
  };
}

describe("training and evaluation modes", () => {
  it("steps run in training mode and commit their state; accuracy and validation run in evaluation mode", () => {
    const log: boolean[] = [];
    const model = sequential([recorder(log), dense({ name: "out", inputSize: 2, units: 1, convention: "row" })], { output: "sigmoid" });
    const data = xor({ convention: "row" });
    fit(model, data, { epochs: 2, batchSize: 2, shuffle: false, validation: data });
    // per epoch: two training steps, the training accuracy, the validation pass
    expect(log).toEqual([true, true, false, false, true, true, false, false]);
    expect(model.state["recorder.steps"].toArray()).toEqual([4]);
    evaluate(model, data);
    accuracy(model, data);
    expect(log.slice(8)).toEqual([false, false]);
  });

  it("a diverged step commits no state, and trainingAccuracy: false skips the extra pass", () => {
    const log: boolean[] = [];
    const model = sequential([recorder(log, { nanOnCall: 3 }), dense({ name: "out", inputSize: 2, units: 1, convention: "row" })], { output: "sigmoid" });
    expect(() => fit(model, xor({ convention: "row" }), { epochs: 5, batchSize: 2, trainingAccuracy: false })).toThrow(/the loss is NaN at epoch 2, mini-batch 1/);
    expect(model.state["recorder.steps"].toArray()).toEqual([2]);
    expect(log).toEqual([true, true, true]);
  });
});

describe("datasets of any rank", () => {
  it("row convention: examples along axis 0, each copied as one block", () => {
    const images = arange([4, 2, 1, 3]); // [N, C, H, W], 6 values per image
    const labels = int32([10, 11, 12, 13]);
    const data = { inputs: images, targets: labels };
    expect(exampleCount(data, "row")).toBe(4);
    const picked = takeExamples(data, [2, 0, 1], "row");
    expect(picked.inputs.shape).toEqual([3, 2, 1, 3]);
    expect(Array.from(picked.inputs.data)).toEqual([12, 13, 14, 15, 16, 17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(picked.targets.dtype).toBe("int32");
    expect(picked.targets.toArray()).toEqual([12, 10, 11]);
  });

  it("column convention: examples along the last axis", () => {
    const sequences = arange([2, 3, 4]); // 4 examples along the last axis
    const picked = takeExamples({ inputs: sequences, targets: int32([0, 1, 2, 3]) }, [3, 1], "column");
    expect(picked.inputs.toArray()).toEqual([[[3, 1], [7, 5], [11, 9]], [[15, 13], [19, 17], [23, 21]]]);
    expect(picked.targets.toArray()).toEqual([3, 1]);
    expect(exampleCount({ inputs: sequences, targets: int32([0, 1, 2, 3]) }, "column")).toBe(4);
  });

  it("keeps float32 as float32, and trees of tensors", () => {
    const data = { inputs: { a: tensor([[1], [2]], { dtype: "float32" }), b: [tensor([5, 6])] }, targets: tensor([[0], [1]]) };
    const picked = takeExamples(data, [1], "row");
    expect(picked.inputs.a.dtype).toBe("float32");
    expect(picked.inputs.a.toArray()).toEqual([[2]]);
    expect(picked.inputs.b[0].toArray()).toEqual([6]);
  });

  it("gives clear errors", () => {
    expect(() => exampleCount({ inputs: tensor(1), targets: tensor([1]) }, "row")).toThrow(
      "dataset: inputs is a scalar; every tensor needs an example axis (axis 0 in the row convention, the last axis in the column convention)",
    );
    expect(() => exampleCount({ inputs: [tensor([[1, 2]]), tensor([[1], [2]])], targets: tensor([1]) }, "row")).toThrow(
      "dataset: the tensors disagree on the number of examples along axis 0 (row convention, examples as rows): inputs[0] [1, 2], inputs[1] [2, 1], targets [1]",
    );
    expect(() => exampleCount({ inputs: tensor([[1, 2, 3]]), targets: int32([0]) }, "column")).toThrow(
      /along the last axis \(column convention, examples as columns\): inputs \[1, 3\], targets \[1\]; the data looks laid out for the 'row' convention/,
    );
    expect(() => takeExamples({ inputs: tensor([[1], [2]]), targets: tensor([[1], [2]]) }, [0, 2], "row")).toThrow(
      "takeExamples: index 2 (at position 1) is out of range for 2 examples; indices run from 0 to 1",
    );
    expect(() => exampleCount({ inputs: {}, targets: [] }, "row")).toThrow(/it holds no tensors/);
  });

  it("fit trains on images [N, C, H, W] with int32 class labels", () => {
    // 4-pixel images, the label is the brightest pixel.
    const rng = new Random(3);
    const N = 48;
    const pixels = Array.from({ length: N * 4 }, () => rng.uniform());
    const labels = Array.from({ length: N }, (_, n) => {
      const image = pixels.slice(4 * n, 4 * n + 4);
      return image.indexOf(Math.max(...image));
    });
    const data = { inputs: tensor(pixels, { shape: [N, 1, 2, 2] }), targets: int32(labels) };
    const out = dense({ name: "out", inputSize: 4, units: 4, convention: "row" });
    const model = graph({ layers: [out], forward: (p, x: Tensor) => out.apply(p, reshape(x, [x.shape[0], 4])), output: "softmax", convention: "row", seed: 1 });
    const history = fit(model, data, { epochs: 60, batchSize: 16, optimizer: adam({ learningRate: 0.1 }) });
    expect(history.accuracy[0]).toBeLessThan(0.7);
    expect(history.accuracy.at(-1)).toBeGreaterThanOrEqual(0.9);
  });

  it("fit trains on sequences [N, T, F]", () => {
    // the target is the mean over time of the first feature
    const rng = new Random(4);
    const [N, T, F] = [32, 5, 2];
    const values = Array.from({ length: N * T * F }, () => rng.normal());
    const inputs = tensor(values, { shape: [N, T, F] });
    const targets = mean(tensor(values.filter((_, i) => i % F === 0), { shape: [N, T] }), 1, true);
    const out = dense({ name: "out", inputSize: F, units: 1, convention: "row" });
    const model = graph({ layers: [out], forward: (p, x: Tensor) => out.apply(p, mean(x, 1)), output: "identity", convention: "row" });
    const history = fit(model, { inputs, targets }, { epochs: 40, batchSize: 8, optimizer: adam({ learningRate: 0.05 }) });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 20);
  });
});

describe("class-index targets", () => {
  const logits = tensor([[2, 1, 0], [0, 3, 1]]);
  const oneHot = tensor([[1, 0, 0], [0, 0, 1]]);

  it("give the same loss as one-hot targets, in both conventions", () => {
    const fromIndices = outputLoss("softmax", logits, int32([0, 2]), "row").item();
    expect(fromIndices).toBeCloseTo(outputLoss("softmax", logits, oneHot, "row").item(), 15);
    // by hand: example 1: −log(e²/(e² + e + 1)), example 2: −log(e/(1 + e³ + e)); J is their mean
    const byHand = (-Math.log(Math.exp(2) / (Math.exp(2) + Math.E + 1)) - Math.log(Math.E / (1 + Math.exp(3) + Math.E))) / 2;
    expect(fromIndices).toBeCloseTo(byHand, 14);
    const columns = tensor([[2, 0], [1, 3], [0, 1]]);
    expect(outputLoss("softmax", columns, int32([0, 2]), "column").item()).toBeCloseTo(byHand, 14);
    expect(softmaxCrossEntropy(logits, int32([0, 2])).item()).toBeCloseTo(byHand, 14);
  });

  it("are judged by accuracy against the arg-max class", () => {
    const model = mlp({ sizes: [2, 3], output: "softmax", convention: "row", params: { "layer1.W": tensor([[1, 0, 0], [0, 1, 0]]), "layer1.b": tensor([[0, 0, 0]]) } });
    const inputs = tensor([[5, 1], [1, 5], [0, 0.5], [3, 2]]); // predicted classes 0, 1, 1, 0
    expect(accuracy(model, { inputs, targets: int32([0, 1, 2, 1]) })).toBe(0.5);
    expect(evaluate(model, { inputs, targets: int32([0, 1, 1, 0]) }).accuracy).toBe(1);
  });

  it("must have the output's shape without the class axis; other outputs refuse int32", () => {
    expect(() => outputLoss("softmax", logits, int32([0, 2, 1]), "row")).toThrow(
      "loss: class-index targets of shape [3] do not fit the model's output of shape [2, 3]: they need its shape without the class axis 1, [2] (row convention: examples along axis 0)",
    );
    expect(() => outputLoss("sigmoid", tensor([[0.5], [1]]), tensor([[0], [1]], { dtype: "int32" }), "row")).toThrow(
      'loss: a sigmoid output takes float targets, got int32 targets; convert 0/1 labels with astype(labels, "float64") (or the model\'s dtype); only a softmax output takes int32 class indices',
    );
  });

  it("train an mlp in the column convention", () => {
    const model = mlp({ sizes: [2, 8, 2], hidden: "tanh", output: "softmax", convention: "column", seed: 0 });
    const data = { inputs: tensor([[0, 0, 1, 1], [0, 1, 0, 1]]), targets: int32([0, 1, 1, 0]) };
    const history = fit(model, data, { epochs: 200, optimizer: adam({ learningRate: 0.05 }) });
    expect(history.accuracy.at(-1)).toBe(1);
  });
});

describe("the regression output: identity and squared error", () => {
  it("is J = (1/m) Σ (z − y)² summed over the output units, n_L times PyTorch's MSELoss", () => {
    const z = tensor([[1, 2], [3, 0]]);
    const y = tensor([[0, 2], [1, 1]]);
    // m = 2 examples, errors 1, 0, 2, −1: J = (1 + 0 + 4 + 1)/2 = 3
    expect(outputLoss("identity", z, y, "row").item()).toBe(3);
    expect(mse(z, y).item() * 2).toBe(3); // the mean over all 4 elements, times n_L = 2
    expect(outputLoss("identity", tensor([[1, 3]]), tensor([[0, 1]]), "column").item()).toBe(2.5); // one unit: (1 + 4)/2, as MSELoss
  });

  it("fits a line", () => {
    const xs = [-1, -0.5, 0, 0.5, 1, 1.5];
    const data = { inputs: tensor(xs.map((x) => [x])), targets: tensor(xs.map((x) => [2 * x + 1])) };
    const model = mlp({ sizes: [1, 1], output: "identity", convention: "row" });
    fit(model, data, { epochs: 200, optimizer: sgd({ learningRate: 0.1 }) });
    expect(model.params["layer1.W"].data[0]).toBeCloseTo(2, 6);
    expect(model.params["layer1.b"].data[0]).toBeCloseTo(1, 6);
    expect(model.predict(tensor([[3]])).data[0]).toBeCloseTo(7, 5);
  });
});

describe("dtypes in fit and evaluate", () => {
  it("a float32 model trains on float64 data, which is converted once; int32 labels stay int32", () => {
    const model = mlp({ sizes: [2, 8, 2], hidden: "tanh", output: "softmax", convention: "row", dtype: "float32", seed: 0 });
    const data = { inputs: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), targets: int32([0, 1, 1, 0]) };
    const history = fit(model, data, { epochs: 150, optimizer: adam({ learningRate: 0.05 }), validation: data });
    expect(Object.values(model.params).every((p) => p.dtype === "float32")).toBe(true);
    expect(history.accuracy.at(-1)).toBe(1);
    expect(evaluate(model, data).accuracy).toBe(1);
    const float64Model = mlp({ sizes: [2, 1], output: "sigmoid", convention: "row" });
    expect(evaluate(float64Model, { inputs: tensor([[1, 2]], { dtype: "float32" }), targets: tensor([[1]], { dtype: "float32" }) }).loss).toBeGreaterThan(0);
  });

  it("datasetAsDtype converts float tensors only, and keeps those already right", () => {
    const X = tensor([[1.5]]);
    const labels = int32([1]);
    const converted = datasetAsDtype({ inputs: X, targets: labels }, "float32");
    expect(converted.inputs.dtype).toBe("float32");
    expect(converted.targets).toBe(labels);
    expect(datasetAsDtype({ inputs: X, targets: labels }, "float64").inputs).toBe(X);
  });
});

describe("fit's other options", () => {
  it("clipGradNorm clips each step's gradients to the global norm", () => {
    // J = (w + b − 2)² at x = 1: the first gradients are dw = db = −4, so ‖g‖ = 4√2, scaled to 0.1
    const model = mlp({ sizes: [1, 1], output: "identity", convention: "row", params: { "layer1.W": tensor([[0]]), "layer1.b": tensor([[0]]) } });
    fit(model, { inputs: tensor([[1]]), targets: tensor([[2]]) }, { epochs: 1, optimizer: sgd({ learningRate: 0.1 }), clipGradNorm: 0.1 });
    expect(model.params["layer1.W"].data[0]).toBeCloseTo((0.1 * 4 * 0.1) / (4 * Math.SQRT2 + 1e-6), 15);
    expect(() => fit(model, { inputs: tensor([[1]]), targets: tensor([[2]]) }, { epochs: 1, clipGradNorm: -1 })).toThrow(
      "fit: clipGradNorm must be a positive number (the largest global gradient norm), got -1",
    );
  });

  it("says when the problem is in the validation data", () => {
    const model = mlp({ sizes: [2, 1], output: "sigmoid", convention: "row" });
    const data = xor({ convention: "row" });
    expect(() => fit(model, data, { epochs: 1, validation: { inputs: tensor([[1, 2], [3, 4]]), targets: tensor([[1]]) } })).toThrow(
      "fit: in options.validation, dataset: the tensors disagree on the number of examples along axis 0 (row convention, examples as rows): inputs [2, 2], targets [1, 1]",
    );
    expect(() => fit(model, data, { epochs: 1, validation: { inputs: tensor([[1, NaN]]), targets: tensor([[1]]) } })).toThrow(
      "fit: in options.validation, the inputs hold NaN at flat index 1; clean the data first",
    );
  });

  it("evaluate in chunks gives the same loss and accuracy", () => {
    const data = xor({ convention: "column" });
    const model = mlp({ sizes: [2, 3, 1], output: "sigmoid", convention: "column", seed: 2 });
    const whole = evaluate(model, data);
    const chunked = evaluate(model, data, { batchSize: 3 });
    expect(chunked.loss).toBeCloseTo(whole.loss, 14);
    expect(chunked.accuracy).toBe(whole.accuracy);
    expect(() => evaluate(model, data, { batchSize: 0 })).toThrow("evaluate: batchSize must be a positive integer, got 0");
  });
});
