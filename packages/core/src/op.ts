import { pauseTapes, record, resumeTapes } from "./tape";
import { scalar, Tensor, type TensorLike } from "./tensor";
import type { DType } from "./dtype";

/**
 * What a vjp rule sees, by name: the op's inputs, its output, its attributes, and which
 * inputs need a gradient at all (a rule may return `null` for the others to save work).
 */
export interface VjpContext<A> {
  /** The op's inputs, in order. */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly out: Tensor;
  /** The attributes the op was applied with. */
  readonly attrs: A;
  /** Whether each input needs a gradient; a rule may return `null` where it does not. */
  readonly needsGrad: readonly boolean[];
}

/**
 * An op: its name, its forward computation and its vector-Jacobian product.
 *
 * - `forward(inputs, attrs)` computes the output. It may use kernels or other tensor ops;
 *   nothing it does is recorded: the op is recorded as one step.
 * - `vjp(g, { inputs, out, attrs, needsGrad })` gets `g`, the gradient of the final
 *   scalar with respect to `out`, and returns one gradient per input, in order, each of
 *   its input's shape, or `null` where an input has none. Write it with tensor ops, so
 *   that gradients of gradients work.
 */
export interface OpDefinition<A = void> {
  /** A unique name; it appears in errors and in pictures of the graph. */
  readonly name: string;
  /** Names of the inputs, for error messages; their count fixes the op's arity. */
  readonly inputNames?: readonly string[];
  /** Computes the output from the inputs; nothing it does is recorded. */
  forward(inputs: readonly Tensor[], attrs: A): Tensor;
  /** Returns one gradient per input (or `null`) given `g`, the gradient of the output. */
  vjp(g: Tensor, context: VjpContext<A>): readonly (Tensor | null)[];
}

/**
 * A differentiable op, as returned by {@link defineOp}: call it on tensors (or numbers,
 * taken as scalars of the other inputs' dtype). An op with attributes is called through
 * `apply(inputs, attrs)`.
 */
export interface Op<A = void> {
  (...inputs: TensorLike[]): Tensor;
  /** Applies the op to `inputs` with attributes `attrs`. */
  apply(inputs: readonly TensorLike[], attrs: A): Tensor;
  /** The definition the op was made from. */
  readonly definition: OpDefinition<A>;
}

const registry = new Map<string, Op<any>>();

/**
 * Defines a differentiable op from a forward computation and its vjp, and registers it
 * by name. Every built-in op is defined this way; an op you define is recorded,
 * differentiated and checked exactly like a built-in.
 *
 * @example
 * ```ts
 * // softplus(x) = log(1 + exp(x)); its derivative is sigmoid(x).
 * const softplus = defineOp({
 *   name: "softplus",
 *   inputNames: ["x"],
 *   forward: ([x]) => log(add(1, exp(x))),
 *   vjp: (g, { inputs: [x] }) => [mul(g, sigmoid(x))],
 * });
 * grad((x: Tensor) => sum(softplus(x)))(tensor([0, 1]));  // [sigmoid(0), sigmoid(1)]
 * ```
 */
export function defineOp<A = void>(definition: OpDefinition<A>): Op<A> {
  if (typeof definition?.name !== "string" || definition.name === "") {
    throw new Error("defineOp: give the op a non-empty name");
  }
  if (registry.has(definition.name)) {
    throw new Error(`defineOp: an op named '${definition.name}' is already defined; choose another name`);
  }
  if (typeof definition.forward !== "function" || typeof definition.vjp !== "function") {
    throw new Error(`defineOp: op '${definition.name}' needs a forward function and a vjp function`);
  }
  const op = makeOp(definition);
  registry.set(definition.name, op);
  return op;
}

/**
 * Every op defined so far, by name: the built-ins and those made with {@link defineOp}.
 * The test suite gradchecks each of them.
 * @example `[...registeredOps().keys()] // ["neg", "exp", …, "matmul", …]`
 */
export function registeredOps(): ReadonlyMap<string, Op<any>> {
  return registry;
}

/** Makes the callable op for a definition without registering it (used by `customVjp`). */
export function makeOp<A>(definition: OpDefinition<A>): Op<A> {
  const run = (rawInputs: readonly TensorLike[], attrs: A, ownsInputs: boolean): Tensor => {
    const inputs = toTensors(definition, rawInputs, ownsInputs);
    const saved = pauseTapes();
    let out: unknown;
    try {
      out = definition.forward(inputs, attrs);
    } finally {
      resumeTapes(saved);
    }
    if (!(out instanceof Tensor)) {
      throw new Error(`forward of op '${definition.name}' returned ${String(out)}; it must return a Tensor`);
    }
    // The tape identifies tensors by object: an output that is one of the inputs gets its own.
    if (inputs.includes(out)) out = new Tensor(out.data, out.shape);
    record(definition, inputs, out as Tensor, attrs);
    return out as Tensor;
  };
  // The tape keeps the inputs array: a caller's own array passed to apply is copied first.
  const apply = (rawInputs: readonly TensorLike[], attrs: A): Tensor => run(rawInputs, attrs, false);
  const op = ((...inputs: TensorLike[]) => run(inputs, undefined as A, true)) as Op<A>;
  Object.defineProperty(op, "name", { value: definition.name });
  Object.defineProperty(op, "apply", { value: apply });
  Object.defineProperty(op, "definition", { value: definition });
  return op;
}

function toTensors(definition: OpDefinition<any>, rawInputs: readonly TensorLike[], ownsInputs: boolean): Tensor[] {
  const arity = definition.inputNames?.length;
  if (arity !== undefined && rawInputs.length !== arity) {
    throw new Error(
      `${definition.name}: expects ${arity} input(s) (${definition.inputNames!.join(", ")}), got ${rawInputs.length}`,
    );
  }
  let dtype: DType | undefined;
  let allTensors = true;
  for (let j = 0; j < rawInputs.length; j++) {
    const input = rawInputs[j];
    if (input instanceof Tensor) {
      if (dtype !== undefined && input.dtype !== dtype) {
        throw new Error(
          `${definition.name}: inputs have different dtypes (${dtype} and ${input.dtype} for input ${j}); ` +
            `tapegrad does not promote dtypes implicitly: convert one with astype(x, '${dtype}')`,
        );
      }
      dtype = input.dtype;
    } else if (typeof input === "number") {
      allTensors = false;
    } else {
      const name = definition.inputNames?.[j];
      throw new Error(
        `${definition.name}: input ${j}${name ? ` ('${name}')` : ""} is ${describe(input)}; expected a Tensor or a number`,
      );
    }
  }
  if (allTensors) return (ownsInputs ? rawInputs : rawInputs.slice()) as Tensor[];
  return rawInputs.map((input) => (input instanceof Tensor ? input : scalar(input, dtype ?? "float64")));
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array (wrap it with tensor())";
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `a ${typeof value}`;
}
