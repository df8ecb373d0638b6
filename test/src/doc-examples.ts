import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

/** A ```ts block quoted from a source file, fenced as ```ts from <path>. */
export interface QuotedCode {
  source: string;
  line: number;
  /** The quoted file, relative to the repository's root. */
  quotedFile: string;
  lines: string[];
}

/** One ```ts block of a Markdown file, written out as a module that can be imported. */
export interface DocExample {
  source: string;
  line: number;
  file: string;
}

const repositoryRoot = resolve(import.meta.dirname, "../..");

/** Reports that commands write, rather than guides: they hold figures, not examples. */
const GENERATED_REPORTS = new Set(["benchmarks.md"]);

/** The Markdown files whose code blocks must run: the README and every guide in docs/. */
export function documentedFiles(): string[] {
  const guides = readdirSync(join(repositoryRoot, "docs"))
    .filter((name) => name.endsWith(".md") && !GENERATED_REPORTS.has(name))
    .map((name) => join(repositoryRoot, "docs", name));
  const packageReadmes = ["core", "nn", "cli", "onnx"].map((name) => join(repositoryRoot, "packages", name, "README.md"));
  return [join(repositoryRoot, "README.md"), ...packageReadmes, ...guides];
}

/** The folder under test/.generated/ for a Markdown file: `README`, a guide's name, or `packages-nn-README`. */
function exampleFolder(markdownPath: string): string {
  const relative = markdownPath.slice(repositoryRoot.length + 1).replace(/\.md$/, "");
  return relative.startsWith("docs/") ? basename(relative) : relative.replace(/[\\/]/g, "-");
}

/** Writes each ```ts block of `markdownPath` to its own module under test/.generated/. */
export function extractExamples(markdownPath: string): DocExample[] {
  const outDir = join(repositoryRoot, "test", ".generated", exampleFolder(markdownPath));
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

/** The blocks of `markdownPath` that quote source files: they must appear in those files verbatim. */
export function quotedCode(markdownPath: string): QuotedCode[] {
  const lines = readFileSync(markdownPath, "utf8").split("\n");
  const quotes: QuotedCode[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```ts from (\S+)$/.exec(lines[i].trim());
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && lines[end].trim() !== "```") end++;
    quotes.push({ source: markdownPath, line: i + 1, quotedFile: fence[1], lines: lines.slice(i + 1, end).filter((l) => l.trim() !== "") });
    i = end;
  }
  return quotes;
}

/** The text of a file of the repository. */
export function repositoryFile(path: string): string {
  return readFileSync(join(repositoryRoot, path), "utf8");
}
