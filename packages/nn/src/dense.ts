import { add, formatShape, matmul, type Tensor } from "@tapegrad/core";
import { activationFunction, type Activation } from "./activation";
import { checkConvention, type Convention } from "./convention";
import { init, type Initializer } from "./init";
import {
  checkLayerName,
  checkPositiveInteger,
  parameterOf,
  ParametrizedLayer,
  type Layer,
  type LayerDescription,
  type ParameterSpec,
  type Params,
} from "./layer";

export type { Params } from "./layer";

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
export interface DenseDescription extends LayerDescription {
  /** Always `"dense"`. */
  kind: "dense";
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
export class Dense extends ParametrizedLayer implements Layer {
  /** Always `"dense"`. */
  readonly kind = "dense";
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
  private readonly activate: (z: Tensor) => Tensor;
  private readonly weightInit: Initializer;
  private readonly biasInit: Initializer;

  /** Use {@link dense}. */
  constructor(options: DenseOptions) {
    super();
    const { name, inputSize, units, convention } = options;
    checkLayerName("dense", name);
    checkPositiveInteger(`dense layer '${name}'`, "inputSize", inputSize);
    checkPositiveInteger(`dense layer '${name}'`, "units", units);
    checkConvention(`dense layer '${name}'`, convention);
    this.name = name;
    this.inputSize = inputSize;
    this.units = units;
    this.convention = convention;
    this.activation = options.activation ?? "identity";
    this.activate = activationFunction(this.activation, convention);
    this.weightName = `${name}.W`;
    this.biasName = `${name}.b`;
    this.weightInit = options.weightInit ?? init.glorotUniform();
    this.biasInit = options.biasInit ?? init.zeros();
  }

  /** W and b, with their shapes in this layer's convention and their initialisers. */
  parameterSpecs(): Record<string, ParameterSpec> {
    const { inputSize: nIn, units: nOut } = this;
    const fans = { fanIn: nIn, fanOut: nOut };
    return {
      [this.weightName]: { shape: this.convention === "row" ? [nIn, nOut] : [nOut, nIn], init: this.weightInit, ...fans },
      [this.biasName]: { shape: this.convention === "row" ? [1, nOut] : [nOut, 1], init: this.biasInit, ...fans },
    };
  }



  /** Z = X·W + b (`'row'`) or Z = W·X + b (`'column'`), before the activation. */
  linear(params: Params, x: Tensor): Tensor {
    const W = parameterOf(this, params, this.weightName);
    const b = parameterOf(this, params, this.biasName);
    this.checkInput(x);
    return this.convention === "row" ? add(matmul(x, W), b) : add(matmul(W, x), b);
  }

  /** A = g(Z). */
  apply(params: Params, x: Tensor): Tensor {
    return this.activate(this.linear(params, x));
  }

  /** The layer as saved with weights. */
  describe(): DenseDescription {
    const activation = typeof this.activation === "function" ? `custom:${this.activation.name || "anonymous"}` : this.activation;
    return { kind: "dense", name: this.name, inputSize: this.inputSize, units: this.units, activation };
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
