import { add, addScaled, div, formatShape, mul, noGrad, shapesEqual, sqrt, square, sub, Tensor, zerosLike } from "@tapegrad/core";
import { learningRateAt, type LearningRate } from "./schedule";

/**
 * A record of named tensors: a model's `Params`, or a type or interface of your own such as
 * `{ W: Tensor; b: Tensor }`. Optimisers return the same type they are given.
 */
export type ParamsLike<P> = { [K in keyof P]: Tensor };

/**
 * Updates parameters from their gradients. Optimisers are the only code that changes a
 * model's parameters: `step` returns new tensors (the old ones are not touched) and keeps
 * its own state (velocities, moments) by parameter name.
 *
 * Every optimiser takes `learningRate` as a number or a {@link Schedule} of the step t, and
 * `weightDecay` λ: added to the gradient as λ·θ (PyTorch's `weight_decay`, an L2 penalty
 * of (λ/2)·‖θ‖²) for all but {@link adamW}, which decays the weights directly.
 */
export interface Optimizer {
  /** The optimiser's name and settings, for logs. */
  readonly description: string;
  /** Steps taken so far. */
  readonly steps: number;
  /** The learning rate at schedule step t (a constant rate ignores t). */
  learningRateAt(t: number): number;
  /**
   * New parameters after one update with `grads` (the same names as `params`). The
   * schedule's t is the number of steps taken before this one unless given (`fit` gives
   * the epoch, counting from 0, when it schedules by epoch).
   */
  step<P extends ParamsLike<P>>(params: P, grads: P, t?: number): P;
}

/** Options every optimiser takes. */
export interface OptimizerOptions {
  /** η, a constant or a schedule of the step. */
  learningRate: LearningRate;
  /** λ ≥ 0; 0 by default (0.01 for adamW). */
  weightDecay?: number;
}

function checkRate(where: string, name: string, value: unknown, { max = Infinity, allowZero = false } = {}): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || value >= max) {
    throw new Error(`${where}: ${name} must be a number in ${allowZero ? "[" : "("}0, ${max === Infinity ? "∞" : max}), got ${value}`);
  }
}

function checkLearningRate(where: string, rate: unknown): asserts rate is LearningRate {
  if (typeof rate === "function") return;
  checkRate(where, "learningRate", rate);
}

function describeRate(rate: LearningRate): string {
  return typeof rate === "number" ? `${rate}` : (rate.description ?? "schedule");
}

/** One parameter's update: the new value from the old one θ, its gradient g and the step's rate η. */
type Rule = (name: string, theta: Tensor, g: Tensor, eta: number) => Tensor;

/**
 * An optimiser from its per-parameter rule: checks the names, shapes and dtypes, reads the
 * rate from the schedule once per step, and counts the steps.
 */
function optimizer(where: string, description: string, rate: LearningRate, rule: Rule): Optimizer {
  let steps = 0;
  return {
    description,
    get steps() {
      return steps;
    },
    learningRateAt: (t) => learningRateAt(rate, t, where),
    step<P extends ParamsLike<P>>(params: P, grads: P, t: number = steps): P {
      const thetas = params as Record<string, Tensor>;
      const gs = grads as Record<string, Tensor>;
      // Everything is checked before any state changes, so a refused step leaves the optimiser as it was.
      for (const [name, theta] of Object.entries(thetas)) {
        if (!Object.hasOwn(gs, name)) throw new Error(`${where}: no gradient for parameter '${name}'`);
        const g = gs[name];
        if (!(g instanceof Tensor)) throw new Error(`${where}: the gradient of '${name}' is ${g === null ? "null" : typeof g}, not a tensor`);
        if (!shapesEqual(g.shape, theta.shape) || g.dtype !== theta.dtype) {
          throw new Error(`${where}: the gradient of '${name}' is ${formatShape(g.shape)} ${g.dtype}, but the parameter is ${formatShape(theta.shape)} ${theta.dtype}`);
        }
      }
      for (const name of Object.keys(gs)) {
        if (!Object.hasOwn(thetas, name)) throw new Error(`${where}: a gradient for '${name}', which is not among the parameters`);
      }
      const eta = learningRateAt(rate, t, where);
      const next = noGrad(() => Object.fromEntries(Object.entries(thetas).map(([name, theta]) => [name, rule(name, theta, gs[name], eta)])));
      steps++;
      return next as P;
    },
  };
}

