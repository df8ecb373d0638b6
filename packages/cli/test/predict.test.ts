import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Random, tensor } from "@tapegrad/core";
import { mlp, twoMoons } from "@tapegrad/nn";
import { saveWeights } from "@tapegrad/nn/node";
import { parseCsv } from "../src";
import { oneLine, run, scratchFolder } from "./helpers";

const { folder, file } = scratchFolder("tapegrad-predict-");
/** The rows train holds out for testing: the first round(m · 0.2) of its seeded permutation (see tapegrad train). */
const testRows = (m: number, seed: number) => new Random(seed).permutation(m).slice(0, Math.round(m * 0.2));

const moons = twoMoons({ examples: 300, noise: 0.1, seed: 4, convention: "row" });
const points = moons.inputs.toArray() as number[][];
// twoMoons: label 0 on the top arc (cos t, sin t), label 1 on the bottom one (1 − cos t, 0.5 − sin t)
const labels = (moons.targets.toArray() as number[][]).map((t) => (t[0] === 1 ? "bottom" : "top"));
const moonLines = points.map((x, i) => ({ id: `r${i}`, x: String(x[0]), y: String(x[1]), moon: labels[i] }));
const moonsCsv = file("moons.csv", ["id,x,y,moon", ...moonLines.map((r) => `${r.id},${r.x},${r.y},${r.moon}`)].join("\n") + "\n");
const moonsOut = join(folder, "moons-out");
const trained = run("train", moonsCsv, "--target", "moon", "--ignore", "id", "--seed", "3", "--out", moonsOut);

describe("tapegrad predict, hand-checked", () => {
  it("applies a sigmoid model with its standardisation: p = σ(w·(x − mean)/std + b), the class by z > 0", async () => {
    const dir = join(folder, "hand-sigmoid");
    mkdirSync(dir);
    // z = 2·(x − 10)/4 + 0.5
    saveWeights(mlp({ sizes: [1, 1], output: "sigmoid", convention: "row", params: { "layer1.W": tensor([[2]]), "layer1.b": tensor([[0.5]]) } }), join(dir, "weights.json"));
    const preprocessing = { format: "tapegrad-preprocessing", version: 1, task: "classification", target: "ok", features: ["x"], ignored: [], mean: [10], std: [4], classes: ["no", "yes"], convention: "row" };
    writeFileSync(join(dir, "preprocessing.json"), JSON.stringify(preprocessing));
    const data = file("hand.csv", "name,x\na,10\nb,9\n\"c, d\",14\n");
    const result = await run("predict", join(dir, "weights.json"), data);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const table = parseCsv(result.out, "stdout");
    expect(table.header).toEqual(["name", "x", "prediction", "probability_no", "probability_yes"]);
    expect(table.rows.map((r) => r.fields.slice(0, 3))).toEqual([["a", "10", "yes"], ["b", "9", "no"], ["c, d", "14", "yes"]]);
    expect(result.out.split("\n")[3]).toMatch(/^"c, d",14,yes,/); // quoted again on the way out
    // x = 10: z = 0.5, σ(z) = 1/(1 + e^−0.5) = 0.6224593312018546; x = 9: z = 0, σ = 0.5 and z is not > 0,
    // so the negative class, as training's accuracy counts it; x = 14: z = 2.5, σ = 0.9241418199787566
    const expected = [0.6224593312018546, 0.5, 0.9241418199787566];
    table.rows.forEach(({ fields }, i) => {
      expect(Number(fields[4])).toBeCloseTo(expected[i], 15);
      expect(Number(fields[3])).toBeCloseTo(1 - expected[i], 15);
    });
  });

  it("applies a regression model and undoes the target's standardisation: y = (w·(x − mean)/std + b)·targetStd + targetMean", async () => {
    const dir = join(folder, "hand-regression");
    mkdirSync(dir);
    // standardised output z = 3·(x1 − 10)/2 − 1·(x2 − 0)/1 + 1; y = 5·z + 100
    saveWeights(mlp({ sizes: [2, 1], output: "identity", convention: "column", params: { "layer1.W": tensor([[3, -1]]), "layer1.b": tensor([[1]]) } }), join(dir, "weights.json"));
    const preprocessing = { format: "tapegrad-preprocessing", version: 1, task: "regression", target: "price", features: ["x1", "x2"], ignored: ["id"], mean: [10, 0], std: [2, 1], classes: [], targetMean: 100, targetStd: 5, convention: "column" };
    writeFileSync(join(dir, "prep.json"), JSON.stringify(preprocessing));
    // the columns in another order than in training, with an extra one
    const data = file("hand-regression.csv", "x2,id,x1\n0,a,12\n2,b,10\n-1,c,8\n");
    const out = join(folder, "hand-regression-predictions.csv");
    const result = await run("predict", join(dir, "weights.json"), data, "--preprocessing", join(dir, "prep.json"), "--out", out, "--id", "id");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toBe(`Wrote ${out}: 3 rows, prediction\n`); // no target column in the file: nothing to score against
    // a: z = 3 − 0 + 1 = 4 → 120; b: z = 0 − 2 + 1 = −1 → 95; c: z = −3 + 1 + 1 = −1 → 95
    expect(readFileSync(out, "utf8")).toBe("id,prediction\na,120\nb,95\nc,95\n");
  });
});

