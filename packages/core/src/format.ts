import type { DType, TypedArray } from "./dtype";
import { formatShape } from "./shape";

// How a tensor prints, as numpy and PyTorch print arrays: every element formatted the same
// way and padded to one width (so a matrix's columns line up), rows on lines of their own,
// and tensors of more than THRESHOLD elements summarized to their first and last EDGE_ITEMS
// along each axis, with … for the rest.

/** Tensors with more elements than this are summarized (numpy's and PyTorch's default). */
const THRESHOLD = 1000;
/** How many leading and trailing items of each axis a summary shows. */
const EDGE_ITEMS = 3;
/** Digits after the decimal point for non-integer values (PyTorch's default precision). */
const PRECISION = 4;
/** Lines of a long last axis wrap at this width. */
const LINE_WIDTH = 80;
const PREFIX = "tensor(";

/**
 * A tensor as text: `tensor(values, dtype=…, shape=[…])`.
 * @example `formatTensor(new Float64Array([1, 2.5]), [2], "float64") // "tensor([1.0000, 2.5000], dtype=float64, shape=[2])"`
 */
export function formatTensor(values: TypedArray, shape: readonly number[], dtype: DType): string {
  const summarize = values.length > THRESHOLD;
  const strides = rowMajorStrides(shape);
  const format = numberFormat(shownValues(values, shape, strides, summarize), dtype);
  let width = 0;
  const cells = new Map<number, string>();
  const cell = (offset: number): string => {
    let text = cells.get(offset);
    if (text === undefined) {
      text = format(values[offset]);
      cells.set(offset, text);
    }
    return text;
  };
  // A first pass fixes the common width; the second lays the cells out.
  visitShown(shape, strides, summarize, (offset) => (width = Math.max(width, cell(offset).length)));
  const pad = (offset: number) => cell(offset).padStart(width);

  const layout = (axis: number, offset: number, indent: number): string => {
    if (axis === shape.length) return pad(offset);
    const items = shownIndices(shape[axis], summarize);
    if (axis === shape.length - 1) {
      return `[${wrap(items.map((i) => (i < 0 ? "…" : pad(offset + i * strides[axis]))), indent + 1)}]`;
    }
    const separator = `,${"\n".repeat(shape.length - axis - 1)}${" ".repeat(indent + 1)}`;
    const rows = items.map((i) => (i < 0 ? "…" : layout(axis + 1, offset + i * strides[axis], indent + 1)));
    return `[${rows.join(separator)}]`;
  };
  return `${PREFIX}${layout(0, 0, PREFIX.length)}, dtype=${dtype}, shape=${formatShape(shape)})`;
}

/** The indices shown along an axis of size `n`, −1 standing for the elided middle. */
function shownIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * EDGE_ITEMS) {
    const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
    const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
    return [...head, -1, ...tail];
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** Calls `visit` with the flat offset of every element that is shown. */
function visitShown(shape: readonly number[], strides: readonly number[], summarize: boolean, visit: (offset: number) => void): void {
  const walk = (axis: number, offset: number): void => {
    if (axis === shape.length) return visit(offset);
    for (const i of shownIndices(shape[axis], summarize)) if (i >= 0) walk(axis + 1, offset + i * strides[axis]);
  };
  walk(0, 0);
}

function shownValues(values: TypedArray, shape: readonly number[], strides: readonly number[], summarize: boolean): number[] {
  const shown: number[] = [];
  visitShown(shape, strides, summarize, (offset) => shown.push(values[offset]));
  return shown;
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

/** Joins the cells of a last axis with ", ", starting a new line (indented to the bracket) where one would pass LINE_WIDTH. */
function wrap(items: string[], indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const candidate = line === "" ? item : `${line}, ${item}`;
    if (line !== "" && indent + candidate.length + 1 > LINE_WIDTH) {
      lines.push(`${line},`);
      line = item;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/**
 * How each element is written, chosen from the shown values as PyTorch chooses: int32 and
 * whole-valued floats as integers; otherwise 4 decimals, or scientific notation with 4
 * decimals when the values span more than 3 orders of magnitude, reach 10⁸ or go below 10⁻⁴.
 */
function numberFormat(shown: number[], dtype: DType): (v: number) => string {
  if (dtype === "int32") return (v) => String(v);
  let largest = 0;
  let smallest = Infinity;
  let integers = true;
  for (const v of shown) {
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) integers = false;
    const magnitude = Math.abs(v);
    if (magnitude === 0) continue;
    largest = Math.max(largest, magnitude);
    smallest = Math.min(smallest, magnitude);
  }
  const special = (v: number) => (Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
  if (integers && largest < 1e8) return (v) => (Number.isFinite(v) ? (Object.is(v, -0) ? "-0" : String(v)) : special(v));
  const scientific = largest >= 1e8 || (largest > 0 && (smallest < 1e-4 || largest / smallest > 1000));
  if (scientific) return (v) => (Number.isFinite(v) ? exponential(v) : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(PRECISION) : special(v));
}

/** v in scientific notation with a two-digit exponent at least, as numpy and PyTorch write it: 1.2346e+05. */
function exponential(v: number): string {
  return v.toExponential(PRECISION).replace(/e([+-])(\d)$/, "e$10$2");
}

/**
 * A plain-text table: the header, a rule of dashes, then the rows, each column padded to
 * its widest cell and columns two spaces apart (trailing spaces trimmed). The agreement
 * reports of `explainGradients`, `compareGradients`, `compareBackprop` and the CLI use it.
 * @example
 * ```ts
 * textTable(["name", "ok"], [["W1", "yes"], ["b1", "no"]]);
 * // "name  ok\n----  ---\nW1    yes\nb1    no"
 * ```
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((cells) => cells[c].length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
