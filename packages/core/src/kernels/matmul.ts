import { allocate, type FloatDType, type TypedArray } from "../dtype";
import { broadcastShapes, broadcastStrides, sizeOf } from "../shape";
import { Tensor } from "../tensor";
import { wasmBatchedGemm, wasmGemm, wasmGemmWithWrittenB } from "./wasm/gemm";

/** Which matrix-multiplication kernel runs: see {@link setMatmulKernel}. */
export type MatmulKernel = "auto" | "js" | "wasm" | "threads";

/** Below this many multiply-adds, copying into WebAssembly memory costs more than it saves. */
const WASM_THRESHOLD = 4096;
/** Below this many multiply-adds (about 20 µs on one core), waking other threads costs more than it saves. */
const THREAD_THRESHOLD = 1 << 19;
let kernelChoice: MatmulKernel = initialKernel();

/** `TAPEGRAD_MATMUL_KERNEL=js|wasm` in the environment forces a kernel (the test suite runs on both). */
function initialKernel(): MatmulKernel {
  const forced = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TAPEGRAD_MATMUL_KERNEL;
  return forced === "js" || forced === "wasm" || forced === "threads" ? forced : "auto";
}

/**
 * Chooses the matrix-multiplication kernel: `'wasm'` (WebAssembly SIMD, register-tiled, on
 * packed panels, on the calling thread), `'threads'` (the same kernel with the rows of every
 * product shared among threads: see {@link setMatmulThreads}), `'js'` (plain loops over typed
 * arrays), or `'auto'` (the default: js below 4,096 multiply-adds per matrix, wasm above, and
 * threads from 2¹⁹ multiply-adds, each where the engine supports it). wasm and threads give
 * the same bits; js the same results up to rounding. Returns the previous choice.
 * @example
 * ```ts
 * const previous = setMatmulKernel("js"); // e.g. to compare the two paths
 * setMatmulKernel(previous);
 * ```
 */
export function setMatmulKernel(kernel: MatmulKernel): MatmulKernel {
  if (kernel !== "auto" && kernel !== "js" && kernel !== "wasm" && kernel !== "threads") {
    throw new Error(`setMatmulKernel: the kernel must be 'auto', 'js', 'wasm' or 'threads', got ${JSON.stringify(kernel)}`);
  }
  const previous = kernelChoice;
  kernelChoice = kernel;
  return previous;
}

/** Whether a product of m × k by k × n goes to the WebAssembly kernel. */
function usesWasm(m: number, k: number, n: number): boolean {
  return kernelChoice === "wasm" || kernelChoice === "threads" || (kernelChoice === "auto" && m * n * k >= WASM_THRESHOLD);
}

/** Whether the WebAssembly kernel shares a product of this many multiply-adds (over the whole stack) among threads. */
function usesThreads(multiplyAdds: number): boolean {
  return kernelChoice === "threads" || (kernelChoice === "auto" && multiplyAdds >= THREAD_THRESHOLD);
}

/**
 * out = op(a)·op(b) on contiguous row-major tensors of rank ≥ 2, where op transposes the
 * last two axes when asked and the leading (batch) axes broadcast. The shapes must already
 * be checked. Two matrices go straight to {@link gemm}; a batch runs {@link batchedGemm}
 * over views of the inputs, writing into one output buffer.
 */
export function matrixProduct(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const rankA = a.rank;
  const rankB = b.rank;
  const rowsA = a.shape[rankA - 2], colsA = a.shape[rankA - 1];
  const rowsB = b.shape[rankB - 2], colsB = b.shape[rankB - 1];
  const m = transposeA ? colsA : rowsA;
  const k = transposeA ? rowsA : colsA;
  const n = transposeB ? rowsB : colsB;
  if (rankA === 2 && rankB === 2) {
    const C = allocate(a.dtype, m * n);
    gemm(a.data, b.data, C, m, k, n, transposeA, transposeB);
    return new Tensor(C, [m, n]);
  }
  const batchA = a.shape.slice(0, rankA - 2);
  const batchB = b.shape.slice(0, rankB - 2);
  const batch = broadcastShapes("matmul", batchA, batchB);
  const C = allocate(a.dtype, sizeOf(batch) * m * n);
  batchedGemm(a.data, b.data, C, matrixIndices(batchA, batch), matrixIndices(batchB, batch), m, k, n, transposeA, transposeB);
  return new Tensor(C, [...batch, m, n]);
}

/**
 * For each position of the output batch `batch` (row-major), the index of the operand's own
 * matrix it reads, for an operand of batch shape `own`: stride 0 on the broadcast axes.
 * @example `matrixIndices([2, 1], [2, 3]) // [0, 0, 0, 1, 1, 1]`
 */
