import { mul, tensor, type Tensor } from "@tapegrad/core";
import { checkLayerName, type Layer, type LayerContext, type LayerDescription, type ParameterSpec, type Params } from "../layer";

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** The layer's name (it owns no parameters). */
  name: string;
  /** p: the probability that an element is zeroed while training, in [0, 1). */
  rate: number;
}

/** What a dropout layer is, as saved with weights. */
export interface DropoutDescription extends LayerDescription {
  /** Always `"dropout"`. */
  kind: "dropout";
  /** p. */
  rate: number;
}

/**
 * Inverted dropout, as PyTorch's `Dropout`: while training, each element is zeroed with
 * probability p and the others are scaled by 1/(1 − p), so the expected output equals the
 * input; in evaluation (and without a context) it is the identity. The mask is drawn from
 * `context.random`, the model's random stream, which advances with every draw: each
 * training step gets a fresh mask and callers pass no seed. The gradient flows through the
 * kept elements, scaled by the same 1/(1 − p).
 * Input: any shape (element-wise, no convention); output: the same shape.
 * @example `new Dropout({ name: "drop", rate: 0.5 }) // or dropout({...})`
 */
export class Dropout implements Layer {
  /** Always `"dropout"`. */
  readonly kind = "dropout";
  /** The layer drops only while training. */
  readonly trainingDiffers = true;
  /** The layer's name. */
  readonly name: string;
  /** p. */
  readonly rate: number;

  /** Use {@link dropout}. */
  constructor(options: DropoutOptions) {
    const { name, rate } = options;
    checkLayerName("dropout", name);
    if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
      throw new Error(`dropout layer '${name}': rate must be a number in [0, 1) (the probability of zeroing an element), got ${JSON.stringify(rate)}`);
    }
    this.name = name;
    this.rate = rate;
  }

  /** None: dropout owns no parameters. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return {};
  }

  /** x·mask/(1 − p) while training, x otherwise. */
  apply(_params: Params, x: Tensor, context?: LayerContext): Tensor {
    if (!context?.training || this.rate === 0) return x;
    if (x.dtype === "int32") throw new Error(`dropout layer '${this.name}': expects a float tensor, got int32`);
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = new Float64Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = context.random.uniform() < keep ? scale : 0;
    return mul(x, tensor(mask, { shape: x.shape, dtype: x.dtype }));
  }

  /** The layer as saved with weights. */
  describe(): DropoutDescription {
    return { kind: "dropout", name: this.name, rate: this.rate };
  }
}

/**
 * An inverted-dropout layer (see {@link Dropout}).
 * @example
 * ```ts
 * const model = sequential([dense({ name: "hidden", inputSize: 4, units: 16, activation: "relu", convention: "row" }), dropout({ name: "drop", rate: 0.2 }), dense({ name: "out", inputSize: 16, units: 1, convention: "row" })]);
 * model.loss(model.params, X, Y, model.context(true)); // a fresh mask on every call
 * model.predict(X);                                      // no dropout in evaluation
 * ```
 */
export function dropout(options: DropoutOptions): Dropout {
  return new Dropout(options);
}
