import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

/** One ```ts block of a Markdown file, written out as a module that can be imported. */
export interface DocExample {
  source: string;
  line: number;
  file: string;
}

const repositoryRoot = resolve(import.meta.dirname, "../..");

/** The Markdown files whose code blocks must run: the README and every guide in docs/. */
export function documentedFiles(): string[] {
  const guides = readdirSync(join(repositoryRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(repositoryRoot, "docs", name));
  return [join(repositoryRoot, "README.md"), ...guides];
}

/** Writes each ```ts block of `markdownPath` to its own module under test/.generated/. */
export function extractExamples(markdownPath: string): DocExample[] {
  const outDir = join(repositoryRoot, "test", ".generated", basename(markdownPath, ".md"));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const lines = readFileSync(markdownPath, "utf8").split("\n");
  const examples: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== "```") end++;
    const file = join(outDir, `line-${start + 1}.ts`);
    writeFileSync(file, lines.slice(start, end).join("\n") + "\n");
    examples.push({ source: markdownPath, line: start + 1, file });
    i = end;
  }
  return examples;
}