export function matrixIndices(own: readonly number[], batch: readonly number[]): Int32Array {
  const strides = broadcastStrides(own, batch);
  const indices = new Int32Array(sizeOf(batch));
  const position = new Array<number>(batch.length).fill(0);
  let index = 0;
  for (let s = 0; s < indices.length; s++) {
    indices[s] = index;
    for (let axis = batch.length - 1; axis >= 0; axis--) {
      index += strides[axis];
      if (++position[axis] < batch[axis]) break;
      index -= strides[axis] * position[axis];
      position[axis] = 0;
    }
  }
  return indices;
}

/**
 * C = op(A)·op(B) for one product on contiguous row-major arrays (views of the exact
 * matrices), writing the m × n result into C, which holds zeros. op transposes when
 * asked, so that the backward pass never copies a transposed operand. Each case uses the
 * loop order whose innermost loop runs along contiguous rows.
 */
export function gemm(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): void {
  if (usesWasm(m, k, n) && wasmGemm(A, B, C, m, k, n, transposeA, transposeB, usesThreads(m * k * n))) return;
  loops(A, B, C, m, k, n, transposeA, transposeB);
}

/**
 * Writes an operand into `dst` from element `offset`: row-major when `panelWidth` is 1, or
 * in panels of `panelWidth` rows (entry (r, c) at ⌊r/w⌋·w·columns + c·w + r mod w).
 */
export type ColumnWriter = (dst: TypedArray, offset: number, panelWidth: number) => void;

/**
 * C = A·op(B) for A (m × k, contiguous) and an operand B that `write` produces where it is
 * needed, instead of first in an array of its own: for `transposedB`, Bᵀ (n × k) in the
 * panels the WebAssembly kernel reads, else B (k × n) row-major, straight into the kernel's
 * memory. A convolution's unrolled windows go to the gemm this way without a copy or a
 * packing pass. On the loops' path, `write` fills a scratch array row-major. C holds zeros.
 */
export function gemmWithWrittenB(A: TypedArray, write: ColumnWriter, transposedB: boolean, C: TypedArray, m: number, k: number, n: number): void {
  if (usesWasm(m, k, n) && wasmGemmWithWrittenB(A, write, transposedB, C, m, k, n, usesThreads(m * k * n))) return;
  const B = allocate(A instanceof Float32Array ? "float32" : "float64", k * n);
  write(B, 0, 1);
  loops(A, B, C, m, k, n, false, transposedB);
}

/**
 * The stack of products C[s] = op(A[indicesA[s]])·op(B[indicesB[s]]), where A holds
 * matrices of op(A)'s m × k elements one after another, B matrices of k × n, and C
 * (zeros) receives the m × n results in order. Above the wasm threshold, the WebAssembly
 * kernel copies the inputs into its memory once for the whole stack; below it, the loops
 * run on views of each matrix. A single B matrix under an untransposed A stack is one
 * product of (stack · m) × k by k × n.
 */
export function batchedGemm(
  A: TypedArray, B: TypedArray, C: TypedArray, indicesA: Int32Array, indicesB: Int32Array,
  m: number, k: number, n: number, transposeA: boolean, transposeB: boolean,
): void {
  const count = indicesA.length;
  if (count === 0 || m === 0 || n === 0 || k === 0) return; // C stays zeros
  const sizeA = m * k, sizeB = k * n, sizeC = m * n;
  const oneB = B.length === sizeB;
  if (oneB && !transposeA && A.length === count * sizeA) {
    gemm(A, B, C, count * m, k, n, false, transposeB);
    return;
  }
  if (usesWasm(m, k, n) && wasmBatchedGemm(A, B, C, indicesA, indicesB, m, k, n, transposeA, transposeB, usesThreads(count * m * k * n))) return;
  for (let s = 0; s < count; s++) {
    const atA = indicesA[s] * sizeA;
    const atB = indicesB[s] * sizeB;
    const a = A.subarray(atA, atA + sizeA);
    const b = B.subarray(atB, atB + sizeB);
    loops(a, b, C.subarray(s * sizeC, (s + 1) * sizeC), m, k, n, transposeA, transposeB);
  }
}

function loops(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): void {
  if (!transposeA && !transposeB) multiplyNN(A, B, C, m, k, n);
  else if (!transposeA && transposeB) multiplyNT(A, B, C, m, k, n);
  else if (transposeA && !transposeB) multiplyTN(A, B, C, m, k, n);
  else multiplyTT(A, B, C, m, k, n);
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
