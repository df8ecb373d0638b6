import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { attentionFamily, attentionProblems } from "./layers/attention";

// One test per formula of hand-derived scaled dot-product attention (test/src/attention.ts),
// on random batch sizes, sequence lengths, head counts and head widths, with and without
// the causal mask.

describe("scaled dot-product attention", () => {
  it.each(attentionFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(attentionProblems(), holds(attentionFamily, formula)), { numRuns: 25, seed: 20260105 });
  });
});