/** g + λ·θ: the L2 term of PyTorch's `weight_decay` (nothing when λ = 0). */
function withDecay(g: Tensor, theta: Tensor, weightDecay: number): Tensor {
  return weightDecay === 0 ? g : addScaled(g, theta, weightDecay);
}

/**
 * Plain gradient descent (PyTorch's `SGD` without momentum): g ← g + λθ, θ ← θ − η·g.
 * @example `fit(model, data, { epochs: 100, optimizer: sgd({ learningRate: 0.5 }) })`
 */
export function sgd({ learningRate, weightDecay = 0 }: OptimizerOptions): Optimizer {
  checkLearningRate("sgd", learningRate);
  checkRate("sgd", "weightDecay", weightDecay, { allowZero: true });
  const description = `sgd(learningRate=${describeRate(learningRate)}${weightDecay ? `, weightDecay=${weightDecay}` : ""})`;
  return optimizer("sgd", description, learningRate, (_, theta, g, eta) => addScaled(theta, withDecay(g, theta, weightDecay), -eta));
}

/** Options of {@link momentum}. */
export interface MomentumOptions extends OptimizerOptions {
  /** μ; 0.9 by default. */
  momentum?: number;
  /** Nesterov's look-ahead (PyTorch's `nesterov=True`); false by default. */
  nesterov?: boolean;
}

/**
 * Gradient descent with momentum, as PyTorch's `SGD(momentum=μ)`: g ← g + λθ,
 * v ← μ·v + g (v = g at the first step), θ ← θ − η·v; with `nesterov`, θ ← θ − η·(g + μ·v).
 * @example `momentum({ learningRate: 0.1, momentum: 0.9, nesterov: true })`
 */
export function momentum({ learningRate, momentum: mu = 0.9, nesterov = false, weightDecay = 0 }: MomentumOptions): Optimizer {
  checkLearningRate("momentum", learningRate);
  checkRate("momentum", "momentum", mu, { max: 1, allowZero: true });
  checkRate("momentum", "weightDecay", weightDecay, { allowZero: true });
  if (typeof nesterov !== "boolean") throw new Error(`momentum: nesterov must be true or false, got ${JSON.stringify(nesterov)}`);
  if (nesterov && mu === 0) throw new Error("momentum: nesterov needs a momentum above 0");
  const velocity = new Map<string, Tensor>();
  const settings = [`learningRate=${describeRate(learningRate)}`, `momentum=${mu}`, nesterov ? "nesterov" : "", weightDecay ? `weightDecay=${weightDecay}` : ""];
  return optimizer("momentum", `momentum(${settings.filter(Boolean).join(", ")})`, learningRate, (name, theta, gradient, eta) => {
    const g = withDecay(gradient, theta, weightDecay);
    const previous = velocity.get(name);
    const v = previous === undefined ? g : addScaled(g, previous, mu);
    velocity.set(name, v);
    return addScaled(theta, nesterov ? addScaled(g, v, mu) : v, -eta);
  });
}

/** Options of {@link adam} and {@link adamW}. */
export interface AdamOptions {
  /** η, a constant or a schedule; 0.001 by default. */
  learningRate?: LearningRate;
  /** Decay of the first moment; 0.9 by default. */
  beta1?: number;
  /** Decay of the second moment; 0.999 by default. */
  beta2?: number;
  /** Added to √v̂ for stability; 1e-8 by default. */
  epsilon?: number;
  /** λ: an L2 term λθ added to the gradient for adam (0 by default); the decoupled decay for adamW (0.01 by default). */
  weightDecay?: number;
}

