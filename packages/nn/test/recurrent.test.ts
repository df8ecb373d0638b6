import { describe, expect, it } from "vitest";
import { add, matmul, mul, randn, reshape, sigmoid, slice, split, sub, sum, tanh, tensor, transpose, type Tensor } from "@tapegrad/core";
import { assertAllClose, gradcheck, type GradcheckOptions } from "@tapegrad/core/testing";
import { adam, dense, fit, graph, gru, lstm, modelFromWeights, parameterShapes, rnn, sequential, serializeWeights, transposeParameters, type Params, type RecurrentOptions } from "../src";
import { LAYER_KINDS } from "../src/layers";

/** gradcheck of a loss over named values (parameters and inputs), with options. */
function gradcheckParams(loss: (params: Params) => Tensor, params: Params, options: GradcheckOptions = {}) {
  const names = Object.keys(params);
  return gradcheck((...values: Tensor[]) => loss(Object.fromEntries(names.map((name, i) => [name, values[i]]))), names.map((name) => params[name]), options);
}

const factories = { rnn, lstm, gru };
const kinds = ["rnn", "lstm", "gru"] as const;

describe("recurrent layers' parameters", () => {
  it("have the shapes of their convention, gates side by side", () => {
    expect(rnn({ name: "r", inputSize: 3, hiddenSize: 2 }).parameterShapes()).toEqual({ "r.Wx": [3, 2], "r.Wh": [2, 2], "r.b": [2] });
    expect(lstm({ name: "l", inputSize: 3, hiddenSize: 2 }).parameterShapes()).toEqual({ "l.Wx": [3, 8], "l.Wh": [2, 8], "l.b": [8] });
    expect(gru({ name: "g", inputSize: 3, hiddenSize: 2 }).parameterShapes()).toEqual({ "g.Wx": [3, 6], "g.Wh": [2, 6], "g.b": [6], "g.bh": [2] });
    expect(lstm({ name: "l", inputSize: 3, hiddenSize: 2, convention: "column" }).parameterShapes()).toEqual({ "l.Wx": [8, 3], "l.Wh": [8, 2], "l.b": [8] });
    expect(gru({ name: "g", inputSize: 3, hiddenSize: 2, convention: "column" }).parameterShapes()).toEqual({ "g.Wx": [6, 3], "g.Wh": [6, 2], "g.b": [6], "g.bh": [2] });
  });

  it("start uniform in ±1/√hidden, as PyTorch", () => {
    const params = lstm({ name: "l", inputSize: 5, hiddenSize: 4 }).initialize(0);
    for (const value of Object.values(params)) expect(value.data.every((v) => Math.abs(v) <= 0.5)).toBe(true);
  });
});

