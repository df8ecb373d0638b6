import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { add, mean, mul, tensor, type Tensor } from "@tapegrad/core";
import {
  dense,
  graph,
  init,
  mlp,
  modelFromWeights,
  parseWeights,
  readWeights,
  sequential,
  serializeWeights,
  type Layer,
  type LayerContext,
  type LayerDescription,
  type LayerFactory,
  type Model,
  type Params,
} from "../src";
import { LAYER_KINDS } from "../src/layers";
import { loadMlp, loadModel, loadWeights, saveWeights } from "../src/node";

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

const values = (params: Params) => Object.fromEntries(Object.entries(params).map(([name, t]) => [name, Array.from(t.data)]));

/**
 * A layer kind of the test's own, with state: y = x + b, and in training a running mean of
 * its inputs, mean ← (1 − ρ)·mean + ρ·x̄ with ρ = 0.5 (the way batch norm keeps its statistics).
 */
class Shift implements Layer {
  readonly kind = "shift";
  readonly trainingDiffers = true;
  constructor(
    readonly name: string,
    readonly features: number,
  ) {}
  parameterSpecs() {
    return { [`${this.name}.b`]: { shape: [1, this.features], init: init.uniform({ low: -1, high: 1 }), fanIn: 1, fanOut: 1 } };
  }
  stateSpecs() {
    return { [`${this.name}.mean`]: { shape: [1, this.features], initial: 0 } };
  }
  apply(params: Params, x: Tensor, context?: LayerContext): Tensor {
    if (context?.training) {
      const running = context.state[`${this.name}.mean`];
      context.updateState(`${this.name}.mean`, add(mul(running, 0.5), mul(mean(x, 0, true), 0.5)));
    }
    return add(x, params[`${this.name}.b`]);
  }
  describe(): LayerDescription {
    return { kind: "shift", name: this.name, features: this.features };
  }
}
const rebuildShift: LayerFactory = (description) => new Shift(description.name, description.features as number);

const shiftModel = (seed: number) =>
  sequential([dense({ name: "hidden", inputSize: 2, units: 3, activation: "tanh", convention: "row" }), new Shift("shift", 3), dense({ name: "out", inputSize: 3, units: 1, convention: "row" })], {
    output: "sigmoid",
    seed,
  });

/** One training-mode forward pass, so that the state moves away from its initial zeros. */
const trainStateOnce = (model: Model) => {
  const updates: Params = {};
  model.loss(model.params, tensor([[1, 2], [3, -1]]), tensor([[1], [0]]), model.context(true, updates));
  model.commitState(updates);
};

