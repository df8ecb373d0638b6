// Max and average pooling as PyTorch computes them, on plain arrays: X is [N, C, H, W], the
// window k₀ × k₁ moves by the stride s and the input is padded by pad on each side (at most
// half the window); Z is [N, C, OH, OW] with OH = ⌊(H + 2·pad₀ − k₀)/s₀⌋ + 1. dZ is ∂J/∂Z.
// Max pooling pads with −∞ (padding is never the maximum); average pooling pads with zeros
// and counts them, so every window is divided by k₀·k₁.
import { array4, type Array4 } from "./convolution";

export interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

export interface MaxPoolPass {
  Z: Array4;
  /** The position [y, x] in X of each window's maximum. */
  argmax: [number, number][][][][];
}

/** The top-left corner of window (i, j) in X's coordinates: (s₀i − pad₀, s₁j − pad₁). */
function windows(X: Array4, { kernel: [k0, k1], stride: [s0, s1], padding: [pad0, pad1] }: PoolGeometry) {
  const [H, W] = [X[0][0].length, X[0][0][0].length];
  const [OH, OW] = [Math.floor((H + 2 * pad0 - k0) / s0) + 1, Math.floor((W + 2 * pad1 - k1) / s1) + 1]; // OH = ⌊(H + 2·pad − k)/s⌋ + 1
  return { H, W, OH, OW, top: (i: number) => s0 * i - pad0, left: (j: number) => s1 * j - pad1 };
}

export function maxPoolForward(X: Array4, geometry: PoolGeometry): MaxPoolPass {
  const [k0, k1] = geometry.kernel;
  const { H, W, OH, OW, top, left } = windows(X, geometry);
  const argmax = X.map((channels) =>
    channels.map((image) =>
      Array.from({ length: OH }, (_, i) =>
        Array.from({ length: OW }, (_, j) => {
          let best: [number, number] = [-1, -1];
          for (let y = Math.max(top(i), 0); y < Math.min(top(i) + k0, H); y++) {
            for (let x = Math.max(left(j), 0); x < Math.min(left(j) + k1, W); x++) {
              if (best[0] < 0 || image[y][x] > image[best[0]][best[1]]) best = [y, x]; // the first maximum, rows then columns (strictly greater replaces)
            }
          }
          return best;
        }),
      ),
    ),
  );
  const Z = array4(X.length, X[0].length, OH, OW, (n, c, i, j) => X[n][c][argmax[n][c][i][j][0]][argmax[n][c][i][j][1]]); // Z[n,c,i,j] = max over the window of X
  return { Z, argmax };
}

/** dX routes dZ to the arg-max: each dZ[n, c, i, j] is added at its window's first maximum. */
export function maxPoolBackward(X: Array4, pass: MaxPoolPass, dZ: Array4): Array4 {
  const dX = array4(X.length, X[0].length, X[0][0].length, X[0][0][0].length, () => 0);
  pass.argmax.forEach((channels, n) =>
    channels.forEach((rows, c) =>
      rows.forEach((row, i) => row.forEach(([y, x], j) => (dX[n][c][y][x] += dZ[n][c][i][j]))), // dX[n,c,argmax(i,j)] += dZ[n,c,i,j]
    ),
  );
  return dX;
}

export function avgPoolForward(X: Array4, geometry: PoolGeometry): Array4 {
  const [k0, k1] = geometry.kernel;
  const { H, W, OH, OW, top, left } = windows(X, geometry);
  return array4(X.length, X[0].length, OH, OW, (n, c, i, j) => {
    let total = 0;
    for (let y = Math.max(top(i), 0); y < Math.min(top(i) + k0, H); y++) {
      for (let x = Math.max(left(j), 0); x < Math.min(left(j) + k1, W); x++) total += X[n][c][y][x]; // Σ over the window (padding adds 0)
    }
    return total / (k0 * k1); //                                                        Z[n,c,i,j] = (1/(k₀k₁))·Σ over the window of X
  });
}

/** dX spreads dZ/(k₀k₁) over each window: every element of a window gets that share. */
export function avgPoolBackward(X: Array4, dZ: Array4, geometry: PoolGeometry): Array4 {
  const [k0, k1] = geometry.kernel;
  const { H, W, OH, OW, top, left } = windows(X, geometry);
  const dX = array4(X.length, X[0].length, H, W, () => 0);
  for (let n = 0; n < X.length; n++) {
    for (let c = 0; c < X[0].length; c++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          for (let y = Math.max(top(i), 0); y < Math.min(top(i) + k0, H); y++) {
            for (let x = Math.max(left(j), 0); x < Math.min(left(j) + k1, W); x++) dX[n][c][y][x] += dZ[n][c][i][j] / (k0 * k1); // dX[n,c,y,x] += dZ[n,c,i,j]/(k₀k₁) over each window
          }
        }
      }
    }
  }
  return dX;
}
