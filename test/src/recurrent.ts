// A vanilla RNN and an LSTM over T steps, and backprop through time written out step by step,
// on plain arrays with examples as rows: x_t is B × D, h_t and c_t are B × H. The inputs come
// as a list, xs[t − 1] = x_t; the states are indexed by step, h[0] = h_0 and h[t] = h_t.
// The loss J depends on every h_t (as a sequence model's outputs do): dhOut[t − 1] = ∂J/∂h_t
// through step t's output only. dh_t is the whole ∂J/∂h_t, which adds what step t + 1 sends back.
// One bias b stands for PyTorch's two (b_ih + b_hh); weights are stored input-major (x·Wx), the
// transposes of PyTorch's weight_ih and weight_hh.
import { sigmoid } from "./activations";
import { addBias, dot, elementwise, map, sumRows, transposed, zerosMatrix, type Matrix } from "./matrix";

const plus = (a: Matrix, b: Matrix): Matrix => elementwise(a, b, (x, y) => x + y);
const times = (a: Matrix, b: Matrix): Matrix => elementwise(a, b, (x, y) => x * y);
const columns = (M: Matrix, from: number, count: number): Matrix => M.map((row) => row.slice(from, from + count));
const joinColumns = (...parts: Matrix[]): Matrix => parts[0].map((_, r) => parts.flatMap((part) => part[r]));

// ---- Vanilla RNN: h_t = tanh(x_t·Wx + h_{t−1}·Wh + b) ---------------------------------

export interface RnnParams {
  Wx: Matrix; // D × H
  Wh: Matrix; // H × H
  b: Matrix; //  1 × H
}

export interface RnnPass {
  a: Matrix[]; // a[t], the pre-activation of step t (a[0] unused)
  h: Matrix[]; // h[t], with h[0] = h_0
}

export interface RnnGradients {
  dh: Matrix[]; // dh[t] = ∂J/∂h_t (dh[0] = dh_0)
  da: Matrix[]; // da[t] = ∂J/∂a_t
  dx: Matrix[]; // dx[t − 1] = ∂J/∂x_t
  dWx: Matrix;
  dWh: Matrix;
  db: Matrix;
}

export function rnnForward({ Wx, Wh, b }: RnnParams, xs: Matrix[], h0: Matrix): RnnPass {
  const a: Matrix[] = [[]];
  const h: Matrix[] = [h0];
  for (let t = 1; t <= xs.length; t++) {
    a[t] = addBias(plus(dot(xs[t - 1], Wx), dot(h[t - 1], Wh)), b); //                  a_t = x_t·Wx + h_{t−1}·Wh + b
    h[t] = map(a[t], Math.tanh); //                                                       h_t = tanh(a_t)
  }
  return { a, h };
}

/** Step t of backprop through time: from dh_t, step t's share of the gradients and what it sends back to h_{t−1}. */
export function rnnBackwardStep({ Wx, Wh }: RnnParams, x: Matrix, hPrevious: Matrix, h: Matrix, dh: Matrix) {
  const da = elementwise(dh, h, (g, ht) => g * (1 - ht * ht)); //                         da_t = dh_t ⊙ (1 − h_t²)
  return {
    da,
    dWx: dot(transposed(x), da), //                                                       x_tᵀ·da_t
    dWh: dot(transposed(hPrevious), da), //                                               h_{t−1}ᵀ·da_t
    db: sumRows(da), //                                                                   Σ over the examples of da_t
    dx: dot(da, transposed(Wx)), //                                                       dx_t = da_t·Wxᵀ
    toPrevious: dot(da, transposed(Wh)), //                                               what h_{t−1} receives from step t: da_t·Whᵀ
  };
}

export function rnnBackward(params: RnnParams, xs: Matrix[], pass: RnnPass, dhOut: Matrix[]): RnnGradients {
  const T = xs.length;
  const [B, H] = [pass.h[0].length, pass.h[0][0].length];
  const dh: Matrix[] = [];
  const da: Matrix[] = [];
  const dx: Matrix[] = [];
  let dWx = zerosMatrix(params.Wx.length, H);
  let dWh = zerosMatrix(H, H);
  let db = zerosMatrix(1, H);
  let fromNextStep = zerosMatrix(B, H); //                                                 step T + 1 does not exist
  for (let t = T; t >= 1; t--) {
    dh[t] = plus(dhOut[t - 1], fromNextStep); //                                            dh_t = ∂J/∂h_t from the output + da_{t+1}·Whᵀ from step t+1
    const step = rnnBackwardStep(params, xs[t - 1], pass.h[t - 1], pass.h[t], dh[t]);
    da[t] = step.da;
    dx[t - 1] = step.dx;
    dWx = plus(dWx, step.dWx); //                                                           dWx = Σ_t x_tᵀ·da_t
    dWh = plus(dWh, step.dWh); //                                                           dWh = Σ_t h_{t−1}ᵀ·da_t
    db = plus(db, step.db); //                                                              db = Σ_t Σ_examples da_t
    fromNextStep = step.toPrevious;
  }
  dh[0] = fromNextStep; //                                                                  dh_0 = da_1·Whᵀ
  return { dh, da, dx, dWx, dWh, db };
}

