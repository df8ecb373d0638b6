import ndarray, { type NdArray } from "ndarray";
import { allocate, checkDType, DEFAULT_DTYPE, dtypeOfArray, type DType, type TypedArray } from "./dtype";
import { formatTensor } from "./format";
import { assignStrided } from "./kernels/strided";
import { checkShape, describeValue, formatShape, sizeOf, type Shape } from "./shape";

/** Shared by every copy of the package, so that all of them recognise each other's tensors. */
const TENSOR_BRAND = Symbol.for("@tapegrad/core:Tensor");

const EMPTY_SHAPE: readonly number[] = Object.freeze([]);

/** A scalar of shape [] holding `value`, for numbers given to ops. @internal */
export function scalar(value: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, EMPTY_SHAPE);
}

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
 * in the tape, not in the tensor. Every op is also a method (`x.matmul(W).add(b).tanh()`
 * is `tanh(add(matmul(x, W), b))`; see {@link TensorMethods}), and a tensor prints its
 * dtype, shape and values (`console.log(x)`, `String(x)`).
 *
 * Immutability: `data` and `array` hand out the tensor's own storage, without a copy, so
 * that reading values costs nothing; that storage may be shared with tensors made from it
 * without copying (`reshape`, `identity`, `stopGradient`). Writing into it is not supported.
 * It is detected where it would do harm: a backward pass first checks that the values
 * of every tensor the tape recorded, and whose storage was handed out to your code, are
 * still those the op saw, and throws an error naming the op otherwise, rather than
 * returning a wrong gradient. To change values, make a new tensor (`tensor(x.data)` copies,
 * or use ops such as `where` and `add`).
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * x.shape;      // [2, 3]
 * x.dtype;      // "float64"
 * x.toArray();  // [[1, 2, 3], [4, 5, 6]]
 * x.sum(1).exp();  // methods chain: exp(sum(x, 1))
 * String(x);    // "tensor([[1, 2, 3],\n        [4, 5, 6]], dtype=float64, shape=[2, 3])"
 * ```
 */
export class Tensor {
  /**
   * Recognises a tensor by its brand rather than by its class, so that a tensor made by one
   * copy of @tapegrad/core (the ESM build, say) is a Tensor to another (the CommonJS build):
   * no dual-package hazard.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [TENSOR_BRAND]?: unknown })[TENSOR_BRAND] === true;
  }

  /** The brand every tapegrad tensor carries (see `Symbol.hasInstance`). */
  get [TENSOR_BRAND](): true {
    return true;
  }

  /** The element type. */
  readonly dtype: DType;
  /** The size of each axis, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
  private readonly values: TypedArray;
  private view: NdArray<TypedArray> | undefined;
  /** Whether `data` or `array` has been handed to code outside tapegrad's ops. */
  private exposed: boolean;

  /**
   * Wraps a typed array of exactly `sizeOf(shape)` elements, taking both as they are (the
   * caller must not change them afterwards). Use {@link tensor} instead.
   * @internal
   */
  constructor(data: TypedArray, shape: Shape) {
    this.dtype = data instanceof Float64Array ? "float64" : data instanceof Float32Array ? "float32" : "int32";
    this.shape = shape;
    this.values = data;
    this.view = undefined;
    this.exposed = false;
  }

  /**
   * The values as a contiguous row-major ndarray over the tensor's storage (read-only: see the
   * class's note on immutability). ndarray builds its view classes with `new Function`, so
   * where code generation is refused (a Content-Security-Policy without 'unsafe-eval') this
   * throws, saying so; `data` works everywhere.
   */
  get array(): NdArray<TypedArray> {
    if (internalAccess === 0 && !this.exposed) this.expose();
    try {
      this.view ??= ndarray(this.values, [...this.shape]);
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      throw new Error(
        `Tensor.array: ndarray could not build its view, because this environment refuses to generate code (${error.message}); ` +
          `read the values from .data instead (row-major, shape ${formatShape(this.shape)})`,
      );
    }
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

  /**
   * The values as a contiguous row-major typed array: the tensor's own storage, not a copy
   * (read-only: writing into it is detected at the next backward pass that would use the
   * tensor, see the class's note on immutability).
   */
  get data(): TypedArray {
    if (internalAccess === 0 && !this.exposed) this.expose();
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
    return this.values[0];
  }

  /**
   * The values as nested JavaScript arrays (a number for a scalar).
   * @example
   * ```ts
   * eye(2).toArray(); // [[1, 0], [0, 1]]
   * ```
   */
  toArray(): NestedArray {
    const data = this.values;
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

  /**
   * The tensor as text, as numpy and PyTorch print arrays: its values, then its dtype and
   * shape. All elements share one format and width, so a matrix's columns line up: int32
   * and whole-valued floats as integers, other floats with 4 decimals (in scientific
   * notation where the values span more than 3 orders of magnitude, reach 10⁸ or go below
   * 10⁻⁴). A tensor of more than 1,000 elements shows the first and last 3 items of each
   * axis, with … for the rest. `console.log(x)` in Node prints the same text.
   * @example
   * ```ts
   * String(tensor([[1, 2.5], [-3, 4]]));
   * // tensor([[ 1.0000,  2.5000],
   * //         [-3.0000,  4.0000]], dtype=float64, shape=[2, 2])
   * ```
   */
  toString(): string {
    return formatTensor(this.values, this.shape, this.dtype);
  }

  /** What Node's `util.inspect` (and so `console.log`) shows: {@link Tensor.toString}'s text. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Records that the storage went to code outside the ops, with a fingerprint of its values as they are now. */
  private expose(): void {
    this.exposed = true;
    if (!exposedStorage.has(this.values)) {
      exposedStorage.set(this.values, fingerprint(this.values));
      storageWasExposed = true;
    }
  }
}

// Immutability checks. Inside an op's forward or vjp (where kernels read `data` in tight
// loops) a tensor's storage is handed out as it is. Elsewhere, the first time a tensor's
// storage is handed out, a fingerprint of its values is kept; the tape fingerprints the
// recorded tensors whose storage was handed out, and the backward pass compares.

/** How many op forwards and vjps are running now: inside them, `data` is read without bookkeeping. */
let internalAccess = 0;
/** Storage handed out to code outside the ops, with a fingerprint of its values when it first was. */
const exposedStorage = new WeakMap<TypedArray, number>();
let storageWasExposed = false;

/** Marks the start of an op's forward or vjp, whose reads of `data` need no bookkeeping. @internal */
export function beginInternalAccess(): void {
  internalAccess++;
}

/** Marks the end of what {@link beginInternalAccess} began. @internal */
export function endInternalAccess(): void {
  internalAccess--;
}

/** The storage of `x`, for tapegrad's own code, without marking it as handed out. @internal */
export function storageOf(x: Tensor): TypedArray {
  return (x as unknown as { values: TypedArray }).values;
}

/** Whether any tensor's storage has ever been handed out (until then, no check is needed). @internal */
export function anyStorageExposed(): boolean {
  return storageWasExposed;
}

/** For a tensor whose storage was handed out, a fingerprint of its values now; `undefined` for any other. @internal */
export function currentFingerprint(x: Tensor): number | undefined {
  const values = storageOf(x);
  return exposedStorage.has(values) ? fingerprint(values) : undefined;
}

/** For a tensor whose storage was handed out, the fingerprint of its values when it first was; `undefined` for any other. @internal */
export function fingerprintWhenExposed(x: Tensor): number | undefined {
  return exposedStorage.get(storageOf(x));
}

/** Tensors made by zeros and zerosLike: a vjp may return one as a constant gradient (see the tape's higher-order check). */
const constantZeros = new WeakSet<Tensor>();

/** Whether `x` was made by `zeros`, `zerosLike` or `full(shape, 0)` (and so is zero by construction, a constant). @internal */
export function isConstantZeros(x: Tensor): boolean {
  return constantZeros.has(x) && !exposedStorage.has(storageOf(x));
}

/**
 * A 32-bit fingerprint of the values' bits, in four interleaved lanes (for speed). Each step
 * of a lane is a bijection of the lane, and so is the final mix of each lane, so changing any
 * one element always changes the fingerprint.
 */
function fingerprint(values: TypedArray): number {
  const words =
    values instanceof Int32Array
      ? values
      : new Int32Array(values.buffer, values.byteOffset, values instanceof Float64Array ? values.length * 2 : values.length);
  const n = words.length;
  const prime = 0x01000193;
  let h0 = 0x811c9dc5 ^ n;
  let h1 = 0x2545f491;
  let h2 = 0x9e3779b9;
  let h3 = 0x7f4a7c15;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    h0 = Math.imul(h0 ^ words[i], prime);
    h1 = Math.imul(h1 ^ words[i + 1], prime);
    h2 = Math.imul(h2 ^ words[i + 2], prime);
    h3 = Math.imul(h3 ^ words[i + 3], prime);
  }
  for (; i < n; i++) h0 = Math.imul(h0 ^ words[i], prime);
  return (Math.imul(Math.imul(Math.imul(h0 ^ h1, prime) ^ h2, prime) ^ h3, prime) >>> 0);
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
  checkOptions("tensor", options, "{ dtype: 'float32' } or { shape: [2, 3] }");
  if (options.dtype !== undefined) checkDType("tensor", options.dtype);
  if (options.shape !== undefined) checkShape("tensor", options.shape);
  if (values instanceof Tensor) return withShape(fromTyped(storageOf(values), options.dtype ?? values.dtype), values.shape, options.shape);
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
  checkOptions("zeros", options, "{ dtype: 'float32' }");
  return full(shape, 0, options);
}

/** A tensor of ones. @example `ones([3])` */
export function ones(shape: Shape, options: { dtype?: DType } = {}): Tensor {
  checkOptions("ones", options, "{ dtype: 'float32' }");
  return full(shape, 1, options);
}

/** A tensor with every element equal to `value`. @example `full([2, 2], 0.5)` */
export function full(shape: Shape, value: number, options: { dtype?: DType } = {}): Tensor {
  checkShape("full", shape);
  if (typeof value !== "number") throw new Error(`full: value must be a number, got ${describeValue(value)}`);
  checkOptions("full", options, "{ dtype: 'float32' }");
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  checkDType("full", dtype);
  if (dtype === "int32") checkIntegers("full", [value]);
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(value);
  const out = new Tensor(data, Object.freeze([...shape]));
  if (value === 0) constantZeros.add(out);
  return out;
}

/**
 * Zeros of the same shape and dtype as `x`.
 * @example `zerosLike(tensor([[1, 2]])) // [[0, 0]]`
 */
