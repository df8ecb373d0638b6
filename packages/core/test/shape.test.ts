import { describe, expect, it } from "vitest";
import { broadcastShapes, reductionAxes, sizeOf, stridesOf } from "../src";
import { broadcastStrides, inversePermutation, normalizeAxes, resolveReshape } from "../src/shape";

describe("shape helpers", () => {
  it("sizes and row-major strides", () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
  });

  it("broadcastShapes follows numpy", () => {
    expect(broadcastShapes("op", [3, 1], [4])).toEqual([3, 4]);
    expect(broadcastShapes("op", [], [2, 2])).toEqual([2, 2]);
    expect(broadcastShapes("op", [5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
  });

  it("broadcastStrides puts 0 on broadcast axes", () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([4], [3, 4])).toEqual([0, 1]);
  });

  it("reductionAxes finds the axes a broadcast added", () => {
    expect(reductionAxes([3, 1], [2, 3, 4])).toEqual([0, 2]);
    expect(reductionAxes([1, 1], [1, 5])).toEqual([1]);
    expect(reductionAxes([], [2, 2])).toEqual([0, 1]);
  });

  it("normalizeAxes sorts and resolves negative axes", () => {
    expect(normalizeAxes("op", [-1, 0], [2, 3, 4])).toEqual([0, 2]);
    expect(normalizeAxes("op", undefined, [2, 3])).toEqual([0, 1]);
  });

  it("resolveReshape infers one -1", () => {
    expect(resolveReshape("op", [2, 6], [3, -1])).toEqual([3, 4]);
    expect(() => resolveReshape("op", [2, 6], [5, -1])).toThrow(/cannot reshape/);
    expect(() => resolveReshape("op", [2, 6], [-1, -1])).toThrow(/cannot reshape/);
  });

  it("inversePermutation undoes a permutation", () => {
    expect(inversePermutation([2, 0, 1])).toEqual([1, 2, 0]);
  });
});
