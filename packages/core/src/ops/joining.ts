import { checkTensor } from "../check";
import { defineOp } from "../op";
import { concatAlong, padBox, sliceBox } from "../kernels/joining";
import { formatShape, normalizeAxis, shapesEqual } from "../shape";
import { Tensor } from "../tensor";
import { reshape } from "./movement";

// Joining and cutting: concat, slice and pad are the primitives (each one's vjp is one of
// the others: concat's is slices of g, slice's is a pad of g, pad's is a slice of g);
// stack and split are compositions of them. All of them accept int32 tensors too.

// Axes in attributes may be negative (as the caller gave them): the ops resolve them.
const resolveAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

const concatOp = defineOp<{ axis: number }>({
  name: "concat",
  formula: "out = [x₀, x₁, …] joined along axis",
  vjpFormula: "dxᵢ = the slice of g where xᵢ sits along axis",
  acceptsInt32: true,
  forward: (xs, { axis }) => concatAlong(xs, resolveAxis(axis, xs[0].rank)),
  vjp: (g, { inputs, attrs, needsGrad }) => {
    const axis = resolveAxis(attrs.axis, g.rank);
    let offset = 0;
    return inputs.map((x, i) => {
      const begin = g.shape.map((_, a) => (a === axis ? offset : 0));
      offset += x.shape[axis];
      return needsGrad[i] ? slice(g, begin, [...x.shape]) : null;
    });
  },
});

const sliceOp = defineOp<{ begin: number[]; size: number[] }>({
  name: "slice",
  inputNames: ["x"],
  formula: "out = x[begin : begin + size] on every axis",
  vjpFormula: "dx = pad(g) with zeros back to the shape of x",
  acceptsInt32: true,
  forward: ([x], { begin, size }) => sliceBox(x, begin, size),
  vjp: (g, { inputs: [x], attrs: { begin, size } }) => [
    pad(g, x.shape.map((dim, a): [number, number] => [begin[a], dim - begin[a] - size[a]])),
  ],
});

const padOp = defineOp<{ paddings: [number, number][]; value: number }>({
  name: "pad",
  inputNames: ["x"],
  formula: "out = x with [before, after] elements of value added on every axis",
  vjpFormula: "dx = slice(g) where x sits",
  acceptsInt32: true,
  forward: ([x], { paddings, value }) => padBox(x, paddings, value),
  vjp: (g, { inputs: [x], attrs: { paddings } }) => [slice(g, paddings.map(([before]) => before), [...x.shape])],
});

/**
 * Joins tensors along an existing axis, as numpy.concatenate does: all inputs have the
 * same rank and dtype, and equal sizes on every other axis. `axis` may be negative.
 * Each input's gradient is the slice of `g` where it sits.
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0); // [[1, 2], [3, 4], [5, 6]]
 * concat([tensor([[1], [2]]), tensor([[3], [4]])], -1);    // [[1, 3], [2, 4]]
 * ```
 */
export function concat(xs: Tensor[], axis: number): Tensor {
  checkTensorList("concat", xs);
  const first = xs[0];
  if (first.rank === 0) {
    throw new Error("concat: input 0 is a scalar (shape []), which has no axis to join along; use stack to join along a new axis");
  }
  const a = normalizeAxis("concat", axis, first.shape);
  xs.forEach((x, i) => {
    if (x.rank !== first.rank) {
      throw new Error(
        `concat: input ${i} has rank ${x.rank} (shape ${formatShape(x.shape)}), but input 0 has rank ${first.rank} ` +
          `(shape ${formatShape(first.shape)}); all inputs need the same rank (reshape to add axes of size 1)`,
      );
    }
    if (x.shape.some((dim, k) => k !== a && dim !== first.shape[k])) {
      throw new Error(
        `concat: input ${i} has shape ${formatShape(x.shape)}, which differs from input 0's ${formatShape(first.shape)} ` +
          `outside axis ${a}; the inputs must be equal on every axis but the one they are joined along`,
      );
    }
  });
  return concatOp.run(xs, { axis });
}

