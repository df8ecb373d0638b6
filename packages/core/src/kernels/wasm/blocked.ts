/** The kernel's signature: see `gemmModule` in gemm.ts. */
export type GemmKernel = (
  a: number, b: number, c: number, m: number, kc: number, nc: number,
  aStride: number, aStep: number, ldc: number, panelStride: number, bStep: number, accumulate: number,
) => void;

/**
 * C = op(A)·op(B) for one product (or a block of its rows) in the kernels' memory, cut into
 * blocks of kc × nc so that the block of B being read (kc × nc: 512 KiB) stays in the
 * level-2 cache and a tile's rows of A (4 × kc) in level 1, calling the kernel `gemm` once
 * per block. Pointers and strides are in bytes (see `gemmModule` for what aStride, aStep,
 * panelStride and bStep mean); m is a multiple of 4, np of the panel width 32 / S; S is the
 * element size in bytes. The first block of k sets C, the others add to it.
 *
 * Worker threads run this same function: its source text is part of theirs (see
 * threads.ts), so it must stay self-contained, referring to nothing outside itself.
 */
export function blockedGemm(
  gemm: GemmKernel,
  a: number, b: number, c: number, m: number, k: number, np: number,
  aStride: number, aStep: number, panelStride: number, bStep: number, S: number,
): void {
  const kc = 256;
  const nc = 2048 / S; // a multiple of every panel width (32 / S)
  for (let jc = 0; jc < np; jc += nc) {
    const panels = b + ((jc * S) / 32) * panelStride;
    for (let pc = 0; pc < k; pc += kc) {
      gemm(a + pc * aStep, panels + pc * bStep, c + jc * S, m, Math.min(kc, k - pc), Math.min(nc, np - jc), aStride, aStep, np, panelStride, bStep, pc > 0 ? 1 : 0);
    }
  }
}
