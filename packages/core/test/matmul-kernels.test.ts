import { afterEach, describe, expect, it } from "vitest";
import { matmul, Random, setMatmulKernel, sum, tanh, tensor, wasmSimdAvailable, type DType, type Tensor } from "../src";
import { gradcheck } from "../src/testing";
import { matrixIndices } from "../src/kernels/matmul";
import { awayFromZero } from "./helpers";

// The choice in force when the file starts (TAPEGRAD_MATMUL_KERNEL may have forced one), restored after each test.
const initialKernel = setMatmulKernel("auto");
setMatmulKernel(initialKernel);
afterEach(() => {
  setMatmulKernel(initialKernel);
});

function randomMatrix(rows: number, columns: number, seed: number, dtype: DType): Tensor {
  return randomTensor([rows, columns], seed, dtype);
}

function randomTensor(shape: number[], seed: number, dtype: DType): Tensor {
  const rng = new Random(seed);
  return tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), { shape, dtype });
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

/** The batched product with numpy's broadcasting of the batch axes, by plain loops. */
function naiveBatched(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): number[] {
  const rowsA = a.shape[a.rank - 2], colsA = a.shape[a.rank - 1];
  const rowsB = b.shape[b.rank - 2], colsB = b.shape[b.rank - 1];
  const m = transposeA ? colsA : rowsA, k = transposeA ? rowsA : colsA, n = transposeB ? rowsB : colsB;
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const padA = [...Array(rank - batchA.length).fill(1), ...batchA];
  const padB = [...Array(rank - batchB.length).fill(1), ...batchB];
  const batch = padA.map((dim, axis) => Math.max(dim, padB[axis]));
  const total = batch.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let s = 0; s < total; s++) {
    // The batch index of s, then each operand's matrix number (0 on its size-1 axes).
    let rest = s, matrixA = 0, matrixB = 0, strideA = 1, strideB = 1;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const i = rest % batch[axis];
      rest = Math.floor(rest / batch[axis]);
      if (padA[axis] !== 1) matrixA += i * strideA;
      if (padB[axis] !== 1) matrixB += i * strideB;
      strideA *= padA[axis];
      strideB *= padB[axis];
    }
    const at = (i: number, p: number) => a.data[matrixA * m * k + (transposeA ? p * m + i : i * k + p)];
    const bt = (p: number, j: number) => b.data[matrixB * k * n + (transposeB ? j * k + p : p * n + j)];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let total = 0;
      for (let p = 0; p < k; p++) total += at(i, p) * bt(p, j);
      out.push(total);
    }
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

  // Batch shapes of a and b: equal, one operand a single matrix (either side), broadcast both
  // ways; slices below and above the wasm threshold, with n a whole number of blocks or not.
  const batchPairs: Array<[number[], number[]]> = [[[5], [5]], [[6], []], [[], [6]], [[2, 1], [3]], [[1, 4], [3, 1]]];
  const sliceShapes: Array<[number, number, number]> = [[3, 5, 7], [16, 16, 16], [17, 9, 12], [33, 20, 8]];
  const batchedCases = batchPairs.flatMap(([batchA, batchB]) =>
    sliceShapes.flatMap(([m, k, n]) =>
      (["float64", "float32"] as const).flatMap((dtype) =>
        [[false, false], [false, true], [true, false], [true, true]].map(([tA, tB]) => ({ batchA, batchB, m, k, n, dtype, tA, tB })),
      ),
    ),
  );

  it.each(batchedCases)("js and wasm agree on batches: [$batchA] with [$batchB] of $m×$k·$k×$n $dtype transposeA=$tA transposeB=$tB", ({ batchA, batchB, m, k, n, dtype, tA, tB }) => {
    const a = randomTensor([...batchA, ...(tA ? [k, m] : [m, k])], 3, dtype);
    const b = randomTensor([...batchB, ...(tB ? [n, k] : [k, n])], 4, dtype);
    const expected = naiveBatched(a, b, tA, tB);
    setMatmulKernel("js");
    const byLoops = matmul(a, b, { transposeA: tA, transposeB: tB });
    setMatmulKernel("wasm");
    const bySimd = matmul(a, b, { transposeA: tA, transposeB: tB });
    expect(bySimd.shape).toEqual(byLoops.shape);
    expect(bySimd.dtype).toBe(dtype);
    const tolerance = dtype === "float64" ? 1e-12 : 1e-5;
    const worst = (c: Tensor) => Math.max(...expected.map((e, i) => Math.abs(c.data[i] - e) / Math.max(1, Math.abs(e))));
    expect(worst(byLoops), "js against a naive product").toBeLessThan(dtype === "float64" ? 1e-12 : 1e-4);
    expect(worst(bySimd), "wasm against a naive product").toBeLessThan(dtype === "float64" ? 1e-12 : 1e-4);
    const disagreement = Math.max(...byLoops.data.map((x, i) => Math.abs(x - bySimd.data[i]) / Math.max(1, Math.abs(x))));
    expect(disagreement, "js against wasm").toBeLessThan(tolerance);
  });

  it("wasm does a stack larger than its 64 MiB part in several parts, sharing a broadcast operand in each", () => {
    // 130 products of 1 × 65536 by 65536 × 1: each aᵀ matrix takes 512 KiB, so the stack
    // needs more than 64 MiB of WebAssembly memory; b is one matrix, read by every product.
    const count = 130, k = 65536;
    const data = new Float64Array(count * k);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) + (i % 7) / 7;
    const a = tensor(data, { shape: [count, k, 1] });
    const b = tensor(Float64Array.from({ length: k }, (_, p) => Math.cos(p)), { shape: [k, 1] });
    setMatmulKernel("wasm");
    const bySimd = matmul(a, b, { transposeA: true });
    setMatmulKernel("js");
    const byLoops = matmul(a, b, { transposeA: true });
    expect(bySimd.shape).toEqual([count, 1, 1]);
    for (const s of [0, 1, 64, 100, 127, 128, 129]) {
      let dot = 0;
      for (let p = 0; p < k; p++) dot += data[s * k + p] * Math.cos(p);
      expect(Math.abs(bySimd.data[s] - dot), `product ${s}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(dot)));
    }
    const disagreement = Math.max(...byLoops.data.map((x, i) => Math.abs(x - bySimd.data[i]) / Math.max(1, Math.abs(x))));
    expect(disagreement).toBeLessThan(1e-12);
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

  it("batched gradients through the wasm kernel pass gradcheck, first and second order", () => {
    setMatmulKernel("wasm");
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const a = awayFromZero([2, 1, ...(tA ? [5, 3] : [3, 5])], 3);
      const b = awayFromZero([3, ...(tB ? [6, 5] : [5, 6])], 4);
      const f = (x: Tensor, y: Tensor) => tanh(matmul(x, y, { transposeA: tA, transposeB: tB }));
      expect(gradcheck(f, [a, b]).ok).toBe(true);
      expect(gradcheck((x: Tensor, y: Tensor) => sum(f(x, y)), [a, b], { order: 2 }).ok).toBe(true);
    }
  });

  it("reads each product's matrices through broadcast batch strides", () => {
    expect([...matrixIndices([2, 1], [2, 3])]).toEqual([0, 0, 0, 1, 1, 1]);
    expect([...matrixIndices([3], [2, 3])]).toEqual([0, 1, 2, 0, 1, 2]);
    expect([...matrixIndices([1, 2, 1], [3, 2, 2])]).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect([...matrixIndices([], [2, 2])]).toEqual([0, 0, 0, 0]);
    expect([...matrixIndices([4], [4])]).toEqual([0, 1, 2, 3]);
    expect([...matrixIndices([1], [0])]).toEqual([]);
  });

  it("refuses an unknown kernel and returns the previous choice", () => {
    setMatmulKernel("auto");
    expect(setMatmulKernel("js")).toBe("auto");
    expect(setMatmulKernel("auto")).toBe("js");
    expect(() => setMatmulKernel("gpu" as never)).toThrow("setMatmulKernel: the kernel must be 'auto', 'js', 'wasm' or 'threads', got \"gpu\"");
  });
});
