import { describe, expect, it } from "vitest";
import { add, defineOp, div, exp, eye, grad, log, matmul, mse, mul, sigmoid, softmaxCrossEntropy, square, sub, sum, tensor, type Tensor } from "@tapegrad/core";
import { assertAllClose } from "@tapegrad/core/testing";
import { dense, graph, init, mlp, ParametrizedLayer, type Layer, type Params } from "../src";
import { gradcheckParams } from "./helpers";

describe("dense layers in both conventions", () => {
  it("have the shapes of their convention", () => {
    expect(dense({ name: "hidden", inputSize: 3, units: 4, convention: "row" }).parameterShapes()).toEqual({ "hidden.W": [3, 4], "hidden.b": [1, 4] });
    expect(dense({ name: "hidden", inputSize: 3, units: 4, convention: "column" }).parameterShapes()).toEqual({ "hidden.W": [4, 3], "hidden.b": [4, 1] });
  });

  it("compute Z = X·W + b (row) and Z = W·X + b (column), by hand", () => {
    const row = dense({ name: "d", inputSize: 2, units: 1, convention: "row" });
    const X = tensor([[1, 2], [3, 4], [5, 6]]); // m = 3 examples as rows
    const p = { "d.W": tensor([[10], [1]]), "d.b": tensor([[0.5]]) };
    expect(row.linear(p, X).toArray()).toEqual([[12.5], [34.5], [56.5]]);
    const column = dense({ name: "d", inputSize: 2, units: 1, convention: "column" });
    const q = { "d.W": tensor([[10, 1]]), "d.b": tensor([[0.5]]) };
    expect(column.linear(q, tensor([[1, 3, 5], [2, 4, 6]])).toArray()).toEqual([[12.5, 34.5, 56.5]]);
  });

  it("apply softmax over the class axis of the convention", () => {
    const Z = tensor([[1, 2], [3, 4]]);
    const identityWeights = { "s.W": tensor([[1, 0], [0, 1]]), "s.b": tensor([[0, 0]]) };
    const rowSoftmax = dense({ name: "s", inputSize: 2, units: 2, activation: "softmax", convention: "row" }).apply(identityWeights, Z);
    assertAllClose(sum(rowSoftmax, 1), tensor([1, 1]), { rtol: 1e-15 });
    const columnWeights = { "s.W": tensor([[1, 0], [0, 1]]), "s.b": tensor([[0], [0]]) };
    const columnSoftmax = dense({ name: "s", inputSize: 2, units: 2, activation: "softmax", convention: "column" }).apply(columnWeights, Z);
    assertAllClose(sum(columnSoftmax, 0), tensor([1, 1]), { rtol: 1e-15 });
  });

  it("take any function as activation, a custom op included", () => {
    const softplus = defineOp({ name: "softplusActivation", inputNames: ["x"], forward: ([x]) => log(add(1, exp(x))), vjp: (g, { inputs: [x] }) => [mul(g, sigmoid(x))] });
    const layer = dense({ name: "h", inputSize: 2, units: 3, activation: softplus, convention: "row" });
    const params = layer.initialize(0);
    const x = tensor([[0.5, -1], [2, 0.3]]);
    expect(gradcheckParams((p) => sum(layer.apply(p, x)), params).ok).toBe(true);
    expect(layer.describe().activation).toBe("custom:softplusActivation");
  });

  it("name the layout when the input does not fit", () => {
    const layer = dense({ name: "hidden", inputSize: 3, units: 2, convention: "row" });
    expect(() => layer.linear(layer.initialize(0), tensor([[1, 2], [3, 4], [5, 6]]))).toThrow(
      "dense layer 'hidden' (row convention) expects inputs of shape [m, 3] (examples as rows), got [3, 2]; the input looks laid out for the 'column' convention",
    );
    expect(() => layer.linear({}, tensor([[1, 2, 3]]))).toThrow("dense layer 'hidden': no parameter 'hidden.W' in params (it has none)");
    expect(() => dense({ name: "a.b", inputSize: 1, units: 1, convention: "row" })).toThrow(/a name without dots/);
    expect(() => dense({ name: "a", inputSize: 0, units: 1, convention: "row" })).toThrow(/inputSize must be a positive integer/);
    expect(() => dense({ name: "a", inputSize: 1, units: 1, convention: "rows" as never })).toThrow(/convention must be 'row'/);
  });
});

