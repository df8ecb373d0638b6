import { basename } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { documentedFiles, extractExamples, quotedCode, repositoryFile } from "../src/doc-examples";

// Every ```ts block in the README and in docs/ runs here, with its assertions, so a
// formula or an output shown in the docs is one the tests execute.

describe.each(documentedFiles().map((path) => [path.includes("/packages/") ? path.slice(path.indexOf("packages/")) : basename(path), path]))("%s", (_, path) => {
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

const filesQuotingCode = documentedFiles().filter((path) => quotedCode(path).length > 0);

it("the docs quote source code somewhere (so the check below is not vacuous)", () => {
  expect(filesQuotingCode.length).toBeGreaterThan(0);
});

describe.each(filesQuotingCode.map((path) => [basename(path), path]))("code quoted in %s", (_, path) => {
  const quotes = quotedCode(path);
  it.each(quotes.map((quote) => [quote.line, quote.quotedFile, quote] as const))("the block at line %i appears verbatim in %s", (_, file, quote) => {
    const source = repositoryFile(file).split("\n");
    for (const line of quote.lines) expect(source, `the quoted line ${JSON.stringify(line)}`).toContain(line);
  });
});
