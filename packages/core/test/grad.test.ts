import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import {
  add,
  exp,
  grad,
  matmul,
  mul,
  noGrad,
  randn,
  sigmoid,
  softmaxCrossEntropy,
  square,
  stopGradient,
  sub,
  sum,
  tanh,
  tensor,
  valueAndGrad,
  vjp,
  type Tensor,
} from "../src";
import { assertAllClose } from "../src/testing";

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

describe("valueAndGrad and grad", () => {
  it("differentiates f(g1(x), g2(x)) = 2g1 + g2 with g1 = x², g2 = x: fan-out accumulates to 4x + 1", () => {
    const f = (x: Tensor) => {
      const g1 = mul(x, x);
      const g2 = x;
      return add(mul(2, g1), g2);
    };
    for (const x of [-1.5, 0, 2, 3]) {
      const { value, grads } = valueAndGrad(f)(tensor(x));
      expect(value.item()).toBe(2 * x * x + x);
      expect(grads[0].item()).toBe(4 * x + 1);
    }
  });

  it("returns one gradient per argument, mirroring arrays and objects of tensors, null for other values", () => {
    const params = { W: tensor([[1, 2]]), layers: [tensor([3]), tensor([4])] };
    const loss = (p: typeof params, x: Tensor, scale: number) =>
      mul(scale, sum(add(matmul(p.W, x), mul(p.layers[0], p.layers[1]))));
    const { value, grads } = valueAndGrad(loss)(params, tensor([[5], [6]]), 2);
    expect(value.item()).toBe(2 * (5 + 12 + 12));
    expect(grads[0].W.toArray()).toEqual([[10, 12]]);
    expect(grads[0].layers.map((g) => g.toArray())).toEqual([[8], [6]]);
    expect(grads[1].toArray()).toEqual([[2], [4]]);
    expect(grads[2]).toBeNull();
  });

  it("gives zeros of the right shape and dtype for arguments the value does not depend on", () => {
    const [, dy] = grad((x: Tensor, _y: Tensor) => sum(x))(tensor([1, 2]), tensor([[1, 2, 3]], { dtype: "float64" }));
    expect(dy.toArray()).toEqual([[0, 0, 0]]);
  });

  it("differentiates with respect to the same tensor passed twice, separately", () => {
    const x = tensor([2]);
    const [da, db] = grad((a: Tensor, b: Tensor) => sum(mul(mul(a, a), b)))(x, x);
    expect(da.toArray()).toEqual([8]);
    expect(db.toArray()).toEqual([4]);
  });

  it("accepts a scalar-sized value of shape [1, 1]", () => {
    const [dx] = grad((x: Tensor) => matmul(x, x, { transposeB: true }))(tensor([[1, 2]]));
    expect(dx.toArray()).toEqual([[2, 4]]);
  });
});

describe("noGrad and stopGradient", () => {
  it("noGrad results are constants", () => {
    const [dx] = grad((x: Tensor) => add(sum(x), noGrad(() => sum(square(x)))))(tensor([1, 2]));
    expect(dx.toArray()).toEqual([1, 1]);
  });

  it("stopGradient cuts one path and leaves the others", () => {
    const [dx] = grad((x: Tensor) => sum(mul(x, stopGradient(x))))(tensor([3]));
    expect(dx.toArray()).toEqual([3]);
  });
});

describe("vjp", () => {
  it("pulls back any cotangent, as often as asked", () => {
    const { out, pullback } = vjp((x: Tensor) => mul(x, x), tensor([1, 2, 3]));
    expect(out.toArray()).toEqual([1, 4, 9]);
    expect(pullback(tensor([1, 0, 1]))[0].toArray()).toEqual([2, 0, 6]);
    expect(pullback(tensor([0, 1, 0]))[0].toArray()).toEqual([0, 4, 0]);
  });

  it("handles several outputs and several primals", () => {
    const { out, pullback } = vjp((a: Tensor, b: Tensor) => [mul(a, b), add(a, b)], tensor([2]), tensor([5]));
    expect(out.map((o) => o.item())).toEqual([10, 7]);
    const [da, db] = pullback([tensor([1]), tensor([10])]);
    expect([da.item(), db.item()]).toEqual([5 + 10, 2 + 10]);
  });

  it("checks the cotangent's shape", () => {
    const { pullback } = vjp((x: Tensor) => mul(x, 2), tensor([1, 2]));
    expect(() => pullback(tensor([1, 2, 3]))).toThrow(/cotangent 0 has shape \[3\] \(float64\), but output 0 has shape \[2\]/);
  });
});

