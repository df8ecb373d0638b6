// A vanilla RNN and an LSTM over T steps: random problems, the reference's pass, and the
// tape through core ops. The loss is J = Σ_t ⟨G_t, h_t⟩ for random G_t, so that every h_t
// gets ∂J/∂h_t = G_t from its output and more from step t + 1. The tape's ∂J/∂(intermediate
// of step t) is the gradient of the rest of the computation, started from that intermediate.
// The nn layers path runs nn's rnn and lstm layers (Wx, Wh as the reference's, b as [gates·H]).
import fc from "fast-check";
import { add, concat, eye, grad, matmul, mul, Random, reshape, sigmoid, slice, split, sum, tanh, tensor, transpose, type Tensor } from "@tapegrad/core";
import { lstm as lstmLayer, rnn as rnnLayer, type Params, type RecurrentInput, type RecurrentLayer, type RecurrentState } from "@tapegrad/nn";
import { map, type Matrix } from "../../src/matrix";
import {
  lstmBackward,
  lstmCell,
  lstmForward,
  lstmGates,
  rnnBackward,
  rnnForward,
  type LstmGradients,
  type LstmParams,
  type LstmPass,
  type RnnGradients,
  type RnnParams,
  type RnnPass,
} from "../../src/recurrent";
import { asTensor, centralDifferences, inner, layerGradients, normalArray, once, UNOBSERVED, type Family } from "./check";

export interface RnnProblem {
  params: RnnParams;
  xs: Matrix[];
  h0: Matrix;
  G: Matrix[]; // G[t − 1] = ∂J/∂h_t through step t's output
}

export interface LstmProblem {
  params: LstmParams;
  xs: Matrix[];
  h0: Matrix;
  c0: Matrix;
  G: Matrix[];
}

export type RnnReference = RnnPass & RnnGradients;
export type LstmReference = LstmPass & LstmGradients;

const steps = (T: number) => Array.from({ length: T }, (_, k) => k + 1); // t = 1 … T
const sizes = (minSteps: number) =>
  fc.record({ B: fc.integer({ min: 1, max: 3 }), D: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: minSteps, max: 5 }), seed: fc.nat() });

export function rnnProblems(options: { minSteps?: number } = {}): fc.Arbitrary<RnnProblem> {
  return sizes(options.minSteps ?? 1).map(({ B, D, H, T, seed }) => {
    const rng = new Random(seed);
    return {
      params: { Wx: normalArray<Matrix>(rng, [D, H], 0.8), Wh: normalArray<Matrix>(rng, [H, H], 0.8), b: normalArray<Matrix>(rng, [1, H], 0.3) },
      xs: Array.from({ length: T }, () => normalArray<Matrix>(rng, [B, D])),
      h0: normalArray<Matrix>(rng, [B, H], 0.5),
      G: Array.from({ length: T }, () => normalArray<Matrix>(rng, [B, H])),
    };
  });
}

export function lstmProblems(options: { minSteps?: number } = {}): fc.Arbitrary<LstmProblem> {
  return sizes(options.minSteps ?? 1).map(({ B, D, H, T, seed }) => {
    const rng = new Random(seed);
    return {
      params: { Wx: normalArray<Matrix>(rng, [D, 4 * H], 0.8), Wh: normalArray<Matrix>(rng, [H, 4 * H], 0.8), b: normalArray<Matrix>(rng, [1, 4 * H], 0.3) },
      xs: Array.from({ length: T }, () => normalArray<Matrix>(rng, [B, D])),
      h0: normalArray<Matrix>(rng, [B, H], 0.5),
      c0: normalArray<Matrix>(rng, [B, H], 0.5),
      G: Array.from({ length: T }, () => normalArray<Matrix>(rng, [B, H])),
    };
  });
}

// ---- Vanilla RNN ------------------------------------------------------------------------

