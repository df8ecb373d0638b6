import type { GradientExplanation, GraphNode, Tensor } from "@tapegrad/core";
import { formatNumber, formatShape } from "./format";
import { heatColor, largestMagnitude, matrixShape } from "./heat";

// The computational graph of the network and its loss as Graphviz DOT: the forward half
// (every tensor with its op, shape and value) above, and the backward half below (the
// cotangent ∂J/∂T of each of those tensors, flowing back), each box showing its numbers in
// full when the tensor is small and as a heat-map cell grid when it is not. Edges of the
// backward half say where broadcasting is undone (Σ over axes) and where cotangents add up.

/** Options of {@link graphDot}. */
export interface GraphPictureOptions {
  /** Tensors of at most this many elements show every number; 6 by default. */
  numbersUpTo?: number;
  /** At most this many rows and columns of cells per heat-map; 24 by default. */
  maxCells?: number;
  /** The pixel size of a heat-map cell; 6 by default. */
  cell?: number;
  /** The node selected (drawn with a thick border). */
  selected?: number;
}

/** How the picture names a node: Z^[l] and A^[l] for an mlp's layers, the parameter's name, else its op. */
export function nodeNames(explanation: GradientExplanation): Map<number, string> {
  const { nodes, edges, output } = explanation.graph;
  const names = new Map<number, string>();
  const inputsOf = (id: number) => edges.filter((edge) => edge.to === id).sort((a, b) => a.inputIndex - b.inputIndex).map((edge) => nodes[edge.from]);
  const consumersOf = (id: number) => edges.filter((edge) => edge.from === id).map((edge) => nodes[edge.to]);
  let layer = 0;
  for (const node of nodes) {
    if (node.kind !== "op" || node.op?.name !== "matmul") continue;
    const weights = inputsOf(node.id).find((input) => input.kind === "parameter" && /\.W$/.test(input.label));
    if (weights === undefined) continue;
    layer = Number(weights.label.match(/^layer(\d+)\./)?.[1] ?? layer + 1);
    const activations = inputsOf(node.id).find((input) => input !== weights);
    if (activations?.kind === "op") names.set(activations.id, `A^[${layer - 1}]`);
    const z = consumersOf(node.id).find((consumer) => consumer.kind === "op" && consumer.op?.name === "add");
    if (z !== undefined) names.set(z.id, `Z^[${layer}]`);
  }
  names.set(output, "J");
  return names;
}

