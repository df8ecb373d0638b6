import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { batchNormFamily, batchNormProblems, layerNormFamily, layerNormProblems } from "./layers/normalization";

// One test per formula of hand-derived layer norm and batch norm in training mode
// (test/src/normalization.ts), on random batch sizes, widths, channels and image sizes: the
// reference against the tape through core ops and through nn's layerNorm and batchNorm
// layers (x̂ as the layer's output with γ = 1, β = 0).

const runs = { numRuns: 30, seed: 20260106 };

describe("layer norm", () => {
  it.each(layerNormFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(layerNormProblems, holds(layerNormFamily, formula)), runs);
  });
});

describe("batch norm, training mode", () => {
  it.each(batchNormFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(batchNormProblems, holds(batchNormFamily, formula)), runs);
  });
});
