import { describe, expect, it } from "vitest";
import { grad, randn, transpose, type Tensor } from "@tapegrad/core";
import { assertAllClose } from "@tapegrad/core/testing";
import { dense, graph, mlp, spiral, toConvention, transposeParameters, type Params } from "../src";

describe("converting between conventions", () => {
  const column = mlp({ sizes: [2, 5, 4, 3], hidden: ["tanh", "relu"], output: "softmax", convention: "column", seed: 7 });
  const row = toConvention(column, "row");
  const data = spiral({ examplesPerClass: 4, classes: 3, seed: 1, convention: "column" });

  it("gives the same function: outputs are transposes and losses equal", () => {
    assertAllClose(row.predict(transpose(data.inputs)), transpose(column.predict(data.inputs)), { rtol: 1e-13 });
    const lossColumn = column.loss(column.params, data.inputs, data.targets).item();
    const lossRow = row.loss(row.params, transpose(data.inputs), transpose(data.targets)).item();
    expect(Math.abs(lossRow - lossColumn)).toBeLessThan(1e-14);
  });

  it("gives gradients that are transposes", () => {
    const [dColumn] = grad((p: Params) => column.loss(p, data.inputs, data.targets))(column.params);
    const [dRow] = grad((p: Params) => row.loss(p, transpose(data.inputs), transpose(data.targets)))(row.params);
    for (const name of Object.keys(dColumn)) assertAllClose(dRow[name], transpose(dColumn[name]), { rtol: 1e-12, atol: 1e-15 });
  });

  it("round-trips, and refuses graphs it cannot rebuild", () => {
    const back = toConvention(row, "column");
    for (const name of Object.keys(column.params)) expect(back.params[name].toArray()).toEqual(column.params[name].toArray());
    expect(Object.keys(transposeParameters({ a: randn([2, 3], { seed: 0 }) }))).toEqual(["a"]);
    expect(row.parameterShapes()["layer1.W"]).toEqual([2, 5]);
    expect(column.parameterShapes()["layer1.W"]).toEqual([5, 2]);
    const layer = dense({ name: "only", inputSize: 2, units: 1, convention: "row" });
    const custom = graph({ layers: [layer], forward: (p, x: Tensor) => layer.linear(p, x), convention: "row" });
    expect(() => toConvention(custom, "column")).toThrow(/only an mlp can be rebuilt automatically; build the graph again .* transposeParameters/);
  });
});
