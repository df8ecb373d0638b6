import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Random } from "@tapegrad/core";
import { loadMlp } from "@tapegrad/nn/node";
import { parseCsv } from "../src";
import { oneLine, renderSvg, run, scratchFolder } from "./helpers";

const { folder, file } = scratchFolder("tapegrad-regression-");

// y = 2x + 1 on 50 points of [−3, 3), with an identifier column
const xs = Array.from({ length: 50 }, (_, i) => -3 + (6 * ((i * 37) % 50)) / 50);
const line = file("line.csv", "id,x,y\n" + xs.map((x, i) => `p${i},${x},${2 * x + 1}`).join("\n") + "\n");

describe("tapegrad train --task regression", () => {
  it("learns y = 2x + 1 with a linear model: slope 2 and intercept 1 to 1e-6 once the standardisation is undone", async () => {
    const out = join(folder, "linear");
    const result = await run("train", line, "--target", "y", "--task", "regression", "--ignore", "id", "--hidden", "none", "--epochs", "200", "--learning-rate", "0.05", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^.*line\.csv: 50 rows, 1 features \(ignoring 'id'\), regression on 'y' \(mean [-\d.]+, standard deviation [\d.]+ over the training rows\); 40 for training, 10 for testing$/m);
    expect(result.out).toMatch(/Training an MLP 1-1 \(no hidden layer, identity output, row convention\)/);
    expect(result.out).toMatch(/^epoch 200\/200 .* test RMSE [\d.e-]+$/m);
    const [, rmse, r2] = /test RMSE: ([\d.e-]+), R² ([\d.]+) on 10 held-out rows/.exec(result.out)!;
    expect(Number(rmse)).toBeLessThan(1e-5);
    expect(r2).toBe("1.0000");

    const preprocessing = JSON.parse(readFileSync(join(out, "preprocessing.json"), "utf8"));
    expect(preprocessing).toMatchObject({ task: "regression", target: "y", features: ["x"], ignored: ["id"], classes: [], convention: "row" });
    // the training rows' statistics: y = 2x + 1, so mean(y) = 2·mean(x) + 1 and std(y) = 2·std(x)
    expect(preprocessing.targetMean).toBeCloseTo(2 * preprocessing.mean[0] + 1, 12);
    expect(preprocessing.targetStd).toBeCloseTo(2 * preprocessing.std[0], 12);
    // the model predicts (y − μy)/σy = w·(x − μx)/σx + b, so y = (w·σy/σx)·x + (b·σy + μy − w·σy·μx/σx)
    const model = loadMlp(join(out, "weights.json"));
    const w = model.params["layer1.W"].item();
    const b = model.params["layer1.b"].item();
    const slope = (w * preprocessing.targetStd) / preprocessing.std[0];
    const intercept = b * preprocessing.targetStd + preprocessing.targetMean - slope * preprocessing.mean[0];
    expect(Math.abs(slope - 2)).toBeLessThan(1e-6);
    expect(Math.abs(intercept - 1)).toBeLessThan(1e-6);

    // predict, far outside the training range: y(10) = 21, y(−100) = −199
    const far = file("far.csv", "x\n10\n-100\n");
    const predicted = await run("predict", join(out, "weights.json"), far);
    expect(predicted.err).toBe("");
    const values = parseCsv(predicted.out, "stdout").rows.map((r) => Number(r.fields[1]));
    expect(Math.abs(values[0] - 21)).toBeLessThan(1e-5);
    expect(Math.abs(values[1] + 199)).toBeLessThan(1e-4);
  });

  it("learns a curve with a hidden layer, and predict reproduces train's test RMSE and R²", async () => {
    // y = x² − 3 on [−2, 2], 120 rows, in the column convention
    const rows = Array.from({ length: 120 }, (_, i) => -2 + (4 * ((i * 53) % 120)) / 120);
    const curve = file("curve.csv", "x,y\n" + rows.map((x) => `${x},${x * x - 3}`).join("\n") + "\n");
    const out = join(folder, "curve");
    const result = await run("train", curve, "--target", "y", "--task", "regression", "--hidden", "16", "--epochs", "150", "--learning-rate", "0.02", "--convention", "column", "--seed", "2", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const [, rmse, r2] = /test RMSE: ([\d.e-]+), R² ([\d.]+) on 24 held-out rows/.exec(result.out)!;
    expect(Number(r2)).toBeGreaterThan(0.99);
    expect(Number(rmse)).toBeLessThan(0.1);
    expect(renderSvg(readFileSync(join(out, "training.svg"), "utf8")).colored(0x25, 0x63, 0xeb)).toBeGreaterThan(100); // the loss curve; no accuracy panel

    // the held-out rows, as train drew them: the first round(0.2 m) of its seeded permutation
    const held = new Random(2).permutation(120).slice(0, 24).map((i) => rows[i]);
    const test = file("curve-test.csv", "y,x\n" + held.map((x) => `${x * x - 3},${x}`).join("\n") + "\n");
    const predictions = join(folder, "curve-predictions.csv");
    const predicted = await run("predict", join(out, "weights.json"), test, "--out", predictions);
    expect(predicted.err).toBe("");
    expect(predicted.out).toBe(`Wrote ${predictions}: 24 rows, prediction; RMSE ${rmse}, R² ${r2} against column 'y'\n`);
  });

  it("refuses a target it cannot regress on, naming the file, line and column", async () => {
    const words = file("words.csv", "x,y\n1,2\n2,three\n3,4\n");
    const notNumber = await run("train", words, "--target", "y", "--task", "regression");
    oneLine(notNumber);
    expect(notNumber.err).toBe(`${words}, line 3, column 'y': "three" is not a number; a regression target must hold numbers\n`);
    const flat = file("flat.csv", "x,y\n" + Array.from({ length: 10 }, (_, i) => `${i},7`).join("\n"));
    const constant = await run("train", flat, "--target", "y", "--task", "regression");
    oneLine(constant);
    expect(constant.err).toBe(`${flat}: column 'y' is 7 on every training row; a regression needs a target that varies\n`);
    const huge = file("huge-target.csv", "x,y\n" + Array.from({ length: 10 }, (_, i) => `${i},${i % 2 ? "1e308" : "-1e308"}`).join("\n"));
    const overflow = await run("train", huge, "--target", "y", "--task", "regression");
    oneLine(overflow);
    expect(overflow.err).toBe(`${huge}, column 'y': the values are too large to standardise (their standard deviation overflows); rescale the column, e.g. divide it by a power of ten\n`);
    const task = await run("train", line, "--target", "y", "--task", "hasOwnProperty");
    expect(task).toMatchObject({ code: 2, err: "tapegrad train: --task must be classification or regression, got 'hasOwnProperty'\n" });
  });

  it("keeps refusing a continuous-looking target for classification, and advises --task regression", async () => {
    const result = await run("train", line, "--target", "y", "--ignore", "id");
    oneLine(result);
    expect(result.err).toBe(
      `${line}: column 'y' looks continuous (50 distinct values in 50 rows): to predict its value, pass --task regression; ` +
        "to classify, pick a column of classes with --target, or bin the values into a few classes first (e.g. low, medium, high)\n",
    );
  });
});

describe("a constant feature column", () => {
  it("gets std 1, even when its mean is not exact (0.1 repeated), so prediction does not blow up other values", async () => {
    const { columnStatistics } = await import("../src/preprocessing");
    const { tensor } = await import("@tapegrad/core");
    const values = tensor(Array.from({ length: 10 }, (_, i) => [i, 0.1]));
    const { mean, std } = columnStatistics(values);
    expect(std.data[1]).toBe(1);
    expect(mean.data[1]).toBeCloseTo(0.1, 15);
    expect(std.data[0]).toBeCloseTo(Math.sqrt(8.25), 12); // population std of 0 … 9
  });
});
