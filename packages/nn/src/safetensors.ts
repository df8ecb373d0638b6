import { formatShape, Tensor, tensor, type DType } from "@tapegrad/core";
import type { Model } from "./model";
import type { Params } from "./layer";

// The safetensors format (github.com/huggingface/safetensors): an 8-byte little-endian u64 N,
// N bytes of UTF-8 JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}, padded with spaces to a multiple of 8, then the byte buffer. Offsets are
// relative to the buffer's start; tensors are little-endian, row-major and contiguous, and
// together cover the buffer exactly. No file I/O here: this module bundles for browsers.

/** The header is at most this many bytes (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;
/** A tensor has at most this many axes. */
const MAX_RANK = 64;
const METADATA_KEY = "__metadata__";
/** Names that would reach an object's prototype when assigned. */
const FORBIDDEN_NAMES: readonly string[] = ["__proto__"];

const DTYPES: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: "float32", bytes: 4 },
  F64: { dtype: "float64", bytes: 8 },
  I32: { dtype: "int32", bytes: 4 },
};
const CODES: Record<string, string> = { float32: "F32", float64: "F64", int32: "I32" };
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** What {@link parseSafetensors} reads: the tensors by name and the header's `__metadata__`. */
export interface Safetensors {
  /** The tensors, by name. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/**
 * Writes tensors (float32 → `F32`, float64 → `F64`, int32 → `I32`) and optional string
 * metadata as the bytes of a safetensors file, the format PyTorch, JAX and the Hugging Face
 * hub read. Tensors are stored in name order, little-endian and row-major; the JSON header is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does.
 * Imports no `node:` module: write the bytes with `saveSafetensors` (`@tapegrad/nn/node`) or
 * any file API.
 * @example
 * ```ts
 * const bytes = serializeSafetensors({ "fc.weight": tensor([[1, 2]], { dtype: "float32" }) }, { format: "pt" });
 * ```
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const where = "serializeSafetensors";
  if (!isRecord(tensors)) throw new Error(`${where}: give the tensors as a record { name: Tensor }, got ${describe(tensors)}`);
  if (!isRecord(metadata)) throw new Error(`${where}: the metadata must be a record of strings, got ${describe(metadata)}`);
  const meta: Record<string, string> = {};
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (typeof value !== "string") throw new Error(`${where}: metadata '${key}' is ${describe(value)}; safetensors metadata values are strings`);
    if (FORBIDDEN_NAMES.includes(key)) throw new Error(`${where}: '${key}' cannot be a metadata key`);
    meta[key] = value;
  }
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(meta).length > 0) header[METADATA_KEY] = meta;
  let offset = 0;
  const parts: { offset: number; value: Tensor }[] = [];
  for (const name of names) {
    const value = tensors[name];
    checkName(where, name);
    if (!(value instanceof Tensor)) throw new Error(`${where}: '${name}' is ${describe(value)}, not a Tensor`);
    const code = CODES[value.dtype];
    if (code === undefined) throw new Error(`${where}: '${name}' has dtype ${value.dtype}, which safetensors files here do not hold (float32, float64, int32)`);
    const length = value.size * DTYPES[code].bytes;
    header[name] = { dtype: code, shape: [...value.shape], data_offsets: [offset, offset + length] };
    parts.push({ offset, value });
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) throw new Error(`${where}: the header would be ${padded} bytes, more than the ${MAX_HEADER_BYTES} readers accept; use fewer tensors or shorter names`);
  const bytes = new Uint8Array(8 + padded + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded);
  const start = 8 + padded;
  for (const { offset: at, value } of parts) writeValues(view, bytes, start + at, value);
  return bytes;
}

/**
 * Reads the bytes of a safetensors file. Everything is checked before any tensor is made:
 * the header length (within the file, at most 100 MB), the header (UTF-8 JSON, an object),
 * each entry (dtype `F32`, `F64` or `I32`; a shape of non-negative integers; `data_offsets`
 * within the buffer, of the size shape × dtype needs) and the buffer (covered exactly by the
 * tensors, with no overlap or gap). Errors name the tensor and the problem. Names are read
 * as own properties; `__proto__` is refused as a name.
 * @example
 * ```ts
 * const { tensors, metadata } = parseSafetensors(bytes);
 * tensors["fc.weight"].shape; // e.g. [3, 2]
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): Safetensors {
  const where = "parseSafetensors";
  if (!(bytes instanceof Uint8Array)) throw new Error(`${where}: give the file's bytes as a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 8) throw new Error(`${where}: the file is truncated: it has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) throw new Error(`${where}: the header length is ${declared} bytes, more than the ${MAX_HEADER_BYTES} allowed; this is not a safetensors file, or a corrupt one`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) throw new Error(`${where}: the header length is ${headerLength} bytes, beyond the file's end (it has ${bytes.length - 8} bytes after the length); the file is truncated or not a safetensors file`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch (error) {
    throw new Error(`${where}: the header is not valid UTF-8`, { cause: error });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: the header is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isRecord(header)) throw new Error(`${where}: the header must be a JSON object, got ${describe(header)}`);
  const bufferLength = bytes.length - 8 - headerLength;
  const metadata = readMetadata(where, Object.hasOwn(header, METADATA_KEY) ? header[METADATA_KEY] : undefined);
  const entries: { name: string; dtype: DType; bytes: number; shape: number[]; begin: number; end: number }[] = [];
  for (const name of Object.keys(header)) {
    if (name === METADATA_KEY) continue;
    checkName(where, name);
    const what = `${where}: tensor '${name}'`;
    const entry = header[name];
    if (!isRecord(entry)) throw new Error(`${what} must be an object { dtype, shape, data_offsets }, got ${describe(entry)}`);
    for (const key of Object.keys(entry)) if (!["dtype", "shape", "data_offsets"].includes(key)) throw new Error(`${what} has an unknown field '${key}' (expected dtype, shape, data_offsets)`);
    const code = Object.hasOwn(entry, "dtype") ? entry.dtype : undefined;
    if (typeof code !== "string" || !Object.hasOwn(DTYPES, code)) {
      throw new Error(`${what} has dtype ${JSON.stringify(code)}, which tapegrad cannot read (it reads ${Object.keys(DTYPES).join(", ")})`);
    }
    const shape = Object.hasOwn(entry, "shape") ? entry.shape : undefined;
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new Error(`${what} has shape ${JSON.stringify(shape)}; a shape is a list of at most ${MAX_RANK} non-negative integers`);
    }
    const offsets = Object.hasOwn(entry, "data_offsets") ? entry.data_offsets : undefined;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) || offsets[0] > offsets[1]) {
      throw new Error(`${what} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], integers with 0 ≤ begin ≤ end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > bufferLength) throw new Error(`${what} has data_offsets [${begin}, ${end}], beyond the buffer's ${bufferLength} bytes; the file is truncated or corrupt`);
    const { dtype, bytes: size } = DTYPES[code];
    let count = 1;
    for (const n of shape as number[]) count *= n;
    if (!Number.isSafeInteger(count * size) || end - begin !== count * size) {
      throw new Error(`${what} has ${end - begin} bytes, but shape ${formatShape(shape as number[])} of ${code} needs ${count * size}`);
    }
    entries.push({ name, dtype, bytes: size, shape: shape as number[], begin, end });
  }
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: (typeof entries)[number] | undefined;
  for (const entry of ordered) {
    if (entry.begin < covered) throw new Error(`${where}: tensor '${entry.name}' (bytes ${entry.begin}–${entry.end}) overlaps tensor '${previous!.name}' (bytes ${previous!.begin}–${previous!.end})`);
    if (entry.begin > covered) throw new Error(`${where}: bytes ${covered}–${entry.begin} of the buffer belong to no tensor; the tensors must cover the buffer exactly`);
    covered = entry.end;
    previous = entry;
  }
  if (covered !== bufferLength) throw new Error(`${where}: bytes ${covered}–${bufferLength} of the buffer belong to no tensor; the tensors must cover the buffer exactly`);
  const tensors: Record<string, Tensor> = {};
  const start = bytes.byteOffset + 8 + headerLength;
  for (const { name, dtype, bytes: size, shape, begin, end } of entries) {
    tensors[name] = tensor(readValues(bytes.buffer, start + begin, (end - begin) / size, dtype), { shape, dtype });
  }
  return { tensors, metadata };
}

/**
 * A model's parameters and state under PyTorch's names and layouts (see
 * `saveSafetensors` in `@tapegrad/nn/node` for the mapping), or under tapegrad's own names.
 */
export function safetensorsOfModel(model: Model<any, any, any>, pytorchNames: boolean): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const all: Params = { ...model.params, ...model.state };
  const done = new Set<string>();
  if (pytorchNames) {
    for (const layer of model.layers as readonly any[]) {
      for (const [from, to, convert] of pytorchPairs(layer, all)) {
        if (done.has(from)) continue;
        out[to] = convert.save(all[from]);
        done.add(from);
      }
      if ((layer.kind === "lstm" || layer.kind === "rnn") && Object.hasOwn(all, `${layer.name}.b`)) {
        out[`${layer.name}.bias_hh_l0`] = tensor(new Array(all[`${layer.name}.b`].size).fill(0), { dtype: model.dtype });
      }
    }
  }
  for (const name of Object.keys(all)) if (!done.has(name)) out[name] = all[name];
  return out;
}

