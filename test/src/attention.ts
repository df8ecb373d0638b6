// Scaled dot-product attention with several heads and an optional causal mask, on plain
// arrays: Q is [B, Tq, heads·d], K and V are [B, Tk, heads·d] (each head's d columns side
// by side, as PyTorch's multi-head attention lays them out), O is [B, Tq, heads·d]. Per
// example and head, Q, K, V below are that head's Tq × d and Tk × d matrices. dO is ∂J/∂O.
// The causal mask lets query i attend to keys j ≤ i only: masked scores count as −∞, so their
// weights are 0, and they get no gradient.
import { dot, scale, transposed, type Matrix } from "./matrix";
import { softmax } from "./softmax";

export interface AttentionPass {
  S: Matrix[][]; // S[b][head], the scores before the mask (Tq × Tk)
  A: Matrix[][]; // A[b][head], the attention weights (Tq × Tk)
  O: Matrix[]; //   O[b], Tq × heads·d
}

export interface AttentionGradients {
  dA: Matrix[][];
  dS: Matrix[][];
  dQ: Matrix[];
  dK: Matrix[];
  dV: Matrix[];
}

/** A head's d columns of an example's [T, heads·d] matrix. */
export function headOf(M: Matrix, head: number, d: number): Matrix {
  return M.map((row) => row.slice(head * d, (head + 1) * d));
}

/** The heads' matrices side by side again, [T, heads·d]. */
export function joinHeads(perHead: Matrix[]): Matrix {
  return perHead[0].map((_, r) => perHead.flatMap((M) => M[r]));
}

export const visible = (causal: boolean, i: number, j: number): boolean => !causal || j <= i;

/** A = softmax(S) row by row, with the masked scores taken as −∞ (so their weights are 0). */
export function attentionWeights(S: Matrix, causal: boolean): Matrix {
  return S.map((row, i) => softmax(row.map((s, j) => (visible(causal, i, j) ? s : -Infinity)))); // A_i = softmax(S_i), row by row, masked scores as −∞
}

export function attentionForward(Q: Matrix[], K: Matrix[], V: Matrix[], heads: number, causal: boolean): AttentionPass {
  const d = Q[0][0].length / heads;
  const pass: AttentionPass = { S: [], A: [], O: [] };
  Q.forEach((_, b) => {
    const [S, A, O]: Matrix[][] = [[], [], []];
    for (let h = 0; h < heads; h++) {
      S[h] = scale(dot(headOf(Q[b], h, d), transposed(headOf(K[b], h, d))), 1 / Math.sqrt(d)); //   S = Q·Kᵀ/√d
      A[h] = attentionWeights(S[h], causal);
      O[h] = dot(A[h], headOf(V[b], h, d)); //                                                  O = A·V
    }
    pass.S[b] = S;
    pass.A[b] = A;
    pass.O[b] = joinHeads(O);
  });
  return pass;
}

export function attentionBackward(Q: Matrix[], K: Matrix[], V: Matrix[], heads: number, causal: boolean, pass: AttentionPass, dO: Matrix[]): AttentionGradients {
  const d = Q[0][0].length / heads;
  const grads: AttentionGradients = { dA: [], dS: [], dQ: [], dK: [], dV: [] };
  Q.forEach((_, b) => {
    const [dA, dS, dQ, dK, dV]: Matrix[][] = [[], [], [], [], []];
    for (let h = 0; h < heads; h++) {
      const A = pass.A[b][h];
      const dOh = headOf(dO[b], h, d);
      dV[h] = dot(transposed(A), dOh); //                                                        dV = Aᵀ·dO
      dA[h] = dot(dOh, transposed(headOf(V[b], h, d))); //                                       dA = dO·Vᵀ
      dS[h] = dA[h].map((row, i) => {
        const inner = row.reduce((total, v, j) => total + v * A[i][j], 0); //                    ⟨dA_i, A_i⟩
        return row.map((v, j) => (visible(causal, i, j) ? A[i][j] * (v - inner) : 0)); //      dS_i = A_i ⊙ (dA_i − ⟨dA_i, A_i⟩), 0 where masked
      });
      dQ[h] = scale(dot(dS[h], headOf(K[b], h, d)), 1 / Math.sqrt(d)); //                      dQ = dS·K/√d
      dK[h] = scale(dot(transposed(dS[h]), headOf(Q[b], h, d)), 1 / Math.sqrt(d)); //          dK = dSᵀ·Q/√d
    }
    grads.dA[b] = dA;
    grads.dS[b] = dS;
    grads.dQ[b] = joinHeads(dQ);
    grads.dK[b] = joinHeads(dK);
    grads.dV[b] = joinHeads(dV);
  });
  return grads;
}
