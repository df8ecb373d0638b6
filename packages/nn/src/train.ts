import { noGrad, Random, valueAndGrad, type Tensor } from "@tapegrad/core";
import { featureAxis } from "./convention";
import { checkFinite, exampleCount, takeExamples, type Dataset } from "./data";
import type { Params } from "./dense";
import type { Model } from "./model";
import { sgd, type Optimizer } from "./optim";

/** What one epoch of {@link fit} measured. */
export interface EpochRecord {
  /** 1 for the first epoch. */
  epoch: number;
  /** The training loss averaged over the epoch's mini-batches (weighted by their sizes). */
  loss: number;
  /** Training accuracy after the epoch, for sigmoid and softmax outputs. */
  accuracy?: number;
  /** Loss on `validation` after the epoch, when given. */
  validationLoss?: number;
  /** Accuracy on `validation` after the epoch, when given. */
  validationAccuracy?: number;
  /** Wall-clock seconds the epoch's training steps took. */
  seconds: number;
  /** Training examples processed per second. */
  examplesPerSecond: number;
}

/** What {@link evaluate} measured. */
export interface Evaluation {
  /** The loss averaged over the examples. */
  loss: number;
  /** The accuracy, for sigmoid and softmax outputs. */
  accuracy?: number;
}

/** Options of {@link fit}. */
export interface FitOptions<I, T> {
  /** Passes over the data. */
  epochs: number;
  /** Examples per mini-batch; the whole dataset by default. */
  batchSize?: number;
  /** How parameters are updated; `sgd({ learningRate: 0.1 })` by default. */
  optimizer?: Optimizer;
  /** Seed of the shuffling; 0 by default. The same seed gives the same history. */
  seed?: number;
  /** Shuffle the examples before each epoch; true by default. */
  shuffle?: boolean;
  /** Data to evaluate on after each epoch. */
  validation?: Dataset<I, T>;
  /** Called after each epoch, e.g. to print progress. */
  onEpoch?: (record: EpochRecord) => void;
  /** Called after each mini-batch step, e.g. to draw a progress bar. */
  onBatch?: (progress: BatchProgress) => void;
}

/** Where {@link fit} is within an epoch, passed to `onBatch`. */
export interface BatchProgress {
  /** 1 for the first epoch. */
  epoch: number;
  /** 1 for the first mini-batch of the epoch. */
  batch: number;
  /** Mini-batches per epoch. */
  batches: number;
  /** Examples processed so far in this epoch. */
  examplesSeen: number;
  /** The mean loss of the epoch's mini-batches so far. */
  loss: number;
  /** Seconds since the epoch started. */
  seconds: number;
}

/** The record of a training run: one entry per epoch. */
export interface History {
  /** Every epoch's record. */
  epochs: EpochRecord[];
  /** The training loss per epoch. */
  loss: number[];
  /** The training accuracy per epoch (empty for outputs without accuracy). */
  accuracy: number[];
}

/**
 * Trains `model` on `data` with shuffled mini-batches, in the model's convention (examples
 * along its example axis). Each step differentiates `model.loss` with the tape and lets the
 * optimiser replace `model.params`. A NaN or infinite loss stops training with an error;
 * the model keeps the parameters from before that step.
 *
 * @example
 * ```ts
 * const model = mlp({ sizes: [2, 8, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
 * const history = fit(model, { inputs: X, targets: Y }, { epochs: 200, batchSize: 32, optimizer: adam({ learningRate: 0.01 }) });
 * history.loss.at(-1); // the last epoch's loss
 * ```
 */
