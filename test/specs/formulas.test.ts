import { describe, expect, it } from "vitest";
import { binaryCrossEntropy, grad, relu, sigmoid, softmax, softmaxCrossEntropy, sum, tanh, tensor, valueAndGrad, type Tensor } from "@tapegrad/core";
import type { Convention, Dense, Params } from "@tapegrad/nn";
import { activations, derivatives, type Activation } from "../src/activations";
import { binaryCrossEntropy as referenceBinaryCrossEntropy, categoricalCrossEntropy } from "../src/costs";
import { coreCost, inConvention, makeProblem, nnModel, normwiseError, numericGradient, outputCost, referencePass, toParams } from "../src/fixtures";
import { transposed, type Matrix } from "../src/matrix";
import type { Network } from "../src/network";
import { crossEntropyGradientShortcut, crossEntropyGradientThroughJacobian, softmax as referenceSoftmax } from "../src/softmax";

// One test per formula of the seed notes: the hand-derived reference (plain arrays) against
// the tape, through raw core ops and through @tapegrad/nn layers, and against finite
// differences of the reference's own cost.

const TAPE = 1e-12; // reference vs tape, float64, relative to the gradient's scale
const FINITE_DIFFERENCES = 1e-6;

const architectures = {
  sigmoid: { sizes: [4, 5, 3, 1], hidden: ["tanh", "relu"] as Activation[], output: "sigmoid" as const, m: 6, seed: 11 },
  softmax: { sizes: [3, 4, 5, 3], hidden: ["sigmoid", "tanh"] as Activation[], output: "softmax" as const, m: 7, seed: 12 },
};

/** The network from layer `from` on, fed A^[from−1], as the reference computes it. */
function tail(network: Network, from: number): Network {
  return { ...network, layers: network.layers.slice(from - 1), hidden: network.hidden.slice(from - 1) };
}

