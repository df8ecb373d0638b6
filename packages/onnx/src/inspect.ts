import { OP_EXPORTS } from "./ops";
import { decodeModel } from "./proto";

/**
 * Reads a serialized ONNX model back as a plain object with the schema's field names
 * (`graph.node`, `graph.initializer`, `opset_import`, …): 64-bit integers as numbers,
 * `raw_data` as bytes, enums as numbers. For looking at what {@link toOnnx} wrote.
 * @example
 * ```ts
 * const model = decodeOnnx(toOnnx(mlp({ sizes: [2, 3, 1], convention: "row" }), zeros([1, 2])));
 * model.graph.node.map((n: { op_type: string }) => n.op_type); // ["MatMul", "Add", "Tanh", "MatMul", "Add"]
 * ```
 */
export function decodeOnnx(bytes: Uint8Array): Record<string, any> {
  if (!(bytes instanceof Uint8Array)) throw new Error(`decodeOnnx: expects the model's bytes as a Uint8Array, got ${typeof bytes}`);
  return decodeModel(bytes);
}

/**
 * The ops {@link toOnnx} exports, each with the ONNX it becomes (the table of docs/onnx.md).
 * Composites (softmax, mean, variance, conv1d, split, stack, mse, …) are exported through
 * the ops they are made of.
 * @example `exportedOps().get("matmul") // "MatMul (batched; Transpose of the last two axes first for transposeA/transposeB)"`
 */
export function exportedOps(): ReadonlyMap<string, string> {
  return new Map(Object.entries(OP_EXPORTS).map(([name, entry]) => [name, entry.onnx]));
}
