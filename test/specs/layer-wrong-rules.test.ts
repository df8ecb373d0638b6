import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { avgPool2d, conv2d, defineOp, div, gather, matmul, maxPool2d, stopGradient, tensor, vjp, type Conv2dOptions, type Pool2dOptions, type Tensor } from "@tapegrad/core";
import { compareGradients } from "@tapegrad/nn";
import { headOf, joinHeads } from "../src/attention";
import { fullCorrelation1d, fullCorrelation2d } from "../src/convolution";
import { dot, transposed, zerosMatrix, type Matrix } from "../src/matrix";
import { avgPoolBackward } from "../src/pooling";
import { lstmBackwardStep, rnnBackwardStep, type LstmGradients, type RnnGradients } from "../src/recurrent";
import { attentionFamily, attentionProblems, coreAttention, type AttentionProblem } from "./layers/attention";
import { asParams, failingFormulas, relativeError, tapeParams, type Family } from "./layers/check";
import { conv1dFamily, conv1dProblems, conv2dFamily, conv2dProblems, coreConv2d, type Conv2dProblem } from "./layers/convolution";
import { corePooling, poolFamily, poolProblems } from "./layers/pooling";
import { coreRnn, lstmFamily, lstmProblems, rnnFamily, rnnProblems, type LstmProblem, type RnnProblem } from "./layers/recurrent";

// The layer formula tests must catch the classic hand-derivation mistakes. Each test plants
// one, either in the reference (a wrong variant of its pass, built from the reference's own
// pieces) or in the tape (an op defined with defineOp whose vjp makes the mistake), and
// checks on random problems that exactly the formulas that mistake breaks fail, and that
// compareGradients names the quantity where the disagreement starts.

const runs = { numRuns: 10, seed: 20260109 };

const formulaOf = <P, R>(family: Family<P, R>, quantity: string) => family.formulas.find((f) => f.quantity === quantity)!.formula;
const backwardFormulas = <P, R>(family: Family<P, R>, forward: string[]) => family.formulas.filter((f) => !forward.includes(f.quantity)).map((f) => f.formula);

describe("a convolution's dX computed with the unflipped kernel", () => {
  const names = { "conv.dX": "dX", "conv.dW": "dW", "conv.db": "db" };
  const unflipped2d = (problem: Conv2dProblem) => fullCorrelation2d(problem.G, problem.W, [problem.X[0][0].length, problem.X[0][0][0].length], problem.geometry); // W where rot180(W) belongs
  /**
   * Whether the flip changes dX at all on this problem: it does not when no input element is
   * read through a kernel tap (e.g. a dilated kernel whose taps land on the padding only).
   */
  const flipMatters = (problem: Conv2dProblem) => relativeError(unflipped2d(problem), conv2dFamily.reference(problem).dX) > 1e-9;

  it("in the reference, 2-D: fails 'dX = dZ ∗ rot180(W)' alone, and compareGradients names conv.dX", () => {
    let caught = 0;
    fc.assert(
      fc.property(conv2dProblems({ minKernel: 2 }), (problem) => {
        const pass = conv2dFamily.reference(problem);
        const wrong = { ...pass, dX: unflipped2d(problem) };
        const matters = flipMatters(problem);
        expect(failingFormulas(conv2dFamily, problem, { pass: wrong })).toEqual(matters ? [formulaOf(conv2dFamily, "dX")] : []);
        const report = compareGradients(asParams({ "conv.dX": wrong.dX, "conv.dW": wrong.dW, "conv.db": wrong.db }), tapeParams(conv2dFamily.paths, "core ops", problem, names), { rtol: 1e-9 });
        expect(report.rows.filter((row) => !row.ok).map((row) => row.name)).toEqual(matters ? ["conv.dX"] : []);
        if (matters) expect(report.firstDisagreement).toBe("conv.dX");
        caught += matters ? 1 : 0;
      }),
      runs,
    );
    expect(caught, "problems on which the flip changes dX").toBeGreaterThan(runs.numRuns / 2);
  });

  it("in the reference, 1-D: fails 'dX = dZ ∗ rot180(W)' alone", () => {
    let caught = 0;
    fc.assert(
      fc.property(conv1dProblems({ minKernel: 2 }), (problem) => {
        const pass = conv1dFamily.reference(problem);
        const wrong = { ...pass, dX: fullCorrelation1d(problem.G, problem.W, problem.X[0][0].length, problem.geometry) };
        const matters = relativeError(wrong.dX, pass.dX) > 1e-9;
        expect(failingFormulas(conv1dFamily, problem, { pass: wrong })).toEqual(matters ? [formulaOf(conv1dFamily, "dX")] : []);
        caught += matters ? 1 : 0;
      }),
      runs,
    );
    expect(caught, "problems on which the flip changes dX").toBeGreaterThan(runs.numRuns / 2);
  });

  it("in the tape (a conv2d whose vjp transposes the unflipped kernel): fails 'dX = dZ ∗ rot180(W)' alone", () => {
    const reversed = (n: number) => tensor(Array.from({ length: n }, (_, k) => n - 1 - k), { dtype: "int32" });
    const rot180 = (w: Tensor) => gather(gather(w, reversed(w.shape[2]), 2), reversed(w.shape[3]), 3);
    const unflippedConv = defineOp<Conv2dOptions>({
      name: "conv2dWithUnflippedInputGradient",
      inputNames: ["x", "w"],
      formula: "out = conv2d(x, w)",
      vjpFormula: "dx = the transposed convolution of g with the kernel not flipped, dw = conv2dBackwardWeight(x, g)",
      forward: ([x, w], options) => conv2d(x, w, options),
      vjp: (g, { inputs: [x, w], attrs }) => [
        vjp((input: Tensor) => conv2d(input, rot180(w), attrs), x).pullback(g)[0], // the transposed convolution flips: flipping first cancels it
        vjp((weights: Tensor) => conv2d(x, weights, attrs), w).pullback(g)[0],
      ],
    });
    const planted = { "core ops, dX with the unflipped kernel": (p: Conv2dProblem) => coreConv2d(p, (x, w, options) => unflippedConv.run([x, w], options)) };
    fc.assert(
      fc.property(conv2dProblems({ minKernel: 2 }), (problem) => {
        expect(failingFormulas(conv2dFamily, problem, { paths: planted })).toEqual(flipMatters(problem) ? [formulaOf(conv2dFamily, "dX")] : []);
      }),
      runs,
    );
  });
});

