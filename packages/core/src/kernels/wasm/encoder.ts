// A minimal WebAssembly binary encoder: just the sections and instructions tapegrad's
// kernels use. Kernels are generated from TypeScript at run time, so their source lives
// in the repository and no build step or toolchain is needed.

export type Bytes = number[];

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(value: number): Bytes {
  const out: Bytes = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(value: number): Bytes {
  const out: Bytes = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): Bytes {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: Bytes[]): Bytes {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: Bytes): Bytes {
  return [id, ...uleb(content.length), ...content];
}

/** The instructions kernels are written with. */
export const op = {
  block: (): Bytes => [0x02, 0x40],
  /** if … else … end on the i32 on the stack, with no result. */
  ifThen: (): Bytes => [0x04, 0x40],
  else: (): Bytes => [0x05],
  loop: (): Bytes => [0x03, 0x40],
  end: (): Bytes => [0x0b],
  br: (depth: number): Bytes => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Bytes => [0x0d, ...uleb(depth)],
  get: (local: number): Bytes => [0x20, ...uleb(local)],
  set: (local: number): Bytes => [0x21, ...uleb(local)],
  i32: (value: number): Bytes => [0x41, ...sleb(value)],
  add: (): Bytes => [0x6a],
  mul: (): Bytes => [0x6c],
  gtU: (): Bytes => [0x4b],
  geU: (): Bytes => [0x4f],
  loadF32: (): Bytes => [0x2a, 2, 0],
  loadF64: (): Bytes => [0x2b, 3, 0],
  v128Load: (offset: number): Bytes => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  /** One 32-bit value at `offset` copied into all four lanes. */
  v128Load32Splat: (offset: number): Bytes => [0xfd, ...uleb(0x09), 2, ...uleb(offset)],
  /** One 64-bit value at `offset` copied into both lanes. */
  v128Load64Splat: (offset: number): Bytes => [0xfd, ...uleb(0x0a), 3, ...uleb(offset)],
  v128Store: (offset: number): Bytes => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  v128Zero: (): Bytes => [0xfd, ...uleb(0x0c), ...new Array(16).fill(0)],
  f32x4Splat: (): Bytes => [0xfd, ...uleb(0x13)],
  f64x2Splat: (): Bytes => [0xfd, ...uleb(0x14)],
  f32x4Add: (): Bytes => [0xfd, ...uleb(0xe4)],
  f32x4Mul: (): Bytes => [0xfd, ...uleb(0xe6)],
  f64x2Add: (): Bytes => [0xfd, ...uleb(0xf0)],
  f64x2Mul: (): Bytes => [0xfd, ...uleb(0xf2)],
};

/**
 * Where a module's memory comes from: its own (`pages` 64 KiB pages, exported as `memory`),
 * or imported as `env.memory`, shared between threads or not, of at most `maximum` pages
 * (a shared memory must give one).
 */
export type MemorySpec = { pages: number } | { imported: { shared: boolean; initial: number; maximum: number } };

/**
 * A module with one exported function `name` of `params` i32 parameters and no result,
 * the given extra locals and body, and the memory `memory` describes.
 */
export function moduleWithFunction(exportName: string, params: number, locals: Array<[count: number, type: number]>, body: Bytes, memory: MemorySpec = { pages: 1 }): Uint8Array {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const type = section(1, vector([[0x60, ...vector(new Array(params).fill([I32])), 0x00]]));
  const functions = section(3, vector([uleb(0)]));
  const code = [...vector(locals.map(([count, t]) => [...uleb(count), t])), ...body, ...op.end()];
  const codeSection = section(10, vector([[...uleb(code.length), ...code]]));
  const exportFunction = [...name(exportName), 0x00, ...uleb(0)];
  if ("pages" in memory) {
    const ownMemory = section(5, vector([[0x00, ...uleb(memory.pages)]]));
    const exports = section(7, vector([exportFunction, [...name("memory"), 0x02, ...uleb(0)]]));
    return new Uint8Array([...header, ...type, ...functions, ...ownMemory, ...exports, ...codeSection]);
  }
  const { shared, initial, maximum } = memory.imported;
  const limits = [shared ? 0x03 : 0x01, ...uleb(initial), ...uleb(maximum)]; // flags: 1 = has maximum, 2 = shared
  const imports = section(2, vector([[...name("env"), ...name("memory"), 0x02, ...limits]]));
  const exports = section(7, vector([exportFunction]));
  return new Uint8Array([...header, ...type, ...imports, ...functions, ...exports, ...codeSection]);
}
