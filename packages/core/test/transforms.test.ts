import { describe, expect, it } from "vitest";
import { add, exp, grad, hessian, hvp, jacobian, jvp, matmul, mul, pow, randn, reshape, sin, sum, tanh, tensor, type Tensor } from "../src";
import { assertAllClose } from "../src/testing";

// Each transform is checked against central finite differences (an independent oracle)
// and against the others: the Hessian is the Jacobian of the gradient, H·v equals hvp,
// and J·t equals jvp.

const eps = 1e-6;

/** Central differences of f at x along the direction t: (f(x + εt) − f(x − εt)) / 2ε. */
function directional(f: (x: Tensor) => Tensor, x: Tensor, t: Tensor): Tensor {
  const plus = f(add(x, mul(t, eps)));
  const minus = f(add(x, mul(t, -eps)));
  return tensor(Float64Array.from(plus.data, (v, i) => (v - minus.data[i]) / (2 * eps)), { shape: plus.shape });
}

/** The Jacobian by central differences, entry by entry: shape out.shape + x.shape. */
function numericJacobian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  const out = f(x);
  const J = new Float64Array(out.size * x.size);
  for (let j = 0; j < x.size; j++) {
    const basis = new Float64Array(x.size);
    basis[j] = 1;
    const column = directional(f, x, tensor(basis, { shape: x.shape }));
    for (let i = 0; i < out.size; i++) J[i * x.size + j] = column.data[i];
  }
  return tensor(J, { shape: [...out.shape, ...x.shape] });
}

const W = randn([3, 4], { seed: 1 });
const layer = (x: Tensor) => tanh(matmul(W, reshape(x, [4, 1]))); // R⁴ → R^{3×1}
const scalarFn = (x: Tensor) => sum(mul(exp(mul(x, 0.3)), sin(x))); // R^{2×2} → R

describe("jvp", () => {
  it("gives f(x) and J·t, matching central differences", () => {
    const x = randn([4], { seed: 2 });
    const t = randn([4], { seed: 3 });
    const { out, tangent } = jvp(layer, [x], [t]);
    assertAllClose(out, layer(x), { rtol: 0, atol: 0 });
    assertAllClose(tangent, directional(layer, x, t), { rtol: 1e-7, atol: 1e-9 });
  });

  it("of x ↦ x² along t is 2x·t exactly", () => {
    const { tangent } = jvp((x: Tensor) => mul(x, x), [tensor([1, 2, 3])], [tensor([1, 0, 1])]);
    expect(tangent.toArray()).toEqual([2, 0, 6]);
  });

  it("sums the directions of several primals", () => {
    const f = (a: Tensor, b: Tensor) => mul(a, b);
    const { tangent } = jvp(f, [tensor([2, 3]), tensor([5, 7])], [tensor([1, 1]), tensor([10, 0])]);
    expect(tangent.toArray()).toEqual([1 * 5 + 2 * 10, 1 * 7 + 3 * 0]); // b·ta + a·tb
  });

  it("refuses tangents of another shape, naming both", () => {
    expect(() => jvp(layer, [tensor([1, 2, 3, 4])], [tensor([1, 2])])).toThrow(
      "jvp: tangent 0 has shape [2] (float64), but primal 0 has shape [4] (float64); they must match",
    );
  });
});

describe("jacobian, hessian and hvp", () => {
  it("the Jacobian matches central differences, with shape out.shape + x.shape", () => {
    const x = randn([4], { seed: 4 });
    const J = jacobian(layer)(x);
    expect(J.shape).toEqual([3, 1, 4]);
    assertAllClose(J, numericJacobian(layer, x), { rtol: 1e-7, atol: 1e-9 });
  });

  it("the Jacobian of x ↦ x² is diag(2x)", () => {
    expect(jacobian((x: Tensor) => mul(x, x))(tensor([1, 2])).toArray()).toEqual([[2, 0], [0, 4]]);
  });

  it("the Hessian equals the Jacobian of the gradient, by finite differences too, and is symmetric", () => {
    const x = randn([2, 2], { seed: 5 });
    const H = hessian(scalarFn)(x);
    expect(H.shape).toEqual([2, 2, 2, 2]);
    assertAllClose(H, numericJacobian((y) => grad(scalarFn)(y)[0], x), { rtol: 1e-6, atol: 1e-8 });
    const flat = reshape(H, [4, 4]).toArray() as number[][];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(flat[i][j]).toBeCloseTo(flat[j][i], 12);
  });

  it("the Hessian of Σ x³ is diag(6x)", () => {
    expect(hessian((x: Tensor) => sum(pow(x, 3)))(tensor([1, 2])).toArray()).toEqual([[6, 0], [0, 12]]);
  });

  it("hvp equals H·v, and the jvp of the gradient", () => {
    const x = randn([2, 2], { seed: 6 });
    const v = randn([2, 2], { seed: 7 });
    const Hv = hvp(scalarFn, x, v);
    const H = reshape(hessian(scalarFn)(x), [4, 4]);
    assertAllClose(Hv, reshape(matmul(H, reshape(v, [4, 1])), [2, 2]), { rtol: 1e-12, atol: 1e-14 });
    assertAllClose(Hv, jvp((y: Tensor) => grad(scalarFn)(y)[0], [x], [v]).tangent, { rtol: 1e-12, atol: 1e-14 });
    assertAllClose(Hv, directional((y) => grad(scalarFn)(y)[0], x, v), { rtol: 1e-6, atol: 1e-8 });
  });
});
