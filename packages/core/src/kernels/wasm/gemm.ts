import type { FloatDType as DType, TypedArray } from "../../dtype";
import { moduleWithFunction, op, I32, V128, type Bytes } from "./encoder";
import { blockedGemm, type GemmKernel } from "./blocked";
import { TASK_INTS, threadPool } from "./threads";

// C (+)= A·B for a block of C, in tiles of R = 4 rows × W columns (W = two 16-byte vectors).
// Element (i, p) of A is at a + ⌊i/R⌋·aStride + p·aStep + (i mod R)·S, so the R values of a
// tile's rows at one k step are adjacent: that is A packed in micro-panels of R rows
// (aStride = R·k·S, aStep = R·S), or a transposed A read where it lies (aStride = R·S,
// aStep = m·S). The W values of B a tile needs at one k step are adjacent too, bStep bytes
// from one k step to the next, and panelStride bytes from one tile column to the next: B
// packed in panels (bStep = 32, panelStride = k·32), or a row-major B read where it lies
// (bStep = n·S, panelStride = 32). So no layout needs more than one pointer per operand in
// the k loop. Each tile of C (row stride ldc) starts from zero, or from C's values when
// `accumulate` (a block of k after the first), is accumulated in registers over the kc loop
// (per k step: two vector loads of B, R broadcast loads of A, 2R multiplies and 2R adds)
// and stored back. The caller cuts a product into blocks that stay in cache (blockedGemm).

// Parameters and locals of the generated function.
const A = 0, B = 1, C = 2, M = 3, K = 4, NP = 5, A_STRIDE = 6, A_STEP = 7, LDC = 8, PANEL_STRIDE = 9, B_STEP = 10, ACCUMULATE = 11;
const PARAMS = 12;
const I = PARAMS, J = PARAMS + 1, P = PARAMS + 2, AP = PARAMS + 3, BP = PARAMS + 4, CP = PARAMS + 5, PANEL = PARAMS + 6, ROW_A = PARAMS + 7;
const I32_LOCALS = 8;
/** Rows of C per tile: 4 rows × 2 vectors keep 8 accumulators, 2 vectors of B and one of A in 11 of the 16 vector registers. */
export const TILE_ROWS = 4;
const v = (index: number) => PARAMS + I32_LOCALS + index; // v128 local numbers
const ACC = 0;
const BV0 = v(2 * TILE_ROWS), BV1 = v(2 * TILE_ROWS + 1), AV = v(2 * TILE_ROWS + 2);
const V128_LOCALS = 2 * TILE_ROWS + 3;

interface Lanes {
  bytes: number;
  loadSplat: (offset: number) => Bytes;
  add: () => Bytes;
  mul: () => Bytes;
}

const LANES: Record<DType, Lanes> = {
  float32: { bytes: 4, loadSplat: op.v128Load32Splat, add: op.f32x4Add, mul: op.f32x4Mul },
  float64: { bytes: 8, loadSplat: op.v128Load64Splat, add: op.f64x2Add, mul: op.f64x2Mul },
};

/** Columns of C per block: two 16-byte vectors. */
export function blockWidth(dtype: DType): number {
  return 32 / LANES[dtype].bytes;
}

