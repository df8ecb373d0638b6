import { allocate, type DType } from "../dtype";
import { sizeOf, type Shape } from "../shape";
import { Tensor } from "../tensor";
import { copyBlock } from "./joining";

// Loops that gather and scatter along one axis. A tensor of `shape` is seen as `outer`
// rows (the axes before `axis`), each of `shape[axis]` blocks of `inner` contiguous
// elements (the axes after it); gathering copies whole blocks. Indices are checked
// (0 ≤ index < shape[axis]) before these run.

/** The shape of gathering `indices` along `axis` of `shape`: shape[:axis] + indices.shape + shape[axis+1:]. */
export function gatheredShape(shape: Shape, indicesShape: Shape, axis: number): number[] {
  return [...shape.slice(0, axis), ...indicesShape, ...shape.slice(axis + 1)];
}

/** out[o, j, i] = x[o, indices[j], i], with o over the axes before `axis` and i over those after it. */
export function gatherAlong(x: Tensor, indices: Tensor, axis: number): Tensor {
  const outer = sizeOf(x.shape.slice(0, axis));
  const length = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const index = indices.data;
  const count = index.length;
  const out = allocate(x.dtype, outer * count * inner);
  const input = x.data;
  for (let o = 0; o < outer; o++) {
    const rowIn = o * length;
    const rowOut = o * count;
    for (let j = 0; j < count; j++) copyBlock(input, (rowIn + index[j]) * inner, out, (rowOut + j) * inner, inner);
  }
  return new Tensor(out, gatheredShape(x.shape, indices.shape, axis));
}

/** Zeros of `shape` with out[o, indices[j], i] += updates[o, j, i]: repeated indices accumulate. */
export function scatterAddAlong(shape: Shape, indices: Tensor, updates: Tensor, axis: number): Tensor {
  const outer = sizeOf(shape.slice(0, axis));
  const length = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const index = indices.data;
  const count = index.length;
  const out = allocate(updates.dtype, sizeOf(shape));
  const values = updates.data;
  for (let o = 0; o < outer; o++) {
    const rowOut = o * length;
    const rowIn = o * count;
    for (let j = 0; j < count; j++) {
      const to = (rowOut + index[j]) * inner;
      const from = (rowIn + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += values[from + i];
    }
  }
  return new Tensor(out, [...shape]);
}

/** out[j, k] = 1 where indices[j] = k, else 0, for k < depth. */
export function oneHotOf(indices: Tensor, depth: number, dtype: DType): Tensor {
  const index = indices.data;
  const out = allocate(dtype, index.length * depth);
  for (let j = 0; j < index.length; j++) out[j * depth + index[j]] = 1;
  return new Tensor(out, [...indices.shape, depth]);
}