/**
 * Joins tensors of one shape along a new axis, as numpy.stack does: the result has one
 * more axis, of length `xs.length`, at position `axis` (from −(rank+1) to rank).
 * A reshape of each input followed by {@link concat}.
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])], 0);  // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], -1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(xs: Tensor[], axis: number): Tensor {
  checkTensorList("stack", xs);
  const shape = xs[0].shape;
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -(rank + 1) || axis > rank) {
    throw new Error(
      `stack: axis ${axis} is out of range for stacking tensors of rank ${rank} (shape ${formatShape(shape)}); ` +
        `the new axis can be ${-(rank + 1)}..${rank}`,
    );
  }
  xs.forEach((x, i) => {
    if (!shapesEqual(x.shape, shape)) {
      throw new Error(
        `stack: input ${i} has shape ${formatShape(x.shape)}, which differs from input 0's ${formatShape(shape)}; ` +
          `stack needs tensors of one shape (concat joins tensors that differ along an existing axis)`,
      );
    }
  });
  const a = axis < 0 ? axis + rank + 1 : axis;
  const withNewAxis = [...shape.slice(0, a), 1, ...shape.slice(a)];
  return concat(xs.map((x) => reshape(x, withNewAxis)), a);
}

/**
 * Cuts `x` along `axis` into consecutive parts: `sizes` is either a count of equal parts
 * (which must divide the axis size) or the list of the parts' sizes (summing to the axis
 * size; a size may be 0). A composition of {@link slice}.
 * @example
 * ```ts
 * split(tensor([1, 2, 3, 4, 5, 6]), 3, 0);        // [[1, 2], [3, 4], [5, 6]]
 * split(tensor([[1, 2, 3], [4, 5, 6]]), [1, 2], -1); // [[[1], [4]], [[2, 3], [5, 6]]]
 * ```
 */
export function split(x: Tensor, sizes: number | number[], axis: number): Tensor[] {
  checkTensor("split", "x", x);
  const a = normalizeAxis("split", axis, x.shape);
  const dim = x.shape[a];
  let parts: number[];
  if (typeof sizes === "number") {
    if (!Number.isInteger(sizes) || sizes < 1) {
      throw new Error(`split: the number of parts must be a positive integer, got ${sizes}`);
    }
    if (dim % sizes !== 0) {
      throw new Error(
        `split: ${sizes} equal parts do not divide axis ${a} of size ${dim} (shape ${formatShape(x.shape)}); ` +
          `give a count that divides ${dim}, or a list of sizes`,
      );
    }
    parts = new Array<number>(sizes).fill(dim / sizes);
  } else {
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size < 0)) {
      throw new Error(`split: sizes must be a count of parts or a non-empty list of non-negative integers, got ${JSON.stringify(sizes)}`);
    }
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total !== dim) {
      throw new Error(
        `split: sizes ${JSON.stringify(sizes)} add up to ${total}, but axis ${a} has size ${dim} ` +
          `(shape ${formatShape(x.shape)}); the sizes must add up to the axis size`,
      );
    }
    parts = sizes;
  }
  let offset = 0;
  return parts.map((part) => {
    const begin = x.shape.map((_, k) => (k === a ? offset : 0));
    const size = x.shape.map((d, k) => (k === a ? part : d));
    offset += part;
    return slice(x, begin, size);
  });
}

/**
 * The part of `x` that starts at `begin` and has `size` elements on each axis, as tfjs's
 * slice: one begin and one size per axis (unlike tfjs, shorter lists are refused), and a
 * size of −1 takes everything to the end of its axis. The gradient is `g` padded with
 * zeros back to the shape of `x`.
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * slice(x, [0, 1], [2, 2]);  // [[2, 3], [5, 6]]
 * slice(x, [1, 0], [-1, -1]); // [[4, 5, 6]]
 * ```
 */