/** The reference's J = Σ_t ⟨G_t, h_t⟩ over the steps of xs, from h0. */
export function rnnLoss(params: RnnParams, xs: Matrix[], h0: Matrix, G: Matrix[]): number {
  return rnnForward(params, xs, h0).h.slice(1).reduce((J, h, k) => J + inner(G[k], h), 0);
}

interface RnnWeights {
  Wx: Tensor;
  Wh: Tensor;
  b: Tensor;
}

/** The tape's side, through core ops: matmul, add, tanh. */
export function coreRnn(p: RnnProblem, recurrent: (h: Tensor) => Tensor = (h) => h) {
  const P: RnnWeights = { Wx: asTensor(p.params.Wx), Wh: asTensor(p.params.Wh), b: asTensor(p.params.b) };
  const [xs, G, T] = [p.xs.map(asTensor), p.G.map(asTensor), p.xs.length];
  const preActivation = ({ Wx, Wh, b }: RnnWeights, x: Tensor, h: Tensor) => add(add(matmul(x, Wx), matmul(recurrent(h), Wh)), b);
  /** Σ_{s > t} ⟨G_s, h_s⟩, the steps after t run from h_t = h. */
  const after = (weights: RnnWeights, t: number, h: Tensor, inputs = xs): Tensor => {
    let J = tensor(0);
    for (let s = t + 1; s <= T; s++) {
      h = tanh(preActivation(weights, inputs[s - 1], h));
      J = add(J, sum(mul(G[s - 1], h)));
    }
    return J;
  };
  const states = once(() => steps(T).reduce((h, t) => [...h, tanh(preActivation(P, xs[t - 1], h[t - 1]))], [asTensor(p.h0)]));
  const whole = once(() => grad((Wx: Tensor, Wh: Tensor, b: Tensor, h0: Tensor, x: Tensor[]) => after({ Wx, Wh, b }, 0, h0, x))(P.Wx, P.Wh, P.b, asTensor(p.h0), xs));
  const fromStep = (t: number, h: Tensor) => add(sum(mul(G[t - 1], h)), after(P, t, h)); // ⟨G_t, h_t⟩ and the steps after t
  return {
    h: () => states().slice(1),
    dh: () => steps(T).map((t) => grad((h: Tensor) => fromStep(t, h))(states()[t])[0]),
    da: () => steps(T).map((t) => grad((a: Tensor) => fromStep(t, tanh(a)))(preActivation(P, xs[t - 1], states()[t - 1]))[0]),
    dWx: () => whole()[0],
    dWh: () => whole()[1],
    db: () => whole()[2],
    dh0: () => whole()[3],
    dx: () => whole()[4],
  };
}

// ---- Through nn layers (both cells) ---------------------------------------------------------

/** The steps' matrices [T][B][n] as one sequence [B][T][n + zeros], each step with `zeros` zero features appended. */
const batchFirst = (ms: Matrix[], zeros = 0): number[][][] => ms[0].map((_, b) => ms.map((m) => [...m[b], ...Array<number>(zeros).fill(0)]));

/** A sequence [B, T, n] as the steps' matrices [T, B, width] of its features from `first`. */
function stepsOf(Y: Tensor, first = 0, width = Y.shape[2] - first): Tensor {
  const [B, T] = Y.shape;
  return transpose(slice(Y, [0, 0, first], [B, T, width]), [1, 0, 2]);
}

interface RecurrentSetup {
  layer: RecurrentLayer;
  params: Params;
  xs: Matrix[];
  G: Matrix[];
}

/** ⟨G_t, h⟩ and Σ_{s > t} ⟨G_s, h_s⟩, the layer run over the steps after t from `state` (which holds h_t = h). */
function layerFromStep({ layer, params, xs, G }: RecurrentSetup, t: number, state: RecurrentState): Tensor {
  const here = sum(mul(asTensor(G[t - 1]), state.h));
  if (t === xs.length) return here;
  const later = layer.apply(params, { x: asTensor(batchFirst(xs.slice(t))), initialState: state });
  return add(here, sum(mul(later, asTensor(batchFirst(G.slice(t))))));
}

