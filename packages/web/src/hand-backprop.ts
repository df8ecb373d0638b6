import { add, div, matmul, mul, noGrad, sum, type Tensor } from "@tapegrad/core";
import { ACTIVATIONS, manualBackprop, outputAxes, outputNamed, type ActivationName, type Convention, type Model, type Params } from "@tapegrad/nn";
import type { CustomActivation } from "./custom-activation";
import type { MistakeName } from "./settings";

// Backprop by hand, layer by layer, in the network's convention. Without a planted mistake
// and with an activation from the table this is @tapegrad/nn's manualBackprop. With a
// mistake, or your own activation, the page runs the same formulas itself, in the same
// order and with the same ops (so that, mistake aside, the two agree bit for bit), with one
// formula changed.

/** One layer's quantities: forward (Z, A) and backward (dZ, dW, db, and dA^[l−1] for l > 1). */
export interface HandLayer {
  /** l, from 1. */
  l: number;
  Z: Tensor;
  A: Tensor;
  dZ?: Tensor;
  dW?: Tensor;
  db?: Tensor;
  /** dA^[l−1], which layer l sends back (absent for l = 1). */
  dAPrev?: Tensor;
}

/** Where the hand-derived pass could not go on: a formula whose shapes do not fit. */
export interface HandFailure {
  /** The layer whose backward step failed. */
  l: number;
  /** The formula, e.g. "dA^[1]". */
  quantity: string;
  /** The engine's error. */
  message: string;
}

/** What {@link handBackprop} computed. */
export interface HandBackprop {
  /** Layers 1..L (index l − 1). */
  layers: HandLayer[];
  /** dW^[l] and db^[l] by parameter name, as far as the pass got. */
  grads: Params;
  /** J from the activations. */
  cost: number;
  /** Who computed it. */
  source: "manualBackprop" | "page";
  /** Where it stopped, if it did. */
  failure?: HandFailure;
}

/** The mistake to plant, and in which layer's formula (see {@link plantableLayers}). */
export interface Planted {
  mistake: MistakeName;
  layer: number;
}

/**
 * The layers whose formulas can carry a mistake, in a network of L layers:
 * - `transpose`, in dA^[l−1] = W^[l]ᵀ·dZ^[l] (column) or dZ^[l]·W^[l]ᵀ (row): l = 2..L;
 * - `derivative` (σ′ = σ: g′(Z) replaced by g(Z)), in dZ^[l] = dA^[l] ∘ g′(Z^[l]): the hidden layers 1..L−1;
 * - `mean` (a missing 1/m): in dZ^[L] in the column convention; in dW^[l] and db^[l] in the row one, l = 1..L.
 */
export function plantableLayers(mistake: MistakeName, convention: Convention, L: number): number[] {
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  switch (mistake) {
    case "none":
      return [];
    case "transpose":
      return range(2, L);
    case "derivative":
      return range(1, L - 1);
    case "mean":
      return convention === "column" ? [L] : range(1, L);
  }
}

/** The mistake with its layer resolved: 0 (or a layer where it cannot go) means the deepest layer where it can; `none` when there is none. */
export function resolvePlanted(planted: Planted, convention: Convention, L: number): Planted {
  const layers = plantableLayers(planted.mistake, convention, L);
  if (layers.length === 0) return { mistake: "none", layer: 0 };
  return { mistake: planted.mistake, layer: layers.includes(planted.layer) ? planted.layer : layers[layers.length - 1] };
}

/**
 * The hand-derived forward and backward passes of an mlp `model` on X and Y, with the
 * mistake `planted` (after {@link resolvePlanted}) in one formula, and g′ of a custom
 * activation taken from `custom` (your derivative). `source: "page"` runs the page's
 * formulas even where manualBackprop would do (to check that they are the same).
 */
