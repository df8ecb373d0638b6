import { add, matmul, sum } from "@tapegrad/core";
import type { Dense } from "../dense";
import { activationBackward, parameter, type ManualBackward, type ManualStep } from "./rule";

/**
 * The hand-derived backward pass of a {@link Dense} layer, A = g(Z), with dZ the cotangent
 * ∂J/∂Z (the 1/m of the cost is already in dA):
 * - row (Z = X·W + b): dZ = dA ⊙ g′(Z), dW = Xᵀ·dZ, db = Σ_rows dZ, dX = dZ·Wᵀ;
 * - column (Z = W·X + b): dZ = dA ⊙ g′(Z), dW = dZ·Xᵀ, db = Σ_columns dZ, dX = Wᵀ·dZ.
 * @example `denseBackward({ layer, params, state: {}, x: A0, out: A1, dOut: dA1, convention: "row" }).grads // { "hidden.W": dW, "hidden.b": db }`
 */
export const denseBackward: ManualBackward = ({ layer, params, x, out, dOut }: ManualStep<Dense>) => {
  const W = parameter(layer, params, "W");
  const b = parameter(layer, params, "b");
  const row = layer.convention === "row";
  const Z = row ? add(matmul(x, W), b) : add(matmul(W, x), b); //                      Z = X·W + b  |  Z = W·X + b
  const dZ = activationBackward(layer.activation, Z, out, dOut, row ? 1 : 0, `dense layer '${layer.name}'`); // dZ = dA ⊙ g′(Z)
  const dW = row ? matmul(x, dZ, { transposeA: true }) : matmul(dZ, x, { transposeB: true }); //               Xᵀ·dZ  |  dZ·Xᵀ
  const db = sum(dZ, row ? 0 : 1, true); //                                                                  Σ over the examples
  const dX = row ? matmul(dZ, W, { transposeB: true }) : matmul(W, dZ, { transposeA: true }); //              dZ·Wᵀ  |  Wᵀ·dZ
  return { dX, grads: { [layer.weightName]: dW, [layer.biasName]: db }, intermediates: { Z, dZ } };
};
