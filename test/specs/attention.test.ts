import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { attentionFamily, attentionProblems } from "./layers/attention";

// One test per formula of hand-derived scaled dot-product attention (test/src/attention.ts),
// on random batch sizes, sequence lengths, head counts and head widths, with and without
// the causal mask. Through nn's multiHeadAttention layer the projections are the identity
// (the reference has none), and S, dA and dS, which stay inside the layer, are checked through
// core ops only; A, O, dQ, dK and dV are checked along both paths.

describe("scaled dot-product attention", () => {
  it.each(attentionFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(attentionProblems(), holds(attentionFamily, formula)), { numRuns: 25, seed: 20260105 });
  });
});