/** The whole sequence through the layer: every h_t ([T, B, H]) and J's gradients with respect to the weights, x and the initial state. */
function layerWhole({ layer, params, xs, G }: RecurrentSetup, initialState: RecurrentState) {
  const input: RecurrentInput = { x: asTensor(batchFirst(xs)), initialState };
  const { output, dParams, dX } = layerGradients((ps, x: RecurrentInput) => layer.apply(ps, x), params, input, batchFirst(G));
  const dInput = () => dX() as unknown as { x: Tensor; initialState: RecurrentState };
  return { h: () => stepsOf(output()), dParams, dx: () => stepsOf(dInput().x), dh0: () => dInput().initialState.h, dc0: () => dInput().initialState.c as Tensor };
}

/**
 * The gradient with respect to each step's pre-activation, observed through the layer's
 * input: the layer gets `width` more input features, all zero, whose rows of Wx are the
 * identity, so that its projection is unchanged and the gradient of those features is
 * ∂J/∂(pre-activation) of every step ([T, B, width]).
 */
function layerPreActivationGrads(setup: RecurrentSetup, make: (inputSize: number) => RecurrentLayer, width: number, initialState: RecurrentState): Tensor {
  const { params, xs, G } = setup;
  const D = xs[0][0].length;
  const layer = make(D + width);
  const probed = { ...params, [layer.inputWeightName]: concat([params[layer.inputWeightName], eye(width)], 0) };
  const { dX } = layerGradients((ps, x: RecurrentInput) => layer.apply(ps, x), probed, { x: asTensor(batchFirst(xs, width)), initialState }, batchFirst(G));
  return stepsOf((dX() as unknown as { x: Tensor }).x, D, width);
}

/** nn's rnn layer: `rnn.Wx` = Wx [D, H], `rnn.Wh` = Wh [H, H], `rnn.b` = b as [H]. */
export function layerRnn(p: RnnProblem) {
  const [D, H, T] = [p.xs[0][0].length, p.h0[0].length, p.xs.length];
  const make = (inputSize: number) => rnnLayer({ name: "rnn", inputSize, hiddenSize: H, returnSequences: true });
  const params: Params = { "rnn.Wx": asTensor(p.params.Wx), "rnn.Wh": asTensor(p.params.Wh), "rnn.b": reshape(asTensor(p.params.b), [H]) };
  const setup: RecurrentSetup = { layer: make(D), params, xs: p.xs, G: p.G };
  const whole = once(() => layerWhole(setup, { h: asTensor(p.h0) }));
  const hs = once(() => split(whole().h(), T, 0).map((h) => reshape(h, h.shape.slice(1))));
  return {
    h: () => whole().h(),
    dh: () => steps(T).map((t) => grad((h: Tensor) => layerFromStep(setup, t, { h }))(hs()[t - 1])[0]),
    da: () => layerPreActivationGrads(setup, make, H, { h: asTensor(p.h0) }),
    dWx: () => whole().dParams()["rnn.Wx"],
    dWh: () => whole().dParams()["rnn.Wh"],
    db: () => whole().dParams()["rnn.b"],
    dh0: () => whole().dh0(),
    dx: () => whole().dx(),
  };
}

export function rnnReference({ params, xs, h0, G }: RnnProblem): RnnReference {
  const pass = rnnForward(params, xs, h0);
  return { ...pass, ...rnnBackward(params, xs, pass, G) };
}

/** Central differences of the reference's loss with respect to one of the weights. */
const rnnWeight = (key: keyof RnnParams) => ({ params, xs, h0, G }: RnnProblem) => centralDifferences((value: Matrix) => rnnLoss({ ...params, [key]: value }, xs, h0, G), params[key]);

