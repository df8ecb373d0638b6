import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { dense, mlp, modelFromWeights, parseWeights, readWeights, sequential, serializeWeights, type Model } from "../src";
import { loadMlp, loadModel, loadWeights } from "../src/node";

// Weights files are input from anywhere: each of these is refused with an error that names
// the problem, quickly (nothing is built from a file before all of it is checked), without
// touching the model it was meant for, and without changing any prototype.

const model = () => mlp({ sizes: [2, 3, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 1 });
const stack = () =>
  sequential([dense({ name: "hidden", inputSize: 2, units: 3, activation: "relu", convention: "row" }), dense({ name: "out", inputSize: 3, units: 1, convention: "row" })], {
    output: "sigmoid",
    seed: 1,
  });
/** A valid file of `of`, as a plain object to spoil. */
const fileOf = (of: Model = model()) => JSON.parse(serializeWeights(of));

/** Refused by modelFromWeights and by parseWeights into a model, which keeps its parameters; returns the time taken. */
function expectRefused(text: string, message: RegExp | string, into: Model = model()): void {
  const start = performance.now();
  expect(() => modelFromWeights(text)).toThrow(message);
  const before = into.params;
  expect(() => parseWeights(text, into)).toThrow(message);
  expect(into.params).toBe(before);
  expect(performance.now() - start).toBeLessThan(1000);
}

const folder = mkdtempSync(join(tmpdir(), "tapegrad-hostile-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("files that claim more than they hold are refused before anything is built", () => {
  it("the 178-byte file that claims sizes [16000, 16000]", () => {
    const text =
      '{"format":"tapegrad-weights","version":1,"convention":"row","dtype":"float64","architecture":{"kind":"mlp","sizes":[16000,16000],"hidden":[],"output":"identity"},"parameters":{}}';
    expect(text.length).toBe(178);
    const path = join(folder, "small.json");
    writeFileSync(path, text);
    const start = performance.now();
    const rss = process.memoryUsage().rss;
    expect(() => loadMlp(path)).toThrow(`${path}: parameter 'layer1.W' of shape [16000, 16000] is missing from the file`);
    expect(() => loadModel(path)).toThrow(/is missing from the file/);
    expect(performance.now() - start).toBeLessThan(500); // building the network first took seconds and 2 GB
    expect(process.memoryUsage().rss - rss).toBeLessThan(100e6);
  });

  it("declared shapes that the values do not fill", () => {
    const file = fileOf();
    file.architecture.sizes = [16000, 16000];
    file.architecture.hidden = [];
    file.parameters = { "layer1.W": { shape: [16000, 16000], values: [0] }, "layer1.b": { shape: [1, 16000], values: [0] } };
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow("weights: parameter 'layer1.W' has 1 values, but shape [16000, 16000] needs 256000000");
    file.parameters = { "layer1.W": { shape: [2, 2], values: [1, 2, 3, 4] }, "layer1.b": { shape: [1, 2], values: [0, 0] } };
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow("weights: parameter 'layer1.W' has shape [2, 2] in the file, but the model expects [16000, 16000]");
  });

  it("a sequential model whose dense layer claims a billion units", () => {
    const file = fileOf(stack());
    file.architecture.layers[1].units = 1e9;
    file.architecture.layers[1].inputSize = 1e9;
    expectRefused(JSON.stringify(file), /parameter 'out.W' has shape \[3, 1\] in the file, but the model expects \[1000000000, 1000000000\]|the file describes another architecture/, stack());
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow("weights: parameter 'out.W' has shape [3, 1] in the file, but the model expects [1000000000, 1000000000]");
  });

  it.each([
    ["a product beyond 2⁵³", [1e6, 1e6, 1e6], "has 3 values, but shape [1000000, 1000000, 1000000] needs more than 9007199254740991"],
    ["a dimension beyond 2⁵³", [2 ** 60, 1], "has shape [1152921504606847000, 1]: dimension 0 is 1152921504606847000, not a non-negative integer"],
    ["a negative dimension", [-1, 3], "has shape [-1, 3]: dimension 0 is -1, not a non-negative integer"],
    ["a fractional dimension", [1.5, 2], "has shape [1.5, 2]: dimension 0 is 1.5, not a non-negative integer"],
    ["a dimension that is a string", ["3", 1], 'has shape ["3", 1]: dimension 0 is "3", not a non-negative integer'],
    ["a NaN-like dimension", ["NaN", 1], 'has shape ["NaN", 1]: dimension 0 is "NaN", not a non-negative integer'],
    ["a dimension that is null (how JSON writes NaN)", [null, 1], "has shape [null, 1]: dimension 0 is null, not a non-negative integer"],
    ["rank 100", new Array(100).fill(1), "has a shape of rank 100; a saved tensor has at most 8 axes"],
  ])("%s", (_, shape, message) => {
    const file = fileOf();
    file.parameters["layer1.W"] = { shape, values: [1, 2, 3] };
    expectRefused(JSON.stringify(file), `parameter 'layer1.W' ${message}`);
  });
});

describe("values", () => {
  it.each([
    ["a NaN-like string", '"NaN"', 'holds "NaN" at index 4, not a finite number'],
    ["an Infinity-like string", '"Infinity"', 'holds "Infinity" at index 4, not a finite number'],
    ["a number too large for a double (JSON.parse makes it Infinity)", "1e999", "holds Infinity at index 4, not a finite number"],
    ["minus that", "-1e999", "holds -Infinity at index 4, not a finite number"],
    ["null", "null", "holds null at index 4, not a finite number"],
    ["a boolean", "true", "holds true at index 4, not a finite number"],
    ["a list", "[1]", "holds a list of 1 at index 4, not a finite number"],
    ["deeply nested lists", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, "holds a list of 1 at index 4, not a finite number"],
    ["an object", '{"valueOf": 1}', "holds an object at index 4, not a finite number"],
  ])("%s", (_, value, message) => {
    const text = serializeWeights(model()).replace(/("layer1\.W":\{"shape":\[2,3\],"values":\[(?:[^,\]]+,){4})[^,\]]+/, `$1${value}`);
    expect(text).not.toBe(serializeWeights(model()));
    expectRefused(text, `parameter 'layer1.W' ${message}`);
  });

  it("a float32 model refuses values beyond float32's range, as it refuses Infinity", () => {
    const float32 = mlp({ sizes: [2, 3, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 1, dtype: "float32" });
    const file = fileOf(float32);
    file.parameters["layer2.b"].values = [3.4028235677973366e38]; // rounds to Infinity in float32
    expectRefused(JSON.stringify(file), "parameter 'layer2.b' holds 3.4028235677973366e+38 at index 0, outside float32's range (±3.4028234663852886e+38); it would load as Infinity", float32);
    file.parameters["layer2.b"].values = [1e-46]; // underflows to 0, which is a finite float32: kept
    expect(modelFromWeights(JSON.stringify(file)).params["layer2.b"].toArray()).toEqual([[0]]);
  });
});

describe("names read from files are own properties only", () => {
  const prototypeNames = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

  it.each(prototypeNames)("a parameter named %s", (name) => {
    const text = serializeWeights(model()).replace('"parameters":{', `"parameters":{${JSON.stringify(name)}:{"shape":[1],"values":[0]},`);
    expectRefused(text, `the file has a parameter '${name}' that the model does not have`);
    expect(({} as Record<string, unknown>).shape).toBeUndefined();
  });

  it.each(prototypeNames)("a parameter named %s with junk in it", (name) => {
    const text = serializeWeights(model()).replace('"parameters":{', `"parameters":{${JSON.stringify(name)}:{"polluted":true},`);
    expectRefused(text, `parameter '${name}' needs a "shape" and a "values" list`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(prototypeNames)("a state entry named %s", (name) => {
    const text = serializeWeights(model()).replace('"state":{', `"state":{${JSON.stringify(name)}:{"shape":[1],"values":[0]}`);
    expectRefused(text, `the file has a state entry '${name}' that the model does not have`);
  });

  it.each(prototypeNames)("an output kind %s", (name) => {
    const file = fileOf();
    file.architecture.output = name;
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow(`weights: the architecture: unknown output kind ${JSON.stringify(name)}`);
    expect(() => parseWeights(JSON.stringify(file), model())).toThrow(`the file describes another architecture than the model's: architecture.output is ${JSON.stringify(name)} in the file, but "sigmoid" in the model`);
  });

  it.each(prototypeNames)("an mlp's activation %s", (name) => {
    const file = fileOf();
    file.architecture.hidden = [name];
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow(`weights: the mlp's hidden layer 1: unknown activation ${JSON.stringify(name)}`);
  });

  it.each(prototypeNames)("a dense layer's activation %s", (name) => {
    const file = fileOf(stack());
    file.architecture.layers[0].activation = name;
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow(new RegExp(`weights: cannot rebuild dense layer 'hidden' from its description: .*unknown activation ${JSON.stringify(name)}`));
  });

  it.each(prototypeNames)("a layer kind %s", (name) => {
    const file = fileOf(stack());
    file.architecture.layers[0].kind = name;
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow(`weights: layer 'hidden' is of kind '${name}', which tapegrad cannot rebuild (it knows dense,`);
  });

  it.each(prototypeNames)("an architecture kind %s", (name) => {
    const file = fileOf();
    file.architecture.kind = name;
    expectRefused(JSON.stringify(file), `weights: the architecture has kind ${JSON.stringify(name)}; a weights file holds an 'mlp', a 'sequential' or a 'graph' model`);
  });

  it("layer kinds of your own are looked up as own properties too", () => {
    const file = fileOf(stack());
    file.architecture.layers[0].kind = "toString";
    expect(() => modelFromWeights(JSON.stringify(file), { layerKinds: {} })).toThrow(/layer 'hidden' is of kind 'toString', which tapegrad cannot rebuild/);
  });

  it("a top-level __proto__ sets no prototype", () => {
    const text = serializeWeights(model()).replace("{", '{"__proto__":{"polluted":true,"convention":"column"},');
    expectRefused(text, `weights: a version 2 weights file has an unknown field '__proto__'`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a function of your own, recorded by name, cannot be rebuilt", () => {
    const file = fileOf();
    file.architecture.hidden = ["custom:swish"];
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow(/the activation 'custom:swish' was a function of your own, which its name cannot rebuild; build the model in code/);
  });
});

describe("keys", () => {
  it("a key twice in one object", () => {
    const text = serializeWeights(model());
    const twice = text.replace('"parameters":{', '"parameters":{"layer1.b":{"shape":[1,3],"values":[9,9,9]},');
    expectRefused(twice, 'weights: the key "layer1.b" appears twice in one object; a weights file names each entry once, so it is ambiguous');
    expectRefused(text.replace('"version":2,', '"version":2,"version":1,'), 'the key "version" appears twice in one object');
  });

  it("a key written twice, once with escapes", () => {
    const text = serializeWeights(model()).replace('"parameters":{', '"parameters":{"layer1\\u002eb":{"shape":[1,3],"values":[9,9,9]},');
    expectRefused(text, 'the key "layer1.b" appears twice in one object');
  });

  it("the same key in different objects is fine", () => {
    // "shape" and "values" appear once per entry: not duplicates.
    expect(() => modelFromWeights(serializeWeights(model()))).not.toThrow();
  });

  it.each([
    ["a trailing space", "layer1.b "],
    ["a Cyrillic а", "lаyer1.b"],
    ["a zero-width space", "layer1\u200b.b"],
    ["another case", "Layer1.b"],
  ])("a key that only looks like another: %s", (_, name) => {
    const text = serializeWeights(model()).replace('"layer1.b"', JSON.stringify(name));
    expectRefused(text, `parameter 'layer1.b' of shape [1, 3] is missing from the file`);
  });

  it("an unknown field in an entry", () => {
    const file = fileOf();
    file.parameters["layer1.b"].dtype = "float16";
    expectRefused(JSON.stringify(file), `parameter 'layer1.b' has an unknown field 'dtype' (it has "shape", "values")`);
  });
});

describe("structure", () => {
  it("deeply nested junk in a layer's description", () => {
    const text = serializeWeights(stack()).replace('"kind":"dense",', `"kind":"dense","options":${"[".repeat(100_000)}${"]".repeat(100_000)},`);
    expectRefused(text, "weights: the architecture nests lists and objects deeper than 16 levels", stack());
  });

  it("deeply nested junk as the parameters, or in an unknown field", () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    expectRefused(serializeWeights(model()).replace(/"parameters":\{.*\},"state"/, `"parameters":{"layer1.W":${deep}},"state"`), `parameter 'layer1.W' needs a "shape" and a "values" list`);
    expectRefused(serializeWeights(model()).replace("{", `{"junk":${deep},`), "has an unknown field 'junk'");
  });

  it.each([
    ["no state in a version 2 file", (f: any) => delete f.state, 'weights: the file has no "state" field'],
    ["no parameters", (f: any) => delete f.parameters, 'weights: the file has no "parameters" field'],
    ["parameters that are a list", (f: any) => (f.parameters = []), `weights: the file's "parameters" must be an object of parameters by name, got a list of 0`],
    ["an unknown convention", (f: any) => (f.convention = "diagonal"), `weights: the file's convention must be 'row' or 'column', got "diagonal"`],
    ["an int32 dtype", (f: any) => (f.dtype = "int32"), `weights: the file's dtype must be 'float64' or 'float32', got "int32"`],
    ["a version that is a string", (f: any) => (f.version = "2"), 'weights: weights format version "2" is not supported; this tapegrad reads versions 1 and 2'],
    ["a version 0", (f: any) => (f.version = 0), "weights: weights format version 0 is not supported; this tapegrad reads versions 1 and 2"],
    ["an architecture that is a string", (f: any) => (f.architecture = "mlp"), 'weights: the architecture must be an object with a "kind", got "mlp"'],
    ["sizes with a zero", (f: any) => (f.architecture.sizes = [2, 0, 1]), "weights: the architecture: an mlp's sizes must be positive integers, but sizes[1] is 0"],
    ["sizes of one entry", (f: any) => (f.architecture.sizes = [2]), "weights: the architecture: an mlp's sizes must list 2 to 10001 widths [n0, …, nL], got 1 entries"],
    ["too few activations", (f: any) => (f.architecture.hidden = []), "weights: the architecture: an mlp with sizes of length 3 needs 1 hidden activation name(s)"],
    ["a layer without a name", (f: any) => (f.architecture = { kind: "sequential", layers: [{ kind: "dense" }], output: "sigmoid" }), 'weights: the architecture: layer 0 must be a description with a "kind" and a "name" (strings), got an object'],
    ["no layers", (f: any) => (f.architecture = { kind: "sequential", layers: [], output: "sigmoid" }), "weights: the architecture: a sequential model has at least one layer"],
  ])("%s", (_, spoil, message) => {
    const file = fileOf();
    spoil(file);
    expectRefused(JSON.stringify(file), message);
  });

  it("a parameter list that does not match the file's own architecture", () => {
    const file = fileOf();
    file.architecture.sizes = [2, 4, 1];
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow("weights: parameter 'layer1.W' has shape [2, 3] in the file, but the model expects [2, 4]");
  });
});

describe("not weights files at all", () => {
  const valid = serializeWeights(model());

  it.each([
    ["an empty file", "", "weights: the file is empty, not a weights file"],
    ["only whitespace", " \n\t ", "weights: the file is empty, not a weights file"],
    ["binary data", "\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR", "weights: not a weights file: it holds binary data, not JSON text"],
    ["bytes that are not UTF-8 (read as U+FFFD)", "\ufffd\ufffd\u0000", "weights: not a weights file: it holds binary data, not JSON text"],
    ["a gzip of a weights file", gzipSync(valid).toString("latin1"), "weights: not a weights file: it holds binary data, not JSON text"],
    ["CSV", "x,y\n1,2\n", /weights: not a tapegrad weights file \(it is not a JSON object: /],
    ["a JSON list", "[1, 2]", 'weights: not a tapegrad weights file (it lacks "format": "tapegrad-weights")'],
    ["JSON null", "null", 'weights: not a tapegrad weights file (it lacks "format": "tapegrad-weights")'],
    ["a JSON number", "42", 'weights: not a tapegrad weights file (it lacks "format": "tapegrad-weights")'],
    ["another format", '{"format": "keras"}', 'weights: not a tapegrad weights file (it lacks "format": "tapegrad-weights")'],
  ])("%s", (_, text, message) => {
    expectRefused(text, message);
  });

  it("a file truncated anywhere", () => {
    for (let cut = 1; cut < valid.length; cut += Math.ceil(valid.length / 40)) {
      expectRefused(valid.slice(0, cut), /weights: not a complete weights file \(the JSON does not parse: .*\); it may be truncated/);
    }
    expectRefused(valid.slice(0, -1), /it may be truncated/);
  });

  it("a file cut inside a character that is not ASCII is truncated, not binary", () => {
    const named = serializeWeights(model()).replace('"layer1.b"', '"layer1.β"');
    const bytes = Buffer.from(named, "utf8");
    const cut = bytes.indexOf(Buffer.from("β")) + 1; // between the two bytes of β
    expectRefused(bytes.subarray(0, cut).toString("utf8"), /not a complete weights file .*it may be truncated/);
  });

  it("a byte-order mark is fine", () => {
    expect(() => modelFromWeights(`\ufeff${valid}`)).not.toThrow();
  });

  it("the same refusals through the files the node entry reads, which name the path", () => {
    const path = join(folder, "truncated.json");
    writeFileSync(path, valid.slice(0, 50));
    const target = model();
    expect(() => loadWeights(target, path)).toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not a complete weights file`));
    expect(() => readWeights(valid.slice(0, 50), target, "upload.json")).toThrow(/^upload\.json: not a complete weights file/);
  });
});
