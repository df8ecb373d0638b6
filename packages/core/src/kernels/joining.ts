import { allocate, type TypedArray } from "../dtype";
import { sizeOf, stridesOf, type Shape } from "../shape";
import { Tensor } from "../tensor";

// Loops that join and cut contiguous arrays: whole rows are copied with TypedArray.set,
// and one odometer (in copyBox) walks the axes outside a contiguous block.

/** Below this many elements a plain loop beats making a subarray for `set`. */
const SHORT_BLOCK = 16;

/** Copies `length` consecutive elements of `source`, from `from`, into `target` at `to`. */
export function copyBlock(source: TypedArray, from: number, target: TypedArray, to: number, length: number): void {
  if (length < SHORT_BLOCK) {
    for (let i = 0; i < length; i++) target[to + i] = source[from + i];
  } else {
    target.set(source.subarray(from, from + length), to);
  }
}

/**
 * `xs` joined along `axis` (non-negative, all inputs equal on the other axes): each input
 * is `outer` rows of `shape[axis]·inner` contiguous elements, copied row by row into
 * the output's rows.
 */
export function concatAlong(xs: readonly Tensor[], axis: number): Tensor {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((total, x) => total + x.shape[axis], 0);
  const out = allocate(xs[0].dtype, sizeOf(shape));
  const outer = sizeOf(shape.slice(0, axis));
  const outRow = sizeOf(shape.slice(axis));
  let offset = 0;
  for (const x of xs) {
    const row = sizeOf(x.shape.slice(axis));
    const data = x.data;
    for (let o = 0; o < outer; o++) copyBlock(data, o * row, out, o * outRow + offset, row);
    offset += row;
  }
  return new Tensor(out, shape);
}

/**
 * Copies a box of `box` elements per axis from `source` (of `sourceShape`, starting at
 * `sourceStart`) into `target` (of `targetShape`, starting at `targetStart`). The trailing
 * axes the box spans whole in both arrays merge into one contiguous block per step; an
 * odometer walks the axes outside it. Slicing and padding are both this copy.
 */
export function copyBox(
  source: TypedArray,
  sourceShape: Shape,
  sourceStart: readonly number[],
  target: TypedArray,
  targetShape: Shape,
  targetStart: readonly number[],
  box: Shape,
): void {
  const rank = box.length;
  if (sizeOf(box) === 0) return;
  if (rank === 0) {
    target[0] = source[0];
    return;
  }
  // Axis `first` and every axis after it lie inside one contiguous block.
  let first = rank - 1;
  while (first > 0 && box[first] === sourceShape[first] && box[first] === targetShape[first]) first--;
  const block = sizeOf(box.slice(first));
  const blocks = sizeOf(box.slice(0, first));
  const sourceStrides = stridesOf(sourceShape);
  const targetStrides = stridesOf(targetShape);
  let from = 0;
  let to = 0;
  for (let axis = 0; axis < rank; axis++) {
    from += sourceStart[axis] * sourceStrides[axis];
    to += targetStart[axis] * targetStrides[axis];
  }
  const index = new Array<number>(first).fill(0);
  for (let b = 0; b < blocks; b++) {
    copyBlock(source, from, target, to, block);
    for (let axis = first - 1; axis >= 0; axis--) {
      from += sourceStrides[axis];
      to += targetStrides[axis];
      if (++index[axis] < box[axis]) break;
      from -= sourceStrides[axis] * box[axis];
      to -= targetStrides[axis] * box[axis];
      index[axis] = 0;
    }
  }
}

/** The part of `x` of shape `size` starting at `begin` (both resolved and in bounds), as a contiguous copy. */
export function sliceBox(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const out = allocate(x.dtype, sizeOf(size));
  copyBox(x.data, x.shape, begin, out, size, size.map(() => 0), size);
  return new Tensor(out, [...size]);
}

/** `x` inside a tensor filled with `value`, with `paddings[axis] = [before, after]` added on each axis. */
export function padBox(x: Tensor, paddings: readonly (readonly [number, number])[], value: number): Tensor {
  const shape = x.shape.map((dim, axis) => paddings[axis][0] + dim + paddings[axis][1]);
  const out = allocate(x.dtype, sizeOf(shape));
  if (value !== 0) out.fill(value);
  copyBox(x.data, x.shape, x.shape.map(() => 0), out, shape, paddings.map(([before]) => before), x.shape);
  return new Tensor(out, shape);
}
