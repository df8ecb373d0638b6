import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { add, argmax, div, mul, noGrad, sigmoid, softmax, sub, tensor, transpose, type Tensor } from "@tapegrad/core";
import type { Model } from "@tapegrad/nn";
import { loadModel, writeTextAtomically } from "@tapegrad/nn/node";
import { parseOptions, prepareOutFile, readInput, type Command } from "../args";
import { classLabel, columnIndex, columnList, formatCsv, numericColumns, parseCsv, type CsvTable } from "../csv";
import { InputError } from "../errors";
import { parsePreprocessing, type Preprocessing } from "../preprocessing";
import type { Io } from "../progress";
import { regressionFit } from "../training";

const HELP = `usage: tapegrad predict <weights.json> <data.csv> [--out predictions.csv] [options]

Applies a model trained by tapegrad train to the rows of a CSV file, with the preprocessing
train saved beside the weights (preprocessing.json): the feature columns are found by name
in the file's header (any order; other columns are carried along), standardised with the
training rows' means and standard deviations, and run through the model.

The output is CSV: the input's columns (or only --id's), then
  classification   prediction (the class, as train named it) and probability_<class>
                   for each class
  regression       prediction (the value, in the target's own units)
A name already in the header gets a suffix (prediction_2). Without --out the CSV goes to
standard output; with --out it is written all or nothing, and when the file also has the
target column, the accuracy (or RMSE and R²) against it is printed.

options:
  --out FILE             where to write the predictions (default: standard output)
  --preprocessing FILE   the preprocessing.json written by train (default: the one
                         beside the weights file)
  --id COLUMN            carry only this column of the input (e.g. an identifier)
`;

const OPTIONS = { out: { type: "string" }, preprocessing: { type: "string" }, id: { type: "string" } } as const;

function run(args: readonly string[], io: Io): number {
  const { values, positionals } = parseOptions("predict", args, OPTIONS, 2);
  const [weightsFile, dataFile] = positionals;
  if (!existsSync(weightsFile)) throw new InputError(`${weightsFile}: no such file`);
  const preprocessingFile = values.preprocessing ?? join(dirname(weightsFile), "preprocessing.json");
  if (values.preprocessing === undefined && !existsSync(preprocessingFile)) {
    throw new InputError(`${preprocessingFile}: no such file; tapegrad train writes it beside weights.json, or name it with --preprocessing`);
  }
  const preprocessing = parsePreprocessing(readInput(preprocessingFile), preprocessingFile);
  const model = loadTrainedModel(weightsFile, preprocessingFile, preprocessing);
  const table = parseCsv(readInput(dataFile), dataFile);
  const index = columnIndex(table, dataFile);
  const missing = preprocessing.features.filter((name) => !index.has(name));
  if (missing.length > 0) {
    const what = missing.length === 1 ? `no column '${missing[0]}', a feature` : `no columns ${columnList(missing)}, features`;
    throw new InputError(`${dataFile}: ${what} of the model (see ${preprocessingFile}); the columns are ${columnList(table.header)}`);
  }
  if (values.id !== undefined && !index.has(values.id)) throw new InputError(`tapegrad predict: --id names '${values.id}', which is not a column of ${dataFile}; the columns are ${columnList(table.header)}`);
  const out = values.out === undefined ? undefined : prepareOutFile(values.out);

  const inputs = tensor(numericColumns(table, preprocessing.features, dataFile, () => "the model takes it as a feature, so it must be a number"));
  const predictions = predictRows(model, preprocessing, inputs);
  const carried = values.id === undefined ? table.header : [values.id];
  const positions = carried.map((name) => index.get(name)!);
  const header = [...carried];
  const added = predictionColumns(preprocessing).map((name) => uniqueName(name, header)); // appended to header
  const rows = table.rows.map(({ fields }, i) => [...positions.map((p) => fields[p]), ...predictions.fields[i]]);
  const csv = formatCsv(header, rows);
  if (out === undefined) {
    io.out(csv);
    return 0;
  }
  try {
    writeTextAtomically(out, csv);
  } catch (error) {
    throw new InputError(`--out ${values.out}: ${(error as Error).message}`);
  }
  io.out(`Wrote ${values.out}: ${table.rows.length} rows, ${added.join(", ")}${scoreAgainstTarget(table, index, preprocessing, predictions)}\n`);
  return 0;
}