describe("networks as graphs", () => {
  it("a residual block: out(x + relu(hidden(x))), gradients checked by finite differences", () => {
    const hidden = dense({ name: "hidden", inputSize: 3, units: 3, activation: "tanh", convention: "row" });
    const out = dense({ name: "out", inputSize: 3, units: 1, convention: "row" });
    const model = graph({ layers: [hidden, out], forward: (p, x: Tensor) => out.linear(p, add(x, hidden.apply(p, x))), output: "sigmoid", convention: "row", seed: 3 });
    const X = tensor([[0.1, -0.4, 0.9], [1.2, 0.3, -0.7]]);
    const Y = tensor([[1], [0]]);
    const result = gradcheckParams((p) => model.loss(p, X, Y), model.params);
    expect(result.ok, result.summary).toBe(true);
    expect(Object.keys(model.params)).toEqual(["hidden.W", "hidden.b", "out.W", "out.b"]);
  });

  it("a layer shared by two branches gets the sum of the gradients of its uses", () => {
    const shared = dense({ name: "shared", inputSize: 2, units: 2, activation: "tanh", convention: "column" });
    const head = dense({ name: "head", inputSize: 2, units: 1, convention: "column" });
    const model = graph({
      layers: [shared, head],
      forward: (p, { left, right }: { left: Tensor; right: Tensor }) => head.linear(p, add(shared.apply(p, left), shared.apply(p, right))),
      output: "identity",
      convention: "column",
      seed: 1,
    });
    const inputs = { left: tensor([[0.5, -1], [2, 0.1]]), right: tensor([[0.3, 0.8], [-0.6, 1.5]]) };
    const targets = tensor([[1, -1]]);
    const [dShared] = grad((p: Params) => model.loss(p, inputs, targets))(model.params);

    // The same function with the two uses as separate copies of the layer: their gradients must add up.
    const left = dense({ name: "left", inputSize: 2, units: 2, activation: "tanh", convention: "column" });
    const right = dense({ name: "right", inputSize: 2, units: 2, activation: "tanh", convention: "column" });
    const copies = (p: Params) => head.linear(p, add(left.apply(p, inputs.left), right.apply(p, inputs.right)));
    const split = {
      "left.W": model.params["shared.W"], "left.b": model.params["shared.b"],
      "right.W": model.params["shared.W"], "right.b": model.params["shared.b"],
      "head.W": model.params["head.W"], "head.b": model.params["head.b"],
    };
    const m = 2;
    const [dSeparate] = grad((p: Params) => div(sum(square(sub(copies(p), targets))), m))(split);
    assertAllClose(dShared["shared.W"], add(dSeparate["left.W"], dSeparate["right.W"]), { rtol: 1e-12 });
    assertAllClose(dShared["shared.b"], add(dSeparate["left.b"], dSeparate["right.b"]), { rtol: 1e-12 });
  });

  it("several inputs and several outputs, with a loss of the user's own", () => {
    const trunk = dense({ name: "trunk", inputSize: 3, units: 4, activation: "relu", convention: "row" });
    const classify = dense({ name: "classify", inputSize: 4, units: 2, convention: "row" });
    const regress = dense({ name: "regress", inputSize: 5, units: 1, convention: "row" });
    type Inputs = { image: Tensor; extra: Tensor };
    type Outputs = { logits: Tensor; value: Tensor };
    const model = graph<Inputs, Outputs, { labels: Tensor; values: Tensor }>({
      layers: [trunk, classify, regress],
      forward: (p, { image, extra }) => {
        const features = trunk.apply(p, image);
        return { logits: classify.linear(p, features), value: regress.linear(p, concatColumns(features, extra)) };
      },
      loss: ({ logits, value }, { labels, values }) =>
        add(softmaxCrossEntropy(logits, labels, { axis: 1 }), mse(value, values)),
      convention: "row",
      seed: 4,
    });
    const inputs = { image: tensor([[0.2, 0.7, -0.3], [1.1, -0.4, 0.6]]), extra: tensor([[0.5], [-1.5]]) };
    const targets = { labels: tensor([[1, 0], [0, 1]]), values: tensor([[0.3], [-0.2]]) };
    const result = gradcheckParams((p) => model.loss(p, inputs, targets), model.params);
    expect(result.ok, result.summary).toBe(true);
    expect(model.predict(inputs).logits.shape).toEqual([2, 2]);
  });

  it("reproduces a network built from given values", () => {
    // Z1 = W1·x + b1 = [0.5·1 − 1·2 + 0.5, 2·1 + 0·2 − 1] = [−1, 1]; A1 = relu(Z1) = [0, 1]
    // Z2 = W2·A1 + b2 = 3·0 + (−2)·1 + 0.25 = −1.75; A2 = σ(−1.75)
    const model = mlp({
      sizes: [2, 2, 1],
      hidden: "relu",
      output: "sigmoid",
      convention: "column",
      params: {
        "layer1.W": tensor([[0.5, -1], [2, 0]]),
        "layer1.b": tensor([[0.5], [-1]]),
        "layer2.W": tensor([[3, -2]]),
        "layer2.b": tensor([[0.25]]),
      },
    });
    expect(model.forward(model.params, tensor([[1], [2]])).toArray()).toEqual([[-1.75]]);
    expect(model.predict(tensor([[1], [2]])).item()).toBe(1 / (1 + Math.exp(1.75)));
  });

  it("checks given parameters: names, shapes and dtype, changing nothing on error", () => {
    const model = mlp({ sizes: [2, 3, 1], convention: "row", seed: 0 });
    const before = model.params;
    expect(() => model.setParams({ ...before, "layer1.W": tensor([[1, 2, 3]]) })).toThrow("model parameters: 'layer1.W' has shape [1, 3], expected [2, 3]");
    const { ["layer2.b"]: _, ...missing } = before;
    expect(() => model.setParams(missing)).toThrow("model parameters: 'layer2.b' is missing");
    expect(() => model.setParams({ ...before, extra: tensor([1]) })).toThrow("model parameters: 'extra' is not a parameter of this model");
    expect(model.params).toBe(before);
    const hidden = dense({ name: "same", inputSize: 1, units: 1, convention: "row" });
    expect(() => graph({ layers: [hidden, hidden], forward: (_p, x: Tensor) => x, convention: "row" })).toThrow(/two layers are named 'same'; list a shared layer once/);
  });
});

