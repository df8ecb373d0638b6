import ndarray, { type NdArray } from "ndarray";
import ops from "ndarray-ops";
import { allocate, checkDType, DEFAULT_DTYPE, dtypeOfArray, type DType, type TypedArray } from "./dtype";

const EMPTY_SHAPE: readonly number[] = Object.freeze([]);

/** A scalar of shape [] holding `value`, for numbers given to ops. @internal */
export function scalar(value: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, EMPTY_SHAPE);
}
import { checkShape, formatShape, sizeOf, type Shape } from "./shape";

/** Nested JavaScript arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Anything `tensor()` turns into a tensor. */
export type TensorInput = number | NestedArray | readonly number[] | TypedArray | NdArray | Tensor;

/** Anything an op accepts as an input: a tensor, or a number taken as a scalar of the other inputs' dtype. */
export type TensorLike = Tensor | number;

/**
 * An immutable n-dimensional array of float64, float32 or int32 values (int32 holds
 * indices and class labels, and is never differentiated).
 *
 * A tensor wraps a scijs ndarray whose data is contiguous and row-major, with offset 0;
 * every op returns a new tensor and never changes its inputs. Gradient tracking lives
 * in the tape, not in the tensor.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * x.shape;      // [2, 3]
 * x.dtype;      // "float64"
 * x.toArray();  // [[1, 2, 3], [4, 5, 6]]
 * ```
 */
export class Tensor {
  /** The element type. */
  readonly dtype: DType;
  /** The size of each axis, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
  private readonly values: TypedArray;
  private view: NdArray<TypedArray> | undefined;

  /**
   * Wraps a typed array of exactly `sizeOf(shape)` elements, taking both as they are (the
   * caller must not change them afterwards). Use {@link tensor} instead.
   * @internal
   */
  constructor(data: TypedArray, shape: Shape) {
    this.dtype = data instanceof Float64Array ? "float64" : data instanceof Float32Array ? "float32" : "int32";
    this.shape = shape;
    this.values = data;
  }

  /** The values as a contiguous row-major ndarray (treat it as read-only). */
  get array(): NdArray<TypedArray> {
    this.view ??= ndarray(this.values, [...this.shape]);
    return this.view;
  }

  /** The number of elements. */
  get size(): number {
    return this.values.length;
  }

  /** The number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The values as a contiguous row-major typed array (shared: treat it as read-only). */
  get data(): TypedArray {
    return this.values;
  }

  /**
   * The value of a tensor with exactly one element.
   * @example
   * ```ts
   * sum(tensor([1, 2, 3])).item(); // 6
   * ```
   */
  item(): number {
    if (this.size !== 1) {
      throw new Error(`item: the tensor has shape ${formatShape(this.shape)} (${this.size} elements); item() needs exactly one`);
    }
    return this.data[0];
  }

  /**
   * The values as nested JavaScript arrays (a number for a scalar).
   * @example
   * ```ts
   * eye(2).toArray(); // [[1, 0], [0, 1]]
   * ```
   */
  toArray(): NestedArray {
    const data = this.data;
    const shape = this.shape;
    if (shape.length === 0) return data[0];
    let offset = 0;
    const build = (axis: number): NestedArray[] => {
      const dim = shape[axis];
      const out = new Array<NestedArray>(dim);
      if (axis === shape.length - 1) {
        for (let i = 0; i < dim; i++) out[i] = data[offset++];
      } else {
        for (let i = 0; i < dim; i++) out[i] = build(axis + 1);
      }
      return out;
    };
    return build(0);
  }

  /** A short description: shape, dtype and values. */
  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${JSON.stringify(this.toArray())})`;
  }
}

/** Options for creating a tensor. */
export interface TensorOptions {
  /** The element type; defaults to the typed array's own, else `float64`. */
  dtype?: DType;
  /** The shape; required to give a flat array or typed array more than one axis. */
  shape?: Shape;
}

/**
 * Creates a tensor from a number, nested arrays, a flat array or typed array with a shape,
 * an ndarray (any view: transposed, Fortran-order, sliced), or another tensor.
 * The values are always copied, so later changes to the source do not reach the tensor.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);                                 // shape [2, 2], float64
 * tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
 * tensor(ndarray(new Float64Array(6), [3, 2]).transpose(1, 0)); // shape [2, 3]
 * tensor(3.5);                                              // a scalar, shape []
 * ```
 */
export function tensor(values: TensorInput, options: TensorOptions = {}): Tensor {
  if (options.dtype !== undefined) checkDType("tensor", options.dtype);
  if (options.shape !== undefined) checkShape("tensor", options.shape);
  if (values instanceof Tensor) return withShape(fromTyped(values.data, options.dtype ?? values.dtype), values.shape, options.shape);
  if (isNdArray(values)) return withShape(fromNdArray(values, options.dtype), values.shape, options.shape);
  if (ArrayBuffer.isView(values)) {
    const typed = values as unknown as ArrayLike<number>;
    const dtype = options.dtype ?? dtypeOfArray(values) ?? DEFAULT_DTYPE;
    return withShape(fromTyped(typed, dtype), [typed.length], options.shape);
  }
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  if (typeof values === "number") return withShape(fromTyped([values], dtype), [], options.shape);
  if (Array.isArray(values)) {
    const shape = nestedShape(values);
    return withShape(fromTyped(flatten(values, shape), dtype), shape, options.shape);
  }
  throw new Error(`tensor: cannot make a tensor from ${describe(values)}; pass numbers, nested arrays, a typed array, an ndarray or a tensor`);
}

