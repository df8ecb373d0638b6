import { beginForward, endForward, record } from "./tape";
import { scalar, storageOf, Tensor, type TensorLike } from "./tensor";
import { DEFAULT_DTYPE, type DType } from "./dtype";
import { checkForwardAnomaly } from "./anomaly";

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
 * What an input of an op holds:
 * - `'value'` (the default): numbers that gradients flow through; all value inputs share
 *   one dtype, a float one unless the op sets `acceptsInt32`;
 * - `'index'`: int32 indices (gather's `indices`), never differentiated;
 * - `'mask'`: a condition of any dtype, 0/1 or int32 (where's `condition`), never differentiated.
 */
export type InputKind = "value" | "index" | "mask";

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
  /** What each input holds (see {@link InputKind}); every input is a `'value'` by default. */
  readonly inputKinds?: readonly InputKind[];
  /** Whether value inputs may be int32 too (movement and comparison ops); arithmetic refuses int32. */
  readonly acceptsInt32?: boolean;
  /** The forward computation in one line of math, as the ops reference and gradient explanations show it: `"out = eˣ"`. */
  readonly formula?: string;
  /** The vjp in one line of math, one term per input: `"dx = g·out"`. */
  readonly vjpFormula?: string;
  /**
   * Set it when the vjp is not written with tensor ops (it computes on raw arrays, or calls
   * kernels): first derivatives work as usual, and a gradient of a gradient through the op
   * (grad of grad, a Hessian, jvp) raises an error naming it. Without the flag such a vjp
   * is caught too, as soon as a second derivative is taken: the error says how to fix it.
   */
  readonly onceDifferentiable?: boolean;
  /** Computes the output from the inputs; nothing it does is recorded. */
  forward(inputs: readonly Tensor[], attrs: A): Tensor;
  /** Returns one gradient per input (or `null`) given `g`, the gradient of the output. */
  vjp(g: Tensor, context: VjpContext<A>): readonly (Tensor | null)[];
}

/**
 * A differentiable op, as returned by {@link defineOp}: call it on tensors (or numbers,
 * taken as scalars of the other inputs' dtype). An op with attributes is called through
 * `run(inputs, attrs)`.
 */
export interface Op<A = void> {
  (...inputs: TensorLike[]): Tensor;
  /**
   * A one-input op as the callback of `Array.prototype.map` (or `forEach`, `filter`…), which
   * passes (element, index, array): the index and the array are ignored, so `[a, b].map(exp)`
   * is `[exp(a), exp(b)]`. An op of more inputs refuses them, saying what to write instead.
   */
  (element: Tensor, index: number, array: readonly Tensor[]): Tensor;
  /** Runs the op on `inputs` with attributes `attrs`. */
  run(inputs: readonly TensorLike[], attrs: A): Tensor;
  /** The definition the op was made from. */
  readonly definition: OpDefinition<A>;
}

const registry = new Map<string, Op<any>>();
/** Names of the ops tapegrad itself defines: reserved, never replaced. */
const builtinNames = new Set<string>();
let definingBuiltins = true;

/** Marks every op defined so far as built-in (reserved); called once the core has loaded. @internal */
export function sealBuiltinOps(): void {
  definingBuiltins = false;
}

/**
 * Defines a differentiable op from a forward computation and its vjp, and registers it
 * by name. Every built-in op is defined this way; an op you define is recorded,
 * differentiated and checked exactly like a built-in. Built-in names are reserved;
 * defining an op of your own again under the same name (a re-run cell, a reloaded
 * module) replaces the earlier definition, with a warning.
 *
 * @example
 * ```ts
 * // softplus(x) = log(1 + exp(x)); its derivative is sigmoid(x).
 * const mySoftplus = defineOp({
 *   name: "mySoftplus",
 *   inputNames: ["x"],
 *   forward: ([x]) => log(add(1, exp(x))),
 *   vjp: (g, { inputs: [x] }) => [mul(g, sigmoid(x))],
 * });
 * grad((x: Tensor) => sum(mySoftplus(x)))(tensor([0, 1]));  // [sigmoid(0), sigmoid(1)]
 * ```
 */
export function defineOp<A = void>(definition: OpDefinition<A>): Op<A> {
  if (typeof definition?.name !== "string" || definition.name === "") {
    throw new Error("defineOp: give the op a non-empty name");
  }
  if (builtinNames.has(definition.name)) {
    throw new Error(`defineOp: '${definition.name}' is the name of a built-in op; choose another name`);
  }
  if (typeof definition.forward !== "function" || typeof definition.vjp !== "function") {
    throw new Error(`defineOp: op '${definition.name}' needs a forward function and a vjp function`);
  }
  if (registry.has(definition.name)) {
    console.warn(`defineOp: op '${definition.name}' was defined before; the new definition replaces it`);
  }
  const op = makeOp(definition);
  registry.set(definition.name, op);
  if (definingBuiltins) builtinNames.add(definition.name);
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
    const saved = beginForward();
    let out: unknown;
    try {
      out = definition.forward(inputs, attrs);
      if (!(out instanceof Tensor)) {
        throw new Error(`forward of op '${definition.name}' returned ${String(out)}; it must return a Tensor`);
      }
      checkForwardAnomaly(definition, inputs, out);
    } finally {
      endForward(saved);
    }
    // The tape identifies tensors by object: an output that is one of the inputs gets its own.
    if (inputs.includes(out)) out = new Tensor(storageOf(out), out.shape);
    record(definition, inputs, out as Tensor, attrs);
    return out as Tensor;
  };
  // The tape keeps the inputs array: a caller's own array passed to run is copied first.
  const runWithAttrs = (rawInputs: readonly TensorLike[], attrs: A): Tensor => run(rawInputs, attrs, false);
  const op = ((...inputs: TensorLike[]) => run(inputs, undefined as A, true)) as Op<A>;
  Object.defineProperty(op, "name", { value: definition.name });
  Object.defineProperty(op, "run", { value: runWithAttrs });
  Object.defineProperty(op, "definition", { value: definition });
  return op;
}