/** The Adam moments and the bias-corrected step m̂/(√v̂ + ε), per parameter. */
function adamDirection(where: string, options: AdamOptions): (name: string, g: Tensor) => Tensor {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  checkRate(where, "beta1", beta1, { max: 1, allowZero: true });
  checkRate(where, "beta2", beta2, { max: 1, allowZero: true });
  checkRate(where, "epsilon", epsilon);
  const moments = new Map<string, { m: Tensor; v: Tensor; t: number }>();
  return (name, g) => {
    const previous = moments.get(name) ?? { m: zerosLike(g), v: zerosLike(g), t: 0 };
    const t = previous.t + 1;
    const m = addScaled(mul(previous.m, beta1), g, 1 - beta1);
    const v = addScaled(mul(previous.v, beta2), square(g), 1 - beta2);
    moments.set(name, { m, v, t });
    const mHat = div(m, 1 - beta1 ** t);
    const vHat = div(v, 1 - beta2 ** t);
    return div(mHat, add(sqrt(vHat), epsilon));
  };
}

function adamDescription(name: string, options: AdamOptions, learningRate: LearningRate, weightDecay: number): string {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  return `${name}(learningRate=${describeRate(learningRate)}, beta1=${beta1}, beta2=${beta2}, epsilon=${epsilon}${weightDecay ? `, weightDecay=${weightDecay}` : ""})`;
}

/**
 * Adam (Kingma & Ba; PyTorch's `Adam`): g ← g + λθ, m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
 * θ ← θ − η·m̂/(√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), t the
 * parameter's own step count.
 * @example `fit(model, data, { epochs: 20, optimizer: adam({ learningRate: 0.01 }) })`
 */
export function adam(options: AdamOptions = {}): Optimizer {
  const { learningRate = 0.001, weightDecay = 0 } = options;
  checkLearningRate("adam", learningRate);
  checkRate("adam", "weightDecay", weightDecay, { allowZero: true });
  const direction = adamDirection("adam", options);
  return optimizer("adam", adamDescription("adam", options, learningRate, weightDecay), learningRate, (name, theta, g, eta) =>
    addScaled(theta, direction(name, withDecay(g, theta, weightDecay)), -eta),
  );
}

/**
 * AdamW (Loshchilov & Hutter; PyTorch's `AdamW`): Adam with the weight decay decoupled from
 * the gradient. θ ← θ·(1 − η·λ), then the Adam step on the plain gradient:
 * θ ← θ − η·m̂/(√v̂ + ε). λ is 0.01 by default, as in PyTorch.
 * @example `adamW({ learningRate: 0.001, weightDecay: 0.01 })`
 */
export function adamW(options: AdamOptions = {}): Optimizer {
  const { learningRate = 0.001, weightDecay = 0.01 } = options;
  checkLearningRate("adamW", learningRate);
  checkRate("adamW", "weightDecay", weightDecay, { allowZero: true });
  const direction = adamDirection("adamW", options);
  return optimizer("adamW", adamDescription("adamW", options, learningRate, weightDecay), learningRate, (name, theta, g, eta) => {
    const decayed = weightDecay === 0 ? theta : mul(theta, 1 - eta * weightDecay);
    return addScaled(decayed, direction(name, g), -eta);
  });
}

/** Options of {@link rmsprop}. */
export interface RmspropOptions {
  /** η, a constant or a schedule; 0.01 by default. */
  learningRate?: LearningRate;
  /** α, the decay of the mean square; 0.99 by default. */
  alpha?: number;
  /** Added to the root mean square; 1e-8 by default. */
  epsilon?: number;
  /** μ, momentum on the scaled step; 0 (none) by default. */
  momentum?: number;
  /** Divide by the centred mean square v − ḡ² (an estimate of the variance); false by default. */
  centered?: boolean;
  /** λ, added to the gradient as λθ; 0 by default. */
  weightDecay?: number;
}

/**
 * RMSprop (Hinton; PyTorch's `RMSprop`): g ← g + λθ, v ← α·v + (1 − α)·g² (v starts at 0),
 * d = g/(√v + ε); with momentum μ > 0, b ← μ·b + d and θ ← θ − η·b, else θ ← θ − η·d. With
 * `centered`, ḡ ← α·ḡ + (1 − α)·g and d = g/(√(v − ḡ²) + ε).
 * @example `rmsprop({ learningRate: 0.01, momentum: 0.9 })`
 */
