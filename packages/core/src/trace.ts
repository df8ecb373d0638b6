import { onesLike, Tensor } from "./tensor";
import { add } from "./ops/binary";
import { identity } from "./ops/movement";
import { backward, Tape, withTape } from "./tape";
import { mapTensors } from "./tree";
import { formatShape } from "./shape";

/** What a node of a traced graph stands for. */
export type GraphNodeKind = "parameter" | "input" | "constant" | "op" | "backward-op";

/** One node of a {@link TracedGraph}: a tensor, and the op that made it if any. */
export interface GraphNode {
  /** The node's index in `nodes`. */
  id: number;
  /** A parameter or input (an argument), a constant, or an op of the forward or backward pass. */
  kind: GraphNodeKind;
  /** The op's name, or the argument's name. */
  label: string;
  /** The shape of the tensor the node stands for. */
  shape: readonly number[];
  /** The tensor's value. */
  value: Tensor;
  /** ∂(output)/∂(this tensor), for the forward pass's nodes when the backward pass was traced. */
  gradient?: Tensor;
  /** For the backward pass's final nodes: the name of the argument this is the gradient of. */
  gradientOf?: string;
}

/** A data-flow edge: the tensor of node `from` is input `inputIndex` of node `to`. */
export interface GraphEdge {
  /** The producing node. */
  from: number;
  /** The consuming node. */
  to: number;
  /** Which input of `to` it is. */
  inputIndex: number;
}

/** A computation as recorded on the tape: nodes in execution order, and edges. */
export interface TracedGraph {
  /** Arguments and constants first, then ops in the order they ran. */
  nodes: GraphNode[];
  /** Data flow between nodes. */
  edges: GraphEdge[];
  /** The node of the function's output. */
  output: number;
}

/** Options of {@link traceGraph}. */
export interface TraceOptions {
  /**
   * Which arguments (by position) hold parameters; the others are inputs. When given, the
   * backward pass differentiates the parameters only, as training does. Default: none
   * (every argument is an input, and all are differentiated).
   */
  parameters?: readonly number[];
  /** Names of the arguments (by position); tensors inside records get `name.key`. Default: `x0`, `x1`, … */
  names?: readonly string[];
  /** Also trace the backward pass (the output must be a scalar): its ops, and each node's gradient. */
  backward?: boolean;
}

/**
 * Runs `f` on `args` and returns the graph the tape recorded: a node per argument tensor
 * (parameters and inputs told apart), per constant, and per op, custom ops included. With
 * `backward: true` the backward pass is traced too: the vjp ops it ran are recorded as
 * `backward-op` nodes, and every forward node carries its gradient. Render it with {@link toDot}.
 *
 * @example
 * ```ts
 * const graph = traceGraph((p, x) => sum(tanh(matmul(p.W, x))), [{ W }, X], { parameters: [0], names: ["p", "X"], backward: true });
 * graph.nodes.map((n) => n.label); // ["p.W", "X", "matmul", "tanh", "sum", …]
 * const dot = toDot(graph);
 * ```
 */
