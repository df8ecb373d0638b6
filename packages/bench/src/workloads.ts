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


/**
 * A convolution layer's problem, in PyTorch's layout: x [N, C, S, S] (NCHW) and He-scaled
 * weights w [O, C, K, K] (OIHW). Each step computes the loss mean(conv2d(x, w)²) (stride 1,
 * no padding) and its gradients with respect to x and w.
 */
export interface ConvProblem {
  batch: number;
  inChannels: number;
  size: number;
  outChannels: number;
  kernel: number;
  dtype: BenchDType;
  x: Float32Array | Float64Array;
  w: Float32Array | Float64Array;
}

export function convProblem(c: { batch: number; inChannels: number; size: number; outChannels: number; kernel: number; dtype: BenchDType }): ConvProblem {
  const { batch, inChannels, size, outChannels, kernel, dtype } = c;
  return {
    ...c,
    x: randomArray(batch * inChannels * size * size, 11, dtype),
    w: randomArray(outChannels * inChannels * kernel * kernel, 12, dtype, Math.sqrt(2 / (inChannels * kernel * kernel))),
  };
}

/** What one convolution step gives back: the loss, and the gradients in the library's own layout. */
export interface ConvStepResult {
  loss: number;
  dx: ArrayLike<number>;
  dw: ArrayLike<number>;
}

/** Σ v²: a check value of a gradient that does not depend on its layout (NCHW or NHWC). */
export function sumOfSquares(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] * values[i];
  return total;
}

/**
 * The loss mean(y²) of y = conv2d(x, w) and the check values ‖dx‖², ‖dw‖² of its gradients,
 * computed in plain float64 JavaScript from the same data: the independent values every
 * library's first step is measured against.
 */
export function referenceConvStep(p: ConvProblem): [number, number, number] {
  const { batch: N, inChannels: C, size: S, outChannels: O, kernel: K } = p;
  const R = S - K + 1;
  const y = new Float64Array(N * O * R * R);
  const xAt = (n: number, c: number, h: number, v: number) => ((n * C + c) * S + h) * S + v;
  const wAt = (o: number, c: number, i: number, j: number) => ((o * C + c) * K + i) * K + j;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let h = 0; h < R; h++)
        for (let v = 0; v < R; v++) {
          let total = 0;
          for (let c = 0; c < C; c++) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) total += p.x[xAt(n, c, h + i, v + j)] * p.w[wAt(o, c, i, j)];
          y[((n * O + o) * R + h) * R + v] = total;
        }
  const loss = sumOfSquares(y) / y.length;
  const dx = new Float64Array(p.x.length);
  const dw = new Float64Array(p.w.length);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let h = 0; h < R; h++)
        for (let v = 0; v < R; v++) {
          const g = (2 * y[((n * O + o) * R + h) * R + v]) / y.length; // ∂ mean(y²) / ∂y
          for (let c = 0; c < C; c++)
            for (let i = 0; i < K; i++)
              for (let j = 0; j < K; j++) {
                dx[xAt(n, c, h + i, v + j)] += g * p.w[wAt(o, c, i, j)];
                dw[wAt(o, c, i, j)] += g * p.x[xAt(n, c, h + i, v + j)];
              }
        }
  return [loss, sumOfSquares(dx), sumOfSquares(dw)];
}
