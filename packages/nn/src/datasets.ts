import { Random, tensor, transpose, type FloatDType } from "@tapegrad/core";
import type { Convention } from "./convention";
import type { Dataset } from "./data";

/** Options shared by the generated datasets. */
export interface DatasetOptions {
  /** The layout of the returned tensors. */
  convention: Convention;
  /** The dtype; `float64` by default. */
  dtype?: FloatDType;
}

function arrange(rows: number[][], targets: number[][], { convention, dtype }: DatasetOptions): Dataset {
  const inputs = tensor(rows, { dtype });
  const labels = tensor(targets, { dtype });
  return convention === "row" ? { inputs, targets: labels } : { inputs: transpose(inputs), targets: transpose(labels) };
}

/**
 * The four XOR points with 0/1 targets.
 * @example `xor({ convention: "column" }).inputs.shape // [2, 4]`
 */
export function xor(options: DatasetOptions): Dataset {
  return arrange([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], options);
}

/**
 * Two interleaved half circles with Gaussian noise, labelled 0 and 1; seeded.
 * @example `twoMoons({ examples: 400, noise: 0.1, seed: 0, convention: "row" })`
 */
export function twoMoons(options: DatasetOptions & { examples: number; noise?: number; seed: number }): Dataset {
  const { examples, noise = 0.1, seed } = options;
  const rng = new Random(seed);
  const rows: number[][] = [];
  const targets: number[][] = [];
  for (let i = 0; i < examples; i++) {
    const label = i % 2;
    const angle = Math.PI * rng.uniform();
    const x = label === 0 ? Math.cos(angle) : 1 - Math.cos(angle);
    const y = label === 0 ? Math.sin(angle) : 0.5 - Math.sin(angle);
    rows.push([x + noise * rng.normal(), y + noise * rng.normal()]);
    targets.push([label]);
  }
  return arrange(rows, targets, options);
}

/**
 * Interleaved spiral arms, one per class, with one-hot targets; seeded.
 * @example `spiral({ examplesPerClass: 100, classes: 3, seed: 0, convention: "column" })`
 */
export function spiral(options: DatasetOptions & { examplesPerClass: number; classes: number; noise?: number; seed: number }): Dataset {
  const { examplesPerClass, classes, noise = 0.2, seed } = options;
  const rng = new Random(seed);
  const rows: number[][] = [];
  const targets: number[][] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < examplesPerClass; i++) {
      const radius = i / examplesPerClass;
      const angle = (c * 4 * Math.PI) / classes + 4 * radius + noise * rng.normal();
      rows.push([radius * Math.sin(angle), radius * Math.cos(angle)]);
      targets.push(Array.from({ length: classes }, (_, k) => (k === c ? 1 : 0)));
    }
  }
  return arrange(rows, targets, options);
}

/**
 * Two concentric circles with Gaussian noise: the outer one (radius 1) labelled 0, the inner
 * one (radius `factor`, 0.5 by default) labelled 1, alternating; seeded. As scikit-learn's
 * `make_circles`, except that the angles are drawn at random rather than evenly spaced.
 * @example `circles({ examples: 200, noise: 0.05, seed: 0, convention: "row" }).targets.shape // [200, 1]`
 */
export function circles(options: DatasetOptions & { examples: number; noise?: number; factor?: number; seed: number }): Dataset {
  const { examples, noise = 0.05, factor = 0.5, seed } = options;
  checkExamples("circles", examples);
  if (!(typeof factor === "number" && factor > 0 && factor < 1)) {
    throw new Error(`circles: factor (the inner radius over the outer one) must be a number in (0, 1), got ${JSON.stringify(factor)}`);
  }
  checkNoise("circles", noise);
  const rng = new Random(seed);
  const rows: number[][] = [];
  const targets: number[][] = [];
  for (let i = 0; i < examples; i++) {
    const label = i % 2;
    const radius = label === 0 ? 1 : factor;
    const angle = 2 * Math.PI * rng.uniform();
    rows.push([radius * Math.cos(angle) + noise * rng.normal(), radius * Math.sin(angle) + noise * rng.normal()]);
    targets.push([label]);
  }
  return arrange(rows, targets, options);
}

/**
 * XOR as a cloud of points: x and y uniform in [−1, 1], labelled 1 where their signs
 * differ (x·y < 0) and 0 where they agree, then moved by Gaussian noise of standard
 * deviation `noise` (0 by default, so the four quadrants are cleanly separated); seeded.
 * {@link xor} is the four-point truth table.
 * @example `xorQuadrants({ examples: 200, noise: 0.1, seed: 0, convention: "column" }).inputs.shape // [2, 200]`
 */
export function xorQuadrants(options: DatasetOptions & { examples: number; noise?: number; seed: number }): Dataset {
  const { examples, noise = 0, seed } = options;
  checkExamples("xorQuadrants", examples);
  checkNoise("xorQuadrants", noise);
  const rng = new Random(seed);
  const rows: number[][] = [];
  const targets: number[][] = [];
  for (let i = 0; i < examples; i++) {
    const x = 2 * rng.uniform() - 1;
    const y = 2 * rng.uniform() - 1;
    targets.push([x * y < 0 ? 1 : 0]);
    rows.push([x + noise * rng.normal(), y + noise * rng.normal()]);
  }
  return arrange(rows, targets, options);
}

function checkExamples(where: string, examples: unknown): void {
  if (!Number.isInteger(examples) || (examples as number) < 1) throw new Error(`${where}: examples must be a positive integer, got ${JSON.stringify(examples)}`);
}

function checkNoise(where: string, noise: unknown): void {
  if (!(typeof noise === "number" && noise >= 0 && Number.isFinite(noise))) {
    throw new Error(`${where}: noise (a standard deviation) must be a finite number ≥ 0, got ${JSON.stringify(noise)}`);
  }
}
