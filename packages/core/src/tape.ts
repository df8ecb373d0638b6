import { anomalyModeOn, callSite, checkBackwardAnomaly, duringVjp } from "./anomaly";
import { formatShape, shapesEqual } from "./shape";
import { Tensor } from "./tensor";

/**
 * What the tape needs of an op: its name and input names (for messages) and its vjp.
 * (The full definition, with its forward, is `OpDefinition` in op.ts.)
 */
export interface RecordedOp {
  readonly name: string;
  readonly inputNames?: readonly string[];
  vjp(g: Tensor, context: { inputs: readonly Tensor[]; out: Tensor; attrs: any; needsGrad: readonly boolean[] }): readonly (Tensor | null)[];
}

/** One recorded op application: which op, on what, with which attributes, giving what. */
export interface TapeEntry {
  readonly op: RecordedOp;
  readonly inputs: readonly Tensor[];
  readonly out: Tensor;
  readonly attrs: unknown;
  /** Where the caller ran the op, recorded in anomaly mode only. */
  readonly site?: string;
}

/**
 * A recording of op applications in execution order. A tape tracks the tensors it was
 * asked to watch and every tensor computed from them while it was active; ops on
 * untracked tensors only are not recorded. The backward pass is a reverse loop over
 * `entries`. Tapes nest: an op is recorded on every active tape that tracks one of its
 * inputs, so the backward pass of an inner tape is itself recorded on the outer ones,
 * which is what makes gradients of gradients work.
 */
export class Tape {
  readonly entries: TapeEntry[] = [];
  private readonly tracked = new WeakSet<Tensor>();

  /**
   * Starts tracking `x`: everything computed from it while this tape is active is recorded.
   * int32 tensors (indices, labels) are never tracked: nothing is differentiated through them.
   */
  watch(x: Tensor): void {
    if (x.dtype !== "int32") this.tracked.add(x);
  }

  /** Whether `x` is watched by this tape or was computed from a watched tensor. */
  tracks(x: Tensor): boolean {
    return this.tracked.has(x);
  }
}

let activeTapes: readonly Tape[] = [];

/** Records an op application on every active tape that tracks one of its inputs. */
export function record(op: RecordedOp, inputs: readonly Tensor[], out: Tensor, attrs: unknown): void {
  if (out.dtype === "int32") return; // an integer result (argmax, a comparison of labels) carries no gradient
  for (let t = 0; t < activeTapes.length; t++) {
    const tape = activeTapes[t];
    for (let i = 0; i < inputs.length; i++) {
      if (tape.tracks(inputs[i])) {
        tape.entries.push(anomalyModeOn() ? { op, inputs, out, attrs, site: callSite() } : { op, inputs, out, attrs });
        tape.watch(out);
        break;
      }
    }
  }
}

const NO_TAPES: readonly Tape[] = [];

/** Stops all recording and returns what was active, for {@link resumeTapes}. */
export function pauseTapes(): readonly Tape[] {
  const saved = activeTapes;
  activeTapes = NO_TAPES;
  return saved;
}

/** Restores the tapes {@link pauseTapes} returned. */
export function resumeTapes(saved: readonly Tape[]): void {
  activeTapes = saved;
}

/** Runs `fn` with `tape` active (inside any tapes already active). */
export function withTape<T>(tape: Tape, fn: () => T): T {
  const saved = activeTapes;
  activeTapes = [...saved, tape];
  try {
    return fn();
  } finally {
    activeTapes = saved;
  }
}

/** Runs `fn` with no tape active: nothing it computes is recorded. */
export function withoutTapes<T>(fn: () => T): T {
  const saved = pauseTapes();
  try {
    return fn();
  } finally {
    resumeTapes(saved);
  }
}

/**
 * The reverse loop: propagates the seed cotangents back through `tape` and returns the
 * cotangent of every tracked tensor reached. Each vjp result is checked (one gradient
 * per input, each of its input's shape and dtype). `accumulate` adds two cotangents of
 * the same tensor (fan-out); it is passed in so that this file knows no op by name.
 * Intermediate cotangents are dropped as soon as they are used, unless `retainAll`.
 */
export function backward(
  tape: Tape,
  seeds: ReadonlyArray<readonly [Tensor, Tensor]>,
  accumulate: (a: Tensor, b: Tensor) => Tensor,
  { retainAll = false }: { retainAll?: boolean } = {},
): Map<Tensor, Tensor> {
  const cotangents = new Map<Tensor, Tensor>();
  const addCotangent = (x: Tensor, g: Tensor): void => {
    const existing = cotangents.get(x);
    cotangents.set(x, existing === undefined ? g : accumulate(existing, g));
  };
  for (const [x, g] of seeds) addCotangent(x, g);

  for (let i = tape.entries.length - 1; i >= 0; i--) {
    const { op, inputs, out, attrs, site } = tape.entries[i];
    const g = cotangents.get(out);
    if (g === undefined) continue;
    if (!retainAll) cotangents.delete(out);
    const needsGrad = new Array<boolean>(inputs.length);
    for (let j = 0; j < inputs.length; j++) needsGrad[j] = tape.tracks(inputs[j]);
    const grads = duringVjp(op, site, () => runVjp(op, g, inputs, out, attrs, needsGrad));
    checkVjpResult(op, inputs, grads);
    checkBackwardAnomaly(op, inputs, grads, g, site);
    for (let j = 0; j < inputs.length; j++) {
      const gradient = grads[j];
      if (gradient !== null && needsGrad[j]) addCotangent(inputs[j], gradient);
    }
  }
  return cotangents;
}

/** Runs an op's vjp; an error inside it is re-thrown naming the op being differentiated, the original as its cause. */
function runVjp(
  op: RecordedOp,
  g: Tensor,
  inputs: readonly Tensor[],
  out: Tensor,
  attrs: unknown,
  needsGrad: boolean[],
): readonly (Tensor | null)[] {
  try {
    return op.vjp(g, { inputs, out, attrs, needsGrad });
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("anomaly in the")) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const shapes = inputs.map((x) => formatShape(x.shape)).join(", ");
    throw new Error(
      `while differentiating op '${op.name}' (inputs ${shapes}, output ${formatShape(out.shape)}), its vjp failed: ${message}`,
      { cause: error },
    );
  }
}

function checkVjpResult(op: RecordedOp, inputs: readonly Tensor[], grads: unknown): asserts grads is readonly (Tensor | null)[] {
  if (!Array.isArray(grads) || grads.length !== inputs.length) {
    const got = Array.isArray(grads) ? `${grads.length} gradients` : String(grads);
    throw new Error(
      `vjp of op '${op.name}' returned ${got} for its ${inputs.length} input(s); ` +
        `return an array with one gradient per input, in order, and null for an input without one`,
    );
  }
  grads.forEach((gradient: unknown, j) => {
    const input = inputs[j];
    const label = `input ${j}${op.inputNames?.[j] ? ` ('${op.inputNames[j]}')` : ""}`;
    if (gradient === null) return;
    if (!(gradient instanceof Tensor)) {
      throw new Error(`vjp of op '${op.name}' returned ${String(gradient)} for ${label}; expected a Tensor or null`);
    }
    if (!shapesEqual(gradient.shape, input.shape)) {
      throw new Error(
        `vjp of op '${op.name}' returned a gradient of shape ${formatShape(gradient.shape)} for ${label}, ` +
          `whose shape is ${formatShape(input.shape)}`,
      );
    }
    if (gradient.dtype !== input.dtype) {
      throw new Error(`vjp of op '${op.name}' returned a ${gradient.dtype} gradient for ${label}, which is ${input.dtype}`);
    }
  });
}
