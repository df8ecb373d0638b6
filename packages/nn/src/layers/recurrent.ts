import { add, formatShape, matmul, mul, reshape, shapesEqual, sigmoid, split, stack, sub, tanh, Tensor, zeros, type FloatDType } from "@tapegrad/core";
import { checkConvention, type Convention } from "../convention";
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

/** The recurrent layer kinds. */
export type RecurrentKind = "rnn" | "lstm" | "gru";

/** Options of {@link rnn}, {@link lstm} and {@link gru}. */
export interface RecurrentOptions {
  /** The layer's name; its parameters are `${name}.Wx`, `${name}.Wh`, `${name}.b` (and `${name}.bh` for a GRU). */
  name: string;
  /** Features per time step of the input. */
  inputSize: number;
  /** Units of the hidden state. */
  hiddenSize: number;
  /** Return the whole sequence of hidden states `[batch, time, hidden]`; false (the last state) by default. */
  returnSequences?: boolean;
  /** How the gate matmuls read: `'row'` (x·Wx, the default) or `'column'` (Wx·x); see {@link RecurrentLayer}. */
  convention?: Convention;
  /** How Wx starts; U(−1/√hidden, 1/√hidden) by default, as PyTorch. */
  weightInit?: Initializer;
  /** How Wh starts; U(−1/√hidden, 1/√hidden) by default. */
  recurrentInit?: Initializer;
  /** How the biases start; U(−1/√hidden, 1/√hidden) by default. */
  biasInit?: Initializer;
}

/** What a recurrent layer is, as saved with weights. */
export interface RecurrentDescription extends LayerDescription {
  /** `"rnn"`, `"lstm"` or `"gru"`. */
  kind: RecurrentKind;
  /** Features per time step. */
  inputSize: number;
  /** Units of the hidden state. */
  hiddenSize: number;
  /** Whether the layer returns the whole sequence. */
  returnSequences: boolean;
}

/**
 * The state carried from one time step to the next: h, and the cell state c of an LSTM.
 * Each is `[batch, hidden]` in the row convention and `[hidden, batch]` in the column one.
 */
export interface RecurrentState {
  /** The hidden state. */
  h: Tensor;
  /** The LSTM's cell state. */
  c?: Tensor;
}

/** A recurrent layer's input with an initial state (zeros when it is omitted). */
export interface RecurrentInput {
  /** The sequence, `[batch, time, features]` (`[features, time, batch]` in the column convention). */
  x: Tensor;
  /** The state before the first step. */
  initialState?: RecurrentState;
}

/** What {@link RecurrentLayer.unroll} returns: every hidden state and the final state. */
export interface RecurrentResult {
  /** The hidden state after every step, `[batch, time, hidden]` (`[hidden, time, batch]` in the column convention). */
  outputs: Tensor;
  /** The state after the last step (to continue a sequence, pass it as the next `initialState`). */
  state: RecurrentState;
}

/** What one cell step needs besides the input's projection. */
export interface RecurrentStepWeights {
  /** The recurrent weights. */
  Wh: Tensor;
  /** A GRU's hidden bias of the n gate, shaped to broadcast in the layer's convention. */
  bh?: Tensor;
}

/**
 * What the recurrent layers {@link RNN}, {@link LSTM} and {@link GRU} share: the cell is
 * unrolled over time (axis 1 of the input), with the same parameters at every step.
 *
 * In the row convention (the default) the layout is PyTorch's `batch_first` one: the input
 * is `[batch, time, features]`, the states `[batch, hidden]`, the returned sequence
 * `[batch, time, hidden]`.
 *
 * Parameters, in the row convention: `${name}.Wx` [features, gates·hidden],
 * `${name}.Wh` [hidden, gates·hidden] and `${name}.b` [gates·hidden], with the gates' blocks
 * side by side in PyTorch's order (LSTM i, f, g, o; GRU r, z, n), and a step computes
 * z = xₜ·Wx + hₜ₋₁·Wh + b on states `[batch, hidden]`. In PyTorch's terms
 * `weight_ih_l0 = Wxᵀ`, `weight_hh_l0 = Whᵀ` and `bias_ih_l0 + bias_hh_l0 = b` (the two
 * biases only ever appear summed). A GRU keeps its hidden bias for the n gate apart, as
 * `${name}.bh` [hidden], since r multiplies it: b = bias_ih_l0 + [b_hr, b_hz, 0] and
 * bh = b_hn = bias_hh_l0[2·hidden:].
 *
 * In the column convention every tensor is the transpose of its row-convention self, so
 * examples sit on the last axis as in the rest of a column-convention model: the input is
 * `[features, time, batch]`, each step's xₜ and the states are columns (`[features, batch]`,
 * `[hidden, batch]`), the returned sequence is `[hidden, time, batch]`, and the gate
 * matmuls read as in the notes, z = Wx·xₜ + Wh·hₜ₋₁ + b, with Wx [gates·hidden, features]
 * (PyTorch's `weight_ih_l0` itself), Wh [gates·hidden, hidden] (`weight_hh_l0`) and b
 * still [gates·hidden]. A column-convention dense layer can take the last state as it is;
 * `transposeParameters` turns one convention's parameters into the other's.
 */