describe("higher-order gradients", () => {
  it("grad of grad: d²/dx² of x³ is 6x", () => {
    const d1 = (x: Tensor) => grad((y: Tensor) => sum(mul(mul(y, y), y)))(x)[0];
    const [d2] = grad((x: Tensor) => sum(d1(x)))(tensor([1, 2, -3]));
    expect(d2.toArray()).toEqual([6, 12, -18]);
  });

  it("keeps nested derivatives apart: d/dx [d/dy (x·y)] at y = x is 1, not 2", () => {
    const inner = (x: Tensor) => grad((y: Tensor) => mul(x, y))(x)[0];
    expect(grad(inner)(tensor(3))[0].item()).toBe(1);
    // d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1
    const outer = (x: Tensor) => mul(x, grad((y: Tensor) => add(x, y))(tensor(1))[0]);
    expect(grad(outer)(tensor(5))[0].item()).toBe(1);
  });

  it("third derivative of exp is exp", () => {
    const d = (f: (x: Tensor) => Tensor) => (x: Tensor) => sum(grad(f)(x)[0]);
    const third = grad(d(d((x: Tensor) => sum(exp(x)))));
    assertAllClose(third(tensor([0.5]))[0], tensor([Math.exp(0.5)]), { rtol: 1e-14 });
  });

  it("a Hessian-vector product of a small network matches finite differences of its gradient", () => {
    const x = randn([4, 6], { seed: 1 });
    const labels = [0, 2, 1, 2, 0, 1];
    const y = tensor([0, 1, 2].map((c) => labels.map((l) => (l === c ? 1 : 0))));
    type Params = { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor };
    const loss = (p: Params) => {
      const a1 = tanh(add(matmul(p.W1, x), p.b1));
      const a2 = sigmoid(add(matmul(p.W2, a1), p.b2));
      return softmaxCrossEntropy(a2, y, { axis: 0 });
    };
    const theta: Params = {
      W1: randn([5, 4], { seed: 2 }),
      b1: randn([5, 1], { seed: 3 }),
      W2: randn([3, 5], { seed: 4 }),
      b2: randn([3, 1], { seed: 5 }),
    };
    const v: Params = {
      W1: randn([5, 4], { seed: 6 }),
      b1: randn([5, 1], { seed: 7 }),
      W2: randn([3, 5], { seed: 8 }),
      b2: randn([3, 1], { seed: 9 }),
    };
    const keys = Object.keys(theta) as (keyof Params)[];
    const gradient = grad(loss);
    const [hv] = grad((p: Params) => {
      const g = gradient(p)[0];
      return keys.map((k) => sum(mul(g[k], v[k]))).reduce((a, b) => add(a, b));
    })(theta);
    const eps = 1e-5;
    const shifted = (sign: number) =>
      Object.fromEntries(keys.map((k) => [k, add(theta[k], mul(v[k], sign * eps))])) as Params;
    const plus = gradient(shifted(1))[0];
    const minus = gradient(shifted(-1))[0];
    for (const k of keys) {
      const finiteDifference = mul(sub(plus[k], minus[k]), 1 / (2 * eps));
      assertAllClose(hv[k], finiteDifference, { atol: 1e-8, rtol: 1e-6 });
    }
  });
});

describe("memory", () => {
  it("releases the intermediate values once the gradients are computed", async () => {
    let intermediate: WeakRef<Tensor> | undefined;
    const f = (x: Tensor) => {
      const big = exp(mul(x, 0.5));
      intermediate = new WeakRef(big);
      return sum(big);
    };
    const { value, grads } = valueAndGrad(f)(randn([1000], { seed: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(intermediate!.deref()).toBeUndefined();
    expect(value.size + grads[0].size).toBe(1001);
  });

  it("a long training loop does not grow the heap", () => {
    const x = randn([8, 32], { seed: 1 });
    const y = randn([1, 32], { seed: 2 });
    let W = randn([1, 8], { seed: 3 });
    const step = valueAndGrad((W: Tensor) => sum(square(sub(matmul(W, x), y))));
    const heapAfter = (steps: number) => {
      for (let i = 0; i < steps; i++) {
        const { grads } = step(W);
        W = noGrad(() => sub(W, mul(grads[0], 0.001)));
      }
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const early = heapAfter(500);
    const late = heapAfter(3000);
    expect(late - early).toBeLessThan(1_000_000);
  });
});
