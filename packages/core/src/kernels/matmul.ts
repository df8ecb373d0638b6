import { allocate, type FloatDType, type TypedArray } from "../dtype";
import { Tensor } from "../tensor";
import { wasmGemm } from "./wasm/gemm";

/** Which matrix-multiplication kernel runs: see {@link setMatmulKernel}. */
export type MatmulKernel = "auto" | "js" | "wasm";

/** Below this many multiply-adds, copying into WebAssembly memory costs more than it saves. */
const WASM_THRESHOLD = 4096;
let kernelChoice: MatmulKernel = initialKernel();

/** `TAPEGRAD_MATMUL_KERNEL=js|wasm` in the environment forces a kernel (the test suite runs on both). */
function initialKernel(): MatmulKernel {
  const forced = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TAPEGRAD_MATMUL_KERNEL;
  return forced === "js" || forced === "wasm" ? forced : "auto";
}

/**
 * Chooses the matrix-multiplication kernel: `'wasm'` (WebAssembly SIMD, register-tiled, on
 * packed panels), `'js'` (plain loops over typed arrays), or `'auto'` (the default: wasm for
 * products of at least 4,096 multiply-adds when the engine supports WebAssembly SIMD, else
 * js). Both give the same results up to rounding; returns the previous choice.
 * @example
 * ```ts
 * const previous = setMatmulKernel("js"); // e.g. to compare the two paths
 * setMatmulKernel(previous);
 * ```
 */
export function setMatmulKernel(kernel: MatmulKernel): MatmulKernel {
  if (kernel !== "auto" && kernel !== "js" && kernel !== "wasm") {
    throw new Error(`setMatmulKernel: the kernel must be 'auto', 'js' or 'wasm', got ${JSON.stringify(kernel)}`);
  }
  const previous = kernelChoice;
  kernelChoice = kernel;
  return previous;
}

/**
 * C = op(A)·op(B) on contiguous row-major data, where op transposes when asked, so that
 * the backward pass never copies a transposed operand. Each case uses the loop order whose
 * innermost loop runs along contiguous rows.
 */
export function gemm(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const [rowsA, colsA] = a.shape;
  const [rowsB, colsB] = b.shape;
  const m = transposeA ? colsA : rowsA;
  const k = transposeA ? rowsA : colsA;
  const n = transposeB ? rowsB : colsB;
  const A = a.data;
  const B = b.data;
  if (kernelChoice === "wasm" || (kernelChoice === "auto" && m * n * k >= WASM_THRESHOLD)) {
    const C = wasmGemm(a.dtype as FloatDType, A, B, m, k, n, transposeA, transposeB);
    if (C !== null) return new Tensor(C, [m, n]);
  }
  const C = allocate(a.dtype, m * n);
  if (!transposeA && !transposeB) multiplyNN(A, B, C, m, k, n);
  else if (!transposeA && transposeB) multiplyNT(A, B, C, m, k, n);
  else if (transposeA && !transposeB) multiplyTN(A, B, C, m, k, n);
  else multiplyTT(A, B, C, m, k, n);
  return new Tensor(C, [m, n]);
}

/** C[i, :] += A[i, p] · B[p, :] */
function multiplyNN(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const rowC = i * n;
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p];
      if (aip === 0) continue;
      const rowB = p * n;
      for (let j = 0; j < n; j++) C[rowC + j] += aip * B[rowB + j];
    }
  }
}

/** C[i, j] = A[i, :] · B[j, :] (B is n × k) */
function multiplyNT(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const rowA = i * k;
    for (let j = 0; j < n; j++) {
      const rowB = j * k;
      let dot = 0;
      for (let p = 0; p < k; p++) dot += A[rowA + p] * B[rowB + p];
      C[i * n + j] = dot;
    }
  }
}

/** C[i, :] += A[p, i] · B[p, :] (A is k × m) */
function multiplyTN(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number): void {
  for (let p = 0; p < k; p++) {
    const rowA = p * m;
    const rowB = p * n;
    for (let i = 0; i < m; i++) {
      const api = A[rowA + i];
      if (api === 0) continue;
      const rowC = i * n;
      for (let j = 0; j < n; j++) C[rowC + j] += api * B[rowB + j];
    }
  }
}

/** C[i, j] = A[:, i] · B[j, :] (A is k × m, B is n × k) */
function multiplyTT(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const rowB = j * k;
    for (let i = 0; i < m; i++) {
      let dot = 0;
      for (let p = 0; p < k; p++) dot += A[p * m + i] * B[rowB + p];
      C[i * n + j] = dot;
    }
  }
}
