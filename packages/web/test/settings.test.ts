import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, parseQuery, toQuery } from "../src/settings";

describe("settings in the address", () => {
  it("reads the automation hook and the settings it names", () => {
    const { settings, steps, problems } = parseQuery("?steps=200&seed=3&dataset=circles&hidden=4,6&convention=row&lr=0.1&batch=32&optimizer=sgd&mistake=derivative&layer=1");
    expect(problems).toEqual([]);
    expect(steps).toBe(200);
    expect(settings).toMatchObject({ seed: 3, dataset: "circles", hidden: [4, 6], convention: "row", learningRate: 0.1, batchSize: 32, optimizer: "sgd", mistake: "derivative", mistakeLayer: 1 });
  });

  it("takes nn's full list of widths as sizes", () => {
    expect(parseQuery("sizes=2,5,5,1").settings.hidden).toEqual([5, 5]);
    expect(parseQuery("sizes=2,1").settings.hidden).toEqual([]);
    expect(parseQuery("sizes=3,5,1").problems).toEqual(['sizes: the first width is the input\'s, 2 (x and y), got "3,5,1"']);
  });

  it("keeps the default of an invalid value and says why", () => {
    const { settings, problems, steps } = parseQuery("dataset=mnist&examples=1.5&hidden=8,99&steps=-1&convention=diagonal");
    expect(settings.dataset).toBe(DEFAULT_SETTINGS.dataset);
    expect(settings.hidden).toEqual(DEFAULT_SETTINGS.hidden);
    expect(steps).toBeUndefined();
    expect(problems).toEqual([
      'dataset: use one of moons, circles, xor, spiral, got "mnist"',
      'examples: a whole number from 4 to 2000, got "1.5"',
      'hidden: up to 4 hidden widths from 1 to 32, separated by commas, got "8,99"',
      'convention: use one of row, column, got "diagonal"',
      'steps: a whole number from 0 to 100000, got "-1"',
    ]);
  });

  it("writes back only what differs from the defaults, and reads it back the same", () => {
    expect(toQuery(DEFAULT_SETTINGS)).toBe("");
    const settings = { ...DEFAULT_SETTINGS, hidden: [3], activation: "custom" as const, customForward: "z > 0 ? z : 0", convention: "row" as const };
    const query = toQuery(settings);
    expect(query).toContain("convention=row");
    expect(parseQuery(query).settings).toEqual(settings);
  });
});
