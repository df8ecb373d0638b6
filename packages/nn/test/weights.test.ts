import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tensor, type Tensor } from "@tapegrad/core";
import { dense, graph, loadMlp, loadWeights, mlp, saveWeights, serializeWeights } from "../src";

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tapegrad-weights-"));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const makeModel = (seed = 0, dtype: "float32" | "float64" = "float64") =>
  mlp({ sizes: [3, 5, 2], hidden: "relu", output: "softmax", convention: "column", seed, dtype });

const edit = (path: string, change: (file: any) => void) => {
  const file = JSON.parse(readFileSync(path, "utf8"));
  change(file);
  writeFileSync(path, JSON.stringify(file));
};

describe("saving and loading weights", () => {
  it.each(["float64", "float32"] as const)("round-trips %s values exactly", (dtype) => {
    const path = join(folder, "weights.json");
    const saved = makeModel(1, dtype);
    saveWeights(saved, path);
    const loaded = makeModel(2, dtype);
    loadWeights(loaded, path);
    for (const name of Object.keys(saved.params)) {
      expect(loaded.params[name].dtype).toBe(dtype);
      expect(Array.from(loaded.params[name].data)).toEqual(Array.from(saved.params[name].data));
    }
    const rebuilt = loadMlp(path);
    expect(rebuilt.architecture).toEqual(saved.architecture);
    expect(rebuilt.convention).toBe("column");
    expect(Array.from(rebuilt.params["layer2.W"].data)).toEqual(Array.from(saved.params["layer2.W"].data));
  });

  it("replaces an existing file whole, leaving no temporary file behind", () => {
    const path = join(folder, "weights.json");
    saveWeights(makeModel(1), path);
    saveWeights(makeModel(2), path);
    expect(readdirSync(folder)).toEqual(["weights.json"]);
    expect(readFileSync(path, "utf8")).toBe(serializeWeights(makeModel(2)));
  });

  it("never corrupts an existing file when saving fails", () => {
    const path = join(folder, "weights.json");
    saveWeights(makeModel(1), path);
    const before = readFileSync(path, "utf8");
    const diverged = makeModel(3);
    diverged.params = { ...diverged.params, "layer1.b": tensor([[NaN], [0], [0], [0], [0]]) };
    expect(() => saveWeights(diverged, path)).toThrow("saveWeights: parameter 'layer1.b' holds NaN at index 0; refusing to save diverged weights");
    expect(() => saveWeights(makeModel(4), join(folder, "missing-folder", "weights.json"))).toThrow(/saveWeights: could not write .*missing-folder/);
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(folder)).toEqual(["weights.json"]);
  });

  describe("a bad file gives an error naming the problem, and loads nothing", () => {
    const cases: Array<[string, (path: string) => void, RegExp]> = [
      ["a truncated file", (path) => writeFileSync(path, readFileSync(path, "utf8").slice(0, 200)), /not a complete weights file \(the JSON does not parse: .*\); it may be truncated/],
      ["another kind of JSON", (path) => writeFileSync(path, JSON.stringify({ hello: 1 })), /not a tapegrad weights file \(it lacks "format": "tapegrad-weights"\)/],
      ["a future version", (path) => edit(path, (f) => (f.version = 2)), /weights format version 2 is not supported; this tapegrad reads version 1/],
      ["another convention", (path) => edit(path, (f) => (f.convention = "row")), /laid out for the 'row' convention, but the model uses 'column'; build the model with convention 'row', or convert the parameters with transposeParameters/],
      ["another dtype", (path) => edit(path, (f) => (f.dtype = "float32")), /the weights are float32, but the model is float64/],
      ["a missing parameter", (path) => edit(path, (f) => delete f.parameters["layer2.b"]), /parameter 'layer2.b' is missing from the file/],
      ["an extra parameter", (path) => edit(path, (f) => (f.parameters["layer3.W"] = { shape: [1], values: [0] })), /the file has a parameter 'layer3.W' that the model does not have/],
      ["a wrong shape", (path) => edit(path, (f) => (f.parameters["layer1.W"].shape = [3, 5])), /parameter 'layer1.W' has shape \[3, 5\] in the file, but the model expects \[5, 3\]/],
      ["too few values", (path) => edit(path, (f) => f.parameters["layer1.W"].values.pop()), /parameter 'layer1.W' has 14 values, but shape \[5, 3\] needs 15/],
      ["a value that is not a number", (path) => edit(path, (f) => (f.parameters["layer2.W"].values[3] = "0.5")), /parameter 'layer2.W' holds "0.5" at index 3, not a finite number/],
      ["another architecture", (path) => edit(path, (f) => (f.architecture.hidden = ["tanh"])), /the file describes another architecture/],
    ];

    it.each(cases)("%s", (_, spoil, message) => {
      const path = join(folder, "weights.json");
      saveWeights(makeModel(1), path);
      spoil(path);
      const model = makeModel(2);
      const before = model.params;
      expect(() => loadWeights(model, path)).toThrow(message);
      expect(model.params).toBe(before);
    });

    it("a missing file", () => {
      expect(() => loadWeights(makeModel(), join(folder, "nope.json"))).toThrow(/loadWeights: cannot read .*nope\.json: ENOENT/);
    });
  });

  it("graph models save their layers and reload into the same graph", () => {
    const build = (seed: number) => {
      const hidden = dense({ name: "hidden", inputSize: 2, units: 3, activation: "tanh", convention: "row" });
      const out = dense({ name: "out", inputSize: 3, units: 1, convention: "row" });
      return graph({ layers: [hidden, out], forward: (p, x: Tensor) => out.linear(p, hidden.apply(p, x)), output: "sigmoid", convention: "row", seed });
    };
    const path = join(folder, "graph.json");
    const saved = build(1);
    saveWeights(saved, path);
    const loaded = build(2);
    loadWeights(loaded, path);
    expect(loaded.params["out.W"].toArray()).toEqual(saved.params["out.W"].toArray());
    expect(() => loadMlp(path)).toThrow(/the file holds a graph model, which needs its code; build the model and use loadWeights\(model, path\)/);
  });
});