export function rmsprop(options: RmspropOptions = {}): Optimizer {
  const { learningRate = 0.01, alpha = 0.99, epsilon = 1e-8, momentum: mu = 0, centered = false, weightDecay = 0 } = options;
  checkLearningRate("rmsprop", learningRate);
  checkRate("rmsprop", "alpha", alpha, { max: 1, allowZero: true });
  checkRate("rmsprop", "epsilon", epsilon);
  checkRate("rmsprop", "momentum", mu, { max: 1, allowZero: true });
  checkRate("rmsprop", "weightDecay", weightDecay, { allowZero: true });
  if (typeof centered !== "boolean") throw new Error(`rmsprop: centered must be true or false, got ${JSON.stringify(centered)}`);
  const state = new Map<string, { v: Tensor; mean?: Tensor; buffer?: Tensor }>();
  const settings = [
    `learningRate=${describeRate(learningRate)}`,
    `alpha=${alpha}`,
    `epsilon=${epsilon}`,
    mu ? `momentum=${mu}` : "",
    centered ? "centered" : "",
    weightDecay ? `weightDecay=${weightDecay}` : "",
  ];
  return optimizer("rmsprop", `rmsprop(${settings.filter(Boolean).join(", ")})`, learningRate, (name, theta, gradient, eta) => {
    const g = withDecay(gradient, theta, weightDecay);
    const previous = state.get(name) ?? { v: zerosLike(g), mean: centered ? zerosLike(g) : undefined };
    const v = addScaled(mul(previous.v, alpha), square(g), 1 - alpha);
    const mean = centered ? addScaled(mul(previous.mean!, alpha), g, 1 - alpha) : undefined;
    const d = div(g, add(sqrt(mean ? sub(v, square(mean)) : v), epsilon));
    const buffer = mu > 0 ? (previous.buffer ? addScaled(d, previous.buffer, mu) : d) : undefined;
    state.set(name, { v, mean, buffer });
    return addScaled(theta, buffer ?? d, -eta);
  });
}

/** What {@link clipGradNorm} returns. */
export interface ClippedGradients<P> {
  /** The gradients, scaled down when their norm exceeded the limit (the same tensors otherwise). */
  grads: P;
  /** ‖g‖, the global L2 norm over all parameters, before clipping. */
  norm: number;
}

/**
 * Clips gradients by their global norm, as PyTorch's `torch.nn.utils.clip_grad_norm_`:
 * ‖g‖ = √(Σ over every parameter and element of g²); when ‖g‖ > maxNorm, every gradient is
 * multiplied by maxNorm/(‖g‖ + 10⁻⁶), so the direction is kept and the norm becomes maxNorm.
 * Returns new gradients (none is changed in place) and the norm before clipping. A
 * non-finite norm leaves the gradients as they are.
 * @example
 * ```ts
 * const { grads, norm } = clipGradNorm({ w: tensor([3, 4]) }, 1);
 * norm;             // 5
 * grads.w.toArray(); // ≈ [0.6, 0.8]
 * ```
 */
export function clipGradNorm<P extends ParamsLike<P>>(grads: P, maxNorm: number): ClippedGradients<P> {
  checkRate("clipGradNorm", "maxNorm", maxNorm);
  const entries = Object.entries(grads as Record<string, Tensor>);
  let squares = 0;
  for (const [name, g] of entries) {
    if (!(g instanceof Tensor)) throw new Error(`clipGradNorm: the gradient of '${name}' is ${g === null ? "null" : typeof g}, not a tensor`);
    const values = g.data;
    for (let i = 0; i < values.length; i++) squares += values[i] * values[i];
  }
  const norm = Math.sqrt(squares);
  const scale = maxNorm / (norm + 1e-6);
  if (!Number.isFinite(norm) || scale >= 1) return { grads, norm };
  return { grads: noGrad(() => Object.fromEntries(entries.map(([name, g]) => [name, mul(g, scale)]))) as P, norm };
}