function toTensors(definition: OpDefinition<any>, rawInputs: readonly TensorLike[], ownsInputs: boolean): Tensor[] {
  const arity = definition.inputNames?.length;
  if (arity !== undefined && rawInputs.length !== arity) {
    const fromArrayCallback = isArrayCallbackCall(rawInputs);
    // Array.prototype.map (and forEach, filter, flatMap…) passes (element, index, array): a
    // one-input op used as their callback takes the element alone, so `[a, b].map(exp)` works.
    if (arity === 1 && fromArrayCallback) return toTensors(definition, rawInputs.slice(0, 1), true);
    const hint = fromArrayCallback
      ? `; these look like the (element, index, array) that Array.prototype.map passes to its callback: ` +
        `write xs.map((x) => ${definition.name}(x, …)) to give the other input(s)`
      : "";
    throw new Error(
      `${definition.name}: expects ${arity} input(s) (${definition.inputNames!.join(", ")}), got ${rawInputs.length}${hint}`,
    );
  }
  const kinds = definition.inputKinds;
  let dtype: DType | undefined;
  let allTensors = true;
  for (let j = 0; j < rawInputs.length; j++) {
    const input = rawInputs[j];
    const kind = kinds?.[j] ?? "value";
    if (input instanceof Tensor) {
      if (kind === "index") {
        if (input.dtype !== "int32") {
          throw new Error(
            `${definition.name}: ${inputLabel(definition, j)} holds indices and must be int32, got ${input.dtype}; ` +
              `make it with tensor(values, { dtype: 'int32' }) or astype(x, 'int32')`,
          );
        }
      } else if (kind === "value") {
        if (dtype !== undefined && input.dtype !== dtype) {
          throw new Error(
            `${definition.name}: inputs have different dtypes (${dtype} and ${input.dtype} for ${inputLabel(definition, j)}); ` +
              `tapegrad does not promote dtypes implicitly: convert one with astype(x, '${dtype}')`,
          );
        }
        if (input.dtype === "int32" && definition.acceptsInt32 !== true) {
          throw new Error(
            `${definition.name}: ${inputLabel(definition, j)} is int32, which holds indices and labels and takes no part ` +
              `in arithmetic or gradients; convert it with astype(x, 'float64') (or 'float32') first`,
          );
        }
        dtype = input.dtype;
      }
    } else if (typeof input === "number") {
      allTensors = false;
    } else {
      throw new Error(`${definition.name}: ${inputLabel(definition, j)} is ${describe(input)}; expected a Tensor or a number`);
    }
  }
  if (allTensors) return (ownsInputs ? rawInputs : rawInputs.slice()) as Tensor[];
  return rawInputs.map((input, j) => {
    if (input instanceof Tensor) return input;
    const kind = kinds?.[j] ?? "value";
    const scalarDType = kind === "index" ? "int32" : kind === "mask" ? DEFAULT_DTYPE : (dtype ?? DEFAULT_DTYPE);
    if (scalarDType === "int32" && !Number.isInteger(input)) {
      throw new Error(
        `${definition.name}: ${inputLabel(definition, j)} is the number ${input}, which cannot stand beside int32 ` +
          `tensors (it would be truncated); pass a whole number, or convert the tensors with astype(x, 'float64')`,
      );
    }
    return scalar(input, scalarDType);
  });
}

/** Whether the arguments are the (element, index, array) that Array.prototype.map and its kin pass to a callback. */
function isArrayCallbackCall(args: readonly unknown[]): boolean {
  if (args.length !== 3) return false;
  const [element, index, array] = args;
  return typeof index === "number" && Array.isArray(array) && array[index] === element;
}

function inputLabel(definition: OpDefinition<any>, j: number): string {
  const name = definition.inputNames?.[j];
  return `input ${j}${name ? ` ('${name}')` : ""}`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array (wrap it with tensor())";
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `a ${typeof value}`;
}
