import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { matmul, matmulThreads, randn, setMatmulKernel, setMatmulThreads, type Tensor } from "../src";
import { workerTaskCount } from "../src/kernels/wasm/threads";

// The threaded kernel splits the rows of C (or the products of a stack) among threads; every
// element is still computed by one thread with the single-threaded kernel's order of
// operations, so the two must agree bit for bit.

const bits = (t: Tensor) => Array.from(t.data);

function productWith(kernel: "wasm" | "threads", a: Tensor, b: Tensor, options?: { transposeA?: boolean; transposeB?: boolean }): Tensor {
  const previous = setMatmulKernel(kernel);
  try {
    return matmul(a, b, options);
  } finally {
    setMatmulKernel(previous);
  }
}

/** The product by the plain definition, in float64: an independent reference. */
function naive(a: Tensor, b: Tensor): number[] {
  const [m, k] = a.shape, n = b.shape[1];
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += a.data[i * k + p] * b.data[p * n + j];
  return out;
}

describe("matrix products on several threads", () => {
  afterEach(() => setMatmulThreads("auto"));

  it("uses two threads when asked, here in Node, and the worker does some of the work", () => {
    setMatmulThreads(2);
    expect(matmulThreads()).toBe(2);
    const a = randn([1024, 512], { seed: 1, dtype: "float32" });
    const b = randn([512, 512], { seed: 2, dtype: "float32" });
    // A worker asleep when the product starts claims fewer of its tasks: give it a few products to join.
    for (let attempt = 0; attempt < 20 && workerTaskCount() === 0; attempt++) productWith("threads", a, b);
    expect(workerTaskCount()).toBeGreaterThan(0);
    setMatmulThreads(1);
    expect(matmulThreads()).toBe(1);
  });

  const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [5, 9, 3], [8, 16, 8], [37, 61, 29], [128, 300, 70], [260, 257, 300]];
  for (const dtype of ["float32", "float64"] as const) {
    for (const [m, k, n] of shapes) {
      for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
        it(`gives the single-threaded kernel's bits: ${m}×${k}·${k}×${n} ${dtype} transposeA=${transposeA} transposeB=${transposeB}`, () => {
          setMatmulThreads(2);
          const a = randn(transposeA ? [k, m] : [m, k], { seed: m + k, dtype });
          const b = randn(transposeB ? [n, k] : [k, n], { seed: k + n + 1, dtype });
          const threaded = productWith("threads", a, b, { transposeA, transposeB });
          const single = productWith("wasm", a, b, { transposeA, transposeB });
          expect(threaded.shape).toEqual([m, n]);
          expect(bits(threaded)).toEqual(bits(single));
        });
      }
    }
  }

  it("agrees with the definition of the product", () => {
    setMatmulThreads(2);
    const a = randn([70, 130], { seed: 3 });
    const b = randn([130, 45], { seed: 4 });
    const expected = naive(a, b);
    productWith("threads", a, b).data.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expected[i]))));
  });

  for (const [batchA, batchB, label] of [[[3], [3], "a stack of 3 (fewer products than … rows split)"], [[2, 5], [1, 5], "a broadcast stack of 10"], [[7], [], "a stack under one matrix"]] as const) {
    it(`splits ${label} with the same bits`, () => {
      setMatmulThreads(2);
      const a = randn([...batchA, 23, 41], { seed: 5, dtype: "float32" });
      const b = randn([...batchB, 41, 19], { seed: 6, dtype: "float32" });
      expect(bits(productWith("threads", a, b))).toEqual(bits(productWith("wasm", a, b)));
    });
  }

  it("gives the same bits on 1, 2 and 3 threads", () => {
    const a = randn([150, 200], { seed: 7, dtype: "float32" });
    const b = randn([200, 90], { seed: 8, dtype: "float32" });
    const results = [1, 2, 3].map((threads) => {
      setMatmulThreads(threads);
      return bits(productWith("threads", a, b));
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it("refuses a bad thread count, naming it", () => {
    expect(() => setMatmulThreads(0)).toThrow("setMatmulThreads: give a whole number of threads from 1 to 64, or 'auto', got 0");
    expect(() => setMatmulThreads(1.5)).toThrow("got 1.5");
    expect(() => setMatmulThreads("all" as never)).toThrow('got "all"');
  });

  it("returns the previous setting", () => {
    expect(setMatmulThreads(2)).toBe("auto");
    expect(setMatmulThreads("auto")).toBe(2);
  });
});

describe("where threads cannot run", () => {
  const root = resolve(import.meta.dirname, "../../..");
  const tsx = join(root, "node_modules/.bin/tsx");

  /** Runs a script importing the core's source in a fresh process, after `prelude`; returns its stdout. */
  function runScript(prelude: string, body: string): { stdout: string; status: number | null; stderr: string } {
    const folder = mkdtempSync(join(tmpdir(), "tapegrad-threads-"));
    const file = join(folder, "script.mts");
    writeFileSync(file, `${prelude}\nconst core = await import(${JSON.stringify(join(root, "packages/core/src/index.ts"))});\n${body}\n`);
    const child = spawnSync(tsx, [file], { encoding: "utf8", timeout: 60_000, env: { ...process.env, TAPEGRAD_THREADS: undefined, TAPEGRAD_MATMUL_KERNEL: undefined } });
    return { stdout: child.stdout, status: child.status, stderr: child.stderr };
  }

  const check = `
const a = core.randn([200, 300], { seed: 1 }), b = core.randn([300, 100], { seed: 2 });
core.setMatmulKernel("threads");
const threaded = core.matmul(a, b);
core.setMatmulKernel("js");
const loops = core.matmul(a, b);
let worst = 0;
for (let i = 0; i < loops.data.length; i++) worst = Math.max(worst, Math.abs(threaded.data[i] - loops.data[i]));
console.log(JSON.stringify({ threads: core.matmulThreads(), worst }));`;

  it("runs on the calling thread without SharedArrayBuffer (a page that is not cross-origin isolated)", () => {
    const { stdout, status, stderr } = runScript("delete globalThis.SharedArrayBuffer;", check);
    expect(status, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result.threads).toBe(1);
    expect(result.worst).toBeLessThan(1e-12);
  });

  it("runs on the calling thread where it may not block (a page's main thread)", () => {
    const { stdout, status, stderr } = runScript(`Atomics.wait = () => { throw new TypeError("Atomics.wait cannot be called in this context"); };`, check);
    expect(status, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result.threads).toBe(1);
    expect(result.worst).toBeLessThan(1e-12);
  });

  it("lets the process exit by itself once the threads have run", () => {
    const started = Date.now();
    const { stdout, status, stderr } = runScript("", check);
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!).threads).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(30_000); // parked workers would keep it alive until the timeout
  });
});

