// Layer norm and batch norm in training mode: random problems, the reference's pass, and the
// tape through core ops (mean, variance, sqrt) and through nn's layerNorm and batchNorm layers
// (batch norm in training mode, γ and β as the reference's). The loss is J = ⟨G, Y⟩, so that dY = G.
import fc from "fast-check";
import { add, div, grad, mean, mul, ones, Random, reshape, sqrt, sub, sum, variance, zeros, type Tensor } from "@tapegrad/core";
import { batchNorm as batchNormLayer, layerNorm as layerNormLayer, type LayerContext, type Params } from "@tapegrad/nn";
import type { Array4 } from "../../src/convolution";
import type { Matrix } from "../../src/matrix";
import {
  batchNormBackward,
  batchNormBackwardStepByStep,
  batchNormForward,
  EPSILON,
  layerNormBackward,
  layerNormForward,
  type BatchNormPass,
  type LayerNormPass,
} from "../../src/normalization";
import { asTensor, centralDifferences, inner, layerGradients, normalArray, once, type Family } from "./check";

export interface LayerNormProblem {
  X: Matrix;
  gamma: number[];
  beta: number[];
  G: Matrix;
}

export interface BatchNormProblem {
  X: Array4;
  gamma: number[];
  beta: number[];
  G: Array4;
}

type Gradients<T> = { dX: T; dGamma: number[]; dBeta: number[] };
export type LayerNormReference = LayerNormPass & Gradients<Matrix>;
export type BatchNormReference = BatchNormPass & Gradients<Array4> & { dXStepByStep: Array4 };

// Inputs get a per-row or per-channel offset and scale, so the statistics differ from 0 and 1.
// At least three values per statistic: with two, x̂ = ±1 whatever x is (up to ε), dx is of
// the order of ε and nothing but cancellation, so no relative comparison means anything.

export const layerNormProblems: fc.Arbitrary<LayerNormProblem> = fc
  .record({ N: fc.integer({ min: 1, max: 4 }), D: fc.integer({ min: 3, max: 6 }), seed: fc.nat() })
  .map(({ N, D, seed }) => {
    const rng = new Random(seed);
    return {
      X: normalArray<Matrix>(rng, [N, D]).map((row) => {
        const [offset, spread] = [rng.normal(), 0.5 + rng.uniform()];
        return row.map((x) => offset + spread * x);
      }),
      gamma: normalArray<number[]>(rng, [D]),
      beta: normalArray<number[]>(rng, [D]),
      G: normalArray<Matrix>(rng, [N, D]),
    };
  });

export const batchNormProblems: fc.Arbitrary<BatchNormProblem> = fc
  .record({ N: fc.integer({ min: 1, max: 4 }), C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 3 }), W: fc.integer({ min: 1, max: 3 }), seed: fc.nat() })
  .filter(({ N, H, W }) => N * H * W >= 3)
  .map(({ N, C, H, W, seed }) => {
    const rng = new Random(seed);
    const [offsets, spreads] = [normalArray<number[]>(rng, [C]), Array.from({ length: C }, () => 0.5 + rng.uniform())];
    return {
      X: normalArray<Array4>(rng, [N, C, H, W]).map((example) => example.map((image, c) => image.map((row) => row.map((x) => offsets[c] + spreads[c] * x)))),
      gamma: normalArray<number[]>(rng, [C]),
      beta: normalArray<number[]>(rng, [C]),
      G: normalArray<Array4>(rng, [N, C, H, W]),
    };
  });

/** x̂ and y through core ops, the statistics over `axes` (kept, to broadcast back). */
function normalise(X: Tensor, gamma: Tensor, beta: Tensor, axes: number[]) {
  const xHat = div(sub(X, mean(X, axes, true)), sqrt(add(variance(X, axes, true), EPSILON)));
  return { xHat, Y: add(mul(xHat, gamma), beta) };
}

function coreLayerNorm(p: LayerNormProblem) {
  const forward = (X: Tensor, gamma: Tensor, beta: Tensor) => normalise(X, gamma, beta, [1]);
  const inputs = () => [asTensor(p.X), asTensor(p.gamma), asTensor(p.beta)] as const;
  const grads = once(() => grad((X: Tensor, gamma: Tensor, beta: Tensor) => sum(mul(forward(X, gamma, beta).Y, asTensor(p.G))))(...inputs()));
  return { xHat: () => forward(...inputs()).xHat, Y: () => forward(...inputs()).Y, dX: () => grads()[0], dGamma: () => grads()[1], dBeta: () => grads()[2] };
}

function coreBatchNorm(p: BatchNormProblem) {
  const C = p.gamma.length;
  const forward = (X: Tensor, gamma: Tensor, beta: Tensor) => normalise(X, reshape(gamma, [1, C, 1, 1]), reshape(beta, [1, C, 1, 1]), [0, 2, 3]);
  const inputs = () => [asTensor(p.X), asTensor(p.gamma), asTensor(p.beta)] as const;
  const grads = once(() => grad((X: Tensor, gamma: Tensor, beta: Tensor) => sum(mul(forward(X, gamma, beta).Y, asTensor(p.G))))(...inputs()));
  return { xHat: () => forward(...inputs()).xHat, Y: () => forward(...inputs()).Y, dX: () => grads()[0], dGamma: () => grads()[1], dBeta: () => grads()[2] };
}

