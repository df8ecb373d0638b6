import type { BenchDType } from "./workloads";

/** One benchmark case, run by every library that supports it. */
export type BenchCase =
  | { id: string; kind: "matmul"; n: number; dtype: BenchDType }
  | { id: string; kind: "mlp"; sizes: number[]; batch: number; dtype: BenchDType; loss: "softmaxCrossEntropy" | "mse" }
  | { id: string; kind: "conv2d"; batch: number; inChannels: number; size: number; outChannels: number; kernel: number; dtype: BenchDType }
  | { id: string; kind: "chain"; length: number }
  | { id: string; kind: "memory"; steps: number; batch: number }
  | { id: string; kind: "mnist-epoch" };

export const LIBRARIES = ["tapegrad", "tfjs-cpu", "tfjs-wasm", "jax-js", "jax-js-jit"] as const;
export const FLOAT32_ONLY = new Set(["tfjs-cpu", "tfjs-wasm"]);

export function benchCases(quick: boolean): BenchCase[] {
  const dtypes: BenchDType[] = ["float32", "float64"];
  return [
    ...(quick ? [64, 256] : [64, 256, 512, 1024]).flatMap((n) => dtypes.map((dtype) => ({ id: `matmul n=${n} ${dtype}`, kind: "matmul" as const, n, dtype }))),
    ...dtypes.map((dtype) => ({ id: `MLP 784-256-128-10, batch 128, ${dtype}`, kind: "mlp" as const, sizes: [784, 256, 128, 10], batch: 128, dtype, loss: "softmaxCrossEntropy" as const })),
    ...dtypes.map((dtype) => ({ id: `MLP 4-8-1, batch 16, ${dtype}`, kind: "mlp" as const, sizes: [4, 8, 1], batch: 16, dtype, loss: "mse" as const })),
    { id: "conv2d forward+backward, LeNet layer", kind: "conv2d", batch: 64, inChannels: 6, size: 14, outChannels: 16, kernel: 5, dtype: "float32" },
    { id: "1,000 × (mul, tanh) with gradient", kind: "chain", length: 1000 },
    { id: `memory: ${quick ? "1,000" : "10,000"} MLP steps, batch 16`, kind: "memory", steps: quick ? 1000 : 10_000, batch: 16 },
    { id: "MNIST epoch of the demo (8,000 digits, batch 64)", kind: "mnist-epoch" },
  ];
}

export function librariesFor(benchCase: BenchCase): string[] {
  if (benchCase.kind === "memory" || benchCase.kind === "mnist-epoch") return ["tapegrad"];
  const dtype = "dtype" in benchCase ? benchCase.dtype : "float32";
  return LIBRARIES.filter((library) => dtype === "float32" || !FLOAT32_ONLY.has(library));
}
