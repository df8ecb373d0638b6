import { tensor, transpose, type Tensor } from "@tapegrad/core";
import { circles, spiral, twoMoons, xorQuadrants, type Convention, type OutputKind } from "@tapegrad/nn";
import type { PageSettings } from "./settings";

// The 2-D toy data, from @tapegrad/nn's generators, with targets shaped for the chosen output.

/** The points and their classes, independent of the convention and the output. */
export interface ToyPoints {
  /** [x, y] per example. */
  points: [number, number][];
  /** The class of each example, 0 … classes − 1. */
  labels: number[];
  /** How many classes there are. */
  classes: number;
}

/** The data as the network sees it. */
export interface ToyData extends ToyPoints {
  /** X: [m, 2] in the row convention, [2, m] in the column one. */
  X: Tensor;
  /** Y: one unit per class (one-hot), or a single 0/1 unit for two classes with a sigmoid or identity output. */
  Y: Tensor;
  /** n_L, the output layer's width. */
  outputs: number;
}

/** The points of the chosen data set (seeded, so the same settings give the same points). */
export function toyPoints(settings: Pick<PageSettings, "dataset" | "examples" | "noise" | "classes" | "seed">): ToyPoints {
  const { examples, noise, seed } = settings;
  const convention = "row";
  if (settings.dataset === "spiral") {
    const classes = settings.classes;
    const perClass = Math.max(1, Math.round(examples / classes));
    const data = spiral({ examplesPerClass: perClass, classes, noise: 2 * noise, seed, convention });
    const oneHot = data.targets.toArray() as number[][];
    return { points: data.inputs.toArray() as [number, number][], labels: oneHot.map((row) => row.indexOf(1)), classes };
  }
  const data =
    settings.dataset === "moons"
      ? twoMoons({ examples, noise, seed, convention })
      : settings.dataset === "circles"
        ? circles({ examples, noise, seed, convention })
        : xorQuadrants({ examples, noise, seed, convention });
  return { points: data.inputs.toArray() as [number, number][], labels: Array.from(data.targets.data), classes: 2 };
}

/** How many output units a data set of `classes` classes needs with this output. */
export function outputWidth(classes: number, output: OutputKind): number {
  return classes === 2 && output !== "softmax" ? 1 : classes;
}

/** The points as X and Y for a network in `convention` with `output`. */
export function toyData(points: ToyPoints, convention: Convention, output: OutputKind): ToyData {
  const outputs = outputWidth(points.classes, output);
  const targets = points.labels.map((label) => (outputs === 1 ? [label] : Array.from({ length: outputs }, (_, k) => (k === label ? 1 : 0))));
  const X = tensor(points.points);
  const Y = tensor(targets);
  return convention === "row" ? { ...points, X, Y, outputs } : { ...points, X: transpose(X), Y: transpose(Y), outputs };
}
