import { allocate } from "../dtype";
import { reducedShape, sizeOf, stridesOf } from "../shape";
import { Tensor } from "../tensor";

/**
 * Reduces `x` over `axes` (sorted, distinct) with `combine`, starting from `initial`.
 * The result keeps the reduced axes with size 1. Walks the input once, in memory order;
 * `combine` also gets `slot`, the flat index of the output element being accumulated.
 */
export function reduceAxes(
  x: Tensor,
  axes: readonly number[],
  initial: number,
  combine: (accumulator: number, value: number, slot: number) => number,
): Tensor {
  const keptShape = reducedShape(x.shape, axes, true);
  const out = allocate(x.dtype, sizeOf(keptShape));
  out.fill(initial);
  const input = x.data;
  if (input.length === 0) return new Tensor(out, keptShape);
  if (axes.length === x.rank) {
    let accumulator = initial;
    for (let i = 0; i < input.length; i++) accumulator = combine(accumulator, input[i], 0);
    out[0] = accumulator;
    return new Tensor(out, keptShape);
  }
  const shape = x.shape;
  const outStrides = stridesOf(keptShape).map((stride, axis) => (axes.includes(axis) ? 0 : stride));
  const last = shape.length - 1;
  const inner = shape[last];
  const innerStride = outStrides[last];
  const index = new Array<number>(last).fill(0);
  let offset = 0;
  for (let p = 0; p < input.length; ) {
    if (innerStride === 0) {
      let accumulator = out[offset];
      for (let j = 0; j < inner; j++) accumulator = combine(accumulator, input[p++], offset);
      out[offset] = accumulator;
    } else {
      for (let j = 0; j < inner; j++) out[offset + j] = combine(out[offset + j], input[p++], offset + j);
    }
    for (let axis = last - 1; axis >= 0; axis--) {
      offset += outStrides[axis];
      if (++index[axis] < shape[axis]) break;
      offset -= outStrides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return new Tensor(out, keptShape);
}

/** The larger of a running maximum and a value; NaN wins, as in numpy and PyTorch. */
export function largerOf(best: number, v: number): number {
  return v > best || Number.isNaN(v) ? v : best;
}

/** The smaller of a running minimum and a value; NaN wins, as in numpy and PyTorch. */
export function smallerOf(best: number, v: number): number {
  return v < best || Number.isNaN(v) ? v : best;
}

/**
 * log Σ exp(x) over `axes`, keeping them with size 1. Each slice is shifted by its maximum
 * first, so large values do not overflow; a slice whose maximum is ±∞ (or NaN) is not
 * shifted, so an all −∞ slice gives −∞ (log 0), as in PyTorch.
 */
export function logSumExpAxes(x: Tensor, axes: readonly number[]): Tensor {
  const shift = reduceAxes(x, axes, -Infinity, largerOf).data;
  for (let i = 0; i < shift.length; i++) if (!Number.isFinite(shift[i])) shift[i] = 0;
  const sums = reduceAxes(x, axes, 0, (total, v, slot) => total + Math.exp(v - shift[slot]));
  const out = sums.data;
  for (let i = 0; i < out.length; i++) out[i] = Math.log(out[i]) + shift[i];
  return sums;
}

/**
 * The index along `axis` of the largest (`largest`) or smallest element of each slice, as
 * int32 with the axis removed: the first one on ties, and the first NaN if there is one
 * (numpy and PyTorch). The axis must not be empty.
 */
export function argExtremum(x: Tensor, axis: number, largest: boolean): Tensor {
  const shape = x.shape;
  const length = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const input = x.data;
  const indices = new Int32Array(outer * inner);
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * length * inner;
    const row = o * inner;
    for (let j = 0; j < inner; j++) best[j] = input[base + j];
    for (let k = 1; k < length; k++) {
      const start = base + k * inner;
      for (let j = 0; j < inner; j++) {
        const v = input[start + j];
        const current = best[j];
        if (current !== current) continue; // the slice met a NaN: its first NaN stays the answer
        if (v !== v || (largest ? v > current : v < current)) {
          best[j] = v;
          indices[row + j] = k;
        }
      }
    }
  }
  return new Tensor(indices, reducedShape(shape, [axis], false));
}