export const rnnFamily: Family<RnnProblem, RnnReference> = {
  reference: rnnReference,
  paths: { "core ops": (p) => coreRnn(p), "nn layers": layerRnn },
  formulas: [
    { formula: "h_t = tanh(x_t·Wx + h_{t−1}·Wh + b)", quantity: "h", expected: (pass) => pass.h.slice(1) },
    {
      formula: "dh_t = ∂J/∂h_t from the output + da_{t+1}·Whᵀ from step t+1",
      quantity: "dh",
      expected: (pass) => pass.dh.slice(1),
      numeric: ({ params, xs, h0, G }) => {
        const { h } = rnnForward(params, xs, h0);
        return steps(xs.length).map((t) => centralDifferences((ht: Matrix) => inner(G[t - 1], ht) + rnnLoss(params, xs.slice(t), ht, G.slice(t)), h[t]));
      },
    },
    {
      formula: "da_t = dh_t ⊙ (1 − h_t²)",
      quantity: "da",
      expected: (pass) => pass.da.slice(1),
      numeric: ({ params, xs, h0, G }) => {
        const { a } = rnnForward(params, xs, h0);
        const fromStep = (t: number, ht: Matrix) => inner(G[t - 1], ht) + rnnLoss(params, xs.slice(t), ht, G.slice(t));
        return steps(xs.length).map((t) => centralDifferences((at: Matrix) => fromStep(t, map(at, Math.tanh)), a[t]));
      },
    },
    { formula: "dWx = Σ_t x_tᵀ·da_t", quantity: "dWx", expected: (pass) => pass.dWx, numeric: rnnWeight("Wx") },
    { formula: "dWh = Σ_t h_{t−1}ᵀ·da_t", quantity: "dWh", expected: (pass) => pass.dWh, numeric: rnnWeight("Wh") },
    { formula: "db = Σ_t Σ_examples da_t", quantity: "db", expected: (pass) => pass.db, numeric: rnnWeight("b") },
    {
      formula: "dx_t = da_t·Wxᵀ",
      quantity: "dx",
      expected: (pass) => pass.dx,
      numeric: ({ params, xs, h0, G }) => xs.map((x, k) => centralDifferences((xk: Matrix) => rnnLoss(params, xs.map((other, j) => (j === k ? xk : other)), h0, G), x)),
    },
    {
      formula: "dh_0 = da_1·Whᵀ",
      quantity: "dh0",
      expected: (pass) => pass.dh[0],
      numeric: ({ params, xs, h0, G }) => centralDifferences((h: Matrix) => rnnLoss(params, xs, h, G), h0),
    },
  ],
};

// ---- LSTM ----------------------------------------------------------------------------------

/** The reference's J = Σ_t ⟨G_t, h_t⟩ over the steps of xs, from (h0, c0). */
export function lstmLoss(params: LstmParams, xs: Matrix[], h0: Matrix, c0: Matrix, G: Matrix[]): number {
  return lstmForward(params, xs, h0, c0).h.slice(1).reduce((J, h, k) => J + inner(G[k], h), 0);
}

interface LstmWeights {
  Wx: Tensor;
  Wh: Tensor;
  b: Tensor;
}

