import { grad, noGrad } from "../grad";
import { add, mul } from "../ops/binary";
import { astype } from "../ops/movement";
import { sum } from "../ops/reduce";
import { Random } from "../random";
import { describeValue, formatShape } from "../shape";
import { storageOf, Tensor } from "../tensor";
import { mapTensors } from "../tree";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** The finite-difference step; 1e-6 by default. */
  eps?: number;
  /** Absolute tolerance; 1e-5 by default. */
  atol?: number;
  /** Relative tolerance; 1e-3 by default. An element passes when |tape − numeric| ≤ atol + rtol·|numeric|. */
  rtol?: number;
  /**
   * `'full'` perturbs every input element (2 evaluations each); `'projection'` compares
   * ⟨u, J v⟩ with ⟨Jᵀu, v⟩ along random directions v (2 evaluations each), for large inputs.
   * `'auto'` (the default) is full up to 2,000 input elements in all.
   */
  mode?: "full" | "projection" | "auto";
  /** Random directions per input in projection mode; 4 by default. */
  directions?: number;
  /** Seed of the random projections; 0 by default. */
  seed?: number;
  /** 2 checks the gradient of the gradient (a Hessian-vector product) instead; 1 by default. */
  order?: 1 | 2;
}

/** How one input (one tensor of the arguments) fared in {@link gradcheck}. */
export interface InputCheck {
  /** The tensor's position among the tensors of the arguments, in order (for positional tensors, its argument's position). */
  index: number;
  /**
   * Where the tensor is in the arguments: `input 1` for the second of positional tensors,
   * `input 0.layer1.W` inside an argument, or `layer1.W` when the arguments are one record.
   */
  path: string;
  /** The input's shape. */
  shape: readonly number[];
  /** The largest |tape − numeric| over the compared values. */
  maxAbsError: number;
  /** The largest |tape − numeric| / max(|tape|, |numeric|) over values larger than `atol`. */
  maxRelError: number;
  /** Whether every compared value passed the tolerance. */
  ok: boolean;
}

/** What {@link gradcheck} found: one row per input, and whether all passed. */
export interface GradcheckResult {
  /** Whether every input passed. */
  ok: boolean;
  /** How the finite differences were taken. */
  mode: "full" | "projection";
  /** 1 for gradients, 2 for gradients of gradients. */
  order: 1 | 2;
  /** One row per input. */
  inputs: InputCheck[];
  /** A readable table of the rows. */
  summary: string;
}

/**
 * Checks the tape's gradients of `f` at `args` against central finite differences in
 * float64. A non-scalar output is first projected to a scalar ⟨u, f(x)⟩ with a fixed random
 * u, so every output element is checked at once. Tensors are converted to float64 copies;
 * int32 ones (indices, labels) are passed as they are and not checked.
 *
 * `args` takes the argument trees {@link grad} takes, as JAX's `check_grads` does:
 * - an array is the argument list, `f(...args)`, each argument a tensor or any tree of them
 *   (arrays, plain objects, Maps), so `[W, x]` checks `f(W, x)` and `[params, x]` checks
 *   `f(params, x)`; to pass one array as the only argument, wrap it: `[[a, b]]`;
 * - anything else (a record of named parameters, a Map, one tensor) is the only argument,
 *   `f(args)`.
 * Each tensor gets a row, named by its path: `input 1`, `input 0.layer1.W`, or for a record
 * `layer1.W`. Numbers and other values in the trees are passed through unchanged.
 *
 * @example
 * ```ts
 * import { gradcheck } from "@tapegrad/core/testing";
 * const result = gradcheck((W, x) => tanh(matmul(W, x)), [randn([3, 4], { seed: 0 }), randn([4, 2], { seed: 1 })]);
 * result.ok;       // true
 * result.summary;  // per-input max absolute and relative errors
 * gradcheck((x) => sigmoid(x), [x], { order: 2 }).ok; // the gradient of the gradient
 * const params = { layer1: { W: randn([3, 4], { seed: 2 }), b: zeros([3, 1]) } };
 * gradcheck((p: typeof params) => tanh(add(matmul(p.layer1.W, x), p.layer1.b)), params).summary;
 * // rows "layer1.W [3, 4]: …" and "layer1.b [3, 1]: …"
 * ```
 */