/** The graph as DOT: forward nodes f<id>, their cotangents b<id>. */
export function graphDot(explanation: GradientExplanation, options: GraphPictureOptions = {}): string {
  const { nodes, edges, output } = explanation.graph;
  const names = nodeNames(explanation);
  const upTo = options.numbersUpTo ?? 6;
  const maxCells = options.maxCells ?? 24;
  const cell = options.cell ?? 6;
  const unbroadcast = new Map<string, number[]>();
  for (const step of explanation.steps) for (const flow of step.inputs) if (flow.unbroadcastAxes.length > 0) unbroadcast.set(`${flow.node}>${step.node}`, flow.unbroadcastAxes);
  const fanOut = new Map(explanation.fanOut.map((entry) => [entry.node, entry.contributions]));

  const forwardEdges = edges.filter((edge) => nodes[edge.to].kind === "op");
  const readByForward = new Set(forwardEdges.map((edge) => edge.from));
  const forward = nodes.filter((node) => node.kind === "parameter" || node.kind === "input" || node.kind === "op" || (node.kind === "constant" && readByForward.has(node.id)));
  const title = (node: GraphNode) => {
    const name = names.get(node.id);
    const op = node.kind === "op" ? node.op?.name ?? node.label : node.label;
    return name !== undefined && node.kind === "op" ? `${name} = ${op}` : op;
  };

  const lines = [
    "digraph tapegrad {",
    "  rankdir=TB; newrank=true;",
    '  graph [fontname="Helvetica", fontsize=11, nodesep=0.18, ranksep=0.28, bgcolor="transparent"];',
    '  node [fontname="Helvetica", fontsize=9, shape=plaintext, margin=0];',
    '  edge [color="#64748b", arrowsize=0.5, fontname="Helvetica", fontsize=8];',
    '  subgraph cluster_forward { label="forward: values"; fontcolor="#334155"; color="#cbd5e1"; style="rounded";',
  ];
  for (const node of forward) {
    const colours = FILL[node.kind] ?? FILL.op;
    const rows = [`<TR><TD ALIGN="LEFT"><B>${html(title(node))}</B> ${html(formatShape(node.shape))}</TD></TR>`, `<TR><TD ALIGN="LEFT">${grid(node.value, upTo, maxCells, cell)}</TD></TR>`];
    lines.push(`    f${node.id} [id="f${node.id}", label=<${box(rows, colours, node.id === options.selected)}>];`);
  }
  lines.push("  }");
  lines.push('  subgraph cluster_backward { label="backward: cotangents ∂J/∂T, from the seed ∂J/∂J = 1 up to the parameters"; fontcolor="#991b1b"; color="#fecaca"; style="rounded";');
  const differentiated = forward.filter((node) => node.gradient !== undefined);
  for (const node of differentiated) {
    const name = names.get(node.id) ?? (node.kind === "op" ? `${node.op?.name ?? node.label}` : node.label);
    const sum = fanOut.has(node.id) ? ` <FONT COLOR="#b91c1c">(sum of ${fanOut.get(node.id)})</FONT>` : "";
    const label = node.id === output ? "∂J/∂J = 1" : `∂J/∂${name}`;
    const rows = [`<TR><TD ALIGN="LEFT"><B>${html(label)}</B> ${html(formatShape(node.shape))}${sum}</TD></TR>`, `<TR><TD ALIGN="LEFT">${grid(node.gradient!, upTo, maxCells, cell)}</TD></TR>`];
    const colours = node.kind === "parameter" ? FILL.gradient : FILL.cotangent;
    lines.push(`    b${node.id} [id="b${node.id}", label=<${box(rows, colours, node.id === options.selected)}>];`);
  }
  lines.push("  }");
  for (const edge of forwardEdges) lines.push(`  f${edge.from} -> f${edge.to};`);
  const hasGradient = new Set(differentiated.map((node) => node.id));
  for (const edge of forwardEdges) {
    if (!hasGradient.has(edge.from) || !hasGradient.has(edge.to)) continue;
    const axes = unbroadcast.get(`${edge.from}>${edge.to}`);
    const label = axes ? `, label=${quote(` Σ axes ${formatShape(axes)}`)}, fontcolor="#b91c1c"` : "";
    // The cotangent flows from the consumer back to the producer: the arrow points that way.
    lines.push(`  b${edge.from} -> b${edge.to} [dir=back, color="#dc2626"${label}];`);
  }
  // Each cotangent sits level with its tensor: the backward half mirrors the forward one.
  for (const node of differentiated) lines.push(`  { rank=same; f${node.id}; b${node.id}; }`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

const FILL: Record<string, { fill: string; border: string }> = {
  parameter: { fill: "#fef3c7", border: "#b45309" },
  input: { fill: "#dbeafe", border: "#1d4ed8" },
  constant: { fill: "#f1f5f9", border: "#94a3b8" },
  op: { fill: "#ffffff", border: "#334155" },
  cotangent: { fill: "#fff1f2", border: "#e11d48" },
  gradient: { fill: "#fee2e2", border: "#b91c1c" },
};

function box(rows: string[], colours: { fill: string; border: string }, selected: boolean): string {
  const width = selected ? 3 : 1;
  return `<TABLE BORDER="${width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" BGCOLOR="${colours.fill}" COLOR="${selected ? "#7c3aed" : colours.border}" STYLE="ROUNDED">${rows.join("")}</TABLE>`;
}

/**
 * A tensor as an HTML-like table: every number when it has at most `upTo` elements, else a
 * heat-map of at most `maxCells` × `maxCells` cells (the first rows and columns; a note says
 * how many more there are).
 */
export function grid(t: Tensor, upTo: number, maxCells: number, cell: number): string {
  const values = t.data;
  const scale = largestMagnitude(values);
  const [rows, columns] = matrixShape(t.shape);
  if (t.size === 0) return "(empty)";
  if (t.size <= upTo) {
    const body = Array.from({ length: rows }, (_, r) =>
      `<TR>${Array.from({ length: columns }, (_, c) => {
        const v = values[r * columns + c];
        return `<TD BGCOLOR="${soften(heatColor(v, scale))}">${html(formatNumber(v, 3))}</TD>`;
      }).join("")}</TR>`,
    ).join("");
    return `<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2" COLOR="#e2e8f0">${body}</TABLE>`;
  }
  const shownRows = Math.min(rows, maxCells);
  const shownColumns = Math.min(columns, maxCells);
  const body = Array.from({ length: shownRows }, (_, r) =>
    `<TR>${Array.from({ length: shownColumns }, (_, c) => `<TD WIDTH="${cell}" HEIGHT="${cell}" FIXEDSIZE="TRUE" BGCOLOR="${heatColor(values[r * columns + c], scale)}"></TD>`).join("")}</TR>`,
  ).join("");
  const more = rows > shownRows || columns > shownColumns ? `, first ${shownRows}×${shownColumns} of ${rows}×${columns}` : "";
  const cells = `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">${body}</TABLE>`;
  const caption = `<FONT POINT-SIZE="7">|max| ${html(formatNumber(scale, 3))}${more}</FONT>`;
  return `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD ALIGN="LEFT">${cells}</TD></TR><TR><TD ALIGN="LEFT">${caption}</TD></TR></TABLE>`;
}

/** A heat colour mixed halfway to white, so that numbers on it stay readable. */
function soften(hex: string): string {
  const channel = (i: number) => Math.round((parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) + 255) / 2).toString(16).padStart(2, "0");
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
