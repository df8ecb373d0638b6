/**
 * A learning-rate schedule: the rate η_t for t = 0, 1, 2, … (t counts optimiser steps, or
 * epochs when `fit` runs with `scheduleBy: "epoch"`). Any function of t will do; the
 * built-in ones also carry a `description` for logs.
 *
 * @example
 * ```ts
 * const halving: Schedule = (t) => 0.1 * 0.5 ** t;
 * sgd({ learningRate: halving });
 * ```
 */
export type Schedule = ((t: number) => number) & {
  /** What the schedule is, for logs (set by the built-in schedules). */
  readonly description?: string;
};

/** A learning rate: a constant η, or a {@link Schedule}. */
export type LearningRate = number | Schedule;

function schedule(description: string, rate: (t: number) => number): Schedule {
  return Object.assign((t: number) => rate(checkStep(description, t)), { description });
}

function checkStep(where: string, t: number): number {
  if (!Number.isInteger(t) || t < 0) throw new Error(`${where}: the step t must be an integer ≥ 0, got ${t}`);
  return t;
}

function checkPositive(where: string, name: string, value: unknown, { allowZero = false, integer = false } = {}): asserts value is number {
  const ok = typeof value === "number" && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (!ok) throw new Error(`${where}: ${name} must be ${integer ? "an integer" : "a number"} ${allowZero ? "≥ 0" : "> 0"}, got ${JSON.stringify(value)}`);
}

/**
 * The rate a {@link LearningRate} gives at step t: the constant itself, or the schedule's value,
 * checked to be finite and ≥ 0.
 * @example `learningRateAt(stepDecay({ initial: 1, stepSize: 2 }), 3) // 0.1`
 */
export function learningRateAt(rate: LearningRate, t: number, where = "learning rate"): number {
  const value = typeof rate === "number" ? rate : rate(t);
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: the schedule gave ${String(value)} at step ${t}; a learning rate must be a finite number ≥ 0`);
  }
  return value;
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** η₀, the rate of the first `stepSize` steps. */
  initial: number;
  /** Steps (or epochs) between decays. */
  stepSize: number;
  /** The factor γ applied at each decay; 0.1 by default. */
  gamma?: number;
}

/**
 * Step decay (PyTorch's `StepLR`): η_t = η₀ · γ^⌊t / stepSize⌋, the rate multiplied by γ
 * every `stepSize` steps.
 * @example
 * ```ts
 * const rate = stepDecay({ initial: 0.1, stepSize: 10, gamma: 0.5 });
 * rate(0);  // 0.1
 * rate(10); // 0.05
 * rate(25); // 0.025
 * ```
 */
export function stepDecay({ initial, stepSize, gamma = 0.1 }: StepDecayOptions): Schedule {
  checkPositive("stepDecay", "initial", initial, { allowZero: true });
  checkPositive("stepDecay", "stepSize", stepSize, { integer: true });
  checkPositive("stepDecay", "gamma", gamma);
  return schedule(`stepDecay(initial=${initial}, stepSize=${stepSize}, gamma=${gamma})`, (t) => initial * gamma ** Math.floor(t / stepSize));
}

/** Options of {@link cosineAnnealing}. */
export interface CosineAnnealingOptions {
  /** η₀, the rate at t = 0. */
  initial: number;
  /** T: the steps (or epochs) over which the rate falls from η₀ to η_min. */
  period: number;
  /** η_min, the rate from t = T on; 0 by default. */
  minimum?: number;
}

/**
 * Cosine annealing (PyTorch's `CosineAnnealingLR`, without restarts):
 * η_t = η_min + (η₀ − η_min)·(1 + cos(π·t/T))/2 for t ≤ T, and η_min after T (PyTorch's
 * formula would rise again after T; here the schedule ends at its minimum).
 * @example
 * ```ts
 * const rate = cosineAnnealing({ initial: 0.1, period: 100 });
 * rate(0);   // 0.1
 * rate(50);  // 0.05
 * rate(100); // 0
 * ```
 */
export function cosineAnnealing({ initial, period, minimum = 0 }: CosineAnnealingOptions): Schedule {
  checkPositive("cosineAnnealing", "initial", initial, { allowZero: true });
  checkPositive("cosineAnnealing", "period", period, { integer: true });
  checkPositive("cosineAnnealing", "minimum", minimum, { allowZero: true });
  if (minimum > initial) throw new Error(`cosineAnnealing: minimum (${minimum}) is above initial (${initial})`);
  return schedule(`cosineAnnealing(initial=${initial}, period=${period}, minimum=${minimum})`, (t) =>
    t >= period ? minimum : minimum + ((initial - minimum) * (1 + Math.cos((Math.PI * t) / period))) / 2,
  );
}

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** W: the steps (or epochs) of warm-up. */
  steps: number;
  /** The rate after warm-up: a constant, or a schedule that starts its own t at 0 when warm-up ends. */
  then: LearningRate;
  /** The fraction s of the target rate at t = 0; 1/3 by default (PyTorch's `LinearLR`). */
  startFactor?: number;
}

/**
 * Linear warm-up, composed with the schedule that follows it (PyTorch's `LinearLR` then
 * `SequentialLR`): for t < W, η_t = η_after(0) · (s + (1 − s)·t/W), a straight line from
 * s·η_after(0) up to η_after(0); from t = W on, η_t = η_after(t − W), the following
 * schedule run from its own start.
 * @example
 * ```ts
 * const rate = linearWarmup({ steps: 4, startFactor: 0, then: cosineAnnealing({ initial: 0.1, period: 10 }) });
 * rate(0);  // 0
 * rate(2);  // 0.05
 * rate(4);  // 0.1, the cosine's start
 * rate(14); // 0, the cosine's end
 * ```
 */
export function linearWarmup({ steps, then, startFactor = 1 / 3 }: LinearWarmupOptions): Schedule {
  checkPositive("linearWarmup", "steps", steps, { integer: true });
  checkPositive("linearWarmup", "startFactor", startFactor, { allowZero: true });
  if (startFactor > 1) throw new Error(`linearWarmup: startFactor must be in [0, 1], got ${startFactor}`);
  if (typeof then !== "number" && typeof then !== "function") throw new Error("linearWarmup: then must be a learning rate or a schedule");
  const after = typeof then === "number" ? `${then}` : (then.description ?? "a schedule");
  return schedule(`linearWarmup(steps=${steps}, startFactor=${startFactor}, then=${after})`, (t) =>
    t < steps ? learningRateAt(then, 0, "linearWarmup") * (startFactor + ((1 - startFactor) * t) / steps) : learningRateAt(then, t - steps, "linearWarmup"),
  );
}
