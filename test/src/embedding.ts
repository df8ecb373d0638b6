// An embedding on plain arrays: a table E [V, D] (one row per token of a vocabulary of V),
// integer tokens [B, T], and Z [B, T, D] with one row of the table per token. dZ is ∂J/∂Z.
import type { Matrix } from "./matrix";

export function embeddingForward(E: Matrix, tokens: number[][]): number[][][] {
  return tokens.map((sequence) => sequence.map((token) => [...E[token]])); //          Z[b,t] = E[token[b,t]], a row lookup
}

/** The scatter-add of dZ's rows into the table: a token seen twice gets both rows, one never seen gets zeros. */
export function embeddingBackward(dZ: number[][][], tokens: number[][], V: number): Matrix {
  const dE = Array.from({ length: V }, () => new Array<number>(dZ[0][0].length).fill(0));
  tokens.forEach((sequence, b) =>
    sequence.forEach((token, t) => dZ[b][t].forEach((g, k) => (dE[token][k] += g))), //  dE[v] = Σ_{(b,t): token[b,t] = v} dZ[b,t]
  );
  return dE;
}
