import type { FloatDType as DType, TypedArray } from "../../dtype";
import { moduleWithFunction, op, I32, V128, type Bytes } from "./encoder";

// C = A·B for row-major A (m × k) and B packed in panels: panel q holds columns
// [qW, qW + W) of B as k contiguous rows of W values (W = two 16-byte vectors), so the k
// loop reads B sequentially. Each block of R rows × W columns of C (row stride np) is
// accumulated in registers over the whole k loop: per k step, two vector loads of B, one
// broadcast of A per row, 2R multiply-adds.

// Parameters and locals of the generated function.
const A = 0, B = 1, C = 2, M = 3, K = 4, NP = 5;
const I = 6, J = 7, P = 8, BP = 9, CP = 10, ROW_B = 11, AR = 12; // AR..AR+3: row pointers into A
const ACC = 0; // v128 locals start after the 16 i32 locals
const I32_LOCALS = 16;
const v = (index: number) => I32_LOCALS + 6 + index; // v128 local numbers (params count 6)
const BV0 = v(8), BV1 = v(9), AV = v(10);

interface Lanes {
  bytes: number;
  load: () => Bytes;
  splat: () => Bytes;
  add: () => Bytes;
  mul: () => Bytes;
}

const LANES: Record<DType, Lanes> = {
  float32: { bytes: 4, load: op.loadF32, splat: op.f32x4Splat, add: op.f32x4Add, mul: op.f32x4Mul },
  float64: { bytes: 8, load: op.loadF64, splat: op.f64x2Splat, add: op.f64x2Add, mul: op.f64x2Mul },
};

/** Columns of C per block: two 16-byte vectors. */
export function blockWidth(dtype: DType): number {
  return 32 / LANES[dtype].bytes;
}

/** The loop over row blocks of `rows` rows, starting at the current i and stopping when fewer than `rows` remain. */
function rowBlocks(rows: number, t: Lanes): Bytes {
  const S = t.bytes;
  const out: Bytes[] = [];
  const emit = (...parts: Bytes[]) => out.push(...parts);
  const acc = (r: number, half: number) => v(ACC + 2 * r + half);
  emit(op.block(), op.loop());
  emit(op.get(I), op.i32(rows), op.add(), op.get(M), op.gtU(), op.brIf(1));
  emit(op.i32(0), op.set(J));
  emit(op.block(), op.loop());
  emit(op.get(J), op.get(NP), op.geU(), op.brIf(1));
  for (let r = 0; r < rows; r++) emit(op.v128Zero(), op.set(acc(r, 0)), op.v128Zero(), op.set(acc(r, 1)));
  for (let r = 0; r < rows; r++) emit(op.get(I), op.i32(r), op.add(), op.get(K), op.mul(), op.i32(S), op.mul(), op.get(A), op.add(), op.set(AR + r));
  emit(op.get(J), op.get(K), op.mul(), op.i32(S), op.mul(), op.get(B), op.add(), op.set(BP)); // panel j/W starts at j·k·S bytes
  emit(op.i32(0), op.set(P));
  // k loop
  emit(op.block(), op.loop());
  emit(op.get(P), op.get(K), op.geU(), op.brIf(1));
  emit(op.get(BP), op.v128Load(0), op.set(BV0), op.get(BP), op.v128Load(16), op.set(BV1));
  for (let r = 0; r < rows; r++) {
    emit(op.get(AR + r), t.load(), t.splat(), op.set(AV));
    emit(op.get(acc(r, 0)), op.get(AV), op.get(BV0), t.mul(), t.add(), op.set(acc(r, 0)));
    emit(op.get(acc(r, 1)), op.get(AV), op.get(BV1), t.mul(), t.add(), op.set(acc(r, 1)));
    emit(op.get(AR + r), op.i32(S), op.add(), op.set(AR + r));
  }
  emit(op.get(BP), op.get(ROW_B), op.add(), op.set(BP));
  emit(op.get(P), op.i32(1), op.add(), op.set(P));
  emit(op.br(0), op.end(), op.end());
  // store the block
  for (let r = 0; r < rows; r++) {
    emit(op.get(I), op.i32(r), op.add(), op.get(NP), op.mul(), op.get(J), op.add(), op.i32(S), op.mul(), op.get(C), op.add(), op.set(CP));
    emit(op.get(CP), op.get(acc(r, 0)), op.v128Store(0), op.get(CP), op.get(acc(r, 1)), op.v128Store(16));
  }
  emit(op.get(J), op.i32(32 / S), op.add(), op.set(J));
  emit(op.br(0), op.end(), op.end());
  emit(op.get(I), op.i32(rows), op.add(), op.set(I));
  emit(op.br(0), op.end(), op.end());
  return out.flat();
}