export function handBackprop(model: Model, X: Tensor, Y: Tensor, planted: Planted, custom?: CustomActivation, source?: "page"): HandBackprop {
  const architecture = model.architecture;
  if (architecture.kind !== "mlp") throw new Error("handBackprop: the formulas are for an mlp");
  const L = architecture.sizes.length - 1;
  const usesCustom = architecture.hidden.some((name) => name.startsWith("custom:"));
  if (planted.mistake === "none" && !usesCustom && source !== "page") return fromManualBackprop(model, X, Y, L);

  const column = model.convention === "column";
  const classAxis = column ? 0 : 1;
  const output = outputNamed(architecture.output, "handBackprop");
  const W = (l: number) => model.params[`layer${l}.W`];
  const b = (l: number) => model.params[`layer${l}.b`];
  const hidden = architecture.hidden.map((name) => {
    if (name.startsWith("custom:")) {
      if (custom === undefined) throw new Error("handBackprop: the network has a custom activation; give it (with your g′)");
      return { activate: (z: Tensor) => custom.activate(z), gPrime: (z: Tensor) => custom.gPrime(z) };
    }
    const entry = ACTIVATIONS[name as ActivationName];
    return { activate: (z: Tensor) => entry.activate(z, classAxis), gPrime: (z: Tensor, a: Tensor) => entry.gPrime!(z, a) };
  });
  const is = (mistake: MistakeName, l: number) => planted.mistake === mistake && planted.layer === l;

  return noGrad(() => {
    const A: Tensor[] = [X];
    const Z: Tensor[] = [X];
    for (let l = 1; l <= L; l++) {
      Z[l] = column ? add(matmul(W(l), A[l - 1]), b(l)) : add(matmul(A[l - 1], W(l)), b(l));
      A[l] = l < L ? hidden[l - 1].activate(Z[l]) : output.activate(Z[l], outputAxes(Z[l], model.convention));
    }
    const axes = outputAxes(Z[L], model.convention);
    output.checkTargets("handBackprop", Z[L], Y, model.convention);
    const m = axes.m;
    const layers: HandLayer[] = Array.from({ length: L }, (_, i) => ({ l: i + 1, Z: Z[i + 1], A: A[i + 1] }));
    const grads: Params = {};
    const result: HandBackprop = { layers, grads, cost: output.costFromActivations(A[L], Y, axes).item(), source: "page" };

    const outputError = output.outputGradient(A[L], Y, axes);
    let dZ = column && !is("mean", L) ? div(outputError, m) : outputError; //               dZ^[L] = ∂ℓ/∂Z/m  |  ∂ℓ/∂Z
    for (let l = L; l >= 1; l--) {
      const layer = layers[l - 1];
      layer.dZ = dZ;
      if (column) {
        layer.dW = matmul(dZ, A[l - 1], { transposeB: true }); //                           dW = dZ·Aᵀ
        layer.db = sum(dZ, 1, true); //                                                     db = Σ_columns dZ
      } else {
        const dW = matmul(A[l - 1], dZ, { transposeA: true });
        const db = sum(dZ, 0, true);
        layer.dW = is("mean", l) ? dW : div(dW, m); //                                      dW = (1/m)·Aᵀ·dZ
        layer.db = is("mean", l) ? db : div(db, m); //                                      db = (1/m)·Σ_rows dZ
      }
      grads[`layer${l}.W`] = layer.dW;
      grads[`layer${l}.b`] = layer.db;
      if (l === 1) break;
      const transposed = !is("transpose", l);
      try {
        layer.dAPrev = column ? matmul(W(l), dZ, { transposeA: transposed }) : matmul(dZ, W(l), { transposeB: transposed }); // Wᵀ·dZ  |  dZ·Wᵀ
      } catch (error) {
        result.failure = { l, quantity: `dA^[${l - 1}]`, message: (error as Error).message };
        break;
      }
      const previous = layers[l - 2];
      const slope = is("derivative", l - 1) ? previous.A : hidden[l - 2].gPrime(previous.Z, previous.A); //   g′(Z), or g(Z) by mistake
      dZ = mul(layer.dAPrev, slope); //                                                     dZ = dA ∘ g′(Z)
    }
    result.grads = Object.fromEntries(Object.keys(model.params).filter((name) => name in grads).map((name) => [name, grads[name]]));
    return result;
  });
}

function fromManualBackprop(model: Model, X: Tensor, Y: Tensor, L: number): HandBackprop {
  const manual = manualBackprop(model, X, Y);
  const layers: HandLayer[] = [];
  for (let l = 1; l <= L; l++) {
    const layer: HandLayer = { l, Z: manual.Z[l], A: manual.A[l], dZ: manual.dZ[l], dW: manual.grads[`layer${l}.W`], db: manual.grads[`layer${l}.b`] };
    if (l > 1) layer.dAPrev = manual.dA[l - 1];
    layers.push(layer);
  }
  return { layers, grads: manual.grads, cost: manual.cost, source: "manualBackprop" };
}
