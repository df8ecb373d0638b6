import { join } from "node:path";
import { div, mean, noGrad, Random, square, sub, sum, tensor, transpose, type Tensor } from "@tapegrad/core";
import { adam, mlp, momentum, sgd, takeExamples, type Convention, type Dataset, type Model, type Optimizer } from "@tapegrad/nn";
import { saveWeights, writeTextAtomically } from "@tapegrad/nn/node";
import { choiceOption, integerOption, numberOption, parseOptions, prepareOut, readInput, type Command } from "../args";
import { sparkline } from "../charts";
import { csvDataset, parseCsv } from "../csv";
import { InputError } from "../errors";
import type { Io } from "../progress";
import { trainAndTest } from "../training";

const HELP = `usage: tapegrad train <data.csv> --target COLUMN [options]

Trains an MLP on a CSV file with a header line: every column but the target holds numbers
(the features, standardised with the training split's mean and standard deviation); the
target's distinct values are the classes (two classes: a sigmoid output; more: softmax).
Numeric-looking classes are compared by value ("1" and "1.0" are one class); a numeric
target with more than 20 distinct values, or more than half as many as rows, looks
continuous and is refused (regression is not supported yet). The --out folder is created
and checked for writability before training.

options:
  --target COLUMN         the class column (required)
  --hidden 16,16          hidden layer widths (default 16)
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
  if (values.target === undefined) throw new InputError("tapegrad train: --target COLUMN is required (the column holding the classes)");
  const hidden = (values.hidden ?? "16").split(",").map((w) => integerOption("train", "hidden", w.trim(), 16));
  const { choice: activation } = choiceOption("train", "activation", values.activation, ACTIVATIONS, "tanh");
  const { choice: convention } = choiceOption("train", "convention", values.convention, CONVENTIONS, "row");
  const epochs = integerOption("train", "epochs", values.epochs, 100);
  const batchSize = integerOption("train", "batch-size", values["batch-size"], 32);
  const learningRate = numberOption("train", "learning-rate", values["learning-rate"], 0.01);
  const testFraction = numberOption("train", "test-fraction", values["test-fraction"], 0.2, 1);
  const seed = integerOption("train", "seed", values.seed, 0, 0);
  const { name: optimizerName, choice: makeOptimizer } = choiceOption("train", "optimizer", values.optimizer, OPTIMIZERS, "adam");

  const data = csvDataset(parseCsv(readInput(file), file), values.target, file);
  const m = data.inputs.shape[0];
  const testCount = Math.round(m * testFraction);
  if (testCount < 1 || testCount >= m) throw new InputError(`${file}: ${m} rows cannot be split with --test-fraction ${testFraction}; each side needs at least one row`);
  const order = new Random(seed).permutation(m);
  const rows = { inputs: data.inputs, targets: data.targets };
  const trainRows = takeExamples(rows, order.slice(testCount), "row");
  const testRows = takeExamples(rows, order.slice(0, testCount), "row");
  const { mean: featureMean, std: featureStd } = standardisation(trainRows.inputs);
  data.features.forEach((feature, j) => {
    if (!Number.isFinite(featureMean.data[j]) || !Number.isFinite(featureStd.data[j])) {
      throw new InputError(`${file}, column '${feature}': the values are too large to standardise (their standard deviation overflows); rescale the column, e.g. divide it by a power of ten`);
    }
  });
  const standardise = (d: Dataset): Dataset => {
    const inputs = noGrad(() => div(sub(d.inputs, featureMean), featureStd));
    return convention === "row" ? { inputs, targets: d.targets } : noGrad(() => ({ inputs: transpose(inputs), targets: transpose(d.targets) }));
  };
  const trainSet = standardise(trainRows);
  const testSet = standardise(testRows);
  const output = data.classes.length === 2 ? "sigmoid" : "softmax";
  const sizes = [data.features.length, ...hidden, data.targets.shape[1]];
  const model: Model = mlp({ sizes, hidden: activation, output, convention, seed });
  const out = prepareOut(values.out ?? "tapegrad-out");
  io.out(`${file}: ${m} rows, ${data.features.length} features, ${data.classes.length} classes (${data.classes.join(", ")}); ${m - testCount} for training, ${testCount} for testing\n`);
  io.out(`Training an MLP ${sizes.join("-")} (${activation}, ${output} output, ${convention} convention) with ${optimizerName}, learning rate ${learningRate}, batch ${batchSize}\n`);
  const optimizer = makeOptimizer(learningRate);
  const { history, testAccuracy, chart } = trainAndTest(model, trainSet, testSet, { epochs, batchSize, optimizer, seed }, io);
  io.out(`\n${sparkline("loss", history.loss)}\ntest accuracy: ${(testAccuracy * 100).toFixed(2)}% on ${testCount} held-out rows\n`);
  saveWeights(model, join(out, "weights.json"));
  const preprocessing = { target: values.target, features: data.features, classes: data.classes, mean: Array.from(featureMean.data), std: Array.from(featureStd.data), convention };
  writeTextAtomically(join(out, "preprocessing.json"), `${JSON.stringify(preprocessing, null, 2)}\n`);
  writeTextAtomically(join(out, "training.svg"), chart);
  io.out(`Wrote ${join(out, "weights.json")}, ${join(out, "preprocessing.json")} and ${join(out, "training.svg")}\n`);
  return 0;
}

/** The mean and standard deviation of each feature (column) over the training rows; a constant feature gets std 1. */
function standardisation(inputs: Tensor): { mean: Tensor; std: Tensor } {
  return noGrad(() => {
    const mu = mean(inputs, 0, true);
    const centred = sub(inputs, mu);
    const variance = div(sum(square(centred), 0, true), inputs.shape[0]);
    const std = variance.data.map((v) => (v > 0 ? Math.sqrt(v) : 1));
    return { mean: mu, std: tensor(std, { shape: variance.shape }) };
  });
}

/** `tapegrad train <data.csv> --target COLUMN`: an MLP trained on a CSV file, with its weights, preprocessing and chart. */
export const train: Command = { help: HELP, run };
