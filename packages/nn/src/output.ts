import {
  add,
  argmax,
  binaryCrossEntropyWithLogits,
  div,
  formatShape,
  log,
  mul,
  neg,
  oneHot,
  shapesEqual,
  sigmoid,
  softmax,
  softmaxCrossEntropy,
  square,
  sub,
  sum,
  transpose,
  type FloatDType,
  type Tensor,
} from "@tapegrad/core";
import type { Convention } from "./convention";

/**
 * What a model's output layer computes, which fixes its loss:
 * `'sigmoid'` (binary cross-entropy from logits), `'softmax'` (categorical cross-entropy
 * from logits, one-hot or class-index targets), `'identity'` (squared error). See
 * {@link OUTPUTS} for each one's formulas.
 */
export type OutputKind = "sigmoid" | "softmax" | "identity";

/**
 * Where the examples and the classes (output units) lie in an output Z, and how many
 * examples there are: in the row convention examples run along axis 0 and units along the
 * last axis; in the column convention units run along axis 0 and examples along the last.
 */
export interface OutputAxes {
  /** The axis that runs over examples. */
  readonly exampleAxis: number;
  /** The axis that runs over output units (softmax's classes). */
  readonly classAxis: number;
  /** m: the number of examples, Z's size along `exampleAxis`. */
  readonly m: number;
}

/**
 * The axes of an output in a convention (see {@link OutputAxes}).
 * @example `outputAxes(zeros([3, 8]), "column") // { exampleAxis: 1, classAxis: 0, m: 8 }`
 */
export function outputAxes(z: Tensor, convention: Convention): OutputAxes {
  if (z.rank === 0) throw new Error("loss: the model's output is a scalar; it needs an example axis");
  const exampleAxis = convention === "row" ? 0 : z.rank - 1;
  const classAxis = convention === "row" ? z.rank - 1 : 0;
  return { exampleAxis, classAxis, m: z.shape[exampleAxis] };
}

/** How many predictions were right, of how many judged. */
export interface Correct {
  /** Right predictions. */
  correct: number;
  /** Predictions judged. */
  total: number;
}

/**
 * One entry of {@link OUTPUTS}: an output kind's activation, loss, prediction, accuracy
 * rule and hand-derived output gradient. Every function takes the output layer's
 * pre-activation Z (the logits) or its activation A = activate(Z), and the targets Y.
 */
export interface OutputDefinition {
  /** The kind, its key in the table. */
  readonly kind: OutputKind;
  /** A = activation(Z), as a formula: what `model.predict` returns. */
  readonly activationFormula: string;
  /** The core loss it takes (as the CLI's spec names it). */
  readonly lossName: "binaryCrossEntropy" | "softmaxCrossEntropy" | "mse";
  /** J, as a formula. */
  readonly lossFormula: string;
  /** ∂ℓ/∂Z for one example's loss ℓ (J = (1/m)·Σ ℓ), as a formula. */
  readonly gradientFormula: string;
  /** What counts as a correct prediction, or undefined when the kind has no accuracy. */
  readonly accuracyRule: string | undefined;
  /** The targets it takes. */
  readonly targetsRule: string;
  /** A = activation(Z): probabilities for sigmoid and softmax, Z itself for identity. */
  activate(z: Tensor, axes: OutputAxes): Tensor;
  /** J from the logits Z, computed stably (what `model.loss` returns and the tape differentiates). */
  loss(z: Tensor, y: Tensor, axes: OutputAxes): Tensor;
  /** The same J written from A as the notes state it (used by `manualBackprop`; not stable for saturated A). */
  costFromActivations(a: Tensor, y: Tensor, axes: OutputAxes): Tensor;
  /** ∂ℓ/∂Z per example, derived by hand, from A and Y. */
  outputGradient(a: Tensor, y: Tensor, axes: OutputAxes): Tensor;
  /** Correct predictions, from Z and Y; absent for kinds without an accuracy. */
  correct?(z: Tensor, y: Tensor, axes: OutputAxes): Correct;
  /** Throws unless `y` fits Z as this kind's targets. */
  checkTargets(where: string, z: Tensor, y: Tensor, convention: Convention): void;
}

