import { Random, tensor, type Tensor } from "../../src";
import { awayFromZero } from "../helpers";
import type { Sample, SampleTable } from "./sample";

// Samples of the ops defined in ops/conv.ts: the convolution, its two backward ops and the
// pooling ops with theirs. Sizes stay small (≤ 200 input elements per sample) so that the
// second-order checks, which perturb every element, stay fast.

interface ConvCase {
  label: string;
  x: number[];
  w: number[];
  stride?: [number, number];
  padding?: [number, number, number, number];
  dilation?: [number, number];
  groups?: number;
}

const convCases: ConvCase[] = [
  { label: "one channel, 2 × 2 kernel", x: [1, 1, 4, 4], w: [1, 1, 2, 2] },
  { label: "a batch of 2, 2 → 3 channels", x: [2, 2, 4, 4], w: [3, 2, 2, 2] },
  { label: "stride 2, padding 1, 3 × 3 kernel", x: [1, 2, 5, 5], w: [2, 2, 3, 3], stride: [2, 2], padding: [1, 1, 1, 1] },
  { label: "stride [1, 2], padding [0, 1], 2 × 3 kernel", x: [1, 1, 4, 5], w: [2, 1, 2, 3], stride: [1, 2], padding: [0, 0, 1, 1] },
  { label: "stride 2 leaving the last row and column unread", x: [2, 1, 5, 5], w: [1, 1, 2, 2], stride: [2, 2] },
  { label: "dilation 2", x: [1, 1, 5, 5], w: [2, 1, 2, 2], dilation: [2, 2] },
  { label: "dilation [1, 2] with padding", x: [1, 2, 4, 4], w: [1, 2, 2, 2], dilation: [1, 2], padding: [1, 1, 1, 1] },
  { label: "groups 2", x: [1, 4, 3, 3], w: [4, 2, 2, 2], groups: 2 },
  { label: "depthwise (groups = channels = 3), batch 2", x: [2, 3, 3, 3], w: [3, 1, 2, 2], groups: 3 },
  { label: "'same' with a 2 × 2 kernel: the extra row and column at the end", x: [1, 1, 3, 3], w: [1, 1, 2, 2], padding: [0, 1, 0, 1] },
  { label: "a 1 × 3 kernel (as conv1d uses)", x: [2, 2, 1, 6], w: [2, 2, 1, 3], padding: [0, 0, 1, 1] },
];

function convAttrs(c: ConvCase) {
  return { stride: c.stride ?? [1, 1], padding: c.padding ?? [0, 0, 0, 0], dilation: c.dilation ?? [1, 1], groups: c.groups ?? 1 };
}

/** The shape of a convolution's output, by PyTorch's formula (written here independently of the op). */
function convOutShape(c: ConvCase): number[] {
  const { stride, padding, dilation } = convAttrs(c);
  const out = (size: number, pad: number, k: number, s: number, d: number) => Math.floor((size + pad - d * (k - 1) - 1) / s) + 1;
  return [c.x[0], c.w[0], out(c.x[2], padding[0] + padding[1], c.w[2], stride[0], dilation[0]), out(c.x[3], padding[2] + padding[3], c.w[3], stride[1], dilation[1])];
}

interface PoolCase {
  label: string;
  x: number[];
  kernelSize: [number, number];
  stride?: [number, number];
  padding?: [number, number];
}

const poolCases: PoolCase[] = [
  { label: "2 × 2 windows, stride 2 (the default)", x: [1, 2, 4, 4], kernelSize: [2, 2] },
  { label: "3 × 3, stride 2, padding 1, batch 2", x: [2, 1, 5, 5], kernelSize: [3, 3], stride: [2, 2], padding: [1, 1] },
  { label: "2 × 3, stride [1, 2], padding [1, 1]", x: [1, 1, 4, 5], kernelSize: [2, 3], stride: [1, 2], padding: [1, 1] },
  { label: "overlapping windows (stride 1): elements shared between windows", x: [1, 1, 4, 4], kernelSize: [2, 2], stride: [1, 1] },
  { label: "stride 2 leaving the last row and column out", x: [1, 1, 5, 5], kernelSize: [2, 2] },
];

function poolAttrs(c: PoolCase) {
  return { kernelSize: c.kernelSize, stride: c.stride ?? c.kernelSize, padding: c.padding ?? [0, 0] };
}

function poolOutShape(c: PoolCase): number[] {
  const { kernelSize: k, stride: s, padding: p } = poolAttrs(c);
  return [c.x[0], c.x[1], Math.floor((c.x[2] + 2 * p[0] - k[0]) / s[0]) + 1, Math.floor((c.x[3] + 2 * p[1] - k[1]) / s[1]) + 1];
}

/**
 * Distinct values at least 0.05 apart, shuffled, of both signs: no two elements of a window
 * tie, even after a finite-difference step, so a max pooling's routing stays put.
 */
function distinct(shape: number[], seed: number): Tensor {
  const rng = new Random(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: size }, (_, k) => 0.05 * (k + 1) - 0.025 * size);
  for (let k = size - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [values[k], values[j]] = [values[j], values[k]];
  }
  return tensor(values, { shape });
}

const maxPoolRouting = (name: "maxPool2dBackward" | "maxPool2dGather"): Sample[] =>
  poolCases.map((c, i) => ({
    label: c.label,
    inputs: [awayFromZero(name === "maxPool2dBackward" ? poolOutShape(c) : c.x, 80 + i), distinct(c.x, 90 + i)],
    attrs: poolAttrs(c),
  }));

export const convSamples: SampleTable = {
  conv2d: () => convCases.map((c, i) => ({ label: c.label, inputs: [awayFromZero(c.x, 10 + i), awayFromZero(c.w, 30 + i)], attrs: convAttrs(c) })),
  conv2dBackwardInput: () =>
    convCases.map((c, i) => ({
      label: c.label,
      inputs: [awayFromZero(convOutShape(c), 50 + i), awayFromZero(c.w, 30 + i)],
      attrs: { ...convAttrs(c), inputShape: c.x },
    })),
  conv2dBackwardWeight: () =>
    convCases.map((c, i) => ({
      label: c.label,
      inputs: [awayFromZero(c.x, 10 + i), awayFromZero(convOutShape(c), 50 + i)],
      attrs: { ...convAttrs(c), weightShape: c.w },
    })),
  maxPool2d: () => poolCases.map((c, i) => ({ label: c.label, inputs: [distinct(c.x, 90 + i)], attrs: poolAttrs(c) })),
  maxPool2dBackward: () => maxPoolRouting("maxPool2dBackward"),
  maxPool2dGather: () => maxPoolRouting("maxPool2dGather"),
  avgPool2d: () => poolCases.map((c, i) => ({ label: c.label, inputs: [awayFromZero(c.x, 70 + i)], attrs: poolAttrs(c) })),
  avgPool2dBackward: () =>
    poolCases.map((c, i) => ({ label: c.label, inputs: [awayFromZero(poolOutShape(c), 60 + i)], attrs: { ...poolAttrs(c), inputShape: c.x } })),
};
