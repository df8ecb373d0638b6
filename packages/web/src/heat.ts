import { interpolateRdBu } from "d3-scale-chromatic";

// One colour scale for every matrix on the page: negative values blue, positive red, 0 white,
// each tensor scaled by its own largest magnitude (so a heat-map shows its pattern, and the
// numbers beside it say how large it is).

/** The colour of `value` in a tensor whose largest magnitude is `scale`, as #rrggbb. */
export function heatColor(value: number, scale: number): string {
  if (!Number.isFinite(value)) return "#a3a3a3";
  const t = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;
  return toHex(interpolateRdBu(0.5 - t / 2));
}

/** "rgb(12, 34, 56)" (as d3's interpolators give colours) as "#0c2238", which Graphviz reads. */
function toHex(color: string): string {
  const channels = color.match(/\d+(\.\d+)?/g) ?? ["0", "0", "0"];
  return `#${channels.slice(0, 3).map((c) => Math.round(Number(c)).toString(16).padStart(2, "0")).join("")}`;
}

/** The largest |value| of the values (0 for none; NaN and ∞ left out). */
export function largestMagnitude(values: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) scale = Math.max(scale, Math.abs(values[i]));
  return scale;
}

/** A matrix view of a tensor's shape: scalars and vectors as one row, higher ranks folded into rows of the last axis. */
export function matrixShape(shape: readonly number[]): [rows: number, columns: number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]];
  const columns = shape[shape.length - 1];
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), columns];
}
