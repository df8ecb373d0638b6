import { add, div, mean, mul, reshape, sqrt, sub, sum, variance } from "@tapegrad/core";
import type { BatchNorm, LayerNorm } from "../layers/normalization";
import { parameter, type ManualBackward, type ManualStep } from "./rule";

/**
 * The hand-derived backward pass of a {@link LayerNorm} over the last axes (M values each):
 * with x̂ = (x − μ)/σ, σ = √(σ² + ε) and dx̂ = dy ⊙ γ,
 * dγ = Σ_examples dy ⊙ x̂, dβ = Σ_examples dy, and the three-term formula
 * dx = (1/(M·σ))·(M·dx̂ − Σdx̂ − x̂·Σ(dx̂ ⊙ x̂)), the sums over the normalised axes.
 * @example `layerNormBackward({ layer: norm, params, state: {}, x: X, out: Y, dOut: dY, convention: "row" }).grads`
 */
export const layerNormBackward: ManualBackward = ({ layer, params, x, dOut }: ManualStep<LayerNorm>) => {
  const gamma = parameter(layer, params, "gamma");
  const k = layer.normalizedShape.length;
  const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
  const leading = Array.from({ length: x.rank - k }, (_, i) => i);
  const M = layer.normalizedShape.reduce((p, d) => p * d, 1);
  const sigma = sqrt(add(variance(x, axes, true), layer.eps)); //                       σ = √(σ² + ε), σ² biased
  const xHat = div(sub(x, mean(x, axes, true)), sigma); //                               x̂ = (x − μ)/σ
  const dXHat = mul(dOut, gamma); //                                                      dx̂ = dy ⊙ γ
  const dGamma = sum(mul(dOut, xHat), leading); //                                       dγ = Σ dy ⊙ x̂
  const dBeta = sum(dOut, leading); //                                                    dβ = Σ dy
  const dX = div(sub(sub(mul(dXHat, M), sum(dXHat, axes, true)), mul(xHat, sum(mul(dXHat, xHat), axes, true))), mul(sigma, M)); // dx = (M·dx̂ − Σdx̂ − x̂·Σ(dx̂ ⊙ x̂))/(M·σ)
  return { dX, grads: { [layer.gammaName]: dGamma, [layer.betaName]: dBeta }, intermediates: { xHat } };
};

/**
 * The hand-derived backward pass of a {@link BatchNorm} in evaluation, where it normalises
 * with its running statistics, y = (x − μ_run)/√(σ²_run + ε)·γ + β, an affine map per
 * channel: dx = dy·γ/√(σ²_run + ε), dγ = Σ dy ⊙ x̂, dβ = Σ dy (sums over every axis but 1).
 * @example `batchNormBackward({ layer: bn, params, state: model.state, x: X, out: Y, dOut: dY, convention: "row" }).dX`
 */
export const batchNormBackward: ManualBackward = ({ layer, params, state, x, dOut }: ManualStep<BatchNorm>) => {
  const channelShape = [1, layer.features, ...new Array<number>(x.rank - 2).fill(1)];
  const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
  const statistic = (name: string) => {
    if (!Object.hasOwn(state, name)) throw new Error(`manualBackprop: batchNorm layer '${layer.name}' needs the model's state '${name}'`);
    return reshape(state[name], channelShape);
  };
  const sigma = sqrt(add(statistic(layer.runningVarName), layer.eps)); //                σ = √(σ²_run + ε)
  const xHat = div(sub(x, statistic(layer.runningMeanName)), sigma); //                  x̂ = (x − μ_run)/σ
  const gamma = reshape(parameter(layer, params, "gamma"), channelShape);
  return {
    dX: div(mul(dOut, gamma), sigma), //                                                  dx = dy·γ/σ
    grads: { [layer.gammaName]: sum(mul(dOut, xHat), axes), [layer.betaName]: sum(dOut, axes) }, // dγ = Σ dy ⊙ x̂, dβ = Σ dy
  };
};