export function slice(x: Tensor, begin: number[], size: number[]): Tensor {
  checkTensor("slice", "x", x);
  if (!Array.isArray(begin) || !Array.isArray(size) || begin.length !== x.rank || size.length !== x.rank) {
    throw new Error(
      `slice: begin ${JSON.stringify(begin)} and size ${JSON.stringify(size)} must each have one entry per axis of x, ` +
        `which has rank ${x.rank} (shape ${formatShape(x.shape)})`,
    );
  }
  const resolved = x.shape.map((dim, a) => {
    const start = begin[a];
    if (!Number.isInteger(start) || start < 0 || start > dim) {
      throw new Error(
        `slice: begin[${a}] = ${start} is out of range for axis ${a} of size ${dim} (shape ${formatShape(x.shape)}); ` +
          `it must be an integer in 0..${dim}`,
      );
    }
    const length = size[a];
    if (!Number.isInteger(length) || length < -1) {
      throw new Error(`slice: size[${a}] = ${length} is not a size; give a non-negative integer, or -1 for "to the end of the axis"`);
    }
    if (length === -1) return dim - start;
    if (start + length > dim) {
      throw new Error(
        `slice: begin[${a}] + size[${a}] = ${start} + ${length} = ${start + length} runs past the end of axis ${a}, ` +
          `of size ${dim} (shape ${formatShape(x.shape)}); use size[${a}] = -1 to take everything to the end`,
      );
    }
    return length;
  });
  if (shapesEqual(resolved, x.shape)) return x;
  return sliceOp.run([x], { begin: [...begin], size: resolved });
}

/**
 * `x` with constant padding: `paddings[axis] = [before, after]` elements of `value` are
 * added on each axis (non-negative; one pair per axis), as numpy.pad with
 * mode='constant' and PyTorch's F.pad do. The gradient is the slice of `g` where `x` sits.
 * @example
 * ```ts
 * pad(tensor([[1, 2]]), [[1, 0], [0, 2]]);  // [[0, 0, 0, 0], [1, 2, 0, 0]]
 * pad(tensor([1, 2]), [[1, 1]], -1);        // [-1, 1, 2, -1]
 * ```
 */
export function pad(x: Tensor, paddings: [number, number][], value = 0): Tensor {
  checkTensor("pad", "x", x);
  if (!Array.isArray(paddings) || paddings.length !== x.rank) {
    const count = Array.isArray(paddings) ? `${paddings.length} pair(s)` : JSON.stringify(paddings);
    throw new Error(
      `pad: paddings has ${count}, but x has rank ${x.rank} (shape ${formatShape(x.shape)}); give one [before, after] pair per axis`,
    );
  }
  paddings.forEach((pair, a) => {
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new Error(
        `pad: paddings[${a}] is ${JSON.stringify(pair)}; each entry must be a [before, after] pair of non-negative integers (to cut, use slice)`,
      );
    }
  });
  if (typeof value !== "number" || (x.dtype === "int32" && !Number.isInteger(value))) {
    const kind = x.dtype === "int32" ? "an int32 tensor; give an integer" : `a ${x.dtype} tensor; give a number`;
    throw new Error(`pad: the value ${String(value)} cannot fill ${kind}`);
  }
  if (paddings.every(([before, after]) => before === 0 && after === 0)) return x;
  return padOp.run([x], { paddings: paddings.map(([before, after]): [number, number] => [before, after]), value });
}

/** Throws unless `xs` is a non-empty array of tensors of one dtype. */
function checkTensorList(opName: string, xs: unknown): asserts xs is Tensor[] {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new Error(`${opName}: expects a non-empty array of tensors, got ${Array.isArray(xs) ? "an empty array" : describe(xs)}`);
  }
  xs.forEach((x, i) => checkTensor(opName, `input ${i}`, x));
  const dtype = (xs[0] as Tensor).dtype;
  xs.forEach((x: Tensor, i) => {
    if (x.dtype !== dtype) {
      throw new Error(
        `${opName}: input ${i} is ${x.dtype} but input 0 is ${dtype}; tapegrad does not promote dtypes implicitly: ` +
          `convert one with astype(x, '${dtype}')`,
      );
    }
  });
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array (wrap it with tensor())";
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `the ${typeof value} ${String(value)}`;
}
