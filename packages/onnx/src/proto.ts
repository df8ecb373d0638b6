import protobuf from "protobufjs";
import { ONNX_PROTO } from "./schema";

// The ONNX messages the exporter writes, as plain objects with the schema's own field names
// (snake_case: protobufjs parses the schema with `keepCase`). protobufjs encodes them from the
// official schema (schema/onnx.proto); nothing here knows the wire format.

/** TensorProto.DataType values the exporter uses. @internal */
export const DATA_TYPE = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 } as const;

/** The element types the exporter writes. @internal */
export type ElementType = keyof typeof DATA_TYPE;

/** AttributeProto.AttributeType values the exporter uses. @internal */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** A TensorProto: an initialiser, its values little-endian in `raw_data`. @internal */
export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** An AttributeProto of one of the kinds the exporter writes. @internal */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

/** A NodeProto. @internal */
export interface NodeMessage {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
  doc_string?: string;
}

/** One dimension of a TensorShapeProto: a size, or a name for a size known only at run time. @internal */
export type DimensionMessage = { dim_value: number } | { dim_param: string };

/** A ValueInfoProto of a tensor. @internal */
export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: DimensionMessage[] } } };
  doc_string?: string;
}

/** A GraphProto. @internal */
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  doc_string?: string;
}

/** A ModelProto. @internal */
export interface ModelMessage {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphMessage;
}

let modelType: protobuf.Type | undefined;

/** ModelProto as protobufjs reads it from the schema, parsed once on first use. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  return modelType;
}

/** The serialized ModelProto. @internal */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem !== null) throw new Error(`toOnnx: the model does not match the ONNX schema (${problem}); this is a bug in @tapegrad/onnx`);
  // A plain Uint8Array of its own (protobufjs gives a Node Buffer, possibly a view of a shared pool).
  return new Uint8Array(type.encode(type.fromObject(model)).finish());
}

/**
 * A serialized ModelProto read back as a plain object with the schema's field names
 * (`graph.node`, `graph.initializer`, `opset_import`, …): 64-bit integers as numbers, bytes
 * as Uint8Array, enums as numbers.
 * @internal
 */
export function decodeModel(bytes: Uint8Array): Record<string, any> {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: true });
}
