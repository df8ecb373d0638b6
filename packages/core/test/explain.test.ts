import { describe, expect, it } from "vitest";
import {
  add,
  binaryCrossEntropyWithLogits,
  compareIntermediates,
  customVjp,
  defineOp,
  div,
  explainGradients,
  matmul,
  mul,
  name,
  sigmoid,
  square,
  sub,
  sum,
  tanh,
  tensor,
  type Tensor,
} from "../src";
import { gradcheck } from "../src/testing";

// x [2, 3] used twice by mul, b [3] broadcast over the rows: J = Σ (x·x + b).
const x = tensor([[1, -2, 3], [0, 1, 2]]);
const b = tensor([1, 1, 1]);
const squares = (x: Tensor, b: Tensor) => sum(add(mul(x, x), b));

describe("explainGradients", () => {
  it("lists every op in backward order with its vjp formula and the shapes of g and of the cotangents it sends", () => {
    const explanation = explainGradients(squares, [x, b], { names: ["x", "b"] });
    expect(explanation.value.item()).toBe(1 + 4 + 9 + 0 + 1 + 4 + 6 * 1); // Σ x² + b added to each of the 6 elements
    expect(explanation.steps.map((s) => [s.step, s.label, s.op, s.gShape])).toEqual([
      [1, "J", "sum", []],
      [2, "add#3", "add", [2, 3]],
      [3, "mul#2", "mul", [2, 3]],
    ]);
    expect(explanation.steps[1].vjpFormula).toBe("dx = unbroadcast(g), dy = unbroadcast(g)");
    expect(explanation.steps[2].vjpFormula).toBe("dx = unbroadcast(g·y), dy = unbroadcast(g·x)");
    expect(explanation.steps[1].inputs.map((flow) => [flow.input, flow.label, flow.cotangentShape, flow.unbroadcastAxes])).toEqual([
      ["x", "mul#2", [2, 3], []],
      ["y", "b", [3], [0]], // b [3] was broadcast over axis 0 of [2, 3]: its cotangent sums g over axis 0
    ]);
    expect(explanation.steps[2].inputs.map((flow) => flow.label)).toEqual(["x", "x"]);
  });

  it("reports fan-out: a tensor used twice gets the sum of two cotangents", () => {
    const explanation = explainGradients(squares, [x, b], { names: ["x", "b"] });
    expect(explanation.fanOut).toEqual([{ node: 0, label: "x", contributions: 2 }]);
    expect(explanation.steps.map((s) => s.contributions)).toEqual([1, 1, 1]);
    // ∂J/∂x = x + x = 2x (one x from each of mul's two inputs); ∂J/∂b = Σ over the rows of 1 = 2
    expect(explanation.cotangents.get("x")!.toArray()).toEqual([[2, -4, 6], [0, 2, 4]]);
    expect(explanation.cotangents.get("b")!.toArray()).toEqual([2, 2, 2]);
    expect([...explanation.cotangents.keys()]).toEqual(["b", "x"]); // b's only consumer (add) runs after x's (mul)
  });

  it("prints an aligned table: formulas, shapes, unbroadcast axes, the seed and the fan-out", () => {
    const table = explainGradients(squares, [x, b], { names: ["x", "b"] }).table();
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^step\s+node\s+op\s+local vjp \(g = ∂J\/∂out\)\s+g\s+cotangents out\s+summed by unbroadcasting\s+g added from$/);
    expect(lines[2]).toMatch(/^1\s+J\s+sum\s+dx = broadcast\(g\) over the summed axes\s+\[\]\s+x → add#3 \[2, 3\]\s+the seed ∂J\/∂J = 1$/);
    expect(lines[3]).toMatch(/^2\s+add#3\s+add\s+.*x → mul#2 \[2, 3\]; y → b \[3\]\s+y: axes \[0\]$/);
    expect(lines[4]).toMatch(/^3\s+mul#2\s+mul\s+.*x → x \[2, 3\]; y → x \[2, 3\]$/);
    expect(lines.at(-1)).toBe("fan-out (cotangents added): x from 2 consumers");
    // every row's cells start in the same columns
    const gColumn = lines[0].indexOf("g  ");
    expect(lines.slice(2, 5).every((line) => /\[/.test(line.slice(gColumn, gColumn + 1)))).toBe(true);
  });

  it("counts the consumers whose cotangents a tensor's g adds up", () => {
    // h feeds three ops: J = Σ h² + Σ 2h + Σ tanh(h), h = x·2
    const explanation = explainGradients((x: Tensor) => {
      const h = name(mul(x, 2), "h");
      return add(add(sum(square(h)), sum(mul(h, 2))), sum(tanh(h)));
    }, [tensor([0.5, -1])], { names: ["x"] });
    const hStep = explanation.steps.find((s) => s.label === "h")!;
    expect(hStep.op).toBe("name");
    expect(hStep.vjpFormula).toBe("dx = g");
    expect(hStep.contributions).toBe(3);
    expect(explanation.fanOut.map((f) => [f.label, f.contributions])).toEqual([["h", 3]]);
    const dot = explanation.toDot();
    expect(dot).toMatch(/v\d+ -> v\d+ \[style=dotted, label=" named"\]/); // the marker is drawn as an edge, not as an op
    expect(dot).not.toContain('[label="name", shape=ellipse');
    expect(dot).toContain("<B>h</B> [2]");
    // ∂J/∂h = 2h + 2 + (1 − tanh²h), h = [1, −2]
    const h = [1, -2];
    const expected = h.map((v) => 2 * v + 2 + (1 - Math.tanh(v) ** 2));
    (explanation.cotangents.get("h")!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  it("shows a custom op's own vjp formula, and says when a definition gives none", () => {
    const cube = defineOp({
      name: "cubeForExplain",
      inputNames: ["x"],
      formula: "out = x³",
      vjpFormula: "dx = 3·g·x²",
      forward: ([x]) => mul(x, mul(x, x)),
      vjp: (g, { inputs: [x] }) => [mul(g, mul(mul(x, x), 3))],
    });
    const plain = customVjp((x) => mul(x, 2), (g) => [mul(g, 2)], { name: "double" });
    const explanation = explainGradients((x: Tensor) => sum(plain(cube(x))), [tensor([1, 2])]);
    expect(explanation.steps.map((s) => [s.op, s.vjpFormula])).toEqual([
      ["sum", "dx = broadcast(g) over the summed axes"],
      ["double", "(no formula given)"],
      ["cubeForExplain", "dx = 3·g·x²"],
    ]);
    expect(explanation.cotangents.get("x0")!.toArray()).toEqual([6, 24]); // 2·3x²
  });

  it("gives the batch axes a batched matmul sums over for an operand it broadcast", () => {
    const a = tensor([[1, 0], [0, 1]]); //                        [2, 2], used by each of the 3 batches
    const batch = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[1, 1], [1, 1]]]); // [3, 2, 2]
    const explanation = explainGradients((a: Tensor, c: Tensor) => sum(matmul(a, c)), [a, batch], { names: ["a", "c"] });
    const step = explanation.steps.find((s) => s.op === "matmul")!;
    expect(step.inputs.map((flow) => [flow.input, flow.unbroadcastAxes])).toEqual([["a", [0]], ["b", []]]);
  });

  it("differentiates the parameters only when told which arguments they are", () => {
    const explanation = explainGradients((p: { w: Tensor }, x: Tensor) => sum(mul(p.w, x)), [{ w: tensor([1, 2]) }, tensor([3, 4])], { parameters: [0], names: ["", "X"] });
    expect(explanation.steps[1].inputs.map((flow) => [flow.label, flow.cotangentShape])).toEqual([["w", [2]], ["X", null]]);
    expect([...explanation.cotangents.keys()]).toEqual(["w"]);
    expect(explanation.table()).toMatch(/y → X \(none\)/);
  });

  it("draws every tensor with its value and gradient, small ones in full and larger ones summarised", () => {
    const explanation = explainGradients(squares, [x, b], { names: ["x", "b"] });
    const dot = explanation.toDot({ title: "J = Σ (x·x + b)", showValuesUpTo: 3 });
    expect(dot.startsWith("digraph explanation {\n")).toBe(true);
    expect(dot).toContain('label="J = Σ (x·x + b)"');
    expect(dot).toContain("<B>b</B> [3]</TD></TR><TR><TD ALIGN=\"LEFT\">data [1, 1, 1]</TD>");
    expect(dot).toContain("grad [2, 2, 2]");
    expect(dot).toContain("data min -2, max 3"); // x has 6 elements, more than 3
    expect(dot).toContain("grad min -4, max 6 (sum of 2)");
    expect(dot).toContain("grad 1 (the seed ∂J/∂J)");
    expect(dot).toContain('v1 -> o3 [label=" grad Σ over axes [0]"');
    expect(dot).toContain('o2 [label="mul"');
    expect(dot).not.toMatch(/backward|dashed/); // the forward graph only, with gradients on its nodes
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });

  it("needs a scalar function", () => {
    expect(() => explainGradients((x: Tensor) => mul(x, 2), [tensor([1, 2])])).toThrow("traceGraph: tracing the backward pass needs a scalar output, got shape [2]");
  });
});

describe("name", () => {
  it("is the identity, under a name the graph and the explanation use", () => {
    const z = tensor([1, 2]);
    expect(name(z, "Z").toArray()).toEqual([1, 2]);
    expect(gradcheck((x: Tensor) => tanh(name(x, "h")), [tensor([0.3, -0.7])], { order: 2 }).ok).toBe(true);
  });

  it("refuses an empty name and a non-tensor", () => {
    expect(() => name(tensor([1]), "")).toThrow('name: give the tensor a non-empty name, e.g. name(z, "Z1"), got ""');
    expect(() => name([1, 2] as unknown as Tensor, "Z")).toThrow(/^name: x/);
  });
});

describe("compareIntermediates", () => {
  // The two-layer network (n0 = 2, n1 = 3 tanh units, one sigmoid output, m = 4), examples as columns.
  const X = tensor([[0, 0, 1, 1], [0, 1, 0, 1]]);
  const Y = tensor([[0, 1, 1, 0]]);
  const params = { W1: tensor([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]), b1: tensor([[0], [0.1], [-0.1]]), W2: tensor([[0.7, -0.5, 0.4]]), b2: tensor([[0.05]]) };
  const loss = (p: typeof params, x: Tensor, y: Tensor) => {
    const Z1 = name(add(matmul(p.W1, x), p.b1), "Z1");
    const A1 = name(tanh(Z1), "A1");
    const Z2 = name(add(matmul(p.W2, A1), p.b2), "Z2");
    return binaryCrossEntropyWithLogits(Z2, y);
  };
  const explanation = explainGradients(loss, [params, X, Y], { parameters: [0], names: ["", "X", "Y"] });

  // The hand-derived cotangents: dZ2 = (A2 − Y)/m, dA1 = W2ᵀ·dZ2, dZ1 = dA1 ⊙ (1 − A1²).
  const A1 = tanh(add(matmul(params.W1, X), params.b1));
  const dZ2 = div(sub(sigmoid(add(matmul(params.W2, A1), params.b2)), Y), 4);
  const dA1 = matmul(params.W2, dZ2, { transposeA: true });
  const dZ1 = mul(dA1, sub(1, square(A1)));

  it("lists the named nodes and the parameters in backward order", () => {
    expect([...explanation.cotangents.keys()]).toEqual(["Z2", "b2", "A1", "W2", "Z1", "b1", "W1"]);
  });

  it("agrees with the hand-derived dZ2, dA1 and dZ1", () => {
    const report = compareIntermediates(explanation, { Z1: dZ1, Z2: dZ2, A1: dA1 }, { rtol: 1e-12 });
    expect(report.ok).toBe(true);
    expect(report.rows.map((row) => row.name)).toEqual(["Z2", "A1", "Z1"]); // backward order, whatever order they were given in
    expect(report.firstDivergence).toBeUndefined();
    expect(report.table().split("\n").at(-1)).toBe("every cotangent agrees with the tape");
  });

  it("names the first node in backward order whose cotangent diverges, with both values", () => {
    // A mistake in dA1 (twice the true value): dZ2 before it is right, dZ1 computed from it goes wrong too.
    const wrongA1 = mul(dA1, 2);
    const report = compareIntermediates(explanation, { Z2: dZ2, A1: wrongA1, Z1: mul(wrongA1, sub(1, square(A1))) });
    expect(report.ok).toBe(false);
    expect(report.rows.map((row) => [row.name, row.ok])).toEqual([["Z2", true], ["A1", false], ["Z1", false]]);
    const divergence = report.firstDivergence!;
    expect(divergence.name).toBe("A1");
    expect(divergence.tape.toArray()).toEqual(explanation.cotangents.get("A1")!.toArray());
    expect(divergence.yours).toBe(wrongA1);
    // the largest |difference| is |dA1| itself at its largest entry
    const tapeA1 = explanation.cotangents.get("A1")!.toArray() as number[][];
    const flat = tapeA1.flat().map(Math.abs);
    expect(divergence.maxAbsDifference).toBeCloseTo(Math.max(...flat), 15);
    const worst = flat.indexOf(Math.max(...flat));
    expect(divergence.at).toEqual([Math.floor(worst / 4), worst % 4]);
    const table = report.table();
    expect(table).toMatch(/^A1\s+\[3, 4\]\s+\S+\s+1\.00e\+0\s+NO$/m);
    expect(table).toContain(`first divergence in backward order: A1 (largest difference at [${divergence.at.join(", ")}]`);
    expect(table).toMatch(/\n {2}tape: {2}\[\[/);
    expect(table).toMatch(/\n {2}yours: \[\[/);
  });

  it("takes the tape's cotangents as a record too, in the order given", () => {
    const tapeSide = { dZ2: explanation.cotangents.get("Z2")!, dZ1: explanation.cotangents.get("Z1")! };
    const report = compareIntermediates(tapeSide, { dZ1: mul(dZ1, 1.5), dZ2: mul(dZ2, 1.5) });
    expect(report.firstDivergence!.name).toBe("dZ2");
  });

  it("reports names the tape does not have, and shapes that differ", () => {
    const report = compareIntermediates(explanation, { Z3: dZ1, Z1: dZ2 });
    expect(report.ok).toBe(false);
    expect(report.rows.map((row) => [row.name, row.problem])).toEqual([
      ["Z1", "your shape [1, 4], the tape's [3, 4]"],
      ["Z3", "no node named 'Z3' on the tape (the named nodes are Z2, b2, A1, W2, Z1, b1, W1)"],
    ]);
    expect(report.firstDivergence).toBeUndefined();
    expect(report.table().split("\n").at(-1)).toBe("first problem in backward order: Z1");
    expect(() => compareIntermediates(explanation, { Z1: [1, 2] as unknown as Tensor })).toThrow("compareIntermediates: yours.Z1 is 1,2; expected a Tensor");
  });
});
