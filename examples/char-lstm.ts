// A character-level LSTM: it reads the opening of Pride and Prejudice (examples/data) one
// character at a time and learns to predict the next one. Each character id goes through an
// embedding, the LSTM runs over the window ([batch, time, features], row convention), and a
// dense layer turns every hidden state into logits over the alphabet; the loss is the
// softmax cross-entropy against the next characters. After training it prints a sampled
// continuation of a prompt, carrying the LSTM's state from one character to the next.
//
//   npx --yes pnpm@10.34.9 exec tsx --conditions=@tapegrad/source examples/char-lstm.ts [--steps=400]
import { pathToFileURL } from "node:url";
import { noGrad, Random, reshape, softmaxCrossEntropy, tensor, type Tensor } from "@tapegrad/core";
import { dense, embedding, graph, lstm, type RecurrentState } from "@tapegrad/nn";
import { alphabetOf, numberArgument, prideAndPrejudice, sampleIndex, trainOnWindows } from "./text";

/** Options of {@link run}; every one has a default. */
export interface CharLstmOptions {
  /** Optimiser steps (mini-batches); 400 by default. */
  steps?: number;
  /** Windows per mini-batch; 16 by default. */
  batchSize?: number;
  /** Characters per window (the time steps backprop runs through); 32 by default. */
  sequenceLength?: number;
  /** Units of the LSTM's state; 64 by default. */
  hiddenSize?: number;
  /** Features of each character's embedding; 16 by default. */
  embedDim?: number;
  /** Adam's learning rate; 0.01 by default. */
  learningRate?: number;
  /** Characters to sample after training; 200 by default. */
  sampleLength?: number;
  /** The prompt the sample continues. */
  prompt?: string;
  /** Seed of the parameters, the windows and the sample; 0 by default. */
  seed?: number;
  /** Where progress goes; `console.log` by default. */
  log?: (line: string) => void;
}

/** What a run measured. */
export interface CharLstmResult {
  /** The loss on 32 fixed windows of the text before training (about ln of the alphabet's size). */
  initialLoss: number;
  /** The same loss after training. */
  finalLoss: number;
  /** Every mini-batch's training loss. */
  losses: number[];
  /** The prompt followed by the sampled continuation. */
  sample: string;
}

/** Trains the LSTM and samples from it. */
export function run(options: CharLstmOptions = {}): CharLstmResult {
  const { steps = 400, batchSize = 16, sequenceLength = 32, hiddenSize = 64, embedDim = 16, learningRate = 0.01, sampleLength = 200, seed = 0 } = options;
  const { prompt = "It is a truth", log = console.log } = options;
  const text = prideAndPrejudice();
  const alphabet = alphabetOf(text);
  const ids = alphabet.encode(text);
  const V = alphabet.chars.length;

  const chars = embedding({ name: "chars", vocabularySize: V, dimensions: embedDim });
  const recurrent = lstm({ name: "lstm", inputSize: embedDim, hiddenSize, returnSequences: true });
  const out = dense({ name: "out", inputSize: hiddenSize, units: V, convention: "row" });
  // logits [batch·time, V] for windows of ids [batch, time]; the targets are the next ids, [batch, time]
  const model = graph({
    layers: [chars, recurrent, out],
    forward: (p, windows: Tensor) => out.apply(p, reshape(recurrent.apply(p, chars.apply(p, windows)), [windows.size, hiddenSize])),
    loss: (logits, next: Tensor) => softmaxCrossEntropy(logits, reshape(next, [next.size]), { axis: 1 }),
    convention: "row",
    seed,
  });

  const { initialLoss, finalLoss, losses } = trainOnWindows(model, ids, {
    steps,
    batchSize,
    sequenceLength,
    learningRate,
    seed,
    vocabulary: V,
    description: `${text.length} characters, an alphabet of ${V}; LSTM of ${hiddenSize} units over windows of ${sequenceLength}`,
    log,
  });

  // sampling: run the prompt through, then feed back each drawn character with the carried state
  const rng = new Random(seed + 3);
  const sampled = noGrad(() => {
    const p = model.params;
    const step = (input: number[], state: RecurrentState | undefined) => {
      const x = chars.apply(p, tensor([input], { dtype: "int32" }));
      const result = recurrent.unroll(p, x, state);
      const last = reshape(result.state.h, [1, hiddenSize]);
      return { logits: out.apply(p, last).data, state: result.state };
    };
    let { logits, state } = step(alphabet.encode(prompt), undefined);
    const drawn: number[] = [];
    for (let i = 0; i < sampleLength; i++) {
      const next = sampleIndex(logits, 0.7, rng);
      drawn.push(next);
      ({ logits, state } = step([next], state));
    }
    return alphabet.decode(drawn);
  });
  const sample = prompt + sampled;
  log(`sample: ${sample}`);
  return { initialLoss, finalLoss, losses, sample };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ steps: numberArgument("steps", 400) });
}
