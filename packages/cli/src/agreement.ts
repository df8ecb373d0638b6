import { astype, formatShape, grad, noGrad, Random, tensor, transpose, type Tensor, textTable } from "@tapegrad/core";
import { compareGradients, manualBackprop, mlp, toConvention, type Convention, type Model, type Params } from "@tapegrad/nn";

/** One row of an {@link AgreementReport}: one parameter in one convention. */
export interface AgreementRow {
  /** The convention of this row's network. */
  convention: Convention;
  /** The parameter's name. */
  name: string;
  /** Its shape in that convention. */
  shape: readonly number[];
  /** max |tape − hand-derived| / max |tape| over the whole parameter. */
  handDerived: number;
  /** max |tape − finite difference| / max |tape| over the sampled entries. */
  finiteDifferences: number;
  /** How many entries were checked by finite differences. */
  sampled: number;
  /** Whether both differences are within tolerance. */
  ok: boolean;
}

/** The tape's gradients against the hand-derived ones and against finite differences. */
export interface AgreementReport {
  /** One row per parameter and convention. */
  rows: AgreementRow[];
  /** Whether every row agrees. */
  ok: boolean;
  /** The rows as an aligned text table. */
  table(): string;
}

/** Largest accepted relative differences of the tape's gradients. */
export interface GradientTolerance {
  /** From the hand-derived gradients (over the whole parameter). */
  handDerived: number;
  /** From central finite differences (over the sampled entries). */
  finiteDifferences: number;
}

/** Options of {@link gradientAgreement}. */
export interface AgreementOptions {
  /** Entries per parameter checked by finite differences (the largest gradient and random others); 5 by default. */
  sample?: number;
  /** Seed of the sampled entries. */
  seed?: number;
  /** Largest accepted relative differences; 1e-9 and 1e-6 in float64, 1e-4 and 1e-3 in float32 by default. */
  tolerance?: GradientTolerance;
  /** Check the model's convention only, or both (the other one by converting the model); both by default. */
  conventions?: "model" | "both";
}

/**
 * For one batch: the tape's gradients of an mlp's loss against the hand-derived backprop
 * (`manualBackprop`) and against central finite differences in float64 on a sample of
 * entries, per parameter, in the model's convention and in the other one.
 * @example `console.log(gradientAgreement(model, X, Y).table())`
 */
export function gradientAgreement(model: Model, X: Tensor, Y: Tensor, options: AgreementOptions = {}): AgreementReport {
  const { sample = 5, seed = 0, conventions = "both" } = options;
  const tolerance = options.tolerance ?? (model.dtype === "float64" ? { handDerived: 1e-9, finiteDifferences: 1e-6 } : { handDerived: 1e-4, finiteDifferences: 1e-3 });
  const other: Convention = model.convention === "row" ? "column" : "row";
  const layouts = conventions === "both" ? [model.convention, other] : [model.convention];
  const rows = layouts.flatMap((convention) => {
    const converted = convention === model.convention ? model : toConvention(model, convention);
    const [x, y] = convention === model.convention ? [X, Y] : [transpose(X), otherLayout(Y)];
    return agreementRows(converted, x, y, { sample, seed, tolerance });
  });
  return { rows, ok: rows.every((row) => row.ok), table: () => formatTable(rows) };
}

function agreementRows(model: Model, X: Tensor, Y: Tensor, { sample, seed, tolerance }: Required<Omit<AgreementOptions, "conventions">>): AgreementRow[] {
  const tape = grad((p: Params) => model.loss(p, X, Y))(model.params)[0];
  const handDerived = compareGradients(tape, manualBackprop(model, X, Y).grads, { atol: 0, rtol: tolerance.handDerived });
  // Finite differences in float64, whatever the model's dtype.
  const architecture = model.architecture;
  if (architecture.kind !== "mlp") throw new Error("gradientAgreement: the hand-derived formulas are for an mlp");
  const model64 = model.dtype === "float64" ? model : mlp({ ...architecture, convention: model.convention, params: noGrad(() => Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, astype(v, "float64")]))) });
  const [X64, Y64] = noGrad(() => [astype(X, "float64"), asFloat64(Y)]);
  const rng = new Random(seed);
  return handDerived.rows.map((row) => {
    const gradient = tape[row.name].data;
    let largest = 0;
    for (let k = 1; k < gradient.length; k++) if (Math.abs(gradient[k]) > Math.abs(gradient[largest])) largest = k;
    const scale = Math.abs(gradient[largest]) || 1;
    const entries = [...new Set([largest, ...Array.from({ length: sample - 1 }, () => rng.int(gradient.length))])];
    let worst = 0;
    for (const k of entries) {
      const numeric = centralDifference(model64, row.name, k, X64, Y64);
      worst = Math.max(worst, Math.abs(gradient[k] - numeric) / scale);
    }
    const ok = row.ok && worst <= tolerance.finiteDifferences;
    return { convention: model.convention, name: row.name, shape: row.shape, handDerived: row.maxRelDifference, finiteDifferences: worst, sampled: entries.length, ok };
  });
}

/** Targets in float64; int32 class indices stay int32 (they are labels, not values). */
function asFloat64(t: Tensor): Tensor {
  return t.dtype === "int32" ? t : astype(t, "float64");
}

/** Targets laid out for the other convention: a matrix transposed; class indices [m] read the same in both. */
function otherLayout(t: Tensor): Tensor {
  return t.rank === 2 ? transpose(t) : t;
}

function centralDifference(model: Model, name: string, k: number, X: Tensor, Y: Tensor, eps = 1e-6): number {
  const lossWith = (delta: number) => {
    const data = Float64Array.from(model.params[name].data);
    data[k] += delta;
    return noGrad(() => model.loss({ ...model.params, [name]: tensor(data, { shape: model.params[name].shape }) }, X, Y).item());
  };
  return (lossWith(eps) - lossWith(-eps)) / (2 * eps);
}

function formatTable(rows: AgreementRow[]): string {
  const header = ["convention", "parameter", "shape", "tape vs hand-derived", "tape vs finite differences", "agree"];
  const body = rows.map((r) => [r.convention, r.name, formatShape(r.shape), r.handDerived.toExponential(1), `${r.finiteDifferences.toExponential(1)} (${r.sampled} entries)`, r.ok ? "yes" : "NO"]);
  return textTable(header, body);
}
