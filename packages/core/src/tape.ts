import { anomalyModeOn, callSite, checkBackwardAnomaly, duringVjp } from "./anomaly";
import { formatShape, shapesEqual } from "./shape";
import {
  anyStorageExposed,
  beginInternalAccess,
  currentFingerprint,
  endInternalAccess,
  fingerprintWhenExposed,
  isConstantZeros,
  storageOf,
  Tensor,
} from "./tensor";

/**
 * What the tape needs of an op: its name and input names (for messages) and its vjp.
 * (The full definition, with its forward, is `OpDefinition` in op.ts.)
 */
export interface RecordedOp {
  readonly name: string;
  readonly inputNames?: readonly string[];
  /** Whether the vjp's results may not be differentiated again (see `OpDefinition.onceDifferentiable`). */
  readonly onceDifferentiable?: boolean;
  vjp(g: Tensor, context: { inputs: readonly Tensor[]; out: Tensor; attrs: any; needsGrad: readonly boolean[] }): readonly (Tensor | null)[];
}

/** One recorded op application: which op, on what, with which attributes, giving what. */
export interface TapeEntry {
  readonly op: RecordedOp;
  readonly inputs: readonly Tensor[];
  readonly out: Tensor;
  readonly attrs: unknown;
  /** Where the caller ran the op, recorded in anomaly mode only. */
  readonly site: string | undefined;
  /**
   * Fingerprints of the values of the inputs and then the output, as the op saw them, for
   * those whose storage had been handed out to code outside the ops (undefined elsewhere,
   * and undefined altogether when none had): the backward pass checks them.
   */
  readonly fingerprints: readonly (number | undefined)[] | undefined;
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
   * @param keepsEntries false for a tape that only tracks what is computed from its watched
   *   tensors, without recording the ops (the backward pass uses one on its seeds).
   */
  constructor(readonly keepsEntries = true) {}

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
  let entry: TapeEntry | undefined;
  for (let t = 0; t < activeTapes.length; t++) {
    const tape = activeTapes[t];
    for (let i = 0; i < inputs.length; i++) {
      if (tape.tracks(inputs[i])) {
        entry ??= {
          op,
          inputs,
          out,
          attrs,
          site: anomalyModeOn() ? callSite() : undefined,
          fingerprints: anyStorageExposed() ? fingerprintsOf(inputs, out) : undefined,
        };
        if (tape.keepsEntries) tape.entries.push(entry);
        tape.watch(out);
        break;
      }
    }
  }
}

