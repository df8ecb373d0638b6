import { add, div, formatShape, matmul, reshape, softmax, Tensor, tensor, transpose, where } from "@tapegrad/core";
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

/** The score given to masked positions before the softmax: exp of it underflows to exactly 0. */
const MASKED_SCORE = -1e9;

/** Options of {@link multiHeadAttention}. */
export interface MultiHeadAttentionOptions {
  /** The layer's name; its parameters are `${name}.Wq`, `${name}.bq`, `${name}.Wk`, `${name}.bk`, `${name}.Wv`, `${name}.bv`, `${name}.Wo`, `${name}.bo`. */
  name: string;
  /** E: features of the query input and of the output. */
  embedDim: number;
  /** The number of heads; it must divide E (each head has d_head = E/heads features). */
  heads: number;
  /** Keep position t from attending to keys after t; false by default. */
  causal?: boolean;
  /** Features of the key input (PyTorch's `kdim`); E by default. */
  keyDim?: number;
  /** Features of the value input (PyTorch's `vdim`); keyDim by default, so one memory tensor can be both key and value. */
  valueDim?: number;
  /** How the projection weights start; Glorot uniform by default. */
  weightInit?: Initializer;
  /** How the projection biases start; zeros by default (as PyTorch). */
  biasInit?: Initializer;
}

/** What a multi-head attention layer is, as saved with weights. */
export interface MultiHeadAttentionDescription extends LayerDescription {
  /** Always `"multiHeadAttention"`. */
  kind: "multiHeadAttention";
  /** E. */
  embedDim: number;
  /** The number of heads. */
  heads: number;
  /** Whether the layer masks later positions. */
  causal: boolean;
  /** Features of the key input. */
  keyDim: number;
  /** Features of the value input. */
  valueDim: number;
}

/**
 * The input of {@link MultiHeadAttention} for cross-attention or a padding mask. A plain
 * tensor x means self-attention, `{ query: x }`.
 */
export interface AttentionInput {
  /** The queries, `[batch, queryTime, embedDim]`. */
  query: Tensor;
  /** The keys, `[batch, keyTime, keyDim]`; the query by default (self-attention). */
  key?: Tensor;
  /** The values, `[batch, keyTime, valueDim]`; the key by default. */
  value?: Tensor;
  /** A padding mask `[batch, keyTime]` of any dtype: 1 (non-zero) keeps a key, 0 hides it. */
  mask?: Tensor;
}

/** What {@link MultiHeadAttention.attend} returns. */
export interface AttentionResult {
  /** `[batch, queryTime, embedDim]`. */
  output: Tensor;
  /** The attention weights, `[batch, heads, queryTime, keyTime]`, each row summing to 1. */
  weights: Tensor;
}

/**
 * Multi-head scaled dot-product attention, as PyTorch's `MultiheadAttention` with
 * `batch_first=True`. With Q = query·Wq + bq, K = key·Wk + bk, V = value·Wv + bv, each split
 * into `heads` heads of d_head = E/heads features ([batch, heads, time, d_head]), every head
 * computes softmax(Q·Kᵀ/√d_head)·V by batched matmul; the heads are joined again and
 * projected, output = joined·Wo + bo.
 *
 * Input: a tensor x `[batch, time, E]` for self-attention, or
 * `{ query, key, value, mask }` (see {@link AttentionInput}) for cross-attention and padding
 * masks. Output: `[batch, queryTime, E]`. The layer is row-major (features on the last
 * axis, no convention). With `causal`, query i sees keys j ≤ i only; a masked key gets the
 * score −1e9, so its weight (and the gradient through it) is exactly 0. A query whose keys
 * are all masked attends uniformly to all of them (PyTorch gives NaN there).
 *
 * Parameters in PyTorch's terms: Wq, Wk, Wv are `[inputFeatures, E]` and PyTorch's
 * `in_proj_weight` is [Wqᵀ; Wkᵀ; Wvᵀ] stacked (`q_proj_weight = Wqᵀ` etc. when kdim or vdim
 * differ), `in_proj_bias` = [bq, bk, bv], `out_proj.weight = Woᵀ`, `out_proj.bias = bo`.
 * PyTorch's `key_padding_mask` is the opposite of `mask`: true there hides a key.
 * @example `new MultiHeadAttention({ name: "attn", embedDim: 16, heads: 4, causal: true }) // or multiHeadAttention({...})`
 */