describe("saving and loading weights", () => {
  it.each(["float64", "float32"] as const)("round-trips %s values exactly", (dtype) => {
    const path = join(folder, "weights.json");
    const saved = makeModel(1, dtype);
    saveWeights(saved, path);
    const loaded = makeModel(2, dtype);
    loadWeights(loaded, path);
    for (const name of Object.keys(saved.params)) expect(loaded.params[name].dtype).toBe(dtype);
    expect(values(loaded.params)).toEqual(values(saved.params));
    const rebuilt = loadMlp(path);
    expect(rebuilt.architecture).toEqual(saved.architecture);
    expect(rebuilt.convention).toBe("column");
    expect(values(rebuilt.params)).toEqual(values(saved.params));
    expect(values(loadModel(path).params)).toEqual(values(saved.params));
  });

  it("writes version 2: the format, the architecture, the parameters and the state", () => {
    const file = JSON.parse(serializeWeights(mlp({ sizes: [1, 1], convention: "row", seed: 0, params: { "layer1.W": tensor([[0.5]]), "layer1.b": tensor([[-2]]) } })));
    expect(file).toEqual({
      format: "tapegrad-weights",
      version: 2,
      convention: "row",
      dtype: "float64",
      architecture: { kind: "mlp", sizes: [1, 1], hidden: [], output: "identity" },
      parameters: { "layer1.W": { shape: [1, 1], values: [0.5] }, "layer1.b": { shape: [1, 1], values: [-2] } },
      state: {},
    });
  });

  it("still reads version 1 files (no state)", () => {
    const version1 = JSON.stringify({
      format: "tapegrad-weights",
      version: 1,
      convention: "row",
      dtype: "float64",
      architecture: { kind: "mlp", sizes: [2, 1], hidden: [], output: "sigmoid" },
      parameters: { "layer1.W": { shape: [2, 1], values: [1.5, -0.25] }, "layer1.b": { shape: [1, 1], values: [0.125] } },
    });
    const model = modelFromWeights(version1);
    expect(model.params["layer1.W"].toArray()).toEqual([[1.5], [-0.25]]);
    expect(model.predict(tensor([[0, 0]])).data[0]).toBeCloseTo(1 / (1 + Math.exp(-0.125)), 15);
    const other = mlp({ sizes: [2, 1], output: "sigmoid", convention: "row", seed: 5 });
    other.setParams(parseWeights(version1, other));
    expect(other.params["layer1.b"].toArray()).toEqual([[0.125]]);
    // A version 1 file has no "state" field, and cannot bring state to a model that has some.
    expect(() => modelFromWeights(version1.replace('"parameters"', '"state": {}, "parameters"'))).toThrow(/a version 1 weights file has an unknown field 'state'/);
    const withState = shiftModel(0);
    const v1 = JSON.parse(serializeWeights(withState));
    delete v1.state;
    v1.version = 1;
    expect(() => readWeights(JSON.stringify(v1), withState)).toThrow("weights: state entry 'shift.mean' of shape [1, 3] is missing from the file (a version 1 file holds no state)");
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
    expect(() => serializeWeights(diverged)).toThrow("serializeWeights: parameter 'layer1.b' holds NaN at index 0; refusing to save diverged weights");
    const missing = join(folder, "missing-folder", "weights.json");
    expect(() => saveWeights(makeModel(4), missing)).toThrow(`saveWeights: could not write ${missing}: the folder ${join(folder, "missing-folder")} does not exist (ENOENT`);
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(folder)).toEqual(["weights.json"]);
  });

  describe("a bad file gives an error naming the problem, and loads nothing", () => {
    const cases: Array<[string, (path: string) => void, RegExp]> = [
      ["a truncated file", (path) => writeFileSync(path, readFileSync(path, "utf8").slice(0, 200)), /not a complete weights file \(the JSON does not parse: .*\); it may be truncated/],
      ["another kind of JSON", (path) => writeFileSync(path, JSON.stringify({ hello: 1 })), /not a tapegrad weights file \(it lacks "format": "tapegrad-weights"\)/],
      ["a future version", (path) => edit(path, (f) => (f.version = 3)), /weights format version 3 is not supported \(it was written by a newer tapegrad\); this tapegrad reads versions 1 and 2/],
      ["another convention", (path) => edit(path, (f) => (f.convention = "row")), /laid out for the 'row' convention, but the model uses 'column'; build the model with convention 'row', or convert the parameters with transposeParameters/],
      ["another dtype", (path) => edit(path, (f) => (f.dtype = "float32")), /the weights are float32, but the model is float64/],
      ["a missing parameter", (path) => edit(path, (f) => delete f.parameters["layer2.b"]), /parameter 'layer2.b' of shape \[2, 1\] is missing from the file/],
      ["an extra parameter", (path) => edit(path, (f) => (f.parameters["layer3.W"] = { shape: [1], values: [0] })), /the file has a parameter 'layer3.W' that the model does not have/],
      ["a wrong shape", (path) => edit(path, (f) => (f.parameters["layer1.W"].shape = [3, 5])), /parameter 'layer1.W' has shape \[3, 5\] in the file, but the model expects \[5, 3\]/],
      ["too few values", (path) => edit(path, (f) => f.parameters["layer1.W"].values.pop()), /parameter 'layer1.W' has 14 values, but shape \[5, 3\] needs 15/],
      ["a value that is not a number", (path) => edit(path, (f) => (f.parameters["layer2.W"].values[3] = "0.5")), /parameter 'layer2.W' holds "0.5" at index 3, not a finite number/],
      ["an extra state entry", (path) => edit(path, (f) => (f.state["layer1.mean"] = { shape: [1], values: [0] })), /the file has a state entry 'layer1.mean' that the model does not have/],
      [
        "another architecture",
        (path) => edit(path, (f) => (f.architecture.hidden = ["tanh"])),
        /the file describes another architecture than the model's: architecture.hidden\[0\] is "tanh" in the file, but "relu" in the model/,
      ],
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

    it("a missing file, a folder", () => {
      expect(() => loadWeights(makeModel(), join(folder, "nope.json"))).toThrow(/^loadWeights: cannot read .*nope\.json: there is no such file \(ENOENT/);
      expect(() => loadModel(folder)).toThrow(`loadModel: cannot read ${folder}: it is a folder, not a file (EISDIR`);
    });
  });

  it("graph models save their layers and state, and reload into the same graph", () => {
    const build = (seed: number) => {
      const hidden = dense({ name: "hidden", inputSize: 2, units: 3, activation: "tanh", convention: "row" });
      const shift = new Shift("shift", 3);
      const out = dense({ name: "out", inputSize: 3, units: 1, convention: "row" });
      return graph({
        layers: [hidden, shift, out],
        forward: (p, x: Tensor, context) => out.linear(p, shift.apply(p, hidden.apply(p, x), context)),
        output: "sigmoid",
        convention: "row",
        seed,
      });
    };
    const path = join(folder, "graph.json");
    const saved = build(1);
    trainStateOnce(saved);
    saveWeights(saved, path);
    const loaded = build(2);
    loadWeights(loaded, path);
    expect(values(loaded.params)).toEqual(values(saved.params));
    expect(values(loaded.state)).toEqual(values(saved.state));
    expect(Array.from(loaded.state["shift.mean"].data).some((v) => v !== 0)).toBe(true);
    expect(() => loadMlp(path)).toThrow(/the file holds a graph model, which needs its code; build the model and use loadWeights\(model, path\)/);
    expect(() => loadModel(path)).toThrow(/the file holds a graph model, which needs its code/);
  });

  describe("sequential models are rebuilt from the file alone", () => {
    it("dense layers, through LAYER_KINDS", () => {
      const saved = sequential(
        [dense({ name: "hidden", inputSize: 2, units: 4, activation: "relu", convention: "column" }), dense({ name: "out", inputSize: 4, units: 3, convention: "column" })],
        { output: "softmax", convention: "column", seed: 3, dtype: "float32" },
      );
      const path = join(folder, "sequential.json");
      saveWeights(saved, path);
      const rebuilt = loadModel(path);
      expect(rebuilt.architecture).toEqual(saved.architecture);
      expect(rebuilt.dtype).toBe("float32");
      expect(rebuilt.convention).toBe("column");
      expect(rebuilt.layers.map((layer) => layer.name)).toEqual(["hidden", "out"]);
      const X = tensor([[0.5, -1, 2], [1, 0, -0.5]], { dtype: "float32" });
      expect(rebuilt.predict(X).toArray()).toEqual(saved.predict(X).toArray());
      expect(() => loadMlp(path)).toThrow(`${path}: the file holds a sequential model, not an mlp; load it with loadModel(path)`);
    });

    describe("a layer kind of the test's own, with state", () => {
      afterEach(() => {
        delete LAYER_KINDS.shift;
      });

      it("registered in LAYER_KINDS", () => {
        const saved = shiftModel(1);
        trainStateOnce(saved);
        const text = serializeWeights(saved);
        expect(() => modelFromWeights(text)).toThrow(/weights: layer 'shift' is of kind 'shift', which tapegrad cannot rebuild \(it knows dense, .*\); for a layer of your own, pass its factory in layerKinds/);
        LAYER_KINDS.shift = rebuildShift;
        const rebuilt = modelFromWeights(text);
        expect(rebuilt.layers[1]).toBeInstanceOf(Shift);
        expect(values(rebuilt.params)).toEqual(values(saved.params));
        expect(values(rebuilt.state)).toEqual(values(saved.state));
        expect(Array.from(rebuilt.state["shift.mean"].data).every((v) => v !== 0)).toBe(true);
        const X = tensor([[0.25, -0.5]]);
        expect(rebuilt.predict(X).toArray()).toEqual(saved.predict(X).toArray());
      });

      it("passed as layerKinds, to modelFromWeights and loadModel", () => {
        const saved = shiftModel(2);
        trainStateOnce(saved);
        const path = join(folder, "shift.json");
        saveWeights(saved, path);
        for (const rebuilt of [loadModel(path, { layerKinds: { shift: rebuildShift } }), modelFromWeights(readFileSync(path, "utf8"), { layerKinds: { shift: rebuildShift } })]) {
          expect(values(rebuilt.params)).toEqual(values(saved.params));
          expect(values(rebuilt.state)).toEqual(values(saved.state));
        }
        // Into an existing model: the state comes back too.
        const other = shiftModel(3);
        loadWeights(other, path);
        expect(values(other.state)).toEqual(values(saved.state));
      });

      it("a factory that rebuilds a different layer is caught", () => {
        const text = serializeWeights(shiftModel(1));
        const wrong: LayerFactory = (description) => new Shift(description.name, 4);
        expect(() => modelFromWeights(text, { layerKinds: { shift: wrong } })).toThrow(
          "weights: the shift layer rebuilt from the description of 'shift' describes itself differently: layer 'shift'.features is 3 in the file, but 4 in the model",
        );
        const throwing: LayerFactory = () => {
          throw new Error("no such option");
        };
        expect(() => modelFromWeights(text, { layerKinds: { shift: throwing } })).toThrow("weights: cannot rebuild shift layer 'shift' from its description: no such option");
      });
    });

    it("state values are checked like parameters", () => {
      LAYER_KINDS.shift = rebuildShift;
      try {
        const saved = shiftModel(1);
        const file = JSON.parse(serializeWeights(saved));
        file.state["shift.mean"].values[1] = "NaN";
        expect(() => modelFromWeights(JSON.stringify(file))).toThrow(`weights: state entry 'shift.mean' holds "NaN" at index 1, not a finite number`);
        file.state["shift.mean"] = { shape: [3, 1], values: [0, 0, 0] };
        expect(() => modelFromWeights(JSON.stringify(file))).toThrow("weights: state entry 'shift.mean' has shape [3, 1] in the file, but the model expects [1, 3]");
        delete file.state["shift.mean"];
        expect(() => modelFromWeights(JSON.stringify(file))).toThrow("weights: state entry 'shift.mean' of shape [1, 3] is missing from the file");
      } finally {
        delete LAYER_KINDS.shift;
      }
    });
  });

  it("loading into a model changes nothing on error, state included", () => {
    const saved = shiftModel(1);
    trainStateOnce(saved);
    const file = JSON.parse(serializeWeights(saved));
    file.parameters["out.b"].values = [Infinity];
    const path = join(folder, "bad.json");
    writeFileSync(path, JSON.stringify(file).replace("null", "1e999"));
    const model = shiftModel(2);
    const [params, state] = [model.params, model.state];
    expect(() => loadWeights(model, path)).toThrow(`${path}: parameter 'out.b' holds Infinity at index 0, not a finite number`);
    expect(model.params).toBe(params);
    expect(model.state).toBe(state);
  });

  it("a float32 model refuses values outside float32's range", () => {
    const model = mlp({ sizes: [1, 1], convention: "row", dtype: "float32", seed: 0 });
    const file = JSON.parse(serializeWeights(model));
    file.parameters["layer1.W"].values = [3.4028234663852886e38];
    expect(modelFromWeights(JSON.stringify(file)).params["layer1.W"].toArray()).toEqual([[3.4028234663852886e38]]);
    file.parameters["layer1.W"].values = [-3.5e38];
    expect(() => modelFromWeights(JSON.stringify(file))).toThrow(
      "weights: parameter 'layer1.W' holds -3.5e+38 at index 0, outside float32's range (±3.4028234663852886e+38); it would load as -Infinity",
    );
    expect(() => parseWeights(JSON.stringify(file), model)).toThrow(/outside float32's range/);
    // The same value is fine for a float64 model.
    file.dtype = "float64";
    expect(modelFromWeights(JSON.stringify(file)).params["layer1.W"].toArray()).toEqual([[-3.5e38]]);
  });
});
