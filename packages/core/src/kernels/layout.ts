import { allocate } from "../dtype";
import { broadcastStrides, sizeOf, stridesOf } from "../shape";
import { Tensor } from "../tensor";
import { assignStrided } from "./strided";

/** A contiguous copy of `x` with its axes permuted: a strided read of x's storage (see {@link assignStrided}). */
export function permuteAxes(x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((axis) => x.shape[axis]);
  const out = allocate(x.dtype, x.size);
  if (x.rank === 2 && perm[0] === 1) {
    const [rows, cols] = x.shape;
    const input = x.data;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = input[i * cols + j];
  } else if (x.size > 0 && x.rank > 0) {
    const strides = stridesOf(x.shape);
    assignStrided(out, shape, x.data, perm.map((axis) => strides[axis]), 0);
  } else {
    out.set(x.data);
  }
  return new Tensor(out, shape);
}

/** A contiguous copy of `x` repeated along broadcast axes to fill `shape`, read through stride-0 axes. */
export function expandTo(x: Tensor, shape: readonly number[]): Tensor {
  const out = allocate(x.dtype, sizeOf(shape));
  if (x.size === 1) out.fill(x.data[0]);
  else if (out.length > 0) assignStrided(out, shape, x.data, broadcastStrides(x.shape, shape), 0);
  return new Tensor(out, shape);
}
