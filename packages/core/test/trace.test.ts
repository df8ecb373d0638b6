import { describe, expect, it } from "vitest";
import { add, defineOp, matmul, mul, sigmoid, sum, tanh, tensor, toDot, traceGraph, valueAndGrad, type Tensor } from "../src";

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
    expect(dot.match(/ -> /g)).toHaveLength(graph.edges.length);
    expect(dot).toMatch(/style=dashed/);
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });

  it("shows small values and gradients when asked", () => {
    const graph = traceGraph((x: Tensor) => sum(mul(x, x)), [tensor([1, 2])], { names: ["x"], backward: true });
    expect(toDot(graph, { showValuesUpTo: 4 })).toContain('label="x\\n[2]\\n= [1, 2]\\ngrad [2, 4]"');
  });
});
