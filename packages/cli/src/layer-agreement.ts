import { astype, formatShape, grad, noGrad, Random, tensor, type Tensor, textTable } from "@tapegrad/core";
import { compareGradients, Dense, MANUAL_BACKWARD, manualBackprop, mlp, sequential, type ActivationName, type Layer, type Model, type Params } from "@tapegrad/nn";
import type { GradientTolerance } from "./agreement";

/** One row of a {@link LayerAgreementReport}: one parameter. */
export interface LayerAgreementRow {
  /** The parameter's name. */
  name: string;
  /** Its shape. */
  shape: readonly number[];
  /** max |tape − hand-derived| / max |tape| over the whole parameter; null where no hand-derived formula exists. */
  handDerived: number | null;
  /** max |tape − finite difference| / max |tape| over the sampled entries. */
  finiteDifferences: number;
  /** How many entries were checked by finite differences. */
  sampled: number;
  /** Whether every available difference is within tolerance. */
  ok: boolean;
}

/** The tape's gradients of a layered model against finite differences and against the hand-derived backprop. */
export interface LayerAgreementReport {
  /** One row per parameter, in the model's order. */
  rows: LayerAgreementRow[];
  /** Whether every row agrees. */
  ok: boolean;
  /** The names of the layers with parameters whose gradients were also derived by hand. */
  handDerivedLayers: string[];
  /** Why the hand-derived backprop covers only the dense layers at the end, when it does. */
  handDerivedNote?: string;
  /** The rows as an aligned text table. */
  table(): string;
}

/** Options of {@link layerAgreement}. */
export interface LayerAgreementOptions {
  /** Entries per parameter checked by finite differences (the largest gradient and random others); 5 by default. */
  sample?: number;
  /** Seed of the sampled entries. */
  seed?: number;
  /** Largest accepted relative differences; 1e-9 and 1e-6 by default (the check runs in float64). */
  tolerance?: GradientTolerance;
}

/**
 * For one batch of a `sequential` model in the row layout (a CNN, say): the tape's
 * gradients of the loss in float64 (whatever the model's dtype) against central finite
 * differences on a sample of entries of every parameter, and against the hand-derived
 * backprop: `manualBackprop` walking the model layer by layer with each kind's rule from
 * `MANUAL_BACKWARD`. When the walk is not possible (a layer kind without a rule, an
 * activation of your own), the hand-derived side covers the dense layers at the end of the
 * stack (`manualBackprop` on them as an mlp, fed by the output of the layers before them),
 * the other layers get `handDerived: null`, and `handDerivedNote` says why. Runs in
 * evaluation mode.
 * @example `console.log(layerAgreement(cnn, images, labels).table())`
 */
export function layerAgreement(model: Model, X: Tensor, Y: Tensor, options: LayerAgreementOptions = {}): LayerAgreementReport {
  const { sample = 5, seed = 0, tolerance = { handDerived: 1e-9, finiteDifferences: 1e-6 } } = options;
  if (model.architecture.kind !== "sequential") throw new Error("layerAgreement: give a sequential model (its layers in order)");
  if (model.convention !== "row") throw new Error("layerAgreement: the model must use the row layout (examples on axis 0)");
  const [model64, X64, Y64] = noGrad(() => {
    const asFloat64 = (values: Params) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, astype(v, "float64")]));
    const float64 = model.dtype === "float64" ? model : sequential(model.layers, { output: model.output as "softmax", dtype: "float64", params: asFloat64(model.params) });
    if (float64 !== model) float64.state = asFloat64(model.state); // batch norm's running statistics, if any
    return [float64, astype(X, "float64"), Y.dtype === "int32" ? Y : astype(Y, "float64")] as const;
  });
  const tape = grad((p: Params) => model64.loss(p, X64, Y64))(model64.params)[0];
  const { grads: byHand, layers: handDerivedLayers, note } = handDerivedGradients(model64, X64, Y64);
  const handDerived = compareGradients(Object.fromEntries(Object.keys(byHand).map((name) => [name, tape[name]])), byHand, { atol: 0, rtol: tolerance.handDerived });
  const rng = new Random(seed);
  const rows = Object.keys(model64.params).map((name): LayerAgreementRow => {
    const gradient = tape[name].data;
    let largest = 0;
    for (let k = 1; k < gradient.length; k++) if (Math.abs(gradient[k]) > Math.abs(gradient[largest])) largest = k;
    const scale = Math.abs(gradient[largest]) || 1;
    const entries = [...new Set([largest, ...Array.from({ length: sample - 1 }, () => rng.int(gradient.length))])];
    let worst = 0;
    for (const k of entries) worst = Math.max(worst, Math.abs(gradient[k] - centralDifference(model64, name, k, X64, Y64)) / scale);
    const hand = handDerived.rows.find((row) => row.name === name);
    const ok = worst <= tolerance.finiteDifferences && (hand === undefined || hand.ok);
    return { name, shape: tape[name].shape, handDerived: hand === undefined ? null : hand.maxRelDifference, finiteDifferences: worst, sampled: entries.length, ok };
  });
  const report: LayerAgreementReport = { rows, ok: rows.every((row) => row.ok), handDerivedLayers, table: () => formatTable(rows) };
  if (note !== undefined) report.handDerivedNote = note;
  return report;
}

