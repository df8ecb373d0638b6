import { randn, uniform, zeros, type FloatDType, type Tensor } from "@tapegrad/core";

/** What an initialiser knows about the parameter it fills. */
export interface InitContext {
  /** Inputs feeding each unit (n_in of a dense layer). */
  fanIn: number;
  /** Units fed by each input (n_out of a dense layer). */
  fanOut: number;
  /** The seed for this parameter: the same seed gives the same values. */
  seed: number;
  /** The dtype to create. */
  dtype: FloatDType;
}

/** Makes a parameter tensor of `shape`. Every built-in initialiser is seeded and reproducible. */
export type Initializer = (shape: readonly number[], context: InitContext) => Tensor;

/**
 * The built-in initialisers.
 *
 * @example
 * ```ts
 * dense({ name: "hidden", inputSize: 2, units: 8, convention: "row", weightInit: init.heNormal() });
 * init.uniform({ low: -0.1, high: 0.1 })([3, 2], { fanIn: 2, fanOut: 3, seed: 0, dtype: "float64" });
 * ```
 */
export const init = {
  /** All zeros (the default for biases). */
  zeros: (): Initializer => (shape, { dtype }) => zeros(shape, { dtype }),
  /** Uniform in [low, high); [−0.05, 0.05) by default. */
  uniform:
    ({ low = -0.05, high = 0.05 }: { low?: number; high?: number } = {}): Initializer =>
    (shape, { seed, dtype }) =>
      uniform(shape, { seed, dtype, low, high }),
  /** Normal with mean 0 and standard deviation 0.01 by default. */
  normal:
    ({ mean = 0, std = 0.01 }: { mean?: number; std?: number } = {}): Initializer =>
    (shape, { seed, dtype }) =>
      randn(shape, { seed, dtype, mean, std }),
  /** Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)). The default for weights. */
  glorotUniform: (): Initializer => (shape, { fanIn, fanOut, seed, dtype }) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return uniform(shape, { seed, dtype, low: -limit, high: limit });
  },
  /** Glorot (Xavier) normal: N(0, 2 / (fanIn + fanOut)). */
  glorotNormal: (): Initializer => (shape, { fanIn, fanOut, seed, dtype }) =>
    randn(shape, { seed, dtype, std: Math.sqrt(2 / (fanIn + fanOut)) }),
  /** He normal, for relu layers: N(0, 2 / fanIn). */
  heNormal: (): Initializer => (shape, { fanIn, seed, dtype }) => randn(shape, { seed, dtype, std: Math.sqrt(2 / fanIn) }),
  /** He uniform, for relu layers: U(−l, l) with l = √(6 / fanIn). */
  heUniform: (): Initializer => (shape, { fanIn, seed, dtype }) => {
    const limit = Math.sqrt(6 / fanIn);
    return uniform(shape, { seed, dtype, low: -limit, high: limit });
  },
};

/**
 * A seed for one named parameter, derived from the model's seed and the name (FNV-1a), so
 * that a parameter's initial values do not change when other layers are added.
 * @example `parameterSeed(0, "hidden.W")`
 */
export function parameterSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash + Math.floor(seed / 2 ** 32) * 2 ** 32;
}
