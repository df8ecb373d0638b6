// An embedding + mean-pool classifier on a small synthetic sentiment set. Each review is a
// few neutral words with one or two words of its sentiment (and sometimes one of the other),
// padded to a common length. Token ids [batch, length] go through an embedding
// ([batch, length, D]), the vectors of the real tokens are averaged (the padding is masked
// out: Σ_t mask·e_t / Σ_t mask), and a dense layer gives the two class logits; the model's
// softmax output takes the int32 labels directly. Training and test sets are drawn apart.
//
//   npx --yes pnpm@10.34.9 exec tsx --conditions=@tapegrad/source examples/embedding-classifier.ts [--epochs=20]
import { pathToFileURL } from "node:url";
import { div, mul, Random, reshape, sum, tensor, type Tensor } from "@tapegrad/core";
import { adam, dense, embedding, evaluate, fit, graph, type Dataset } from "@tapegrad/nn";
import { numberArgument } from "./text";

const POSITIVE = ["good", "great", "wonderful", "lovely", "excellent", "charming", "delightful", "moving"];
const NEGATIVE = ["bad", "awful", "terrible", "dull", "poor", "dreadful", "tiresome", "clumsy"];
const NEUTRAL = ["the", "a", "film", "book", "was", "is", "very", "quite", "story", "plot", "ending", "and", "it", "acting", "music", "really", "characters", "were", "its", "this"];
/** Token 0 pads; the words follow. */
const VOCABULARY = ["<pad>", ...POSITIVE, ...NEGATIVE, ...NEUTRAL];
const MAX_LENGTH = 12;

/** The inputs of the classifier: token ids and the mask of real (non-padding) tokens. */
export interface Reviews {
  /** int32 token ids, [batch, MAX_LENGTH], 0 for padding. */
  tokens: Tensor;
  /** 1 for a real token, 0 for padding, [batch, MAX_LENGTH]. */
  mask: Tensor;
}

/** `count` reviews with int32 labels (1 positive, 0 negative), and their text. */
export function reviews(count: number, seed: number): { data: Dataset<Reviews, Tensor>; texts: string[] } {
  const rng = new Random(seed);
  const pick = (words: string[]) => words[rng.int(words.length)];
  const tokens = new Int32Array(count * MAX_LENGTH);
  const mask = new Float64Array(count * MAX_LENGTH);
  const labels = new Int32Array(count);
  const texts: string[] = [];
  for (let r = 0; r < count; r++) {
    const label = rng.int(2);
    const [own, other] = label === 1 ? [POSITIVE, NEGATIVE] : [NEGATIVE, POSITIVE];
    const words = Array.from({ length: 3 + rng.int(5) }, () => pick(NEUTRAL));
    const sentiment = [pick(own), ...(rng.uniform() < 0.5 ? [pick(own)] : [])];
    if (sentiment.length === 2 && rng.uniform() < 0.5) sentiment.push(pick(other)); // outvoted
    for (const word of sentiment) words.splice(rng.int(words.length + 1), 0, word);
    words.forEach((word, t) => {
      tokens[r * MAX_LENGTH + t] = VOCABULARY.indexOf(word);
      mask[r * MAX_LENGTH + t] = 1;
    });
    labels[r] = label;
    texts.push(words.join(" "));
  }
  return {
    data: {
      inputs: { tokens: tensor(tokens, { shape: [count, MAX_LENGTH], dtype: "int32" }), mask: tensor(mask, { shape: [count, MAX_LENGTH] }) },
      targets: tensor(labels, { dtype: "int32" }),
    },
    texts,
  };
}

/** Options of {@link run}; every one has a default. */
export interface EmbeddingClassifierOptions {
  /** Passes over the training set; 20 by default. */
  epochs?: number;
  /** Features of each word's vector; 8 by default. */
  dimensions?: number;
  /** Training reviews; 400 by default (and half as many test reviews). */
  examples?: number;
  /** Seed of the parameters and the data; 0 by default. */
  seed?: number;
  /** Where progress goes; `console.log` by default. */
  log?: (line: string) => void;
}

/** What a run measured. */
export interface EmbeddingClassifierResult {
  /** The training loss of each epoch. */
  losses: number[];
  /** The test loss before training. */
  initialTestLoss: number;
  /** The test loss after training. */
  testLoss: number;
  /** The test accuracy after training. */
  testAccuracy: number;
}

/** Trains the classifier and evaluates it on held-out reviews. */
export function run(options: EmbeddingClassifierOptions = {}): EmbeddingClassifierResult {
  const { epochs = 20, dimensions = 8, examples = 400, seed = 0, log = console.log } = options;
  const words = embedding({ name: "words", vocabularySize: VOCABULARY.length, dimensions });
  const out = dense({ name: "out", inputSize: dimensions, units: 2, convention: "row" });
  const model = graph({
    layers: [words, out],
    forward: (p, { tokens, mask }: Reviews) => {
      const vectors = words.apply(p, tokens); // [batch, length, D]
      const weights = reshape(mask, [...mask.shape, 1]); // [batch, length, 1]
      const pooled = div(sum(mul(vectors, weights), 1), sum(weights, 1)); // the mean of the real tokens, [batch, D]
      return out.apply(p, pooled);
    },
    output: "softmax",
    convention: "row",
    seed,
  });
  const train = reviews(examples, seed + 1);
  const test = reviews(Math.ceil(examples / 2), seed + 2);
  log(`${examples} training reviews such as "${train.texts[0]}" (label ${train.data.targets.data[0]}); a vocabulary of ${VOCABULARY.length}`);
  const initialTestLoss = evaluate(model, test.data).loss;
  log(`test loss before training: ${initialTestLoss.toFixed(3)}`);
  const history = fit(model, train.data, {
    epochs,
    batchSize: 32,
    optimizer: adam({ learningRate: 0.01 }),
    seed,
    onEpoch: ({ epoch, loss, accuracy }) => {
      if (epoch === 1 || epoch % Math.max(1, Math.round(epochs / 6)) === 0 || epoch === epochs) {
        log(`epoch ${String(epoch).padStart(3)}  loss ${loss.toFixed(3)}  training accuracy ${((accuracy ?? 0) * 100).toFixed(1)} %`);
      }
    },
  });
  const result = evaluate(model, test.data);
  log(`test loss ${result.loss.toFixed(3)}, test accuracy ${((result.accuracy ?? 0) * 100).toFixed(1)} %`);
  const probabilities = model.predict(test.data.inputs); // softmax rows [negative, positive]
  for (let r = 0; r < 3; r++) log(`  P(positive) = ${probabilities.data[2 * r + 1].toFixed(3)}  "${test.texts[r]}"`);
  return { losses: history.loss, initialTestLoss, testLoss: result.loss, testAccuracy: result.accuracy ?? 0 };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ epochs: numberArgument("epochs", 20) });
}
