// Embeddings: random tables and token sequences (tokens repeat, some never appear), the
// reference's pass, and the tape through core ops and through nn's embedding layer
// (`tokens.W` = E [V, D]). The loss is J = ⟨G, Z⟩, so that dZ = G.
import fc from "fast-check";
import { gather, grad, mul, Random, sum, tensor, type Tensor } from "@tapegrad/core";
import { embeddingBackward, embeddingForward } from "../../src/embedding";
import type { Matrix } from "../../src/matrix";
import { embedding as embeddingLayer } from "@tapegrad/nn";
import { asTensor, centralDifferences, inner, layerGradients, normalArray, type Family } from "./check";

export interface EmbeddingProblem {
  E: Matrix;
  tokens: number[][];
  G: number[][][];
}

export interface EmbeddingPass {
  Z: number[][][];
  dE: Matrix;
}

export const embeddingProblems: fc.Arbitrary<EmbeddingProblem> = fc
  .record({ V: fc.integer({ min: 1, max: 6 }), D: fc.integer({ min: 1, max: 4 }), B: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: 1, max: 7 }), seed: fc.nat() })
  .map(({ V, D, B, T, seed }) => {
    const rng = new Random(seed);
    return {
      E: normalArray<Matrix>(rng, [V, D]),
      tokens: Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V))),
      G: normalArray<number[][][]>(rng, [B, T, D]),
    };
  });

function coreEmbedding({ E, tokens, G }: EmbeddingProblem) {
  const lookup = (table: Tensor) => gather(table, tensor(tokens, { dtype: "int32" }), 0);
  return {
    Z: () => lookup(asTensor(E)),
    dE: () => grad((table: Tensor) => sum(mul(lookup(table), asTensor(G))))(asTensor(E))[0],
  };
}

function layerEmbedding({ E, tokens, G }: EmbeddingProblem) {
  const layer = embeddingLayer({ name: "tokens", vocabularySize: E.length, dimensions: E[0].length });
  const { output, dParams } = layerGradients((params, ids: Tensor) => layer.apply(params, ids), { "tokens.W": asTensor(E) }, tensor(tokens, { dtype: "int32" }), G);
  return { Z: output, dE: () => dParams()["tokens.W"] };
}

export const embeddingFamily: Family<EmbeddingProblem, EmbeddingPass> = {
  reference: ({ E, tokens, G }) => ({ Z: embeddingForward(E, tokens), dE: embeddingBackward(G, tokens, E.length) }),
  paths: { "core ops": coreEmbedding, "nn layers": layerEmbedding },
  formulas: [
    { formula: "Z[b,t] = E[token[b,t]] (a row lookup)", quantity: "Z", expected: (pass) => pass.Z },
    {
      formula: "dE[v] = Σ_{(b,t): token[b,t] = v} dZ[b,t] (the scatter-add of dZ's rows)",
      quantity: "dE",
      expected: (pass) => pass.dE,
      numeric: ({ E, tokens, G }) => centralDifferences((table: Matrix) => inner(G, embeddingForward(table, tokens)), E),
    },
  ],
};
