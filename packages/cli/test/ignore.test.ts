import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMlp } from "@tapegrad/nn/node";
import { oneLine, run, scratchFolder } from "./helpers";

const { folder, file } = scratchFolder("tapegrad-ignore-");

// an identifier, a name, two features and the class
const people = file(
  "people.csv",
  "id,name,height,weight,group\n" + Array.from({ length: 40 }, (_, i) => `${1000 + i},person ${i},${1.5 + (i % 2) * 0.3 + 0.01 * (i % 7)},${60 + (i % 2) * 20 + (i % 5)},${i % 2 ? "b" : "a"}`).join("\n") + "\n",
);

describe("tapegrad train --ignore", () => {
  it("leaves the named columns out of the features, and records them in preprocessing.json", async () => {
    const out = join(folder, "people-out");
    const result = await run("train", people, "--target", "group", "--ignore", "id, name", "--epochs", "20", "--out", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/people\.csv: 40 rows, 2 features \(ignoring 'id', 'name'\), 2 classes \(a, b\); 32 for training, 8 for testing/);
    const preprocessing = JSON.parse(readFileSync(join(out, "preprocessing.json"), "utf8"));
    expect(preprocessing).toMatchObject({ task: "classification", target: "group", features: ["height", "weight"], ignored: ["id", "name"], classes: ["a", "b"] });
    expect(loadMlp(join(out, "weights.json")).architecture).toMatchObject({ sizes: [2, 16, 1] });
    // predict needs only the features: the ignored columns may be absent
    const fresh = file("fresh.csv", "weight,height\n62,1.5\n81,1.8\n");
    const predicted = await run("predict", join(out, "weights.json"), fresh);
    expect(predicted.err).toBe("");
    expect(predicted.out.split("\n").slice(1, 3).map((row) => row.split(",")[2])).toEqual(["a", "b"]);
  });

  it("refuses a text feature column with the advice to --ignore it, listing the columns already ignored", async () => {
    const plain = await run("train", people, "--target", "group");
    oneLine(plain);
    expect(plain.err).toBe(`${people}, line 2, column 'name': "person 0" is not a number; every feature column must hold numbers: fix the value, or leave the column out with --ignore name\n`);
    const some = await run("train", people, "--target", "group", "--ignore", "id");
    oneLine(some);
    expect(some.err).toBe(`${people}, line 2, column 'name': "person 0" is not a number; every feature column must hold numbers: fix the value, or leave the column out with --ignore id,name\n`);
  });

  it.each([
    ["a name not in the header", ["--ignore", "id,nmae"], `tapegrad train: --ignore names 'nmae', which is not a column of PATH; the columns are 'id', 'name', 'height', 'weight', 'group'`],
    ["a name like an Object property", ["--ignore", "constructor"], `tapegrad train: --ignore names 'constructor', which is not a column of PATH; the columns are 'id', 'name', 'height', 'weight', 'group'`],
    ["the target", ["--ignore", "id,name,group"], "tapegrad train: --ignore names 'group', the target column; leave it out of --ignore"],
    ["every feature", ["--ignore", "id,name,height,weight"], "PATH: there are no feature columns besides the target 'group' and the ignored 'id', 'name', 'height', 'weight'"],
    ["an empty name", ["--ignore", "id,,name"], 'tapegrad train: --ignore takes names separated by commas, got "id,,name"'],
  ])("refuses %s with one line and exit code 2", async (_, options, message) => {
    const result = await run("train", people, "--target", "group", ...options);
    oneLine(result);
    expect(result.err).toBe(`${message.replace("PATH", people)}\n`);
  });

  it("refuses a header with a column name twice, since columns are found by name", async () => {
    const twice = file("twice.csv", "a,b,a,label\n1,2,3,x\n4,5,6,y\n");
    const result = await run("train", twice, "--target", "label");
    oneLine(result);
    expect(result.err).toBe(`${twice}: column 'a' appears twice in the header (columns 1 and 3); name the columns uniquely\n`);
  });
});
