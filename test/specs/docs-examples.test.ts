import { basename } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { documentedFiles, extractExamples } from "../src/doc-examples";

// Every ```ts block in the README and in docs/ runs here, with its assertions, so a
// formula or an output shown in the docs is one the tests execute.

describe.each(documentedFiles().map((path) => [basename(path), path]))("%s", (_, path) => {
  const examples = extractExamples(path);

  it("has runnable examples", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples.map((example) => [example.line, example]))("the example at line %i runs", async (_, example) => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      await import(example.file);
    } finally {
      log.mockRestore();
    }
  });
});
