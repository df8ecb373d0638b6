import { defineOp } from "../op";
import { matrixProduct } from "../kernels/matmul";
import { formatShape } from "../shape";
import type { Tensor } from "../tensor";
import { unbroadcast } from "./movement";

interface MatmulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

const matmulOp = defineOp<MatmulAttrs>({
  name: "matmul",
  inputNames: ["a", "b"],
  formula: "out = op(a)·op(b) per matrix of the broadcast batch axes, op a transpose of the last two axes when asked",
  vjpFormula: "da = unbroadcast(g·op(b)ᵀ), db = unbroadcast(op(a)ᵀ·g) (transposed back when the operand was)",
  forward: ([a, b], { transposeA, transposeB }) => matrixProduct(a, b, transposeA, transposeB),
  // C = op(A)·op(B). The rules pass transposes as flags, so no transposed copy is made; the
  // products have the output's batch axes, summed back over those an operand was broadcast on.
  vjp: (g, { inputs: [a, b], attrs: { transposeA, transposeB }, needsGrad }) => {
    const dA = !needsGrad[0]
      ? null
      : transposeA
        ? matmul(b, g, { transposeA: transposeB, transposeB: true }) // dA = op(B)·gᵀ
        : matmul(g, b, { transposeB: !transposeB }); //                   dA = g·op(B)ᵀ
    const dB = !needsGrad[1]
      ? null
      : transposeB
        ? matmul(g, a, { transposeA: true, transposeB: transposeA }) // dB = gᵀ·op(A)
        : matmul(a, g, { transposeA: !transposeA }); //                   dB = op(A)ᵀ·g
    return [dA && unbroadcast(dA, a.shape), dB && unbroadcast(dB, b.shape)];
  },
});

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Multiply by aᵀ (a's last two axes swapped) instead of a (no copy is made). */
  transposeA?: boolean;
  /** Multiply by bᵀ (b's last two axes swapped) instead of b (no copy is made). */
  transposeB?: boolean;
}

/**
 * The matrix product a·b of two tensors of rank 2 or more, as numpy's and PyTorch's
 * `matmul`: the last two axes hold the matrices (m × k and k × n gives m × n) and the
 * leading axes are batch axes, which broadcast (so [2, 1, 3, 4] with [5, 4, 6] gives
 * [2, 5, 3, 6], and a 2-D operand is used by every matrix of the other). Either operand
 * can be taken transposed (its last two axes swapped) without a copy. Unlike numpy, a
 * vector (rank 1) is refused rather than promoted: reshape it to [1, n] or [n, 1].
 * @example
 * ```ts
 * matmul(tensor([[1, 2]]), tensor([[3], [4]]));            // [[11]]
 * matmul(W, dZ, { transposeA: true });                      // Wᵀ·dZ
 * matmul(q, k, { transposeB: true });                       // [b, t, d] by [b, t, d] gives [b, t, t]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  [a, b].forEach((x, i) => {
    if (!(x?.rank >= 2)) {
      const got = x?.shape ? `a tensor of rank ${x.rank} (shape ${formatShape(x.shape)})` : String(x);
      throw new Error(
        `matmul: expects tensors of rank 2 or more (matrices, or batches of them), got ${got} as input ${i} ('${i === 0 ? "a" : "b"}'); ` +
          `reshape a vector of n values to [1, n] (a row) or [n, 1] (a column)`,
      );
    }
  });
  const rankA = a.rank;
  const rankB = b.rank;
  const inner = a.shape[transposeA ? rankA - 2 : rankA - 1];
  const innerB = b.shape[transposeB ? rankB - 1 : rankB - 2];
  if (inner !== innerB) {
    const nameA = transposeA ? "aᵀ" : "a";
    const nameB = transposeB ? "bᵀ" : "b";
    throw new Error(
      `matmul: inner dimensions do not match: a has shape ${formatShape(a.shape)} and b has shape ${formatShape(b.shape)}, ` +
        `so ${nameA}·${nameB} would multiply ${inner} columns by ${innerB} rows`,
    );
  }
  if (rankA > 2 || rankB > 2) checkBatchAxes(a.shape, b.shape);
  return matmulOp.run([a, b], { transposeA, transposeB });
}

/** Throws unless the batch axes (all but the last two) of a and b broadcast, naming each pair that does not. */
function checkBatchAxes(shapeA: readonly number[], shapeB: readonly number[]): void {
  const batchA = shapeA.length - 2;
  const batchB = shapeB.length - 2;
  const rank = Math.max(batchA, batchB);
  const clashes: string[] = [];
  for (let i = 0; i < rank; i++) {
    const axisA = batchA - rank + i;
    const axisB = batchB - rank + i;
    const dimA = axisA >= 0 ? shapeA[axisA] : 1;
    const dimB = axisB >= 0 ? shapeB[axisB] : 1;
    if (dimA !== dimB && dimA !== 1 && dimB !== 1) clashes.push(`axis ${axisA} of a has size ${dimA} and axis ${axisB} of b has size ${dimB}`);
  }
  if (clashes.length > 0) {
    throw new Error(
      `matmul: the batch axes of a (shape ${formatShape(shapeA)}) and b (shape ${formatShape(shapeB)}) cannot be broadcast together: ` +
        `${clashes.join("; ")}. Batch axes (all but the last two) are aligned on the right and must be equal or 1 in one operand`,
    );
  }
}