/** The model in the weights file, checked against the preprocessing: an MLP with one input per feature and the outputs its task needs. */
function loadTrainedModel(weightsFile: string, preprocessingFile: string, preprocessing: Preprocessing): Model {
  let model: Model;
  try {
    model = loadModel(weightsFile);
  } catch (error) {
    throw new InputError(((error as Error).message.split("\n")[0]).replace(/^loadModel: /, ""));
  }
  const architecture = model.architecture as { kind?: string; sizes?: number[] };
  const expectedOutput = preprocessing.task === "regression" ? "identity" : preprocessing.classes.length === 2 ? "sigmoid" : "softmax";
  const expectedUnits = preprocessing.task === "regression" || preprocessing.classes.length === 2 ? 1 : preprocessing.classes.length;
  const sizes = architecture.sizes ?? [];
  const mismatch =
    architecture.kind !== "mlp"
      ? `holds a ${architecture.kind ?? "graph"} model, not the mlp tapegrad train writes`
      : sizes[0] !== preprocessing.features.length
        ? `takes ${sizes[0]} inputs, but ${preprocessingFile} lists ${preprocessing.features.length} features`
        : model.output !== expectedOutput || sizes.at(-1) !== expectedUnits
          ? `has a ${String(model.output)} output of ${sizes.at(-1)} units, but ${preprocessingFile} describes ${preprocessing.task === "regression" ? "a regression" : `${preprocessing.classes.length} classes`}`
          : undefined;
  if (mismatch !== undefined) throw new InputError(`${weightsFile}: the model ${mismatch}; use the weights.json and preprocessing.json of one tapegrad train run`);
  if (model.convention !== preprocessing.convention) throw new InputError(`${weightsFile}: the model is in the ${model.convention} convention, but ${preprocessingFile} says ${preprocessing.convention}; use the files of one tapegrad train run`);
  return model;
}

/** The predictions of each row, as the output's fields, and as values to score. */
interface Predictions {
  /** Per row: the prediction's fields, in the order of {@link predictionColumns}. */
  fields: string[][];
  /** Per row: the predicted class (classification) or value (regression). */
  values: (string | number)[];
}

/** Standardises the m × n features as train did, runs the model, and reads its outputs as classes with probabilities, or as values. */
function predictRows(model: Model, preprocessing: Preprocessing, inputs: Tensor): Predictions {
  return noGrad(() => {
    const standardised = div(sub(inputs, tensor([preprocessing.mean])), tensor([preprocessing.std]));
    const logits = model.forward(model.params, preprocessing.convention === "row" ? standardised : transpose(standardised)) as Tensor;
    const z = preprocessing.convention === "row" ? logits : transpose(logits); // m × outputs
    if (preprocessing.task === "regression") {
      const values = Array.from(add(mul(z, preprocessing.targetStd!), preprocessing.targetMean!).data);
      return { fields: values.map((v) => [String(v)]), values };
    }
    const { classes } = preprocessing;
    if (classes.length === 2) {
      // the class rule of training's accuracy: the positive class when z > 0
      const p = sigmoid(z).data;
      const values = Array.from(z.data, (zi) => classes[zi > 0 ? 1 : 0]);
      return { fields: values.map((label, i) => [label, String(1 - p[i]), String(p[i])]), values };
    }
    const p = softmax(z, 1).data;
    const values = Array.from(argmax(z, 1).data, (k) => classes[k]);
    return { fields: values.map((label, i) => [label, ...classes.map((_, k) => String(p[i * classes.length + k]))]), values };
  });
}

/** The names of the columns predict adds. */
function predictionColumns(preprocessing: Preprocessing): string[] {
  return preprocessing.task === "regression" ? ["prediction"] : ["prediction", ...preprocessing.classes.map((c) => `probability_${c}`)];
}

/** `name`, or `name_2`, `name_3`, … if it is taken; the name chosen is added to `taken`. */
function uniqueName(name: string, taken: string[]): string {
  let chosen = name;
  for (let k = 2; taken.includes(chosen); k++) chosen = `${name}_${k}`;
  taken.push(chosen);
  return chosen;
}

/** `; accuracy 95.00% against column 'y'` (or RMSE and R²) when the file has the target column and every row has a usable target; "" otherwise. */
function scoreAgainstTarget(table: CsvTable, index: Map<string, number>, preprocessing: Preprocessing, predictions: Predictions): string {
  const column = index.get(preprocessing.target);
  if (column === undefined) return "";
  const targets = table.rows.map(({ fields }) => fields[column]);
  if (preprocessing.task === "classification") {
    const labels = targets.map(classLabel);
    if (labels.some((label) => label === "")) return "";
    const correct = labels.filter((label, i) => label === predictions.values[i]).length;
    return `; accuracy ${((correct / labels.length) * 100).toFixed(2)}% against column '${preprocessing.target}'`;
  }
  const actual = targets.map((text) => (text.trim() === "" ? NaN : Number(text)));
  if (!actual.every(Number.isFinite)) return "";
  const { rmse, r2 } = regressionFit(actual, predictions.values as number[]);
  return `; RMSE ${Number(rmse.toPrecision(4))}${r2 === undefined ? "" : `, R² ${r2.toFixed(4)}`} against column '${preprocessing.target}'`;
}

/** `tapegrad predict <weights.json> <data.csv>`: a trained model applied to new rows, with its saved preprocessing. */
export const predict: Command = { help: HELP, run };
