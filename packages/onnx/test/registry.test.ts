import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { registeredOps } from "@tapegrad/core";
import { exportedOps } from "@tapegrad/onnx";
import { isBackwardOp, NEVER_RECORDED, OP_EXPORTS } from "../src/ops";

describe("the op table", () => {
  it("covers every built-in op: exported, a backward-pass op, or one the tape never records", () => {
    const missing = [...registeredOps().keys()].filter((name) => !Object.hasOwn(OP_EXPORTS, name) && !isBackwardOp(name) && !NEVER_RECORDED.includes(name));
    expect(missing, `built-in ops without an ONNX export: add them to OP_EXPORTS in packages/onnx/src/ops.ts`).toEqual([]);
  });

  it("exportedOps() gives each op's ONNX, and docs/onnx.md lists every one", () => {
    const docs = readFileSync(new URL("../../../docs/onnx.md", import.meta.url), "utf8");
    for (const [name, onnx] of exportedOps()) {
      expect(onnx.length, name).toBeGreaterThan(0);
      expect(docs, `docs/onnx.md has no row for ${name}`).toContain(`| \`${name}\` | ${onnx} |`);
    }
  });
});
