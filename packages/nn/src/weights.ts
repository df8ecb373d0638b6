import { formatShape, tensor, type FloatDType } from "@tapegrad/core";
import { activationNamed } from "./activation";
import type { Convention } from "./convention";
import { dense } from "./dense";
import type { Layer, LayerDescription, Params } from "./layer";
import { LAYER_KINDS } from "./layers";
import { mlp, sequential, type Architecture, type MlpArchitecture, type Model } from "./model";
import { outputNamed } from "./output";

// Weights as JSON text, with no file I/O (that is in node.ts, the "@tapegrad/nn/node" entry),
// so that this module bundles for browsers. Reading trusts nothing: the whole file is checked
// against itself, against the limits below and against the model before any tensor or model
// is built, and every name read from a file is looked up as an own property (or in a Map).

const FORMAT = "tapegrad-weights";
/** The version written; version 1 (the same layout without `state`) is still read. */
const VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** A saved tensor has at most this many axes. */
const MAX_RANK = 8;
/** A saved model has at most this many layers. */
const MAX_LAYERS = 10_000;
/** The architecture nests objects and lists at most this deep. */
const MAX_NESTING = 16;
/** The largest finite float32, (2 − 2⁻²³)·2¹²⁷. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** The JSON layout of a weights file. Values are JSON numbers, which round-trip float64 exactly. */
export interface WeightsFile {
  /** Always `"tapegrad-weights"`. */
  format: typeof FORMAT;
  /** The layout's version: 2 (version 1 files, which have no `state`, are still read). */
  version: number;
  /** The convention the parameters are laid out for. */
  convention: Convention;
  /** The parameters' dtype (the state's too). */
  dtype: FloatDType;
  /** What the model is: its kind, its layers' descriptions, its output. */
  architecture: Architecture;
  /** Each parameter, by name. */
  parameters: Record<string, SavedParameter>;
  /** Each entry of the model's non-trainable state (batch norm's running statistics), by name. */
  state: Record<string, SavedParameter>;
}

/** One parameter or state entry in a weights file. */
export interface SavedParameter {
  /** The tensor's shape. */
  shape: number[];
  /** Its values in row-major order. */
  values: number[];
}

/** What {@link readWeights} reads from a file: a model's parameters and its state. */
export interface LoadedWeights {
  /** The parameters, by name (for {@link Model.setParams}). */
  params: Params;
  /** The non-trainable state, by name (for {@link Model.state}); empty for a model without state. */
  state: Params;
}

/**
 * Rebuilds a layer from its saved description and the model's convention: the shape of
 * the entries of `LAYER_KINDS`, and of those passed as `layerKinds`.
 * @example
 * ```ts
 * const rebuildScale: LayerFactory = (description) => new Scale(description.name, description.features as number);
 * ```
 */
export type LayerFactory = (description: LayerDescription, convention: Convention) => Layer<any, any>;

/** Options of {@link modelFromWeights}. */
export interface ModelFromWeightsOptions {
  /** What to call the text in error messages (a path, a URL); `"weights"` by default. */
  source?: string;
  /** How to rebuild layer kinds of your own, by kind; they are looked up before the built-in `LAYER_KINDS`. */
  layerKinds?: Record<string, LayerFactory>;
}

/**
 * The model's parameters, state, convention, dtype and architecture as JSON text (the
 * layout of {@link WeightsFile}). Refuses weights holding NaN or Infinity (a diverged
 * model), naming the parameter.
 * @example
 * ```ts
 * const text = serializeWeights(model);
 * const again = modelFromWeights(text); // for an mlp or a sequential model
 * ```
 */
export function serializeWeights(model: Model<any, any, any>): string {
  return weightsText(model, "serializeWeights");
}

/**
 * Reads weights from JSON text and checks them all against `model`: format, version,
 * convention, dtype, the architecture, and every parameter's and state entry's presence,
 * shape and values (finite, and within float32's range for a float32 model). Returns the
 * parameters without changing the model (see {@link readWeights} for the state too);
 * throws an error naming the first problem.
 * @example `model.setParams(parseWeights(text, model))`
 */
