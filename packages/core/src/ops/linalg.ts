import { defineOp } from "../op";
import { gemm } from "../kernels/matmul";
import { formatShape } from "../shape";
import type { Tensor } from "../tensor";

interface MatmulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

const matmulOp = defineOp<MatmulAttrs>({
  name: "matmul",
  inputNames: ["a", "b"],
  formula: "out = op(a)·op(b), op a transpose when asked",
  vjpFormula: "da = g·op(b)ᵀ, db = op(a)ᵀ·g (transposed back when the operand was)",
  forward: ([a, b], { transposeA, transposeB }) => gemm(a, b, transposeA, transposeB),
  // C = op(A)·op(B). The rules pass transposes as flags, so no transposed copy is made.
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
    return [dA, dB];
  },
});

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Multiply by aᵀ instead of a (no copy is made). */
  transposeA?: boolean;
  /** Multiply by bᵀ instead of b (no copy is made). */
  transposeB?: boolean;
}

/**
 * The matrix product a·b of two 2-D tensors (m × k and k × n gives m × n); either
 * operand can be taken transposed without a copy.
 * @example
 * ```ts
 * matmul(tensor([[1, 2]]), tensor([[3], [4]]));            // [[11]]
 * matmul(W, dZ, { transposeA: true });                      // Wᵀ·dZ
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  [a, b].forEach((x, i) => {
    if (x?.rank !== 2) {
      const got = x?.shape ? `a tensor of rank ${x.rank} (shape ${formatShape(x.shape)})` : String(x);
      throw new Error(`matmul: expects 2-D tensors, got ${got} as input ${i} ('${i === 0 ? "a" : "b"}')`);
    }
  });
  const inner = transposeA ? a.shape[0] : a.shape[1];
  const innerB = transposeB ? b.shape[1] : b.shape[0];
  if (inner !== innerB) {
    const nameA = transposeA ? "aᵀ" : "a";
    const nameB = transposeB ? "bᵀ" : "b";
    throw new Error(
      `matmul: inner dimensions do not match: a has shape ${formatShape(a.shape)} and b has shape ${formatShape(b.shape)}, ` +
        `so ${nameA}·${nameB} would multiply ${inner} columns by ${innerB} rows`,
    );
  }
  return matmulOp.run([a, b], { transposeA, transposeB });
}
