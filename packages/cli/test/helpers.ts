import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { afterAll, expect } from "vitest";
import { runCli } from "../src";

/**
 * A temporary folder for one test file, removed after its tests, and `file(name, text)`,
 * which writes a file into it and returns its path.
 */
export function scratchFolder(prefix: string): { folder: string; file: (name: string, text: string) => string } {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  };
  return { folder, file };
}

/** Expects a run to have failed as bad input does: exit code 2 and one line on stderr. */
export function oneLine(result: { code: number; err: string }): void {
  expect(result.code).toBe(2);
  expect(result.err.trim().split("\n")).toHaveLength(1);
}

/** Runs the CLI in-process and captures what it prints. */
export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

/** Renders an SVG to pixels with resvg and counts the pixels of each kind. */
export function renderSvg(svg: string): { width: number; height: number; dark: number; colored: (r: number, g: number, b: number) => number } {
  const image = new Resvg(svg, { background: "white" }).render();
  const pixels = image.pixels;
  let dark = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 300) dark++;
  const colored = (r: number, g: number, b: number) => {
    let count = 0;
    for (let i = 0; i < pixels.length; i += 4) if (Math.abs(pixels[i] - r) < 40 && Math.abs(pixels[i + 1] - g) < 40 && Math.abs(pixels[i + 2] - b) < 40) count++;
    return count;
  };
  return { width: image.width, height: image.height, dark, colored };
}
