import { grad, vjp } from "./grad";
import { add, mul } from "./ops/binary";
import { stack } from "./ops/joining";
import { reshape } from "./ops/movement";
import { sum } from "./ops/reduce";
import { formatShape, shapesEqual } from "./shape";
import { Tensor, zeros, zerosLike } from "./tensor";

// Transforms built on the reverse pass: forward-mode products, full Jacobians and
// Hessians. Each is written with vjp and grad only, so each is differentiable again.

/** What {@link jvp} returns: the output at the primals and its directional derivative. */
export interface JvpResult {
  /** f(primals). */
  out: Tensor;
  /** J·tangents: the derivative of f at the primals in the direction of the tangents. */
  tangent: Tensor;
}

/**
 * Forward mode: f at `primals`, and the Jacobian-vector product J·t, the derivative of f
 * in the direction `tangents` (one per primal, of its shape). Computed by transposing the
 * vjp: since u ↦ Jᵀu is linear, J·t is the gradient of ⟨Jᵀu, t⟩ with respect to u.
 *
 * @example
 * ```ts
 * const { out, tangent } = jvp((x: Tensor) => mul(x, x), [tensor([1, 2, 3])], [tensor([1, 0, 1])]);
 * tangent; // 2x·t = [2, 0, 6]
 * ```
 */
export function jvp(f: (...args: Tensor[]) => Tensor, primals: readonly Tensor[], tangents: readonly Tensor[]): JvpResult {
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    throw new Error(
      `jvp: give the primals and the tangents as two arrays of the same length, one tangent per primal ` +
        `(got ${describeList(primals)} and ${describeList(tangents)})`,
    );
  }
  primals.forEach((x, i) => {
    const t = tangents[i];
    if (!(x instanceof Tensor) || !(t instanceof Tensor)) throw new Error(`jvp: primal ${i} and tangent ${i} must be Tensors`);
    if (!shapesEqual(x.shape, t.shape) || x.dtype !== t.dtype) {
      throw new Error(
        `jvp: tangent ${i} has shape ${formatShape(t.shape)} (${t.dtype}), but primal ${i} has shape ` +
          `${formatShape(x.shape)} (${x.dtype}); they must match`,
      );
    }
  });
  const { out, pullback } = vjp(f, ...primals);
  if (!(out instanceof Tensor)) throw new Error("jvp: the function must return a Tensor");
  const [tangent] = grad((u: Tensor) => {
    const cotangents = pullback(u) as (Tensor | null)[];
    const terms = cotangents.flatMap((c, i) => (c === null ? [] : [sum(mul(c, tangents[i]))]));
    return terms.length === 0 ? sum(mul(u, 0)) : terms.reduce((total, term) => add(total, term));
  })(zerosLike(out));
  return { out, tangent };
}

/**
 * The Jacobian of `f` with respect to its first argument (the others are held constant):
 * a tensor of shape out.shape + x.shape whose entry [i…, j…] is ∂out[i…]/∂x[j…]. One
 * reverse pass per output element.
 *
 * @example
 * ```ts
 * jacobian((x: Tensor) => mul(x, x))(tensor([1, 2])); // [[2, 0], [0, 4]]
 * ```
 */
export function jacobian(f: (x: Tensor, ...rest: any[]) => Tensor): (x: Tensor, ...rest: any[]) => Tensor {
  return (x, ...rest) => {
    if (!(x instanceof Tensor)) throw new Error("jacobian: the first argument must be a Tensor (the one differentiated)");
    const { out, pullback } = vjp((y: Tensor) => f(y, ...rest), x);
    if (!(out instanceof Tensor)) throw new Error("jacobian: the function must return a Tensor");
    if (out.size === 0) return zeros([...out.shape, ...x.shape], { dtype: x.dtype });
    const rows: Tensor[] = [];
    for (let i = 0; i < out.size; i++) {
      const basis = zerosLike(out);
      basis.data[i] = 1;
      rows.push(pullback(basis)[0]);
    }
    return reshape(stack(rows, 0), [...out.shape, ...x.shape]);
  };
}

/**
 * The Hessian of a scalar function with respect to its first argument: the Jacobian of
 * its gradient, of shape x.shape + x.shape.
 *
 * @example
 * ```ts
 * hessian((x: Tensor) => sum(pow(x, 3)))(tensor([1, 2])); // diag(6x) = [[6, 0], [0, 12]]
 * ```
 */
export function hessian(f: (x: Tensor, ...rest: any[]) => Tensor): (x: Tensor, ...rest: any[]) => Tensor {
  return jacobian((x: Tensor, ...rest: any[]) => grad((y: Tensor) => f(y, ...rest))(x)[0]);
}

/**
 * The Hessian-vector product H·v of a scalar function at x, without forming H: the
 * gradient of ⟨∇f(x), v⟩ (reverse over reverse), one extra backward pass.
 *
 * @example
 * ```ts
 * hvp((x: Tensor) => sum(pow(x, 3)), tensor([1, 2]), tensor([1, 1])); // 6x·v = [6, 12]
 * ```
 */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  if (!(x instanceof Tensor) || !(v instanceof Tensor)) throw new Error("hvp: x and v must be Tensors");
  if (!shapesEqual(x.shape, v.shape) || x.dtype !== v.dtype) {
    throw new Error(`hvp: v has shape ${formatShape(v.shape)} (${v.dtype}), but x has shape ${formatShape(x.shape)} (${x.dtype}); they must match`);
  }
  const gradient = grad(f);
  return grad((y: Tensor) => sum(mul(gradient(y)[0], v)))(x)[0];
}

function describeList(value: unknown): string {
  return Array.isArray(value) ? `${value.length} item(s)` : typeof value;
}