export class MultiHeadAttention extends ParametrizedLayer implements Layer<Tensor | AttentionInput, Tensor> {
  /** Always `"multiHeadAttention"`. */
  readonly kind = "multiHeadAttention";
  /** The layer's name, the prefix of its parameter names. */
  readonly name: string;
  /** E. */
  readonly embedDim: number;
  /** The number of heads. */
  readonly heads: number;
  /** d_head = E/heads. */
  readonly headDim: number;
  /** Whether later positions are masked. */
  readonly causal: boolean;
  /** Features of the key input. */
  readonly keyDim: number;
  /** Features of the value input. */
  readonly valueDim: number;
  private readonly weightInit: Initializer;
  private readonly biasInit: Initializer;

  /** Use {@link multiHeadAttention}. */
  constructor(options: MultiHeadAttentionOptions) {
    super();
    const { name, embedDim, heads, causal = false } = options;
    checkLayerName("multiHeadAttention", name);
    const where = `multiHeadAttention layer '${name}'`;
    checkPositiveInteger(where, "embedDim", embedDim);
    checkPositiveInteger(where, "heads", heads);
    if (embedDim % heads !== 0) throw new Error(`${where}: heads (${heads}) must divide embedDim (${embedDim}); each head gets embedDim/heads features`);
    if (typeof causal !== "boolean") throw new Error(`${where}: causal must be true or false, got ${JSON.stringify(causal)}`);
    const keyDim = options.keyDim ?? embedDim;
    const valueDim = options.valueDim ?? keyDim;
    checkPositiveInteger(where, "keyDim", keyDim);
    checkPositiveInteger(where, "valueDim", valueDim);
    this.name = name;
    this.embedDim = embedDim;
    this.heads = heads;
    this.headDim = embedDim / heads;
    this.causal = causal;
    this.keyDim = keyDim;
    this.valueDim = valueDim;
    this.weightInit = options.weightInit ?? init.glorotUniform();
    this.biasInit = options.biasInit ?? init.zeros();
  }

  /** Wq, bq, Wk, bk, Wv, bv, Wo, bo. */
  parameterSpecs(): Record<string, ParameterSpec> {
    const E = this.embedDim;
    const projection = (suffix: string, inputFeatures: number): Record<string, ParameterSpec> => ({
      [`${this.name}.W${suffix}`]: { shape: [inputFeatures, E], init: this.weightInit, fanIn: inputFeatures, fanOut: E },
      [`${this.name}.b${suffix}`]: { shape: [E], init: this.biasInit, fanIn: inputFeatures, fanOut: E },
    });
    return { ...projection("q", E), ...projection("k", this.keyDim), ...projection("v", this.valueDim), ...projection("o", E) };
  }



  /** The attention output `[batch, queryTime, E]`. */
  apply(params: Params, input: Tensor | AttentionInput): Tensor {
    return this.attend(params, input).output;
  }

  /** The output and the attention weights of every head. */
  attend(params: Params, input: Tensor | AttentionInput): AttentionResult {
    const { query, key = query, value = key, mask } = input instanceof Tensor ? ({ query: input } as AttentionInput) : (input ?? ({} as AttentionInput));
    this.checkInputs(query, key, value, mask);
    const [batch, queryTime] = query.shape;
    const keyTime = key.shape[1];
    const Q = this.splitHeads(this.project(params, "q", query));
    const K = this.splitHeads(this.project(params, "k", key));
    const V = this.splitHeads(this.project(params, "v", value));
    let scores = div(matmul(Q, K, { transposeB: true }), Math.sqrt(this.headDim)); // [batch, heads, queryTime, keyTime]
    if (this.causal) scores = where(causalMask(queryTime, keyTime), scores, MASKED_SCORE);
    if (mask !== undefined) scores = where(reshape(mask, [batch, 1, 1, keyTime]), scores, MASKED_SCORE);
    const weights = softmax(scores, -1);
    const joined = reshape(transpose(matmul(weights, V), [0, 2, 1, 3]), [batch, queryTime, this.embedDim]);
    return { output: this.project(params, "o", joined), weights };
  }