export function parseWeights(text: string, model: Model<any, any, any>, source = "weights"): Params {
  return readWeights(text, model, source).params;
}

/**
 * Like {@link parseWeights}, and returns the model's non-trainable state as well (batch
 * norm's running statistics): everything the file holds for `model`, checked whole.
 * @example
 * ```ts
 * const { params, state } = readWeights(text, model);
 * model.setParams(params);
 * model.state = state;
 * ```
 */
export function readWeights(text: string, model: Model<any, any, any>, source = "weights"): LoadedWeights {
  const file = readWeightsFile(text, source);
  if (file.convention !== model.convention) {
    throw new Error(
      `${source}: the weights are laid out for the '${file.convention}' convention, but the model uses '${model.convention}'; ` +
        `build the model with convention '${file.convention}', or convert the parameters with transposeParameters`,
    );
  }
  if (file.dtype !== model.dtype) throw new Error(`${source}: the weights are ${file.dtype}, but the model is ${model.dtype}`);
  const difference = firstDifference(file.architecture, JSON.parse(JSON.stringify(model.architecture)), "architecture");
  if (difference !== undefined) throw new Error(`${source}: the file describes another architecture than the model's: ${difference}`);
  const stateNote = file.version === 1 ? " (a version 1 file holds no state)" : "";
  checkEntries(file.parameters, model.parameterShapes(), "parameter", source, "");
  checkEntries(file.state, stateShapes(model.layers), "state entry", source, stateNote);
  return { params: toTensors(file.parameters, file.dtype), state: toTensors(file.state, file.dtype) };
}

/**
 * Rebuilds a saved `mlp` or `sequential` model from its text alone: each layer from its
 * description through the table of built-in kinds `LAYER_KINDS` (or `layerKinds`), with the saved parameters
 * and state. Everything is checked before any layer's tensor is built, so a small file
 * claiming huge layers is refused from its value counts. A `graph` model's forward pass
 * is code: build it and use {@link readWeights}.
 * @example
 * ```ts
 * const model = modelFromWeights(await (await fetch("weights.json")).text(), { source: "weights.json" });
 * model.predict(X);
 * ```
 */
export function modelFromWeights(text: string, options: ModelFromWeightsOptions = {}): Model {
  const source = options.source ?? "weights";
  return rebuildModel(readWeightsFile(text, source), options.layerKinds ?? {}, source);
}

// ---------------------------------------------------------------------------------------
// The parts below are shared with node.ts, not part of the public API.

/** A weights file after every check that needs no model. @internal */
export interface CheckedWeightsFile {
  version: number;
  convention: Convention;
  dtype: FloatDType;
  architecture: Architecture;
  parameters: Map<string, SavedParameter>;
  state: Map<string, SavedParameter>;
}

/** The JSON text of a model's weights; `caller` names the function in errors. @internal */
export function weightsText(model: Model<any, any, any>, caller: string): string {
  const file: WeightsFile = {
    format: FORMAT,
    version: VERSION,
    convention: model.convention,
    dtype: model.dtype,
    architecture: model.architecture,
    parameters: savedTensors(model.params, "parameter", caller),
    state: savedTensors(model.state, "state entry", caller),
  };
  return JSON.stringify(file);
}

/**
 * Parses and checks a weights file on its own: its JSON (complete, no key twice in one
 * object), format, version, fields, convention, dtype, the architecture's structure
 * (within the limits), and every entry's shape against its value count and its values.
 * Builds nothing. @internal
 */
