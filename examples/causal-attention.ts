// A small causal-attention language model over characters, trained on the opening of
// Pride and Prejudice (examples/data): one pre-norm transformer block. Each position adds a
// learned position embedding to its character's embedding; x + attention(layerNorm(x)) with
// a causal mask (position t sees positions ≤ t only), then x + feedForward(layerNorm(x)),
// and a dense layer gives logits over the alphabet at every position. The loss is the
// softmax cross-entropy against the next characters. After training it prints a sampled
// continuation, each character drawn from the logits at the last position of the window.
//
//   npx --yes pnpm@10.34.9 exec tsx --conditions=@tapegrad/source examples/causal-attention.ts [--steps=400]
import { pathToFileURL } from "node:url";
import { add, noGrad, Random, reshape, slice, softmaxCrossEntropy, tensor, type Tensor } from "@tapegrad/core";
import { dense, embedding, graph, layerNorm, multiHeadAttention, type Dense, type Params } from "@tapegrad/nn";
import { alphabetOf, numberArgument, prideAndPrejudice, sampleIndex, trainOnWindows } from "./text";

/** Options of {@link run}; every one has a default. */
export interface CausalAttentionOptions {
  /** Optimiser steps (mini-batches); 400 by default. */
  steps?: number;
  /** Windows per mini-batch; 16 by default. */
  batchSize?: number;
  /** Characters per window, the longest context; 32 by default. */
  sequenceLength?: number;
  /** E: features per position; 48 by default. */
  embedDim?: number;
  /** Attention heads; 4 by default. */
  heads?: number;
  /** Adam's learning rate; 0.005 by default. */
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
export interface CausalAttentionResult {
  /** The loss on 32 fixed windows of the text before training. */
  initialLoss: number;
  /** The same loss after training. */
  finalLoss: number;
  /** Every mini-batch's training loss. */
  losses: number[];
  /** The prompt followed by the sampled continuation. */
  sample: string;
}

/** A dense layer applied at every position of [batch, time, features]. */
function perPosition(layer: Dense, p: Params, x: Tensor): Tensor {
  const [batch, time, features] = x.shape;
  return reshape(layer.apply(p, reshape(x, [batch * time, features])), [batch, time, layer.units]);
}

/** Trains the model and samples from it. */
export function run(options: CausalAttentionOptions = {}): CausalAttentionResult {
  const { steps = 400, batchSize = 16, sequenceLength = 32, embedDim: E = 48, heads = 4, learningRate = 0.005, sampleLength = 200, seed = 0 } = options;
  const { prompt = "It is a truth", log = console.log } = options;
  const text = prideAndPrejudice();
  const alphabet = alphabetOf(text);
  const ids = alphabet.encode(text);
  const V = alphabet.chars.length;

  const chars = embedding({ name: "chars", vocabularySize: V, dimensions: E });
  const positions = embedding({ name: "positions", vocabularySize: sequenceLength, dimensions: E });
  const norm1 = layerNorm({ name: "norm1", normalizedShape: E });
  const attention = multiHeadAttention({ name: "attention", embedDim: E, heads, causal: true });
  const norm2 = layerNorm({ name: "norm2", normalizedShape: E });
  const expand = dense({ name: "expand", inputSize: E, units: 4 * E, activation: "relu", convention: "row" });
  const contract = dense({ name: "contract", inputSize: 4 * E, units: E, convention: "row" });
  const norm3 = layerNorm({ name: "norm3", normalizedShape: E });
  const out = dense({ name: "out", inputSize: E, units: V, convention: "row" });

  // ids [batch, time] → logits [batch, time, V]
  const forward = (p: Params, windows: Tensor): Tensor => {
    const time = windows.shape[1];
    const where = tensor(Array.from({ length: time }, (_, t) => t), { dtype: "int32" });
    let x = add(chars.apply(p, windows), positions.apply(p, where)); // [batch, time, E] + [time, E]
    x = add(x, attention.apply(p, norm1.apply(p, x)));
    x = add(x, perPosition(contract, p, perPosition(expand, p, norm2.apply(p, x))));
    return perPosition(out, p, norm3.apply(p, x));
  };
  const model = graph({
    layers: [chars, positions, norm1, attention, norm2, expand, contract, norm3, out],
    forward,
    loss: (logits, next: Tensor) => softmaxCrossEntropy(logits, next, { axis: 2 }),
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
    description: `${text.length} characters, an alphabet of ${V}; one causal-attention block, E = ${E}, ${heads} heads, windows of ${sequenceLength}`,
    log,
  });

  // sampling: the logits at the last position of the latest (at most sequenceLength) characters
  const rng = new Random(seed + 3);
  const context = alphabet.encode(prompt);
  noGrad(() => {
    for (let i = 0; i < sampleLength; i++) {
      const window = context.slice(-sequenceLength);
      const logits = forward(model.params, tensor([window], { dtype: "int32" }));
      const last = slice(logits, [0, window.length - 1, 0], [1, 1, V]);
      context.push(sampleIndex(last.data, 0.7, rng));
    }
  });
  const sample = alphabet.decode(context);
  log(`sample: ${sample}`);
  return { initialLoss, finalLoss, losses, sample };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ steps: numberArgument("steps", 400) });
}
