import { reshape } from "@tapegrad/core";
import type { Dropout } from "../layers/dropout";
import type { Flatten } from "../layers/flatten";
import type { ManualBackward, ManualStep } from "./rule";

/**
 * The hand-derived backward pass of {@link Flatten}: the cotangent reshaped back, dX = reshape(dZ, X's shape).
 * @example `flattenBackward({ layer, params: {}, state: {}, x: X, out: Z, dOut: dZ, convention: "row" }).dX`
 */
export const flattenBackward: ManualBackward = ({ x, dOut }: ManualStep<Flatten>) => ({ dX: reshape(dOut, x.shape) });

/**
 * The hand-derived backward pass of {@link Dropout} in evaluation (the hand-derived walk runs
 * the model as in evaluation): the identity, dX = dZ.
 * @example `dropoutBackward({ layer, params: {}, state: {}, x: X, out: X, dOut: dZ, convention: "row" }).dX // dZ`
 */
export const dropoutBackward: ManualBackward = ({ dOut }: ManualStep<Dropout>) => ({ dX: dOut });
