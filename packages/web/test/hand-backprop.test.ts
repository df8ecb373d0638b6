import { describe, expect, it } from "vitest";
import { tensor, transpose, type Tensor } from "@tapegrad/core";
import { manualBackprop, mlp, type Model } from "@tapegrad/nn";
import { readCustomActivation } from "../src/custom-activation";
import { handBackprop, plantableLayers, resolvePlanted } from "../src/hand-backprop";
import { handVersusTape } from "../src/inspection";
import { toyData, toyPoints } from "../src/toy-data";
import { makeModel } from "../src/session";
import { DEFAULT_SETTINGS, type PageSettings } from "../src/settings";

const values = (t: Tensor | undefined) => Array.from(t!.data);

function setUp(overrides: Partial<PageSettings>) {
  const settings: PageSettings = { ...DEFAULT_SETTINGS, hidden: [8, 8], examples: 40, ...overrides };
  const data = toyData(toyPoints(settings), settings.convention, settings.output);
  return { model: makeModel(settings, data.outputs), X: data.X, Y: data.Y, settings };
}

describe("the page's hand-derived formulas are manualBackprop's", () => {
  const cases: Partial<PageSettings>[] = [
    { convention: "column", output: "sigmoid", activation: "tanh" },
    { convention: "row", output: "sigmoid", activation: "relu" },
    { convention: "column", output: "softmax", activation: "sigmoid", dataset: "spiral", classes: 3 },
    { convention: "row", output: "identity", activation: "gelu" },
  ];
  it.each(cases)("%j, bit for bit", (overrides) => {
    const { model, X, Y } = setUp(overrides);
    const manual = manualBackprop(model, X, Y);
    const page = handBackprop(model, X, Y, { mistake: "none", layer: 0 }, undefined, "page");
    expect(page.source).toBe("page");
    expect(page.cost).toBe(manual.cost);
    for (const name of Object.keys(model.params)) expect(values(page.grads[name])).toEqual(values(manual.grads[name]));
    for (let l = 1; l <= 3; l++) {
      expect(values(page.layers[l - 1].dZ)).toEqual(values(manual.dZ[l]));
      if (l > 1) expect(values(page.layers[l - 1].dAPrev)).toEqual(values(manual.dA[l - 1]));
    }
    // Without a mistake the page hands the work to manualBackprop itself.
    expect(handBackprop(model, X, Y, { mistake: "none", layer: 0 }).source).toBe("manualBackprop");
  });
});

describe("where each mistake can be planted", () => {
  it("lists the layers whose formula has the term (L = 3)", () => {
    expect(plantableLayers("transpose", "column", 3)).toEqual([2, 3]); // dA^[l−1] = W^[l]ᵀ·dZ^[l] for l ≥ 2
    expect(plantableLayers("derivative", "row", 3)).toEqual([1, 2]); //   g′ appears in the hidden layers' dZ
    expect(plantableLayers("mean", "column", 3)).toEqual([3]); //         1/m sits in dZ^[L] only
    expect(plantableLayers("mean", "row", 3)).toEqual([1, 2, 3]); //      1/m sits in every dW and db
    expect(plantableLayers("derivative", "column", 1)).toEqual([]); //    no hidden layer, no g′
  });

  it("resolves layer 0, or a layer where the mistake cannot go, to the deepest one where it can", () => {
    expect(resolvePlanted({ mistake: "transpose", layer: 0 }, "row", 3)).toEqual({ mistake: "transpose", layer: 3 });
    expect(resolvePlanted({ mistake: "mean", layer: 1 }, "column", 3)).toEqual({ mistake: "mean", layer: 3 });
    expect(resolvePlanted({ mistake: "derivative", layer: 1 }, "row", 3)).toEqual({ mistake: "derivative", layer: 1 });
    expect(resolvePlanted({ mistake: "derivative", layer: 0 }, "row", 1)).toEqual({ mistake: "none", layer: 0 });
  });
});

