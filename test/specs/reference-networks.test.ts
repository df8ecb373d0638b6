import { describe, expect, it } from "vitest";
import {
  add,
  binaryCrossEntropyWithLogits,
  matmul,
  mean,
  Random,
  relu,
  sigmoid,
  softmaxCrossEntropy,
  sum,
  tanh,
  tensor,
  transpose,
  valueAndGrad,
  type Tensor,
} from "@tapegrad/core";
import { mlp, type Params } from "@tapegrad/nn";
import { columnMajorBackprop, rowMajorBackprop, type Activation, type Layer, type Output } from "../src/reference-mlp";
import { transposed, type Matrix } from "../src/matrix";

// The tape's gradients of networks written with core ops equal the hand-derived backprop
// of the seed notes, in both conventions, for many random architectures.

type Convention = "column" | "row";
const activationOps: Record<Activation, (z: Tensor) => Tensor> = { sigmoid, tanh, relu };

function randomMatrix(rng: Random, rows: number, columns: number): Matrix {
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => rng.normal()));
}

function randomNetwork(seed: number) {
  const rng = new Random(seed);
  const depth = 1 + rng.int(4);
  const sizes = Array.from({ length: depth + 1 }, () => 1 + rng.int(7));
  const output: Output = rng.uniform() < 0.5 ? "sigmoid" : "softmax";
  if (output === "softmax") sizes[depth] = Math.max(2, sizes[depth]);
  const m = 1 + rng.int(12);
  const hidden = Array.from({ length: depth - 1 }, () => (["sigmoid", "tanh", "relu"] as const)[rng.int(3)]);
  const layers: Layer[] = sizes.slice(1).map((n, l) => ({ W: randomMatrix(rng, n, sizes[l]), b: randomMatrix(rng, n, 1) }));
  const X = randomMatrix(rng, sizes[0], m); // n0 × m: examples as columns
  const labels = Array.from({ length: m }, () => rng.int(sizes[depth]));
  const Y = Array.from({ length: sizes[depth] }, (_, c) =>
    labels.map((label, i) => (output === "softmax" ? (label === c ? 1 : 0) : rng.int(2))),
  );
  return { sizes, hidden, output, layers, X, Y };
}

/** The same network written with core ops; the loss is averaged over the m examples. */
function tapeLoss(convention: Convention, hidden: Activation[], output: Output, X: Tensor, Y: Tensor) {
  const classAxis = convention === "column" ? 0 : 1;
  return (params: { W: Tensor; b: Tensor }[]) => {
    let A = X;
    params.forEach(({ W, b }, l) => {
      const Z = convention === "column" ? add(matmul(W, A), b) : add(matmul(A, W), b);
      A = l < params.length - 1 ? activationOps[hidden[l]](Z) : Z;
    });
    if (output === "softmax") return softmaxCrossEntropy(A, Y, { axis: classAxis });
    return mean(sum(binaryCrossEntropyWithLogits(A, Y, { reduction: "none" }), classAxis));
  };
}

function maxRelativeError(actual: number[][], expected: number[][]): number {
  let worst = 0;
  actual.forEach((row, i) =>
    row.forEach((a, j) => {
      const e = expected[i][j];
      worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), 1e-3));
    }),
  );
  return worst;
}

describe.each(["column", "row"] as const)("%s-major networks: tape gradients equal the hand-derived backprop", (convention) => {
  it.each(Array.from({ length: 40 }, (_, i) => i))("random network %i", (seed) => {
    const net = randomNetwork(seed);
    const asRow = (M: Matrix) => (convention === "column" ? M : transposed(M));
    const layers = net.layers.map(({ W, b }) => ({ W: asRow(W), b: asRow(b) }));
    const X = asRow(net.X);
    const Y = asRow(net.Y);
    const reference = (convention === "column" ? columnMajorBackprop : rowMajorBackprop)(layers, net.hidden, net.output, X, Y);
    const params = layers.map(({ W, b }) => ({ W: tensor(W), b: tensor(b) }));
    const { value, grads } = valueAndGrad(tapeLoss(convention, net.hidden, net.output, tensor(X), tensor(Y)))(params);
    expect(Math.abs(value.item() - reference.cost) / Math.abs(reference.cost)).toBeLessThan(1e-12);
    grads[0].forEach((g, l) => {
      expect(maxRelativeError(g.W.toArray() as number[][], reference.grads[l].dW), `dW[${l + 1}]`).toBeLessThan(1e-10);
      expect(maxRelativeError(g.b.toArray() as number[][], reference.grads[l].db), `db[${l + 1}]`).toBeLessThan(1e-10);
    });
  });
});

describe.each(["column", "row"] as const)("%s-major @tapegrad/nn models: gradients equal the hand-derived backprop", (convention) => {
  it.each(Array.from({ length: 40 }, (_, i) => 100 + i))("random network %i", (seed) => {
    const net = randomNetwork(seed);
    const asLayout = (M: Matrix) => (convention === "column" ? M : transposed(M));
    const layers = net.layers.map(({ W, b }) => ({ W: asLayout(W), b: asLayout(b) }));
    const X = tensor(asLayout(net.X));
    const Y = tensor(asLayout(net.Y));
    const reference = (convention === "column" ? columnMajorBackprop : rowMajorBackprop)(layers, net.hidden, net.output, asLayout(net.X), asLayout(net.Y));
    const params: Params = {};
    layers.forEach(({ W, b }, l) => {
      params[`layer${l + 1}.W`] = tensor(W);
      params[`layer${l + 1}.b`] = tensor(b);
    });
    const model = mlp({ sizes: net.sizes, hidden: net.hidden, output: net.output, convention, params });
    const { value, grads } = valueAndGrad((p: Params) => model.loss(p, X, Y))(model.params);
    expect(Math.abs(value.item() - reference.cost) / Math.abs(reference.cost)).toBeLessThan(1e-12);
    reference.grads.forEach(({ dW, db }, l) => {
      expect(maxRelativeError(grads[0][`layer${l + 1}.W`].toArray() as number[][], dW), `dW[${l + 1}]`).toBeLessThan(1e-10);
      expect(maxRelativeError(grads[0][`layer${l + 1}.b`].toArray() as number[][], db), `db[${l + 1}]`).toBeLessThan(1e-10);
    });
  });
});

describe("the two conventions describe the same function", () => {
  it("with W_row = W_colᵀ and X_row = X_colᵀ the losses are equal and the gradients transposes", () => {
    const net = randomNetwork(7);
    const column = columnMajorBackprop(net.layers, net.hidden, net.output, net.X, net.Y);
    const rowLayers = net.layers.map(({ W, b }) => ({ W: transposed(W), b: transposed(b) }));
    const row = rowMajorBackprop(rowLayers, net.hidden, net.output, transposed(net.X), transposed(net.Y));
    expect(row.cost).toBeCloseTo(column.cost, 12);
    row.grads.forEach((g, l) => expect(maxRelativeError(g.dW, transposed(column.grads[l].dW))).toBeLessThan(1e-12));
    const tapeRow = valueAndGrad((W: Tensor) => sum(matmul(tensor(transposed(net.X)), W)))(tensor(rowLayers[0].W));
    const tapeColumn = valueAndGrad((W: Tensor) => sum(matmul(W, tensor(net.X))))(tensor(net.layers[0].W));
    expect(tapeRow.grads[0].toArray()).toEqual(transpose(tapeColumn.grads[0]).toArray());
  });
});
