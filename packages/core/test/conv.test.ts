import { describe, expect, it } from "vitest";
import {
  avgPool2d,
  conv1d,
  conv2d,
  grad,
  maxPool2d,
  mul,
  Random,
  sum,
  tanh,
  tensor,
  zeros,
  type Conv2dOptions,
  type Tensor,
} from "../src";
import { assertAllClose, gradcheck } from "../src/testing";
import { awayFromZero } from "./helpers";

const close = (actual: Tensor, expected: unknown, tolerance = { atol: 1e-12, rtol: 1e-12 }) =>
  assertAllClose(actual, tensor(expected as number[]), tolerance);

/** x[0, 0] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] and the kernel [[1, 2], [3, 4]], the running example. */
const x3 = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
const k2 = tensor([[[[1, 2], [3, 4]]]]);
/** x[0, 0][r][c] = 4r + c + 1, a 4 × 4 image of 1 … 16. */
const x4 = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);

describe("conv2d, computed by hand", () => {
  it("slides a 2 × 2 kernel over a 3 × 3 image without flipping it (a cross-correlation)", () => {
    // out[i, j] = 1·x[i, j] + 2·x[i, j+1] + 3·x[i+1, j] + 4·x[i+1, j+1]
    close(conv2d(x3, k2), [[[[1 + 4 + 12 + 20, 2 + 6 + 15 + 24], [4 + 10 + 21 + 32, 5 + 12 + 24 + 36]]]]);
  });

  it("differentiates sum(conv2d(x, w)): dx counts the kernel taps over each pixel, dw sums each window", () => {
    const [dx, dw] = grad((x: Tensor, w: Tensor) => sum(conv2d(x, w)))(x3, k2);
    // The corner pixels meet one tap, the edges two, the centre all four.
    close(dx, [[[[1, 1 + 2, 2], [1 + 3, 1 + 2 + 3 + 4, 2 + 4], [3, 3 + 4, 4]]]]);
    // dw[p, q] = Σ_{i, j} x[i + p, j + q]: the 2 × 2 block of x starting at (p, q).
    close(dw, [[[[1 + 2 + 4 + 5, 2 + 3 + 5 + 6], [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]]]]);
  });

  it("steps by the stride: stride 2 on a 4 × 4 image reads the four disjoint 2 × 2 blocks", () => {
    close(conv2d(x4, k2, { stride: 2 }), [[[[1 + 4 + 15 + 24, 3 + 8 + 21 + 32], [9 + 20 + 39 + 56, 11 + 24 + 45 + 64]]]]);
  });

  it("pads with zeros: padding 1 gives a 4 × 4 output whose border sees only part of the kernel", () => {
    close(conv2d(x3, k2, { padding: 1 }), [
      [
        [
          [4 * 1, 3 * 1 + 4 * 2, 3 * 2 + 4 * 3, 3 * 3],
          [2 * 1 + 4 * 4, 1 + 2 * 2 + 3 * 4 + 4 * 5, 2 + 2 * 3 + 3 * 5 + 4 * 6, 3 + 3 * 6],
          [2 * 4 + 4 * 7, 4 + 2 * 5 + 3 * 7 + 4 * 8, 5 + 2 * 6 + 3 * 8 + 4 * 9, 6 + 3 * 9],
          [2 * 7, 7 + 2 * 8, 8 + 2 * 9, 9],
        ],
      ],
    ]);
  });

  it("spaces the taps by the dilation: dilation 2 reads x[i, j], x[i, j+2], x[i+2, j], x[i+2, j+2]", () => {
    close(conv2d(x4, k2, { dilation: 2 }), [[[[1 + 3 * 2 + 9 * 3 + 11 * 4, 2 + 4 * 2 + 10 * 3 + 12 * 4], [5 + 7 * 2 + 13 * 3 + 15 * 4, 6 + 8 * 2 + 14 * 3 + 16 * 4]]]]);
  });

  it("convolves each channel group separately: groups 2 on 2 channels is depthwise", () => {
    const x = tensor([[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]); // [1, 2, 2, 2]
    const w = tensor([[[[1, 1], [1, 1]]], [[[1, 0], [0, -1]]]]); // [2, 1, 2, 2]
    // Output channel 0 sums channel 0; output channel 1 takes 5 − 8 from channel 1 alone.
    close(conv2d(x, w, { groups: 2 }), [[[[1 + 2 + 3 + 4]], [[5 - 8]]]]);
    // Without groups the same channels mix: w would need 2 input channels; with [2, 2, 2, 2] of the two kernels side by side:
    const mixing = tensor([[[[1, 1], [1, 1]], [[0, 0], [0, 0]]], [[[0, 0], [0, 0]], [[1, 0], [0, -1]]]]);
    close(conv2d(x, mixing), [[[[10]], [[-3]]]]);
  });

  it("pads 'same' with an even kernel by putting the extra row and column at the bottom and right, as PyTorch does", () => {
    // The total padding 1 goes below and right: the output is the padding-1 result without its first row and column.
    close(conv2d(x3, k2, { padding: "same" }), [[[[37, 47, 3 + 3 * 6], [67, 77, 6 + 3 * 9], [7 + 2 * 8, 8 + 2 * 9, 9]]]]);
    expect(conv2d(x3, k2, { padding: "valid" }).shape).toEqual([1, 1, 2, 2]);
    // With an odd kernel 'same' is symmetric; dilation 2 on a 2-tap kernel also gives an even total (2): one on each side.
    expect(conv2d(x4, k2, { padding: "same", dilation: 2 }).toArray()).toEqual(conv2d(x4, k2, { padding: 1, dilation: 2 }).toArray());
  });

  it("takes stride, padding and dilation as [h, w] pairs", () => {
    // stride [1, 2] on the 3 × 3 image: columns 0 and 2 would start windows, but only column 0 fits a 2-wide kernel.
    close(conv2d(x3, k2, { stride: [1, 2] }), [[[[37], [67]]]]);
    // padding [1, 0]: a zero row above and below, none at the sides.
    close(conv2d(x3, k2, { padding: [1, 0] }), [[[[3 + 4 * 2, 3 * 2 + 4 * 3], [37, 47], [67, 77], [7 + 2 * 8, 8 + 2 * 9]]]]);
  });
});

describe("conv1d", () => {
  const x = tensor([[[1, 2, 3, 4, 5]]]);
  const w = tensor([[[1, 0, -1]]]);

  it("slides the kernel along the one spatial axis", () => {
    close(conv1d(x, w), [[[1 - 3, 2 - 4, 3 - 5]]]);
  });

  it("takes stride, padding and dilation as numbers", () => {
    close(conv1d(x, w, { padding: 1 }), [[[0 - 2, 1 - 3, 2 - 4, 3 - 5, 4 - 0]]]);
    close(conv1d(x, w, { padding: 1, stride: 2 }), [[[-2, -2, 4]]]);
    // dilation 2 reads x[i], x[i+4]: one window fits.
    close(conv1d(x, w, { dilation: 2 }), [[[1 - 5]]]);
  });

  it("pads 'same' with an even kernel at the end", () => {
    close(conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1]]]), { padding: "same" }), [[[1 + 2, 2 + 3, 3 + 4, 4]]]);
  });

  it("groups channels, and its gradients match finite differences at first and second order", () => {
    const f = (a: Tensor, b: Tensor) => tanh(conv1d(a, b, { groups: 2, padding: 1, stride: 2 }));
    const inputs = [awayFromZero([2, 4, 6], 1), awayFromZero([4, 2, 3], 2)];
    expect(f(inputs[0], inputs[1]).shape).toEqual([2, 4, 3]);
    for (const order of [1, 2] as const) {
      const result = gradcheck(f, inputs, { order, atol: 1e-6, rtol: 1e-5 });
      expect(result.ok, result.summary).toBe(true);
    }
  });
});