describe("recurrent cells against their equations", () => {
  it("rnn, by hand: h₁ = tanh(1), h₂ = tanh(2 + 0.5·tanh(1))", () => {
    const cell = rnn({ name: "r", inputSize: 1, hiddenSize: 1, returnSequences: true });
    const params = { "r.Wx": tensor([[1]]), "r.Wh": tensor([[0.5]]), "r.b": tensor([0]) };
    const outputs = cell.apply(params, tensor([[[1], [2]]]));
    assertAllClose(outputs, tensor([[[Math.tanh(1)], [Math.tanh(2 + 0.5 * Math.tanh(1))]]]), { rtol: 1e-15 });
  });

  it("lstm: two steps from an initial state, against PyTorch's gate equations (i, f, g, o) written out", () => {
    const [batch, features, hidden] = [2, 3, 2];
    const layer = lstm({ name: "lstm", inputSize: features, hiddenSize: hidden, returnSequences: true });
    const params = layer.initialize(5);
    const x = randn([batch, 2, features], { seed: 1 });
    const h0 = randn([batch, hidden], { seed: 2 });
    const c0 = randn([batch, hidden], { seed: 3 });
    // PyTorch's parameters: weight_ih_l0 = Wxᵀ, weight_hh_l0 = Whᵀ, bias_ih_l0 + bias_hh_l0 = b
    const weightIh = transpose(params["lstm.Wx"]);
    const weightHh = transpose(params["lstm.Wh"]);
    const biasIh = mul(params["lstm.b"], 0.25);
    const biasHh = mul(params["lstm.b"], 0.75);
    const block = (t: Tensor, k: number) => slice(t, [0, k * hidden], [batch, hidden]);
    let [h, c] = [h0, c0];
    const expected: Tensor[] = [];
    for (let t = 0; t < 2; t++) {
      const xt = reshape(slice(x, [0, t, 0], [batch, 1, features]), [batch, features]);
      const gates = add(add(matmul(xt, weightIh, { transposeB: true }), biasIh), add(matmul(h, weightHh, { transposeB: true }), biasHh));
      const i = sigmoid(block(gates, 0));
      const f = sigmoid(block(gates, 1));
      const g = tanh(block(gates, 2));
      const o = sigmoid(block(gates, 3));
      c = add(mul(f, c), mul(i, g));
      h = mul(o, tanh(c));
      expected.push(h);
    }
    const { outputs, state } = layer.unroll(params, x, { h: h0, c: c0 });
    assertAllClose(reshape(slice(outputs, [0, 0, 0], [batch, 1, hidden]), [batch, hidden]), expected[0], { rtol: 1e-13 });
    assertAllClose(reshape(slice(outputs, [0, 1, 0], [batch, 1, hidden]), [batch, hidden]), expected[1], { rtol: 1e-13 });
    assertAllClose(state.h, h, { rtol: 1e-13 });
    assertAllClose(state.c as Tensor, c, { rtol: 1e-13 });
    assertAllClose(layer.apply(params, { x, initialState: { h: h0, c: c0 } }), outputs, { rtol: 0 });
  });

  it("gru: PyTorch's equations (r, z, n with n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))) written out", () => {
    const [batch, features, hidden] = [2, 3, 2];
    const layer = gru({ name: "gru", inputSize: features, hiddenSize: hidden });
    const params = layer.initialize(6);
    const x = randn([batch, 1, features], { seed: 1 });
    const h0 = randn([batch, hidden], { seed: 2 });
    // PyTorch: bias_ih_l0 = b, bias_hh_l0 = [0, 0, bh]
    const xt = reshape(x, [batch, features]);
    const [Wir, Wiz, Win] = split(params["gru.Wx"], 3, 1);
    const [Whr, Whz, Whn] = split(params["gru.Wh"], 3, 1);
    const [bir, biz, bin] = split(params["gru.b"], 3, 0);
    const bhn = params["gru.bh"];
    const r = sigmoid(add(add(matmul(xt, Wir), bir), matmul(h0, Whr)));
    const z = sigmoid(add(add(matmul(xt, Wiz), biz), matmul(h0, Whz)));
    const n = tanh(add(add(matmul(xt, Win), bin), mul(r, add(matmul(h0, Whn), bhn))));
    const h1 = add(mul(sub(1, z), n), mul(z, h0));
    assertAllClose(layer.apply(params, { x, initialState: { h: h0 } }), h1, { rtol: 1e-13 });
  });

  it.each(kinds)("%s: the column convention (Wx·x) is the row one with every tensor transposed", (kind) => {
    const options: RecurrentOptions = { name: "cell", inputSize: 3, hiddenSize: 4 };
    const row = factories[kind](options);
    const column = factories[kind]({ ...options, convention: "column" });
    const params = row.initialize(1);
    const columnParams = transposeParameters(params);
    expect(Object.fromEntries(Object.entries(columnParams).map(([k, v]) => [k, v.shape]))).toEqual(column.parameterShapes());
    const x = randn([2, 5, 3], { seed: 2 });
    const h0 = randn([2, 4], { seed: 3 });
    const c0 = randn([2, 4], { seed: 4 });
    const initial = (h: Tensor, c: Tensor) => (kind === "lstm" ? { h, c } : { h });
    const a = row.unroll(params, x, initial(h0, c0));
    const b = column.unroll(columnParams, transpose(x), initial(transpose(h0), transpose(c0)));
    assertAllClose(b.outputs, transpose(a.outputs), { rtol: 1e-12 }); // [hidden, time, batch]
    assertAllClose(b.state.h, transpose(a.state.h), { rtol: 1e-12 });
    expect(column.apply(columnParams, transpose(x)).shape).toEqual([4, 2]); // the last state as columns
  });

  it.each(kinds)("%s: a sequence continued from its final state equals the whole sequence", (kind) => {
    const layer = factories[kind]({ name: "cell", inputSize: 2, hiddenSize: 3 });
    const params = layer.initialize(2);
    const x = randn([2, 6, 2], { seed: 5 });
    const whole = layer.unroll(params, x);
    const first = layer.unroll(params, slice(x, [0, 0, 0], [2, 4, 2]));
    const rest = layer.unroll(params, slice(x, [0, 4, 0], [2, 2, 2]), first.state);
    assertAllClose(rest.state.h, whole.state.h, { rtol: 1e-13 });
    assertAllClose(slice(whole.outputs, [0, 4, 0], [2, 2, 3]), rest.outputs, { rtol: 1e-13 });
    assertAllClose(layer.apply(params, x), whole.state.h, { rtol: 0 });
  });
});