describe("a planted mistake shows first in the layer the formulas predict", () => {
  // Backprop runs from the output back: a mistake in layer l's dZ or dW spoils layer l
  // first; one in dA^[l−1] (computed in layer l's step) spoils layer l − 1 first.
  const expectations: Array<[string, PageSettings["convention"], PageSettings["mistake"], number, number]> = [
    ["σ′ = σ in dZ^[2]", "column", "derivative", 2, 2],
    ["σ′ = σ in dZ^[1]", "row", "derivative", 1, 1],
    ["Wᵀ missing in dA^[1] (W^[2] is square)", "column", "transpose", 2, 1],
    ["Wᵀ missing in dA^[1], rows", "row", "transpose", 2, 1],
    ["1/m missing in dZ^[3]", "column", "mean", 3, 3],
    ["1/m missing in dW^[2], db^[2]", "row", "mean", 2, 2],
  ];
  it.each(expectations)("%s (%s): layer %s's formula → first disagreement at layer %s", (_, convention, mistake, layer, first) => {
    const { model, X, Y } = setUp({ convention });
    const result = handVersusTape(model, X, Y, { mistake, layer });
    expect(result.comparison.ok).toBe(false);
    expect(result.firstDisagreeingLayer).toBe(first);
    // The layers after it (in backward order, the deeper ones) still agree.
    for (const row of result.comparison.rows) {
      const l = Number(row.name.match(/^layer(\d+)/)![1]);
      if (l > first) expect(row.ok, row.name).toBe(true);
    }
  });

  it("1/m missing in the column convention makes dZ^[L], and so every gradient, m times too large", () => {
    const { model, X, Y } = setUp({ convention: "column" });
    const result = handVersusTape(model, X, Y, { mistake: "mean", layer: 3 });
    const m = 40;
    for (const [name, g] of Object.entries(result.tape.grads)) {
      values(result.hand.grads[name]).forEach((v, i) => expect(v).toBeCloseTo(m * g.data[i], 12));
    }
  });

  it("a missing transpose whose shapes do not fit stops the hand pass there, and the layer below it is reported", () => {
    const { model, X, Y } = setUp({ convention: "column" }); // W^[3] is [1, 8]: W^[3]·dZ^[3] is [1, 8]·[1, 40]
    const result = handVersusTape(model, X, Y, { mistake: "transpose", layer: 3 });
    expect(result.hand.failure).toMatchObject({ l: 3, quantity: "dA^[2]" });
    expect(result.hand.failure!.message).toMatch(/matmul/);
    expect(result.firstDisagreeingLayer).toBe(2);
    expect(result.maxDifference).toBe(Infinity);
  });

  it("without a mistake the hand and the tape agree to rounding in float64", () => {
    for (const convention of ["row", "column"] as const) {
      const { model, X, Y } = setUp({ convention, activation: "elu" });
      const result = handVersusTape(model, X, Y, { mistake: "none", layer: 0 });
      expect(result.comparison.ok).toBe(true);
      expect(result.maxDifference).toBeLessThan(1e-15);
    }
  });
});

describe("a custom activation in the hand-derived pass", () => {
  const columnModel = (activate: (z: Tensor) => Tensor): Model => mlp({ sizes: [2, 3, 1], hidden: activate, output: "sigmoid", convention: "column", seed: 2 });
  const X = tensor([[0.5, -1, 2, 0.1], [1, 0.3, -0.7, 2]]);
  const Y = tensor([[1, 0, 1, 0]]);

  it("uses your g′: a right one agrees with the tape, a wrong one disagrees at the hidden layer", () => {
    const right = readCustomActivation("z / (1 + abs(z))", "1 / (1 + abs(z))^2");
    const wrong = readCustomActivation("z / (1 + abs(z))", "1 / (1 + abs(z))");
    if (!("activation" in right) || !("activation" in wrong)) throw new Error("the expressions should parse");
    const good = handVersusTape(columnModel(right.activation.activate), X, Y, { mistake: "none", layer: 0 }, right.activation);
    expect(good.hand.source).toBe("page");
    expect(good.maxDifference).toBeLessThan(1e-15);
    const bad = handVersusTape(columnModel(wrong.activation.activate), X, Y, { mistake: "none", layer: 0 }, wrong.activation);
    expect(bad.firstDisagreeingLayer).toBe(1);
    expect(bad.comparison.rows.find((row) => row.name === "layer2.W")!.ok).toBe(true);
  });

  it("the row network of the same custom activation gives the transposed gradients", () => {
    const read = readCustomActivation("z > 0 ? z : 0.1 * z", "z > 0 ? 1 : 0.1");
    if (!("activation" in read)) throw new Error("should parse");
    const column = columnModel(read.activation.activate);
    const row = mlp({ sizes: [2, 3, 1], hidden: read.activation.activate, output: "sigmoid", convention: "row", params: Object.fromEntries(Object.entries(column.params).map(([k, v]) => [k, transpose(v)])) });
    const a = handBackprop(column, X, Y, { mistake: "none", layer: 0 }, read.activation);
    const b = handBackprop(row, transpose(X), transpose(Y), { mistake: "none", layer: 0 }, read.activation);
    for (const name of Object.keys(column.params)) {
      values(transpose(b.grads[name])).forEach((v, i) => expect(v).toBeCloseTo(a.grads[name].data[i], 14));
    }
  });
});
