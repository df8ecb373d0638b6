// Renders the pictures in docs/images: the two-layer network of "Notes on forward and backward
// propagation in deep neural networks", traced through one forward and backward pass in both
// conventions, and its gradient explained (every tensor with its value and gradient).
// `pnpm run docs:images` rewrites them; a test renders them again and compares, so the
// pictures in the docs cannot go stale.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { add, binaryCrossEntropyWithLogits, explainGradients, matmul, name, tanh, tensor, toDot, traceGraph, transpose, type Tensor } from "@tapegrad/core";
import { renderDot } from "../src/render";

const imagesFolder = resolve(import.meta.dirname, "../../../docs/images");

/** The pictures: file name → SVG. */
export async function docImages(): Promise<Record<string, string>> {
  // n0 = 2 features, n1 = 3 tanh units, one sigmoid output, m = 4 examples (XOR).
  const Xcol = tensor([[0, 0, 1, 1], [0, 1, 0, 1]]);
  const Ycol = tensor([[0, 1, 1, 0]]);
  const W1 = tensor([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]);
  const b1 = tensor([[0], [0.1], [-0.1]]);
  const W2 = tensor([[0.7, -0.5, 0.4]]);
  const b2 = tensor([[0.05]]);
  const column = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }, X: Tensor) =>
    binaryCrossEntropyWithLogits(add(matmul(p.W2, tanh(add(matmul(p.W1, X), p.b1))), p.b2), Ycol);
  const row = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }, X: Tensor) =>
    binaryCrossEntropyWithLogits(add(matmul(tanh(add(matmul(X, p.W1), p.b1)), p.W2), p.b2), transpose(Ycol));
  const options = { parameters: [0], names: ["", "X"], backward: true };
  const columnGraph = traceGraph(column, [{ W1, b1, W2, b2 }, Xcol], options);
  const rowGraph = traceGraph(row, [{ W1: transpose(W1), b1: transpose(b1), W2: transpose(W2), b2 }, transpose(Xcol)], options);
  const named = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }, X: Tensor) => {
    const A1 = name(tanh(name(add(matmul(p.W1, X), p.b1), "Z1")), "A1");
    return binaryCrossEntropyWithLogits(name(add(matmul(p.W2, A1), p.b2), "Z2"), Ycol);
  };
  const explanation = explainGradients(named, [{ W1, b1, W2, b2 }, Xcol], { parameters: [0], names: ["", "X"] });
  return {
    "two-layer-column.svg": await renderDot(toDot(columnGraph, { title: "examples as columns: Z = W·X + b" })),
    "two-layer-row.svg": await renderDot(toDot(rowGraph, { title: "examples as rows: Z = X·W + b" })),
    "two-layer-explained.svg": await renderDot(explanation.toDot({ title: "every tensor's value and gradient (examples as columns)", showValuesUpTo: 12 })),
  };
}

if (process.argv[1] === import.meta.filename) {
  for (const [file, svg] of Object.entries(await docImages())) {
    writeFileSync(resolve(imagesFolder, file), svg);
    console.log(`wrote docs/images/${file}`);
  }
}
