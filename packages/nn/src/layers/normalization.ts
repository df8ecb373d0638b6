import { add, div, formatShape, full, mean, mul, noGrad, reshape, sqrt, sub, variance, type Tensor } from "@tapegrad/core";
import { init, type Initializer } from "../init";
import {
  checkLayerName,
  checkPositiveInteger,
  parameterOf,
  ParametrizedLayer,
  type Layer,
  type LayerContext,
  type LayerDescription,
  type ParameterSpec,
  type Params,
  type StateSpec,
} from "../layer";

/** γ starts at 1, so a fresh normalisation layer only standardises. */
const onesInit: Initializer = (shape, { dtype }) => full(shape, 1, { dtype });

/** Throws unless eps is a positive finite number. */
function checkEps(where: string, eps: unknown): asserts eps is number {
  if (typeof eps !== "number" || !Number.isFinite(eps) || eps <= 0) {
    throw new Error(`${where}: eps must be a positive number, got ${JSON.stringify(eps)}`);
  }
}

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** The layer's name; its parameters are `${name}.gamma` and `${name}.beta`. */
  name: string;
  /** The sizes of the last axes normalised over (PyTorch's `normalized_shape`): a number for the last axis alone. */
  normalizedShape: number | number[];
  /** Added to the variance before the square root; 1e-5 by default (as PyTorch). */
  eps?: number;
}

/** What a layer norm is, as saved with weights. */
export interface LayerNormDescription extends LayerDescription {
  /** Always `"layerNorm"`. */
  kind: "layerNorm";
  /** The sizes of the normalised last axes. */
  normalizedShape: number[];
  /** The eps added to the variance. */
  eps: number;
}

/**
 * Layer normalisation, as PyTorch's `LayerNorm`: each example is standardised over its last
 * axes (those of `normalizedShape`) with the biased variance, then scaled and shifted,
 * y = (x − mean)/√(var + eps)·γ + β. γ (`${name}.gamma`, PyTorch's `weight`) starts at 1 and
 * β (`${name}.beta`, PyTorch's `bias`) at 0, both of shape `normalizedShape`.
 * Input: any shape ending in `normalizedShape`, e.g. `[batch, features]` or
 * `[batch, time, features]` (row-major: the normalised axes are the last ones); output: the
 * same shape. It computes the same in training and evaluation.
 * @example `new LayerNorm({ name: "norm", normalizedShape: 8 }) // or layerNorm({...})`
 */
export class LayerNorm extends ParametrizedLayer implements Layer {
  /** Always `"layerNorm"`. */
  readonly kind = "layerNorm";
  /** The layer's name, the prefix of its parameter names. */
  readonly name: string;
  /** The sizes of the normalised last axes. */
  readonly normalizedShape: readonly number[];
  /** The eps added to the variance. */
  readonly eps: number;
  /** The name of γ in params: `${name}.gamma`. */
  readonly gammaName: string;
  /** The name of β in params: `${name}.beta`. */
  readonly betaName: string;

  /** Use {@link layerNorm}. */
  constructor(options: LayerNormOptions) {
    super();
    const { name, eps = 1e-5 } = options;
    checkLayerName("layerNorm", name);
    const where = `layerNorm layer '${name}'`;
    const shape = typeof options.normalizedShape === "number" ? [options.normalizedShape] : options.normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) {
      throw new Error(`${where}: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(options.normalizedShape)}`);
    }
    shape.forEach((size) => checkPositiveInteger(where, "normalizedShape", size));
    checkEps(where, eps);
    this.name = name;
    this.normalizedShape = Object.freeze([...shape]);
    this.eps = eps;
    this.gammaName = `${name}.gamma`;
    this.betaName = `${name}.beta`;
  }

  /** γ (ones) and β (zeros), of shape `normalizedShape`. */
  parameterSpecs(): Record<string, ParameterSpec> {
    const shape = [...this.normalizedShape];
    const fans = { fanIn: shape.reduce((a, b) => a * b, 1), fanOut: shape.reduce((a, b) => a * b, 1) };
    return {
      [this.gammaName]: { shape, init: onesInit, ...fans },
      [this.betaName]: { shape: [...shape], init: init.zeros(), ...fans },
    };
  }



  /** y = (x − mean)/√(var + eps)·γ + β over the last axes. */
  apply(params: Params, x: Tensor): Tensor {
    const gamma = parameterOf(this, params, this.gammaName);
    const beta = parameterOf(this, params, this.betaName);
    const k = this.normalizedShape.length;
    const trailing = x.shape.slice(x.rank - k);
    if (x.rank < k || trailing.some((size, i) => size !== this.normalizedShape[i])) {
      throw new Error(
        `layerNorm layer '${this.name}' expects inputs whose last ${k === 1 ? "axis has size" : `${k} axes are`} ${k === 1 ? this.normalizedShape[0] : formatShape(this.normalizedShape)}, got shape ${formatShape(x.shape)}`,
      );
    }
    const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
    const centred = sub(x, mean(x, axes, true));
    const standardised = div(centred, sqrt(add(variance(x, axes, true), this.eps)));
    return add(mul(standardised, gamma), beta);
  }

  /** The layer as saved with weights. */
  describe(): LayerNormDescription {
    return { kind: "layerNorm", name: this.name, normalizedShape: [...this.normalizedShape], eps: this.eps };
  }
}

