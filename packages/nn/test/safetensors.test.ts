import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { randn, tensor, type Tensor } from "@tapegrad/core";
import { batchNorm, conv2d, dense, flatten, lstm, maxPool2d, mlp, parseSafetensors, sequential, serializeSafetensors, type Model } from "../src";
import { loadSafetensors, saveSafetensors, writeBytesAtomically } from "../src/node";

// A write that fails on demand (the disk filling up), to check that a failed save leaves the old file.
type Fs = typeof import("node:fs");
const faults = vi.hoisted(() => ({ failWrites: false }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<Fs>();
  return {
    ...real,
    writeSync: (...args: Parameters<Fs["writeSync"]>) => {
      if (faults.failWrites) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      return (real.writeSync as (...a: unknown[]) => number)(...args);
    },
  };
});
afterEach(() => {
  faults.failWrites = false;
});

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const folder = () => mkdtempSync(join(tmpdir(), "tapegrad-safetensors-"));

function bytesOf(t: Tensor): number[] {
  const data = t.data;
  return Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function expectSameTensors(a: Record<string, Tensor>, b: Record<string, Tensor>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) {
    expect(b[name].dtype, name).toBe(a[name].dtype);
    expect(b[name].shape, name).toEqual(a[name].shape);
    expect(bytesOf(b[name]), name).toEqual(bytesOf(a[name]));
  }
}

function cnn(dtype: "float32" | "float64", seed: number): Model {
  return sequential(
    [
      conv2d({ name: "conv", inChannels: 1, outChannels: 2, kernelSize: 3, activation: "relu" }),
      batchNorm({ name: "norm", features: 2 }),
      maxPool2d({ name: "pool", kernelSize: 2 }),
      flatten({ name: "flat" }),
      dense({ name: "out", inputSize: 8, units: 3, convention: "row" }),
    ],
    { output: "softmax", dtype, seed },
  );
}

/** A header of our own, with its length and the buffer, as the format describes. */
function handmade(header: unknown, buffer: number[] = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + buffer.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  bytes.set(json, 8);
  bytes.set(buffer, 8 + json.length);
  return bytes;
}

