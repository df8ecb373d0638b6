import { describe, expect, it } from "vitest";
import { add, binaryCrossEntropyWithLogits, defineOp, div, matmul, mul, name, sigmoid, sum, tanh, tensor, toDot, traceGraph, valueAndGrad, where, type Tensor } from "../src";

const W = tensor([[0.5, -1], [2, 0.25], [1, 1]]);
const b = tensor([[0.1], [0.2], [0.3]]);
const X = tensor([[1, 2], [3, 4]]);
const loss = (p: { W: Tensor; b: Tensor }, x: Tensor) => sum(tanh(add(matmul(p.W, x), p.b)));

describe("traceGraph", () => {
  it("records arguments, constants and ops in execution order, with their edges", () => {
    const graph = traceGraph((x: Tensor) => mul(sigmoid(x), 2), [tensor([1, 2])], { names: ["x"] });
    expect(graph.nodes.map((n) => [n.kind, n.label, n.shape])).toEqual([
      ["input", "x", [2]],
      ["op", "sigmoid", [2]],
      ["constant", "2", []],
      ["op", "mul", [2]],
    ]);
    expect(graph.edges).toEqual([
      { from: 0, to: 1, inputIndex: 0 },
      { from: 1, to: 3, inputIndex: 0 },
      { from: 2, to: 3, inputIndex: 1 },
    ]);
    expect(graph.output).toBe(3);
  });

  it("tells parameters from inputs and names tensors inside records", () => {
    const graph = traceGraph(loss, [{ W, b }, X], { parameters: [0], names: ["p", "X"] });
    const kinds = Object.fromEntries(graph.nodes.filter((n) => n.kind === "parameter" || n.kind === "input").map((n) => [n.label, n.kind]));
    expect(kinds).toEqual({ "p.W": "parameter", "p.b": "parameter", X: "input" });
    expect(graph.nodes.filter((n) => n.kind === "op").map((n) => n.label)).toEqual(["matmul", "add", "tanh", "sum"]);
  });

  it("traces the backward pass: its ops, each node's gradient, and the parameters' gradients", () => {
    const graph = traceGraph(loss, [{ W, b }, X], { parameters: [0], names: ["", "X"], backward: true });
    const backwardOps = graph.nodes.filter((n) => n.kind === "backward-op");
    expect(backwardOps.length).toBeGreaterThan(3);
    const { grads } = valueAndGrad(loss)({ W, b }, X);
    const byName = Object.fromEntries(graph.nodes.filter((n) => n.gradientOf).map((n) => [n.gradientOf, n.value.toArray()]));
    expect(byName).toEqual({ W: grads[0].W.toArray(), b: grads[0].b.toArray() });
    const parameterW = graph.nodes.find((n) => n.label === "W")!;
    expect(parameterW.gradient!.toArray()).toEqual(grads[0].W.toArray());
    expect(graph.nodes.find((n) => n.label === "X")!.gradient).toBeUndefined(); // inputs are not differentiated
  });

  it("shows a custom op by its name, like a built-in", () => {
    const cube = defineOp({ name: "cubeForTrace", inputNames: ["x"], forward: ([x]) => mul(x, mul(x, x)), vjp: (g, { inputs: [x] }) => [mul(g, mul(mul(x, x), 3))] });
    const graph = traceGraph((x: Tensor) => sum(cube(x)), [tensor([1, 2])], { backward: true });
    expect(graph.nodes.filter((n) => n.kind === "op").map((n) => n.label)).toEqual(["cubeForTrace", "sum"]);
    expect(graph.nodes.find((n) => n.kind === "input")!.gradient!.toArray()).toEqual([3, 12]);
  });

  it("starts the backward pass at a seed node, ∂J/∂J = 1, that the first backward ops read", () => {
    // J = Σ(x·x)/2: the vjp of div reads only the seed and the constant 2; before the seed was a node, it was not connected.
    const graph = traceGraph((x: Tensor) => div(sum(mul(x, x)), 2), [tensor([1, 2])], { names: ["x"], backward: true });
    const seed = graph.nodes[graph.seed!];
    expect([seed.kind, seed.label, seed.shape, seed.value.item()]).toEqual(["seed", "∂J/∂J", [], 1]);
    const readers = graph.edges.filter((e) => e.from === graph.seed).map((e) => graph.nodes[e.to]);
    expect(readers.map((n) => [n.kind, n.label])).toEqual([["backward-op", "div"]]);
    expect(readers[0].value.item()).toBe(0.5); // ∂J/∂(Σ x·x) = 1/2
    // every backward op descends from the seed
    const reached = new Set([graph.seed!]);
    for (const e of graph.edges) if (reached.has(e.from) && graph.nodes[e.to].kind === "backward-op") reached.add(e.to);
    expect(graph.nodes.filter((n) => n.kind === "backward-op").every((n) => reached.has(n.id))).toBe(true);
    expect(graph.nodes[graph.output].gradient!.item()).toBe(1);
    expect(traceGraph((x: Tensor) => sum(x), [tensor([1])]).seed).toBeUndefined();
  });

  it("names constants by role: given names, values, and the input they feed", () => {
    const Y = tensor([[0, 1, 1, 0]]);
    const mask = tensor([1, 0, 1, 1]);
    const graph = traceGraph(
      (z: Tensor) => div(sum(where(mask, mul(binaryCrossEntropyWithLogits(z, Y, { reduction: "none" }), tensor([[0.5, 0.5, 0.5, 0.5]])), 0)), 4),
      [tensor([[0.1, -0.2, 0.3, 0.4]])],
      { names: ["Z"], constants: { mask } },
    );
    const constants = graph.nodes.filter((n) => n.kind === "constant").map((n) => n.label);
    expect(constants).toEqual(["targets", "0.5 everywhere", "mask", "0", "4"]);
    expect(() => traceGraph((z: Tensor) => sum(z), [tensor([1])], { constants: { Y: [1] as unknown as Tensor } })).toThrow(
      "traceGraph: constants.Y is 1; give a Tensor the function uses",
    );
  });

  it("shows a tensor named with name() under its name, and keeps each op's formulas", () => {
    const graph = traceGraph((x: Tensor) => sum(tanh(name(mul(x, 2), "Z1"))), [tensor([1, 2])], { names: ["x"] });
    const named = graph.nodes.find((n) => n.named)!;
    expect([named.kind, named.label, named.op!.name, named.op!.vjpFormula]).toEqual(["op", "Z1", "name", "dx = g"]);
    const tanhNode = graph.nodes.find((n) => n.label === "tanh")!;
    expect(tanhNode.op).toMatchObject({ name: "tanh", inputNames: ["x"], formula: "out = tanh x", vjpFormula: "dx = g·(1 − out²)" });
  });

  it("needs a scalar output to trace the backward pass", () => {
    expect(() => traceGraph((x: Tensor) => mul(x, 2), [tensor([1, 2])], { backward: true })).toThrow(
      "traceGraph: tracing the backward pass needs a scalar output, got shape [2]",
    );
  });
});

