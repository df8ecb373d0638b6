import { afterEach, describe, expect, it } from "vitest";
import { matmul, Random, setMatmulKernel, sum, tanh, tensor, wasmSimdAvailable, type DType, type Tensor } from "../src";
import { gradcheck } from "../src/testing";
import { awayFromZero } from "./helpers";

afterEach(() => {
  setMatmulKernel("auto");
});

function randomMatrix(rows: number, columns: number, seed: number, dtype: DType): Tensor {
  const rng = new Random(seed);
  return tensor(Array.from({ length: rows * columns }, () => rng.normal()), { shape: [rows, columns], dtype });
}

function naive(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): number[] {
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const n = transposeB ? b.shape[0] : b.shape[1];
  const at = (i: number, p: number) => (transposeA ? a.data[p * m + i] : a.data[i * k + p]);
  const bt = (p: number, j: number) => (transposeB ? b.data[j * k + p] : b.data[p * n + j]);
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let total = 0;
    for (let p = 0; p < k; p++) total += at(i, p) * bt(p, j);
    out.push(total);
  }
  return out;
}

describe("the matrix-multiplication kernels", () => {
  it("WebAssembly SIMD is available on this engine", () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [4, 4, 8], [5, 9, 13], [17, 33, 9], [64, 70, 65], [130, 31, 129]];
  const cases = shapes.flatMap(([m, k, n]) =>
    (["float64", "float32"] as const).flatMap((dtype) =>
      [[false, false], [false, true], [true, false], [true, true]].map(([tA, tB]) => ({ m, k, n, dtype, tA, tB })),
    ),
  );

  it.each(cases)("js and wasm agree with a naive product: $m×$k·$k×$n $dtype transposeA=$tA transposeB=$tB", ({ m, k, n, dtype, tA, tB }) => {
    const a = tA ? randomMatrix(k, m, 1, dtype) : randomMatrix(m, k, 1, dtype);
    const b = tB ? randomMatrix(n, k, 2, dtype) : randomMatrix(k, n, 2, dtype);
    const expected = naive(a, b, tA, tB);
    const tolerance = dtype === "float64" ? 1e-12 : 1e-4;
    for (const kernel of ["js", "wasm"] as const) {
      setMatmulKernel(kernel);
      const c = matmul(a, b, { transposeA: tA, transposeB: tB });
      expect(c.shape).toEqual([m, n]);
      expect(c.dtype).toBe(dtype);
      const worst = Math.max(...expected.map((e, i) => Math.abs(c.data[i] - e) / Math.max(1, Math.abs(e))));
      expect(worst, kernel).toBeLessThan(tolerance);
    }
  });

  it("gradients through the wasm kernel pass gradcheck, first and second order", () => {
    setMatmulKernel("wasm");
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const a = awayFromZero(tA ? [5, 3] : [3, 5], 1);
      const b = awayFromZero(tB ? [6, 5] : [5, 6], 2);
      const f = (x: Tensor, y: Tensor) => tanh(matmul(x, y, { transposeA: tA, transposeB: tB }));
      expect(gradcheck(f, [a, b]).ok).toBe(true);
      expect(gradcheck((x: Tensor, y: Tensor) => sum(f(x, y)), [a, b], { order: 2 }).ok).toBe(true);
    }
  });

  it("refuses an unknown kernel and returns the previous choice", () => {
    expect(setMatmulKernel("js")).toBe("auto");
    expect(setMatmulKernel("auto")).toBe("js");
    expect(() => setMatmulKernel("gpu" as never)).toThrow("setMatmulKernel: the kernel must be 'auto', 'js' or 'wasm', got \"gpu\"");
  });
});