/** The kernel's body: every tile of the block, row micro-panel by row micro-panel (M is a multiple of R). */
function tiles(t: Lanes): Bytes {
  const S = t.bytes;
  const R = TILE_ROWS;
  const out: Bytes[] = [];
  const emit = (...parts: Bytes[]) => out.push(...parts);
  const acc = (r: number, half: number) => v(ACC + 2 * r + half);
  emit(op.i32(0), op.set(I), op.get(A), op.set(ROW_A));
  emit(op.block(), op.loop());
  emit(op.get(I), op.get(M), op.geU(), op.brIf(1));
  emit(op.i32(0), op.set(J), op.get(B), op.set(PANEL));
  emit(op.block(), op.loop());
  emit(op.get(J), op.get(NP), op.geU(), op.brIf(1));
  emit(op.get(ACCUMULATE), op.ifThen());
  for (let r = 0; r < R; r++) {
    emit(op.get(I), op.i32(r), op.add(), op.get(LDC), op.mul(), op.get(J), op.add(), op.i32(S), op.mul(), op.get(C), op.add(), op.set(CP));
    emit(op.get(CP), op.v128Load(0), op.set(acc(r, 0)), op.get(CP), op.v128Load(16), op.set(acc(r, 1)));
  }
  emit(op.else());
  for (let r = 0; r < R; r++) emit(op.v128Zero(), op.set(acc(r, 0)), op.v128Zero(), op.set(acc(r, 1)));
  emit(op.end());
  emit(op.get(ROW_A), op.set(AP), op.get(PANEL), op.set(BP), op.i32(0), op.set(P));
  // k loop
  emit(op.block(), op.loop());
  emit(op.get(P), op.get(K), op.geU(), op.brIf(1));
  emit(op.get(BP), op.v128Load(0), op.set(BV0), op.get(BP), op.v128Load(16), op.set(BV1));
  for (let r = 0; r < R; r++) {
    emit(op.get(AP), t.loadSplat(r * S), op.set(AV));
    emit(op.get(acc(r, 0)), op.get(AV), op.get(BV0), t.mul(), t.add(), op.set(acc(r, 0)));
    emit(op.get(acc(r, 1)), op.get(AV), op.get(BV1), t.mul(), t.add(), op.set(acc(r, 1)));
  }
  emit(op.get(AP), op.get(A_STEP), op.add(), op.set(AP));
  emit(op.get(BP), op.get(B_STEP), op.add(), op.set(BP));
  emit(op.get(P), op.i32(1), op.add(), op.set(P));
  emit(op.br(0), op.end(), op.end());
  // store the tile
  for (let r = 0; r < R; r++) {
    emit(op.get(I), op.i32(r), op.add(), op.get(LDC), op.mul(), op.get(J), op.add(), op.i32(S), op.mul(), op.get(C), op.add(), op.set(CP));
    emit(op.get(CP), op.get(acc(r, 0)), op.v128Store(0), op.get(CP), op.get(acc(r, 1)), op.v128Store(16));
  }
  emit(op.get(J), op.i32(32 / S), op.add(), op.set(J));
  emit(op.get(PANEL), op.get(PANEL_STRIDE), op.add(), op.set(PANEL));
  emit(op.br(0), op.end(), op.end());
  emit(op.get(I), op.i32(R), op.add(), op.set(I));
  emit(op.get(ROW_A), op.get(A_STRIDE), op.add(), op.set(ROW_A));
  emit(op.br(0), op.end(), op.end());
  return out.flat();
}

/**
 * The bytes of a module exporting `gemm(a, b, c, m, kc, nc, aStride, aStep, ldc, panelStride,
 * bStep, accumulate)` (C = A·B, or C += A·B when accumulate is 1, for one block; pointers and
 * strides in bytes, ldc and sizes in elements, m a multiple of 4) for one dtype, working in the memory it imports as `env.memory` (shared between threads or not).
 */
export function gemmModule(dtype: DType, shared: boolean): Uint8Array {
  const body = tiles(LANES[dtype]);
  return moduleWithFunction("gemm", PARAMS, [[I32_LOCALS, I32], [V128_LOCALS, V128]], body, { imported: { shared, initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES } });
}

// The part of the WebAssembly API used here (it is not in TypeScript's ES libraries).
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { gemm: GemmFunction } };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => Memory;
}

type GemmFunction = GemmKernel;

interface Memory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** The one memory both kernels (float32, float64) work in, and the kernels compiled for it. */
interface Kernels {
  memory: Memory;
  modules: object[]; // [float32, float64]: what worker threads instantiate over the same memory
  gemm: GemmFunction[];
}

const INITIAL_PAGES = 16;
/** 4 GiB, all that 32-bit addresses reach; a shared memory must state its maximum. */
const MAXIMUM_PAGES = 65536;
const DTYPE_INDEX: Record<DType, number> = { float32: 0, float64: 1 };

let kernels: Kernels | null | undefined;

/**
 * The kernels, compiled on first use: over a shared memory where the runtime has one (so
 * that threads can join in), else over a memory of their own; null without WebAssembly SIMD.
 */
function wasmKernels(): Kernels | null {
  if (kernels !== undefined) return kernels;
  const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  kernels = null;
  for (const shared of [true, false]) {
    try {
      const memory = new wasm!.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared });
      const modules = (["float32", "float64"] as const).map((dtype) => new wasm!.Module(gemmModule(dtype, shared)));
      const gemm = modules.map((module) => new wasm!.Instance(module, { env: { memory } }).exports.gemm);
      kernels = { memory, modules, gemm };
      break;
    } catch {
      // no shared memory here (a browser page that is not cross-origin isolated): try a memory of its own;
      // no WebAssembly SIMD at all: the JavaScript loops are used
    }
  }
  return kernels;
}