export function gradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options?: GradcheckOptions): GradcheckResult;
export function gradcheck<Args extends unknown[]>(f: (...args: Args) => Tensor, args: Args, options?: GradcheckOptions): GradcheckResult;
export function gradcheck<Arg>(f: (arg: Arg) => Tensor, args: Arg extends readonly unknown[] ? never : Arg, options?: GradcheckOptions): GradcheckResult;
export function gradcheck(f: (...args: any[]) => Tensor, args: unknown, options: GradcheckOptions = {}): GradcheckResult {
  if (typeof f !== "function") throw new Error(`gradcheck: expects the function to check, got ${describeValue(f)}`);
  if (typeof options !== "object" || options === null) {
    throw new Error(`gradcheck: options must be an object such as { order: 2 }, got ${describeValue(options)}`);
  }
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, directions = 4, seed = 0, order = 1 } = options;
  const positional = Array.isArray(args);
  const argumentList: unknown[] = positional ? args : [args];
  // The tensors of the arguments, in order, and where each is.
  const leaves: Tensor[] = [];
  const paths: string[] = [];
  argumentList.forEach((arg, i) => {
    mapTensors(arg, (x, path) => {
      leaves.push(x);
      paths.push(positional ? (path === "" ? `input ${i}` : `input ${i}${path.startsWith("[") ? "" : "."}${path}`) : path || "input");
      return x;
    });
  });
  // The function of the tensors alone: the arguments rebuilt around them.
  const rebuild = (ys: readonly Tensor[]): unknown[] => {
    let next = 0;
    return argumentList.map((arg) => mapTensors(arg, () => ys[next++]));
  };
  const fOfLeaves = (...ys: Tensor[]): Tensor => f(...rebuild(ys));

  const xs = leaves.map((x) => (x.dtype === "int32" ? x : noGrad(() => astype(x, "float64"))));
  // int32 tensors (indices, labels) are passed through as they are and not checked.
  const checked = xs.map((x, index) => ({ x, index })).filter(({ x }) => x.dtype !== "int32");
  const totalSize = checked.reduce((total, { x }) => total + x.size, 0);
  const mode = options.mode === undefined || options.mode === "auto" ? (totalSize <= 2000 ? "full" : "projection") : options.mode;
  const rng = new Random(seed);

  const output = noGrad(() => fOfLeaves(...xs));
  if (!(output instanceof Tensor)) throw new Error(`gradcheck: the function returned ${describeValue(output)}; it must return a Tensor`);
  const u = randomLike(output, rng);
  const projected = (...ys: Tensor[]): Tensor => sum(mul(fOfLeaves(...ys), u));
  let scalar = projected;
  if (order === 2) {
    const weights = xs.map((x) => randomLike(x, rng));
    const gradients = grad(projected);
    scalar = (...ys) => {
      const gs = gradients(...ys);
      const terms = checked.map(({ index }) => sum(mul(gs[index], weights[index])));
      return terms.length === 0 ? sum(mul(projected(...ys), 0)) : terms.reduce((total, term) => add(total, term));
    };
  }
  const evaluate = (ys: Tensor[]): number => noGrad(() => scalar(...ys).item());
  const analytic = grad(scalar)(...xs);

  const checks = checked.map(({ x, index }): InputCheck => {
    const tape = storageOf(analytic[index]);
    const compared: Array<[number, number]> = [];
    const shifted = (delta: (data: Float64Array) => void): Tensor[] => {
      const data = Float64Array.from(storageOf(x));
      delta(data);
      return xs.map((y, j) => (j === index ? new Tensor(data, x.shape) : y));
    };
    if (mode === "full") {
      for (let k = 0; k < x.size; k++) {
        const plus = evaluate(shifted((d) => (d[k] += eps)));
        const minus = evaluate(shifted((d) => (d[k] -= eps)));
        compared.push([tape[k], (plus - minus) / (2 * eps)]);
      }
    } else {
      for (let d = 0; d < directions; d++) {
        const v = storageOf(randomLike(x, rng));
        const plus = evaluate(shifted((data) => data.forEach((_, k) => (data[k] += eps * v[k]))));
        const minus = evaluate(shifted((data) => data.forEach((_, k) => (data[k] -= eps * v[k]))));
        let projectedTape = 0;
        for (let k = 0; k < v.length; k++) projectedTape += tape[k] * v[k];
        compared.push([projectedTape, (plus - minus) / (2 * eps)]);
      }
    }
    return compareValues(index, paths[index], x.shape, compared, atol, rtol);
  });
  const ok = checks.every((c) => c.ok);
  return { ok, mode, order, inputs: checks, summary: summarize(checks, mode, order) };
}

function randomLike(x: Tensor, rng: Random): Tensor {
  const data = new Float64Array(x.size);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal();
  return new Tensor(data, x.shape);
}

function compareValues(index: number, path: string, shape: readonly number[], pairs: Array<[number, number]>, atol: number, rtol: number): InputCheck {
  let maxAbsError = 0;
  let maxRelError = 0;
  let ok = true;
  for (const [tape, numeric] of pairs) {
    const absError = Math.abs(tape - numeric);
    const scale = Math.max(Math.abs(tape), Math.abs(numeric));
    if (!(absError <= atol + rtol * Math.abs(numeric))) ok = false;
    if (!(absError <= maxAbsError)) maxAbsError = absError;
    if (scale > atol && !(absError / scale <= maxRelError)) maxRelError = absError / scale;
  }
  return { index, path, shape, maxAbsError, maxRelError, ok };
}

function summarize(checks: InputCheck[], mode: string, order: number): string {
  const rows = checks.map(
    (c) =>
      `  ${c.path} ${formatShape(c.shape)}: max abs error ${c.maxAbsError.toExponential(2)}, ` +
      `max rel error ${c.maxRelError.toExponential(2)} ${c.ok ? "ok" : "FAILED"}`,
  );
  return [`gradcheck (${mode}, order ${order}):`, ...rows].join("\n");
}