describe("the blocked WebAssembly kernel on shapes that cross its blocks", () => {
  afterEach(() => setMatmulThreads("auto"));
  // Blocks are 256 deep and 512 (float32) or 256 (float64) columns wide; tiles 4 rows by 8
  // (float32) or 4 (float64) columns: these shapes leave every kind of remainder.
  const cases: Array<[number, number, number]> = [[1, 600, 530], [6, 257, 513], [13, 511, 9], [70, 1030, 3], [5, 2, 1100], [33, 300, 260]];
  for (const dtype of ["float32", "float64"] as const) {
    for (const [m, k, n] of cases) {
      for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
        it(`${m}×${k}·${k}×${n} ${dtype} transposeA=${transposeA} transposeB=${transposeB}: threads and one thread agree bit for bit, and both with the loops`, () => {
          setMatmulThreads(2);
          const a = randn(transposeA ? [k, m] : [m, k], { seed: m * 7 + k, dtype });
          const b = randn(transposeB ? [n, k] : [k, n], { seed: n * 3 + k, dtype });
          const options = { transposeA, transposeB };
          const single = productWith("wasm", a, b, options);
          expect(bits(productWith("threads", a, b, options))).toEqual(bits(single));
          const previous = setMatmulKernel("js");
          const loops = matmul(a, b, options);
          setMatmulKernel(previous);
          const tolerance = dtype === "float32" ? 1e-4 : 1e-12;
          let worst = 0;
          for (let i = 0; i < loops.size; i++) worst = Math.max(worst, Math.abs(single.data[i] - loops.data[i]) / (Math.sqrt(k) + Math.abs(loops.data[i])));
          expect(worst).toBeLessThan(tolerance);
        });
      }
    }
  }
});
