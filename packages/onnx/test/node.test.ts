import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { add, matmul, randn, type Tensor } from "@tapegrad/core";
import { mlp } from "@tapegrad/nn";
import { toOnnx } from "@tapegrad/onnx";
import { saveOnnx } from "@tapegrad/onnx/node";
import * as ort from "onnxruntime-node";
import { expectClose, runOnnx } from "./helpers";

const folder = mkdtempSync(join(tmpdir(), "tapegrad-onnx-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("saveOnnx", () => {
  const model = mlp({ sizes: [3, 4, 2], output: "softmax", convention: "row", seed: 1 });
  const x = randn([2, 3], { seed: 2 });

  it("writes the exported model, which onnxruntime loads from the file", async () => {
    const path = join(folder, "model.onnx");
    const bytes = saveOnnx(path, model, x, { dynamicBatch: true });
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(bytes).toEqual(toOnnx(model, x, { dynamicBatch: true }));
    const session = await ort.InferenceSession.create(path);
    expect(session.inputNames).toEqual(["input"]);
    await session.release();
    expectClose((await runOnnx(new Uint8Array(readFileSync(path)), { input: x })).output, model.predict(x));
  });

  it("writes a function with its weights, and bytes already exported", () => {
    const W = randn([3, 2], { seed: 3 });
    const b = randn([1, 2], { seed: 4 });
    const bytes = saveOnnx(join(folder, "affine.onnx"), (p: { W: Tensor; b: Tensor }, t: Tensor) => add(matmul(t, p.W), p.b), [{ W, b }, x], { parameters: [0] });
    saveOnnx(join(folder, "again.onnx"), bytes);
    expect(readFileSync(join(folder, "again.onnx"))).toEqual(readFileSync(join(folder, "affine.onnx")));
  });

  it("leaves no file, partial or temporary, when it cannot write", () => {
    const path = join(folder, "missing-folder", "model.onnx");
    expect(() => saveOnnx(path, model, x)).toThrow(/^saveOnnx: .*missing-folder/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(folder).filter((f) => f.includes("tmp"))).toEqual([]);
  });

  it("refuses an empty path", () => {
    expect(() => saveOnnx("", model, x)).toThrow(/saveOnnx: the path must be a non-empty string/);
  });
});