export abstract class RecurrentLayer extends ParametrizedLayer implements Layer<Tensor | RecurrentInput, Tensor> {
  /** `"rnn"`, `"lstm"` or `"gru"`. */
  abstract readonly kind: RecurrentKind;
  /** The layer's name, the prefix of its parameter names. */
  readonly name: string;
  /** Features per time step. */
  readonly inputSize: number;
  /** Units of the hidden state. */
  readonly hiddenSize: number;
  /** Whether `apply` returns the whole sequence rather than the last state. */
  readonly returnSequences: boolean;
  /** How the gate matmuls read. */
  readonly convention: Convention;
  /** `${name}.Wx`. */
  readonly inputWeightName: string;
  /** `${name}.Wh`. */
  readonly recurrentWeightName: string;
  /** `${name}.b`. */
  readonly biasName: string;
  private readonly weightInit: Initializer;
  private readonly recurrentInit: Initializer;
  /** How the biases start. */
  protected readonly biasInit: Initializer;

  /** The number of gate blocks: 1 (rnn), 4 (lstm) or 3 (gru). */
  protected abstract readonly gates: number;

  /** Use {@link rnn}, {@link lstm} or {@link gru}. */
  constructor(kind: RecurrentKind, options: RecurrentOptions) {
    super();
    const { name, inputSize, hiddenSize, returnSequences = false, convention = "row" } = options;
    checkLayerName(kind, name);
    const where = `${kind} layer '${name}'`;
    checkPositiveInteger(where, "inputSize", inputSize);
    checkPositiveInteger(where, "hiddenSize", hiddenSize);
    checkConvention(where, convention);
    if (typeof returnSequences !== "boolean") throw new Error(`${where}: returnSequences must be true or false, got ${JSON.stringify(returnSequences)}`);
    this.name = name;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.returnSequences = returnSequences;
    this.convention = convention;
    this.inputWeightName = `${name}.Wx`;
    this.recurrentWeightName = `${name}.Wh`;
    this.biasName = `${name}.b`;
    const k = 1 / Math.sqrt(hiddenSize);
    this.weightInit = options.weightInit ?? init.uniform({ low: -k, high: k });
    this.recurrentInit = options.recurrentInit ?? init.uniform({ low: -k, high: k });
    this.biasInit = options.biasInit ?? init.uniform({ low: -k, high: k });
  }

  /** Wx, Wh and b (and a GRU's bh), with their shapes in this layer's convention. */
  parameterSpecs(): Record<string, ParameterSpec> {
    const { inputSize: features, hiddenSize: hidden, gates } = this;
    const row = this.convention === "row";
    return {
      [this.inputWeightName]: { shape: row ? [features, gates * hidden] : [gates * hidden, features], init: this.weightInit, fanIn: features, fanOut: hidden },
      [this.recurrentWeightName]: { shape: row ? [hidden, gates * hidden] : [gates * hidden, hidden], init: this.recurrentInit, fanIn: hidden, fanOut: hidden },
      [this.biasName]: { shape: [gates * hidden], init: this.biasInit, fanIn: hidden, fanOut: hidden },
    };
  }



