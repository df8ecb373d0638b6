import { noGrad, Random, valueAndGrad, type Tensor } from "@tapegrad/core";
import type { Callback, TrainingRun } from "./callbacks";
import { checkFinite, datasetAsDtype, exampleCount, takeExamples, type Dataset } from "./data";
import type { Params } from "./layer";
import type { Model } from "./model";
import { clipGradNorm, sgd, type Optimizer } from "./optim";
import { outputAxes, outputNamed } from "./output";

/** What one epoch of {@link fit} measured. */
export interface EpochRecord {
  /** 1 for the first epoch. */
  epoch: number;
  /** The training loss averaged over the epoch's mini-batches (weighted by their sizes), in training mode. */
  loss: number;
  /** Training accuracy after the epoch (in evaluation mode), for sigmoid and softmax outputs. */
  accuracy?: number;
  /** Loss on `validation` after the epoch (in evaluation mode), when given. */
  validationLoss?: number;
  /** Accuracy on `validation` after the epoch, when given. */
  validationAccuracy?: number;
  /** The learning rate of the epoch's last step. */
  learningRate: number;
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
  /** What the optimiser's schedule counts: `'step'` (mini-batches, the default) or `'epoch'` (t = epoch − 1 for every step of an epoch). */
  scheduleBy?: "step" | "epoch";
  /** Clips each step's gradients to this global L2 norm before the optimiser sees them (see {@link clipGradNorm}). */
  clipGradNorm?: number;
  /** Seed of the shuffling; 0 by default. The same seed gives the same history. */
  seed?: number;
  /** Shuffle the examples before each epoch; true by default. */
  shuffle?: boolean;
  /** Data to evaluate on after each epoch, in evaluation mode. */
  validation?: Dataset<I, T>;
  /** Measure the training accuracy after each epoch (one more forward pass over the data); true by default. */
  trainingAccuracy?: boolean;
  /** Examples per forward pass when evaluating after an epoch; all at once by default. */
  evaluationBatchSize?: number;
  /** Early stopping, checkpoints or anything of your own (see {@link Callback}). */
  callbacks?: readonly Callback[];
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
  /** Set when a callback stopped training before the last epoch. */
  stopped?: {
    /** The last epoch that ran. */
    epoch: number;
    /** Why, as the callback said. */
    reason: string;
  };
}

/**
 * Trains `model` on `data` with shuffled mini-batches, in the model's convention (examples
 * along axis 0 in the row convention, along the last axis in the column convention). Each
 * step runs `model.loss` in training mode (dropout on, batch norm on the batch's
 * statistics), differentiates it with the tape, optionally clips the gradients, lets the
 * optimiser replace `model.params`, then commits the step's state updates (batch norm's
 * running statistics). Accuracy and validation run in evaluation mode.
 *
 * Float tensors of the data are converted to the model's dtype once, before training (a
 * float32 model trains on float64 data as float32); int32 tensors (class indices, token
 * ids) stay int32. A NaN or infinite loss stops training with an error; the model keeps the
 * parameters from before that step.
 *
 * @example
 * ```ts
 * const model = mlp({ sizes: [2, 8, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
 * const history = fit(model, { inputs: X, targets: Y }, { epochs: 200, batchSize: 32, optimizer: adam({ learningRate: 0.01 }) });
 * history.loss.at(-1); // the last epoch's loss
 * ```
 */
