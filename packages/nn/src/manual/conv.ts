import { add, concat, conv2d, gather, pad, reshape, slice, sum, tensor, transpose, type Tensor } from "@tapegrad/core";
import type { Conv1d, Conv2d } from "../layers/conv";
import { activationBackward, parameter, type ManualBackward, type ManualStep } from "./rule";

/** The geometry of a 2-D convolution: stride, dilation, zeros before and after each spatial axis, groups. */
export interface ConvGeometry {
  /** The step between windows, [along H, along W]. */
  stride: [number, number];
  /** The spacing of the kernel's taps, [along H, along W]. */
  dilation: [number, number];
  /** Zeros added before each spatial axis (top, left). */
  before: [number, number];
  /** Zeros added after each spatial axis (bottom, right). */
  after: [number, number];
  /** Channel groups. */
  groups: number;
}

/** What {@link convolutionBackward} returns. */
export interface ConvolutionGradients {
  /** ∂J/∂X. */
  dX: Tensor;
  /** ∂J/∂W. */
  dW: Tensor;
}

/**
 * The gradients of Z = conv2d(X, W) (a cross-correlation) from dZ, by the two formulas:
 * - dW = X̃ ⋆ dZ, the correlation of the zero-padded input with dZ:
 *   dW[o, c, p, q] = Σ_{n, i, j} X̃[n, c, d₀p + s₀i, d₁q + s₁j]·dZ[n, o, i, j], computed as a
 *   convolution with the roles of stride and dilation swapped (examples as channels);
 * - dX = dZ ∗ rot180(W), the full convolution: dZ dilated by the stride (s − 1 zeros
 *   between its entries), padded by d·(K − 1), correlated with the kernel rotated by 180°
 *   (input and output channels swapped), then cropped back to X's positions.
 * Each channel group is treated on its own. X is [N, C, H, W], W [O, C/groups, KH, KW],
 * dZ [N, O, OH, OW].
 * @example `convolutionBackward(X, W, dZ, { stride: [1, 1], dilation: [1, 1], before: [1, 1], after: [1, 1], groups: 1 })`
 */
export function convolutionBackward(X: Tensor, W: Tensor, dZ: Tensor, geometry: ConvGeometry): ConvolutionGradients {
  const { stride, dilation, before, after, groups } = geometry;
  const [N, C, H, Wd] = X.shape;
  const [O, Cg, KH, KW] = W.shape;
  const Og = O / groups;
  const padded = pad(X, [[0, 0], [0, 0], [before[0], after[0]], [before[1], after[1]]]); //  X̃ = X with zeros around
  const [Hp, Wp] = [padded.shape[2], padded.shape[3]];
  const [OH, OW] = [dZ.shape[2], dZ.shape[3]];
  const dWs: Tensor[] = [];
  const dXs: Tensor[] = [];
  for (let group = 0; group < groups; group++) {
    const Xg = slice(padded, [0, group * Cg, 0, 0], [N, Cg, Hp, Wp]);
    const dZg = slice(dZ, [0, group * Og, 0, 0], [N, Og, OH, OW]);
    const Wg = slice(W, [group * Og, 0, 0, 0], [Og, Cg, KH, KW]);
    // dW[o,c,p,q] = Σ_{n,i,j} X̃[n,c,d₀p + s₀i,d₁q + s₁j]·dZ[n,o,i,j]: stride d, dilation s, the examples summed as channels
    const correlation = conv2d(swapChannels(Xg), swapChannels(dZg), { stride: dilation, dilation: stride }); // [Cg, Og, ≥KH, ≥KW]
    dWs.push(swapChannels(slice(correlation, [0, 0, 0, 0], [Cg, Og, KH, KW])));
    // dX̃ = D ∗ rot180(W): D = dZ dilated by the stride, padded by d·(K − 1) (and up to X̃'s size at the end)
    const D = spread(spread(dZg, 2, stride[0]), 3, stride[1]);
    const rest = [Hp - D.shape[2] - dilation[0] * (KH - 1), Wp - D.shape[3] - dilation[1] * (KW - 1)];
    const full = [dilation[0] * (KH - 1), dilation[1] * (KW - 1)];
    const Dpadded = pad(D, [[0, 0], [0, 0], [full[0], full[0] + rest[0]], [full[1], full[1] + rest[1]]]);
    dXs.push(conv2d(Dpadded, swapChannels(rot180(Wg)), { dilation })); // [N, Cg, Hp, Wp]
  }
  const dPadded = groups === 1 ? dXs[0] : concat(dXs, 1);
  return {
    dX: slice(dPadded, [0, 0, before[0], before[1]], [N, C, H, Wd]), //  crop X̃ back to X
    dW: groups === 1 ? dWs[0] : concat(dWs, 0),
  };
}

/**
 * The hand-derived backward pass of a {@link Conv2d} layer, A = g(Z), Z = conv2d(X, W) + b:
 * dZ = dA ⊙ g′(Z), db[o] = Σ_{n,i,j} dZ[n, o, i, j], and dW, dX by {@link convolutionBackward}.
 * @example `conv2dBackward({ layer: conv, params, state: {}, x: X, out: A, dOut: dA, convention: "row" }).grads`
 */
