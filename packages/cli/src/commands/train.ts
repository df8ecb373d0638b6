import { join } from "node:path";
import { add, div, mul, noGrad, Random, sub, transpose, type Tensor } from "@tapegrad/core";
import { adam, mlp, momentum, sgd, takeExamples, type Convention, type Dataset, type Evaluation, type Model, type Optimizer } from "@tapegrad/nn";
import { saveWeights, writeTextAtomically } from "@tapegrad/nn/node";
import { choiceOption, integerOption, listOption, numberOption, parseOptions, prepareOut, readInput, type Command } from "../args";
import { sparkline } from "../charts";
import { columnList, csvDataset, parseCsv, type Task } from "../csv";
import { columnStatistics, preprocessingText, type Preprocessing } from "../preprocessing";
import { InputError } from "../errors";
import type { Io } from "../progress";
import { regressionFit, trainAndTest } from "../training";

const HELP = `usage: tapegrad train <data.csv> --target COLUMN [options]

Trains an MLP on a CSV file with a header line. Every column but the target and the
--ignore'd ones must hold numbers: the features, standardised with the training split's
mean and standard deviation.

  --task classification  (the default) the target's distinct values are the classes (two
                         classes: a sigmoid output; more: softmax). Numeric-looking classes
                         are compared by value ("1" and "1.0" are one class); a numeric target
                         with more than 20 distinct values, or more than half as many as
                         rows, looks continuous and is refused with the advice to pass
                         --task regression. Reports the test accuracy.
  --task regression      the target is a number: it is standardised like the features, the
                         output is linear (identity) with the squared-error loss, and the
                         test RMSE and R² are reported in the target's own units.

The --out folder is created and checked for writability before training. Apply the
trained model to new rows with tapegrad predict.

options:
  --target COLUMN         the column to predict (required)
  --task NAME             classification or regression (default classification)
  --ignore COL1,COL2      columns to leave out, e.g. identifiers or text (default none)
  --hidden 16,16          hidden layer widths, or none for no hidden layer (default 16)
  --activation NAME       hidden activation: sigmoid, tanh, relu (default tanh)
  --epochs N              (default 100)
  --batch-size N          (default 32)
  --optimizer NAME        adam, sgd or momentum (default adam)
  --learning-rate X       (default 0.01)
  --test-fraction X       share of rows held out for testing (default 0.2)
  --convention row|column batch layout (default row)
  --seed N                (default 0)
  --out DIR               output folder (default ./tapegrad-out): weights.json,
                          preprocessing.json, training.svg
`;

const OPTIONS = {
  target: { type: "string" },
  task: { type: "string" },
  ignore: { type: "string" },
  hidden: { type: "string" },
  activation: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  optimizer: { type: "string" },
  "learning-rate": { type: "string" },
  "test-fraction": { type: "string" },
  convention: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
} as const;

/** The tasks `--task` may name. */
const TASKS: Record<string, Task> = { classification: "classification", regression: "regression" };

/** The hidden activations `--activation` may name. */
const ACTIVATIONS = { sigmoid: "sigmoid", tanh: "tanh", relu: "relu" } as const;

/** The conventions `--convention` may name. */
const CONVENTIONS: Record<string, Convention> = { row: "row", column: "column" };

/** The optimisers `--optimizer` may name, each made with the learning rate. */
const OPTIMIZERS: Record<string, (learningRate: number) => Optimizer> = {
  adam: (learningRate) => adam({ learningRate }),
  sgd: (learningRate) => sgd({ learningRate }),
  momentum: (learningRate) => momentum({ learningRate }),
};

