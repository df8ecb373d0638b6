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