describe("a max pooling gradient spread over the window instead of routed to the arg-max", () => {
  it("in the reference: fails the max-pool dX formula alone, and compareGradients names maxPool.dX", () => {
    fc.assert(
      fc.property(poolProblems({ minWindow: 2 }), (problem) => {
        const pass = poolFamily.reference(problem);
        const wrong = { ...pass, maxDX: avgPoolBackward(problem.X, problem.G, problem.geometry) }; // dZ/(k₀k₁) to every element
        expect(failingFormulas(poolFamily, problem, { pass: wrong })).toEqual([formulaOf(poolFamily, "maxDX")]);
        const names = { "maxPool.dX": "maxDX", "avgPool.dX": "avgDX" };
        const report = compareGradients(asParams({ "maxPool.dX": wrong.maxDX, "avgPool.dX": wrong.avgDX }), tapeParams(poolFamily.paths, "core ops", problem, names), { rtol: 1e-9 });
        expect(report.rows.filter((row) => !row.ok).map((row) => row.name)).toEqual(["maxPool.dX"]);
      }),
      runs,
    );
  });

  it("in the tape (a maxPool2d whose vjp is average pooling's): fails the max-pool dX formula alone", () => {
    const spreadingMaxPool = defineOp<Pool2dOptions>({
      name: "maxPool2dWithSpreadGradient",
      inputNames: ["x"],
      formula: "out = maxPool2d(x)",
      vjpFormula: "dx = g/(k₀·k₁) spread over each window (average pooling's rule)",
      forward: ([x], options) => maxPool2d(x, options),
      vjp: (g, { inputs: [x], attrs }) => [vjp((input: Tensor) => avgPool2d(input, attrs), x).pullback(g)[0]],
    });
    const planted = { "core ops, max pooling spread": (p: Parameters<typeof corePooling>[0]) => corePooling(p, (x, options) => spreadingMaxPool.run([x], options)) };
    fc.assert(
      fc.property(poolProblems({ minWindow: 2 }), (problem) => {
        expect(failingFormulas(poolFamily, problem, { paths: planted })).toEqual([formulaOf(poolFamily, "maxDX")]);
      }),
      runs,
    );
  });
});