/**
 * The model's parameters and state from the tensors of a safetensors file, checked whole
 * against the model (names, shapes, dtypes) before anything is returned. float32 values are
 * widened for a float64 model; float64 values are refused for a float32 one.
 */
export function modelTensorsOfSafetensors(model: Model<any, any, any>, tensors: Record<string, Tensor>, pytorchNames: boolean, source: string): { params: Params; state: Params } {
  const expected: Record<string, readonly number[]> = { ...model.parameterShapes() };
  for (const name of Object.keys(model.state)) expected[name] = model.state[name].shape;
  const problems: string[] = [];
  const remaining = new Map(Object.keys(tensors).map((name) => [name, tensors[name]]));
  const found: Record<string, Tensor> = {};
  const take = (fileName: string): Tensor | undefined => {
    const value = remaining.get(fileName);
    if (value === undefined) {
      problems.push(`'${fileName}' is missing`);
      return undefined;
    }
    remaining.delete(fileName);
    if (value.dtype === "int32") {
      problems.push(`'${fileName}' is I32; parameters are floats`);
      return undefined;
    }
    if (value.dtype !== model.dtype) {
      if (model.dtype === "float32") {
        problems.push(`'${fileName}' is F64 and the model float32; build the model with dtype "float64" or store the file as F32`);
        return undefined;
      }
      return tensor(value, { dtype: model.dtype });
    }
    return value;
  };
  if (pytorchNames) {
    for (const layer of model.layers as readonly any[]) {
      const pairs = pytorchPairs(layer, expected);
      for (const [from, to, convert] of pairs) {
        if (Object.hasOwn(found, from)) continue;
        const value = take(to);
        if (value === undefined) continue;
        const shape = convert.fileShape(expected[from]);
        if (!shapesEqual(value.shape, shape)) {
          problems.push(`'${to}' has shape ${formatShape(value.shape)}, expected ${formatShape(shape)} for '${from}' ${formatShape(expected[from])}`);
          continue;
        }
        found[from] = convert.load(value);
      }
      if ((layer.kind === "lstm" || layer.kind === "rnn") && Object.hasOwn(found, `${layer.name}.b`)) {
        const b = found[`${layer.name}.b`];
        const hh = take(`${layer.name}.bias_hh_l0`);
        if (hh !== undefined && !shapesEqual(hh.shape, b.shape)) problems.push(`'${layer.name}.bias_hh_l0' has shape ${formatShape(hh.shape)}, expected ${formatShape(b.shape)}`);
        else if (hh !== undefined) found[`${layer.name}.b`] = tensor(Float64Array.from(b.data, (v, i) => v + hh.data[i]), { shape: b.shape, dtype: model.dtype });
      }
    }
  }
  for (const name of Object.keys(expected)) {
    if (Object.hasOwn(found, name)) continue;
    const value = take(name);
    if (value === undefined) continue;
    if (!shapesEqual(value.shape, expected[name])) problems.push(`'${name}' has shape ${formatShape(value.shape)}, expected ${formatShape(expected[name])}`);
    else found[name] = value;
  }
  for (const name of remaining.keys()) problems.push(`'${name}' is not a tensor of this model`);
  if (problems.length > 0) throw new Error(`${source}: the file does not fit the model: ${problems.join("; ")}; the model is unchanged`);
  const params: Params = {};
  const state: Params = {};
  for (const name of Object.keys(model.parameterShapes())) params[name] = found[name];
  for (const name of Object.keys(model.state)) state[name] = found[name];
  return { params, state };
}

