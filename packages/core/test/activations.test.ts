import { describe, expect, it } from "vitest";
import {
  cos,
  elu,
  erf,
  expm1,
  gelu,
  grad,
  leakyRelu,
  log1p,
  pow,
  silu,
  sin,
  softplus,
  sum,
  tensor,
  type Tensor,
} from "../src";
import { assertAllClose } from "../src/testing";

// Hand-computed values and closed-form derivatives of the element-wise functions and
// activations. The gradient checks by finite differences are in op-gradients.test.ts.

type Unary = (x: Tensor) => Tensor;

/** The element-wise derivative of an element-wise f: the gradient of Σ f(x). */
const d = (f: Unary): Unary => (x) => grad((y: Tensor) => sum(f(y)))(x)[0];

const close = (actual: Tensor, expected: number[], rtol = 1e-14, atol = 1e-15) =>
  assertAllClose(actual, tensor(expected, { dtype: actual.dtype }), { atol, rtol });

const SQRT_PI = Math.sqrt(Math.PI);
const sigma = (x: number) => 1 / (1 + Math.exp(-x));
/** The standard normal density. */
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

describe("erf", () => {
  it("takes its closed values: erf(0) = 0, erf(±∞) = ±1, NaN stays NaN", () => {
    expect(Array.from(erf(tensor([0, Infinity, -Infinity, NaN])).data)).toEqual([0, 1, -1, NaN]);
    expect(Object.is(erf(tensor([-0])).data[0], -0)).toBe(true);
  });

  it("matches tabulated values to within an ulp", () => {
    // Correctly rounded float64 values of erf.
    const table: Array<[number, number]> = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-1.5, -0.9661051464753108],
    ];
    const out = erf(tensor(table.map(([x]) => x)));
    table.forEach(([, expected], i) => expect(Math.abs(out.data[i] - expected)).toBeLessThanOrEqual(Math.abs(expected) * 2.3e-16));
  });

  it("is (2/√π)·x for tiny x, down to subnormal numbers", () => {
    close(erf(tensor([1e-10, -1e-10, 1e-300])), [(2 / SQRT_PI) * 1e-10, (-2 / SQRT_PI) * 1e-10, (2 / SQRT_PI) * 1e-300], 2.3e-16, 0);
    expect(erf(tensor([5e-324])).data[0]).toBe(5e-324);
  });

  it("is odd", () => {
    const xs = Array.from({ length: 80 }, (_, i) => 0.1 * i + 0.013);
    const positive = erf(tensor(xs)).data;
    const negative = erf(tensor(xs.map((x) => -x))).data;
    xs.forEach((_, i) => expect(negative[i]).toBe(-positive[i]));
  });

  it("agrees with its Maclaurin series for |x| ≤ 1.5 and with erfc's continued fraction for x ≥ 3", () => {
    // erf x = (2/√π)·Σ (−1)ⁿ x²ⁿ⁺¹ / (n!(2n + 1))
    const series = (x: number) => {
      let term = x;
      let total = x;
      for (let n = 1; n < 60; n++) {
        term *= (-x * x) / n;
        total += term / (2 * n + 1);
      }
      return (2 / SQRT_PI) * total;
    };
    // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated from the tail
    const erfc = (x: number) => {
      let fraction = x;
      for (let k = 120; k >= 1; k--) fraction = x + k / 2 / fraction;
      return Math.exp(-x * x) / SQRT_PI / fraction;
    };
    const small = Array.from({ length: 31 }, (_, i) => -1.5 + 0.1 * i);
    close(erf(tensor(small)), small.map(series), 1e-15, 1e-16);
    const large = [3, 3.5, 4, 4.7, 5.5, 5.99, 6, 7, 27];
    close(erf(tensor(large)), large.map((x) => 1 - erfc(x)), 1e-16, 0);
  });

  it("is continuous across the boundaries of its approximation intervals", () => {
    for (const boundary of [0.84375, 1.25, 2.8571414947509766, 6]) {
      const below = boundary * (1 - 2 ** -50);
      const [a, b] = Array.from(erf(tensor([below, boundary])).data);
      // The slope there is at most 2/√π·e^(−0.71): the values differ by about that times the step.
      expect(Math.abs(b - a)).toBeLessThan(1e-14);
      expect(b).toBeGreaterThanOrEqual(a);
    }
  });

  it("has derivative (2/√π)·e^(−x²) and second derivative −2x·(2/√π)·e^(−x²)", () => {
    const xs = [-2, -0.5, 0, 0.7, 1.1, 3];
    close(d(erf)(tensor(xs)), xs.map((x) => (2 / SQRT_PI) * Math.exp(-x * x)));
    close(d(d(erf))(tensor(xs)), xs.map((x) => -2 * x * (2 / SQRT_PI) * Math.exp(-x * x)));
  });
});