/** The RNN's BPTT with dh_t = ∂J/∂h_t from the output only: step t + 1's da_{t+1}·Whᵀ is dropped. */
function rnnWithoutRecurrentTerm({ params, xs, G }: RnnProblem, h: Matrix[]): RnnGradients {
  const H = h[0][0].length;
  const grads: RnnGradients = { dh: [], da: [], dx: [], dWx: zerosMatrix(params.Wx.length, H), dWh: zerosMatrix(H, H), db: zerosMatrix(1, H) };
  const plus = (a: Matrix, b: Matrix) => a.map((row, i) => row.map((v, j) => v + b[i][j]));
  for (let t = xs.length; t >= 1; t--) {
    grads.dh[t] = G[t - 1]; //                                               the mistake: nothing from step t + 1
    const step = rnnBackwardStep(params, xs[t - 1], h[t - 1], h[t], grads.dh[t]);
    [grads.da[t], grads.dx[t - 1]] = [step.da, step.dx];
    [grads.dWx, grads.dWh, grads.db] = [plus(grads.dWx, step.dWx), plus(grads.dWh, step.dWh), plus(grads.db, step.db)];
    grads.dh[0] = step.toPrevious;
  }
  return grads;
}

/** The LSTM's BPTT with dh_t from the output only (c_t still receives from c_{t+1}). */
function lstmWithoutRecurrentTerm(problem: LstmProblem, pass: ReturnType<typeof lstmFamily.reference>): LstmGradients {
  const H = problem.h0[0].length;
  const zeros = { dWx: zerosMatrix(problem.params.Wx.length, 4 * H), dWh: zerosMatrix(H, 4 * H), db: zerosMatrix(1, 4 * H) };
  const grads: LstmGradients = { dh: [], dc: [], di: [], df: [], dg: [], do: [], dz: [], dx: [], ...zeros };
  const plus = (a: Matrix, b: Matrix) => a.map((row, i) => row.map((v, j) => v + b[i][j]));
  let cellFromNextStep = zerosMatrix(problem.h0.length, H);
  for (let t = problem.xs.length; t >= 1; t--) {
    grads.dh[t] = problem.G[t - 1]; //                                       the mistake: nothing from step t + 1
    const step = lstmBackwardStep(problem.params, problem.xs[t - 1], pass, t, grads.dh[t], cellFromNextStep);
    for (const key of ["dc", "di", "df", "dg", "do", "dz"] as const) grads[key][t] = step[key];
    grads.dx[t - 1] = step.dx;
    [grads.dWx, grads.dWh, grads.db] = [plus(grads.dWx, step.dWx), plus(grads.dWh, step.dWh), plus(grads.db, step.db)];
    [grads.dh[0], grads.dc[0], cellFromNextStep] = [step.toPreviousHidden, step.toPreviousCell, step.toPreviousCell];
  }
  return grads;
}

describe("backprop through time without the recurrent term (dh_t not receiving from step t+1)", () => {
  it("in the RNN's reference: every backward formula fails, and compareGradients names dh_{T−1} first", () => {
    fc.assert(
      fc.property(rnnProblems({ minSteps: 2 }), (problem) => {
        const pass = rnnFamily.reference(problem);
        const wrong = { ...pass, ...rnnWithoutRecurrentTerm(problem, pass.h) };
        expect(failingFormulas(rnnFamily, problem, { pass: wrong })).toEqual(backwardFormulas(rnnFamily, ["h"]));
        // Listed from the input toward the loss, so that backward order starts at h_T.
        const T = problem.xs.length;
        const steps = Array.from({ length: T }, (_, k) => k + 1);
        const hand = asParams({ "rnn.dWx": wrong.dWx, "rnn.dWh": wrong.dWh, "rnn.db": wrong.db, ...Object.fromEntries(steps.map((t) => [`rnn.dh_${t}`, wrong.dh[t]])) });
        const tapeValues = coreRnn(problem);
        const tape = asParams({ "rnn.dWx": tapeValues.dWx(), "rnn.dWh": tapeValues.dWh(), "rnn.db": tapeValues.db(), ...Object.fromEntries(steps.map((t) => [`rnn.dh_${t}`, tapeValues.dh()[t - 1]])) });
        const report = compareGradients(hand, tape, { rtol: 1e-9 });
        expect(report.rows.find((row) => row.name === `rnn.dh_${T}`)!.ok).toBe(true); // the last step has no step after it
        expect(report.firstDisagreement).toBe(`rnn.dh_${T - 1}`);
      }),
      runs,
    );
  });

  it("in the LSTM's reference: every backward formula fails", () => {
    fc.assert(
      fc.property(lstmProblems({ minSteps: 2 }), (problem) => {
        const pass = lstmFamily.reference(problem);
        const wrong = { ...pass, ...lstmWithoutRecurrentTerm(problem, pass) };
        expect(failingFormulas(lstmFamily, problem, { pass: wrong })).toEqual(backwardFormulas(lstmFamily, ["hc"]));
      }),
      runs,
    );
  });

  it("in the tape (h_{t−1} behind stopGradient in the recurrent matmul): the dh_t formula and every formula after it fail", () => {
    const planted = { "core ops, h_{t−1}·Wh cut off": (p: RnnProblem) => coreRnn(p, stopGradient) };
    fc.assert(
      fc.property(rnnProblems({ minSteps: 2 }), (problem) => {
        const failing = failingFormulas(rnnFamily, problem, { paths: planted });
        expect(failing).toContain(formulaOf(rnnFamily, "dh"));
        expect(failing).toEqual(backwardFormulas(rnnFamily, ["h"]));
      }),
      runs,
    );
  });
});