  /**
   * Runs the cell over every time step of `x` (`[batch, time, features]`, or
   * `[features, time, batch]` in the column convention) from `initialState` (zeros by
   * default): every hidden state (`[batch, time, hidden]`, or `[hidden, time, batch]`) and
   * the final state.
   */
  unroll(params: Params, x: Tensor, initialState?: RecurrentState): RecurrentResult {
    const Wx = parameterOf(this, params, this.inputWeightName);
    const Wh = parameterOf(this, params, this.recurrentWeightName);
    const b = parameterOf(this, params, this.biasName);
    const weights = this.stepWeights(params, Wh);
    const row = this.convention === "row";
    this.checkInput(x);
    const batch = x.shape[row ? 0 : 2];
    const time = x.shape[1];
    const bias = row ? b : reshape(b, [this.gates * this.hiddenSize, 1]);
    let state = this.startState(initialState, batch, Wx.dtype as FloatDType);
    const hs: Tensor[] = [];
    for (const slice of time === 1 ? [x] : split(x, time, 1)) {
      const xt = reshape(slice, row ? [batch, this.inputSize] : [this.inputSize, batch]);
      state = this.step(add(row ? matmul(xt, Wx) : matmul(Wx, xt), bias), state, weights);
      hs.push(state.h);
    }
    return { outputs: stack(hs, 1), state };
  }

  /** The whole sequence (`[batch, time, hidden]`, or `[hidden, time, batch]`) with `returnSequences`, else the last hidden state. */
  apply(params: Params, input: Tensor | RecurrentInput): Tensor {
    const { x, initialState } = input instanceof Tensor ? { x: input, initialState: undefined } : input;
    const { outputs, state } = this.unroll(params, x, initialState);
    return this.returnSequences ? outputs : state.h;
  }

  /** The layer as saved with weights. */
  describe(): RecurrentDescription {
    return { kind: this.kind, name: this.name, inputSize: this.inputSize, hiddenSize: this.hiddenSize, returnSequences: this.returnSequences };
  }

  /** One time step from the input's projection xₜ·Wx + b (or Wx·xₜ + b) and the previous state. */
  protected abstract step(projection: Tensor, state: RecurrentState, weights: RecurrentStepWeights): RecurrentState;

  /** What a step needs besides the projection: Wh (and a GRU's bh). */
  protected stepWeights(_params: Params, Wh: Tensor): RecurrentStepWeights {
    return { Wh };
  }

  /** hₜ₋₁·Wh (row) or Wh·hₜ₋₁ (column). */
  protected recurrentProjection(Wh: Tensor, h: Tensor): Tensor {
    return this.convention === "row" ? matmul(h, Wh) : matmul(Wh, h);
  }

  /** The gate blocks of z, along the feature axis of the convention. */
  protected gateBlocks(z: Tensor): Tensor[] {
    return this.gates === 1 ? [z] : split(z, this.gates, this.convention === "row" ? 1 : 0);
  }

  /** Whether this cell carries a cell state c (an LSTM). */
  protected get hasCellState(): boolean {
    return false;
  }

  private checkInput(x: Tensor): void {
    const row = this.convention === "row";
    const featureAxis = row ? 2 : 0;
    if (x instanceof Tensor && x.rank === 3 && x.shape[featureAxis] === this.inputSize && x.dtype !== "int32") return;
    const expected = row ? `[batch, time, ${this.inputSize}]` : `[${this.inputSize}, time, batch] (examples as columns)`;
    const got = x instanceof Tensor ? `${x.dtype === "int32" ? "an int32 tensor of " : ""}shape ${formatShape(x.shape)}` : String(x);
    let hint = "";
    if (x instanceof Tensor && x.dtype === "int32") hint = "; token ids go through an embedding first";
    else if (x instanceof Tensor && x.rank === 2) hint = `; add a time axis (reshape to ${row ? "[batch, 1, features]" : "[features, 1, batch]"}) for a single step`;
    else if (x instanceof Tensor && x.rank === 3 && x.shape[2 - featureAxis] === this.inputSize) hint = `; the input looks laid out for the '${row ? "column" : "row"}' convention`;
    throw new Error(`${this.kind} layer '${this.name}' (${this.convention} convention) expects float inputs of shape ${expected}, got ${got}${hint}`);
  }

