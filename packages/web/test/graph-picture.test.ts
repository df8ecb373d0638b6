import { describe, expect, it } from "vitest";
import { explainGradients, tensor } from "@tapegrad/core";
import { mlp, type Params } from "@tapegrad/nn";
import { graphDot, grid, nodeNames } from "../src/graph-picture";
import { formatDifference, formatNumber } from "../src/format";

const model = mlp({ sizes: [2, 3, 1], hidden: "tanh", output: "sigmoid", convention: "column", seed: 0 });
const X = tensor([[0, 1, 0.5, 2], [1, 0, -1, 3]]);
const Y = tensor([[0, 1, 1, 0]]);
const explanation = explainGradients((p: Params, x, y) => model.loss(p, x, y), [model.params, X, Y], { parameters: [0], names: ["", "X", "Y"] });

describe("the picture of the graph", () => {
  it("names an mlp's pre-activations and activations as the notes do", () => {
    const names = [...nodeNames(explanation).values()];
    expect(names).toEqual(expect.arrayContaining(["Z^[1]", "A^[1]", "Z^[2]", "J"]));
  });

  it("draws the forward values and, level with them, the cotangents, with the axes unbroadcasting sums", () => {
    const dot = graphDot(explanation);
    expect(dot).toMatch(/^digraph tapegrad \{/);
    expect(dot).toContain("cluster_forward");
    expect(dot).toContain("cluster_backward");
    const forward = explanation.graph.nodes.filter((node) => node.kind === "op" || node.kind === "parameter" || node.kind === "input");
    for (const node of forward) expect(dot).toContain(`f${node.id} [id="f${node.id}"`);
    for (const name of ["layer1.W", "layer1.b", "layer2.W", "layer2.b"]) expect(dot).toContain(`∂J/∂${name}`);
    expect(dot).toContain("∂J/∂J = 1");
    // The bias adds broadcast [n, 1] over the examples: their cotangents are summed over axis 1.
    expect(dot.match(/Σ axes \[1\]/g)).toHaveLength(2);
    expect(dot).toContain("dir=back");
  });

  it("shows small tensors in full and larger ones as a heat-map with their scale", () => {
    expect(grid(tensor([[1, -2]]), 6, 24, 6)).toContain(">−2<");
    const large = grid(tensor(Array.from({ length: 30 }, (_, i) => i - 15), { shape: [3, 10] }), 6, 24, 6);
    expect(large.match(/FIXEDSIZE="TRUE"/g)).toHaveLength(30);
    expect(large).toContain("|max| 15");
    expect(grid(tensor(Array.from({ length: 40 }, () => 1), { shape: [1, 40] }), 6, 24, 6)).toContain("first 1×24 of 1×40");
  });
});

describe("numbers on the page", () => {
  it("keeps four significant digits, scientific outside 10⁻³ … 10⁴, with true minus signs", () => {
    expect(formatNumber(0.012345678)).toBe("0.01235");
    expect(formatNumber(-1234.5678)).toBe("−1235");
    expect(formatNumber(123456)).toBe("1.23e5");
    expect(formatNumber(-0.00001234)).toBe("−1.23e−5");
    expect(formatNumber(-0)).toBe("0");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatDifference(6.938893903907228e-18)).toBe("6.9e−18");
    expect(formatDifference(0)).toBe("0");
  });
});
