import type { Model } from "@tapegrad/nn";
import { Converter } from "./convert";
import { encodeModel } from "./proto";
import type { ExportableFunction, ToOnnxOptions } from "./options";
import { batchPlan, checkSameOps, perturbed, retrace, targetOf, traceTarget } from "./trace";
import { version } from "../package.json";

export type { ExportableFunction, ToOnnxOptions } from "./options";

/** The opsets written, with the IR version each needs. */
const IR_VERSION_OF_OPSET: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11 };

/**
 * The opset {@link toOnnx} writes unless told otherwise: 17, which onnxruntime has loaded since 1.13.
 * @example `toOnnx(model, X, { opset: DEFAULT_OPSET + 1 }) // opset 18: reductions take their axes as inputs`
 */
export const DEFAULT_OPSET = 17;

/**
 * The opsets {@link toOnnx} can write: 17 to 23.
 * @example `SUPPORTED_OPSETS.includes(20) // true: float32 gelu becomes one Gelu node there`
 */
export const SUPPORTED_OPSETS: readonly number[] = Object.keys(IR_VERSION_OF_OPSET).map(Number);

/**
 * Exports a model or a function of tensors to ONNX: the forward computation as the tape
 * records it on `exampleInputs`, each op mapped to ONNX nodes (see docs/onnx.md for the
 * table), the weights as initialisers with their exact values. Returns the serialized
 * ModelProto, ready for onnxruntime or any ONNX runtime.
 *
 * - A `Model` (from @tapegrad/nn) is exported with its parameters and state (batch norm's
 *   running statistics) in evaluation mode: dropout is the identity, batch norm uses the
 *   running statistics. `exampleInputs` is the model's input (a tensor, or the record a
 *   graph model takes); by default the export gives the model's predictions (see `pass`).
 * - A function `(...args) => Tensor | Tensor[]`: `exampleInputs` lists its arguments, and
 *   `options.parameters` says which of them are weights (tensors or records of tensors).
 *
 * Shapes are those of the example inputs unless `dynamicBatch` is set. An op that ONNX
 * cannot express (an op of your own from `defineOp` or `customVjp`, a backward-pass op)
 * raises an error naming it.
 *
 * @example
 * ```ts
 * const model = mlp({ sizes: [2, 8, 1], hidden: "relu", output: "sigmoid", convention: "row", seed: 0 });
 * const bytes = toOnnx(model, zeros([4, 2]), { dynamicBatch: true }); // inputs "input" [batch, 2], outputs "output" [batch, 1]
 * const scaled = toOnnx((p: { W: Tensor }, x: Tensor) => matmul(x, p.W), [{ W }, X], { parameters: [0] });
 * ```
 */
export function toOnnx(target: Model<any, any, any> | ExportableFunction, exampleInputs: unknown, options: ToOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? DEFAULT_OPSET;
  const irVersion = Object.hasOwn(IR_VERSION_OF_OPSET, opset) ? IR_VERSION_OF_OPSET[opset] : undefined;
  if (irVersion === undefined) {
    throw new Error(`toOnnx: opset ${JSON.stringify(options.opset)} is not one this exporter writes; choose one of ${SUPPORTED_OPSETS.join(", ")} (${DEFAULT_OPSET} by default)`);
  }
  const subject = targetOf(target, exampleInputs, options);
  const traced = traceTarget(subject, subject.args);
  const checkConstants = options.checkConstants ?? true;
  const again = checkConstants ? retrace(subject, "other input values", (t) => perturbed(t)) : undefined;
  if (again) checkSameOps(subject, traced, again, "other values of the inputs", "its ops depend on the values of its inputs (a branch on a value?)", "checkConstants: false");
  const batch = options.dynamicBatch ? batchPlan(subject, traced) : undefined;
  const builder = new Converter(subject, traced, again, batch, opset, options);
  const graph = builder.convert();
  return encodeModel({
    ir_version: irVersion,
    opset_import: [{ domain: "", version: opset }],
    producer_name: options.producerName ?? "tapegrad",
    producer_version: version,
    ...(options.docString !== undefined ? { doc_string: options.docString } : {}),
    graph,
  });
}
