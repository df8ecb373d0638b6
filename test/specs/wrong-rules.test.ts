import { describe, expect, it } from "vitest";
import { add, defineOp, div, grad, matmul, mul, sigmoid, tensor, type Tensor } from "@tapegrad/core";
import { compareGradients, type Convention, type Params } from "@tapegrad/nn";
import { inConvention, makeProblem, outputCost, referencePass, toParams } from "../src/fixtures";
import type { Network } from "../src/network";

// The suite must catch wrong rules. Each test plants one through the custom-op API, runs a
// network with it, and checks that comparing the tape with the hand-derived gradients
// fails and names the parameter where the disagreement starts.

interface Ops {
  matmul: (a: Tensor, b: Tensor) => Tensor;
  addBias: (z: Tensor, b: Tensor) => Tensor;
  hidden: (z: Tensor) => Tensor;
  averageOverExamples: (total: Tensor, m: number) => Tensor;
}
const correct: Ops = { matmul: (a, b) => matmul(a, b), addBias: add, hidden: sigmoid, averageOverExamples: div };

/** A 3-layer sigmoid network, square (n = m = 4) so that a missing transpose still has the right shape. */
const architecture = { sizes: [4, 4, 4, 1], hidden: ["sigmoid", "sigmoid"] as const, output: "sigmoid" as const, m: 4, seed: 5 };

function tapeGradients(convention: Convention, network: Network, X: number[][], Y: number[][], ops: Ops, plantIn: number): Params {
  const L = network.layers.length;
  const Yt = tensor(Y);
  return grad((p: Params) => {
    let A = tensor(X);
    for (let l = 1; l <= L; l++) {
      const use = l === plantIn ? ops : correct;
      const W = p[`layer${l}.W`];
      const Z = use.addBias(convention === "column" ? use.matmul(W, A) : use.matmul(A, W), p[`layer${l}.b`]);
      A = l < L ? use.hidden(Z) : Z;
    }
    // The cost written as a sum over examples, then averaged, so that 1/m is one op.
    const m = convention === "row" ? X.length : X[0].length;
    const summed = mul(outputCost(convention, "sigmoid", A, Yt), m);
    return (plantIn === L ? ops : correct).averageOverExamples(summed, m);
  })(toParams(network))[0];
}

function compareWithReference(convention: Convention, ops: Ops, plantIn: number) {
  const { network, X, Y } = inConvention(makeProblem({ ...architecture, hidden: [...architecture.hidden] }), convention);
  const pass = referencePass(convention, network, X, Y);
  const expected: Params = {};
  for (let l = 1; l <= network.layers.length; l++) {
    expected[`layer${l}.W`] = tensor(pass.dW[l]);
    expected[`layer${l}.b`] = tensor(pass.db[l]);
  }
  return compareGradients(expected, tapeGradients(convention, network, X, Y, ops, plantIn), { rtol: 1e-9 });
}

describe.each(["column", "row"] as const)("planted wrong rules are reported, %s-major", (convention) => {
  it("the correct rules agree (the comparison is not vacuous)", () => {
    const report = compareWithReference(convention, correct, 2);
    expect(report.ok, report.table()).toBe(true);
  });

  it("sigmoid′ = σ instead of σ(1 − σ), in layer 2: names layer 2", () => {
    const wrongSigmoid = defineOp({
      name: `sigmoidWithDerivativeSigma_${convention}`,
      inputNames: ["x"],
      forward: ([x]) => sigmoid(x),
      vjp: (g, { out }) => [mul(g, out)], // σ′ written as σ
    });
    const report = compareWithReference(convention, { ...correct, hidden: wrongSigmoid }, 2);
    expect(report.ok).toBe(false);
    expect(report.firstDisagreeingLayer).toBe("layer2");
    expect(report.rows.filter((r) => !r.ok).map((r) => r.name).sort()).toEqual(["layer1.W", "layer1.b", "layer2.W", "layer2.b"]);
    expect(report.table()).toContain("first disagreement in backward order: layer2.b");
  });

  it("a matmul whose weight gradient misses a transpose, in layer 2: names layer2.W alone", () => {
    const missingTranspose = defineOp({
      name: `matmulMissingTranspose_${convention}`,
      inputNames: ["a", "b"],
      forward: ([a, b]) => matmul(a, b),
      vjp: (g, { inputs: [a, b] }) =>
        convention === "column"
          ? [matmul(g, b), matmul(a, g, { transposeA: true })] //  dW = g·A, should be g·Aᵀ
          : [matmul(g, b, { transposeB: true }), matmul(a, g)], // dW = A·g, should be Aᵀ·g
    });
    const report = compareWithReference(convention, { ...correct, matmul: (a, b) => missingTranspose(a, b) }, 2);
    expect(report.ok).toBe(false);
    expect(report.rows.filter((r) => !r.ok).map((r) => r.name)).toEqual(["layer2.W"]);
    expect(report.firstDisagreement).toBe("layer2.W");
  });

  it("a bias gradient without the sum over examples (one example's gradient), in layer 3: names layer3.b alone", () => {
    const exampleAxis = convention === "column" ? 1 : 0;
    const firstExampleOnly = defineOp({
      name: `biasGradientWithoutSum_${convention}`,
      inputNames: ["z", "b"],
      forward: ([z, b]) => add(z, b),
      vjp: (g) => {
        const pick = tensor(Array.from({ length: g.shape[exampleAxis] }, (_, i) => [i === 0 ? 1 : 0]));
        return [g, exampleAxis === 1 ? matmul(g, pick) : matmul(pick, g, { transposeA: true })];
      },
    });
    const report = compareWithReference(convention, { ...correct, addBias: (z, b) => firstExampleOnly(z, b) }, 3);
    expect(report.ok).toBe(false);
    expect(report.rows.filter((r) => !r.ok).map((r) => r.name)).toEqual(["layer3.b"]);
  });

  it("a bias gradient that is not summed at all is refused by the engine, naming the op and both shapes", () => {
    const unsummed = defineOp({ name: `biasGradientUnsummed_${convention}`, inputNames: ["z", "b"], forward: ([z, b]) => add(z, b), vjp: (g) => [g, g] });
    const biasShape = convention === "column" ? "[4, 1]" : "[1, 4]";
    expect(() => compareWithReference(convention, { ...correct, addBias: (z, b) => unsummed(z, b) }, 1)).toThrow(
      `vjp of op 'biasGradientUnsummed_${convention}' returned a gradient of shape [4, 4] for input 1 ('b'), whose shape is ${biasShape}`,
    );
  });

  it("a missing 1/m in the cost's average: every parameter differs, from the output layer down", () => {
    const missingOneOverM = defineOp<{ m: number }>({
      name: `averageMissingOneOverM_${convention}`,
      inputNames: ["total"],
      forward: ([total], { m }) => div(total, m),
      vjp: (g) => [g],
    });
    const report = compareWithReference(convention, { ...correct, averageOverExamples: (total, m) => missingOneOverM.run([total], { m }) }, 3);
    expect(report.ok).toBe(false);
    expect(report.rows.every((r) => !r.ok)).toBe(true);
    expect(report.firstDisagreeingLayer).toBe("layer3");
    // The gradients are m times too large: the table shows it.
    expect(report.rows[0].maxRelDifference).toBeCloseTo(architecture.m - 1, 6);
  });
});
