import { describe, expect, it } from "vitest";
import { broadcastShapes, reductionAxes, sizeOf, stridesOf } from "../src";
import {
  broadcastStrides,
  checkKeepDims,
  checkNonEmptyAxes,
  describeValue,
  inversePermutation,
  normalizeAxes,
  normalizeAxis,
  notATensor,
  resolveReshape,
} from "../src/shape";
import { tensor } from "../src";

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

  it("normalizeAxes refuses an axis that is not an integer or a list of integers", () => {
    expect(() => normalizeAxes("sum", "1" as never, [2, 3])).toThrow('sum: axis must be an integer or a list of integers, got "1"');
    expect(() => normalizeAxes("sum", [0, 1.5], [2, 3])).toThrow("sum: axis must be an integer or a list of integers, got [0, 1.5]");
    expect(() => normalizeAxes("sum", NaN, [2, 3])).toThrow("sum: axis must be an integer or a list of integers, got NaN");
    expect(normalizeAxes("sum", [], [2, 3])).toEqual([]);
  });

  it("normalizeAxis refuses a non-integer axis before checking its range", () => {
    expect(normalizeAxis("softmax", -1, [2, 3])).toBe(1);
    expect(() => normalizeAxis("softmax", 0.5, [2, 3])).toThrow("softmax: axis must be an integer, got 0.5");
    expect(() => normalizeAxis("softmax", "0" as never, [2, 3])).toThrow('softmax: axis must be an integer, got "0"');
  });

  it("checkKeepDims accepts booleans only", () => {
    expect(() => checkKeepDims("max", true)).not.toThrow();
    expect(() => checkKeepDims("max", 0)).toThrow("max: keepDims must be a boolean, got 0");
  });

  it("checkNonEmptyAxes names the first empty reduced axis", () => {
    expect(() => checkNonEmptyAxes("mean", [0, 3], [1], "the mean")).not.toThrow();
    expect(() => checkNonEmptyAxes("mean", [2, 0, 0], [0, 1, 2], "the mean")).toThrow(
      "mean: axis 1 has size 0, so the mean is undefined (shape [2, 0, 0]); reduce over non-empty axes",
    );
  });

  it("notATensor names the op and the argument, and says how to make a tensor", () => {
    expect(notATensor("clip", "x", [1, 2]).message).toBe("clip: x must be a Tensor, got [1, 2]; make one with tensor(values)");
    expect(notATensor("clip", "x", 3).message).toBe("clip: x must be a Tensor, got 3; make one with tensor(values)");
    expect(notATensor("clip", "x", "a").message).toBe('clip: x must be a Tensor, got "a"');
    expect(notATensor("max", "x", [tensor(1)], "; use maximum").message).toBe("max: x must be a Tensor, got an array; use maximum");
  });

  it("describeValue shows values as error messages need them", () => {
    expect(describeValue("1")).toBe('"1"');
    expect(describeValue(1.5)).toBe("1.5");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(null)).toBe("null");
    expect(describeValue(true)).toBe("true");
    expect(describeValue([0, "1"])).toBe('[0, "1"]');
    expect(describeValue([tensor(1)])).toBe("an array");
    expect(describeValue(Array.from({ length: 9 }, () => 0))).toBe("an array");
    expect(describeValue(tensor(1))).toBe("a Tensor");
    expect(describeValue(new Int32Array(2))).toBe("an Int32Array");
    expect(describeValue({ axis: 1 })).toBe("an object");
    expect(describeValue(Object.create(null))).toBe("an object");
    expect(describeValue(() => 1)).toBe("a function");
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
