import { formatShape, gather, type Tensor } from "@tapegrad/core";
import { init, type Initializer } from "../init";
import {
  checkLayerName,
  checkPositiveInteger,
  parameterOf,
  ParametrizedLayer,
  type Layer,
  type LayerDescription,
  type ParameterSpec,
  type Params,
} from "../layer";

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** The layer's name; its table is `${name}.W`. */
  name: string;
  /** V: how many distinct indices (tokens, categories) there are, 0 … V − 1. */
  vocabularySize: number;
  /** D: the length of each index's vector. */
  dimensions: number;
  /** How the table starts; N(0, 1) by default, as PyTorch's `nn.Embedding`. */
  weightInit?: Initializer;
}

/** What an embedding layer is, as saved with weights. */
export interface EmbeddingDescription extends LayerDescription {
  /** Always `"embedding"`. */
  kind: "embedding";
  /** The layer's name. */
  name: string;
  /** V. */
  vocabularySize: number;
  /** D. */
  dimensions: number;
}

/**
 * A lookup table: int32 indices of any shape S in, one learned vector per index out, of
 * shape S + [D]; row k of the table W [V, D] is index k's vector. Computed with core's
 * `gather(W, indices, 0)`, so the gradient of W adds up g over the positions of each index
 * (`scatterAdd`); indices get none. Examples are on axis 0 of the indices (row-major), e.g.
 * token ids [batch, time] give [batch, time, D]. `${name}.W` is PyTorch's `weight`; for
 * Glorot and He initialisers the layer counts fanIn = V and fanOut = D, as a dense layer
 * from a one-hot vector would.
 * @example `new Embedding({ name: "tokens", vocabularySize: 100, dimensions: 16 }) // or embedding({...})`
 */
export class Embedding extends ParametrizedLayer implements Layer {
  /** Always `"embedding"`. */
  readonly kind = "embedding";
  /** The layer's name, the prefix of its parameter name. */
  readonly name: string;
  /** V. */
  readonly vocabularySize: number;
  /** D. */
  readonly dimensions: number;
  /** The name of the table in params: `${name}.W`. */
  readonly weightName: string;
  private readonly weightInit: Initializer;

  /** Use {@link embedding}. */
  constructor(options: EmbeddingOptions) {
    super();
    checkLayerName("embedding", options?.name);
    const where = `embedding layer '${options.name}'`;
    checkPositiveInteger(where, "vocabularySize", options.vocabularySize);
    checkPositiveInteger(where, "dimensions", options.dimensions);
    this.name = options.name;
    this.vocabularySize = options.vocabularySize;
    this.dimensions = options.dimensions;
    this.weightName = `${options.name}.W`;
    this.weightInit = options.weightInit ?? init.normal({ std: 1 });
  }

  /** The table W [V, D] and its initialiser. */
  parameterSpecs(): Record<string, ParameterSpec> {
    return { [this.weightName]: { shape: [this.vocabularySize, this.dimensions], init: this.weightInit, fanIn: this.vocabularySize, fanOut: this.dimensions } };
  }



  /** The vectors of `indices` (int32, shape S): shape S + [D]. */
  apply(params: Params, indices: Tensor): Tensor {
    const W = parameterOf(this, params, this.weightName);
    const where = `embedding layer '${this.name}'`;
    if (indices?.dtype !== "int32") {
      const got = indices?.shape ? `a ${indices.dtype} tensor of shape ${formatShape(indices.shape)}` : String(indices);
      throw new Error(`${where} expects int32 indices, got ${got}; make them with tensor(ids, { dtype: "int32" })`);
    }
    const data = indices.data;
    for (let k = 0; k < data.length; k++) {
      if (data[k] < 0 || data[k] >= this.vocabularySize) {
        throw new Error(`${where}: index ${data[k]} (at flat position ${k}) is outside the vocabulary 0 … ${this.vocabularySize - 1}`);
      }
    }
    return gather(W, indices, 0);
  }

  /** The layer as saved with weights. */
  describe(): EmbeddingDescription {
    return { kind: "embedding", name: this.name, vocabularySize: this.vocabularySize, dimensions: this.dimensions };
  }
}

/**
 * An embedding layer (see {@link Embedding}).
 * @example
 * ```ts
 * const tokens = embedding({ name: "tokens", vocabularySize: 10, dimensions: 4 });
 * tokens.parameterShapes(); // { "tokens.W": [10, 4] }
 * tokens.apply(tokens.initialize(0), tensor([[1, 2, 3], [3, 0, 9]], { dtype: "int32" })).shape; // [2, 3, 4]
 * ```
 */
export function embedding(options: EmbeddingOptions): Embedding {
  return new Embedding(options);
}
