import { add, concat, matmul, mul, reshape, sigmoid, slice, split, square, stack, sub, sum, tanh, transpose, zeros, zerosLike, type FloatDType, type Tensor } from "@tapegrad/core";
import type { GRU, LSTM, RecurrentLayer, RNN } from "../layers/recurrent";
import type { ManualBackward, ManualLayerGradients, ManualStep } from "./rule";

// Backprop through time, written out step by step in the row layout (x_t [B, F], h_t [B, H]);
// a column-convention layer is transposed into it and its gradients transposed back. h_t
// reaches J two ways, through the layer's output at step t (when it returns the whole
// sequence, or at t = T) and through step t + 1, which reads it: dh_t adds the two.

/** A recurrent layer's tensors in the row layout: the sequence [B, T, F], the weights, and dOut. */
interface RowProblem {
  xs: Tensor[];
  Wx: Tensor;
  Wh: Tensor;
  b: Tensor;
  /** ∂J/∂h_t through the layer's output, for t = 1..T (index t − 1). */
  dhOut: Tensor[];
  B: number;
  H: number;
}

function rowProblem(step: ManualStep<RecurrentLayer>): RowProblem {
  const { layer, params, x, dOut } = step;
  const row = layer.convention === "row";
  const xRow = row ? x : transpose(x, [2, 1, 0]); //                [F, T, B] → [B, T, F]
  const [B, T] = xRow.shape;
  const H = layer.hiddenSize;
  const weight = (name: string) => (row ? params[name] : transpose(params[name])); // column weights are the row ones transposed
  const dOutRow = row ? dOut : layer.returnSequences ? transpose(dOut, [2, 1, 0]) : transpose(dOut);
  const zero = zeros([B, H], { dtype: x.dtype as FloatDType });
  const dhOut = Array.from({ length: T }, (_, t) =>
    layer.returnSequences ? reshape(slice3(dOutRow, t), [B, H]) : t === T - 1 ? dOutRow : zero, // only h_T is the output without returnSequences
  );
  const xs = Array.from({ length: T }, (_, t) => reshape(slice3(xRow, t), [B, xRow.shape[2]]));
  return { xs, Wx: weight(layer.inputWeightName), Wh: weight(layer.recurrentWeightName), b: params[layer.biasName], dhOut, B, H };
}

/** Time step t of a [B, T, D] tensor, [B, 1, D]. */
function slice3(t: Tensor, time: number): Tensor {
  return slice(t, [0, time, 0], [t.shape[0], 1, t.shape[2]]);
}

/** The gradients computed in the row layout, put back in the layer's convention. */
function inConvention(layer: RecurrentLayer, dXs: Tensor[], grads: Record<string, Tensor>, intermediates: Record<string, Tensor>): ManualLayerGradients {
  const row = layer.convention === "row";
  const dX = stack(dXs, 1); //                                                  [B, T, F]
  const back = (name: string, value: Tensor) => [name, row || value.rank === 1 ? value : transpose(value)] as const;
  return {
    dX: row ? dX : transpose(dX, [2, 1, 0]),
    grads: Object.fromEntries(Object.entries(grads).map(([name, value]) => back(name, value))),
    intermediates,
  };
}

/**
 * The hand-derived backward pass of an {@link RNN}, h_t = tanh(a_t), a_t = x_t·Wx + h_{t−1}·Wh + b,
 * through time from t = T down to 1:
 * dh_t = dhOut_t + da_{t+1}·Whᵀ, da_t = dh_t ⊙ (1 − h_t²), dWx = Σ_t x_tᵀ·da_t,
 * dWh = Σ_t h_{t−1}ᵀ·da_t, db = Σ_t Σ_examples da_t, dx_t = da_t·Wxᵀ.
 * @example `rnnBackward({ layer: cell, params, state: {}, x: X, out: H, dOut: dH, convention: "row" }).intermediates // { dh_1, …, dh_T }`
 */
export const rnnBackward: ManualBackward = (step: ManualStep<RNN>) => {
  const { xs, Wx, Wh, b, dhOut, B, H } = rowProblem(step);
  const T = xs.length;
  const h: Tensor[] = [zeros([B, H], { dtype: Wx.dtype as FloatDType })];
  for (let t = 1; t <= T; t++) h[t] = tanh(add(add(matmul(xs[t - 1], Wx), matmul(h[t - 1], Wh)), b)); // h_t = tanh(x_t·Wx + h_{t−1}·Wh + b)
  let [dWx, dWh, db, fromNextStep] = [zerosLike(Wx), zerosLike(Wh), zerosLike(b), zeros([B, H], { dtype: Wx.dtype as FloatDType })];
  const dXs: Tensor[] = [];
  const intermediates: Record<string, Tensor> = {};
  for (let t = T; t >= 1; t--) {
    const dh = add(dhOut[t - 1], fromNextStep); //                               dh_t = dhOut_t + da_{t+1}·Whᵀ
    const da = mul(dh, sub(1, square(h[t]))); //                                  da_t = dh_t ⊙ (1 − h_t²)
    dWx = add(dWx, matmul(xs[t - 1], da, { transposeA: true })); //               dWx = Σ_t x_tᵀ·da_t
    dWh = add(dWh, matmul(h[t - 1], da, { transposeA: true })); //                dWh = Σ_t h_{t−1}ᵀ·da_t
    db = add(db, sum(da, 0)); //                                                  db = Σ_t Σ_examples da_t
    dXs[t - 1] = matmul(da, Wx, { transposeB: true }); //                         dx_t = da_t·Wxᵀ
    fromNextStep = matmul(da, Wh, { transposeB: true }); //                       what h_{t−1} receives from step t
    intermediates[`dh_${t}`] = dh;
  }
  const { layer } = step;
  return inConvention(layer, dXs, { [layer.inputWeightName]: dWx, [layer.recurrentWeightName]: dWh, [layer.biasName]: db }, intermediates);
};

