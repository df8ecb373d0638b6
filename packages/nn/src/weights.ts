import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { formatShape, shapesEqual, tensor, type FloatDType } from "@tapegrad/core";
import type { Params } from "./dense";
import { mlp, type Architecture, type Model } from "./model";
import type { Convention } from "./convention";

const FORMAT = "tapegrad-weights";
const VERSION = 1;

/** The JSON layout of a weights file. Values are JSON numbers, which round-trip float64 exactly. */
export interface WeightsFile {
  /** Always `"tapegrad-weights"`. */
  format: typeof FORMAT;
  /** The layout's version: 1. */
  version: number;
  /** The convention the parameters are laid out for. */
  convention: Convention;
  /** The parameters' dtype. */
  dtype: FloatDType;
  /** What the model is. */
  architecture: Architecture;
  /** Each parameter, by name. */
  parameters: Record<string, SavedParameter>;
}

/** One parameter in a weights file. */
export interface SavedParameter {
  /** The tensor's shape. */
  shape: number[];
  /** Its values in row-major order. */
  values: number[];
}

/**
 * The model's parameters, convention, dtype and architecture as JSON text. Refuses
 * weights holding NaN or Infinity (a diverged model), naming the parameter.
 * @example `const text = serializeWeights(model);`
 */
export function serializeWeights(model: Model<any, any, any>): string {
  const parameters: WeightsFile["parameters"] = {};
  for (const [name, value] of Object.entries(model.params)) {
    const bad = value.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`saveWeights: parameter '${name}' holds ${value.data[bad]} at index ${bad}; refusing to save diverged weights`);
    parameters[name] = { shape: [...value.shape], values: Array.from(value.data) };
  }
  const file: WeightsFile = { format: FORMAT, version: VERSION, convention: model.convention, dtype: model.dtype, architecture: model.architecture, parameters };
  return JSON.stringify(file);
}

/**
 * Reads weights from JSON text and checks them all against `model`: format, convention,
 * dtype, every parameter's presence, shape and values, and the architecture. Returns the
 * parameters without changing the model; throws an error naming the first problem.
 * @example `model.setParams(parseWeights(text, model))`
 */
export function parseWeights(text: string, model: Model<any, any, any>, source = "weights"): Params {
  const file = parseFile(text, source);
  if (file.convention !== model.convention) {
    throw new Error(
      `${source}: the weights are laid out for the '${file.convention}' convention, but the model uses '${model.convention}'; ` +
        `build the model with convention '${file.convention}', or convert the parameters with transposeParameters`,
    );
  }
  if (file.dtype !== model.dtype) throw new Error(`${source}: the weights are ${file.dtype}, but the model is ${model.dtype}`);
  const expected = model.parameterShapes();
  for (const name of Object.keys(expected)) if (!(name in file.parameters)) throw new Error(`${source}: parameter '${name}' is missing from the file`);
  for (const name of Object.keys(file.parameters)) if (!(name in expected)) throw new Error(`${source}: the file has a parameter '${name}' that the model does not have`);
  const params: Params = {};
  for (const [name, shape] of Object.entries(expected)) {
    const entry = file.parameters[name];
    if (!isRecord(entry) || !Array.isArray(entry.shape) || !Array.isArray(entry.values)) {
      throw new Error(`${source}: parameter '${name}' needs a "shape" and a "values" list`);
    }
    if (!shapesEqual(entry.shape, shape)) {
      throw new Error(`${source}: parameter '${name}' has shape ${formatShape(entry.shape)} in the file, but the model expects ${formatShape(shape)}`);
    }
    const size = shape.reduce((p, d) => p * d, 1);
    if (entry.values.length !== size) throw new Error(`${source}: parameter '${name}' has ${entry.values.length} values, but shape ${formatShape(shape)} needs ${size}`);
    const bad = entry.values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${source}: parameter '${name}' holds ${JSON.stringify(entry.values[bad])} at index ${bad}, not a finite number`);
    params[name] = tensor(entry.values, { shape, dtype: model.dtype });
  }
  if (JSON.stringify(file.architecture) !== JSON.stringify(model.architecture)) {
    throw new Error(`${source}: the file describes another architecture: ${JSON.stringify(file.architecture)}; the model is ${JSON.stringify(model.architecture)}`);
  }
  return params;
}

/**
 * Saves the model's weights to `path` without ever leaving a corrupt file (see
 * {@link writeTextAtomically}). If anything fails, an existing file at `path` is left as it was.
 * @example `saveWeights(model, "tapegrad-out/weights.json")`
 */
export function saveWeights(model: Model<any, any, any>, path: string): void {
  const text = serializeWeights(model);
  try {
    writeTextAtomically(path, text);
  } catch (error) {
    throw new Error(`saveWeights: could not write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Writes `text` to `path` all or nothing: to a temporary file in the same folder, flushed
 * to disk, then renamed over `path`. A reader never sees a half-written file, and a failure
 * leaves an existing file as it was.
 * @example `writeTextAtomically("tapegrad-out/training.svg", svg)`
 */
export function writeTextAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(temporary, "wx");
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Loads weights saved by {@link saveWeights} into `model`, after checking all of them
 * (see {@link parseWeights}). On any error the model keeps its parameters: nothing is half-loaded.
 * @example `loadWeights(model, "tapegrad-out/weights.json")`
 */
export function loadWeights(model: Model<any, any, any>, path: string): void {
  model.setParams(parseWeights(readText(path), model, path));
}

/**
 * Rebuilds a saved multilayer perceptron from its file alone.
 * @example `const model = loadMlp("tapegrad-out/weights.json"); model.predict(X);`
 */
export function loadMlp(path: string): Model {
  const text = readText(path);
  const file = parseFile(text, path);
  if (file.architecture?.kind !== "mlp") {
    throw new Error(`${path}: the file holds a graph model, which needs its code; build the model and use loadWeights(model, path)`);
  }
  const { sizes, hidden, output } = file.architecture;
  const model = mlp({ sizes, hidden, output, convention: file.convention, dtype: file.dtype });
  model.setParams(parseWeights(text, model, path));
  return model;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`loadWeights: cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseFile(text: string, source: string): WeightsFile {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not a complete weights file (the JSON does not parse: ${(error as Error).message}); it may be truncated`);
  }
  if (!isRecord(file) || file.format !== FORMAT) throw new Error(`${source}: not a tapegrad weights file (it lacks "format": "${FORMAT}")`);
  if (file.version !== VERSION) throw new Error(`${source}: weights format version ${JSON.stringify(file.version)} is not supported; this tapegrad reads version ${VERSION}`);
  if (!isRecord(file.parameters)) throw new Error(`${source}: the file has no "parameters" object`);
  return file as unknown as WeightsFile;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