// ---- An independent reference: the seven loops of the definition -----------------------

interface Resolved {
  stride: [number, number];
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  dilation: [number, number];
  groups: number;
}

/** out[n, o, i, j] = Σ_{c, p, q} x[n, g·Cg + c, i·s₀ + p·d₀ − top, j·s₁ + q·d₁ − left] · w[o, c, p, q], with plain loops. */
function referenceConv(x: Tensor, w: Tensor, r: Resolved): { out: Float64Array; shape: number[] } {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const OH = Math.floor((H + r.padTop + r.padBottom - r.dilation[0] * (KH - 1) - 1) / r.stride[0]) + 1;
  const OW = Math.floor((W + r.padLeft + r.padRight - r.dilation[1] * (KW - 1) - 1) / r.stride[1]) + 1;
  const Og = O / r.groups;
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let total = 0;
          for (let c = 0; c < Cg; c++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++) {
                const h = i * r.stride[0] + p * r.dilation[0] - r.padTop;
                const v = j * r.stride[1] + q * r.dilation[1] - r.padLeft;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                const channel = Math.floor(o / Og) * Cg + c;
                total += x.data[((n * C + channel) * H + h) * W + v] * w.data[((o * Cg + c) * KH + p) * KW + q];
              }
          out[((n * O + o) * OH + i) * OW + j] = total;
        }
  return { out, shape: [N, O, OH, OW] };
}

