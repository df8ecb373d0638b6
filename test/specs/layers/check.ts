// The comparison behind every layer formula test: the hand-derived reference (plain arrays)
// against the tape, along each path of a table ("core ops" and "nn layers"), and against
// central differences of the reference's own loss.
import { grad, mul, Random, sum, Tensor, tensor } from "@tapegrad/core";
import type { Params } from "@tapegrad/nn";
import { expect } from "vitest";

export const TAPE = 1e-12; //              reference vs tape, float64, relative to the quantity's scale
export const FINITE_DIFFERENCES = 1e-6; // reference vs central differences of its own loss

/** Nested arrays of numbers, as the reference computes them. */
export type Nested = number | readonly Nested[];

/** A value a tape path gives for a quantity: a tensor, a list of tensors (one per step), or plain numbers. */
export type TapeValue = Tensor | readonly Tensor[] | Nested;

export function flatten(value: TapeValue): number[] {
  if (value instanceof Tensor) return Array.from(value.data);
  if (typeof value === "number") return [value];
  return (value as readonly TapeValue[]).flatMap((part) => flatten(part));
}

export function shapeOf(value: Nested): number[] {
  return typeof value === "number" ? [] : [value.length, ...(value.length > 0 ? shapeOf(value[0]) : [])];
}

/** max |actual − expected| / max |expected| (the absolute error when expected is all zeros); Infinity when the sizes differ. */
export function relativeError(actual: TapeValue, expected: TapeValue): number {
  const [a, e] = [flatten(actual), flatten(expected)];
  if (a.length !== e.length) return Infinity;
  let [scale, worst] = [0, 0];
  for (let k = 0; k < e.length; k++) {
    scale = Math.max(scale, Math.abs(e[k]));
    const difference = Math.abs(a[k] - e[k]);
    if (!(difference <= worst)) worst = difference;
  }
  return scale === 0 ? worst : worst / scale;
}

/** Rebuilds nested arrays of `shape` from flat values. */
function unflatten(values: number[], shape: number[], offset = { at: 0 }): Nested {
  if (shape.length === 0) return values[offset.at++];
  return Array.from({ length: shape[0] }, () => unflatten(values, shape.slice(1), offset));
}

/** Central differences (f(x + ε) − f(x − ε))/2ε of a scalar function, entry by entry, in x's nesting. */
export function centralDifferences<T extends Nested>(f: (x: T) => number, x: T, eps = 1e-6): T {
  const shape = shapeOf(x);
  const values = flatten(x);
  const shifted = (k: number, delta: number) => f(unflatten(values.map((v, j) => (j === k ? v + delta : v)), shape) as T);
  return unflatten(
    values.map((_, k) => (shifted(k, eps) - shifted(k, -eps)) / (2 * eps)),
    shape,
  ) as T;
}

/** Σ a ⊙ b over nested arrays of the same shape: the loss J = ⟨G, Z⟩ whose ∂J/∂Z is G. */
export function inner(a: Nested, b: Nested): number {
  const [x, y] = [flatten(a), flatten(b)];
  return x.reduce((total, v, k) => total + v * y[k], 0);
}

/** Nested arrays of `shape` with N(0, std²) entries. */
export function normal(rng: Random, shape: number[], std = 1): Nested {
  return unflatten(
    Array.from({ length: shape.reduce((p, n) => p * n, 1) }, () => std * rng.normal()),
    shape,
  );
}

/** The same, typed as the reference's arrays (the caller names the nesting). */
export const normalArray = <T>(rng: Random, shape: number[], std = 1): T => normal(rng, shape, std) as T;

/** A computation run at most once, for the quantities of a path that share it. */
export function once<T>(compute: () => T): () => T {
  let value: { result: T } | undefined;
  return () => (value ??= { result: compute() }).result;
}

export const asTensor = (value: Nested): Tensor => tensor(value as number[]);

/** One formula of the reference: the test's name, the quantity it gives, and how to check it. */
export interface Formula<Problem, Pass> {
  formula: string;
  /** The quantity's name in the tape paths (e.g. "dW"). */
  quantity: string;
  /** The hand-derived value, from the reference's pass (on that problem). */
  expected: (pass: Pass, problem: Problem) => Nested;
  /** Central differences of the reference's own loss with respect to the quantity's variable; absent for forward values. */
  numeric?: (problem: Problem) => Nested;
}