/** The hand-derived gradients: of every layer by the layer-by-layer walk, or else of the dense head, with the reason. */
function handDerivedGradients(model: Model, X: Tensor, Y: Tensor): { grads: Params; layers: string[]; note?: string } {
  const withParameters = (layers: readonly Layer<any, any>[]) => layers.filter((layer) => Object.keys(layer.parameterSpecs()).length > 0).map((layer) => layer.name);
  const missing = model.layers.filter((layer) => !Object.hasOwn(MANUAL_BACKWARD, layer.kind)).map((layer) => `'${layer.name}' (${layer.kind})`);
  let note = `no hand-derived rule for layer ${missing.join(", ")}`;
  if (missing.length === 0) {
    try {
      return { grads: manualBackprop(model, X, Y).grads, layers: withParameters(model.layers) };
    } catch (error) {
      note = (error as Error).message;
    }
  }
  const head = denseHead(model.layers);
  return { grads: head.length > 0 ? headGradients(model, head, X, Y) : {}, layers: head.map((layer) => layer.name), note };
}

/** The activations whose derivative g′ the hand-derived formulas know. */
const HAND_DERIVED: readonly string[] = ["sigmoid", "tanh", "relu", "identity"];

/** The dense layers at the end of the stack that the hand-derived mlp formulas cover: element-wise hidden activations, a linear last layer. */
function denseHead(layers: readonly Layer<any, any>[]): Dense[] {
  const head: Dense[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (!(layer instanceof Dense) || typeof layer.activation !== "string" || !HAND_DERIVED.includes(layer.activation)) break;
    if (i === layers.length - 1 && layer.activation !== "identity") break;
    head.unshift(layer);
  }
  return head;
}

/** The head's gradients by `manualBackprop`: the head as an mlp with its own parameters, on the features the earlier layers compute. */
function headGradients(model: Model, head: Dense[], X: Tensor, Y: Tensor): Params {
  const first = model.layers.indexOf(head[0]);
  const features = noGrad(() => model.layers.slice(0, first).reduce((a: Tensor, layer) => layer.apply(model.params, a), X));
  const params = Object.fromEntries(head.flatMap((layer, l) => [[`layer${l + 1}.W`, model.params[layer.weightName]], [`layer${l + 1}.b`, model.params[layer.biasName]]]));
  const asMlp = mlp({
    sizes: [head[0].inputSize, ...head.map((layer) => layer.units)],
    hidden: head.slice(0, -1).map((layer) => layer.activation as ActivationName),
    output: model.output as "softmax",
    convention: "row",
    params,
  });
  const grads = manualBackprop(asMlp, features, Y).grads;
  return Object.fromEntries(head.flatMap((layer, l) => [[layer.weightName, grads[`layer${l + 1}.W`]], [layer.biasName, grads[`layer${l + 1}.b`]]]));
}

function centralDifference(model: Model, name: string, k: number, X: Tensor, Y: Tensor, eps = 1e-6): number {
  const lossWith = (delta: number) => {
    const data = Float64Array.from(model.params[name].data);
    data[k] += delta;
    return noGrad(() => model.loss({ ...model.params, [name]: tensor(data, { shape: model.params[name].shape }) }, X, Y).item());
  };
  return (lossWith(eps) - lossWith(-eps)) / (2 * eps);
}

function formatTable(rows: LayerAgreementRow[]): string {
  const header = ["parameter", "shape", "tape vs hand-derived", "tape vs finite differences", "agree"];
  const body = rows.map((r) => [
    r.name,
    formatShape(r.shape),
    r.handDerived === null ? "not derived yet" : r.handDerived.toExponential(1),
    `${r.finiteDifferences.toExponential(1)} (${r.sampled} entries)`,
    r.ok ? "yes" : "NO",
  ]);
  return textTable(header, body);
}