// ---- LSTM, gates in PyTorch's order i, f, g, o ---------------------------------------------

export interface LstmParams {
  Wx: Matrix; // D × 4H, the columns of the gates i, f, g, o side by side
  Wh: Matrix; // H × 4H
  b: Matrix; //  1 × 4H
}

export interface LstmPass {
  z: Matrix[]; // z[t] = [z_i, z_f, z_g, z_o], the gates' pre-activations (B × 4H)
  i: Matrix[];
  f: Matrix[];
  g: Matrix[];
  o: Matrix[];
  c: Matrix[]; // c[t], with c[0] = c_0
  h: Matrix[]; // h[t], with h[0] = h_0
}

export interface LstmGradients {
  dh: Matrix[]; // dh[t] = ∂J/∂h_t (dh[0] = dh_0)
  dc: Matrix[]; // dc[t] = ∂J/∂c_t (dc[0] = dc_0)
  di: Matrix[]; // ∂J/∂i_t, ∂J/∂f_t, ∂J/∂g_t, ∂J/∂o_t: the gates after their activations
  df: Matrix[];
  dg: Matrix[];
  do: Matrix[];
  dz: Matrix[]; // dz[t] = ∂J/∂z_t, the gates before them
  dx: Matrix[]; // dx[t − 1] = ∂J/∂x_t
  dWx: Matrix;
  dWh: Matrix;
  db: Matrix;
}

/** One LSTM step: the gates from z = x·Wx + h_{t−1}·Wh + b, then c_t and h_t. */
export function lstmStep({ Wx, Wh, b }: LstmParams, x: Matrix, hPrevious: Matrix, cPrevious: Matrix) {
  const z = addBias(plus(dot(x, Wx), dot(hPrevious, Wh)), b); //                          z_t = x_t·Wx + h_{t−1}·Wh + b
  const { i, f, g, o } = lstmGates(z);
  return { z, i, f, g, o, ...lstmCell(i, f, g, o, cPrevious) };
}

/** The four gates from z = [z_i, z_f, z_g, z_o] (B × 4H). */
export function lstmGates(z: Matrix): { i: Matrix; f: Matrix; g: Matrix; o: Matrix } {
  const H = z[0].length / 4;
  const i = map(columns(z, 0, H), sigmoid); //                                             i_t = σ(z_i), the input gate
  const f = map(columns(z, H, H), sigmoid); //                                             f_t = σ(z_f), the forget gate
  const g = map(columns(z, 2 * H, H), Math.tanh); //                                       g_t = tanh(z_g), the candidate cell
  const o = map(columns(z, 3 * H, H), sigmoid); //                                         o_t = σ(z_o), the output gate
  return { i, f, g, o };
}

/** c_t and h_t from the gates and c_{t−1}. */
export function lstmCell(i: Matrix, f: Matrix, g: Matrix, o: Matrix, cPrevious: Matrix): { c: Matrix; h: Matrix } {
  const c = plus(times(f, cPrevious), times(i, g)); //                                     c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
  const h = times(o, map(c, Math.tanh)); //                                                h_t = o_t ⊙ tanh(c_t)
  return { c, h };
}

export function lstmForward(params: LstmParams, xs: Matrix[], h0: Matrix, c0: Matrix): LstmPass {
  const pass: LstmPass = { z: [[]], i: [[]], f: [[]], g: [[]], o: [[]], c: [c0], h: [h0] };
  for (let t = 1; t <= xs.length; t++) {
    const step = lstmStep(params, xs[t - 1], pass.h[t - 1], pass.c[t - 1]);
    for (const key of ["z", "i", "f", "g", "o", "c", "h"] as const) pass[key][t] = step[key];
  }
  return pass;
}

