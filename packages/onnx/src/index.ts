/**
 * ONNX export for tapegrad: `toOnnx(model or function, exampleInputs)` traces the forward
 * pass on the tape, maps each op to ONNX nodes (opset 17 and later) and returns the
 * serialized model, with the weights as initialisers, for onnxruntime or any other ONNX
 * runtime. The main entry imports no `node:` module and runs in browsers; `saveOnnx`,
 * which writes the file, is in `@tapegrad/onnx/node`.
 *
 * @example
 * ```ts
 * import { toOnnx } from "@tapegrad/onnx";
 * const model = mlp({ sizes: [4, 16, 3], hidden: "relu", output: "softmax", convention: "row", seed: 0 });
 * const bytes = toOnnx(model, zeros([1, 4]), { dynamicBatch: true }); // a ModelProto: input [batch, 4], output [batch, 3]
 * ```
 *
 * @module @tapegrad/onnx
 */
export { toOnnx, DEFAULT_OPSET, SUPPORTED_OPSETS, type ToOnnxOptions, type ExportableFunction } from "./export";
export { decodeOnnx, exportedOps } from "./inspect";
