// Examples as columns (as in "Notes on forward and backward propagation in deep neural networks" and "Feedforward Neural Networks in Depth, Part 1"): X is n0 × m, W^[l] is n_l × n_(l−1), b^[l] is n_l × 1.
import { activations, derivatives, sigmoid } from "./activations";
import { binaryCrossEntropy, categoricalCrossEntropy } from "./costs";
import { addBias, dot, elementwise, map, scale, sumColumns, transposed, type Matrix } from "./matrix";
import type { Network, Pass } from "./network";
import { softmax } from "./softmax";

export function columnMajorPass({ layers, hidden, output }: Network, X: Matrix, Y: Matrix): Pass {
  const L = layers.length;
  const m = X[0].length;
  const Z: Matrix[] = [X];
  const A: Matrix[] = [X];
  for (let l = 1; l <= L; l++) {
    Z[l] = addBias(dot(layers[l - 1].W, A[l - 1]), layers[l - 1].b); //        Z^[l] = W^[l]·A^[l−1] + b^[l]
    if (l < L) A[l] = map(Z[l], activations[hidden[l - 1]]); //                 A^[l] = g^[l](Z^[l])
    else A[l] = output === "sigmoid" ? map(Z[l], sigmoid) : transposed(transposed(Z[l]).map(softmax));
  }
  const dZ: Matrix[] = [];
  const dA: Matrix[] = [];
  const dW: Matrix[] = [];
  const db: Matrix[] = [];
  dZ[L] = scale(elementwise(A[L], Y, (a, y) => a - y), 1 / m); //               dZ^[L] = (A^[L] − Y)/m
  for (let l = L; l >= 1; l--) {
    dW[l] = dot(dZ[l], transposed(A[l - 1])); //                                 dW^[l] = dZ^[l]·A^[l−1]ᵀ
    db[l] = sumColumns(dZ[l]); //                                                db^[l] = Σ over examples of dZ^[l]
    if (l === 1) break;
    dA[l - 1] = dot(transposed(layers[l - 1].W), dZ[l]); //                      dA^[l−1] = W^[l]ᵀ·dZ^[l]
    const g = derivatives[hidden[l - 2]];
    dZ[l - 1] = dA[l - 1].map((row, i) => row.map((v, j) => v * g(Z[l - 1][i][j], A[l - 1][i][j]))); // dZ = dA ∘ g′(Z)
  }
  const perExample = (M: Matrix) => transposed(M);
  const cost = output === "sigmoid" ? binaryCrossEntropy(perExample(A[L]), perExample(Y)) : categoricalCrossEntropy(perExample(A[L]), perExample(Y));
  return { cost, Z, A, dZ, dA, dW, db };
}
