import { formatShape, reshape, type Tensor } from "@tapegrad/core";
import { checkLayerName, type Layer, type LayerDescription, type ParameterSpec, type Params } from "../layer";

/** Options of {@link flatten}. */
export interface FlattenOptions {
  /** The layer's name (it owns no parameters, but names it in errors and in saved models). */
  name: string;
}

/** What a flatten layer is, as saved with weights. */
export interface FlattenDescription extends LayerDescription {
  /** Always `"flatten"`. */
  kind: "flatten";
  /** The layer's name. */
  name: string;
}

/**
 * Keeps axis 0 (the examples) and flattens the rest into one axis, row-major: [N, d₁, …, d_k]
 * becomes [N, d₁·…·d_k], as PyTorch's `nn.Flatten()` (start_dim 1). It joins convolutions
 * ([N, C, H, W], element (c, i, j) at c·H·W + i·W + j) to dense layers in the row
 * convention ([m, n_in]). No parameters; the gradient is the reshape back.
 * @example `new Flatten({ name: "flatten" }) // or flatten({...})`
 */
export class Flatten implements Layer {
  /** Always `"flatten"`. */
  readonly kind = "flatten";
  /** The layer's name. */
  readonly name: string;

  /** Use {@link flatten}. */
  constructor(options: FlattenOptions) {
    checkLayerName("flatten", options?.name);
    this.name = options.name;
  }

  /** None: flattening has no parameters. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return {};
  }

  /** [N, d₁, …, d_k] → [N, d₁·…·d_k]. */
  apply(_params: Params, x: Tensor): Tensor {
    if (!(x?.rank >= 2)) {
      throw new Error(`flatten layer '${this.name}' expects a tensor with examples on axis 0 and at least one more axis, got ${x?.shape ? formatShape(x.shape) : String(x)}`);
    }
    return reshape(x, [x.shape[0], x.shape.slice(1).reduce((p, d) => p * d, 1)]);
  }

  /** The layer as saved with weights. */
  describe(): FlattenDescription {
    return { kind: "flatten", name: this.name };
  }
}

/**
 * A flatten layer (see {@link Flatten}).
 * @example
 * ```ts
 * flatten({ name: "flatten" }).apply({}, zeros([8, 16, 4, 4])).shape; // [8, 256]
 * ```
 */
export function flatten(options: FlattenOptions): Flatten {
  return new Flatten(options);
}
