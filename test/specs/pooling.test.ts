import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { maxPoolTiesFormula, poolFamily, poolProblems } from "./layers/pooling";

// One test per formula of hand-derived max and average pooling (test/src/pooling.ts), on
// random shapes, windows, strides (overlapping windows included) and paddings: the reference
// against the tape through core ops and through nn's maxPool2d and avgPool2d layers.

const runs = { numRuns: 30, seed: 20260102 };

describe("pooling", () => {
  it.each(poolFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(poolProblems(), holds(poolFamily, formula)), runs);
  });

  it(maxPoolTiesFormula.formula, () => {
    fc.assert(fc.property(poolProblems({ ties: true }), holds(poolFamily, maxPoolTiesFormula)), runs);
  });
});