export function zerosLike(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`zerosLike: x must be a Tensor, got ${describeValue(x)}; for a shape, use zeros(shape)`);
  const out = new Tensor(allocate(x.dtype, x.size), x.shape);
  constantZeros.add(out);
  return out;
}

/**
 * Ones of the same shape and dtype as `x`.
 * @example `onesLike(tensor([5, 6], { dtype: "float32" })) // [1, 1], float32`
 */
export function onesLike(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`onesLike: x must be a Tensor, got ${describeValue(x)}; for a shape, use ones(shape)`);
  return full(x.shape, 1, { dtype: x.dtype });
}

/**
 * The identity matrix with `n` rows (and `columns` columns, `n` by default).
 * @example `eye(3).toArray() // [[1, 0, 0], [0, 1, 0], [0, 0, 1]]`
 */
export function eye(n: number, options: { columns?: number; dtype?: DType } = {}): Tensor {
  checkOptions("eye", options, "{ columns: 3 } or { dtype: 'float32' }");
  const columns = options.columns ?? n;
  for (const [name, value] of [["n", n], ["columns", columns]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`eye: ${name} must be a non-negative integer, got ${describeValue(value)}`);
  }
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  checkDType("eye", dtype);
  const data = allocate(dtype, n * columns);
  for (let i = 0; i < Math.min(n, columns); i++) data[i * columns + i] = 1;
  return new Tensor(data, Object.freeze([n, columns]));
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

/** Throws unless `options` is an options object (or omitted), naming the function and giving an example. */
function checkOptions(opName: string, options: unknown, example: string): void {
  if (typeof options !== "object" || options === null || Array.isArray(options) || options instanceof Tensor) {
    throw new Error(`${opName}: options must be an object such as ${example}, got ${describeValue(options)}`);
  }
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
  else assignStrided(data, source.shape, source.data, source.stride, source.offset);
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
