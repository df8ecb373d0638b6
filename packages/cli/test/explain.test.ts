import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderSvg, run } from "./helpers";

const folder = mkdtempSync(join(tmpdir(), "tapegrad-explain-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const spec = (name: string, value: object) => {
  const path = join(folder, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe("tapegrad explain", () => {
  it("prints the backward pass step by step and draws every value and gradient", async () => {
    const out = join(folder, "explained.svg");
    const result = await run("explain", spec("net.json", { sizes: [2, 3, 1], hidden: "tanh", output: "sigmoid", convention: "column" }), "--out", out);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const lines = result.out.split("\n");
    expect(lines[0]).toMatch(/^.*net\.json: sizes \[2,3,1\], hidden tanh, sigmoid output, column convention, batch of 4; J = \d\.\d+$/);
    const table = lines.slice(2);
    expect(table[0]).toMatch(/^step\s+node\s+op\s+local vjp \(g = ∂J\/∂out\)\s+g\s+cotangents out\s+summed by unbroadcasting\s+g added from$/);
    // from the loss back: J = sum/m, the loss op, then Z2 = W2·A1 + b2 (b2 broadcast over the 4 examples), A1, tanh, Z1
    const steps = table.slice(2).filter((line) => /^\d+\s/.test(line));
    expect(steps[0]).toMatch(/^1\s+J\s+div\s+.*the seed ∂J\/∂J = 1$/);
    const names = steps.map((line) => line.split(/\s{2,}/)[1]);
    expect(names.filter((n) => /^[ZA]\d$/.test(n))).toEqual(["Z2", "A1", "Z1"]);
    expect(result.out).toMatch(/^\d+\s+add#\d+\s+add\s+dx = unbroadcast\(g\), dy = unbroadcast\(g\)\s+\[1, 4\]\s+x → matmul#\d+ \[1, 4\]; y → layer2\.b \[1, 1\]\s+y: axes \[1\]$/m);
    expect(result.out).toMatch(/^\d+\s+tanh#\d+\s+tanh\s+dx = g·\(1 − out²\)\s+\[3, 4\]\s+x → Z1 \[3, 4\]$/m);
    expect(result.out).toMatch(/b → X \(none\)/); // the inputs are not differentiated
    expect(result.out).toMatch(/Wrote .*explained\.svg: \d+ backward steps\n$/);

    const svg = readFileSync(out, "utf8");
    for (const label of ["layer1.W", "Z1", "A1", "data", "grad", "the seed ∂J/∂J", "Σ over axes [1]"]) expect(svg, label).toContain(label);
    const picture = renderSvg(svg);
    expect(picture.dark).toBeGreaterThan(2000);
    expect(picture.colored(0xfd, 0xe6, 0x8a)).toBeGreaterThan(500); // the yellow parameter boxes
  });

  it("takes the batch size, says there is no fan-out in an mlp, and writes DOT when asked", async () => {
    const out = join(folder, "explained.dot");
    const result = await run("explain", spec("softmax.json", { sizes: [3, 4, 3], output: "softmax", convention: "row" }), "--out", out, "--batch", "2");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/batch of 2;/);
    expect(readFileSync(out, "utf8")).toMatch(/^digraph explanation \{/);
    // in an mlp every tensor feeds one op of the forward pass: no cotangents are added
    expect(result.out).toContain("no fan-out: every tensor feeds one op");
  });

  it("prints its help, and reports bad input with exit code 2", async () => {
    const help = await run("explain", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: tapegrad explain <spec\.json>/);
    expect(help.out).toContain("∂J/∂T");
    expect(await run("explain")).toMatchObject({ code: 2, err: "tapegrad explain: takes 1 file argument, got 0; see tapegrad explain --help\n" });
    const missing = await run("explain", join(folder, "nothing.json"));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nothing\.json: no such file/);
    const bad = await run("explain", spec("bad.json", { sizes: [2, 1] }), "--out", join(folder, "no", "such", "dir", "e.svg"));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/e\.svg: cannot be written/);
  });
});
