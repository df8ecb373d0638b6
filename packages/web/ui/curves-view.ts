import { scaleLinear, scaleLog } from "d3-scale";
import { line } from "d3-shape";
import { formatNumber } from "../src/format";
import type { HistoryPoint } from "../src/session";

// The loss and accuracy curves, drawn as plain SVG from d3's scales (ticks, nice domains)
// and its line generator: two small charts need no charting framework, and SVG needs no
// inline styles or scripts, so the strict content-security policy holds.

const SVG = "http://www.w3.org/2000/svg";

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** One chart: a title, a y scale (log for the loss, 0–100% for accuracy), redrawn from the history. */
function chart(title: string, kind: "loss" | "accuracy") {
  const width = 320;
  const height = 150;
  const margin = { top: 18, right: 10, bottom: 22, left: 44 };
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, class: "curve", role: "img", "aria-label": title });
  const draw = (history: readonly HistoryPoint[]) => {
    svg.replaceChildren();
    const points = thin(history, 400);
    const lastStep = Math.max(1, history[history.length - 1]?.step ?? 1);
    const x = scaleLinear().domain([0, lastStep]).range([margin.left, width - margin.right]);
    const values = points.map((p) => (kind === "loss" ? p.loss : p.accuracy));
    const positive = values.filter((v) => v > 0 && Number.isFinite(v));
    const y =
      kind === "loss"
        ? scaleLog()
            .domain([Math.min(...positive, 1) * 0.9, Math.max(...positive, 1e-3) * 1.1])
            .range([height - margin.bottom, margin.top])
            .nice()
        : scaleLinear().domain([0, 1]).range([height - margin.bottom, margin.top]);
    svg.append(svgElement("text", { x: margin.left, y: 12, class: "chart-title" }, title));
    for (const tick of yTicks(y, kind)) {
      svg.append(svgElement("line", { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick), class: "grid" }));
      svg.append(svgElement("text", { x: margin.left - 4, y: y(tick) + 3, class: "tick", "text-anchor": "end" }, kind === "accuracy" ? `${Math.round(tick * 100)}%` : formatNumber(tick, 2)));
    }
    for (const tick of x.ticks(5)) {
      svg.append(svgElement("text", { x: x(tick), y: height - 6, class: "tick", "text-anchor": "middle" }, String(tick)));
    }
    const path = line<HistoryPoint>()
      .x((p) => x(p.step))
      .y((p) => y(Math.max(kind === "loss" ? p.loss : p.accuracy, kind === "loss" ? y.domain()[0] : 0)))(points);
    if (path) svg.append(svgElement("path", { d: path, class: `series ${kind}` }));
  };
  return { element: svg, draw };
}

/** A few ticks: for the loss's log scale the powers of ten (and 2 and 5 times them when the range is narrow). */
function yTicks(y: { ticks(count?: number): number[]; domain(): number[] }, kind: "loss" | "accuracy"): number[] {
  if (kind === "accuracy") return y.ticks(5);
  const all = y.ticks();
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const chosen = all.filter((t) => mantissas.includes(Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9))));
    if (chosen.length >= 3 || mantissas.length === 9) return chosen.length > 6 ? chosen.filter((_, i) => i % Math.ceil(chosen.length / 6) === 0) : chosen;
  }
  return all;
}

/** At most `n` points of the history, evenly spaced, the last one kept. */
function thin(history: readonly HistoryPoint[], n: number): HistoryPoint[] {
  if (history.length <= n) return [...history];
  const every = history.length / n;
  const out = Array.from({ length: n }, (_, i) => history[Math.floor(i * every)]);
  out.push(history[history.length - 1]);
  return out;
}

/** The two charts side by side. */
export function curvesView() {
  const loss = chart("loss J over all examples, by step (log scale)", "loss");
  const accuracy = chart("accuracy over all examples, by step", "accuracy");
  const element = document.createElement("div");
  element.className = "curves";
  element.append(loss.element, accuracy.element);
  return {
    element,
    draw(history: readonly HistoryPoint[]) {
      loss.draw(history);
      accuracy.draw(history);
    },
  };
}
