import type { Activation } from "./activations";
import type { Matrix } from "./matrix";

/** One layer's parameters, laid out for the convention of the module that uses them. */
export interface Layer {
  W: Matrix;
  b: Matrix;
}

/** An L-layer perceptron: hidden activations g^[1..L−1] and the output kind. */
export interface Network {
  layers: Layer[];
  hidden: Activation[];
  output: "sigmoid" | "softmax";
}

/** Everything a hand-derived pass computes; index l is layer l (A[0] = X). */
export interface Pass {
  cost: number;
  Z: Matrix[];
  A: Matrix[];
  dZ: Matrix[];
  dA: Matrix[];
  dW: Matrix[];
  db: Matrix[];
}
