// Max and average pooling: random problems, the reference's pass, and the tape through core
// ops and through nn's maxPool2d and avgPool2d layers (no parameters). The loss is J = ⟨G, Z⟩, so that dZ = G.
import fc from "fast-check";
import { avgPool2d, grad, maxPool2d, mul, Random, sum, type Pool2dOptions, type Tensor } from "@tapegrad/core";
import { array4, type Array4 } from "../../src/convolution";
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, type PoolGeometry } from "../../src/pooling";
import { avgPool2d as avgPoolLayer, maxPool2d as maxPoolLayer } from "@tapegrad/nn";
import { asTensor, centralDifferences, inner, layerGradients, normalArray, type Family, type Formula } from "./check";

export interface PoolProblem {
  X: Array4;
  G: Array4;
  geometry: PoolGeometry;
}

export interface PoolPass {
  maxZ: Array4;
  maxDX: Array4;
  avgZ: Array4;
  avgDX: Array4;
}

const axis = fc.record({ n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 1 }) });

/**
 * Random pooling problems. `ties` draws X from {0, 1, 2}, so that most windows hold their
 * maximum more than once; `minWindow` asks for windows of at least that many elements.
 */
export function poolProblems(options: { ties?: boolean; minWindow?: number } = {}): fc.Arbitrary<PoolProblem> {
  return fc
    .record({ N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 3 }), height: axis, width: axis, seed: fc.nat() })
    .filter(({ height: h, width: w }) => [h, w].every((a) => 2 * a.pad <= a.k && a.k <= a.n + 2 * a.pad) && h.k * w.k >= (options.minWindow ?? 1))
    .map(({ N, C, height: h, width: w, seed }) => {
      const rng = new Random(seed);
      const geometry: PoolGeometry = { kernel: [h.k, w.k], stride: [h.s, w.s], padding: [h.pad, w.pad] };
      const out = (a: typeof h) => Math.floor((a.n + 2 * a.pad - a.k) / a.s) + 1;
      const X = array4(N, C, h.n, w.n, () => (options.ties ? rng.int(3) : rng.normal()));
      return { X, G: normalArray<Array4>(rng, [N, C, out(h), out(w)]), geometry };
    });
}

export function poolReference({ X, G, geometry }: PoolProblem): PoolPass {
  const max = maxPoolForward(X, geometry);
  return { maxZ: max.Z, maxDX: maxPoolBackward(X, max, G), avgZ: avgPoolForward(X, geometry), avgDX: avgPoolBackward(X, G, geometry) };
}

/** maxPool2d and avgPool2d through core ops (a planted rule can replace maxPool2d). */
export function corePooling({ X, G, geometry }: PoolProblem, maxPool: (x: Tensor, options: Pool2dOptions) => Tensor = maxPool2d) {
  const options = { kernelSize: geometry.kernel, stride: geometry.stride, padding: geometry.padding };
  const dX = (pool: (x: Tensor) => Tensor) => grad((x: Tensor) => sum(mul(pool(x), asTensor(G))))(asTensor(X))[0];
  return {
    maxZ: () => maxPool(asTensor(X), options),
    maxDX: () => dX((x) => maxPool(x, options)),
    avgZ: () => avgPool2d(asTensor(X), options),
    avgDX: () => dX((x) => avgPool2d(x, options)),
  };
}

/** nn's maxPool2d and avgPool2d layers, with the problem's window, stride and padding. */
function layerPooling({ X, G, geometry }: PoolProblem) {
  const options = { kernelSize: geometry.kernel, stride: geometry.stride, padding: geometry.padding };
  const [max, avg] = [maxPoolLayer({ name: "maxPool", ...options }), avgPoolLayer({ name: "avgPool", ...options })];
  const maxPath = layerGradients((params, x: Tensor) => max.apply(params, x), {}, asTensor(X), G);
  const avgPath = layerGradients((params, x: Tensor) => avg.apply(params, x), {}, asTensor(X), G);
  return { maxZ: maxPath.output, maxDX: maxPath.dX, avgZ: avgPath.output, avgDX: avgPath.dX };
}

export const maxPoolDxFormula: Formula<PoolProblem, PoolPass> = {
  formula: "max pool: dX routes each dZ to its window's arg-max",
  quantity: "maxDX",
  expected: (pass) => pass.maxDX,
  numeric: ({ X, G, geometry }) => centralDifferences((x: Array4) => inner(G, maxPoolForward(x, geometry).Z), X),
};

/** On ties the derivative is not defined: PyTorch's choice, the first maximum, is checked against the tape alone. */
export const maxPoolTiesFormula: Formula<PoolProblem, PoolPass> = {
  formula: "max pool on ties: dZ goes to the window's first maximum, rows then columns (as PyTorch)",
  quantity: "maxDX",
  expected: (pass) => pass.maxDX,
};

export const poolFamily: Family<PoolProblem, PoolPass> = {
  reference: poolReference,
  paths: { "core ops": (p) => corePooling(p), "nn layers": layerPooling },
  formulas: [
    { formula: "max pool: Z = the maximum of each window (padding as −∞)", quantity: "maxZ", expected: (pass) => pass.maxZ },
    maxPoolDxFormula,
    { formula: "average pool: Z = (1/(k₀k₁))·Σ over each window (padding counted as zeros)", quantity: "avgZ", expected: (pass) => pass.avgZ },
    {
      formula: "average pool: dX spreads dZ/(k₀k₁) over each window",
      quantity: "avgDX",
      expected: (pass) => pass.avgDX,
      numeric: ({ X, G, geometry }) => centralDifferences((x: Array4) => inner(G, avgPoolForward(x, geometry)), X),
    },
  ],
};
