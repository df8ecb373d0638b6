// 1-D and 2-D convolutions: random problems, the reference's pass, and the tape through core
// ops and through nn's conv1d and conv2d layers (whose W and b are the reference's). The loss is J = ⟨G, Z⟩ for a random G, so that ∂J/∂Z = G is the dZ the formulas start from.
import fc from "fast-check";
import { add, conv1d, conv2d, grad, mul, Random, reshape, sum, type Conv2dOptions, type Tensor } from "@tapegrad/core";
import {
  conv1dBackward,
  conv1dForward,
  conv2dBackward,
  conv2dForward,
  outputSize,
  type Array3,
  type Array4,
  type Conv1dGradients,
  type Conv2dGradients,
  type Geometry1d,
  type Geometry2d,
} from "../../src/convolution";
import { conv1d as conv1dLayer, conv2d as conv2dLayer } from "@tapegrad/nn";
import { asTensor, centralDifferences, inner, layerGradients, normalArray, once, type Family } from "./check";

export interface Conv1dProblem {
  X: Array3;
  W: Array3;
  b: number[];
  G: Array3;
  geometry: Geometry1d;
}

export interface Conv2dProblem {
  X: Array4;
  W: Array4;
  b: number[];
  G: Array4;
  geometry: Geometry2d;
}

export type Conv1dPass = Conv1dGradients & { Z: Array3 };
export type Conv2dPass = Conv2dGradients & { Z: Array4 };

const fits = (n: number, k: number, pad: number, d: number) => d * (k - 1) + 1 <= n + 2 * pad;

/** Channels split into groups, and the sizes of one axis' window. */
const channels = { N: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), inPerGroup: fc.integer({ min: 1, max: 2 }), outPerGroup: fc.integer({ min: 1, max: 2 }) };
const axis = (maxSize: number) =>
  fc.record({ n: fc.integer({ min: 1, max: maxSize }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 1, max: 2 }) });
type Axis = { n: number; k: number; s: number; pad: number; d: number };

export function conv1dProblems(options: { minKernel?: number } = {}): fc.Arbitrary<Conv1dProblem> {
  return fc
    .record({ ...channels, length: axis(9), seed: fc.nat() })
    .filter(({ length: a }) => a.k >= (options.minKernel ?? 1) && fits(a.n, a.k, a.pad, a.d))
    .map(({ N, groups, inPerGroup, outPerGroup, length: a, seed }) => {
      const rng = new Random(seed);
      const geometry = { stride: a.s, padding: a.pad, dilation: a.d, groups };
      const [C, O] = [groups * inPerGroup, groups * outPerGroup];
      return {
        X: normalArray<Array3>(rng, [N, C, a.n]),
        W: normalArray<Array3>(rng, [O, inPerGroup, a.k]),
        b: normalArray<number[]>(rng, [O]),
        G: normalArray<Array3>(rng, [N, O, outputSize(a.n, a.k, a.s, a.pad, a.d)]),
        geometry,
      };
    });
}

export function conv2dProblems(options: { minKernel?: number } = {}): fc.Arbitrary<Conv2dProblem> {
  return fc
    .record({ ...channels, height: axis(6), width: axis(6), seed: fc.nat() })
    .filter(({ height: h, width: w }) => h.k * w.k >= (options.minKernel ?? 1) && fits(h.n, h.k, h.pad, h.d) && fits(w.n, w.k, w.pad, w.d))
    .map(({ N, groups, inPerGroup, outPerGroup, height: h, width: w, seed }) => {
      const rng = new Random(seed);
      const pair = (f: (a: Axis) => number): [number, number] => [f(h), f(w)];
      const geometry = { stride: pair((a) => a.s), padding: pair((a) => a.pad), dilation: pair((a) => a.d), groups };
      const [C, O] = [groups * inPerGroup, groups * outPerGroup];
      return {
        X: normalArray<Array4>(rng, [N, C, h.n, w.n]),
        W: normalArray<Array4>(rng, [O, inPerGroup, h.k, w.k]),
        b: normalArray<number[]>(rng, [O]),
        G: normalArray<Array4>(rng, [N, O, outputSize(h.n, h.k, h.s, h.pad, h.d), outputSize(w.n, w.k, w.s, w.pad, w.d)]),
        geometry,
      };
    });
}

/** conv1d through core ops, with the bias added as [1, O, 1]. */
function coreConv1d(p: Conv1dProblem) {
  const { stride, padding, dilation, groups } = p.geometry;
  const forward = (X: Tensor, W: Tensor, b: Tensor) => add(conv1d(X, W, { stride, padding, dilation, groups }), reshape(b, [1, b.shape[0], 1]));
  const inputs = () => [asTensor(p.X), asTensor(p.W), asTensor(p.b)] as const;
  const grads = once(() => grad((X: Tensor, W: Tensor, b: Tensor) => sum(mul(forward(X, W, b), asTensor(p.G))))(...inputs()));
  return { Z: () => forward(...inputs()), dX: () => grads()[0], dW: () => grads()[1], db: () => grads()[2] };
}