/** A tensor of zeros. @example `zeros([2, 3], { dtype: "float32" })` */
export function zeros(shape: Shape, options: { dtype?: DType } = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. @example `ones([3])` */
export function ones(shape: Shape, options: { dtype?: DType } = {}): Tensor {
  return full(shape, 1, options);
}

/** A tensor with every element equal to `value`. @example `full([2, 2], 0.5)` */
export function full(shape: Shape, value: number, options: { dtype?: DType } = {}): Tensor {
  checkShape("full", shape);
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  checkDType("full", dtype);
  if (dtype === "int32") checkIntegers("full", [value]);
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, Object.freeze([...shape]));
}

/**
 * Zeros of the same shape and dtype as `x`.
 * @example `zerosLike(tensor([[1, 2]])) // [[0, 0]]`
 */
export function zerosLike(x: Tensor): Tensor {
  return new Tensor(allocate(x.dtype, x.size), x.shape);
}

/**
 * Ones of the same shape and dtype as `x`.
 * @example `onesLike(tensor([5, 6], { dtype: "float32" })) // [1, 1], float32`
 */
export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, { dtype: x.dtype });
}

/**
 * The identity matrix with `n` rows (and `columns` columns, `n` by default).
 * @example `eye(3).toArray() // [[1, 0, 0], [0, 1, 0], [0, 0, 1]]`
 */
export function eye(n: number, options: { columns?: number; dtype?: DType } = {}): Tensor {
  const columns = options.columns ?? n;
  const out = zeros([n, columns], options);
  for (let i = 0; i < Math.min(n, columns); i++) out.data[i * columns + i] = 1;
  return out;
}

/**
 * Whether a value is a scijs ndarray (or any view of one).
 * @example `isNdArray(ndarray(new Float64Array(4), [2, 2])) // true`
 */
export function isNdArray(value: unknown): value is NdArray {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as NdArray).shape) &&
    Array.isArray((value as NdArray).stride) &&
    typeof (value as NdArray).offset === "number" &&
    (value as NdArray).data !== undefined
  );
}

function fromTyped(values: ArrayLike<number>, dtype: DType): TypedArray {
  const data = allocate(dtype, values.length);
  if (dtype === "int32") checkIntegers("tensor", values);
  data.set(values);
  return data;
}

/** Throws unless every value fits an int32 exactly (no silent truncation of 1.5 or 2³¹). */
function checkIntegers(opName: string, values: ArrayLike<number>): void {
  if (values instanceof Int32Array) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new Error(
        `${opName}: value ${v} at flat index ${i} is not an int32 (a whole number in −2³¹..2³¹−1); ` +
          `round the values first, or use a float dtype`,
      );
    }
  }
}

function fromNdArray(source: NdArray, dtype: DType | undefined): TypedArray {
  const resolved = dtype ?? dtypeOfArray(source.data) ?? DEFAULT_DTYPE;
  if (resolved === "int32" && !(source.data instanceof Int32Array)) {
    // Read through a float64 copy so that non-integers are refused rather than truncated.
    return fromTyped(fromNdArray(source, "float64"), "int32");
  }
  const data = allocate(resolved, sizeOf(source.shape));
  if (source.shape.length === 0) data[0] = source.get();
  else if (data.length > 0) ops.assign(ndarray(data, source.shape), source);
  return data;
}

function withShape(data: TypedArray, inferred: Shape, requested: Shape | undefined): Tensor {
  if (requested === undefined) return new Tensor(data, Object.freeze([...inferred]));
  if (sizeOf(requested) !== data.length) {
    throw new Error(
      `tensor: the values have ${data.length} elements (shape ${formatShape(inferred)}), ` +
        `which does not fill the requested shape ${formatShape(requested)} (${sizeOf(requested)} elements)`,
    );
  }
  return new Tensor(data, Object.freeze([...requested]));
}

function nestedShape(values: NestedArray[]): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

function flatten(values: NestedArray[], shape: readonly number[]): number[] {
  const flat: number[] = [];
  const visit = (value: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof value !== "number") {
        throw new Error(`tensor: expected a number at ${path || "the top"}, got ${describe(value)} (ragged nested arrays?)`);
      }
      flat.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[axis]) {
      throw new Error(
        `tensor: ragged nested array: ${path || "the top level"} has ${Array.isArray(value) ? `${value.length} entries` : describe(value)}, ` +
          `expected ${shape[axis]} entries like its first sibling`,
      );
    }
    value.forEach((item, i) => visit(item, axis + 1, `${path}[${i}]`));
  };
  visit(values, 0, "");
  return flat;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `${typeof value} ${String(value)}`;
}
