import { resolve } from "node:path";
import { createContext, runInContext } from "node:vm";
import { build } from "esbuild";
import ndarray from "ndarray";
import { afterEach, describe, expect, it } from "vitest";
import { broadcastTo, tensor, transpose, type Tensor } from "../src";
import { allowNdarrayOps, ndarrayOpsLoaded } from "../src/kernels/strided";

afterEach(() => allowNdarrayOps(true));

// A page served with a Content-Security-Policy that lacks 'unsafe-eval' refuses `new Function`.
// ndarray-ops generates its loops as it is imported, and ndarray its view classes when first
// used, so tapegrad must load and compute without either: strided copies then run as plain
// loops, element-wise ops as callback loops. Node's vm gives the same refusal
// (codeGeneration: { strings: false }), and `wasm: false` refuses WebAssembly as
// 'wasm-unsafe-eval' missing from the policy would.

/** Element [i₀, i₁, …] of a strided view, read by the definition, one element at a time. */
function readView(data: ArrayLike<number>, shape: number[], strides: number[], offset: number): number[] {
  const out: number[] = [];
  const visit = (axis: number, at: number) => {
    if (axis === shape.length) out.push(data[at]);
    else for (let i = 0; i < shape[axis]; i++) visit(axis + 1, at + i * strides[axis]);
  };
  visit(0, offset);
  return out;
}

const values = (t: Tensor) => Array.from(t.data);

describe("strided copies without ndarray-ops give the same values", () => {
  it("ndarray-ops loads where code generation is allowed", async () => {
    expect(await ndarrayOpsLoaded).toBe(true);
  });

  const source = tensor(Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i * 1.5 - 7), { shape: [2, 3, 4, 5] });
  const permutations = [[0, 2, 1, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]];
  it.each(permutations)("transpose by [%i, %i, %i, %i]", async (...perm) => {
    await ndarrayOpsLoaded;
    const withOps = transpose(source, perm);
    allowNdarrayOps(false);
    const withLoop = transpose(source, perm);
    const strides = [60, 20, 5, 1];
    const expected = readView(source.data, perm.map((a) => source.shape[a]), perm.map((a) => strides[a]), 0);
    expect(withLoop.shape).toEqual(withOps.shape);
    expect(values(withLoop)).toEqual(expected);
    expect(values(withOps)).toEqual(expected);
  });

  const expansions: Array<[number[], number[]]> = [
    [[3, 1], [2, 3, 4]],
    [[1, 4], [3, 4]],
    [[2, 1, 3], [2, 5, 3]],
    [[4], [2, 3, 4]],
  ];
  it.each(expansions)("broadcast %j to %j", async (from, to) => {
    await ndarrayOpsLoaded;
    const x = tensor(Array.from({ length: from.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), { shape: from });
    const withOps = broadcastTo(x, to);
    allowNdarrayOps(false);
    const withLoop = broadcastTo(x, to);
    expect(values(withLoop)).toEqual(values(withOps));
    // Element [i, j, k] of [3, 1] broadcast to [2, 3, 4] is x[j, 0], and so on: strides 0 on the broadcast axes.
    const own = from.map((_, axis) => from.slice(axis + 1).reduce((a, b) => a * b, 1));
    const strides = to.map((n, axis) => {
      const ownAxis = axis - (to.length - from.length);
      return ownAxis < 0 || from[ownAxis] === 1 ? 0 : own[ownAxis];
    });
    expect(values(withLoop)).toEqual(readView(x.data, to, strides, 0));
  });

  it("reads ndarray views (transposed, negative strides, a Fortran order, generic storage) in logical order", async () => {
    await ndarrayOpsLoaded;
    const data = new Float64Array(Array.from({ length: 24 }, (_, i) => i));
    const views = [
      ndarray(data, [4, 6]).transpose(1, 0),
      ndarray(data, [2, 3, 4]).step(-1, 1, -2),
      ndarray(data, [4, 6], [1, 4], 0),
      ndarray(data, [24]).hi(20).lo(3).step(3),
    ];
    for (const view of views) {
      const withOps = tensor(view);
      allowNdarrayOps(false);
      const withLoop = tensor(view);
      allowNdarrayOps(true);
      const expected = readView(view.data as Float64Array, view.shape, view.stride, view.offset);
      expect(values(withLoop)).toEqual(expected);
      expect(values(withOps)).toEqual(expected);
    }
    const storage = { get: (i: number) => i * i, set: () => undefined, length: 10 };
    const generic = ndarray(storage as unknown as number[], [3, 2], [-3, 1], 6);
    allowNdarrayOps(false);
    expect(tensor(generic).toArray()).toEqual([[36, 49], [9, 16], [0, 1]]);
  });
});

