import { div, mean, noGrad, square, sub, sum, tensor, type Tensor } from "@tapegrad/core";
import type { Convention } from "@tapegrad/nn";
import { InputError } from "./errors";
import type { Task } from "./csv";

/**
 * What `tapegrad train` writes to preprocessing.json beside weights.json, and what
 * `tapegrad predict` needs to apply the model to new rows: which columns are the features,
 * in the model's input order, how each was standardised ((x − mean) / std, with the
 * training rows' mean and standard deviation), and what the outputs mean.
 */
export interface Preprocessing {
  /** Always `"tapegrad-preprocessing"`: marks the file. */
  format: "tapegrad-preprocessing";
  /** The file layout's version: 1. */
  version: 1;
  /** Classification (the model outputs class probabilities) or regression (a standardised value). */
  task: Task;
  /** The target column of the training file. */
  target: string;
  /** The feature columns, in the order of the model's inputs. */
  features: string[];
  /** The columns left out with `--ignore` (kept for the record; predict does not need them). */
  ignored: string[];
  /** Each feature's mean over the training rows. */
  mean: number[];
  /** Each feature's standard deviation over the training rows (1 for a constant feature). */
  std: number[];
  /** Classification: the classes, in the order of the model's outputs (for two classes, the sigmoid gives classes[1]'s probability). Empty for regression. */
  classes: string[];
  /** Regression: the target's mean over the training rows (the model predicts (y − targetMean) / targetStd). */
  targetMean?: number;
  /** Regression: the target's standard deviation over the training rows. */
  targetStd?: number;
  /** The batch layout the model was trained in. */
  convention: Convention;
}

/**
 * The JSON text of a {@link Preprocessing}, as `tapegrad train` writes it.
 * @example `writeTextAtomically("tapegrad-out/preprocessing.json", preprocessingText(preprocessing))`
 */
export function preprocessingText(preprocessing: Preprocessing): string {
  return `${JSON.stringify(preprocessing, null, 2)}\n`;
}

/**
 * Reads preprocessing.json text, checking every field; an {@link InputError} names the file
 * and the field otherwise.
 * @example `const preprocessing = parsePreprocessing(readFileSync("tapegrad-out/preprocessing.json", "utf8"), "preprocessing.json");`
 */
export function parsePreprocessing(text: string, file: string): Preprocessing {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message.split("\n")[0]})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError(`${file}: expected a JSON object, as tapegrad train writes to preprocessing.json`);
  const record = value as Record<string, unknown>;
  const field = (name: string): unknown => (Object.hasOwn(record, name) ? record[name] : undefined);
  if (field("format") !== "tapegrad-preprocessing") throw new InputError(`${file}: not a tapegrad preprocessing file (it lacks "format": "tapegrad-preprocessing"); use the preprocessing.json that tapegrad train wrote beside weights.json`);
  if (field("version") !== 1) throw new InputError(`${file}: field 'version' is ${JSON.stringify(field("version"))}; this tapegrad reads version 1`);
  const bad = (name: string, what: string): never => {
    throw new InputError(`${file}: field '${name}' must be ${what}, got ${JSON.stringify(field(name)) ?? "nothing"}`);
  };
  const task = field("task");
  if (task !== "classification" && task !== "regression") bad("task", '"classification" or "regression"');
  const convention = field("convention");
  if (convention !== "row" && convention !== "column") bad("convention", '"row" or "column"');
  const target = field("target");
  if (typeof target !== "string") bad("target", "a column name");
  const strings = (name: string): string[] => {
    const list = field(name);
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) bad(name, "a list of column names");
    return list as string[];
  };
  const numbers = (name: string, positive: boolean): number[] => {
    const list = field(name);
    if (!Array.isArray(list) || !list.every((x) => typeof x === "number" && Number.isFinite(x) && (!positive || x > 0))) bad(name, `a list of ${positive ? "positive " : ""}numbers`);
    return list as number[];
  };
  const features = strings("features");
  if (features.length === 0) bad("features", "a non-empty list of column names");
  const ignored = strings("ignored");
  const classes = strings("classes");
  const featureMean = numbers("mean", false);
  const featureStd = numbers("std", true);
  for (const [name, list] of [["mean", featureMean], ["std", featureStd]] as const) {
    if (list.length !== features.length) throw new InputError(`${file}: field '${name}' has ${list.length} values, but 'features' lists ${features.length} columns`);
  }
  const preprocessing: Preprocessing = { format: "tapegrad-preprocessing", version: 1, task: task as Task, target: target as string, features, ignored, mean: featureMean, std: featureStd, classes, convention: convention as Convention };
  if (task === "classification") {
    if (classes.length < 2) bad("classes", "a list of at least two classes");
  } else {
    const targetMean = field("targetMean");
    const targetStd = field("targetStd");
    if (typeof targetMean !== "number" || !Number.isFinite(targetMean)) bad("targetMean", "a number");
    if (typeof targetStd !== "number" || !(targetStd > 0 && Number.isFinite(targetStd))) bad("targetStd", "a positive number");
    preprocessing.targetMean = targetMean as number;
    preprocessing.targetStd = targetStd as number;
  }
  return preprocessing;
}

/**
 * The mean and standard deviation of each column of an m × n matrix (over the rows); a
 * constant column (std at most 1e-12 of the mean's size, or of 1) gets std 1, so that
 * standardising leaves it at 0.
 * @example `columnStatistics(tensor([[1, 5], [3, 5]])) // mean [[2, 5]], std [[1, 1]]`
 */
export function columnStatistics(values: Tensor): { mean: Tensor; std: Tensor } {
  return noGrad(() => {
    const mu = mean(values, 0, true);
    const centred = sub(values, mu);
    const variance = div(sum(square(centred), 0, true), values.shape[0]);
    // A column of one repeated value is constant even when its computed mean is off by an
    // ulp (0.1 ten times has a variance of about 1e-34, not 0): its std would be about 1e-17
    // and turn any other value at prediction time into one of about 1e15.
    const scale = mu.data.map((m) => Math.max(Math.abs(m), 1));
    const std = variance.data.map((v, j) => (Math.sqrt(v) > 1e-12 * scale[j] ? Math.sqrt(v) : 1));
    return { mean: mu, std: tensor(std, { shape: variance.shape }) };
  });
}
