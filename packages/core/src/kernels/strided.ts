import ndarray from "ndarray";
import type { TypedArray } from "../dtype";

// Strided element-wise work (a transpose, a broadcast, an ndarray view read into a tensor)
// is ndarray-ops' job. But ndarray-ops builds its loops with `new Function` as it is
// imported (cwise), and ndarray builds a view class the same way for each dtype and rank it
// meets: where code generation is refused (a Content-Security-Policy without 'unsafe-eval'),
// importing ndarray-ops throws, and a static import would stop tapegrad from loading at all.
// So it is imported on the side. Until it has loaded, and for good where it cannot load, the
// same copy runs as a plain loop over the strides; both give the same values, bit for bit.

type NdarrayOps = typeof import("ndarray-ops");

let loadedOps: NdarrayOps | undefined;
let opsAllowed = true;

/**
 * Resolves to whether ndarray-ops loaded (false where code generation is refused, and the
 * strided loop is used for good). @internal
 */
export const ndarrayOpsLoaded: Promise<boolean> = import("ndarray-ops").then(
  (module) => {
    // A CommonJS module: its exports are generated at run time, so they are all on `default`.
    loadedOps = ((module as { default?: NdarrayOps }).default ?? module) as NdarrayOps;
    return true;
  },
  () => false,
);

/** Switches ndarray-ops off (the strided loop runs) or back on; for tests of both paths. @internal */
export function allowNdarrayOps(allowed: boolean): void {
  opsAllowed = allowed;
}

/**
 * Copies the strided view (`source`, `shape`, `strides`, `offset`: element [i₀, i₁, …] is
 * `source[offset + Σ iₖ·strides[k]]`) into `out` in row-major order. `source` may be an
 * ndarray's storage of any kind: a typed array, an array, or an object with `get(i)`.
 */
export function assignStrided(out: TypedArray, shape: readonly number[], source: unknown, strides: readonly number[], offset: number): void {
  if (out.length === 0) return;
  if (loadedOps !== undefined && opsAllowed && shape.length > 0) {
    loadedOps.assign<ndarray.Data<number>>(ndarray(out, [...shape]), ndarray(source as number[], [...shape], [...strides], offset));
    return;
  }
  if (isIndexable(source)) copyStrided(out, shape, source, strides, offset);
  else copyFromGetter(out, shape, source as { get(index: number): number }, strides, offset);
}

/** out[p] = source[offset + Σ index·strides] for each row-major position p of `shape`; the inner loop runs along the last axis. */
function copyStrided(out: TypedArray, shape: readonly number[], source: ArrayLike<number>, strides: readonly number[], offset: number): void {
  const last = shape.length - 1;
  if (last < 0) {
    out[0] = source[offset];
    return;
  }
  const inner = shape[last];
  const innerStride = strides[last];
  const index = new Array<number>(last).fill(0);
  let base = offset;
  for (let p = 0; p < out.length; ) {
    for (let j = 0, s = base; j < inner; j++, s += innerStride) out[p++] = source[s];
    for (let axis = last - 1; axis >= 0; axis--) {
      base += strides[axis];
      if (++index[axis] < shape[axis]) break;
      base -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

/** The same copy from storage read through `get(i)` (ndarray's "generic" data): the span the view touches is read into an array first. */
function copyFromGetter(out: TypedArray, shape: readonly number[], source: { get(index: number): number }, strides: readonly number[], offset: number): void {
  let low = offset;
  let high = offset;
  shape.forEach((n, axis) => {
    const reach = (n - 1) * strides[axis];
    if (reach < 0) low += reach;
    else high += reach;
  });
  const span = Array.from({ length: high - low + 1 }, (_, i) => source.get(low + i));
  copyStrided(out, shape, span, strides, offset - low);
}

function isIndexable(source: unknown): source is ArrayLike<number> {
  return Array.isArray(source) || ArrayBuffer.isView(source);
}
