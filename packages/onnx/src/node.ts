/**
 * Writing ONNX files in Node: {@link saveOnnx}. The main entry `@tapegrad/onnx` imports no
 * `node:` module, so it bundles for browsers; its `toOnnx` gives the same bytes.
 *
 * @example
 * ```ts
 * import { saveOnnx } from "@tapegrad/onnx/node";
 * saveOnnx("tapegrad-out/model.onnx", model, zeros([1, 4]), { dynamicBatch: true });
 * ```
 *
 * @module @tapegrad/onnx/node
 */
import type { Model } from "@tapegrad/nn";
import { writeBytesAtomically } from "@tapegrad/nn/node";
import { toOnnx, type ExportableFunction, type ToOnnxOptions } from "./export";

/**
 * Exports a model or a function with {@link toOnnx} and writes the ONNX file to `path`, all
 * or nothing (through `writeBytesAtomically`: a temporary file, flushed, renamed over
 * `path`): a failure leaves no partial file, and an existing file at `path` unchanged.
 * Given bytes (what `toOnnx` returned), writes them. Returns the bytes written.
 * @example
 * ```ts
 * saveOnnx("model.onnx", model, zeros([1, 4]));                          // a Model, its predictions
 * saveOnnx("affine.onnx", (p, x) => add(matmul(x, p.W), p.b), [{ W, b }, X], { parameters: [0] });
 * saveOnnx("again.onnx", toOnnx(model, zeros([1, 4])));                 // bytes already exported
 * ```
 */
export function saveOnnx(path: string, bytes: Uint8Array): Uint8Array;
export function saveOnnx(path: string, target: Model<any, any, any> | ExportableFunction, exampleInputs: unknown, options?: ToOnnxOptions): Uint8Array;
export function saveOnnx(path: string, target: Uint8Array | Model<any, any, any> | ExportableFunction, exampleInputs?: unknown, options: ToOnnxOptions = {}): Uint8Array {
  if (typeof path !== "string" || path === "") throw new Error(`saveOnnx: the path must be a non-empty string, got ${JSON.stringify(path)}`);
  const bytes = target instanceof Uint8Array ? target : toOnnx(target, exampleInputs, options);
  try {
    writeBytesAtomically(path, bytes);
  } catch (error) {
    throw new Error(`saveOnnx: ${(error as Error).message}`, { cause: error });
  }
  return bytes;
}
