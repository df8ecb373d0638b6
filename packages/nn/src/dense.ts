import { add, formatShape, matmul, type FloatDType, type Tensor } from "@tapegrad/core";
import { activationFunction, type Activation } from "./activation";
import { checkConvention, type Convention } from "./convention";
import { init, parameterSeed, type Initializer } from "./init";

/** A model's parameters: a flat map from names such as `"hidden.W"` to tensors. */
export type Params = Record<string, Tensor>;

/** Options of {@link dense}. */
export interface DenseOptions {
  /** The layer's name; its parameters are `${name}.W` and `${name}.b`. */
  name: string;
  /** n_in: features in (units of the previous layer). */
  inputSize: number;
  /** n_out: units of this layer. */
  units: number;
  /** The batch layout. */
  convention: Convention;
  /** g in A = g(Z); a name or any function of a tensor; `'identity'` by default. */
  activation?: Activation;
  /** How W starts; Glorot uniform by default. */
  weightInit?: Initializer;
  /** How b starts; zeros by default. */
  biasInit?: Initializer;
}

/** What a dense layer is, as saved with weights. */
export interface DenseDescription {
  /** The layer's name. */
  name: string;
  /** n_in. */
  inputSize: number;
  /** n_out. */
  units: number;
  /** The activation's name, or `custom:<function name>` for a function. */
  activation: string;
}

/**
 * A fully connected layer, A = g(Z), in either convention:
 * `'row'` computes Z = X·W + b with W n_in × n_out and b 1 × n_out;
 * `'column'` computes Z = W·X + b with W n_out × n_in and b n_out × 1.
 * The layer holds no values: it reads `${name}.W` and `${name}.b` from the params it is given,
 * so the same layer used twice shares its weights.
 * @example `new Dense({ name: "out", inputSize: 4, units: 1, convention: "row" }) // or dense({...})`
 */
export class Dense {
  /** The layer's name, the prefix of its parameter names. */
  readonly name: string;
  /** n_in. */
  readonly inputSize: number;
  /** n_out. */
  readonly units: number;
  /** The batch layout. */
  readonly convention: Convention;
  /** The activation, as given. */
  readonly activation: Activation;
  /** The name of the weight matrix in params: `${name}.W`. */
  readonly weightName: string;
  /** The name of the bias in params: `${name}.b`. */
  readonly biasName: string;
  private readonly g: (z: Tensor) => Tensor;
  private readonly weightInit: Initializer;
  private readonly biasInit: Initializer;

  /** Use {@link dense}. */
  constructor(options: DenseOptions) {
    const { name, inputSize, units, convention } = options;
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new Error(`dense: a layer needs a name without dots, got ${JSON.stringify(name)}`);
    }
    for (const [key, value] of [["inputSize", inputSize], ["units", units]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`dense layer '${name}': ${key} must be a positive integer, got ${value}`);
    }
    checkConvention(`dense layer '${name}'`, convention);
    this.name = name;
    this.inputSize = inputSize;
    this.units = units;
    this.convention = convention;
    this.activation = options.activation ?? "identity";
    this.g = activationFunction(this.activation, convention);
    this.weightName = `${name}.W`;
    this.biasName = `${name}.b`;
    this.weightInit = options.weightInit ?? init.glorotUniform();
    this.biasInit = options.biasInit ?? init.zeros();
  }

  /** The shapes of W and b in this layer's convention. */
  parameterShapes(): Record<string, number[]> {
    const { inputSize: nIn, units: nOut } = this;
    return this.convention === "row"
      ? { [this.weightName]: [nIn, nOut], [this.biasName]: [1, nOut] }
      : { [this.weightName]: [nOut, nIn], [this.biasName]: [nOut, 1] };
  }

  /** Fresh values of W and b, from a seed. */
  initialize(seed: number, dtype: FloatDType = "float64"): Params {
    const context = { fanIn: this.inputSize, fanOut: this.units, dtype };
    const shapes = this.parameterShapes();
    return {
      [this.weightName]: this.weightInit(shapes[this.weightName], { ...context, seed: parameterSeed(seed, this.weightName) }),
      [this.biasName]: this.biasInit(shapes[this.biasName], { ...context, seed: parameterSeed(seed, this.biasName) }),
    };
  }

  /** Z = X·W + b (`'row'`) or Z = W·X + b (`'column'`), before the activation. */
  linear(params: Params, x: Tensor): Tensor {
    const W = this.parameter(params, this.weightName);
    const b = this.parameter(params, this.biasName);
    this.checkInput(x);
    return this.convention === "row" ? add(matmul(x, W), b) : add(matmul(W, x), b);
  }

  /** A = g(Z). */
  apply(params: Params, x: Tensor): Tensor {
    return this.g(this.linear(params, x));
  }

  /** The layer as saved with weights. */
  describe(): DenseDescription {
    const activation = typeof this.activation === "function" ? `custom:${this.activation.name || "anonymous"}` : this.activation;
    return { name: this.name, inputSize: this.inputSize, units: this.units, activation };
  }

  private parameter(params: Params, name: string): Tensor {
    const value = params[name];
    if (value === undefined) {
      const known = Object.keys(params);
      throw new Error(`dense layer '${this.name}': no parameter '${name}' in params (it has ${known.length ? known.join(", ") : "none"})`);
    }
    return value;
  }

  private checkInput(x: Tensor): void {
    const featureAxis = this.convention === "row" ? 1 : 0;
    if (x.rank !== 2 || x.shape[featureAxis] !== this.inputSize) {
      const expected = this.convention === "row" ? `[m, ${this.inputSize}] (examples as rows)` : `[${this.inputSize}, m] (examples as columns)`;
      const other = this.convention === "row" ? "column" : "row";
      const hint = x.rank === 2 && x.shape[1 - featureAxis] === this.inputSize ? `; the input looks laid out for the '${other}' convention` : "";
      throw new Error(`dense layer '${this.name}' (${this.convention} convention) expects inputs of shape ${expected}, got ${formatShape(x.shape)}${hint}`);
    }
  }
}

/**
 * A dense layer (see {@link Dense}).
 * @example
 * ```ts
 * const hidden = dense({ name: "hidden", inputSize: 2, units: 4, activation: "tanh", convention: "column" });
 * hidden.parameterShapes(); // { "hidden.W": [4, 2], "hidden.b": [4, 1] }
 * const A1 = hidden.apply(params, X); // tanh(W·X + b)
 * ```
 */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}
