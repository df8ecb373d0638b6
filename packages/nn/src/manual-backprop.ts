import { add, div, log, matmul, mul, noGrad, onesLike, relu, sigmoid, softmax, square, step, sub, sum, tanh, type Tensor } from "@tapegrad/core";
import type { ActivationName } from "./activation";
import type { Params } from "./dense";
import type { Model } from "./model";

/** What {@link manualBackprop} computes, layer by layer (index l holds layer l; index 0 of A is X). */
export interface ManualBackprop {
  /** The cost J, averaged over the m examples. */
  cost: number;
  /** dW^[l] and db^[l] for every layer, named like the model's parameters. */
  grads: Params;
  /** Z^[l] for l = 1..L (index 0 unused). */
  Z: Tensor[];
  /** A^[l] for l = 0..L, A^[0] = X. */
  A: Tensor[];
  /** dZ^[l] for l = 1..L, as the convention's formulas define it. */
  dZ: Tensor[];
  /** dA^[l] for l = 1..L−1. */
  dA: Tensor[];
}

/**
 * The hand-derived forward and backward passes of an {@link mlp}, written formula by
 * formula with tensor ops and no tape, in the model's convention (see docs/backprop-by-hand.md):
 *
 * - column (examples as columns): dZ^[L] = (A^[L] − Y)/m, dW^[l] = dZ^[l]·A^[l−1]ᵀ,
 *   db^[l] = Σ_columns dZ^[l], dA^[l−1] = W^[l]ᵀ·dZ^[l], dZ^[l] = dA^[l] ∘ g′(Z^[l]);
 * - row (examples as rows): dZ^[L] = A^[L] − Y, dW^[l] = (1/m)·A^[l−1]ᵀ·dZ^[l],
 *   db^[l] = (1/m)·Σ_rows dZ^[l], dA^[l−1] = dZ^[l]·W^[l]ᵀ, dZ^[l] = dA^[l] ∘ g′(Z^[l]).
 *
 * Put your own backprop beside it, or compare it with the tape with {@link compareGradients}.
 *
 * @example
 * ```ts
 * const byHand = manualBackprop(model, X, Y);
 * const byTape = grad((p: Params) => model.loss(p, X, Y))(model.params)[0];
 * compareGradients(byHand.grads, byTape).ok; // true
 * ```
 */
export function manualBackprop(model: Model, X: Tensor, Y: Tensor): ManualBackprop {
  const architecture = model.architecture;
  if (architecture.kind !== "mlp") throw new Error("manualBackprop: the hand-derived formulas are for an mlp");
  const { hidden, output } = architecture;
  if (hidden.includes("softmax")) throw new Error("manualBackprop: a softmax hidden layer needs its full Jacobian; use sigmoid, tanh, relu or identity");
  const L = architecture.sizes.length - 1;
  const W = (l: number) => model.params[`layer${l}.W`];
  const b = (l: number) => model.params[`layer${l}.b`];
  const column = model.convention === "column";

  return noGrad(() => {
    const m = X.shape[column ? 1 : 0];
    const A: Tensor[] = [X];
    const Z: Tensor[] = [X];
    for (let l = 1; l <= L; l++) {
      Z[l] = column ? add(matmul(W(l), A[l - 1]), b(l)) : add(matmul(A[l - 1], W(l)), b(l)); // Z = W·A + b  |  Z = A·W + b
      A[l] = l < L ? activate(hidden[l - 1], Z[l]) : activateOutput(output, Z[l], column ? 0 : 1);
    }

    const dZ: Tensor[] = [];
    const dA: Tensor[] = [];
    const grads: Params = {};
    const outputError = output === "identity" ? mul(sub(A[L], Y), 2) : sub(A[L], Y); // ∂L/∂Z^[L] per example
    dZ[L] = column ? div(outputError, m) : outputError; //                              (A − Y)/m  |  A − Y
    for (let l = L; l >= 1; l--) {
      if (column) {
        grads[`layer${l}.W`] = matmul(dZ[l], A[l - 1], { transposeB: true }); //       dW = dZ·Aᵀ
        grads[`layer${l}.b`] = sum(dZ[l], 1, true); //                                  db = Σ_columns dZ
      } else {
        grads[`layer${l}.W`] = div(matmul(A[l - 1], dZ[l], { transposeA: true }), m); // dW = (1/m)·Aᵀ·dZ
        grads[`layer${l}.b`] = div(sum(dZ[l], 0, true), m); //                           db = (1/m)·Σ_rows dZ
      }
      if (l === 1) break;
      dA[l - 1] = column ? matmul(W(l), dZ[l], { transposeA: true }) : matmul(dZ[l], W(l), { transposeB: true }); // Wᵀ·dZ  |  dZ·Wᵀ
      dZ[l - 1] = mul(dA[l - 1], derivative(hidden[l - 2], Z[l - 1], A[l - 1])); //     dZ = dA ∘ g′(Z)
    }
    const inParameterOrder = Object.fromEntries(Object.keys(model.params).map((name) => [name, grads[name]]));
    return { cost: cost(output, A[L], Y, m), grads: inParameterOrder, Z, A, dZ, dA };
  });
}

function activate(name: ActivationName, z: Tensor): Tensor {
  if (name === "sigmoid") return sigmoid(z);
  if (name === "tanh") return tanh(z);
  if (name === "relu") return relu(z);
  return z;
}

function activateOutput(output: string, z: Tensor, classAxis: number): Tensor {
  if (output === "sigmoid") return sigmoid(z);
  if (output === "softmax") return softmax(z, classAxis);
  return z;
}

/** g′(Z), written with the activation's output A where that is how the notes state it. */
function derivative(name: ActivationName, z: Tensor, a: Tensor): Tensor {
  if (name === "sigmoid") return mul(a, sub(1, a)); // σ′ = σ(1 − σ)
  if (name === "tanh") return sub(1, square(a)); //    tanh′ = 1 − a²
  if (name === "relu") return step(z); //              relu′ = 1 for z > 0, else 0
  return onesLike(z); //                               identity′ = 1
}

/** J = −(1/m) Σ [y log a + (1 − y) log(1 − a)], −(1/m) Σ y log a, or (1/m) Σ (a − y)². */
function cost(output: string, a: Tensor, y: Tensor, m: number): number {
  if (output === "sigmoid") return -sum(add(mul(y, log(a)), mul(sub(1, y), log(sub(1, a))))).item() / m;
  if (output === "softmax") return -sum(mul(y, log(a))).item() / m;
  return sum(square(sub(a, y))).item() / m;
}