/**
 * The table of output kinds, defined once and read by the loss, `model.predict`, `fit`'s
 * accuracy, the hand-derived backprop and the CLI. Each loss is the per-example loss summed
 * over that example's output units (for an output of higher rank, such as a sequence's
 * [N, T, C], over all of its positions too), averaged over the m examples:
 *
 * | kind | A | J | ∂ℓ/∂z | correct when |
 * |---|---|---|---|---|
 * | sigmoid | σ(Z) | −(1/m) Σ [y·log a + (1 − y)·log(1 − a)] | a − y | σ(z) > 0.5 ⇔ y > 0.5, per unit |
 * | softmax | softmax(Z) over the classes | −(1/m) Σ_examples Σ_classes y·log a | a − y (y one-hot) | arg-max class = target class |
 * | identity | Z | (1/m) Σ (z − y)² | 2(a − y) | (no accuracy) |
 *
 * The identity loss sums the squared error over the output units: with n_L units it is n_L
 * times PyTorch's `nn.MSELoss()` (the mean over all m·n_L elements), and exactly
 * `mse(Z, Y, { reduction: "sum" }) / m`; with one output unit the two agree.
 *
 * @example `OUTPUTS.softmax.gradientFormula // "∂ℓ/∂z = a − y"`
 */
export const OUTPUTS: Readonly<Record<OutputKind, OutputDefinition>> = frozenTable<OutputKind, OutputDefinition>({
  sigmoid: {
    kind: "sigmoid",
    activationFormula: "A = σ(Z)",
    lossName: "binaryCrossEntropy",
    lossFormula: "J = −(1/m) Σ [y·log σ(z) + (1 − y)·log(1 − σ(z))]",
    gradientFormula: "∂ℓ/∂z = a − y",
    accuracyRule: "σ(z) > 0.5 (z > 0) against y > 0.5, unit by unit",
    targetsRule: "float targets in [0, 1] of the output's shape",
    activate: (z) => sigmoid(z),
    loss: (z, y, { m }) => div(binaryCrossEntropyWithLogits(z, y, { reduction: "sum" }), m),
    costFromActivations: (a, y, { m }) => div(neg(sum(add(mul(y, log(a)), mul(sub(1, y), log(sub(1, a)))))), m),
    outputGradient: (a, y) => sub(a, y),
    correct: (z, y) => {
      let correct = 0;
      const [logits, targets] = [z.data, y.data];
      for (let i = 0; i < logits.length; i++) if (logits[i] > 0 === targets[i] > 0.5) correct++;
      return { correct, total: logits.length };
    },
    checkTargets: (where, z, y, convention) => checkSameShape(where, "sigmoid", z, y, convention),
  },
  softmax: {
    kind: "softmax",
    activationFormula: "A = softmax(Z) over the class axis",
    lossName: "softmaxCrossEntropy",
    lossFormula: "J = −(1/m) Σ_examples Σ_classes y·log softmax(z)",
    gradientFormula: "∂ℓ/∂z = a − y",
    accuracyRule: "the arg-max class of z equals the target's class (its index, or the arg-max of a one-hot row)",
    targetsRule: "one-hot (or probability) float targets of the output's shape, or int32 class indices of its shape without the class axis",
    activate: (z, { classAxis }) => softmax(z, classAxis),
    loss: (z, y, { classAxis, m }) => div(softmaxCrossEntropy(z, y, { axis: classAxis, reduction: "sum" }), m),
    costFromActivations: (a, y, axes) => div(sum(mul(denseTargets(y, a, axes.classAxis), log(a))), -axes.m),
    outputGradient: (a, y, { classAxis }) => sub(a, denseTargets(y, a, classAxis)),
    correct: (z, y, { classAxis }) => {
      const predicted = argmax(z, classAxis).data;
      const expected = y.dtype === "int32" ? y.data : argmax(y, classAxis).data;
      let correct = 0;
      for (let i = 0; i < predicted.length; i++) if (predicted[i] === expected[i]) correct++;
      return { correct, total: predicted.length };
    },
    checkTargets: (where, z, y, convention) => {
      if (z.rank < 2) throw new Error(`${where}: a softmax output needs an example axis and a class axis, got an output of shape ${formatShape(z.shape)}`);
      if (y.dtype !== "int32") return checkSameShape(where, "softmax", z, y, convention);
      const { classAxis } = outputAxes(z, convention);
      const expected = z.shape.filter((_, axis) => axis !== classAxis);
      if (!shapesEqual(y.shape, expected)) {
        throw new Error(
          `${where}: class-index targets of shape ${formatShape(y.shape)} do not fit the model's output of shape ${formatShape(z.shape)}: ` +
            `they need its shape without the class axis ${classAxis}, ${formatShape(expected)} (${layout(convention)})`,
        );
      }
    },
  },
  identity: {
    kind: "identity",
    activationFormula: "A = Z",
    lossName: "mse",
    lossFormula: "J = (1/m) Σ (z − y)², summed over the output units",
    gradientFormula: "∂ℓ/∂z = 2(a − y)",
    accuracyRule: undefined,
    targetsRule: "float targets of the output's shape",
    activate: (z) => z,
    loss: (z, y, { m }) => div(sum(square(sub(z, y))), m),
    costFromActivations: (a, y, { m }) => div(sum(square(sub(a, y))), m),
    outputGradient: (a, y) => mul(sub(a, y), 2),
    checkTargets: (where, z, y, convention) => checkSameShape(where, "identity", z, y, convention),
  },
});

