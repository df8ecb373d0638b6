import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { reshape, tensor, textTable } from "../src";

const range = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => i * scale);

describe("printing a tensor", () => {
  it("a scalar: its value with 4 decimals, dtype and shape", () => {
    expect(String(tensor(3.14159))).toBe("tensor(3.1416, dtype=float64, shape=[])");
    expect(String(tensor(2))).toBe("tensor(2, dtype=float64, shape=[])");
  });

  it("a vector: one format and width for every element", () => {
    expect(String(tensor([1, 2.5, -3]))).toBe("tensor([ 1.0000,  2.5000, -3.0000], dtype=float64, shape=[3])");
    expect(String(tensor([1, 20, 300]))).toBe("tensor([  1,  20, 300], dtype=float64, shape=[3])");
    expect(String(tensor([0.1, 0.25], { dtype: "float32" }))).toBe("tensor([0.1000, 0.2500], dtype=float32, shape=[2])");
  });

  it("a matrix: rows on lines of their own, columns aligned", () => {
    expect(tensor([[1, 2.5], [-3, 40]]).toString()).toBe(
      ["tensor([[ 1.0000,  2.5000],", "        [-3.0000, 40.0000]], dtype=float64, shape=[2, 2])"].join("\n"),
    );
  });

  it("a 3-D tensor: its matrices separated by a blank line", () => {
    expect(String(reshape(tensor(range(12)), [2, 2, 3]))).toBe(
      [
        "tensor([[[ 0,  1,  2],",
        "         [ 3,  4,  5]],",
        "",
        "        [[ 6,  7,  8],",
        "         [ 9, 10, 11]]], dtype=float64, shape=[2, 2, 3])",
      ].join("\n"),
    );
  });

  it("a tensor of more than 1,000 elements: the first and last 3 items of each axis, … for the rest", () => {
    expect(String(tensor(range(2000)))).toBe("tensor([   0,    1,    2, …, 1997, 1998, 1999], dtype=float64, shape=[2000])");
    expect(String(reshape(tensor(range(1200)), [30, 40]))).toBe(
      [
        "tensor([[   0,    1,    2, …,   37,   38,   39],",
        "        [  40,   41,   42, …,   77,   78,   79],",
        "        [  80,   81,   82, …,  117,  118,  119],",
        "        …,",
        "        [1080, 1081, 1082, …, 1117, 1118, 1119],",
        "        [1120, 1121, 1122, …, 1157, 1158, 1159],",
        "        [1160, 1161, 1162, …, 1197, 1198, 1199]], dtype=float64, shape=[30, 40])",
      ].join("\n"),
    );
    // 1,000 elements exactly are printed in full, wrapped at 80 columns.
    const lines = String(tensor(range(1000))).split("\n");
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((line) => line.length <= 80 || line.endsWith("shape=[1000])"))).toBe(true);
    expect(String(tensor(range(1000)))).not.toContain("…");
  });

  it("an int32 tensor: integers, without decimals", () => {
    expect(String(tensor([[1, -20], [300, 4]], { dtype: "int32" }))).toBe(
      ["tensor([[  1, -20],", "        [300,   4]], dtype=int32, shape=[2, 2])"].join("\n"),
    );
  });

  it("values spanning more than 3 orders of magnitude, and NaN and infinities", () => {
    expect(String(tensor([1e-5, 1, 123456]))).toBe("tensor([1.0000e-05, 1.0000e+00, 1.2346e+05], dtype=float64, shape=[3])");
    expect(String(tensor([0.5, NaN, -Infinity]))).toBe("tensor([   0.5000,       NaN, -Infinity], dtype=float64, shape=[3])");
    expect(String(tensor([]))).toBe("tensor([], dtype=float64, shape=[0])");
  });

  it("is what console.log shows in Node (util.inspect), not the internal fields", () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(inspect(x)).toBe(x.toString());
    expect(inspect(x)).not.toContain("values");
    expect(`${tensor([1, 2])}`).toBe("tensor([1, 2], dtype=float64, shape=[2])");
  });
});

describe("textTable", () => {
  it("pads each column to its widest cell, two spaces apart, under a rule of dashes", () => {
    expect(textTable(["name", "ok"], [["W1", "yes"], ["bias", "no"]])).toBe("name  ok\n----  ---\nW1    yes\nbias  no");
    expect(textTable(["a"], [])).toBe("a\n-");
  });
});
