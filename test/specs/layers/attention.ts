// Scaled dot-product attention: random problems (batch sizes, sequence lengths, head counts,
// head widths, with and without the causal mask), the reference's pass, and the tape through
// core ops and through nn's multiHeadAttention layer. The loss is J = ⟨G, O⟩, so that dO = G.
import fc from "fast-check";
import { div, eye, grad, matmul, mul, Random, reshape, softmax, sum, tensor, transpose, where, zeros, type Tensor } from "@tapegrad/core";
import { multiHeadAttention, type AttentionInput, type Params } from "@tapegrad/nn";
import { attentionBackward, attentionForward, attentionWeights, headOf, visible, type AttentionGradients, type AttentionPass } from "../../src/attention";
import { dot, type Matrix } from "../../src/matrix";
import { asTensor, centralDifferences, inner, layerGradients, normalArray, once, UNOBSERVED, type Family } from "./check";

export interface AttentionProblem {
  Q: Matrix[];
  K: Matrix[];
  V: Matrix[];
  heads: number;
  causal: boolean;
  G: Matrix[];
}

export type AttentionReference = AttentionPass & AttentionGradients;

/** Random problems; `minKeys` asks for at least that many keys (with one, A = 1 and dS = 0 whatever the scores). */
export function attentionProblems(options: { minHeadWidth?: number; minKeys?: number; causal?: boolean } = {}): fc.Arbitrary<AttentionProblem> {
  return fc
    .record({
      B: fc.integer({ min: 1, max: 2 }),
      Tq: fc.integer({ min: options.minKeys ?? 1, max: 5 }),
      Tk: fc.integer({ min: options.minKeys ?? 1, max: 5 }),
      heads: fc.integer({ min: 1, max: 3 }),
      d: fc.integer({ min: options.minHeadWidth ?? 1, max: 4 }),
      causal: options.causal === undefined ? fc.boolean() : fc.constant(options.causal),
      seed: fc.nat(),
    })
    .map(({ B, Tq, Tk, heads, d, causal, seed }) => {
      const rng = new Random(seed);
      const keys = causal ? Tq : Tk; // the causal mask pairs query i with keys 0 … i
      return {
        Q: normalArray<Matrix[]>(rng, [B, Tq, heads * d]),
        K: normalArray<Matrix[]>(rng, [B, keys, heads * d]),
        V: normalArray<Matrix[]>(rng, [B, keys, heads * d]),
        heads,
        causal,
        G: normalArray<Matrix[]>(rng, [B, Tq, heads * d]),
      };
    });
}

/** The entries of dS [b][head][i][j] that the mask hides (none without a mask). */
export function maskedEntries(dS: readonly (readonly (readonly (readonly number[])[])[])[], causal: boolean): number[] {
  return dS.flatMap((perHead) => perHead.flatMap((M) => M.flatMap((row, i) => row.filter((_, j) => !visible(causal, i, j)))));
}

/**
 * The tape's side, through core ops: each head's d columns moved to an axis of their own
 * ([B, T, heads·d] → [B, heads, T, d]), batched matmul, where for the mask, softmax.
 * `scores` computes S from the per-head Q and K (a planted rule can replace it).
 */
export function coreAttention(p: AttentionProblem, scores = (Q: Tensor, K: Tensor, d: number) => div(matmul(Q, K, { transposeB: true }), Math.sqrt(d))) {
  const [B, Tq, Tk, width] = [p.Q.length, p.Q[0].length, p.K[0].length, p.Q[0][0].length];
  const d = width / p.heads;
  const toHeads = (M: Tensor, T: number) => transpose(reshape(M, [B, T, p.heads, d]), [0, 2, 1, 3]);
  const fromHeads = (M: Tensor) => reshape(transpose(M, [0, 2, 1, 3]), [B, Tq, width]);
  const mask = tensor(
    Array.from({ length: Tq }, (_, i) => Array.from({ length: Tk }, (_, j) => (visible(p.causal, i, j) ? 1 : 0))),
    { dtype: "int32" },
  );
  const S = (Q: Tensor, K: Tensor) => scores(toHeads(Q, Tq), toHeads(K, Tk), d); //   [B, heads, Tq, Tk]
  const A = (scoresOf: Tensor) => softmax(p.causal ? where(mask, scoresOf, -1e9) : scoresOf, -1);
  const O = (weights: Tensor, V: Tensor) => fromHeads(matmul(weights, toHeads(V, Tk)));
  const loss = (out: Tensor) => sum(mul(out, asTensor(p.G)));
  const [Qt, Kt, Vt] = [asTensor(p.Q), asTensor(p.K), asTensor(p.V)];
  const whole = once(() => grad((Q: Tensor, K: Tensor, V: Tensor) => loss(O(A(S(Q, K)), V)))(Qt, Kt, Vt));
  const dS = once(() => grad((s: Tensor) => loss(O(A(s), Vt)))(S(Qt, Kt))[0]);
  return {
    S: () => S(Qt, Kt),
    A: () => A(S(Qt, Kt)),
    O: () => O(A(S(Qt, Kt)), Vt),
    dV: () => whole()[2],
    dA: () => grad((a: Tensor) => loss(O(a, Vt)))(A(S(Qt, Kt)))[0],
    dS: () => dS(),
    dSMasked: () => maskedEntries(dS().toArray() as number[][][][], p.causal),
    dQ: () => whole()[0],
    dK: () => whole()[1],
  };
}