describe("log1p, expm1, sin, cos", () => {
  it("take hand-computed values", () => {
    // ln(1 + x) = x − x²/2 + …, eˣ − 1 = x + x²/2 + …: exact to double precision at x = 1e-10.
    close(log1p(tensor([0, 1e-10, Math.E - 1, -0.5])), [0, 1e-10 - 5e-21, 1, -Math.LN2]);
    close(expm1(tensor([0, 1e-10, 1, Math.LN2])), [0, 1e-10 + 5e-21, Math.E - 1, 1]);
    close(sin(tensor([0, Math.PI / 6, Math.PI / 2, -Math.PI / 2])), [0, 0.5, 1, -1]);
    close(cos(tensor([0, Math.PI / 3, Math.PI])), [1, 0.5, -1]);
  });

  it("have the closed-form derivatives 1/(1 + x), eˣ, cos x, −sin x", () => {
    const xs = [-0.5, 0, 0.3, 2];
    close(d(log1p)(tensor(xs)), xs.map((x) => 1 / (1 + x)));
    close(d(expm1)(tensor(xs)), xs.map((x) => Math.exp(x)));
    close(d(sin)(tensor(xs)), xs.map((x) => Math.cos(x)));
    close(d(cos)(tensor(xs)), xs.map((x) => -Math.sin(x)));
    close(d(d(sin))(tensor(xs)), xs.map((x) => -Math.sin(x)));
    close(d(d(log1p))(tensor(xs)), xs.map((x) => -1 / (1 + x) ** 2));
  });
});

describe("leakyRelu", () => {
  it("is x for x > 0 and slope·x otherwise, slope 0.01 by default", () => {
    close(leakyRelu(tensor([-2, 0, 3])), [-0.02, 0, 3]);
    close(leakyRelu(tensor([-2, 0, 3]), 0.2), [-0.4, 0, 3]);
    close(leakyRelu(tensor([-2, 3]), -1), [2, 3]);
  });

  it("has derivative 1 for x > 0 and slope for x ≤ 0 (slope at 0, as PyTorch), and second derivative 0", () => {
    expect(Array.from(d(leakyRelu)(tensor([-2, 0, 3])).data)).toEqual([0.01, 0.01, 1]);
    expect(Array.from(d((x) => leakyRelu(x, 0.3))(tensor([-2, 0, 3])).data)).toEqual([0.3, 0.3, 1]);
    expect(Array.from(d(d(leakyRelu))(tensor([-2, 3])).data)).toEqual([0, 0]);
  });
});

describe("elu", () => {
  it("is x for x > 0 and α·(eˣ − 1) otherwise, α = 1 by default", () => {
    close(elu(tensor([-1, 0, 2])), [Math.exp(-1) - 1, 0, 2]);
    close(elu(tensor([-1, -1000]), 2), [2 * (Math.exp(-1) - 1), -2]);
  });

  it("has derivative 1 for x > 0 and α·eˣ for x ≤ 0 (α at 0, as PyTorch), finite for large x", () => {
    close(d(elu)(tensor([-1, 0, 2, 1000])), [Math.exp(-1), 1, 1, 1]);
    close(d((x) => elu(x, 0.5))(tensor([-1, 0, 2])), [0.5 * Math.exp(-1), 0.5, 1]);
    close(d(d((x) => elu(x, 0.5)))(tensor([-1, -3, 2, 1000])), [0.5 * Math.exp(-1), 0.5 * Math.exp(-3), 0, 0]);
  });
});

