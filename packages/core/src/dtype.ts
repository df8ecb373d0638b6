/**
 * The element types a tensor can hold. `float64` is the default, so that gradient checks
 * are tight; `float32` is for speed; `int32` holds indices and class labels and is never
 * differentiated.
 */
export type DType = "float32" | "float64" | "int32";

/** The floating-point dtypes: the ones arithmetic and gradients work in. */
export type FloatDType = "float32" | "float64";

/** The typed array behind a tensor of each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** The dtype used when none is given. */
export const DEFAULT_DTYPE: FloatDType = "float64";

/** Arrays of more than 64 bytes (V8 allocates smaller ones in its heap, quickly) and at most this many come from a shared slab (see {@link allocate}). */
const SMALL_BYTES = 512;
const SLAB_BYTES = 8192;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * A new zero-filled typed array for `dtype`. Arrays of 65 to 512 bytes are views of 8 KiB
 * slabs, each part handed out once: creating a typed array with a buffer of its own costs
 * 0.2 to 0.7 µs in V8 above 64 bytes (a backing store outside the heap, and its
 * accounting), a view of an existing buffer about 30 ns, and small tensors are most of a
 * chain of vector ops. Smaller arrays (scalars among them) and larger ones get buffers of
 * their own. A slab is freed when the last view of it is: a kept small tensor keeps its
 * slab's 8 KiB alive. And `data.buffer` of such a tensor is larger than its data, so code
 * that needs the bytes of a tensor alone reads `data.byteOffset` and `data.byteLength` (or
 * copies with `data.slice()`).
 */
export function allocate(dtype: DType, size: number): TypedArray {
  const element = dtype === "float64" ? 8 : 4;
  const bytes = size * element;
  if (bytes > SMALL_BYTES || bytes <= 64) {
    return dtype === "float64" ? new Float64Array(size) : dtype === "float32" ? new Float32Array(size) : new Int32Array(size);
  }
  const aligned = (bytes + 7) & ~7;
  if (slabUsed + aligned > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += aligned;
  return dtype === "float64" ? new Float64Array(slab, at, size) : dtype === "float32" ? new Float32Array(slab, at, size) : new Int32Array(slab, at, size);
}

/** Throws unless `dtype` names a supported dtype. */
export function checkDType(opName: string, dtype: unknown): asserts dtype is DType {
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "int32") {
    throw new Error(`${opName}: dtype must be 'float32', 'float64' or 'int32', got ${JSON.stringify(dtype)}`);
  }
}

/** Throws unless `dtype` names a floating-point dtype (for random values and other real-valued tensors). */
export function checkFloatDType(opName: string, dtype: unknown): asserts dtype is FloatDType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Error(`${opName}: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  }
}

/** The dtype of a typed array, if it is one a tensor can hold. */
export function dtypeOfArray(array: unknown): DType | undefined {
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Int32Array) return "int32";
  return undefined;
}

/** Whether a dtype is a floating-point one. */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== "int32";
}
