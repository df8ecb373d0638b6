import { describe, expect, it } from "vitest";
import { randn, tensor, uniform, type FloatDType, type Tensor } from "@tapegrad/core";
import {
  batchNorm,
  conv1d,
  dense,
  dropout,
  embedding,
  flatten,
  graph,
  gru,
  layerNorm,
  lstm,
  mlp,
  multiHeadAttention,
  rnn,
  sequential,
  type Model,
} from "@tapegrad/nn";
import { digitCnn } from "@tapegrad/cli";
import { decodeOnnx, SUPPORTED_OPSETS, toOnnx, type ToOnnxOptions } from "@tapegrad/onnx";
import { expectClose, runOnnx } from "./helpers";

// Models from @tapegrad/nn exported with their weights, run in onnxruntime and compared with
// model.predict (or the forward pass): within 1e-9 in float64, 1e-5 in float32.

/** Exports the model on `example`, runs it on each of `batches` (the example by default) and compares with tapegrad. */
async function expectModelMatches(model: Model<any, any, any>, example: Tensor, options: ToOnnxOptions = {}, batches: Tensor[] = [example]): Promise<Record<string, any>> {
  const bytes = toOnnx(model, example, options);
  for (const x of batches) {
    const { output } = await runOnnx(bytes, { input: x });
    expectClose(output, options.pass === "forward" ? model.forward(model.params, x) : model.predict(x));
  }
  return decodeOnnx(bytes);
}

/** The dims of a graph input or output: sizes, or the symbolic names. */
const dimsOf = (info: { type: { tensor_type: { shape: { dim: { dim_value?: number; dim_param?: string }[] } } } }) =>
  info.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value);

describe("multilayer perceptrons", () => {
  it.each(["float64", "float32"] as FloatDType[])("row convention (%s): examples as rows, X·W + b", async (dtype) => {
    const model = mlp({ sizes: [3, 8, 5, 2], hidden: ["tanh", "relu"], output: "softmax", convention: "row", dtype, seed: 1 });
    const x = uniform([4, 3], { low: -2, high: 2, seed: 2, dtype });
    const onnx = await expectModelMatches(model, x);
    expect(onnx.graph.node.map((n: { op_type: string }) => n.op_type)).toEqual(["MatMul", "Add", "Tanh", "MatMul", "Add", "Relu", "MatMul", "Add", "Softmax"]);
    expect(dimsOf(onnx.graph.input[0])).toEqual([4, 3]);
  });

  it.each(["float64", "float32"] as FloatDType[])("column convention (%s): examples as columns, W·X + b", async (dtype) => {
    const model = mlp({ sizes: [3, 6, 1], hidden: "tanh", output: "sigmoid", convention: "column", dtype, seed: 3 });
    await expectModelMatches(model, uniform([3, 5], { low: -2, high: 2, seed: 4, dtype }));
  });

  it("dynamicBatch: the batch axis is symbolic (axis 0 for rows, the last axis for columns) and any batch runs", async () => {
    const row = mlp({ sizes: [3, 4, 2], output: "softmax", convention: "row", seed: 5 });
    const rowOnnx = await expectModelMatches(row, randn([2, 3], { seed: 1 }), { dynamicBatch: true }, [randn([1, 3], { seed: 2 }), randn([7, 3], { seed: 3 })]);
    expect(dimsOf(rowOnnx.graph.input[0])).toEqual(["batch", 3]);
    expect(dimsOf(rowOnnx.graph.output[0])).toEqual(["batch", 2]);
    const column = mlp({ sizes: [3, 4, 2], output: "softmax", convention: "column", seed: 5 });
    const columnOnnx = await expectModelMatches(column, randn([3, 2], { seed: 1 }), { dynamicBatch: true }, [randn([3, 9], { seed: 4 })]);
    expect(dimsOf(columnOnnx.graph.input[0])).toEqual([3, "batch"]);
    expect(dimsOf(columnOnnx.graph.output[0])).toEqual([2, "batch"]);
  });

  it("pass 'forward' exports the logits, 'predict' (the default) the probabilities", async () => {
    const model = mlp({ sizes: [3, 4, 2], output: "softmax", convention: "row", seed: 6 });
    const x = randn([3, 3], { seed: 7 });
    const forward = await expectModelMatches(model, x, { pass: "forward" });
    expect(forward.graph.node.map((n: { op_type: string }) => n.op_type)).not.toContain("Softmax");
  });

  it("the initialisers are the parameters, named as in model.params, with their exact bits", () => {
    const model = mlp({ sizes: [3, 4, 2], convention: "row", seed: 8 });
    const onnx = decodeOnnx(toOnnx(model, randn([2, 3], { seed: 9 })));
    const initialisers = new Map(onnx.graph.initializer.map((t: { name: string }) => [t.name, t]));
    for (const [key, value] of Object.entries(model.params)) {
      const stored = initialisers.get(key) as { dims: number[]; data_type: number; raw_data: Uint8Array };
      expect(stored, key).toBeDefined();
      expect(stored.dims).toEqual(value.shape);
      expect(stored.data_type).toBe(11); // DOUBLE
      const bits = new BigUint64Array(new Uint8Array(stored.raw_data).buffer);
      expect([...bits]).toEqual([...new BigUint64Array(new Float64Array(value.data).buffer)]);
    }
  });

  it("every supported opset loads and runs, with its IR version", async () => {
    const model = mlp({ sizes: [2, 3, 2], output: "softmax", convention: "row", seed: 10 });
    const x = randn([2, 2], { seed: 11 });
    for (const opset of SUPPORTED_OPSETS) {
      const onnx = await expectModelMatches(model, x, { opset });
      expect(onnx.opset_import).toEqual([{ domain: "", version: opset }]);
      expect(onnx.ir_version).toBeGreaterThanOrEqual(8);
    }
  });

  it("names the producer, the graph, the inputs and the outputs as asked", async () => {
    const model = mlp({ sizes: [2, 2], convention: "row", seed: 12 });
    const bytes = toOnnx(model, randn([1, 2], { seed: 13 }), { inputNames: ["features"], outputNames: ["scores"], producerName: "my-app", graphName: "tiny", docString: "a test" });
    const onnx = decodeOnnx(bytes);
    expect([onnx.producer_name, onnx.graph.name, onnx.doc_string]).toEqual(["my-app", "tiny", "a test"]);
    expect(onnx.graph.input.map((i: { name: string }) => i.name)).toEqual(["features"]);
    expect(onnx.graph.output.map((o: { name: string }) => o.name)).toEqual(["scores"]);
    const { scores } = await runOnnx(bytes, { features: tensor([[1, 2]]) });
    expectClose(scores, model.predict(tensor([[1, 2]])));
  });
});