/** The tape's side, through core ops: matmul, add, split, sigmoid, tanh, mul. */
export function coreLstm(p: LstmProblem, recurrent: (h: Tensor) => Tensor = (h) => h) {
  const P: LstmWeights = { Wx: asTensor(p.params.Wx), Wh: asTensor(p.params.Wh), b: asTensor(p.params.b) };
  const [xs, G, T] = [p.xs.map(asTensor), p.G.map(asTensor), p.xs.length];
  const preActivation = ({ Wx, Wh, b }: LstmWeights, x: Tensor, h: Tensor) => add(add(matmul(x, Wx), matmul(recurrent(h), Wh)), b);
  const gates = (z: Tensor) => {
    const [i, f, g, o] = split(z, 4, 1);
    return { i: sigmoid(i), f: sigmoid(f), g: tanh(g), o: sigmoid(o) };
  };
  const cell = ({ i, f, g, o }: Record<"i" | "f" | "g" | "o", Tensor>, c: Tensor) => {
    const cNext = add(mul(f, c), mul(i, g));
    return { h: mul(o, tanh(cNext)), c: cNext };
  };
  const step = (weights: LstmWeights, x: Tensor, state: { h: Tensor; c: Tensor }) => cell(gates(preActivation(weights, x, state.h)), state.c);
  /** Σ_{s > t} ⟨G_s, h_s⟩, the steps after t run from (h_t, c_t). */
  const after = (weights: LstmWeights, t: number, state: { h: Tensor; c: Tensor }, inputs = xs): Tensor => {
    let J = tensor(0);
    for (let s = t + 1; s <= T; s++) {
      state = step(weights, inputs[s - 1], state);
      J = add(J, sum(mul(G[s - 1], state.h)));
    }
    return J;
  };
  const states = once(() => steps(T).reduce((all, t) => [...all, step(P, xs[t - 1], all[t - 1])], [{ h: asTensor(p.h0), c: asTensor(p.c0) }]));
  const fromStep = (t: number, state: { h: Tensor; c: Tensor }) => add(sum(mul(G[t - 1], state.h)), after(P, t, state)); // ⟨G_t, h_t⟩ and the steps after t
  const previousCell = (t: number) => states()[t - 1].c;
  const gateGrads = once(() =>
    steps(T).map((t) => {
      const { i, f, g, o } = gates(preActivation(P, xs[t - 1], states()[t - 1].h));
      return grad((i: Tensor, f: Tensor, g: Tensor, o: Tensor) => fromStep(t, cell({ i, f, g, o }, previousCell(t))))(i, f, g, o);
    }),
  );
  const whole = once(() =>
    grad((Wx: Tensor, Wh: Tensor, b: Tensor, h0: Tensor, c0: Tensor, x: Tensor[]) => after({ Wx, Wh, b }, 0, { h: h0, c: c0 }, x))(P.Wx, P.Wh, P.b, asTensor(p.h0), asTensor(p.c0), xs),
  );
  return {
    hc: () => steps(T).flatMap((t) => [states()[t].h, states()[t].c]),
    dh: () => steps(T).map((t) => grad((h: Tensor) => fromStep(t, { h, c: states()[t].c }))(states()[t].h)[0]),
    // c_t reaches J through h_t = o_t ⊙ tanh(c_t) and through c_{t+1}: h_t is recomputed from c.
    dc: () =>
      steps(T).map((t) => {
        const { o } = gates(preActivation(P, xs[t - 1], states()[t - 1].h));
        return grad((c: Tensor) => fromStep(t, { h: mul(o, tanh(c)), c }))(states()[t].c)[0];
      }),
    di: () => gateGrads().map((g) => g[0]),
    df: () => gateGrads().map((g) => g[1]),
    dg: () => gateGrads().map((g) => g[2]),
    do: () => gateGrads().map((g) => g[3]),
    dz: () => steps(T).map((t) => grad((z: Tensor) => fromStep(t, cell(gates(z), previousCell(t))))(preActivation(P, xs[t - 1], states()[t - 1].h))[0]),
    dWx: () => whole()[0],
    dWh: () => whole()[1],
    db: () => whole()[2],
    dh0: () => whole()[3],
    dc0: () => whole()[4],
    dx: () => whole()[5],
  };
}

/**
 * nn's lstm layer: `lstm.Wx` = Wx [D, 4H], `lstm.Wh` = Wh [H, 4H] and `lstm.b` = b as [4H],
 * the gates' blocks in the same order i, f, g, o. The gates and c_t's gradient stay inside
 * the layer's step (c_t reaches J through h_t = o_t ⊙ tanh(c_t) within the step, and o_t is
 * not an output): dc_t and the gate formulas are checked along the core ops path only; their
 * effect is checked here through dz_t, dh_t, dc_0 and the weights' gradients.
 */
