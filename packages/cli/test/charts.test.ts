import { describe, expect, it } from "vitest";
import { lineChartSvg, niceTicks, project, sparkline, trainingChartSvg } from "../src";
import { renderSvg } from "./helpers";

describe("the SVG chart writer", () => {
  it("picks round ticks", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.71)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(1, 8, 7)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("maps the first epoch to the left edge and the top of the range to the top", () => {
    const chart = { width: 480, height: 300, xMax: 10, yRange: [0, 1] as const };
    expect(project(1, 1, chart)).toEqual([56, 34]);
    expect(project(10, 0, chart)).toEqual([464, 260]);
  });

  it("draws each series as a polyline through its points, in its colour", () => {
    const svg = lineChartSvg({ title: "a <b> & c", series: [{ name: "up", values: [0, 1, 2, 3], color: "#ff0000" }, { name: "flat", values: [1.5, 1.5, 1.5, 1.5], color: "#0000ff" }] });
    const points = /<polyline[^>]*stroke="#ff0000"[^>]*points="([^"]+)"/.exec(svg)![1].split(" ").map((p) => p.split(",").map(Number));
    expect(points).toHaveLength(4);
    expect(points.map(([x]) => x)).toEqual([...points.map(([x]) => x)].sort((a, b) => a - b));
    expect(points[0][1]).toBeGreaterThan(points[3][1]); // larger values are higher up
    expect(svg).toContain("a &lt;b&gt; &amp; c");
    const picture = renderSvg(svg);
    expect(picture.colored(255, 0, 0)).toBeGreaterThan(150);
    expect(picture.colored(0, 0, 255)).toBeGreaterThan(150);
  });

  it("puts loss and accuracy side by side", () => {
    const svg = trainingChartSvg({ loss: [1, 0.5, 0.25], accuracy: [0.6, 0.8, 0.9], validationAccuracy: [0.55, 0.75, 0.85] });
    expect(renderSvg(svg).width).toBe(960);
    expect(svg).toContain("accuracy per epoch");
    expect(svg).toContain(">90%<");
    expect(() => lineChartSvg({ title: "empty", series: [{ name: "nan", values: [NaN], color: "#000" }] })).toThrow(/no finite values/);
  });

  it("a sparkline for the terminal", () => {
    expect(sparkline("loss", [1, 0.5, 0.25, 0])).toBe("loss 1 █▅▃▁ 0");
    expect(sparkline("loss", [2, 2])).toBe("loss 2 ▁▁ 2");
  });
});