interface Conversion {
  /** tapegrad's tensor → the file's. */
  save(value: Tensor): Tensor;
  /** The file's tensor → tapegrad's. */
  load(value: Tensor): Tensor;
  /** The file's shape for tapegrad's shape. */
  fileShape(shape: readonly number[]): number[];
}

const AS_IS: Conversion = { save: (v) => v, load: (v) => v, fileShape: (s) => [...s] };
const TRANSPOSED: Conversion = { save: transposed, load: transposed, fileShape: (s) => [s[1], s[0]] };
/** A bias of shape [1, n] or [n, 1] ↔ PyTorch's [n]. */
function flatBias(shape: readonly number[]): Conversion {
  return {
    save: (v) => tensor(v, { shape: [v.size] }),
    load: (v) => tensor(v, { shape: [...shape] }),
    fileShape: (s) => [s[0] * s[1]],
  };
}

/** [tapegrad name, PyTorch name, conversion] for the layer's parameters present in `names`. */
function pytorchPairs(layer: any, names: Record<string, unknown>): [string, string, Conversion][] {
  const name = layer.name as string;
  const pairs: [string, string, Conversion][] = [];
  const add = (from: string, to: string, conversion: (shape: readonly number[]) => Conversion): void => {
    if (Object.hasOwn(names, from)) pairs.push([from, `${name}.${to}`, conversion(shapeOf(names[from]))]);
  };
  if (layer.kind === "dense") {
    add(`${name}.W`, "weight", () => (layer.convention === "row" ? TRANSPOSED : AS_IS));
    add(`${name}.b`, "bias", flatBias);
  } else if (layer.kind === "conv1d" || layer.kind === "conv2d") {
    add(`${name}.W`, "weight", () => AS_IS);
    add(`${name}.b`, "bias", () => AS_IS);
  } else if (layer.kind === "lstm" || layer.kind === "rnn") {
    const weights = layer.convention === "column" ? AS_IS : TRANSPOSED;
    add(`${name}.Wx`, "weight_ih_l0", () => weights);
    add(`${name}.Wh`, "weight_hh_l0", () => weights);
    add(`${name}.b`, "bias_ih_l0", () => AS_IS);
  }
  return pairs;
}