export function traceGraph(f: (...args: any[]) => Tensor, args: readonly unknown[], options: TraceOptions = {}): TracedGraph {
  const outer = new Tape();
  const inner = new Tape();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const nodeOf = new Map<Tensor, number>();
  const addNode = (tensor: Tensor, kind: GraphNodeKind, label: string): number => {
    const id = nodes.length;
    nodes.push({ id, kind, label, shape: tensor.shape, value: tensor });
    nodeOf.set(tensor, id);
    return id;
  };

  const argumentNames = new Map<Tensor, string>();
  const watchedArgs = args.map((arg, position) => {
    const name = options.names?.[position] ?? `x${position}`;
    const kind: GraphNodeKind = options.parameters?.includes(position) ? "parameter" : "input";
    return mapTensors(arg, (tensor, path) => {
      const watched = identity(tensor);
      outer.watch(watched);
      if (kind === "parameter" || options.parameters === undefined) inner.watch(watched);
      addNode(watched, kind, path);
      argumentNames.set(watched, path);
      return watched;
    }, undefined, name);
  });

  const out = withTape(outer, () => withTape(inner, () => f(...watchedArgs)));
  if (!(out instanceof Tensor)) throw new Error(`traceGraph: the function returned ${String(out)}; it must return a Tensor`);
  const forwardEntries = outer.entries.length;
  let cotangents: Map<Tensor, Tensor> | undefined;
  if (options.backward) {
    if (out.size !== 1) throw new Error(`traceGraph: tracing the backward pass needs a scalar output, got shape ${formatShape(out.shape)}`);
    cotangents = withTape(outer, () => backward(inner, [[out, onesLike(out)]], add, { retainAll: true }));
  }

  outer.entries.forEach((entry, index) => {
    const inputIds = entry.inputs.map((input) => nodeOf.get(input) ?? addNode(input, "constant", input.size === 1 ? `${Number(input.data[0].toPrecision(4))}` : "constant"));
    const id = addNode(entry.out, index < forwardEntries ? "op" : "backward-op", entry.op.name);
    inputIds.forEach((from, inputIndex) => edges.push({ from, to: id, inputIndex }));
  });
  if (cotangents) {
    for (const node of nodes) {
      if (node.kind === "backward-op") continue;
      const gradient = cotangents.get(node.value);
      if (gradient !== undefined) node.gradient = gradient;
    }
    for (const [watched, name] of argumentNames) {
      const gradient = cotangents.get(watched);
      const id = gradient === undefined ? undefined : nodeOf.get(gradient);
      if (id !== undefined && nodes[id].kind === "backward-op") nodes[id].gradientOf = name;
    }
  }
  return { nodes, edges, output: nodeOf.get(out)! };
}

/** Options of {@link toDot}. */
export interface DotOptions {
  /** The graph's title; none by default. */
  title?: string;
  /** Show each value (for tensors of at most this many elements); 0 (off) by default. */
  showValuesUpTo?: number;
  /** Direction of the layout; `"TB"` (top to bottom) by default. */
  rankdir?: "TB" | "LR";
}

const STYLE: Record<GraphNodeKind, string> = {
  parameter: 'shape=box, style="rounded,filled", fillcolor="#fde68a", color="#b45309"',
  input: 'shape=box, style="rounded,filled", fillcolor="#bfdbfe", color="#1d4ed8"',
  constant: 'shape=box, style="rounded,filled", fillcolor="#f3f4f6", color="#9ca3af", fontcolor="#4b5563"',
  op: 'shape=ellipse, style=filled, fillcolor="#ffffff", color="#374151"',
  "backward-op": 'shape=ellipse, style="filled,dashed", fillcolor="#fee2e2", color="#b91c1c"',
};

/**
 * The graph in Graphviz DOT: parameters as yellow boxes, inputs as blue boxes, constants
 * grey, forward ops as white ellipses and backward ops as dashed red ones; every node shows
 * its op or name and its shape, and the gradients of the arguments are marked.
 * @example `writeFileSync("graph.dot", toDot(traceGraph(loss, [params, X], { parameters: [0], backward: true })));`
 */
export function toDot(graph: TracedGraph, options: DotOptions = {}): string {
  const lines = [
    "digraph tapegrad {",
    `  rankdir=${options.rankdir ?? "TB"};`,
    '  graph [fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.35];',
    '  node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"];',
    '  edge [color="#6b7280", arrowsize=0.6];',
  ];
  if (options.title) lines.push(`  label=${quote(options.title)}; labelloc=t;`);
  for (const node of graph.nodes) {
    const parts = [node.gradientOf ? `∂/∂${node.gradientOf}` : node.label, formatShape(node.shape)];
    if (options.showValuesUpTo && node.value.size <= options.showValuesUpTo && node.kind !== "constant") {
      parts.push(`= ${formatValues(node.value)}`);
      if (node.gradient) parts.push(`grad ${formatValues(node.gradient)}`);
    }
    const extra = node.id === graph.output ? ', penwidth=2' : node.gradientOf ? ', penwidth=2, fillcolor="#fecaca"' : "";
    lines.push(`  n${node.id} [label=${quote(parts.join("\n"))}, ${STYLE[node.kind]}${extra}];`);
  }
  for (const edge of graph.edges) {
    const backwardEdge = graph.nodes[edge.to].kind === "backward-op";
    lines.push(`  n${edge.from} -> n${edge.to}${backwardEdge ? ' [style=dashed, color="#f87171"]' : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

function formatValues(t: Tensor): string {
  const values = Array.from(t.data, (v) => Number(v.toPrecision(3)));
  return t.size === 1 ? String(values[0]) : `[${values.join(", ")}]`;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