/**
 * The hand-derived backward pass of an {@link LSTM} (gates i, f, g, o; c_t = f ⊙ c_{t−1} + i ⊙ g,
 * h_t = o ⊙ tanh(c_t)), through time from t = T down to 1:
 * dh_t = dhOut_t + dz_{t+1}·Whᵀ, dc_t = dh_t ⊙ o_t ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1},
 * dz_t = [dc_t ⊙ g_t ⊙ i_t(1 − i_t), dc_t ⊙ c_{t−1} ⊙ f_t(1 − f_t), dc_t ⊙ i_t ⊙ (1 − g_t²), dh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t)],
 * dWx = Σ_t x_tᵀ·dz_t, dWh = Σ_t h_{t−1}ᵀ·dz_t, db = Σ_t Σ_examples dz_t, dx_t = dz_t·Wxᵀ.
 * @example `lstmBackward({ layer, params, state: {}, x: X, out: H, dOut: dH, convention: "row" }).intermediates // { dh_t, dc_t for each t }`
 */
export const lstmBackward: ManualBackward = (step: ManualStep<LSTM>) => {
  const { xs, Wx, Wh, b, dhOut, B, H } = rowProblem(step);
  const T = xs.length;
  const dtype = Wx.dtype as FloatDType;
  const steps: Record<string, Tensor>[] = [{ h: zeros([B, H], { dtype }), c: zeros([B, H], { dtype }) }];
  for (let t = 1; t <= T; t++) {
    const [zi, zf, zg, zo] = split(add(add(matmul(xs[t - 1], Wx), matmul(steps[t - 1].h, Wh)), b), 4, 1); // z_t = x_t·Wx + h_{t−1}·Wh + b
    const [i, f, g, o] = [sigmoid(zi), sigmoid(zf), tanh(zg), sigmoid(zo)];
    const c = add(mul(f, steps[t - 1].c), mul(i, g)); //                            c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
    steps[t] = { i, f, g, o, c, h: mul(o, tanh(c)) }; //                             h_t = o_t ⊙ tanh(c_t)
  }
  let [dWx, dWh, db] = [zerosLike(Wx), zerosLike(Wh), zerosLike(b)];
  let [hiddenFromNext, cellFromNext] = [zeros([B, H], { dtype }), zeros([B, H], { dtype })];
  const dXs: Tensor[] = [];
  const intermediates: Record<string, Tensor> = {};
  for (let t = T; t >= 1; t--) {
    const { i, f, g, o, c } = steps[t];
    const dh = add(dhOut[t - 1], hiddenFromNext); //                                 dh_t = dhOut_t + dz_{t+1}·Whᵀ
    const dc = add(mul(mul(dh, o), sub(1, square(tanh(c)))), cellFromNext); //        dc_t = dh_t ⊙ o_t ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1}
    const dz = concat(
      [
        mul(mul(dc, g), mul(i, sub(1, i))), //                                         dz_i = dc_t ⊙ g_t ⊙ i_t(1 − i_t)
        mul(mul(dc, steps[t - 1].c), mul(f, sub(1, f))), //                            dz_f = dc_t ⊙ c_{t−1} ⊙ f_t(1 − f_t)
        mul(mul(dc, i), sub(1, square(g))), //                                         dz_g = dc_t ⊙ i_t ⊙ (1 − g_t²)
        mul(mul(dh, tanh(c)), mul(o, sub(1, o))), //                                   dz_o = dh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t)
      ],
      1,
    );
    dWx = add(dWx, matmul(xs[t - 1], dz, { transposeA: true })); //                    dWx = Σ_t x_tᵀ·dz_t
    dWh = add(dWh, matmul(steps[t - 1].h, dz, { transposeA: true })); //               dWh = Σ_t h_{t−1}ᵀ·dz_t
    db = add(db, sum(dz, 0)); //                                                       db = Σ_t Σ_examples dz_t
    dXs[t - 1] = matmul(dz, Wx, { transposeB: true }); //                              dx_t = dz_t·Wxᵀ
    [hiddenFromNext, cellFromNext] = [matmul(dz, Wh, { transposeB: true }), mul(dc, f)]; // what h_{t−1} and c_{t−1} receive from step t
    intermediates[`dh_${t}`] = dh;
    intermediates[`dc_${t}`] = dc;
  }
  const { layer } = step;
  return inConvention(layer, dXs, { [layer.inputWeightName]: dWx, [layer.recurrentWeightName]: dWh, [layer.biasName]: db }, intermediates);
};

