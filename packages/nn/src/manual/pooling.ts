import { add, div, equal, gather, maximum, mul, pad, scatterAdd, slice, sub, tensor, zeros, type Tensor } from "@tapegrad/core";
import type { AvgPool2d, MaxPool2d } from "../layers/pooling";
import type { ManualBackward, ManualStep } from "./rule";

// Pooling by window offsets: for each offset (p, q) of the k₀ × k₁ window, V_pq[n, c, i, j] =
// X̃[n, c, s₀i + p, s₁j + q] is what every window holds there (a gather of rows, then of
// columns). The backward pass puts values back at those positions with scatterAdd, the
// adjoint of the gather: routed to the arg-max for max pooling, spread for average pooling.

interface Window {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** The window offsets in row-major order, each with the rows and columns of X̃ it reads. */
function offsets(window: Window, OH: number, OW: number): { rows: Tensor; columns: Tensor }[] {
  const positions = (count: number, start: number, step: number) => tensor(Array.from({ length: count }, (_, i) => start + step * i), { dtype: "int32" });
  const list: { rows: Tensor; columns: Tensor }[] = [];
  for (let p = 0; p < window.kernel[0]; p++) {
    for (let q = 0; q < window.kernel[1]; q++) list.push({ rows: positions(OH, p, window.stride[0]), columns: positions(OW, q, window.stride[1]) });
  }
  return list;
}

/** V_pq[n, c, i, j] = X̃[n, c, s₀i + p, s₁j + q]. */
function read(padded: Tensor, { rows, columns }: { rows: Tensor; columns: Tensor }): Tensor {
  return gather(gather(padded, rows, 2), columns, 3);
}

/** The adjoint of {@link read}: values [N, C, OH, OW] added back at the positions the offset read, in an X̃-shaped tensor. */
function putBack(values: Tensor, shape: readonly number[], { rows, columns }: { rows: Tensor; columns: Tensor }): Tensor {
  const [N, C, Hp, Wp] = shape;
  return scatterAdd([N, C, Hp, Wp], rows, scatterAdd([N, C, values.shape[2], Wp], columns, values, 3), 2);
}

function outputSize(x: Tensor, window: Window): [number, number] {
  return [0, 1].map((a) => Math.floor((x.shape[2 + a] + 2 * window.padding[a] - window.kernel[a]) / window.stride[a]) + 1) as [number, number];
}

function crop(padded: Tensor, x: Tensor, window: Window): Tensor {
  return slice(padded, [0, 0, window.padding[0], window.padding[1]], [...x.shape]);
}

/**
 * The hand-derived backward pass of {@link MaxPool2d}: each window's dZ is routed to its
 * arg-max, dX[n, c, argmax(i, j)] += dZ[n, c, i, j]; on a tie the first maximum (rows, then
 * columns) takes it, as PyTorch does. The padding is −∞, never a maximum.
 * @example `maxPool2dBackward({ layer: pool, params: {}, state: {}, x: X, out: Z, dOut: dZ, convention: "row" }).dX`
 */
export const maxPool2dBackward: ManualBackward = ({ layer, x, dOut }: ManualStep<MaxPool2d>) => {
  const window: Window = { kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding };
  const [OH, OW] = outputSize(x, window);
  const padded = pad(x, [[0, 0], [0, 0], [window.padding[0], window.padding[0]], [window.padding[1], window.padding[1]]], -Infinity);
  const windows = offsets(window, OH, OW);
  const views = windows.map((offset) => read(padded, offset));
  const Z = views.reduce((best, view) => maximum(best, view)); //                      Z[n,c,i,j] = max over the window
  let taken = zeros(Z.shape, { dtype: Z.dtype as "float64" });
  let dPadded = zeros(padded.shape, { dtype: Z.dtype as "float64" });
  windows.forEach((offset, k) => {
    const first = mul(equal(views[k], Z), sub(1, taken)); //                           1 at the first maximum of each window
    taken = add(taken, first);
    dPadded = add(dPadded, putBack(mul(first, dOut), padded.shape, offset)); //         dX[n,c,argmax(i,j)] += dZ[n,c,i,j]
  });
  return { dX: crop(dPadded, x, window), intermediates: { Z } };
};

/**
 * The hand-derived backward pass of {@link AvgPool2d}: each window's dZ is spread evenly
 * over it, dX[n, c, y, x] += dZ[n, c, i, j]/(k₀k₁) for every window (i, j) holding (y, x)
 * (the padding counts in k₀k₁, as PyTorch's count_include_pad).
 * @example `avgPool2dBackward({ layer: pool, params: {}, state: {}, x: X, out: Z, dOut: dZ, convention: "row" }).dX`
 */
export const avgPool2dBackward: ManualBackward = ({ layer, x, dOut }: ManualStep<AvgPool2d>) => {
  const window: Window = { kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding };
  const [OH, OW] = outputSize(x, window);
  const padded = pad(x, [[0, 0], [0, 0], [window.padding[0], window.padding[0]], [window.padding[1], window.padding[1]]]);
  const share = div(dOut, window.kernel[0] * window.kernel[1]); //                      dZ/(k₀k₁)
  const dPadded = offsets(window, OH, OW).reduce((total, offset) => add(total, putBack(share, padded.shape, offset)), zeros(padded.shape, { dtype: x.dtype as "float64" }));
  return { dX: crop(dPadded, x, window) };
};