function run(args: readonly string[], io: Io): number {
  const { values, positionals } = parseOptions("train", args, OPTIONS, 1);
  const file = positionals[0];
  if (values.target === undefined) throw new InputError("tapegrad train: --target COLUMN is required (the column to predict)");
  const target = values.target;
  const { choice: task } = choiceOption("train", "task", values.task, TASKS, "classification");
  const ignore = listOption("train", "ignore", values.ignore);
  const hidden = values.hidden?.trim() === "none" ? [] : (values.hidden ?? "16").split(",").map((w) => integerOption("train", "hidden", w.trim(), 16));
  const { choice: activation } = choiceOption("train", "activation", values.activation, ACTIVATIONS, "tanh");
  const { choice: convention } = choiceOption("train", "convention", values.convention, CONVENTIONS, "row");
  const epochs = integerOption("train", "epochs", values.epochs, 100);
  const batchSize = integerOption("train", "batch-size", values["batch-size"], 32);
  const learningRate = numberOption("train", "learning-rate", values["learning-rate"], 0.01);
  const testFraction = numberOption("train", "test-fraction", values["test-fraction"], 0.2, 1);
  const seed = integerOption("train", "seed", values.seed, 0, 0);
  const { name: optimizerName, choice: makeOptimizer } = choiceOption("train", "optimizer", values.optimizer, OPTIMIZERS, "adam");

  const data = csvDataset(parseCsv(readInput(file), file), target, file, { task, ignore });
  const m = data.inputs.shape[0];
  const testCount = Math.round(m * testFraction);
  if (testCount < 1 || testCount >= m) throw new InputError(`${file}: ${m} rows cannot be split with --test-fraction ${testFraction}; each side needs at least one row`);
  const order = new Random(seed).permutation(m);
  const rows = { inputs: data.inputs, targets: data.targets };
  const trainRows = takeExamples(rows, order.slice(testCount), "row");
  const testRows = takeExamples(rows, order.slice(0, testCount), "row");
  const features = columnStatistics(trainRows.inputs);
  data.features.forEach((feature, j) => checkStandardisable(file, feature, features.mean.data[j], features.std.data[j]));
  const targetStatistics = task === "regression" ? regressionTarget(file, target, trainRows.targets) : undefined;
  const standardise = (d: Dataset): Dataset =>
    noGrad(() => {
      const inputs = div(sub(d.inputs, features.mean), features.std);
      const targets = targetStatistics === undefined ? d.targets : div(sub(d.targets, targetStatistics.mean), targetStatistics.std);
      return convention === "row" ? { inputs, targets } : { inputs: transpose(inputs), targets: transpose(targets) };
    });
  const trainSet = standardise(trainRows);
  const testSet = standardise(testRows);
  const output = task === "regression" ? "identity" : data.classes.length === 2 ? "sigmoid" : "softmax";
  const sizes = [data.features.length, ...hidden, data.targets.shape[1]];
  const model: Model = mlp({ sizes, hidden: activation, output, convention, seed });
  const out = prepareOut(values.out ?? "tapegrad-out");

  const ignored = data.ignored.length === 0 ? "" : ` (ignoring ${columnList(data.ignored)})`;
  const what = targetStatistics === undefined
    ? `${data.classes.length} classes (${data.classes.join(", ")})`
    : `regression on '${target}' (mean ${format(targetStatistics.mean)}, standard deviation ${format(targetStatistics.std)} over the training rows)`;
  io.out(`${file}: ${m} rows, ${data.features.length} features${ignored}, ${what}; ${m - testCount} for training, ${testCount} for testing\n`);
  const layers = hidden.length === 0 ? "no hidden layer" : activation;
  io.out(`Training an MLP ${sizes.join("-")} (${layers}, ${output} output, ${convention} convention) with ${optimizerName}, learning rate ${learningRate}, batch ${batchSize}\n`);
  const optimizer = makeOptimizer(learningRate);
  const testSummary = targetStatistics === undefined ? undefined : (e: Evaluation) => `test RMSE ${format(Math.sqrt(e.loss) * targetStatistics.std)}`;
  const { history, testAccuracy, chart } = trainAndTest(model, trainSet, testSet, { epochs, batchSize, optimizer, seed, ...(testSummary ? { testSummary } : {}) }, io);
  io.out(`\n${sparkline("loss", history.loss)}\n`);
  if (targetStatistics === undefined) {
    io.out(`test accuracy: ${(testAccuracy! * 100).toFixed(2)}% on ${testCount} held-out rows\n`);
  } else {
    const predicted = noGrad(() => add(mul(model.forward(model.params, testSet.inputs as Tensor) as Tensor, targetStatistics.std), targetStatistics.mean));
    const fit = regressionFit(Array.from(testRows.targets.data), Array.from(predicted.data));
    const r2 = fit.r2 === undefined ? "R² undefined (the test targets are all equal)" : `R² ${fit.r2.toFixed(4)}`;
    io.out(`test RMSE: ${format(fit.rmse)}, ${r2} on ${testCount} held-out rows\n`);
  }

  const preprocessing: Preprocessing = {
    format: "tapegrad-preprocessing",
    version: 1,
    task,
    target,
    features: data.features,
    ignored: data.ignored,
    mean: Array.from(features.mean.data),
    std: Array.from(features.std.data),
    classes: data.classes,
    ...(targetStatistics === undefined ? {} : { targetMean: targetStatistics.mean, targetStd: targetStatistics.std }),
    convention,
  };
  try {
    saveWeights(model, join(out, "weights.json"));
    writeTextAtomically(join(out, "preprocessing.json"), preprocessingText(preprocessing));
    writeTextAtomically(join(out, "training.svg"), chart);
  } catch (error) {
    // the folder was writable before training (prepareOut); this is a failure since then, e.g. a full disk
    throw new InputError(`--out ${values.out ?? "tapegrad-out"}: ${(error as Error).message.split("\n")[0]}`);
  }
  io.out(`Wrote ${join(out, "weights.json")}, ${join(out, "preprocessing.json")} and ${join(out, "training.svg")}\n`);
  return 0;
}

/** Refuses a column whose mean or standard deviation overflows. */
function checkStandardisable(file: string, column: string, mu: number, sigma: number): void {
  if (!Number.isFinite(mu) || !Number.isFinite(sigma)) {
    throw new InputError(`${file}, column '${column}': the values are too large to standardise (their standard deviation overflows); rescale the column, e.g. divide it by a power of ten`);
  }
}

/** The regression target's mean and standard deviation over the training rows; a constant or overflowing target is refused. */
function regressionTarget(file: string, target: string, targets: Tensor): { mean: number; std: number } {
  const values = targets.data;
  if (values.every((y) => y === values[0])) throw new InputError(`${file}: column '${target}' is ${values[0]} on every training row; a regression needs a target that varies`);
  const { mean: mu, std: sigma } = columnStatistics(targets);
  checkStandardisable(file, target, mu.data[0], sigma.data[0]);
  return { mean: mu.data[0], std: sigma.data[0] };
}

/** A number with four significant digits, as the reports print it. */
function format(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/** `tapegrad train <data.csv> --target COLUMN`: an MLP trained on a CSV file (classification or regression), with its weights, preprocessing and chart. */
export const train: Command = { help: HELP, run };