/** The bytes of a module exporting `gemm(a, b, c, m, k, np)` and its memory, for one dtype. */
export function gemmModule(dtype: DType): Uint8Array {
  const t = LANES[dtype];
  const body: Bytes = [
    ...op.i32(32), ...op.set(ROW_B), // one panel row: W values, 32 bytes
    ...op.i32(0), ...op.set(I),
    ...rowBlocks(4, t),
    ...rowBlocks(1, t),
  ];
  return moduleWithFunction("gemm", 6, [[I32_LOCALS, I32], [11, V128]], body);
}

// The part of the WebAssembly API used here (it is not in TypeScript's ES libraries).
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Instance {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  gemm: (a: number, b: number, c: number, m: number, k: number, np: number) => void;
}

const instances = new Map<DType, Instance | null>();

function instance(dtype: DType): Instance | null {
  if (!instances.has(dtype)) {
    try {
      const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly!;
      const exports = new wasm.Instance(new wasm.Module(gemmModule(dtype))).exports as Instance;
      instances.set(dtype, exports);
    } catch {
      instances.set(dtype, null); // no WebAssembly SIMD here: the JS kernels are used
    }
  }
  return instances.get(dtype)!;
}

/** Whether this JavaScript engine runs tapegrad's WebAssembly SIMD kernels. */
export function wasmSimdAvailable(): boolean {
  return instance("float64") !== null;
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** Memory a stack of products may take in one go before it is split into several. */
const STACK_BYTES = 64 * 1024 * 1024;

/** A view of the kernel's memory, grown first to at least `bytes`. */
function heapOf(kernel: Instance, dtype: DType, bytes: number): Float32Array | Float64Array {
  const memory = kernel.memory;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  return dtype === "float32" ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
}

/** Copies op(A) (m × k, transposed from k × m when asked) row-major into the heap at element `at`. */
function packA(heap: TypedArray, at: number, a: TypedArray, m: number, k: number, transposeA: boolean): void {
  if (!transposeA) heap.set(a, at);
  else for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) heap[at + i * k + p] = a[p * m + i];
}

/** Copies op(B) (k × n) into the heap at element `at` as panels of `width` columns, the last one padded with zeros. */
function packB(heap: TypedArray, at: number, b: TypedArray, k: number, n: number, width: number, transposeB: boolean): void {
  const panels = Math.ceil(n / width);
  for (let panel = 0; panel < panels; panel++) {
    const first = panel * width;
    const columns = Math.min(width, n - first);
    let to = at + panel * k * width;
    for (let p = 0; p < k; p++, to += width) {
      if (transposeB) for (let jj = 0; jj < columns; jj++) heap[to + jj] = b[(first + jj) * k + p];
      else for (let jj = 0; jj < columns; jj++) heap[to + jj] = b[p * n + first + jj];
      for (let jj = columns; jj < width; jj++) heap[to + jj] = 0;
    }
  }
}

/** Copies `count` results of m × np (row stride np) from the heap at element `at` into C at `to`, m × n each. */
function unpackC(heap: TypedArray, at: number, C: TypedArray, to: number, count: number, m: number, n: number, np: number): void {
  if (np === n) C.set(heap.subarray(at, at + count * m * n), to);
  else for (let row = 0; row < count * m; row++) C.set(heap.subarray(at + row * np, at + row * np + n), to + row * n);
}

/**
 * C = op(A)·op(B) with the WebAssembly SIMD kernel: A and B are copied into the module's
 * memory (transposed there when asked, and B padded to whole blocks), multiplied, and the
 * m × n result copied into C. Returns false, doing nothing, where the engine lacks
 * WebAssembly SIMD.
 */
