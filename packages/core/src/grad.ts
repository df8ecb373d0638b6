import { makeOp, type Op, type VjpContext } from "./op";
import { add } from "./ops/binary";
import { identity } from "./ops/movement";
import { describeValue, formatShape, notATensor, shapesEqual } from "./shape";
import { backward, Tape, withoutTapes, withTape } from "./tape";
import { onesLike, storageOf, Tensor, zerosLike } from "./tensor";
import { collectTensors, mapTensors, type TensorTree } from "./tree";

/**
 * The gradient of an argument: the same structure with a gradient tensor in place of
 * each tensor, and `null` in place of anything else (a number, a string, a function).
 */
export type GradientOf<T> = T extends Tensor
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: GradientOf<T[K]> }
    : T extends ReadonlyMap<infer K, infer V>
      ? Map<K, GradientOf<V>>
      : T extends (...args: any[]) => any
      ? null
      : T extends object
        ? { -readonly [K in keyof T]: GradientOf<T[K]> }
        : null;

/** What `valueAndGrad(f)` returns for a call: the value of `f` and one gradient per argument. */
export interface ValueAndGradients<Args extends unknown[]> {
  /** The value of the function: a tensor with one element. */
  value: Tensor;
  /** One gradient per argument, mirroring its structure. */
  grads: GradientOf<Args>;
}

/**
 * Turns a scalar-valued function into one that returns its value and its gradient with
 * respect to every tensor in its arguments. `grads[i]` mirrors `args[i]`: a tensor for a
 * float tensor, the same nesting for arrays and objects of tensors, `null` for anything
 * else (int32 tensors included: indices and labels are not differentiated).
 * A gradient is zero where the value does not depend on that input.
 *
 * @example
 * ```ts
 * const f = (W: Tensor, x: Tensor) => sum(tanh(matmul(W, x)));
 * const { value, grads: [dW, dx] } = valueAndGrad(f)(W, x);
 * ```
 */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => ValueAndGradients<Tensor[]>;
export function valueAndGrad<Args extends unknown[]>(f: (...args: Args) => Tensor): (...args: Args) => ValueAndGradients<Args>;
export function valueAndGrad(f: (...args: any[]) => Tensor): (...args: any[]) => { value: Tensor; grads: any } {
  checkFunction("valueAndGrad", f);
  return (...args: any[]) => {
    const tape = new Tape();
    const watched = mapTensors(args, (x) => watchArgument(tape, x)) as any[];
    const value = withTape(tape, () => f(...watched));
    if (!(value instanceof Tensor)) {
      throw new Error(`valueAndGrad: the function returned ${String(value)}; it must return a scalar Tensor`);
    }
    if (value.size !== 1) {
      throw new Error(
        `valueAndGrad: the function returned a tensor of shape ${formatShape(value.shape)}, but a gradient needs ` +
          `a scalar; reduce it (for example with sum or mean), or use vjp(f, ...) and pass a cotangent`,
      );
    }
    const cotangents = backward(tape, [[value, onesLike(value)]], add);
    tape.entries.length = 0; // release what the tape held as soon as the gradients exist
    const grads = mapTensors(watched, (x) => gradientOf(cotangents, x), () => null);
    return { value, grads };
  };
}

/**
 * Turns a scalar-valued function into one that returns its gradients alone, one per
 * argument (see {@link valueAndGrad}).
 *
 * @example
 * ```ts
 * const [dx] = grad((x: Tensor) => sum(square(x)))(tensor([1, 2, 3])); // [2, 4, 6]
 * const d2 = grad((x: Tensor) => sum(grad((y: Tensor) => sum(exp(y)))(x)[0]));  // second derivative
 * ```
 */