/**
 * A layer normalisation over the last axes (see {@link LayerNorm}).
 * @example
 * ```ts
 * const norm = layerNorm({ name: "norm", normalizedShape: 3 });
 * norm.apply(norm.initialize(), tensor([[1, 2, 3]])); // ≈ [[−1.2247, 0, 1.2247]]
 * ```
 */
export function layerNorm(options: LayerNormOptions): LayerNorm {
  return new LayerNorm(options);
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** The layer's name; parameters `${name}.gamma`, `${name}.beta`, state `${name}.runningMean`, `${name}.runningVar`. */
  name: string;
  /** C: the size of axis 1 (features of `[N, C]`, channels of `[N, C, H, W]`). */
  features: number;
  /** Added to the variance before the square root; 1e-5 by default (as PyTorch). */
  eps?: number;
  /** Weight of the new batch in the running statistics; 0.1 by default (as PyTorch). */
  momentum?: number;
}

/** What a batch norm is, as saved with weights (its running statistics are saved as state). */
export interface BatchNormDescription extends LayerDescription {
  /** Always `"batchNorm"`. */
  kind: "batchNorm";
  /** C. */
  features: number;
  /** The eps added to the variance. */
  eps: number;
  /** The momentum of the running statistics. */
  momentum: number;
}

/**
 * Batch normalisation, as PyTorch's `BatchNorm1d` / `BatchNorm2d`: each channel c (axis 1)
 * is standardised, y = (x − μ_c)/√(σ²_c + eps)·γ_c + β_c.
 * - In training, μ and σ² are the batch's mean and biased variance over every axis but 1
 *   (N, and H, W for images); the running statistics are then updated as PyTorch does,
 *   runningMean ← (1 − momentum)·runningMean + momentum·μ and
 *   runningVar ← (1 − momentum)·runningVar + momentum·σ²·n/(n − 1), with n the values per
 *   channel (the unbiased variance), recorded through `context.updateState`.
 * - In evaluation (and without a context) it uses the running statistics, read from the
 *   context's state; a model starts them at 0 and 1.
 * γ (`${name}.gamma`, PyTorch's `weight`) and β (`${name}.beta`, `bias`) have shape [C].
 * Input: `[N, C]`, `[N, C, L]` or `[N, C, H, W]` (channels on axis 1, as PyTorch; no
 * convention); output: the same shape.
 * @example `new BatchNorm({ name: "bn", features: 16 }) // or batchNorm({...})`
 */
export class BatchNorm extends ParametrizedLayer implements Layer {
  /** Always `"batchNorm"`. */
  readonly kind = "batchNorm";
  /** The layer normalises with batch statistics while training. */
  readonly trainingDiffers = true;
  /** The layer's name, the prefix of its parameter and state names. */
  readonly name: string;
  /** C. */
  readonly features: number;
  /** The eps added to the variance. */
  readonly eps: number;
  /** The momentum of the running statistics. */
  readonly momentum: number;
  /** `${name}.gamma`. */
  readonly gammaName: string;
  /** `${name}.beta`. */
  readonly betaName: string;
  /** `${name}.runningMean`, in the model's state. */
  readonly runningMeanName: string;
  /** `${name}.runningVar`, in the model's state. */
  readonly runningVarName: string;