/** The gradients of Σ r ⊙ conv(x, w) with respect to x and w, from the same seven loops. */
function referenceGradients(x: Tensor, w: Tensor, cotangent: Tensor, r: Resolved): { dx: Float64Array; dw: Float64Array } {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [, , OH, OW] = cotangent.shape;
  const Og = O / r.groups;
  const dx = new Float64Array(x.size);
  const dw = new Float64Array(w.size);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const g = cotangent.data[((n * O + o) * OH + i) * OW + j];
          for (let c = 0; c < Cg; c++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++) {
                const h = i * r.stride[0] + p * r.dilation[0] - r.padTop;
                const v = j * r.stride[1] + q * r.dilation[1] - r.padLeft;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                const xAt = ((n * C + Math.floor(o / Og) * Cg + c) * H + h) * W + v;
                const wAt = ((o * Cg + c) * KH + p) * KW + q;
                dx[xAt] += g * w.data[wAt];
                dw[wAt] += g * x.data[xAt];
              }
        }
  return { dx, dw };
}

/** A random convolution problem that fits: shapes and options drawn from `rng`. */
function randomProblem(rng: Random, seed: number): { x: Tensor; w: Tensor; options: Conv2dOptions; resolved: Resolved } {
  for (;;) {
    const groups = 1 + rng.int(3);
    const [C, O] = [groups * (1 + rng.int(2)), groups * (1 + rng.int(2))];
    const [H, W] = [2 + rng.int(6), 2 + rng.int(6)];
    const [KH, KW] = [1 + rng.int(3), 1 + rng.int(3)];
    const stride: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
    const dilation: [number, number] = [1 + rng.int(2), 1 + rng.int(2)];
    const same = rng.uniform() < 0.25;
    const padding: [number, number] = [rng.int(3), rng.int(3)];
    if (same) stride.fill(1);
    const resolved: Resolved = same
      ? {
          stride,
          dilation,
          groups,
          padTop: Math.floor((dilation[0] * (KH - 1)) / 2),
          padBottom: Math.ceil((dilation[0] * (KH - 1)) / 2),
          padLeft: Math.floor((dilation[1] * (KW - 1)) / 2),
          padRight: Math.ceil((dilation[1] * (KW - 1)) / 2),
        }
      : { stride, dilation, groups, padTop: padding[0], padBottom: padding[0], padLeft: padding[1], padRight: padding[1] };
    if (dilation[0] * (KH - 1) + 1 > H + resolved.padTop + resolved.padBottom) continue;
    if (dilation[1] * (KW - 1) + 1 > W + resolved.padLeft + resolved.padRight) continue;
    const N = 1 + rng.int(3);
    return {
      x: awayFromZero([N, C, H, W], seed),
      w: awayFromZero([O, C / groups, KH, KW], seed + 1000),
      options: { stride, dilation, groups, padding: same ? "same" : padding },
      resolved,
    };
  }
}