/**
 * nn's multiHeadAttention layer as the reference's bare attention: the reference has no
 * projections, so the layer's are the identity (Wq = Wk = Wv = Wo = I [E, E], zero biases),
 * which changes no value, and the query, key and value inputs are Q, K and V themselves. The
 * layer shows its weights A (`attend`) and its output; the scores S and the gradients with
 * respect to S and A stay inside it, so their formulas are checked along the core ops path only.
 */
export function layerAttention(p: AttentionProblem) {
  const E = p.Q[0][0].length;
  const layer = multiHeadAttention({ name: "attn", embedDim: E, heads: p.heads, causal: p.causal });
  const identity: Params = Object.fromEntries(["q", "k", "v", "o"].flatMap((x) => [[`attn.W${x}`, eye(E)], [`attn.b${x}`, zeros([E])]]));
  const input: AttentionInput = { query: asTensor(p.Q), key: asTensor(p.K), value: asTensor(p.V) };
  const { output, dX } = layerGradients((params, x: AttentionInput) => layer.apply(params, x), identity, input, p.G);
  const dInput = () => dX() as unknown as Required<Pick<AttentionInput, "key" | "value">> & AttentionInput;
  return {
    S: UNOBSERVED,
    A: () => layer.attend(identity, input).weights,
    O: output,
    dV: () => dInput().value,
    dA: UNOBSERVED,
    dS: UNOBSERVED,
    dSMasked: UNOBSERVED,
    dQ: () => dInput().query,
    dK: () => dInput().key,
  };
}

export function attentionReference({ Q, K, V, heads, causal, G }: AttentionProblem): AttentionReference {
  const pass = attentionForward(Q, K, V, heads, causal);
  return { ...pass, ...attentionBackward(Q, K, V, heads, causal, pass, G) };
}

/** The reference's J = ⟨G, O⟩ from the weights A [b][head]. */
function lossFromWeights({ V, G, heads }: AttentionProblem, A: Matrix[][]): number {
  const d = V[0][0].length / heads;
  return A.reduce((J, perHead, b) => J + perHead.reduce((Jb, Ah, h) => Jb + inner(headOf(G[b], h, d), dot(Ah, headOf(V[b], h, d))), 0), 0);
}

const attentionLoss = ({ Q, K, V, heads, causal, G }: AttentionProblem) => inner(G, attentionForward(Q, K, V, heads, causal).O);

export const attentionFamily: Family<AttentionProblem, AttentionReference> = {
  reference: attentionReference,
  paths: { "core ops": (p) => coreAttention(p), "nn layers": layerAttention },
  formulas: [
    { formula: "S = Q·Kᵀ/√d", quantity: "S", expected: (pass) => pass.S },
    { formula: "A = softmax(S) row by row (masked scores as −∞)", quantity: "A", expected: (pass) => pass.A },
    { formula: "O = A·V", quantity: "O", expected: (pass) => pass.O },
    {
      formula: "dV = Aᵀ·dO",
      quantity: "dV",
      expected: (pass) => pass.dV,
      numeric: (p) => centralDifferences((V: Matrix[]) => attentionLoss({ ...p, V }), p.V),
    },
    {
      formula: "dA = dO·Vᵀ",
      quantity: "dA",
      expected: (pass) => pass.dA,
      numeric: (p) => centralDifferences((A: Matrix[][]) => lossFromWeights(p, A), attentionForward(p.Q, p.K, p.V, p.heads, p.causal).A),
    },
    {
      formula: "dS_i = A_i ⊙ (dA_i − ⟨dA_i, A_i⟩) (the softmax Jacobian, row by row)",
      quantity: "dS",
      expected: (pass) => pass.dS,
      numeric: (p) =>
        centralDifferences(
          (S: Matrix[][]) => lossFromWeights(p, S.map((perHead) => perHead.map((Sh) => attentionWeights(Sh, p.causal)))),
          attentionForward(p.Q, p.K, p.V, p.heads, p.causal).S,
        ),
    },
    { formula: "dS_ij = 0 where j > i under the causal mask (masked entries get no gradient)", quantity: "dSMasked", expected: (pass, p) => maskedEntries(pass.dS, p.causal) },
    {
      formula: "dQ = dS·K/√d",
      quantity: "dQ",
      expected: (pass) => pass.dQ,
      numeric: (p) => centralDifferences((Q: Matrix[]) => attentionLoss({ ...p, Q }), p.Q),
    },
    {
      formula: "dK = dSᵀ·Q/√d",
      quantity: "dK",
      expected: (pass) => pass.dK,
      numeric: (p) => centralDifferences((K: Matrix[]) => attentionLoss({ ...p, K }), p.K),
    },
  ],
};
