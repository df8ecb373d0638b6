import { describe, expect, it } from "vitest";
import { add, defineOp, matmul, mul, randn, sum, tanh, tensor, type Tensor } from "../src";
import { gradcheck } from "../src/testing";

// gradcheck takes the argument trees grad takes (as JAX's check_grads): an array is the
// argument list, anything else the only argument; each tensor's row is named by its path.

const W = randn([3, 4], { seed: 1 });
const b = randn([3, 1], { seed: 2 });
const x = randn([4, 2], { seed: 3 });
const layer = (p: { W: Tensor; b: Tensor }, input: Tensor) => tanh(add(matmul(p.W, input), p.b));
const rows = (summary: string) => summary.split("\n").slice(1).map((row) => row.replace(/:.*/, ""));

describe("gradcheck with argument trees", () => {
  it("a record of named parameters is the only argument; rows are named by path", () => {
    const params = { layer1: { W, b } };
    const result = gradcheck((p: typeof params) => layer(p.layer1, x), params);
    expect(result.ok, result.summary).toBe(true);
    expect(rows(result.summary)).toEqual(["  layer1.W [3, 4]", "  layer1.b [3, 1]"]);
    expect(result.inputs.map((input) => input.path)).toEqual(["layer1.W", "layer1.b"]);
  });

  it("names a nested record's leaves from the top: params.layer1.W", () => {
    const args = { params: { layer1: { W, b } }, x };
    const result = gradcheck((a: typeof args) => layer(a.params.layer1, a.x), args, { order: 2 });
    expect(result.ok, result.summary).toBe(true);
    expect(result.inputs.map((input) => input.path)).toEqual(["params.layer1.W", "params.layer1.b", "x"]);
  });

  it("an array is the argument list: positional tensors keep their rows 'input 0', 'input 1'", () => {
    const result = gradcheck((a: Tensor, v: Tensor) => tanh(matmul(a, v)), [W, x]);
    expect(result.ok, result.summary).toBe(true);
    expect(rows(result.summary)).toEqual(["  input 0 [3, 4]", "  input 1 [4, 2]"]);
    expect(result.inputs.map((input) => input.index)).toEqual([0, 1]);
  });

  it("an argument in the list may be a tree: a record, a Map, an array (wrapped to be one argument)", () => {
    const record = gradcheck(layer, [{ W, b }, x]);
    expect(record.inputs.map((input) => input.path)).toEqual(["input 0.W", "input 0.b", "input 1"]);
    const map = gradcheck((m: Map<string, Tensor>, scale: number) => mul(m.get("W")!, scale), [new Map([["W", W]]), 3]);
    expect(map.inputs.map((input) => input.path)).toEqual(['input 0["W"]']);
    const list = gradcheck((pair: Tensor[]) => mul(pair[0], pair[1]), [[tensor([1, 2]), tensor([3, 4])]]);
    expect(list.inputs.map((input) => input.path)).toEqual(["input 0[0]", "input 0[1]"]);
    expect([record.ok, map.ok, list.ok]).toEqual([true, true, true]);
  });

  it("a wrong rule is reported on the parameter it affects, by name", () => {
    const halfGradient = defineOp({
      name: "halfGradientScale",
      inputNames: ["x"],
      forward: ([v]) => mul(v, 2),
      vjp: (g) => [g], // should be 2g
    });
    const params = { layer1: { W, b } };
    const result = gradcheck((p: typeof params) => sum(add(matmul(halfGradient(p.layer1.W), x), p.layer1.b)), params);
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/layer1\.W \[3, 4\]: .* FAILED/);
    expect(result.summary).toMatch(/layer1\.b \[3, 1\]: .* ok/);
  });

  it("passes int32 tensors in a tree through unchecked", () => {
    const labels = tensor([1, 0], { dtype: "int32" });
    const result = gradcheck((p: { W: Tensor; labels: Tensor }) => mul(p.W, 2), { W: tensor([1, 2]), labels });
    expect(result.inputs.map((input) => input.path)).toEqual(["W"]);
    expect(result.ok).toBe(true);
  });
});