export function layerLstm(p: LstmProblem) {
  const [D, H, T] = [p.xs[0][0].length, p.h0[0].length, p.xs.length];
  const make = (inputSize: number) => lstmLayer({ name: "lstm", inputSize, hiddenSize: H, returnSequences: true });
  const params: Params = { "lstm.Wx": asTensor(p.params.Wx), "lstm.Wh": asTensor(p.params.Wh), "lstm.b": reshape(asTensor(p.params.b), [4 * H]) };
  const setup: RecurrentSetup = { layer: make(D), params, xs: p.xs, G: p.G };
  const initial = () => ({ h: asTensor(p.h0), c: asTensor(p.c0) });
  const whole = once(() => layerWhole(setup, initial()));
  // (h_t, c_t): the state after the layer's first t steps.
  const states = once(() => steps(T).map((t) => setup.layer.unroll(params, asTensor(batchFirst(p.xs.slice(0, t))), initial()).state));
  return {
    hc: () => states().flatMap(({ h, c }) => [h, c as Tensor]),
    dh: () => steps(T).map((t) => grad((h: Tensor) => layerFromStep(setup, t, { h, c: states()[t - 1].c }))(states()[t - 1].h)[0]),
    dc: UNOBSERVED,
    di: UNOBSERVED,
    df: UNOBSERVED,
    dg: UNOBSERVED,
    do: UNOBSERVED,
    dz: () => layerPreActivationGrads(setup, make, 4 * H, initial()),
    dWx: () => whole().dParams()["lstm.Wx"],
    dWh: () => whole().dParams()["lstm.Wh"],
    db: () => whole().dParams()["lstm.b"],
    dh0: () => whole().dh0(),
    dc0: () => whole().dc0(),
    dx: () => whole().dx(),
  };
}

export function lstmReference({ params, xs, h0, c0, G }: LstmProblem): LstmReference {
  const pass = lstmForward(params, xs, h0, c0);
  return { ...pass, ...lstmBackward(params, xs, pass, G) };
}

/** The reference's loss from step t's (h_t, c_t): ⟨G_t, h_t⟩ and the steps after t. */
const lstmFromStep = ({ params, xs, G }: LstmProblem, t: number, h: Matrix, c: Matrix) => inner(G[t - 1], h) + lstmLoss(params, xs.slice(t), h, c, G.slice(t));

/** Central differences, at every step, of the reference's loss started from a gate of that step. */
const lstmGate = (gate: "i" | "f" | "g" | "o") => (p: LstmProblem) => {
  const pass = lstmForward(p.params, p.xs, p.h0, p.c0);
  return steps(p.xs.length).map((t) => {
    const gatesOfStep: Record<"i" | "f" | "g" | "o", Matrix> = { i: pass.i[t], f: pass.f[t], g: pass.g[t], o: pass.o[t] };
    return centralDifferences((value: Matrix) => {
      const shifted = { ...gatesOfStep };
      shifted[gate] = value;
      const { h, c } = lstmCell(shifted.i, shifted.f, shifted.g, shifted.o, pass.c[t - 1]);
      return lstmFromStep(p, t, h, c);
    }, gatesOfStep[gate]);
  });
};

const lstmWeight = (key: keyof LstmParams) => ({ params, xs, h0, c0, G }: LstmProblem) =>
  centralDifferences((value: Matrix) => lstmLoss({ ...params, [key]: value }, xs, h0, c0, G), params[key]);