/** [A | B] for matrices with the same number of rows, written with core ops. */
function concatColumns(a: Tensor, b: Tensor): Tensor {
  const left = matmul(a, eye(a.shape[1], { columns: a.shape[1] + b.shape[1] }));
  const shift = tensor(Array.from({ length: b.shape[1] }, (_, i) => Array.from({ length: a.shape[1] + b.shape[1] }, (_, j) => (j === a.shape[1] + i ? 1 : 0))));
  return add(left, matmul(b, shift));
}

describe("ParametrizedLayer", () => {
  it("gives a layer of your own parameterShapes and initialize from its parameterSpecs", () => {
    class Scale extends ParametrizedLayer implements Layer {
      readonly name = "scale";
      readonly kind = "scale";
      parameterSpecs() {
        return { "scale.s": { shape: [1, 3], init: init.normal({ mean: 2, std: 0 }), fanIn: 3, fanOut: 3 } };
      }
      apply(params: Params, x: Tensor) {
        return mul(x, params["scale.s"]);
      }
      describe() {
        return { kind: "scale", name: "scale" };
      }
    }
    const layer = new Scale();
    expect(layer.parameterShapes()).toEqual({ "scale.s": [1, 3] });
    const params = layer.initialize(0, "float32");
    expect(Array.from(params["scale.s"].data)).toEqual([2, 2, 2]);
    expect(params["scale.s"].dtype).toBe("float32");
  });
});
