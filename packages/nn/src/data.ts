import { astype, formatShape, mapTensors, noGrad, tensor, type FloatDType, type Tensor, type TypedArray } from "@tapegrad/core";
import type { Convention } from "./convention";

/**
 * Inputs and targets, with examples along the convention's example axis: axis 0 in the row
 * convention (images [N, C, H, W], sequences [N, T, F], int32 labels [N]), the last axis in
 * the column convention (X [n0, m], Y [nL, m], int32 labels [m]).
 */
export interface Dataset<I = Tensor, T = Tensor> {
  /** The inputs: a tensor, or arrays and objects of tensors for several inputs. */
  inputs: I;
  /** The targets, with the same number of examples. */
  targets: T;
}

/** A tensor of a dataset, with where it sits (`inputs`, `targets.labels`, …). */
interface Located {
  path: string;
  t: Tensor;
}

function located(data: Dataset<unknown, unknown>): Located[] {
  const found: Located[] = [];
  for (const part of ["inputs", "targets"] as const) {
    mapTensors(data[part], (t, path) => found.push({ path: path === "" ? part : `${part}${path.startsWith("[") ? "" : "."}${path}`, t }));
  }
  return found;
}

/**
 * The axis of `t` that runs over examples: 0 in the row convention, the last axis in the column convention.
 * @example `datasetExampleAxis(zeros([8, 1, 28, 28]), "row") // 0`
 */
export function datasetExampleAxis(t: Tensor, convention: Convention): number {
  return convention === "row" ? 0 : t.rank - 1;
}

function layoutName(convention: Convention): string {
  return convention === "row" ? "along axis 0 (row convention, examples as rows)" : "along the last axis (column convention, examples as columns)";
}

/**
 * The number of examples in a dataset, checking that every tensor in it agrees. Tensors of
 * any rank ≥ 1 are accepted.
 * @example `exampleCount({ inputs: X, targets: Y }, "column") // X.shape[1]`
 */
export function exampleCount(data: Dataset<unknown, unknown>, convention: Convention): number {
  const tensors = located(data);
  if (tensors.length === 0) throw new Error("dataset: it holds no tensors; give inputs and targets as tensors (or arrays and objects of tensors)");
  for (const { path, t } of tensors) {
    if (t.rank === 0) {
      throw new Error(`dataset: ${path} is a scalar; every tensor needs an example axis (axis 0 in the row convention, the last axis in the column convention)`);
    }
  }
  const counts = tensors.map(({ t }) => t.shape[datasetExampleAxis(t, convention)]);
  if (counts.some((count) => count !== counts[0])) {
    const shapes = tensors.map(({ path, t }) => `${path} ${formatShape(t.shape)}`).join(", ");
    const other: Convention = convention === "row" ? "column" : "row";
    const otherCounts = tensors.map(({ t }) => t.shape[datasetExampleAxis(t, other)]);
    const hint = otherCounts.every((count) => count === otherCounts[0]) ? `; the data looks laid out for the '${other}' convention` : "";
    throw new Error(`dataset: the tensors disagree on the number of examples ${layoutName(convention)}: ${shapes}${hint}`);
  }
  return counts[0];
}

/**
 * The examples at `indices` (in that order), from every tensor of the dataset, keeping each
 * tensor's dtype. In the row convention each example is one contiguous block, copied whole.
 * @example `takeExamples(data, [0, 5, 2], "row")`
 */
export function takeExamples<I, T>(data: Dataset<I, T>, indices: readonly number[], convention: Convention): Dataset<I, T> {
  const m = exampleCount(data, convention);
  indices.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= m) {
      throw new Error(`takeExamples: index ${index} (at position ${i}) is out of range for ${m} examples; indices run from 0 to ${m - 1}`);
    }
  });
  const take = (t: Tensor) => (convention === "row" ? takeRows(t, indices) : takeLast(t, indices));
  return { inputs: mapTensors(data.inputs, take) as I, targets: mapTensors(data.targets, take) as T };
}

function allocateLike(source: TypedArray, length: number): TypedArray {
  return new (source.constructor as new (length: number) => TypedArray)(length);
}

/** Examples along axis 0: each is a block of size/m contiguous values; runs of consecutive indices are copied at once. */
function takeRows(t: Tensor, indices: readonly number[]): Tensor {
  const source = t.data;
  const block = t.shape[0] === 0 ? 0 : source.length / t.shape[0];
  const out = allocateLike(source, indices.length * block);
  for (let i = 0; i < indices.length; ) {
    let run = 1;
    while (i + run < indices.length && indices[i + run] === indices[i] + run) run++;
    out.set(source.subarray(indices[i] * block, (indices[i] + run) * block), i * block);
    i += run;
  }
  return tensor(out, { shape: [indices.length, ...t.shape.slice(1)] });
}

/** Examples along the last axis: for each of the leading positions, the chosen entries of its row. */
function takeLast(t: Tensor, indices: readonly number[]): Tensor {
  const source = t.data;
  const m = t.shape[t.rank - 1];
  const k = indices.length;
  const leading = m === 0 ? 0 : source.length / m;
  const out = allocateLike(source, leading * k);
  for (let r = 0; r < leading; r++) {
    const from = r * m;
    const to = r * k;
    for (let j = 0; j < k; j++) out[to + j] = source[from + indices[j]];
  }
  return tensor(out, { shape: [...t.shape.slice(0, -1), k] });
}

/**
 * The dataset with every float tensor converted to `dtype` (int32 tensors, such as class
 * indices and token ids, stay as they are). Tensors already of that dtype are kept, not copied.
 * `fit` and `evaluate` apply it with the model's dtype.
 * @example `datasetAsDtype({ inputs: X64, targets: labels }, "float32") // X as float32, labels still int32`
 */
export function datasetAsDtype<I, T>(data: Dataset<I, T>, dtype: FloatDType): Dataset<I, T> {
  const convert = (t: Tensor) => (t.dtype === "int32" || t.dtype === dtype ? t : noGrad(() => astype(t, dtype)));
  return { inputs: mapTensors(data.inputs, convert) as I, targets: mapTensors(data.targets, convert) as T };
}

/** Throws, naming the tensor, if any value in the dataset is NaN or infinite. */
export function checkFinite(where: string, data: Dataset<unknown, unknown>): void {
  for (const { path, t } of located(data)) {
    if (t.dtype === "int32") continue;
    const values = t.data;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new Error(`${where}: the ${path} hold ${values[i]} at flat index ${i}; clean the data first`);
    }
  }
}