describe("tapegrad predict on a model trained by tapegrad train", () => {
  it("reproduces train's test accuracy on the held-out rows", async () => {
    const training = await trained;
    expect(training.err).toBe("");
    expect(training.code).toBe(0);
    const trainAccuracy = /test accuracy: ([\d.]+)% on 60 held-out rows/.exec(training.out)![1];
    const held = testRows(300, 3).map((i) => moonLines[i]);
    // the columns shuffled, the target kept: predict matches features by name and scores against the target
    const data = file("moons-test.csv", ["moon,y,id,x", ...held.map((r) => `${r.moon},${r.y},${r.id},${r.x}`)].join("\n") + "\n");
    const out = join(folder, "moons-predictions.csv");
    const result = await run("predict", join(moonsOut, "weights.json"), data, "--out", out);
    expect(result.err).toBe("");
    expect(result.out).toBe(`Wrote ${out}: 60 rows, prediction, probability_bottom, probability_top; accuracy ${trainAccuracy}% against column 'moon'\n`);

    const table = parseCsv(readFileSync(out, "utf8"), out);
    expect(table.header).toEqual(["moon", "y", "id", "x", "prediction", "probability_bottom", "probability_top"]);
    expect(table.rows.map((r) => r.fields[2])).toEqual(held.map((r) => r.id));
    let correct = 0;
    for (const { fields } of table.rows) {
      const [bottom, top] = [Number(fields[5]), Number(fields[6])];
      expect(bottom + top).toBeCloseTo(1, 12);
      expect(fields[4]).toBe(top > 0.5 ? "top" : "bottom");
      if (fields[4] === fields[0]) correct++;
    }
    expect(((correct / 60) * 100).toFixed(2)).toBe(trainAccuracy);
  });

  it("writes CSV to standard output without --out, and suffixes a column name already in the header", async () => {
    await trained;
    const data = file("moons-again.csv", "x,y,prediction\n0,1,old\n1,-0.5,old\n");
    const result = await run("predict", join(moonsOut, "weights.json"), data);
    expect(result.code).toBe(0);
    const table = parseCsv(result.out, "stdout");
    expect(table.header).toEqual(["x", "y", "prediction", "prediction_2", "probability_bottom", "probability_top"]);
    expect(table.rows.map((r) => r.fields[2])).toEqual(["old", "old"]);
    expect(table.rows.map((r) => r.fields[3])).toEqual(["top", "bottom"]); // (0, 1) is the top arc's middle, (1, −0.5) the bottom one's
  });

  it("predicts three classes trained in the column convention, with numeric labels as train named them", async () => {
    const lines = Array.from({ length: 90 }, (_, i) => `${(i % 3) + 0.1 * Math.sin(i)},${i % 2},${["1.0", "2", "3e0"][i % 3]}`);
    const data = file("three.csv", "a,b,label\n" + lines.join("\n") + "\n");
    const out = join(folder, "three-out");
    expect((await run("train", data, "--target", "label", "--convention", "column", "--epochs", "60", "--learning-rate", "0.05", "--out", out)).code).toBe(0);
    const result = await run("predict", join(out, "weights.json"), data, "--id", "label");
    expect(result.err).toBe("");
    const table = parseCsv(result.out, "stdout");
    expect(table.header).toEqual(["label", "prediction", "probability_1", "probability_2", "probability_3"]);
    const right = table.rows.filter(({ fields }) => fields[1] === String(Number(fields[0]))).length;
    expect(right).toBe(90);
    for (const { fields } of table.rows) {
      const p = fields.slice(2).map(Number);
      expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
      expect(fields[1]).toBe(["1", "2", "3"][p.indexOf(Math.max(...p))]);
    }
  });
});