describe.each(["column", "row"] as const)("%s-major formulas", (convention: Convention) => {
  describe.each(Object.entries(architectures))("%s output", (_, architecture) => {
    const { network, X, Y } = inConvention(makeProblem(architecture), convention);
    const pass = referencePass(convention, network, X, Y);
    const L = network.layers.length;
    const m = architecture.m;
    const params = toParams(network);
    const Xt = tensor(X);
    const Yt = tensor(Y);
    const cost = (net: Network, input: Matrix) => referencePass(convention, net, input, Y).cost;
    const layerGrads = valueAndGrad((p: Params) => coreCost(convention, network, Yt)(p, Xt))(params);
    const model = nnModel(convention, network, params);
    const nnGrads = grad((p: Params) => model.loss(p, Xt, Yt))(model.params)[0];
    // Row-major dZ and dA are per-example derivatives; the tape gives those of J = (1/m) Σ L^(i).
    const perExample = convention === "row" ? m : 1;

    it(`the cost J: reference = core losses = nn model loss`, () => {
      expect(Math.abs(layerGrads.value.item() - pass.cost)).toBeLessThan(1e-12 * pass.cost);
      expect(Math.abs(model.loss(model.params, Xt, Yt).item() - pass.cost)).toBeLessThan(1e-12 * pass.cost);
    });

    it(`Z^[l] = ${convention === "column" ? "W^[l]·A^[l−1]" : "A^[l−1]·W^[l]"} + b^[l]`, () => {
      for (let l = 1; l <= L; l++) expect(normwiseError((model.layers[l - 1] as Dense).linear(model.params, tensor(pass.A[l - 1])), pass.Z[l])).toBeLessThan(1e-14);
    });

    it(convention === "column" ? "dZ^[L] = (A^[L] − Y)/m" : "dZ^[L] = A^[L] − Y (per example)", () => {
      const [dZ] = grad((Z: Tensor) => outputCost(convention, network.output, Z, Yt))(tensor(pass.Z[L]));
      const expected = pass.dZ[L].map((row) => row.map((v) => v / perExample));
      expect(normwiseError(dZ, expected)).toBeLessThan(TAPE);
      const numeric = numericGradient((Z) => (network.output === "sigmoid" ? referenceBinaryCrossEntropyFromLogits(Z) : referenceSoftmaxCost(Z)), pass.Z[L]);
      expect(normwiseError(numeric, expected)).toBeLessThan(FINITE_DIFFERENCES);

      function referenceBinaryCrossEntropyFromLogits(Z: Matrix) {
        const a = Z.map((row) => row.map(activations.sigmoid));
        return convention === "column" ? referenceBinaryCrossEntropy(transposed(a), transposed(Y)) : referenceBinaryCrossEntropy(a, Y);
      }
      function referenceSoftmaxCost(Z: Matrix) {
        return convention === "column"
          ? categoricalCrossEntropy(transposed(Z).map(referenceSoftmax), transposed(Y))
          : categoricalCrossEntropy(Z.map(referenceSoftmax), Y);
      }
    });

    const parameterFormulas = [
      { key: "W", title: convention === "column" ? "dW^[l] = dZ^[l]·A^[l−1]ᵀ" : "dW^[l] = (1/m)·A^[l−1]ᵀ·dZ^[l]", expected: pass.dW },
      { key: "b", title: convention === "column" ? "db^[l] = Σ over examples of dZ^[l]" : "db^[l] = (1/m)·Σ over examples of dZ^[l]", expected: pass.db },
    ] as const;
    it.each(parameterFormulas)("$title", ({ key, expected }) => {
      for (let l = 1; l <= L; l++) {
        const name = `d${key}^[${l}]`;
        expect(normwiseError(layerGrads.grads[0][`layer${l}.${key}`], expected[l]), `core ops, ${name}`).toBeLessThan(TAPE);
        expect(normwiseError(nnGrads[`layer${l}.${key}`], expected[l]), `nn, ${name}`).toBeLessThan(TAPE);
        const withValue = (value: Matrix) => ({ ...network, layers: network.layers.map((layer, k) => (k === l - 1 ? { ...layer, [key]: value } : layer)) });
        const numeric = numericGradient((value) => cost(withValue(value), X), network.layers[l - 1][key]);
        expect(normwiseError(numeric, expected[l]), `finite differences, ${name}`).toBeLessThan(FINITE_DIFFERENCES);
      }
    });

    it(convention === "column" ? "dA^[l−1] = W^[l]ᵀ·dZ^[l]" : "dA^[l−1] = dZ^[l]·W^[l]ᵀ (per example)", () => {
      for (let l = 2; l <= L; l++) {
        const expected = pass.dA[l - 1].map((row) => row.map((v) => v / perExample));
        const [, dA] = grad((p: Params, A: Tensor) => coreCost(convention, network, Yt, l)(p, A))(params, tensor(pass.A[l - 1]));
        expect(normwiseError(dA, expected), `core ops, dA^[${l - 1}]`).toBeLessThan(TAPE);
        const [dAnn] = grad((A: Tensor) => {
          let a = A;
          for (let k = l; k <= L; k++) a = k < L ? model.layers[k - 1].apply(model.params, a) : (model.layers[k - 1] as Dense).linear(model.params, a);
          return outputCost(convention, network.output, a, Yt);
        })(tensor(pass.A[l - 1]));
        expect(normwiseError(dAnn, expected), `nn, dA^[${l - 1}]`).toBeLessThan(TAPE);
        const numeric = numericGradient((A) => cost(tail(network, l), A), pass.A[l - 1]);
        expect(normwiseError(numeric, expected), `finite differences, dA^[${l - 1}]`).toBeLessThan(FINITE_DIFFERENCES);
      }
    });

    it("dZ^[l] = dA^[l] ∘ g′(Z^[l])", () => {
      for (let l = 1; l < L; l++) {
        const g = { sigmoid, tanh, relu }[network.hidden[l - 1]];
        const expected = pass.dZ[l].map((row) => row.map((v) => v / perExample));
        const [dZ] = grad((Z: Tensor) => coreCost(convention, network, Yt, l + 1)(params, g(Z)))(tensor(pass.Z[l]));
        expect(normwiseError(dZ, expected), `dZ^[${l}]`).toBeLessThan(TAPE);
        const numeric = numericGradient((Z) => cost(tail(network, l + 1), Z.map((row) => row.map(activations[network.hidden[l - 1]]))), pass.Z[l]);
        expect(normwiseError(numeric, expected), `finite differences, dZ^[${l}]`).toBeLessThan(FINITE_DIFFERENCES);
      }
    });
  });
});