export function readWeightsFile(text: string, source: string): CheckedWeightsFile {
  const file = parseJson(text, source);
  const version = own(file, "version");
  if (typeof version !== "number" || !READABLE_VERSIONS.includes(version)) {
    const newer = typeof version === "number" && version > VERSION ? " (it was written by a newer tapegrad)" : "";
    throw new Error(`${source}: weights format version ${preview(version)} is not supported${newer}; this tapegrad reads versions ${READABLE_VERSIONS.join(" and ")}`);
  }
  const fields = ["format", "version", "convention", "dtype", "architecture", "parameters", ...(version >= 2 ? ["state"] : [])];
  checkFields(file, fields, `${source}: a version ${version} weights file`);
  for (const field of fields) if (!Object.hasOwn(file, field)) throw new Error(`${source}: the file has no "${field}" field`);
  const convention = own(file, "convention");
  if (convention !== "row" && convention !== "column") {
    throw new Error(`${source}: the file's convention must be 'row' or 'column', got ${preview(convention)}`);
  }
  const dtype = own(file, "dtype");
  if (dtype !== "float64" && dtype !== "float32") throw new Error(`${source}: the file's dtype must be 'float64' or 'float32', got ${preview(dtype)}`);
  return {
    version,
    convention,
    dtype,
    architecture: checkArchitecture(own(file, "architecture"), source),
    parameters: savedEntries(own(file, "parameters"), "parameters", "parameter", dtype, source),
    state: version >= 2 ? savedEntries(own(file, "state"), "state", "state entry", dtype, source) : new Map(),
  };
}

/** Builds the model a checked file describes (an mlp or a sequential model). @internal */
export function rebuildModel(file: CheckedWeightsFile, layerKinds: Record<string, LayerFactory>, source: string): Model {
  const { architecture, convention, dtype } = file;
  if (architecture.kind === "graph") {
    throw new Error(
      `${source}: the file holds a graph model, which needs its code; build the model and use loadWeights(model, path) ` +
        `(from @tapegrad/nn/node), or readWeights(text, model)`,
    );
  }
  outputNamed(architecture.output, `${source}: the architecture`);
  if (!isRecord(layerKinds)) throw new Error(`${source}: layerKinds must be an object of layer factories, by kind`);
  const layers = architecture.kind === "mlp" ? mlpLayers(architecture, convention, source) : architecture.layers.map((d) => rebuildLayer(d, convention, layerKinds, source));
  // Shapes and value counts first: only then are tensors and the model built.
  checkEntries(file.parameters, Object.assign({}, ...layers.map((layer) => parameterShapesOf(layer))), "parameter", source, "");
  checkEntries(file.state, stateShapes(layers), "state entry", source, file.version === 1 ? " (a version 1 file holds no state)" : "");
  const params = toTensors(file.parameters, dtype);
  const model =
    architecture.kind === "mlp"
      ? mlp({ sizes: architecture.sizes, hidden: architecture.hidden, output: architecture.output, convention, dtype, params })
      : sequential(layers, { convention, output: architecture.output, dtype, params });
  model.state = toTensors(file.state, dtype);
  const difference = firstDifference(architecture, JSON.parse(JSON.stringify(model.architecture)), "architecture");
  if (difference !== undefined) throw new Error(`${source}: the rebuilt model does not match the file: ${difference}`);
  return model;
}

// ---------------------------------------------------------------------------------------

function savedTensors(tensors: Params, what: string, caller: string): Record<string, SavedParameter> {
  return Object.fromEntries(
    Object.entries(tensors).map(([name, value]) => {
      const bad = value.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`${caller}: ${what} '${name}' holds ${value.data[bad]} at index ${bad}; refusing to save diverged weights`);
      return [name, { shape: [...value.shape], values: Array.from(value.data) }];
    }),
  );
}