describe("serializeSafetensors and parseSafetensors", () => {
  it("reads the hand-written fixture", () => {
    const { tensors, metadata } = parseSafetensors(readFileSync(join(fixtures, "tiny.safetensors")));
    expect(metadata).toEqual({ format: "pt", source: "hand" });
    expect(Object.keys(tensors).sort()).toEqual(["a", "b", "c"]);
    expect(tensors.a.dtype).toBe("float32");
    expect(tensors.a.shape).toEqual([2, 2]);
    expect(tensors.a.toArray()).toEqual([[1, -2], [0.5, 3]]);
    expect(tensors.b.dtype).toBe("int32");
    expect(tensors.b.toArray()).toEqual([7, -1, 0]);
    expect(tensors.c.dtype).toBe("float64");
    expect(tensors.c.shape).toEqual([]);
    expect(tensors.c.item()).toBe(0.25);
  });

  it("writes the layout of the format: u64 length, space-padded JSON, little-endian buffer", () => {
    const bytes = serializeSafetensors({ x: tensor([1, 2], { dtype: "float32" }), w: tensor([[3]], { dtype: "float64" }) }, { format: "pt" });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
    expect(text.trimEnd()).toBe('{"__metadata__":{"format":"pt"},"w":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}');
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const buffer = new DataView(bytes.buffer, 8 + length);
    expect(buffer.byteLength).toBe(16);
    expect([buffer.getFloat64(0, true), buffer.getFloat32(8, true), buffer.getFloat32(12, true)]).toEqual([3, 1, 2]);
  });

  it("round-trips int32, scalars and empty tensors", () => {
    const tensors = { i: tensor([5, -6, 7], { dtype: "int32" }), s: tensor(1.5), e: tensor([], { shape: [0, 3] }) };
    const back = parseSafetensors(serializeSafetensors(tensors));
    expectSameTensors(tensors, back.tensors);
    expect(back.metadata).toEqual({});
  });

  it("reads a file from a Uint8Array that is a view into a larger buffer", () => {
    const bytes = serializeSafetensors({ a: tensor([1, 2, 3], { dtype: "float32" }) });
    const larger = new Uint8Array(bytes.length + 3);
    larger.set(bytes, 3);
    expect(parseSafetensors(larger.subarray(3)).tensors.a.toArray()).toEqual([1, 2, 3]);
  });

  it("refuses hostile and broken files with clear errors", () => {
    const good = serializeSafetensors({ a: tensor([1, 2]) });
    expect(() => parseSafetensors(good.subarray(0, 5))).toThrow(/truncated: it has 5 bytes, fewer than the 8/);
    expect(() => parseSafetensors(good.subarray(0, good.length - 1))).toThrow(/tensor 'a' has data_offsets \[0, 16\], beyond the buffer's 15 bytes/);
    expect(() => parseSafetensors(handmade({}, [], 1000))).toThrow(/header length is 1000 bytes, beyond the file's end/);
    expect(() => parseSafetensors(handmade({}, [], 2 ** 40))).toThrow(/more than the 100000000 allowed/);
    expect(() => parseSafetensors(handmade([1, 2]))).toThrow(/the header must be a JSON object, got an array/);
    const notJson = handmade({});
    notJson[9] = 0x78;
    expect(() => parseSafetensors(notJson)).toThrow(/the header is not valid JSON/);
    const eight = new Array(8).fill(0);
    expect(() =>
      parseSafetensors(handmade({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [2, 6] } }, eight)),
    ).toThrow(/tensor 'b' \(bytes 2–6\) overlaps tensor 'a' \(bytes 0–4\)/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, eight))).toThrow(/bytes 0–4 of the buffer belong to no tensor/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, eight))).toThrow(/bytes 4–8 of the buffer belong to no tensor/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "BF16", shape: [4], data_offsets: [0, 8] } }, eight))).toThrow(/tensor 'a' has dtype "BF16", which tapegrad cannot read \(it reads F32, F64, I32\)/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, eight))).toThrow(/tensor 'a' has 8 bytes, but shape \[3\] of F32 needs 12/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, eight))).toThrow(/tensor 'a' has shape \[-2\]/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "F32", shape: [2], data_offsets: [8, 0] } }, eight))).toThrow(/tensor 'a' has data_offsets \[8,0\]/);
    expect(() => parseSafetensors(handmade({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8], extra: 1 } }, eight))).toThrow(/unknown field 'extra'/);
    expect(() => parseSafetensors(handmade({ __metadata__: { n: 3 } }))).toThrow(/"__metadata__" entry 'n' is number 3/);
    // JSON.parse makes "__proto__" an own property; it is refused rather than assigned.
    const proto = new TextEncoder().encode('{"__proto__":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    const protoFile = new Uint8Array(8 + proto.length + 8);
    new DataView(protoFile.buffer).setBigUint64(0, BigInt(proto.length), true);
    protoFile.set(proto, 8);
    expect(() => parseSafetensors(protoFile)).toThrow(/the tensor name '__proto__' is refused/);
    // "constructor" is an ordinary own name.
    const { tensors } = parseSafetensors(handmade({ constructor: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, eight));
    expect(Object.hasOwn(tensors, "constructor")).toBe(true);
    expect(tensors["constructor" as string].toArray()).toEqual([0, 0]);
  });

  it("refuses what it cannot write", () => {
    expect(() => serializeSafetensors({ a: [1, 2] as unknown as Tensor })).toThrow(/'a' is an array, not a Tensor/);
    expect(() => serializeSafetensors({ __metadata__: tensor([1]) })).toThrow(/'__metadata__' is reserved/);
    expect(() => serializeSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string })).toThrow(/metadata 'n' is number 3/);
  });
});