describe("activation derivatives", () => {
  const z = [-3, -0.5, -1e-3, 0.25, 1, 4];
  const cases: Array<[string, Activation, (x: Tensor) => Tensor]> = [
    ["σ′(z) = σ(z)(1 − σ(z))", "sigmoid", sigmoid],
    ["tanh′(z) = 1 − tanh²(z)", "tanh", tanh],
    ["relu′(z) = 1 for z > 0, 0 for z ≤ 0", "relu", relu],
  ];
  it.each(cases)("%s", (_, name, op) => {
    const expected = z.map((v) => derivatives[name](v, activations[name](v)));
    const [tape] = grad((x: Tensor) => sum(op(x)))(tensor(z));
    expect(normwiseError(tensor([Array.from(tape.data)]), [expected])).toBeLessThan(1e-15);
    const numeric = z.map((v) => (activations[name](v + 1e-7) - activations[name](v - 1e-7)) / 2e-7);
    expect(normwiseError([numeric], [expected])).toBeLessThan(1e-7);
  });

  it("relu′(0) = 0: the subgradient at the kink", () => {
    expect(derivatives.relu(0, 0)).toBe(0);
    expect(grad((x: Tensor) => sum(relu(x)))(tensor([0]))[0].item()).toBe(0);
  });
});

describe("softmax", () => {
  const z = [[0.5, -1.2, 2.0, 0.3], [1, 1, 1, 1], [-3, 0, 3, 0.5]];
  const y = [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]];
  const m = z.length;

  it("∂J/∂z through the full Jacobian, (∂a/∂z)ᵀ·∂J/∂a, equals the shortcut (A − Y)/m and the tape", () => {
    const [tape] = grad((Z: Tensor) => softmaxCrossEntropy(Z, tensor(y), { axis: 1 }))(tensor(z));
    z.forEach((row, i) => {
      const a = referenceSoftmax(row);
      const viaJacobian = crossEntropyGradientThroughJacobian(a, y[i], m);
      const shortcut = crossEntropyGradientShortcut(a, y[i], m);
      expect(normwiseError([viaJacobian], [shortcut])).toBeLessThan(1e-14);
      expect(normwiseError([Array.from(tape.data.subarray(i * 4, i * 4 + 4))], [shortcut])).toBeLessThan(1e-14);
    });
  });

  it("the reference softmax equals core's in both layouts", () => {
    expect(normwiseError(softmax(tensor(z), 1), z.map(referenceSoftmax))).toBeLessThan(1e-15);
    expect(normwiseError(softmax(tensor(transposed(z)), 0), transposed(z.map(referenceSoftmax)))).toBeLessThan(1e-15);
  });
});

describe("costs", () => {
  it("binary cross-entropy: J = −(1/m) Σ [y log a + (1 − y) log(1 − a)]", () => {
    const a = [[0.9], [0.2], [0.6]];
    const y = [[1], [0], [1]];
    const byHand = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6)) / 3;
    expect(referenceBinaryCrossEntropy(a, y)).toBeCloseTo(byHand, 15);
    expect(binaryCrossEntropy(tensor(a), tensor(y)).item()).toBeCloseTo(byHand, 15);
  });

  it("categorical cross-entropy: J = −(1/m) Σ_examples Σ_classes y log a", () => {
    const a = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]];
    const y = [[1, 0, 0], [0, 0, 1]];
    const byHand = -(Math.log(0.7) + Math.log(0.8)) / 2;
    expect(categoricalCrossEntropy(a, y)).toBeCloseTo(byHand, 15);
    const logits = tensor(a.map((row) => row.map(Math.log)));
    expect(softmaxCrossEntropy(logits, tensor(y), { axis: 1 }).item()).toBeCloseTo(byHand, 14);
  });
});
