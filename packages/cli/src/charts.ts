/** One line of a chart. */
export interface Series {
  /** The legend's text. */
  name: string;
  /** y values at x = 1, 2, … (epochs). */
  values: readonly number[];
  /** A CSS colour. */
  color: string;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  /** The chart's title. */
  title: string;
  /** The lines to draw. */
  series: readonly Series[];
  /** The x axis's label; `"epoch"` by default. */
  xLabel?: string;
  /** Width in pixels; 480 by default. */
  width?: number;
  /** Height in pixels; 300 by default. */
  height?: number;
  /** Fix the y range (e.g. [0, 1] for accuracy); from the data by default. */
  yRange?: readonly [number, number];
  /** Format y tick labels; two significant digits by default. */
  formatY?: (y: number) => string;
}

const MARGIN = { top: 34, right: 16, bottom: 40, left: 56 };

/**
 * Round tick values inside [low, high], about `count` of them: steps of 1, 2 or 5 times a
 * power of ten, the one nearest the exact step (d3's rule).
 * @example `niceTicks(0, 1) // [0, 0.2, 0.4, 0.6, 0.8, 1]`
 */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const step = power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1);
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * The pixel position of data point (x, y) inside a chart of the given size and ranges.
 * @example `project(1, 1, { width: 480, height: 300, xMax: 10, yRange: [0, 1] }) // [56, 34]: the top-left of the plot`
 */
export function project(x: number, y: number, chart: { width: number; height: number; xMax: number; yRange: readonly [number, number] }): [number, number] {
  const plotWidth = chart.width - MARGIN.left - MARGIN.right;
  const plotHeight = chart.height - MARGIN.top - MARGIN.bottom;
  const [yLow, yHigh] = chart.yRange;
  const px = MARGIN.left + (chart.xMax > 1 ? ((x - 1) / (chart.xMax - 1)) * plotWidth : plotWidth / 2);
  const py = MARGIN.top + plotHeight - ((y - yLow) / (yHigh - yLow || 1)) * plotHeight;
  return [Number(px.toFixed(2)), Number(py.toFixed(2))];
}

/**
 * A line chart as a standalone SVG document: axes with round ticks, grid lines, one
 * polyline with dots per series, and a legend.
 * @example `writeFileSync("loss.svg", lineChartSvg({ title: "loss", series: [{ name: "train", values: history.loss, color: "#2563eb" }] }))`
 */
export function lineChartSvg(options: LineChartOptions): string {
  return svgDocument(options.width ?? 480, options.height ?? 300, chartBody(options));
}

/**
 * Loss and accuracy per epoch, side by side, as one SVG document.
 * @example `trainingChartSvg({ loss: history.loss, accuracy: history.accuracy, testAccuracy })`
 */
export function trainingChartSvg(curves: { loss: readonly number[]; validationLoss?: readonly number[]; accuracy?: readonly number[]; validationAccuracy?: readonly number[] }): string {
  const width = 480;
  const height = 300;
  const lossSeries: Series[] = [{ name: "training loss", values: curves.loss, color: "#2563eb" }];
  if (curves.validationLoss?.length) lossSeries.push({ name: "test loss", values: curves.validationLoss, color: "#dc2626" });
  const accuracySeries: Series[] = [];
  if (curves.accuracy?.length) accuracySeries.push({ name: "training accuracy", values: curves.accuracy, color: "#2563eb" });
  if (curves.validationAccuracy?.length) accuracySeries.push({ name: "test accuracy", values: curves.validationAccuracy, color: "#dc2626" });
  const panels = [chartBody({ title: "loss per epoch", series: lossSeries, width, height })];
  if (accuracySeries.length > 0) {
    const all = accuracySeries.flatMap((s) => s.values);
    const low = Math.max(0, Math.floor(Math.min(...all) * 20) / 20);
    panels.push(chartBody({ title: "accuracy per epoch", series: accuracySeries, width, height, yRange: [low, 1], formatY: (y) => `${Math.round(y * 100)}%` }));
  }
  const body = panels.map((panel, i) => `<g transform="translate(${i * width},0)">\n${panel}\n</g>`).join("\n");
  return svgDocument(width * panels.length, height, body);
}

function chartBody(options: LineChartOptions): string {
  const width = options.width ?? 480;
  const height = options.height ?? 300;
  const values = options.series.flatMap((s) => s.values).filter(Number.isFinite);
  if (values.length === 0) throw new Error(`chart '${options.title}': there are no finite values to draw`);
  const xMax = Math.max(...options.series.map((s) => s.values.length));
  let yRange = options.yRange ?? padRange(Math.min(...values), Math.max(...values));
  const yTicks = niceTicks(yRange[0], yRange[1]);
  if (!options.yRange) yRange = [Math.min(yRange[0], yTicks[0]), Math.max(yRange[1], yTicks.at(-1)!)];
  const chart = { width, height, xMax, yRange };
  const formatY = options.formatY ?? ((y: number) => String(Number(y.toPrecision(2))));
  const plotRight = width - MARGIN.right;
  const plotBottom = height - MARGIN.bottom;
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`);
  for (const tick of yTicks) {
    const [, y] = project(1, tick, chart);
    parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${plotRight}" y2="${y}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#374151">${escapeXml(formatY(tick))}</text>`);
  }
  for (const tick of niceTicks(1, xMax, Math.min(xMax - 1, 8) || 1).filter((t) => Number.isInteger(t))) {
    const [x] = project(tick, yRange[0], chart);
    parts.push(`<line x1="${x}" y1="${plotBottom}" x2="${x}" y2="${plotBottom + 4}" stroke="#374151"/>`);
    parts.push(`<text x="${x}" y="${plotBottom + 17}" text-anchor="middle" font-size="11" fill="#374151">${tick}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="#374151"/>`);
  parts.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${plotBottom}" stroke="#374151"/>`);
  parts.push(`<text x="${(MARGIN.left + plotRight) / 2}" y="${height - 6}" text-anchor="middle" font-size="12" fill="#374151">${escapeXml(options.xLabel ?? "epoch")}</text>`);
  options.series.forEach((series, i) => {
    const points = series.values.map((v, k) => project(k + 1, v, chart)).filter(([, y]) => Number.isFinite(y));
    parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${points.map((p) => p.join(",")).join(" ")}"/>`);
    for (const [x, y] of points) parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${series.color}"/>`);
    const legendY = MARGIN.top + 6 + i * 16;
    parts.push(`<line x1="${plotRight - 130}" y1="${legendY}" x2="${plotRight - 112}" y2="${legendY}" stroke="${series.color}" stroke-width="2"/>`);
    parts.push(`<text x="${plotRight - 106}" y="${legendY + 4}" font-size="11" fill="#111827">${escapeXml(series.name)}</text>`);
  });
  return parts.join("\n");
}

function padRange(low: number, high: number): [number, number] {
  if (high === low) return [low - 1, high + 1];
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

function svgDocument(width: number, height: number, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n${body}\n</svg>\n`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * A one-line chart of a series for the terminal, e.g. `loss 0.697 █▄▂▂▁▁▁▁ 0.189`.
 * @example `console.log(sparkline("loss", history.loss))`
 */
export function sparkline(label: string, values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return `${label} (no values)`;
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  const bars = values.map((v) => (Number.isFinite(v) ? BLOCKS[high === low ? 0 : Math.round(((v - low) / (high - low)) * (BLOCKS.length - 1))] : "?")).join("");
  const format = (v: number) => String(Number(v.toPrecision(3)));
  return `${label} ${format(values[0])} ${bars} ${format(values.at(-1)!)}`;
}
