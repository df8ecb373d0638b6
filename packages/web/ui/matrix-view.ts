import type { Tensor } from "@tapegrad/core";
import { formatNumber, formatShape } from "../src/format";
import { heatColor, largestMagnitude, matrixShape } from "../src/heat";
import { h, math } from "./dom";

/** Options of {@link matrixView}. */
export interface MatrixViewOptions {
  /** Show every number when the tensor has at most this many elements; 12 by default. */
  numbersUpTo?: number;
  /** The pixel size of a heat-map cell; from 8 down to 2 as the tensor grows, by default. */
  cell?: number;
  /** At most this many rows and columns of cells; 200 by default. */
  maxCells?: number;
  /** A caption above the matrix. */
  caption?: string;
}

/**
 * A tensor on the page: a table of its numbers when it is small, else a heat-map cell grid
 * (blue negative, red positive, scaled by its largest magnitude, which the caption gives).
 */
export function matrixView(t: Tensor | undefined, options: MatrixViewOptions = {}): HTMLElement {
  const figure = h("figure", { class: "matrix" });
  if (options.caption) figure.append(h("figcaption", {}, math(options.caption)));
  if (t === undefined) {
    figure.append(h("span", { class: "missing" }, "—"));
    return figure;
  }
  const values = t.data;
  const scale = largestMagnitude(values);
  const [rows, columns] = matrixShape(t.shape);
  const description = `${formatShape(t.shape)}, largest |value| ${formatNumber(scale, 3)}`;
  if (t.size <= (options.numbersUpTo ?? 12)) {
    const table = h("table", { class: "numbers", "aria-label": description });
    for (let r = 0; r < rows; r++) {
      const tr = h("tr");
      for (let c = 0; c < columns; c++) {
        const v = values[r * columns + c];
        const td = h("td", {}, formatNumber(v, 3));
        td.style.backgroundColor = soften(heatColor(v, scale));
        tr.append(td);
      }
      table.append(tr);
    }
    figure.append(table);
    return figure;
  }
  // Cells shrink for wide or tall tensors (down to 2 px), so that most of a batch fits in about 400 px.
  const cell = options.cell ?? Math.max(2, Math.min(8, Math.floor(400 / Math.max(rows, columns))));
  const max = options.maxCells ?? 200;
  const shownRows = Math.min(rows, max);
  const shownColumns = Math.min(columns, max);
  const canvas = h("canvas", { width: shownColumns * cell, height: shownRows * cell, role: "img", "aria-label": `heat-map of ${description}`, title: description });
  const context = canvas.getContext("2d");
  if (context) {
    for (let r = 0; r < shownRows; r++) {
      for (let c = 0; c < shownColumns; c++) {
        context.fillStyle = heatColor(values[r * columns + c], scale);
        context.fillRect(c * cell, r * cell, cell, cell);
      }
    }
  }
  figure.append(canvas, h("span", { class: "scale" }, `${formatShape(t.shape)} · |max| ${formatNumber(scale, 3)}${shownRows < rows || shownColumns < columns ? ` · first ${shownRows}×${shownColumns}` : ""}`));
  return figure;
}

/** A heat colour mixed halfway to white, for numbers written on it. */
function soften(hex: string): string {
  const channel = (i: number) => Math.round((parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) + 255) / 2);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}
