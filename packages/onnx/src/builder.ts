import type { DType, TypedArray } from "@tapegrad/core";
import { ATTRIBUTE_TYPE, DATA_TYPE, type AttributeMessage, type ElementType, type NodeMessage, type TensorMessage } from "./proto";

// The graph under construction: nodes in order, initialisers, and unique value names.

/** A float attribute (ONNX stores it as float32); plain numbers are int attributes. */
export interface FloatAttribute {
  readonly float: number;
}

/** An attribute's value: an int, a list of ints, a string, or a float made with {@link float}. */
export type AttributeValue = number | readonly number[] | string | FloatAttribute;

/** A node's attributes by name; `undefined` values are left out. */
export type Attributes = Readonly<Record<string, AttributeValue | undefined>>;

/** Marks a number as a float attribute (`alpha` of LeakyRelu), not an int one. */
export const float = (value: number): FloatAttribute => ({ float: value });

/** The largest int64, as Slice's "to the end". */
export const INT64_MAX = 9223372036854775807n;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The values as little-endian bytes of the given element type (the bits of floats kept exactly). */
export function rawBytes(values: ArrayLike<number | bigint>, type: ElementType): Uint8Array {
  const width = { float32: 4, int32: 4, int64: 8, bool: 1, float64: 8 }[type];
  const view = new DataView(new ArrayBuffer(values.length * width));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (type === "float64") view.setFloat64(i * 8, v as number, true);
    else if (type === "float32") view.setFloat32(i * 4, v as number, true);
    else if (type === "int32") view.setInt32(i * 4, v as number, true);
    else if (type === "int64") view.setBigInt64(i * 8, typeof v === "bigint" ? v : BigInt(v), true);
    else view.setUint8(i, v ? 1 : 0);
  }
  return new Uint8Array(view.buffer);
}

/** A typed array's bytes, copied: its own memory on little-endian machines, converted on others. */
export function typedArrayBytes(data: TypedArray, type: ElementType): Uint8Array {
  if (littleEndian) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return rawBytes(data, type);
}

/** The ONNX element type of a tapegrad dtype. */
export function elementType(dtype: DType): ElementType {
  return dtype;
}

function attribute(name: string, value: AttributeValue): AttributeMessage {
  if (typeof value === "string") return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === "number") return { name, type: ATTRIBUTE_TYPE.INT, i: value };
  if (Array.isArray(value)) return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...value] };
  return { name, type: ATTRIBUTE_TYPE.FLOAT, f: (value as FloatAttribute).float };
}

/** Nodes and initialisers of one graph, with value names kept unique. */
export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** Reserves a name: `base` itself if free, else `base_1`, `base_2`, … */
  unique(base: string): string {
    const clean = base === "" ? "value" : base;
    let name = clean;
    for (let k = 1; this.names.has(name); k++) name = `${clean}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Whether a name is taken. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Appends a node; its output is `output` (reserved by the caller) or a new name from the op type. Returns the output's name. */
  node(opType: string, inputs: readonly string[], attributes: Attributes = {}, output?: string): string {
    const out = output ?? this.unique(opType);
    const attribute_ = Object.entries(attributes).flatMap(([name, value]) => (value === undefined ? [] : [attribute(name, value)]));
    this.nodes.push({ name: out, op_type: opType, input: [...inputs], output: [out], attribute: attribute_ });
    return out;
  }

  /** Adds an initialiser under `name` (reserved by the caller) from raw little-endian bytes. */
  initializer(name: string, bytes: Uint8Array, shape: readonly number[], type: ElementType): string {
    this.initializers.push({ name, dims: [...shape], data_type: DATA_TYPE[type], raw_data: bytes });
    return name;
  }

  /** A constant of the given values, shape and type, made once per distinct content. */
  constant(values: readonly (number | bigint)[], shape: readonly number[], type: ElementType, base = "const"): string {
    const key = `${type}|${shape.join(",")}|${values.map(String).join(",")}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.initializer(this.unique(base), rawBytes(values, type), shape, type);
    this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, pads). */
  int64s(values: readonly (number | bigint)[]): string {
    return this.constant(values, [values.length], "int64", "ints");
  }

  /** A scalar constant of the given type. */
  scalar(value: number, type: ElementType): string {
    return this.constant([value], [], type, "scalar");
  }
}