describe("attention without the 1/√d in its backward pass", () => {
  /** dQ = dS·K and dK = dSᵀ·Q per head, the scale forgotten. */
  const unscaled = ({ Q, K, heads }: AttentionProblem, dS: Matrix[][]) => {
    const d = Q[0][0].length / heads;
    return {
      dQ: dS.map((perHead, b) => joinHeads(perHead.map((dSh, h) => dot(dSh, headOf(K[b], h, d))))),
      dK: dS.map((perHead, b) => joinHeads(perHead.map((dSh, h) => dot(transposed(dSh), headOf(Q[b], h, d))))),
    };
  };

  it("in the reference: fails dQ and dK alone, √d times too large, and compareGradients names them", () => {
    fc.assert(
      fc.property(attentionProblems({ minHeadWidth: 2, minKeys: 2 }), (problem) => {
        const pass = attentionFamily.reference(problem);
        const wrong = { ...pass, ...unscaled(problem, pass.dS) };
        expect(failingFormulas(attentionFamily, problem, { pass: wrong })).toEqual([formulaOf(attentionFamily, "dQ"), formulaOf(attentionFamily, "dK")]);
        const names = { "attention.dQ": "dQ", "attention.dK": "dK", "attention.dV": "dV" };
        const report = compareGradients(asParams({ "attention.dQ": wrong.dQ, "attention.dK": wrong.dK, "attention.dV": wrong.dV }), tapeParams(attentionFamily.paths, "core ops", problem, names), { rtol: 1e-9 });
        expect(report.rows.filter((row) => !row.ok).map((row) => row.name)).toEqual(["attention.dQ", "attention.dK"]);
        // The hand-derived dQ is √d times the tape's: relative to its own scale, the difference is 1 − 1/√d.
        const d = problem.Q[0][0].length / problem.heads;
        expect(report.rows[0].maxRelDifference).toBeCloseTo(1 - 1 / Math.sqrt(d), 9);
      }),
      runs,
    );
  });

  it("in the tape (a scores op whose vjp forgets the 1/√d): fails dQ and dK alone", () => {
    const scoresOp = defineOp<{ d: number }>({
      name: "attentionScoresWithoutScaleInVjp",
      inputNames: ["q", "k"],
      formula: "out = q·kᵀ/√d",
      vjpFormula: "dq = g·k, dk = gᵀ·q (the 1/√d forgotten)",
      forward: ([q, k], { d }) => div(matmul(q, k, { transposeB: true }), Math.sqrt(d)),
      vjp: (g, { inputs: [q, k] }) => [matmul(g, k), matmul(g, q, { transposeA: true })],
    });
    const planted = { "core ops, scores without 1/√d in the vjp": (p: AttentionProblem) => coreAttention(p, (q, k, d) => scoresOp.run([q, k], { d })) };
    fc.assert(
      fc.property(attentionProblems({ minHeadWidth: 2, minKeys: 2 }), (problem) => {
        expect(failingFormulas(attentionFamily, problem, { paths: planted })).toEqual([formulaOf(attentionFamily, "dQ"), formulaOf(attentionFamily, "dK")]);
      }),
      runs,
    );
  });
});