/** The JSON object in `text`, or an error saying why it is not a complete weights file. */
function parseJson(text: string, source: string): Record<string, unknown> {
  if (typeof text !== "string") throw new Error(`${source}: weights are JSON text, got ${preview(text)}`);
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text; // a byte-order mark some editors add
  if (body.trim() === "") throw new Error(`${source}: the file is empty, not a weights file`);
  let file: unknown;
  try {
    file = JSON.parse(body);
  } catch (error) {
    // Raw control characters never appear in JSON text (outside whitespace); U+FFFD stands for bytes that are not
    // UTF-8 (at the very end it is a character cut in two, as in a truncated file).
    if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(body.replace(/\ufffd+$/, ""))) throw new Error(`${source}: not a weights file: it holds binary data, not JSON text`);
    if (!body.trimStart().startsWith("{")) throw new Error(`${source}: not a tapegrad weights file (it is not a JSON object: ${(error as Error).message})`);
    throw new Error(`${source}: not a complete weights file (the JSON does not parse: ${(error as Error).message}); it may be truncated`);
  }
  if (!isRecord(file) || own(file, "format") !== FORMAT) throw new Error(`${source}: not a tapegrad weights file (it lacks "format": "${FORMAT}")`);
  const duplicate = duplicateKey(body);
  if (duplicate !== undefined) {
    throw new Error(`${source}: the key ${JSON.stringify(duplicate)} appears twice in one object; a weights file names each entry once, so it is ambiguous`);
  }
  return file;
}

/**
 * The first key that appears twice in one object of `text` (valid JSON), after decoding
 * escapes, or undefined. JSON.parse keeps the last of two equal keys without a word.
 */
function duplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = []; // the open containers: a set of keys per object, null per list
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) objects.push(new Set());
    else if (c === 0x5b /* [ */) objects.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) objects.pop();
    else if (c === 0x22 /* " */) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true;
          i++;
        }
      }
      const keys = objects.at(-1);
      if (!keys) continue;
      let next = i + 1;
      while (/\s/.test(text[next] ?? "")) next++;
      if (text[next] !== ":") continue; // a string value, not a key
      const raw = text.slice(start, i);
      const key: string = escaped ? JSON.parse(`"${raw}"`) : raw;
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
}

function checkArchitecture(value: unknown, source: string): Architecture {
  const where = `${source}: the architecture`;
  if (!isRecord(value)) throw new Error(`${where} must be an object with a "kind", got ${preview(value)}`);
  checkNesting(value, 0, where);
  const kind = own(value, "kind");
  if (kind !== "mlp" && kind !== "sequential" && kind !== "graph") {
    throw new Error(`${where} has kind ${preview(kind)}; a weights file holds an 'mlp', a 'sequential' or a 'graph' model`);
  }
  const output = own(value, "output");
  if (typeof output !== "string") throw new Error(`${where} needs an output kind (a string), got ${preview(output)}`);
  if (kind === "mlp") {
    const sizes = own(value, "sizes");
    const hidden = own(value, "hidden");
    if (!Array.isArray(sizes) || sizes.length < 2 || sizes.length > MAX_LAYERS + 1) {
      throw new Error(`${where}: an mlp's sizes must list 2 to ${MAX_LAYERS + 1} widths [n0, …, nL], got ${Array.isArray(sizes) ? `${sizes.length} entries` : preview(sizes)}`);
    }
    const bad = sizes.findIndex((n) => !Number.isSafeInteger(n) || n < 1);
    if (bad >= 0) throw new Error(`${where}: an mlp's sizes must be positive integers, but sizes[${bad}] is ${preview(sizes[bad])}`);
    if (!Array.isArray(hidden) || hidden.length !== sizes.length - 2 || hidden.some((a) => typeof a !== "string")) {
      throw new Error(`${where}: an mlp with sizes of length ${sizes.length} needs ${sizes.length - 2} hidden activation name(s)`);
    }
  } else {
    const layers = own(value, "layers");
    if (!Array.isArray(layers) || layers.length > MAX_LAYERS) {
      throw new Error(`${where}: a ${kind} model lists at most ${MAX_LAYERS} layer descriptions, got ${Array.isArray(layers) ? layers.length : preview(layers)}`);
    }
    if (kind === "sequential" && layers.length === 0) throw new Error(`${where}: a sequential model has at least one layer`);
    layers.forEach((layer, i) => {
      if (!isRecord(layer) || typeof own(layer, "kind") !== "string" || typeof own(layer, "name") !== "string") {
        throw new Error(`${where}: layer ${i} must be a description with a "kind" and a "name" (strings), got ${preview(layer)}`);
      }
    });
  }
  return value as unknown as Architecture;
}