describe("conv2d against the seven loops of its definition", () => {
  const rng = new Random(2024);
  const problems = Array.from({ length: 40 }, (_, k) => randomProblem(rng, k));

  it.each(problems.map((p, k) => [k, JSON.stringify(p.options), p] as const))("problem %i, %s: the same output and gradients", (_, __, p) => {
    const { out, shape } = referenceConv(p.x, p.w, p.resolved);
    const y = conv2d(p.x, p.w, p.options);
    assertAllClose(y, tensor(out, { shape }), { atol: 1e-12, rtol: 1e-12 });
    const cotangent = awayFromZero(shape, 77);
    const [dx, dw] = grad((a: Tensor, b: Tensor) => sum(mul(conv2d(a, b, p.options), cotangent)))(p.x, p.w);
    const expected = referenceGradients(p.x, p.w, cotangent, p.resolved);
    assertAllClose(dx, tensor(expected.dx, { shape: [...p.x.shape] }), { atol: 1e-12, rtol: 1e-12 });
    assertAllClose(dw, tensor(expected.dw, { shape: [...p.w.shape] }), { atol: 1e-12, rtol: 1e-12 });
  });

  it("agrees on batches split into several column matrices (the last one a single image), in float32 too", () => {
    // 4 channels × 3 × 3 taps × 30 × 30 outputs: about 32 images fill one column matrix, so 33 need two.
    const x = awayFromZero([33, 4, 32, 32], 5);
    const w = awayFromZero([2, 4, 3, 3], 6);
    const resolved: Resolved = { stride: [1, 1], dilation: [1, 1], groups: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
    const { out, shape } = referenceConv(x, w, resolved);
    assertAllClose(conv2d(x, w), tensor(out, { shape }), { atol: 1e-11, rtol: 1e-11 });
    const cotangent = awayFromZero(shape, 7);
    const [dx, dw] = grad((a: Tensor, b: Tensor) => sum(mul(conv2d(a, b), cotangent)))(x, w);
    const expected = referenceGradients(x, w, cotangent, resolved);
    assertAllClose(dx, tensor(expected.dx, { shape: [...x.shape] }), { atol: 1e-11, rtol: 1e-11 });
    assertAllClose(dw, tensor(expected.dw, { shape: [...w.shape] }), { atol: 1e-9, rtol: 1e-11 });
    const x32 = tensor(x, { dtype: "float32" });
    const w32 = tensor(w, { dtype: "float32" });
    const y32 = conv2d(x32, w32);
    expect(y32.dtype).toBe("float32");
    assertAllClose(y32, tensor(out, { shape }), { atol: 1e-4, rtol: 1e-4 });
  });

  it("composes with other ops at second order: tanh(conv2d) through maxPool2d", () => {
    const f = (a: Tensor, b: Tensor) => maxPool2d(tanh(conv2d(a, b, { padding: 1, stride: [1, 2], groups: 2 })), { kernelSize: 2, stride: 1 });
    const inputs = [awayFromZero([1, 2, 4, 5], 3), awayFromZero([2, 1, 3, 2], 4)];
    for (const order of [1, 2] as const) {
      const result = gradcheck(f, inputs, { order, atol: 1e-6, rtol: 1e-5 });
      expect(result.ok, result.summary).toBe(true);
    }
  });
});

describe("maxPool2d", () => {
  it("takes each window's maximum, stride defaulting to the kernel size", () => {
    close(maxPool2d(x4, { kernelSize: 2 }), [[[[6, 8], [14, 16]]]]);
    close(maxPool2d(x4, { kernelSize: 3, stride: 1 }), [[[[11, 12], [15, 16]]]]);
    close(maxPool2d(x4, { kernelSize: [1, 2] }), [[[[2, 4], [6, 8], [10, 12], [14, 16]]]]);
  });

  it("pads with −∞, never with zeros: a negative image keeps its values", () => {
    const x = tensor([[[[-1, -2], [-3, -4]]]]);
    // Each window of the padded image holds one element of x.
    close(maxPool2d(x, { kernelSize: 2, padding: 1 }), [[[[-1, -2], [-3, -4]]]]);
  });

  it("routes the gradient to the first maximal element of a window (rows, then columns), not split between ties", () => {
    const x = tensor([[[[1, 3], [3, 2]]]]);
    close(grad((v: Tensor) => sum(maxPool2d(v, { kernelSize: 2 })))(x)[0], [[[[0, 1], [0, 0]]]]);
    const flat = tensor([[[[5, 5], [5, 5]]]]);
    close(grad((v: Tensor) => sum(maxPool2d(v, { kernelSize: 2 })))(flat)[0], [[[[1, 0], [0, 0]]]]);
  });

  it("adds up the gradient of an element that is the maximum of several overlapping windows", () => {
    // 3 × 3 with its maximum in the centre: all four 2 × 2 windows of stride 1 pick it.
    const x = tensor([[[[1, 2, 1], [2, 9, 2], [1, 2, 1]]]]);
    const g = tensor([[[[1, 2], [3, 4]]]]);
    close(grad((v: Tensor) => sum(mul(maxPool2d(v, { kernelSize: 2, stride: 1 }), g)))(x)[0], [[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]]);
  });

  it("has a gradient of the gradient that gathers at the same positions", () => {
    // d/dx of Σ v ⊙ dx, where dx routes g to the argmax: zero in x (piecewise constant), and the routing itself is linear in g.
    const x = tensor([[[[1, 4], [3, 2]]]]);
    const [dx] = grad((v: Tensor) => {
      const [inner] = grad((u: Tensor) => sum(mul(maxPool2d(u, { kernelSize: 2 }), 3)))(v);
      return sum(mul(inner, v));
    })(x);
    // inner = [[0, 3], [0, 0]] whatever x is (near x); Σ inner ⊙ v has gradient inner.
    close(dx, [[[[0, 3], [0, 0]]]]);
  });
});

describe("avgPool2d", () => {
  it("averages each window", () => {
    close(avgPool2d(x4, { kernelSize: 2 }), [[[[3.5, 5.5], [11.5, 13.5]]]]);
  });

  it("counts the padding as zeros: every window is divided by kH·kW", () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    // Each window of the padded image holds one element and three zeros.
    close(avgPool2d(x, { kernelSize: 2, padding: 1 }), [[[[1 / 4, 2 / 4], [3 / 4, 4 / 4]]]]);
    // 3 × 3 windows of stride 1 on the 3 × 3 image padded by 1: the corner window holds 1, 2, 4, 5 and five zeros.
    close(avgPool2d(x3, { kernelSize: 3, stride: 1, padding: 1 }), [
      [
        [
          [(1 + 2 + 4 + 5) / 9, (1 + 2 + 3 + 4 + 5 + 6) / 9, (2 + 3 + 5 + 6) / 9],
          [(1 + 2 + 4 + 5 + 7 + 8) / 9, 45 / 9, (2 + 3 + 5 + 6 + 8 + 9) / 9],
          [(4 + 5 + 7 + 8) / 9, (4 + 5 + 6 + 7 + 8 + 9) / 9, (5 + 6 + 8 + 9) / 9],
        ],
      ],
    ]);
  });

  it("spreads g/(kH·kW) over each window in the gradient, the padding's share dropped", () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    close(grad((v: Tensor) => sum(avgPool2d(v, { kernelSize: 2, padding: 1 })))(x)[0], [[[[0.25, 0.25], [0.25, 0.25]]]]);
    // Overlapping windows add up: in a 3 × 3 image with 2 × 2 windows of stride 1 the centre is in all four.
    close(grad((v: Tensor) => sum(avgPool2d(v, { kernelSize: 2, stride: 1 })))(x3)[0], [[[[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]]]);
  });
});

