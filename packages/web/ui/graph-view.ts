import type { GradientExplanation } from "@tapegrad/core";
import { graphDot } from "../src/graph-picture";
import { h, replaceChildren } from "./dom";

// The computational graph, laid out by Graphviz in a worker and shown as SVG; a click (or
// Enter on a focused node) selects a node, whose details the page shows beside it.

/** The graph panel's picture. */
export function graphView(onSelect: (node: number) => void) {
  const picture = h("div", { class: "graph-picture", tabindex: "0", "aria-label": "the computational graph; Tab to a node and press Enter for its details" });
  const status = h("p", { class: "note", "aria-live": "polite" }, "laying out the graph…");
  const element = h("div", { class: "graph" }, status, picture);
  let worker: Worker | undefined;
  let latest = 0;
  let busy = false;
  let queued: { explanation: GradientExplanation; selected?: number } | undefined;
  let failed = false;

  const start = (): Worker | undefined => {
    try {
      return new Worker(new URL("./graph-layout.worker.ts", import.meta.url), { type: "module" });
    } catch (error) {
      status.textContent = `The graph cannot be laid out here: ${(error as Error).message}`;
      failed = true;
      return undefined;
    }
  };

  const show = (svgText: string) => {
    const svg = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "forward values on the left, backward cotangents on the right");
    for (const node of svg.querySelectorAll<SVGGElement>("g.node")) {
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      const label = node.querySelector("text")?.textContent ?? node.id;
      node.setAttribute("aria-label", `node ${label}`);
    }
    replaceChildren(picture, document.importNode(svg, true));
  };

  const pick = (event: Event) => {
    const node = (event.target as Element).closest?.("g.node");
    const match = node?.id.match(/^[fb](\d+)$/);
    if (match) onSelect(Number(match[1]));
  };
  picture.addEventListener("click", pick);
  picture.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      pick(event);
      if ((event.target as Element).closest?.("g.node")) event.preventDefault();
    }
  });

  const request = (explanation: GradientExplanation, selected?: number) => {
    if (failed) return;
    worker ??= start();
    if (worker === undefined) return;
    if (busy) {
      queued = { explanation, selected };
      return;
    }
    busy = true;
    const id = ++latest;
    const w = worker;
    w.onmessage = (event: MessageEvent<{ id: number; svg?: string; error?: string }>) => {
      busy = false;
      if (event.data.id === id) {
        if (event.data.svg !== undefined) {
          show(event.data.svg);
          status.textContent = "Forward values on the left; on the right each tensor's cotangent ∂J/∂T, level with it. Click a node for its derivative.";
          document.body.dataset.graph = "ready";
        } else {
          status.textContent = `Graphviz could not lay out the graph: ${event.data.error}. (It needs WebAssembly: a policy without 'wasm-unsafe-eval' refuses it; training is not affected.)`;
          document.body.dataset.graph = "failed";
        }
      }
      if (queued) {
        const next = queued;
        queued = undefined;
        request(next.explanation, next.selected);
      }
    };
    w.onerror = (event) => {
      busy = false;
      failed = true;
      status.textContent = `The graph's worker failed: ${event.message || "it could not start"}. Training is not affected.`;
      document.body.dataset.graph = "failed";
    };
    w.postMessage({ id, dot: graphDot(explanation, { selected }) });
  };

  return { element, draw: request };
}