/** Throws if `value` nests objects and lists deeper than the limit (so later walks over it are bounded). */
function checkNesting(value: unknown, depth: number, where: string): void {
  if (value === null || typeof value !== "object") return;
  if (depth >= MAX_NESTING) throw new Error(`${where} nests lists and objects deeper than ${MAX_NESTING} levels`);
  for (const item of Array.isArray(value) ? value : Object.values(value)) checkNesting(item, depth + 1, where);
}

/** Every entry of a `parameters` or `state` object, each checked on its own. */
function savedEntries(value: unknown, field: string, what: string, dtype: FloatDType, source: string): Map<string, SavedParameter> {
  if (!isRecord(value)) throw new Error(`${source}: the file's "${field}" must be an object of ${what}s by name, got ${preview(value)}`);
  const entries = new Map<string, SavedParameter>();
  for (const [name, entry] of Object.entries(value)) entries.set(name, savedEntry(entry, `${source}: ${what} ${label(name)}`, dtype));
  return entries;
}

/** A `{ shape, values }` entry whose shape is within the limits and matches its value count, with finite values. */
function savedEntry(entry: unknown, where: string, dtype: FloatDType): SavedParameter {
  const shape = isRecord(entry) ? own(entry, "shape") : undefined;
  const values = isRecord(entry) ? own(entry, "values") : undefined;
  if (!isRecord(entry) || !Array.isArray(shape) || !Array.isArray(values)) throw new Error(`${where} needs a "shape" and a "values" list`);
  checkFields(entry, ["shape", "values"], where);
  if (shape.length > MAX_RANK) throw new Error(`${where} has a shape of rank ${shape.length}; a saved tensor has at most ${MAX_RANK} axes`);
  const bad = shape.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) throw new Error(`${where} has shape [${shape.map(preview).join(", ")}]: dimension ${bad} is ${preview(shape[bad])}, not a non-negative integer`);
  const size = (shape as number[]).reduce((p, d) => p * d, 1);
  if (values.length !== size) {
    const needs = Number.isSafeInteger(size) ? `${size}` : `more than ${Number.MAX_SAFE_INTEGER}`;
    throw new Error(`${where} has ${values.length} values, but shape ${formatShape(shape)} needs ${needs}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where} holds ${preview(v)} at index ${i}, not a finite number`);
    if (dtype === "float32" && Math.abs(v) > FLOAT32_MAX) {
      throw new Error(`${where} holds ${v} at index ${i}, outside float32's range (±${FLOAT32_MAX}); it would load as ${v > 0 ? "" : "-"}Infinity`);
    }
  }
  return { shape, values };
}

/** Throws unless the file's entries are exactly the expected ones, each with its expected shape. */
function checkEntries(entries: Map<string, SavedParameter>, expected: Record<string, number[]>, what: string, source: string, note: string): void {
  for (const [name, shape] of Object.entries(expected)) {
    if (!entries.has(name)) throw new Error(`${source}: ${what} '${name}' of shape ${formatShape(shape)} is missing from the file${note}`);
  }
  for (const name of entries.keys()) if (!Object.hasOwn(expected, name)) throw new Error(`${source}: the file has a ${what} ${label(name)} that the model does not have`);
  for (const [name, shape] of Object.entries(expected)) {
    const saved = entries.get(name)!.shape;
    if (saved.length !== shape.length || saved.some((d, i) => d !== shape[i])) {
      throw new Error(`${source}: ${what} '${name}' has shape ${formatShape(saved)} in the file, but the model expects ${formatShape(shape)}`);
    }
  }
}

function toTensors(entries: Map<string, SavedParameter>, dtype: FloatDType): Params {
  return Object.fromEntries([...entries].map(([name, { shape, values }]) => [name, tensor(values, { shape, dtype })]));
}