describe("the CLI demo's convolutional network (conv, pooling, flatten, dense; float32)", () => {
  it("matches model.predict, at the example's batch and, with dynamicBatch, at others", async () => {
    const model = digitCnn({ seed: 0 });
    const images = (n: number, seed: number) => uniform([n, 1, 28, 28], { low: 0, high: 1, seed, dtype: "float32" });
    const onnx = await expectModelMatches(model, images(2, 1), { dynamicBatch: true }, [images(2, 2), images(5, 3)]);
    const types = onnx.graph.node.map((n: { op_type: string }) => n.op_type);
    expect(types.filter((t: string) => t === "Conv")).toHaveLength(2);
    expect(types.filter((t: string) => t === "MaxPool")).toHaveLength(2);
    expect(types.at(-1)).toBe("Softmax");
  });
});

describe("recurrent networks, unrolled over the example's time steps", () => {
  it.each(["float64", "float32"] as FloatDType[])("an LSTM then a dense layer (%s)", async (dtype) => {
    const model = sequential([lstm({ name: "lstm", inputSize: 3, hiddenSize: 5 }), dense({ name: "out", inputSize: 5, units: 2, convention: "row" })], { seed: 1, dtype });
    const x = (batch: number, seed: number) => randn([batch, 4, 3], { seed, dtype });
    await expectModelMatches(model, x(2, 1), { dynamicBatch: true }, [x(2, 2), x(6, 3)]);
  });

  it("an LSTM returning its sequence, in the column convention", async () => {
    const model = sequential([lstm({ name: "lstm", inputSize: 3, hiddenSize: 2, returnSequences: true, convention: "column" })], { convention: "column", seed: 2 });
    await expectModelMatches(model, randn([3, 5, 2], { seed: 4 }), { dynamicBatch: true }, [randn([3, 5, 4], { seed: 5 })]);
  });

  it("a GRU and an RNN", async () => {
    const x = randn([2, 3, 4], { seed: 6 });
    await expectModelMatches(sequential([gru({ name: "gru", inputSize: 4, hiddenSize: 3, returnSequences: true })], { seed: 3 }), x);
    await expectModelMatches(sequential([rnn({ name: "rnn", inputSize: 4, hiddenSize: 3 })], { seed: 4 }), x);
  });
});

