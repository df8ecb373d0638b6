import { noGrad, transpose, valueAndGrad, type Tensor } from "@tapegrad/core";
import { compareGradients, toConvention, type Convention, type GradientComparison, type Model, type OutputKind, type Params } from "@tapegrad/nn";
import type { CustomActivation } from "./custom-activation";
import { handBackprop, resolvePlanted, type HandBackprop, type Planted } from "./hand-backprop";

// The tape beside the hand: both backward passes on all the examples at the current
// parameters, compared parameter by parameter, and the same network in the other convention.

/** The tape's loss and gradients. */
export interface TapeResult {
  loss: number;
  grads: Params;
}

/** Tape and hand side by side. */
export interface HandVersusTape {
  tape: TapeResult;
  hand: HandBackprop;
  /** The mistake as planted (its layer resolved). */
  planted: Planted;
  /** compareGradients(tape, hand): the tape is the reference. */
  comparison: GradientComparison;
  /** max |hand − tape| over every parameter (∞ when a gradient is missing). */
  maxDifference: number;
  /** The layer where they first disagree, in backward order (its number), or undefined. */
  firstDisagreeingLayer?: number;
}

/** The tape's loss and gradients of `model` on X, Y. */
export function tapeGradients(model: Model, X: Tensor, Y: Tensor): TapeResult {
  const { value, grads } = valueAndGrad((params: Params) => model.loss(params, X, Y))(model.params);
  return { loss: value.item(), grads: grads[0] };
}

/** Both backward passes of `model` on X, Y and their comparison (atol 1e-9, rtol 1e-7, relative to the tape's largest entry). */
export function handVersusTape(model: Model, X: Tensor, Y: Tensor, planted: Planted, custom?: CustomActivation): HandVersusTape {
  const L = model.layers.length;
  const resolved = resolvePlanted(planted, model.convention, L);
  const tape = tapeGradients(model, X, Y);
  const hand = handBackprop(model, X, Y, resolved, custom);
  const comparison = compareGradients(tape.grads, hand.grads, { atol: 1e-9 });
  const maxDifference = Math.max(...comparison.rows.map((row) => row.maxAbsDifference));
  const result: HandVersusTape = { tape, hand, planted: resolved, comparison, maxDifference };
  if (comparison.firstDisagreeingLayer !== undefined) result.firstDisagreeingLayer = Number(comparison.firstDisagreeingLayer.replace("layer", ""));
  return result;
}

/** One network in both conventions: each one's loss and gradients, and how far dW_row is from dW_colᵀ. */
export interface BothConventions {
  row: { model: Model; tape: TapeResult; X: Tensor; Y: Tensor };
  column: { model: Model; tape: TapeResult; X: Tensor; Y: Tensor };
  /** max |row gradient − (column gradient)ᵀ| over every parameter. */
  maxTransposeDifference: number;
  /** |J_row − J_column|. */
  lossDifference: number;
}

/** The network and its twin in the other convention (the same function, parameters transposed), on the same data. */
export function bothConventions(model: Model, X: Tensor, Y: Tensor): BothConventions {
  const other: Convention = model.convention === "row" ? "column" : "row";
  const twin = toConvention(model, other);
  const [Xt, Yt] = noGrad(() => [transpose(X), transpose(Y)]);
  const mine = { model, tape: tapeGradients(model, X, Y), X, Y };
  const theirs = { model: twin, tape: tapeGradients(twin, Xt, Yt), X: Xt, Y: Yt };
  const [row, column] = model.convention === "row" ? [mine, theirs] : [theirs, mine];
  let maxTransposeDifference = 0;
  noGrad(() => {
    for (const [name, g] of Object.entries(row.tape.grads)) {
      const gt = transpose(column.tape.grads[name]);
      for (let i = 0; i < g.size; i++) maxTransposeDifference = Math.max(maxTransposeDifference, Math.abs(g.data[i] - gt.data[i]));
    }
  });
  return { row, column, maxTransposeDifference, lossDifference: Math.abs(row.tape.loss - column.tape.loss) };
}

/** The per-layer formulas of backprop in one convention, as the notes write them. */
export interface LayerFormulas {
  forward: string;
  activation: string;
  dZOutput: string;
  dZHidden: string;
  dW: string;
  db: string;
  dAPrev: string;
}

/** The formulas of a convention, for an output kind (which fixes ∂ℓ/∂Z^[L]). */
export function formulas(convention: Convention, output: OutputKind): LayerFormulas {
  const error = output === "identity" ? "2(A^[L] − Y)" : "A^[L] − Y";
  return convention === "column"
    ? {
        forward: "Z^[l] = W^[l]·A^[l−1] + b^[l]",
        activation: "A^[l] = g(Z^[l])",
        dZOutput: `dZ^[L] = (1/m)·(${error})`,
        dZHidden: "dZ^[l] = dA^[l] ∘ g′(Z^[l])",
        dW: "dW^[l] = dZ^[l]·A^[l−1]ᵀ",
        db: "db^[l] = Σ_columns dZ^[l]",
        dAPrev: "dA^[l−1] = W^[l]ᵀ·dZ^[l]",
      }
    : {
        forward: "Z^[l] = A^[l−1]·W^[l] + b^[l]",
        activation: "A^[l] = g(Z^[l])",
        dZOutput: `dZ^[L] = ${error}`,
        dZHidden: "dZ^[l] = dA^[l] ∘ g′(Z^[l])",
        dW: "dW^[l] = (1/m)·A^[l−1]ᵀ·dZ^[l]",
        db: "db^[l] = (1/m)·Σ_rows dZ^[l]",
        dAPrev: "dA^[l−1] = dZ^[l]·W^[l]ᵀ",
      };
}

/** The formula as planted: which quantity of which layer carries the mistake, written out. */
export function plantedFormula(planted: Planted, convention: Convention, output: OutputKind): { quantity: string; wrong: string; right: string } | undefined {
  const l = planted.layer;
  const f = formulas(convention, output);
  const at = (formula: string) => formula.replace(/\^\[l−1\]/g, `^[${l - 1}]`).replace(/\^\[l\]/g, `^[${l}]`);
  switch (planted.mistake) {
    case "none":
      return undefined;
    case "transpose":
      return {
        quantity: `dA^[${l - 1}]`,
        right: at(f.dAPrev),
        wrong: at(convention === "column" ? "dA^[l−1] = W^[l]·dZ^[l]" : "dA^[l−1] = dZ^[l]·W^[l]"),
      };
    case "derivative":
      return { quantity: `dZ^[${l}]`, right: at(f.dZHidden), wrong: at("dZ^[l] = dA^[l] ∘ g(Z^[l])   (σ′ = σ)") };
    case "mean":
      return convention === "column"
        ? { quantity: "dZ^[L]", right: f.dZOutput, wrong: f.dZOutput.replace("(1/m)·", "") }
        : { quantity: `dW^[${l}], db^[${l}]`, right: `${at(f.dW)}, ${at(f.db)}`, wrong: `${at(f.dW.replace("(1/m)·", ""))}, ${at(f.db.replace("(1/m)·", ""))}` };
  }
}
