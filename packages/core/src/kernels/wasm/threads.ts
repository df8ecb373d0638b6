// Matrix products on several threads. The WebAssembly memory the gemm kernel works in is a
// shared memory: every thread instantiates the same compiled kernel over it, so a product
// whose operands are packed there once can be cut into tasks (blocks of rows of C, or the
// products of a stack), each computed by one thread into its own part of C. The calling
// thread posts a job (a table of tasks in the shared memory) by storing a fresh claim word
// and waking the workers with Atomics.notify; then every thread, the calling one included,
// claims the next task with a compare-and-swap on that word until none is left, and the
// calling thread waits with Atomics.wait until every task is done. A worker that is slow to
// wake (the machine is busy) just claims fewer tasks. Matmul stays synchronous, as the
// tape needs; no message is sent per job.
//
// Threads are used only where they can be: shared WebAssembly memory (SharedArrayBuffer; in
// browsers, a cross-origin isolated page), a worker API (worker_threads in Node, Web Workers
// in browsers), and a calling thread that may block in Atomics.wait (Node's main thread and
// any worker; not a browser page's main thread). Elsewhere every product runs on the calling
// thread.

import { blockedGemm, type GemmKernel } from "./blocked";

/** The control block's slots (Int32 indices); `claimTasks` spells them out as numbers. */
const GENERATION = 0, DTYPE = 1, TASKS_AT = 2, TASK_COUNT = 3, DONE = 4, CLAIM = 5, FAILED = 6, WORKER_TASKS = 7;
/** Each task is one product's block of rows, the arguments of blockedGemm from a to bStep: ten i32 values. */
export const TASK_INTS = 10;
/** How long a worker keeps checking for the next job before it sleeps, in milliseconds. */
const SPIN_MS = 1;
/** The claim word holds the job's number above bit 20 and the next task below: at most 2²⁰ tasks per job. */
const MAX_TASKS = 1 << 20;

/**
 * Claims the current job's tasks one at a time and runs each with `blocked`, until none is
 * left. A claim is a compare-and-swap of the claim word (the job's number and the next
 * task), so a task is run by exactly one thread. The calling thread sets the count to 0
 * before it rewrites a job and stores the new claim word before the new count, so a claim
 * made from a word read before the rewrite fails; and a claim checks the count again after
 * it succeeds, so a stale count read before it runs no task that does not exist. The
 * parameters are read only after a successful claim, and the calling thread rewrites them
 * only once every task of the job is done. A task that throws (it should not) is counted done and marks the job failed, so the
 * calling thread is never left waiting. Worker threads run this same function, from its
 * source text: it must stay self-contained, with the slots written as numbers.
 */
export function claimTasks(control: Int32Array, memory: { readonly buffer: ArrayBufferLike }, kernels: readonly GemmKernel[], blocked: typeof blockedGemm, isWorker: boolean): void {
  for (;;) {
    const word = Atomics.load(control, 5); // CLAIM
    const count = Atomics.load(control, 3); // TASK_COUNT
    const t = word & 0xfffff;
    if (t >= count) return;
    if (Atomics.compareExchange(control, 5, word, word + 1) !== word) continue;
    // The word was current when claimed, so t is the current job's; but a count read long
    // before the claim may be another job's: past the current count, t is no task.
    const current = Atomics.load(control, 3); // TASK_COUNT
    if (t >= current) return;
    const dtype = control[1]; // DTYPE
    try {
      const q = new Int32Array(memory.buffer, control[2] + 40 * t, 10); // TASKS_AT, ten i32 per task
      blocked(kernels[dtype], q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], dtype === 0 ? 4 : 8);
    } catch {
      Atomics.store(control, 6, 1); // FAILED
    }
    if (isWorker) Atomics.add(control, 7, 1); // WORKER_TASKS
    if (Atomics.add(control, 4, 1) + 1 === current) Atomics.notify(control, 4); // DONE
  }
}

