import type { GradientExplanation, GraphNode } from "@tapegrad/core";
import { formatShape } from "../src/format";
import { nodeNames } from "../src/graph-picture";
import { h, math, replaceChildren } from "./dom";
import { matrixView } from "./matrix-view";

// What one node of the graph does in the backward pass: its op's local derivative (the vjp
// rule from the op's definition), the cotangent coming in, the cotangents going out to its
// inputs, the axes summed where broadcasting is undone, and where cotangents are added.

/** The details panel and a function that fills it for a node of an explanation. */
export function nodeDetails() {
  const element = h("div", { class: "node-details", id: "node-details", "aria-live": "polite" }, h("p", { class: "note" }, "Click a node of the graph (or Tab to it and press Enter)."));

  const show = (explanation: GradientExplanation, id: number) => {
    const { nodes, edges } = explanation.graph;
    const node: GraphNode | undefined = nodes[id];
    if (node === undefined) return;
    const names = nodeNames(explanation);
    const nameOf = (n: GraphNode) => names.get(n.id) ?? n.label;
    const step = explanation.steps.find((s) => s.node === id);
    const consumers = edges.filter((edge) => edge.from === id && nodes[edge.to].kind === "op").map((edge) => nodes[edge.to]);
    const fan = explanation.fanOut.find((entry) => entry.node === id);
    const parts: (HTMLElement | null)[] = [];

    const kind = node.kind === "op" ? `op ${node.op?.name ?? node.label}` : node.kind;
    parts.push(h("h3", {}, math(nameOf(node)), ` · ${kind} · ${formatShape(node.shape)}`));
    if (node.op?.formula) parts.push(h("p", {}, h("span", { class: "tag" }, "forward"), " ", math(node.op.formula)));
    if (step) parts.push(h("p", {}, h("span", { class: "tag" }, "local derivative"), " ", math(step.vjpFormula), h("span", { class: "hint" }, " (g is ∂J/∂out, the cotangent of this op's output)")));
    const values = h("div", { class: "matrices" }, matrixView(node.value, { caption: "value" }));
    if (node.gradient) values.append(matrixView(node.gradient, { caption: node.id === explanation.graph.output ? "g = ∂J/∂J = 1 (the seed)" : `cotangent in: g = ∂J/∂${nameOf(node)}` }));
    parts.push(values);

    if (fan) {
      parts.push(h("p", { class: "fan-out" }, `Fan-out: this tensor feeds ${consumers.length} ops (${consumers.map(nameOf).join(", ")}); its cotangent is the sum of the ${fan.contributions} cotangents they send back.`));
    } else if (node.gradient && consumers.length === 1) {
      parts.push(h("p", { class: "hint" }, "It feeds one op (", math(nameOf(consumers[0])), "): its cotangent is the one that op sends back, with no sum."));
    }

    if (step && step.inputs.length > 0) {
      const list = h("ul", { class: "flows" });
      for (const flow of step.inputs) {
        const input = nodes[flow.node];
        const item = h("li", {}, h("strong", {}, `${flow.input} → `), math(nameOf(input)), ` ${formatShape(flow.shape)}: `);
        if (flow.cotangentShape === null) item.append("no cotangent (not differentiated: data, targets or a constant)");
        else {
          item.append(`cotangent ${formatShape(flow.cotangentShape)}`);
          if (flow.unbroadcastAxes.length > 0) item.append(h("span", { class: "unbroadcast" }, ` · g summed over axes ${formatShape(flow.unbroadcastAxes)} to undo broadcasting ${formatShape(flow.shape)} → ${formatShape(node.shape)}`));
          const shared = explanation.fanOut.find((entry) => entry.node === flow.node);
          if (shared) item.append(h("span", { class: "hint" }, ` · added to ${shared.contributions - 1} more (fan-out)`));
          if (input.gradient) item.append(matrixView(input.gradient, { caption: shared ? `∂J/∂${nameOf(input)} (the sum)` : `cotangent out: ∂J/∂${nameOf(input)}` }));
        }
        list.append(item);
      }
      parts.push(h("p", {}, h("span", { class: "tag" }, "cotangents out"), " to the inputs:"), list);
    } else if (node.kind === "parameter") {
      parts.push(h("p", { class: "hint" }, "A parameter: its cotangent is the gradient the optimiser steps along."));
    }
    replaceChildren(element, ...parts);
  };

  return { element, show };
}