function shapeOf(value: unknown): readonly number[] {
  return value instanceof Tensor ? value.shape : (value as readonly number[]);
}

/** The transpose of a matrix, as a new contiguous tensor (off the tape). */
function transposed(value: Tensor): Tensor {
  const [rows, cols] = value.shape;
  const data = value.data;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return tensor(out, { shape: [cols, rows], dtype: value.dtype });
}

function writeValues(view: DataView, bytes: Uint8Array, at: number, value: Tensor): void {
  const data = value.data;
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (value.dtype === "float32") view.setFloat32(at + i * size, data[i], true);
    else if (value.dtype === "float64") view.setFloat64(at + i * size, data[i], true);
    else view.setInt32(at + i * size, data[i], true);
  }
}

function readValues(buffer: ArrayBufferLike, at: number, count: number, dtype: DType): Float32Array | Float64Array | Int32Array {
  const Kind = dtype === "float32" ? Float32Array : dtype === "float64" ? Float64Array : Int32Array;
  const size = Kind.BYTES_PER_ELEMENT;
  const copy = new Uint8Array(count * size);
  copy.set(new Uint8Array(buffer, at, count * size));
  if (LITTLE_ENDIAN) return new Kind(copy.buffer);
  const view = new DataView(copy.buffer);
  const out = new Kind(count);
  for (let i = 0; i < count; i++) out[i] = dtype === "float32" ? view.getFloat32(i * 4, true) : dtype === "float64" ? view.getFloat64(i * 8, true) : view.getInt32(i * 4, true);
  return out;
}

function readMetadata(where: string, value: unknown): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value === undefined) return metadata;
  if (!isRecord(value)) throw new Error(`${where}: "${METADATA_KEY}" must be an object of strings, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_NAMES.includes(key)) throw new Error(`${where}: "${METADATA_KEY}" has the key '${key}', which is refused`);
    const item = value[key];
    if (typeof item !== "string") throw new Error(`${where}: "${METADATA_KEY}" entry '${key}' is ${describe(item)}; metadata values are strings`);
    metadata[key] = item;
  }
  return metadata;
}

function checkName(where: string, name: string): void {
  if (name === "") throw new Error(`${where}: a tensor name is empty`);
  if (name === METADATA_KEY) throw new Error(`${where}: '${METADATA_KEY}' is reserved for the metadata and cannot name a tensor`);
  if (FORBIDDEN_NAMES.includes(name)) throw new Error(`${where}: the tensor name '${name}' is refused (it would reach an object's prototype)`);
}

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Tensor) return "a Tensor";
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "no prototype"})` : `${typeof value} ${JSON.stringify(value)}`;
}