/**
 * Each worker runs this: instantiate the kernels over the shared memory, then forever wait
 * for the generation to move and claim tasks. It is a script of its own (not a module), so
 * that Node's `eval` workers and a browser's Blob-URL workers run the same text.
 */
const WORKER_SOURCE = `"use strict";
const blockedGemm = ${blockedGemm.toString()};
const claimTasks = ${claimTasks.toString()};
const start = ({ memory, modules, control }) => {
  const kernels = modules.map((module) => new WebAssembly.Instance(module, { env: { memory } }).exports.gemm);
  let seen = 0;
  for (;;) {
    // Spin a little before sleeping: the products of a training step come a few hundred
    // microseconds apart, and waking from Atomics.wait takes tens of microseconds.
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(control, ${GENERATION}) === seen && performance.now() < until);
    Atomics.wait(control, ${GENERATION}, seen);
    seen = Atomics.load(control, ${GENERATION});
    claimTasks(control, memory, kernels, blockedGemm, true);
  }
};
const node = typeof process === "object" && typeof process.getBuiltinModule === "function" ? process.getBuiltinModule("node:worker_threads") : undefined;
if (node) node.parentPort.once("message", start);
else self.onmessage = (event) => start(event.data);
`;

/** A started pool: `parts` threads in all, the calling one included. */
export interface ThreadPool {
  readonly parts: number;
  /**
   * Runs the `count` tasks whose table starts at byte `tasksAt` of the shared memory with
   * the kernel `dtype` (0 float32, 1 float64; `kernels` are the calling thread's instances),
   * on every thread; returns when all are done. Returns false, running nothing, for a job of
   * more tasks than a claim word counts.
   */
  run(dtype: number, tasksAt: number, count: number, kernels: readonly GemmKernel[]): boolean;
}

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

type Spawn = () => WorkerHandle;

let requested: number | "auto" = initialThreads();
let pool: ThreadPool | null | undefined; // undefined: not started yet; null: threads unavailable or one thread asked
let workers: WorkerHandle[] = [];
let poolControl: Int32Array | undefined;

/** How many tasks the pool's worker threads (not the calling thread) have run since it started: for tests. @internal */
export function workerTaskCount(): number {
  return poolControl === undefined ? 0 : Atomics.load(poolControl, WORKER_TASKS);
}

/** `TAPEGRAD_THREADS=N` in the environment fixes the number of threads for a whole process. */
function initialThreads(): number | "auto" {
  const text = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TAPEGRAD_THREADS;
  const n = text === undefined ? NaN : Number(text);
  return Number.isInteger(n) && n >= 1 ? n : "auto";
}

/**
 * Sets how many threads large matrix products (and the convolutions built on them) use:
 * a count, or `'auto'` (the default: the machine's cores, at most 8). `1` keeps every
 * product on the calling thread. Threads need shared WebAssembly memory, a worker API and a
 * calling thread allowed to block (Node's main thread or any worker; in browsers a
 * cross-origin isolated page's worker); elsewhere products run on the calling thread
 * whatever is asked. Results are the same bits on any number of threads: each element of
 * the output is computed by one thread in the same order. Returns the previous setting.
 * `TAPEGRAD_THREADS=N` in the environment sets it for a whole process.
 * @example
 * ```ts
 * const previous = setMatmulThreads(1); // e.g. to time one core
 * setMatmulThreads(previous);
 * ```
 */
export function setMatmulThreads(threads: number | "auto"): number | "auto" {
  if (threads !== "auto" && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new Error(`setMatmulThreads: give a whole number of threads from 1 to 64, or 'auto', got ${JSON.stringify(threads)}`);
  }
  const previous = requested;
  if (threads !== previous) {
    requested = threads;
    stopPool();
  }
  return previous;
}

/** The shared memory's part of the WebAssembly.Memory API. */
export interface SharedMemory {
  readonly buffer: ArrayBufferLike;
}

/**
 * The pool for this memory and these compiled kernels (one per dtype), started on first
 * use; null when only one thread is asked for or threads cannot be used here.
 */
