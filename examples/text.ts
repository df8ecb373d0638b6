// What the character-level examples share: the text shipped in examples/data, its
// alphabet, random training windows, the training loop, and drawing the next character from logits.
import { readFileSync } from "node:fs";
import { noGrad, Random, tensor, type Tensor } from "@tapegrad/core";
import { adam, fit, type Model } from "@tapegrad/nn";

/** The opening of Pride and Prejudice (Jane Austen, 1813; public domain), as shipped in examples/data. */
export function prideAndPrejudice(): string {
  return readFileSync(new URL("./data/pride-and-prejudice.txt", import.meta.url), "utf8");
}

/** The characters of a text, each with an id (its position in sorted order). */
export interface Alphabet {
  /** The distinct characters, sorted. */
  chars: string[];
  /** The ids of a string's characters. */
  encode(text: string): number[];
  /** The string of some ids. */
  decode(ids: readonly number[]): string;
}

export function alphabetOf(text: string): Alphabet {
  const chars = [...new Set(text)].sort();
  const ids = new Map(chars.map((c, i) => [c, i]));
  return {
    chars,
    encode: (s) =>
      [...s].map((c) => {
        const id = ids.get(c);
        if (id === undefined) throw new Error(`the character ${JSON.stringify(c)} is not in the text's alphabet`);
        return id;
      }),
    decode: (list) => list.map((id) => chars[id]).join(""),
  };
}

/**
 * `count` windows of `length` characters from random places in `ids`: inputs [count, length]
 * and, as targets, the same windows shifted by one character (the next character at every
 * position), both int32.
 */
export function randomWindows(ids: readonly number[], count: number, length: number, seed: number): { inputs: Tensor; targets: Tensor } {
  const rng = new Random(seed);
  const inputs = new Int32Array(count * length);
  const targets = new Int32Array(count * length);
  for (let w = 0; w < count; w++) {
    const start = rng.int(ids.length - length);
    for (let t = 0; t < length; t++) {
      inputs[w * length + t] = ids[start + t];
      targets[w * length + t] = ids[start + t + 1];
    }
  }
  return { inputs: tensor(inputs, { shape: [count, length], dtype: "int32" }), targets: tensor(targets, { shape: [count, length], dtype: "int32" }) };
}

/** An index drawn from softmax(logits / temperature). */
export function sampleIndex(logits: ArrayLike<number>, temperature: number, rng: Random): number {
  let largest = -Infinity;
  for (let i = 0; i < logits.length; i++) largest = Math.max(largest, logits[i]);
  const weights = Array.from(logits, (z) => Math.exp((z - largest) / temperature));
  let u = rng.uniform() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** The loss of each mini-batch, from fit's running mean of the epoch's losses. */
export function batchLosses(): { record: (loss: number, examplesSeen: number) => number; losses: number[] } {
  const losses: number[] = [];
  let total = 0;
  let seen = 0;
  return {
    losses,
    record: (loss, examplesSeen) => {
      const batchLoss = (loss * examplesSeen - total) / (examplesSeen - seen);
      total = loss * examplesSeen;
      seen = examplesSeen;
      losses.push(batchLoss);
      return batchLoss;
    },
  };
}

/** The mean of a list of numbers. */
export function average(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The value of `--name=value` on the command line, as a number, or the fallback. */
export function numberArgument(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const given = process.argv.slice(2).find((arg) => arg.startsWith(prefix));
  if (given === undefined) return fallback;
  const value = Number(given.slice(prefix.length));
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${JSON.stringify(given.slice(prefix.length))}`);
  return value;
}

/** What {@link trainOnWindows} measured. */
export interface WindowTraining {
  /** The loss on 32 fixed windows before training. */
  initialLoss: number;
  /** The loss on the same windows after training. */
  finalLoss: number;
  /** Each mini-batch's loss, in order. */
  losses: number[];
}

/**
 * Trains a next-character model for exactly `steps` Adam steps on random windows of `ids`,
 * logging the loss on 32 fixed windows before and after and the running loss ten times.
 */
export function trainOnWindows(
  model: Model<Tensor, Tensor, Tensor>,
  ids: readonly number[],
  options: { steps: number; batchSize: number; sequenceLength: number; learningRate: number; seed: number; vocabulary: number; description: string; log: (line: string) => void },
): WindowTraining {
  const { steps, batchSize, sequenceLength, learningRate, seed, vocabulary: V, description, log } = options;
  const fixedWindows = randomWindows(ids, 32, sequenceLength, seed + 1);
  const windowLoss = () => noGrad(() => model.loss(model.params, fixedWindows.inputs, fixedWindows.targets).item());
  const initialLoss = windowLoss();
  log(description);
  log(`loss on 32 fixed windows before training: ${initialLoss.toFixed(3)} (ln ${V} = ${Math.log(V).toFixed(3)})`);

  // one pass over steps × batchSize random windows: exactly `steps` optimiser steps
  const windows = randomWindows(ids, steps * batchSize, sequenceLength, seed + 2);
  const batches = batchLosses();
  const reportEvery = Math.max(1, Math.round(steps / 10));
  fit(model, windows, {
    epochs: 1,
    batchSize,
    shuffle: false,
    optimizer: adam({ learningRate }),
    onBatch: ({ batch, loss, examplesSeen, seconds }) => {
      batches.record(loss, examplesSeen);
      if (batch % reportEvery === 0) log(`step ${String(batch).padStart(4)}  loss ${average(batches.losses.slice(-reportEvery)).toFixed(3)}  (${seconds.toFixed(1)} s)`);
    },
  });
  const finalLoss = windowLoss();
  log(`loss on the same windows after training: ${finalLoss.toFixed(3)}`);
  return { initialLoss, finalLoss, losses: batches.losses };
}