describe("gelu", () => {
  it("is x·Φ(x), exactly by default and with the tanh approximation on request", () => {
    // Φ(1) = 0.8413447460685429; gelu(−1) = −Φ(−1) = −(1 − Φ(1)).
    close(gelu(tensor([0, 1, -1])), [0, 0.8413447460685429, -(1 - 0.8413447460685429)]);
    close(gelu(tensor([0, 1]), { approximate: "none" }), [0, 0.8413447460685429]);
    close(gelu(tensor([0, 1]), { approximate: "tanh" }), [0, 0.8411919906082768]);
    close(gelu(tensor([-40, 40])), [0, 40]);
  });

  it("has derivative Φ(x) + x·φ(x), or that of the approximation", () => {
    const xs = [-2, -0.5, 0, 1, 2.5];
    const cdf = (x: number) => 0.5 * (1 + Number(erf(tensor([x / Math.SQRT2])).data[0]));
    close(d(gelu)(tensor([1, 0])), [0.8413447460685429 + phi(1), 0.5]);
    close(d(gelu)(tensor(xs)), xs.map((x) => cdf(x) + x * phi(x)));
    // d/dx Φ + xφ = 2φ − x²φ
    close(d(d(gelu))(tensor(xs)), xs.map((x) => (2 - x * x) * phi(x)), 1e-13);
    const beta = Math.sqrt(2 / Math.PI);
    const kappa = 0.044715;
    const tanhDerivative = (x: number) => {
      const t = Math.tanh(beta * (x + kappa * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * beta * (1 + 3 * kappa * x * x);
    };
    close(d((x) => gelu(x, { approximate: "tanh" }))(tensor(xs)), xs.map(tanhDerivative));
  });

  it("refuses an unknown approximation and options that are not an object", () => {
    expect(() => gelu(tensor([1]), { approximate: "exact" as never })).toThrow("gelu: approximate must be 'none' or 'tanh', got 'exact'");
    expect(() => gelu(tensor([1]), { approximate: true as never })).toThrow("gelu: approximate must be 'none' or 'tanh', got true");
    expect(() => gelu(tensor([1]), "tanh" as never)).toThrow("gelu: options must be an object such as { approximate: 'tanh' }, got tanh");
    expect(() => gelu(tensor([1]), null as never)).toThrow("gelu: options must be an object such as { approximate: 'tanh' }, got null");
  });
});

describe("softplus", () => {
  it("is ln(1 + eˣ) without overflow or lost values", () => {
    close(softplus(tensor([0, 1, -1, 1000, -1000, 30, -30])), [
      Math.LN2,
      Math.log(1 + Math.E),
      Math.log(1 + Math.exp(-1)),
      1000,
      0,
      30, // beyond PyTorch's threshold of 20, x itself
      // ln(1 + ε) = ε − ε²/2 to double precision for ε = e⁻³⁰
      Math.exp(-30) - Math.exp(-60) / 2,
    ], 1e-15, 0);
    expect(Array.from(softplus(tensor([Infinity, -Infinity])).data)).toEqual([Infinity, 0]);
  });

  it("switches to x beyond 20 with gradient 1 there, as PyTorch's threshold does", () => {
    close(softplus(tensor([20, 20.5])), [Math.log1p(Math.exp(20)), 20.5], 1e-15, 0);
    expect(Array.from(d(softplus)(tensor([20.5, 25])).data)).toEqual([1, 1]);
    close(d(softplus)(tensor([20])), [sigma(20)], 1e-15, 0);
  });

  it("has derivative σ(x) and second derivative σ(x)(1 − σ(x)), finite at ±1000", () => {
    const xs = [-1000, -3, 0, 2, 1000];
    close(d(softplus)(tensor(xs)), xs.map(sigma));
    close(d(d(softplus))(tensor(xs)), xs.map((x) => sigma(x) * (1 - sigma(x))));
  });
});

describe("silu", () => {
  it("is x·σ(x)", () => {
    close(silu(tensor([0, 1, -1, 1000])), [0, 0.7310585786300049, -1 + 0.7310585786300049, 1000]);
    const far = silu(tensor([-1000])).data[0];
    expect(far).toBe(-0);
  });

  it("has derivative σ(x)·(1 + x·(1 − σ(x)))", () => {
    const xs = [-4, -1, 0, 1, 3];
    close(d(silu)(tensor(xs)), xs.map((x) => sigma(x) * (1 + x * (1 - sigma(x)))));
    close(d(silu)(tensor([0, 1000, -1000])), [0.5, 1, 0]);
    // d²/dx² x·σ(x) = σ'(x)·(2 + x·(1 − 2σ(x))), σ' = σ(1 − σ)
    close(d(d(silu))(tensor(xs)), xs.map((x) => sigma(x) * (1 - sigma(x)) * (2 + x * (1 - 2 * sigma(x)))), 1e-13);
  });
});

describe("attributes, dtypes", () => {
  it("refuses a slope or alpha that is not a finite number", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => leakyRelu(tensor([1]), bad)).toThrow(`leakyRelu: slope must be a finite number, got ${bad}`);
      expect(() => elu(tensor([1]), bad)).toThrow(`elu: alpha must be a finite number, got ${bad}`);
    }
    expect(() => leakyRelu(tensor([1]), "0.1" as never)).toThrow("leakyRelu: slope must be a finite number, got '0.1'");
    expect(() => elu(tensor([1]), null as never)).toThrow("elu: alpha must be a finite number, got null");
  });

  const ops: Array<[string, Unary]> = [
    ["log1p", log1p],
    ["expm1", expm1],
    ["sin", sin],
    ["cos", cos],
    ["erf", erf],
    ["leakyRelu", (x) => leakyRelu(x)],
    ["elu", (x) => elu(x)],
    ["gelu", (x) => gelu(x)],
    ["gelu", (x) => gelu(x, { approximate: "tanh" })],
    ["softplus", softplus],
    ["silu", silu],
  ];

  it.each(ops)("%s works in float32, values and gradients", (_, f) => {
    const values = [-0.9, -0.3, 0.2, 0.7, 1.6];
    const x32 = tensor(values, { dtype: "float32" });
    const x64 = tensor(values);
    const out = f(x32);
    const dx = d(f)(x32);
    expect(out.dtype).toBe("float32");
    expect(dx.dtype).toBe("float32");
    assertAllClose(out, tensor(Array.from(f(x64).data), { dtype: "float32" }), { atol: 1e-7, rtol: 1e-6 });
    assertAllClose(dx, tensor(Array.from(d(f)(x64).data), { dtype: "float32" }), { atol: 1e-7, rtol: 1e-6 });
  });

  it.each(ops)("%s refuses int32 with the standard message", (name, f) => {
    expect(() => f(tensor([1, 2], { dtype: "int32" }))).toThrow(
      `${name}: input 0 ('x') is int32, which holds indices and labels and takes no part in arithmetic or gradients; ` +
        `convert it with astype(x, 'float64') (or 'float32') first`,
    );
  });
});