  /** Use {@link batchNorm}. */
  constructor(options: BatchNormOptions) {
    super();
    const { name, features, eps = 1e-5, momentum = 0.1 } = options;
    checkLayerName("batchNorm", name);
    const where = `batchNorm layer '${name}'`;
    checkPositiveInteger(where, "features", features);
    checkEps(where, eps);
    if (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1)) {
      throw new Error(`${where}: momentum must be a number in [0, 1], got ${JSON.stringify(momentum)}`);
    }
    this.name = name;
    this.features = features;
    this.eps = eps;
    this.momentum = momentum;
    this.gammaName = `${name}.gamma`;
    this.betaName = `${name}.beta`;
    this.runningMeanName = `${name}.runningMean`;
    this.runningVarName = `${name}.runningVar`;
  }

  /** γ (ones) and β (zeros), of shape [C]. */
  parameterSpecs(): Record<string, ParameterSpec> {
    const fans = { fanIn: this.features, fanOut: this.features };
    return {
      [this.gammaName]: { shape: [this.features], init: onesInit, ...fans },
      [this.betaName]: { shape: [this.features], init: init.zeros(), ...fans },
    };
  }

  /** The running mean (starting at 0) and running variance (starting at 1), of shape [C]. */
  stateSpecs(): Record<string, StateSpec> {
    return {
      [this.runningMeanName]: { shape: [this.features], initial: 0 },
      [this.runningVarName]: { shape: [this.features], initial: 1 },
    };
  }



  /** Batch statistics in training (recording the running ones), running statistics otherwise. */
  apply(params: Params, x: Tensor, context?: LayerContext): Tensor {
    const gamma = parameterOf(this, params, this.gammaName);
    const beta = parameterOf(this, params, this.betaName);
    if (x.rank < 2 || x.rank > 4 || x.shape[1] !== this.features) {
      throw new Error(
        `batchNorm layer '${this.name}' expects inputs of shape [N, ${this.features}], [N, ${this.features}, L] or [N, ${this.features}, H, W] (channels on axis 1), got ${formatShape(x.shape)}`,
      );
    }
    const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
    const channelShape = [1, this.features, ...new Array<number>(x.rank - 2).fill(1)];
    let mu: Tensor;
    let sigma2: Tensor;
    if (context?.training) {
      const n = x.size / this.features;
      if (n < 2) {
        throw new Error(`batchNorm layer '${this.name}': training needs more than one value per channel, got input of shape ${formatShape(x.shape)}`);
      }
      mu = mean(x, axes, true);
      sigma2 = variance(x, axes, true);
      const [runningMean, runningVar] = this.runningStatistics(context);
      const m = this.momentum;
      noGrad(() => {
        context.updateState(this.runningMeanName, add(mul(runningMean, 1 - m), mul(reshape(mu, [this.features]), m)));
        context.updateState(this.runningVarName, add(mul(runningVar, 1 - m), mul(reshape(sigma2, [this.features]), (m * n) / (n - 1))));
      });
    } else {
      const [runningMean, runningVar] = this.runningStatistics(context);
      mu = reshape(runningMean, channelShape);
      sigma2 = reshape(runningVar, channelShape);
    }
    const standardised = div(sub(x, mu), sqrt(add(sigma2, this.eps)));
    return add(mul(standardised, reshape(gamma, channelShape)), reshape(beta, channelShape));
  }

  /** The layer as saved with weights. */
  describe(): BatchNormDescription {
    return { kind: "batchNorm", name: this.name, features: this.features, eps: this.eps, momentum: this.momentum };
  }

  private runningStatistics(context: LayerContext | undefined): [Tensor, Tensor] {
    return [this.runningMeanName, this.runningVarName].map((name) => {
      const state = context?.state ?? {};
      if (!Object.hasOwn(state, name)) {
        throw new Error(
          `batchNorm layer '${this.name}': no state '${name}' in the layer context; batch norm reads its running statistics from the state, ` +
            `so pass model.context(training) (a model made with this layer holds them) or evaluationContext(state)`,
        );
      }
      const value = state[name];
      if (value.rank !== 1 || value.shape[0] !== this.features) {
        throw new Error(`batchNorm layer '${this.name}': state '${name}' has shape ${formatShape(value.shape)}, expected [${this.features}]`);
      }
      return value;
    }) as [Tensor, Tensor];
  }
}

/**
 * A batch normalisation over axis 1 (see {@link BatchNorm}).
 * @example
 * ```ts
 * const bn = batchNorm({ name: "bn", features: 2 });
 * const model = sequential([bn]);
 * const updates: Params = {};
 * model.forward(model.params, tensor([[1, 10], [3, 30]]), model.context(true, updates)); // [[−1, −1], [1, 1]] (nearly)
 * model.commitState(updates); // runningMean = 0.9·0 + 0.1·[2, 20] = [0.2, 2]
 * ```
 */
export function batchNorm(options: BatchNormOptions): BatchNorm {
  return new BatchNorm(options);
}
