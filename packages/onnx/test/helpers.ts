import { Tensor, tensor, type DType } from "@tapegrad/core";
import { toOnnx, type ExportableFunction, type ToOnnxOptions } from "@tapegrad/onnx";
import * as ort from "onnxruntime-node";
import { expect } from "vitest";

/** onnxruntime's name for a tapegrad dtype. */
const ORT_TYPE = { float32: "float32", float64: "float64", int32: "int32" } as const;

/** Loads the model in onnxruntime (its CPU provider) — which validates it — and runs it on tapegrad tensors. */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled" });
  const inputs = Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(ORT_TYPE[t.dtype], t.data.slice() as Float64Array, [...t.shape])]),
  );
  const outputs = await session.run(inputs);
  await session.release();
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => {
      const dtype = (Object.entries(ORT_TYPE).find(([, type]) => type === value.type)?.[0] ?? "float64") as DType;
      return [name, tensor(value.data as Float64Array, { shape: value.dims.map(Number), dtype })];
    }),
  );
}

/** The largest |a − b| over the elements, after checking that shapes and dtypes agree. */
export function maxDifference(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape}] and [${b.shape}]`);
  if (a.dtype !== b.dtype) throw new Error(`dtypes differ: ${a.dtype} and ${b.dtype}`);
  let worst = 0;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) && Object.is(x[i], y[i]) ? worst : Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** The tolerance of the comparisons: 1e-5 for float32, 1e-9 for float64. */
export function tolerance(dtype: DType): number {
  return dtype === "float32" ? 1e-5 : 1e-9;
}

/** The largest |a − b| relative to the scale of b: max |a − b| / max(1, max |b|). */
export function scaledDifference(a: Tensor, b: Tensor): number {
  let scale = 1;
  for (const v of b.data) scale = Math.max(scale, Math.abs(v));
  return maxDifference(a, b) / scale;
}

/** Expects onnxruntime's outputs to match tapegrad's within the dtype's tolerance, relative to their scale. */
export function expectClose(got: Tensor, expected: Tensor): void {
  const difference = scaledDifference(got, expected);
  expect(difference, `ONNX and tapegrad differ by ${difference} (${expected.dtype})`).toBeLessThanOrEqual(tolerance(expected.dtype));
}

/**
 * Exports a function of input tensors (no weights), runs it in onnxruntime on `feeds` (the
 * example inputs by default) and expects the outputs to match the function's own.
 */
export async function expectSameAsTapegrad(
  f: (...inputs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor[],
  options: ToOnnxOptions & { feeds?: Tensor[] } = {},
): Promise<Uint8Array> {
  const { feeds = inputs, ...exportOptions } = options;
  const bytes = toOnnx(f as ExportableFunction, inputs, exportOptions);
  const names = exportOptions.inputNames ?? (inputs.length === 1 ? ["input"] : inputs.map((_, i) => `input${i}`));
  const got = await runOnnx(bytes, Object.fromEntries(names.map((name, i) => [name, feeds[i]])));
  const result = f(...feeds);
  const expected = Array.isArray(result) ? result : [result];
  const outputNames = exportOptions.outputNames ?? (Array.isArray(result) ? expected.map((_, i) => `output_${i}`) : ["output"]);
  expected.forEach((t, i) => expectClose(got[outputNames[i]], t));
  return bytes;
}