export function fit<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>, options: FitOptions<I, T>): History {
  const { epochs, seed = 0, shuffle = true } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  const m = exampleCount(data, model.convention);
  const batchSize = options.batchSize ?? m;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  checkFinite("fit", data);
  const optimizer = options.optimizer ?? sgd({ learningRate: 0.1 });
  const rng = new Random(seed);
  const lossAndGradients = valueAndGrad((params: Params, batch: Dataset<I, T>) => model.loss(params, batch.inputs, batch.targets));
  const history: History = { epochs: [], loss: [], accuracy: [] };

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffle ? rng.permutation(m) : Array.from({ length: m }, (_, i) => i);
    const start = performance.now();
    let lossSum = 0;
    for (let first = 0, batchIndex = 1; first < m; first += batchSize, batchIndex++) {
      const indices = order.slice(first, first + batchSize);
      const batch = indices.length === m && !shuffle ? data : takeExamples(data, indices, model.convention);
      const { value, grads } = lossAndGradients(model.params, batch);
      const loss = value.item();
      if (!Number.isFinite(loss)) {
        throw new Error(
          `fit: the loss is ${loss} at epoch ${epoch}, mini-batch ${batchIndex}: training diverged. ` +
            `Lower the learning rate (optimizer: ${optimizer.description}) or scale the inputs; the model keeps its parameters from before this step`,
        );
      }
      model.params = optimizer.step(model.params, grads[0]);
      lossSum += loss * indices.length;
      const examplesSeen = first + indices.length;
      options.onBatch?.({ epoch, batch: batchIndex, batches: Math.ceil(m / batchSize), examplesSeen, loss: lossSum / examplesSeen, seconds: (performance.now() - start) / 1000 });
    }
    const seconds = (performance.now() - start) / 1000;
    const record: EpochRecord = { epoch, loss: lossSum / m, seconds, examplesPerSecond: m / Math.max(seconds, 1e-9) };
    const trainAccuracy = accuracy(model, data);
    if (trainAccuracy !== undefined) record.accuracy = trainAccuracy;
    if (options.validation) {
      const result = evaluate(model, options.validation);
      record.validationLoss = result.loss;
      if (result.accuracy !== undefined) record.validationAccuracy = result.accuracy;
    }
    history.epochs.push(record);
    history.loss.push(record.loss);
    if (record.accuracy !== undefined) history.accuracy.push(record.accuracy);
    options.onEpoch?.(record);
  }
  return history;
}

/**
 * The model's loss and (for sigmoid and softmax outputs) accuracy on `data`, with its current parameters.
 * @example `evaluate(model, { inputs: Xtest, targets: Ytest }) // { loss: 0.08, accuracy: 0.975 }`
 */
export function evaluate<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>): Evaluation {
  const loss = noGrad(() => model.loss(model.params, data.inputs, data.targets).item());
  const result: Evaluation = { loss };
  const value = accuracy(model, data);
  if (value !== undefined) result.accuracy = value;
  return result;
}

/**
 * The fraction of correct predictions: for a sigmoid output, σ(z) > 0.5 against targets
 * > 0.5, element by element; for a softmax output, the arg-max class against the target's.
 * Undefined for other outputs.
 * @example `accuracy(model, { inputs: X, targets: Y }) // 1`
 */
export function accuracy<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>): number | undefined {
  if (model.output !== "sigmoid" && model.output !== "softmax") return undefined;
  const logits = noGrad(() => model.forward(model.params, data.inputs)) as Tensor;
  const targets = data.targets as Tensor;
  if (model.output === "sigmoid") {
    let correct = 0;
    logits.data.forEach((z, i) => (correct += (z > 0) === targets.data[i] > 0.5 ? 1 : 0));
    return correct / logits.size;
  }
  const predicted = argmaxAlong(logits, featureAxis(model.convention));
  const expected = argmaxAlong(targets, featureAxis(model.convention));
  return predicted.filter((c, i) => c === expected[i]).length / predicted.length;
}

/** For each example, the index of the largest value along the class axis. */
function argmaxAlong(t: Tensor, classAxis: 0 | 1): number[] {
  const [rows, columns] = t.shape;
  const examples = classAxis === 1 ? rows : columns;
  const classes = classAxis === 1 ? columns : rows;
  const at = (example: number, c: number) => (classAxis === 1 ? t.data[example * columns + c] : t.data[c * columns + example]);
  return Array.from({ length: examples }, (_, example) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (at(example, c) > at(example, best)) best = c;
    return best;
  });
}