function stateShapes(layers: readonly Layer<any, any>[]): Record<string, number[]> {
  return Object.fromEntries(layers.flatMap((layer) => Object.entries(layer.stateSpecs?.() ?? {})).map(([name, spec]) => [name, [...spec.shape]]));
}

function parameterShapesOf(layer: Layer<any, any>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(layer.parameterSpecs()).map(([name, spec]) => [name, [...spec.shape]]));
}

/** The dense layers `mlp` builds for an architecture (only their shapes are used), after checking the activations. */
function mlpLayers(architecture: MlpArchitecture, convention: Convention, source: string): Layer[] {
  const { sizes } = architecture;
  const hidden = architecture.hidden.map((activation, l) => activationNamed(activation, `${source}: the mlp's hidden layer ${l + 1}`).name);
  return sizes.slice(1).map((units, l) =>
    dense({ name: `layer${l + 1}`, inputSize: sizes[l], units, convention, activation: l < sizes.length - 2 ? hidden[l] : "identity" }),
  );
}

/** A layer rebuilt from its description by its kind's factory, which must describe it back the same way. */
function rebuildLayer(description: LayerDescription, convention: Convention, layerKinds: Record<string, LayerFactory>, source: string): Layer<any, any> {
  const { kind, name } = description;
  const factory = Object.hasOwn(layerKinds, kind) ? layerKinds[kind] : Object.hasOwn(LAYER_KINDS, kind) ? LAYER_KINDS[kind] : undefined;
  if (typeof factory !== "function") {
    const known = [...new Set([...Object.keys(layerKinds), ...Object.keys(LAYER_KINDS)])].join(", ");
    throw new Error(
      `${source}: layer ${label(name)} is of kind ${label(kind)}, which tapegrad cannot rebuild (it knows ${known}); ` +
        "for a layer of your own, pass its factory in layerKinds, or build the model in code and load the weights into it",
    );
  }
  let layer: Layer<any, any>;
  try {
    layer = factory(description, convention);
  } catch (error) {
    throw new Error(`${source}: cannot rebuild ${kind} layer ${label(name)} from its description: ${(error as Error).message}`, { cause: error });
  }
  const difference = firstDifference(description, JSON.parse(JSON.stringify(layer.describe())), `layer ${label(name)}`);
  if (difference !== undefined) throw new Error(`${source}: the ${kind} layer rebuilt from the description of ${label(name)} describes itself differently: ${difference}`);
  return layer;
}

/** Where two JSON values first differ, as a sentence, or undefined when they are equal. */
function firstDifference(file: unknown, model: unknown, path: string): string | undefined {
  if (Array.isArray(file) && Array.isArray(model)) {
    if (file.length !== model.length) return `${path} has ${file.length} entries in the file, but ${model.length} in the model`;
    for (let i = 0; i < file.length; i++) {
      const difference = firstDifference(file[i], model[i], `${path}[${i}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (isRecord(file) && isRecord(model)) {
    for (const key of new Set([...Object.keys(model), ...Object.keys(file)])) {
      const difference = firstDifference(own(file, key), own(model, key), `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (file === model) return undefined;
  return `${path} is ${summary(file)} in the file, but ${summary(model)} in the model`;
}

/** Throws if `record` has a field outside `fields`. */
function checkFields(record: Record<string, unknown>, fields: readonly string[], where: string): void {
  const unknown = Object.keys(record).find((key) => !fields.includes(key));
  if (unknown !== undefined) throw new Error(`${where} has an unknown field ${label(unknown)} (it has ${fields.map((f) => `"${f}"`).join(", ")})`);
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A name from a file, quoted for an error message (JSON-escaped and shortened when it is odd). */
function label(name: string): string {
  return /^[\x20-\x7e]{0,80}$/.test(name) && !name.includes("'") ? `'${name}'` : JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

/** A short description of any value read from a file (never the whole of a large or deep one). */
function preview(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** A JSON value for an error message, shortened (its nesting is already bounded). */
function summary(value: unknown): string {
  if (value === undefined) return "absent";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
