/**
 * Pure helpers on shapes: sizes, strides, broadcasting and axis handling.
 * Every function that can reject its input takes the name of the op it serves,
 * so that the error names the op the user called.
 */

/** A tensor's shape: one non-negative integer per axis, outermost first. */
export type Shape = readonly number[];

/**
 * The number of elements of a tensor of this shape (1 for a scalar of shape `[]`).
 * @example `sizeOf([2, 3]) // 6`
 */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/**
 * Row-major (C-order) strides of a contiguous array of this shape.
 * @example `stridesOf([2, 3, 4]) // [12, 4, 1]`
 */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

/**
 * Whether two shapes are the same.
 * @example `shapesEqual([2, 3], [2, 3]) // true`
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A shape as it appears in error messages: `[2, 3]`.
 * @example `formatShape([2, 3]) // "[2, 3]"`
 */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Throws unless `shape` is a list of non-negative integers. */
export function checkShape(opName: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((dim) => !Number.isInteger(dim) || dim < 0)) {
    throw new Error(`${opName}: a shape is a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/**
 * The shape two shapes broadcast to, by numpy's rule: align them on the right;
 * each pair of dimensions must be equal, or one of them 1.
 * @example `broadcastShapes("add", [3, 1], [4]) // [3, 4]`
 */
export function broadcastShapes(opName: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const dimA = a[a.length - rank + i] ?? 1;
    const dimB = b[b.length - rank + i] ?? 1;
    if (dimA !== dimB && dimA !== 1 && dimB !== 1) {
      throw new Error(
        `${opName}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(axis ${i - rank} has size ${dimA} in one and ${dimB} in the other)`,
      );
    }
    out[i] = dimA === 1 ? dimB : dimA;
  }
  return out;
}

/**
 * Strides for reading an array of `shape` as if it had the larger shape `target`:
 * 0 on every axis that is broadcast (missing on the left, or of size 1).
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((dim, axis) => {
    const ownAxis = axis - offset;
    return ownAxis < 0 || (shape[ownAxis] === 1 && dim !== 1) ? 0 : own[ownAxis];
  });
}

/**
 * The axes to sum a gradient of shape `from` over so that it matches `to`, where
 * `to` broadcasts to `from`: the leading axes `to` lacks, and those where `to` has size 1.
 * @example `reductionAxes([3, 1], [2, 3, 4]) // [0, 2]`
 */
export function reductionAxes(to: Shape, from: Shape): number[] {
  const offset = from.length - to.length;
  const axes: number[] = [];
  for (let axis = 0; axis < from.length; axis++) {
    if (axis < offset || (to[axis - offset] === 1 && from[axis] !== 1)) axes.push(axis);
  }
  return axes;
}

/**
 * Resolves a possibly negative axis against a rank, or throws naming the op.
 * @example `normalizeAxis("sum", -1, [2, 3]) // 1`
 */
export function normalizeAxis(opName: string, axis: number, shape: Shape): number {
  const rank = shape.length;
  if (!Number.isInteger(axis)) throw new Error(`${opName}: axis must be an integer, got ${describeValue(axis)}`);
  if (axis < -rank || axis >= rank) {
    const valid = rank === 0 ? "a scalar has no axes" : `valid axes are ${-rank}..${rank - 1}`;
    throw new Error(
      `${opName}: axis ${axis} is out of range for a tensor of rank ${rank} (shape ${formatShape(shape)}); ${valid}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Resolves `axis` (one, several, or all when undefined) to sorted, distinct, non-negative axes.
 * @example `normalizeAxes("sum", [-1, 0], [2, 3, 4]) // [0, 2]`
 */
export function normalizeAxes(opName: string, axis: number | readonly number[] | undefined, shape: Shape): number[] {
  if (axis === undefined) return shape.map((_, i) => i);
  const isAxisList = Array.isArray(axis) && axis.every((a) => Number.isInteger(a));
  if (!Number.isInteger(axis) && !isAxisList) {
    throw new Error(`${opName}: axis must be an integer or a list of integers, got ${describeValue(axis)}`);
  }
  const list = typeof axis === "number" ? [axis] : axis;
  const axes = list.map((a) => normalizeAxis(opName, a, shape));
  const sorted = [...new Set(axes)].sort((x, y) => x - y);
  if (sorted.length !== axes.length) {
    throw new Error(`${opName}: axis ${JSON.stringify(list)} names the same axis twice (shape ${formatShape(shape)})`);
  }
  return sorted;
}

/**
 * Throws unless `keepDims` is a boolean, naming the op.
 * @example `checkKeepDims("sum", 1) // throws "sum: keepDims must be a boolean, got 1"`
 */
export function checkKeepDims(opName: string, keepDims: unknown): asserts keepDims is boolean {
  if (typeof keepDims !== "boolean") {
    throw new Error(`${opName}: keepDims must be a boolean, got ${describeValue(keepDims)}`);
  }
}

/**
 * Throws if one of the reduced `axes` (normalized) has size 0, where a reduction such as
 * a mean or a maximum has no value: `what` names it ("the mean").
 * @example `checkNonEmptyAxes("mean", [2, 0], [1], "the mean") // throws "mean: axis 1 has size 0, so the mean is undefined"`
 */
export function checkNonEmptyAxes(opName: string, shape: Shape, axes: readonly number[], what: string): void {
  const empty = axes.find((axis) => shape[axis] === 0);
  if (empty !== undefined) {
    throw new Error(
      `${opName}: axis ${empty} has size 0, so ${what} is undefined (shape ${formatShape(shape)}); reduce over non-empty axes`,
    );
  }
}

/**
 * The error for an argument that should be a Tensor and is not, naming the op and the
 * argument; `hint` (starting with "; ") says what to do instead. Arrays and numbers get the
 * hint to make a tensor of them.
 * @example `notATensor("clip", "x", [1, 2]).message // "clip: x must be a Tensor, got [1, 2]; make one with tensor(values)"`
 */
export function notATensor(opName: string, name: string, value: unknown, hint = ""): Error {
  const fix = hint !== "" ? hint : Array.isArray(value) || typeof value === "number" ? "; make one with tensor(values)" : "";
  return new Error(`${opName}: ${name} must be a Tensor, got ${describeValue(value)}${fix}`);
}

/**
 * A value as error messages show it: strings quoted, numbers and short lists of them as
 * written, anything else by kind ("an array", "a Tensor", "an object").
 * @example `describeValue("1") // "\"1\""`
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return typeof value === "function" ? "a function" : String(value);
  if (Array.isArray(value)) {
    const plain = value.length <= 8 && value.every((item) => item === null || typeof item !== "object");
    return plain ? `[${value.map(describeValue).join(", ")}]` : "an array";
  }
  const name = (value as object).constructor?.name;
  if (name === undefined || name === "Object") return "an object";
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}

/** The shape left after reducing `axes`: size 1 there with `keepDims`, removed otherwise. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((dim, axis) => {
    if (!axes.includes(axis)) out.push(dim);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Checks that `perm` is a permutation of `0..rank-1`. */
export function checkPermutation(opName: string, perm: readonly number[], shape: Shape): number[] {
  const normalized = perm.map((axis) => normalizeAxis(opName, axis, shape));
  const isPermutation =
    normalized.length === shape.length && new Set(normalized).size === normalized.length;
  if (!isPermutation) {
    throw new Error(
      `${opName}: ${JSON.stringify(perm)} is not a permutation of the ${shape.length} axes of shape ${formatShape(shape)}`,
    );
  }
  return normalized;
}

/** The permutation that undoes `perm`. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}

/** Resolves a reshape target that may hold one -1 (inferred), or throws naming both shapes. */
export function resolveReshape(opName: string, from: Shape, to: Shape): number[] {
  const size = sizeOf(from);
  const unknown = to.filter((dim) => dim === -1).length;
  const bad = to.some((dim) => !Number.isInteger(dim) || dim < -1);
  const known = to.reduce((product, dim) => (dim === -1 ? product : product * dim), 1);
  if (!bad && unknown === 1 && known > 0 && size % known === 0) {
    return to.map((dim) => (dim === -1 ? size / known : dim));
  }
  if (!bad && unknown === 0 && known === size) return [...to];
  throw new Error(
    `${opName}: cannot reshape a tensor of shape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`,
  );
}
