import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, tensor } from "@tapegrad/core";
import { compareGradients, manualBackprop, type Convention, type Params } from "@tapegrad/nn";
import type { Activation } from "../src/activations";
import { inConvention, makeProblem, nnModel, normwiseError, referencePass, toParams } from "../src/fixtures";

// @tapegrad/nn's manualBackprop (the formulas written with tensor ops, no tape) against the
// independent plain-array reference, intermediate by intermediate, and against the tape.

describe.each(["column", "row"] as const)("manualBackprop, %s-major", (convention: Convention) => {
  it("equals the reference in Z, A, dZ, dA, dW, db and the cost, and the tape in dW, db", () => {
    fc.assert(
      fc.property(
        fc.record({
          sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 5 }),
          hidden: fc.array(fc.constantFrom<Activation>("sigmoid", "tanh", "relu"), { minLength: 3, maxLength: 3 }),
          output: fc.constantFrom<"sigmoid" | "softmax">("sigmoid", "softmax"),
          m: fc.integer({ min: 1, max: 12 }),
          seed: fc.nat(),
        }),
        ({ hidden, ...rest }) => {
          const architecture = { ...rest, hidden: hidden.slice(0, rest.sizes.length - 2) };
          const { network, X, Y } = inConvention(makeProblem(architecture), convention);
          const reference = referencePass(convention, network, X, Y);
          const model = nnModel(convention, network, toParams(network));
          const byHand = manualBackprop(model, tensor(X), tensor(Y));
          const L = network.layers.length;
          expect(Math.abs(byHand.cost - reference.cost)).toBeLessThanOrEqual(1e-12 * Math.max(reference.cost, 1e-300));
          for (let l = 1; l <= L; l++) {
            expect(normwiseError(byHand.Z[l], reference.Z[l]), `Z^[${l}]`).toBeLessThan(1e-13);
            expect(normwiseError(byHand.A[l], reference.A[l]), `A^[${l}]`).toBeLessThan(1e-13);
            expect(normwiseError(byHand.dZ[l], reference.dZ[l]), `dZ^[${l}]`).toBeLessThan(1e-12);
            if (l < L) expect(normwiseError(byHand.dA[l], reference.dA[l]), `dA^[${l}]`).toBeLessThan(1e-12);
            expect(normwiseError(byHand.grads[`layer${l}.W`], reference.dW[l]), `dW^[${l}]`).toBeLessThan(1e-12);
            expect(normwiseError(byHand.grads[`layer${l}.b`], reference.db[l]), `db^[${l}]`).toBeLessThan(1e-12);
          }
          const tape = grad((p: Params) => model.loss(p, tensor(X), tensor(Y)))(model.params)[0];
          const report = compareGradients(byHand.grads, tape, { rtol: 1e-10 });
          expect(report.ok, report.table()).toBe(true);
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});
