/** The element types a tensor can hold. `float64` is the default, so that gradient checks are tight. */
export type DType = "float32" | "float64";

/** The typed array behind a tensor of each dtype. */
export type TypedArray = Float32Array | Float64Array;

/** The dtype used when none is given. */
export const DEFAULT_DTYPE: DType = "float64";

/** A new zero-filled typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  return dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
}

/** Throws unless `dtype` names a supported dtype. */
export function checkDType(opName: string, dtype: unknown): asserts dtype is DType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Error(`${opName}: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  }
}

/** The dtype of a typed array, if it is one a tensor can hold. */
export function dtypeOfArray(array: unknown): DType | undefined {
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Float32Array) return "float32";
  return undefined;
}
