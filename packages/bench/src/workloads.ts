// The workloads every library runs, built from the same seeds: matrices, the MLP's data and
// initial weights. Each library adapter turns these plain typed arrays into its own tensors.
import { Random } from "@tapegrad/core";

export type BenchDType = "float32" | "float64";

export function randomArray(size: number, seed: number, dtype: BenchDType, scale = 1): Float32Array | Float64Array {
  const rng = new Random(seed);
  const data = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = scale * rng.normal();
  return data;
}

/** An MLP problem: sizes, examples as rows, He-scaled initial weights, zero biases, one-hot targets. */
export interface MlpProblem {
  sizes: number[];
  batch: number;
  dtype: BenchDType;
  loss: "softmaxCrossEntropy" | "mse";
  learningRate: number;
  X: Float32Array | Float64Array;
  Y: Float32Array | Float64Array;
  /** Row convention: W[l] is n_(l−1) × n_l, b[l] is 1 × n_l. */
  weights: { W: Float32Array | Float64Array; b: Float32Array | Float64Array }[];
}

export function mlpProblem(sizes: number[], batch: number, dtype: BenchDType, loss: MlpProblem["loss"]): MlpProblem {
  const classes = sizes.at(-1)!;
  const rng = new Random(7);
  const Y = dtype === "float32" ? new Float32Array(batch * classes) : new Float64Array(batch * classes);
  for (let i = 0; i < batch; i++) {
    if (loss === "softmaxCrossEntropy") Y[i * classes + rng.int(classes)] = 1;
    else for (let c = 0; c < classes; c++) Y[i * classes + c] = rng.normal();
  }
  const weights = sizes.slice(1).map((n, l) => ({
    W: randomArray(sizes[l] * n, 100 + l, dtype, Math.sqrt(2 / sizes[l])),
    b: dtype === "float32" ? new Float32Array(n) : new Float64Array(n),
  }));
  return { sizes, batch, dtype, loss, learningRate: 0.01, X: randomArray(batch * sizes[0], 3, dtype), Y, weights };
}

/** What one library measures for one case. */
export interface Measurement {
  /** Milliseconds per repetition, after warm-up. */
  times: number[];
  /** The first losses of a training run, to check that every library computes the same thing. */
  losses?: number[];
  /** Anything else worth reporting (heap sizes, GFLOP/s). */
  extra?: Record<string, number>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Times `run` after `warmup` calls: at least `minRuns` repetitions and at least `minMs` in all. */
export async function timeIt(run: () => unknown | Promise<unknown>, { warmup = 2, minRuns = 5, minMs = 400, maxRuns = 200 } = {}): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minMs && times.length < maxRuns)) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return times;
}

/**
 * The problem's first loss (before any update), computed in plain float64 JavaScript from
 * the same data and weights: an independent value to measure each library's accuracy against.
 */
export function referenceFirstLoss(p: MlpProblem): number {
  const { sizes, batch } = p;
  let A: number[][] = Array.from({ length: batch }, (_, i) => Array.from(p.X.subarray(i * sizes[0], (i + 1) * sizes[0])));
  p.weights.forEach(({ W, b }, l) => {
    const [nIn, nOut] = [sizes[l], sizes[l + 1]];
    const last = l === p.weights.length - 1;
    A = A.map((row) =>
      Array.from({ length: nOut }, (_, j) => {
        let z = b[j];
        for (let k = 0; k < nIn; k++) z += row[k] * W[k * nOut + j];
        return last ? z : p.loss === "mse" ? Math.tanh(z) : Math.max(z, 0);
      }),
    );
  });
  const classes = sizes.at(-1)!;
  let total = 0;
  A.forEach((z, i) => {
    if (p.loss === "mse") {
      z.forEach((v, c) => (total += (v - p.Y[i * classes + c]) ** 2 / classes));
      return;
    }
    const top = Math.max(...z);
    const logSumExp = top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0));
    z.forEach((v, c) => (total -= p.Y[i * classes + c] * (v - logSumExp)));
  });
  return total / batch;
}

