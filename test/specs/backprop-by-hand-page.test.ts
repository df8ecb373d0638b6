import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { quotedCode, repositoryFile } from "../src/doc-examples";

// docs/backprop-by-hand.md puts each layer formula beside the reference line that computes
// it. docs-examples.test.ts checks that every quoted line appears verbatim in its file and
// runs the page's examples; this checks that every layer family is quoted, that what is
// quoted are formula lines, and that the docs stand on their own.

const root = resolve(import.meta.dirname, "../..");
const page = join(root, "docs", "backprop-by-hand.md");
const layerModules = ["convolution", "pooling", "embedding", "recurrent", "attention", "normalization"].map((name) => `test/src/${name}.ts`);

describe("docs/backprop-by-hand.md", () => {
  const quotes = quotedCode(page);

  it.each(layerModules)("quotes the reference in %s", (file) => {
    expect(quotes.filter((quote) => quote.quotedFile === file).flatMap((quote) => quote.lines).length).toBeGreaterThan(0);
  });

  it.each(layerModules)("every line quoted from %s appears in it verbatim and carries its formula in a comment", (file) => {
    const source = repositoryFile(file).split("\n");
    for (const line of quotes.filter((quote) => quote.quotedFile === file).flatMap((quote) => quote.lines)) {
      expect(source, `the quoted line ${JSON.stringify(line)}`).toContain(line);
      expect(line, "a quoted reference line").toMatch(/\/\/ *\S/);
    }
  });
});

describe("the docs are self-contained", () => {
  const guides = readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md"));

  it.each(guides)("%s cites no notes the reader does not have (no 'seed notes', no 'seeds 000–004')", (name) => {
    const text = readFileSync(join(root, "docs", name), "utf8");
    expect(text).not.toMatch(/seed notes|seeds? 00\d|the seeds'/i);
  });
});