export const conv2dBackward: ManualBackward = ({ layer, params, x, out, dOut }: ManualStep<Conv2d>) => {
  const W = parameter(layer, params, "W");
  const geometry = geometryOf(layer.kernelSize, layer.stride, layer.dilation, layer.padding, layer.groups);
  const padded = pad(x, [[0, 0], [0, 0], [geometry.before[0], geometry.after[0]], [geometry.before[1], geometry.after[1]]]);
  let Z = conv2d(padded, W, { stride: layer.stride, dilation: layer.dilation, groups: layer.groups }); // Z = X̃ ⋆ W (+ b)
  if (layer.bias) Z = add(Z, reshape(parameter(layer, params, "b"), [1, layer.outChannels, 1, 1]));
  const dZ = activationBackward(layer.activation, Z, out, dOut, 1, `conv2d layer '${layer.name}'`); //      dZ = dA ⊙ g′(Z)
  const { dX, dW } = convolutionBackward(x, W, dZ, geometry);
  const grads = { [layer.weightName]: dW };
  if (layer.bias) grads[layer.biasName] = sum(dZ, [0, 2, 3]); //                                          db[o] = Σ_{n,i,j} dZ[n,o,i,j]
  return { dX, grads, intermediates: { Z, dZ } };
};

/**
 * The hand-derived backward pass of a {@link Conv1d} layer: the 2-D formulas on images of
 * height 1 (X [N, C, L] as [N, C, 1, L]).
 * @example `conv1dBackward({ layer: conv, params, state: {}, x: X, out: A, dOut: dA, convention: "row" }).dX`
 */
export const conv1dBackward: ManualBackward = ({ layer, params, x, out, dOut }: ManualStep<Conv1d>) => {
  const W = parameter(layer, params, "W");
  const [N, C, L] = x.shape;
  const [O, Cg, K] = W.shape;
  const padding = typeof layer.padding === "number" ? ([0, layer.padding] as [number, number]) : layer.padding;
  const geometry = geometryOf([1, layer.kernelSize], [1, layer.stride], [1, layer.dilation], padding, layer.groups);
  const x2 = reshape(x, [N, C, 1, L]);
  const W2 = reshape(W, [O, Cg, 1, K]);
  const padded = pad(x2, [[0, 0], [0, 0], [0, 0], [geometry.before[1], geometry.after[1]]]);
  let Z = conv2d(padded, W2, { stride: [1, layer.stride], dilation: [1, layer.dilation], groups: layer.groups });
  if (layer.bias) Z = add(Z, reshape(parameter(layer, params, "b"), [1, O, 1, 1]));
  const dZ = activationBackward(layer.activation, Z, reshape(out, Z.shape), reshape(dOut, Z.shape), 1, `conv1d layer '${layer.name}'`);
  const { dX, dW } = convolutionBackward(x2, W2, dZ, geometry);
  const grads = { [layer.weightName]: reshape(dW, W.shape) };
  if (layer.bias) grads[layer.biasName] = sum(dZ, [0, 2, 3]);
  return { dX: reshape(dX, x.shape), grads, intermediates: { Z: reshape(Z, out.shape), dZ: reshape(dZ, out.shape) } };
};

/** Zeros before and after each axis as core's conv2d places them ('same': d·(K − 1) split evenly, an odd one at the end). */
function geometryOf(
  kernel: readonly number[],
  stride: [number, number],
  dilation: [number, number],
  padding: readonly number[] | "same" | "valid",
  groups: number,
): ConvGeometry {
  let before: [number, number];
  let after: [number, number];
  if (padding === "valid") before = after = [0, 0];
  else if (padding === "same") {
    before = [0, 1].map((a) => Math.floor((dilation[a] * (kernel[a] - 1)) / 2)) as [number, number];
    after = [0, 1].map((a) => dilation[a] * (kernel[a] - 1) - before[a]) as [number, number];
  } else before = after = [padding[0], padding[1]];
  return { stride, dilation, before, after, groups };
}

/** [A, B, …] to [B, A, …]: the channel axes of a convolution's operands exchanged. */
function swapChannels(t: Tensor): Tensor {
  return transpose(t, [1, 0, 2, 3]);
}

/** rot180(W)[o, c, p, q] = W[o, c, KH − 1 − p, KW − 1 − q]. */
function rot180(W: Tensor): Tensor {
  const reversed = (n: number) => tensor(Array.from({ length: n }, (_, i) => n - 1 - i), { dtype: "int32" });
  return gather(gather(W, reversed(W.shape[2]), 2), reversed(W.shape[3]), 3);
}

/**
 * `t` with `step − 1` zeros between consecutive entries along `axis` (n entries become
 * (n − 1)·step + 1): the positions a strided window read, with the values put back there.
 * @example `spread(tensor([1, 2, 3]), 0, 2) // [1, 0, 2, 0, 3]`
 */
export function spread(t: Tensor, axis: number, step: number): Tensor {
  if (step === 1) return t;
  const shape = t.shape;
  const n = shape[axis];
  const withSlot = reshape(t, [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)]);
  const paddings = withSlot.shape.map((_, a): [number, number] => (a === axis + 1 ? [0, step - 1] : [0, 0]));
  const interleaved = reshape(pad(withSlot, paddings), [...shape.slice(0, axis), n * step, ...shape.slice(axis + 1)]);
  const size = interleaved.shape.map((d, a) => (a === axis ? (n - 1) * step + 1 : d));
  return slice(interleaved, new Array<number>(shape.length).fill(0), size);
}