describe("tapegrad where code generation is refused", () => {
  it("loads, trains a small network, and says why .array is unavailable", async () => {
    const entry = `
      import { tensor, transpose, broadcastTo, sum, mean, tanh, sigmoid, matmul, add, sub, mul, square, valueAndGrad, wasmSimdAvailable } from "../src";
      import { ndarrayOpsLoaded } from "../src/kernels/strided";
      export function run() {
        const X = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
        const Y = tensor([[0], [1], [1], [0]]);
        let W1 = tensor([[0.5, -0.4, 0.3], [-0.2, 0.6, 0.1]]), b1 = tensor([[0.1, -0.1, 0.05]]);
        let W2 = tensor([[0.7], [-0.5], [0.2]]), b2 = tensor([[0]]);
        const loss = (W1, b1, W2, b2) => mean(square(sub(sigmoid(add(matmul(tanh(add(matmul(X, W1), b1)), W2), b2)), Y)));
        const losses = [];
        for (let step = 0; step < 200; step++) {
          const { value, grads } = valueAndGrad(loss)(W1, b1, W2, b2);
          losses.push(value.item());
          [W1, b1, W2, b2] = [W1, b1, W2, b2].map((p, i) => sub(p, mul(grads[i], 2)));
        }
        const cube = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });
        let arrayError = "";
        try { cube.array; } catch (error) { arrayError = error.message; }
        let generationRefused = false;
        try { new Function("return 1"); } catch (error) { generationRefused = error instanceof EvalError; }
        return {
          losses,
          permuted: Array.from(transpose(cube, [2, 0, 1]).data),
          expanded: Array.from(broadcastTo(tensor([[1], [2]]), [3, 2, 2]).data),
          summed: sum(cube, [0, 2]).toArray(),
          arrayError,
          generationRefused,
          wasm: wasmSimdAvailable(),
          opsLoaded: ndarrayOpsLoaded,
        };
      }`;
    const result = await build({
      stdin: { contents: entry, resolveDir: resolve(import.meta.dirname), sourcefile: "strict-page.ts", loader: "ts" },
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "page",
      write: false,
      logLevel: "silent",
    });
    const context = createContext({ console, performance: { now: () => performance.now() } }, { codeGeneration: { strings: false, wasm: false } });
    runInContext(`${result.outputFiles[0].text}\nglobalThis.page = page;`, context);
    const outcome = runInContext("page.run()", context);

    expect(outcome.generationRefused).toBe(true);
    expect(await outcome.opsLoaded).toBe(false);
    expect(outcome.wasm).toBe(false);
    expect(outcome.losses.at(-1)).toBeLessThan(outcome.losses[0] / 2);
    expect(Array.from(outcome.permuted)).toEqual(values(transpose(tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] }), [2, 0, 1])));
    expect(Array.from(outcome.expanded)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2]);
    expect(outcome.summed).toEqual([60, 92, 124]); // Σ over i and k of 12i + 4j + k = 32j + 60
    expect(outcome.arrayError).toMatch(/^Tensor\.array: ndarray could not build its view, because this environment refuses to generate code .*read the values from \.data instead \(row-major, shape \[2, 3, 4\]\)$/);
  });
});
