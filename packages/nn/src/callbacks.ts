import type { Params } from "./layer";
import type { Model } from "./model";
import type { EpochRecord, History } from "./train";

/** What a callback sees of a run of {@link fit}: the model, the history so far, and a way to stop. */
export interface TrainingRun {
  /** The model being trained (its `params` and `state` are the current ones). */
  readonly model: Model<any, any, any>;
  /** The epochs recorded so far. */
  readonly history: History;
  /** Asks `fit` to stop after the current epoch; the reason is kept in `history.stopped`. */
  stop(reason: string): void;
}

/**
 * Hooks `fit` calls during training: once at the start, after every epoch (once its record,
 * validation included, is complete), and once at the end (after the last epoch or a stop;
 * not when training fails with an error).
 *
 * @example
 * ```ts
 * const printer: Callback = { onEpochEnd: (record) => console.log(record.epoch, record.loss) };
 * fit(model, data, { epochs: 10, callbacks: [printer] });
 * ```
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(run: TrainingRun): void;
  /** After each epoch. */
  onEpochEnd?(record: EpochRecord, run: TrainingRun): void;
  /** After the last epoch, or after the epoch in which something asked to stop. */
  onTrainEnd?(run: TrainingRun): void;
}

/** A quantity of an epoch's record that callbacks can watch. */
export type Metric = "loss" | "accuracy" | "validationLoss" | "validationAccuracy";

/** Whether a metric improves by falling or by rising. */
export type MetricMode = "min" | "max";

const METRIC_MODES: Readonly<Record<Metric, MetricMode>> = Object.freeze({ loss: "min", accuracy: "max", validationLoss: "min", validationAccuracy: "max" });

/** Options shared by the callbacks that watch a metric. */
export interface MonitorOptions {
  /** The metric watched; `'validationLoss'` by default. */
  monitor?: Metric;
  /** `'min'` when lower is better, `'max'` when higher is; by default `'min'` for losses and `'max'` for accuracies. */
  mode?: MetricMode;
  /** The smallest change that counts as an improvement; 0 by default. */
  minDelta?: number;
}

/** The best value of a metric so far, and the model's parameters and state at that epoch. */
class BestSoFar {
  readonly monitor: Metric;
  readonly mode: MetricMode;
  readonly minDelta: number;
  value: number | undefined;
  epoch: number | undefined;
  params: Params | undefined;
  state: Params | undefined;

  constructor(where: string, options: MonitorOptions) {
    const monitor = options.monitor ?? "validationLoss";
    if (typeof monitor !== "string" || !Object.hasOwn(METRIC_MODES, monitor)) {
      throw new Error(`${where}: monitor must be one of ${Object.keys(METRIC_MODES).map((m) => `'${m}'`).join(", ")}, got ${JSON.stringify(monitor)}`);
    }
    const mode = options.mode ?? METRIC_MODES[monitor];
    if (mode !== "min" && mode !== "max") throw new Error(`${where}: mode must be 'min' or 'max', got ${JSON.stringify(mode)}`);
    const minDelta = options.minDelta ?? 0;
    if (typeof minDelta !== "number" || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
      throw new Error(`${where}: minDelta must be a finite number ≥ 0, got ${JSON.stringify(minDelta)}`);
    }
    this.monitor = monitor;
    this.mode = mode;
    this.minDelta = minDelta;
  }

  reset(): void {
    this.value = this.epoch = this.params = this.state = undefined;
  }

  /** Reads the metric from the record (an error naming what to pass when it is missing). */
  read(where: string, record: EpochRecord): number {
    const value = record[this.monitor];
    if (value === undefined) {
      const fix = this.monitor.startsWith("validation")
        ? "pass validation data to fit (options.validation)"
        : "the model's output has no accuracy (only sigmoid and softmax outputs do); monitor a loss";
      throw new Error(`${where}: the epoch record has no ${this.monitor}; ${fix}`);
    }
    return value;
  }

  /** Whether `value` improves on the best by more than minDelta (the first value always does). */
  improves(value: number): boolean {
    if (this.value === undefined) return !Number.isNaN(value);
    return this.mode === "min" ? value < this.value - this.minDelta : value > this.value + this.minDelta;
  }

  take(value: number, epoch: number, model: Model<any, any, any>): void {
    this.value = value;
    this.epoch = epoch;
    this.params = model.params; // tensors are immutable: keeping the record keeps the values
    this.state = model.state;
  }

  restore(model: Model<any, any, any>): void {
    if (this.params === undefined) return;
    model.setParams(this.params);
    model.state = this.state!;
  }
}

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions extends MonitorOptions {
  /** Epochs without improvement before stopping; 5 by default. */
  patience?: number;
  /** Put the best epoch's parameters (and state) back into the model when training ends; true by default. */
  restoreBest?: boolean;
}