export function grad(f: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => Tensor[];
export function grad<Args extends unknown[]>(f: (...args: Args) => Tensor): (...args: Args) => GradientOf<Args>;
export function grad(f: (...args: any[]) => Tensor): (...args: any[]) => any {
  checkFunction("grad", f);
  const withValue = valueAndGrad(f);
  return (...args: any[]) => withValue(...args).grads;
}

/** What {@link vjp} returns: the output, and the function that pulls a cotangent back. */
export interface VjpResult<Args extends unknown[], Out extends TensorTree> {
  /** The function's output at the primals. */
  out: Out;
  /** Maps a cotangent of `out` (same structure and shapes) to one gradient per primal. */
  pullback(cotangent: Out): GradientOf<Args>;
}

/**
 * Evaluates `f` at `primals` and returns its output with a pullback: for any cotangent
 * `u` of the output's shape, `pullback(u)` gives `uᵀJ` for each primal. Works for outputs
 * of any shape, and for arrays and objects of tensors; the pullback may be called many times.
 *
 * @example
 * ```ts
 * const { out, pullback } = vjp((x: Tensor) => mul(x, x), tensor([1, 2, 3]));
 * const [dx] = pullback(tensor([1, 0, 1])); // [2, 0, 6]
 * ```
 */
export function vjp<Args extends unknown[], Out extends TensorTree>(
  f: (...args: Args) => Out,
  ...primals: Args
): VjpResult<Args, Out> {
  checkFunction("vjp", f);
  const tape = new Tape();
  const watched = mapTensors(primals, (x) => watchArgument(tape, x)) as Args;
  const out = withTape(tape, () => f(...watched));
  const outputs = collectTensors(out);
  if (outputs.length === 0) {
    throw new Error("vjp: the function returned no tensor; it must return a Tensor, or arrays or objects of them");
  }
  const pullback = (cotangent: Out): GradientOf<Args> => {
    const seeds = collectTensors(cotangent);
    if (seeds.length !== outputs.length) {
      throw new Error(`vjp: the cotangent holds ${seeds.length} tensor(s), but the output holds ${outputs.length}; give one per output, in the same structure`);
    }
    seeds.forEach((seed, i) => {
      if (!shapesEqual(seed.shape, outputs[i].shape) || seed.dtype !== outputs[i].dtype) {
        throw new Error(
          `vjp: cotangent ${i} has shape ${formatShape(seed.shape)} (${seed.dtype}), ` +
            `but output ${i} has shape ${formatShape(outputs[i].shape)} (${outputs[i].dtype}); they must match`,
        );
      }
    });
    const cotangents = backward(tape, outputs.map((o, i) => [o, seeds[i]] as const), add);
    return mapTensors(watched, (x) => gradientOf(cotangents, x), () => null) as GradientOf<Args>;
  };
  return { out, pullback };
}

/**
 * Runs `fn` without recording anything on any tape: its results are constants to every
 * gradient. Use it for evaluation, metrics and parameter updates.
 *
 * @example
 * ```ts
 * const accuracy = noGrad(() => mean(equal(predictions, labels)));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new Error(`noGrad: expects a function to run without recording, got ${describeValue(fn)}`);
  return withoutTapes(fn);
}

/**
 * The same values as `x`, but a constant to every gradient: no gradient flows through it.
 *
 * @example
 * ```ts
 * grad((x: Tensor) => sum(mul(x, stopGradient(x))))(tensor([3])); // [3], not [6]
 * ```
 */
export function stopGradient(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw notATensor("stopGradient", "x", x);
  return new Tensor(storageOf(x), x.shape);
}

/** Options of {@link customVjp}. */
export interface CustomVjpOptions {
  /** The op's name in errors and pictures of the graph; the forward function's name by default. */
  name?: string;
  /** As `OpDefinition.onceDifferentiable`: the vjp is not written with tensor ops, and a second derivative through it raises. */
  onceDifferentiable?: boolean;
}

/**
 * Gives a function of tensors a vjp of your own: `forward` computes the output (with any
 * tensor ops; they are not recorded), and `vjp(g, { inputs, out })` returns one gradient
 * per input. Use it where a composite's own derivative is unstable or slow; unlike
 * {@link defineOp} it does not register the op by name.
 *
 * @example
 * ```ts
 * // log(1 + exp(x)) computed stably; its derivative is sigmoid(x).
 * const mySoftplus = customVjp(
 *   (x) => add(relu(x), log(add(1, exp(neg(abs(x)))))),
 *   (g, { inputs: [x] }) => [mul(g, sigmoid(x))],
 *   { name: "mySoftplus" },
 * );
 * ```
 */
export function customVjp(
  forward: (...inputs: Tensor[]) => Tensor,
  vjpRule: (g: Tensor, context: VjpContext<void>) => readonly (Tensor | null)[],
  options: CustomVjpOptions = {},
): Op<void> {
  if (typeof forward !== "function" || typeof vjpRule !== "function") {
    throw new Error(
      `customVjp: expects a forward function and a vjp function, got ${describeValue(forward)} and ${describeValue(vjpRule)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new Error(`customVjp: options must be an object such as { name: 'mySoftplus' }, got ${describeValue(options)}`);
  }
  return makeOp<void>({
    name: options.name ?? (forward.name || "customVjp"),
    onceDifferentiable: options.onceDifferentiable,
    forward: (inputs) => forward(...inputs),
    vjp: vjpRule,
  });
}

/** Throws unless `f` is a function, naming the transform. */
function checkFunction(transform: string, f: unknown): void {
  if (typeof f !== "function") {
    throw new Error(`${transform}: expects the function to differentiate, got ${describeValue(f)}; for example ${transform}((x) => sum(square(x)))`);
  }
}

/** The gradient of an argument: its cotangent, zeros where the value did not depend on it, null for int32. */
function gradientOf(cotangents: Map<Tensor, Tensor>, x: Tensor): Tensor | null {
  if (x.dtype === "int32") return null;
  return cotangents.get(x) ?? zerosLike(x);
}

/**
 * A fresh tensor that stands for `x` inside a differentiated function: watched by `tape`,
 * and connected to `x` on any outer tape, so that outer gradients flow through it.
 */
function watchArgument(tape: Tape, x: Tensor): Tensor {
  if (x.dtype === "int32") return x; // indices and labels are never differentiated
  const watched = identity(x);
  tape.watch(watched);
  return watched;
}
