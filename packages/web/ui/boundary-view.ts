import type { TrainingSession } from "../src/session";
import { h } from "./dom";

// The decision boundary: the plane coloured by the network's prediction, redrawn as it
// learns, with the examples on top.

const CLASS_COLORS: [number, number, number][] = [
  [37, 99, 235], // blue
  [234, 88, 12], // orange
  [22, 163, 74], // green
  [147, 51, 234], // purple
  [202, 138, 4], // amber
];

/** The picture's element and a function that redraws it from a session. */
export function boundaryView(): { element: HTMLElement; draw(session: TrainingSession): void } {
  const size = 320;
  const resolution = 64;
  const canvas = h("canvas", { width: size, height: size, class: "boundary", role: "img", "aria-label": "the decision boundary: the plane coloured by the predicted class, and the examples" });
  const element = h("div", { class: "boundary-wrap" }, canvas);
  const context = canvas.getContext("2d")!;
  const cells = document.createElement("canvas");
  cells.width = resolution;
  cells.height = resolution;
  const cellContext = cells.getContext("2d")!;

  const draw = (session: TrainingSession) => {
    const { classOf, score } = session.grid(resolution);
    const image = cellContext.createImageData(resolution, resolution);
    const binary = session.data.outputs === 1;
    for (let i = 0; i < classOf.length; i++) {
      // Two classes: from blue (class 0) through white to orange (class 1); more: the class's colour, paler where the network is unsure.
      let rgb: [number, number, number];
      if (binary) {
        const p = Math.max(0, Math.min(1, score[i]));
        const [from, to] = p < 0.5 ? [CLASS_COLORS[0], 1 - 2 * p] : [CLASS_COLORS[1], 2 * p - 1];
        rgb = from.map((c) => 255 - (255 - c) * 0.55 * to) as [number, number, number];
      } else {
        const confidence = Math.max(0, Math.min(1, (score[i] - 1 / session.data.classes) / (1 - 1 / session.data.classes)));
        rgb = CLASS_COLORS[classOf[i] % CLASS_COLORS.length].map((c) => 255 - (255 - c) * 0.55 * confidence) as [number, number, number];
      }
      image.data.set([...rgb, 255], i * 4);
    }
    cellContext.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.drawImage(cells, 0, 0, size, size);
    const { xMin, xMax, yMin, yMax } = session.bounds;
    session.data.points.forEach(([x, y], i) => {
      const px = ((x - xMin) / (xMax - xMin)) * size;
      const py = ((yMax - y) / (yMax - yMin)) * size;
      context.beginPath();
      context.arc(px, py, 3.2, 0, 2 * Math.PI);
      const [r, g, b] = CLASS_COLORS[session.data.labels[i] % CLASS_COLORS.length];
      context.fillStyle = `rgb(${r}, ${g}, ${b})`;
      context.fill();
      context.lineWidth = 1;
      context.strokeStyle = "white";
      context.stroke();
    });
  };
  return { element, draw };
}