describe("tapegrad predict refuses bad input with one line and exit code 2", () => {
  it.each([
    ["a missing weights file", () => [join(folder, "none", "weights.json"), moonsCsv], (w: string) => `${w}: no such file\n`],
    ["a missing preprocessing.json beside the weights", () => [file("lonely-weights.json", "{}"), moonsCsv], () => `${join(folder, "preprocessing.json")}: no such file; tapegrad train writes it beside weights.json, or name it with --preprocessing\n`],
  ])("%s", async (_, args, message) => {
    const argv = args();
    const result = await run("predict", ...argv);
    oneLine(result);
    expect(result.err).toBe(message(argv[0]));
  });

  it("names a feature column missing from the data, and a cell that is not a number", async () => {
    await trained;
    const weights = join(moonsOut, "weights.json");
    const noY = file("no-y.csv", "x,moon\n1,upper\n");
    const missing = await run("predict", weights, noY);
    oneLine(missing);
    expect(missing.err).toBe(`${noY}: no column 'y', a feature of the model (see ${join(moonsOut, "preprocessing.json")}); the columns are 'x', 'moon'\n`);
    const neither = file("neither.csv", "a\n1\n");
    expect((await run("predict", weights, neither)).err).toBe(`${neither}: no columns 'x', 'y', features of the model (see ${join(moonsOut, "preprocessing.json")}); the columns are 'a'\n`);
    const text = file("text.csv", "x,y\n1,2\n3,high\n");
    const bad = await run("predict", weights, text);
    oneLine(bad);
    expect(bad.err).toBe(`${text}, line 3, column 'y': "high" is not a number; the model takes it as a feature, so it must be a number\n`);
    const twice = file("twice.csv", "x,y,x\n1,2,3\n");
    expect((await run("predict", weights, twice)).err).toBe(`${twice}: column 'x' appears twice in the header (columns 1 and 3); name the columns uniquely\n`);
  });

  it("refuses bad or mismatched preprocessing and weights files, naming the file and the field", async () => {
    await trained;
    const weights = join(moonsOut, "weights.json");
    const good = JSON.parse(readFileSync(join(moonsOut, "preprocessing.json"), "utf8"));
    const cases: [string, unknown, string][] = [
      ["broken", "{", "not valid JSON"],
      ["foreign", { sizes: [2, 1] }, `not a tapegrad preprocessing file (it lacks "format": "tapegrad-preprocessing"); use the preprocessing.json that tapegrad train wrote beside weights.json`],
      ["no-std", { ...good, std: undefined }, "field 'std' must be a list of positive numbers, got nothing"],
      ["short-mean", { ...good, mean: [0] }, "field 'mean' has 1 values, but 'features' lists 2 columns"],
      ["bad-task", { ...good, task: "toString" }, `field 'task' must be "classification" or "regression", got "toString"`],
    ];
    for (const [name, value, message] of cases) {
      const path = file(`${name}.json`, typeof value === "string" ? value : JSON.stringify(value));
      const result = await run("predict", weights, moonsCsv, "--preprocessing", path);
      oneLine(result);
      expect(result.err, name).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: ${message.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    }
    const three = file("three-features.json", JSON.stringify({ ...good, features: ["x", "y", "id"], mean: [0, 0, 0], std: [1, 1, 1] }));
    expect((await run("predict", weights, moonsCsv, "--preprocessing", three)).err).toBe(
      `${weights}: the model takes 2 inputs, but ${three} lists 3 features; use the weights.json and preprocessing.json of one tapegrad train run\n`,
    );
    const regression = file("as-regression.json", JSON.stringify({ ...good, task: "regression", classes: [], targetMean: 0, targetStd: 1 }));
    expect((await run("predict", weights, moonsCsv, "--preprocessing", regression)).err).toBe(
      `${weights}: the model has a sigmoid output of 1 units, but ${regression} describes a regression; use the weights.json and preprocessing.json of one tapegrad train run\n`,
    );
    const notWeights = file("not-weights.json", '{"format": "tapegrad-weights", "version": 2');
    const truncated = await run("predict", notWeights, moonsCsv, "--preprocessing", join(moonsOut, "preprocessing.json"));
    oneLine(truncated);
    expect(truncated.err).toMatch(new RegExp(`^${notWeights.replace(/[./]/g, "\\$&")}: not a complete weights file`));
  });

  it("checks --out and --id before predicting", async () => {
    await trained;
    const weights = join(moonsOut, "weights.json");
    const blocker = file("a-file", "not a folder");
    const unwritable = await run("predict", weights, moonsCsv, "--out", join(blocker, "sub", "p.csv"));
    oneLine(unwritable);
    expect(unwritable.err).toBe(`--out ${join(blocker, "sub", "p.csv")}: cannot write there (ENOTDIR: not a directory); choose another file with --out\n`);
    expect((await run("predict", weights, moonsCsv, "--out", folder)).err).toBe(`--out ${folder}: is a folder; give a file name, e.g. --out ${join(folder, "predictions.csv")}\n`);
    const id = await run("predict", weights, moonsCsv, "--id", "constructor");
    oneLine(id);
    expect(id.err).toBe(`tapegrad predict: --id names 'constructor', which is not a column of ${moonsCsv}; the columns are 'id', 'x', 'y', 'moon'\n`);
    expect((await run("predict", weights)).err).toBe("tapegrad predict: takes 2 file arguments, got 1; see tapegrad predict --help\n");
  });
});

describe("tapegrad train and predict, run from a folder outside the repository", () => {
  it("write into that folder only", () => {
    const cwd = mkdtempSync(join(folder, "outside-"));
    writeFileSync(join(cwd, "data.csv"), "id,a,b,label\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 2},${(i * 7) % 5},${i % 2 ? "odd" : "even"}`).join("\n") + "\n");
    const cli = resolve(import.meta.dirname, "../src/main.ts");
    const tsx = resolve(import.meta.dirname, "../../../node_modules/.bin/tsx");
    const tapegrad = (...args: string[]) => spawnSync(tsx, ["--conditions=@tapegrad/source", cli, ...args], { cwd, encoding: "utf8" });
    const training = tapegrad("train", "data.csv", "--target", "label", "--ignore", "id", "--epochs", "30");
    expect(training.stderr).toBe("");
    expect(training.status).toBe(0);
    const prediction = tapegrad("predict", "tapegrad-out/weights.json", "data.csv", "--id", "id", "--out", "predictions.csv");
    expect(prediction.stderr).toBe("");
    expect(prediction.stdout).toBe("Wrote predictions.csv: 40 rows, prediction, probability_even, probability_odd; accuracy 100.00% against column 'label'\n");
    expect(readdirSync(cwd).sort()).toEqual(["data.csv", "predictions.csv", "tapegrad-out"]);
    expect(readdirSync(join(cwd, "tapegrad-out")).sort()).toEqual(["preprocessing.json", "training.svg", "weights.json"]);
    expect(existsSync(resolve(import.meta.dirname, "..", "tapegrad-out")), "not in the package").toBe(false);
  });
});
