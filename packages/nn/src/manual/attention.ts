import { add, div, matmul, mul, reshape, softmax, sub, sum, Tensor, tensor, transpose, where } from "@tapegrad/core";
import type { MultiHeadAttention } from "../layers/attention";
import { parameter, type ManualBackward, type ManualStep } from "./rule";

/**
 * The hand-derived backward pass of a {@link MultiHeadAttention} layer in self-attention on
 * x [B, T, E] (the input a sequential model passes), heads of d = E/heads features. Forward:
 * Q = x·Wq + bq, K = x·Wk + bk, V = x·Wv + bv, split into heads; S = Q·Kᵀ/√d (masked scores
 * −∞ under `causal`), A = softmax(S) row by row, O = A·V, joined, out = O·Wo + bo. Backward:
 * - dO = dOut·Woᵀ, dWo = Σ Oᵀ·dOut, dbo = Σ dOut (over examples and positions);
 * - per head: dV = Aᵀ·dO, dA = dO·Vᵀ, dS_i = A_i ⊙ (dA_i − ⟨dA_i, A_i⟩) row by row (0 where masked),
 *   dQ = dS·K/√d, dK = dSᵀ·Q/√d;
 * - dWq = Σ xᵀ·dQ, dbq = Σ dQ (likewise k, v), and dx = dQ·Wqᵀ + dK·Wkᵀ + dV·Wvᵀ: x feeds
 *   all three projections, so its cotangent is the sum of theirs.
 * @example `attentionBackward({ layer: attention, params, state: {}, x, out, dOut, convention: "row" }).intermediates // { A, dS, dQ, dK, dV }`
 */
export const attentionBackward: ManualBackward = ({ layer, params, x, dOut }: ManualStep<MultiHeadAttention>) => {
  if (!(x instanceof Tensor) || x.rank !== 3) {
    throw new Error(`manualBackprop: the hand-derived rule of multiHeadAttention layer '${layer.name}' covers self-attention on a tensor [batch, time, embedDim]`);
  }
  const [B, T, E] = x.shape;
  const d = layer.headDim;
  const W = (suffix: string) => parameter(layer, params, `W${suffix}`);
  const bias = (suffix: string) => parameter(layer, params, `b${suffix}`);
  const splitHeads = (t: Tensor) => transpose(reshape(t, [B, T, layer.heads, d]), [0, 2, 1, 3]); // [B, T, E] → [B, heads, T, d]
  const joinHeads = (t: Tensor) => reshape(transpose(t, [0, 2, 1, 3]), [B, T, E]); //               [B, heads, T, d] → [B, T, E]
  const rows = (t: Tensor) => reshape(t, [B * T, t.shape[2]]); //                                   every position as an example

  const Q = splitHeads(add(matmul(x, W("q")), bias("q"))); //                        Q = x·Wq + bq
  const K = splitHeads(add(matmul(x, W("k")), bias("k"))); //                        K = x·Wk + bk
  const V = splitHeads(add(matmul(x, W("v")), bias("v"))); //                        V = x·Wv + bv
  let S = div(matmul(Q, K, { transposeB: true }), Math.sqrt(d)); //                  S = Q·Kᵀ/√d
  if (layer.causal) S = where(causalMask(T), S, -1e9); //                            query i sees keys j ≤ i
  const A = softmax(S, -1); //                                                       A = softmax(S), row by row
  const O = joinHeads(matmul(A, V)); //                                              O = A·V, heads joined

  const dO = splitHeads(matmul(dOut, W("o"), { transposeB: true })); //              dO = dOut·Woᵀ
  const dWo = matmul(rows(O), rows(dOut), { transposeA: true }); //                  dWo = Σ Oᵀ·dOut
  const dbo = sum(dOut, [0, 1]); //                                                  dbo = Σ dOut
  const dV = matmul(A, dO, { transposeA: true }); //                                 dV = Aᵀ·dO
  const dA = matmul(dO, V, { transposeB: true }); //                                 dA = dO·Vᵀ
  const dS = mul(A, sub(dA, sum(mul(dA, A), -1, true))); //                          dS_i = A_i ⊙ (dA_i − ⟨dA_i, A_i⟩)
  const dQ = joinHeads(div(matmul(dS, K), Math.sqrt(d))); //                         dQ = dS·K/√d
  const dK = joinHeads(div(matmul(dS, Q, { transposeA: true }), Math.sqrt(d))); //   dK = dSᵀ·Q/√d
  const dVJoined = joinHeads(dV);

  const grads: Record<string, Tensor> = {};
  for (const [suffix, dP] of [["q", dQ], ["k", dK], ["v", dVJoined]] as const) {
    grads[`${layer.name}.W${suffix}`] = matmul(rows(x), rows(dP), { transposeA: true }); // dW = Σ xᵀ·dP
    grads[`${layer.name}.b${suffix}`] = sum(dP, [0, 1]); //                                db = Σ dP
  }
  grads[`${layer.name}.Wo`] = dWo;
  grads[`${layer.name}.bo`] = dbo;
  const dX = add(add(matmul(dQ, W("q"), { transposeB: true }), matmul(dK, W("k"), { transposeB: true })), matmul(dVJoined, W("v"), { transposeB: true })); // dx = dQ·Wqᵀ + dK·Wkᵀ + dV·Wvᵀ
  const ordered = Object.fromEntries(Object.keys(layer.parameterSpecs()).map((name) => [name, grads[name]]));
  return { dX, grads: ordered, intermediates: { S, A, dS, dQ, dK, dV: dVJoined } };
};

/** [T, T] int32: 1 where key j ≤ query i. */
function causalMask(T: number): Tensor {
  return tensor(Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j <= i ? 1 : 0))), { dtype: "int32" });
}