describe("other layers", () => {
  it("embedding (int32 token ids as the input), flatten and dense", async () => {
    const model = sequential([embedding({ name: "emb", vocabularySize: 7, dimensions: 3 }), flatten({ name: "flat" }), dense({ name: "out", inputSize: 6, units: 2, convention: "row" })], { output: "softmax", seed: 5 });
    const ids = tensor([[1, 6], [0, 3], [6, 6]], { dtype: "int32" });
    const onnx = await expectModelMatches(model, ids, { dynamicBatch: true }, [tensor([[2, 5]], { dtype: "int32" })]);
    expect(onnx.graph.input[0].type.tensor_type.elem_type).toBe(6); // INT32
  });

  it("conv1d layers with padding 'same' (float32)", async () => {
    const model = sequential([conv1d({ name: "c1", inChannels: 2, outChannels: 4, kernelSize: 3, padding: "same", activation: "relu" }), conv1d({ name: "c2", inChannels: 4, outChannels: 2, kernelSize: 2, stride: 2 })], { seed: 6, dtype: "float32" });
    const x = (n: number, seed: number) => randn([n, 2, 9], { seed, dtype: "float32" });
    await expectModelMatches(model, x(2, 1), { dynamicBatch: true }, [x(3, 2)]);
  });

  it("layerNorm, and batchNorm in evaluation (running statistics), dropout the identity", async () => {
    const model = sequential([dense({ name: "in", inputSize: 4, units: 3, convention: "row" }), batchNorm({ name: "bn", features: 3 }), dropout({ name: "drop", rate: 0.5 }), layerNorm({ name: "ln", normalizedShape: 3 })], { seed: 7 });
    model.state = { "bn.runningMean": tensor([0.5, -1, 2]), "bn.runningVar": tensor([0.25, 4, 1]) };
    model.setParams({ ...model.params, "bn.gamma": tensor([1.5, 0.5, -1]), "bn.beta": tensor([0.1, 0.2, 0.3]), "ln.gamma": tensor([2, 1, 0.5]) });
    const onnx = await expectModelMatches(model, randn([4, 4], { seed: 8 }), { dynamicBatch: true }, [randn([2, 4], { seed: 9 })]);
    const names = onnx.graph.initializer.map((t: { name: string }) => t.name);
    // The running mean by its name; the running variance enters as √(var + eps), which the tape computed on constants, unrecorded.
    expect(names).toEqual(expect.arrayContaining(["in.W", "in.b", "bn.gamma", "bn.beta", "bn.runningMean", "ln.gamma", "ln.beta"]));
  });

  it("multiHeadAttention with a causal mask", async () => {
    const model = sequential([multiHeadAttention({ name: "attn", embedDim: 4, heads: 2, causal: true })], { seed: 8 });
    await expectModelMatches(model, randn([2, 3, 4], { seed: 10 }), { dynamicBatch: true }, [randn([5, 3, 4], { seed: 11 })]);
  });

  it("a graph model with a record of inputs (queries and a padding mask) and a record of outputs", async () => {
    const attention = multiHeadAttention({ name: "attn", embedDim: 4, heads: 1 });
    const model = graph({
      layers: [attention],
      forward: (p, inputs: { x: Tensor; mask: Tensor }) => {
        const { output, weights } = attention.attend(p, { query: inputs.x, mask: inputs.mask });
        return { output, weights };
      },
      convention: "row",
      loss: () => tensor(0),
      seed: 9,
    });
    const inputs = { x: randn([2, 3, 4], { seed: 12 }), mask: tensor([[1, 1, 0], [1, 0, 0]]) };
    const bytes = toOnnx(model, inputs);
    const onnx = decodeOnnx(bytes);
    expect(onnx.graph.input.map((i: { name: string }) => i.name)).toEqual(["x", "mask"]);
    expect(onnx.graph.output.map((o: { name: string }) => o.name)).toEqual(["output", "weights"]);
    const got = await runOnnx(bytes, inputs);
    const expected = model.predict(inputs) as { output: Tensor; weights: Tensor };
    expectClose(got.output, expected.output);
    expectClose(got.weights, expected.weights);
  });
});
