import { differenceOf } from "@tapegrad/core/testing";
import { add, formatShape, shapesEqual, valueAndGrad, zeros, type FloatDType, type Tensor, textTable } from "@tapegrad/core";
import type { Params } from "./dense";
import type { ManualBackward } from "./manual";
import { manualBackprop, type ManualBackprop } from "./manual-backprop";
import type { Model } from "./model";

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
  const { maxAbsDifference, maxRelDifference, ok } = differenceOf(actual, expected, { atol, rtol });
  return { ...row, maxAbsDifference, maxRelDifference, ok };
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
  const lines = [textTable(header, body)];
  lines.push(first ? `first disagreement in backward order: ${first}` : "all parameters agree");
  return lines.join("\n");
}

/** Options of {@link compareBackprop}. */
export interface BackpropCompareOptions extends CompareOptions {
  /** Hand-derived rules by layer kind, yours, beside or in place of the built-in ones (see `manualBackprop`). */
  rules?: Readonly<Record<string, ManualBackward>>;
}

/** One row of a {@link BackpropComparison}: a gradient one layer's rule computed, against the tape's. */
export interface BackpropRow extends GradientRow {
  /** The layer whose rule computed it, or `"loss"` for the cotangent of the model's output. */
  layer: string;
  /** The layer's kind (the rule's key), or the output kind for the loss. */
  kind: string;
}

/** What {@link compareBackprop} returns. */
export interface BackpropComparison {
  /** Whether every step of the hand-derived backward pass agrees with the tape. */
  ok: boolean;
  /**
   * In backward order: the cotangent of the model's output (from the loss), then for each
   * layer from the last to the first, the gradients of its parameters and the cotangent of
   * its input, each as its rule computed it.
   */
  rows: BackpropRow[];
  /** The first row in backward order that disagrees: where the mistake is, since every later row depends on it. */
  firstDisagreement?: string;
  /** The layer whose rule computed `firstDisagreement` (`"loss"` for the output's cotangent). */
  firstDisagreeingLayer?: string;
  /** For the first disagreement: the tape's value. */
  tape?: Tensor;
  /** For the first disagreement: the hand-derived value. */
  handDerived?: Tensor;
  /** The hand-derived backward pass, layer by layer. */
  byHand: ManualBackprop;
  /** The rows as an aligned text table, then the first disagreement. */
  table(): string;
}

/**
 * Checks a model's hand-derived backward pass against the tape, layer by layer, in one call:
 * `manualBackprop` walks the model from the output back with each layer kind's rule (the
 * built-in ones, or yours in `options.rules`), and every value a rule computes, the
 * gradients of the layer's parameters and the cotangent ∂J/∂(input) it passes back, is put
 * beside the tape's. The tape's cotangents of the layers' inputs are measured by adding a
 * zero to each and differentiating with respect to it.
 *
 * Since each rule starts from the cotangent the layer after it passed back, the first row
 * in backward order that disagrees names the rule that is wrong: `firstDisagreeingLayer`.
 * The model must be sequential (or an mlp, walked layer by layer); it runs as in evaluation.
 *
 * @example
 * ```ts
 * const cnn = sequential([conv2d({ … }), maxPool2d({ … }), flatten({ … }), dense({ … })], { output: "softmax" });
 * const report = compareBackprop(cnn, images, labels, { rtol: 1e-10 });
 * report.ok; // true
 * compareBackprop(cnn, images, labels, { rules: { maxPool2d: mySpreadingRule } }).firstDisagreeingLayer; // "pool1"
 * ```
 */
export function compareBackprop(model: Model, X: Tensor, Y: Tensor, options: BackpropCompareOptions = {}): BackpropComparison {
  const { atol = 1e-12, rtol = 1e-7, rules = {} } = options;
  const byHand = manualBackprop(model, X, Y, { rules });
  const layers = model.layers;
  const L = layers.length;
  // A zero added to A^[l] (every layer's input and the last output): its gradient is ∂J/∂A^[l].
  const probes = byHand.A.map((a) => (a.dtype === "int32" ? zeros([], { dtype: model.dtype }) : zeros(a.shape, { dtype: a.dtype as FloatDType })));
  const context = model.context(false);
  const { grads } = valueAndGrad((p: Params, zero: Tensor[]) => {
    const probed = (t: Tensor, l: number) => (t.dtype === "int32" ? t : add(t, zero[l]));
    let a = probed(X, 0);
    layers.forEach((layer, i) => (a = probed(layer.apply(p, a, context), i + 1)));
    return model.lossOf(a, Y);
  })(model.params, probes);
  const [tapeGrads, tapeCotangents] = grads as [Params, Tensor[]];

  const rows: BackpropRow[] = [];
  const tensors = new Map<BackpropRow, [Tensor, Tensor]>();
  const push = (layer: string, kind: string, name: string, tape: Tensor, mine: Tensor) => {
    const row = { layer, kind, ...compareOne(name, tape, mine, atol, rtol) };
    rows.push(row);
    tensors.set(row, [tape, mine]);
  };
  push("loss", String(model.output), `∂J/∂(output of ${layers[L - 1].name})`, tapeCotangents[L], byHand.dA[L]);
  for (let l = L; l >= 1; l--) {
    const layer = layers[l - 1];
    for (const name of Object.keys(layer.parameterSpecs())) push(layer.name, layer.kind, name, tapeGrads[name], byHand.grads[name]);
    if (byHand.A[l - 1].dtype !== "int32") push(layer.name, layer.kind, `∂J/∂(input of ${layer.name})`, tapeCotangents[l - 1], byHand.dA[l - 1]);
  }
  const first = rows.find((row) => !row.ok);
  const comparison: BackpropComparison = { ok: first === undefined, rows, byHand, table: () => formatBackpropTable(rows, first) };
  if (first) {
    comparison.firstDisagreement = first.name;
    comparison.firstDisagreeingLayer = first.layer;
    [comparison.tape, comparison.handDerived] = tensors.get(first)!;
  }
  return comparison;
}

function formatBackpropTable(rows: BackpropRow[], first: BackpropRow | undefined): string {
  const header = ["layer", "rule", "gradient", "shape", "max |difference|", "max relative", "agree"];
  const body = rows.map((row) => [
    row.layer,
    row.kind,
    row.name,
    formatShape(row.shape),
    row.maxAbsDifference.toExponential(2),
    row.maxRelDifference.toExponential(2),
    row.ok ? "yes" : `NO${row.problem ? ` (${row.problem})` : ""}`,
  ]);
  const lines = [textTable(header, body)];
  lines.push(
    first
      ? `first disagreement in backward order: ${first.name}, computed by the ${first.layer === "loss" ? `${first.kind} output's gradient` : `${first.kind} rule of layer '${first.layer}'`}`
      : "every hand-derived step agrees with the tape",
  );
  return lines.join("\n");
}