/**
 * A normalisation layer's path: Y and the gradients with `${name}.gamma` = γ and
 * `${name}.beta` = β, and x̂ as the layer's output with γ = 1 and β = 0.
 */
function layerNormalisation(apply: (params: Params, x: Tensor) => Tensor, name: string, p: { X: Matrix | Array4; gamma: number[]; beta: number[]; G: Matrix | Array4 }) {
  const params = (gamma: Tensor, beta: Tensor): Params => ({ [`${name}.gamma`]: gamma, [`${name}.beta`]: beta });
  const D = p.gamma.length;
  const { output, dParams, dX } = layerGradients(apply, params(asTensor(p.gamma), asTensor(p.beta)), asTensor(p.X), p.G);
  return {
    xHat: () => apply(params(ones([D]), zeros([D])), asTensor(p.X)),
    Y: output,
    dX,
    dGamma: () => dParams()[`${name}.gamma`],
    dBeta: () => dParams()[`${name}.beta`],
  };
}

function layerLayerNorm(p: LayerNormProblem) {
  const layer = layerNormLayer({ name: "norm", normalizedShape: p.gamma.length, eps: EPSILON });
  return layerNormalisation((params, x) => layer.apply(params, x), "norm", p);
}

/** Batch norm in training mode: the batch's statistics (the running ones it records are dropped). */
function layerBatchNorm(p: BatchNormProblem) {
  const C = p.gamma.length;
  const layer = batchNormLayer({ name: "bn", features: C, eps: EPSILON });
  const training: LayerContext = { training: true, random: new Random(0), state: { "bn.runningMean": zeros([C]), "bn.runningVar": ones([C]) }, updateState: () => {} };
  return layerNormalisation((params, x) => layer.apply(params, x, training), "bn", p);
}

export const layerNormFamily: Family<LayerNormProblem, LayerNormReference> = {
  reference: ({ X, gamma, beta, G }) => {
    const pass = layerNormForward(X, gamma, beta);
    return { ...pass, ...layerNormBackward(pass, gamma, G) };
  },
  paths: { "core ops": coreLayerNorm, "nn layers": layerLayerNorm },
  formulas: [
    { formula: "x̂ = (x − μ)/√(σ² + ε) over each row, with the biased σ² = (1/D)·Σ(x − μ)²", quantity: "xHat", expected: (pass) => pass.xHat },
    { formula: "y = γ·x̂ + β", quantity: "Y", expected: (pass) => pass.Y },
    {
      formula: "dγ = Σ_rows dy·x̂",
      quantity: "dGamma",
      expected: (pass) => pass.dGamma,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((g: number[]) => inner(G, layerNormForward(X, g, beta).Y), gamma),
    },
    {
      formula: "dβ = Σ_rows dy",
      quantity: "dBeta",
      expected: (pass) => pass.dBeta,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((b: number[]) => inner(G, layerNormForward(X, gamma, b).Y), beta),
    },
    {
      formula: "dx = (1/D)·(1/σ)·(D·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) with dx̂ = dy ⊙ γ",
      quantity: "dX",
      expected: (pass) => pass.dX,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((x: Matrix) => inner(G, layerNormForward(x, gamma, beta).Y), X),
    },
  ],
};

export const batchNormFamily: Family<BatchNormProblem, BatchNormReference> = {
  reference: ({ X, gamma, beta, G }) => {
    const pass = batchNormForward(X, gamma, beta);
    return { ...pass, ...batchNormBackward(pass, gamma, G), dXStepByStep: batchNormBackwardStepByStep(X, pass, gamma, G) };
  },
  paths: { "core ops": coreBatchNorm, "nn layers": layerBatchNorm },
  formulas: [
    { formula: "x̂ = (x − μ_c)/√(σ²_c + ε) over each channel's N·H·W values, with the biased σ²", quantity: "xHat", expected: (pass) => pass.xHat },
    { formula: "y = γ_c·x̂ + β_c", quantity: "Y", expected: (pass) => pass.Y },
    {
      formula: "dγ = Σ dy·x̂ (over examples and positions)",
      quantity: "dGamma",
      expected: (pass) => pass.dGamma,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((g: number[]) => inner(G, batchNormForward(X, g, beta).Y), gamma),
    },
    {
      formula: "dβ = Σ dy (over examples and positions)",
      quantity: "dBeta",
      expected: (pass) => pass.dBeta,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((b: number[]) => inner(G, batchNormForward(X, gamma, b).Y), beta),
    },
    {
      formula: "dx = (1/M)·γ/σ·(M·dy − Σdy − x̂·Σ(dy·x̂)), M = N·H·W",
      quantity: "dX",
      expected: (pass) => pass.dX,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((x: Array4) => inner(G, batchNormForward(x, gamma, beta).Y), X),
    },
    {
      formula: "dx node by node through the graph: dx̂ = dy·γ, dσ² = Σdx̂·(x − μ)·(−½)σ⁻³, dμ = −Σdx̂/σ, dx = dx̂/σ + dσ²·2(x − μ)/M + dμ/M",
      quantity: "dX",
      expected: (pass) => pass.dXStepByStep,
      numeric: ({ X, gamma, beta, G }) => centralDifferences((x: Array4) => inner(G, batchNormForward(x, gamma, beta).Y), X),
    },
  ],
};
