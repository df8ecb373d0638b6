import { scatterAdd } from "@tapegrad/core";
import type { Embedding } from "../layers/embedding";
import type { ManualBackward, ManualStep } from "./rule";

/**
 * The hand-derived backward pass of an {@link Embedding}, Z[…] = E[token[…]]: the
 * scatter-add of dZ's rows into the table, dE[v] = Σ_{positions holding v} dZ[position]
 * (a token seen twice gets both rows, a token never seen zeros). The indices get no cotangent.
 * @example `embeddingBackward({ layer: tokens, params, state: {}, x: ids, out: Z, dOut: dZ, convention: "row" }).grads`
 */
export const embeddingBackward: ManualBackward = ({ layer, x, dOut }: ManualStep<Embedding>) => ({
  dX: null,
  grads: { [layer.weightName]: scatterAdd([layer.vocabularySize, layer.dimensions], x, dOut, 0) }, // dE[v] = Σ_{token = v} dZ
});
