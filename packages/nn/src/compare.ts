import { formatShape, shapesEqual, type Tensor } from "@tapegrad/core";
import type { Params } from "./dense";

/** Tolerances of {@link compareGradients}. */
export interface CompareOptions {
  /** Absolute tolerance; 1e-12 by default. */
  atol?: number;
  /**
   * Relative tolerance, relative to the largest magnitude in that parameter's expected
   * gradient (so that tiny entries do not fail on rounding); 1e-7 by default.
   */
  rtol?: number;
}

/** One parameter's row in a {@link GradientComparison}. */
export interface GradientRow {
  /** The parameter's name. */
  name: string;
  /** Its shape (the expected one). */
  shape: readonly number[];
  /** max |actual − expected| (Infinity when a side is missing or the shapes differ). */
  maxAbsDifference: number;
  /** max |actual − expected| / max |expected|. */
  maxRelDifference: number;
  /** Whether every element is within atol + rtol·max|expected|. */
  ok: boolean;
  /** Why the row failed, when it is not a matter of values. */
  problem?: string;
}

/** The result of {@link compareGradients}: a row per parameter and where they first disagree. */
export interface GradientComparison {
  /** Whether every parameter agrees. */
  ok: boolean;
  /** One row per parameter, in the order of `expected`. */
  rows: GradientRow[];
  /**
   * The parameter where the disagreement starts in backward order: the last one that
   * disagrees, in the order of `expected` (list parameters from the input layer to the
   * output layer, as a model's `params` are). Undefined when all agree.
   */
  firstDisagreement?: string;
  /** The layer of `firstDisagreement` (its name before the dot). */
  firstDisagreeingLayer?: string;
  /** The rows as an aligned text table. */
  table(): string;
}

/**
 * Compares two sets of named gradients, e.g. your own backprop against the tape's, and
 * reports per parameter the shape, the largest absolute and relative differences, and
 * whether they agree. Backprop runs from the output layer toward the input, so an error in
 * a formula shows first in the deepest layer it touches: `firstDisagreement` names it.
 *
 * @example
 * ```ts
 * const mine = manualBackprop(model, X, Y).grads;
 * const tape = grad((p: Params) => model.loss(p, X, Y))(model.params)[0];
 * const report = compareGradients(mine, tape);
 * console.log(report.table());
 * report.ok; // true
 * ```
 */
export function compareGradients(expected: Params, actual: Params, options: CompareOptions = {}): GradientComparison {
  const { atol = 1e-12, rtol = 1e-7 } = options;
  const rows = Object.entries(expected).map(([name, e]) => compareOne(name, e, actual[name], atol, rtol));
  for (const name of Object.keys(actual)) {
    if (!(name in expected)) rows.push({ name, shape: actual[name].shape, maxAbsDifference: Infinity, maxRelDifference: Infinity, ok: false, problem: "not in the expected gradients" });
  }
  const failing = rows.filter((row) => !row.ok);
  const first = failing.filter((row) => row.name in expected).at(-1) ?? failing[0];
  const comparison: GradientComparison = { ok: failing.length === 0, rows, table: () => formatTable(rows, first?.name) };
  if (first) {
    comparison.firstDisagreement = first.name;
    comparison.firstDisagreeingLayer = first.name.split(".")[0];
  }
  return comparison;
}

function compareOne(name: string, expected: Tensor, actual: Tensor | undefined, atol: number, rtol: number): GradientRow {
  const row = { name, shape: expected.shape, maxAbsDifference: Infinity, maxRelDifference: Infinity, ok: false };
  if (actual === undefined) return { ...row, problem: "missing from the actual gradients" };
  if (!shapesEqual(actual.shape, expected.shape)) return { ...row, problem: `actual shape ${formatShape(actual.shape)}` };
  const e = expected.data;
  const a = actual.data;
  let scale = 0;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]));
  let maxAbs = 0;
  let ok = true;
  for (let i = 0; i < e.length; i++) {
    const difference = Math.abs(a[i] - e[i]);
    if (!(difference <= maxAbs)) maxAbs = difference;
    if (!(difference <= atol + rtol * scale)) ok = false;
  }
  return { ...row, maxAbsDifference: maxAbs, maxRelDifference: scale > 0 ? maxAbs / scale : maxAbs === 0 ? 0 : Infinity, ok };
}

function formatTable(rows: GradientRow[], first: string | undefined): string {
  const header = ["parameter", "shape", "max |difference|", "max relative", "agree"];
  const body = rows.map((row) => [
    row.name,
    formatShape(row.shape),
    row.maxAbsDifference.toExponential(2),
    row.maxRelDifference.toExponential(2),
    row.ok ? "yes" : `NO${row.problem ? ` (${row.problem})` : ""}`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((cells) => cells[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd();
  const lines = [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  lines.push(first ? `first disagreement in backward order: ${first}` : "all parameters agree");
  return lines.join("\n");
}