export function threadPool(memory: SharedMemory, modules: readonly object[]): ThreadPool | null {
  if (pool !== undefined) return pool;
  pool = null;
  const parts = requested === "auto" ? Math.min(8, cores()) : requested;
  if (parts < 2 || !(memory.buffer instanceof SharedArrayBufferOrNone()) || !callerMayBlock()) return null;
  const spawn = spawner();
  if (spawn === null) return null;
  const control = new Int32Array(new SharedArrayBuffer(64));
  poolControl = control;
  try {
    for (let index = 1; index < parts; index++) {
      const worker = spawn();
      workers.push(worker);
      worker.postMessage({ memory, modules, control });
    }
  } catch {
    stopPool();
    pool = null;
    return null;
  }
  let job = 0;
  pool = {
    parts,
    run(dtype, tasksAt, count, kernels) {
      if (count >= MAX_TASKS - 64) return false; // room for the few claims past the end that threads can make
      job = (job + 1) & 0x7ff;
      // Close the job before rewriting it and open it last: with the count at 0, no thread
      // can claim from the old word while the parameters change, and once the new word is
      // stored, a compare-and-swap on the old one fails.
      Atomics.store(control, TASK_COUNT, 0);
      control[DTYPE] = dtype;
      control[TASKS_AT] = tasksAt;
      Atomics.store(control, DONE, 0);
      Atomics.store(control, FAILED, 0);
      Atomics.store(control, CLAIM, job * MAX_TASKS);
      Atomics.store(control, TASK_COUNT, count);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      claimTasks(control, memory, kernels, blockedGemm, false);
      for (;;) {
        const done = Atomics.load(control, DONE);
        if (done === count) break;
        Atomics.wait(control, DONE, done);
      }
      if (Atomics.load(control, FAILED) !== 0) {
        stopPool();
        throw new Error("matmul: a thread of the matrix-multiplication pool failed; the pool is stopped and will restart. Use setMatmulThreads(1) to keep products on one thread");
      }
      return true;
    },
  };
  return pool;
}

function stopPool(): void {
  for (const worker of workers) worker.terminate();
  workers = [];
  pool = undefined;
  poolControl = undefined;
}

// What this runtime offers, probed without importing anything Node-specific, so that the
// module loads in browsers and bundlers unchanged.

function SharedArrayBufferOrNone(): new (...args: never[]) => object {
  return typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : class None {};
}

function callerMayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // "not-equal" at once where allowed
    return true;
  } catch {
    return false; // a browser page's main thread
  }
}

interface NodeProcess {
  getBuiltinModule?: (name: string) => unknown;
}

function nodeModule<T>(name: string): T | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  try {
    return process?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
}

function cores(): number {
  const os = nodeModule<{ availableParallelism?: () => number; cpus: () => unknown[] }>("node:os");
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  const navigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return navigator?.hardwareConcurrency ?? 1;
}

function spawner(): Spawn | null {
  const threads = nodeModule<{ Worker: new (source: string, options: { eval: true; execArgv: string[] }) => WorkerHandle & { unref(): void; on(event: "error", listener: () => void): void } }>("node:worker_threads");
  if (threads) {
    return () => {
      // No flags of the parent's (--input-type=module, loaders, --cpu-prof): the source is a plain script.
      const worker = new threads.Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      worker.unref(); // parked workers do not keep the process alive
      // A worker that cannot start claims no task: the calling thread does its share, so its
      // error must not end the program.
      worker.on("error", () => {});
      return worker;
    };
  }
  const web = globalThis as { Worker?: new (url: string) => WorkerHandle; Blob?: new (parts: string[], options: object) => object; URL?: { createObjectURL(blob: object): string } };
  if (web.Worker && web.Blob && web.URL?.createObjectURL) {
    const url = web.URL.createObjectURL(new web.Blob([WORKER_SOURCE], { type: "text/javascript" }));
    return () => {
      const worker = new web.Worker!(url) as WorkerHandle & { onerror?: (() => void) | null };
      worker.onerror = () => {}; // as in Node: a worker that cannot start claims no task
      return worker;
    };
  }
  return null;
}
