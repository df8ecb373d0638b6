import { DIGIT_CNN_SUMMARY } from "@tapegrad/cli";
import type { BenchDType } from "./workloads";

/** One benchmark case, run by every library that supports it. */
export type BenchCase =
  | { id: string; kind: "matmul"; n: number; dtype: BenchDType }
  | { id: string; kind: "mlp"; sizes: number[]; batch: number; dtype: BenchDType; loss: "softmaxCrossEntropy" | "mse" }
  | { id: string; kind: "conv2d"; batch: number; inChannels: number; size: number; outChannels: number; kernel: number; dtype: BenchDType }
  | { id: string; kind: "cnn"; batch: number; dtype: BenchDType }
  | { id: string; kind: "lstm"; batch: number; time: number; inputs: number; hidden: number; classes: number; dtype: BenchDType }
  | { id: string; kind: "attention"; batch: number; time: number; dim: number; heads: number; dtype: BenchDType }
  | { id: string; kind: "chain"; length: number }
  | { id: string; kind: "memory"; model: "mlp" | "cnn"; steps: number; batch: number }
  | { id: string; kind: "mnist-epoch" };

/** The network cases: each a training loop whose first five losses every library must reproduce. */
export type NetworkCase = Extract<BenchCase, { kind: "cnn" | "lstm" | "attention" }>;

/** The demo CNN's batch in the memory case: small, so 10,000 steps take about a minute. */
const CNN_MEMORY_BATCH = 4;

export const LIBRARIES = ["tapegrad", "tapegrad-1-thread", "tfjs-cpu", "tfjs-wasm", "jax-js", "jax-js-jit"] as const;
/** tapegrad with its matrix products kept on one thread (TAPEGRAD_THREADS=1), beside the threaded figures of the matmul cases. */
export const SINGLE_THREAD = "tapegrad-1-thread";
export const FLOAT32_ONLY = new Set(["tfjs-cpu", "tfjs-wasm"]);

export function benchCases(quick: boolean): BenchCase[] {
  const dtypes: BenchDType[] = ["float32", "float64"];
  return [
    ...(quick ? [64, 256] : [64, 256, 512, 1024]).flatMap((n) => dtypes.map((dtype) => ({ id: `matmul n=${n} ${dtype}`, kind: "matmul" as const, n, dtype }))),
    ...dtypes.map((dtype) => ({ id: `MLP 784-256-128-10, batch 128, ${dtype}`, kind: "mlp" as const, sizes: [784, 256, 128, 10], batch: 128, dtype, loss: "softmaxCrossEntropy" as const })),
    ...dtypes.map((dtype) => ({ id: `MLP 4-8-1, batch 16, ${dtype}`, kind: "mlp" as const, sizes: [4, 8, 1], batch: 16, dtype, loss: "mse" as const })),
    { id: "conv2d forward+backward, LeNet layer", kind: "conv2d", batch: 64, inChannels: 6, size: 14, outChannels: 16, kernel: 5, dtype: "float32" },
    { id: `LeNet CNN training step, 28×28, batch 64 (the demo's ${DIGIT_CNN_SUMMARY})`, kind: "cnn", batch: 64, dtype: "float32" },
    { id: "LSTM step, batch 32, 20 steps, 32 inputs, 128 hidden, 10 classes", kind: "lstm", batch: 32, time: 20, inputs: 32, hidden: 128, classes: 10, dtype: "float32" },
    { id: "attention block step, batch 16, T = 32, d = 64, 4 heads, causal", kind: "attention", batch: 16, time: 32, dim: 64, heads: 4, dtype: "float32" },
    { id: "1,000 × (mul, tanh) with gradient", kind: "chain", length: 1000 },
    { id: `memory: ${quick ? "1,000" : "10,000"} MLP steps, batch 16`, kind: "memory", model: "mlp", steps: quick ? 1000 : 10_000, batch: 16 },
    { id: `memory: ${quick ? "1,000" : "10,000"} CNN steps, batch ${CNN_MEMORY_BATCH}`, kind: "memory", model: "cnn", steps: quick ? 1000 : 10_000, batch: CNN_MEMORY_BATCH },
    { id: "MNIST epoch of the demo (8,000 digits, batch 64)", kind: "mnist-epoch" },
  ];
}

export function librariesFor(benchCase: BenchCase): string[] {
  if (benchCase.kind === "memory" || benchCase.kind === "mnist-epoch") return ["tapegrad"];
  const dtype = "dtype" in benchCase ? benchCase.dtype : "float32";
  return LIBRARIES.filter((library) => (dtype === "float32" || !FLOAT32_ONLY.has(library)) && (library !== SINGLE_THREAD || benchCase.kind === "matmul"));
}
