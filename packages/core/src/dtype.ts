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

/** A new zero-filled typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  return dtype === "float64" ? new Float64Array(size) : dtype === "float32" ? new Float32Array(size) : new Int32Array(size);
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