describe("pow at x = 0, where an exponent reaches 0", () => {
  const at = (...xs: number[]) => tensor(xs);

  it("gives x⁰ = 1 and d/dx x⁰ = 0 everywhere, x = 0 included", () => {
    expect(Array.from(pow(at(0, 2, -3), 0).data)).toEqual([1, 1, 1]);
    expect(Array.from(d((x) => pow(x, 0))(at(0, 2, -3)).data)).toEqual([0, 0, 0]);
  });

  it("gives d/dx x = 1 and d²/dx² x = 0 at 0", () => {
    expect(Array.from(d((x) => pow(x, 1))(at(0, 2)).data)).toEqual([1, 1]);
    expect(Array.from(d(d((x) => pow(x, 1)))(at(0, 2)).data)).toEqual([0, 0]);
  });

  it("gives d²/dx² x² = 2 and d³/dx³ x² = 0 at 0", () => {
    expect(Array.from(d(d((x) => pow(x, 2)))(at(0, 1.5)).data)).toEqual([2, 2]);
    expect(Array.from(d(d(d((x) => pow(x, 2))))(at(0, 1.5)).data)).toEqual([0, 0]);
  });

  it("gives d²/dx² x³ = 6x (0 at 0) and d³/dx³ x³ = 6", () => {
    expect(Array.from(d(d((x) => pow(x, 3)))(at(0, 2)).data)).toEqual([0, 12]);
    expect(Array.from(d(d(d((x) => pow(x, 3))))(at(0, 2)).data)).toEqual([6, 6]);
  });
});
