import { describe, expect, it } from "vitest";
import { add, concat, div, eye, grad, matmul, mul, randn, reshape, slice, softmax, sum, tensor, zeros, type Tensor } from "@tapegrad/core";
import { assertAllClose, gradcheck, type GradcheckOptions } from "@tapegrad/core/testing";
import { adam, fit, layerNorm, modelFromWeights, multiHeadAttention, parameterShapes, sequential, serializeWeights, type Params } from "../src";
import { LAYER_KINDS } from "../src/layers";

/** gradcheck of a loss over named values (parameters and inputs), with options. */
function gradcheckParams(loss: (params: Params) => Tensor, params: Params, options: GradcheckOptions = {}) {
  const names = Object.keys(params);
  return gradcheck((...values: Tensor[]) => loss(Object.fromEntries(names.map((name, i) => [name, values[i]]))), names.map((name) => params[name]), options);
}

/** Identity projections and zero biases for a one-head layer of width E. */
function identityParams(name: string, E: number): Params {
  return Object.fromEntries(["q", "k", "v", "o"].flatMap((p) => [[`${name}.W${p}`, eye(E)], [`${name}.b${p}`, zeros([E])]]));
}

const sigma = (a: number) => 1 / (1 + Math.exp(-a));

describe("multiHeadAttention", () => {
  it("owns four projections with biases", () => {
    const attention = multiHeadAttention({ name: "attn", embedDim: 8, heads: 2, keyDim: 3, valueDim: 5 });
    expect(attention.parameterShapes()).toEqual({
      "attn.Wq": [8, 8], "attn.bq": [8],
      "attn.Wk": [3, 8], "attn.bk": [8],
      "attn.Wv": [5, 8], "attn.bv": [8],
      "attn.Wo": [8, 8], "attn.bo": [8],
    });
    expect(attention.headDim).toBe(4);
  });

  it("by hand: one head, identity projections, with and without the causal mask", () => {
    // x = [e₁, e₂]: scores Q·Kᵀ/√2 = I/√2, so query 0 weighs its keys softmax([a, 0]) = [σ(a), 1 − σ(a)], a = 1/√2
    const a = 1 / Math.sqrt(2);
    const x = tensor([[[1, 0], [0, 1]]]);
    const open = multiHeadAttention({ name: "attn", embedDim: 2, heads: 1 });
    const { output, weights } = open.attend(identityParams("attn", 2), x);
    assertAllClose(weights, tensor([[[[sigma(a), 1 - sigma(a)], [1 - sigma(a), sigma(a)]]]]), { rtol: 1e-15 });
    assertAllClose(output, tensor([[[sigma(a), 1 - sigma(a)], [1 - sigma(a), sigma(a)]]]), { rtol: 1e-15 });
    // causal: query 0 sees key 0 alone
    const causal = multiHeadAttention({ name: "attn", embedDim: 2, heads: 1, causal: true });
    assertAllClose(causal.apply(identityParams("attn", 2), x), tensor([[[1, 0], [1 - sigma(a), sigma(a)]]]), { rtol: 1e-15 });
  });

  it("equals the heads computed one by one with core ops and joined", () => {
    const [B, T, E, heads] = [2, 3, 6, 3];
    const d = E / heads;
    const attention = multiHeadAttention({ name: "mha", embedDim: E, heads });
    const params: Params = { ...attention.initialize(1), "mha.bq": randn([E], { seed: 7 }), "mha.bk": randn([E], { seed: 8 }), "mha.bv": randn([E], { seed: 9 }), "mha.bo": randn([E], { seed: 10 }) };
    const x = randn([B, T, E], { seed: 2 });
    const columns = (W: Tensor, h: number) => slice(W, [0, h * d], [W.shape[0], d]);
    const entries = (b: Tensor, h: number) => slice(b, [h * d], [d]);
    const perHead = Array.from({ length: heads }, (_, h) => {
      const [Q, K, V] = ["q", "k", "v"].map((p) => add(matmul(x, columns(params[`mha.W${p}`], h)), entries(params[`mha.b${p}`], h))); // [B, T, d]
      return matmul(softmax(div(matmul(Q, K, { transposeB: true }), Math.sqrt(d)), -1), V);
    });
    const expected = add(matmul(concat(perHead, 2), params["mha.Wo"]), params["mha.bo"]);
    assertAllClose(attention.apply(params, x), expected, { rtol: 1e-12 });
    const weights = attention.attend(params, x).weights;
    expect(weights.shape).toEqual([B, heads, T, T]);
    assertAllClose(sum(weights, -1), tensor(Array.from({ length: B }, () => Array.from({ length: heads }, () => [1, 1, 1]))), { rtol: 1e-14 });
  });

  it("causal: the output at t does not depend on inputs after t (their gradient is exactly zero)", () => {
    const [B, T, E] = [2, 5, 4];
    const attention = multiHeadAttention({ name: "attn", embedDim: E, heads: 2, causal: true });
    const params = attention.initialize(3);
    const x = randn([B, T, E], { seed: 4 });
    const direction = randn([B, 1, E], { seed: 5 });
    for (let t = 0; t < T; t++) {
      const [dx] = grad((input: Tensor) => sum(mul(slice(attention.apply(params, input), [0, t, 0], [B, 1, E]), direction)))(x);
      const later = t + 1 < T ? slice(dx, [0, t + 1, 0], [B, T - t - 1, E]).data : [];
      expect([...later].every((v) => v === 0), `t = ${t}`).toBe(true);
      expect(slice(dx, [0, 0, 0], [B, t + 1, E]).data.some((v) => v !== 0)).toBe(true);
    }
  });

  it("a padding mask hides keys: zero weight, and the output ignores what they hold", () => {
    const [B, T, E] = [2, 4, 4];
    const attention = multiHeadAttention({ name: "attn", embedDim: E, heads: 2 });
    const params = attention.initialize(6);
    const x = randn([B, T, E], { seed: 7 });
    const mask = tensor([[1, 1, 1, 0], [1, 1, 0, 0]], { dtype: "int32" });
    const { output, weights } = attention.attend(params, { query: x, mask });
    expect(slice(weights, [0, 0, 0, 3], [1, 2, T, 1]).data.every((v) => v === 0)).toBe(true);
    expect(slice(weights, [1, 0, 0, 2], [1, 2, T, 2]).data.every((v) => v === 0)).toBe(true);
    // changing what the hidden positions of the keys and values hold changes nothing (a float mask works too)
    const twoKept = tensor([[1, 1, 0, 0], [1, 1, 0, 0]]);
    const changed = concat([slice(x, [0, 0, 0], [B, 2, E]), randn([B, 2, E], { seed: 8 })], 1);
    assertAllClose(attention.apply(params, { query: x, key: changed, mask: twoKept }), attention.apply(params, { query: x, key: x, mask: twoKept }), { rtol: 1e-14 });
    expect(output.shape).toEqual([B, T, E]);
  });

  it("cross-attention: queries from one sequence, keys and values of other widths from another", () => {
    const attention = multiHeadAttention({ name: "cross", embedDim: 4, heads: 2, keyDim: 3, valueDim: 5 });
    const params = attention.initialize(1);
    const query = randn([2, 3, 4], { seed: 1 });
    const key = randn([2, 6, 3], { seed: 2 });
    const value = randn([2, 6, 5], { seed: 3 });
    expect(attention.apply(params, { query, key, value }).shape).toEqual([2, 3, 4]);
    expect(attention.attend(params, { query, key, value }).weights.shape).toEqual([2, 2, 3, 6]);
  });

  it("passes gradcheck at first and second order: self-attention with causal and padding masks, and cross-attention", () => {
    const self = multiHeadAttention({ name: "attn", embedDim: 4, heads: 2, causal: true });
    const mask = tensor([[1, 1, 0], [1, 1, 1]]);
    const direction = randn([2, 3, 4], { seed: 9 });
    const selfValues = { ...self.initialize(2), x: randn([2, 3, 4], { seed: 1 }) };
    const cross = multiHeadAttention({ name: "cross", embedDim: 2, heads: 1, keyDim: 3 });
    const crossValues = { ...cross.initialize(3), query: randn([2, 2, 2], { seed: 4 }), memory: randn([2, 3, 3], { seed: 5 }) };
    const crossDirection = randn([2, 2, 2], { seed: 6 });
    for (const order of [1, 2] as const) {
      const a = gradcheckParams((p) => sum(mul(self.apply(p, { query: p.x, mask }), direction)), selfValues, { order });
      expect(a.ok, `self, order ${order}\n${a.summary}`).toBe(true);
      const b = gradcheckParams((p) => sum(mul(cross.apply(p, { query: p.query, key: p.memory, value: p.memory }), crossDirection)), crossValues, { order });
      expect(b.ok, `cross, order ${order}\n${b.summary}`).toBe(true);
    }
  });

  it("names what is wrong", () => {
    expect(() => multiHeadAttention({ name: "attn", embedDim: 6, heads: 4 })).toThrow("multiHeadAttention layer 'attn': heads (4) must divide embedDim (6); each head gets embedDim/heads features");
    expect(() => multiHeadAttention({ name: "attn", embedDim: 0, heads: 1 })).toThrow("multiHeadAttention layer 'attn': embedDim must be a positive integer, got 0");
    const attention = multiHeadAttention({ name: "attn", embedDim: 4, heads: 2, keyDim: 3, valueDim: 4 });
    const params = attention.initialize(0);
    expect(() => attention.apply(params, randn([2, 3, 5], { seed: 0 }))).toThrow("multiHeadAttention layer 'attn': the query must be a float tensor of shape [batch, time, 4] (embedDim), got shape [2, 3, 5]");
    expect(() => attention.apply(params, randn([2, 3, 4], { seed: 0 }))).toThrow("multiHeadAttention layer 'attn': the key must be a float tensor of shape [batch, time, 3] (keyDim), got shape [2, 3, 4]");
    const key = randn([2, 5, 3], { seed: 1 });
    expect(() => attention.apply(params, { query: randn([2, 3, 4], { seed: 0 }), key, value: randn([2, 5, 3], { seed: 1 }) })).toThrow(/the value must be a float tensor of shape \[batch, time, 4\] \(valueDim\)/);
    const self = multiHeadAttention({ name: "attn", embedDim: 4, heads: 2 });
    expect(() => self.apply(self.initialize(0), { query: randn([2, 3, 4], { seed: 0 }), mask: tensor([[1, 1, 1]]) })).toThrow(
      "multiHeadAttention layer 'attn': the mask must have shape [batch, keyTime] = [2, 3] (1 keeps a key, 0 hides it), got [1, 3]",
    );
    expect(() => self.apply(self.initialize(0), { query: randn([2, 3, 4], { seed: 0 }), key: randn([1, 3, 4], { seed: 0 }) })).toThrow(/must share the batch size/);
  });

  it("is rebuilt from its description", () => {
    const attention = multiHeadAttention({ name: "attn", embedDim: 8, heads: 4, causal: true, keyDim: 2 });
    const description = JSON.parse(JSON.stringify(attention.describe()));
    expect(description).toEqual({ kind: "multiHeadAttention", name: "attn", embedDim: 8, heads: 4, causal: true, keyDim: 2, valueDim: 2 });
    const rebuilt = LAYER_KINDS.multiHeadAttention(description, "row");
    expect(rebuilt.describe()).toEqual(description);
    expect(parameterShapes(rebuilt)).toEqual(attention.parameterShapes());
    // a sequential model of attention and layer norm, saved and loaded
    const model = sequential([multiHeadAttention({ name: "self", embedDim: 8, heads: 4, causal: true }), layerNorm({ name: "norm", normalizedShape: 8 })], { seed: 1 });
    const loaded = modelFromWeights(serializeWeights(model));
    const x = randn([2, 3, 8], { seed: 2 });
    assertAllClose(loaded.predict(x), model.predict(x), { rtol: 0 });
  });

  it("learns a running mean with causal attention, the loss falling", () => {
    // target[t] = mean(x[0..t]): uniform causal weights over the past, which the layer must learn
    const [B, T, E] = [16, 6, 2];
    const x = randn([B, T, E], { seed: 1 });
    const running = Array.from({ length: T }, (_, t) => div(sum(slice(x, [0, 0, 0], [B, t + 1, E]), 1, true), t + 1));
    const targets = concat(running, 1);
    const model = sequential([multiHeadAttention({ name: "attn", embedDim: E, heads: 1, causal: true })], { seed: 2 });
    const history = fit(model, { inputs: x, targets: reshape(targets, [B, T, E]) }, { epochs: 60, optimizer: adam({ learningRate: 0.05 }) });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 5);
  });
});
