// What the character-level examples share: the text shipped in examples/data, its
// alphabet, random training windows, and drawing the next character from logits.
import { readFileSync } from "node:fs";
import { Random, tensor, type Tensor } from "@tapegrad/core";

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
