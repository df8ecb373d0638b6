import { describe, expect, it } from "vitest";
import { bothConventions } from "../src/inspection";
import { boundsOf, TrainingSession } from "../src/session";
import { DEFAULT_SETTINGS, type PageSettings } from "../src/settings";
import { outputWidth, toyData, toyPoints } from "../src/toy-data";

const settings = (overrides: Partial<PageSettings> = {}): PageSettings => ({ ...DEFAULT_SETTINGS, examples: 120, ...overrides });

describe("a training run of the page", () => {
  it("lowers the loss on each data set", () => {
    for (const dataset of ["moons", "circles", "xor", "spiral"] as const) {
      const session = new TrainingSession(settings({ dataset, output: dataset === "spiral" ? "softmax" : "sigmoid" }));
      for (let i = 0; i < 150; i++) session.step();
      expect(session.history).toHaveLength(151);
      expect(session.history.at(-1)!.loss, dataset).toBeLessThan(session.history[0].loss * 0.7);
    }
  });

  it("gives the same losses, step by step, in the row and the column convention", () => {
    const column = new TrainingSession(settings({ convention: "column" }));
    const row = new TrainingSession(settings({ convention: "row" }));
    expect(column.data.X.shape).toEqual([2, 120]);
    expect(row.data.X.shape).toEqual([120, 2]);
    for (let i = 0; i < 40; i++) expect(Math.abs(row.step() - column.step())).toBeLessThan(1e-12);
    expect(Math.abs(row.history.at(-1)!.loss - column.history.at(-1)!.loss)).toBeLessThan(1e-12);
    const both = bothConventions(column.model, column.data.X, column.data.Y);
    expect(both.maxTransposeDifference).toBeLessThan(1e-15);
    expect(both.lossDifference).toBeLessThan(1e-15);
  });

  it("walks through every example once per epoch, the last mini-batch of an epoch smaller", () => {
    const session = new TrainingSession(settings({ examples: 50, batchSize: 16 }));
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      session.step();
      seen.push(session.lastBatch.inputs.shape[1]);
    }
    expect(seen).toEqual([16, 16, 16, 2]);
  });

  it("shapes the targets for the output", () => {
    const points = toyPoints(settings({ dataset: "spiral", classes: 3 }));
    expect(outputWidth(3, "sigmoid")).toBe(3);
    expect(outputWidth(2, "sigmoid")).toBe(1);
    expect(outputWidth(2, "softmax")).toBe(2);
    expect(toyData(points, "row", "softmax").Y.shape).toEqual([points.labels.length, 3]);
    expect(toyData(toyPoints(settings()), "column", "identity").Y.shape).toEqual([1, 120]);
  });

  it("predicts on a grid over a square box around the data", () => {
    const session = new TrainingSession(settings());
    const { classOf, score } = session.grid(10);
    expect(classOf).toHaveLength(100);
    expect(score.every((p) => p >= 0 && p <= 1)).toBe(true);
    const box = boundsOf([[0, 0], [2, 1]]);
    expect(box.xMax - box.xMin).toBeCloseTo(2.4, 12);
    expect(box.yMax - box.yMin).toBeCloseTo(2.4, 12);
  });

  it("says when training diverges", () => {
    const session = new TrainingSession(settings({ optimizer: "sgd", learningRate: 10, output: "identity", activation: "relu" }));
    expect(() => {
      for (let i = 0; i < 200; i++) session.step();
    }).toThrow(/training diverged; lower the learning rate/);
  });
});