/**
 * Step t of backprop through time: from dh_t and what c_t receives from step t + 1
 * (dc_{t+1} ⊙ f_{t+1}), the gate derivatives, step t's share of the gradients, and what
 * it sends back to h_{t−1} and c_{t−1}.
 */
export function lstmBackwardStep({ Wx, Wh }: LstmParams, x: Matrix, pass: LstmPass, t: number, dh: Matrix, cellFromNextStep: Matrix) {
  const [i, f, g, o, c, cPrevious, hPrevious] = [pass.i[t], pass.f[t], pass.g[t], pass.o[t], pass.c[t], pass.c[t - 1], pass.h[t - 1]];
  const tanhC = map(c, Math.tanh);
  const dc = plus(times(dh, times(o, map(tanhC, (v) => 1 - v * v))), cellFromNextStep); // dc_t = dh_t ⊙ o_t ⊙ (1 − tanh²(c_t)) + dc_{t+1} ⊙ f_{t+1}
  const dO = times(dh, tanhC); //                                                           do_t = dh_t ⊙ tanh(c_t)
  const di = times(dc, g); //                                                               di_t = dc_t ⊙ g_t
  const df = times(dc, cPrevious); //                                                       df_t = dc_t ⊙ c_{t−1}
  const dg = times(dc, i); //                                                               dg_t = dc_t ⊙ i_t
  const dz = joinColumns(
    times(di, map(i, (v) => v * (1 - v))), //                                               dz_i = di_t ⊙ i_t(1 − i_t)
    times(df, map(f, (v) => v * (1 - v))), //                                               dz_f = df_t ⊙ f_t(1 − f_t)
    times(dg, map(g, (v) => 1 - v * v)), //                                                 dz_g = dg_t ⊙ (1 − g_t²)
    times(dO, map(o, (v) => v * (1 - v))), //                                               dz_o = do_t ⊙ o_t(1 − o_t)
  );
  return {
    dc,
    di,
    df,
    dg,
    do: dO,
    dz,
    dWx: dot(transposed(x), dz), //                                                          x_tᵀ·dz_t
    dWh: dot(transposed(hPrevious), dz), //                                                  h_{t−1}ᵀ·dz_t
    db: sumRows(dz), //                                                                      Σ over the examples of dz_t
    dx: dot(dz, transposed(Wx)), //                                                          dx_t = dz_t·Wxᵀ
    toPreviousHidden: dot(dz, transposed(Wh)), //                                            what h_{t−1} receives from step t: dz_t·Whᵀ
    toPreviousCell: times(dc, f), //                                                         what c_{t−1} receives from step t: dc_t ⊙ f_t
  };
}

export function lstmBackward(params: LstmParams, xs: Matrix[], pass: LstmPass, dhOut: Matrix[]): LstmGradients {
  const T = xs.length;
  const [B, H] = [pass.h[0].length, pass.h[0][0].length];
  const grads: LstmGradients = { dh: [], dc: [], di: [], df: [], dg: [], do: [], dz: [], dx: [], dWx: zerosMatrix(params.Wx.length, 4 * H), dWh: zerosMatrix(H, 4 * H), db: zerosMatrix(1, 4 * H) };
  let hiddenFromNextStep = zerosMatrix(B, H); //                                             step T + 1 does not exist
  let cellFromNextStep = zerosMatrix(B, H);
  for (let t = T; t >= 1; t--) {
    grads.dh[t] = plus(dhOut[t - 1], hiddenFromNextStep); //                                 dh_t = ∂J/∂h_t from the output + dz_{t+1}·Whᵀ from step t+1
    const step = lstmBackwardStep(params, xs[t - 1], pass, t, grads.dh[t], cellFromNextStep);
    for (const key of ["dc", "di", "df", "dg", "do", "dz"] as const) grads[key][t] = step[key];
    grads.dx[t - 1] = step.dx;
    grads.dWx = plus(grads.dWx, step.dWx); //                                                 dWx = Σ_t x_tᵀ·dz_t
    grads.dWh = plus(grads.dWh, step.dWh); //                                                 dWh = Σ_t h_{t−1}ᵀ·dz_t
    grads.db = plus(grads.db, step.db); //                                                    db = Σ_t Σ_examples dz_t
    hiddenFromNextStep = step.toPreviousHidden;
    cellFromNextStep = step.toPreviousCell;
  }
  grads.dh[0] = hiddenFromNextStep; //                                                        dh_0 = dz_1·Whᵀ
  grads.dc[0] = cellFromNextStep; //                                                          dc_0 = dc_1 ⊙ f_1
  return grads;
}
