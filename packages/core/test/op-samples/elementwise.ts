import { tensor, type Tensor } from "../../src";
import { awayFromZero } from "../helpers";
import type { Sample, SampleTable } from "./sample";

// Samples of the element-wise functions and activations added to ops/elementwise.ts after
// the first ones (whose samples are in basic.ts). Values stay away from 0, where leakyRelu
// and elu have a kink in their first or second derivative.

const shapes: number[][] = [[], [5], [3, 4], [2, 3, 2]];

/** One sample per shape, with values from `make` and the given attributes. */
const atShapes = (attrs?: unknown, make: (shape: number[], seed: number) => Tensor = awayFromZero, label = ""): Sample[] =>
  shapes.map((shape, i) => ({ label: `shape [${shape}]${label}`, inputs: [make(shape, 80 + i)], attrs }));

/** Values in ±[0.12, 0.9]: inside log1p's domain x > −1. */
const aboveMinusOne = (shape: number[], seed: number): Tensor =>
  tensor(Array.from(awayFromZero(shape, seed).data, (v) => 0.6 * v), { shape });

export const elementwiseSamples: SampleTable = {
  log1p: () => atShapes(undefined, aboveMinusOne),
  expm1: () => atShapes(),
  sin: () => atShapes(),
  cos: () => atShapes(),
  erf: () => [
    ...atShapes(),
    // One value or more in each interval of the approximation: |x| < 0.84375, < 1.25, < 2.857, < 6, beyond.
    { label: "across the approximation intervals", inputs: [tensor([-4.5, -2, -1, 0.1, 0.6, 0.9, 1.3, 2.5, 3.2, 5.5, 6.5])] },
  ],
  leakyRelu: () => [
    ...atShapes({ slope: 0.01 }),
    { label: "slope 0.2", inputs: [awayFromZero([3, 4], 90)], attrs: { slope: 0.2 } },
    { label: "negative slope -0.5", inputs: [awayFromZero([5], 91)], attrs: { slope: -0.5 } },
  ],
  elu: () => [
    ...atShapes({ alpha: 1 }),
    { label: "alpha 0.5", inputs: [awayFromZero([3, 4], 92)], attrs: { alpha: 0.5 } },
    { label: "alpha 2, wider values", inputs: [tensor([-6, -3, -0.7, 0.4, 2.5, 8])], attrs: { alpha: 2 } },
  ],
  gelu: () => [
    ...atShapes({ approximate: "none" }, awayFromZero, ", exact"),
    ...atShapes({ approximate: "tanh" }, awayFromZero, ", tanh"),
    { label: "wider values, exact", inputs: [tensor([-5, -2.5, -0.1, 0.3, 3, 4.5])], attrs: { approximate: "none" } },
    { label: "wider values, tanh", inputs: [tensor([-5, -2.5, -0.1, 0.3, 3, 4.5])], attrs: { approximate: "tanh" } },
  ],
  softplus: () => [...atShapes(), { label: "wider values", inputs: [tensor([-30, -8, -0.05, 0.05, 8, 30])] }],
  silu: () => [...atShapes(), { label: "wider values", inputs: [tensor([-30, -8, -0.05, 0.05, 8, 30])] }],
};