/**
 * The hand-derived backward pass of a {@link GRU} (r = σ(x_r + h_r), z = σ(x_z + h_z),
 * n = tanh(x_n + r ⊙ (h_n + bh)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, with [x_r, x_z, x_n] = x_t·Wx + b
 * and [h_r, h_z, h_n] = h_{t−1}·Wh), through time:
 * dh_t = dhOut_t + (what step t + 1 sends), dn = dh ⊙ (1 − z), dz = dh ⊙ (h_{t−1} − n),
 * da_n = dn ⊙ (1 − n²), da_r = da_n ⊙ (h_n + bh) ⊙ r(1 − r), da_z = dz ⊙ z(1 − z);
 * the input projection gets [da_r, da_z, da_n], the recurrent one [da_r, da_z, da_n ⊙ r],
 * dbh = Σ_examples da_n ⊙ r, and h_{t−1} receives [da_r, da_z, da_n ⊙ r]·Whᵀ + dh ⊙ z.
 * @example `gruBackward({ layer, params, state: {}, x: X, out: H, dOut: dH, convention: "row" }).grads`
 */
export const gruBackward: ManualBackward = (step: ManualStep<GRU>) => {
  const { xs, Wx, Wh, b, dhOut, B, H } = rowProblem(step);
  const { layer, params } = step;
  const bh = params[layer.hiddenBiasName];
  const T = xs.length;
  const dtype = Wx.dtype as FloatDType;
  const steps: Record<string, Tensor>[] = [{ h: zeros([B, H], { dtype }) }];
  for (let t = 1; t <= T; t++) {
    const [xr, xz, xn] = split(add(matmul(xs[t - 1], Wx), b), 3, 1);
    const [hr, hz, hn] = split(matmul(steps[t - 1].h, Wh), 3, 1);
    const r = sigmoid(add(xr, hr)); //                                                r = σ(x_r + h_r)
    const z = sigmoid(add(xz, hz)); //                                                z = σ(x_z + h_z)
    const n = tanh(add(xn, mul(r, add(hn, bh)))); //                                  n = tanh(x_n + r ⊙ (h_n + bh))
    steps[t] = { r, z, n, hn, h: add(mul(sub(1, z), n), mul(z, steps[t - 1].h)) }; // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
  }
  let [dWx, dWh, db, dbh] = [zerosLike(Wx), zerosLike(Wh), zerosLike(b), zerosLike(bh)];
  let fromNextStep = zeros([B, H], { dtype });
  const dXs: Tensor[] = [];
  const intermediates: Record<string, Tensor> = {};
  for (let t = T; t >= 1; t--) {
    const { r, z, n, hn } = steps[t];
    const hPrevious = steps[t - 1].h;
    const dh = add(dhOut[t - 1], fromNextStep); //                                    dh_t = dhOut_t + what step t + 1 sends
    const dan = mul(mul(dh, sub(1, z)), sub(1, square(n))); //                        da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
    const daz = mul(mul(dh, sub(hPrevious, n)), mul(z, sub(1, z))); //                da_z = dh ⊙ (h_{t−1} − n) ⊙ z(1 − z)
    const dar = mul(mul(dan, add(hn, bh)), mul(r, sub(1, r))); //                     da_r = da_n ⊙ (h_n + bh) ⊙ r(1 − r)
    const dInput = concat([dar, daz, dan], 1); //                                     ∂J/∂(x_t·Wx + b)
    const dRecurrent = concat([dar, daz, mul(dan, r)], 1); //                         ∂J/∂(h_{t−1}·Wh)
    dWx = add(dWx, matmul(xs[t - 1], dInput, { transposeA: true }));
    db = add(db, sum(dInput, 0));
    dWh = add(dWh, matmul(hPrevious, dRecurrent, { transposeA: true }));
    dbh = add(dbh, sum(mul(dan, r), 0)); //                                           dbh = Σ_t Σ_examples da_n ⊙ r
    dXs[t - 1] = matmul(dInput, Wx, { transposeB: true });
    fromNextStep = add(matmul(dRecurrent, Wh, { transposeB: true }), mul(dh, z)); //  what h_{t−1} receives from step t
    intermediates[`dh_${t}`] = dh;
  }
  return inConvention(layer, dXs, { [layer.inputWeightName]: dWx, [layer.recurrentWeightName]: dWh, [layer.biasName]: db, [layer.hiddenBiasName]: dbh }, intermediates);
};
