import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { twoMoons } from "@tapegrad/nn";
import { loadMlp, loadModel } from "@tapegrad/nn/node";
import { renderSvg, run } from "./helpers";

const folder = mkdtempSync(join(tmpdir(), "tapegrad-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
};
const spec = (value: object) => file(`spec-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(value));

describe("tapegrad --help", () => {
  it("prints the usage, and each command's help", async () => {
    const top = await run("--help");
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/usage: tapegrad <command>/);
    for (const command of ["demo", "check", "graph", "explain", "train", "predict"]) {
      const help = await run(command, "--help");
      expect(help.code, command).toBe(0);
      expect(help.out, command).toMatch(new RegExp(`^usage: tapegrad ${command}`));
    }
  });

  it("says what is wrong with an unknown command or option, with exit code 2", async () => {
    expect(await run("fly")).toEqual({ code: 2, out: "", err: "tapegrad: unknown command 'fly'; the commands are demo, check, graph, explain, train, predict (see tapegrad --help)\n" });
    const badOption = await run("check", "x.json", "--fast");
    expect(badOption.code).toBe(2);
    expect(badOption.err).toMatch(/^tapegrad check: Unknown option '--fast'.*; see tapegrad check --help\n$/);
    expect((await run()).code).toBe(2);
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("treats '%s' as an unknown command or option value, not as a property", async (name) => {
    expect(await run(name)).toEqual({ code: 2, out: "", err: `tapegrad: unknown command '${name}'; the commands are demo, check, graph, explain, train, predict (see tapegrad --help)\n` });
    const csv = file("one.csv", "x,y\n1,a\n2,b\n3,a\n4,b\n");
    for (const option of ["--optimizer", "--activation", "--convention"]) {
      const result = await run("train", csv, "--target", "y", option, name);
      expect(result.code, option).toBe(2);
      expect(result.err, option).toMatch(new RegExp(`^tapegrad train: ${option} must be .*, got '${name.replace(/_/g, "_")}'\n$`));
    }
    expect(await run("demo", "--model", name)).toMatchObject({ code: 2, err: `tapegrad demo: --model must be mlp or cnn, got '${name}'\n` });
  });
});

describe("tapegrad check", () => {
  it.each([
    ["a sigmoid network, examples as rows", { sizes: [3, 5, 4, 1], hidden: ["tanh", "relu"], output: "sigmoid", convention: "row", seed: 1, batchSize: 6 }],
    ["a softmax network, examples as columns", { sizes: [4, 6, 3], hidden: "sigmoid", output: "softmax", loss: "softmaxCrossEntropy", convention: "column", batchSize: 5 }],
    ["a regression network in float32", { sizes: [2, 3, 2], output: "identity", dtype: "float32" }],
  ])("prints the agreement table and exits 0 for %s", async (_, value) => {
    const result = await run("check", spec(value));
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^convention\s+parameter\s+shape\s+tape vs hand-derived\s+tape vs finite differences\s+agree$/m);
    expect(result.out.match(/^(row|column)\s+layer\d\.[Wb]\s/gm)).toHaveLength(4 * (value.sizes.length - 1));
    expect(result.out).toMatch(/all gradients agree/);
  });

  it("exits 1 when the gradients disagree beyond the spec's tolerance", async () => {
    const result = await run("check", spec({ sizes: [5, 7, 3], output: "softmax", dtype: "float32", tolerance: { handDerived: 1e-12, finiteDifferences: 1e-12 } }));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/\bNO$/m);
    expect(result.out).toMatch(/gradients DISAGREE beyond tolerance/);
  });

  it.each([
    ["a missing file", () => join(folder, "absent.json"), /absent\.json: no such file/],
    ["invalid JSON", () => file("broken.json", '{"sizes": [2, 3'), /broken\.json: not valid JSON/],
    ["hidden activations that do not match the sizes", () => spec({ sizes: [2, 3, 1], hidden: ["tanh", "relu"] }), /field 'hidden' lists 2 activations, but sizes \[2,3,1\] has 1 hidden layer\(s\)/],
    ["bad sizes", () => spec({ sizes: [2] }), /field 'sizes' must list at least two layer widths/],
    ["a loss that does not match the output", () => spec({ sizes: [2, 1], output: "sigmoid", loss: "mse" }), /field 'loss' is "mse", but a sigmoid output takes binaryCrossEntropy/],
    ["an unknown field", () => spec({ sizes: [2, 1], sizez: [1] }), /field 'sizez' is not a spec field/],
    ["a softmax with one class", () => spec({ sizes: [2, 1], output: "softmax" }), /a softmax output needs at least 2 classes/],
  ])("gives a one-line error and exit code 2 for %s", async (_, path, message) => {
    const result = await run("check", path());
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.out).toBe("");
  });
});

describe("tapegrad graph", () => {
  it("draws one forward and backward pass as an SVG that renders", async () => {
    const out = join(folder, "graph.svg");
    const result = await run("graph", spec({ sizes: [4, 3, 2], output: "softmax", convention: "column" }), "--out", out);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/Wrote .*graph\.svg: \d+ forward ops, \d+ backward ops/);
    const svg = readFileSync(out, "utf8");
    for (const label of ["layer1.W", "layer2.b", "matmul", "∂/∂layer1.W", "∂/∂layer2.b"]) expect(svg).toContain(label);
    const picture = renderSvg(svg);
    expect(picture.width).toBeGreaterThan(200);
    expect(picture.dark).toBeGreaterThan(2000);
    expect(picture.colored(0xfd, 0xe6, 0x8a)).toBeGreaterThan(500); // the yellow parameter boxes
    expect(picture.colored(0xfe, 0xe2, 0xe2)).toBeGreaterThan(500); // the red backward ops
  });

  it("writes DOT when asked, and reports a bad output path", async () => {
    const out = join(folder, "graph.dot");
    expect((await run("graph", spec({ sizes: [2, 2, 1] }), "--out", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^digraph tapegrad \{/);
    const bad = await run("graph", spec({ sizes: [2, 1] }), "--out", join(folder, "no", "such", "dir", "g.svg"));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/g\.svg: cannot be written/);
  });
});

describe("tapegrad train", () => {
  const moons = twoMoons({ examples: 300, noise: 0.1, seed: 4, convention: "row" });
  const rows = (moons.inputs.toArray() as number[][]).map((x, i) => `${x[0]},${x[1]},${(moons.targets.toArray() as number[][])[i][0] ? "upper" : "lower"}`);
  const csv = file("moons.csv", ["x,y,moon", ...rows].join("\n") + "\n");

  it("trains on a CSV, reports the test accuracy and writes the weights and the chart", async () => {
    const out = join(folder, "train-out");
    const result = await run("train", csv, "--target", "moon", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/moons\.csv: 300 rows, 2 features, 2 classes \(lower, upper\); 240 for training, 60 for testing/);
    expect(result.out).toMatch(/^epoch 100\/100 /m);
    const accuracy = Number(/test accuracy: ([\d.]+)%/.exec(result.out)![1]);
    expect(accuracy).toBeGreaterThanOrEqual(95);
    expect(loadMlp(join(out, "weights.json")).architecture).toEqual({ kind: "mlp", sizes: [2, 16, 1], hidden: ["tanh"], output: "sigmoid" });
    expect(JSON.parse(readFileSync(join(out, "preprocessing.json"), "utf8")).classes).toEqual(["lower", "upper"]);
    expect(renderSvg(readFileSync(join(out, "training.svg"), "utf8")).colored(0x25, 0x63, 0xeb)).toBeGreaterThan(200);
  });

  it("trains a softmax model in the column convention for three classes", async () => {
    const three = file("three.csv", "a,b,label\n" + Array.from({ length: 60 }, (_, i) => `${(i % 3) + 0.1 * Math.sin(i)},${i % 2},c${i % 3}`).join("\n"));
    const result = await run("train", three, "--target", "label", "--convention", "column", "--epochs", "30", "--out", join(folder, "three-out"));
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/3 classes \(c0, c1, c2\)/);
    expect(result.out).toMatch(/softmax output, column convention/);
  });

  it.each([
    ["a missing file", [join(folder, "nope.csv"), "--target", "y"], /nope\.csv: no such file/],
    ["an unknown column", [csv, "--target", "label"], /moons\.csv: no column 'label'; the columns are 'x', 'y', 'moon'/],
    ["a missing --target", [csv], /--target COLUMN is required/],
    ["a bad number option", [csv, "--target", "moon", "--epochs", "ten"], /--epochs must be an integer of at least 1, got "ten"/],
  ])("gives a one-line error and exit code 2 for %s", async (_, args, message) => {
    const result = await run("train", ...(args as string[]));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err.trim().split("\n")).toHaveLength(1);
  });

  it("names the file, line and column of a cell that is not a number", async () => {
    const bad = file("bad.csv", "age,height,label\n31,1.8,a\n27,abc,b\n40,1.7,a\n");
    const result = await run("train", bad, "--target", "label");
    expect(result).toMatchObject({ code: 2, err: `${bad}, line 3, column 'height': "abc" is not a number; every feature column must hold numbers: fix the value, or leave the column out with --ignore height\n` });
    const ragged = file("ragged.csv", "a,b,label\n1,2,x\n3,y\n");
    expect((await run("train", ragged, "--target", "label")).err).toBe(`${ragged}, line 3: 2 fields, but the header has 3\n`);
  });
});

describe("tapegrad demo", () => {
  it("trains on real digits, prints the accuracy and the agreement table, and writes pictures that render", async () => {
    const out = join(folder, "demo-out");
    const result = await run("demo", "--epochs", "2", "--examples", "1500", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/1200 training and 300 test digits/);
    expect(result.out).toMatch(/^epoch 2\/2 .* test \d+\.\d%$/m);
    expect(Number(/test accuracy: ([\d.]+)%/.exec(result.out)![1])).toBeGreaterThan(70);
    expect(result.out.match(/^(row|column)\s+layer\d\.[Wb]\s.*yes$/gm)).toHaveLength(8);
    for (const name of ["training.svg", "graph.svg", "weights.json"]) expect(existsSync(join(out, name)), name).toBe(true);
    expect(renderSvg(readFileSync(join(out, "graph.svg"), "utf8")).dark).toBeGreaterThan(2000);
    const chart = renderSvg(readFileSync(join(out, "training.svg"), "utf8"));
    expect(chart.colored(0x25, 0x63, 0xeb)).toBeGreaterThan(100);
    expect(chart.colored(0xdc, 0x26, 0x26)).toBeGreaterThan(100);
    expect(loadMlp(join(out, "weights.json")).architecture).toMatchObject({ sizes: [784, 128, 10] });
  });
});

describe("tapegrad demo --model cnn", () => {
  it("trains the CNN, checks every parameter by hand and by finite differences, and writes pictures and weights that load", async () => {
    const out = join(folder, "cnn-out");
    // with the "--" that `pnpm run demo -- --model cnn` passes on
    const result = await run("demo", "--", "--model", "cnn", "--epochs", "1", "--examples", "600", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/480 training and 120 test digits as images \[N, 1, 28, 28\]; .* 1440 training images in all/);
    expect(result.out).toMatch(/^epoch 1\/1 .* test \d+\.\d%$/m);
    expect(Number(/test accuracy: ([\d.]+)%/.exec(result.out)![1])).toBeGreaterThan(30);
    for (const name of ["conv1.W", "conv1.b", "conv2.W", "conv2.b", "fc1.W", "fc1.b", "fc2.W", "fc2.b"]) {
      expect(result.out).toMatch(new RegExp(`^${name.replace(".", "\\.")}\\s+\\[[\\d, ]+\\]\\s+\\d\\.\\de[-+]\\d+\\s+\\S+ \\(\\d entries\\)\\s+yes$`, "m"));
    }
    expect(result.out).toMatch(/walks the network layer by layer, dense, flatten, pooling and convolution/);
    expect(renderSvg(readFileSync(join(out, "graph.svg"), "utf8")).dark).toBeGreaterThan(2000);
    expect(readFileSync(join(out, "graph.svg"), "utf8")).toContain("conv2dBackwardInput");
    expect(renderSvg(readFileSync(join(out, "training.svg"), "utf8")).colored(0x25, 0x63, 0xeb)).toBeGreaterThan(20); // one epoch: one point per line
    const model = loadModel(join(out, "weights.json"));
    expect(model.architecture.kind).toBe("sequential");
    expect(Object.keys(model.params)).toEqual(["conv1.W", "conv1.b", "conv2.W", "conv2.b", "fc1.W", "fc1.b", "fc2.W", "fc2.b"]);
    expect(model.dtype).toBe("float32");
  });
});

describe("the tapegrad process", () => {
  it("exits with the command's code and prints errors on stderr", () => {
    const cli = resolve(import.meta.dirname, "../src/main.ts");
    const tsx = resolve(import.meta.dirname, "../../../node_modules/.bin/tsx");
    const missing = spawnSync(tsx, ["--conditions=@tapegrad/source", cli, "check", join(folder, "missing.json")], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`${join(folder, "missing.json")}: no such file\n`);
    const disagree = spawnSync(tsx, ["--conditions=@tapegrad/source", cli, "check", spec({ sizes: [3, 2], dtype: "float32", tolerance: { handDerived: 0, finiteDifferences: 0 } })], { encoding: "utf8" });
    expect(disagree.status).toBe(1);
  });
});

describe("gradientAgreement on a large layer", () => {
  it("handles a parameter with hundreds of thousands of entries", async () => {
    const { gradientAgreement } = await import("../src");
    const { mlp } = await import("@tapegrad/nn");
    const { tensor } = await import("@tapegrad/core");
    const model = mlp({ sizes: [4096, 100, 2], output: "softmax", convention: "row", seed: 0, dtype: "float32" });
    const X = tensor(new Float32Array(2 * 4096).fill(0.1), { shape: [2, 4096] });
    const report = gradientAgreement(model, X, tensor([[1, 0], [0, 1]], { dtype: "float32" }), { conventions: "model" });
    expect(report.rows.map((r) => r.shape)).toEqual([[4096, 100], [1, 100], [100, 2], [1, 2]]);
    expect(report.ok, report.table()).toBe(true);
  });
});