describe("saveSafetensors and loadSafetensors", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`round-trips an mlp and a CNN bit for bit (${dtype})`, () => {
      const dir = folder();
      for (const pytorchNames of [false, true]) {
        const model = mlp({ sizes: [3, 5, 2], hidden: "tanh", output: "softmax", convention: "column", dtype, seed: 1 });
        const other = mlp({ sizes: [3, 5, 2], hidden: "tanh", output: "softmax", convention: "column", dtype, seed: 2 });
        saveSafetensors(model, join(dir, "mlp.safetensors"), { pytorchNames });
        loadSafetensors(other, join(dir, "mlp.safetensors"), { pytorchNames });
        expectSameTensors(model.params, other.params);

        const net = cnn(dtype, 1);
        net.state = { ...net.state, "norm.runningMean": randn([2], { seed: 3, dtype }) };
        const again = cnn(dtype, 2);
        saveSafetensors(net, join(dir, "cnn.safetensors"), { pytorchNames });
        loadSafetensors(again, join(dir, "cnn.safetensors"), { pytorchNames });
        expectSameTensors(net.params, again.params);
        expectSameTensors(net.state, again.state);
      }
    });
  }

  it("maps a row-convention dense layer to PyTorch's [out, in] weight and [out] bias", () => {
    const dir = folder();
    const model = mlp({ sizes: [2, 3], convention: "row" });
    model.setParams({ "layer1.W": tensor([[1, 2, 3], [4, 5, 6]]), "layer1.b": tensor([[7, 8, 9]]) });
    saveSafetensors(model, join(dir, "m.safetensors"), { pytorchNames: true });
    const { tensors, metadata } = parseSafetensors(readFileSync(join(dir, "m.safetensors")));
    expect(metadata).toEqual({ format: "pt" });
    expect(Object.keys(tensors).sort()).toEqual(["layer1.bias", "layer1.weight"]);
    expect(tensors["layer1.weight"].toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(tensors["layer1.bias"].toArray()).toEqual([7, 8, 9]);

    const other = mlp({ sizes: [2, 3], convention: "row", seed: 5 });
    loadSafetensors(other, join(dir, "m.safetensors"), { pytorchNames: true });
    expect(other.params["layer1.W"].toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(other.params["layer1.b"].toArray()).toEqual([[7, 8, 9]]);
  });

  it("maps a column-convention dense layer as it is, the bias flattened", () => {
    const dir = folder();
    const path = join(dir, "torch.safetensors");
    // As PyTorch writes nn.Linear(2, 3) in float32, loaded into a float64 model.
    writeFileSync(path, serializeSafetensors({ "layer1.weight": tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float32" }), "layer1.bias": tensor([7, 8, 9], { dtype: "float32" }) }));
    const model = mlp({ sizes: [2, 3], convention: "column" });
    loadSafetensors(model, path, { pytorchNames: true });
    expect(model.params["layer1.W"].toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(model.params["layer1.b"].toArray()).toEqual([[7], [8], [9]]);
    expect(model.params["layer1.W"].dtype).toBe("float64");

    saveSafetensors(model, path, { pytorchNames: true });
    const { tensors } = parseSafetensors(readFileSync(path));
    expect(tensors["layer1.weight"].toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensors["layer1.bias"].shape).toEqual([3]);
  });

  it("maps convolution weights as they are", () => {
    const dir = folder();
    const path = join(dir, "conv.safetensors");
    const model = sequential([conv2d({ name: "c", inChannels: 1, outChannels: 2, kernelSize: 2 })]);
    const weight = tensor([[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]);
    model.setParams({ "c.W": weight, "c.b": tensor([9, 10]) });
    saveSafetensors(model, path, { pytorchNames: true });
    const { tensors } = parseSafetensors(readFileSync(path));
    expect(Object.keys(tensors).sort()).toEqual(["c.bias", "c.weight"]);
    expect(tensors["c.weight"].toArray()).toEqual(weight.toArray());
    expect(tensors["c.bias"].toArray()).toEqual([9, 10]);
    const other = sequential([conv2d({ name: "c", inChannels: 1, outChannels: 2, kernelSize: 2 })], { seed: 4 });
    loadSafetensors(other, path, { pytorchNames: true });
    expectSameTensors(model.params, other.params);
  });

  it("maps an LSTM: weight_ih_l0 = Wxᵀ, weight_hh_l0 = Whᵀ, and the two biases summed into b", () => {
    const dir = folder();
    const path = join(dir, "lstm.safetensors");
    // inputSize 2, hiddenSize 1: four gates (i, f, g, o).
    writeFileSync(
      path,
      serializeSafetensors({
        "rec.weight_ih_l0": tensor([[1, 2], [3, 4], [5, 6], [7, 8]]),
        "rec.weight_hh_l0": tensor([[-1], [-2], [-3], [-4]]),
        "rec.bias_ih_l0": tensor([1, 2, 3, 4]),
        "rec.bias_hh_l0": tensor([10, 20, 30, 40]),
      }),
    );
    const model = sequential([lstm({ name: "rec", inputSize: 2, hiddenSize: 1 })]);
    loadSafetensors(model, path, { pytorchNames: true });
    expect(model.params["rec.Wx"].toArray()).toEqual([[1, 3, 5, 7], [2, 4, 6, 8]]);
    expect(model.params["rec.Wh"].toArray()).toEqual([[-1, -2, -3, -4]]);
    expect(model.params["rec.b"].toArray()).toEqual([11, 22, 33, 44]);

    saveSafetensors(model, path, { pytorchNames: true });
    const { tensors } = parseSafetensors(readFileSync(path));
    expect(tensors["rec.weight_ih_l0"].toArray()).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(tensors["rec.weight_hh_l0"].toArray()).toEqual([[-1], [-2], [-3], [-4]]);
    expect(tensors["rec.bias_ih_l0"].toArray()).toEqual([11, 22, 33, 44]);
    expect(tensors["rec.bias_hh_l0"].toArray()).toEqual([0, 0, 0, 0]);

    // In the column convention Wx and Wh are PyTorch's matrices themselves.
    const column = sequential([lstm({ name: "rec", inputSize: 2, hiddenSize: 1, convention: "column" })], { convention: "column" });
    loadSafetensors(column, path, { pytorchNames: true });
    expect(column.params["rec.Wx"].toArray()).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(column.params["rec.b"].toArray()).toEqual([11, 22, 33, 44]);
  });

  it("checks the whole file against the model before changing anything", () => {
    const dir = folder();
    const path = join(dir, "m.safetensors");
    const model = mlp({ sizes: [2, 3], convention: "row", dtype: "float32" });
    const before = model.params;
    writeFileSync(path, serializeSafetensors({ "layer1.weight": tensor([[1, 2], [3, 4]], { dtype: "float32" }), "layer1.bias": tensor([1, 2, 3], { dtype: "float32" }) }));
    expect(() => loadSafetensors(model, path, { pytorchNames: true })).toThrow(/'layer1.weight' has shape \[2, 2\], expected \[3, 2\] for 'layer1.W' \[2, 3\].*the model is unchanged/);
    writeFileSync(path, serializeSafetensors({ "layer1.W": tensor([[1, 2, 3], [4, 5, 6]]), "layer1.b": tensor([[1, 2, 3]]), extra: tensor([1]) }));
    expect(() => loadSafetensors(model, path)).toThrow(/'layer1.W' is F64 and the model float32.*'extra' is not a tensor of this model/);
    writeFileSync(path, serializeSafetensors({ "layer1.W": tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32" }) }));
    expect(() => loadSafetensors(model, path)).toThrow(/'layer1.b' is missing/);
    writeFileSync(path, new Uint8Array([1, 2, 3]));
    expect(() => loadSafetensors(model, path)).toThrow(/loadSafetensors: .*m.safetensors: parseSafetensors: the file is truncated/);
    expect(() => loadSafetensors(model, join(dir, "none.safetensors"))).toThrow(/loadSafetensors: cannot read .*none.safetensors/);
    expect(model.params).toBe(before);
  });

  it("a failed save leaves the old file and no temporary file", () => {
    const dir = folder();
    const path = join(dir, "m.safetensors");
    const model = mlp({ sizes: [2, 3], convention: "row", seed: 1 });
    saveSafetensors(model, path);
    const old = readFileSync(path);
    faults.failWrites = true;
    expect(() => saveSafetensors(mlp({ sizes: [2, 3], convention: "row", seed: 2 }), path)).toThrow(/saveSafetensors: could not write .*: the disk is full .*any existing file at .* is unchanged/);
    faults.failWrites = false;
    expect(readFileSync(path).equals(old)).toBe(true);
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
    expect(() => writeBytesAtomically(path, "text" as unknown as Uint8Array)).toThrow(/must be a Uint8Array/);
    expect(existsSync(path)).toBe(true);
  });
});