export function fit<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>, options: FitOptions<I, T>): History {
  const { epochs, seed = 0, shuffle = true, scheduleBy = "step", trainingAccuracy = true, callbacks = [] } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (scheduleBy !== "step" && scheduleBy !== "epoch") throw new Error(`fit: scheduleBy must be 'step' or 'epoch', got ${JSON.stringify(scheduleBy)}`);
  const maxNorm = options.clipGradNorm;
  if (maxNorm !== undefined && !(typeof maxNorm === "number" && maxNorm > 0 && Number.isFinite(maxNorm))) {
    throw new Error(`fit: clipGradNorm must be a positive number (the largest global gradient norm), got ${JSON.stringify(maxNorm)}`);
  }
  if (!Array.isArray(callbacks)) throw new Error("fit: callbacks must be a list");
  const train = prepare("fit", model, data);
  const m = exampleCount(train, model.convention);
  if (m === 0) throw new Error("fit: the data holds no examples");
  const batchSize = options.batchSize ?? m;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const validation = options.validation === undefined ? undefined : prepareValidation(model, options.validation);
  const measureOptions = { batchSize: options.evaluationBatchSize };
  checkBatchSize("fit", "evaluationBatchSize", options.evaluationBatchSize);
  const optimizer = options.optimizer ?? sgd({ learningRate: 0.1 });
  const rng = new Random(seed);
  const history: History = { epochs: [], loss: [], accuracy: [] };
  let stopReason: string | undefined;
  const run: TrainingRun = {
    model,
    history,
    stop: (reason) => {
      stopReason ??= reason;
    },
  };
  for (const callback of callbacks) callback.onTrainBegin?.(run);

  for (let epoch = 1; epoch <= epochs && stopReason === undefined; epoch++) {
    const order = shuffle ? rng.permutation(m) : Array.from({ length: m }, (_, i) => i);
    const t = scheduleBy === "epoch" ? epoch - 1 : undefined;
    const start = performance.now();
    let lossSum = 0;
    for (let first = 0, batchIndex = 1; first < m; first += batchSize, batchIndex++) {
      const indices = order.slice(first, first + batchSize);
      const batch = indices.length === m && !shuffle ? train : takeExamples(train, indices, model.convention);
      const updates: Params = {};
      const context = model.context(true, updates);
      const { value, grads } = valueAndGrad((params: Params) => model.loss(params, batch.inputs, batch.targets, context))(model.params);
      const loss = value.item();
      if (!Number.isFinite(loss)) {
        throw new Error(
          `fit: the loss is ${loss} at epoch ${epoch}, mini-batch ${batchIndex}: training diverged. ` +
            `Lower the learning rate (optimizer: ${optimizer.description})${maxNorm === undefined ? ", clip the gradients (clipGradNorm)" : ""} ` +
            `or scale the inputs; the model keeps its parameters from before this step`,
        );
      }
      const stepGrads = maxNorm === undefined ? grads[0] : clipGradNorm(grads[0], maxNorm).grads;
      model.params = optimizer.step(model.params, stepGrads, t);
      model.commitState(updates);
      lossSum += loss * indices.length;
      const examplesSeen = first + indices.length;
      options.onBatch?.({ epoch, batch: batchIndex, batches: Math.ceil(m / batchSize), examplesSeen, loss: lossSum / examplesSeen, seconds: (performance.now() - start) / 1000 });
    }
    const seconds = (performance.now() - start) / 1000;
    const learningRate = optimizer.learningRateAt(t ?? optimizer.steps - 1);
    const record: EpochRecord = { epoch, loss: lossSum / m, learningRate, seconds, examplesPerSecond: m / Math.max(seconds, 1e-9) };
    if (trainingAccuracy) {
      const value = measure(model, train, { ...measureOptions, loss: false }).accuracy;
      if (value !== undefined) record.accuracy = value;
    }
    if (validation) {
      const result = measure(model, validation, { ...measureOptions, loss: true });
      record.validationLoss = result.loss;
      if (result.accuracy !== undefined) record.validationAccuracy = result.accuracy;
    }
    history.epochs.push(record);
    history.loss.push(record.loss);
    if (record.accuracy !== undefined) history.accuracy.push(record.accuracy);
    options.onEpoch?.(record);
    for (const callback of callbacks) callback.onEpochEnd?.(record, run);
    if (stopReason !== undefined && epoch < epochs) history.stopped = { epoch, reason: stopReason };
  }
  for (const callback of callbacks) callback.onTrainEnd?.(run);
  return history;
}

/** Options of {@link evaluate} and {@link accuracy}. */
export interface EvaluateOptions {
  /** Examples per forward pass (to bound memory on large data); all at once by default. */
  batchSize?: number;
}

