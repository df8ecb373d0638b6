// Convolution as PyTorch computes it, on plain arrays: a cross-correlation (the kernel is not
// flipped in the forward pass), with stride s, zero padding pad on both sides, dilation d (the
// spacing of the kernel's taps) and channel groups. 2-D: X is [N, C, H, W], W is
// [O, C/groups, KH, KW], b is [O] and Z is [N, O, OH, OW]; 1-D: X is [N, C, L], W is
// [O, C/groups, K], Z is [N, O, OL]. dZ is ∂J/∂Z, the gradient of the scalar loss J with
// respect to the layer's output, of Z's shape. X̃ is X padded with zeros: X̃[u] = X[u − pad].

export type Array3 = number[][][];
export type Array4 = number[][][][];

export interface Geometry1d {
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
}

export interface Geometry2d {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export interface Conv1dGradients {
  dX: Array3;
  dW: Array3;
  db: number[];
}

export interface Conv2dGradients {
  dX: Array4;
  dW: Array4;
  db: number[];
}

export function array3(a: number, b: number, c: number, f: (i: number, j: number, k: number) => number): Array3 {
  return Array.from({ length: a }, (_, i) => Array.from({ length: b }, (_, j) => Array.from({ length: c }, (_, k) => f(i, j, k))));
}

export function array4(a: number, b: number, c: number, d: number, f: (i: number, j: number, k: number, l: number) => number): Array4 {
  return Array.from({ length: a }, (_, i) => array3(b, c, d, (j, k, l) => f(i, j, k, l)));
}

/** The output's length along one axis: ⌊(n + 2·pad − d·(k − 1) − 1)/s⌋ + 1. */
export function outputSize(n: number, k: number, s: number, pad: number, d: number): number {
  return Math.floor((n + 2 * pad - d * (k - 1) - 1) / s) + 1;
}

// ---- 1-D ------------------------------------------------------------------------------

export function conv1dForward(X: Array3, W: Array3, b: number[], { stride: s, padding: pad, dilation: d, groups }: Geometry1d): Array3 {
  const [N, L, O, Cg, K] = [X.length, X[0][0].length, W.length, W[0].length, W[0][0].length];
  const Og = O / groups; //                                                           output channels per group
  const padded = (n: number, c: number, u: number) => X[n][c][u - pad] ?? 0; //       X̃[n, c, u] = X[n, c, u − pad], 0 outside
  return array3(N, O, outputSize(L, K, s, pad, d), (n, o, i) => {
    const first = Math.floor(o / Og) * Cg; //                                         o's group reads channels first … first + Cg − 1
    let z = b[o];
    for (let c = 0; c < Cg; c++) for (let p = 0; p < K; p++) z += padded(n, first + c, s * i + d * p) * W[o][c][p]; // Z[n,o,i] = b[o] + Σ_{c,p} X̃[n,c,s·i + d·p]·W[o,c,p]
    return z;
  });
}

/** F[o, c, p] = W[o, c, K − 1 − p]: the kernel flipped. */
export function flip1d(W: Array3): Array3 {
  return W.map((channels) => channels.map((taps) => [...taps].reverse())); //          rot180(W) in one dimension
}

/**
 * The full correlation of dZ, dilated by the stride, with a kernel F, cropped to the input:
 * D[n, o, s·i] = dZ[n, o, i] (zeros between), padded by d·(K − 1) on each side, correlated
 * with F at dilation d. With F = flip1d(W) it is dX.
 */
export function fullCorrelation1d(dZ: Array3, F: Array3, L: number, { stride: s, padding: pad, dilation: d, groups }: Geometry1d): Array3 {
  const [N, C, O, Cg, K] = [dZ.length, F[0].length * groups, F.length, F[0].length, F[0][0].length];
  const Og = O / groups;
  const D = (n: number, o: number, t: number) => (t % s === 0 ? (dZ[n][o][t / s] ?? 0) : 0); // D = dZ dilated by the stride, 0 outside
  return array3(N, C, L, (n, c, t) => {
    const group = Math.floor(c / Cg);
    let dx = 0;
    for (let o = group * Og; o < (group + 1) * Og; o++) {
      for (let p = 0; p < K; p++) dx += D(n, o, t + pad + d * p - d * (K - 1)) * F[o][c - group * Cg][p]; // dX[n,c,t] = Σ_{o,p} D[n,o,t + pad + d·p − d·(K−1)]·F[o,c,p]
    }
    return dx;
  });
}

export function conv1dBackward(X: Array3, W: Array3, dZ: Array3, geometry: Geometry1d): Conv1dGradients {
  const { stride: s, padding: pad, dilation: d, groups } = geometry;
  const [N, L, O, Cg, K, OL] = [X.length, X[0][0].length, W.length, W[0].length, W[0][0].length, dZ[0][0].length];
  const Og = O / groups;
  const padded = (n: number, c: number, u: number) => X[n][c][u - pad] ?? 0; //       X̃, X padded with zeros
  const dW = array3(O, Cg, K, (o, c, p) => {
    const first = Math.floor(o / Og) * Cg;
    let dw = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < OL; i++) dw += padded(n, first + c, d * p + s * i) * dZ[n][o][i]; // dW[o,c,p] = Σ_{n,i} X̃[n,c,d·p + s·i]·dZ[n,o,i]
    return dw;
  });
  const dX = fullCorrelation1d(dZ, flip1d(W), L, geometry); //                        dX = dZ ∗ rot180(W), the full convolution
  const db = W.map((_, o) => dZ.reduce((total, example) => total + example[o].reduce((t, v) => t + v, 0), 0)); // db[o] = Σ_{n,i} dZ[n,o,i]
  return { dX, dW, db };
}

