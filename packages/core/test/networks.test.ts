import { describe, expect, it } from "vitest";
import {
  add,
  avgPool2d,
  concat,
  conv2d,
  div,
  gather,
  matmul,
  maxPool2d,
  mean,
  mul,
  randn,
  relu,
  reshape,
  sigmoid,
  softmax,
  softmaxCrossEntropy,
  split,
  sum,
  tanh,
  tensor,
  where,
  type Tensor,
} from "../src";
import { gradcheck } from "../src/testing";

// Networks beyond an MLP, written with core ops alone, each gradient-checked against
// finite differences through the whole network.

const seeds = (() => {
  let seed = 100;
  return () => seed++;
})();
const small = (shape: number[]) => mul(randn(shape, { seed: seeds() }), 0.5);

describe("a convolutional network with core ops alone", () => {
  // image [N, C, H, W] → conv 3×3 (+ bias) → relu → 2×2 max pool → flatten → dense → cross-entropy on class indices
  const images = randn([2, 1, 6, 6], { seed: 1 });
  const labels = tensor([2, 0], { dtype: "int32" });
  const cnn = (kernel: Tensor, bias: Tensor, W: Tensor, b: Tensor) => {
    const features = relu(add(conv2d(images, kernel, { padding: 1 }), reshape(bias, [1, 2, 1, 1]))); // [2, 2, 6, 6]
    const pooled = maxPool2d(features, { kernelSize: 2 }); //                                             [2, 2, 3, 3]
    const logits = add(matmul(reshape(pooled, [2, 18]), W), b); //                                          [2, 3]
    return softmaxCrossEntropy(logits, labels, { axis: 1 });
  };

  it("its gradients match finite differences for every parameter", () => {
    const result = gradcheck(cnn, [small([2, 1, 3, 3]), small([2]), small([18, 3]), small([3])], { atol: 1e-6, rtol: 1e-5 });
    expect(result.ok, result.summary).toBe(true);
  });

  it("with tanh and average pooling, its second-order gradients match too", () => {
    const smooth = (kernel: Tensor, W: Tensor) => {
      const features = tanh(conv2d(images, kernel, { stride: 1, padding: "same" }));
      const pooled = avgPool2d(features, { kernelSize: 2 });
      return softmaxCrossEntropy(matmul(reshape(pooled, [2, 18]), W), labels, { axis: 1 });
    };
    const result = gradcheck(smooth, [small([2, 1, 3, 3]), small([18, 3])], { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(result.ok, result.summary).toBe(true);
  });
});

describe("an LSTM step with core ops alone", () => {
  // z = x·W + h·U + b, split into the input, forget, cell and output gates
  // c′ = σ(f)⊙c + σ(i)⊙tanh(g),  h′ = σ(o)⊙tanh(c′)
  const batch = 2;
  const inputs = 3;
  const hidden = 2;
  const x = randn([batch, inputs], { seed: 2 });
  const lstmStep = (W: Tensor, U: Tensor, b: Tensor, h: Tensor, c: Tensor) => {
    const z = add(add(matmul(x, W), matmul(h, U)), b);
    const [i, f, g, o] = split(z, 4, 1);
    const cNext = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
    const hNext = mul(sigmoid(o), tanh(cNext));
    return { hNext, cNext };
  };
  const loss = (W: Tensor, U: Tensor, b: Tensor, h: Tensor, c: Tensor) => {
    const first = lstmStep(W, U, b, h, c);
    const second = lstmStep(W, U, b, first.hNext, first.cNext); // two steps: backprop through time
    return add(sum(mul(second.hNext, tensor([[1, -2], [0.5, 3]]))), mean(second.cNext));
  };
  const params = () => [small([inputs, 4 * hidden]), small([hidden, 4 * hidden]), small([4 * hidden]), small([batch, hidden]), small([batch, hidden])];

  it("its gradients (weights, bias, initial state) match finite differences, at first and second order", () => {
    const first = gradcheck(loss, params(), { atol: 1e-7, rtol: 1e-6 });
    expect(first.ok, first.summary).toBe(true);
    const second = gradcheck(loss, params(), { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(second.ok, second.summary).toBe(true);
  });
});

describe("a batched causal attention head with core ops alone", () => {
  // Q = X·Wq, K = X·Wk, V = X·Wv over a batch [B, T, D]; A = softmax(mask(Q·Kᵀ/√d)); out = A·V
  const [B, T, D, d] = [2, 4, 3, 2];
  const X = randn([B, T, D], { seed: 3 });
  const causal = tensor(Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j <= i ? 1 : 0))), { dtype: "int32" });
  const head = (Wq: Tensor, Wk: Tensor, Wv: Tensor) => {
    const Q = matmul(X, Wq); //                                     [B, T, d]: Wq broadcast over the batch
    const K = matmul(X, Wk);
    const V = matmul(X, Wv);
    const scores = div(matmul(Q, K, { transposeB: true }), Math.sqrt(d)); // [B, T, T]
    const weights = softmax(where(causal, scores, -1e9), -1);
    return matmul(weights, V); //                                   [B, T, d]
  };

  it("masks the future: the first position attends to itself alone", () => {
    const out = head(small([D, d]), small([D, d]), randn([D, d], { seed: 4 }));
    const V = matmul(X, randn([D, d], { seed: 4 }));
    expect(out.shape).toEqual([B, T, d]);
    const first = (t: Tensor) => Array.from(t.data.subarray(0, d));
    first(out).forEach((v, k) => expect(v).toBeCloseTo(first(V)[k], 12));
  });

  it("its gradients match finite differences at first and second order", () => {
    const loss = (Wq: Tensor, Wk: Tensor, Wv: Tensor) => sum(mul(head(Wq, Wk, Wv), randn([B, T, d], { seed: 5 })));
    const params = [small([D, d]), small([D, d]), small([D, d])];
    const first = gradcheck(loss, params, { atol: 1e-7, rtol: 1e-6 });
    expect(first.ok, first.summary).toBe(true);
    const second = gradcheck(loss, params, { order: 2, atol: 1e-6, rtol: 1e-5 });
    expect(second.ok, second.summary).toBe(true);
  });
});

describe("an embedding and mean-pool classifier with core ops alone", () => {
  it("its gradient reaches exactly the rows of the table that were looked up", () => {
    const tokens = tensor([[0, 2, 2], [3, 0, 1]], { dtype: "int32" }); // [batch, time]
    const classify = (table: Tensor, W: Tensor) => {
      const vectors = gather(table, tokens, 0); //     [2, 3, 4]
      const pooled = mean(vectors, 1); //               [2, 4]
      return softmaxCrossEntropy(matmul(pooled, W), tensor([1, 0], { dtype: "int32" }), { axis: 1 });
    };
    const result = gradcheck(classify, [small([5, 4]), small([4, 2])]);
    expect(result.ok, result.summary).toBe(true);
  });

  it("concatenated branches (a skip connection by concat) are gradient-checked", () => {
    const f = (a: Tensor, W: Tensor) => sum(tanh(matmul(concat([a, relu(a)], 1), W)));
    const result = gradcheck(f, [small([3, 2]), small([4, 2])]);
    expect(result.ok, result.summary).toBe(true);
  });
});