/**
 * The model's loss and (for sigmoid and softmax outputs) accuracy on `data`, with its
 * current parameters, in evaluation mode. Float data is converted to the model's dtype
 * first (int32 stays int32), as in {@link fit}. With `batchSize`, the data goes through
 * in chunks and the loss is their example-weighted mean (exact for a loss averaged over
 * examples, as the built-in ones are).
 * @example `evaluate(model, { inputs: Xtest, targets: Ytest }) // { loss: 0.08, accuracy: 0.975 }`
 */
export function evaluate<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>, options: EvaluateOptions = {}): Evaluation {
  checkBatchSize("evaluate", "batchSize", options.batchSize);
  const result = measure(model, prepare("evaluate", model, data), { batchSize: options.batchSize, loss: true });
  const evaluation: Evaluation = { loss: result.loss! };
  if (result.accuracy !== undefined) evaluation.accuracy = result.accuracy;
  return evaluation;
}

/**
 * The fraction of correct predictions, in evaluation mode, by the output kind's rule (see
 * {@link OUTPUTS}): for a sigmoid output, σ(z) > 0.5 against targets > 0.5, unit by unit;
 * for a softmax output, the arg-max class against the target class (an int32 index, or the
 * arg-max of a one-hot row). Undefined for other outputs.
 * @example `accuracy(model, { inputs: X, targets: Y }) // 1`
 */
export function accuracy<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>, options: EvaluateOptions = {}): number | undefined {
  if (model.output === "custom" || outputNamed(model.output, "accuracy").correct === undefined) return undefined;
  checkBatchSize("accuracy", "batchSize", options.batchSize);
  return measure(model, prepare("accuracy", model, data), { batchSize: options.batchSize, loss: false }).accuracy;
}

function checkBatchSize(where: string, name: string, value: unknown): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
    throw new Error(`${where}: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** The data checked (example counts, finite values) and converted to the model's dtype. */
function prepare<I, T>(where: string, model: Model<I, any, T>, data: Dataset<I, T>): Dataset<I, T> {
  if (typeof data !== "object" || data === null || !("inputs" in data) || !("targets" in data)) {
    throw new Error(`${where}: the data must be an object { inputs, targets }`);
  }
  exampleCount(data, model.convention);
  checkFinite(where, data);
  return datasetAsDtype(data, model.dtype);
}

function prepareValidation<I, T>(model: Model<I, any, T>, data: Dataset<I, T>): Dataset<I, T> {
  try {
    return prepare("fit", model, data);
  } catch (error) {
    throw new Error(`fit: in options.validation, ${(error as Error).message.replace(/^fit: /, "")}`, { cause: error });
  }
}

/** One pass in evaluation mode, in chunks: the example-weighted mean loss and the accuracy. */
function measure<I, O, T>(model: Model<I, O, T>, data: Dataset<I, T>, options: { batchSize?: number; loss: boolean }): { loss?: number; accuracy?: number } {
  const m = exampleCount(data, model.convention);
  const chunk = options.batchSize ?? m;
  const definition = model.output === "custom" ? undefined : outputNamed(model.output, "evaluate");
  const judges = definition?.correct !== undefined;
  if (!options.loss && !judges) return {};
  let lossSum = 0;
  let correct = 0;
  let total = 0;
  noGrad(() => {
    for (let first = 0; first < m; first += chunk) {
      const count = Math.min(chunk, m - first);
      const part = count === m ? data : takeExamples(data, Array.from({ length: count }, (_, i) => first + i), model.convention);
      const outputs = model.forward(model.params, part.inputs, model.context(false));
      if (options.loss) lossSum += model.lossOf(outputs, part.targets).item() * count;
      if (judges) {
        const logits = outputs as Tensor;
        const targets = part.targets as Tensor;
        definition!.checkTargets("accuracy", logits, targets, model.convention);
        const judged = definition!.correct!(logits, targets, outputAxes(logits, model.convention));
        correct += judged.correct;
        total += judged.total;
      }
    }
  });
  const result: { loss?: number; accuracy?: number } = {};
  if (options.loss) result.loss = m === 0 ? NaN : lossSum / m;
  if (judges) result.accuracy = total === 0 ? NaN : correct / total;
  return result;
}
