// Layer norm and batch norm in training mode, on plain arrays, with the biased variance
// (divided by M, not M − 1) and ε inside the square root, as PyTorch normalises:
// μ = (1/M)·Σx, σ² = (1/M)·Σ(x − μ)², σ = √(σ² + ε), x̂ = (x − μ)/σ, y = γ·x̂ + β.
// M is the number of values each statistic is taken over. Layer norm: X is [N, D], each row
// normalised over its D features (M = D), γ and β of length D. Batch norm: X is [N, C, H, W],
// each channel normalised over the batch and the image (M = N·H·W), γ and β of length C.
// dY is ∂J/∂Y.
import { array4, type Array4 } from "./convolution";
import type { Matrix } from "./matrix";

export const EPSILON = 1e-5;

export interface LayerNormPass {
  mean: number[]; //   μ of each row
  sigma: number[]; //  σ = √(σ² + ε) of each row
  xHat: Matrix;
  Y: Matrix;
}

export interface BatchNormPass {
  mean: number[]; //   μ of each channel
  sigma: number[]; //  σ = √(σ² + ε) of each channel
  xHat: Array4;
  Y: Array4;
}

const total = (values: number[]): number => values.reduce((t, v) => t + v, 0);

export function layerNormForward(X: Matrix, gamma: number[], beta: number[], epsilon = EPSILON): LayerNormPass {
  const D = X[0].length;
  const mean = X.map((row) => total(row) / D); //                                          μ = (1/D)·Σ_k x_k
  const variance = X.map((row, n) => total(row.map((x) => (x - mean[n]) ** 2)) / D); //   σ² = (1/D)·Σ_k (x_k − μ)², biased
  const sigma = variance.map((v) => Math.sqrt(v + epsilon)); //                            σ = √(σ² + ε)
  const xHat = X.map((row, n) => row.map((x) => (x - mean[n]) / sigma[n])); //            x̂ = (x − μ)/σ
  const Y = xHat.map((row) => row.map((v, k) => gamma[k] * v + beta[k])); //               y = γ·x̂ + β
  return { mean, sigma, xHat, Y };
}

export function layerNormBackward(pass: LayerNormPass, gamma: number[], dY: Matrix) {
  const D = dY[0].length;
  const dGamma = gamma.map((_, k) => total(dY.map((row, n) => row[k] * pass.xHat[n][k]))); // dγ = Σ over the rows of dy·x̂
  const dBeta = gamma.map((_, k) => total(dY.map((row) => row[k]))); //                       dβ = Σ over the rows of dy
  const dX = dY.map((row, n) => {
    const dXHat = row.map((g, k) => g * gamma[k]); //                                         dx̂ = dy ⊙ γ (γ varies along the normalised axis)
    const sum = total(dXHat); //                                                              Σ_k dx̂_k
    const projection = total(dXHat.map((g, k) => g * pass.xHat[n][k])); //                     Σ_k dx̂_k·x̂_k
    return dXHat.map((g, k) => (D * g - sum - pass.xHat[n][k] * projection) / (D * pass.sigma[n])); // dx = (1/D)·(1/σ)·(D·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))
  });
  return { dX, dGamma, dBeta };
}

/** The values of channel c of X [N, C, H, W], over the batch and the image. */
function channel(X: Array4, c: number): number[] {
  return X.flatMap((example) => example[c].flat());
}

export function batchNormForward(X: Array4, gamma: number[], beta: number[], epsilon = EPSILON): BatchNormPass {
  const M = X.length * X[0][0].length * X[0][0][0].length; //                               M = N·H·W values per channel
  const mean = gamma.map((_, c) => total(channel(X, c)) / M); //                             μ_c = (1/M)·Σ_{n,y,x} x
  const variance = gamma.map((_, c) => total(channel(X, c).map((x) => (x - mean[c]) ** 2)) / M); // σ²_c = (1/M)·Σ (x − μ_c)², biased
  const sigma = variance.map((v) => Math.sqrt(v + epsilon)); //                              σ_c = √(σ²_c + ε)
  const [N, C, H, W] = [X.length, X[0].length, X[0][0].length, X[0][0][0].length];
  const xHat = array4(N, C, H, W, (n, c, y, x) => (X[n][c][y][x] - mean[c]) / sigma[c]); // x̂ = (x − μ_c)/σ_c
  const Y = array4(N, C, H, W, (n, c, y, x) => gamma[c] * xHat[n][c][y][x] + beta[c]); //  y = γ_c·x̂ + β_c
  return { mean, sigma, xHat, Y };
}

export function batchNormBackward(pass: BatchNormPass, gamma: number[], dY: Array4) {
  const M = dY.length * dY[0][0].length * dY[0][0][0].length;
  const dGamma = gamma.map((_, c) => {
    const xHat = channel(pass.xHat, c);
    return total(channel(dY, c).map((g, k) => g * xHat[k])); //                                 dγ_c = Σ_{n,y,x} dy·x̂
  });
  const dBeta = gamma.map((_, c) => total(channel(dY, c))); //                                 dβ_c = Σ_{n,y,x} dy
  const [N, C, H, W] = [dY.length, dY[0].length, dY[0][0].length, dY[0][0][0].length];
  const dX = array4(N, C, H, W, (n, c, y, x) => {
    return ((gamma[c] / pass.sigma[c]) * (M * dY[n][c][y][x] - dBeta[c] - pass.xHat[n][c][y][x] * dGamma[c])) / M; // dx = (1/M)·γ/σ·(M·dy − Σdy − x̂·Σ(dy·x̂))
  });
  return { dX, dGamma, dBeta };
}

/**
 * Batch norm's dx the long way, through the graph μ → σ² → x̂ → y one node at a time: the
 * chain rule at each node, before the terms are collected into the three-term formula.
 */
export function batchNormBackwardStepByStep(X: Array4, pass: BatchNormPass, gamma: number[], dY: Array4): Array4 {
  const M = X.length * X[0][0].length * X[0][0][0].length;
  const [N, C, H, W] = [X.length, X[0].length, X[0][0].length, X[0][0][0].length];
  const dXHat = array4(N, C, H, W, (n, c, y, x) => dY[n][c][y][x] * gamma[c]); //            dx̂ = dy·γ
  const centred = gamma.map((_, c) => channel(X, c).map((x) => x - pass.mean[c])); //       x − μ
  const dVariance = gamma.map((_, c) => total(channel(dXHat, c).map((g, k) => g * centred[c][k])) * -0.5 * pass.sigma[c] ** -3); // dσ² = Σ dx̂·(x − μ)·(−½)(σ² + ε)^(−3/2)
  const dMean = gamma.map((_, c) => -total(channel(dXHat, c)) / pass.sigma[c] + (dVariance[c] * -2 * total(centred[c])) / M); // dμ = −Σdx̂/σ + dσ²·(−2/M)·Σ(x − μ)
  return array4(N, C, H, W, (n, c, y, x) => {
    const xc = X[n][c][y][x] - pass.mean[c];
    return dXHat[n][c][y][x] / pass.sigma[c] + (dVariance[c] * 2 * xc) / M + dMean[c] / M; // dx = dx̂/σ + dσ²·2(x − μ)/M + dμ/M
  });
}
