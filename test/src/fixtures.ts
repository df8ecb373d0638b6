// Networks, data and the tape's side of every comparison: the same network written with raw
// core ops and as an @tapegrad/nn mlp, in either convention.
import { add, binaryCrossEntropyWithLogits, div, matmul, Random, relu, sigmoid, softmaxCrossEntropy, sum, tanh, tensor, type FloatDType, type Tensor } from "@tapegrad/core";
import { mlp, type Convention, type Params } from "@tapegrad/nn";
import type { Activation } from "./activations";
import { columnMajorPass } from "./column-major";
import { transposed, type Matrix } from "./matrix";
import type { Network, Pass } from "./network";
import { rowMajorPass } from "./row-major";

export interface Architecture {
  sizes: number[];
  hidden: Activation[];
  output: "sigmoid" | "softmax";
  m: number;
  seed: number;
}

/** A column-major network and data for an architecture: X ~ N(0, 1), W ~ N(0, 1/n_in), b ~ N(0, 0.1²). */
export function makeProblem({ sizes, hidden, output, m, seed }: Architecture): { network: Network; X: Matrix; Y: Matrix } {
  const rng = new Random(seed);
  const normal = (rows: number, columns: number, std: number): Matrix =>
    Array.from({ length: rows }, () => Array.from({ length: columns }, () => std * rng.normal()));
  const layers = sizes.slice(1).map((n, l) => ({ W: normal(n, sizes[l], 1 / Math.sqrt(sizes[l])), b: normal(n, 1, 0.1) }));
  const X = normal(sizes[0], m, 1);
  const classes = sizes.at(-1)!;
  const labels = Array.from({ length: m }, () => rng.int(classes));
  const Y = Array.from({ length: classes }, (_, c) => labels.map((label) => (output === "softmax" ? (label === c ? 1 : 0) : rng.int(2))));
  return { network: { layers, hidden, output }, X, Y };
}

/** The network laid out for a convention: row-major parameters and data are the transposes. */
export function inConvention(problem: { network: Network; X: Matrix; Y: Matrix }, convention: Convention) {
  if (convention === "column") return problem;
  const { network, X, Y } = problem;
  return {
    network: { ...network, layers: network.layers.map(({ W, b }) => ({ W: transposed(W), b: transposed(b) })) },
    X: transposed(X),
    Y: transposed(Y),
  };
}

/** The hand-derived pass of the convention. */
export function referencePass(convention: Convention, network: Network, X: Matrix, Y: Matrix): Pass {
  return (convention === "column" ? columnMajorPass : rowMajorPass)(network, X, Y);
}

export function toParams(network: Network, dtype: FloatDType = "float64"): Params {
  const params: Params = {};
  network.layers.forEach(({ W, b }, l) => {
    params[`layer${l + 1}.W`] = tensor(W, { dtype });
    params[`layer${l + 1}.b`] = tensor(b, { dtype });
  });
  return params;
}

const activationOps: Record<Activation, (z: Tensor) => Tensor> = { sigmoid, tanh, relu };

/** J written with raw core ops, from layer `from` (1-based) on, with A^[from−1] as input. */
export function coreCost(convention: Convention, network: Network, Y: Tensor, from = 1) {
  const L = network.layers.length;
  return (params: Params, input: Tensor): Tensor => {
    let A = input;
    for (let l = from; l <= L; l++) {
      const W = params[`layer${l}.W`];
      const b = params[`layer${l}.b`];
      const Z = convention === "column" ? add(matmul(W, A), b) : add(matmul(A, W), b);
      A = l < L ? activationOps[network.hidden[l - 1]](Z) : Z;
    }
    return outputCost(convention, network.output, A, Y);
  };
}

/** The cost from the output layer's pre-activation, with core's stable losses, averaged over examples. */
export function outputCost(convention: Convention, output: "sigmoid" | "softmax", Z: Tensor, Y: Tensor): Tensor {
  const classAxis = convention === "column" ? 0 : 1;
  const m = Z.shape[1 - classAxis];
  if (output === "softmax") return softmaxCrossEntropy(Z, Y, { axis: classAxis });
  return div(sum(binaryCrossEntropyWithLogits(Z, Y, { reduction: "none" })), m);
}

/** The same network as an @tapegrad/nn mlp with the given parameters. */
export function nnModel(convention: Convention, network: Network, params: Params, dtype: FloatDType = "float64") {
  const sizes = [network.layers[0].W[0].length, ...network.layers.map(({ W }) => W.length)];
  const rowSizes = [network.layers[0].W.length, ...network.layers.map(({ W }) => W[0].length)];
  return mlp({ sizes: convention === "column" ? sizes : rowSizes, hidden: network.hidden, output: network.output, convention, params, dtype });
}

/** Central differences of a scalar function of a matrix. */
export function numericGradient(f: (M: Matrix) => number, M: Matrix, eps = 1e-6): Matrix {
  return M.map((row, i) =>
    row.map((_, j) => {
      const shifted = (delta: number) => f(M.map((r, a) => r.map((v, b) => (a === i && b === j ? v + delta : v))));
      return (shifted(eps) - shifted(-eps)) / (2 * eps);
    }),
  );
}

/** max |actual − expected| / max |expected|: the error relative to the gradient's scale. */
export function normwiseError(actual: Matrix | Tensor, expected: Matrix): number {
  const a = (Array.isArray(actual) ? actual : (actual.toArray() as Matrix)).flat();
  const e = expected.flat();
  const scale = Math.max(...e.map(Math.abs));
  const worst = Math.max(...a.map((v, i) => Math.abs(v - e[i])));
  return scale === 0 ? worst : worst / scale;
}
