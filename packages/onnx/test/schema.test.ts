import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MODULE_PATH, SCHEMA_PATH, schemaModule } from "../scripts/embed-schema";

describe("the vendored ONNX schema", () => {
  const proto = readFileSync(SCHEMA_PATH, "utf8");

  it("is onnx/onnx's onnx.proto with its Apache-2.0 header, and says where it comes from", () => {
    expect(proto).toContain("// SPDX-License-Identifier: Apache-2.0");
    expect(proto).toMatch(/^\/\/ Vendored from onnx\/onnx .*\n\/\/ [0-9a-f]{40} \(ONNX 1\.23\.0/);
    expect(proto).toContain("message ModelProto {");
    expect(readFileSync(new URL("../schema/LICENSE", import.meta.url), "utf8")).toContain("Apache License");
  });

  it("src/schema.ts is what scripts/embed-schema.ts writes from it (run the script after replacing the schema)", () => {
    expect(readFileSync(MODULE_PATH, "utf8")).toBe(schemaModule(proto));
  });
});