/**
 * The tape's side of a family: each path gives every quantity the formulas name, computed
 * when asked, and every formula test checks every path. A path that cannot observe a
 * quantity (an intermediate inside an nn layer, such as attention's scores) gives
 * {@link UNOBSERVED} for it, and says why where it does; a quantity it does not name at all
 * is a disagreement.
 */
export type TapePaths<Problem> = Record<string, (problem: Problem) => Record<string, (() => TapeValue) | typeof UNOBSERVED>>;

/** What a path gives for a quantity it cannot observe: the formula is checked along the other paths. */
export const UNOBSERVED = null;

/**
 * A layer's output on x, and the tape's gradients of J = ⟨G, output⟩ with respect to the
 * layer's parameters (by their names) and to x, computed once when first asked.
 */
export function layerGradients<X>(apply: (params: Params, x: X) => Tensor, params: Params, x: X, G: Nested) {
  const loss = (ps: Params, input: X) => sum(mul(apply(ps, input), asTensor(G)));
  const grads = once(() => grad(loss)(params, x) as [Params, X extends Tensor ? Tensor : unknown]);
  return { output: () => apply(params, x), dParams: () => grads()[0], dX: () => grads()[1] };
}

/** A layer family: its reference pass, its tape paths and its formulas. */
export interface Family<Problem, Pass> {
  reference: (problem: Problem) => Pass;
  paths: TapePaths<Problem>;
  formulas: Formula<Problem, Pass>[];
}

/**
 * Every disagreement of one formula on one problem, as sentences naming the formula, the
 * quantity and the path: with each tape path beyond TAPE, and with central differences of
 * the reference's loss beyond FINITE_DIFFERENCES. A pass or paths given in `instead`
 * replace the family's own (a wrong rule planted in the reference or in the tape).
 */
export function disagreements<Problem, Pass>(
  family: Family<Problem, Pass>,
  formula: Formula<Problem, Pass>,
  problem: Problem,
  instead: { pass?: Pass; paths?: TapePaths<Problem> } = {},
): string[] {
  const expected = formula.expected(instead.pass ?? family.reference(problem), problem);
  const found: string[] = [];
  for (const [path, values] of Object.entries(instead.paths ?? family.paths)) {
    const value = values(problem)[formula.quantity];
    if (value === UNOBSERVED) continue;
    if (value === undefined) {
      found.push(`${formula.formula}: the tape through ${path} gives no ${formula.quantity} (give UNOBSERVED where the path cannot observe it)`);
      continue;
    }
    const error = relativeError(value(), expected);
    if (!(error <= TAPE)) found.push(`${formula.formula}: the tape through ${path} gives a ${formula.quantity} that differs by ${error.toExponential(2)} (relative)`);
  }
  if (formula.numeric) {
    const error = relativeError(formula.numeric(problem), expected);
    if (!(error <= FINITE_DIFFERENCES)) found.push(`${formula.formula}: central differences of the reference's loss give a ${formula.quantity} that differs by ${error.toExponential(2)} (relative)`);
  }
  return found;
}

/** The property a formula test checks on each random problem: no disagreement at all. */
export function holds<Problem, Pass>(family: Family<Problem, Pass>, formula: Formula<Problem, Pass>): (problem: Problem) => void {
  return (problem) => {
    expect(disagreements(family, formula, problem)).toEqual([]);
  };
}

/** The formulas of a family that fail on a problem, by name. */
export function failingFormulas<Problem, Pass>(family: Family<Problem, Pass>, problem: Problem, instead: { pass?: Pass; paths?: TapePaths<Problem> } = {}): string[] {
  return family.formulas.filter((formula) => disagreements(family, formula, problem, instead).length > 0).map((formula) => formula.formula);
}

/** Named values as flat tensors, for compareGradients (list them from the input toward the loss). */
export function asParams(values: Record<string, TapeValue>): Params {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, tensor(flatten(value))]));
}

/** The tape's values along one path, as flat tensors named for compareGradients: `names` maps each name to its quantity. */
export function tapeParams<Problem>(paths: TapePaths<Problem>, path: string, problem: Problem, names: Record<string, string>): Params {
  const values = paths[path](problem);
  const valueOf = (quantity: string) => {
    const value = values[quantity];
    if (typeof value !== "function") throw new Error(`tapeParams: the path '${path}' does not observe ${quantity}`);
    return value();
  };
  return asParams(Object.fromEntries(Object.entries(names).map(([name, quantity]) => [name, valueOf(quantity)])));
}