describe("recurrent gradients", () => {
  it.each(kinds.flatMap((kind) => (["row", "column"] as const).map((convention) => [kind, convention] as const)))(
    "%s (%s convention) passes gradcheck through time at first and second order, the input and initial state included",
    (kind, convention) => {
      const layer = factories[kind]({ name: "cell", inputSize: 2, hiddenSize: 2, returnSequences: true, convention });
      // batch 3, time 3, features 2, hidden 2
      const stateShape = convention === "row" ? [3, 2] : [2, 3];
      const values: Params = { ...layer.initialize(3), x: randn(convention === "row" ? [3, 3, 2] : [2, 3, 3], { seed: 1 }), h0: randn(stateShape, { seed: 2 }) };
      if (kind === "lstm") values.c0 = randn(stateShape, { seed: 3 });
      const direction = randn(convention === "row" ? [3, 3, 2] : [2, 3, 3], { seed: 4 });
      const loss = (p: Params) => sum(mul(layer.apply(p, { x: p.x, initialState: kind === "lstm" ? { h: p.h0, c: p.c0 } : { h: p.h0 } }), direction));
      for (const order of [1, 2] as const) {
        const result = gradcheckParams(loss, values, { order });
        expect(result.ok, `order ${order}\n${result.summary}`).toBe(true);
      }
    },
  );
});