// ---- 2-D ------------------------------------------------------------------------------

export function conv2dForward(X: Array4, W: Array4, b: number[], geometry: Geometry2d): Array4 {
  const { stride: [s0, s1], padding: [pad0, pad1], dilation: [d0, d1], groups } = geometry;
  const [N, H, Wd, O, Cg, KH, KW] = [X.length, X[0][0].length, X[0][0][0].length, W.length, W[0].length, W[0][0].length, W[0][0][0].length];
  const Og = O / groups;
  const padded = (n: number, c: number, u: number, v: number) => X[n][c][u - pad0]?.[v - pad1] ?? 0; // X̃[n,c,u,v] = X[n,c,u − pad₀,v − pad₁]
  return array4(N, O, outputSize(H, KH, s0, pad0, d0), outputSize(Wd, KW, s1, pad1, d1), (n, o, i, j) => {
    const first = Math.floor(o / Og) * Cg;
    let z = b[o];
    for (let c = 0; c < Cg; c++) {
      for (let p = 0; p < KH; p++) {
        for (let q = 0; q < KW; q++) z += padded(n, first + c, s0 * i + d0 * p, s1 * j + d1 * q) * W[o][c][p][q]; // Z[n,o,i,j] = b[o] + Σ_{c,p,q} X̃[n,c,s₀i + d₀p,s₁j + d₁q]·W[o,c,p,q]
      }
    }
    return z;
  });
}

/** F[o, c, p, q] = W[o, c, KH − 1 − p, KW − 1 − q]: the kernel rotated by 180°. */
export function rot180(W: Array4): Array4 {
  return W.map((channels) => channels.map((rows) => [...rows].reverse().map((row) => [...row].reverse()))); // rot180(W)
}

/**
 * The full correlation of dZ, dilated by the stride, with a kernel F, cropped to the input
 * (H × Wd): D[n, o, s₀i, s₁j] = dZ[n, o, i, j] (zeros between), padded by d·(K − 1) on each
 * side, correlated with F at dilation d. With F = rot180(W) it is dX.
 */
export function fullCorrelation2d(dZ: Array4, F: Array4, [H, Wd]: [number, number], geometry: Geometry2d): Array4 {
  const { stride: [s0, s1], padding: [pad0, pad1], dilation: [d0, d1], groups } = geometry;
  const [N, O, Cg, KH, KW] = [dZ.length, F.length, F[0].length, F[0][0].length, F[0][0][0].length];
  const Og = O / groups;
  const D = (n: number, o: number, u: number, v: number) => (u % s0 === 0 && v % s1 === 0 ? (dZ[n][o][u / s0]?.[v / s1] ?? 0) : 0); // D = dZ dilated by the stride
  return array4(N, Cg * groups, H, Wd, (n, c, y, x) => {
    const group = Math.floor(c / Cg);
    let dx = 0;
    for (let o = group * Og; o < (group + 1) * Og; o++) {
      for (let p = 0; p < KH; p++) {
        for (let q = 0; q < KW; q++) {
          dx += D(n, o, y + pad0 + d0 * p - d0 * (KH - 1), x + pad1 + d1 * q - d1 * (KW - 1)) * F[o][c - group * Cg][p][q]; // dX[n,c,y,x] = Σ_{o,p,q} D[n,o,y + pad₀ + d₀(p − KH + 1),x + pad₁ + d₁(q − KW + 1)]·F[o,c,p,q]
        }
      }
    }
    return dx;
  });
}

export function conv2dBackward(X: Array4, W: Array4, dZ: Array4, geometry: Geometry2d): Conv2dGradients {
  const { stride: [s0, s1], padding: [pad0, pad1], dilation: [d0, d1], groups } = geometry;
  const [N, H, Wd, O, Cg, KH, KW, OH, OW] = [X.length, X[0][0].length, X[0][0][0].length, W.length, W[0].length, W[0][0].length, W[0][0][0].length, dZ[0][0].length, dZ[0][0][0].length];
  const Og = O / groups;
  const padded = (n: number, c: number, u: number, v: number) => X[n][c][u - pad0]?.[v - pad1] ?? 0; // X̃, X padded with zeros
  const dW = array4(O, Cg, KH, KW, (o, c, p, q) => {
    const first = Math.floor(o / Og) * Cg;
    let dw = 0;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) dw += padded(n, first + c, d0 * p + s0 * i, d1 * q + s1 * j) * dZ[n][o][i][j]; // dW[o,c,p,q] = Σ_{n,i,j} X̃[n,c,d₀p + s₀i,d₁q + s₁j]·dZ[n,o,i,j]
      }
    }
    return dw;
  });
  const dX = fullCorrelation2d(dZ, rot180(W), [H, Wd], geometry); //                  dX = dZ ∗ rot180(W), the full convolution
  const db = W.map((_, o) => dZ.reduce((total, example) => total + example[o].flat().reduce((t, v) => t + v, 0), 0)); // db[o] = Σ_{n,i,j} dZ[n,o,i,j]
  return { dX, dW, db };
}