export const lstmFamily: Family<LstmProblem, LstmReference> = {
  reference: lstmReference,
  paths: { "core ops": (p) => coreLstm(p), "nn layers": layerLstm },
  formulas: [
    {
      formula: "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t and h_t = o_t ⊙ tanh(c_t), gates i, f, g, o from x_t·Wx + h_{t−1}·Wh + b",
      quantity: "hc",
      expected: (pass) => steps(pass.h.length - 1).flatMap((t) => [pass.h[t], pass.c[t]]),
    },
    {
      formula: "dh_t = ∂J/∂h_t from the output + dz_{t+1}·Whᵀ from step t+1",
      quantity: "dh",
      expected: (pass) => pass.dh.slice(1),
      numeric: (p) => {
        const pass = lstmForward(p.params, p.xs, p.h0, p.c0);
        return steps(p.xs.length).map((t) => centralDifferences((h: Matrix) => lstmFromStep(p, t, h, pass.c[t]), pass.h[t]));
      },
    },
    {
      formula: "dc_t = dh_t ⊙ o_t ⊙ (1 − tanh²(c_t)) + dc_{t+1} ⊙ f_{t+1} (through h_t and through c_{t+1})",
      quantity: "dc",
      expected: (pass) => pass.dc.slice(1),
      numeric: (p) => {
        const pass = lstmForward(p.params, p.xs, p.h0, p.c0);
        return steps(p.xs.length).map((t) =>
          centralDifferences((c: Matrix) => lstmFromStep(p, t, pass.o[t].map((row, r) => row.map((o, k) => o * Math.tanh(c[r][k]))), c), pass.c[t]),
        );
      },
    },
    { formula: "do_t = dh_t ⊙ tanh(c_t)", quantity: "do", expected: (pass) => pass.do.slice(1), numeric: lstmGate("o") },
    { formula: "di_t = dc_t ⊙ g_t", quantity: "di", expected: (pass) => pass.di.slice(1), numeric: lstmGate("i") },
    { formula: "df_t = dc_t ⊙ c_{t−1}", quantity: "df", expected: (pass) => pass.df.slice(1), numeric: lstmGate("f") },
    { formula: "dg_t = dc_t ⊙ i_t", quantity: "dg", expected: (pass) => pass.dg.slice(1), numeric: lstmGate("g") },
    {
      formula: "dz_t = [di ⊙ i(1 − i), df ⊙ f(1 − f), dg ⊙ (1 − g²), do ⊙ o(1 − o)] (the gates' pre-activations)",
      quantity: "dz",
      expected: (pass) => pass.dz.slice(1),
      numeric: (p) => {
        const pass = lstmForward(p.params, p.xs, p.h0, p.c0);
        return steps(p.xs.length).map((t) =>
          centralDifferences((z: Matrix) => {
            const { i, f, g, o } = lstmGates(z);
            const { h, c } = lstmCell(i, f, g, o, pass.c[t - 1]);
            return lstmFromStep(p, t, h, c);
          }, pass.z[t]),
        );
      },
    },
    { formula: "dWx = Σ_t x_tᵀ·dz_t", quantity: "dWx", expected: (pass) => pass.dWx, numeric: lstmWeight("Wx") },
    { formula: "dWh = Σ_t h_{t−1}ᵀ·dz_t", quantity: "dWh", expected: (pass) => pass.dWh, numeric: lstmWeight("Wh") },
    { formula: "db = Σ_t Σ_examples dz_t", quantity: "db", expected: (pass) => pass.db, numeric: lstmWeight("b") },
    {
      formula: "dx_t = dz_t·Wxᵀ",
      quantity: "dx",
      expected: (pass) => pass.dx,
      numeric: ({ params, xs, h0, c0, G }) => xs.map((x, k) => centralDifferences((xk: Matrix) => lstmLoss(params, xs.map((other, j) => (j === k ? xk : other)), h0, c0, G), x)),
    },
    {
      formula: "dh_0 = dz_1·Whᵀ",
      quantity: "dh0",
      expected: (pass) => pass.dh[0],
      numeric: ({ params, xs, h0, c0, G }) => centralDifferences((h: Matrix) => lstmLoss(params, xs, h, c0, G), h0),
    },
    {
      formula: "dc_0 = dc_1 ⊙ f_1",
      quantity: "dc0",
      expected: (pass) => pass.dc[0],
      numeric: ({ params, xs, h0, c0, G }) => centralDifferences((c: Matrix) => lstmLoss(params, xs, h0, c, G), c0),
    },
  ],
};