describe("toDot", () => {
  it("writes a node per tensor with its op or name and shape, and an edge per input", () => {
    const graph = traceGraph(loss, [{ W, b }, X], { parameters: [0], names: ["", "X"], backward: true });
    const dot = toDot(graph, { title: 'a "quoted" title' });
    expect(dot.startsWith("digraph tapegrad {\n")).toBe(true);
    expect(dot).toContain('label="a \\"quoted\\" title"');
    expect(dot).toContain('n0 [label="W\\n[3, 2]", shape=box');
    expect(dot).toContain('label="∂/∂W\\n[3, 2]"');
    expect(dot.match(/ -> /g)).toHaveLength(graph.edges.length + 1); // and J → the seed
    expect(dot).toMatch(/style=dashed/);
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });

  it("shows the values and gradients of small tensors by default, the loss as J and the seed that starts the backward pass", () => {
    const graph = traceGraph((x: Tensor) => div(sum(mul(x, x)), 2), [tensor([1, 2])], { names: ["x"], backward: true });
    const dot = toDot(graph);
    expect(dot).toContain('label="x\\n[2]\\n= [1, 2]\\ngrad [1, 2]"');
    expect(dot).toContain(`n${graph.output} [label="J = div\\n[]\\n= 2.5", shape=ellipse`);
    expect(dot).toContain(`n${graph.seed} [label="∂J/∂J = 1\\n[]", shape=box`);
    expect(dot).toContain(`n${graph.output} -> n${graph.seed} [style=dashed, color="#b91c1c", label=" seed"`);
    expect(toDot(graph, { showValuesUpTo: 0 })).not.toContain("= [1, 2]");
    const big = traceGraph((x: Tensor) => sum(x), [tensor([1, 2, 3, 4, 5])], { names: ["x"], backward: true });
    expect(toDot(big)).toContain('label="x\\n[5]"');
  });

  it("shows small values and gradients when asked", () => {
    const graph = traceGraph((x: Tensor) => sum(mul(x, x)), [tensor([1, 2])], { names: ["x"], backward: true });
    expect(toDot(graph, { showValuesUpTo: 4 })).toContain('label="x\\n[2]\\n= [1, 2]\\ngrad [2, 4]"');
  });
});
