import { add, addScaled, div, mul, noGrad, sqrt, square, zerosLike, type Tensor } from "@tapegrad/core";
import type { Params } from "./dense";

/**
 * Updates parameters from their gradients. Optimisers are the only code that changes a
 * model's parameters: `step` returns new tensors (the old ones are not touched) and keeps
 * its own state (velocities, moments) by parameter name.
 */
export interface Optimizer {
  /** The optimiser's name and settings, for logs. */
  readonly description: string;
  /** New parameters after one update with `grads` (same names as `params`). */
  step(params: Params, grads: Params): Params;
}

function checkRate(where: string, name: string, value: number, { max = Infinity, allowZero = false } = {}): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || value >= max) {
    throw new Error(`${where}: ${name} must be a number in ${allowZero ? "[" : "("}0, ${max === Infinity ? "∞" : max}), got ${value}`);
  }
}

function update(params: Params, grads: Params, rule: (name: string, theta: Tensor, g: Tensor) => Tensor): Params {
  return noGrad(() =>
    Object.fromEntries(
      Object.entries(params).map(([name, theta]) => {
        const g = grads[name];
        if (g === undefined) throw new Error(`optimizer: no gradient for parameter '${name}'`);
        return [name, rule(name, theta, g)];
      }),
    ),
  );
}

/**
 * Plain gradient descent: θ ← θ − η·g.
 * @example `fit(model, data, { epochs: 100, optimizer: sgd({ learningRate: 0.5 }) })`
 */
export function sgd({ learningRate }: { learningRate: number }): Optimizer {
  checkRate("sgd", "learningRate", learningRate);
  return {
    description: `sgd(learningRate=${learningRate})`,
    step: (params, grads) => update(params, grads, (_, theta, g) => addScaled(theta, g, -learningRate)),
  };
}

/**
 * Gradient descent with momentum: v ← μ·v + g, θ ← θ − η·v (v starts at 0).
 * @example `momentum({ learningRate: 0.1, momentum: 0.9 })`
 */
export function momentum({ learningRate, momentum: mu = 0.9 }: { learningRate: number; momentum?: number }): Optimizer {
  checkRate("momentum", "learningRate", learningRate);
  checkRate("momentum", "momentum", mu, { max: 1, allowZero: true });
  const velocity = new Map<string, Tensor>();
  return {
    description: `momentum(learningRate=${learningRate}, momentum=${mu})`,
    step: (params, grads) =>
      update(params, grads, (name, theta, g) => {
        const previous = velocity.get(name);
        const v = previous === undefined ? g : addScaled(g, previous, mu);
        velocity.set(name, v);
        return addScaled(theta, v, -learningRate);
      }),
  };
}

/** Options of {@link adam}. */
export interface AdamOptions {
  /** η; 0.001 by default. */
  learningRate?: number;
  /** Decay of the first moment; 0.9 by default. */
  beta1?: number;
  /** Decay of the second moment; 0.999 by default. */
  beta2?: number;
  /** Added to √v̂ for stability; 1e-8 by default. */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
 * θ ← θ − η·m̂/(√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
 * @example `fit(model, data, { epochs: 20, optimizer: adam({ learningRate: 0.01 }) })`
 */
export function adam({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 }: AdamOptions = {}): Optimizer {
  checkRate("adam", "learningRate", learningRate);
  checkRate("adam", "beta1", beta1, { max: 1, allowZero: true });
  checkRate("adam", "beta2", beta2, { max: 1, allowZero: true });
  checkRate("adam", "epsilon", epsilon);
  const moments = new Map<string, { m: Tensor; v: Tensor; t: number }>();
  return {
    description: `adam(learningRate=${learningRate}, beta1=${beta1}, beta2=${beta2}, epsilon=${epsilon})`,
    step: (params, grads) =>
      update(params, grads, (name, theta, g) => {
        const previous = moments.get(name) ?? { m: zerosLike(g), v: zerosLike(g), t: 0 };
        const t = previous.t + 1;
        const m = addScaled(mul(previous.m, beta1), g, 1 - beta1);
        const v = addScaled(mul(previous.v, beta2), square(g), 1 - beta2);
        moments.set(name, { m, v, t });
        const mHat = div(m, 1 - beta1 ** t);
        const vHat = div(v, 1 - beta2 ** t);
        return addScaled(theta, div(mHat, add(sqrt(vHat), epsilon)), -learningRate);
      }),
  };
}
