import fc from "fast-check";
import { describe, it } from "vitest";
import { holds } from "./layers/check";
import { embeddingFamily, embeddingProblems } from "./layers/embedding";

// One test per formula of the hand-derived embedding (test/src/embedding.ts), on random
// vocabularies, batch sizes and sequence lengths, with repeated and unused tokens: the
// reference against the tape through core ops and through nn's embedding layer.

describe("embedding", () => {
  it.each(embeddingFamily.formulas)("$formula", (formula) => {
    fc.assert(fc.property(embeddingProblems, holds(embeddingFamily, formula)), { numRuns: 40, seed: 20260103 });
  });
});