export function wasmGemm(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  const dtype: DType = A instanceof Float32Array ? "float32" : "float64";
  const kernel = instance(dtype);
  if (kernel === null) return false;
  const S = LANES[dtype].bytes;
  const width = blockWidth(dtype);
  const np = Math.ceil(n / width) * width;
  const bOffset = align(m * k * S);
  const cOffset = bOffset + align(k * np * S);
  const heap = heapOf(kernel, dtype, cOffset + m * np * S);
  packA(heap, 0, A, m, k, transposeA);
  packB(heap, bOffset / S, B, k, n, width, transposeB);
  kernel.gemm(0, bOffset, cOffset, m, k, np);
  unpackC(heap, cOffset / S, C, 0, 1, m, n, np);
  return true;
}

/**
 * The stack of products C[s] = op(A[indicesA[s]])·op(B[indicesB[s]]) with the WebAssembly
 * SIMD kernel (see `batchedGemm` in kernels/matmul.ts for the layout). Each matrix of A
 * and B that the stack reads is copied into memory once, however many products share it;
 * the kernel runs once per product, and the results are copied out together. A stack
 * larger than {@link STACK_BYTES} is done in several parts. Returns false, doing nothing,
 * where the engine lacks WebAssembly SIMD.
 */
export function wasmBatchedGemm(
  A: TypedArray, B: TypedArray, C: TypedArray, indicesA: Int32Array, indicesB: Int32Array,
  m: number, k: number, n: number, transposeA: boolean, transposeB: boolean,
): boolean {
  const dtype: DType = A instanceof Float32Array ? "float32" : "float64";
  const kernel = instance(dtype);
  if (kernel === null) return false;
  const S = LANES[dtype].bytes;
  const width = blockWidth(dtype);
  const np = Math.ceil(n / width) * width;
  const sizeA = m * k, sizeB = k * n;
  const packedB = k * np, packedC = m * np; // elements
  const count = indicesA.length;
  // slotA[i]: the place of matrix i of A among those copied for the current part (-1: not
  // copied); copiedA[q]: the matrix in place q. The same for B.
  const slotA = new Int32Array(A.length / sizeA).fill(-1);
  const slotB = new Int32Array(B.length / sizeB).fill(-1);
  const copiedA = new Int32Array(Math.min(count, slotA.length));
  const copiedB = new Int32Array(Math.min(count, slotB.length));
  for (let start = 0; start < count; ) {
    let countA = 0, countB = 0, end = start;
    for (; end < count; end++) {
      const newA = slotA[indicesA[end]] < 0 ? 1 : 0;
      const newB = slotB[indicesB[end]] < 0 ? 1 : 0;
      const bytes = ((countA + newA) * sizeA + (countB + newB) * packedB + (end - start + 1) * packedC) * S;
      if (end > start && bytes > STACK_BYTES) break;
      if (newA) copiedA[(slotA[indicesA[end]] = countA++)] = indicesA[end];
      if (newB) copiedB[(slotB[indicesB[end]] = countB++)] = indicesB[end];
    }
    const bOffset = align(countA * sizeA * S);
    const cOffset = bOffset + align(countB * packedB * S);
    const heap = heapOf(kernel, dtype, cOffset + (end - start) * packedC * S);
    for (let q = 0; q < countA; q++) {
      const i = copiedA[q];
      packA(heap, q * sizeA, A.subarray(i * sizeA, (i + 1) * sizeA), m, k, transposeA);
    }
    for (let q = 0; q < countB; q++) {
      const j = copiedB[q];
      packB(heap, bOffset / S + q * packedB, B.subarray(j * sizeB, (j + 1) * sizeB), k, n, width, transposeB);
    }
    for (let s = start; s < end; s++) {
      const a = slotA[indicesA[s]] * sizeA * S;
      const b = bOffset + slotB[indicesB[s]] * packedB * S;
      kernel.gemm(a, b, cOffset + (s - start) * packedC * S, m, k, np);
    }
    unpackC(heap, cOffset / S, C, start * m * n, end - start, m, n, np);
    for (let q = 0; q < countA; q++) slotA[copiedA[q]] = -1;
    for (let q = 0; q < countB; q++) slotB[copiedB[q]] = -1;
    start = end;
  }
  return true;
}