describe("recurrent layers' errors", () => {
  it("name the layer, the shape expected and what to do", () => {
    const layer = lstm({ name: "enc", inputSize: 3, hiddenSize: 2 });
    const params = layer.initialize(0);
    expect(() => layer.apply(params, tensor([[1, 2, 3]]))).toThrow(
      "lstm layer 'enc' (row convention) expects float inputs of shape [batch, time, 3], got shape [1, 3]; add a time axis (reshape to [batch, 1, features]) for a single step",
    );
    expect(() => layer.apply(params, tensor([[[1, 2]]]))).toThrow("lstm layer 'enc' (row convention) expects float inputs of shape [batch, time, 3], got shape [1, 1, 2]");
    expect(() => layer.apply(params, randn([3, 5, 2], { seed: 0 }))).toThrow(
      "lstm layer 'enc' (row convention) expects float inputs of shape [batch, time, 3], got shape [3, 5, 2]; the input looks laid out for the 'column' convention",
    );
    expect(() => layer.apply(params, tensor([[[1, 2, 0]]], { dtype: "int32" }))).toThrow(/got an int32 tensor of shape \[1, 1, 3\]; token ids go through an embedding first/);
    expect(() => layer.apply(params, { x: randn([2, 4, 3], { seed: 0 }), initialState: { h: randn([2, 3], { seed: 1 }) } })).toThrow(
      "lstm layer 'enc' (row convention): initialState.h must have shape [2, 2], [batch, hidden], got [2, 3]",
    );
    const column = gru({ name: "dec", inputSize: 3, hiddenSize: 2, convention: "column" });
    expect(() => column.apply(column.initialize(0), randn([4, 1, 3], { seed: 0 }))).toThrow(
      "gru layer 'dec' (column convention) expects float inputs of shape [3, time, batch] (examples as columns), got shape [4, 1, 3]; the input looks laid out for the 'row' convention",
    );
    expect(() => column.apply(column.initialize(0), { x: randn([3, 1, 4], { seed: 0 }), initialState: { h: randn([4, 2], { seed: 1 }) } })).toThrow(
      "gru layer 'dec' (column convention): initialState.h must have shape [2, 4], [hidden, batch] (examples as columns), got [4, 2]",
    );
    expect(() => rnn({ name: "r", inputSize: 1, hiddenSize: 1 }).apply({ "r.Wx": tensor([[1]]), "r.Wh": tensor([[1]]), "r.b": tensor([0]) }, { x: randn([1, 1, 1], { seed: 0 }), initialState: { h: tensor([[0]]), c: tensor([[0]]) } })).toThrow(
      "rnn layer 'r': initialState.c is the cell state of an lstm; an rnn carries h alone",
    );
    expect(() => layer.apply({}, randn([1, 1, 3], { seed: 0 }))).toThrow("lstm layer 'enc': no parameter 'enc.Wx' in params (it has none)");
    expect(() => lstm({ name: "l", inputSize: 0, hiddenSize: 2 })).toThrow("lstm layer 'l': inputSize must be a positive integer, got 0");
    expect(() => gru({ name: "g", inputSize: 1, hiddenSize: 2, convention: "columns" as never })).toThrow(/gru layer 'g': convention must be 'row'/);
    expect(() => rnn({ name: "r.x", inputSize: 1, hiddenSize: 2 })).toThrow(/rnn: a layer needs a name without dots/);
  });

  it.each(kinds)("%s is rebuilt from its description", (kind) => {
    const layer = factories[kind]({ name: "cell", inputSize: 3, hiddenSize: 5, returnSequences: true, convention: "column" });
    const description = layer.describe();
    expect(description).toEqual({ kind, name: "cell", inputSize: 3, hiddenSize: 5, returnSequences: true });
    const rebuilt = LAYER_KINDS[kind](JSON.parse(JSON.stringify(description)), "column");
    expect(parameterShapes(rebuilt)).toEqual(layer.parameterShapes());
    expect(rebuilt.describe()).toEqual(description);
    expect(rebuilt.convention).toBe("column");
  });
});

describe("recurrent layers learn", () => {
  // The task: remember the first value of a sequence of 6 (the others are noise).
  const batch = 32;
  const x = randn([batch, 6, 1], { seed: 11 });
  const first = reshape(slice(x, [0, 0, 0], [batch, 1, 1]), [batch, 1]);

  it.each(kinds)("%s remembers the first step of a sequence: the loss falls by half with fit", (kind) => {
    const model = sequential([factories[kind]({ name: "cell", inputSize: 1, hiddenSize: 8 }), dense({ name: "out", inputSize: 8, units: 1, convention: "row" })], { seed: 1 });
    const history = fit(model, { inputs: x, targets: first }, { epochs: 60, optimizer: adam({ learningRate: 0.03 }) });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 2);
  });

  it("an lstm in a column-convention model, followed by a column dense layer", () => {
    const encoder = lstm({ name: "enc", inputSize: 1, hiddenSize: 8, convention: "column" });
    const out = dense({ name: "out", inputSize: 8, units: 1, convention: "column" });
    const model = graph({ layers: [encoder, out], forward: (p, inputs: Tensor) => out.apply(p, encoder.apply(p, inputs)), convention: "column", seed: 2 });
    // the column convention's layout: sequences [features, time, batch], targets [1, batch]
    const history = fit(model, { inputs: transpose(x), targets: transpose(first) }, { epochs: 60, optimizer: adam({ learningRate: 0.03 }) });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 2);
  });

  it.each(kinds)("%s in a sequential model is saved and loaded, computing the same", (kind) => {
    const model = sequential([factories[kind]({ name: "cell", inputSize: 1, hiddenSize: 3 }), dense({ name: "out", inputSize: 3, units: 1, convention: "row" })], { seed: 4 });
    const loaded = modelFromWeights(serializeWeights(model));
    expect(loaded.layers.map((layer) => layer.kind)).toEqual([kind, "dense"]);
    assertAllClose(loaded.predict(x), model.predict(x), { rtol: 0 });
  });
});