/** The {@link earlyStopping} callback, with what it found. */
export interface EarlyStopping extends Callback {
  /** The best value of the metric, once an epoch has run. */
  readonly bestValue: number | undefined;
  /** The epoch that had it (1 for the first). */
  readonly bestEpoch: number | undefined;
  /** The epoch after which it stopped training, if it did. */
  readonly stoppedEpoch: number | undefined;
}

/**
 * Stops training when a metric has not improved for `patience` epochs (Keras's
 * `EarlyStopping`): an epoch improves when the metric beats the best so far by more than
 * `minDelta` (lower for `'min'`, higher for `'max'`). With `restoreBest` (the default), the
 * model ends with the parameters and state of its best epoch, whether training stopped
 * early or ran all its epochs.
 * @example
 * ```ts
 * const stopper = earlyStopping({ monitor: "validationLoss", patience: 3, minDelta: 1e-4 });
 * fit(model, train, { epochs: 200, validation: test, callbacks: [stopper] });
 * stopper.bestEpoch; // the epoch whose weights the model now has
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const where = "earlyStopping";
  const best = new BestSoFar(where, options);
  const { patience = 5, restoreBest = true } = options;
  if (!Number.isInteger(patience) || patience < 0) throw new Error(`${where}: patience must be an integer ≥ 0, got ${JSON.stringify(patience)}`);
  if (typeof restoreBest !== "boolean") throw new Error(`${where}: restoreBest must be true or false, got ${JSON.stringify(restoreBest)}`);
  let wait = 0;
  let stoppedEpoch: number | undefined;
  return {
    get bestValue() {
      return best.value;
    },
    get bestEpoch() {
      return best.epoch;
    },
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    onTrainBegin() {
      best.reset();
      wait = 0;
      stoppedEpoch = undefined;
    },
    onEpochEnd(record, run) {
      const value = best.read(where, record);
      if (best.improves(value)) {
        best.take(value, record.epoch, run.model);
        wait = 0;
        return;
      }
      wait++;
      if (wait >= patience) {
        stoppedEpoch = record.epoch;
        run.stop(`${best.monitor} has not improved on ${best.value} (epoch ${best.epoch}) for ${wait} epochs`);
      }
    },
    onTrainEnd(run) {
      if (restoreBest) best.restore(run.model);
    },
  };
}

/** Options of {@link bestWeights}. */
export interface BestWeightsOptions extends MonitorOptions {
  /** Called each time the metric improves, with the model at that epoch: save it to disk here. */
  onImprove?: (model: Model<any, any, any>, record: EpochRecord) => void;
  /** Put the best parameters (and state) back into the model when training ends; false by default. */
  restoreAtEnd?: boolean;
}

/** The {@link bestWeights} checkpoint, holding the best epoch's parameters. */
export interface BestWeights extends Callback {
  /** The parameters of the best epoch so far (undefined before the first epoch). */
  readonly params: Params | undefined;
  /** The model's non-trainable state (batch norm's statistics) at that epoch. */
  readonly state: Params | undefined;
  /** The best epoch (1 for the first). */
  readonly epoch: number | undefined;
  /** The metric's value there. */
  readonly value: number | undefined;
  /** Puts the best parameters and state into `model`. */
  restore(model: Model<any, any, any>): void;
}

/**
 * A checkpoint of the best epoch: after each epoch whose metric improves (as in
 * {@link earlyStopping}), it keeps the model's parameters and state in memory and calls
 * `onImprove`, the place to save them to disk. Tensors are immutable, so keeping them costs
 * no copy.
 * @example
 * ```ts
 * const best = bestWeights({ monitor: "validationAccuracy", onImprove: (m) => saveWeights(m, "best.json") });
 * fit(model, train, { epochs: 50, validation: test, callbacks: [best] });
 * best.restore(model);
 * ```
 */
export function bestWeights(options: BestWeightsOptions = {}): BestWeights {
  const where = "bestWeights";
  const best = new BestSoFar(where, options);
  const { onImprove, restoreAtEnd = false } = options;
  if (onImprove !== undefined && typeof onImprove !== "function") throw new Error(`${where}: onImprove must be a function`);
  return {
    get params() {
      return best.params;
    },
    get state() {
      return best.state;
    },
    get epoch() {
      return best.epoch;
    },
    get value() {
      return best.value;
    },
    restore: (model) => best.restore(model),
    onTrainBegin() {
      best.reset();
    },
    onEpochEnd(record, run) {
      const value = best.read(where, record);
      if (!best.improves(value)) return;
      best.take(value, record.epoch, run.model);
      onImprove?.(run.model, record);
    },
    onTrainEnd(run) {
      if (restoreAtEnd) best.restore(run.model);
    },
  };
}