/** conv2d through core ops, with the bias added as [1, O, 1, 1] (a planted rule can replace conv2d). */
export function coreConv2d(p: Conv2dProblem, convolve: (x: Tensor, w: Tensor, options: Conv2dOptions) => Tensor = conv2d) {
  const { stride, padding, dilation, groups } = p.geometry;
  const forward = (X: Tensor, W: Tensor, b: Tensor) => add(convolve(X, W, { stride, padding, dilation, groups }), reshape(b, [1, b.shape[0], 1, 1]));
  const inputs = () => [asTensor(p.X), asTensor(p.W), asTensor(p.b)] as const;
  const grads = once(() => grad((X: Tensor, W: Tensor, b: Tensor) => sum(mul(forward(X, W, b), asTensor(p.G))))(...inputs()));
  return { Z: () => forward(...inputs()), dX: () => grads()[0], dW: () => grads()[1], db: () => grads()[2] };
}

/** nn's conv1d layer, `conv.W` = W [O, C/groups, K] and `conv.b` = b [O]. */
function layerConv1d(p: Conv1dProblem) {
  const [O, inPerGroup, K] = [p.W.length, p.W[0].length, p.W[0][0].length];
  const layer = conv1dLayer({ name: "conv", inChannels: inPerGroup * p.geometry.groups, outChannels: O, kernelSize: K, ...p.geometry });
  const { output, dParams, dX } = layerGradients((params, x: Tensor) => layer.apply(params, x), { "conv.W": asTensor(p.W), "conv.b": asTensor(p.b) }, asTensor(p.X), p.G);
  return { Z: output, dX, dW: () => dParams()["conv.W"], db: () => dParams()["conv.b"] };
}

/** nn's conv2d layer, `conv.W` = W [O, C/groups, KH, KW] and `conv.b` = b [O]. */
function layerConv2d(p: Conv2dProblem) {
  const [O, inPerGroup, KH, KW] = [p.W.length, p.W[0].length, p.W[0][0].length, p.W[0][0][0].length];
  const layer = conv2dLayer({ name: "conv", inChannels: inPerGroup * p.geometry.groups, outChannels: O, kernelSize: [KH, KW], ...p.geometry });
  const { output, dParams, dX } = layerGradients((params, x: Tensor) => layer.apply(params, x), { "conv.W": asTensor(p.W), "conv.b": asTensor(p.b) }, asTensor(p.X), p.G);
  return { Z: output, dX, dW: () => dParams()["conv.W"], db: () => dParams()["conv.b"] };
}

export const conv1dFamily: Family<Conv1dProblem, Conv1dPass> = {
  reference: ({ X, W, b, G, geometry }) => ({ Z: conv1dForward(X, W, b, geometry), ...conv1dBackward(X, W, G, geometry) }),
  paths: { "core ops": coreConv1d, "nn layers": layerConv1d },
  formulas: [
    { formula: "Z[n,o,i] = b[o] + Σ_{c,p} X̃[n,c,s·i + d·p]·W[o,c,p] (cross-correlation)", quantity: "Z", expected: (pass) => pass.Z },
    {
      formula: "dW = X ⋆ dZ (correlation of the input with dZ)",
      quantity: "dW",
      expected: (pass) => pass.dW,
      numeric: ({ X, W, b, G, geometry }) => centralDifferences((w: Array3) => inner(G, conv1dForward(X, w, b, geometry)), W),
    },
    {
      formula: "dX = dZ ∗ rot180(W) (full convolution of the stride-dilated dZ with the flipped kernel)",
      quantity: "dX",
      expected: (pass) => pass.dX,
      numeric: ({ X, W, b, G, geometry }) => centralDifferences((x: Array3) => inner(G, conv1dForward(x, W, b, geometry)), X),
    },
    {
      formula: "db = Σ_{n,i} dZ (the sum of dZ over examples and positions)",
      quantity: "db",
      expected: (pass) => pass.db,
      numeric: ({ X, W, b, G, geometry }) => centralDifferences((bias: number[]) => inner(G, conv1dForward(X, W, bias, geometry)), b),
    },
  ],
};

export const conv2dFamily: Family<Conv2dProblem, Conv2dPass> = {
  reference: ({ X, W, b, G, geometry }) => ({ Z: conv2dForward(X, W, b, geometry), ...conv2dBackward(X, W, G, geometry) }),
  paths: { "core ops": (p) => coreConv2d(p), "nn layers": layerConv2d },
  formulas: [
    { formula: "Z[n,o,i,j] = b[o] + Σ_{c,p,q} X̃[n,c,s₀i + d₀p,s₁j + d₁q]·W[o,c,p,q] (cross-correlation)", quantity: "Z", expected: (pass) => pass.Z },
    {
      formula: "dW = X ⋆ dZ (correlation of the input with dZ)",
      quantity: "dW",
      expected: (pass) => pass.dW,
      numeric: ({ X, W, b, G, geometry }) => centralDifferences((w: Array4) => inner(G, conv2dForward(X, w, b, geometry)), W),
    },
    {
      formula: "dX = dZ ∗ rot180(W) (full convolution of the stride-dilated dZ with the flipped kernel)",
      quantity: "dX",
      expected: (pass) => pass.dX,
      numeric: ({ X, W, b, G, geometry }) => centralDifferences((x: Array4) => inner(G, conv2dForward(x, W, b, geometry)), X),
    },
    {
      formula: "db = Σ_{n,i,j} dZ (the sum of dZ over examples and positions)",
      quantity: "db",
      expected: (pass) => pass.db,
      numeric: ({ X, W, b, G, geometry }) => centralDifferences((bias: number[]) => inner(G, conv2dForward(X, W, bias, geometry)), b),
    },
  ],
};
