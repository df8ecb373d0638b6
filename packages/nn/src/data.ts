import { collectTensors, formatShape, mapTensors, tensor, type Tensor } from "@tapegrad/core";
import { exampleAxis, type Convention } from "./convention";

/** Inputs and targets, with examples along the convention's example axis. */
export interface Dataset<I = Tensor, T = Tensor> {
  /** The inputs: a tensor, or arrays and objects of tensors for several inputs. */
  inputs: I;
  /** The targets, with the same number of examples. */
  targets: T;
}

/**
 * The number of examples in a dataset, checking that every tensor in it agrees.
 * @example `exampleCount({ inputs: X, targets: Y }, "column") // X.shape[1]`
 */
export function exampleCount(data: Dataset<unknown, unknown>, convention: Convention): number {
  const axis = exampleAxis(convention);
  const tensors = [...collectTensors(data.inputs), ...collectTensors(data.targets)];
  if (tensors.length === 0) throw new Error("dataset: it holds no tensors");
  const counts = tensors.map((t) => {
    if (t.rank !== 2) throw new Error(`dataset: every tensor must be 2-D (features × examples or examples × features), got shape ${formatShape(t.shape)}`);
    return t.shape[axis];
  });
  if (counts.some((count) => count !== counts[0])) {
    const shapes = tensors.map((t) => formatShape(t.shape)).join(", ");
    const layout = convention === "row" ? "examples as rows" : "examples as columns";
    throw new Error(`dataset: the tensors disagree on the number of examples along axis ${axis} (${convention} convention, ${layout}): ${shapes}; is the data laid out for the other convention?`);
  }
  return counts[0];
}

/**
 * The examples at `indices` (in that order), from every tensor of the dataset.
 * @example `takeExamples(data, [0, 5, 2], "row")`
 */
export function takeExamples<I, T>(data: Dataset<I, T>, indices: readonly number[], convention: Convention): Dataset<I, T> {
  const take = (t: Tensor) => takeAlong(t, indices, exampleAxis(convention));
  return { inputs: mapTensors(data.inputs, take) as I, targets: mapTensors(data.targets, take) as T };
}

function takeAlong(t: Tensor, indices: readonly number[], axis: 0 | 1): Tensor {
  const [rows, columns] = t.shape;
  const source = t.data;
  const out = new (source.constructor as Float64ArrayConstructor)(indices.length * (axis === 0 ? columns : rows));
  if (axis === 0) {
    indices.forEach((row, i) => out.set(source.subarray(row * columns, (row + 1) * columns), i * columns));
  } else {
    for (let r = 0; r < rows; r++) for (let j = 0; j < indices.length; j++) out[r * indices.length + j] = source[r * columns + indices[j]];
  }
  return tensor(out, { shape: axis === 0 ? [indices.length, columns] : [rows, indices.length] });
}

/** Throws, naming the tensor, if any value in the dataset is NaN or infinite. */
export function checkFinite(where: string, data: Dataset<unknown, unknown>): void {
  for (const [part, tree] of [["inputs", data.inputs], ["targets", data.targets]] as const) {
    collectTensors(tree).forEach((t, i) => {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`${where}: the ${part}${collectTensors(tree).length > 1 ? ` (tensor ${i})` : ""} hold ${t.data[bad]} at flat index ${bad}; clean the data first`);
    });
  }
}

