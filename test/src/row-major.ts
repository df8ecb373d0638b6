// Examples as rows (as in "Vectorized Backprop: The Maths" and "Backprop"): X is m × n0, W^[l] is n_(l−1) × n_l, b^[l] is 1 × n_l.
// dZ here is the per-example derivative ∂L^(i)/∂Z; the 1/m of the cost enters in dW and db.
import { activations, derivatives, sigmoid } from "./activations";
import { binaryCrossEntropy, categoricalCrossEntropy } from "./costs";
import { addBias, dot, elementwise, map, scale, sumRows, transposed, type Matrix } from "./matrix";
import type { Network, Pass } from "./network";
import { softmax } from "./softmax";

export function rowMajorPass({ layers, hidden, output }: Network, X: Matrix, Y: Matrix): Pass {
  const L = layers.length;
  const m = X.length;
  const Z: Matrix[] = [X];
  const A: Matrix[] = [X];
  for (let l = 1; l <= L; l++) {
    Z[l] = addBias(dot(A[l - 1], layers[l - 1].W), layers[l - 1].b); //        Z^[l] = A^[l−1]·W^[l] + b^[l]
    if (l < L) A[l] = map(Z[l], activations[hidden[l - 1]]); //                 A^[l] = g^[l](Z^[l])
    else A[l] = output === "sigmoid" ? map(Z[l], sigmoid) : Z[l].map(softmax);
  }
  const dZ: Matrix[] = [];
  const dA: Matrix[] = [];
  const dW: Matrix[] = [];
  const db: Matrix[] = [];
  dZ[L] = elementwise(A[L], Y, (a, y) => a - y); //                             dZ^[L] = A^[L] − Y
  for (let l = L; l >= 1; l--) {
    dW[l] = scale(dot(transposed(A[l - 1]), dZ[l]), 1 / m); //                   dW^[l] = (1/m)·A^[l−1]ᵀ·dZ^[l]
    db[l] = scale(sumRows(dZ[l]), 1 / m); //                                     db^[l] = (1/m)·Σ over examples of dZ^[l]
    if (l === 1) break;
    dA[l - 1] = dot(dZ[l], transposed(layers[l - 1].W)); //                      dA^[l−1] = dZ^[l]·W^[l]ᵀ
    const g = derivatives[hidden[l - 2]];
    dZ[l - 1] = dA[l - 1].map((row, i) => row.map((v, j) => v * g(Z[l - 1][i][j], A[l - 1][i][j]))); // dZ^[l] = (dZ^[l+1]·W^[l+1]ᵀ) ∘ g′(Z^[l])
  }
  const cost = output === "sigmoid" ? binaryCrossEntropy(A[L], Y) : categoricalCrossEntropy(A[L], Y);
  return { cost, Z, A, dZ, dA, dW, db };
}
