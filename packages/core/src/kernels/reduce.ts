import { allocate } from "../dtype";
import { reducedShape, sizeOf, stridesOf } from "../shape";
import { Tensor } from "../tensor";

/**
 * Reduces `x` over `axes` (sorted, distinct) with `combine`, starting from `initial`.
 * The result keeps the reduced axes with size 1. Walks the input once, in memory order.
 */
export function reduceAxes(
  x: Tensor,
  axes: readonly number[],
  initial: number,
  combine: (accumulator: number, value: number) => number,
): Tensor {
  const keptShape = reducedShape(x.shape, axes, true);
  const out = allocate(x.dtype, sizeOf(keptShape));
  out.fill(initial);
  const input = x.data;
  if (input.length === 0) return new Tensor(out, keptShape);
  if (axes.length === x.rank) {
    let accumulator = initial;
    for (let i = 0; i < input.length; i++) accumulator = combine(accumulator, input[i]);
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
      for (let j = 0; j < inner; j++) accumulator = combine(accumulator, input[p++]);
      out[offset] = accumulator;
    } else {
      for (let j = 0; j < inner; j++) out[offset + j] = combine(out[offset + j], input[p++]);
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