  private startState(initial: RecurrentState | undefined, batch: number, dtype: FloatDType): RecurrentState {
    const shape = this.convention === "row" ? [batch, this.hiddenSize] : [this.hiddenSize, batch];
    const layout = this.convention === "row" ? "[batch, hidden]" : "[hidden, batch] (examples as columns)";
    const check = (key: "h" | "c", value: Tensor | undefined): Tensor => {
      if (value === undefined) return zeros(shape, { dtype });
      if (!(value instanceof Tensor) || !shapesEqual(value.shape, shape)) {
        const got = value instanceof Tensor ? formatShape(value.shape) : String(value);
        throw new Error(`${this.kind} layer '${this.name}' (${this.convention} convention): initialState.${key} must have shape ${formatShape(shape)}, ${layout}, got ${got}`);
      }
      return value;
    };
    if (initial !== undefined && initial.c !== undefined && !this.hasCellState) {
      throw new Error(`${this.kind} layer '${this.name}': initialState.c is the cell state of an lstm; a${this.kind === "rnn" ? "n" : ""} ${this.kind} carries h alone`);
    }
    const h = check("h", initial?.h);
    return this.hasCellState ? { h, c: check("c", initial?.c) } : { h };
  }
}

/**
 * The Elman recurrent layer with a tanh cell, as PyTorch's `RNN`:
 * hₜ = tanh(xₜ·Wx + hₜ₋₁·Wh + b) (row convention; Wx·xₜ + Wh·hₜ₋₁ + b in the column one).
 * Input `[batch, time, inputSize]`; output the last state `[batch, hidden]` or, with
 * `returnSequences`, `[batch, time, hidden]` (in the column convention all transposed:
 * `[inputSize, time, batch]` in, `[hidden, batch]` or `[hidden, time, batch]` out).
 * Parameter shapes and their PyTorch names are described at {@link RecurrentLayer}.
 * @example `new RNN({ name: "rnn", inputSize: 3, hiddenSize: 8 }) // or rnn({...})`
 */
export class RNN extends RecurrentLayer {
  /** Always `"rnn"`. */
  readonly kind = "rnn";
  /** One block: the candidate state. */
  protected readonly gates = 1;

  /** Use {@link rnn}. */
  constructor(options: RecurrentOptions) {
    super("rnn", options);
  }

  /** hₜ = tanh(projection + hₜ₋₁·Wh). */
  protected step(projection: Tensor, { h }: RecurrentState, { Wh }: RecurrentStepWeights): RecurrentState {
    return { h: tanh(add(projection, this.recurrentProjection(Wh, h))) };
  }
}

/**
 * The long short-term memory layer, as PyTorch's `LSTM`, gates in PyTorch's order i, f, g, o:
 * [i, f, g, o] = xₜ·Wx + hₜ₋₁·Wh + b (row convention; Wx·xₜ + Wh·hₜ₋₁ + b in the column one),
 * cₜ = σ(f)⊙cₜ₋₁ + σ(i)⊙tanh(g), hₜ = σ(o)⊙tanh(cₜ).
 * Input `[batch, time, inputSize]`, optionally with an initial `{ h, c }`; output the last
 * hidden state `[batch, hidden]` or, with `returnSequences`, `[batch, time, hidden]` (in
 * the column convention all transposed: `[inputSize, time, batch]` in, `[hidden, batch]`
 * or `[hidden, time, batch]` out). Parameter shapes and their PyTorch names are
 * described at {@link RecurrentLayer}.
 * @example `new LSTM({ name: "lstm", inputSize: 3, hiddenSize: 8, returnSequences: true }) // or lstm({...})`
 */
export class LSTM extends RecurrentLayer {
  /** Always `"lstm"`. */
  readonly kind = "lstm";
  /** Four blocks: i, f, g, o. */
  protected readonly gates = 4;

  /** Use {@link lstm}. */
  constructor(options: RecurrentOptions) {
    super("lstm", options);
  }

  /** An LSTM carries c. */
  protected override get hasCellState(): boolean {
    return true;
  }

  /** cₜ = σ(f)⊙cₜ₋₁ + σ(i)⊙tanh(g), hₜ = σ(o)⊙tanh(cₜ). */
  protected step(projection: Tensor, { h, c }: RecurrentState, { Wh }: RecurrentStepWeights): RecurrentState {
    const [i, f, g, o] = this.gateBlocks(add(projection, this.recurrentProjection(Wh, h)));
    const cNext = add(mul(sigmoid(f), c as Tensor), mul(sigmoid(i), tanh(g)));
    return { h: mul(sigmoid(o), tanh(cNext)), c: cNext };
  }
}