  /** The layer as saved with weights. */
  describe(): MultiHeadAttentionDescription {
    return { kind: "multiHeadAttention", name: this.name, embedDim: this.embedDim, heads: this.heads, causal: this.causal, keyDim: this.keyDim, valueDim: this.valueDim };
  }

  /** x·W + b for one of the projections q, k, v, o. */
  private project(params: Params, suffix: string, x: Tensor): Tensor {
    return add(matmul(x, parameterOf(this, params, `${this.name}.W${suffix}`)), parameterOf(this, params, `${this.name}.b${suffix}`));
  }

  /** [batch, time, E] to [batch, heads, time, d_head]. */
  private splitHeads(x: Tensor): Tensor {
    const [batch, time] = x.shape;
    return transpose(reshape(x, [batch, time, this.heads, this.headDim]), [0, 2, 1, 3]);
  }

  private checkInputs(query: Tensor | undefined, key: Tensor, value: Tensor, mask: Tensor | undefined): void {
    const where = `multiHeadAttention layer '${this.name}'`;
    const check = (role: string, x: Tensor | undefined, features: number, option: string) => {
      if (!(x instanceof Tensor) || x.rank !== 3 || x.shape[2] !== features || x.dtype === "int32") {
        const got = x instanceof Tensor ? `${x.dtype === "int32" ? "an int32 tensor of " : ""}shape ${formatShape(x.shape)}` : String(x);
        throw new Error(`${where}: the ${role} must be a float tensor of shape [batch, time, ${features}] (${option}), got ${got}`);
      }
    };
    check("query", query, this.embedDim, "embedDim");
    check("key", key, this.keyDim, "keyDim");
    check("value", value, this.valueDim, "valueDim");
    const [batch] = (query as Tensor).shape;
    if (key.shape[0] !== batch || value.shape[0] !== batch || value.shape[1] !== key.shape[1]) {
      throw new Error(
        `${where}: the query ${formatShape((query as Tensor).shape)}, key ${formatShape(key.shape)} and value ${formatShape(value.shape)} must share the batch size, and key and value the time length`,
      );
    }
    if (mask !== undefined && (!(mask instanceof Tensor) || mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== key.shape[1])) {
      const got = mask instanceof Tensor ? formatShape(mask.shape) : String(mask);
      throw new Error(`${where}: the mask must have shape [batch, keyTime] = [${batch}, ${key.shape[1]}] (1 keeps a key, 0 hides it), got ${got}`);
    }
  }
}

/** [queryTime, keyTime] int32: 1 where key j ≤ query i. */
function causalMask(queryTime: number, keyTime: number): Tensor {
  const data = new Int32Array(queryTime * keyTime);
  for (let i = 0; i < queryTime; i++) for (let j = 0; j <= i && j < keyTime; j++) data[i * keyTime + j] = 1;
  return tensor(data, { shape: [queryTime, keyTime], dtype: "int32" });
}

/**
 * A multi-head attention layer (see {@link MultiHeadAttention}).
 * @example
 * ```ts
 * const attention = multiHeadAttention({ name: "attn", embedDim: 8, heads: 2, causal: true });
 * const params = attention.initialize(0);
 * const x = randn([2, 5, 8], { seed: 1 });
 * attention.apply(params, x).shape;                           // [2, 5, 8]: self-attention
 * attention.apply(params, { query: x, key: memory, mask });   // cross-attention, mask [2, keyTime]
 * ```
 */
export function multiHeadAttention(options: MultiHeadAttentionOptions): MultiHeadAttention {
  return new MultiHeadAttention(options);
}
