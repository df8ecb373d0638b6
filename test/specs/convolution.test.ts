import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { conv1dFamily, conv1dProblems, conv2dFamily, conv2dProblems } from "./layers/convolution";

// One test per formula of the hand-derived convolution (test/src/convolution.ts), each on
// random shapes, strides, paddings, dilations and channel groups: the reference against the
// tape along every path (core ops, and nn's conv1d and conv2d layers), and against central
// differences of the reference's own loss.

const runs = { numRuns: 25, seed: 20260101 };

describe("1-D convolution", () => {
  it.each(conv1dFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(conv1dProblems(), holds(conv1dFamily, formula)), runs);
  });
});

describe("2-D convolution", () => {
  it.each(conv2dFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(conv2dProblems(), holds(conv2dFamily, formula)), runs);
  });
});
