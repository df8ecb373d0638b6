import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { oneLine, run, scratchFolder } from "./helpers";

const { folder, file } = scratchFolder("tapegrad-cli-robust-");

describe("--out is checked for writability before training", () => {
  // a folder under a regular file cannot be created, even by root
  const blocker = file("a-file", "not a folder");
  const unwritable = join(blocker, "out");
  const csv = file("small.csv", "x,label\n" + Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? "odd" : "even"}`).join("\n"));

  it.each([
    ["train", [csv, "--target", "label", "--out", unwritable]],
    ["demo", ["--examples", "100", "--epochs", "1", "--out", unwritable]],
  ])("tapegrad %s stops with exit code 2 before training", async (command, args) => {
    const result = await run(command, ...args);
    oneLine(result);
    expect(result.err).toMatch(new RegExp(`^--out ${unwritable.replace(/[.\\/]/g, "\\$&")}: cannot write there \\(ENOTDIR: not a directory\\); choose another folder with --out\\n$`));
    expect(result.out).not.toMatch(/epoch|Loading|Training/);
  });

  it("creates a missing folder and leaves no probe file behind", async () => {
    const out = join(folder, "new", "nested");
    const result = await run("train", csv, "--target", "label", "--epochs", "2", "--out", out);
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["preprocessing.json", "training.svg", "weights.json"]);
  });
});

describe("graph and explain write into the current folder by default", () => {
  it.each([
    ["graph", "graph.svg"],
    ["explain", "explained.svg"],
  ])("tapegrad %s, run from a folder outside the repository, writes %s there", (command, name) => {
    const cwd = mkdtempSync(join(folder, `${command}-`));
    writeFileSync(join(cwd, "net.json"), JSON.stringify({ sizes: [2, 3, 1] }));
    const cli = resolve(import.meta.dirname, "../src/main.ts");
    const tsx = resolve(import.meta.dirname, "../../../node_modules/.bin/tsx");
    const result = spawnSync(tsx, ["--conditions=@tapegrad/source", cli, command, "net.json"], { cwd, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Wrote ${name.replace(".", "\\.")}: `));
    expect(readFileSync(join(cwd, name), "utf8")).toMatch(/<svg/);
    expect(existsSync(resolve(import.meta.dirname, "..", name)), "not in the package").toBe(false);
  });
});

describe("tapegrad train refuses targets and features it cannot use", () => {
  it("names a column whose standard deviation overflows", async () => {
    const huge = file("huge.csv", "small,big,label\n" + Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? "1e308" : "-1e308"},${i % 3 ? "a" : "b"}`).join("\n"));
    const result = await run("train", huge, "--target", "label", "--out", join(folder, "huge-out"));
    oneLine(result);
    expect(result.err).toBe(`${huge}, column 'big': the values are too large to standardise (their standard deviation overflows); rescale the column, e.g. divide it by a power of ten\n`);
    expect(existsSync(join(folder, "huge-out", "weights.json"))).toBe(false);
  });

  it("takes the labels 1 and 1.0 as one class", async () => {
    const labels = ["0", "1", "0.0", "1.0", "1e0", "0"];
    const mixed = file("mixed.csv", "x,label\n" + Array.from({ length: 24 }, (_, i) => `${i % 2 + 0.01 * i},${labels[i % 6]}`).join("\n"));
    const out = join(folder, "mixed-out");
    const result = await run("train", mixed, "--target", "label", "--epochs", "2", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/2 classes \(0, 1\)/);
    expect(JSON.parse(readFileSync(join(out, "preprocessing.json"), "utf8")).classes).toEqual(["0", "1"]);
  });

  it("refuses a continuous-looking target with advice, instead of making one class per value", async () => {
    const prices = file("prices.csv", "area,price\n" + Array.from({ length: 60 }, (_, i) => `${50 + i},${(1000 + 17.5 * (i % 59)).toFixed(1)}`).join("\n"));
    const result = await run("train", prices, "--target", "price", "--out", join(folder, "prices-out"));
    oneLine(result);
    expect(result.err).toBe(
      `${prices}: column 'price' looks continuous (59 distinct values in 60 rows): to predict its value, pass --task regression; to classify, pick a column of classes with --target, or bin the values into a few classes first (e.g. low, medium, high)\n`,
    );
    // more distinct values than half the rows, fewer than 21
    const few = file("few.csv", "x,y\n" + Array.from({ length: 10 }, (_, i) => `${i},${i % 6}`).join("\n"));
    expect((await run("train", few, "--target", "y")).err).toMatch(/column 'y' looks continuous \(6 distinct values in 10 rows\)/);
    // up to 20 numeric classes, each seen at least twice, are classes
    const digits = file("digits.csv", "x,digit\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 20}`).join("\n"));
    const ok = await run("train", digits, "--target", "digit", "--epochs", "1", "--out", join(folder, "digits-out"));
    expect(ok.err).toBe("");
    expect(ok.out).toMatch(/20 classes \(0, 1, 2,/);
  });
});