/** Whether this JavaScript engine runs tapegrad's WebAssembly SIMD kernels. */
export function wasmSimdAvailable(): boolean {
  return wasmKernels() !== null;
}

/**
 * How many threads a large matrix product runs on here: what {@link setMatmulThreads} asks
 * for, or 1 where threads cannot be used (no shared WebAssembly memory, no worker API, or a
 * calling thread that may not block, such as a browser page's main thread). Starts the
 * threads if they are not running yet.
 * @example
 * ```ts
 * console.log(`large products use ${matmulThreads()} threads`);
 * ```
 */
export function matmulThreads(): number {
  const k = wasmKernels();
  return k === null ? 1 : (threadPool(k.memory, k.modules)?.parts ?? 1);
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** Memory a stack of products may take in one go before it is split into several. */
const STACK_BYTES = 64 * 1024 * 1024;

/** Grows the kernels' memory to at least `bytes`; false where it cannot grow that far. */
function reserve(k: Kernels, bytes: number): boolean {
  const memory = k.memory;
  if (memory.buffer.byteLength >= bytes) return true;
  try {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    return true;
  } catch {
    return false; // past 4 GiB, or out of memory: the caller falls back to the JavaScript loops
  }
}

function heapView(k: Kernels, dtype: DType): Float32Array | Float64Array {
  return dtype === "float32" ? new Float32Array(k.memory.buffer) : new Float64Array(k.memory.buffer);
}

/**
 * Runs the products `tasks` (each the arguments of blockedGemm from a to bStep) on
 * one thread, or split over the pool when `threaded` and a pool runs: the table is written
 * into the memory at byte `tableAt` for the workers to read, and the calling thread takes
 * its share.
 */
function runTasks(k: Kernels, dtype: DType, tasks: number[][], tableAt: number, threaded: boolean): void {
  const gemm = k.gemm[DTYPE_INDEX[dtype]];
  const S = LANES[dtype].bytes;
  const pool = threaded && tasks.length > 1 ? threadPool(k.memory, k.modules) : null;
  if (pool === null) {
    for (const [a, b, c, m, kk, np, aStride, aStep, panelStride, bStep] of tasks) blockedGemm(gemm, a, b, c, m, kk, np, aStride, aStep, panelStride, bStep, S);
    return;
  }
  const table = new Int32Array(k.memory.buffer, tableAt, tasks.length * TASK_INTS);
  tasks.forEach((task, t) => table.set(task, t * TASK_INTS));
  if (pool.run(DTYPE_INDEX[dtype], tableAt, tasks.length, k.gemm)) return;
  for (const [a, b, c, m, kk, np, aStride, aStep, panelStride, bStep] of tasks) blockedGemm(gemm, a, b, c, m, kk, np, aStride, aStep, panelStride, bStep, S);
}

/**
 * How many row blocks to cut each of `count` products of m rows into: about four tasks per
 * thread of the pool, so that threads claiming them share the work evenly even when one
 * starts late; none when threads are not used.
 */
function rowParts(k: Kernels, threaded: boolean, count: number, m: number): number {
  if (!threaded) return 1;
  const parts = threadPool(k.memory, k.modules)?.parts ?? 1;
  if (parts === 1 || count >= 4 * parts) return 1;
  return Math.max(1, Math.min(Math.ceil((4 * parts) / count), Math.floor(m / 4)));
}

/** Where a product's operands lie in memory and how the kernel steps through them (see gemmModule). */
interface Layout {
  a: number;
  b: number;
  c: number;
  aStride: number;
  aStep: number;
  panelStride: number;
  bStep: number;
}

/** The tasks of one product of m rows (a multiple of 4), cut into `parts` blocks of whole 4-row groups. */
function productTasks(layout: Layout, m: number, k: number, np: number, S: number, parts: number): number[][] {
  const { a, b, c, aStride, aStep, panelStride, bStep } = layout;
  const rows = parts <= 1 ? m : Math.ceil(m / parts / TILE_ROWS) * TILE_ROWS;
  const tasks: number[][] = [];
  for (let first = 0; first < m || tasks.length === 0; first += rows) {
    const count = Math.min(rows, m - first);
    tasks.push([a + (first / TILE_ROWS) * aStride, b, c + first * np * S, count, k, np, aStride, aStep, panelStride, bStep]);
  }
  return tasks;
}

/** Rows of A padded to whole micro-panels. */
const paddedRows = (m: number) => Math.ceil(m / TILE_ROWS) * TILE_ROWS;

/**
 * Copies op(A) (m × k, transposed from k × m when asked) into the heap at element `at` as
 * micro-panels of 4 rows, k-major (element (i, p) at ⌊i/4⌋·4k + 4p + i mod 4), the last one
 * padded with zero rows.
 */
function packA(heap: TypedArray, at: number, a: TypedArray, m: number, k: number, transposeA: boolean): void {
  const R = TILE_ROWS;
  for (let first = 0; first < m; first += R) {
    const rows = Math.min(R, m - first);
    let to = at + first * k;
    for (let p = 0; p < k; p++, to += R) {
      if (transposeA) for (let r = 0; r < rows; r++) heap[to + r] = a[p * m + first + r];
      else for (let r = 0; r < rows; r++) heap[to + r] = a[(first + r) * k + p];
      for (let r = rows; r < R; r++) heap[to + r] = 0;
    }
  }
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

/** Copies `count` results of mp × np (padded) from the heap at element `at` into C at `to`, m × n each. */
function unpackC(heap: TypedArray, at: number, C: TypedArray, to: number, count: number, m: number, n: number, np: number): void {
  const mp = paddedRows(m);
  if (np === n && (mp === m || count === 1)) {
    C.set(heap.subarray(at, at + count * m * n), to);
    return;
  }
  for (let s = 0; s < count; s++) {
    for (let row = 0; row < m; row++) {
      const from = at + (s * mp + row) * np;
      C.set(heap.subarray(from, from + n), to + (s * m + row) * n);
    }
  }
}

/**
 * C = op(A)·op(B) with the WebAssembly SIMD kernel: A and B are copied into the module's
 * memory (transposed there when asked, and B padded to whole blocks), multiplied, and the
 * m × n result copied into C. When `threaded`, the rows of C are shared among the threads
 * of the pool (see {@link setMatmulThreads}). Returns false, doing nothing, where the engine
 * lacks WebAssembly SIMD.
 */
export function wasmGemm(A: TypedArray, B: TypedArray, C: TypedArray, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, threaded = false): boolean {
  const S = A instanceof Float32Array ? 4 : 8;
  // A row-major B is read where it lies, one row per k step; a row stride that is a multiple
  // of 512 bytes (n = 128, 256, 1024 in float32) would put every row a tile reads in the
  // same few sets of the level-1 cache, evicting each other, so such a B is copied row by
  // row with a stride of 64 bytes more.
  const ldb = transposeB || (n * S) % 512 !== 0 ? n : n + 64 / S;
  const write = (heap: TypedArray, at: number, width: number) => {
    if (transposeB) packB(heap, at, B, k, n, width, true);
    else if (ldb === n) heap.set(B, at);
    else for (let p = 0; p < k; p++) heap.set(B.subarray(p * n, p * n + n), at + p * ldb);
  };
  return wasmProduct(A, write, transposeB, C, m, k, n, transposeA, threaded, ldb);
}

/**
 * C = A·op(B) with the WebAssembly SIMD kernel, where `write` puts Bᵀ into the kernel's
 * memory in its panels (for `transposedB`) or B row-major (see `gemmWithWrittenB` in
 * kernels/matmul.ts). Returns false, doing nothing, where the engine lacks WebAssembly SIMD.
 */
export function wasmGemmWithWrittenB(
  A: TypedArray, write: (dst: TypedArray, offset: number, panelWidth: number) => void, transposedB: boolean,
  C: TypedArray, m: number, k: number, n: number, threaded = false,
): boolean {
  return wasmProduct(A, (heap, at, width) => write(heap, at, transposedB ? width : 1), transposedB, C, m, k, n, false, threaded, n);
}

/**
 * The one product behind {@link wasmGemm} and {@link wasmGemmWithWrittenB}: `writeB(heap,
 * at, width)` puts op(B) into memory, in panels of `width` columns when `panelsB` (for a
 * transposed B), else row-major with a row stride of `ldb` elements.
 */
function wasmProduct(
  A: TypedArray, writeB: (heap: TypedArray, at: number, width: number) => void, panelsB: boolean,
  C: TypedArray, m: number, k: number, n: number, transposeA: boolean, threaded: boolean, ldb: number,
): boolean {
  const dtype: DType = A instanceof Float32Array ? "float32" : "float64";
  const kernel = wasmKernels();
  if (kernel === null) return false;
  if (m === 0 || n === 0 || k === 0) return true; // C stays zeros
  const S = LANES[dtype].bytes;
  const width = blockWidth(dtype);
  const R = TILE_ROWS;
  const np = Math.ceil(n / width) * width;
  const mp = paddedRows(m);
  // A transposed (k × m) is read where it lies: a tile's 4 rows are 4 adjacent values of a
  // row of A. A row-major B is too: a tile's columns are adjacent values of a row of B. The
  // kernel reads up to 3 values past the end of A's rows and up to W − 1 past B's (into the
  // padding rows and columns of C, which are not copied out), so both get that much room.
  const aBytes = align((transposeA ? k * m + R : mp * k) * S);
  const bOffset = aBytes;
  const bBytes = align((panelsB ? k * np : k * ldb + width) * S);
  const cOffset = bOffset + bBytes;
  const tableAt = align(cOffset + mp * np * S);
  const layout: Layout = {
    a: 0,
    b: bOffset,
    c: cOffset,
    aStride: transposeA ? R * S : R * k * S,
    aStep: transposeA ? m * S : R * S,
    panelStride: panelsB ? k * 32 : 32,
    bStep: panelsB ? 32 : ldb * S,
  };
  const tasks = productTasks(layout, mp, k, np, S, rowParts(kernel, threaded, 1, mp));
  if (!reserve(kernel, tableAt + tasks.length * TASK_INTS * 4)) return false;
  const heap = heapView(kernel, dtype);
  if (transposeA) heap.set(A, 0);
  else packA(heap, 0, A, m, k, false);
  writeB(heap, bOffset / S, width);
  runTasks(kernel, dtype, tasks, tableAt, threaded);
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
  m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, threaded = false,
): boolean {
  const dtype: DType = A instanceof Float32Array ? "float32" : "float64";
  const kernel = wasmKernels();
  if (kernel === null) return false;
  const S = LANES[dtype].bytes;
  const width = blockWidth(dtype);
  const np = Math.ceil(n / width) * width;
  const sizeA = m * k, sizeB = k * n;
  const mp = paddedRows(m);
  const packedA = mp * k, packedB = k * np, packedC = mp * np; // elements
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
      const bytes = ((countA + newA) * packedA + (countB + newB) * packedB + (end - start + 1) * packedC) * S;
      if (end > start && bytes > STACK_BYTES) break;
      if (newA) copiedA[(slotA[indicesA[end]] = countA++)] = indicesA[end];
      if (newB) copiedB[(slotB[indicesB[end]] = countB++)] = indicesB[end];
    }
    const bOffset = align(countA * packedA * S);
    const cOffset = bOffset + align(countB * packedB * S);
    const tableAt = align(cOffset + (end - start) * packedC * S);
    const parts = rowParts(kernel, threaded, end - start, mp);
    const tasks: number[][] = [];
    for (let s = start; s < end; s++) {
      const a = slotA[indicesA[s]] * packedA * S;
      const b = bOffset + slotB[indicesB[s]] * packedB * S;
      const layout: Layout = { a, b, c: cOffset + (s - start) * packedC * S, aStride: TILE_ROWS * k * S, aStep: TILE_ROWS * S, panelStride: k * 32, bStep: 32 };
      tasks.push(...productTasks(layout, mp, k, np, S, parts));
    }
    if (!reserve(kernel, tableAt + tasks.length * TASK_INTS * 4)) {
      if (start === 0) return false; // nothing written yet: the loops do it all
      throw new Error("matmul: the WebAssembly memory cannot grow for this batch of products; multiply fewer or smaller matrices at a time, or use setMatmulKernel('js')");
    }
    const heap = heapView(kernel, dtype);
    for (let q = 0; q < countA; q++) {
      const i = copiedA[q];
      packA(heap, q * packedA, A.subarray(i * sizeA, (i + 1) * sizeA), m, k, transposeA);
    }
    for (let q = 0; q < countB; q++) {
      const j = copiedB[q];
      packB(heap, bOffset / S + q * packedB, B.subarray(j * sizeB, (j + 1) * sizeB), k, n, width, transposeB);
    }
    runTasks(kernel, dtype, tasks, tableAt, threaded);
    unpackC(heap, cOffset / S, C, start * m * n, end - start, m, n, np);
    for (let q = 0; q < countA; q++) slotA[copiedA[q]] = -1;
    for (let q = 0; q < countB; q++) slotB[copiedB[q]] = -1;
    start = end;
  }
  return true;
}