/**
 * The output kinds, in the table's order.
 * @example `OUTPUT_KINDS // ["sigmoid", "softmax", "identity"]`
 */
export const OUTPUT_KINDS: readonly OutputKind[] = Object.freeze(Object.keys(OUTPUTS) as OutputKind[]);

/**
 * The table entry of an output kind, looked up as an own property: anything else
 * (`"toString"`, `"constructor"`, a typo) is an error naming `where`.
 * @example `outputNamed("softmax", "mlp").lossName // "softmaxCrossEntropy"`
 */
export function outputNamed(kind: unknown, where: string): OutputDefinition {
  if (typeof kind === "string" && Object.hasOwn(OUTPUTS, kind)) return OUTPUTS[kind as OutputKind];
  const shown = typeof kind === "string" ? JSON.stringify(kind) : String(kind);
  throw new Error(`${where}: unknown output kind ${shown}; use ${OUTPUT_KINDS.map((k) => `'${k}'`).join(", ")}, or give a loss of your own`);
}

function layout(convention: Convention): string {
  return `${convention} convention: ${convention === "row" ? "examples along axis 0" : "examples along the last axis"}`;
}

function checkSameShape(where: string, kind: OutputKind, z: Tensor, y: Tensor, convention: Convention): void {
  if (y.dtype === "int32") {
    const hint = kind === "sigmoid" ? "; convert 0/1 labels with astype(labels, \"float64\") (or the model's dtype)" : "";
    throw new Error(`${where}: a ${kind} output takes float targets, got int32 targets${hint}; only a softmax output takes int32 class indices`);
  }
  if (!shapesEqual(z.shape, y.shape)) {
    throw new Error(`${where}: targets of shape ${formatShape(y.shape)} do not match the model's output of shape ${formatShape(z.shape)} (${layout(convention)})`);
  }
}

/** Y as float targets of A's shape: int32 class indices become one-hot along the class axis. */
function denseTargets(y: Tensor, a: Tensor, classAxis: number): Tensor {
  if (y.dtype !== "int32") return y;
  const encoded = oneHot(y, a.shape[classAxis], { dtype: a.dtype as FloatDType }); // classes last
  if (classAxis === a.rank - 1) return encoded;
  const last = a.rank - 1;
  return transpose(encoded, [last, ...Array.from({ length: last }, (_, axis) => axis)]);
}

/** The table and each of its entries, frozen: no code can change what a name means. */
function frozenTable<K extends string, V extends object>(table: Record<K, V>): Readonly<Record<K, Readonly<V>>> {
  for (const entry of Object.values<V>(table)) Object.freeze(entry);
  return Object.freeze(table);
}