describe("errors", () => {
  const x = zeros([1, 3, 5, 5]);
  const w = zeros([4, 3, 3, 3]);

  it("names both shapes when the channels do not match", () => {
    expect(() => conv2d(x, zeros([4, 2, 3, 3]))).toThrow(
      "conv2d: x has shape [1, 3, 5, 5] with 3 channels, but w has shape [4, 2, 3, 3], which expects 2 channels; w's axis 1 must be x's channels divided by groups",
    );
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([4, 1, 3, 3]), { groups: 2 })).toThrow(
      "conv2d: x has shape [1, 4, 5, 5] with 4 channels, but w has shape [4, 1, 3, 3], which expects 1·2 = 2 channels (w's axis 1 times groups)",
    );
    expect(() => conv1d(zeros([1, 3, 5]), zeros([2, 2, 3]))).toThrow("conv1d: x has shape [1, 3, 5] with 3 channels, but w has shape [2, 2, 3]");
  });

  it("refuses groups that do not divide the channels", () => {
    expect(() => conv2d(x, zeros([4, 1, 3, 3]), { groups: 2 })).toThrow("conv2d: groups=2 does not divide the 3 input channels of x (shape [1, 3, 5, 5])");
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([3, 2, 3, 3]), { groups: 2 })).toThrow(
      "conv2d: groups=2 does not divide the 3 output channels of w (shape [3, 2, 3, 3], axis 0)",
    );
    expect(() => conv2d(x, w, { groups: 0 })).toThrow("conv2d: groups must be a positive integer, got 0");
    expect(() => conv2d(x, w, { groups: 1.5 })).toThrow("conv2d: groups must be a positive integer, got 1.5");
  });

  it("refuses a kernel larger than the padded input", () => {
    expect(() => conv2d(zeros([1, 3, 2, 5]), w)).toThrow(
      "conv2d: the kernel's height spans 3 (size 3, dilation 1) but the padded input's height is only 2 (2 plus padding 0); use a smaller kernel or dilation, or more padding",
    );
    expect(() => conv2d(x, w, { dilation: [1, 3] })).toThrow("conv2d: the kernel's width spans 7 (size 3, dilation 3) but the padded input's width is only 5");
    expect(conv2d(x, w, { dilation: [1, 3], padding: [0, 1] }).shape).toEqual([1, 4, 3, 1]);
    expect(() => conv1d(zeros([1, 1, 2]), zeros([1, 1, 3]))).toThrow("conv1d: the kernel's length spans 3");
  });

  it("refuses bad option values, naming the option and the value", () => {
    expect(() => conv2d(x, w, { stride: 0 })).toThrow("conv2d: stride must be a positive integer or a pair [h, w] of them, got 0");
    expect(() => conv2d(x, w, { stride: [1, 1.5] })).toThrow("conv2d: stride must be a positive integer or a pair [h, w] of them, got [1,1.5]");
    expect(() => conv2d(x, w, { stride: [1, 1, 1] as unknown as [number, number] })).toThrow("conv2d: stride must be");
    expect(() => conv2d(x, w, { dilation: 0 })).toThrow("conv2d: dilation must be a positive integer or a pair [h, w] of them, got 0");
    expect(() => conv2d(x, w, { padding: -1 })).toThrow("conv2d: padding must be a non-negative integer or a pair [h, w] of them, got -1");
    expect(() => conv2d(x, w, { padding: "full" as "same" })).toThrow("conv2d: padding must be 'same', 'valid', a non-negative integer or a pair [h, w] of them, got 'full'");
    expect(() => conv2d(x, w, { padding: "same", stride: 2 })).toThrow("conv2d: padding 'same' needs stride 1 (as in PyTorch), got stride 2");
    expect(() => conv1d(zeros([1, 3, 5]), zeros([2, 3, 3]), { stride: [1, 2] as unknown as number })).toThrow("conv1d: stride must be a positive integer, got [1,2]");
    expect(() => conv1d(zeros([1, 3, 5]), zeros([2, 3, 3]), { padding: "full" as "same" })).toThrow("conv1d: padding must be 'same', 'valid', a non-negative integer, got 'full'");
  });

  it("refuses inputs of the wrong rank or dtype", () => {
    expect(() => conv2d(zeros([3, 5, 5]), w)).toThrow("conv2d: x must be 4-D, [N, C, H, W], got shape [3, 5, 5]");
    expect(() => conv2d(x, zeros([3, 3, 3]))).toThrow("conv2d: w must be 4-D, [O, C/groups, kH, kW], got shape [3, 3, 3]");
    expect(() => conv1d(x, w)).toThrow("conv1d: x must be 3-D, [N, C, L], got shape [1, 3, 5, 5]");
    expect(() => conv2d(x, zeros([4, 3, 3, 3], { dtype: "float32" }))).toThrow("conv2d: inputs have different dtypes (float64 and float32");
    expect(() => conv2d(zeros([1, 3, 5, 5], { dtype: "int32" }), zeros([4, 3, 3, 3], { dtype: "int32" }))).toThrow("conv2d: input 0 ('x') is int32");
    expect(() => maxPool2d(zeros([5, 5]), { kernelSize: 2 })).toThrow("maxPool2d: x must be 4-D, [N, C, H, W], got shape [5, 5]");
  });

  it("checks pooling options as PyTorch does", () => {
    expect(() => maxPool2d(x, undefined as unknown as { kernelSize: number })).toThrow("maxPool2d: give a kernelSize, e.g. maxPool2d(x, { kernelSize: 2 })");
    expect(() => avgPool2d(x, { kernelSize: 0 })).toThrow("avgPool2d: kernelSize must be a positive integer or a pair [h, w] of them, got 0");
    expect(() => maxPool2d(x, { kernelSize: 2, stride: 0 })).toThrow("maxPool2d: stride must be a positive integer or a pair [h, w] of them, got 0");
    expect(() => maxPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(
      "maxPool2d: padding 2 is more than half the kernel size 3 along the height (PyTorch's rule: padding ≤ kernelSize/2)",
    );
    expect(() => avgPool2d(x, { kernelSize: [2, 3], padding: [1, 2] })).toThrow("avgPool2d: padding 2 is more than half the kernel size 3 along the width");
    expect(() => avgPool2d(x, { kernelSize: 2, padding: -1 })).toThrow("avgPool2d: padding must be a non-negative integer or a pair [h, w] of them, got -1");
    expect(() => maxPool2d(x, { kernelSize: 6 })).toThrow(
      "maxPool2d: the window 6 × 6 does not fit the input 5 × 5 (x has shape [1, 3, 5, 5]) with padding 0 × 0; use a smaller kernel or more padding",
    );
    expect(maxPool2d(x, { kernelSize: 6, padding: 3 }).shape).toEqual([1, 3, 1, 1]);
  });
});
