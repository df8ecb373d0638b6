import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binaryCrossEntropyWithLogits, div, grad, Random, softmaxCrossEntropy, tensor, type Tensor } from "@tapegrad/core";
import { sigmoid } from "../src/activations";
import { binaryCrossEntropyGradientShortcut, binaryCrossEntropyGradientThroughDerivative } from "../src/costs";
import { crossEntropyGradientShortcut, crossEntropyGradientThroughJacobian, softmax } from "../src/softmax";
import { relativeError } from "./layers/check";

// The fused gradients of an output layer with its loss, beside the long way through the
// activation's derivative (or Jacobian), and the tape's gradient of the stable fused loss.

const problems = fc.record({ m: fc.integer({ min: 1, max: 8 }), classes: fc.integer({ min: 2, max: 5 }), seed: fc.nat() }).map(({ m, classes, seed }) => {
  const rng = new Random(seed);
  const Z = Array.from({ length: m }, () => Array.from({ length: classes }, () => 2 * rng.normal()));
  const labels = Array.from({ length: m }, () => rng.int(classes));
  return { m, Z, oneHot: labels.map((label) => Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0))), binary: Z.map((row) => row.map(() => rng.int(2))) };
});

describe("fused shortcuts", () => {
  it("sigmoid + binary cross-entropy: ∂J/∂a·σ′(z) = (A − Y)/m", () => {
    fc.assert(
      fc.property(problems, ({ m, Z, binary }) => {
        const A = Z.map((row) => row.map(sigmoid));
        const long = A.map((a, i) => binaryCrossEntropyGradientThroughDerivative(a, binary[i], m));
        const shortcut = A.map((a, i) => binaryCrossEntropyGradientShortcut(a, binary[i], m));
        expect(relativeError(long, shortcut)).toBeLessThan(1e-12);
        // J = −(1/m) Σ_examples Σ_units [y log a + (1 − y) log(1 − a)]: the sum over units, averaged over examples.
        const [tape] = grad((z: Tensor) => div(binaryCrossEntropyWithLogits(z, tensor(binary), { reduction: "sum" }), m))(tensor(Z));
        expect(relativeError(tape, shortcut)).toBeLessThan(1e-13);
      }),
      { numRuns: 40, seed: 20260107 },
    );
  });

  it("softmax + cross-entropy: (∂a/∂z)ᵀ·∂J/∂a = (A − Y)/m", () => {
    fc.assert(
      fc.property(problems, ({ m, Z, oneHot }) => {
        const A = Z.map(softmax);
        const long = A.map((a, i) => crossEntropyGradientThroughJacobian(a, oneHot[i], m));
        const shortcut = A.map((a, i) => crossEntropyGradientShortcut(a, oneHot[i], m));
        expect(relativeError(long, shortcut)).toBeLessThan(1e-12);
        const [tape] = grad((z: Tensor) => softmaxCrossEntropy(z, tensor(oneHot), { axis: 1 }))(tensor(Z));
        expect(relativeError(tape, shortcut)).toBeLessThan(1e-13);
      }),
      { numRuns: 40, seed: 20260108 },
    );
  });
});