/**
 * The gated recurrent unit layer, as PyTorch's `GRU`, gates in PyTorch's order r, z, n
 * (row convention shown; the column one reads Wx·xₜ and Wh·hₜ₋₁):
 * r = σ(xₜ·Wx_r + b_r + hₜ₋₁·Wh_r), z = σ(xₜ·Wx_z + b_z + hₜ₋₁·Wh_z),
 * n = tanh(xₜ·Wx_n + b_n + r⊙(hₜ₋₁·Wh_n + bh)), hₜ = (1 − z)⊙n + z⊙hₜ₋₁.
 * Besides Wx, Wh and b it owns `${name}.bh` [hidden], the n gate's hidden bias (PyTorch's
 * `bias_hh_l0[2·hidden:]`), which r multiplies and so cannot be merged into b.
 * Input `[batch, time, inputSize]`; output the last state `[batch, hidden]` or, with
 * `returnSequences`, `[batch, time, hidden]` (in the column convention all transposed:
 * `[inputSize, time, batch]` in, `[hidden, batch]` or `[hidden, time, batch]` out).
 * @example `new GRU({ name: "gru", inputSize: 3, hiddenSize: 8 }) // or gru({...})`
 */
export class GRU extends RecurrentLayer {
  /** Always `"gru"`. */
  readonly kind = "gru";
  /** Three blocks: r, z, n. */
  protected readonly gates = 3;
  /** `${name}.bh`: the n gate's hidden bias. */
  readonly hiddenBiasName: string;

  /** Use {@link gru}. */
  constructor(options: RecurrentOptions) {
    super("gru", options);
    this.hiddenBiasName = `${this.name}.bh`;
  }

  /** Wx, Wh, b and bh. */
  override parameterSpecs(): Record<string, ParameterSpec> {
    const hidden = this.hiddenSize;
    return { ...super.parameterSpecs(), [this.hiddenBiasName]: { shape: [hidden], init: this.biasInit, fanIn: hidden, fanOut: hidden } };
  }

  /** Wh and bh (a column for the column convention). */
  protected override stepWeights(params: Params, Wh: Tensor): RecurrentStepWeights {
    const bh = parameterOf(this, params, this.hiddenBiasName);
    return { Wh, bh: this.convention === "row" ? bh : reshape(bh, [this.hiddenSize, 1]) };
  }

  /** hₜ = (1 − z)⊙n + z⊙hₜ₋₁. */
  protected step(projection: Tensor, { h }: RecurrentState, { Wh, bh }: RecurrentStepWeights): RecurrentState {
    const [xr, xz, xn] = this.gateBlocks(projection);
    const [hr, hz, hn] = this.gateBlocks(this.recurrentProjection(Wh, h));
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, add(hn, bh as Tensor))));
    return { h: add(mul(sub(1, z), n), mul(z, h)) };
  }
}

/**
 * A tanh recurrent layer (see {@link RNN} and {@link RecurrentLayer}).
 * @example
 * ```ts
 * const cell = rnn({ name: "rnn", inputSize: 3, hiddenSize: 4 });
 * cell.parameterShapes(); // { "rnn.Wx": [3, 4], "rnn.Wh": [4, 4], "rnn.b": [4] }
 * cell.apply(cell.initialize(0), randn([2, 5, 3], { seed: 1 })).shape; // [2, 4]: the last state
 * ```
 */
export function rnn(options: RecurrentOptions): RNN {
  return new RNN(options);
}

/**
 * An LSTM layer (see {@link LSTM} and {@link RecurrentLayer}).
 * @example
 * ```ts
 * const layer = lstm({ name: "lstm", inputSize: 3, hiddenSize: 4, returnSequences: true });
 * layer.parameterShapes(); // { "lstm.Wx": [3, 16], "lstm.Wh": [4, 16], "lstm.b": [16] }
 * const { outputs, state } = layer.unroll(layer.initialize(0), randn([2, 5, 3], { seed: 1 })); // [2, 5, 4], { h, c }
 * ```
 */
export function lstm(options: RecurrentOptions): LSTM {
  return new LSTM(options);
}

/**
 * A GRU layer (see {@link GRU} and {@link RecurrentLayer}).
 * @example
 * ```ts
 * const layer = gru({ name: "gru", inputSize: 3, hiddenSize: 4, convention: "column" });
 * layer.parameterShapes(); // { "gru.Wx": [12, 3], "gru.Wh": [12, 4], "gru.b": [12], "gru.bh": [4] }
 * ```
 */
export function gru(options: RecurrentOptions): GRU {
  return new GRU(options);
}
