// The hand-derived forward and backward passes of an L-layer perceptron, in both
// layout conventions, written line by line after the formulas of the seed notes.
import { addBias, dot, elementwise, map, scale, sumColumns, sumRows, transposed, type Matrix } from "./matrix";

export type Activation = "sigmoid" | "tanh" | "relu";
export type Output = "sigmoid" | "softmax";

export interface Layer {
  W: Matrix;
  b: Matrix;
}

export interface Backprop {
  cost: number;
  grads: { dW: Matrix; db: Matrix }[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

const activations: Record<Activation, { g: (z: number) => number; derivative: (z: number, a: number) => number }> = {
  sigmoid: { g: sigmoid, derivative: (_z, a) => a * (1 - a) }, // σ′ = σ(1 − σ)
  tanh: { g: Math.tanh, derivative: (_z, a) => 1 - a * a }, //    tanh′ = 1 − a²
  relu: { g: (z) => Math.max(z, 0), derivative: (z) => (z > 0 ? 1 : 0) }, // step, 0 at 0
};

function softmaxOf(z: number[]): number[] {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** The cost over m examples, given the outputs and targets as lists of per-example vectors. */
function cost(output: Output, a: number[][], y: number[][]): number {
  const m = a.length;
  let total = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < a[i].length; j++)
      total +=
        output === "sigmoid"
          ? -(y[i][j] * Math.log(a[i][j]) + (1 - y[i][j]) * Math.log(1 - a[i][j])) // −[y log a + (1 − y) log(1 − a)]
          : -y[i][j] * Math.log(a[i][j]); //                                             −Σ_c y_c log a_c
  return total / m;
}

/**
 * Examples as columns (seeds 000–002): Z[l] = W[l]·A[l−1] + b[l], A[l] = g(Z[l]);
 * dZ[L] = (A[L] − Y)/m, dW[l] = dZ[l]·A[l−1]ᵀ, db[l] = Σ_examples dZ[l],
 * dA[l−1] = W[l]ᵀ·dZ[l], dZ[l] = dA[l] ∘ g′(Z[l]).
 */
export function columnMajorBackprop(layers: Layer[], hidden: Activation[], output: Output, X: Matrix, Y: Matrix): Backprop {
  const m = X[0].length;
  const A: Matrix[] = [X];
  const Z: Matrix[] = [];
  layers.forEach(({ W, b }, l) => {
    Z.push(addBias(dot(W, A[l]), b));
    const last = l === layers.length - 1;
    if (!last) A.push(map(Z[l], activations[hidden[l]].g));
    else if (output === "sigmoid") A.push(map(Z[l], sigmoid));
    else A.push(transposed(transposed(Z[l]).map(softmaxOf)));
  });
  const L = layers.length;
  const grads: Backprop["grads"] = new Array(L);
  let dZ = scale(elementwise(A[L], Y, (a, y) => a - y), 1 / m);
  for (let l = L - 1; l >= 0; l--) {
    grads[l] = { dW: dot(dZ, transposed(A[l])), db: sumColumns(dZ) };
    if (l > 0) {
      const dA = dot(transposed(layers[l].W), dZ);
      const { derivative } = activations[hidden[l - 1]];
      dZ = dA.map((row, i) => row.map((da, j) => da * derivative(Z[l - 1][i][j], A[l][i][j])));
    }
  }
  return { cost: cost(output, transposed(A[L]), transposed(Y)), grads };
}

/**
 * Examples as rows (seeds 003–004): Z[l] = A[l−1]·W[l] + b[l];
 * dZ[L] = A[L] − Y per example, dW[l] = (1/m)·A[l−1]ᵀ·dZ[l], db[l] = (1/m)·Σ_rows dZ[l],
 * dZ[l] = (dZ[l+1]·W[l+1]ᵀ) ∘ g′(Z[l]).
 */
export function rowMajorBackprop(layers: Layer[], hidden: Activation[], output: Output, X: Matrix, Y: Matrix): Backprop {
  const m = X.length;
  const A: Matrix[] = [X];
  const Z: Matrix[] = [];
  layers.forEach(({ W, b }, l) => {
    Z.push(addBias(dot(A[l], W), b));
    const last = l === layers.length - 1;
    if (!last) A.push(map(Z[l], activations[hidden[l]].g));
    else if (output === "sigmoid") A.push(map(Z[l], sigmoid));
    else A.push(Z[l].map(softmaxOf));
  });
  const L = layers.length;
  const grads: Backprop["grads"] = new Array(L);
  let dZ = elementwise(A[L], Y, (a, y) => a - y);
  for (let l = L - 1; l >= 0; l--) {
    grads[l] = { dW: scale(dot(transposed(A[l]), dZ), 1 / m), db: scale(sumRows(dZ), 1 / m) };
    if (l > 0) {
      const { derivative } = activations[hidden[l - 1]];
      dZ = dot(dZ, transposed(layers[l].W)).map((row, i) => row.map((v, j) => v * derivative(Z[l - 1][i][j], A[l][i][j])));
    }
  }
  return { cost: cost(output, A[L], Y), grads };
}
