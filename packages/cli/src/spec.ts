import { Random, tensor, type FloatDType } from "@tapegrad/core";
import { ACTIVATIONS, ACTIVATION_NAMES, mlp, OUTPUT_KINDS, OUTPUTS, type ActivationName, type Convention, type Dataset, type Model, type OutputKind } from "@tapegrad/nn";
import type { GradientTolerance } from "./agreement";
import { InputError } from "./errors";

/** A network spec, as `tapegrad check` and `tapegrad graph` read it from JSON. */
export interface NetworkSpec {
  /** [n0, n1, …, nL]. */
  sizes: number[];
  /** Hidden activations, one per hidden layer. */
  hidden: ActivationName[];
  /** The output layer's kind. */
  output: OutputKind;
  /** The batch layout. */
  convention: Convention;
  /** Seed of the parameters and of the random batch. */
  seed: number;
  /** Examples in the random batch. */
  batchSize: number;
  /** The dtype of the tape's computation. */
  dtype: FloatDType;
  /** Largest accepted relative differences of the tape from the hand-derived gradients and from finite differences. */
  tolerance: GradientTolerance;
}

/** The activations a spec may name for hidden layers: those with an element-wise g′ in the table (the hand-derived backprop needs it). */
const HIDDEN_ACTIVATIONS = ACTIVATION_NAMES.filter((name) => ACTIVATIONS[name].gPrime !== undefined);
const FIELDS = ["sizes", "hidden", "output", "loss", "convention", "seed", "batchSize", "dtype", "tolerance"];

/**
 * Reads and checks a network spec. Every problem is reported as a one-line error naming the
 * file and the field.
 * @example `parseSpec('{"sizes": [2, 4, 1], "output": "sigmoid", "convention": "row"}', "net.json")`
 */
export function parseSpec(text: string, file: string): NetworkSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new InputError(`${file}: a spec is a JSON object with at least "sizes"`);
  const spec = raw as Record<string, any>;
  const bad = (field: string, problem: string) => new InputError(`${file}: field '${field}' ${problem}`);
  for (const key of Object.keys(spec)) if (!FIELDS.includes(key)) throw bad(key, `is not a spec field; the fields are ${FIELDS.join(", ")}`);

  const { sizes } = spec;
  if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 4096)) {
    throw bad("sizes", "must list at least two layer widths [n0, …, nL], each an integer from 1 to 4096");
  }
  const hiddenLayers = sizes.length - 2;
  const hidden: unknown[] = Array.isArray(spec.hidden) ? spec.hidden : new Array(hiddenLayers).fill(spec.hidden ?? "tanh");
  if (hidden.length !== hiddenLayers) throw bad("hidden", `lists ${hidden.length} activations, but sizes ${JSON.stringify(sizes)} has ${hiddenLayers} hidden layer(s)`);
  for (const activation of hidden) {
    if (typeof activation !== "string" || !(HIDDEN_ACTIVATIONS as readonly string[]).includes(activation)) {
      throw bad("hidden", `has ${JSON.stringify(activation)}; use ${HIDDEN_ACTIVATIONS.join(", ")}`);
    }
  }
  const output = spec.output ?? "sigmoid";
  if (typeof output !== "string" || !Object.hasOwn(OUTPUTS, output)) {
    throw bad("output", `must be ${OUTPUT_KINDS.map((kind) => `'${kind}'`).join(", ")}, got ${JSON.stringify(output)}`);
  }
  const { lossName } = OUTPUTS[output as OutputKind];
  if (output === "softmax" && sizes.at(-1) < 2) throw bad("sizes", "ends with 1 unit, but a softmax output needs at least 2 classes");
  if (spec.loss !== undefined && spec.loss !== lossName) {
    throw bad("loss", `is ${JSON.stringify(spec.loss)}, but a ${output} output takes ${lossName}`);
  }
  const convention = spec.convention ?? "row";
  if (convention !== "row" && convention !== "column") throw bad("convention", `must be 'row' or 'column', got ${JSON.stringify(convention)}`);
  const seed = spec.seed ?? 0;
  if (!Number.isInteger(seed)) throw bad("seed", `must be an integer, got ${JSON.stringify(seed)}`);
  const batchSize = spec.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw bad("batchSize", `must be an integer from 1 to 100000, got ${JSON.stringify(batchSize)}`);
  const dtype = spec.dtype ?? "float64";
  if (dtype !== "float64" && dtype !== "float32") throw bad("dtype", `must be 'float64' or 'float32', got ${JSON.stringify(dtype)}`);
  const defaults = dtype === "float64" ? { handDerived: 1e-9, finiteDifferences: 1e-6 } : { handDerived: 1e-4, finiteDifferences: 1e-3 };
  const given = spec.tolerance ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given)) throw bad("tolerance", 'must be an object such as { "handDerived": 1e-9, "finiteDifferences": 1e-6 }');
  for (const key of Object.keys(given)) if (!Object.hasOwn(defaults, key)) throw bad("tolerance", `has '${key}'; its fields are handDerived and finiteDifferences`);
  const tolerance = { ...defaults, ...given };
  for (const key of ["handDerived", "finiteDifferences"] as const) {
    if (!(typeof tolerance[key] === "number" && tolerance[key] >= 0)) throw bad("tolerance", `.${key} must be a non-negative number`);
  }
  return { sizes, hidden: hidden as ActivationName[], output: output as OutputKind, convention, seed, batchSize, dtype, tolerance };
}

/**
 * The spec's network, with parameters from its seed.
 * @example `specModel(parseSpec(text, "net.json")).params // layer1.W, layer1.b, …`
 */
export function specModel(spec: NetworkSpec): Model {
  return mlp({ sizes: spec.sizes, hidden: spec.hidden, output: spec.output, convention: spec.convention, seed: spec.seed, dtype: spec.dtype });
}

/**
 * A random batch for the spec, in its convention: inputs ~ N(0, 1); 0/1, one-hot or normal targets.
 * @example `const { inputs, targets } = specBatch(spec);`
 */
export function specBatch(spec: NetworkSpec): Dataset {
  const rng = new Random(spec.seed + 1);
  const m = spec.batchSize;
  const [n0, nL] = [spec.sizes[0], spec.sizes.at(-1)!];
  const inputs = Array.from({ length: m }, () => Array.from({ length: n0 }, () => rng.normal()));
  const targets = Array.from({ length: m }, () => {
    if (spec.output === "softmax") {
      const label = rng.int(nL);
      return Array.from({ length: nL }, (_, c) => (c === label ? 1 : 0));
    }
    return Array.from({ length: nL }, () => (spec.output === "sigmoid" ? rng.int(2) : rng.normal()));
  });
  const layout = (rows: number[][]) => tensor(spec.convention === "row" ? rows : rows[0].map((_, j) => rows.map((r) => r[j])), { dtype: spec.dtype });
  return { inputs: layout(inputs), targets: layout(targets) };
}