/** The fingerprints of the inputs and the output whose storage was handed out, or undefined if none was. */
function fingerprintsOf(inputs: readonly Tensor[], out: Tensor): (number | undefined)[] | undefined {
  let fingerprints: (number | undefined)[] | undefined;
  for (let k = 0; k <= inputs.length; k++) {
    const fingerprint = currentFingerprint(k < inputs.length ? inputs[k] : out);
    if (fingerprint === undefined) continue;
    fingerprints ??= new Array<number | undefined>(inputs.length + 1).fill(undefined);
    fingerprints[k] = fingerprint;
  }
  return fingerprints;
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

/**
 * Starts an op's forward computation: stops all recording (what the forward does is not
 * recorded; the op is, as one step) and lets kernels read tensors' storage without
 * bookkeeping. Returns what {@link endForward} restores.
 */
export function beginForward(): readonly Tape[] {
  beginInternalAccess();
  return pauseTapes();
}

/** Ends what {@link beginForward} began. */
export function endForward(saved: readonly Tape[]): void {
  endInternalAccess();
  resumeTapes(saved);
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
 *
 * Before an entry's vjp runs, the values it will read are checked against the tape's
 * fingerprints (see {@link Tensor} on immutability). While outer tapes are recording (a
 * gradient of this gradient is being taken), a tape of the pass's own tracks what is
 * computed from the seeds, so that a vjp whose result depends neither on g nor on the
 * outer tapes' tensors (one computed on raw arrays) is caught instead of giving a zero
 * second derivative.
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

  const outer = activeTapes;
  const own = outer.length > 0 ? new Tape(false) : undefined;
  const reverseLoop = (): Map<Tensor, Tensor> => {
    for (let i = tape.entries.length - 1; i >= 0; i--) {
      const { op, inputs, out, attrs, site } = tape.entries[i];
      const g = cotangents.get(out);
      if (g === undefined) continue;
      if (!retainAll) cotangents.delete(out);
      if (anyStorageExposed()) checkUnchanged(tape, i);
      const needsGrad = new Array<boolean>(inputs.length);
      for (let j = 0; j < inputs.length; j++) needsGrad[j] = tape.tracks(inputs[j]);
      let grads = duringVjp(op, site, () => runVjp(op, g, inputs, out, attrs, needsGrad));
      checkVjpResult(op, inputs, grads);
      beginInternalAccess();
      try {
        checkBackwardAnomaly(op, inputs, grads, g, site);
      } finally {
        endInternalAccess();
      }
      if (own !== undefined) grads = connectForHigherOrder(op, inputs, g, grads, needsGrad, outer, own);
      for (let j = 0; j < inputs.length; j++) {
        const gradient = grads[j];
        if (gradient !== null && needsGrad[j]) addCotangent(inputs[j], gradient);
      }
    }
    return cotangents;
  };
  if (own === undefined) return reverseLoop();
  for (const [, g] of seeds) own.watch(g);
  return withTape(own, reverseLoop);
}

/** Errors thrown from a vjp that are reported as they are, not wrapped in "while differentiating …". */
const reportedAsIs = new WeakSet<object>();

/** Runs an op's vjp; an error inside it is re-thrown naming the op being differentiated, the original as its cause. */
function runVjp(
  op: RecordedOp,
  g: Tensor,
  inputs: readonly Tensor[],
  out: Tensor,
  attrs: unknown,
  needsGrad: boolean[],
): readonly (Tensor | null)[] {
  beginInternalAccess();
  try {
    return op.vjp(g, { inputs, out, attrs, needsGrad });
  } catch (error) {
    if (error instanceof Error && (error.message.startsWith("anomaly in the") || reportedAsIs.has(error))) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const shapes = inputs.map((x) => formatShape(x.shape)).join(", ");
    throw new Error(
      `while differentiating op '${op.name}' (inputs ${shapes}, output ${formatShape(out.shape)}), its vjp failed: ${message}`,
      { cause: error },
    );
  } finally {
    endInternalAccess();
  }
}

/**
 * Throws if a tensor that tape entry `index` recorded (an input or its output) no longer
 * holds the values the op saw: its storage was written to after it was handed out.
 */
function checkUnchanged(tape: Tape, index: number): void {
  const { op, inputs, out, fingerprints } = tape.entries[index];
  for (let k = 0; k <= inputs.length; k++) {
    const x = k < inputs.length ? inputs[k] : out;
    const now = currentFingerprint(x);
    if (now === undefined || now === (fingerprints?.[k] ?? fingerprintWhenExposed(x))) continue;
    const which = k < inputs.length ? `input ${k}${op.inputNames?.[k] ? ` ('${op.inputNames[k]}')` : ""} of op '${op.name}'` : `the output of op '${op.name}'`;
    const producer = tape.entries.slice(0, index).find((entry) => storageOf(entry.out) === storageOf(x));
    const origin =
      k === inputs.length ? "" : producer ? ` (the output of op '${producer.op.name}')` : " (an argument of the differentiated function, or a tensor made outside it)";
    throw new Error(
      `a recorded tensor was changed: ${which}${origin}, shape ${formatShape(x.shape)}, no longer holds the values the op ` +
        `was recorded with, so its gradient would be wrong. Its values were written through .data or .array (of it, or ` +
        `of a tensor sharing its storage, such as a reshape of it) after the op ran. Tensors are immutable: instead of ` +
        `writing into one, make a new tensor (tensor(values) copies) or compute it with ops (where, add, …)`,
    );
  }
}

/**
 * While outer tapes record: if the vjp's inputs or g are tracked by one of them, its
 * results must be too, or the outer gradient through them would silently be zero.
 * - A once-differentiable op's results are passed through a node whose own vjp throws, so
 *   that differentiating them again raises an error naming the op.
 * - Otherwise, when g is computed from the seeds or an outer tape's tensors, every
 *   non-null result must be too (a gradient is linear in g, so a rule written with tensor
 *   ops always is), unless it was made by zeros or zerosLike: a constant zero gradient
 *   (a piecewise-constant op's; pow's for the exponent 0). Merely being all zeros is not
 *   enough: a raw-array rule gives zeros for g = 0, which jvp uses.
 */
function connectForHigherOrder(
  op: RecordedOp,
  inputs: readonly Tensor[],
  g: Tensor,
  grads: readonly (Tensor | null)[],
  needsGrad: readonly boolean[],
  outer: readonly Tape[],
  own: Tape,
): readonly (Tensor | null)[] {
  if (!outer.some((t) => t.tracks(g) || inputs.some((x) => t.tracks(x)))) return grads;
  if (op.onceDifferentiable === true) {
    return grads.map((gradient, j) => (gradient === null || !needsGrad[j] ? gradient : onceDifferentiableNode(op, g, inputs, gradient)));
  }
  const tracked = (x: Tensor) => own.tracks(x) || outer.some((t) => t.tracks(x));
  if (!tracked(g)) return grads; // g is itself a constant (an upstream gradient was): so may the results be
  grads.forEach((gradient, j) => {
    if (gradient === null || !needsGrad[j] || tracked(gradient) || isConstantZeros(gradient)) return;
    const label = `input ${j}${op.inputNames?.[j] ? ` ('${op.inputNames[j]}')` : ""}`;
    throw new Error(
      `vjp of op '${op.name}' returned a gradient for ${label} that is not computed with tensor ops from g or the op's ` +
        `inputs and output (raw arrays?), while a gradient of this gradient is being taken (grad of grad, a Hessian, ` +
        `jvp): through '${op.name}' it would silently be zero. Write the vjp with tensor ops (for example mul(g, out) ` +
        `rather than a new tensor made from .data), or define the op with onceDifferentiable: true, so that a second ` +
        `derivative through it raises an error instead`,
    );
  });
  return grads;
}

/** `gradient` as a new node, recorded on the outer tapes, whose vjp refuses to differentiate the once-differentiable `op`. */
function onceDifferentiableNode(op: RecordedOp, g: Tensor, inputs: readonly Tensor[], gradient: Tensor): Tensor {
  const node: RecordedOp = {
    name: `vjp of ${op.name}`,
    vjp: () => {
      const error = new Error(
        `op '${op.name}' is once-differentiable (defined with onceDifferentiable: true): its vjp cannot be ` +
          `differentiated, so a gradient of a gradient through it (grad of grad, a Hessian, hvp, jvp) is not ` +
          `available. Write its vjp with tensor ops and drop the flag to get one`,
      );
      reportedAsIs.add(error);
      throw error;
    },
  };
  const out = new Tensor(storageOf(gradient), gradient.shape);
  record(node, [g, ...inputs], out, undefined);
  return out;
}

function checkVjpResult(op: RecordedOp, inputs: readonly Tensor[], grads: unknown): asserts grads is readonly (Tensor | null)[] {
  if (!Array.isArray(grads) || grads.length !== inputs.length) {
    const got = Array.isArray(grads) ? `${grads.length} gradients` : String(grads);
    throw new Error(
      `vjp of op '${op.name}' returned ${got} for its ${inputs.length} input(s); ` +
        `return an array with one gradient per input, in order, and null for an input without one`,
    );
  }
  for (let j = 0; j < inputs.length; j++) {
    const gradient: unknown = grads[j];
    if (gradient === null) continue;
    const input = inputs[j];
    if (gradient instanceof Tensor && gradient.dtype === input.dtype && shapesEqual(gradient.shape, input.shape)) continue;
    const label = `input ${j}${op.inputNames?.[j] ? ` ('${op.inputNames[j]}')` : ""}`; // built only for the error
    if (!(gradient instanceof Tensor)) {
      throw new Error(`vjp of op '${op.name}' returned ${String(gradient)} for ${label}; expected a Tensor or null`);
    }
    if (!shapesEqual(gradient.shape, input.shape)) {
      throw new Error(
        `vjp of op '${op.name}' returned a gradient of shape ${formatShape(gradient.shape)} for ${label}, ` +
          `whose shape is ${formatShape(input.shape)}`,
      );
    }
    throw new Error(`vjp of op '${op.name}' returned a ${gradient.dtype} gradient for ${label}, which is ${input.dtype}`);
  }
}
